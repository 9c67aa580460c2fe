#include <backend/health/outlier_detector.h>
#include <backend/routing/service_registry.h>
#include <tests/support/manual_clock.h>

#include <QTest>

#include <algorithm>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Stats = OutlierDetector::InstanceStats;

// Envoy-style outlier detection with an injected clock: which interval statistics eject whom
// and why, the max ejection share, ejection time growth and decay, and the return to service.
class TestOutlierDetector : public QObject {
    Q_OBJECT

private:
    static ServiceConfig service(const QString &name, int hosts, const OutlierConfig &outlier) {
        ServiceConfig config;
        config.name = name;
        config.outlier = outlier;
        config.health.slowStart = 10s;
        for (int i = 0; i < hosts; ++i) {
            InstanceConfig instance;
            instance.id = name + QLatin1Char('-') + QString::number(i);
            instance.host = QStringLiteral("127.0.0.1");
            instance.port = quint16(9000 + i);
            instance.url = QStringLiteral("http://127.0.0.1:%1").arg(instance.port);
            config.instances.push_back(instance);
        }
        return config;
    }

    // One detector over one or more services, with its health states.
    struct Fixture {
        explicit Fixture(std::vector<ServiceConfig> configs)
            : services(std::move(configs))
            , registry(services)
            , states(size_t(registry.instanceCount()))
            , detector(registry, services, states, clock.now()) {}
        ManualClock clock;
        std::vector<ServiceConfig> services;
        ServiceRegistry registry;
        std::vector<HealthState> states;
        OutlierDetector detector;

        // Advances one interval of `config` and feeds `stats`.
        OutlierDetector::Evaluation step(milliseconds by, const std::vector<Stats> &stats) {
            clock.advance(by);
            return detector.update(clock.now(), stats);
        }
    };

