#include <models/cache_entry_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = CacheEntryModel::Column;
using Scope = CacheEntryModel::PurgeScope;

namespace {

constexpr int kTimeoutMs = 30000;

} // namespace

// CacheEntryModel against a real demo engine, through the embedded feed and through the admin
// listener as a remote console: pages, filters, purges, and what a bad filter says.
class TestCacheEntryModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void listsTheEngineEntries_data();
    void listsTheEngineEntries();
    void filtersByServiceAndPrefix();
    void purgesAKeyThenAll_data();
    void purgesAKeyThenAll();
    void unknownServiceFails();
    void formats_data();
    void formats();

private:
    FeedTransport *transport(bool remote) {
        return remote ? m_engine->remoteFeed() : m_engine->feed();
    }
    // Reloads until the listing has at least `rows` rows.
    bool waitForRows(CacheEntryModel &model, int rows);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
};

void TestCacheEntryModel::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>(80.0);
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    m_engine->feed()->subscribe({QStringLiteral("cache")}); // a document ~10 times a second
}

void TestCacheEntryModel::cleanupTestCase() {
    m_engine.reset();
}

bool TestCacheEntryModel::waitForRows(CacheEntryModel &model, int rows) {
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < kTimeoutMs) {
        QSignalSpy loaded(&model, &CacheEntryModel::pageLoaded);
        QSignalSpy failed(&model, &CacheEntryModel::loadFailed);
        model.reload();
        if (!loaded.wait(5000) || !failed.isEmpty())
            return false;
        if (model.rowCount() >= rows)
            return true;
        // The demo's traffic fills the cache as it goes: wait for the next cache document.
        QSignalSpy next(m_engine->feed(), &FeedTransport::messages);
        if (!next.wait(5000))
            return false;
    }
    return false;
}

void TestCacheEntryModel::listsTheEngineEntries_data() {
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded feed") << false;
    QTest::newRow("remote console") << true;
}

void TestCacheEntryModel::listsTheEngineEntries() {
    QFETCH(bool, remote);
    FeedTransport *feed = transport(remote);
    QVERIFY(feed);
    CacheEntryModel model(feed);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(waitForRows(model, 2));
    QCOMPARE(model.columnCount(), int(Column::Count));
    QVERIFY(!model.cacheMissing());
    for (int row = 0; row < model.rowCount(); ++row) {
        const QString key = model.keyAt(row);
        const QString service = model.index(row, int(Column::Service)).data().toString();
        QVERIFY2(key.startsWith(service + u' '), qPrintable(key));
        QVERIFY(model.index(row, int(Column::Size)).data(CacheEntryModel::ValueRole).toLongLong() >
                0);
        const int status = model.index(row, int(Column::Status)).data().toInt();
        QVERIFY(status >= 200 && status < 600);
        const QString source = model.index(row, int(Column::TtlSource)).data().toString();
        QVERIFY2(source == "header" || source == "heuristic" || source == "learned",
                 qPrintable(source));
        QVERIFY(model.index(row, int(Column::Age)).data(CacheEntryModel::ValueRole).toLongLong() >=
                0);
    }
    // Keys in order, each once.
    for (int row = 1; row < model.rowCount(); ++row)
        QVERIFY(model.keyAt(row - 1) < model.keyAt(row));
}

void TestCacheEntryModel::filtersByServiceAndPrefix() {
    CacheEntryModel model(m_engine->feed());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(waitForRows(model, 1));
    const QString service = model.index(0, int(Column::Service)).data().toString();
    const QString key = model.keyAt(0);
    QSignalSpy loaded(&model, &CacheEntryModel::pageLoaded);
    model.setFilter(service, {});
    QVERIFY(loaded.wait(5000));
    QVERIFY(model.rowCount() >= 1);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.index(row, int(Column::Service)).data().toString(), service);
    model.setFilter(service, key);
    QVERIFY(loaded.wait(5000));
    QVERIFY(model.rowCount() >= 1);
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(model.keyAt(row).startsWith(key));
    model.setFilter({}, QStringLiteral("no-such-service "));
    QVERIFY(loaded.wait(5000));
    QCOMPARE(model.rowCount(), 0);
}

void TestCacheEntryModel::purgesAKeyThenAll_data() {
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded feed") << false;
    QTest::newRow("remote console") << true;
}

void TestCacheEntryModel::purgesAKeyThenAll() {
    QFETCH(bool, remote);
    CacheEntryModel model(transport(remote));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(waitForRows(model, 2));
    const QString key = model.keyAt(0);
    QSignalSpy purged(&model, &CacheEntryModel::purged);
    QSignalSpy failed(&model, &CacheEntryModel::purgeFailed);
    QSignalSpy loaded(&model, &CacheEntryModel::pageLoaded);
    model.purge(Scope::Key, key);
    QVERIFY(purged.wait(5000));
    QVERIFY(failed.isEmpty());
    QVERIFY(purged.constFirst().constFirst().toInt() >= 1);
    // Reloaded after the purge (possibly already, while waiting for purged()).
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 5000);

    // The second entry at least was still there.
    model.purge(Scope::All);
    QVERIFY(purged.wait(5000));
    QCOMPARE(purged.size(), 2);
    QVERIFY(purged.constLast().constFirst().toInt() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(loaded.size() >= 2, 5000);
    QVERIFY(failed.isEmpty());
}

void TestCacheEntryModel::unknownServiceFails() {
    CacheEntryModel model(m_engine->feed());
    QSignalSpy failed(&model, &CacheEntryModel::loadFailed);
    model.setFilter(QStringLiteral("no-such-service"), {});
    QVERIFY(failed.wait(5000));
    QVERIFY2(failed.constFirst().constFirst().toString().contains("service"),
             qPrintable(failed.constFirst().constFirst().toString()));
    QVERIFY(!model.cacheMissing());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));

    QSignalSpy purgeFailed(&model, &CacheEntryModel::purgeFailed);
    model.purge(Scope::Service, QStringLiteral("no-such-service"));
    QVERIFY(purgeFailed.wait(5000));
}

void TestCacheEntryModel::formats_data() {
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("seconds") << qint64(42) << "42 s";
    QTest::newRow("minutes") << qint64(200) << "3 min 20 s";
    QTest::newRow("hours") << qint64(7260) << "2 h 1 min";
    QTest::newRow("stale") << qint64(-15) << "stale for 15 s";
}

void TestCacheEntryModel::formats() {
    QFETCH(qint64, seconds);
    QFETCH(QString, text);
    QCOMPARE(CacheEntryModel::formatSeconds(seconds), text);
}

QTEST_GUILESS_MAIN(TestCacheEntryModel)
#include "tst_cache_entry_model.moc"
