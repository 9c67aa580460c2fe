#include <backend/metrics/proxy_metrics.h>
#include <models/overview_series.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace ToolCapture;
using Metric = OverviewSeries::Metric;
using std::chrono::milliseconds;

namespace {

constexpr int kTimeoutMs = 20000;

// Responses of `service` (empty: all) summed over its instances.
qint64 requestsIn(const QByteArray &json, const QString &service = {}) {
    qint64 sum = 0;
    for (const QJsonValue &s : QJsonDocument::fromJson(json)[QLatin1String("services")].toArray()) {
        if (!service.isEmpty() && s[QLatin1String("name")].toString() != service)
            continue;
        for (const QJsonValue &instance : s[QLatin1String("instances")].toArray())
            sum += instance[QLatin1String("requests")].toInteger();
        // The demo's catalog is cacheable: what the cache answered is the service's traffic too.
        sum += s[QLatin1String("cache_answered")].toInteger();
    }
    return sum;
}

} // namespace

// OverviewSeries computed from a real demo engine's services documents.
class TestOverviewSeries : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void ratesFromTwoDocuments_data();
    void ratesFromTwoDocuments();
    void latencyAndErrorRate();
    void histogramOfAnyBounds_data();
    void histogramOfAnyBounds();
    void minimumIntervalBetweenPoints();
    void counterGoingBackwardsIsABaseline();
    void keepsOnlyTheSpan();
    void liveFromTheFeed();

private:
    // Two services documents at least `apart` of engine traffic apart.
    std::pair<QByteArray, QByteArray> twoDocuments(milliseconds apart);
    QByteArray nextDocument();

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    QList<QByteArray> m_documents;
};

void TestOverviewSeries::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            if (message.subject == QLatin1String("services"))
                m_documents.append(message.json);
        }
    });
    m_engine->feed()->subscribe(OverviewSeries::subjects());
}

QByteArray TestOverviewSeries::nextDocument() {
    const qsizetype before = m_documents.size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_documents.size() > before, kTimeoutMs); }();
    return m_documents.value(m_documents.size() - 1);
}

std::pair<QByteArray, QByteArray> TestOverviewSeries::twoDocuments(milliseconds apart) {
    const QByteArray first = nextDocument();
    QElapsedTimer timer;
    timer.start();
    QByteArray second;
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT((second = nextDocument(), timer.elapsed() >= apart.count()),
                                 kTimeoutMs);
    }();
    return {first, second};
}

void TestOverviewSeries::ratesFromTwoDocuments_data() {
    QTest::addColumn<QString>("service");
    QTest::newRow("all") << QString();
    QTest::newRow("inventory") << "inventory";
    QTest::newRow("catalog") << "catalog";
}

void TestOverviewSeries::ratesFromTwoDocuments() {
    QFETCH(QString, service);
    const auto [first, second] = twoDocuments(milliseconds(1000));
    OverviewSeries series;
    QVERIFY(series.applyDocument(first, milliseconds(10000)));
    QVERIFY(series.points(Metric::RequestsPerSecond, service).isEmpty()); // the baseline
    QVERIFY(series.applyDocument(second, milliseconds(12000)));
    QCOMPARE(series.services(), (QStringList{QStringLiteral("inventory"), QStringLiteral("pricing"),
                                             QStringLiteral("catalog")}));
    const QList<QPointF> points = series.points(Metric::RequestsPerSecond, service);
    QCOMPARE(points.size(), 1);
    QCOMPARE(points.first().x(), 0.0);
    const double expected = double(requestsIn(second, service) - requestsIn(first, service)) / 2.0;
    QCOMPARE(points.first().y(), expected);
    QVERIFY(expected > 0);
    QCOMPARE(series.latest(Metric::RequestsPerSecond, service), expected);
}

void TestOverviewSeries::latencyAndErrorRate() {
    const auto [first, second] = twoDocuments(milliseconds(1500));
    OverviewSeries series;
    QVERIFY(series.applyDocument(first, milliseconds(0)));
    QVERIFY(series.applyDocument(second, milliseconds(1500)));
    const double p50 = series.latest(Metric::LatencyP50);
    const double p99 = series.latest(Metric::LatencyP99);
    QVERIFY2(p50 > 0 && p50 <= p99, qPrintable(QStringLiteral("%1 %2").arg(p50).arg(p99)));
    const double errors = series.latest(Metric::ErrorRate);
    QVERIFY(errors >= 0.0 && errors <= 1.0);
    // A service without responses in the interval has no latency and no error rate points.
    QVERIFY(series.applyDocument(second, milliseconds(3000)));
    QCOMPARE(series.latest(Metric::RequestsPerSecond), 0.0);
    QVERIFY(std::isnan(series.latest(Metric::LatencyP50)));
    QVERIFY(std::isnan(series.latest(Metric::ErrorRate)));
    QCOMPARE(series.points(Metric::LatencyP50).size(), 1);
    QCOMPARE(series.points(Metric::RequestsPerSecond).size(), 2);
}

void TestOverviewSeries::histogramOfAnyBounds_data() {
    QTest::addColumn<QList<double>>("bounds"); // empty: none sent
    QTest::addColumn<int>("fastBucket");       // where 98 exchanges of 3 ms are counted
    QTest::addColumn<int>("slowBucket");       // where 2 exchanges of 251 ms are counted
    QTest::addColumn<double>("p99Low");
    QTest::addColumn<double>("p99High");

    QList<double> current(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end());
    const int fast = latencyBucketIndex(std::chrono::milliseconds(3));
    const int slow = latencyBucketIndex(std::chrono::milliseconds(251));
    QTest::newRow("this build's bounds") << current << fast << slow << 250.0 << 300.0;
    QTest::newRow("no bounds: this build's") << QList<double>{} << fast << slow << 250.0 << 300.0;
    // A headless instance of an earlier version: 251 ms counted in (250, 500], read here in the
    // bucket that holds 500.
    const QList<double> earlier{1,   2.5, 5,    10,   25,   50,    100,
                                250, 500, 1000, 2500, 5000, 10000, 30000};
    QTest::newRow("an earlier version's bounds") << earlier << 2 << 8 << 400.0 << 500.0;
}

