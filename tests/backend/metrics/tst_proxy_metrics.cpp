#include <backend/metrics/proxy_metrics.h>

#include <QTest>

#include <chrono>

using namespace ToolCapture;
using namespace std::chrono_literals;

// The latency histogram behind the console's p50/p99 and the admin API's quantiles.
class TestProxyMetrics : public QObject {
    Q_OBJECT

private slots:
    void boundsAreNarrowWhereLatenciesAreRead();
    void bucketIndex_data();
    void bucketIndex();
    void quantileOfOneLatency_data();
    void quantileOfOneLatency();
    void quantileAcrossBuckets();
    void quantileWithoutSamples();
};

void TestProxyMetrics::boundsAreNarrowWhereLatenciesAreRead() {
    for (size_t i = 1; i < kLatencyBucketsMs.size(); ++i) {
        QVERIFY(kLatencyBucketsMs[i] > kLatencyBucketsMs[i - 1]);
        if (kLatencyBucketsMs[i - 1] >= 5 && kLatencyBucketsMs[i] <= 1500)
            QVERIFY2(kLatencyBucketsMs[i] <= 1.5 * kLatencyBucketsMs[i - 1],
                     qPrintable(QString::number(kLatencyBucketsMs[i])));
    }
    // The first list's bounds stay, so that Prometheus series with those `le` values go on.
    for (const double bound : {1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0,
                               5000.0, 10000.0, 30000.0})
        QVERIFY2(std::find(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end(), bound) !=
                     kLatencyBucketsMs.end(),
                 qPrintable(QString::number(bound)));
}

void TestProxyMetrics::bucketIndex_data() {
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<double>("upperBoundMs"); // 0: the +Inf bucket

    QTest::newRow("zero") << qint64(0) << 0.1;
    QTest::newRow("0.3 ms") << qint64(300) << 0.5;
    QTest::newRow("on a bound") << qint64(250000) << 250.0;
    QTest::newRow("just above a bound") << qint64(250001) << 300.0;
    QTest::newRow("251 ms") << qint64(251000) << 300.0;
    QTest::newRow("last bound") << qint64(30000000) << 30000.0;
    QTest::newRow("beyond the last bound") << qint64(30000001) << 0.0;
}

void TestProxyMetrics::bucketIndex() {
    QFETCH(qint64, micros);
    QFETCH(double, upperBoundMs);
    const int index = latencyBucketIndex(std::chrono::microseconds(micros));
    QVERIFY(index >= 0 && index < kLatencyBucketCount);
    if (upperBoundMs == 0)
        QCOMPARE(index, kLatencyBucketCount - 1);
    else
        QCOMPARE(kLatencyBucketsMs[size_t(index)], upperBoundMs);
}

void TestProxyMetrics::quantileOfOneLatency_data() {
    QTest::addColumn<qint64>("micros");

    for (const qint64 ms : {6, 12, 40, 120, 251, 320, 800, 1200})
        QTest::newRow(qPrintable(QStringLiteral("%1 ms").arg(ms))) << ms * 1000;
    // On the same host: within a factor of two.
    QTest::newRow("0.3 ms") << qint64(300);
    QTest::newRow("0.7 ms") << qint64(700);
}

void TestProxyMetrics::quantileOfOneLatency() {
    // Every exchange took the same time: p50 and p99 are read within that time's bucket, at
    // most half again above or a third below it (a factor of two below 1 ms).
    QFETCH(qint64, micros);
    InstanceTotals totals;
    totals.latencyBuckets[size_t(latencyBucketIndex(std::chrono::microseconds(micros)))] = 100;
    const double ms = double(micros) / 1000.0;
    const double factor = ms < 1.0 ? 2.0 : 1.5;
    for (const double q : {0.5, 0.99}) {
        const double estimate = totals.latencyQuantileMs(q);
        QVERIFY2(estimate <= factor * ms && estimate >= ms / factor,
                 qPrintable(QStringLiteral("q %1: %2 ms for %3 ms").arg(q).arg(estimate).arg(ms)));
    }
}

void TestProxyMetrics::quantileAcrossBuckets() {
    // 98 fast exchanges and 2 slow ones: the p50 is a fast one's, the p99 a slow one's.
    InstanceTotals totals;
    totals.latencyBuckets[size_t(latencyBucketIndex(3ms))] = 98;
    totals.latencyBuckets[size_t(latencyBucketIndex(251ms))] = 2;
    QVERIFY(totals.latencyQuantileMs(0.5) <= 5.0);
    const double p99 = totals.latencyQuantileMs(0.99);
    QVERIFY2(p99 >= 250.0 && p99 <= 300.0, qPrintable(QString::number(p99)));
}

void TestProxyMetrics::quantileWithoutSamples() {
    const InstanceTotals totals;
    QCOMPARE(totals.latencyQuantileMs(0.99), 0.0);
}

QTEST_GUILESS_MAIN(TestProxyMetrics)
#include "tst_proxy_metrics.moc"
