#include <backend/admin/admin_server.h>
#include <backend/admin/prometheus_writer.h>
#include <tests/backend/httpserver/raw_http_client.h>

#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <limits>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

InstanceSnapshot instance(QString id, QString url, bool reachable, std::uint64_t ok,
                          std::uint64_t serverErrors) {
    InstanceSnapshot i;
    i.id = std::move(id);
    i.url = std::move(url);
    i.capabilities = {"v1", "v2"};
    i.reachable = reachable;
    i.totals.responses[2] = ok;
    i.totals.responses[5] = serverErrors;
    i.totals.bytesToUpstream = 1000;
    i.totals.bytesFromUpstream = 5000;
    i.totals.connectFailures = reachable ? 0 : 4;
    i.totals.connectionsOpened = 3;
    i.totals.poolActive = 1;
    i.totals.poolIdle = 2;
    i.totals.inFlight = 1;
    // ok + serverErrors latencies: most at 5 ms (bucket index 2), the rest at 50 ms (index 5).
    i.totals.latencyBuckets[2] = ok;
    i.totals.latencyBuckets[5] = serverErrors;
    i.totals.latencySumMicros = ok * 4000 + serverErrors * 40000;
    return i;
}

// Two services: inventory (one of two instances reachable) and orders (none reachable).
EngineSnapshot sampleSnapshot() {
    EngineSnapshot s;
    s.uptimeMs = 12345;
    s.profile = "test";
    s.proxyAddress = "127.0.0.1:8090";
    s.adminAddress = "127.0.0.1:8091";
    s.workers = 2;

    ServiceSnapshot inventory;
    inventory.name = "inventory";
    inventory.match = "path /inventory/";
    inventory.instances.push_back(instance("inventory-1", "http://127.0.0.1:9101", true, 40, 2));
    inventory.instances.push_back(instance("inventory-2", "http://127.0.0.1:9102", false, 0, 0));
    ServiceSnapshot orders;
    orders.name = "orders";
    orders.match = "path /orders/";
    orders.instances.push_back(instance("orders-\"1\"", "http://127.0.0.1:9201", false, 0, 0));
    s.services = {inventory, orders};

    for (const ServiceSnapshot &service : s.services) {
        for (const InstanceSnapshot &i : service.instances)
            s.totals.instances.push_back(i.totals);
    }
    s.totals.clientConnections = 3;
    s.totals.clientConnectionsAccepted = 17;
    s.totals.requests = 50;
    s.totals.bytesFromClients = 2048;
    s.totals.bytesToClients = 8192;
    s.totals.proxyErrors[502 - 400] = 4;
    s.totals.proxyErrors[503 - 400] = 1;
    s.totals.unrouted = 6;
    return s;
}

// Checks text against the Prometheus text exposition format 0.0.4: every line is a HELP or TYPE
// comment or a sample `name{labels} value`; each family is typed once, before its samples, and
// its samples are contiguous. Returns the problems found.
QStringList validateExposition(const QByteArray &text) {
    static const QString name = QStringLiteral("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static const QString label =
        QStringLiteral(R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")");
    static const QString value =
        QStringLiteral(R"((?:[+-]?Inf|NaN|[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?))");
    static const QRegularExpression comment(QStringLiteral("^# (HELP|TYPE) (%1) (.*)$").arg(name));
    static const QRegularExpression sample(
        QStringLiteral("^(%1)(?:\\{(?:%2(?:,%2)*)?\\})? %3$").arg(name, label, value));

    QStringList errors;
    if (!text.endsWith('\n'))
        errors << QStringLiteral("the text does not end with a line feed");
    QSet<QString> typed;
    QString family;
    QString familyType;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype n = 0; n + 1 < lines.size(); ++n) {
        const QString line = QString::fromUtf8(lines.at(n));
        const QString where = QStringLiteral("line %1: %2").arg(n + 1).arg(line);
        if (line.startsWith('#')) {
            const QRegularExpressionMatch m = comment.match(line);
            if (!m.hasMatch()) {
                errors << where + QStringLiteral(" (bad comment)");
                continue;
            }
            if (m.captured(1) == QLatin1String("TYPE")) {
                static const QStringList types{"counter", "gauge", "histogram", "summary",
                                               "untyped"};
                if (!types.contains(m.captured(3)))
                    errors << where + QStringLiteral(" (unknown type)");
                if (typed.contains(m.captured(2)))
                    errors << where + QStringLiteral(" (family typed twice)");
                typed.insert(m.captured(2));
                family = m.captured(2);
                familyType = m.captured(3);
            }
            continue;
        }
        const QRegularExpressionMatch m = sample.match(line);
        if (!m.hasMatch()) {
            errors << where + QStringLiteral(" (bad sample)");
            continue;
        }
        const QString sampleName = m.captured(1);
        bool belongs = sampleName == family;
        if (familyType == QLatin1String("histogram")) {
            for (const char *suffix : {"_bucket", "_sum", "_count"})
                belongs = belongs || sampleName == family + QLatin1String(suffix);
            if (sampleName == family)
                belongs = false;
        }
        if (!belongs)
            errors << where + QStringLiteral(" (sample outside its TYPE'd family)");
    }
    return errors;
}

