#include <backend/resilience/outcome_window.h>
#include <tests/support/manual_clock.h>

#include <QTest>

#include <latch>
#include <thread>

using namespace ToolCapture;
using namespace std::chrono_literals;
using Kind = CallOutcome::Kind;

// OutcomeWindow: exact counts under concurrent adds, time buckets, clearing.
class TestOutcomeWindow : public QObject {
    Q_OBJECT
private slots:
    void countWindowExactUnderContention_data();
    void countWindowExactUnderContention();
    void timeWindowRotatesBuckets();
    void timeBucketSaturationKeepsRates();
    void clearForgetsEverything();
};

namespace {

OutcomeWindow::Counts recount(const std::vector<OutcomeWindow::Entry> &entries) {
    OutcomeWindow::Counts counts;
    for (const OutcomeWindow::Entry &e : entries) {
        ++counts.calls;
        counts.failures += e.failure;
        counts.slow += e.slow;
        counts.overload += e.kind == Kind::Overload;
    }
    return counts;
}

} // namespace

void TestOutcomeWindow::countWindowExactUnderContention_data() {
    QTest::addColumn<int>("windowSize");
    QTest::newRow("1") << 1;
    QTest::newRow("7") << 7;
    QTest::newRow("100") << 100;
}

void TestOutcomeWindow::countWindowExactUnderContention() {
    QFETCH(int, windowSize);
    constexpr int kPerThread = 1000000;
    BreakerConfig config;
    config.windowSize = windowSize;
    ManualClock clock;
    OutcomeWindow window(config, clock.now());
    std::latch start(2);
    auto hammer = [&](int seed) {
        start.arrive_and_wait();
        for (int i = 0; i < kPerThread; ++i) {
            const int n = i + seed;
            const Kind kind = n % 7 == 0 ? Kind::Overload : Kind::Success;
            window.add({kind, n % 3 == 0, n % 5 == 0, 1ms, clock.now()});
        }
    };
    std::thread a(hammer, 0);
    std::thread b(hammer, 1);
    a.join();
    b.join();

    QCOMPARE(window.recorded(), std::uint64_t(2 * kPerThread));
    const OutcomeWindow::Counts counts = window.counts(clock.now());
    const OutcomeWindow::Counts actual = recount(window.latest(clock.now(), windowSize));
    QCOMPARE(counts.calls, windowSize);
    QCOMPARE(actual.calls, windowSize);
    QCOMPARE(counts.failures, actual.failures);
    QCOMPARE(counts.slow, actual.slow);
    QCOMPARE(counts.overload, actual.overload);
}

void TestOutcomeWindow::timeWindowRotatesBuckets() {
    BreakerConfig config;
    config.window = BreakerConfig::Window::Time;
    config.windowDuration = 10s; // ten buckets of one second
    ManualClock clock;
    OutcomeWindow window(config, clock.now());
    QVERIFY(window.isTimeBased());
    // One call per second for 15 s, every third a failure.
    for (int s = 0; s < 15; ++s) {
        const OutcomeWindow::Counts after =
            window.add({Kind::Status5xx, s % 3 == 0, false, 1ms, clock.now()});
        QCOMPARE(after.calls, std::min(s + 1, 10));
        clock.advance(1s);
    }
    // Now at 15 s: buckets 6..14 are in the window (the current one, 15, is empty).
    const OutcomeWindow::Counts counts = window.counts(clock.now());
    QCOMPARE(counts.calls, 9);
    QCOMPARE(counts.failures, 3); // seconds 6, 9, 12
    QCOMPARE(int(window.latest(clock.now()).size()), 9);
    clock.advance(10s);
    QCOMPARE(window.counts(clock.now()).calls, 0);
    QVERIFY(window.latest(clock.now()).empty());
}

void TestOutcomeWindow::timeBucketSaturationKeepsRates() {
    BreakerConfig config;
    config.window = BreakerConfig::Window::Time;
    config.windowDuration = 10s;
    ManualClock clock;
    OutcomeWindow window(config, clock.now());
    for (int i = 0; i < 40000; ++i)
        window.add({Kind::Success, i % 4 == 0, false, 1ms, clock.now()});
    const OutcomeWindow::Counts counts = window.counts(clock.now());
    QVERIFY(counts.calls > 4000 && counts.calls <= 8191);
    QVERIFY(qAbs(double(counts.failures) / counts.calls - 0.25) < 0.01);
}

void TestOutcomeWindow::clearForgetsEverything() {
    for (const auto kind : {BreakerConfig::Window::Count, BreakerConfig::Window::Time}) {
        BreakerConfig config;
        config.window = kind;
        ManualClock clock;
        OutcomeWindow window(config, clock.now());
        for (int i = 0; i < 15; ++i)
            window.add({Kind::Timeout, true, true, 3000ms, clock.now()});
        QCOMPARE(window.counts(clock.now()).failures, 15);
        window.clear();
        QCOMPARE(window.counts(clock.now()).calls, 0);
        QVERIFY(window.latest(clock.now()).empty());
        QCOMPARE(window.recorded(), std::uint64_t(15));
        window.add({Kind::Success, false, false, 1ms, clock.now()});
        QCOMPARE(window.counts(clock.now()).calls, 1);
    }
}

QTEST_GUILESS_MAIN(TestOutcomeWindow)
#include "tst_outcome_window.moc"
