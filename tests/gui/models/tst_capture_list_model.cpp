#include <models/capture_filter.h>
#include <models/capture_filter_proxy_model.h>
#include <models/capture_list_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace ToolCapture;

namespace {

constexpr int kTimeoutMs = 20000;

// A `captures` batch of the given ids, as the feed sends it (oldest first).
FeedMessage batch(qint64 first, qint64 last, int status = 200) {
    QJsonArray items;
    for (qint64 id = first; id <= last; ++id) {
        items.push_back(
            QJsonObject{{QStringLiteral("id"), id},
                        {QStringLiteral("correlation_id"), QStringLiteral("c-%1").arg(id)},
                        {QStringLiteral("method"), QStringLiteral("GET")},
                        {QStringLiteral("path"), QStringLiteral("/inventory/items/%1").arg(id)},
                        {QStringLiteral("status"), status},
                        {QStringLiteral("service"), QStringLiteral("inventory")},
                        {QStringLiteral("done_us"), 1500}});
    }
    FeedMessage message;
    message.subject = QStringLiteral("captures");
    message.append = true;
    message.json = QJsonDocument(items).toJson(QJsonDocument::Compact);
    return message;
}

QList<qint64> ids(const CaptureListModel &model) {
    QList<qint64> out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.summaryAt(row).id;
    return out;
}

QList<qint64> range(qint64 first, qint64 last) {
    QList<qint64> out;
    for (qint64 id = first; id <= last; ++id)
        out << id;
    return out;
}

} // namespace

class TestCaptureListModel : public QObject {
    Q_OBJECT
private slots:
    void appendsInOneBatch();
    void trimsPastTheCap_data();
    void trimsPastTheCap();
    void pauseHoldsNewRows();
    void clearKeepsClearedOut();
    void filterProxySelects();
    void pagesInHistoryFromTheEngine();
    void fullListStaysAtTheCap();
    void reloadsWhenARemoteConsoleFallsBehind();
};

void TestCaptureListModel::appendsInOneBatch() {
    CaptureListModel model(nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QVERIFY(inserted.isValid());
    model.apply(batch(1, 3));
    model.apply(batch(4, 5));
    QCOMPARE(model.rowCount(), 0); // not before the batch timer
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 4); // the `- 1`
    QCOMPARE(ids(model), range(1, 5));
    // A duplicate (a history page already held it) and other subjects are ignored.
    FeedMessage other = batch(9, 9);
    other.subject = QStringLiteral("transitions");
    model.apply(other);
    model.apply(batch(5, 7));
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(ids(model), range(1, 7));
    QCOMPARE(model.data(model.index(6, int(CaptureListModel::Column::Target))).toString(),
             QStringLiteral("/inventory/items/7"));
    QCOMPARE(model.data(model.index(6, 0), CaptureListModel::CorrelationIdRole).toString(),
             QStringLiteral("c-7"));
    QCOMPARE(model.rowOf(QStringLiteral("c-3")), 2);
    QCOMPARE(model.rowOf(QStringLiteral("4")), 3);
    QCOMPARE(model.rowOf(QStringLiteral("c-99")), -1);
}

void TestCaptureListModel::trimsPastTheCap_data() {
    QTest::addColumn<int>("existing");
    QTest::addColumn<int>("incoming");
    QTest::addColumn<int>("removed");
    QTest::newRow("fits") << 4 << 6 << 0;
    QTest::newRow("one over") << 6 << 5 << 1;
    QTest::newRow("full, small batch") << 10 << 3 << 3;
    QTest::newRow("batch larger than the cap") << 5 << 25 << 5;
    QTest::newRow("empty, batch larger than the cap") << 0 << 13 << 0;
}

void TestCaptureListModel::trimsPastTheCap() {
    QFETCH(int, existing);
    QFETCH(int, incoming);
    QFETCH(int, removed);
    CaptureListModel model(nullptr);
    model.setCap(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removedSpy(&model, &QAbstractItemModel::rowsRemoved);
    if (existing > 0) {
        model.apply(batch(1, existing));
        QVERIFY(inserted.wait(kTimeoutMs));
        inserted.clear();
    }
    model.apply(batch(existing + 1, existing + incoming));
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(removedSpy.size(), removed > 0 ? 1 : 0);
    if (removed > 0) {
        QCOMPARE(removedSpy.first().at(1).toInt(), 0);
        QCOMPARE(removedSpy.first().at(2).toInt(), removed - 1);
    }
    const int total = existing + incoming;
    QCOMPARE(model.rowCount(), std::min(total, 10));
    QCOMPARE(ids(model), range(std::max(1, total - 9), total)); // the newest, in order
}

void TestCaptureListModel::pauseHoldsNewRows() {
    CaptureListModel model(nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.setPaused(true);
    model.apply(batch(1, 4));
    QVERIFY(!inserted.wait(300)); // held, not lost
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 4);
    model.setPaused(false);
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(ids(model), range(1, 4));
    QCOMPARE(model.pendingCount(), 0);
}

void TestCaptureListModel::clearKeepsClearedOut() {
    CaptureListModel model(nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.apply(batch(1, 5));
    QVERIFY(inserted.wait(kTimeoutMs));
    model.clear();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));
    model.apply(batch(4, 8)); // 4 and 5 were cleared
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(ids(model), range(6, 8));
}

