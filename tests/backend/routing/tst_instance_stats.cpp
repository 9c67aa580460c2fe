#include <backend/routing/instance_stats.h>

#include <QTest>

#include <cmath>
#include <thread>

using namespace ToolCapture;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// A start on a window boundary (10 s windows), far from the clock's epoch.
const InstanceStats::time_point kStart{std::chrono::hours(1)};

double ms(std::chrono::nanoseconds value) {
    return std::chrono::duration<double, std::milli>(value).count();
}

} // namespace

class TestInstanceStats : public QObject {
    Q_OBJECT

private slots:
    void startsEmpty();
    void reactsToSlowSampleAtOnce();
    void decaysTowardFasterSamples();
    void decaysTowardZeroWhileIdle();
    void failureLatencyOnlyRaises();
    void reliability_data();
    void reliability();
    void activeGuardCounts();
    void concurrentRecordingIsExact();
};

void TestInstanceStats::startsEmpty() {
    InstanceStats stats;
    const InstanceStats::Snapshot s = stats.snapshot(kStart);
    QVERIFY(!s.hasLatency);
    QCOMPARE(s.latency.count(), 0);
    QCOMPARE(s.windowCalls, 0.0);
    QCOMPARE(s.successRate(-1), -1.0);
    QCOMPARE(s.active, 0);
    QCOMPARE(s.totalResponses, 0u);
}

void TestInstanceStats::reactsToSlowSampleAtOnce() {
    InstanceStats stats;
    auto now = kStart;
    for (int i = 0; i < 50; ++i, now += 100ms)
        stats.recordResponse(10ms, true, now);
    QVERIFY(std::abs(ms(stats.latencyAt(now - 100ms)) - 10.0) < 0.01);
    stats.recordResponse(500ms, true, now);
    QVERIFY(stats.snapshot(now).hasLatency);
    QVERIFY2(std::abs(ms(stats.latencyAt(now)) - 500.0) < 0.01,
             qPrintable(QString::number(ms(stats.latencyAt(now)))));
}

void TestInstanceStats::decaysTowardFasterSamples() {
    // After the 500 ms peak, 10 ms samples every 100 ms: c_k = 10 + 490 * exp(-k * 0.1 s / 10 s).
    InstanceStats stats(10s);
    auto now = kStart;
    stats.recordResponse(500ms, true, now);
    double previous = 500;
    for (int k = 1; k <= 300; ++k) {
        now += 100ms;
        stats.recordResponse(10ms, true, now);
        const double estimate = ms(stats.latencyAt(now));
        QVERIFY(estimate < previous);
        previous = estimate;
        if (k == 10 || k == 100 || k == 300) {
            const double expected = 10 + 490 * std::exp(-k * 0.01);
            QVERIFY2(
                std::abs(estimate - expected) < expected * 0.001,
                qPrintable(QStringLiteral("k=%1: %2 != %3").arg(k).arg(estimate).arg(expected)));
        }
    }
    QVERIFY(previous < 35); // 30 s = three decay periods: most of the way to 10 ms
}

void TestInstanceStats::decaysTowardZeroWhileIdle() {
    InstanceStats stats(10s);
    stats.recordResponse(100ms, true, kStart);
    QVERIFY(std::abs(ms(stats.latencyAt(kStart)) - 100) < 0.01);
    QVERIFY(std::abs(ms(stats.latencyAt(kStart + 10s)) - 100 * std::exp(-1.0)) < 0.01);
    QVERIFY(std::abs(ms(stats.latencyAt(kStart + 30s)) - 100 * std::exp(-3.0)) < 0.01);
    // A sample after an idle gap weighs by the gap: 100 * e^-1 + 20 * (1 - e^-1).
    stats.recordResponse(20ms, true, kStart + 10s);
    QVERIFY(std::abs(ms(stats.latencyAt(kStart + 10s)) -
                     (100 * std::exp(-1.0) + 20 * (1 - std::exp(-1.0)))) < 0.01);
}

void TestInstanceStats::failureLatencyOnlyRaises() {
    InstanceStats stats;
    stats.recordResponse(1ms, false, kStart);
    QVERIFY(!stats.snapshot(kStart).hasLatency); // a fast refusal says nothing about speed
    stats.recordResponse(100ms, true, kStart);
    stats.recordResponse(1ms, false, kStart + 1s);
    QVERIFY(std::abs(ms(stats.latencyAt(kStart + 1s)) - 100 * std::exp(-0.1)) < 0.01);
    stats.recordResponse(3s, false, kStart + 1s); // a timeout is a peak
    QVERIFY(std::abs(ms(stats.latencyAt(kStart + 1s)) - 3000) < 0.1);
    const InstanceStats::Snapshot s = stats.snapshot(kStart + 1s);
    QCOMPARE(s.totalResponses, 4u);
    QCOMPARE(s.totalFailures, 3u);
}

