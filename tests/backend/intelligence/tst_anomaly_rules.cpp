#include <backend/intelligence/anomaly_rules.h>

#include <QTest>

#include <random>

using namespace ToolCapture;

// The anomaly rules: an operation against its own robust baseline, load imbalance across a
// service's instances, and an instance's risk of failing before its breaker trips.
class TestAnomalyRules : public QObject {
    Q_OBJECT
private slots:
    void spikeIsAnomalousAndDoesNotBecomeNormal();
    void noiseIsNotAnomalous();
    void slowDriftIsFollowed();
    void warmupAndMinDelta_data();
    void warmupAndMinDelta();
    void sustainedShiftBecomesTheNewNormal();
    void loadImbalance_data();
    void loadImbalance();
    void failureRisk_data();
    void failureRisk();
};

namespace {

// Latencies around 20 ms with a few ms of noise.
std::vector<double> noisy(int n, double mean, double spread, unsigned seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<double> noise(mean, spread);
    std::vector<double> values;
    for (int i = 0; i < n; ++i)
        values.push_back(std::max(0.0, noise(random)));
    return values;
}

} // namespace

void TestAnomalyRules::spikeIsAnomalousAndDoesNotBecomeNormal() {
    RobustBaseline baseline;
    for (double v : noisy(100, 20, 2, 1))
        QVERIFY(!baseline.observe(v).anomalous);
    const double before = baseline.mean();
    const RobustBaseline::Verdict spike = baseline.observe(200);
    QVERIFY(spike.anomalous);
    QVERIFY(spike.z > 10);
    QVERIFY2(std::abs(spike.mean - before) < 1e-9, "judged against the baseline before it");
    // Clamped: the spike moved the mean by a fraction of a millisecond, not by 9 ms.
    QVERIFY2(baseline.mean() - before < 1.0, qPrintable(QString::number(baseline.mean())));
    QVERIFY(!baseline.observe(21).anomalous);
}

void TestAnomalyRules::noiseIsNotAnomalous() {
    RobustBaseline baseline;
    int flagged = 0;
    for (double v : noisy(5000, 20, 2, 2))
        flagged += baseline.observe(v).anomalous ? 1 : 0;
    // Normal noise beyond 3.5 robust sigmas: a handful in thousands at most.
    QVERIFY2(flagged <= 10, qPrintable(QString::number(flagged)));
}

void TestAnomalyRules::slowDriftIsFollowed() {
    RobustBaseline baseline;
    int flagged = 0;
    std::mt19937_64 random(3);
    std::normal_distribution<double> noise(0, 1);
    // From 20 ms to 40 ms over 2000 windows: a trend the baseline follows, not an alarm.
    for (int i = 0; i < 2000; ++i)
        flagged += baseline.observe(20 + 20.0 * i / 2000 + noise(random)).anomalous ? 1 : 0;
    QVERIFY2(flagged <= 5, qPrintable(QString::number(flagged)));
    QVERIFY(std::abs(baseline.mean() - 40) < 2);
}

void TestAnomalyRules::warmupAndMinDelta_data() {
    QTest::addColumn<int>("warmup");
    QTest::addColumn<double>("minDelta");
    QTest::addColumn<double>("spike");
    QTest::addColumn<bool>("anomalous");
    QTest::newRow("after warm-up") << 5 << 0.0 << 30.0 << true;
    QTest::newRow("during warm-up") << 50 << 0.0 << 30.0 << false;
    QTest::newRow("far in sigmas, small in ms") << 5 << 50.0 << 30.0 << false;
    QTest::newRow("far in both") << 5 << 5.0 << 30.0 << true;
}

void TestAnomalyRules::warmupAndMinDelta() {
    QFETCH(int, warmup);
    QFETCH(double, minDelta);
    QFETCH(double, spike);
    QFETCH(bool, anomalous);
    RobustBaseline::Options options;
    options.warmup = warmup;
    options.minDelta = minDelta;
    RobustBaseline baseline(options);
    for (double v : noisy(20, 20, 1, 4))
        baseline.observe(v);
    QCOMPARE(baseline.observe(spike).anomalous, anomalous);
}

void TestAnomalyRules::sustainedShiftBecomesTheNewNormal() {
    RobustBaseline baseline;
    for (double v : noisy(200, 20, 2, 5))
        baseline.observe(v);
    // A deploy doubles the latency for good: alarms first, then it is the normal.
    int firstQuiet = -1;
    const std::vector<double> shifted = noisy(600, 40, 2, 6);
    QVERIFY(baseline.observe(shifted[0]).anomalous);
    for (size_t i = 1; i < shifted.size(); ++i) {
        if (!baseline.observe(shifted[i]).anomalous && firstQuiet < 0)
            firstQuiet = int(i);
    }
    QVERIFY(firstQuiet > 0);
    QVERIFY(std::abs(baseline.mean() - 40) < 2);
}