void TestCaptureListModel::filterProxySelects() {
    CaptureListModel model(nullptr);
    CaptureFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.apply(batch(1, 4, 200));
    model.apply(batch(5, 6, 503));
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(proxy.rowCount(), 6);
    proxy.setFilter(CaptureFilter::parse(QStringLiteral("status>=500")));
    QCOMPARE(proxy.rowCount(), 2);
    // An invalid expression leaves the filter as it was.
    proxy.setFilter(CaptureFilter::parse(QStringLiteral("status>=")));
    QCOMPARE(proxy.rowCount(), 2);
    model.apply(batch(7, 9, 500));
    QVERIFY(inserted.wait(kTimeoutMs));
    QCOMPARE(proxy.rowCount(), 5);
    proxy.setFilter(CaptureFilter::parse(QStringLiteral("id<3")));
    QCOMPARE(proxy.rowCount(), 2);
    QCOMPARE(proxy.index(1, 0).data(CaptureListModel::CaptureIdRole).toLongLong(), 2);
}

void TestCaptureListModel::pagesInHistoryFromTheEngine() {
    EmbeddedDemoEngine engine(60.0);
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    FeedTransport *feed = engine.feed();

    CaptureListModel model(feed);
    connect(feed, &FeedTransport::messages, &model, [&model](const QList<FeedMessage> &messages) {
        for (const FeedMessage &message : messages)
            model.apply(message);
    });
    // Some exchanges are stored before the list subscribes: history has something to page in.
    int stored = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            FeedRequest request;
            request.target = "/api/v1/captures?limit=5";
            feed->request(request, this, [&stored](const FeedResponse &response) {
                stored = int(QJsonDocument::fromJson(response.body)
                                 .object()
                                 .value(QLatin1StringView("count"))
                                 .toInt());
            });
            return stored >= 5;
        }(),
        kTimeoutMs);
    // Subscribed first (as the console is), then history pages in below the live rows: the
    // tester calls fetchMore() itself when it can.
    feed->subscribe({CaptureListModel::subject()});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() >= 5, kTimeoutMs);
    // QAbstractItemModelTester itself calls fetchMore() when it can; history pages in either way.
    if (model.canFetchMore({})) {
        model.fetchMore({});
        QVERIFY(model.isFetching());
        QVERIFY(!model.canFetchMore({})); // one page at a time
    }
    QTRY_VERIFY_WITH_TIMEOUT(!model.isFetching(), kTimeoutMs);
    QCOMPARE(model.summaryAt(0).id, 1); // fewer than a page were stored before
    QVERIFY(model.historyExhausted());  // and that was all
    QVERIFY(!model.canFetchMore({}));
    // Ids increase from top to bottom, without duplicates, across history and live rows.
    const QList<qint64> all = ids(model);
    for (qsizetype i = 1; i < all.size(); ++i)
        QVERIFY2(all[i] > all[i - 1], qPrintable(QStringLiteral("row %1").arg(i)));

    // A history query resets the list and pages in only what it selects.
    model.setPaused(true);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setHistoryQuery({{QStringLiteral("status_class"), QStringLiteral("2")}});
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy loaded(&model, &CaptureListModel::historyLoaded);
    model.fetchMore({});
    QVERIFY(loaded.wait(kTimeoutMs));
    QVERIFY(model.rowCount() > 0);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.summaryAt(row).status / 100, 2);
    // Resumed: the live rows that waited follow the history page.
    model.setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(model.pendingCount() == 0, kTimeoutMs);
    feed->subscribe({});
}

