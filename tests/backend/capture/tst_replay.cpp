#include <backend/capture/replay.h>
#include <backend/httpserver/http_server.h>

#include <QTest>

#include <memory>
#include <optional>

using namespace ToolCapture;
using Json = nlohmann::json;

// QCOMPARE cannot take nlohmann::json (its conversions confuse QTest's overloads).
#define JSON_COMPARE(actual, expected)                                                             \
    QVERIFY2((actual) == Json(expected),                                                           \
             ("got " + Json(actual).dump() + ", expected " + Json(expected).dump()).c_str())

namespace {

// What the test server saw of one request.
struct Seen {
    QByteArray method;
    QByteArray target;
    HttpHeaders headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const {
        const HttpHeader *h = findHeader(headers, name);
        return h ? h->value : QByteArray("<absent>");
    }
};

// The captured exchange the tests replay: a JSON order creation with a redacted credential.
CaptureRecord orderRecord() {
    CaptureRecord r;
    r.id = 42;
    r.correlationId = "orig-corr-42";
    r.method = "POST";
    r.path = "/orders";
    r.query = "dry_run=1";
    r.status = 201;
    r.requestHeaders = {{"Host", "proxy.example:8080"},
                        {"Accept", "application/json"},
                        {"Authorization", CaptureRecord::kRedacted},
                        {"X-Correlation-ID", "orig-corr-42"},
                        {"User-Agent", "shop/1.0"},
                        {"Content-Length", "20"}};
    r.requestContentType = "application/json";
    r.requestBody = R"({"sku":"A1","qty":2})";
    r.requestBytes = r.requestBody.size();
    r.responseHeaders = {{"Content-Type", "application/json"}, {"ETag", "\"v1\""}};
    r.responseContentType = "application/json";
    r.responseBody = R"({"id":7,"qty":2})";
    r.responseBytes = r.responseBody.size();
    return r;
}

} // namespace

class TestReplay : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void replaysCapturedRequest();
    void editsAreApplied();
    void targetServiceAndPathPrefix();
    void diffAgainstCapturedResponse();
    void headerFilterNarrowsTheDiff();
    void notReplayableIsRefused();
    void timeout();
    void connectionRefused();
    void invalidInputIsRefused_data();
    void invalidInputIsRefused();
    void responseBodyIsCapped();
    void concurrencyIsBounded();

private:
    ReplayResult run(Replayer &replayer, const CaptureRecord &record, const ReplayEdits &edits = {},
                     QUrl base = {}, QByteArray service = {});
    QUrl baseUrl() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()));
    }

    std::unique_ptr<HttpServer> m_server;
    std::vector<Seen> m_seen;
    std::vector<std::shared_ptr<HttpResponder>> m_held; // answered never (timeout test)
    HttpResponse m_answer;
};

void TestReplay::init() {
    m_seen.clear();
    m_held.clear();
    m_answer = HttpResponse{201,
                            {{"Content-Type", "application/json"},
                             {"ETag", "\"v1\""},
                             {"X-Correlation-ID", "replayed-corr"},
                             {"Set-Cookie", "session=secret"}},
                            R"({"id":7,"qty":2})"};
    m_server = std::make_unique<HttpServer>(
        [this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            m_seen.push_back(
                {request.head.method, request.head.target, request.head.headers, request.body});
            if (request.head.path() == "/hold")
                m_held.push_back(std::move(responder));
            else
                responder->respond(m_answer);
        });
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
}

void TestReplay::cleanup() {
    m_held.clear();
    m_server.reset();
}

ReplayResult TestReplay::run(Replayer &replayer, const CaptureRecord &record,
                             const ReplayEdits &edits, QUrl base, QByteArray service) {
    std::optional<ReplayResult> result;
    replayer.replay(record, ReplayTarget{base.isEmpty() ? baseUrl() : base, std::move(service)},
                    edits, [&result](ReplayResult r) { result = std::move(r); });
    const bool calledInside = result.has_value();
    [&] {
        QVERIFY2(!calledInside, "done was called inside replay()");
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 10000);
    }();
    if (result)
        return std::move(*result);
    ReplayResult none;
    none.error = QStringLiteral("no result");
    return none;
}

