#include <backend/health/health_state.h>
#include <tests/support/manual_clock.h>

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

// Active-check thresholds, slow start ramp and ejection of one instance's health, with an
// injected clock; and readers on other threads while the engine thread writes.
class TestHealthState : public QObject {
    Q_OBJECT

private:
    static HealthCheckResult pass() { return {true, 200, 3ms, {}}; }
    static HealthCheckResult fail() { return {false, 503, 4ms, QStringLiteral("HTTP 503")}; }

private slots:
    void startsHealthyUnknownWithFullWeight() {
        ManualClock clock;
        HealthState state(10s);
        QVERIFY(state.isHealthy(clock.now()));
        QCOMPARE(state.trafficWeight(clock.now()), 1.0);
        const HealthSnapshot s = state.snapshot(clock.now());
        QVERIFY(s.healthy);
        QVERIFY(!s.checked);
        QCOMPARE(s.lastResult, HealthSnapshot::CheckResult::None);
        QCOMPARE(s.weight, 1.0);
        QVERIFY(!s.ejected);
    }

    // A sequence of check results ('+' pass, '-' fail) with rise 2 and fall 3: the active
    // state after each, and which checks changed it.
    void riseAndFall_data() {
        QTest::addColumn<QString>("checks");
        QTest::addColumn<QString>("healthyAfter"); // 'H' or 'U' after each check
        QTest::addColumn<QString>("changes");      // 'x' where recordCheck returned true
        QTest::newRow("passes stay healthy") << "+++"
                                             << "HHH"
                                             << "...";
        QTest::newRow("unknown falls after 3") << "---"
                                               << "HHU"
                                               << "..x";
        QTest::newRow("a pass resets the fall count") << "--+--"
                                                      << "HHHHH"
                                                      << ".....";
        QTest::newRow("rise after 2 passes") << "---++"
                                             << "HHUUH"
                                             << "..x.x";
        QTest::newRow("a fail resets the rise count") << "---+-++"
                                                      << "HHUUUUH"
                                                      << "..x...x";
        QTest::newRow("fall again after recovery") << "---++---"
                                                   << "HHUUHHHU"
                                                   << "..x.x..x";
        QTest::newRow("first pass confirms, no change") << "+---"
                                                        << "HHHU"
                                                        << "...x";
    }
    void riseAndFall() {
        QFETCH(QString, checks);
        QFETCH(QString, healthyAfter);
        QFETCH(QString, changes);
        ManualClock clock;
        HealthState state(0ms);
        for (int i = 0; i < checks.size(); ++i) {
            clock.advance(1s);
            const bool changed =
                state.recordCheck(checks[i] == '+' ? pass() : fail(), 2, 3, clock.now());
            QCOMPARE(changed, changes[i] == 'x');
            QCOMPARE(state.isActiveHealthy(), healthyAfter[i] == 'H');
            QCOMPARE(state.isHealthy(clock.now()), healthyAfter[i] == 'H');
        }
        const HealthSnapshot s = state.snapshot(clock.now());
        QVERIFY(s.checked);
        const bool lastPassed = checks.back() == '+';
        QCOMPARE(s.lastResult, lastPassed ? HealthSnapshot::CheckResult::Passed
                                          : HealthSnapshot::CheckResult::Failed);
        QCOMPARE(s.lastStatus, lastPassed ? 200 : 503);
        QCOMPARE(s.lastError, lastPassed ? QString() : QStringLiteral("HTTP 503"));
        QCOMPARE(s.lastCheckAt, clock.now());
        int trailing = 0;
        for (qsizetype i = checks.size() - 1; i >= 0 && checks[i] == checks.back(); --i)
            ++trailing;
        QCOMPARE(lastPassed ? s.consecutivePasses : s.consecutiveFailures, trailing);
        QCOMPARE(lastPassed ? s.consecutiveFailures : s.consecutivePasses, 0);
    }

