#include <models/traffic_series.h>
#include <widgets/traffic_chart_view.h>

#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

using namespace ToolCapture;

namespace {

EngineSnapshot snapshotAt(qint64 uptimeMs, quint64 ok) {
    EngineSnapshot snapshot;
    snapshot.uptimeMs = uptimeMs;
    ServiceSnapshot service;
    service.name = QStringLiteral("inventory");
    InstanceSnapshot instance;
    instance.id = QStringLiteral("inv-1");
    instance.totals.responses[2] = ok;
    service.instances.push_back(instance);
    snapshot.services.push_back(service);
    return snapshot;
}

} // namespace

class TestTrafficChartView : public QObject {
    Q_OBJECT
private slots:
    void skipsWhileHidden();
    void refreshesOnTimerWithReplace();
};

void TestTrafficChartView::skipsWhileHidden() {
    TrafficSeries series;
    TrafficChartView view(&series);
    for (int i = 0; i <= 5; ++i)
        series.append(snapshotAt(i * 1000, quint64(i) * 10));
    QCOMPARE(series.points().size(), 5);

    view.refresh(); // never shown: nothing drawn
    QCOMPARE(view.lineSeries()->count(), 0);

    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.lineSeries()->count(), 5); // caught up when shown
    QCOMPARE(view.lineSeries()->at(4), QPointF(5.0, 10.0));

    view.hide();
    series.append(snapshotAt(6000, 70));
    view.refresh();
    QCOMPARE(view.lineSeries()->count(), 5);
}

void TestTrafficChartView::refreshesOnTimerWithReplace() {
    TrafficSeries series(4);
    TrafficChartView view(&series);
    view.setRefreshInterval(std::chrono::milliseconds(20));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    QSignalSpy replaced(view.lineSeries(), &QXYSeries::pointsReplaced);
    QSignalSpy added(view.lineSeries(), &QXYSeries::pointAdded);
    QVERIFY(replaced.isValid());
    QVERIFY(added.isValid());

    for (int i = 0; i <= 10; ++i)
        series.append(snapshotAt(i * 1000, quint64(i) * quint64(i)));
    QTRY_COMPARE_WITH_TIMEOUT(view.lineSeries()->count(), 4, 5000);
    QCOMPARE(view.lineSeries()->points(), series.points());
    QVERIFY(replaced.count() >= 1);
    QCOMPARE(added.count(), 0); // replace(), never append()
    QCOMPARE(view.timeAxis()->min(), 7.0);
    QCOMPARE(view.timeAxis()->max(), 10.0);
    QVERIFY(view.rateAxis()->max() >= series.maximum()); // 19 req/s fits under the top

    // Unchanged series: the timer does not redraw.
    const int replacements = replaced.count();
    QTest::qWait(100); // several timer periods, to observe that nothing happens
    QCOMPARE(replaced.count(), replacements);
}

QTEST_MAIN(TestTrafficChartView)
#include "tst_traffic_chart_view.moc"
