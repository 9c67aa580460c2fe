#include <backend/routing/route_table.h>
#include <backend/routing/routing_decision.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>

#include <QTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace ToolCapture;

namespace {

InstanceConfig instanceAt(const QString &id, quint16 port, QStringList capabilities = {}) {
    InstanceConfig instance;
    instance.id = id;
    instance.host = QStringLiteral("127.0.0.1");
    instance.port = port;
    instance.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    instance.capabilities = std::move(capabilities);
    return instance;
}

std::vector<ServiceConfig> inventory(int instances) {
    ServiceConfig service;
    service.name = QStringLiteral("inventory");
    service.match.pathPrefix = "/inventory/";
    service.routing.capacity = 7;
    for (int i = 0; i < instances; ++i)
        service.instances.push_back(instanceAt(QStringLiteral("inv-%1").arg(i + 1), 9101 + i));
    return {service};
}

RequestHead head(QByteArray target, const HttpHeaders &headers = {}) {
    RequestHead h;
    h.method = "GET";
    h.target = std::move(target);
    h.headers = headers;
    return h;
}

} // namespace

// The registry's room for instances and services registered while running: publication order,
// capacity, lookups, and what the selector and route table see of the additions.
class TestServiceRegistry : public QObject {
    Q_OBJECT

private slots:
    void configuredOnlyHasNoRoom() {
        ServiceRegistry registry(inventory(2));
        QCOMPARE(registry.instanceCount(), 2);
        QCOMPARE(registry.instanceCapacity(), 2);
        QCOMPARE(registry.serviceCapacity(), 1);
        QCOMPARE(registry.dynamicInstancesLeft(), 0);
        QCOMPARE(registry.createService(QStringLiteral("orders")), nullptr);
        ServiceEntry *service = registry.findService(QStringLiteral("inventory"));
        QVERIFY(service);
        QCOMPARE(registry.addInstance(*service, instanceAt(QStringLiteral("x"), 1), {}), nullptr);
        QCOMPARE(service->instances.size(), size_t(2));
        QVERIFY(!service->dynamic);
        QCOMPARE(service->settings.routing.capacity, 7);
        QVERIFY(service->settings.instances.empty());
    }

    void reserveFromConfig() {
        ProxyConfig config;
        config.services = inventory(1);
        config.registry.maxDynamicInstances = 3;
        config.registry.maxDynamicServices = 2;
        config.breaker.consecutiveFailures = 11;
        const ServiceRegistry registry(config);
        QCOMPARE(registry.instanceCapacity(), 4);
        QCOMPARE(registry.serviceCapacity(), 3);
        QCOMPARE(registry.services().front().instances.capacity(), size_t(4));
        QCOMPARE(registry.dynamicDefaults().breaker.consecutiveFailures, 11);
        QCOMPARE(RegistryConfig{}.maxDynamicInstances, 64);
        QCOMPARE(RegistryConfig{}.maxDynamicServices, 16);
    }

    void addInstancePreparesThenPublishes() {
        ServiceRegistry registry(inventory(1), RegistryConfig{2, 1});
        ServiceEntry *service = registry.findService(QStringLiteral("INVENTORY"));
        QVERIFY(service);
        int seenDuringPrepare = -1;
        size_t listDuringPrepare = 0;
        UpstreamInstance *added = registry.addInstance(
            *service, instanceAt(QStringLiteral("inv-new"), 9200, {QStringLiteral("v2")}),
            [&](UpstreamInstance &instance) {
                seenDuringPrepare = registry.instanceCount();
                listDuringPrepare = service->instances.size();
                QCOMPARE(instance.index(), 1);
            });
        QVERIFY(added);
        QCOMPARE(seenDuringPrepare, 1); // not visible while being prepared
        QCOMPARE(listDuringPrepare, size_t(1));
        QCOMPARE(registry.instanceCount(), 2);
        QCOMPARE(service->instances.size(), size_t(2));
        QCOMPARE(service->instances[1], added);
        QVERIFY(added->isDynamic());
        QCOMPARE(added->serviceIndex(), 0);
        QCOMPARE(&registry.instance(1), added);
        QVERIFY(registry.hasInstanceId(QStringLiteral("inv-new")));
        QCOMPARE(registry.dynamicInstancesLeft(), 1);
    }

