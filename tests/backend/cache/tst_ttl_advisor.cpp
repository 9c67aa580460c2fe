#include <backend/cache/ttl_advisor.h>

#include <QTest>

#include <chrono>
#include <cmath>
#include <latch>
#include <random>
#include <thread>
#include <vector>

using namespace ToolCapture;
using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

// TtlAdvisor: the change-rate estimate against deterministic and seeded random change processes,
// the bounds, the minimum observations, following a change of rate, the memory bound, old
// knowledge, and use from several threads.
class TestTtlAdvisor : public QObject {
    Q_OBJECT
private slots:
    void deterministicPattern_data();
    void deterministicPattern();
    void everyHoldChanged();
    void randomProcess_data();
    void randomProcess();
    void closedLoopMeetsTarget_data();
    void closedLoopMeetsTarget();
    void bounds_data();
    void bounds();
    void minimumObservations_data();
    void minimumObservations();
    void neverChanged_data();
    void neverChanged();
    void followsRateChange_data();
    void followsRateChange();
    void closedLoopFollowsRateChange_data();
    void closedLoopFollowsRateChange();
    void memoryBoundForgetsLeastRecentlyObserved();
    void memoryBoundWithShards_data();
    void memoryBoundWithShards();
    void oldKnowledgeGivesNoAdvice();
    void forgetAndClear();
    void concurrentUse();
};

namespace {

const QByteArray kOp = "inventory GET /items/{id}";
const TtlBounds kWide{seconds{1}, seconds{1'000'000}};

TimePoint at(qint64 s) {
    return TimePoint{} + seconds{s};
}

// A uniform draw in [0, 1) from the engine's bits: std::mt19937_64 is the same everywhere, the
// standard distributions are not.
double uniform01(std::mt19937_64 &rng) {
    return double(rng() >> 11) * 0x1.0p-53;
}

double ln1m(double p) {
    return std::log1p(-p);
}

// The TTL that keeps P(stale) at `target` when a fraction `p` of holds of `t` seconds end
// changed: 1 - exp(-rate t) = p gives rate = -ln(1 - p) / t, and ttl = -ln(1 - target) / rate.
double idealTtl(double t, double p, double target = 0.10) {
    return t * ln1m(target) / ln1m(p);
}

// Feeds `count` holds of `hold` seconds, one in every `every` of them changed (the last of each
// group of `every`), starting at time *clock.
void feedPattern(TtlAdvisor &advisor, const QByteArray &op, int count, qint64 hold, int every,
                 qint64 &clock) {
    for (int i = 1; i <= count; ++i) {
        clock += hold;
        advisor.observe(op, i % every == 0, seconds{hold}, at(clock));
    }
}

} // namespace

void TestTtlAdvisor::deterministicPattern_data() {
    QTest::addColumn<qint64>("hold");
    QTest::addColumn<int>("every");
    // Sampled right after a change, K / E is one change over one period's exposure whatever
    // the weights, so the estimate is the exact current-status MLE once the expectation step has
    // settled: every row lands on the formula but for the whole-second floor (1 s + 1%).
    QTest::newRow("1 in 10 holds of 60 s changed: 60 s") << qint64(60) << 10;
    QTest::newRow("1 in 2 holds of 100 s: 15 s") << qint64(100) << 2;
    QTest::newRow("1 in 5 holds of 30 s: 14 s") << qint64(30) << 5;
    QTest::newRow("1 in 20 holds of 600 s: 1232 s") << qint64(600) << 20;
    QTest::newRow("1 in 50 holds of 3600 s: 18812 s") << qint64(3600) << 50;
    QTest::newRow("1 in 3 holds of 5 s: 1.3 s") << qint64(5) << 3;
}

