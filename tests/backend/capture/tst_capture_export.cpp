#include <backend/capture/capture_export.h>

#include <QDateTime>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

// QCOMPARE cannot take nlohmann::json (its conversions confuse QTest's overloads).
#define JSON_COMPARE(actual, expected)                                                             \
    QVERIFY2((actual) == Json(expected),                                                           \
             ("got " + Json(actual).dump(-1, ' ', false, Json::error_handler_t::replace) +         \
              ", expected " + Json(expected).dump(-1, ' ', false, Json::error_handler_t::replace)) \
                 .c_str())

namespace {

constexpr std::int64_t kAcceptedAtUs = 1714564800123456; // 2024-05-01T12:00:00.123456Z

CaptureRecord getWithQuery() {
    CaptureRecord r;
    r.id = 7;
    r.correlationId = "corr-get-1";
    r.acceptedAtUs = kAcceptedAtUs;
    r.connectedUs = 1500;
    r.firstByteUs = 11500;
    r.doneUs = 12000;
    r.method = "GET";
    r.path = "/catalog/items";
    r.query = "q=red+shoes&size=42&path=%2Fa%2Fb&flag&=empty";
    r.status = 200;
    r.responseBytes = 17;
    r.service = QStringLiteral("catalog");
    r.instance = QStringLiteral("catalog-2");
    r.attempts = 2;
    r.requestHeaders = {{"Host", "proxy.example:8080"},
                        {"Accept", "application/json"},
                        {"Authorization", CaptureRecord::kRedacted}};
    r.responseHeaders = {{"Content-Type", "application/json"}, {"ETag", "\"v1\""}};
    r.responseContentType = "application/json";
    r.responseBody = R"({"items":["é"]})";
    r.responseBytes = r.responseBody.size();
    return r;
}

CaptureRecord postBinary() {
    CaptureRecord r;
    r.id = 8;
    r.correlationId = "corr-post-2";
    r.acceptedAtUs = kAcceptedAtUs + 1000000;
    r.connectedUs = 0;
    r.firstByteUs = 3000;
    r.doneUs = 3250;
    r.method = "POST";
    r.path = "/upload";
    r.status = 201;
    r.requestHeaders = {{"Content-Type", "application/octet-stream"}};
    r.requestContentType = "application/octet-stream";
    r.requestBody = QByteArray("\x00\xff\xfe binary \x80", 12);
    r.requestBytes = r.requestBody.size();
    r.responseHeaders = {{"Content-Type", "image/png"}, {"Location", "/upload/9"}};
    r.responseContentType = "image/png";
    r.responseBody = QByteArray("\x89PNG\r\n\x1a\n\x00\x00", 10);
    r.responseBytes = r.responseBody.size();
    r.service = QStringLiteral("files");
    r.instance = QStringLiteral("files-1");
    r.attempts = 1;
    return r;
}

// The proxy answered itself before any upstream connection; no Host was captured.
CaptureRecord proxyAnswer() {
    CaptureRecord r;
    r.id = 9;
    r.correlationId = "corr-err-3";
    r.acceptedAtUs = kAcceptedAtUs + 2000000;
    r.doneUs = 800;
    r.method = "DELETE";
    r.path = "/nowhere";
    r.status = 404;
    r.proxyError = "no-route";
    r.responseContentType = "application/problem+json";
    r.responseBody = R"({"status":404})";
    r.responseBytes = r.responseBody.size();
    r.requestBytes = 5000000;
    r.replayable = false;
    return r;
}

// The HAR 1.2 required members with their JSON types, checked on every entry.
void verifyRequiredFields(const Json &entry) {
    const auto require = [](const Json &object, const char *key, Json::value_t type) {
        QVERIFY2(object.contains(key), key);
        const Json::value_t actual = object.at(key).type();
        const bool numberOk =
            type == Json::value_t::number_float &&
            (actual == Json::value_t::number_integer || actual == Json::value_t::number_unsigned);
        QVERIFY2(actual == type || numberOk, key);
    };
    using T = Json::value_t;
    require(entry, "startedDateTime", T::string);
    require(entry, "time", T::number_float);
    require(entry, "request", T::object);
    require(entry, "response", T::object);
    require(entry, "cache", T::object);
    require(entry, "timings", T::object);
    const Json &request = entry["request"];
    for (const char *key : {"method", "url", "httpVersion"})
        require(request, key, T::string);
    for (const char *key : {"cookies", "headers", "queryString"})
        require(request, key, T::array);
    for (const char *key : {"headersSize", "bodySize"})
        require(request, key, T::number_float);
    const Json &response = entry["response"];
    require(response, "status", T::number_float);
    for (const char *key : {"statusText", "httpVersion", "redirectURL"})
        require(response, key, T::string);
    for (const char *key : {"cookies", "headers"})
        require(response, key, T::array);
    require(response, "content", T::object);
    require(response["content"], "size", T::number_float);
    require(response["content"], "mimeType", T::string);
    for (const char *key : {"headersSize", "bodySize"})
        require(response, key, T::number_float);
    for (const Json &header : request["headers"]) {
        require(header, "name", T::string);
        require(header, "value", T::string);
    }
    const Json &timings = entry["timings"];
    for (const char *key : {"send", "wait", "receive"}) {
        require(timings, key, T::number_float);
        QVERIFY2(timings[key].get<double>() >= 0, key);
    }
    double sum = 0;
    for (const char *key : {"blocked", "dns", "connect", "send", "wait", "receive"}) {
        const double value = timings.value(key, -1.0);
        if (value != -1)
            sum += value;
    }
    QVERIFY(qAbs(sum - entry["time"].get<double>()) < 1e-9);
    const QDateTime started = QDateTime::fromString(
        QString::fromStdString(entry["startedDateTime"].get<std::string>()), Qt::ISODateWithMs);
    QVERIFY(started.isValid());
}

Json exportHar(const std::vector<CaptureRecord> &records, HarOptions options = {}) {
    const QByteArray har = toHar(records, options);
    return Json::parse(har.begin(), har.end());
}

// What a curl invocation received: its arguments and its standard input.
struct CurlCall {
    QList<QByteArray> args;
    QByteArray stdinBytes;
};

// Runs a generated command under /bin/sh with `curl` replaced by a shell function that records
// its arguments (NUL-separated) and its standard input: the shell's own quoting rules decide.
std::optional<CurlCall> runUnderShell(const QByteArray &command) {
    QTemporaryDir dir;
    if (!dir.isValid())
        return std::nullopt;
    const QString args = dir.filePath(QStringLiteral("args"));
    const QString input = dir.filePath(QStringLiteral("stdin"));
    const QByteArray script =
        "curl() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$ARGS_FILE\"; "
        "cat > \"$STDIN_FILE\"; }\n" +
        command;
    QProcess shell;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ARGS_FILE"), args);
    env.insert(QStringLiteral("STDIN_FILE"), input);
    shell.setProcessEnvironment(env);
    // From a file: a command line longer than 128 KiB could not be one exec argument.
    QFile scriptFile(dir.filePath(QStringLiteral("script.sh")));
    if (!scriptFile.open(QIODevice::WriteOnly) || scriptFile.write(script) != script.size())
        return std::nullopt;
    scriptFile.close();
    shell.start(QStringLiteral("/bin/sh"), {scriptFile.fileName()});
    if (!shell.waitForStarted(5000))
        return std::nullopt;
    shell.closeWriteChannel();
    if (!shell.waitForFinished(10000) || shell.exitCode() != 0) {
        qWarning() << shell.readAllStandardError();
        return std::nullopt;
    }
    QFile argsFile(args);
    QFile inputFile(input);
    if (!argsFile.open(QIODevice::ReadOnly) || !inputFile.open(QIODevice::ReadOnly))
        return std::nullopt;
    CurlCall call;
    call.args = argsFile.readAll().split('\0');
    call.args.removeLast(); // after the final separator
    call.stdinBytes = inputFile.readAll();
    return call;
}

QByteArray argAfter(const QList<QByteArray> &args, QByteArrayView flag) {
    const qsizetype at = args.indexOf(flag.toByteArray());
    return at >= 0 && at + 1 < args.size() ? args[at + 1] : QByteArray("<absent>");
}

QList<QByteArray> headerArgs(const QList<QByteArray> &args) {
    QList<QByteArray> headers;
    for (qsizetype i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "-H")
            headers.push_back(args[i + 1]);
    }
    return headers;
}

} // namespace

