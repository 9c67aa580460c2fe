#include <backend/admin/capture_api.h>
#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_store.h>
#include <backend/httpserver/http_server.h>

#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

using namespace ToolCapture;
using Json = nlohmann::json;

// QCOMPARE cannot take nlohmann::json (its conversions confuse QTest's overloads).
#define JSON_COMPARE(actual, expected)                                                             \
    QVERIFY2((actual) == Json(expected),                                                           \
             ("got " + Json(actual).dump() + ", expected " + Json(expected).dump()).c_str())

namespace {

constexpr std::int64_t kT0 = 1714564800000000; // 2024-05-01T12:00:00Z

// Keeps the first response it is given.
class CapturingResponder final : public HttpResponder {
public:
    void respond(HttpResponse response) override {
        if (!m_response)
            m_response = std::move(response);
    }
    const std::optional<HttpResponse> &response() const { return m_response; }

private:
    std::optional<HttpResponse> m_response;
};

QByteArray header(const HttpResponse &response, QByteArrayView name) {
    const HttpHeader *h = findHeader(response.headers, name);
    return h ? h->value : QByteArray("<absent>");
}

// Record n: id n once stored, one per second from kT0.
CaptureRecord makeRecord(int n) {
    static const char *const services[] = {"orders", "pricing"};
    static const char *const methods[] = {"GET", "POST", "GET"};
    static const int statuses[] = {200, 201, 404, 503, 200, 502};
    CaptureRecord r;
    r.correlationId = "corr-" + QByteArray::number(n);
    r.acceptedAtUs = kT0 + std::int64_t(n) * 1000000;
    r.connectedUs = 100;
    r.firstByteUs = 900;
    r.doneUs = 1000;
    r.method = methods[n % 3];
    r.path = n % 2 ? "/orders/" + QByteArray::number(n) : QByteArray("/pricing/quote");
    r.query = "n=" + QByteArray::number(n);
    r.status = statuses[n % 6];
    r.service = QString::fromLatin1(services[1 - n % 2]);
    r.instance = r.service + QStringLiteral("-1");
    r.attempts = 1;
    r.requestHeaders = {{"Accept", "application/json"},
                        {"Authorization", CaptureRecord::kRedacted},
                        {"X-Correlation-ID", r.correlationId}};
    r.requestContentType = "application/json";
    r.requestBody = R"({"n":)" + QByteArray::number(n) + "}";
    r.requestBytes = r.requestBody.size();
    r.responseHeaders = {{"Content-Type", "application/json"}};
    r.responseContentType = "application/json";
    r.responseBody = R"({"ok":true,"n":)" + QByteArray::number(n) + "}";
    r.responseBytes = r.responseBody.size();
    return r;
}

// Records 1..12, and 13 whose path the upstream never answers (for the timeout).
constexpr int kRecords = 13;

} // namespace

class TestCaptureApi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void listFilters_data();
    void listFilters();
    void listPagesWithCursor();
    void badParameters_data();
    void badParameters();
    void oneRecord();
    void exportHar();
    void exportCurl();
    void methodsAndPaths_data();
    void methodsAndPaths();
    void noStoreIs503();

    void replayNeedsToken();
    void replayThroughProxy();
    void replayToInstanceWithEdits();
    void replayBadBodies_data();
    void replayBadBodies();
    void replayNotReplayableIs409();
    void replayTimeoutIs504();

private:
    HttpResponse call(const QByteArray &method, const QByteArray &target,
                      const QByteArray &body = {});
    Json callJson(const QByteArray &target, int expectedStatus = 200);
    std::vector<std::int64_t> listIds(const QByteArray &query);

    QTemporaryDir m_dir;
    CaptureReader m_reader;
    std::unique_ptr<CaptureApi> m_api;
    std::unique_ptr<HttpServer> m_upstream; // stands for an instance, and for the proxy
    struct Seen {
        QByteArray target;
        HttpHeaders headers;
        QByteArray body;
    };
    std::vector<Seen> m_seen;
    std::vector<std::shared_ptr<HttpResponder>> m_held;
    bool m_authorized = true;
};