void TestTtlAdvisor::deterministicPattern() {
    QFETCH(qint64, hold);
    QFETCH(int, every);
    TtlAdvisor advisor;
    qint64 clock = 0;
    // 400 changes: far more than the estimator remembers, so the start no longer matters.
    feedPattern(advisor, kOp, 400 * every, hold, every, clock);
    const auto advice = advisor.advise(kOp, {seconds{0}, seconds{10'000'000}}, at(clock));
    QVERIFY(advice);
    const double expected = idealTtl(double(hold), 1.0 / every);
    QVERIFY2(std::abs(double(advice->ttl.count()) - expected) <= 0.01 * expected + 1.0,
             qPrintable(
                 QStringLiteral("ttl %1 s, expected %2 s").arg(advice->ttl.count()).arg(expected)));
    QVERIFY(advice->changeSeen);
    QCOMPARE(advice->observations, std::uint64_t(400 * every));
    // The change interval: 1 / rate with rate = -ln(1 - p) / t.
    const double interval = -double(hold) / ln1m(1.0 / every);
    QVERIFY(std::abs(double(advice->estimatedChangeInterval.count()) - interval) <=
            0.01 * interval + 1.0);
    // Sixteen changes remembered: the rate is known within a factor of two almost surely.
    QVERIFY(advice->confidence > 0.99);
}

void TestTtlAdvisor::everyHoldChanged() {
    // Every hold ended changed: the data only say the rate is well above 1 / hold, so the TTL
    // keeps falling, towards the lower bound.
    TtlAdvisor advisor;
    qint64 clock = 0;
    feedPattern(advisor, kOp, 3, 100, 1, clock);
    const auto first = advisor.advise(kOp, kWide, at(clock));
    QVERIFY(first);
    QVERIFY(first->ttl < seconds{11}); // at most 10.5% of the hold already
    feedPattern(advisor, kOp, 60, 100, 1, clock);
    const auto later = advisor.advise(kOp, kWide, at(clock));
    QVERIFY(later);
    QVERIFY(later->ttl < first->ttl);
    QCOMPARE(advisor.advise(kOp, {seconds{5}, seconds{60}}, at(clock))->ttl, seconds{5});
}

void TestTtlAdvisor::randomProcess_data() {
    QTest::addColumn<double>("meanInterval");
    QTest::addColumn<qint64>("hold");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("mean 600 s, holds of 60 s, seed 1") << 600.0 << qint64(60) << quint64(1);
    QTest::newRow("mean 600 s, holds of 60 s, seed 2") << 600.0 << qint64(60) << quint64(2);
    QTest::newRow("mean 60 s, holds of 30 s, seed 3") << 60.0 << qint64(30) << quint64(3);
    QTest::newRow("mean 3600 s, holds of 120 s, seed 4") << 3600.0 << qint64(120) << quint64(4);
    QTest::newRow("mean 30 s, holds of 60 s, seed 5") << 30.0 << qint64(60) << quint64(5);
    QTest::newRow("mean 86400 s, holds of 3600 s, seed 6") << 86400.0 << qint64(3600) << quint64(6);
}

void TestTtlAdvisor::randomProcess() {
    // A Poisson change process observed with fixed holds: a hold of t ends changed with
    // probability 1 - exp(-t / mean). Memory of 64 changes: the weighted estimate then rests on
    // about 2 x 64 changes' worth of data (exponential weights: (sum w)^2 / sum w^2 = 2M - 1),
    // a relative standard error near 1/sqrt(127) = 9%; 30% is more than three of them. The
    // estimate is sampled at 20 points so that a single lucky moment cannot pass the row.
    QFETCH(double, meanInterval);
    QFETCH(qint64, hold);
    QFETCH(quint64, seed);
    TtlAdvisor::Options options;
    options.memoryChanges = 64;
    TtlAdvisor advisor(options);
    std::mt19937_64 rng(seed);
    const double p = -std::expm1(-double(hold) / meanInterval);
    const int perSample = int(std::ceil(64.0 / p)); // about 64 changes between samples
    qint64 clock = 0;
    int sample = 0;
    double worst = 0;
    for (int round = 0; round < 25; ++round) {
        for (int i = 0; i < perSample; ++i) {
            clock += hold;
            advisor.observe(kOp, uniform01(rng) < p, seconds{hold}, at(clock));
        }
        if (round < 5)
            continue; // warm-up: the first estimates rest on few changes
        const double rate = *advisor.estimatedRate(kOp);
        const double error = std::abs(1.0 / rate - meanInterval) / meanInterval;
        worst = std::max(worst, error);
        ++sample;
    }
    QCOMPARE(sample, 20);
    QVERIFY2(worst < 0.30, qPrintable(QStringLiteral("worst relative error %1").arg(worst)));
}

