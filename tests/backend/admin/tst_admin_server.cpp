#include <backend/admin/admin_server.h>
#include <backend/admin/prometheus_writer.h>
#include <tests/backend/httpserver/raw_http_client.h>

#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <chrono>
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
    // ok + serverErrors latencies: most at 4 ms (the bucket up to 5 ms), the rest at 40 ms (the
    // bucket up to 50 ms).
    i.totals.latencyBuckets[size_t(latencyBucketIndex(std::chrono::milliseconds(4)))] = ok;
    i.totals.latencyBuckets[size_t(latencyBucketIndex(std::chrono::milliseconds(40)))] =
        serverErrors;
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
    s.totals.webSocket[0].messages = 21;
    s.totals.webSocket[1].messageBytes = 4096;
    s.totals.webSocket[1].controlFrames = 3;
    s.totals.webSocket[0].malformedStreams = 1;

    // Resilience: inventory-1 closed and healthy, inventory-2 open after a trip and ejected.
    s.takenAt = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    InstanceSnapshot &inv1 = s.services[0].instances[0];
    inv1.breaker.instanceId = inv1.id;
    inv1.breaker.calls = 12;
    inv1.breaker.failures = 2;
    inv1.breaker.minimumCalls = 10;
    inv1.breaker.failureRate = 2.0 / 12.0;
    inv1.breaker.threshold = 0.5;
    inv1.breaker.thresholdExplanation = "base 0.50";
    inv1.breaker.slowCallRateThreshold = 0.8;
    inv1.breaker.slowCallDuration = std::chrono::milliseconds(1500);
    inv1.health.checked = true;
    inv1.health.lastResult = HealthSnapshot::CheckResult::Passed;
    inv1.health.lastStatus = 200;
    inv1.health.lastLatency = std::chrono::milliseconds(3);
    inv1.health.lastCheckAt = s.takenAt - std::chrono::milliseconds(1500);
    inv1.bulkheadActive = 7;
    inv1.bulkheadPending = 2;
    inv1.bulkheadMaxActive = 100;
    inv1.bulkheadMaxPending = 50;

    InstanceSnapshot &inv2 = s.services[0].instances[1];
    BreakerTransition trip;
    trip.instanceId = inv2.id;
    trip.from = BreakerState::Closed;
    trip.to = BreakerState::Open;
    trip.at = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5, 678), Qt::UTC);
    trip.cause = "5 consecutive failures";
    trip.story = {
        {CallOutcome::Kind::Success, false, false, std::chrono::milliseconds(4), trip.at},
        {CallOutcome::Kind::Timeout, true, true, std::chrono::milliseconds(3000), trip.at}};
    inv2.breaker.instanceId = inv2.id;
    inv2.breaker.state = BreakerState::Open;
    inv2.breaker.consecutiveFailures = 5;
    inv2.breaker.consecutiveTrips = 1;
    inv2.breaker.openUntil = trip.at.addSecs(30);
    inv2.breaker.openRemaining = std::chrono::milliseconds(29000);
    inv2.breaker.story = trip.story;
    inv2.breaker.recentTransitions = {trip};
    inv2.breakerTransitions = 1;
    inv2.health.healthy = false;
    inv2.health.ejected = true;
    inv2.health.ejectedUntil = s.takenAt + std::chrono::milliseconds(20000);
    inv2.health.ejectionReason = "5 consecutive failures";
    inv2.health.weight = 0;
    s.recentTransitions = {trip};
    s.breakerTransitionsTotal = 1;

    ServiceSnapshot &inventorySnapshot = s.services[0];
    inventorySnapshot.currentScores.policy = "scoring";
    inventorySnapshot.currentScores.service = "inventory";
    inventorySnapshot.currentScores.chosenId = "inventory-1";
    inventorySnapshot.currentScores.chosenIndex = 0;
    CandidateScore best;
    best.instanceId = "inventory-1";
    best.instanceIndex = 0;
    best.score = 0.9;
    CandidateScore excluded;
    excluded.instanceId = "inventory-2";
    excluded.instanceIndex = 1;
    excluded.excluded = true;
    excluded.exclusion = Exclusion::BreakerOpen;
    excluded.reason = "breaker open";
    inventorySnapshot.currentScores.candidates = {best, excluded};
    inventorySnapshot.retryBudget = {10, 1, 3, 8, 5};
    inventorySnapshot.rateLimit = {false, 50.0, 100, 42, 1000, 17};
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

