// The pattern analysis in a running engine: exchanges proxied to a TestUpstream are published on
// the embedded Kafka cluster, read back by the analyser's consumer group and shown by
// GET /api/v1/patterns, /anomalies and /correlations/{id}; a second engine publishing to the
// same cluster is counted by the first one's analyser; the breaker transition an exchange caused
// is in that exchange's timeline.
#include <backend/analysis/analyser_host.h>
#include <backend/engine/engine.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr QByteArrayView kAdminToken = "patterns-engine-test-admin-token";

} // namespace

class TestEnginePatterns : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void patternsCountTheProxiedExchanges();
    void badRequests_data();
    void badRequests();
    void correlationTimelineOfARealExchange();
    void anomaliesDocument();
    void secondEngineOnTheSameCluster();
    void breakerTripInTheTimelineOfItsExchange();
    void configuredPathTemplates();

private:
    ProxyConfig config(const QString &name, const QString &brokers) const;
    std::optional<RawHttpResponse> get(Engine &engine, const QByteArray &target,
                                       QByteArrayView extra = {});
    std::optional<RawHttpResponse> admin(Engine &engine, const QByteArray &target);
    // requests of `operation` in GET /api/v1/patterns?window=1m (-1 when absent).
    int requestsOf(Engine &engine, const std::string &operation);

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<TestUpstream> m_failing; // answers 503 to everything
    std::unique_ptr<Engine> m_engine;
};

ProxyConfig TestEnginePatterns::config(const QString &name, const QString &brokers) const {
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 2;
    config.adminToken = QString::fromLatin1(kAdminToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool-") + name;
    config.kafka.linger = std::chrono::milliseconds(5);
    if (!brokers.isEmpty())
        config.kafka.brokers = brokers;
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures-%1.sqlite").arg(name);
    ServiceConfig service;
    service.name = QStringLiteral("inventory");
    service.match.pathPrefix = "/inventory/";
    service.health.enabled = false;
    InstanceConfig instance;
    instance.id = QStringLiteral("inventory-1");
    instance.host = QStringLiteral("127.0.0.1");
    instance.port = m_upstream->port();
    instance.url = QString::fromLatin1(m_upstream->url());
    service.instances.push_back(instance);
    config.services.push_back(service);

    // A service whose only instance fails: its breaker trips at the third failure in a row,
    // no retry in between.
    ServiceConfig failing;
    failing.name = QStringLiteral("failing");
    failing.match.pathPrefix = "/failing/";
    failing.health.enabled = false;
    failing.retry.maxAttempts = 1;
    failing.breaker.consecutiveFailures = 3;
    InstanceConfig failingInstance;
    failingInstance.id = QStringLiteral("failing-1");
    failingInstance.host = QStringLiteral("127.0.0.1");
    failingInstance.port = m_failing->port();
    failingInstance.url = QString::fromLatin1(m_failing->url());
    failing.instances.push_back(failingInstance);
    config.services.push_back(failing);
    // intelligence.path_templates: inventory's files are one operation, whatever their depth.
    config.intelligence.servicePathTemplates.push_back(
        {QStringLiteral("inventory"), {{QStringLiteral("/inventory/files/{path...}")}, {}}});
    return config;
}

std::optional<RawHttpResponse> TestEnginePatterns::get(Engine &engine, const QByteArray &target,
                                                       QByteArrayView extra) {
    RawHttpClient client;
    if (!client.connectTo(engine.proxyPort()))
        return std::nullopt;
    return client.exchange("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() +
                           "\r\n");
}

std::optional<RawHttpResponse> TestEnginePatterns::admin(Engine &engine, const QByteArray &target) {
    RawHttpClient client;
    if (!client.connectTo(engine.adminPort()))
        return std::nullopt;
    return client.exchange("GET " + target + " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " +
                           kAdminToken.toByteArray() + "\r\n\r\n");
}

int TestEnginePatterns::requestsOf(Engine &engine, const std::string &operation) {
    const auto response = admin(engine, "/api/v1/patterns?window=1m&service=inventory");
    if (!response || response->status != 200)
        return -1;
    const Json body = Json::parse(response->body.toStdString(), nullptr, false);
    if (body.is_discarded())
        return -1;
    for (const Json &op : body.value("operations", Json::array())) {
        if (op.value("operation", "") == operation)
            return op.value("requests", -1);
    }
    return -1;
}

void TestEnginePatterns::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_upstream = std::make_unique<TestUpstream>();
    TestUpstream::Behaviour failing;
    failing.mode = TestUpstream::Mode::Raw;
    failing.raw = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    m_failing = std::make_unique<TestUpstream>(failing);
    m_engine = std::make_unique<Engine>(config(QStringLiteral("first"), {}), Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->analyser());
    QVERIFY(m_engine->analyser()->isRunning());
}