void TestTtlAdvisor::closedLoopMeetsTarget_data() {
    QTest::addColumn<double>("meanInterval");
    QTest::addColumn<double>("target");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("mean 300 s, target 10%, seed 11") << 300.0 << 0.10 << quint64(11);
    QTest::newRow("mean 7200 s, target 10%, seed 12") << 7200.0 << 0.10 << quint64(12);
    QTest::newRow("mean 300 s, target 5%, seed 13") << 300.0 << 0.05 << quint64(13);
    QTest::newRow("mean 40 s, target 20%, seed 14") << 40.0 << 0.20 << quint64(14);
}

void TestTtlAdvisor::closedLoopMeetsTarget() {
    // The data path's loop: every entry is held for the advised TTL (the RFC heuristic's 10 min
    // until there is advice), then revalidated. The share of revalidations that find a change
    // is the share of the TTL's end at which the stored copy was stale: it must meet the target.
    // 4000 revalidations: the binomial standard error of the share is at most
    // sqrt(0.2 * 0.8 / 4000) = 0.6 points, and the estimator's own noise (default memory of 16
    // changes, about 18% on the rate) adds about as much; the speed-up detector's false alarms
    // bias it towards short TTLs by up to a tenth of the target (measured 9.8, 9.7, 4.6 and
    // 18.1%). 3 points is above all three.
    QFETCH(double, meanInterval);
    QFETCH(double, target);
    QFETCH(quint64, seed);
    TtlAdvisor::Options options;
    options.staleTarget = target;
    TtlAdvisor advisor(options);
    std::mt19937_64 rng(seed);
    qint64 clock = 0;
    int changes = 0;
    int counted = 0;
    for (int i = 0; i < 4400; ++i) {
        const auto advice = advisor.advise(kOp, kWide, at(clock));
        const qint64 hold = advice ? advice->ttl.count() : 600;
        const bool changed = uniform01(rng) < -std::expm1(-double(hold) / meanInterval);
        clock += hold;
        advisor.observe(kOp, changed, seconds{hold}, at(clock));
        if (i >= 400) { // the first 400 find the estimate
            changes += changed ? 1 : 0;
            ++counted;
        }
    }
    const double share = double(changes) / counted;
    QVERIFY2(std::abs(share - target) < 0.03,
             qPrintable(QStringLiteral("stale share %1, target %2").arg(share).arg(target)));
    const auto advice = advisor.advise(kOp, kWide, at(clock));
    QVERIFY(advice);
    const double ideal = -meanInterval * ln1m(target);
    QVERIFY2(std::abs(double(advice->ttl.count()) - ideal) < 0.5 * ideal,
             qPrintable(QStringLiteral("ttl %1, ideal %2").arg(advice->ttl.count()).arg(ideal)));
}

void TestTtlAdvisor::bounds_data() {
    QTest::addColumn<qint64>("minTtl");
    QTest::addColumn<qint64>("maxTtl");
    QTest::addColumn<qint64>("expected");
    // The pattern below (1 in 10 holds of 60 s changed) advises about 60 s unbounded.
    QTest::newRow("within the bounds") << qint64(10) << qint64(600) << qint64(-1);
    QTest::newRow("clamped to the max") << qint64(1) << qint64(30) << qint64(30);
    QTest::newRow("clamped to the min") << qint64(120) << qint64(600) << qint64(120);
    QTest::newRow("max equal to min") << qint64(45) << qint64(45) << qint64(45);
    QTest::newRow("max below min: min") << qint64(200) << qint64(100) << qint64(200);
    QTest::newRow("negative min is zero") << qint64(-5) << qint64(20) << qint64(20);
}

void TestTtlAdvisor::bounds() {
    QFETCH(qint64, minTtl);
    QFETCH(qint64, maxTtl);
    QFETCH(qint64, expected);
    TtlAdvisor advisor;
    qint64 clock = 0;
    feedPattern(advisor, kOp, 2000, 60, 10, clock);
    const auto advice = advisor.advise(kOp, {seconds{minTtl}, seconds{maxTtl}}, at(clock));
    QVERIFY(advice);
    if (expected >= 0) {
        QCOMPARE(advice->ttl.count(), expected);
    } else {
        QVERIFY(advice->ttl.count() > minTtl && advice->ttl.count() < maxTtl);
        QVERIFY(std::abs(advice->ttl.count() - 60) <= 8);
    }
    // The estimate does not depend on the bounds.
    QVERIFY(std::abs(advice->estimatedChangeInterval.count() - 569) <= 60);
}

