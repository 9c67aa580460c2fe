#include <backend/capture/capture_diff.h>

#include <QTest>

#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

// QCOMPARE cannot take nlohmann::json (its conversions confuse QTest's overloads).
#define JSON_COMPARE(actual, expected)                                                             \
    QVERIFY2((actual) == Json(expected),                                                           \
             ("got " + Json(actual).dump() + ", expected " + Json(expected).dump()).c_str())

Q_DECLARE_METATYPE(ToolCapture::CapturedResponse)

namespace {

CapturedResponse jsonResponse(QByteArray body, int status = 200) {
    CapturedResponse r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"},
                 {"ETag", "\"1\""},
                 {"Cache-Control", "max-age=60"},
                 {"Date", "Wed, 01 May 2024 12:00:00 GMT"},
                 {"X-Correlation-ID", "a"}};
    r.contentType = "application/json";
    r.body = std::move(body);
    return r;
}

CapturedResponse textResponse(QByteArray body) {
    CapturedResponse r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/plain"}};
    r.contentType = "text/plain";
    r.body = std::move(body);
    return r;
}

CapturedResponse binaryResponse(QByteArray body, bool truncated = false) {
    CapturedResponse r;
    r.status = 200;
    r.contentType = "application/octet-stream";
    r.body = std::move(body);
    r.bodyTruncated = truncated;
    return r;
}

template<typename F>
CapturedResponse with(CapturedResponse r, F &&change) {
    change(r);
    return r;
}

// Whether every member of `expected` is in `actual` with the same value (objects recursively;
// arrays and scalars compared whole). Names the first mismatch in `where`.
bool containsSubset(const Json &actual, const Json &expected, std::string &where,
                    const std::string &path = "") {
    if (!expected.is_object() || !actual.is_object()) {
        if (actual == expected)
            return true;
        where = path + ": expected " + expected.dump() + ", got " + actual.dump();
        return false;
    }
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (!actual.contains(it.key())) {
            where = path + "/" + it.key() + ": missing";
            return false;
        }
        if (!containsSubset(actual[it.key()], it.value(), where, path + "/" + it.key()))
            return false;
    }
    return true;
}

} // namespace

class TestCaptureDiff : public QObject {
    Q_OBJECT

private slots:
    void diff_data();
    void diff();
    void changeListIsCapped();
    void deepJsonFallsBackToText();
    void pointerTokenEscaping();
};