void TestCaptureApi::initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("captures.sqlite"));
    CaptureStore store;
    QString error;
    QVERIFY2(store.open(path, 0, 0, &error), qPrintable(error));
    std::vector<CaptureRecord> batch;
    for (int n = 1; n <= kRecords; ++n)
        batch.push_back(makeRecord(n));
    batch[10].replayable = false; // record 11
    batch[10].requestBody.clear();
    batch[12].path = "/hold";
    QVERIFY(store.append(batch));
    QCOMPARE(batch.back().id, kRecords);
    store.close();
    QVERIFY2(m_reader.open(path, &error), qPrintable(error));
}

void TestCaptureApi::init() {
    m_seen.clear();
    m_authorized = true;
    m_upstream = std::make_unique<HttpServer>([this](const HttpRequest &request,
                                                     std::shared_ptr<HttpResponder> responder) {
        m_seen.push_back({request.head.target, request.head.headers, request.body});
        if (request.head.path().startsWith("/hold")) {
            m_held.push_back(std::move(responder)); // never answered: the replay times out
            return;
        }
        responder->respond(
            HttpResponse{200,
                         {{"Content-Type", "application/json"}, {"X-Correlation-ID", "new-corr"}},
                         R"({"ok":false,"n":1})"});
    });
    QVERIFY(m_upstream->listen(QHostAddress::LocalHost, 0));
    const QUrl upstream(QStringLiteral("http://127.0.0.1:%1").arg(m_upstream->port()));

    CaptureApi::Context context;
    context.reader = &m_reader;
    context.proxyUrl = upstream;
    context.instanceUrl = [upstream](const QString &id) -> std::optional<QUrl> {
        if (id == QLatin1String("orders-1"))
            return upstream;
        return std::nullopt;
    };
    context.authorize = [this](const HttpRequest &) { return m_authorized; };
    Replayer::Options options;
    options.timeout = std::chrono::milliseconds(300);
    m_api = std::make_unique<CaptureApi>(context, options);
}

void TestCaptureApi::cleanup() {
    m_api.reset();
    m_held.clear();
    m_upstream.reset();
}

HttpResponse TestCaptureApi::call(const QByteArray &method, const QByteArray &target,
                                  const QByteArray &body) {
    HttpRequest request;
    request.head.method = method;
    request.head.target = target;
    request.body = body;
    request.peer = QHostAddress::LocalHost;
    auto responder = std::make_shared<CapturingResponder>();
    m_api->handle(request, responder);
    [&] { QTRY_VERIFY_WITH_TIMEOUT(responder->response().has_value(), 10000); }();
    return responder->response().value_or(HttpResponse{0, {}, {}});
}

Json TestCaptureApi::callJson(const QByteArray &target, int expectedStatus) {
    const HttpResponse response = call("GET", target);
    [&] { QCOMPARE(response.status, expectedStatus); }();
    return Json::parse(response.body.begin(), response.body.end(), nullptr, false);
}

std::vector<std::int64_t> TestCaptureApi::listIds(const QByteArray &query) {
    const Json body = callJson("/api/v1/captures" + query);
    std::vector<std::int64_t> ids;
    if (!body.is_object() || !body.contains("captures"))
        return {-1};
    for (const Json &summary : body["captures"])
        ids.push_back(summary["id"].get<std::int64_t>());
    return ids;
}

