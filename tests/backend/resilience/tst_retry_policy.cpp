#include <backend/resilience/retry_policy.h>

#include <QTest>

#include <cstdint>
#include <limits>
#include <random>

using namespace ToolCapture;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(ToolCapture::RetryPolicy::FailureKind)

// RetryPolicy: which requests and failures are retried, and the full-jitter backoff.
class TestRetryPolicy : public QObject {
    Q_OBJECT
private slots:
    void isRetryable_data();
    void isRetryable();
    void failureKindForStatus_data();
    void failureKindForStatus();
    void shouldRetry_data();
    void shouldRetry();
    void backoffBounds_data();
    void backoffBounds();
    void backoffDistribution_data();
    void backoffDistribution();
    void perTryTimeout_data();
    void perTryTimeout();
    void liveMaxAttempts();
};

void TestRetryPolicy::isRetryable_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("idempotencyKey");
    QTest::addColumn<bool>("expected");

    QTest::newRow("GET") << QByteArray("GET") << false << true;
    QTest::newRow("HEAD") << QByteArray("HEAD") << false << true;
    QTest::newRow("OPTIONS") << QByteArray("OPTIONS") << false << true;
    QTest::newRow("PUT") << QByteArray("PUT") << false << true;
    QTest::newRow("DELETE") << QByteArray("DELETE") << false << true;
    QTest::newRow("POST") << QByteArray("POST") << false << false;
    QTest::newRow("PATCH") << QByteArray("PATCH") << false << false;
    QTest::newRow("CONNECT") << QByteArray("CONNECT") << false << false;
    QTest::newRow("TRACE") << QByteArray("TRACE") << false << false;
    QTest::newRow("lower-case get is not GET") << QByteArray("get") << false << false;
    QTest::newRow("GETX") << QByteArray("GETX") << false << false;
    QTest::newRow("empty") << QByteArray() << false << false;
    QTest::newRow("POST with key") << QByteArray("POST") << true << true;
    QTest::newRow("PATCH with key") << QByteArray("PATCH") << true << true;
    QTest::newRow("GET with key") << QByteArray("GET") << true << true;
}

void TestRetryPolicy::isRetryable() {
    QFETCH(QByteArray, method);
    QFETCH(bool, idempotencyKey);
    QFETCH(bool, expected);
    QCOMPARE(RetryPolicy::isRetryable(method, idempotencyKey), expected);
}

void TestRetryPolicy::failureKindForStatus_data() {
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("isFailure");
    QTest::addColumn<RetryPolicy::FailureKind>("kind");

    using K = RetryPolicy::FailureKind;
    QTest::newRow("200") << 200 << false << K::Status500;
    QTest::newRow("404") << 404 << false << K::Status500;
    QTest::newRow("429 is overload") << 429 << false << K::Status500;
    QTest::newRow("500") << 500 << true << K::Status500;
    QTest::newRow("501") << 501 << false << K::Status500;
    QTest::newRow("502") << 502 << true << K::Status502;
    QTest::newRow("503") << 503 << true << K::Status503;
    QTest::newRow("504") << 504 << true << K::Status504;
    QTest::newRow("505") << 505 << false << K::Status500;
}

void TestRetryPolicy::failureKindForStatus() {
    QFETCH(int, status);
    QFETCH(bool, isFailure);
    QFETCH(RetryPolicy::FailureKind, kind);
    const auto result = RetryPolicy::failureKindForStatus(status);
    QCOMPARE(result.has_value(), isFailure);
    if (isFailure)
        QCOMPARE(*result, kind);
}