constexpr QByteArrayView kToken = "t0ken-for-tests";

// A POST /api/v1/breakers/{target} with these extra header lines and body.
QByteArray postRequest(QByteArrayView target, QByteArrayView headerLines, QByteArrayView body) {
    return "POST /api/v1/breakers/" + target.toByteArray() + " HTTP/1.1\r\nHost: a\r\n" +
           headerLines.toByteArray() +
           "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body.toByteArray();
}

QByteArray bearer(QByteArrayView token) {
    return "Authorization: Bearer " + token.toByteArray() + "\r\n";
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

    void servicesResilience();
    void metricsResilience_data();
    void metricsResilience();
    void breakersList();
    void breakerGet_data();
    void breakerGet();
    void breakerGetNeverChangesState();
    void breakerPost_data();
    void breakerPost();
    void breakerPostWithoutConfiguredToken();
    void breakerPostWithoutCommands();
    void breakerWrongMethodIs405_data();
    void breakerWrongMethodIs405();

private:
    std::optional<RawHttpResponse> get(QByteArrayView target);
    std::optional<RawHttpResponse> send(const QByteArray &request);
    InstanceSnapshot *findInstance(const QString &id);

    EngineSnapshot m_snapshot;
    int m_snapshotsTaken = 0;
    std::unique_ptr<AdminServer> m_server;
    QList<QPair<QString, BreakerMode>> m_commands; // received by the fake command interface
};

void TestAdminServer::init() {
    m_snapshot = sampleSnapshot();
    m_snapshotsTaken = 0;
    m_commands.clear();
    m_server = std::make_unique<AdminServer>([this] {
        ++m_snapshotsTaken;
        return m_snapshot;
    });
    // A fake engine: records the command and applies it to the snapshot it serves.
    m_server->setCommands(AdminCommands{
        [this](const QString &id, BreakerMode mode, const QString &, const QString &) {
            m_commands.append({id, mode});
            InstanceSnapshot *instance = findInstance(id);
            if (!instance)
                return false;
            instance->breaker.mode = mode;
            static constexpr std::array<BreakerState, 4> states{
                BreakerState::Closed, BreakerState::ForcedOpen, BreakerState::ForcedClosed,
                BreakerState::Disabled};
            instance->breaker.state = states[size_t(mode)];
            return true;
        },
        {}});
    m_server->setToken(AdminToken::load(QString::fromLatin1(kToken.toByteArray()), {}));
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QVERIFY(m_server->port() != 0);
}

void TestAdminServer::cleanup() {
    m_server.reset();
}

std::optional<RawHttpResponse> TestAdminServer::send(const QByteArray &request) {
    RawHttpClient client;
    if (!client.connectTo(m_server->port()))
        return std::nullopt;
    return client.exchange(request);
}