void TestCaptureDiff::diff_data() {
    QTest::addColumn<CapturedResponse>("before");
    QTest::addColumn<CapturedResponse>("after");
    QTest::addColumn<QByteArray>("expected"); // a JSON subset of the diff

    const CapturedResponse base = jsonResponse(R"({"id":1,"tags":["a","b"],"owner":{"name":"x"}})");

    QTest::newRow("identical") << base << base << QByteArray(R"({"changed": false,
        "status": {"before": 200, "after": 200, "changed": false},
        "headers": {"equal": true, "added": [], "removed": [], "changed": []},
        "body": {"kind": "json", "equal": true, "changes": [], "truncated": false}})");

    QTest::newRow("status change") << base << jsonResponse(base.body, 503) << QByteArray(R"({
        "changed": true, "status": {"before": 200, "after": 503, "changed": true},
        "headers": {"equal": true}, "body": {"equal": true}})");

    QTest::newRow("headers added removed changed") << base << with(base, [](CapturedResponse &r) {
        r.headers = {{"content-type", "application/json"}, // same field, other case
                     {"Cache-Control", "no-store"},
                     {"X-New", "1"},
                     {"X-New", "2"}};
    }) << QByteArray(R"({"changed": true, "headers": {"equal": false,
            "added": [{"name": "X-New", "value": "1, 2"}],
            "removed": [{"name": "ETag", "value": "\"1\""}],
            "changed": [{"name": "Cache-Control", "before": "max-age=60", "after": "no-store"}],
            "ignored": [{"name": "Date", "before": "Wed, 01 May 2024 12:00:00 GMT", "after": null},
                        {"name": "X-Correlation-ID", "before": "a", "after": null}]},
            "body": {"equal": true}})");

    QTest::newRow("volatile headers only") << base << with(base, [](CapturedResponse &r) {
        r.headers[3].value = "Thu, 02 May 2024 08:00:00 GMT";
        r.headers[4].value = "b";
        r.headers.push_back({"Via", "1.1 toolcapture"});
        r.headers.push_back({"Content-Length", "99"});
    }) << QByteArray(R"({"changed": false, "headers": {"equal": true, "added": [], "changed": [],
            "ignored": [{"name": "Date", "before": "Wed, 01 May 2024 12:00:00 GMT",
                         "after": "Thu, 02 May 2024 08:00:00 GMT"},
                        {"name": "X-Correlation-ID", "before": "a", "after": "b"},
                        {"name": "Via", "before": null, "after": "1.1 toolcapture"},
                        {"name": "Content-Length", "before": null, "after": "99"}]}})");

    QTest::newRow("json nested change")
        << base << jsonResponse(R"({"id":1,"tags":["a","b"],"owner":{"name":"y"}})")
        << QByteArray(R"({"changed": true, "body": {"kind": "json", "equal": false,
            "changes": [{"op": "replace", "path": "/owner/name", "before": "x", "after": "y"}]}})");

    QTest::newRow("json add and remove")
        << base << jsonResponse(R"({"tags":["a","b"],"owner":{"name":"x","mail":"m"},"v":2})")
        << QByteArray(R"({"body": {"kind": "json", "changes": [
            {"op": "remove", "path": "/id", "before": 1},
            {"op": "add", "path": "/owner/mail", "after": "m"},
            {"op": "add", "path": "/v", "after": 2}]}})");

    QTest::newRow("array shorter")
        << jsonResponse("[1,2,3]") << jsonResponse("[1,2]") << QByteArray(R"({"body": {
            "changes": [{"op": "remove", "path": "/2", "before": 3}]}})");

    QTest::newRow("array longer") << jsonResponse("[1]") << jsonResponse(R"([1,{"a":true},3])")
                                  << QByteArray(R"({"body": {
            "changes": [{"op": "add", "path": "/1", "after": {"a": true}},
                        {"op": "add", "path": "/2", "after": 3}]}})");

    QTest::newRow("type change") << jsonResponse(R"({"n":1})") << jsonResponse(R"({"n":"1"})")
                                 << QByteArray(R"({"body": {
            "changes": [{"op": "replace", "path": "/n", "before": 1, "after": "1"}]}})");

    QTest::newRow("pointer escaping")
        << jsonResponse(R"({"a/b":{"m~n":1,"~1":true}})")
        << jsonResponse(R"({"a/b":{"m~n":2,"~1":false}})") << QByteArray(R"({"body": {
            "changes": [{"op": "replace", "path": "/a~1b/m~0n", "before": 1, "after": 2},
                        {"op": "replace", "path": "/a~1b/~01", "before": true, "after": false}]}})");

    QTest::newRow("json order and spacing do not count")
        << jsonResponse(R"({"a":1,"b":[1.0,2]})") << jsonResponse("{ \"b\" : [1, 2],\n \"a\": 1 }")
        << QByteArray(
               R"({"changed": false, "body": {"kind": "json", "equal": true, "changes": []}})");

    QTest::newRow("root scalar replaced")
        << jsonResponse(R"({"a":1})") << jsonResponse("[]") << QByteArray(R"({"body": {
            "kind": "json", "changes": [{"op": "replace", "path": "", "before": {"a": 1},
                                         "after": []}]}})");

    QTest::newRow("text") << textResponse("one\ntwo\nthree\nfour\n")
                          << textResponse("one\n2\nthree\nfour\nfive\n")
                          << QByteArray(
                                 R"({"changed": true, "body": {"kind": "text", "equal": false,
            "before_lines": 4, "after_lines": 5, "first_difference_line": 2,
            "removed_lines": 3, "added_lines": 4}})");

    QTest::newRow("text identical")
        << textResponse("same\n") << textResponse("same\n") << QByteArray(R"({"changed": false,
            "body": {"kind": "text", "equal": true, "first_difference_line": null,
                     "removed_lines": 0, "added_lines": 0}})");

    QTest::newRow("text final newline")
        << textResponse("a\nb") << textResponse("a\nb\n") << QByteArray(R"({"body": {
            "kind": "text", "equal": false, "first_difference_line": 2,
            "removed_lines": 0, "added_lines": 0}})");

    QTest::newRow("json against html")
        << jsonResponse(R"({"ok":true})") << textResponse("<html>Bad Gateway</html>")
        << QByteArray(R"({"body": {"kind": "text", "equal": false, "first_difference_line": 1}})");

    QTest::newRow("binary") << binaryResponse(QByteArray("ab\0c", 4))
                            << binaryResponse(QByteArray("abd\xff", 4))
                            << QByteArray(R"({"changed": true, "body": {"kind": "binary",
            "equal": false, "before_size": 4, "after_size": 4,
            "before_sha256": "6c032e631d39a14d85aff7e319546af701e26c97b57ca95fbfe9c6ba855f67bf",
            "after_sha256": "becf3e3617c15b9a3b16707c9c36557c81f6835c885fc57aea6eae7d45506453"}})");

    QTest::newRow("binary identical")
        << binaryResponse(QByteArray("\x00\x01", 2)) << binaryResponse(QByteArray("\x00\x01", 2))
        << QByteArray(R"({"changed": false, "body": {"kind": "binary", "equal": true}})");

    QTest::newRow("truncated same prefix")
        << binaryResponse("abcdef", true) << binaryResponse("abcdef", true)
        << QByteArray(R"({"changed": false, "body": {"kind": "truncated", "equal": true,
            "first_difference": null, "before_truncated": true, "after_truncated": true}})");

    QTest::newRow("truncated differs")
        << binaryResponse("abcdef", true) << binaryResponse("abcXef")
        << QByteArray(R"({"changed": true, "body": {"kind": "truncated", "equal": false,
            "first_difference": 3, "before_truncated": true, "after_truncated": false}})");

    QTest::newRow("empty bodies")
        << binaryResponse({}) << binaryResponse({})
        << QByteArray(R"({"changed": false, "body": {"equal": true, "before_size": 0}})");
}