void TestRetryPolicy::shouldRetry_data() {
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<bool>("retryInternalError");
    QTest::addColumn<int>("attemptsMade");
    QTest::addColumn<RetryPolicy::FailureKind>("kind");
    QTest::addColumn<bool>("responseStarted");
    QTest::addColumn<bool>("expected");

    using K = RetryPolicy::FailureKind;
    QTest::newRow("connect error, first attempt")
        << 3 << false << 1 << K::ConnectError << false << true;
    QTest::newRow("reset, first attempt") << 3 << false << 1 << K::Reset << false << true;
    QTest::newRow("bad response") << 3 << false << 1 << K::BadResponse << false << true;
    QTest::newRow("per-try timeout") << 3 << false << 1 << K::PerTryTimeout << false << true;
    QTest::newRow("502") << 3 << false << 1 << K::Status502 << false << true;
    QTest::newRow("503") << 3 << false << 1 << K::Status503 << false << true;
    QTest::newRow("504") << 3 << false << 1 << K::Status504 << false << true;
    QTest::newRow("500 not by default") << 3 << false << 1 << K::Status500 << false << false;
    QTest::newRow("500 when configured") << 3 << true << 1 << K::Status500 << false << true;
    QTest::newRow("second attempt of three") << 3 << false << 2 << K::Reset << false << true;
    QTest::newRow("third attempt of three") << 3 << false << 3 << K::Reset << false << false;
    QTest::newRow("beyond max attempts") << 3 << false << 7 << K::Reset << false << false;
    QTest::newRow("zero attempts made") << 3 << false << 0 << K::Reset << false << false;
    QTest::newRow("response started") << 3 << false << 1 << K::Reset << true << false;
    QTest::newRow("response started, 503") << 3 << false << 1 << K::Status503 << true << false;
    QTest::newRow("response started, 500 configured")
        << 3 << true << 1 << K::Status500 << true << false;
    QTest::newRow("max attempts 1: never") << 1 << false << 1 << K::ConnectError << false << false;
    QTest::newRow("max attempts 0 counts as 1")
        << 0 << false << 1 << K::ConnectError << false << false;
    QTest::newRow("max attempts 5, fourth") << 5 << false << 4 << K::Status504 << false << true;
    QTest::newRow("max attempts 5, fifth") << 5 << false << 5 << K::Status504 << false << false;
}

void TestRetryPolicy::shouldRetry() {
    QFETCH(int, maxAttempts);
    QFETCH(bool, retryInternalError);
    QFETCH(int, attemptsMade);
    QFETCH(RetryPolicy::FailureKind, kind);
    QFETCH(bool, responseStarted);
    QFETCH(bool, expected);

    RetryConfig config;
    config.maxAttempts = maxAttempts;
    config.retryInternalError = retryInternalError;
    const RetryPolicy policy(config);
    QCOMPARE(policy.shouldRetry(attemptsMade, kind, responseStarted), expected);
}

void TestRetryPolicy::backoffBounds_data() {
    QTest::addColumn<int>("baseMs");
    QTest::addColumn<int>("maxMs");
    QTest::addColumn<int>("retry");
    QTest::addColumn<int>("expectedCapMs");

    // min(2000, 50 * 2^retry), written out rather than computed.
    const int caps[] = {50, 100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000};
    for (int retry = 0; retry <= 10; ++retry)
        QTest::addRow("50/2000 retry %d", retry) << 50 << 2000 << retry << caps[retry];
    QTest::newRow("retry 62") << 50 << 2000 << 62 << 2000;
    QTest::newRow("retry 63 (shift overflow)") << 50 << 2000 << 63 << 2000;
    QTest::newRow("retry INT_MAX") << 50 << 2000 << std::numeric_limits<int>::max() << 2000;
    QTest::newRow("negative retry is the first") << 50 << 2000 << -4 << 50;
    QTest::newRow("base above max") << 5000 << 2000 << 0 << 2000;
    QTest::newRow("base 1, retry 10") << 1 << 100000 << 10 << 1024;
    QTest::newRow("zero base") << 0 << 2000 << 5 << 0;
    QTest::newRow("zero max") << 50 << 0 << 5 << 0;
}

void TestRetryPolicy::backoffBounds() {
    QFETCH(int, baseMs);
    QFETCH(int, maxMs);
    QFETCH(int, retry);
    QFETCH(int, expectedCapMs);

    RetryConfig config;
    config.baseDelay = std::chrono::milliseconds(baseMs);
    config.maxDelay = std::chrono::milliseconds(maxMs);
    const RetryPolicy policy(config);

    QCOMPARE(policy.backoffCap(retry).count(), expectedCapMs);
    QCOMPARE(policy.backoff(retry, 0).count(), 0);
    QCOMPARE(policy.backoff(retry, std::numeric_limits<std::uint64_t>::max()).count(),
             expectedCapMs);
    const auto middle = policy.backoff(retry, std::uint64_t(1) << 63).count();
    QVERIFY2(middle >= expectedCapMs / 2 - 1 && middle <= expectedCapMs / 2 + 1,
             qPrintable(QString::number(middle)));
    QVERIFY(policy.backoff(retry, 0x0123456789abcdefULL).count() <= maxMs);
}

