#include <backend/cache/validators.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;

Q_DECLARE_METATYPE(ConditionalResult)

// Tests entity tags, conditional requests answered from a stored response and 304 merging
// (RFC 9110 8.8.3 and 13, RFC 9111 4.3.2 and 4.3.4).
class TestValidators : public QObject {
    Q_OBJECT

private slots:
    void parseEntityTag_data();
    void parseEntityTag();
    void compare_data();
    void compare();
    void evaluate_data();
    void evaluate();
    void notModifiedHeaders();
    void selectForUpdate_data();
    void selectForUpdate();
    void freshen_data();
    void freshen();
    void headMatchesStored_data();
    void headMatchesStored();
};

void TestValidators::parseEntityTag_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("weak");
    QTest::addColumn<QByteArray>("opaque");
    QTest::newRow("strong") << QByteArray("\"xyzzy\"") << true << false << QByteArray("xyzzy");
    QTest::newRow("weak") << QByteArray("W/\"xyzzy\"") << true << true << QByteArray("xyzzy");
    QTest::newRow("empty opaque") << QByteArray("\"\"") << true << false << QByteArray("");
    QTest::newRow("comma inside") << QByteArray("\"a,b\"") << true << false << QByteArray("a,b");
    QTest::newRow("surrounding OWS") << QByteArray(" \"x\" ") << true << false << QByteArray("x");
    QTest::newRow("unquoted") << QByteArray("xyzzy") << false << false << QByteArray();
    QTest::newRow("lower-case w/") << QByteArray("w/\"x\"") << false << false << QByteArray();
    QTest::newRow("space inside") << QByteArray("\"a b\"") << false << false << QByteArray();
    QTest::newRow("unterminated") << QByteArray("\"abc") << false << false << QByteArray();
    QTest::newRow("trailing garbage") << QByteArray("\"a\"b") << false << false << QByteArray();
}

void TestValidators::parseEntityTag() {
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(bool, weak);
    QFETCH(QByteArray, opaque);
    const std::optional<EntityTag> tag = Validators::parseEntityTag(text);
    QCOMPARE(tag.has_value(), valid);
    if (valid) {
        QCOMPARE(tag->weak, weak);
        QCOMPARE(tag->opaque, opaque);
    }
}

void TestValidators::compare_data() {
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("strong");
    QTest::addColumn<bool>("weak");
    // RFC 9110 section 8.8.3.2's table.
    QTest::newRow("W/1 W/1") << QByteArray("W/\"1\"") << QByteArray("W/\"1\"") << false << true;
    QTest::newRow("W/1 W/2") << QByteArray("W/\"1\"") << QByteArray("W/\"2\"") << false << false;
    QTest::newRow("W/1 1") << QByteArray("W/\"1\"") << QByteArray("\"1\"") << false << true;
    QTest::newRow("1 1") << QByteArray("\"1\"") << QByteArray("\"1\"") << true << true;
}

void TestValidators::compare() {
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, strong);
    QFETCH(bool, weak);
    const EntityTag x = *Validators::parseEntityTag(a);
    const EntityTag y = *Validators::parseEntityTag(b);
    QCOMPARE(Validators::strongMatch(x, y), strong);
    QCOMPARE(Validators::strongMatch(y, x), strong);
    QCOMPARE(Validators::weakMatch(x, y), weak);
    QCOMPARE(Validators::weakMatch(y, x), weak);
}