void TestTtlAdvisor::minimumObservations_data() {
    QTest::addColumn<int>("minObservations");
    QTest::addColumn<int>("observed");
    QTest::addColumn<bool>("advised");
    QTest::newRow("default 3: none observed") << -1 << 0 << false;
    QTest::newRow("default 3: 2 observed") << -1 << 2 << false;
    QTest::newRow("default 3: 3 observed") << -1 << 3 << true;
    QTest::newRow("1: 1 observed") << 1 << 1 << true;
    QTest::newRow("10: 9 observed") << 10 << 9 << false;
    QTest::newRow("10: 10 observed") << 10 << 10 << true;
    QTest::newRow("10: 11 observed") << 10 << 11 << true;
}

void TestTtlAdvisor::minimumObservations() {
    QFETCH(int, minObservations);
    QFETCH(int, observed);
    QFETCH(bool, advised);
    TtlAdvisor::Options options;
    if (minObservations >= 0)
        options.minObservations = std::uint64_t(minObservations);
    TtlAdvisor advisor(options);
    QCOMPARE(advisor.options().minObservations,
             std::uint64_t(minObservations >= 0 ? minObservations : 3));
    qint64 clock = 0;
    for (int i = 0; i < observed; ++i) {
        clock += 100;
        advisor.observe(kOp, i % 2 == 1, seconds{100}, at(clock));
    }
    const auto advice = advisor.advise(kOp, kWide, at(clock));
    QCOMPARE(bool(advice), advised);
    if (advice)
        QCOMPARE(advice->observations, std::uint64_t(observed));
}

void TestTtlAdvisor::neverChanged_data() {
    QTest::addColumn<int>("holds");
    QTest::addColumn<qint64>("hold");
    QTest::addColumn<qint64>("maxTtl");
    QTest::addColumn<qint64>("expected");
    // Never changed: the TTL is -ln(0.9) = 10.54% of the time seen unchanged (like the RFC's
    // 10% of the time since Last-Modified), until the max bound: reached once the unchanged time
    // is 9.5 x the max.
    QTest::newRow("3 x 100 s: 31 s") << 3 << qint64(100) << qint64(3600) << qint64(31);
    QTest::newRow("10 x 100 s: 105 s") << 10 << qint64(100) << qint64(3600) << qint64(105);
    QTest::newRow("100 x 300 s: 3160 s") << 100 << qint64(300) << qint64(3600) << qint64(3160);
    QTest::newRow("114 x 300 s: 3603 s, the max")
        << 114 << qint64(300) << qint64(3600) << qint64(3600);
    QTest::newRow("1000 x 300 s: the max") << 1000 << qint64(300) << qint64(3600) << qint64(3600);
}

void TestTtlAdvisor::neverChanged() {
    QFETCH(int, holds);
    QFETCH(qint64, hold);
    QFETCH(qint64, maxTtl);
    QFETCH(qint64, expected);
    TtlAdvisor advisor;
    qint64 clock = 0;
    for (int i = 0; i < holds; ++i) {
        clock += hold;
        advisor.observe(kOp, false, seconds{hold}, at(clock));
    }
    const auto advice = advisor.advise(kOp, {seconds{1}, seconds{maxTtl}}, at(clock));
    QVERIFY(advice);
    QCOMPARE(advice->ttl.count(), expected);
    QVERIFY(!advice->changeSeen);
    QCOMPARE(advice->estimatedChangeInterval.count(), holds * hold);
    // P(rate small enough for this TTL) = 1 - exp(-ln(1/0.9) * E / ttl): 63% below the max,
    // growing with the exposure beyond it.
    const double expectedConfidence =
        -std::expm1(ln1m(0.10) * double(holds * hold) / double(advice->ttl.count()));
    QVERIFY(std::abs(advice->confidence - expectedConfidence) < 1e-9);
    if (expected < maxTtl)
        QVERIFY(std::abs(advice->confidence - 0.632) < 0.01);
}