void TestEnginePatterns::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

void TestEnginePatterns::patternsCountTheProxiedExchanges() {
    for (int i = 1; i <= 6; ++i) {
        const auto response = get(*m_engine, "/inventory/items/" + QByteArray::number(i));
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QVERIFY(get(*m_engine, "/inventory/health"));
    QTRY_COMPARE_WITH_TIMEOUT(requestsOf(*m_engine, "GET /inventory/items/{id}"), 6, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(requestsOf(*m_engine, "GET /inventory/health"), 1, kTimeoutMs);

    const auto response = admin(*m_engine, "/api/v1/patterns");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QVERIFY(response->header("Content-Type").startsWith("application/json"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("window").get<std::string>(), std::string("5m"));
    QVERIFY(body.at("events_ingested").get<int>() >= 7 * 3);
    QVERIFY(body.at("generated_at").is_string());
    bool found = false;
    for (const Json &op : body.at("operations")) {
        if (op.at("operation") != "GET /inventory/items/{id}")
            continue;
        found = true;
        QCOMPARE(op.at("service").get<std::string>(), std::string("inventory"));
        QCOMPARE(op.at("errors").get<int>(), 0);
        QVERIFY(op.at("latency_ms").at("p99").get<double>() > 0);
        QVERIFY(op.at("trend").at("direction").is_string());
    }
    QVERIFY(found);
    QCOMPARE(body.at("instances").size(), size_t(1));
    QCOMPARE(body.at("instances")[0].at("instance").get<std::string>(), std::string("inventory-1"));
    QCOMPARE(body.at("services")[0].at("requests").get<int>(), 7);
    QCOMPARE(body.at("patterns").size(), size_t(2));
    // The snapshot the recommendation engine reads says the same.
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->analysisSnapshot() &&
                                 m_engine->analysisSnapshot()->operations.size() == 2,
                             kTimeoutMs);
    // And /metrics, from the engine's snapshot (taken a few times a second).
    QTRY_VERIFY_WITH_TIMEOUT(
        admin(*m_engine, "/metrics")->body.contains("\ntoolcapture_analysis_operations 2\n"),
        kTimeoutMs);
    const QByteArray metrics = admin(*m_engine, "/metrics")->body;
    QVERIFY(metrics.contains("\ntoolcapture_analysis_running 1\n"));
    QVERIFY(metrics.contains("\ntoolcapture_analysis_events_total "));
    QVERIFY(!metrics.contains("\ntoolcapture_analysis_events_total 0\n"));
    QVERIFY(metrics.contains("\ntoolcapture_recommendations{status=\"open\"} "));
}

void TestEnginePatterns::badRequests_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("pointer");
    QTest::newRow("unknown window")
        << QByteArray("/api/v1/patterns?window=10m") << 400 << QByteArray("?window");
    QTest::newRow("unknown parameter")
        << QByteArray("/api/v1/patterns?limit=3") << 400 << QByteArray("?limit");
    QTest::newRow("active not a boolean")
        << QByteArray("/api/v1/anomalies?active=yes") << 400 << QByteArray("?active");
    QTest::newRow("unknown correlation id")
        << QByteArray("/api/v1/correlations/no-such-id") << 404 << QByteArray();
}

void TestEnginePatterns::badRequests() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, pointer);
    const auto response = admin(*m_engine, target);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("status").get<int>(), status);
    if (!pointer.isEmpty())
        QCOMPARE(QByteArray::fromStdString(body.at("errors")[0].at("pointer").get<std::string>()),
                 pointer);
}