void TestCaptureApi::listFilters_data() {
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<std::vector<std::int64_t>>("ids");
    QTest::newRow("all, newest first")
        << QByteArray() << std::vector<std::int64_t>{13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    QTest::newRow("service") << QByteArray("?service=orders")
                             << std::vector<std::int64_t>{13, 11, 9, 7, 5, 3, 1};
    QTest::newRow("status") << QByteArray("?status=503") << std::vector<std::int64_t>{9, 3};
    QTest::newRow("status class") << QByteArray("?status_class=5xx")
                                  << std::vector<std::int64_t>{11, 9, 5, 3};
    QTest::newRow("status class digit")
        << QByteArray("?status_class=4") << std::vector<std::int64_t>{8, 2};
    QTest::newRow("method") << QByteArray("?method=POST&limit=3")
                            << std::vector<std::int64_t>{13, 10, 7};
    QTest::newRow("path prefix, encoded")
        << QByteArray("?path_prefix=%2Forders%2F1") << std::vector<std::int64_t>{11, 1};
    QTest::newRow("correlation id")
        << QByteArray("?correlation_id=corr-7") << std::vector<std::int64_t>{7};
    QTest::newRow("instance") << QByteArray("?instance=pricing-1&limit=2")
                              << std::vector<std::int64_t>{12, 10};
    // [from, to): records 3, 4 and 5 by RFC 3339 with an offset, and by epoch milliseconds.
    QTest::newRow("time window rfc 3339")
        << QByteArray("?from=2024-05-01T14:00:03%2B02:00&to=2024-05-01T12:00:06Z")
        << std::vector<std::int64_t>{5, 4, 3};
    QTest::newRow("time window unescaped plus")
        << QByteArray("?from=2024-05-01T14:00:03+02:00&to=2024-05-01T12:00:05.500Z")
        << std::vector<std::int64_t>{5, 4, 3};
    QTest::newRow("time window epoch ms")
        << QByteArray("?from=1714564803000&to=1714564806000") << std::vector<std::int64_t>{5, 4, 3};
    QTest::newRow("before id") << QByteArray("?before_id=4") << std::vector<std::int64_t>{3, 2, 1};
    QTest::newRow("nothing matches") << QByteArray("?service=none") << std::vector<std::int64_t>{};
}

void TestCaptureApi::listFilters() {
    QFETCH(QByteArray, query);
    QFETCH(std::vector<std::int64_t>, ids);
    QCOMPARE(listIds(query), ids);
}

void TestCaptureApi::listPagesWithCursor() {
    const Json first = callJson("/api/v1/captures?limit=5");
    QCOMPARE(first["captures"].size(), 5u);
    JSON_COMPARE(first["next_before_id"], 9);
    // Summaries leave the heavy members out.
    const Json &summary = first["captures"][0];
    JSON_COMPARE(summary["correlation_id"], "corr-13");
    JSON_COMPARE(summary["status"], 201);
    QVERIFY(!summary.contains("request_body"));
    QVERIFY(!summary.contains("request_headers"));

    std::vector<std::int64_t> all;
    QByteArray cursor;
    for (int page = 0; page < 10; ++page) {
        const Json body = callJson("/api/v1/captures?limit=5" + cursor);
        for (const Json &s : body["captures"])
            all.push_back(s["id"].get<std::int64_t>());
        if (body["next_before_id"].is_null())
            break;
        cursor = "&before_id=" + QByteArray::number(body["next_before_id"].get<std::int64_t>());
    }
    QCOMPARE(all, (std::vector<std::int64_t>{13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
}

void TestCaptureApi::badParameters_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("parameter");
    const QByteArray list = "/api/v1/captures?";
    QTest::newRow("limit zero") << list + "limit=0" << QByteArray("limit");
    QTest::newRow("limit too big") << list + "limit=1001" << QByteArray("limit");
    QTest::newRow("limit text") << list + "limit=ten" << QByteArray("limit");
    QTest::newRow("status") << list + "status=99" << QByteArray("status");
    QTest::newRow("status class") << list + "status_class=6xx" << QByteArray("status_class");
    QTest::newRow("from words") << list + "from=yesterday" << QByteArray("from");
    QTest::newRow("from without offset") << list + "from=2024-05-01T12:00:00" << QByteArray("from");
    QTest::newRow("to before from")
        << list + "from=1714564806000&to=1714564803000" << QByteArray("to");
    QTest::newRow("unknown") << list + "servce=orders" << QByteArray("servce");
    QTest::newRow("twice") << list + "limit=1&limit=2" << QByteArray("limit");
    QTest::newRow("empty value") << list + "service=" << QByteArray("service");
    QTest::newRow("path prefix") << list + "path_prefix=orders" << QByteArray("path_prefix");
    QTest::newRow("before id") << list + "before_id=-4" << QByteArray("before_id");
    QTest::newRow("method") << list + "method=G%20T" << QByteArray("method");
    QTest::newRow("export format")
        << QByteArray("/api/v1/captures/export?format=xml") << QByteArray("format");
    QTest::newRow("export filter")
        << QByteArray("/api/v1/captures/export?status=abc") << QByteArray("status");
}

void TestCaptureApi::badParameters() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, parameter);
    const HttpResponse response = call("GET", target);
    QCOMPARE(response.status, 400);
    QCOMPARE(header(response, "Content-Type"), "application/problem+json");
    const Json body = Json::parse(response.body.begin(), response.body.end());
    JSON_COMPARE(body["status"], 400);
    JSON_COMPARE(body["errors"][0]["pointer"], "?" + parameter.toStdString());
    QVERIFY(!body["errors"][0].contains("parameter"));
    QVERIFY(body["detail"].get<std::string>().starts_with(parameter.toStdString() + ": "));
}

void TestCaptureApi::oneRecord() {
    const Json byId = callJson("/api/v1/captures/7");
    JSON_COMPARE(byId["id"], 7);
    JSON_COMPARE(byId["correlation_id"], "corr-7");
    JSON_COMPARE(byId["request_body"], R"({"n":7})");
    JSON_COMPARE(byId["request_headers"][1]["value"], CaptureRecord::kRedacted);

    const Json byCorrelation = callJson("/api/v1/captures/corr-9");
    JSON_COMPARE(byCorrelation["id"], 9);

    const Json missing = callJson("/api/v1/captures/999", 404);
    JSON_COMPARE(missing["status"], 404);
    callJson("/api/v1/captures/no-such-id", 404);
}

void TestCaptureApi::exportHar() {
    const HttpResponse response = call("GET", "/api/v1/captures/export?service=pricing&limit=3");
    QCOMPARE(response.status, 200);
    QCOMPARE(header(response, "Content-Type"), "application/json");
    QVERIFY(header(response, "Content-Disposition").contains("captures.har"));
    const Json har = Json::parse(response.body.begin(), response.body.end());
    JSON_COMPARE(har["log"]["version"], "1.2");
    const Json &entries = har["log"]["entries"];
    QCOMPARE(entries.size(), 3u);
    // The newest three, oldest first; URLs on the proxy's address (no Host was captured).
    JSON_COMPARE(entries[0]["_captureId"], 8);
    JSON_COMPARE(entries[2]["_captureId"], 12);
    JSON_COMPARE(entries[0]["request"]["url"],
                 "http://127.0.0.1:" + std::to_string(m_upstream->port()) + "/pricing/quote?n=8");
    // The default format is HAR.
    const HttpResponse byDefault = call("GET", "/api/v1/captures/export?limit=1");
    QCOMPARE(byDefault.status, 200);
    QVERIFY(byDefault.body.contains("\"version\""));
}

void TestCaptureApi::exportCurl() {
    const HttpResponse response = call("GET", "/api/v1/captures/export?format=curl&status=503");
    QCOMPARE(response.status, 200);
    QVERIFY(header(response, "Content-Type").startsWith("text/plain"));
    QVERIFY(response.body.startsWith("#!/bin/sh\n# 2 captured requests"));
    QCOMPARE(response.body.count("\ncurl -X 'GET' 'http://127.0.0.1:"), 2);
    // Oldest first.
    QVERIFY(response.body.indexOf("/orders/3?n=3") < response.body.indexOf("/orders/9?n=9"));
    QVERIFY(!response.body.contains(CaptureRecord::kRedacted));
    QVERIFY(response.body.contains("# redacted at capture, supply it yourself: -H 'Authorization"));
}

void TestCaptureApi::methodsAndPaths_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("allow");
    QTest::newRow("delete list") << QByteArray("DELETE") << QByteArray("/api/v1/captures") << 405
                                 << QByteArray("GET, HEAD");
    QTest::newRow("post one") << QByteArray("POST") << QByteArray("/api/v1/captures/1") << 405
                              << QByteArray("GET, HEAD");
    QTest::newRow("get replay") << QByteArray("GET") << QByteArray("/api/v1/captures/1/replay")
                                << 405 << QByteArray("POST");
    QTest::newRow("put export") << QByteArray("PUT") << QByteArray("/api/v1/captures/export") << 405
                                << QByteArray("GET, HEAD");
    QTest::newRow("deeper path") << QByteArray("GET") << QByteArray("/api/v1/captures/1/other")
                                 << 404 << QByteArray("<absent>");
    QTest::newRow("empty id") << QByteArray("GET") << QByteArray("/api/v1/captures/") << 404
                              << QByteArray("<absent>");
    QTest::newRow("head list") << QByteArray("HEAD") << QByteArray("/api/v1/captures?limit=1")
                               << 200 << QByteArray("<absent>");
}

