#include <backend/resilience/rate_limiter.h>
#include <tests/support/manual_clock.h>

#include <QTest>

#include <atomic>
#include <limits>
#include <thread>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;

// RateLimiter: the token bucket of a service, driven by explicit time points.
class TestRateLimiter : public QObject {
    Q_OBJECT
private slots:
    void burstThenRefusal_data();
    void burstThenRefusal();
    void refill();
    void refillNeverExceedsBurst();
    void retryAfter_data();
    void retryAfter();
    void unlimited_data();
    void unlimited();
    void concurrentTakesAreExact_data();
    void concurrentTakesAreExact();
};

namespace {

RateLimitConfig rateConfig(double requestsPerSecond, int burst) {
    RateLimitConfig config;
    config.requestsPerSecond = requestsPerSecond;
    config.burst = burst;
    return config;
}

} // namespace

void TestRateLimiter::burstThenRefusal_data() {
    QTest::addColumn<double>("rps");
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("expectedBurst");

    QTest::newRow("10 rps, burst unset: one second's worth") << 10.0 << 0 << 10;
    QTest::newRow("10 rps, burst 5") << 10.0 << 5 << 5;
    QTest::newRow("10 rps, burst 50") << 10.0 << 50 << 50;
    QTest::newRow("0.5 rps, burst unset: one") << 0.5 << 0 << 1;
    QTest::newRow("2.5 rps, burst unset: three") << 2.5 << 0 << 3;
    QTest::newRow("1000 rps, burst 1") << 1000.0 << 1 << 1;
}

void TestRateLimiter::burstThenRefusal() {
    QFETCH(double, rps);
    QFETCH(int, burst);
    QFETCH(int, expectedBurst);

    const ManualClock clock;
    RateLimiter limiter(rateConfig(rps, burst));
    QVERIFY(!limiter.isUnlimited());
    QCOMPARE(limiter.burst(), expectedBurst);
    QCOMPARE(limiter.availableTokens(clock.now()), expectedBurst);
    for (int i = 0; i < expectedBurst; ++i)
        QVERIFY2(limiter.tryTake(clock.now()), qPrintable(QString::number(i)));
    QCOMPARE(limiter.availableTokens(clock.now()), 0);
    QVERIFY(!limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));
    QCOMPARE(limiter.admitted(), quint64(expectedBurst));
    QCOMPARE(limiter.limited(), quint64(2));
}

void TestRateLimiter::refill() {
    ManualClock clock;
    RateLimiter limiter(rateConfig(10, 5)); // a token every 100 ms
    for (int i = 0; i < 5; ++i)
        QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));

    clock.advance(99ms);
    QVERIFY(!limiter.tryTake(clock.now()));
    clock.advance(1ms);
    QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));

    clock.advance(250ms); // two and a half tokens
    QCOMPARE(limiter.availableTokens(clock.now()), 2);
    QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));
    clock.advance(50ms); // the half token completes
    QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));
}

void TestRateLimiter::refillNeverExceedsBurst() {
    ManualClock clock;
    RateLimiter limiter(rateConfig(10, 5));
    QVERIFY(limiter.tryTake(clock.now()));
    clock.advance(1h);
    QCOMPARE(limiter.availableTokens(clock.now()), 5);
    for (int i = 0; i < 5; ++i)
        QVERIFY(limiter.tryTake(clock.now()));
    QVERIFY(!limiter.tryTake(clock.now()));
}

void TestRateLimiter::retryAfter_data() {
    QTest::addColumn<double>("rps");
    QTest::addColumn<int>("burst");
    QTest::addColumn<int>("taken");
    QTest::addColumn<int>("advanceMs");
    QTest::addColumn<int>("expectedMs");

    QTest::newRow("tokens left") << 10.0 << 5 << 4 << 0 << 0;
    QTest::newRow("empty, 10 rps") << 10.0 << 5 << 5 << 0 << 100;
    QTest::newRow("empty, 30 ms later") << 10.0 << 5 << 5 << 30 << 70;
    QTest::newRow("empty, 100 ms later") << 10.0 << 5 << 5 << 100 << 0;
    QTest::newRow("empty, 2 rps") << 2.0 << 1 << 1 << 0 << 500;
    QTest::newRow("empty, 3 rps: rounded up") << 3.0 << 1 << 1 << 0 << 334;
    QTest::newRow("empty, 0.1 rps") << 0.1 << 1 << 1 << 0 << 10000;
    QTest::newRow("empty, 0.1 rps, 9.5 s later") << 0.1 << 1 << 1 << 9500 << 500;
}

void TestRateLimiter::retryAfter() {
    QFETCH(double, rps);
    QFETCH(int, burst);
    QFETCH(int, taken);
    QFETCH(int, advanceMs);
    QFETCH(int, expectedMs);

    ManualClock clock;
    RateLimiter limiter(rateConfig(rps, burst));
    for (int i = 0; i < taken; ++i)
        QVERIFY(limiter.tryTake(clock.now()));
    clock.advance(std::chrono::milliseconds(advanceMs));
    const auto wait = limiter.retryAfter(clock.now());
    QCOMPARE(wait.count(), expectedMs);

    // The answer is right: just before it no token, at it one.
    if (expectedMs > 0) {
        clock.advance(wait - 1ms);
        QVERIFY(!limiter.tryTake(clock.now()));
        clock.advance(1ms);
    }
    QVERIFY(limiter.tryTake(clock.now()));
}

void TestRateLimiter::unlimited_data() {
    QTest::addColumn<double>("rps");
    QTest::addColumn<int>("burst");

    QTest::newRow("0 rps") << 0.0 << 0;
    QTest::newRow("0 rps, burst set") << 0.0 << 3;
    QTest::newRow("negative rps") << -5.0 << 0;
}

void TestRateLimiter::unlimited() {
    QFETCH(double, rps);
    QFETCH(int, burst);

    const ManualClock clock;
    RateLimiter limiter(rateConfig(rps, burst));
    QVERIFY(limiter.isUnlimited());
    for (int i = 0; i < 100000; ++i)
        QVERIFY(limiter.tryTake(clock.now()));
    QCOMPARE(limiter.retryAfter(clock.now()).count(), 0);
    QCOMPARE(limiter.availableTokens(clock.now()), std::numeric_limits<int>::max());
    QCOMPARE(limiter.admitted(), quint64(100000));
    QCOMPARE(limiter.limited(), quint64(0));
}

void TestRateLimiter::concurrentTakesAreExact_data() {
    QTest::addColumn<int>("threads");

    QTest::newRow("2 threads") << 2;
    QTest::newRow("4 threads") << 4;
}

void TestRateLimiter::concurrentTakesAreExact() {
    QFETCH(int, threads);

    const ManualClock clock;
    const auto now = clock.now(); // time stands still: no refill
    RateLimiter limiter(rateConfig(1, 1000));
    constexpr int attemptsPerThread = 5000; // every thread alone could empty the bucket
    std::atomic<int> taken{0};
    std::atomic<int> ready{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            ready.fetch_add(1);
            while (ready.load() < threads) {
            }
            int mine = 0;
            for (int i = 0; i < attemptsPerThread; ++i)
                mine += limiter.tryTake(now) ? 1 : 0;
            taken.fetch_add(mine);
        });
    }
    for (auto &worker : workers)
        worker.join();

    QCOMPARE(taken.load(), 1000);
    QCOMPARE(limiter.admitted(), quint64(1000));
    QCOMPARE(limiter.limited(), quint64(threads * attemptsPerThread - 1000));
    QVERIFY(!limiter.tryTake(now));
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_rate_limiter.moc"
