#include <models/traffic_series.h>

#include <QTest>

using namespace ToolCapture;

namespace {

// One service, one instance with `ok` 2xx responses and `produced` proxy-made 502s.
EngineSnapshot snapshotAt(qint64 uptimeMs, quint64 ok, quint64 produced = 0) {
    EngineSnapshot snapshot;
    snapshot.uptimeMs = uptimeMs;
    ServiceSnapshot service;
    service.name = QStringLiteral("inventory");
    InstanceSnapshot instance;
    instance.id = QStringLiteral("inv-1");
    instance.totals.responses[2] = ok;
    service.instances.push_back(instance);
    snapshot.services.push_back(service);
    snapshot.totals.proxyErrors[502 - 400] = produced;
    return snapshot;
}

} // namespace

class TestTrafficSeries : public QObject {
    Q_OBJECT
private slots:
    void firstSnapshotIsTheBaseline();
    void rates_data();
    void rates();
    void capsAtCapacity();
    void restartRebases();
    void timeMustAdvance();
    void onePointPerInterval();
};

void TestTrafficSeries::firstSnapshotIsTheBaseline() {
    TrafficSeries series;
    series.append(snapshotAt(5000, 100));
    QVERIFY(series.points().isEmpty());
    QCOMPARE(series.revision(), quint64(0));
    QCOMPARE(series.capacity(), 120);
}

void TestTrafficSeries::rates_data() {
    QTest::addColumn<qint64>("firstMs");
    QTest::addColumn<quint64>("firstOk");
    QTest::addColumn<qint64>("secondMs");
    QTest::addColumn<quint64>("secondOk");
    QTest::addColumn<quint64>("secondProduced");
    QTest::addColumn<double>("expectedRate");

    QTest::newRow("one second, 25 responses")
        << qint64(1000) << quint64(10) << qint64(2000) << quint64(35) << quint64(0) << 25.0;
    QTest::newRow("two seconds, 10 responses")
        << qint64(1000) << quint64(0) << qint64(3000) << quint64(10) << quint64(0) << 5.0;
    QTest::newRow("idle") << qint64(1000) << quint64(7) << qint64(2000) << quint64(7) << quint64(0)
                          << 0.0;
    QTest::newRow("proxy-made responses count")
        << qint64(1000) << quint64(10) << qint64(2000) << quint64(15) << quint64(5) << 10.0;
}

void TestTrafficSeries::rates() {
    QFETCH(qint64, firstMs);
    QFETCH(quint64, firstOk);
    QFETCH(qint64, secondMs);
    QFETCH(quint64, secondOk);
    QFETCH(quint64, secondProduced);
    QFETCH(double, expectedRate);

    TrafficSeries series;
    series.append(snapshotAt(firstMs, firstOk));
    series.append(snapshotAt(secondMs, secondOk, secondProduced));
    QCOMPARE(series.points().size(), 1);
    QCOMPARE(series.points().constFirst().x(), double(secondMs) / 1000.0);
    QCOMPARE(series.points().constFirst().y(), expectedRate);
    QCOMPARE(series.maximum(), expectedRate);
    QCOMPARE(series.revision(), quint64(1));
}

void TestTrafficSeries::capsAtCapacity() {
    TrafficSeries series;
    const int snapshots = 200;
    for (int i = 0; i < snapshots; ++i)
        series.append(snapshotAt(qint64(i) * 1000, quint64(i) * quint64(i)));
    QCOMPARE(series.points().size(), 120);
    // The oldest points went; the newest is the last interval: i^2 - (i-1)^2 = 2i - 1.
    QCOMPARE(series.points().constLast().x(), double(snapshots - 1));
    QCOMPARE(series.points().constLast().y(), double(2 * (snapshots - 1) - 1));
    QCOMPARE(series.points().constFirst().x(), double(snapshots - 120));
    for (int i = 1; i < series.points().size(); ++i)
        QVERIFY(series.points().at(i - 1).x() < series.points().at(i).x());

    TrafficSeries small(3);
    for (int i = 0; i < 10; ++i)
        small.append(snapshotAt(qint64(i) * 1000, quint64(i)));
    QCOMPARE(small.points().size(), 3);
    QCOMPARE(small.points().constFirst().x(), 7.0);
}

void TestTrafficSeries::restartRebases() {
    TrafficSeries series;
    series.append(snapshotAt(1000, 100));
    series.append(snapshotAt(2000, 110));
    QCOMPARE(series.points().size(), 1);
    // Counters and uptime start again from zero: no negative or huge spike.
    series.append(snapshotAt(500, 3));
    QCOMPARE(series.points().size(), 1);
    series.append(snapshotAt(1500, 13));
    QCOMPARE(series.points().size(), 2);
    QCOMPARE(series.points().constLast().y(), 10.0);
    for (const QPointF &point : series.points())
        QVERIFY(point.y() >= 0);
}

void TestTrafficSeries::timeMustAdvance() {
    TrafficSeries series;
    series.append(snapshotAt(1000, 1));
    series.append(snapshotAt(1000, 5));
    QVERIFY(series.points().isEmpty());
    series.append(snapshotAt(2000, 9));
    QCOMPARE(series.points().size(), 1);
    QCOMPARE(series.points().constFirst().y(), 8.0); // measured from the baseline at 1000 ms
    series.clear();
    QVERIFY(series.points().isEmpty());
    QCOMPARE(series.revision(), quint64(2));
}

void TestTrafficSeries::onePointPerInterval() {
    // Snapshots four times a second, 5 responses each: one point per second at 20 req/s.
    TrafficSeries series;
    for (int i = 0; i <= 12; ++i)
        series.append(snapshotAt(qint64(i) * 250, quint64(i) * 5));
    QCOMPARE(series.points().size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(series.points().at(i), QPointF(double(i + 1), 20.0));

    // A shorter interval takes every snapshot.
    TrafficSeries fine(TrafficSeries::kDefaultCapacity, std::chrono::milliseconds(250));
    for (int i = 0; i <= 4; ++i)
        fine.append(snapshotAt(qint64(i) * 250, quint64(i) * 5));
    QCOMPARE(fine.points().size(), 4);
    QCOMPARE(fine.points().constLast(), QPointF(1.0, 20.0));
}

QTEST_GUILESS_MAIN(TestTrafficSeries)
#include "tst_traffic_series.moc"