void TestTtlAdvisor::followsRateChange_data() {
    QTest::addColumn<int>("everyBefore");
    QTest::addColumn<int>("everyAfter");
    QTest::addColumn<int>("within");
    // Fixed holds of 60 s; 2000 holds with one pattern, then the other. "within": the stated
    // number of observations after the change by which the advice is within 25% of the new
    // ideal TTL (measured: 36, 75 and 319). A speed-up is followed fast: the fast estimate
    // (memory of 4 changes) replaces the slow one once it sees 1.5 x the rate. A slow-down is
    // left to the slow estimate, whose every change forgets 1/16 of the past, and whose
    // exposure grows while nothing changes (the safe direction: until then the TTL stays
    // short, which costs revalidations, not stale answers).
    QTest::newRow("10x faster: 1 in 20 -> 1 in 2") << 20 << 2 << 40;
    QTest::newRow("4x faster: 1 in 20 -> 1 in 5") << 20 << 5 << 80;
    QTest::newRow("4x slower: 1 in 5 -> 1 in 20") << 5 << 20 << 400;
}

void TestTtlAdvisor::followsRateChange() {
    QFETCH(int, everyBefore);
    QFETCH(int, everyAfter);
    QFETCH(int, within);
    TtlAdvisor advisor;
    qint64 clock = 0;
    const qint64 hold = 60;
    feedPattern(advisor, kOp, 2000, hold, everyBefore, clock);
    const double before = idealTtl(double(hold), 1.0 / everyBefore);
    const double after = idealTtl(double(hold), 1.0 / everyAfter);
    const auto settled = advisor.advise(kOp, kWide, at(clock));
    QVERIFY(settled);
    QVERIFY(std::abs(double(settled->ttl.count()) - before) < 0.12 * before);
    int followedAfter = -1;
    for (int i = 1; i <= 2000 && followedAfter < 0; ++i) {
        clock += hold;
        advisor.observe(kOp, i % everyAfter == 0, seconds{hold}, at(clock));
        const auto advice = advisor.advise(kOp, kWide, at(clock));
        if (std::abs(double(advice->ttl.count()) - after) <= 0.25 * after)
            followedAfter = i;
    }
    QVERIFY2(followedAfter > 0 && followedAfter <= within,
             qPrintable(QStringLiteral("followed after %1 observations").arg(followedAfter)));
}

void TestTtlAdvisor::closedLoopFollowsRateChange_data() {
    QTest::addColumn<double>("meanBefore");
    QTest::addColumn<double>("meanAfter");
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<int>("within");
    // The data path's loop on a seeded Poisson process whose rate changes after 1000
    // revalidations. "within": the stated number of revalidations after the change by which the
    // advised TTL is within a factor of 1.5 of the new ideal. The bounds are the 99th
    // percentile over 300 other seeds, rounded up (median / p99 / max there: 10x faster
    // 38 / 144 / 194, 3x faster 27 / 115 / 185, 10x slower 352 / 561 / 677, 3x slower
    // 168 / 407 / 491); these seeds take 34, 69, 46, 63, 458 and 166.
    QTest::newRow("10x faster, seed 21") << 3600.0 << 360.0 << quint64(21) << 150;
    QTest::newRow("10x faster, seed 22") << 3600.0 << 360.0 << quint64(22) << 150;
    QTest::newRow("3x faster, seed 23") << 900.0 << 300.0 << quint64(23) << 120;
    QTest::newRow("3x faster, seed 24") << 900.0 << 300.0 << quint64(24) << 120;
    QTest::newRow("10x slower, seed 25") << 360.0 << 3600.0 << quint64(25) << 600;
    QTest::newRow("3x slower, seed 26") << 300.0 << 900.0 << quint64(26) << 450;
}

void TestTtlAdvisor::closedLoopFollowsRateChange() {
    QFETCH(double, meanBefore);
    QFETCH(double, meanAfter);
    QFETCH(quint64, seed);
    QFETCH(int, within);
    TtlAdvisor advisor;
    std::mt19937_64 rng(seed);
    qint64 clock = 0;
    auto revalidate = [&](double mean) {
        const auto advice = advisor.advise(kOp, kWide, at(clock));
        const qint64 hold = advice ? advice->ttl.count() : 600;
        const bool changed = uniform01(rng) < -std::expm1(-double(hold) / mean);
        clock += hold;
        advisor.observe(kOp, changed, seconds{hold}, at(clock));
    };
    for (int i = 0; i < 1000; ++i)
        revalidate(meanBefore);
    const double ideal = -meanAfter * ln1m(0.10);
    int followedAfter = -1;
    for (int i = 1; i <= 5000 && followedAfter < 0; ++i) {
        revalidate(meanAfter);
        const double ttl = double(advisor.advise(kOp, kWide, at(clock))->ttl.count());
        if (ttl <= 1.5 * ideal && ttl >= ideal / 1.5)
            followedAfter = i;
    }
    QVERIFY2(followedAfter > 0 && followedAfter <= within,
             qPrintable(QStringLiteral("followed after %1 revalidations").arg(followedAfter)));
}