InstanceSnapshot *TestAdminServer::findInstance(const QString &id) {
    for (ServiceSnapshot &service : m_snapshot.services) {
        for (InstanceSnapshot &instance : service.instances) {
            if (instance.id == id)
                return &instance;
        }
    }
    return nullptr;
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

    for (const char *family : {"toolcapture_requests_total counter",
                               "toolcapture_upstream_request_duration_seconds histogram",
                               "toolcapture_upstream_bytes_sent_total counter",
                               "toolcapture_upstream_bytes_received_total counter",
                               "toolcapture_upstream_connect_failures_total counter",
                               "toolcapture_upstream_resets_total counter",
                               "toolcapture_upstream_first_byte_timeouts_total counter",
                               "toolcapture_upstream_connections_opened_total counter",
                               "toolcapture_pool_connections gauge",
                               "toolcapture_upstream_in_flight gauge",
                               "toolcapture_client_connections gauge",
                               "toolcapture_client_connections_accepted_total counter",
                               "toolcapture_client_requests_total counter",
                               "toolcapture_client_bytes_received_total counter",
                               "toolcapture_client_bytes_sent_total counter",
                               "toolcapture_proxy_errors_total counter",
                               "toolcapture_unrouted_requests_total counter",
                               "toolcapture_instance_reachable gauge",
                               "toolcapture_websocket_messages_total counter",
                               "toolcapture_websocket_message_bytes_total counter",
                               "toolcapture_websocket_control_frames_total counter",
                               "toolcapture_websocket_malformed_total counter",
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
    // Bounds below a millisecond are written as plain decimals, as rules name them.
    QTest::newRow("bucket 0.1ms") << "toolcapture_upstream_request_duration_seconds_bucket{" +
                                         inv1 + R"(,le="0.0001"})"
                                  << 0.0;
    QTest::newRow("bucket 0.25ms")
        << "toolcapture_upstream_request_duration_seconds_bucket{" + inv1 + R"(,le="0.00025"})"
        << 0.0;
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
    QTest::newRow("websocket messages from clients")
        << QByteArray(R"(toolcapture_websocket_messages_total{direction="client_to_upstream"})")
        << 21.0;
    QTest::newRow("websocket messages from upstreams")
        << QByteArray(R"(toolcapture_websocket_messages_total{direction="upstream_to_client"})")
        << 0.0;
    QTest::newRow("websocket message bytes")
        << QByteArray(
               R"(toolcapture_websocket_message_bytes_total{direction="upstream_to_client"})")
        << 4096.0;
    QTest::newRow("websocket control frames")
        << QByteArray(
               R"(toolcapture_websocket_control_frames_total{direction="upstream_to_client"})")
        << 3.0;
    QTest::newRow("websocket malformed")
        << QByteArray(R"(toolcapture_websocket_malformed_total{direction="client_to_upstream"})")
        << 1.0;
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
    // The histogram a console diffs between two documents: 40 in (2.5, 5], 2 in (35, 50].
    const Json &histogram = first.at("latency_histogram");
    QCOMPARE(histogram.at("bounds_ms").size(), std::size_t(kLatencyBucketsMs.size()));
    QCOMPARE(histogram.at("counts").size(), std::size_t(kLatencyBucketCount));
    QCOMPARE(histogram.at("counts")
                 .at(size_t(latencyBucketIndex(std::chrono::milliseconds(4))))
                 .get<int>(),
             40);
    QCOMPARE(histogram.at("counts")
                 .at(size_t(latencyBucketIndex(std::chrono::milliseconds(40))))
                 .get<int>(),
             2);
    QCOMPARE(first.at("errors").at("connect_failures").get<int>(), 0);
    QCOMPARE(inventory.at("instances").at(1).at("reachable").get<bool>(), false);
    QCOMPARE(inventory.at("instances").at(1).at("latency_ms").at("mean").get<double>(), 0.0);
}

void TestAdminServer::status() {
    m_snapshot.draining = true;
    // 8 more answered by the response cache: 6 fresh, 2 stale; revalidations reach an instance.
    CacheServiceTotals cached;
    cached.hits = 6;
    cached.staleServed = 2;
    cached.revalidated = 3;
    m_snapshot.cache.enabled = true;
    m_snapshot.cache.services.push_back({QStringLiteral("inventory"), cached});
    m_snapshot.totals.requests = 58;
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
    QCOMPARE(body.at("requests_total").get<int>(), 58);
    // 42 upstream responses (2 of them 5xx), the proxy's own 502 x4 and 503 x1, and the cache's 8.
    QCOMPARE(body.at("responses_total").get<int>(), 55);
    QCOMPARE(body.at("server_errors_total").get<int>(), 7);
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

void TestAdminServer::servicesResilience() {
    const auto response = get("/api/v1/services");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const Json body = Json::parse(response->body.toStdString());
    const Json &inventory = body.at("services").at(0);
    const Json &first = inventory.at("instances").at(0);
    QCOMPARE(first.at("breaker").at("state").get<std::string>(), std::string("closed"));
    QCOMPARE(first.at("breaker").at("threshold").get<double>(), 0.5);
    QCOMPARE(first.at("health").at("healthy").get<bool>(), true);
    QCOMPARE(first.at("health").at("weight").get<double>(), 1.0);
    QCOMPARE(first.at("health").at("ejected").get<bool>(), false);
    QVERIFY(first.at("health").at("ejection_reason").is_null());
    const Json &lastCheck = first.at("health").at("last_check");
    QCOMPARE(lastCheck.at("result").get<std::string>(), std::string("passed"));
    QCOMPARE(lastCheck.at("status").get<int>(), 200);
    QCOMPARE(lastCheck.at("latency_ms").get<int>(), 3);
    QCOMPARE(lastCheck.at("age_ms").get<double>(), 1500.0);
    QCOMPARE(first.at("bulkhead").at("active").get<int>(), 7);
    QCOMPARE(first.at("bulkhead").at("pending").get<int>(), 2);
    QCOMPARE(first.at("bulkhead").at("max_active").get<int>(), 100);

    const Json &second = inventory.at("instances").at(1);
    QCOMPARE(second.at("breaker").at("state").get<std::string>(), std::string("open"));
    QCOMPARE(second.at("health").at("healthy").get<bool>(), false);
    QCOMPARE(second.at("health").at("ejected").get<bool>(), true);
    QCOMPARE(second.at("health").at("ejected_for_ms").get<double>(), 20000.0);
    QCOMPARE(second.at("health").at("ejection_reason").get<std::string>(),
             std::string("5 consecutive failures"));
    QVERIFY(second.at("health").at("last_check").is_null());

    const Json &scores = inventory.at("scores");
    QCOMPARE(scores.at("policy").get<std::string>(), std::string("scoring"));
    QCOMPARE(scores.at("chosen").get<std::string>(), std::string("inventory-1"));
    QCOMPARE(scores.at("candidates").size(), std::size_t(2));
    QCOMPARE(scores.at("candidates").at(1).at("excluded").get<bool>(), true);
    QCOMPARE(scores.at("candidates").at(1).at("exclusion").get<std::string>(),
             std::string("breaker_open"));

    const Json &budget = inventory.at("retry_budget");
    QCOMPARE(budget.at("active_requests").get<int>(), 10);
    QCOMPARE(budget.at("active_retries").get<int>(), 1);
    QCOMPARE(budget.at("retry_limit").get<int>(), 3);
    QCOMPARE(budget.at("admitted").get<int>(), 8);
    QCOMPARE(budget.at("refused").get<int>(), 5);
    const Json &limit = inventory.at("rate_limit");
    QCOMPARE(limit.at("unlimited").get<bool>(), false);
    QCOMPARE(limit.at("requests_per_second").get<double>(), 50.0);
    QCOMPARE(limit.at("available_tokens").get<int>(), 42);
    QCOMPARE(limit.at("limited").get<int>(), 17);
    // The orders service has no limit: no token count.
    QVERIFY(body.at("services").at(1).at("rate_limit").at("available_tokens").is_null());
}

void TestAdminServer::metricsResilience_data() {
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<double>("value");

    const QByteArray inv1 = R"(service="inventory",instance="inventory-1")";
    const QByteArray inv2 = R"(service="inventory",instance="inventory-2")";
    QTest::newRow("closed is current")
        << "toolcapture_breaker_state{" + inv1 + R"(,state="closed"})" << 1.0;
    QTest::newRow("open is not") << "toolcapture_breaker_state{" + inv1 + R"(,state="open"})"
                                 << 0.0;
    QTest::newRow("forced_open listed")
        << "toolcapture_breaker_state{" + inv1 + R"(,state="forced_open"})" << 0.0;
    QTest::newRow("open is current")
        << "toolcapture_breaker_state{" + inv2 + R"(,state="open"})" << 1.0;
    QTest::newRow("closed is not")
        << "toolcapture_breaker_state{" + inv2 + R"(,state="closed"})" << 0.0;
    QTest::newRow("transitions") << "toolcapture_breaker_transitions_total{" + inv2 + "}" << 1.0;
    QTest::newRow("no transitions") << "toolcapture_breaker_transitions_total{" + inv1 + "}" << 0.0;
    QTest::newRow("healthy") << "toolcapture_instance_healthy{" + inv1 + "}" << 1.0;
    QTest::newRow("ejected") << "toolcapture_instance_healthy{" + inv2 + "}" << 0.0;
    QTest::newRow("bulkhead active") << "toolcapture_bulkhead_active{" + inv1 + "}" << 7.0;
    QTest::newRow("bulkhead pending") << "toolcapture_bulkhead_pending{" + inv1 + "}" << 2.0;
    QTest::newRow("retries admitted")
        << QByteArray(R"(toolcapture_retries_total{service="inventory",outcome="admitted"})")
        << 8.0;
    QTest::newRow("retries refused")
        << QByteArray(R"(toolcapture_retries_total{service="inventory",outcome="refused"})") << 5.0;
    QTest::newRow("rate limited") << QByteArray(
                                         R"(toolcapture_rate_limited_total{service="inventory"})")
                                  << 17.0;
    QTest::newRow("rate limited none")
        << QByteArray(R"(toolcapture_rate_limited_total{service="orders"})") << 0.0;
}

void TestAdminServer::metricsResilience() {
    QFETCH(QByteArray, sample);
    QFETCH(double, value);

    const auto response = get("/metrics");
    QVERIFY(response);
    const QStringList errors = validateExposition(response->body);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    for (const char *family :
         {"toolcapture_breaker_state gauge", "toolcapture_breaker_transitions_total counter",
          "toolcapture_instance_healthy gauge", "toolcapture_bulkhead_active gauge",
          "toolcapture_bulkhead_pending gauge", "toolcapture_retries_total counter",
          "toolcapture_rate_limited_total counter"}) {
        QVERIFY2(response->body.contains("\n# TYPE " + QByteArray(family) + '\n'), family);
    }
    QCOMPARE(sampleValue(response->body, sample), value);
    // Every state is listed for every instance, exactly one of them current.
    for (const ServiceSnapshot &service : m_snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances) {
            const QByteArray prefix =
                "toolcapture_breaker_state{service=\"" + service.name.toUtf8() + "\",instance=\"" +
                PrometheusWriter::escapeLabelValue(instance.id.toUtf8()) + "\",state=";
            QCOMPARE(response->body.count(prefix), qsizetype(6));
            double current = 0;
            for (const char *state :
                 {"closed", "open", "half_open", "forced_open", "forced_closed", "disabled"})
                current += sampleValue(response->body, prefix + '"' + state + "\"}");
            QCOMPARE(current, 1.0);
        }
    }
}

void TestAdminServer::breakersList() {
    const auto response = get("/api/v1/breakers");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    const Json &breakers = body.at("breakers");
    QCOMPARE(breakers.size(), std::size_t(3));

    const Json &closed = breakers.at(0);
    QCOMPARE(closed.at("instance").get<std::string>(), std::string("inventory-1"));
    QCOMPARE(closed.at("service").get<std::string>(), std::string("inventory"));
    QCOMPARE(closed.at("state").get<std::string>(), std::string("closed"));
    QCOMPARE(closed.at("mode").get<std::string>(), std::string("auto"));
    QCOMPARE(closed.at("window").at("calls").get<int>(), 12);
    QCOMPARE(closed.at("window").at("failures").get<int>(), 2);
    QCOMPARE(closed.at("window").at("minimum_calls").get<int>(), 10);
    QCOMPARE(closed.at("window").at("failure_rate").get<double>(), 2.0 / 12.0);
    QCOMPARE(closed.at("threshold").at("failure_rate").get<double>(), 0.5);
    QCOMPARE(closed.at("threshold").at("explanation").get<std::string>(), std::string("base 0.50"));
    QCOMPARE(closed.at("threshold").at("slow_call_rate").get<double>(), 0.8);
    QCOMPARE(closed.at("threshold").at("slow_call_duration_ms").get<int>(), 1500);
    QVERIFY(closed.at("open_until").is_null());
    QVERIFY(closed.at("reopens_in_ms").is_null());

    const Json &open = breakers.at(1);
    QCOMPARE(open.at("state").get<std::string>(), std::string("open"));
    QCOMPARE(open.at("consecutive_failures").get<int>(), 5);
    QCOMPARE(open.at("consecutive_trips").get<int>(), 1);
    QCOMPARE(open.at("open_until").get<std::string>(), std::string("2026-01-02T03:04:35.678Z"));
    QCOMPARE(open.at("reopens_in_ms").get<int>(), 29000);
    QCOMPARE(open.at("transitions_total").get<int>(), 1);
    const Json &story = open.at("story");
    QCOMPARE(story.size(), std::size_t(2));
    QCOMPARE(story.at(1).at("kind").get<std::string>(), std::string("timeout"));
    QCOMPARE(story.at(1).at("failure").get<bool>(), true);
    QCOMPARE(story.at(1).at("slow").get<bool>(), true);
    QCOMPARE(story.at(1).at("duration_ms").get<int>(), 3000);
    QCOMPARE(story.at(1).at("at").get<std::string>(), std::string("2026-01-02T03:04:05.678Z"));
    QCOMPARE(story.at(0).at("kind").get<std::string>(), std::string("success"));
    const Json &transition = open.at("recent_transitions").at(0);
    QCOMPARE(transition.at("from").get<std::string>(), std::string("closed"));
    QCOMPARE(transition.at("to").get<std::string>(), std::string("open"));
    QCOMPARE(transition.at("cause").get<std::string>(), std::string("5 consecutive failures"));
    QCOMPARE(transition.at("story").size(), std::size_t(2));

    QCOMPARE(body.at("transitions_total").get<int>(), 1);
    QCOMPARE(body.at("recent_transitions").size(), std::size_t(1));
    QCOMPARE(body.at("recent_transitions").at(0).at("instance").get<std::string>(),
             std::string("inventory-2"));
}

void TestAdminServer::breakerGet_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("instance");

    QTest::newRow("inventory-2") << QByteArray("/api/v1/breakers/inventory-2") << 200
                                 << "inventory-2";
    QTest::newRow("percent-encoded")
        << QByteArray("/api/v1/breakers/orders-%221%22") << 200 << "orders-\"1\"";
    QTest::newRow("unknown") << QByteArray("/api/v1/breakers/nope") << 404 << QString();
    QTest::newRow("nested path") << QByteArray("/api/v1/breakers/inventory-1/x") << 404
                                 << QString();
}

void TestAdminServer::breakerGet() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QString, instance);

    const auto response = get(target);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    if (status == 200) {
        QCOMPARE(body.at("instance").get<std::string>(), instance.toStdString());
        QVERIFY(body.contains("story"));
    } else {
        QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
        QCOMPARE(body.at("status").get<int>(), 404);
    }
    QVERIFY(m_commands.isEmpty());
}