void TestRetryPolicy::backoffDistribution_data() {
    QTest::addColumn<int>("retry");
    QTest::addColumn<int>("capMs");
    QTest::addColumn<quint64>("seed");

    QTest::newRow("retry 0, cap 50") << 0 << 50 << quint64(1);
    QTest::newRow("retry 3, cap 400") << 3 << 400 << quint64(42);
    QTest::newRow("retry 9, cap 2000") << 9 << 2000 << quint64(20240601);
}

void TestRetryPolicy::backoffDistribution() {
    QFETCH(int, retry);
    QFETCH(int, capMs);
    QFETCH(quint64, seed);

    const RetryPolicy policy{RetryConfig{}}; // base 50, max 2000
    QCOMPARE(policy.backoffCap(retry).count(), capMs);

    std::mt19937_64 random(seed);
    constexpr int draws = 1000;
    double sum = 0;
    qint64 lowest = capMs;
    qint64 highest = 0;
    for (int i = 0; i < draws; ++i) {
        const qint64 delay = policy.backoff(retry, random()).count();
        QVERIFY2(delay >= 0 && delay <= capMs, qPrintable(QString::number(delay)));
        sum += double(delay);
        lowest = std::min(lowest, delay);
        highest = std::max(highest, delay);
    }
    // Uniform on [0, cap]: mean cap / 2 with a standard error of cap / sqrt(12 * 1000) (about
    // 0.9% of cap); 5% of cap is over five standard errors.
    const double mean = sum / draws;
    QVERIFY2(std::abs(mean - capMs / 2.0) <= capMs * 0.05, qPrintable(QString::number(mean)));
    // Full jitter spreads over the whole range, not only around the cap.
    QVERIFY(lowest <= capMs / 10);
    QVERIFY(highest >= capMs - capMs / 10);
}

void TestRetryPolicy::perTryTimeout_data() {
    QTest::addColumn<int>("configuredMs");
    QTest::addColumn<int>("firstByteMs");
    QTest::addColumn<int>("expectedMs");

    QTest::newRow("unset: the first-byte timeout") << 0 << 30000 << 30000;
    QTest::newRow("negative: the first-byte timeout") << -5 << 30000 << 30000;
    QTest::newRow("configured") << 1500 << 30000 << 1500;
    QTest::newRow("configured above first byte") << 45000 << 30000 << 45000;
}

void TestRetryPolicy::perTryTimeout() {
    QFETCH(int, configuredMs);
    QFETCH(int, firstByteMs);
    QFETCH(int, expectedMs);

    RetryConfig config;
    config.perTryTimeout = std::chrono::milliseconds(configuredMs);
    const RetryPolicy policy(config);
    QCOMPARE(policy.perTryTimeout(std::chrono::milliseconds(firstByteMs)).count(), expectedMs);
}

// Live setting: the attempt limit changes for the decisions that follow; never below 1.
void TestRetryPolicy::liveMaxAttempts() {
    RetryConfig config;
    config.maxAttempts = 3;
    RetryPolicy policy(config);
    QVERIFY(policy.shouldRetry(2, RetryPolicy::FailureKind::Status503, false));
    policy.setMaxAttempts(2);
    QCOMPARE(policy.maxAttempts(), 2);
    QVERIFY(!policy.shouldRetry(2, RetryPolicy::FailureKind::Status503, false));
    QVERIFY(policy.shouldRetry(1, RetryPolicy::FailureKind::Status503, false));
    policy.setMaxAttempts(0);
    QCOMPARE(policy.maxAttempts(), 1);
    QVERIFY(!policy.shouldRetry(1, RetryPolicy::FailureKind::Status503, false));
    QCOMPARE(policy.config().maxAttempts, 3); // as configured
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retry_policy.moc"
