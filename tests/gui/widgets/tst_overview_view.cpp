#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/overview_view.h>

#include <QChart>
#include <QComboBox>
#include <QDir>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// The overview against a running demo engine: its charts fill with live traffic, per service
// or all, and stay untouched while hidden.
class TestOverviewView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void chartsFillWithLiveData();
    void oneServiceOrAll();
    void noRedrawWhileHidden();
    void followsThePalette();

private:
    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<OverviewView> m_view;
};

void TestOverviewView::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    m_view = std::make_unique<OverviewView>();
    m_view->setRefreshInterval(std::chrono::milliseconds(100));
    m_view->resize(1100, 700);
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b)
            m_view->apply(message);
    });
    m_engine->feed()->subscribe(OverviewView::subjects());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestOverviewView::cleanupTestCase() {
    m_view.reset();
    m_engine.reset();
}

void TestOverviewView::chartsFillWithLiveData() {
    QTRY_VERIFY_WITH_TIMEOUT(m_view->requestsLine()->count() >= 3, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->p99Line()->count() >= 1, kTimeoutMs);
    QVERIFY(m_view->p50Line()->count() >= 1);
    QVERIFY(m_view->errorLine()->count() >= 1);
    // The demo's 40 requests a second show.
    const QPointF newest = m_view->requestsLine()->points().last();
    QCOMPARE(newest.x(), 0.0);
    QVERIFY2(newest.y() > 5 && newest.y() < 200, qPrintable(QString::number(newest.y())));
    // p99 at or above p50 at the same point.
    const QList<QPointF> p50 = m_view->p50Line()->points();
    const QList<QPointF> p99 = m_view->p99Line()->points();
    QCOMPARE(p50.size(), p99.size());
    QVERIFY(p99.last().y() >= p50.last().y());
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    QDir().mkpath(dir);
    QVERIFY(m_view->grab().save(dir + QStringLiteral("/overview_view.png")));
}

void TestOverviewView::oneServiceOrAll() {
    auto *box = m_view->findChild<QComboBox *>(QStringLiteral("overviewService"));
    QVERIFY(box);
    QTRY_COMPARE_WITH_TIMEOUT(box->count(), 4, kTimeoutMs); // all, inventory, pricing, catalog
    m_view->setService(QStringLiteral("pricing"));
    QCOMPARE(m_view->service(), QStringLiteral("pricing"));
    const auto expected = [this] {
        return m_view->series().points(OverviewSeries::Metric::RequestsPerSecond,
                                       QStringLiteral("pricing"));
    };
    QTRY_COMPARE_WITH_TIMEOUT(m_view->requestsLine()->points(), expected(), kTimeoutMs);
    QVERIFY(m_view->requestsLine()->points() !=
            m_view->series().points(OverviewSeries::Metric::RequestsPerSecond));
    m_view->setService(QString());
    QTRY_COMPARE_WITH_TIMEOUT(m_view->requestsLine()->points(),
                              m_view->series().points(OverviewSeries::Metric::RequestsPerSecond),
                              kTimeoutMs);
}

void TestOverviewView::noRedrawWhileHidden() {
    QTRY_VERIFY_WITH_TIMEOUT(m_view->requestsLine()->count() >= 2, kTimeoutMs);
    QSignalSpy replaced(m_view->requestsLine(), &QXYSeries::pointsReplaced);
    m_view->hide();
    const quint64 revision = m_view->series().revision();
    // New points arrive while hidden; the chart is not touched.
    QTRY_VERIFY_WITH_TIMEOUT(m_view->series().revision() >= revision + 3, kTimeoutMs);
    QCOMPARE(replaced.size(), 0);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QTRY_VERIFY_WITH_TIMEOUT(replaced.size() >= 1, kTimeoutMs); // caught up when shown
    QCOMPARE(m_view->requestsLine()->points(),
             m_view->series().points(OverviewSeries::Metric::RequestsPerSecond));
}

void TestOverviewView::followsThePalette() {
    QChart *chart = m_view->requestsLine()->chart();
    QVERIFY(chart);
    const QPalette light = m_view->palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    m_view->setPalette(dark);
    QCOMPARE(chart->theme(), QChart::ChartThemeDark);
    QCOMPARE(chart->backgroundBrush().color(), QColor(0x1e, 0x1e, 0x1e));
    QCOMPARE(chart->titleBrush().color(), QColor(0xe0, 0xe0, 0xe0));
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    QVERIFY(m_view->grab().save(dir + QStringLiteral("/overview_view_dark.png")));
    m_view->setPalette(light);
    QCOMPARE(chart->theme(), QChart::ChartThemeLight);
    QCOMPARE(chart->backgroundBrush().color(), light.color(QPalette::Base));
}

QTEST_MAIN(TestOverviewView)
#include "tst_overview_view.moc"