void TestValidators::evaluate_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("stored");
    QTest::addColumn<ConditionalResult>("result");
    const auto none = ConditionalResult::NotConditional;
    const auto not304 = ConditionalResult::Modified;
    const auto is304 = ConditionalResult::NotModified;
    const auto forward = ConditionalResult::Forward;
    const QByteArray stored =
        "ETag: \"v2\"|Last-Modified: " + RfcTest::date(-100) + "|Date: " + RfcTest::date(0);
    auto row = [](const char *name, const char *method, const QByteArray &request,
                  const QByteArray &storedFields, ConditionalResult result) {
        QTest::newRow(name) << QByteArray(method) << request << storedFields << result;
    };
    row("unconditional", "GET", "", stored, none);
    row("If-None-Match matches", "GET", "If-None-Match: \"v2\"", stored, is304);
    row("If-None-Match weak matches strong (weak comparison)", "GET", "If-None-Match: W/\"v2\"",
        stored, is304);
    row("If-None-Match list", "GET", "If-None-Match: \"v1\", \"v2\"", stored, is304);
    row("If-None-Match two lines", "GET", "If-None-Match: \"v1\"|If-None-Match: \"v2\"", stored,
        is304);
    row("If-None-Match no match", "GET", "If-None-Match: \"v1\"", stored, not304);
    row("If-None-Match *", "GET", "If-None-Match: *", stored, is304);
    row("If-None-Match, stored without ETag", "GET", "If-None-Match: \"v2\"",
        "Date: " + RfcTest::date(0), not304);
    row("If-None-Match malformed: full response", "GET", "If-None-Match: v2", stored, not304);
    row("If-None-Match on HEAD", "HEAD", "If-None-Match: \"v2\"", stored, is304);
    row("If-None-Match wins over If-Modified-Since", "GET",
        "If-None-Match: \"v1\"|If-Modified-Since: " + RfcTest::date(0), stored, not304);
    row("If-Modified-Since after Last-Modified", "GET", "If-Modified-Since: " + RfcTest::date(-50),
        stored, is304);
    row("If-Modified-Since equal to Last-Modified", "GET",
        "If-Modified-Since: " + RfcTest::date(-100), stored, is304);
    row("If-Modified-Since before Last-Modified", "GET",
        "If-Modified-Since: " + RfcTest::date(-101), stored, not304);
    row("If-Modified-Since invalid ignored", "GET", "If-Modified-Since: yesterday", stored, none);
    row("If-Modified-Since twice ignored", "GET",
        "If-Modified-Since: " + RfcTest::date(0) + "|If-Modified-Since: " + RfcTest::date(0),
        stored, none);
    row("If-Modified-Since against Date without Last-Modified", "GET",
        "If-Modified-Since: " + RfcTest::date(0), "Date: " + RfcTest::date(0), is304);
    row("If-Modified-Since before Date without Last-Modified", "GET",
        "If-Modified-Since: " + RfcTest::date(-1), "Date: " + RfcTest::date(0), not304);
    row("If-Modified-Since against receipt time", "GET", "If-Modified-Since: " + RfcTest::date(5),
        "", is304);
    row("If-Modified-Since RFC 850 form", "GET",
        "If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT", stored, is304);
    row("POST is not answered", "POST", "If-None-Match: \"v2\"", stored, none);
    row("If-Match is the origin's", "GET", "If-Match: \"v2\"", stored, forward);
    row("If-Range is the origin's", "GET", "If-Range: \"v2\"|If-None-Match: \"v2\"", stored,
        forward);
    row("If-Unmodified-Since is the origin's", "GET", "If-Unmodified-Since: " + RfcTest::date(0),
        stored, forward);
}

void TestValidators::evaluate() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, stored);
    QFETCH(ConditionalResult, result);
    QCOMPARE(Validators::evaluate(method, RfcTest::headers(request), RfcTest::headers(stored),
                                  RfcTest::at(5)),
             result);
}

void TestValidators::notModifiedHeaders() {
    const HttpHeaders stored = RfcTest::headers(
        "Content-Type: text/html|Content-Length: 12|ETag: \"1\"|Last-Modified: x|Date: d|"
        "Cache-Control: max-age=5|Vary: Accept|Expires: e|Content-Location: /c|X-Other: o");
    QCOMPARE(RfcTest::text(Validators::notModifiedHeaders(stored)),
             QByteArray("ETag: \"1\"|Date: d|Cache-Control: max-age=5|Vary: Accept|Expires: "
                        "e|Content-Location: /c"));
    // Without an ETag, Last-Modified guides the client's next validation.
    const HttpHeaders noEtag = RfcTest::headers("Last-Modified: x|Content-Length: 3");
    QCOMPARE(RfcTest::text(Validators::notModifiedHeaders(noEtag)), QByteArray("Last-Modified: x"));
}

void TestValidators::selectForUpdate_data() {
    QTest::addColumn<QByteArray>("notModified");
    QTest::addColumn<QList<QByteArray>>("stored"); // received one second apart, in order
    QTest::addColumn<QList<int>>("selected");
    const QByteArray lm1 = "Last-Modified: " + RfcTest::date(-100);
    const QByteArray lm2 = "Last-Modified: " + RfcTest::date(-50);
    QTest::newRow("strong: every match")
        << QByteArray("ETag: \"a\"")
        << QList<QByteArray>{"ETag: \"a\"", "ETag: \"b\"", "ETag: \"a\""} << QList<int>{0, 2};
    QTest::newRow("strong: none matches, no update")
        << QByteArray("ETag: \"c\"") << QList<QByteArray>{"ETag: \"a\"", "ETag: \"b\""}
        << QList<int>{};
    QTest::newRow("strong does not match a weak stored tag")
        << QByteArray("ETag: \"a\"") << QList<QByteArray>{"ETag: W/\"a\""} << QList<int>{};
    QTest::newRow("weak: the most recent match")
        << QByteArray("ETag: W/\"a\"")
        << QList<QByteArray>{"ETag: W/\"a\"", "ETag: \"a\"", "ETag: \"b\""} << QList<int>{1};
    QTest::newRow("Last-Modified only: the most recent match")
        << lm1 << QList<QByteArray>{lm1, lm2, lm1} << QList<int>{2};
    QTest::newRow("no validator, one stored without validator")
        << QByteArray("Date: x") << QList<QByteArray>{"Date: y"} << QList<int>{0};
    QTest::newRow("no validator, stored has one")
        << QByteArray("Date: x") << QList<QByteArray>{"ETag: \"a\""} << QList<int>{};
    QTest::newRow("no validator, two stored")
        << QByteArray("Date: x") << QList<QByteArray>{"Date: y", "Date: z"} << QList<int>{};
}

