#include <backend/intelligence/latency_sketch.h>

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace ToolCapture;

// LatencySketch: quantiles within the relative accuracy whatever the distribution, exact merges,
// bounded memory.
class TestLatencySketch : public QObject {
    Q_OBJECT
private slots:
    void quantilesWithinAccuracy_data();
    void quantilesWithinAccuracy();
    void mergeIsTheSketchOfTheUnion_data();
    void mergeIsTheSketchOfTheUnion();
    void mergeRefusesAnotherAccuracy();
    void boundedBinsKeepTheTail();
    void badValuesAreRefused_data();
    void badValuesAreRefused();
    void emptyAndEdges();
    void bytesRoundTrip();
    void malformedBytesAreRefused_data();
    void malformedBytesAreRefused();
};

namespace {

std::vector<double> draw(const QString &distribution, int n, std::mt19937_64 &random) {
    std::vector<double> values;
    values.reserve(size_t(n));
    std::lognormal_distribution<double> lognormal(1.0, 1.2);
    std::uniform_real_distribution<double> uniform(0.1, 500.0);
    std::exponential_distribution<double> exponential(0.05);
    for (int i = 0; i < n; ++i) {
        if (distribution == QLatin1String("lognormal"))
            values.push_back(lognormal(random));
        else if (distribution == QLatin1String("uniform"))
            values.push_back(uniform(random));
        else if (distribution == QLatin1String("exponential"))
            values.push_back(exponential(random));
        else if (distribution == QLatin1String("bimodal"))
            values.push_back(i % 10 == 0 ? 2000.0 + uniform(random) : 1.0 + uniform(random) / 100);
        else
            values.push_back(7.5); // constant
    }
    return values;
}

double exactQuantile(std::vector<double> sorted, double q) {
    return sorted[size_t(q * double(sorted.size() - 1))];
}

} // namespace

void TestLatencySketch::quantilesWithinAccuracy_data() {
    QTest::addColumn<QString>("distribution");
    QTest::addColumn<double>("accuracy");
    for (const char *d : {"lognormal", "uniform", "exponential", "bimodal", "constant"}) {
        QTest::addRow("%s, 1%%", d) << QString::fromLatin1(d) << 0.01;
        QTest::addRow("%s, 0.5%%", d) << QString::fromLatin1(d) << 0.005;
    }
}

