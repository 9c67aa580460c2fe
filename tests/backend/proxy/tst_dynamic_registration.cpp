#include <backend/health/health_checker.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/routing_decision.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>

#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace ToolCapture;

namespace {

using namespace std::chrono_literals;

// Only the load part scores: sequential traffic ties every instance, so the power of two
// choices spreads requests over all of them and a new instance gets its share at once.
ProxyConfig spreadConfig(int workers = 2) {
    ProxyConfig config = testConfig(workers);
    config.routing.latencyWeight = 0;
    config.routing.reliabilityWeight = 0;
    config.routing.loadWeight = 1;
    config.routing.compatibilityWeight = 0;
    return config;
}

QString urlOf(const TestUpstream &upstream) {
    return QString::fromLatin1(upstream.url());
}

QString idOf(const QString &service, const TestUpstream &upstream) {
    return QStringLiteral("%1-127.0.0.1-%2").arg(service).arg(upstream.port());
}

// Requests other than health checks.
int trafficReceived(const TestUpstream &upstream) {
    const QList<QByteArray> heads = upstream.heads();
    return int(std::count_if(heads.begin(), heads.end(), [](const QByteArray &head) {
        return !head.startsWith("GET /health ");
    }));
}

const ServiceEntry *serviceNamed(const ProxyServer &proxy, const QString &name) {
    for (const ServiceEntry &service : proxy.registry().services()) {
        if (service.name == name)
            return &service;
    }
    return nullptr;
}

const UpstreamInstance *instanceWithId(const ProxyServer &proxy, const QString &id) {
    const ServiceRegistry &registry = proxy.registry();
    for (int i = 0; i < registry.instanceCount(); ++i) {
        if (registry.instance(i).id() == id)
            return &registry.instance(i);
    }
    return nullptr;
}

// Clients in threads of their own sending GETs back to back until stopped, counting outcomes.
class BackgroundTraffic {
public:
    BackgroundTraffic(quint16 port, int clients, QByteArray request)
        : m_request(std::move(request)) {
        for (int i = 0; i < clients; ++i)
            m_threads.emplace_back([this, port] { run(port); });
    }
    ~BackgroundTraffic() { stop(); }
    void stop() {
        m_stop = true;
        for (std::thread &thread : m_threads) {
            if (thread.joinable())
                thread.join();
        }
    }
    std::atomic<int> completed{0};
    std::atomic<int> ok{0};
    std::atomic<int> failed{0}; // anything but a complete 200

private:
    void run(quint16 port) {
        std::unique_ptr<RawClient> client;
        while (!m_stop) {
            if (!client || !client->isConnected())
                client = std::make_unique<RawClient>(port, 5000);
            const RawResponse response = client->roundTrip(m_request);
            if (response.complete && response.status == 200)
                ++ok;
            else
                ++failed;
            ++completed;
        }
    }

    QByteArray m_request;
    std::atomic<bool> m_stop{false};
    std::vector<std::thread> m_threads;
};

} // namespace