// The value of the sample line starting with `prefix` ("name{labels}"), or NaN.
double sampleValue(const QByteArray &text, const QByteArray &prefix) {
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(prefix + ' '))
            return line.mid(prefix.size() + 1).toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace

class TestAdminServer : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void health_data();
    void health();
    void metricsExposition();
    void metricsValues_data();
    void metricsValues();
    void metricsHead();
    void validatorRejectsBadText_data();
    void validatorRejectsBadText();
    void services();
    void status();
    void unknownPathIs404();
    void wrongMethodIs405_data();
    void wrongMethodIs405();
    void oneConnectionServesEveryEndpoint();

private:
    std::optional<RawHttpResponse> get(QByteArrayView target);

    EngineSnapshot m_snapshot;
    int m_snapshotsTaken = 0;
    std::unique_ptr<AdminServer> m_server;
};

void TestAdminServer::init() {
    m_snapshot = sampleSnapshot();
    m_snapshotsTaken = 0;
    m_server = std::make_unique<AdminServer>([this] {
        ++m_snapshotsTaken;
        return m_snapshot;
    });
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QVERIFY(m_server->port() != 0);
}

void TestAdminServer::cleanup() {
    m_server.reset();
}

std::optional<RawHttpResponse> TestAdminServer::get(QByteArrayView target) {
    RawHttpClient client;
    if (!client.connectTo(m_server->port()))
        return std::nullopt;
    return client.exchange("GET " + target.toByteArray() + " HTTP/1.1\r\nHost: admin\r\n\r\n");
}

void TestAdminServer::health_data() {
    QTest::addColumn<bool>("allReachable");
    QTest::addColumn<bool>("draining");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("text");

    QTest::newRow("degraded") << false << false << 503 << "degraded";
    QTest::newRow("ok") << true << false << 200 << "ok";
    QTest::newRow("draining") << true << true << 503 << "draining";
}

void TestAdminServer::health() {
    QFETCH(bool, allReachable);
    QFETCH(bool, draining);
    QFETCH(int, status);
    QFETCH(QString, text);

    if (allReachable)
        m_snapshot.services[1].instances[0].reachable = true;
    m_snapshot.draining = draining;

    const auto response = get("/health");
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(QString::fromStdString(body.at("status").get<std::string>()), text);
    const Json &inventory = body.at("services").at("inventory");
    QCOMPARE(inventory.at("ready").get<bool>(), true);
    QCOMPARE(inventory.at("reachable_instances").get<int>(), 1);
    QCOMPARE(inventory.at("instances").get<int>(), 2);
    const Json &orders = body.at("services").at("orders");
    QCOMPARE(orders.at("ready").get<bool>(), allReachable);
    QCOMPARE(orders.at("reachable_instances").get<int>(), allReachable ? 1 : 0);
    QCOMPARE(m_snapshotsTaken, 1);
}