void TestInstanceStats::reliability_data() {
    // outcomes: "S@ms" or "F@ms" after the start, in recording order; 10 s windows.
    QTest::addColumn<QString>("outcomes");
    QTest::addColumn<int>("queryMs");
    QTest::addColumn<double>("calls");
    QTest::addColumn<double>("successes");

    QTest::newRow("no calls") << "" << 0 << 0.0 << 0.0;
    QTest::newRow("all successes") << "S@0 S@100 S@200 S@300 S@400" << 500 << 5.0 << 5.0;
    QTest::newRow("one in four fails") << "S@0 S@10 F@20 S@30" << 40 << 4.0 << 3.0;
    QTest::newRow("all failures") << "F@0 F@1 F@2" << 3 << 3.0 << 0.0;
    // Window 1 is half over: window 0 counts half.
    QTest::newRow("previous window weighted")
        << "F@1000 F@2000 F@3000 F@4000 S@12000 S@13000 S@14000 S@15000" << 15000 << 6.0 << 4.0;
    QTest::newRow("previous window nearly gone") << "F@1000 F@2000 S@19000" << 19900 << 1.02 << 1.0;
    QTest::newRow("older windows forgotten")
        << "F@0 F@1 F@2 F@3 S@25000 S@25001" << 25002 << 2.0 << 2.0;
    QTest::newRow("late sample for an overwritten window dropped")
        << "S@25000 F@5000" << 25000 << 1.0 << 1.0;
    QTest::newRow("late sample for the previous window kept")
        << "S@12000 F@9000" << 12000 << 1.8 << 1.0;
}

void TestInstanceStats::reliability() {
    QFETCH(QString, outcomes);
    QFETCH(int, queryMs);
    QFETCH(double, calls);
    QFETCH(double, successes);

    InstanceStats stats(10s, 10s);
    for (const QString &item : outcomes.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const bool success = item.startsWith(QLatin1Char('S'));
        const int at = item.mid(2).toInt();
        stats.recordResponse(10ms, success, kStart + milliseconds(at));
    }
    const InstanceStats::Snapshot s = stats.snapshot(kStart + milliseconds(queryMs));
    QVERIFY2(std::abs(s.windowCalls - calls) < 1e-9, qPrintable(QString::number(s.windowCalls)));
    QVERIFY2(std::abs(s.windowSuccesses - successes) < 1e-9,
             qPrintable(QString::number(s.windowSuccesses)));
    if (calls > 0)
        QVERIFY(std::abs(s.successRate(-1) - successes / calls) < 1e-9);
}

void TestInstanceStats::activeGuardCounts() {
    InstanceStats stats;
    {
        InstanceStats::ActiveRequest a = stats.beginRequest();
        InstanceStats::ActiveRequest b = stats.beginRequest();
        InstanceStats::ActiveRequest c = stats.beginRequest();
        QCOMPARE(stats.active(), 3);
        QCOMPARE(stats.snapshot(kStart).active, 3);
        InstanceStats::ActiveRequest moved = std::move(a);
        QVERIFY(!a.isActive());
        QVERIFY(moved.isActive());
        QCOMPARE(stats.active(), 3);
        b.release();
        QVERIFY(!b.isActive());
        QCOMPARE(stats.active(), 2);
        b.release(); // twice: counted once
        QCOMPARE(stats.active(), 2);
        moved = std::move(c); // ends the request `moved` held
        QCOMPARE(stats.active(), 1);
        InstanceStats::ActiveRequest empty;
        QVERIFY(!empty.isActive());
    }
    QCOMPARE(stats.active(), 0);
}

void TestInstanceStats::concurrentRecordingIsExact() {
    InstanceStats stats;
    constexpr int kPerThread = 200000;
    auto work = [&stats](int seed) {
        for (int i = 0; i < kPerThread; ++i) {
            InstanceStats::ActiveRequest guard = stats.beginRequest();
            const bool success = i % 4 != 0;
            stats.recordResponse(milliseconds(1 + (i * 7 + seed) % 50), success, kStart + 1ms);
        }
    };
    std::thread first(work, 1);
    std::thread second(work, 2);
    first.join();
    second.join();
    const InstanceStats::Snapshot s = stats.snapshot(kStart + 1ms);
    QCOMPARE(s.totalResponses, std::uint64_t(2 * kPerThread));
    QCOMPARE(s.totalFailures, std::uint64_t(2 * kPerThread / 4));
    QCOMPARE(s.windowCalls, double(2 * kPerThread));
    QCOMPARE(s.windowSuccesses, double(2 * kPerThread * 3 / 4));
    QCOMPARE(s.active, 0);
    // All samples at one instant: the estimate is the peak of them.
    QVERIFY(std::abs(ms(s.latency) - 50) < 0.01);
}

QTEST_GUILESS_MAIN(TestInstanceStats)
#include "tst_instance_stats.moc"
