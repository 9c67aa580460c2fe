#include <backend/intelligence/rolling_window.h>

#include <QTest>

using namespace ToolCapture;
using namespace std::chrono_literals;

// RollingWindow: the last span of samples, expiring slice by slice, on the caller's time.
class TestRollingWindow : public QObject {
    Q_OBJECT
private slots:
    void countsWithinTheSpan_data();
    void countsWithinTheSpan();
    void ratesAndLatency();
    void idleGapForgetsEverything();
    void mergeAddsAnotherProxysSlice();
};

namespace {
const RollingWindow::TimePoint t0 = RollingWindow::TimePoint(1000h);
}

void TestRollingWindow::countsWithinTheSpan_data() {
    QTest::addColumn<int>("spanMs");
    QTest::addColumn<int>("slotCount");
    QTest::addColumn<int>("laterMs");  // when the window is read, after the first sample
    QTest::addColumn<int>("expected"); // of the samples added at 0, 1 s, 2 s ... 9 s
    QTest::newRow("1 min, all in") << 60000 << 12 << 9000 << 10;
    QTest::newRow("1 min, read at 62 s: the first slice expired") << 60000 << 12 << 62000 << 5;
    QTest::newRow("1 min, read at 65 s: both expired") << 60000 << 12 << 65000 << 0;
    QTest::newRow("1 min, long after: none") << 60000 << 12 << 200000 << 0;
    QTest::newRow("5 s in 5 slices, read at 9 s") << 5000 << 5 << 9000 << 5;
    QTest::newRow("5 s in 5 slices, read at 12 s") << 5000 << 5 << 12000 << 2;
}

void TestRollingWindow::countsWithinTheSpan() {
    QFETCH(int, spanMs);
    QFETCH(int, slotCount);
    QFETCH(int, laterMs);
    QFETCH(int, expected);
    RollingWindow window(std::chrono::milliseconds(spanMs), slotCount);
    for (int i = 0; i < 10; ++i)
        window.add(t0 + std::chrono::seconds(i), {5.0, false, false, false});
    QCOMPARE(window.stats(t0 + std::chrono::milliseconds(laterMs)).requests,
             std::uint64_t(expected));
}

void TestRollingWindow::ratesAndLatency() {
    RollingWindow window(60s, 12);
    for (int i = 0; i < 100; ++i)
        window.add(t0 + std::chrono::milliseconds(i * 100),
                   {double(i + 1), i % 10 == 0, i % 2 == 0, i % 4 == 0});
    const WindowStats stats = window.stats(t0 + 10s);
    QCOMPARE(stats.requests, std::uint64_t(100));
    QCOMPARE(stats.errors, std::uint64_t(10));
    QCOMPARE(stats.errorRate(), 0.1);
    QCOMPARE(stats.cacheEligible, std::uint64_t(50));
    QCOMPARE(stats.cacheHits, std::uint64_t(25));
    QCOMPARE(stats.cacheHitRatio(), 0.5);
    QVERIFY(std::abs(*stats.latencyMs.quantile(0.5) - 50.0) <= 1.0);
    QVERIFY(std::abs(*stats.latencyMs.quantile(0.99) - 99.0) <= 1.0);
}

void TestRollingWindow::idleGapForgetsEverything() {
    RollingWindow window(60s, 12);
    window.add(t0, {1.0, true, false, false});
    // An hour later a slot is reused: what it held is gone, not added to the new sample.
    window.add(t0 + 1h, {2.0, false, false, false});
    const WindowStats stats = window.stats(t0 + 1h);
    QCOMPARE(stats.requests, std::uint64_t(1));
    QCOMPARE(stats.errors, std::uint64_t(0));
}

void TestRollingWindow::mergeAddsAnotherProxysSlice() {
    RollingWindow window(60s, 12);
    window.add(t0, {10.0, false, false, false});
    WindowStats other;
    other.requests = 3;
    other.errors = 1;
    other.latencyMs.add(100.0, 3);
    window.merge(t0 + 1s, other);
    const WindowStats stats = window.stats(t0 + 2s);
    QCOMPARE(stats.requests, std::uint64_t(4));
    QCOMPARE(stats.errors, std::uint64_t(1));
    QCOMPARE(stats.latencyMs.count(), std::uint64_t(4));
    QVERIFY(*stats.latencyMs.quantile(1.0) >= 99.0);
}

QTEST_GUILESS_MAIN(TestRollingWindow)
#include "tst_rolling_window.moc"
