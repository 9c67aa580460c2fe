#include <backend/engine/engine.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

constexpr QByteArrayView kToken = "engine-test-token";
constexpr int kTimeoutMs = 10000;

const InstanceSnapshot *findInstance(const EngineSnapshot &snapshot, const QString &id) {
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances) {
            if (instance.id == id)
                return &instance;
        }
    }
    return nullptr;
}

// Requests the proxy forwarded to an upstream (its health checks aside).
int proxiedRequests(const TestUpstream &upstream) {
    int n = 0;
    for (const QByteArray &head : upstream.heads()) {
        if (head.startsWith("GET /inv/"))
            ++n;
    }
    return n;
}

} // namespace

// A real Engine (not demo) in front of test upstreams: active health checks, breaker commands
// through the admin API, and what the data path makes of them.
class TestEngineResilience : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void failingHealthCheckMakesInstanceUnhealthy();
    void forceOpenThroughAdminApi();
    void failingTrafficEjectsOutlier();

private:
    std::optional<RawHttpResponse> admin(const QByteArray &request);
    std::optional<RawHttpResponse> adminGet(QByteArrayView target);
    std::optional<RawHttpResponse> breakerCommand(const QString &instance, QByteArrayView action,
                                                  QByteArrayView token);

    // inv-1 and inv-2 answer 200 (health checks included); inv-3 answers 503 to everything.
    std::unique_ptr<TestUpstream> m_ok1;
    std::unique_ptr<TestUpstream> m_ok2;
    std::unique_ptr<TestUpstream> m_failing;
    // Service "bad": two instances answering 503, no active checks; outlier detection only.
    std::unique_ptr<TestUpstream> m_bad1;
    std::unique_ptr<TestUpstream> m_bad2;
    std::unique_ptr<Engine> m_engine;
    QTemporaryDir m_dir;
};

void TestEngineResilience::init() {
    m_ok1 = std::make_unique<TestUpstream>();
    m_ok2 = std::make_unique<TestUpstream>();
    TestUpstream::Behaviour failing;
    failing.mode = TestUpstream::Mode::Raw;
    failing.raw = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    m_failing = std::make_unique<TestUpstream>(failing);
    m_bad1 = std::make_unique<TestUpstream>(failing);
    m_bad2 = std::make_unique<TestUpstream>(failing);

    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 2;
    config.adminToken = QString::fromLatin1(kToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    ServiceConfig service;
    service.name = QStringLiteral("inv");
    service.match.pathPrefix = "/inv/";
    service.retry.maxAttempts = 1;
    service.health.path = "/health";
    // inv-3's 503 fails a check at once; the timeout only bounds the healthy instances'
    // checks, and at 40 ms two of inv-1's timed out under ASan with both cores busy (it went
    // unhealthy mid-test).
    service.health.interval = std::chrono::milliseconds(300);
    service.health.timeout = std::chrono::milliseconds(250);
    service.health.fall = 2;
    service.health.rise = 2;
    int n = 0;
    for (const TestUpstream *upstream : {m_ok1.get(), m_ok2.get(), m_failing.get()}) {
        InstanceConfig instance;
        instance.id = QStringLiteral("inv-%1").arg(++n);
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = upstream->port();
        instance.url = QString::fromLatin1(upstream->url());
        service.instances.push_back(instance);
    }
    config.services.push_back(service);

    ServiceConfig bad;
    bad.name = QStringLiteral("bad");
    bad.match.pathPrefix = "/bad/";
    bad.retry.maxAttempts = 1;
    bad.health.enabled = false;
    bad.breaker.consecutiveFailures = 1000; // the breaker stays out of it
    bad.breaker.minimumCalls = 1000;
    bad.outlier.consecutiveFailures = 3;
    bad.outlier.interval = std::chrono::milliseconds(100);
    bad.outlier.maxEjectionPercent = 0.5;
    n = 0;
    for (const TestUpstream *upstream : {m_bad1.get(), m_bad2.get()}) {
        InstanceConfig instance;
        instance.id = QStringLiteral("bad-%1").arg(++n);
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = upstream->port();
        instance.url = QString::fromLatin1(upstream->url());
        bad.instances.push_back(instance);
    }
    config.services.push_back(bad);

    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->proxyPort() != 0);
    QVERIFY(m_engine->adminPort() != 0);
}

void TestEngineResilience::cleanup() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        QVERIFY(stopped.isValid());
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
    m_bad2.reset();
    m_bad1.reset();
    m_failing.reset();
    m_ok2.reset();
    m_ok1.reset();
}

std::optional<RawHttpResponse> TestEngineResilience::admin(const QByteArray &request) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(request);
}

std::optional<RawHttpResponse> TestEngineResilience::adminGet(QByteArrayView target) {
    return admin("GET " + target.toByteArray() + " HTTP/1.1\r\nHost: admin\r\n\r\n");
}