class TestCaptureExport : public QObject {
    Q_OBJECT

private slots:
    void harLogAndRequiredFields();
    void harGetWithQueryString();
    void harBinaryBodies();
    void harProxyAnswerAndBaseUrl();
    void harTruncatedUtf8Body();
    void shellQuoting_data();
    void shellQuoting();
    void curlUnderShell_data();
    void curlUnderShell();
    void curlComments();
    void utf8Validation_data();
    void utf8Validation();
};

void TestCaptureExport::harLogAndRequiredFields() {
    const Json har = exportHar({getWithQuery(), postBinary(), proxyAnswer()},
                               HarOptions{QUrl(QStringLiteral("http://localhost")), "1.2.3"});
    QVERIFY(har.contains("log"));
    const Json &log = har["log"];
    JSON_COMPARE(log["version"], "1.2");
    JSON_COMPARE(log["creator"]["name"], "ToolCapture");
    JSON_COMPARE(log["creator"]["version"], "1.2.3");
    QVERIFY(log["entries"].is_array());
    QCOMPARE(log["entries"].size(), 3u);
    for (const Json &entry : log["entries"]) {
        verifyRequiredFields(entry);
        if (QTest::currentTestFailed())
            return;
    }
    QCOMPARE(exportHar({})["log"]["entries"].size(), 0u);
}

