#include <models/cache_stats_series.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace ToolCapture;
using Metric = CacheStatsSeries::Metric;
using std::chrono::milliseconds;

namespace {

constexpr int kTimeoutMs = 30000;

struct Counts {
    QString service;
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 stale = 0;
};

// A cache document as GET /api/v1/cache/stats renders it.
QByteArray document(const QList<Counts> &services, bool enabled = true) {
    QJsonArray list;
    for (const Counts &c : services) {
        const qint64 lookups = c.hits + c.misses + c.stale;
        list.append(QJsonObject{
            {"service", c.service},
            {"hits", c.hits},
            {"misses", c.misses},
            {"stale_served", c.stale},
            {"revalidations", 0},
            {"stores", c.misses},
            {"uncacheable", 0},
            {"evictions", 0},
            {"bytes", c.misses * 100},
            {"objects", c.misses},
            {"hit_ratio", lookups == 0 ? QJsonValue() : QJsonValue(double(c.hits) / lookups)}});
    }
    return QJsonDocument(QJsonObject{{"enabled", enabled}, {"services", list}, {"stores", {}}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

Q_DECLARE_METATYPE(Counts)

// CacheStatsSeries from cache documents: rates from two of them, the minimum interval, restarts,
// and live from a real demo engine's feed.
class TestCacheStatsSeries : public QObject {
    Q_OBJECT
private slots:
    void ratesFromTwoDocuments_data();
    void ratesFromTwoDocuments();
    void minimumIntervalBetweenPoints();
    void counterGoingBackwardsIsABaseline();
    void keepsOnlyTheSpan();
    void rejectsOtherDocuments_data();
    void rejectsOtherDocuments();
    void withoutCache();
    void sharedTierState_data();
    void sharedTierState();
    void liveFromTheFeed_data();
    void liveFromTheFeed();
};

void TestCacheStatsSeries::ratesFromTwoDocuments_data() {
    QTest::addColumn<QList<Counts>>("first");
    QTest::addColumn<QList<Counts>>("second");
    QTest::addColumn<int>("ms");
    QTest::addColumn<QString>("service");
    QTest::addColumn<double>("hits");
    QTest::addColumn<double>("misses");
    QTest::addColumn<double>("stale");
    const QList<Counts> base{{"alpha", 10, 5, 0}, {"beta", 0, 0, 0}};
    QTest::newRow("one service over a second")
        << base << QList<Counts>{{"alpha", 30, 9, 1}, {"beta", 0, 0, 0}} << 1000 << "alpha" << 20.0
        << 4.0 << 1.0;
    QTest::newRow("over two seconds")
        << base << QList<Counts>{{"alpha", 30, 9, 1}, {"beta", 0, 0, 0}} << 2000 << "alpha" << 10.0
        << 2.0 << 0.5;
    QTest::newRow("all services summed")
        << base << QList<Counts>{{"alpha", 30, 9, 1}, {"beta", 4, 2, 2}} << 1000 << QString()
        << 24.0 << 6.0 << 3.0;
    QTest::newRow("an idle service")
        << base << QList<Counts>{{"alpha", 30, 9, 1}, {"beta", 0, 0, 0}} << 1000 << "beta" << 0.0
        << 0.0 << 0.0;
}

void TestCacheStatsSeries::ratesFromTwoDocuments() {
    QFETCH(QList<Counts>, first);
    QFETCH(QList<Counts>, second);
    QFETCH(int, ms);
    QFETCH(QString, service);
    QFETCH(double, hits);
    QFETCH(double, misses);
    QFETCH(double, stale);
    CacheStatsSeries series;
    QVERIFY(series.applyDocument(document(first), milliseconds(1000)));
    QVERIFY(series.points(Metric::Hits, service).isEmpty()); // a baseline only
    QVERIFY(std::isnan(series.latest(Metric::Hits, service)));
    QVERIFY(series.applyDocument(document(second), milliseconds(1000 + ms)));
    QCOMPARE(series.points(Metric::Hits, service).size(), 1);
    QCOMPARE(series.points(Metric::Hits, service).constFirst().x(), 0.0);
    QCOMPARE(series.latest(Metric::Hits, service), hits);
    QCOMPARE(series.latest(Metric::Misses, service), misses);
    QCOMPARE(series.latest(Metric::Stale, service), stale);
    QCOMPARE(series.services(), (QStringList{"alpha", "beta"}));
    QVERIFY(series.enabled());
}

void TestCacheStatsSeries::minimumIntervalBetweenPoints() {
    CacheStatsSeries series(std::chrono::seconds(300), milliseconds(1000));
    QVERIFY(series.applyDocument(document({{"alpha", 0, 0, 0}}), milliseconds(0)));
    QVERIFY(series.applyDocument(document({{"alpha", 5, 0, 0}}), milliseconds(400)));
    QVERIFY(series.points(Metric::Hits, "alpha").isEmpty());
    // The totals follow every document even without a point.
    QCOMPARE(series.totals().constFirst().hits, std::uint64_t(5));
    QVERIFY(series.applyDocument(document({{"alpha", 10, 0, 0}}), milliseconds(1000)));
    QCOMPARE(series.latest(Metric::Hits, "alpha"), 10.0);
}

void TestCacheStatsSeries::counterGoingBackwardsIsABaseline() {
    CacheStatsSeries series;
    QVERIFY(series.applyDocument(document({{"alpha", 100, 10, 0}}), milliseconds(0)));
    QVERIFY(series.applyDocument(document({{"alpha", 3, 1, 0}}), milliseconds(1000)));
    QVERIFY(series.points(Metric::Hits, "alpha").isEmpty()); // restarted: no negative rate
    QVERIFY(series.applyDocument(document({{"alpha", 8, 1, 0}}), milliseconds(2000)));
    QCOMPARE(series.latest(Metric::Hits, "alpha"), 5.0);
}

void TestCacheStatsSeries::keepsOnlyTheSpan() {
    CacheStatsSeries series(std::chrono::seconds(10), milliseconds(1000));
    for (int i = 0; i <= 30; ++i)
        QVERIFY(series.applyDocument(document({{"alpha", i * 2, i, 0}}), milliseconds(i * 1000)));
    const QList<QPointF> points = series.points(Metric::Hits, "alpha");
    QCOMPARE(points.size(), 11); // 10 s back from the newest, both ends included
    QCOMPARE(points.constFirst().x(), -10.0);
    QCOMPARE(points.constLast().y(), 2.0);
}

void TestCacheStatsSeries::rejectsOtherDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("not JSON") << QByteArray("{");
    QTest::newRow("a services document") << QByteArray(R"({"services": []})");
    QTest::newRow("an array") << QByteArray("[]");
}

void TestCacheStatsSeries::rejectsOtherDocuments() {
    QFETCH(QByteArray, json);
    CacheStatsSeries series;
    const quint64 revision = series.revision();
    QVERIFY(!series.applyDocument(json, milliseconds(0)));
    QVERIFY(!series.received());
    QCOMPARE(series.revision(), revision);
}

void TestCacheStatsSeries::withoutCache() {
    CacheStatsSeries series;
    QVERIFY(series.applyDocument(document({}, false), milliseconds(0)));
    QVERIFY(series.received());
    QVERIFY(!series.enabled());
    QVERIFY(series.services().isEmpty());
    QCOMPARE(series.allTotals().hitRatio, -1.0);
}

void TestCacheStatsSeries::sharedTierState_data() {
    QTest::addColumn<QJsonValue>("status"); // shared_tier_status as the engine renders it
    QTest::addColumn<bool>("present");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("lastError");
    QTest::addColumn<QString>("invalidation");
    QTest::addColumn<QString>("invalidationError");
    QTest::newRow("no shared tier")
        << QJsonValue() << false << QString() << QString() << QString() << QString();
    QTest::newRow("connected (an engine that does not report invalidations)")
        << QJsonValue(QJsonObject{{"state", "connected"}, {"last_error", QJsonValue()}}) << true
        << "connected" << QString() << QString() << QString();
    QTest::newRow("down, with the reason")
        << QJsonValue(QJsonObject{{"state", "down"}, {"last_error", "refused AUTH: WRONGPASS"}})
        << true << "down"
        << "refused AUTH: WRONGPASS" << QString() << QString();
    QTest::newRow("connected, invalidations not subscribed")
        << QJsonValue(QJsonObject{
               {"state", "connected"},
               {"last_error", QJsonValue()},
               {"invalidation", QJsonObject{{"state", "down"}, {"last_error", "went away"}}}})
        << true << "connected" << QString() << "down"
        << "went away";
    QTest::newRow("connected and subscribed")
        << QJsonValue(QJsonObject{{"state", "connected"},
                                  {"last_error", QJsonValue()},
                                  {"invalidation", QJsonObject{{"state", "subscribed"},
                                                               {"last_error", QJsonValue()}}}})
        << true << "connected" << QString() << "subscribed" << QString();
}

void TestCacheStatsSeries::sharedTierState() {
    QFETCH(QJsonValue, status);
    QFETCH(bool, present);
    QFETCH(QString, state);
    QFETCH(QString, lastError);
    QFETCH(QString, invalidation);
    QFETCH(QString, invalidationError);
    QJsonObject root = QJsonDocument::fromJson(document({{"a", 1, 1, 0}})).object();
    root.insert(QStringLiteral("shared_tier_status"), status);
    CacheStatsSeries series;
    // A document with a shared tier first: one without must not keep it.
    QJsonObject before = root;
    before.insert(QStringLiteral("shared_tier_status"),
                  QJsonObject{{"state", "starting"}, {"last_error", QJsonValue()}});
    QVERIFY(series.applyDocument(QJsonDocument(before).toJson(), milliseconds(0)));
    QVERIFY(series.applyDocument(QJsonDocument(root).toJson(), milliseconds(2000)));
    QCOMPARE(series.sharedTier().has_value(), present);
    if (!present)
        return;
    QCOMPARE(series.sharedTier()->state, state);
    QCOMPARE(series.sharedTier()->lastError, lastError);
    QCOMPARE(series.sharedTier()->invalidation, invalidation);
    QCOMPARE(series.sharedTier()->invalidationError, invalidationError);
}

void TestCacheStatsSeries::liveFromTheFeed_data() {
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded feed") << false;
    QTest::newRow("remote console") << true;
}

void TestCacheStatsSeries::liveFromTheFeed() {
    QFETCH(bool, remote);
    EmbeddedDemoEngine engine;
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    FeedTransport *feed = remote ? engine.remoteFeed() : engine.feed();
    QVERIFY(feed);
    CacheStatsSeries series(std::chrono::seconds(300), milliseconds(200));
    connect(feed, &FeedTransport::messages, this, [&](const QList<FeedMessage> &batch) {
        for (const FeedMessage &message : batch)
            series.apply(message);
    });
    feed->subscribe(CacheStatsSeries::subjects());
    // The demo's catalog answers with max-age: its lookups hit once a product was fetched.
    QTRY_VERIFY_WITH_TIMEOUT(series.enabled(), kTimeoutMs);
    QVERIFY(series.services().contains(QStringLiteral("catalog")));
    QTRY_VERIFY_WITH_TIMEOUT(series.latest(Metric::Hits, QStringLiteral("catalog")) > 0,
                             kTimeoutMs);
    const auto catalog = std::find_if(series.totals().begin(), series.totals().end(),
                                      [](const auto &t) { return t.service == "catalog"; });
    QVERIFY(catalog != series.totals().end());
    QVERIFY(catalog->objects > 0);
    QVERIFY(catalog->hitRatio > 0);
}

QTEST_GUILESS_MAIN(TestCacheStatsSeries)
#include "tst_cache_stats_series.moc"