void TestAdminServer::metricsExposition() {
    const auto response = get("/metrics");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Content-Type"),
             QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const QStringList errors = validateExposition(response->body);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));

    for (const char *family :
         {"toolcapture_requests_total counter",
          "toolcapture_upstream_request_duration_seconds histogram",
          "toolcapture_upstream_bytes_sent_total counter",
          "toolcapture_upstream_bytes_received_total counter",
          "toolcapture_upstream_connect_failures_total counter",
          "toolcapture_upstream_resets_total counter",
          "toolcapture_upstream_first_byte_timeouts_total counter",
          "toolcapture_upstream_connections_opened_total counter",
          "toolcapture_pool_connections gauge", "toolcapture_upstream_in_flight gauge",
          "toolcapture_client_connections gauge",
          "toolcapture_client_connections_accepted_total counter",
          "toolcapture_client_requests_total counter",
          "toolcapture_client_bytes_received_total counter",
          "toolcapture_client_bytes_sent_total counter", "toolcapture_proxy_errors_total counter",
          "toolcapture_unrouted_requests_total counter", "toolcapture_instance_reachable gauge",
          "toolcapture_uptime_seconds gauge"}) {
        QVERIFY2(response->body.contains("\n# TYPE " + QByteArray(family) + '\n'), family);
    }
    // Proxy errors: only the codes that occurred.
    QVERIFY(!response->body.contains("toolcapture_proxy_errors_total{code=\"500\"}"));
    // The instance id with quotes is escaped.
    QVERIFY(response->body.contains(
        "toolcapture_instance_reachable{service=\"orders\",instance=\"orders-\\\"1\\\"\"} 0\n"));
}

void TestAdminServer::metricsValues_data() {
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<double>("value");

    const QByteArray inv1 = R"(service="inventory",instance="inventory-1")";
    QTest::newRow("2xx") << "toolcapture_requests_total{" + inv1 + R"(,code_class="2xx"})" << 40.0;
    QTest::newRow("5xx") << "toolcapture_requests_total{" + inv1 + R"(,code_class="5xx"})" << 2.0;
    QTest::newRow("4xx") << "toolcapture_requests_total{" + inv1 + R"(,code_class="4xx"})" << 0.0;
    QTest::newRow("bucket 1ms") << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 +
                                       R"(,le="0.001"})"
                                << 0.0;
    QTest::newRow("bucket 5ms") << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 +
                                       R"(,le="0.005"})"
                                << 40.0;
    QTest::newRow("bucket 25ms cumulative")
        << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 + R"(,le="0.025"})"
        << 40.0;
    QTest::newRow("bucket 50ms cumulative")
        << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 + R"(,le="0.05"})"
        << 42.0;
    QTest::newRow("bucket 30s") << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 +
                                       R"(,le="30"})"
                                << 42.0;
    QTest::newRow("bucket +Inf") << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 +
                                        R"(,le="+Inf"})"
                                 << 42.0;
    QTest::newRow("sum") << "toolcapture_upstream_request_duration_seconds_sum{" + inv1 + "}"
                         << 0.24;
    QTest::newRow("count") << "toolcapture_upstream_request_duration_seconds_count{" + inv1 + "}"
                           << 42.0;
    QTest::newRow("bytes sent") << "toolcapture_upstream_bytes_sent_total{" + inv1 + "}" << 1000.0;
    QTest::newRow("connect failures")
        << QByteArray(R"(toolcapture_upstream_connect_failures_total{service="inventory",)"
                      R"(instance="inventory-2"})")
        << 4.0;
    QTest::newRow("pool idle") << "toolcapture_pool_connections{" + inv1 + R"(,state="idle"})"
                               << 2.0;
    QTest::newRow("in flight") << "toolcapture_upstream_in_flight{" + inv1 + "}" << 1.0;
    QTest::newRow("reachable") << "toolcapture_instance_reachable{" + inv1 + "}" << 1.0;
    QTest::newRow("client connections") << QByteArray("toolcapture_client_connections") << 3.0;
    QTest::newRow("accepted") << QByteArray("toolcapture_client_connections_accepted_total")
                              << 17.0;
    QTest::newRow("client requests") << QByteArray("toolcapture_client_requests_total") << 50.0;
    QTest::newRow("client bytes in")
        << QByteArray("toolcapture_client_bytes_received_total") << 2048.0;
    QTest::newRow("client bytes out")
        << QByteArray("toolcapture_client_bytes_sent_total") << 8192.0;
    QTest::newRow("502") << QByteArray(R"(toolcapture_proxy_errors_total{code="502"})") << 4.0;
    QTest::newRow("503") << QByteArray(R"(toolcapture_proxy_errors_total{code="503"})") << 1.0;
    QTest::newRow("unrouted") << QByteArray("toolcapture_unrouted_requests_total") << 6.0;
    QTest::newRow("uptime") << QByteArray("toolcapture_uptime_seconds") << 12.345;
}

