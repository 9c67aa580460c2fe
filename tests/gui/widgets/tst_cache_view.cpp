#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/cache_view.h>

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace ToolCapture;
using Column = CacheEntryModel::Column;
using Scope = CacheEntryModel::PurgeScope;

namespace {
constexpr int kTimeoutMs = 30000;
} // namespace

// The Cache view against a running demo engine (whose catalog answers with max-age): the chart
// fills with live hits and misses, the entries list and filter, and each purge asks first and
// then empties what it named in the engine.
class TestCacheView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void chartAndEntriesFillWithLiveData();
    void filtersByServiceAndPrefix();
    void cancelledPurgeSendsNothing();
    void purgeSelectedKey();
    void purgeAllOfAService();
    void purgeButtonsFollowTheSelection();
    void sharedTierInTheSummary();

private:
    // Refreshes until the list shows at least `rows` entries.
    void waitForEntries(int rows);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<CacheView> m_view;
};

void TestCacheView::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>(80.0);
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    m_view = std::make_unique<CacheView>(m_engine->feed());
    m_view->setRefreshInterval(std::chrono::milliseconds(100));
    m_view->resize(1200, 800);
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b)
            m_view->apply(message);
    });
    m_engine->feed()->subscribe(CacheView::subjects());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestCacheView::cleanupTestCase() {
    m_view.reset();
    m_engine.reset();
}

void TestCacheView::waitForEntries(int rows) {
    CacheEntryModel *model = m_view->model();
    QElapsedTimer timer;
    timer.start();
    while (model->rowCount() < rows && timer.elapsed() < kTimeoutMs) {
        QSignalSpy loaded(model, &CacheEntryModel::pageLoaded);
        m_view->reloadEntries();
        QVERIFY(loaded.wait(5000));
        if (model->rowCount() >= rows)
            break;
        QSignalSpy next(m_engine->feed(), &FeedTransport::messages);
        QVERIFY(next.wait(5000));
    }
    QVERIFY2(model->rowCount() >= rows, qPrintable(QString::number(model->rowCount())));
}

void TestCacheView::chartAndEntriesFillWithLiveData() {
    QAbstractItemModelTester tester(m_view->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->hitsLine()->count() >= 3, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->hitsLine()->points().last().y() > 0, kTimeoutMs);
    QCOMPARE(m_view->hitsLine()->count(), m_view->missesLine()->count());
    QCOMPARE(m_view->hitsLine()->points().last().x(), 0.0);
    waitForEntries(3);
    QVERIFY2(m_view->summary()->text().contains(QLatin1String("% hits")),
             qPrintable(m_view->summary()->text()));
    auto *box = m_view->findChild<QComboBox *>(QStringLiteral("cacheService"));
    QVERIFY(box);
    QVERIFY(box->findData(QStringLiteral("catalog")) > 0);
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    QDir().mkpath(dir);
    QVERIFY(m_view->grab().save(dir + QStringLiteral("/cache_view.png")));
}

void TestCacheView::filtersByServiceAndPrefix() {
    waitForEntries(1);
    m_view->setService(QStringLiteral("catalog"));
    QCOMPARE(m_view->service(), QStringLiteral("catalog"));
    CacheEntryModel *model = m_view->model();
    QTRY_VERIFY_WITH_TIMEOUT(!model->isFetching() && model->rowCount() > 0, kTimeoutMs);
    for (int row = 0; row < model->rowCount(); ++row)
        QCOMPARE(model->index(row, int(Column::Service)).data().toString(), u"catalog");
    QSignalSpy loaded(model, &CacheEntryModel::pageLoaded);
    m_view->setPrefix(QStringLiteral("catalog http://"));
    QVERIFY(loaded.wait(5000));
    QVERIFY(model->rowCount() > 0);
    m_view->setPrefix(QStringLiteral("catalog nothing-starts-so"));
    QVERIFY(loaded.wait(5000));
    QCOMPARE(model->rowCount(), 0);
    m_view->setPrefix({});
    m_view->setService({});
    QTRY_VERIFY_WITH_TIMEOUT(!model->isFetching() && model->rowCount() > 0, kTimeoutMs);
}

void TestCacheView::cancelledPurgeSendsNothing() {
    waitForEntries(1);
    CacheEntryModel *model = m_view->model();
    QSignalSpy purged(model, &CacheEntryModel::purged);
    QMessageBox *box = m_view->requestPurge(Scope::All);
    QVERIFY(box);
    QVERIFY(box->text().contains(QLatin1String("every entry")));
    box->reject();
    // A purge would answer within this; none was sent.
    QSignalSpy loaded(model, &CacheEntryModel::pageLoaded);
    m_view->reloadEntries();
    QVERIFY(loaded.wait(5000));
    QVERIFY(purged.isEmpty());
    QVERIFY(model->rowCount() > 0);
}