void TestTtlAdvisor::memoryBoundForgetsLeastRecentlyObserved() {
    TtlAdvisor::Options options;
    options.maxOperations = 100;
    options.shards = 1;
    options.minObservations = 1;
    TtlAdvisor advisor(options);
    auto op = [](int i) { return "svc GET /r" + QByteArray::number(i); };
    for (int i = 0; i < 100; ++i)
        advisor.observe(op(i), false, seconds{10}, at(i));
    QCOMPARE(advisor.size(), std::size_t(100));
    // Observing 0 again makes 1 the least recently observed; advising does not count.
    advisor.observe(op(0), false, seconds{10}, at(100));
    QVERIFY(advisor.advise(op(1), kWide, at(100)));
    for (int i = 100; i < 150; ++i)
        advisor.observe(op(i), false, seconds{10}, at(i + 1));
    QCOMPARE(advisor.size(), std::size_t(100));
    QVERIFY(advisor.advise(op(0), kWide, at(200)));
    for (int i = 1; i <= 50; ++i)
        QVERIFY2(!advisor.advise(op(i), kWide, at(200)), qPrintable(op(i)));
    for (int i = 51; i < 150; ++i)
        QVERIFY2(advisor.advise(op(i), kWide, at(200)), qPrintable(op(i)));
    QCOMPARE(advisor.stats().forgotten, std::uint64_t(50));
    // What a forgotten operation had learned is gone: it starts again.
    advisor.observe(op(1), false, seconds{10}, at(300));
    QCOMPARE(advisor.advise(op(1), kWide, at(300))->observations, std::uint64_t(1));
}

void TestTtlAdvisor::memoryBoundWithShards_data() {
    QTest::addColumn<int>("maxOperations");
    QTest::addColumn<int>("shards");
    QTest::addColumn<int>("distinct");
    QTest::addColumn<int>("expectedShards");
    QTest::newRow("default: 10,000 operations, 16 shards, 30,000 seen") << -1 << -1 << 30000 << 16;
    QTest::newRow("1000, 16 shards, 5000 seen") << 1000 << 16 << 5000 << 16;
    QTest::newRow("1000, 12 shards asked: 8") << 1000 << 12 << 5000 << 8;
    QTest::newRow("10, 16 shards asked: 8") << 10 << 16 << 100 << 8;
    QTest::newRow("1, 16 shards asked: one") << 1 << 16 << 20 << 1;
}

void TestTtlAdvisor::memoryBoundWithShards() {
    QFETCH(int, maxOperations);
    QFETCH(int, shards);
    QFETCH(int, distinct);
    QFETCH(int, expectedShards);
    TtlAdvisor::Options options;
    if (maxOperations > 0)
        options.maxOperations = std::size_t(maxOperations);
    if (shards > 0)
        options.shards = std::size_t(shards);
    TtlAdvisor advisor(options);
    const std::size_t bound = advisor.options().maxOperations;
    QCOMPARE(bound, std::size_t(maxOperations > 0 ? maxOperations : 10000));
    QCOMPARE(advisor.shardCount(), std::size_t(expectedShards));
    std::size_t largest = 0;
    for (int i = 0; i < distinct; ++i) {
        advisor.observe("op " + QByteArray::number(i), i % 3 == 0, seconds{5}, at(i));
        if (i % 97 == 0)
            largest = std::max(largest, advisor.size());
    }
    largest = std::max(largest, advisor.size());
    QVERIFY(largest <= bound);
    // Shards fill unevenly but each holds bound / shards: most of the bound is used.
    QVERIFY(advisor.size() >= bound * 3 / 4);
    const auto stats = advisor.stats();
    QCOMPARE(stats.operations, advisor.size());
    QCOMPARE(stats.forgotten, std::uint64_t(distinct) - advisor.size());
    QCOMPARE(stats.observations, std::uint64_t(distinct));
    // The most recent one is always still there.
    advisor.observe("op " + QByteArray::number(distinct - 1), false, seconds{5}, at(distinct));
    QVERIFY(advisor.estimatedRate("op " + QByteArray::number(distinct - 1)));
}