void TestOverviewSeries::histogramOfAnyBounds() {
    QFETCH(QList<double>, bounds);
    QFETCH(int, fastBucket);
    QFETCH(int, slowBucket);
    QFETCH(double, p99Low);
    QFETCH(double, p99High);
    const qsizetype buckets = bounds.isEmpty() ? kLatencyBucketCount : bounds.size() + 1;
    const auto document = [&](int fast, int slow) {
        QJsonArray counts;
        for (qsizetype i = 0; i < buckets; ++i)
            counts.append(i == fastBucket ? fast : i == slowBucket ? slow : 0);
        QJsonObject histogram{{QStringLiteral("counts"), counts}};
        if (!bounds.isEmpty()) {
            QJsonArray boundsArray;
            for (const double bound : bounds)
                boundsArray.append(bound);
            histogram.insert(QStringLiteral("bounds_ms"), boundsArray);
        }
        const QJsonObject instance{{QStringLiteral("id"), QStringLiteral("inventory-1")},
                                   {QStringLiteral("requests"), fast + slow},
                                   {QStringLiteral("latency_histogram"), histogram}};
        const QJsonObject service{{QStringLiteral("name"), QStringLiteral("inventory")},
                                  {QStringLiteral("instances"), QJsonArray{instance}}};
        return QJsonDocument(QJsonObject{{QStringLiteral("services"), QJsonArray{service}}})
            .toJson(QJsonDocument::Compact);
    };
    OverviewSeries series;
    QVERIFY(series.applyDocument(document(0, 0), milliseconds(0)));
    QVERIFY(series.applyDocument(document(98, 2), milliseconds(1500)));
    QVERIFY(series.latest(Metric::LatencyP50) <= 5.0);
    const double p99 = series.latest(Metric::LatencyP99);
    QVERIFY2(p99 >= p99Low && p99 <= p99High, qPrintable(QString::number(p99)));
}

void TestOverviewSeries::minimumIntervalBetweenPoints() {
    const auto [first, second] = twoDocuments(milliseconds(0));
    OverviewSeries series(std::chrono::seconds(60), milliseconds(1000));
    QVERIFY(series.applyDocument(first, milliseconds(0)));
    const quint64 revision = series.revision();
    QVERIFY(series.applyDocument(second, milliseconds(400)));
    QCOMPARE(series.revision(), revision);
    QVERIFY(series.points(Metric::RequestsPerSecond).isEmpty());
    QVERIFY(series.applyDocument(second, milliseconds(1000)));
    QVERIFY(series.revision() != revision);
    QCOMPARE(series.points(Metric::RequestsPerSecond).size(), 1);
}

void TestOverviewSeries::counterGoingBackwardsIsABaseline() {
    const auto [first, second] = twoDocuments(milliseconds(500));
    OverviewSeries series;
    QVERIFY(series.applyDocument(second, milliseconds(0)));
    // An engine restart: smaller counters than before. No negative rate.
    QVERIFY(series.applyDocument(first, milliseconds(1000)));
    QCOMPARE(series.latest(Metric::RequestsPerSecond), 0.0);
    QVERIFY(series.applyDocument(second, milliseconds(2000)));
    QCOMPARE(series.latest(Metric::RequestsPerSecond),
             double(requestsIn(second) - requestsIn(first)));
}

void TestOverviewSeries::keepsOnlyTheSpan() {
    const QByteArray document = nextDocument();
    OverviewSeries series(std::chrono::seconds(5), milliseconds(1000));
    for (int i = 0; i <= 20; ++i)
        QVERIFY(series.applyDocument(document, milliseconds(i * 1000)));
    const QList<QPointF> points = series.points(Metric::RequestsPerSecond, "pricing");
    QCOMPARE(points.size(), 6); // -5 .. 0
    QCOMPARE(points.first().x(), -5.0);
    QCOMPARE(points.last().x(), 0.0);
    series.clear();
    QVERIFY(series.points(Metric::RequestsPerSecond).isEmpty());
    QVERIFY(series.services().isEmpty());
}

void TestOverviewSeries::liveFromTheFeed() {
    OverviewSeries series(std::chrono::seconds(60), milliseconds(500));
    QMetaObject::Connection connection = connect(m_engine->feed(), &FeedTransport::messages, this,
                                                 [&series](const QList<FeedMessage> &b) {
                                                     for (const FeedMessage &message : b)
                                                         series.apply(message);
                                                 });
    QTRY_VERIFY_WITH_TIMEOUT(series.points(Metric::RequestsPerSecond).size() >= 4, kTimeoutMs);
    disconnect(connection);
    // The demo sends 40 requests a second.
    double sum = 0;
    const QList<QPointF> points = series.points(Metric::RequestsPerSecond);
    for (const QPointF &point : points)
        sum += point.y();
    const double mean = sum / double(points.size());
    QVERIFY2(mean > 10 && mean < 200, qPrintable(QString::number(mean)));
    for (int i = 1; i < points.size(); ++i)
        QVERIFY(points[i].x() > points[i - 1].x());
}

QTEST_GUILESS_MAIN(TestOverviewSeries)
#include "tst_overview_series.moc"