void TestValidators::selectForUpdate() {
    QFETCH(QByteArray, notModified);
    QFETCH(QList<QByteArray>, stored);
    QFETCH(QList<int>, selected);
    std::vector<StoredVariant> variants;
    for (qsizetype i = 0; i < stored.size(); ++i)
        variants.push_back({RfcTest::headers(stored[i]), RfcTest::at(i)});
    QList<int> actual;
    for (std::size_t index : Validators::selectForUpdate(RfcTest::headers(notModified), variants))
        actual.append(int(index));
    QCOMPARE(actual, selected);
}

void TestValidators::freshen_data() {
    QTest::addColumn<QByteArray>("stored");
    QTest::addColumn<QByteArray>("notModified");
    QTest::addColumn<QByteArray>("merged");
    QTest::newRow("304 fields replace, others kept")
        << QByteArray("Content-Type: text/html|Cache-Control: max-age=5|ETag: \"1\"|Date: a")
        << QByteArray("Cache-Control: max-age=60|Date: b|ETag: \"1\"")
        << QByteArray("Content-Type: text/html|Cache-Control: max-age=60|Date: b|ETag: \"1\"");
    QTest::newRow("Content-Length never taken from a 304")
        << QByteArray("Content-Length: 12|Date: a") << QByteArray("Content-Length: 0|Date: b")
        << QByteArray("Content-Length: 12|Date: b");
    QTest::newRow("hop-by-hop never taken from a 304")
        << QByteArray("Date: a")
        << QByteArray("Connection: close, X-Hop|X-Hop: 1|Keep-Alive: 5|Transfer-Encoding: "
                      "chunked|Date: b")
        << QByteArray("Date: b");
    QTest::newRow("all lines of a field replaced")
        << QByteArray("Link: <a>|Link: <b>|Date: a") << QByteArray("Link: <c>")
        << QByteArray("Date: a|Link: <c>");
    QTest::newRow("names compared case-insensitively")
        << QByteArray("cache-control: max-age=5") << QByteArray("Cache-Control: max-age=9")
        << QByteArray("Cache-Control: max-age=9");
    QTest::newRow("new fields added") << QByteArray("Date: a") << QByteArray("Expires: e|X-New: n")
                                      << QByteArray("Date: a|Expires: e|X-New: n");
    QTest::newRow("stored Age dropped, 304 Age taken")
        << QByteArray("Age: 100|Date: a") << QByteArray("Age: 3") << QByteArray("Date: a|Age: 3");
    QTest::newRow("stored Age dropped without 304 Age")
        << QByteArray("Age: 100|Date: a") << QByteArray("Date: b") << QByteArray("Date: b");
}

void TestValidators::freshen() {
    QFETCH(QByteArray, stored);
    QFETCH(QByteArray, notModified);
    QFETCH(QByteArray, merged);
    QCOMPARE(
        RfcTest::text(Validators::freshen(RfcTest::headers(stored), RfcTest::headers(notModified))),
        merged);
}

void TestValidators::headMatchesStored_data() {
    QTest::addColumn<QByteArray>("stored");
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("matches");
    const QByteArray stored = "ETag: \"7\"|Last-Modified: x|Content-Length: 10";
    QTest::newRow("same validators and length")
        << stored << QByteArray("ETag: \"7\"|Content-Length: 10") << true;
    QTest::newRow("no validators in HEAD") << stored << QByteArray("Date: d") << true;
    QTest::newRow("ETag differs") << stored << QByteArray("ETag: \"8\"") << false;
    QTest::newRow("ETag became weak") << stored << QByteArray("ETag: W/\"7\"") << false;
    QTest::newRow("Last-Modified differs") << stored << QByteArray("Last-Modified: y") << false;
    QTest::newRow("Content-Length differs")
        << stored << QByteArray("ETag: \"7\"|Content-Length: 11") << false;
    QTest::newRow("HEAD has a validator the stored lacks")
        << QByteArray("Content-Length: 10") << QByteArray("ETag: \"7\"") << false;
}

void TestValidators::headMatchesStored() {
    QFETCH(QByteArray, stored);
    QFETCH(QByteArray, head);
    QFETCH(bool, matches);
    QCOMPARE(Validators::headMatchesStored(RfcTest::headers(stored), RfcTest::headers(head)),
             matches);
}

QTEST_GUILESS_MAIN(TestValidators)
#include "tst_validators.moc"