void TestAdminServer::breakerGetNeverChangesState() {
    const auto response = get("/api/v1/breakers/inventory-1?action=force_open");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("state").get<std::string>(), std::string("closed"));
    QVERIFY(m_commands.isEmpty());
}

void TestAdminServer::breakerPost_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("commands");   // reaching the engine
    QTest::addColumn<QString>("result"); // 200: the state; else the JSON pointer ("-": none)

    const QByteArray ok = bearer(kToken);
    const QByteArray target = "inventory-1";
    QTest::newRow("force_open") << target << ok << QByteArray(R"({"action":"force_open"})") << 200
                                << 1 << "forced_open";
    QTest::newRow("force_closed") << target << ok << QByteArray(R"({"action":"force_closed"})")
                                  << 200 << 1 << "forced_closed";
    QTest::newRow("disable") << target << ok << QByteArray(R"({"action":"disable"})") << 200 << 1
                             << "disabled";
    QTest::newRow("auto") << target << ok << QByteArray(R"({"action":"auto","note":"x"})") << 200
                          << 1 << "closed";
    QTest::newRow("scheme case") << target
                                 << "authorization: bearer " + kToken.toByteArray() + "\r\n"
                                 << QByteArray(R"({"action":"force_open"})") << 200 << 1
                                 << "forced_open";
    QTest::newRow("percent-encoded id")
        << QByteArray("orders-%221%22") << ok << QByteArray(R"({"action":"force_open"})") << 200
        << 1 << "forced_open";

    QTest::newRow("no token") << target << QByteArray() << QByteArray(R"({"action":"force_open"})")
                              << 401 << 0 << "-";
    QTest::newRow("wrong token") << target << bearer("t0ken-for-test")
                                 << QByteArray(R"({"action":"force_open"})") << 401 << 0 << "-";
    QTest::newRow("longer token") << target << bearer(kToken.toByteArray() + "x")
                                  << QByteArray(R"({"action":"force_open"})") << 401 << 0 << "-";
    QTest::newRow("basic scheme") << target
                                  << "Authorization: Basic " + kToken.toByteArray() + "\r\n"
                                  << QByteArray(R"({"action":"force_open"})") << 401 << 0 << "-";
    QTest::newRow("empty bearer") << target << QByteArray("Authorization: Bearer \r\n")
                                  << QByteArray(R"({"action":"force_open"})") << 401 << 0 << "-";
    QTest::newRow("unauthorized before unknown instance")
        << QByteArray("nope") << QByteArray() << QByteArray(R"({"action":"auto"})") << 401 << 0
        << "-";

    QTest::newRow("bad JSON") << target << ok << QByteArray(R"({"action":)") << 400 << 0 << "";
    QTest::newRow("empty body") << target << ok << QByteArray() << 400 << 0 << "";
    QTest::newRow("array") << target << ok << QByteArray(R"(["force_open"])") << 400 << 0 << "";
    QTest::newRow("no action") << target << ok << QByteArray(R"({"mode":"force_open"})") << 400 << 0
                               << "/action";
    QTest::newRow("action not a string")
        << target << ok << QByteArray(R"({"action":1})") << 400 << 0 << "/action";
    QTest::newRow("unknown action")
        << target << ok << QByteArray(R"({"action":"explode"})") << 400 << 0 << "/action";
    QTest::newRow("state name is not an action")
        << target << ok << QByteArray(R"({"action":"forced_open"})") << 400 << 0 << "/action";

    QTest::newRow("unknown instance")
        << QByteArray("nope") << ok << QByteArray(R"({"action":"auto"})") << 404 << 1 << "-";
}