void TestCaptureExport::harGetWithQueryString() {
    const Json entry = exportHar({getWithQuery()})["log"]["entries"][0];
    JSON_COMPARE(entry["startedDateTime"], "2024-05-01T12:00:00.123Z");
    const Json &request = entry["request"];
    JSON_COMPARE(request["method"], "GET");
    JSON_COMPARE(request["url"], "http://proxy.example:8080/catalog/items?q=red+shoes&size=42&"
                                 "path=%2Fa%2Fb&flag&=empty");
    JSON_COMPARE(request["httpVersion"], "HTTP/1.1");
    const Json expectedQuery = Json::parse(R"([{"name":"q","value":"red shoes"},
        {"name":"size","value":"42"}, {"name":"path","value":"/a/b"},
        {"name":"flag","value":""}, {"name":"","value":"empty"}])");
    JSON_COMPARE(request["queryString"], expectedQuery);
    QVERIFY(!request.contains("postData"));
    JSON_COMPARE(request["headersSize"], -1);
    JSON_COMPARE(request["bodySize"], 0);
    QCOMPARE(request["headers"].size(), 3u);
    JSON_COMPARE(request["headers"][2]["name"], "Authorization");
    JSON_COMPARE(request["headers"][2]["value"], CaptureRecord::kRedacted);
    JSON_COMPARE(request["headers"][2]["comment"], "redacted at capture");

    const Json &response = entry["response"];
    JSON_COMPARE(response["status"], 200);
    JSON_COMPARE(response["statusText"], "OK");
    JSON_COMPARE(response["content"]["text"], R"({"items":["é"]})");
    QVERIFY(!response["content"].contains("encoding"));
    JSON_COMPARE(response["content"]["mimeType"], "application/json");
    JSON_COMPARE(response["content"]["size"], 16);
    JSON_COMPARE(response["redirectURL"], "");

    const Json &timings = entry["timings"];
    QCOMPARE(timings["blocked"].get<double>(), 1.5);
    JSON_COMPARE(timings["dns"], -1);
    JSON_COMPARE(timings["connect"], -1);
    JSON_COMPARE(timings["ssl"], -1);
    JSON_COMPARE(timings["send"], 0);
    QCOMPARE(timings["wait"].get<double>(), 10.0);
    QCOMPARE(timings["receive"].get<double>(), 0.5);
    QCOMPARE(entry["time"].get<double>(), 12.0);
    JSON_COMPARE(entry["_correlationId"], "corr-get-1");
    JSON_COMPARE(entry["_service"], "catalog");
    JSON_COMPARE(entry["_instance"], "catalog-2");
    JSON_COMPARE(entry["_attempts"], 2);
    JSON_COMPARE(entry["_captureId"], 7);
    QVERIFY(entry["_proxyError"].is_null());
}