void TestReplay::replaysCapturedRequest() {
    Replayer replayer;
    const ReplayResult result = run(replayer, orderRecord());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(m_seen.size(), 1u);
    const Seen &seen = m_seen[0];
    QCOMPARE(seen.method, "POST");
    QCOMPARE(seen.target, "/orders?dry_run=1");
    QCOMPARE(seen.body, R"({"sku":"A1","qty":2})");
    QCOMPARE(seen.header("Accept"), "application/json");
    QCOMPARE(seen.header("User-Agent"), "shop/1.0");
    QCOMPARE(seen.header("Content-Type"), "application/json");
    QCOMPARE(seen.header("Content-Length"), "20");
    QCOMPARE(seen.header("Host"), "127.0.0.1:" + QByteArray::number(m_server->port()));
    QCOMPARE(seen.header("X-ToolCapture-Replay-Of"), "orig-corr-42");
    // The redacted credential is not sent, and the proxy is left to mint a new correlation id.
    QCOMPARE(seen.header("Authorization"), "<absent>");
    QCOMPARE(seen.header("X-Correlation-ID"), "<absent>");
    QCOMPARE(countHeaders(seen.headers, "Host"), 1);

    QCOMPARE(result.droppedHeaders, std::vector<QByteArray>{"Authorization"});
    QCOMPARE(result.status, 201);
    QCOMPARE(result.body, R"({"id":7,"qty":2})");
    QCOMPARE(result.correlationId, "replayed-corr");
    QVERIFY(result.durationUs > 0);
    QVERIFY(!result.bodyTruncated);
    // A secret the replayed response set is redacted like a capture would.
    const auto cookie =
        std::find_if(result.headers.begin(), result.headers.end(),
                     [](const CapturedHeader &h) { return h.name == "Set-Cookie"; });
    QVERIFY(cookie != result.headers.end());
    QCOMPARE(cookie->value, CaptureRecord::kRedacted);
    QCOMPARE(replayer.pending(), 0);
}

void TestReplay::editsAreApplied() {
    Replayer replayer;
    ReplayEdits edits;
    edits.headers = {{"Accept", QByteArray("text/plain")},
                     {"user-agent", std::nullopt},
                     {"Authorization", QByteArray("Bearer fresh")},
                     {"X-Extra", QByteArray("yes")}};
    edits.body = QByteArray(R"({"sku":"B2","qty":5,"note":"edited"})");
    const ReplayResult result = run(replayer, orderRecord(), edits);
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(m_seen.size(), 1u);
    const Seen &seen = m_seen[0];
    QCOMPARE(seen.header("Accept"), "text/plain");
    QCOMPARE(countHeaders(seen.headers, "Accept"), 1);
    QCOMPARE(seen.header("User-Agent"), "<absent>");
    QCOMPARE(seen.header("Authorization"), "Bearer fresh");
    QCOMPARE(seen.header("X-Extra"), "yes");
    QCOMPARE(seen.body, *edits.body);
    QCOMPARE(seen.header("Content-Length"), QByteArray::number(edits.body->size()));
    QVERIFY(result.droppedHeaders.empty()); // the edit supplied the redacted one
}

void TestReplay::targetServiceAndPathPrefix() {
    Replayer replayer;
    CaptureRecord record = orderRecord();
    record.requestHeaders.push_back({"X-Target-Service", "old"});
    const ReplayResult result =
        run(replayer, record, {},
            QUrl(QStringLiteral("http://127.0.0.1:%1/base/").arg(m_server->port())), "orders");
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(m_seen.size(), 1u);
    QCOMPARE(m_seen[0].target, "/base/orders?dry_run=1");
    QCOMPARE(m_seen[0].header("X-Target-Service"), "orders");
    QCOMPARE(countHeaders(m_seen[0].headers, "X-Target-Service"), 1);
}