void TestAdminServer::metricsValues() {
    QFETCH(QByteArray, sample);
    QFETCH(double, value);

    const auto response = get("/metrics");
    QVERIFY(response);
    QCOMPARE(sampleValue(response->body, sample), value);
}

void TestAdminServer::metricsHead() {
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const auto head = client.exchange("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n", true);
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QVERIFY(head->header("Content-Length").toInt() > 1000);
    QVERIFY(head->body.isEmpty());
    const auto next = client.exchange("GET /api/v1/status HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(next);
    QCOMPARE(next->status, 200);
    QVERIFY(next->body.startsWith('{'));
}

void TestAdminServer::validatorRejectsBadText_data() {
    QTest::addColumn<QByteArray>("text");

    QTest::newRow("sample before TYPE") << QByteArray("a_total 1\n");
    QTest::newRow("no value") << QByteArray("# TYPE a gauge\na\n");
    QTest::newRow("unquoted label") << QByteArray("# TYPE a gauge\na{x=1} 1\n");
    QTest::newRow("raw quote in label") << QByteArray("# TYPE a gauge\na{x=\"a\"b\"} 1\n");
    QTest::newRow("typed twice") << QByteArray("# TYPE a gauge\na 1\n# TYPE a gauge\n");
    QTest::newRow("other family") << QByteArray("# TYPE a gauge\nb 1\n");
    QTest::newRow("no final newline") << QByteArray("# TYPE a gauge\na 1");
}

void TestAdminServer::validatorRejectsBadText() {
    QFETCH(QByteArray, text);
    QVERIFY(!validateExposition(text).isEmpty());
    QVERIFY(validateExposition("# HELP a A.\n# TYPE a gauge\na{x=\"q\\\"\"} 1.5e+20\n").isEmpty());
}

void TestAdminServer::services() {
    const auto response = get("/api/v1/services");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));

    const Json body = Json::parse(response->body.toStdString());
    const Json &services = body.at("services");
    QCOMPARE(services.size(), std::size_t(2));
    const Json &inventory = services.at(0);
    QCOMPARE(inventory.at("name").get<std::string>(), std::string("inventory"));
    QCOMPARE(inventory.at("match").get<std::string>(), std::string("path /inventory/"));
    QCOMPARE(inventory.at("ready").get<bool>(), true);
    QCOMPARE(services.at(1).at("ready").get<bool>(), false);
    QCOMPARE(services.at(1).at("instances").at(0).at("id").get<std::string>(),
             std::string("orders-\"1\""));

    const Json &first = inventory.at("instances").at(0);
    QCOMPARE(first.at("id").get<std::string>(), std::string("inventory-1"));
    QCOMPARE(first.at("url").get<std::string>(), std::string("http://127.0.0.1:9101"));
    QVERIFY(first.at("capabilities") == Json::array({"v1", "v2"}));
    QCOMPARE(first.at("reachable").get<bool>(), true);
    QCOMPARE(first.at("requests").get<int>(), 42);
    QCOMPARE(first.at("responses").at("2xx").get<int>(), 40);
    QCOMPARE(first.at("responses").at("5xx").get<int>(), 2);
    const Json &latency = first.at("latency_ms");
    const double p50 = latency.at("p50").get<double>();
    QVERIFY2(p50 > 2.5 && p50 <= 5.0, qPrintable(QString::number(p50)));
    const double p99 = latency.at("p99").get<double>();
    QVERIFY2(p99 > 25.0 && p99 <= 50.0, qPrintable(QString::number(p99)));
    QCOMPARE(latency.at("mean").get<double>(), (40 * 4.0 + 2 * 40.0) / 42.0);
    QCOMPARE(first.at("pool").at("active").get<int>(), 1);
    QCOMPARE(first.at("pool").at("idle").get<int>(), 2);
    QCOMPARE(first.at("in_flight").get<int>(), 1);
    QCOMPARE(inventory.at("instances").at(1).at("reachable").get<bool>(), false);
    QCOMPARE(inventory.at("instances").at(1).at("latency_ms").at("mean").get<double>(), 0.0);
}