void TestCaptureExport::harBinaryBodies() {
    const CaptureRecord record = postBinary();
    const Json entry =
        exportHar({record}, {QUrl(QStringLiteral("https://api.example")), {}})["log"]["entries"][0];
    // The base URL's scheme, no Host captured: its authority too.
    JSON_COMPARE(entry["request"]["url"], "https://api.example/upload");
    const Json &postData = entry["request"]["postData"];
    JSON_COMPARE(postData["mimeType"], "application/octet-stream");
    JSON_COMPARE(postData["_encoding"], "base64");
    QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(postData["text"].get<std::string>())),
             record.requestBody);
    JSON_COMPARE(entry["request"]["bodySize"], 12);

    const Json &content = entry["response"]["content"];
    JSON_COMPARE(content["encoding"], "base64");
    QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(content["text"].get<std::string>())),
             record.responseBody);
    JSON_COMPARE(content["size"], 10);
    JSON_COMPARE(entry["response"]["redirectURL"], "/upload/9");
    JSON_COMPARE(entry["response"]["statusText"], "Created");
    QCOMPARE(entry["timings"]["blocked"].get<double>(), 0.0);
}

void TestCaptureExport::harProxyAnswerAndBaseUrl() {
    const Json entry =
        exportHar({proxyAnswer()},
                  {QUrl(QStringLiteral("http://127.0.0.1:9000/prefix/")), {}})["log"]["entries"][0];
    JSON_COMPARE(entry["request"]["url"], "http://127.0.0.1:9000/prefix/nowhere");
    JSON_COMPARE(entry["request"]["bodySize"], 5000000);
    QVERIFY(!entry["request"].contains("postData"));
    QVERIFY(entry["request"]["comment"].get<std::string>().find("not kept") != std::string::npos);
    JSON_COMPARE(entry["_proxyError"], "no-route");
    JSON_COMPARE(entry["_replayable"], false);
    // No connection: the whole time is the wait for the proxy's own answer.
    JSON_COMPARE(entry["timings"]["blocked"], -1);
    QCOMPARE(entry["timings"]["wait"].get<double>(), 0.8);
    QCOMPARE(entry["timings"]["receive"].get<double>(), 0.0);
    QCOMPARE(entry["time"].get<double>(), 0.8);

    CaptureRecord lost = proxyAnswer();
    lost.status = 0;
    lost.doneUs = -1;
    const Json lostEntry = exportHar({lost})["log"]["entries"][0];
    verifyRequiredFields(lostEntry);
    JSON_COMPARE(lostEntry["response"]["status"], 0);
    JSON_COMPARE(lostEntry["response"]["statusText"], "");
    QCOMPARE(lostEntry["time"].get<double>(), 0.0);
    JSON_COMPARE(lostEntry["request"]["url"], "http://localhost/nowhere");
}