void TestAnomalyRules::loadImbalance_data() {
    QTest::addColumn<std::vector<double>>("requests");
    QTest::addColumn<std::vector<double>>("expected");
    QTest::addColumn<double>("score");
    QTest::newRow("balanced, 2") << std::vector<double>{100, 100} << std::vector<double>{} << 0.0;
    QTest::newRow("balanced, 4") << std::vector<double>{50, 50, 50, 50} << std::vector<double>{}
                                 << 0.0;
    QTest::newRow("all on one of 2") << std::vector<double>{200, 0} << std::vector<double>{} << 1.0;
    QTest::newRow("all on one of 4")
        << std::vector<double>{0, 0, 400, 0} << std::vector<double>{} << 1.0;
    QTest::newRow("60/40") << std::vector<double>{60, 40} << std::vector<double>{} << 0.2;
    QTest::newRow("70/30: above the 0.4 line")
        << std::vector<double>{70, 30} << std::vector<double>{} << 0.4;
    QTest::newRow("weights 3:1, traffic 3:1")
        << std::vector<double>{75, 25} << std::vector<double>{3, 1} << 0.0;
    QTest::newRow("weights 3:1, traffic 1:1")
        << std::vector<double>{50, 50} << std::vector<double>{3, 1} << 0.25 / 0.75;
    QTest::newRow("one instance") << std::vector<double>{100} << std::vector<double>{} << 0.0;
    QTest::newRow("no traffic") << std::vector<double>{0, 0} << std::vector<double>{} << 0.0;
}

void TestAnomalyRules::loadImbalance() {
    QFETCH(std::vector<double>, requests);
    QFETCH(std::vector<double>, expected);
    QFETCH(double, score);
    QVERIFY2(std::abs(loadImbalanceScore(requests, expected) - score) < 1e-9,
             qPrintable(QString::number(loadImbalanceScore(requests, expected))));
}

void TestAnomalyRules::failureRisk_data() {
    QTest::addColumn<double>("failureRate");
    QTest::addColumn<double>("slowCallRate");
    QTest::addColumn<double>("shortTerm");
    QTest::addColumn<double>("longTerm");
    QTest::addColumn<int>("calls");
    QTest::addColumn<double>("risk");
    // Breaker thresholds: failures 0.5, slow calls 1.0 (the defaults below).
    QTest::newRow("healthy") << 0.0 << 0.0 << 0.0 << 0.0 << 100 << 0.0;
    QTest::newRow("at the threshold, steady") << 0.5 << 0.0 << 0.5 << 0.5 << 100 << 0.7;
    QTest::newRow("86% of it, steady: just above 0.6")
        << 0.43 << 0.0 << 0.43 << 0.43 << 100 << 0.7 * 0.86;
    QTest::newRow("half of it, rising fast")
        << 0.25 << 0.0 << 0.45 << 0.05 << 100 << 0.7 * 0.5 + 0.3 * 0.8;
    QTest::newRow("falling: no trend") << 0.25 << 0.0 << 0.05 << 0.45 << 100 << 0.35;
    QTest::newRow("slow calls count too") << 0.0 << 0.9 << 0.0 << 0.0 << 100 << 0.63;
    QTest::newRow("beyond everything: capped") << 1.0 << 1.0 << 1.0 << 0.0 << 100 << 1.0;
    QTest::newRow("too few calls") << 1.0 << 0.0 << 1.0 << 0.0 << 5 << 0.0;
}

void TestAnomalyRules::failureRisk() {
    QFETCH(double, failureRate);
    QFETCH(double, slowCallRate);
    QFETCH(double, shortTerm);
    QFETCH(double, longTerm);
    QFETCH(int, calls);
    QFETCH(double, risk);
    FailureRiskInput input;
    input.failureRate = failureRate;
    input.slowCallRate = slowCallRate;
    input.shortTermRate = shortTerm;
    input.longTermRate = longTerm;
    input.calls = std::uint64_t(calls);
    QVERIFY2(std::abs(ToolCapture::failureRisk(input) - risk) < 1e-9,
             qPrintable(QString::number(ToolCapture::failureRisk(input))));
}

QTEST_GUILESS_MAIN(TestAnomalyRules)
#include "tst_anomaly_rules.moc"