    static std::vector<Stats> uniform(int hosts, std::uint64_t requests) {
        return std::vector<Stats>(size_t(hosts), Stats{requests, 0, 0});
    }

private slots:
    void evaluation_data() {
        QTest::addColumn<QList<int>>("requests");
        QTest::addColumn<QList<int>>("failures");
        QTest::addColumn<QList<int>>("consecutive");
        QTest::addColumn<double>("maxEjectionPercent");
        QTest::addColumn<QStringList>("ejected"); // "index:reason", in ejection order
        QTest::addColumn<QList<int>>("spared");

        const QList<int> clean{100, 100, 100, 100, 100};
        const QList<int> none5{0, 0, 0, 0, 0};
        QTest::newRow("all clean")
            << clean << none5 << none5 << 1.0 << QStringList() << QList<int>();
        QTest::newRow("consecutive failures at the limit")
            << clean << QList<int>{0, 5, 0, 0, 0} << QList<int>{0, 5, 0, 0, 0} << 1.0
            << QStringList{"1:consecutive_failures"} << QList<int>();
        QTest::newRow("consecutive failures below the limit")
            << clean << QList<int>{4, 4, 4, 4, 4} << QList<int>{0, 4, 0, 0, 0} << 1.0
            << QStringList() << QList<int>();
        // 5 hosts, one at 50%: mean 0.9, stdev 0.2, threshold 0.52.
        QTest::newRow("success rate outlier of 5")
            << clean << QList<int>{0, 0, 0, 0, 50} << none5 << 1.0 << QStringList{"4:success_rate"}
            << QList<int>();
        // One outlier among 4 sits sqrt(3) = 1.73 stdevs below the mean: under the 1.9 factor.
        QTest::newRow("one outlier of 4 is within the factor")
            << QList<int>{100, 100, 100, 100} << QList<int>{0, 0, 0, 50} << QList<int>{0, 0, 0, 0}
            << 1.0 << QStringList() << QList<int>();
        QTest::newRow("outlier without enough volume")
            << QList<int>{100, 100, 100, 100, 49} << QList<int>{0, 0, 0, 0, 40} << none5 << 1.0
            << QStringList() << QList<int>();
        QTest::newRow("too few hosts with volume")
            << QList<int>{100, 100, 10} << QList<int>{0, 90, 0} << QList<int>{0, 0, 0} << 1.0
            << QStringList() << QList<int>();
        QTest::newRow("both reasons")
            << QList<int>{100, 100, 100, 100, 100, 100} << QList<int>{5, 0, 0, 0, 0, 60}
            << QList<int>{5, 0, 0, 0, 0, 0} << 0.5
            << QStringList{"0:consecutive_failures", "5:success_rate"} << QList<int>();
        QTest::newRow("max ejection percent keeps the worst")
            << QList<int>{10, 10, 10, 10} << QList<int>{5, 6, 7, 5} << QList<int>{5, 6, 7, 5} << 0.5
            << QStringList{"2:consecutive_failures", "1:consecutive_failures"} << QList<int>{0, 3};
        QTest::newRow("a single host is never ejected at 50%")
            << QList<int>{10} << QList<int>{10} << QList<int>{9} << 0.5 << QStringList()
            << QList<int>{0};
        QTest::newRow("no ejection at 0%")
            << clean << QList<int>{0, 5, 0, 0, 0} << QList<int>{0, 5, 0, 0, 0} << 0.0
            << QStringList() << QList<int>{1};
    }
    void evaluation() {
        QFETCH(QList<int>, requests);
        QFETCH(QList<int>, failures);
        QFETCH(QList<int>, consecutive);
        QFETCH(double, maxEjectionPercent);
        QFETCH(QStringList, ejected);
        QFETCH(QList<int>, spared);

        OutlierConfig config;
        config.maxEjectionPercent = maxEjectionPercent;
        Fixture f({service(QStringLiteral("svc"), int(requests.size()), config)});
        std::vector<Stats> stats;
        for (qsizetype i = 0; i < requests.size(); ++i)
            stats.push_back(
                {std::uint64_t(requests[i]), std::uint64_t(failures[i]), consecutive[i]});

        // Nothing is evaluated before the interval ends.
        const auto early = f.step(5s, stats);
        QVERIFY(early.servicesEvaluated.empty());
        QVERIFY(early.ejected.empty());
        // The interval's statistics are the sum: feed nothing more, keep the streak levels.
        std::vector<Stats> levels;
        for (const Stats &s : stats)
            levels.push_back({0, 0, s.consecutiveFailures});
        const auto result = f.step(5s, levels);
        QCOMPARE(result.servicesEvaluated, std::vector<int>{0});

        QStringList got;
        for (const OutlierDetector::Ejection &e : result.ejected) {
            got << QStringLiteral("%1:%2")
                       .arg(e.instanceIndex)
                       .arg(OutlierDetector::reasonName(e.reason));
            QCOMPARE(e.ejectionCount, 1);
            QCOMPARE(e.duration, config.baseEjection);
            QCOMPARE(e.until, f.clock.now() + config.baseEjection);
            QVERIFY(!e.detail.isEmpty());
            const HealthState &state = f.states[size_t(e.instanceIndex)];
            QVERIFY(state.isEjected(f.clock.now()));
            QVERIFY(!state.isHealthy(f.clock.now()));
            QCOMPARE(state.ejectionReason(), e.detail);
        }
        QCOMPARE(got, ejected);
        QList<int> gotSpared;
        for (const OutlierDetector::Spared &s : result.spared)
            gotSpared << s.instanceIndex;
        QCOMPARE(gotSpared, spared);
        for (int i = 0; i < int(requests.size()); ++i) {
            const bool isEjected = std::any_of(result.ejected.begin(), result.ejected.end(),
                                               [i](const auto &e) { return e.instanceIndex == i; });
            QCOMPARE(f.detector.isEjected(i), isEjected);
            QCOMPARE(f.states[size_t(i)].isHealthy(f.clock.now()), !isEjected);
        }
    }