void TestAdminServer::breakerPost() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(int, commands);
    QFETCH(QString, result);

    const auto response = send(postRequest(target, headers, body));
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(m_commands.size(), commands);
    const Json json = Json::parse(response->body.toStdString());
    if (status == 200) {
        QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(json.at("state").get<std::string>(), result.toStdString());
        QCOMPARE(json.at("instance").get<std::string>(),
                 QByteArray::fromPercentEncoding(target).toStdString());
        QCOMPARE(m_commands.at(0).first,
                 QString::fromUtf8(QByteArray::fromPercentEncoding(target)));
        return;
    }
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(json.at("status").get<int>(), status);
    QCOMPARE(json.at("instance").get<std::string>(), "/api/v1/breakers/" + target.toStdString());
    QCOMPARE(response->hasHeader("WWW-Authenticate"), status == 401);
    if (status == 401)
        QVERIFY(response->header("WWW-Authenticate").startsWith("Bearer"));
    if (result == "-") {
        QVERIFY(!json.contains("errors"));
    } else {
        const Json &error = json.at("errors").at(0);
        QCOMPARE(error.at("pointer").get<std::string>(), result.toStdString());
        QVERIFY(!error.at("detail").get<std::string>().empty());
        if (result == "/action")
            QVERIFY(json.at("detail").get<std::string>().find("action") != std::string::npos);
    }
    // Nothing changed.
    QCOMPARE(m_snapshot.services[0].instances[0].breaker.mode, BreakerMode::Auto);
}