void TestCaptureApi::methodsAndPaths() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, allow);
    const HttpResponse response = call(method, target);
    QCOMPARE(response.status, status);
    QCOMPARE(header(response, "Allow"), allow);
    QVERIFY(CaptureApi::handles(QByteArrayView(target).first(
        target.indexOf('?') < 0 ? target.size() : target.indexOf('?'))));
    QVERIFY(!CaptureApi::handles("/api/v1/capturesx"));
    QVERIFY(!CaptureApi::handles("/api/v1/breakers"));
}

void TestCaptureApi::noStoreIs503() {
    CaptureApi api(CaptureApi::Context{});
    HttpRequest request;
    request.head.method = "GET";
    request.head.target = "/api/v1/captures";
    auto responder = std::make_shared<CapturingResponder>();
    api.handle(request, responder);
    QVERIFY(responder->response());
    QCOMPARE(responder->response()->status, 503);
}

void TestCaptureApi::replayNeedsToken() {
    m_authorized = false;
    const HttpResponse response = call("POST", "/api/v1/captures/7/replay", "{}");
    QCOMPARE(response.status, 401);
    QVERIFY(header(response, "WWW-Authenticate").startsWith("Bearer"));
    QVERIFY(m_seen.empty());
}

void TestCaptureApi::replayThroughProxy() {
    const HttpResponse response = call("POST", "/api/v1/captures/corr-7/replay");
    QCOMPARE(response.status, 200);
    const Json body = Json::parse(response.body.begin(), response.body.end());
    const Json &replay = body["replay"];
    JSON_COMPARE(replay["capture_id"], 7);
    JSON_COMPARE(replay["replay_of"], "corr-7");
    JSON_COMPARE(replay["instance"], nullptr);
    JSON_COMPARE(replay["status"], 200);
    JSON_COMPARE(replay["correlation_id"], "new-corr");
    JSON_COMPARE(replay["body"], R"({"ok":false,"n":1})");
    JSON_COMPARE(replay["body_encoding"], "utf-8");
    JSON_COMPARE(replay["dropped_headers"], Json::array({"Authorization"}));
    // Against the captured 200 {"ok":true,"n":7}.
    JSON_COMPARE(body["diff"]["changed"], true);
    JSON_COMPARE(body["diff"]["body"]["changes"],
                 Json::parse(R"([{"op":"replace","path":"/n","before":7,"after":1},
                                 {"op":"replace","path":"/ok","before":true,"after":false}])"));

    QCOMPARE(m_seen.size(), 1u);
    QCOMPARE(m_seen[0].target, "/orders/7?n=7");
    QCOMPARE(findHeader(m_seen[0].headers, "X-Target-Service")->value, "orders");
    QCOMPARE(findHeader(m_seen[0].headers, "X-ToolCapture-Replay-Of")->value, "corr-7");
    QCOMPARE(m_seen[0].body, R"({"n":7})");
}