void TestLatencySketch::quantilesWithinAccuracy() {
    QFETCH(QString, distribution);
    QFETCH(double, accuracy);
    std::mt19937_64 random(42);
    std::vector<double> values = draw(distribution, 100000, random);
    LatencySketch sketch(accuracy);
    for (double v : values)
        QVERIFY(sketch.add(v));
    std::sort(values.begin(), values.end());
    QCOMPARE(sketch.count(), std::uint64_t(values.size()));
    QCOMPARE(sketch.min(), values.front());
    QCOMPARE(sketch.max(), values.back());
    for (double q : {0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
        const double exact = exactQuantile(values, q);
        const double estimate = *sketch.quantile(q);
        QVERIFY2(std::abs(estimate - exact) <= accuracy * exact * (1 + 1e-9),
                 qPrintable(QStringLiteral("q=%1: %2 against %3").arg(q).arg(estimate).arg(exact)));
    }
}

void TestLatencySketch::mergeIsTheSketchOfTheUnion_data() {
    QTest::addColumn<int>("parts");
    QTest::newRow("two proxies") << 2;
    QTest::newRow("five proxies") << 5;
}

void TestLatencySketch::mergeIsTheSketchOfTheUnion() {
    QFETCH(int, parts);
    std::mt19937_64 random(7);
    LatencySketch whole;
    LatencySketch merged;
    for (int p = 0; p < parts; ++p) {
        LatencySketch part;
        // Each proxy sees its own distribution.
        for (double v :
             draw(p % 2 ? QStringLiteral("lognormal") : QStringLiteral("bimodal"), 20000, random)) {
            part.add(v);
            whole.add(v);
        }
        QVERIFY(merged.merge(part));
    }
    QVERIFY(merged == whole);
    for (double q : {0.5, 0.99})
        QCOMPARE(*merged.quantile(q), *whole.quantile(q));
    QVERIFY(std::abs(merged.sum() - whole.sum()) <= 1e-6 * whole.sum());
}

void TestLatencySketch::mergeRefusesAnotherAccuracy() {
    LatencySketch a(0.01);
    LatencySketch b(0.02);
    a.add(1);
    b.add(2);
    QVERIFY(!a.merge(b));
    QCOMPARE(a.count(), std::uint64_t(1));
}

void TestLatencySketch::boundedBinsKeepTheTail() {
    LatencySketch sketch(0.01, 128);
    std::vector<double> values;
    // Nine decades: far more than 128 buckets of 2%.
    for (int i = 0; i < 90000; ++i)
        values.push_back(std::pow(10.0, -3 + 9.0 * i / 90000));
    for (double v : values)
        sketch.add(v);
    QVERIFY(sketch.binCount() <= 128);
    std::sort(values.begin(), values.end());
    for (double q : {0.95, 0.99, 0.999}) {
        const double exact = exactQuantile(values, q);
        QVERIFY(std::abs(*sketch.quantile(q) - exact) <= 0.01 * exact * (1 + 1e-9));
    }
    // The low end is what was folded: no longer within the accuracy, but never below min.
    QVERIFY(*sketch.quantile(0.01) >= sketch.min());
}

void TestLatencySketch::badValuesAreRefused_data() {
    QTest::addColumn<double>("value");
    QTest::newRow("negative") << -1.0;
    QTest::newRow("NaN") << std::nan("");
    QTest::newRow("infinite") << std::numeric_limits<double>::infinity();
}

void TestLatencySketch::badValuesAreRefused() {
    QFETCH(double, value);
    LatencySketch sketch;
    QVERIFY(!sketch.add(value));
    QCOMPARE(sketch.count(), std::uint64_t(0));
    QVERIFY(!sketch.quantile(0.5).has_value());
}

void TestLatencySketch::emptyAndEdges() {
    LatencySketch sketch;
    QVERIFY(!sketch.quantile(0.5));
    QVERIFY(sketch.add(0.0, 3)); // zero is a value (a cache hit can take no measurable time)
    QVERIFY(sketch.add(10.0));
    QCOMPARE(*sketch.quantile(0.0), 0.0);
    QCOMPARE(*sketch.quantile(0.5), 0.0);
    QVERIFY(std::abs(*sketch.quantile(1.0) - 10.0) <= 0.1);
    QVERIFY(!sketch.quantile(1.5));
    QVERIFY(!sketch.quantile(-0.1));
    sketch.clear();
    QCOMPARE(sketch.count(), std::uint64_t(0));
}

void TestLatencySketch::bytesRoundTrip() {
    std::mt19937_64 random(3);
    LatencySketch sketch;
    for (double v : draw(QStringLiteral("lognormal"), 5000, random))
        sketch.add(v);
    const auto back = LatencySketch::fromBytes(sketch.toBytes());
    QVERIFY(back.has_value());
    QVERIFY(*back == sketch);
    QCOMPARE(*back->quantile(0.99), *sketch.quantile(0.99));
    QCOMPARE(back->sum(), sketch.sum());
}

void TestLatencySketch::malformedBytesAreRefused_data() {
    QTest::addColumn<QByteArray>("bytes");
    LatencySketch sketch;
    sketch.add(1);
    sketch.add(100);
    const QByteArray good = sketch.toBytes();
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("truncated") << good.left(good.size() - 3);
    QTest::newRow("trailing bytes") << good + "x";
    QByteArray magic = good;
    magic[0] = 'X';
    QTest::newRow("bad magic") << magic;
    QByteArray count = good;
    count[4 + 1 + 8 + 4] = char(count[4 + 1 + 8 + 4] + 1); // count no longer the bins' sum
    QTest::newRow("inconsistent count") << count;
}

void TestLatencySketch::malformedBytesAreRefused() {
    QFETCH(QByteArray, bytes);
    QVERIFY(!LatencySketch::fromBytes(bytes).has_value());
}

QTEST_GUILESS_MAIN(TestLatencySketch)
#include "tst_latency_sketch.moc"