void TestCaptureExport::harTruncatedUtf8Body() {
    CaptureRecord record = getWithQuery();
    // "é" is two bytes; the capture kept only the first of them.
    record.responseBody = QByteArray("ab\xc3", 3);
    record.responseBodyTruncated = true;
    record.responseBytes = 4000;
    const Json content = exportHar({record})["log"]["entries"][0]["response"]["content"];
    JSON_COMPARE(content["text"], "ab");
    QVERIFY(!content.contains("encoding"));
    JSON_COMPARE(content["size"], 4000);
    JSON_COMPARE(content["comment"], "only the first 2 of 4000 bytes were kept");
}

void TestCaptureExport::shellQuoting_data() {
    QTest::addColumn<QByteArray>("argument");
    QTest::addColumn<QByteArray>("quoted");
    QTest::newRow("plain") << QByteArray("abc") << QByteArray("'abc'");
    QTest::newRow("empty") << QByteArray() << QByteArray("''");
    QTest::newRow("single quote") << QByteArray("it's") << QByteArray("'it'\\''s'");
    QTest::newRow("only quotes") << QByteArray("''") << QByteArray("''\\'''\\'''");
    QTest::newRow("shell specials stay literal")
        << QByteArray("$HOME `id` \"x\" \\n *") << QByteArray("'$HOME `id` \"x\" \\n *'");
    QTest::newRow("newline") << QByteArray("a\nb") << QByteArray("'a\nb'");
}

void TestCaptureExport::shellQuoting() {
    QFETCH(QByteArray, argument);
    QFETCH(QByteArray, quoted);
    QCOMPARE(shellQuote(argument), quoted);
    const std::optional<CurlCall> call = runUnderShell("curl " + quoted);
    QVERIFY(call);
    QCOMPARE(call->args, QList<QByteArray>{argument});
}

void TestCaptureExport::curlUnderShell_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("flags"); // flags expected before the URL

    QTest::newRow("get") << QByteArray("GET") << QByteArray("/items") << QByteArray("a=1&b=2")
                         << QByteArray() << QList<QByteArray>{"-X", "GET"};
    QTest::newRow("text with quotes and newlines")
        << QByteArray("POST") << QByteArray("/notes") << QByteArray()
        << QByteArray("{\"note\": \"it's\nmulti-line\r\n\tand $quoted `x`\"}")
        << QList<QByteArray>{"-X", "POST"};
    QTest::newRow("binary") << QByteArray("PUT") << QByteArray("/blob") << QByteArray()
                            << QByteArray("\x00\x01\xff'%\\n\\0%s\x7f\xc3\x28 end", 18)
                            << QList<QByteArray>{"-X", "PUT"};
    QTest::newRow("every byte") << QByteArray("POST") << QByteArray("/all") << QByteArray() << [] {
        QByteArray all;
        for (int i = 0; i < 256; ++i)
            all.append(char(i));
        return all;
    }() << QList<QByteArray>{"-X", "POST"};
    QTest::newRow("large text") << QByteArray("POST") << QByteArray("/big") << QByteArray()
                                << QByteArray(200 * 1024, 'x') << QList<QByteArray>{"-X", "POST"};
    QTest::newRow("head") << QByteArray("HEAD") << QByteArray("/items") << QByteArray()
                          << QByteArray() << QList<QByteArray>{"--head"};
    QTest::newRow("globs and dot segments")
        << QByteArray("GET") << QByteArray("/a/../b") << QByteArray("ids[]={1}") << QByteArray()
        << QList<QByteArray>{"--globoff", "--path-as-is", "-X", "GET"};
    QTest::newRow("quote in path") << QByteArray("DELETE") << QByteArray("/o'neil") << QByteArray()
                                   << QByteArray() << QList<QByteArray>{"-X", "DELETE"};
}

