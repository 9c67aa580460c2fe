#include <backend/cache/frequency_sketch.h>

#include <QTest>

#include <cstdint>

using namespace ToolCapture;

// FrequencySketch: counts, saturation, aging by halving, the doorkeeper.
class TestFrequencySketch : public QObject {
    Q_OBJECT
private slots:
    void countsIncrements_data();
    void countsIncrements();
    void agingHalvesCounts_data();
    void agingHalvesCounts();
    void sampleSizeTriggersAging();
    void otherKeysStayNearZero();
    void doorkeeperHoldsFirstSighting();
    void ensureCapacityGrows();
};

namespace {

std::uint64_t keyHash(int i) {
    return 0x1234567ULL * std::uint64_t(i + 1) ^ 0xabcdefULL;
}

} // namespace

void TestFrequencySketch::countsIncrements_data() {
    QTest::addColumn<int>("increments");
    QTest::addColumn<int>("expected");
    QTest::newRow("none") << 0 << 0;
    QTest::newRow("one") << 1 << 1;
    QTest::newRow("seven") << 7 << 7;
    QTest::newRow("fifteen") << 15 << 15;
    QTest::newRow("saturates at 15") << 40 << 15;
}

void TestFrequencySketch::countsIncrements() {
    QFETCH(int, increments);
    QFETCH(int, expected);
    FrequencySketch sketch(1024);
    for (int i = 0; i < increments; ++i)
        sketch.increment(keyHash(7));
    QCOMPARE(sketch.frequency(keyHash(7)), expected);
}

void TestFrequencySketch::agingHalvesCounts_data() {
    QTest::addColumn<int>("increments");
    QTest::addColumn<int>("afterOneReset");
    QTest::addColumn<int>("afterTwoResets");
    QTest::newRow("1") << 1 << 0 << 0;
    QTest::newRow("2") << 2 << 1 << 0;
    QTest::newRow("8") << 8 << 4 << 2;
    QTest::newRow("13") << 13 << 6 << 3;
    QTest::newRow("15") << 15 << 7 << 3;
}

void TestFrequencySketch::agingHalvesCounts() {
    QFETCH(int, increments);
    QFETCH(int, afterOneReset);
    QFETCH(int, afterTwoResets);
    FrequencySketch sketch(1024);
    for (int i = 0; i < increments; ++i)
        sketch.increment(keyHash(3));
    QCOMPARE(sketch.frequency(keyHash(3)), increments);
    sketch.reset();
    QCOMPARE(sketch.frequency(keyHash(3)), afterOneReset);
    sketch.reset();
    QCOMPARE(sketch.frequency(keyHash(3)), afterTwoResets);
}

void TestFrequencySketch::sampleSizeTriggersAging() {
    // A hot key counted 12 times, then distinct one-off keys until the sample is full: the
    // sketch ages itself, and the hot key's estimate halves (collisions with the one-offs may
    // have raised it a little before).
    FrequencySketch sketch(64);
    for (int i = 0; i < 12; ++i)
        sketch.increment(keyHash(0));
    QCOMPARE(sketch.frequency(keyHash(0)), 12);
    QCOMPARE(sketch.additions(), std::size_t(12));
    int before = 0;
    bool aged = false;
    for (int i = 1; i <= int(sketch.sampleSize()) && !aged; ++i) {
        before = sketch.frequency(keyHash(0));
        const std::size_t additions = sketch.additions();
        sketch.increment(keyHash(i));
        aged = sketch.additions() < additions;
    }
    QVERIFY2(aged, "the sketch never aged within one sample");
    QVERIFY(sketch.additions() <= sketch.sampleSize() / 2);
    const int after = sketch.frequency(keyHash(0));
    QVERIFY2(after >= 6 && after <= (before + 1) / 2,
             qPrintable(QStringLiteral("before %1, after %2").arg(before).arg(after)));
}

void TestFrequencySketch::otherKeysStayNearZero() {
    // Count-min overestimates only through collisions: with 1024 words and 200 keys counted
    // five times each, a key never counted reads (almost always) zero.
    FrequencySketch sketch(1024);
    for (int k = 0; k < 200; ++k)
        for (int i = 0; i < 5; ++i)
            sketch.increment(keyHash(k));
    int nonZero = 0;
    for (int k = 1000; k < 2000; ++k)
        nonZero += sketch.frequency(keyHash(k)) > 0 ? 1 : 0;
    QVERIFY2(nonZero < 20, qPrintable(QString::number(nonZero)));
    for (int k = 0; k < 200; ++k)
        QVERIFY(sketch.frequency(keyHash(k)) >= 5);
}

void TestFrequencySketch::doorkeeperHoldsFirstSighting() {
    FrequencySketch sketch(1024, true);
    QVERIFY(sketch.hasDoorkeeper());
    QCOMPARE(sketch.frequency(keyHash(5)), 0);
    sketch.increment(keyHash(5));
    // Seen once: only the doorkeeper knows.
    QCOMPARE(sketch.frequency(keyHash(5)), 1);
    sketch.increment(keyHash(5));
    sketch.increment(keyHash(5));
    QCOMPARE(sketch.frequency(keyHash(5)), 3);
    sketch.reset();
    // The doorkeeper empties, the two counted increments halve.
    QCOMPARE(sketch.frequency(keyHash(5)), 1);
}

void TestFrequencySketch::ensureCapacityGrows() {
    FrequencySketch sketch(16);
    const std::size_t words = sketch.tableWords();
    sketch.ensureCapacity(8);
    QCOMPARE(sketch.tableWords(), words);
    sketch.ensureCapacity(5000);
    QVERIFY(sketch.tableWords() >= 5000);
    QVERIFY(sketch.sampleSize() >= 50000);
}

QTEST_GUILESS_MAIN(TestFrequencySketch)
#include "tst_frequency_sketch.moc"