void TestEnginePatterns::correlationTimelineOfARealExchange() {
    const QByteArray id = "patterns-test-correlation-1";
    const auto response = get(*m_engine, "/inventory/items/99", "X-Correlation-ID: " + id + "\r\n");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    std::optional<RawHttpResponse> timeline;
    QTRY_VERIFY_WITH_TIMEOUT((timeline = admin(*m_engine, "/api/v1/correlations/" + id)) &&
                                 timeline->status == 200 &&
                                 Json::parse(timeline->body.toStdString()).at("events").size() == 3,
                             kTimeoutMs);
    const Json body = Json::parse(timeline->body.toStdString());
    QCOMPARE(body.at("correlation_id").get<std::string>(), id.toStdString());
    const Json &events = body.at("events");
    QCOMPARE(events[0].at("kind").get<std::string>(), std::string("request"));
    QCOMPARE(events[0].at("summary").get<std::string>(), std::string("GET /inventory/items/99"));
    QCOMPARE(events[0].at("offset_ms").get<double>(), 0.0);
    for (size_t i = 1; i < events.size(); ++i)
        QVERIFY(events[i].at("offset_ms").get<double>() >= events[i - 1].at("offset_ms"));
    QCOMPARE(events[2].at("instance").get<std::string>(), std::string("inventory-1"));
}

void TestEnginePatterns::anomaliesDocument() {
    for (const QByteArray target : {"/api/v1/anomalies", "/api/v1/anomalies?active=true"}) {
        const auto response = admin(*m_engine, target);
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        const Json body = Json::parse(response->body.toStdString());
        // A handful of fast exchanges are nobody's anomaly.
        QVERIFY(body.at("anomalies").is_array());
        QCOMPARE(body.at("anomalies").size(), size_t(0));
    }
    // Without the token: refused.
    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->adminPort()));
    const auto refused = client.exchange("GET /api/v1/patterns HTTP/1.1\r\nHost: admin\r\n\r\n");
    QVERIFY(refused);
    QCOMPARE(refused->status, 401);
}

void TestEnginePatterns::secondEngineOnTheSameCluster() {
    // A second proxy publishing to the first one's cluster, as a fleet's proxies do: analysis
    // off in it (intelligence.analysis), the first engine's analyser (which reads the cluster
    // from its beginning) counts the exchanges of both. The second publishes in CloudEvents
    // structured mode, the first in binary mode, as while a fleet's setting is being changed.
    const int before = requestsOf(*m_engine, "GET /inventory/orders/{id}");
    QCOMPARE(before, -1);
    ProxyConfig secondConfig = config(QStringLiteral("second"), m_engine->kafkaBrokers());
    secondConfig.intelligence.analysis = false;
    secondConfig.kafka.contentMode = CloudEventsMode::Structured;
    Engine second(secondConfig, Engine::Options{});
    QString error;
    QVERIFY2(second.start(&error), qPrintable(error));
    QVERIFY(!second.analyser() || !second.analyser()->isRunning());
    const auto unanalysed = admin(second, "/api/v1/patterns");
    QVERIFY(unanalysed);
    QCOMPARE(unanalysed->status, 503);
    QVERIFY(unanalysed->body.contains("not running"));
    QTRY_VERIFY_WITH_TIMEOUT(
        admin(second, "/metrics")->body.contains("\ntoolcapture_analysis_running 0\n"), kTimeoutMs);
    for (int i = 0; i < 4; ++i)
        QVERIFY(get(*m_engine, "/inventory/orders/" + QByteArray::number(i)));
    for (int i = 0; i < 5; ++i)
        QVERIFY(get(second, "/inventory/orders/" + QByteArray::number(100 + i)));
    QTRY_COMPARE_WITH_TIMEOUT(requestsOf(*m_engine, "GET /inventory/orders/{id}"), 9, kTimeoutMs);
    QSignalSpy stopped(&second, &Engine::stopped);
    second.stop();
    QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
}