std::optional<RawHttpResponse> TestEngineResilience::breakerCommand(const QString &instance,
                                                                    QByteArrayView action,
                                                                    QByteArrayView token) {
    const QByteArray body = R"({"action":")" + action.toByteArray() + R"("})";
    QByteArray request = "POST /api/v1/breakers/" + instance.toUtf8() +
                         " HTTP/1.1\r\nHost: admin\r\nContent-Type: application/json\r\n";
    if (!token.isEmpty())
        request += "Authorization: Bearer " + token.toByteArray() + "\r\n";
    request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return admin(request);
}

void TestEngineResilience::failingHealthCheckMakesInstanceUnhealthy() {
    QTRY_VERIFY_WITH_TIMEOUT(!findInstance(m_engine->snapshot(), "inv-3")->health.healthy,
                             kTimeoutMs);
    // The healthy ones have been checked too, and passed.
    QTRY_VERIFY_WITH_TIMEOUT(findInstance(m_engine->snapshot(), "inv-1")->health.checked,
                             kTimeoutMs);

    const EngineSnapshot snapshot = m_engine->snapshot();
    const InstanceSnapshot *failing = findInstance(snapshot, "inv-3");
    QVERIFY(failing);
    QVERIFY(!failing->health.activeHealthy);
    QCOMPARE(failing->health.lastResult, HealthSnapshot::CheckResult::Failed);
    QCOMPARE(failing->health.lastStatus, 503);
    QVERIFY(failing->health.consecutiveFailures >= 2);
    QCOMPARE(failing->health.weight, 0.0);
    const InstanceSnapshot *ok = findInstance(snapshot, "inv-1");
    QVERIFY(ok->health.healthy);
    QCOMPARE(ok->health.lastResult, HealthSnapshot::CheckResult::Passed);

    // The routing scores exclude it, as unhealthy.
    const RoutingDecision &scores = snapshot.services.at(0).currentScores;
    QCOMPARE(scores.policy, QString("scoring"));
    QCOMPARE(scores.candidates.size(), qsizetype(3));
    QVERIFY(!scores.chosenId.isEmpty());
    QVERIFY(scores.chosenId != "inv-3");
    QVERIFY(failing->score.excluded);
    QCOMPARE(failing->score.exclusion, Exclusion::Unhealthy);
    QVERIFY(!ok->score.excluded);
    QVERIFY(ok->score.score > 0);

    // The engine kept the event.
    bool recorded = false;
    for (const HealthEvent &event : snapshot.recentHealthEvents) {
        recorded = recorded || (event.instanceId == "inv-3" && !event.healthy &&
                                event.kind == HealthEvent::Kind::ActiveCheck);
    }
    QVERIFY(recorded);

    // And the admin API says so.
    const auto services = adminGet("/api/v1/services");
    QVERIFY(services);
    QCOMPARE(services->status, 200);
    const Json body = Json::parse(services->body.toStdString());
    const Json &instances = body.at("services").at(0).at("instances");
    QCOMPARE(instances.at(2).at("id").get<std::string>(), std::string("inv-3"));
    QCOMPARE(instances.at(2).at("health").at("healthy").get<bool>(), false);
    QCOMPARE(instances.at(2).at("health").at("last_check").at("status").get<int>(), 503);
    QCOMPARE(instances.at(0).at("health").at("healthy").get<bool>(), true);
    const Json &candidates = body.at("services").at(0).at("scores").at("candidates");
    bool excludedAsUnhealthy = false;
    for (const Json &candidate : candidates) {
        excludedAsUnhealthy = excludedAsUnhealthy || (candidate.at("id") == "inv-3" &&
                                                      candidate.at("exclusion") == "unhealthy");
    }
    QVERIFY2(excludedAsUnhealthy, candidates.dump().c_str());

    const auto metrics = adminGet("/metrics");
    QVERIFY(metrics);
    QVERIFY(metrics->body.contains(
        "toolcapture_instance_healthy{service=\"inv\",instance=\"inv-3\"} 0\n"));
    QVERIFY(metrics->body.contains(
        "toolcapture_instance_healthy{service=\"inv\",instance=\"inv-1\"} 1\n"));
}