void TestCaptureListModel::fullListStaysAtTheCap() {
    // The default cap under a filter proxy, fed 1 000 captures per batch well past the cap: the
    // list keeps the newest 50 000, and one batch costs one removal and one insertion.
    CaptureListModel model(nullptr);
    CaptureFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setFilter(CaptureFilter::parse(QStringLiteral("status>=200")));
    QCOMPARE(model.cap(), CaptureListModel::kDefaultCap);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    constexpr int kBatch = 1000;
    const int batches = CaptureListModel::kDefaultCap / kBatch + 10;
    // From the start of the removal to the end of the insertion, the proxy's work included.
    QElapsedTimer timer;
    qint64 slowestFlushAtCapUs = 0;
    connect(&model, &QAbstractItemModel::rowsAboutToBeRemoved, this, [&timer] { timer.start(); });
    connect(&model, &QAbstractItemModel::rowsInserted, this, [&] {
        if (timer.isValid())
            slowestFlushAtCapUs = std::max(slowestFlushAtCapUs, timer.nsecsElapsed() / 1000);
        timer.invalidate();
    });
    for (int b = 0; b < batches; ++b) {
        model.apply(batch(qint64(b) * kBatch + 1, qint64(b + 1) * kBatch));
        QVERIFY(inserted.wait(kTimeoutMs));
    }
    QVERIFY(slowestFlushAtCapUs > 0); // batches at the cap did remove rows
    QCOMPARE(inserted.size(), batches);
    QCOMPARE(model.rowCount(), CaptureListModel::kDefaultCap);
    QCOMPARE(proxy.rowCount(), CaptureListModel::kDefaultCap);
    QCOMPARE(model.summaryAt(0).id, qint64(batches) * kBatch - CaptureListModel::kDefaultCap + 1);
    QCOMPARE(model.summaryAt(model.rowCount() - 1).id, qint64(batches) * kBatch);
    // Shared, not copied per row.
    QVERIFY(model.summaryAt(0).service.constData() == model.summaryAt(1).service.constData());
    qInfo("slowest batch at the cap (remove and insert 1000 rows through the proxy): %lld us",
          slowestFlushAtCapUs);
}

void TestCaptureListModel::reloadsWhenARemoteConsoleFallsBehind() {
    // The engine keeps two feed messages for remote consoles that are behind: one that misses a
    // few ticks of captures is answered with `reset` (docs/console-feed.md).
    constexpr int kRing = 2;
    EmbeddedDemoEngine engine(80.0, kRing);
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    FeedTransport *feed = engine.remoteFeed();
    QVERIFY(feed);
    CaptureListModel model(feed);
    connect(feed, &FeedTransport::messages, &model, [&model](const QList<FeedMessage> &messages) {
        for (const FeedMessage &message : messages)
            model.apply(message);
    });
    QSignalSpy lost(feed, &FeedTransport::appendItemsLost);
    QVERIFY(lost.isValid());
    feed->subscribe({CaptureListModel::subject()});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() >= 10 && !model.isFetching(), kTimeoutMs);
    QCOMPARE(lost.size(), 0);
    const qint64 newestBefore = model.summaryAt(model.rowCount() - 1).id;

    // This thread is busy, as a loaded console's GUI thread can be, while the engine publishes
    // more batches of captures than the ring keeps: nobody polls for them.
    auto published = std::make_shared<QSemaphore>();
    engine.watchFeedInEngineThread({CaptureListModel::subject()},
                                   [published](QList<FeedMessage> batch) {
                                       for (const FeedMessage &message : batch)
                                           published->release(message.append ? 1 : 0);
                                   });
    QVERIFY(published->tryAcquire(kRing + 2, kTimeoutMs));

    // The next poll is a reset: the list drops its rows and loads the newest page again.
    QVERIFY(lost.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!model.isFetching() && model.rowCount() > 0 &&
                                 model.summaryAt(model.rowCount() - 1).id > newestBefore,
                             kTimeoutMs);
    model.setPaused(true);
    // No hole and no duplicate: the rows are exactly the newest stored captures up to the last.
    const QList<qint64> rows = ids(model);
    QVERIFY(rows.size() <= 1000);
    QList<qint64> stored;
    bool answered = false;
    FeedRequest request;
    request.target = "/api/v1/captures?before_id=" + QByteArray::number(rows.last() + 1) +
                     "&limit=" + QByteArray::number(rows.size());
    feed->request(request, this, [&](const FeedResponse &response) {
        const QJsonArray page = QJsonDocument::fromJson(response.body)
                                    .object()
                                    .value(QLatin1StringView("captures"))
                                    .toArray();
        for (const QJsonValue &item : page)
            stored.prepend(item.toObject().value(QLatin1StringView("id")).toInteger());
        answered = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(answered, kTimeoutMs);
    QCOMPARE(rows, stored);
    feed->subscribe({});
}

QTEST_GUILESS_MAIN(TestCaptureListModel)
#include "tst_capture_list_model.moc"