    void successRateDetailExplains() {
        Fixture f({service(QStringLiteral("svc"), 5, OutlierConfig{})});
        std::vector<Stats> stats = uniform(5, 100);
        stats[4].failures = 50;
        const auto result = f.step(10s, stats);
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].detail,
                 QStringLiteral("success rate 50.0% below 52.0% (mean 90.0%, stdev 20.0% over 5 "
                                "instances)"));
    }

    // An instance failing every time it returns: 30 s, 60 s, ... capped at 10 x 30 s.
    void ejectionTimeGrows() {
        OutlierConfig config; // interval 10 s, base 30 s, 5 consecutive
        Fixture f({service(QStringLiteral("svc"), 2, config)});
        const QList<int> expectedSeconds{30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300};
        int streak = 0;
        for (int round = 0; round < expectedSeconds.size(); ++round) {
            streak += 5;
            auto result = f.step(10s, {Stats{5, 5, streak}, Stats{100, 0, 0}});
            QCOMPARE(result.ejected.size(), size_t(1));
            const OutlierDetector::Ejection e = result.ejected[0];
            QCOMPARE(e.instanceIndex, 0);
            QCOMPARE(e.reason, OutlierDetector::Reason::ConsecutiveFailures);
            QCOMPARE(e.duration, milliseconds(expectedSeconds[round] * 1000));
            QCOMPARE(e.ejectionCount, std::min(round + 1, 10));
            // While ejected it gets no traffic; its streak level stays, nothing new happens.
            const int intervals = expectedSeconds[round] / 10;
            for (int i = 1; i < intervals; ++i) {
                result = f.step(10s, {Stats{0, 0, streak}, Stats{100, 0, 0}});
                QVERIFY(result.ejected.empty());
                QVERIFY(result.unejected.empty());
                QVERIFY(f.states[0].isEjected(f.clock.now()));
            }
            result = f.step(10s, {Stats{0, 0, streak}, Stats{100, 0, 0}});
            QCOMPARE(result.unejected, std::vector<int>{0});
            QVERIFY(result.ejected.empty()); // the old streak is not punished twice
            QVERIFY(f.states[0].isHealthy(f.clock.now()));
            QVERIFY(qAbs(f.states[0].trafficWeight(f.clock.now()) - 0.1) < 1e-9); // slow start
        }
    }

    // Each clean interval in service after an ejection lowers the multiplier by one.
    void ejectionCountDecays() {
        OutlierConfig config;
        config.baseEjection = 10s;
        Fixture f({service(QStringLiteral("svc"), 2, config)});
        int streak = 0;
        for (int round = 0; round < 3; ++round) {
            streak += 5;
            QCOMPARE(f.step(10s, {Stats{5, 5, streak}, Stats{}}).ejected.size(), size_t(1));
            for (int i = 0; i <= round; ++i)
                f.step(10s, {Stats{0, 0, streak}, Stats{}});
            QVERIFY(!f.detector.isEjected(0));
        }
        QCOMPARE(f.detector.ejectionCount(0), 3);
        const QList<int> expected{2, 1, 0, 0};
        for (int expectedCount : expected) {
            f.step(10s, {Stats{100, 0, 0}, Stats{}});
            QCOMPARE(f.detector.ejectionCount(0), expectedCount);
        }
        // Back at the base ejection time.
        const auto result = f.step(10s, {Stats{5, 5, 5}, Stats{}});
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].duration, milliseconds(10s));
    }

    void unejectsWhenTheTimePasses() {
        OutlierConfig config;
        config.interval = 1s;
        config.baseEjection = 3500ms;
        Fixture f({service(QStringLiteral("svc"), 2, config)});
        QCOMPARE(f.step(1s, {Stats{5, 5, 5}, Stats{}}).ejected.size(), size_t(1));
        const auto until = f.states[0].ejectedUntil();
        QCOMPARE(until, f.clock.now() + 3500ms);
        for (int i = 0; i < 3; ++i)
            QVERIFY(f.step(1s, {Stats{0, 0, 5}, Stats{}}).unejected.empty());
        // Un-ejection happens on the update after `until` (between intervals too): readers
        // already saw it end at `until`, and the slow start counts from there.
        const auto result = f.step(600ms, {Stats{0, 0, 5}, Stats{}});
        QVERIFY(result.servicesEvaluated.empty());
        QCOMPARE(result.unejected, std::vector<int>{0});
        QVERIFY(!f.detector.isEjected(0));
        QVERIFY(f.states[0].ejectionReason().isEmpty());
        QVERIFY(qAbs(f.states[0].trafficWeight(f.clock.now()) - (0.1 + 0.9 * 0.01)) < 1e-9);
    }

    // After an ejection a new streak must reach the limit again; a success starts it over.
    void streakAfterReturn() {
        OutlierConfig config;
        config.baseEjection = 10s;
        Fixture f({service(QStringLiteral("svc"), 2, config)});
        QCOMPARE(f.step(10s, {Stats{5, 5, 5}, Stats{}}).ejected.size(), size_t(1));
        QCOMPARE(f.step(10s, {Stats{}, Stats{}}).unejected, std::vector<int>{0});
        // Stats{} reported a streak of 0: the baseline is gone, a new streak counts from 0.
        QVERIFY(f.step(10s, {Stats{4, 4, 4}, Stats{}}).ejected.empty());
        QCOMPARE(f.step(10s, {Stats{1, 1, 5}, Stats{}}).ejected.size(), size_t(1));
        QCOMPARE(f.step(10s, {Stats{0, 0, 5}, Stats{}}).unejected, std::vector<int>{0});
        // Streak level unchanged after the return, then one more failure: 1 of 5, no ejection.
        QVERIFY(f.step(10s, {Stats{1, 1, 6}, Stats{}}).ejected.empty());
        QVERIFY(f.step(10s, {Stats{3, 3, 9}, Stats{}}).ejected.empty());
        QCOMPARE(f.step(10s, {Stats{1, 1, 10}, Stats{}}).ejected.size(), size_t(1));
    }

    // The max share counts instances still ejected from earlier intervals.
    void maxPercentCountsEarlierEjections() {
        OutlierConfig config;
        config.maxEjectionPercent = 0.5;
        Fixture f({service(QStringLiteral("svc"), 4, config)});
        QCOMPARE(f.step(10s, {Stats{5, 5, 5}, Stats{}, Stats{}, Stats{}}).ejected.size(),
                 size_t(1));
        auto result = f.step(10s, {Stats{0, 0, 5}, Stats{5, 5, 5}, Stats{5, 5, 5}, Stats{}});
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].instanceIndex, 1);
        QCOMPARE(result.spared.size(), size_t(1));
        QCOMPARE(result.spared[0].instanceIndex, 2);
        QVERIFY(f.states[2].isHealthy(f.clock.now()));
    }

    // Services are evaluated on their own intervals and never against each other.
    void servicesAreIndependent() {
        OutlierConfig fast;
        fast.interval = 1s;
        OutlierConfig slow;
        slow.interval = 3s;
        Fixture f({service(QStringLiteral("a"), 2, fast), service(QStringLiteral("b"), 2, slow)});
        QCOMPARE(f.detector.tickInterval(), milliseconds(1s));
        QCOMPARE(f.registry.instance(2).id(), QStringLiteral("b-0"));
        std::vector<Stats> failing{Stats{}, Stats{}, Stats{5, 5, 5}, Stats{}};
        auto result = f.step(1s, failing);
        QCOMPARE(result.servicesEvaluated, std::vector<int>{0});
        QVERIFY(result.ejected.empty());
        f.step(1s, {Stats{}, Stats{}, Stats{0, 0, 5}, Stats{}});
        result = f.step(1s, {Stats{}, Stats{}, Stats{0, 0, 5}, Stats{}});
        QCOMPARE(result.servicesEvaluated, (std::vector<int>{0, 1}));
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].instanceIndex, 2);
        QVERIFY(f.states[0].isHealthy(f.clock.now()));
    }

    // Instances registered while running are judged from the next update on, with their
    // service's settings; a draining one is neither judged nor counted.
    void adoptsInstancesRegisteredLater() {
        OutlierConfig config;
        config.maxEjectionPercent = 1.0;
        config.interval = 10s;
        const std::vector<ServiceConfig> services{service(QStringLiteral("svc"), 2, config)};
        ServiceConfig defaults;
        defaults.outlier = config;
        defaults.outlier.interval = 5s;
        ServiceRegistry registry(services, RegistryConfig{2, 1}, defaults);
        std::vector<HealthState> states(size_t(registry.instanceCapacity()));
        ManualClock clock;
        OutlierDetector detector(registry, services, states, clock.now());

        ServiceEntry *svc = registry.findService(QStringLiteral("svc"));
        QVERIFY(svc);
        InstanceConfig extra = services[0].instances[0];
        extra.id = QStringLiteral("svc-new");
        extra.port = 9100;
        QVERIFY(registry.addInstance(*svc, extra, {}));
        ServiceEntry *orders = registry.createService(QStringLiteral("orders"));
        QVERIFY(orders);
        extra.id = QStringLiteral("orders-new");
        extra.port = 9200;
        QVERIFY(registry.addInstance(*orders, extra, {}));
        registry.publishService(*orders);
        registry.instance(1).setDraining(true);

        clock.advance(10s);
        const std::vector<Stats> failing{Stats{10, 0, 0}, Stats{10, 5, 5}, Stats{10, 5, 5},
                                         Stats{10, 5, 5}};
        auto result = detector.update(clock.now(), failing);
        QCOMPARE(result.servicesEvaluated, std::vector<int>{0}); // orders: 5 s from adoption
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].instanceIndex, 2);
        QVERIFY(detector.isEjected(2));
        QVERIFY(!detector.isEjected(1)); // draining
        QVERIFY(states[2].isEjected(clock.now()));

        clock.advance(5s);
        const std::vector<Stats> streak{Stats{}, Stats{}, Stats{}, Stats{0, 0, 5}};
        result = detector.update(clock.now(), streak);
        QCOMPARE(result.servicesEvaluated, std::vector<int>{1});
        QCOMPARE(result.ejected.size(), size_t(1));
        QCOMPARE(result.ejected[0].instanceIndex, 3);
        QCOMPARE(result.ejected[0].duration, milliseconds(defaults.outlier.baseEjection));
    }
};

QTEST_GUILESS_MAIN(TestOutlierDetector)
#include "tst_outlier_detector.moc"