void TestReplay::diffAgainstCapturedResponse() {
    Replayer replayer;
    const ReplayResult same = run(replayer, orderRecord());
    QVERIFY2(same.ok, qPrintable(same.error));
    JSON_COMPARE(same.diff["status"]["changed"], false);
    JSON_COMPARE(same.diff["body"]["kind"], "json");
    JSON_COMPARE(same.diff["body"]["equal"], true);

    m_answer.status = 409;
    m_answer.body = R"({"id":7,"qty":3})";
    const ReplayResult different = run(replayer, orderRecord());
    QVERIFY2(different.ok, qPrintable(different.error));
    JSON_COMPARE(different.diff["changed"], true);
    JSON_COMPARE(different.diff["status"]["before"], 201);
    JSON_COMPARE(different.diff["status"]["after"], 409);
    QCOMPARE(different.diff["body"]["changes"].size(), 1u);
    JSON_COMPARE(different.diff["body"]["changes"][0]["path"], "/qty");
    JSON_COMPARE(different.diff["body"]["changes"][0]["after"], 3);
}

void TestReplay::headerFilterNarrowsTheDiff() {
    Replayer replayer;
    // Without the allowlist, fields the capture never kept (Server, Set-Cookie) show as added.
    const ReplayResult unfiltered = run(replayer, orderRecord());
    QVERIFY2(unfiltered.ok, qPrintable(unfiltered.error));
    JSON_COMPARE(unfiltered.diff["headers"]["equal"], false);

    replayer.setHeaderFilter(
        CaptureHeaderFilter(QStringList{QStringLiteral("content-type"), QStringLiteral("etag"),
                                        QStringLiteral("x-correlation-id")}));
    const ReplayResult filtered = run(replayer, orderRecord());
    QVERIFY2(filtered.ok, qPrintable(filtered.error));
    JSON_COMPARE(filtered.diff["headers"]["equal"], true);
    JSON_COMPARE(filtered.diff["changed"], false);

    m_answer.headers[1].value = "\"v2\"";
    const ReplayResult etag = run(replayer, orderRecord());
    JSON_COMPARE(etag.diff["headers"]["changed"][0]["name"], "ETag");
    JSON_COMPARE(etag.diff["headers"]["changed"][0]["after"], "\"v2\"");
}

void TestReplay::notReplayableIsRefused() {
    Replayer replayer;
    CaptureRecord record = orderRecord();
    record.replayable = false;
    record.requestBody.clear();
    record.requestBytes = 50 << 20;
    const ReplayResult refused = run(replayer, record);
    QVERIFY(!refused.ok);
    QVERIFY2(refused.error.contains(QLatin1String("not replayable")), qPrintable(refused.error));
    QCOMPARE(refused.failure, ReplayResult::Failure::NotReplayable);
    QCOMPARE(m_server->connectionsAccepted(), 0u);

    ReplayEdits edits;
    edits.body = QByteArray("{}");
    const ReplayResult withBody = run(replayer, record, edits);
    QVERIFY2(withBody.ok, qPrintable(withBody.error));
    QCOMPARE(m_seen.size(), 1u);
    QCOMPARE(m_seen[0].body, "{}");

    // A WebSocket exchange is never replayed, whatever the edits: the upstream would answer
    // the plain request 426 and the diff would blame it.
    CaptureRecord tunnel = orderRecord();
    tunnel.method = "GET";
    tunnel.status = 101;
    tunnel.tunnelEnd = "client-closed";
    tunnel.replayable = false;
    const ReplayResult refusedTunnel = run(replayer, tunnel, edits);
    QVERIFY(!refusedTunnel.ok);
    QVERIFY2(refusedTunnel.error.contains(QLatin1String("WebSocket")),
             qPrintable(refusedTunnel.error));
    QCOMPARE(refusedTunnel.failure, ReplayResult::Failure::NotReplayable);
    QCOMPARE(m_seen.size(), 1u);
}