void TestCaptureApi::replayToInstanceWithEdits() {
    const QByteArray request = R"({"instance": "orders-1",
        "headers": {"Authorization": "Bearer t", "Accept": null, "X-Extra": "1"},
        "body_base64": "AAEC/w=="})";
    const HttpResponse response = call("POST", "/api/v1/captures/7/replay", request);
    QCOMPARE(response.status, 200);
    const Json body = Json::parse(response.body.begin(), response.body.end());
    JSON_COMPARE(body["replay"]["instance"], "orders-1");
    JSON_COMPARE(body["replay"]["dropped_headers"], Json::array());
    QCOMPARE(m_seen.size(), 1u);
    const Seen &seen = m_seen[0];
    QCOMPARE(seen.body, QByteArray("\x00\x01\x02\xff", 4));
    QVERIFY(!findHeader(seen.headers, "Accept"));
    QVERIFY(!findHeader(seen.headers, "X-Target-Service")); // straight to the instance
    QCOMPARE(findHeader(seen.headers, "Authorization")->value, "Bearer t");
    QCOMPARE(findHeader(seen.headers, "X-Extra")->value, "1");
}

void TestCaptureApi::replayBadBodies_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("pointer");
    const QByteArray target = "/api/v1/captures/7/replay";
    QTest::newRow("not json") << target << QByteArray("{nope") << 400 << QByteArray("");
    QTest::newRow("not an object") << target << QByteArray("[1]") << 400 << QByteArray("");
    QTest::newRow("unknown member")
        << target << QByteArray(R"({"a/b": 1})") << 400 << QByteArray("/a~1b");
    QTest::newRow("headers not object")
        << target << QByteArray(R"({"headers": []})") << 400 << QByteArray("/headers");
    QTest::newRow("header value type")
        << target << QByteArray(R"({"headers": {"X-A": 1}})") << 400 << QByteArray("/headers/X-A");
    QTest::newRow("header name") << target << QByteArray(R"({"headers": {"X A": "1"}})") << 400
                                 << QByteArray("/headers/X A");
    QTest::newRow("framing header")
        << target << QByteArray(R"({"headers": {"Content-Length": "1"}})") << 400
        << QByteArray("/headers");
    QTest::newRow("header injection")
        << target << QByteArray(R"({"headers": {"X-A": "a\r\nX-B: b"}})") << 400
        << QByteArray("/headers");
    QTest::newRow("both bodies") << target << QByteArray(R"({"body": "a", "body_base64": "YQ=="})")
                                 << 400 << QByteArray("/body_base64");
    QTest::newRow("bad base64") << target << QByteArray(R"({"body_base64": "***"})") << 400
                                << QByteArray("/body_base64");
    QTest::newRow("body type") << target << QByteArray(R"({"body": 5})") << 400
                               << QByteArray("/body");
    QTest::newRow("unknown instance")
        << target << QByteArray(R"({"instance": "orders-9"})") << 400 << QByteArray("/instance");
    QTest::newRow("unknown capture") << QByteArray("/api/v1/captures/999/replay")
                                     << QByteArray("{}") << 404 << QByteArray("<none>");
}