void TestEngineResilience::forceOpenThroughAdminApi() {
    // Without the token nothing changes.
    const auto refused = breakerCommand("inv-1", "force_open", {});
    QVERIFY(refused);
    QCOMPARE(refused->status, 401);
    QVERIFY(refused->header("WWW-Authenticate").startsWith("Bearer"));
    const auto wrong = breakerCommand("inv-1", "force_open", "not-the-token");
    QVERIFY(wrong);
    QCOMPARE(wrong->status, 401);
    QCOMPARE(findInstance(m_engine->snapshot(), "inv-1")->breaker.state, BreakerState::Closed);

    const auto unknown = breakerCommand("inv-9", "force_open", kToken);
    QVERIFY(unknown);
    QCOMPARE(unknown->status, 404);

    const auto forced = breakerCommand("inv-1", "force_open", kToken);
    QVERIFY(forced);
    QCOMPARE(forced->status, 200);
    const Json body = Json::parse(forced->body.toStdString());
    QCOMPARE(body.at("state").get<std::string>(), std::string("forced_open"));
    QCOMPARE(body.at("mode").get<std::string>(), std::string("force_open"));

    const EngineSnapshot snapshot1 = m_engine->snapshot(); // keep it alive while read
    const InstanceSnapshot *inv1 = findInstance(snapshot1, "inv-1");
    QCOMPARE(inv1->breaker.state, BreakerState::ForcedOpen);
    QCOMPARE(inv1->breaker.mode, BreakerMode::ForceOpen);

    // The transition reaches the engine's history (queued from the breaker's observer).
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot().breakerTransitionsTotal >= 1, kTimeoutMs);
    const EngineSnapshot snapshot = m_engine->snapshot();
    QVERIFY(!snapshot.recentTransitions.empty());
    const BreakerTransition &last = snapshot.recentTransitions.back();
    QCOMPARE(last.instanceId, QString("inv-1"));
    QCOMPARE(last.from, BreakerState::Closed);
    QCOMPARE(last.to, BreakerState::ForcedOpen);
    QVERIFY(last.cause.contains("operator"));
    QCOMPARE(findInstance(snapshot, "inv-1")->breakerTransitions, std::uint64_t(1));
    QVERIFY(findInstance(snapshot, "inv-1")->score.excluded);
    QCOMPARE(findInstance(snapshot, "inv-1")->score.exclusion, Exclusion::BreakerOpen);

    const auto listed = adminGet("/api/v1/breakers");
    QVERIFY(listed);
    const Json breakers = Json::parse(listed->body.toStdString());
    QCOMPARE(breakers.at("breakers").size(), std::size_t(5));
    QCOMPARE(breakers.at("breakers").at(0).at("state").get<std::string>(),
             std::string("forced_open"));
    QCOMPARE(breakers.at("recent_transitions").back().at("to").get<std::string>(),
             std::string("forced_open"));

    // With inv-3 out by its health checks, every request goes to inv-2 and none to inv-1.
    QTRY_VERIFY_WITH_TIMEOUT(!findInstance(m_engine->snapshot(), "inv-3")->health.healthy,
                             kTimeoutMs);
    const int before1 = proxiedRequests(*m_ok1);
    const int before2 = proxiedRequests(*m_ok2);
    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->proxyPort()));
    constexpr int kRequests = 20;
    for (int i = 0; i < kRequests; ++i) {
        const auto response = client.exchange("GET /inv/item/" + QByteArray::number(i) +
                                              " HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QCOMPARE(proxiedRequests(*m_ok1) - before1, 0);
    QCOMPARE(proxiedRequests(*m_ok2) - before2, kRequests);

    // Back to automatic: closed again.
    const auto restored = breakerCommand("inv-1", "auto", kToken);
    QVERIFY(restored);
    QCOMPARE(restored->status, 200);
    QCOMPARE(Json::parse(restored->body.toStdString()).at("state").get<std::string>(),
             std::string("closed"));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->snapshot().breakerTransitionsTotal, std::uint64_t(2),
                              kTimeoutMs);
    QCOMPARE(m_engine->snapshot().recentTransitions.back().to, BreakerState::Closed);
}

void TestEngineResilience::failingTrafficEjectsOutlier() {
    // Both instances fail every request; the outlier detector, fed from the proxy's counters
    // and the breakers' consecutive-failure counts, ejects one (at most half the service).
    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->proxyPort()));
    constexpr int kRequests = 12;
    for (int i = 0; i < kRequests; ++i) {
        const auto response =
            client.exchange("GET /bad/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, 503);
    }
    QCOMPARE(m_bad1->requestsReceived() + m_bad2->requestsReceived(), kRequests);

    const auto ejected = [this] {
        const EngineSnapshot snapshot = m_engine->snapshot();
        return int(findInstance(snapshot, "bad-1")->health.ejected) +
               int(findInstance(snapshot, "bad-2")->health.ejected);
    };
    QTRY_COMPARE_WITH_TIMEOUT(ejected(), 1, kTimeoutMs);

    const EngineSnapshot snapshot = m_engine->snapshot();
    const HealthEvent *event = nullptr;
    for (const HealthEvent &e : snapshot.recentHealthEvents) {
        if (e.kind == HealthEvent::Kind::Ejected)
            event = &e;
    }
    QVERIFY(event);
    QVERIFY(event->instanceId.startsWith("bad-"));
    QVERIFY(!event->reason.isEmpty());
    const InstanceSnapshot *out = findInstance(snapshot, event->instanceId);
    QVERIFY(!out->health.healthy);
    QCOMPARE(out->health.ejectionReason, event->reason);
    // The other stays in service (maxEjectionPercent), and so do the breakers.
    QCOMPARE(ejected(), 1);
    QCOMPARE(out->breaker.state, BreakerState::Closed);
}

QTEST_GUILESS_MAIN(TestEngineResilience)
#include "tst_engine_resilience.moc"