void TestReplay::timeout() {
    Replayer::Options options;
    options.timeout = std::chrono::milliseconds(300);
    Replayer replayer(options);
    CaptureRecord record = orderRecord();
    record.path = "/hold";
    const ReplayResult result = run(replayer, record);
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QLatin1String("no complete response within 300 ms")),
             qPrintable(result.error));
    QCOMPARE(result.failure, ReplayResult::Failure::Timeout);
    QCOMPARE(m_held.size(), 1u); // it did reach the server
    QVERIFY(result.durationUs >= 280000);
    QVERIFY(result.diff.is_null());
    QCOMPARE(result.droppedHeaders, std::vector<QByteArray>{"Authorization"});
}

void TestReplay::connectionRefused() {
    const quint16 port = m_server->port();
    m_server.reset(); // nothing listens there any more
    Replayer replayer;
    const ReplayResult result =
        run(replayer, orderRecord(), {}, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QLatin1String("failed")), qPrintable(result.error));
    QCOMPARE(result.failure, ReplayResult::Failure::Connection);
}

void TestReplay::invalidInputIsRefused_data() {
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("error");
    const QString ok = QStringLiteral("http://127.0.0.1:1");
    QTest::newRow("framing header") << QByteArray("Content-Length") << QByteArray("3") << ok
                                    << QStringLiteral("set by the replay");
    QTest::newRow("header injection")
        << QByteArray("X-A") << QByteArray("a\r\nX-B: b") << ok << QStringLiteral("CR, LF or NUL");
    QTest::newRow("bad name") << QByteArray("X A") << QByteArray("1") << ok
                              << QStringLiteral("not a valid field name");
    QTest::newRow("https target") << QByteArray() << QByteArray()
                                  << QStringLiteral("https://127.0.0.1:1")
                                  << QStringLiteral("http:// URL");
    QTest::newRow("no host") << QByteArray() << QByteArray() << QStringLiteral("http://")
                             << QStringLiteral("http:// URL");
}

void TestReplay::invalidInputIsRefused() {
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(QString, base);
    QFETCH(QString, error);
    Replayer replayer;
    ReplayEdits edits;
    if (!name.isEmpty())
        edits.headers.push_back({name, value});
    const ReplayResult result = run(replayer, orderRecord(), edits, QUrl(base));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(error), qPrintable(result.error));
    QCOMPARE(result.failure, ReplayResult::Failure::InvalidRequest);
    QCOMPARE(m_seen.size(), 0u);
}

void TestReplay::responseBodyIsCapped() {
    Replayer::Options options;
    options.maxResponseBodyBytes = 1000;
    Replayer replayer(options);
    m_answer.body = QByteArray(5000, 'z');
    m_answer.headers = {{"Content-Type", "text/plain"}};
    const ReplayResult result = run(replayer, orderRecord());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.body.size(), 1000);
    QVERIFY(result.bodyTruncated);
    JSON_COMPARE(result.diff["body"]["kind"], "truncated");
    JSON_COMPARE(result.diff["body"]["after_truncated"], true);
}

void TestReplay::concurrencyIsBounded() {
    Replayer::Options options;
    options.maxConcurrent = 1;
    options.timeout = std::chrono::milliseconds(200);
    Replayer replayer(options);
    CaptureRecord held = orderRecord();
    held.path = "/hold";
    std::optional<ReplayResult> first;
    replayer.replay(held, {baseUrl(), {}}, {}, [&first](ReplayResult r) { first = std::move(r); });
    QCOMPARE(replayer.pending(), 1);
    const ReplayResult second = run(replayer, orderRecord());
    QVERIFY(!second.ok);
    QCOMPARE(second.failure, ReplayResult::Failure::Busy);
    QTRY_VERIFY_WITH_TIMEOUT(first.has_value(), 5000);
    QCOMPARE(first->failure, ReplayResult::Failure::Timeout);
    QCOMPARE(replayer.pending(), 0);
    // With the slot free again, the next one goes through.
    const ReplayResult third = run(replayer, orderRecord());
    QVERIFY2(third.ok, qPrintable(third.error));
}

QTEST_GUILESS_MAIN(TestReplay)
#include "tst_replay.moc"