void TestCaptureApi::replayBadBodies() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, pointer);
    const HttpResponse response = call("POST", target, body);
    QCOMPARE(response.status, status);
    QCOMPARE(header(response, "Content-Type"), "application/problem+json");
    const Json problem = Json::parse(response.body.begin(), response.body.end());
    if (pointer != "<none>")
        JSON_COMPARE(problem["errors"][0]["pointer"], pointer.toStdString());
    QVERIFY(m_seen.empty());
}

void TestCaptureApi::replayNotReplayableIs409() {
    const HttpResponse refused = call("POST", "/api/v1/captures/11/replay", "{}");
    QCOMPARE(refused.status, 409);
    QVERIFY(refused.body.contains("not replayable"));
    QVERIFY(m_seen.empty());
    const HttpResponse withBody =
        call("POST", "/api/v1/captures/11/replay", R"({"body": "{\"n\":11}"})");
    QCOMPARE(withBody.status, 200);
    QCOMPARE(m_seen.size(), 1u);
}

void TestCaptureApi::replayTimeoutIs504() {
    const HttpResponse response = call("POST", "/api/v1/captures/corr-13/replay");
    QCOMPARE(response.status, 504);
    QVERIFY(response.body.contains("no complete response within 300 ms"));
    QCOMPARE(m_seen.size(), 1u);
}

QTEST_GUILESS_MAIN(TestCaptureApi)
#include "tst_capture_api.moc"