void TestCacheView::purgeSelectedKey() {
    waitForEntries(2);
    CacheEntryModel *model = m_view->model();
    m_view->table()->selectRow(0);
    const QString key = model->keyAt(0);
    auto *button = m_view->findChild<QPushButton *>(QStringLiteral("purgeSelected"));
    QVERIFY(button && button->isEnabled());
    QSignalSpy purged(model, &CacheEntryModel::purged);
    QSignalSpy messages(m_view.get(), &CacheView::message);
    button->click();
    auto *box = m_view->findChild<QMessageBox *>(QStringLiteral("purgeConfirmation"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(key), qPrintable(box->text()));
    box->button(QMessageBox::Yes)->click(); // the operator confirms
    QVERIFY(!purged.isEmpty() || purged.wait(5000));
    QVERIFY(purged.constFirst().constFirst().toInt() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(!messages.isEmpty() &&
                                 messages.constLast().constFirst().toString().contains("Purged"),
                             5000);
}

void TestCacheView::purgeAllOfAService() {
    waitForEntries(1);
    m_view->setService(QStringLiteral("catalog"));
    CacheEntryModel *model = m_view->model();
    QTRY_VERIFY_WITH_TIMEOUT(!model->isFetching() && model->rowCount() > 0, kTimeoutMs);
    auto *button = m_view->findChild<QPushButton *>(QStringLiteral("purgeAll"));
    QVERIFY(button->text().contains(QLatin1String("catalog")));
    QSignalSpy purged(model, &CacheEntryModel::purged);
    // Listening before the purge: the page that follows it may come in the same batch.
    QSignalSpy loaded(model, &CacheEntryModel::pageLoaded);
    QMessageBox *box = m_view->requestPurge(Scope::All);
    QVERIFY(box);
    QVERIFY2(box->text().contains(QLatin1String("service catalog")), qPrintable(box->text()));
    box->accept();
    QVERIFY(!purged.isEmpty() || purged.wait(5000));
    QVERIFY(purged.constFirst().constFirst().toInt() >= 1);
    // The engine's counters agree: the catalog's objects went (traffic may store a few again).
    const int before = int(purged.constFirst().constFirst().toInt());
    QVERIFY(!loaded.isEmpty() || loaded.wait(5000));
    QVERIFY2(model->rowCount() < before + 20, qPrintable(QString::number(model->rowCount())));
    m_view->setService({});
}

void TestCacheView::purgeButtonsFollowTheSelection() {
    auto *selected = m_view->findChild<QPushButton *>(QStringLiteral("purgeSelected"));
    auto *prefix = m_view->findChild<QPushButton *>(QStringLiteral("purgePrefix"));
    m_view->table()->clearSelection();
    QVERIFY(!selected->isEnabled());
    QVERIFY(!m_view->requestPurge(Scope::Key));
    m_view->setPrefix({});
    QVERIFY(!prefix->isEnabled());
    QVERIFY(!m_view->requestPurge(Scope::Prefix));
    m_view->findChild<QLineEdit *>(QStringLiteral("cachePrefix"))->setText(QStringLiteral("x"));
    QVERIFY(prefix->isEnabled());
}

// The shared tier's state, and why it is down, in the summary: a view fed by hand (the demo
// engine has no Redis), so that no live document overwrites what the test gave it.
void TestCacheView::sharedTierInTheSummary() {
    CacheView view(m_engine->feed());
    view.setRefreshInterval(std::chrono::milliseconds(50));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto feed = [&view](const QByteArray &status) {
        FeedMessage message;
        message.subject = QStringLiteral("cache");
        message.json = R"({"enabled":true,"services":[],"stores":[],"shared_tier":true,)"
                       R"("shared_tier_status":)" +
                       status + "}";
        view.apply(message);
    };
    feed(R"({"state":"down","last_error":"refused AUTH: WRONGPASS"})");
    QTRY_VERIFY_WITH_TIMEOUT(
        view.summary()->text().endsWith(QLatin1String("Redis DOWN (refused AUTH: WRONGPASS)")),
        kTimeoutMs);
    feed(R"({"state":"connected","last_error":null})");
    QTRY_VERIFY_WITH_TIMEOUT(view.summary()->text().endsWith(QLatin1String("Redis connected")),
                             kTimeoutMs);
    QVERIFY(view.summary()->toolTip().isEmpty());
    // Connected, but the subscription to the other proxies' invalidations is not.
    feed(R"({"state":"connected","last_error":null,"invalidation":)"
         R"({"state":"down","last_error":"did not confirm SUBSCRIBE within 1000 ms"}})");
    QTRY_VERIFY2_WITH_TIMEOUT(view.summary()->text().endsWith(QStringLiteral(
                                  "Redis connected · other proxies' purges NOT received")),
                              qPrintable(view.summary()->text()), kTimeoutMs);
    QVERIFY2(view.summary()->toolTip().contains(
                 QLatin1String("did not confirm SUBSCRIBE within 1000 ms")),
             qPrintable(view.summary()->toolTip()));
    feed(R"({"state":"connected","last_error":null,"invalidation":)"
         R"({"state":"subscribed","last_error":null}})");
    QTRY_VERIFY_WITH_TIMEOUT(view.summary()->text().endsWith(QLatin1String("Redis connected")),
                             kTimeoutMs);
    // Redis down says so once, not twice.
    feed(R"({"state":"down","last_error":"went away","invalidation":)"
         R"({"state":"down","last_error":"went away"}})");
    QTRY_VERIFY_WITH_TIMEOUT(
        view.summary()->text().endsWith(QLatin1String("Redis DOWN (went away)")), kTimeoutMs);
}

QTEST_MAIN(TestCacheView)
#include "tst_cache_view.moc"