    // Weight at times after recovering with a 10 s slow start: 0.1 + 0.9 * t / 10 s.
    void slowStartRamp_data() {
        QTest::addColumn<int>("afterMs");
        QTest::addColumn<double>("weight");
        QTest::newRow("at recovery") << 0 << 0.1;
        QTest::newRow("1 s") << 1000 << 0.19;
        QTest::newRow("2.5 s") << 2500 << 0.325;
        QTest::newRow("5 s") << 5000 << 0.55;
        QTest::newRow("9.9 s") << 9900 << 0.991;
        QTest::newRow("10 s") << 10000 << 1.0;
        QTest::newRow("an hour") << 3600000 << 1.0;
    }
    void slowStartRamp() {
        QFETCH(int, afterMs);
        QFETCH(double, weight);
        ManualClock clock;
        HealthState state(10s);
        QVERIFY(state.setHealthy(false, clock.now()));
        QCOMPARE(state.trafficWeight(clock.now()), 0.0);
        clock.advance(5s);
        QVERIFY(state.setHealthy(true, clock.now()));
        QCOMPARE(state.snapshot(clock.now()).since, clock.now());
        clock.advance(milliseconds(afterMs));
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - weight) < 1e-9);
        QVERIFY(state.isHealthy(clock.now()));
    }

    void noSlowStartMeansFullWeightAtOnce() {
        ManualClock clock;
        HealthState state(0ms);
        state.setHealthy(false, clock.now());
        state.setHealthy(true, clock.now());
        QCOMPARE(state.trafficWeight(clock.now()), 1.0);
    }

    void ejectionAndGradualReturn() {
        ManualClock clock;
        HealthState state(10s);
        const auto until = clock.now() + 30s;
        state.eject(until, QStringLiteral("5 consecutive failures"));
        QVERIFY(state.isEjected(clock.now()));
        QVERIFY(!state.isHealthy(clock.now()));
        QVERIFY(state.isActiveHealthy());
        QCOMPARE(state.trafficWeight(clock.now()), 0.0);
        HealthSnapshot s = state.snapshot(clock.now());
        QVERIFY(s.ejected);
        QVERIFY(!s.healthy);
        QCOMPARE(s.ejectedUntil, until);
        QCOMPARE(s.ejectionReason, QStringLiteral("5 consecutive failures"));

        clock.advance(30s - 1ms);
        QVERIFY(state.isEjected(clock.now()));
        clock.advance(1ms); // the ejection ends by itself: the ramp starts at `until`
        QVERIFY(!state.isEjected(clock.now()));
        QVERIFY(state.isHealthy(clock.now()));
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - 0.1) < 1e-9);
        clock.advance(5s);
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - 0.55) < 1e-9);
        state.uneject(clock.now()); // bookkeeping after the fact keeps the ramp where it is
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - 0.55) < 1e-9);
        QVERIFY(state.ejectionReason().isEmpty());
    }

    void unejectEarlyStartsTheRampNow() {
        ManualClock clock;
        HealthState state(10s);
        state.eject(clock.now() + 30s, QStringLiteral("x"));
        clock.advance(10s);
        state.uneject(clock.now());
        QVERIFY(!state.isEjected(clock.now()));
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - 0.1) < 1e-9);
        QVERIFY(state.snapshot(clock.now()).ejectionReason.isEmpty());
    }

    void unhealthyAndEjectedIsZeroUntilBothEnd() {
        ManualClock clock;
        HealthState state(10s);
        state.setHealthy(false, clock.now());
        state.eject(clock.now() + 20s, QStringLiteral("x"));
        clock.advance(25s);
        QCOMPARE(state.trafficWeight(clock.now()), 0.0); // ejection over, still failing checks
        state.setHealthy(true, clock.now());
        QVERIFY(qAbs(state.trafficWeight(clock.now()) - 0.1) < 1e-9); // ramp from the later one
    }

    // Readers on several threads see only valid weights while the engine thread flips health
    // and ejections; afterwards they see the final state.
    void concurrentReaders() {
        HealthState state(std::chrono::milliseconds(1000));
        const auto base = std::chrono::steady_clock::time_point(std::chrono::hours(1));
        std::atomic<bool> done{false};
        std::atomic<int> invalid{0};
        std::atomic<qint64> reads{0};
        std::atomic<int> started{0}; // readers that have read at least once
        std::vector<std::thread> readers;
        for (int r = 0; r < 3; ++r) {
            readers.emplace_back([&] {
                qint64 n = 0;
                qint64 i = 0;
                while (!done.load(std::memory_order_relaxed)) {
                    const auto now = base + milliseconds(i++ % 5000);
                    const double w = state.trafficWeight(now);
                    if (!(w == 0.0 || (w >= HealthState::kSlowStartMinWeight && w <= 1.0)))
                        invalid.fetch_add(1);
                    (void)state.isHealthy(now);
                    if (n++ == 0)
                        started.fetch_add(1);
                }
                reads.fetch_add(n);
            });
        }
        // The writes must overlap the reads: start once every reader is reading.
        while (started.load() < 3)
            std::this_thread::yield();
        for (int i = 0; i < 20000; ++i) {
            const auto now = base + milliseconds(i % 5000);
            state.setHealthy(i % 3 != 0, now);
            if (i % 7 == 0)
                state.eject(now + 100ms, QStringLiteral("outlier"));
            if (i % 11 == 0)
                state.uneject(now);
        }
        state.setHealthy(true, base);
        state.uneject(base + 5s);
        done = true;
        for (std::thread &t : readers)
            t.join();
        QCOMPARE(invalid.load(), 0);
        QVERIFY(reads.load() > 0);
        QVERIFY(state.isHealthy(base + 10s));
        QCOMPARE(state.trafficWeight(base + 10s), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestHealthState)
#include "tst_health_state.moc"