void TestCaptureExport::curlUnderShell() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, flags);

    CaptureRecord record;
    record.correlationId = "orig-1";
    record.method = method;
    record.path = path;
    record.query = query;
    record.requestBody = body;
    record.requestBytes = body.size();
    record.requestContentType = body.isEmpty() ? QByteArray() : "application/x-test";
    record.requestHeaders = {{"Host", "captured.example"},
                             {"Accept", "*/*"},
                             {"X-Quote", "a'b\"c $d"},
                             {"X-Empty", ""},
                             {"Content-Length", QByteArray::number(body.size())},
                             {"X-Correlation-ID", "orig-1"},
                             {"Cookie", CaptureRecord::kRedacted}};
    const QByteArray command = toCurl(record, QStringLiteral("http://127.0.0.1:8080"));
    QVERIFY(command.endsWith('\n'));
    QVERIFY2(!command.contains(CaptureRecord::kRedacted), command.constData());

    const std::optional<CurlCall> call = runUnderShell(command);
    QVERIFY(call);
    const QByteArray url =
        "http://127.0.0.1:8080" + path + (query.isEmpty() ? QByteArray() : "?" + query);
    QCOMPARE(call->args.mid(0, flags.size()), flags);
    QCOMPARE(call->args.value(flags.size()), url);

    QList<QByteArray> expectedHeaders{"Accept: */*", "X-Quote: a'b\"c $d", "X-Empty;"};
    if (!body.isEmpty())
        expectedHeaders.push_back("Content-Type: application/x-test");
    expectedHeaders.push_back("X-ToolCapture-Replay-Of: orig-1");
    QCOMPARE(headerArgs(call->args), expectedHeaders);

    if (body.isEmpty()) {
        QVERIFY(!call->args.contains("--data-raw"));
        QVERIFY(!call->args.contains("--data-binary"));
    } else if (call->args.contains("--data-raw")) {
        QCOMPARE(argAfter(call->args, "--data-raw"), body);
    } else {
        QCOMPARE(argAfter(call->args, "--data-binary"), "@-");
        QCOMPARE(call->stdinBytes.size(), body.size());
        QCOMPARE(call->stdinBytes, body);
    }
}

void TestCaptureExport::curlComments() {
    CaptureRecord record = proxyAnswer();
    record.requestHeaders = {{"Authorization", CaptureRecord::kRedacted},
                             {"Accept", "application/json"}};
    record.requestBody = "never sent";
    const QByteArray command = toCurl(record, QString());
    const QList<QByteArray> lines = command.split('\n');
    QVERIFY(lines[0].startsWith("# DELETE /nowhere -> 404"));
    QVERIFY(
        command.contains("\n# redacted at capture, supply it yourself: -H 'Authorization: ...'\n"));
    QVERIFY(command.contains("\n# not replayable: body not kept (5000000 bytes)"));
    QVERIFY(!command.contains(CaptureRecord::kRedacted));

    const std::optional<CurlCall> call = runUnderShell(command);
    QVERIFY(call);
    QVERIFY(!call->args.contains("--data-raw"));
    QVERIFY(!call->args.contains("--data-binary"));
    QCOMPARE(headerArgs(call->args), (QList<QByteArray>{"Accept: application/json",
                                                        "X-ToolCapture-Replay-Of: corr-err-3"}));
    // No base URL and no captured Host: localhost.
    QCOMPARE(argAfter(call->args, "DELETE"), "http://localhost/nowhere");
}

void TestCaptureExport::utf8Validation_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ascii") << QByteArray("hello") << true;
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("two-byte") << QByteArray("\xc3\xa9") << true;
    QTest::newRow("four-byte") << QByteArray("\xf0\x9f\x98\x80") << true;
    QTest::newRow("nul is valid") << QByteArray("a\0b", 3) << true;
    QTest::newRow("lone continuation") << QByteArray("\x80") << false;
    QTest::newRow("overlong") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("past U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << false;
    QTest::newRow("cut short") << QByteArray("\xe2\x82") << false;
    QTest::newRow("latin-1") << QByteArray("caf\xe9") << false;
}

void TestCaptureExport::utf8Validation() {
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
}

QTEST_GUILESS_MAIN(TestCaptureExport)
#include "tst_capture_export.moc"