    void newServiceVisibleOnlyOncePublished() {
        ProxyConfig config;
        config.services = inventory(1);
        config.registry = {4, 1};
        config.routing.capacity = 42;
        ServiceRegistry registry(config);
        const RouteTable routes(registry);
        ServiceEntry *orders = registry.createService(QStringLiteral("orders"));
        QVERIFY(orders);
        QVERIFY(orders->dynamic);
        QCOMPARE(orders->index, 1);
        QCOMPARE(orders->settings.routing.capacity, 42); // the global settings
        QCOMPARE(orders->instances.capacity(), size_t(4));
        QVERIFY(registry.addInstance(*orders, instanceAt(QStringLiteral("o-1"), 9300), {}));
        QCOMPARE(registry.services().size(), size_t(1));
        QCOMPARE(routes.match(head("/", {{"X-Target-Service", "orders"}})), nullptr);
        QCOMPARE(registry.findService(QStringLiteral("orders")), orders); // the writer sees it
        QCOMPARE(registry.createService(QStringLiteral("more")), nullptr);

        registry.publishService(*orders);
        QCOMPARE(registry.services().size(), size_t(2));
        QCOMPARE(routes.match(head("/", {{"X-Target-Service", "Orders"}})), orders);
        QCOMPARE(routes.match(head("/", {{"Host", "orders:8090"}})), orders);
        QCOMPARE(routes.match(head("/orders/x")), nullptr); // no path prefix
        QCOMPARE(routes.match(head("/inventory/x"))->name, QStringLiteral("inventory"));
    }

    void selectorRoutesToAddedInstancesAndSkipsDraining() {
        ServiceRegistry registry(inventory(1), RegistryConfig{2, 0});
        std::vector<InstanceStats> stats(size_t(registry.instanceCapacity()));
        ScoringSelector selector(registry, stats);
        ServiceEntry *service = registry.findService(QStringLiteral("inventory"));
        const auto now = std::chrono::steady_clock::now();
        const RequestHead v3 = head("/inventory/x", {{"X-Require-Capability", "v3"}});
        QCOMPARE(selector.select(*service, v3, now), nullptr);

        UpstreamInstance *added = registry.addInstance(
            *service, instanceAt(QStringLiteral("inv-v3"), 9102, {QStringLiteral("V3")}), {});
        QCOMPARE(selector.select(*service, v3, now), added);

        added->setDraining(true);
        RoutingDecision why;
        QCOMPARE(selector.select(*service, v3, now, SelectionContext{}, &why), nullptr);
        QCOMPARE(why.candidates.size(), 2);
        QCOMPARE(why.candidates.at(1).exclusion, Exclusion::Draining);
        QCOMPARE(why.candidates.at(1).reason, QStringLiteral("draining"));
        QVERIFY2(why.summary.contains(QStringLiteral("inv-v3 draining")), qPrintable(why.summary));
        QCOMPARE(QString::fromLatin1(exclusionKey(Exclusion::Draining)),
                 QStringLiteral("draining"));
        // Plain requests still have the configured instance.
        QCOMPARE(selector.select(*service, head("/inventory/x"), now), &registry.instance(0));
        added->setDraining(false);
        QCOMPARE(selector.select(*service, v3, now), added);
    }

    // A reader thread walks the registry as a worker does while this thread adds services and
    // instances: every instance it can see is complete.
    void readersSeeCompleteInstancesOnly() {
        constexpr int kServices = 4;
        constexpr int kPerService = 16;
        ServiceRegistry registry(inventory(1), RegistryConfig{kServices * kPerService, kServices});
        std::atomic<bool> done{false};
        std::atomic<int> incomplete{0};
        std::atomic<int> walks{0};
        std::thread reader([&] {
            while (!done.load()) {
                for (const ServiceEntry &service : registry.services()) {
                    if (service.name.isEmpty())
                        ++incomplete;
                    for (const UpstreamInstance *instance : service.instances) {
                        if (instance->serviceIndex() != service.index ||
                            (instance->isDynamic() &&
                             instance->id() !=
                                 QStringLiteral("%1-%2").arg(service.name).arg(instance->port())))
                            ++incomplete;
                    }
                }
                ++walks;
            }
        });
        for (int s = 0; s < kServices; ++s) {
            const QString name = QStringLiteral("svc%1").arg(s);
            ServiceEntry *service = registry.createService(name);
            QVERIFY(service);
            for (int i = 0; i < kPerService; ++i) {
                const quint16 port = quint16(10000 + s * 100 + i);
                QVERIFY(registry.addInstance(
                    *service, instanceAt(QStringLiteral("%1-%2").arg(name).arg(port), port), {}));
            }
            registry.publishService(*service);
        }
        const int walksBefore = walks.load();
        QTRY_VERIFY(walks.load() > walksBefore + 2); // at least two walks over everything
        done = true;
        reader.join();
        QCOMPARE(incomplete.load(), 0);
        QCOMPARE(registry.instanceCount(), 1 + kServices * kPerService);
        QCOMPARE(registry.dynamicInstancesLeft(), 0);
        QCOMPARE(registry.services().size(), size_t(1 + kServices));
    }
};

QTEST_GUILESS_MAIN(TestServiceRegistry)
#include "tst_service_registry.moc"