void TestEnginePatterns::breakerTripInTheTimelineOfItsExchange() {
    // Three failures in a row: the third exchange's outcome trips failing-1's breaker, and the
    // transition (on proxy.breaker_events, keyed by the instance) names that exchange.
    for (int i = 1; i <= 3; ++i) {
        const QByteArray id = "patterns-test-breaker-" + QByteArray::number(i);
        const auto response = get(*m_engine, "/failing/items/" + QByteArray::number(i),
                                  "X-Correlation-ID: " + id + "\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, 503);
    }
    const auto kindsOf = [this](const QByteArray &id) {
        std::vector<std::string> kinds;
        const auto response = admin(*m_engine, "/api/v1/correlations/" + id);
        if (!response || response->status != 200)
            return kinds;
        const Json body = Json::parse(response->body.toStdString(), nullptr, false);
        if (body.is_discarded())
            return kinds;
        for (const Json &event : body.value("events", Json::array()))
            kinds.push_back(event.value("kind", ""));
        return kinds;
    };
    const auto hasBreaker = [](const std::vector<std::string> &kinds) {
        return std::find(kinds.begin(), kinds.end(), "breaker") != kinds.end();
    };
    QTRY_VERIFY_WITH_TIMEOUT(hasBreaker(kindsOf("patterns-test-breaker-3")), kTimeoutMs);
    // The exchange's own three events are there too; the earlier exchanges caused nothing.
    QTRY_COMPARE_WITH_TIMEOUT(kindsOf("patterns-test-breaker-3").size(), size_t(4), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(kindsOf("patterns-test-breaker-2").size(), size_t(3), kTimeoutMs);
    QVERIFY(!hasBreaker(kindsOf("patterns-test-breaker-2")));

    const auto response = admin(*m_engine, "/api/v1/correlations/patterns-test-breaker-3");
    QVERIFY(response);
    const Json body = Json::parse(response->body.toStdString());
    bool found = false;
    for (const Json &event : body.at("events")) {
        if (event.at("kind") != "breaker")
            continue;
        found = true;
        QCOMPARE(event.at("topic").get<std::string>(), std::string("proxy.breaker_events"));
        QCOMPARE(event.at("service").get<std::string>(), std::string("failing"));
        QCOMPARE(event.at("instance").get<std::string>(), std::string("failing-1"));
        QCOMPARE(event.at("data").at("from").get<std::string>(), std::string("closed"));
        QCOMPARE(event.at("data").at("to").get<std::string>(), std::string("open"));
        QVERIFY2(event.at("data").at("cause").get<std::string>().find("3 consecutive failures") !=
                     std::string::npos,
                 event.dump().c_str());
    }
    QVERIFY(found);
    // The breaker is open now: the next request is refused by the proxy itself.
    const auto refused = get(*m_engine, "/failing/items/4");
    QVERIFY(refused);
    QCOMPARE(refused->status, 503);
}

// The configuration's path templates reach the analyser's templater.
void TestEnginePatterns::configuredPathTemplates() {
    for (const QByteArray path : {"/inventory/files/a.txt", "/inventory/files/docs/b/c.pdf"}) {
        const auto response = get(*m_engine, path);
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QTRY_COMPARE_WITH_TIMEOUT(requestsOf(*m_engine, "GET /inventory/files/{path...}"), 2,
                              kTimeoutMs);
}

QTEST_GUILESS_MAIN(TestEnginePatterns)
#include "tst_engine_patterns.moc"