void TestAdminServer::status() {
    m_snapshot.draining = true;
    const auto response = get("/api/v1/status");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("profile").get<std::string>(), std::string("test"));
    QCOMPARE(body.at("proxy_address").get<std::string>(), std::string("127.0.0.1:8090"));
    QCOMPARE(body.at("admin_address").get<std::string>(), std::string("127.0.0.1:8091"));
    QCOMPARE(body.at("workers").get<int>(), 2);
    QCOMPARE(body.at("uptime_ms").get<qint64>(), qint64(12345));
    QCOMPARE(body.at("draining").get<bool>(), true);
    QCOMPARE(body.at("client_connections").get<int>(), 3);
    QCOMPARE(body.at("requests_total").get<int>(), 50);
}

void TestAdminServer::unknownPathIs404() {
    const auto response = get("/nope?x=1");
    QVERIFY(response);
    QCOMPARE(response->status, 404);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("type").get<std::string>(), std::string("about:blank"));
    QCOMPARE(body.at("title").get<std::string>(), std::string("Not Found"));
    QCOMPARE(body.at("status").get<int>(), 404);
    QVERIFY(!body.at("detail").get<std::string>().empty());
    QCOMPARE(body.at("instance").get<std::string>(), std::string("/nope"));
    QCOMPARE(m_snapshotsTaken, 0);
}

void TestAdminServer::wrongMethodIs405_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("path");

    QTest::newRow("POST /health")
        << QByteArray("POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}")
        << QByteArray("/health");
    QTest::newRow("DELETE /api/v1/services")
        << QByteArray("DELETE /api/v1/services HTTP/1.1\r\nHost: a\r\n\r\n")
        << QByteArray("/api/v1/services");
}

void TestAdminServer::wrongMethodIs405() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, path);

    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const auto response = client.exchange(request);
    QVERIFY(response);
    QCOMPARE(response->status, 405);
    QCOMPARE(response->header("Allow"), QByteArray("GET, HEAD"));
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("status").get<int>(), 405);
    QCOMPARE(body.at("title").get<std::string>(), std::string("Method Not Allowed"));
    QCOMPARE(body.at("instance").get<std::string>(), path.toStdString());
    QCOMPARE(m_snapshotsTaken, 0);
}

void TestAdminServer::oneConnectionServesEveryEndpoint() {
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    QByteArray pipelined;
    for (const char *path : {"/health", "/metrics", "/api/v1/services", "/api/v1/status", "/x"})
        pipelined += "GET " + QByteArray(path) + " HTTP/1.1\r\nHost: a\r\n\r\n";
    client.send(pipelined);
    for (int expected : {503, 200, 200, 200, 404}) {
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, expected);
    }
    m_server->close();
    QVERIFY(client.waitForDisconnected());
}

QTEST_GUILESS_MAIN(TestAdminServer)
#include "tst_admin_server.moc"