void TestAdminServer::breakerPostWithoutConfiguredToken() {
    m_server->setToken(std::nullopt);
    for (const QByteArray &headers : {bearer(kToken), bearer(""), QByteArray()}) {
        const auto response =
            send(postRequest("inventory-1", headers, R"({"action":"force_open"})"));
        QVERIFY(response);
        QCOMPARE(response->status, 401);
    }
    QVERIFY(m_commands.isEmpty());
}

void TestAdminServer::breakerPostWithoutCommands() {
    m_server->setCommands({});
    const auto response =
        send(postRequest("inventory-1", bearer(kToken), R"({"action":"force_open"})"));
    QVERIFY(response);
    QCOMPARE(response->status, 503);
    QCOMPARE(m_snapshot.services[0].instances[0].breaker.mode, BreakerMode::Auto);
}

void TestAdminServer::breakerWrongMethodIs405_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("allow");

    QTest::newRow("PUT instance") << QByteArray("PUT /api/v1/breakers/inventory-1 HTTP/1.1\r\n"
                                                "Host: a\r\nContent-Length: 2\r\n\r\n{}")
                                  << QByteArray("GET, HEAD, POST");
    QTest::newRow("DELETE instance")
        << "DELETE /api/v1/breakers/inventory-1 HTTP/1.1\r\nHost: a\r\n" + bearer(kToken) + "\r\n"
        << QByteArray("GET, HEAD, POST");
    QTest::newRow("POST collection")
        << "POST /api/v1/breakers HTTP/1.1\r\nHost: a\r\n" + bearer(kToken) +
               "Content-Length: 23\r\n\r\n{\"action\":\"force_open\"}"
        << QByteArray("GET, HEAD");
}

void TestAdminServer::breakerWrongMethodIs405() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, allow);

    const auto response = send(request);
    QVERIFY(response);
    QCOMPARE(response->status, 405);
    QCOMPARE(response->header("Allow"), allow);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QVERIFY(m_commands.isEmpty());
    QCOMPARE(m_snapshot.services[0].instances[0].breaker.mode, BreakerMode::Auto);
}

QTEST_GUILESS_MAIN(TestAdminServer)
#include "tst_admin_server.moc"