void TestCaptureDiff::diff() {
    QFETCH(CapturedResponse, before);
    QFETCH(CapturedResponse, after);
    QFETCH(QByteArray, expected);

    const Json expectedJson = Json::parse(expected.begin(), expected.end());
    const Json diff = diffResponses(before, after);
    std::string where;
    QVERIFY2(containsSubset(diff, expectedJson, where), (where + "\n" + diff.dump(2)).c_str());
    // Nothing changes against itself.
    JSON_COMPARE(diffResponses(after, after)["changed"], false);
}

void TestCaptureDiff::changeListIsCapped() {
    Json before = Json::object();
    Json after = Json::object();
    for (int i = 0; i < 150; ++i) {
        before["k" + std::to_string(i)] = i;
        after["k" + std::to_string(i)] = i + 1;
    }
    const Json diff =
        diffResponses(jsonResponse(QByteArray::fromStdString(before.dump())),
                      jsonResponse(QByteArray::fromStdString(after.dump())), DiffOptions{10});
    QCOMPARE(diff["body"]["changes"].size(), 10u);
    JSON_COMPARE(diff["body"]["truncated"], true);
    JSON_COMPARE(diff["body"]["equal"], false);

    const Json uncapped = diffResponses(jsonResponse(QByteArray::fromStdString(before.dump())),
                                        jsonResponse(QByteArray::fromStdString(after.dump())));
    QCOMPARE(uncapped["body"]["changes"].size(), 100u); // the default cap
    JSON_COMPARE(uncapped["body"]["truncated"], true);
}

void TestCaptureDiff::deepJsonFallsBackToText() {
    const QByteArray deep = QByteArray(100000, '[') + QByteArray(100000, ']');
    const QByteArray deeper = QByteArray(100001, '[') + QByteArray(100001, ']');
    const Json diff = diffResponses(jsonResponse(deep), jsonResponse(deeper));
    JSON_COMPARE(diff["body"]["kind"], "text");
    JSON_COMPARE(diff["body"]["equal"], false);
}

void TestCaptureDiff::pointerTokenEscaping() {
    QCOMPARE(escapeJsonPointerToken("plain"), "plain");
    QCOMPARE(escapeJsonPointerToken("a/b~c"), "a~1b~0c");
    QCOMPARE(escapeJsonPointerToken("~1"), "~01");
    QCOMPARE(escapeJsonPointerToken(""), "");
}

QTEST_GUILESS_MAIN(TestCaptureDiff)
#include "tst_capture_diff.moc"