// Instances and services registered and drained while the proxy runs (the lifecycle hooks'
// ProxyServer::registerInstances and drainInstances), with real upstreams on 127.0.0.1 and
// traffic flowing throughout.
class TestDynamicRegistration : public QObject {
    Q_OBJECT

private slots:
    void instancesJoinConfiguredServiceUnderTraffic() {
        TestUpstream configured;
        TestUpstream second;
        TestUpstream third;
        auto proxy =
            startProxy(spreadConfig(), {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        QSignalSpy changed(proxy.get(), &ProxyServer::registryChanged);
        QVERIFY(changed.isValid());
        BackgroundTraffic traffic(proxy->port(), 2, simpleGet("/bg"));
        QTRY_VERIFY_WITH_TIMEOUT(traffic.ok >= 20, 5000);
        QCOMPARE(trafficReceived(second), 0);

        const DynamicRegistration result = proxy->registerInstances(
            QStringLiteral("svc"), {urlOf(second), urlOf(third)}, {QStringLiteral("v2")});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.instanceIds, QStringList({idOf(QStringLiteral("svc"), second),
                                                  idOf(QStringLiteral("svc"), third)}));
        QCOMPARE(changed.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(trafficReceived(second) >= 10 && trafficReceived(third) >= 10,
                                 10000);
        const int served = configured.requestsReceived();
        QTRY_VERIFY_WITH_TIMEOUT(configured.requestsReceived() > served, 5000);
        traffic.stop();
        QCOMPARE(traffic.failed.load(), 0);

        const ServiceRegistry &registry = proxy->registry();
        QCOMPARE(registry.instanceCount(), 3);
        QCOMPARE(registry.services().size(), size_t(1));
        const ServiceEntry &svc = registry.services().front();
        QCOMPARE(svc.instances.size(), size_t(3));
        QVERIFY(!svc.instances[0]->isDynamic());
        QVERIFY(svc.instances[1]->isDynamic());
        QCOMPARE(svc.instances[1]->capabilities(), QStringList{QStringLiteral("v2")});
        QCOMPARE(svc.instances[2]->serviceIndex(), 0);
        QCOMPARE(proxy->runtime().instanceCount(), 3);
    }

    void newServiceRoutedByTargetAndHost() {
        TestUpstream configured;
        TestUpstream orders;
        auto proxy =
            startProxy(spreadConfig(), {{QStringLiteral("svc"), "/svc/", {configured.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QCOMPARE(client.roundTrip(simpleGet("/x", "X-Target-Service: orders\r\n")).status, 404);

        const DynamicRegistration result =
            proxy->registerInstances(QStringLiteral("orders"), {urlOf(orders)}, {});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.instanceIds, QStringList{idOf(QStringLiteral("orders"), orders)});
        const ServiceEntry *service = serviceNamed(*proxy, QStringLiteral("orders"));
        QVERIFY(service);
        QVERIFY(service->dynamic);
        QCOMPARE(service->index, 1);

        QCOMPARE(client.roundTrip(simpleGet("/x", "X-Target-Service: Orders\r\n")).status, 200);
        QCOMPARE(orders.requestsReceived(), 1);
        // Host: the name, port ignored (simpleGet's own Host header is replaced here).
        const RawResponse byHost = client.roundTrip("GET /y HTTP/1.1\r\nHost: orders:8090\r\n\r\n");
        QCOMPARE(byHost.status, 200);
        QCOMPARE(orders.requestsReceived(), 2);
        QCOMPARE(configured.requestsReceived(), 0);
        QCOMPARE(client.roundTrip(simpleGet("/svc/z")).status, 200);
        QCOMPARE(configured.requestsReceived(), 1);
    }

    void drainedInstanceFinishesInFlightAndGetsNoMore() {
        TestUpstream configured;
        TestUpstream::Behaviour slow;
        slow.delayMs = 5; // requests are in flight on it when it drains
        TestUpstream leaving(slow);
        auto proxy =
            startProxy(spreadConfig(), {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        const DynamicRegistration added =
            proxy->registerInstances(QStringLiteral("svc"), {urlOf(leaving)}, {});
        QVERIFY2(added.ok, qPrintable(added.error));
        const UpstreamInstance *instance = instanceWithId(*proxy, added.instanceIds.value(0));
        QVERIFY(instance);

        BackgroundTraffic traffic(proxy->port(), 3, simpleGet("/bg"));
        QTRY_VERIFY_WITH_TIMEOUT(trafficReceived(leaving) >= 20, 10000);
        const DynamicRegistration drained =
            proxy->drainInstances(QStringLiteral("svc"), {urlOf(leaving)});
        QVERIFY2(drained.ok, qPrintable(drained.error));
        QCOMPARE(drained.instanceIds, added.instanceIds);
        QVERIFY(instance->isDraining());

        // Once what was in flight there is done, nothing new arrives while traffic goes on.
        const InstanceStats &stats = proxy->runtime().stats(instance->index());
        QTRY_COMPARE_WITH_TIMEOUT(stats.active(), 0, 5000);
        const int received = leaving.requestsReceived();
        const int completed = traffic.completed;
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= completed + 200, 10000);
        QCOMPARE(leaving.requestsReceived(), received);
        // Its idle keep-alive connections are closed too.
        QTRY_COMPARE_WITH_TIMEOUT(leaving.openConnections(), 0, 5000);
        traffic.stop();
        QCOMPARE(traffic.failed.load(), 0);

        // The explanation says why.
        RoutingDecision why;
        ScoringSelector selector(proxy->registry(), proxy->runtime().stats(),
                                 proxy->runtime().routing());
        RequestHead head;
        head.method = "GET";
        head.target = "/";
        selector.select(proxy->registry().services().front(), head,
                        std::chrono::steady_clock::now(), SelectionContext{}, &why);
        QCOMPARE(why.candidates.size(), 2);
        QCOMPARE(why.candidates.at(1).exclusion, Exclusion::Draining);
        QCOMPARE(why.candidates.at(1).reason, QStringLiteral("draining"));
        QCOMPARE(why.chosenId, QStringLiteral("svc-1"));
    }

    void drainWithoutUrlsTakesEveryDynamicInstance() {
        TestUpstream configured;
        TestUpstream a;
        TestUpstream b;
        auto proxy =
            startProxy(spreadConfig(1), {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        QVERIFY(proxy->registerInstances(QStringLiteral("svc"), {urlOf(a), urlOf(b)}, {}).ok);
        const DynamicRegistration drained = proxy->drainInstances(QStringLiteral("svc"));
        QVERIFY2(drained.ok, qPrintable(drained.error));
        QCOMPARE(drained.instanceIds,
                 QStringList({idOf(QStringLiteral("svc"), a), idOf(QStringLiteral("svc"), b)}));
        QVERIFY(!proxy->registry().instance(0).isDraining()); // configured: only by its URL
        RawClient client(proxy->port());
        for (int i = 0; i < 20; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        QCOMPARE(configured.requestsReceived(), 20);
        QCOMPARE(a.requestsReceived() + b.requestsReceived(), 0);
    }

    void registeringAgainUndrains() {
        TestUpstream configured;
        TestUpstream returning;
        auto proxy =
            startProxy(spreadConfig(1), {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        const QStringList capabilities{QStringLiteral("v2"), QStringLiteral("search")};
        const DynamicRegistration first =
            proxy->registerInstances(QStringLiteral("svc"), {urlOf(returning)}, capabilities);
        QVERIFY(first.ok);
        QVERIFY(proxy->drainInstances(QStringLiteral("svc"), {urlOf(returning)}).ok);
        const UpstreamInstance *instance = instanceWithId(*proxy, first.instanceIds.value(0));
        QVERIFY(instance && instance->isDraining());

        // Same address, same capabilities in another order and case: the same instance.
        const DynamicRegistration again =
            proxy->registerInstances(QStringLiteral("svc"), {urlOf(returning) + QLatin1Char('/')},
                                     {QStringLiteral("SEARCH"), QStringLiteral("v2")});
        QVERIFY2(again.ok, qPrintable(again.error));
        QCOMPARE(again.instanceIds, first.instanceIds);
        QVERIFY(!instance->isDraining());
        QCOMPARE(proxy->registry().instanceCount(), 2);
        RawClient client(proxy->port());
        for (int i = 0; i < 40 && returning.requestsReceived() == 0; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        QVERIFY(returning.requestsReceived() > 0);

        // Other capabilities: a new instance at the same address replaces it.
        const DynamicRegistration upgraded = proxy->registerInstances(
            QStringLiteral("svc"), {urlOf(returning)}, {QStringLiteral("v3")});
        QVERIFY2(upgraded.ok, qPrintable(upgraded.error));
        QCOMPARE(upgraded.instanceIds,
                 QStringList{idOf(QStringLiteral("svc"), returning) + QStringLiteral("-2")});
        QVERIFY(instance->isDraining());
        QCOMPARE(proxy->registry().instanceCount(), 3);
        const RawResponse v3 = client.roundTrip(simpleGet("/x", "X-Require-Capability: v3\r\n"));
        QCOMPARE(v3.status, 200);
        const RawResponse v2 = client.roundTrip(simpleGet("/x", "X-Require-Capability: v2\r\n"));
        QCOMPARE(v2.status, 503); // the v2 instance is draining

        // And back: the v2 instance serves again, the v3 one drains, no slot is taken.
        const DynamicRegistration back =
            proxy->registerInstances(QStringLiteral("svc"), {urlOf(returning)}, capabilities);
        QVERIFY2(back.ok, qPrintable(back.error));
        QCOMPARE(back.instanceIds, first.instanceIds);
        QVERIFY(!instance->isDraining());
        QVERIFY(instanceWithId(*proxy, upgraded.instanceIds.value(0))->isDraining());
        QCOMPARE(proxy->registry().instanceCount(), 3);
        QCOMPARE(client.roundTrip(simpleGet("/x", "X-Require-Capability: v2\r\n")).status, 200);
        QCOMPARE(client.roundTrip(simpleGet("/x", "X-Require-Capability: v3\r\n")).status, 503);

        // Draining by URL takes every instance at the address.
        const DynamicRegistration drained =
            proxy->drainInstances(QStringLiteral("svc"), {urlOf(returning)});
        QVERIFY2(drained.ok, qPrintable(drained.error));
        QCOMPARE(drained.instanceIds, first.instanceIds + upgraded.instanceIds);
        QVERIFY(instance->isDraining());
    }

    void errors_data() {
        QTest::addColumn<QString>("operation");
        QTest::addColumn<QString>("service");
        QTest::addColumn<QStringList>("urls");
        QTest::addColumn<QStringList>("registerFirst"); // new services registered beforehand
        QTest::addColumn<QString>("error");

        const QStringList none;
        QTest::newRow("scheme") << "register"
                                << "svc" << QStringList{"ftp://127.0.0.1:1"} << none
                                << "endpoint \"ftp://127.0.0.1:1\": not an http URL";
        QTest::newRow("path") << "register"
                              << "svc" << QStringList{"http://127.0.0.1:1/api"} << none
                              << "endpoint \"http://127.0.0.1:1/api\": not an http URL";
        QTest::newRow("port") << "register"
                              << "svc" << QStringList{"http://127.0.0.1:0"} << none
                              << "endpoint \"http://127.0.0.1:0\": ";
        QTest::newRow("one bad of two")
            << "register"
            << "svc" << QStringList{"http://127.0.0.1:1", "http://bad host"} << none
            << "endpoint \"http://bad host\"";
        QTest::newRow("no endpoint") << "register"
                                     << "svc" << QStringList{} << none << "no endpoint to register";
        QTest::newRow("service name") << "register"
                                      << "Not A Name" << QStringList{"http://a:1"} << none
                                      << "invalid service name \"Not A Name\"";
        QTest::newRow("instances full")
            << "register"
            << "svc"
            << QStringList{"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"} << none
            << "registry full: 2 dynamic instances (3 needed, 2 left)";
        QTest::newRow("instances full after another service")
            << "register"
            << "svc" << QStringList{"http://127.0.0.1:1", "http://127.0.0.1:2"}
            << QStringList{"first"} << "registry full: 2 dynamic instances (2 needed, 1 left)";
        QTest::newRow("services full")
            << "register"
            << "second" << QStringList{"http://127.0.0.1:1"} << QStringList{"first"}
            << "registry full: 1 dynamic services";
        QTest::newRow("drain unknown service")
            << "drain"
            << "nope" << QStringList{} << none << "unknown service \"nope\"";
        QTest::newRow("drain unknown endpoint")
            << "drain"
            << "svc" << QStringList{"http://127.0.0.1:1"} << none
            << "service \"svc\" has no instance at http://127.0.0.1:1";
        QTest::newRow("drain bad url") << "drain"
                                       << "svc" << QStringList{"127.0.0.1:1"} << none
                                       << "endpoint \"127.0.0.1:1\": not an http URL";
    }
    void errors() {
        QFETCH(QString, operation);
        QFETCH(QString, service);
        QFETCH(QStringList, urls);
        QFETCH(QStringList, registerFirst);
        QFETCH(QString, error);
        ProxyConfig config = spreadConfig(1);
        config.registry.maxDynamicInstances = 2;
        config.registry.maxDynamicServices = 1;
        TestUpstream configured;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        for (const QString &name : registerFirst)
            QVERIFY(proxy->registerInstances(name, {QStringLiteral("http://127.0.0.1:9")}, {}).ok);
        QSignalSpy changed(proxy.get(), &ProxyServer::registryChanged);
        QVERIFY(changed.isValid());
        const int instances = proxy->registry().instanceCount();
        const size_t services = proxy->registry().services().size();

        const DynamicRegistration result = operation == QLatin1String("register")
                                               ? proxy->registerInstances(service, urls, {})
                                               : proxy->drainInstances(service, urls);
        QVERIFY(!result.ok);
        QVERIFY2(result.error.startsWith(error), qPrintable(result.error));
        QVERIFY(result.instanceIds.isEmpty());
        // Nothing changed.
        QCOMPARE(changed.size(), 0);
        QCOMPARE(proxy->registry().instanceCount(), instances);
        QCOMPARE(proxy->registry().services().size(), services);
        QVERIFY(!proxy->registry().instance(0).isDraining());
        RawClient client(proxy->port());
        QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
    }

    void healthChecksCoverNewInstances() {
        TestUpstream configured;
        TestUpstream::Behaviour failing;
        failing.mode = TestUpstream::Mode::Raw;
        failing.raw = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
        TestUpstream broken(failing);
        ProxyConfig config = spreadConfig(1);
        config.health.interval = 50ms;
        config.health.timeout = 1000ms;
        config.health.fall = 1;
        config.health.rise = 1;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {configured.port()}}});
        QVERIFY(proxy);
        // As the engine wires it.
        HealthChecker checker(proxy->registry(), {makeService({"svc", "/", {}}, config)},
                              proxy->runtime().health(), SteadyClock::instance());
        connect(proxy.get(), &ProxyServer::registryChanged, &checker, &HealthChecker::refresh);
        QSignalSpy changes(&checker, &HealthChecker::healthChanged);
        QSignalSpy checks(&checker, &HealthChecker::checkFinished);
        QVERIFY(changes.isValid() && checks.isValid());
        checker.start();
        QCOMPARE(checker.checkedInstanceCount(), 1);

        const DynamicRegistration result =
            proxy->registerInstances(QStringLiteral("svc"), {urlOf(broken)}, {});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(checker.checkedInstanceCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(!changes.isEmpty(), 5000);
        QCOMPARE(changes.first().at(0).toString(), result.instanceIds.value(0));
        QCOMPARE(changes.first().at(1).toBool(), false);
        const UpstreamInstance *instance = instanceWithId(*proxy, result.instanceIds.value(0));
        QVERIFY(instance);
        QCOMPARE(proxy->runtime().status(*instance, std::chrono::steady_clock::now()).exclusion,
                 Exclusion::Unhealthy);

        const int before = trafficReceived(broken);
        RawClient client(proxy->port());
        for (int i = 0; i < 20; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        QCOMPARE(trafficReceived(broken), before);

        // A draining instance is no longer checked; the configured one still is.
        QVERIFY(proxy->drainInstances(QStringLiteral("svc"), {urlOf(broken)}).ok);
        const int brokenChecks = broken.requestsReceived();
        const auto checksOf = [&checks](int index) {
            return int(std::count_if(checks.begin(), checks.end(), [index](const auto &args) {
                return args.at(0).toInt() == index;
            }));
        };
        const int configuredChecks = checksOf(0);
        QTRY_VERIFY_WITH_TIMEOUT(checksOf(0) >= configuredChecks + 3, 5000);
        QVERIFY(broken.requestsReceived() <= brokenChecks + 1); // one may have been under way
    }
};

QTEST_GUILESS_MAIN(TestDynamicRegistration)
#include "tst_dynamic_registration.moc"