void TestTtlAdvisor::oldKnowledgeGivesNoAdvice() {
    TtlAdvisor::Options options;
    options.forgetAfter = seconds{3600};
    TtlAdvisor advisor(options);
    qint64 clock = 0;
    feedPattern(advisor, kOp, 30, 60, 3, clock);
    QVERIFY(advisor.advise(kOp, kWide, at(clock + 3600)));
    QVERIFY(!advisor.advise(kOp, kWide, at(clock + 3601)));
    // Observed again after the gap: it starts from nothing.
    clock += 7200;
    advisor.observe(kOp, false, seconds{60}, at(clock));
    QCOMPARE(*advisor.estimatedRate(kOp), 1.0 / 60.0);
    QCOMPARE(advisor.stats().forgotten, std::uint64_t(1));
    QVERIFY(!advisor.advise(kOp, kWide, at(clock))); // one observation: below the minimum
}

void TestTtlAdvisor::forgetAndClear() {
    TtlAdvisor advisor;
    qint64 clock = 0;
    feedPattern(advisor, "a", 5, 60, 2, clock);
    feedPattern(advisor, "b", 5, 60, 2, clock);
    QCOMPARE(advisor.size(), std::size_t(2));
    advisor.forget("a");
    QVERIFY(!advisor.advise("a", kWide, at(clock)));
    QVERIFY(advisor.advise("b", kWide, at(clock)));
    advisor.forget("unknown");
    QCOMPARE(advisor.size(), std::size_t(1));
    advisor.clear();
    QCOMPARE(advisor.size(), std::size_t(0));
    QVERIFY(!advisor.advise("b", kWide, at(clock)));
}

void TestTtlAdvisor::concurrentUse() {
    // Four threads observe and advise at once: each its own operations (a deterministic
    // pattern, so their advice is known), and one shared operation whose observations are all
    // unchanged (so its state does not depend on the interleaving: E = the sum of the holds).
    constexpr int kThreads = 4;
    constexpr int kRounds = 20000;
    TtlAdvisor::Options options;
    options.maxOperations = 4000;
    TtlAdvisor advisor(options);
    const QByteArray shared = "shared GET /config";
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    std::vector<int> advised(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 1; i <= kRounds; ++i) {
                const QByteArray own =
                    "t" + QByteArray::number(t) + " /" + QByteArray::number(i % 200);
                advisor.observe(own, (i / 200) % 10 == 9, seconds{60}, at(i));
                advisor.observe(shared, false, seconds{t + 1}, at(i));
                if (advisor.advise(own, kWide, at(i)))
                    ++advised[t];
                advisor.advise(shared, kWide, at(i));
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(advisor.size(), std::size_t(kThreads * 200 + 1));
    QCOMPARE(advisor.stats().observations, std::uint64_t(2 * kThreads * kRounds));
    for (int t = 0; t < kThreads; ++t) {
        QCOMPARE(advised[t], kRounds - 2 * 200); // all but each operation's first two
        // 100 observations each, one in ten changed: about 60 s.
        const auto own = advisor.advise("t" + QByteArray::number(t) + " /7", kWide, at(kRounds));
        QVERIFY(own);
        QCOMPARE(own->observations, std::uint64_t(kRounds / 200));
    }
    const auto sharedAdvice =
        advisor.advise(shared, {seconds{1}, seconds{1'000'000'000}}, at(kRounds));
    QVERIFY(sharedAdvice);
    QCOMPARE(sharedAdvice->observations, std::uint64_t(kThreads * kRounds));
    const qint64 exposure = qint64(kRounds) * (1 + 2 + 3 + 4);
    QCOMPARE(sharedAdvice->estimatedChangeInterval.count(), exposure);
    QCOMPARE(sharedAdvice->ttl.count(), qint64(std::floor(-ln1m(0.10) * double(exposure))));
}

QTEST_GUILESS_MAIN(TestTtlAdvisor)
#include "tst_ttl_advisor.moc"
