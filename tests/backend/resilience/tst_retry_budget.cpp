#include <backend/resilience/retry_budget.h>

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace ToolCapture;

// RetryBudget: the share of active requests that may be retries, exact under concurrency.
class TestRetryBudget : public QObject {
    Q_OBJECT
private slots:
    void limit_data();
    void limit();
    void releaseFrees();
    void movedPermitReleasesOnce();
    void finishingRequestsLowerTheLimit();
    void liveBudget();
    void concurrentAcquireNeverExceedsLimit_data();
    void concurrentAcquireNeverExceedsLimit();
};

namespace {

RetryConfig budgetConfig(double budget, int minRetryConcurrency) {
    RetryConfig config;
    config.budget = budget;
    config.minRetryConcurrency = minRetryConcurrency;
    return config;
}

} // namespace

void TestRetryBudget::limit_data() {
    QTest::addColumn<double>("budget");
    QTest::addColumn<int>("minConcurrency");
    QTest::addColumn<int>("activeRequests");
    QTest::addColumn<int>("expectedLimit");

    QTest::newRow("10 active, 20%, no minimum") << 0.2 << 0 << 10 << 2;
    QTest::newRow("10 active, 20%, minimum 3") << 0.2 << 3 << 10 << 3;
    QTest::newRow("100 active, 20%, minimum 3") << 0.2 << 3 << 100 << 20;
    QTest::newRow("14 active, 20%: floor") << 0.2 << 0 << 14 << 2;
    QTest::newRow("15 active, 20%") << 0.2 << 0 << 15 << 3;
    QTest::newRow("no requests, no minimum") << 0.2 << 0 << 0 << 0;
    QTest::newRow("no requests, minimum 2") << 0.2 << 2 << 0 << 2;
    QTest::newRow("zero budget, minimum 1") << 0.0 << 1 << 50 << 1;
    QTest::newRow("full budget") << 1.0 << 0 << 7 << 7;
    QTest::newRow("negative budget is zero") << -0.5 << 0 << 50 << 0;
}

void TestRetryBudget::limit() {
    QFETCH(double, budget);
    QFETCH(int, minConcurrency);
    QFETCH(int, activeRequests);
    QFETCH(int, expectedLimit);

    RetryBudget retryBudget(budgetConfig(budget, minConcurrency));
    for (int i = 0; i < activeRequests; ++i)
        retryBudget.requestStarted();
    QCOMPARE(retryBudget.activeRequests(), activeRequests);
    QCOMPARE(retryBudget.retryLimit(), expectedLimit);

    std::vector<RetryPermit> permits;
    for (int i = 0; i < expectedLimit; ++i) {
        permits.push_back(retryBudget.tryAcquireRetry());
        QVERIFY2(permits.back().admitted(), qPrintable(QString::number(i)));
    }
    QCOMPARE(retryBudget.activeRetries(), expectedLimit);
    const RetryPermit refused = retryBudget.tryAcquireRetry();
    QVERIFY(!refused);
    QCOMPARE(retryBudget.activeRetries(), expectedLimit);
    QCOMPARE(retryBudget.retriesAdmitted(), quint64(expectedLimit));
    QCOMPARE(retryBudget.retriesRefused(), quint64(1));

    permits.clear();
    QCOMPARE(retryBudget.activeRetries(), 0);
}

void TestRetryBudget::releaseFrees() {
    RetryBudget budget(budgetConfig(0.2, 0));
    for (int i = 0; i < 10; ++i)
        budget.requestStarted();

    RetryPermit first = budget.tryAcquireRetry();
    {
        const RetryPermit second = budget.tryAcquireRetry();
        QVERIFY(first && second);
        QVERIFY(!budget.tryAcquireRetry());
    } // second released by its destructor
    QCOMPARE(budget.activeRetries(), 1);
    RetryPermit third = budget.tryAcquireRetry();
    QVERIFY(third);
    QVERIFY(!budget.tryAcquireRetry());

    first.release(); // early release
    QVERIFY(!first);
    first.release(); // a second release is a no-op
    QCOMPARE(budget.activeRetries(), 1);
    QVERIFY(budget.tryAcquireRetry()); // acquired and released at once
    QCOMPARE(budget.activeRetries(), 1);
    QCOMPARE(budget.retriesAdmitted(), quint64(4));
    QCOMPARE(budget.retriesRefused(), quint64(2));
}

void TestRetryBudget::movedPermitReleasesOnce() {
    RetryBudget budget(budgetConfig(0.0, 2));
    RetryPermit a = budget.tryAcquireRetry();
    RetryPermit b = std::move(a);
    QVERIFY(!a);
    QVERIFY(b);
    QCOMPARE(budget.activeRetries(), 1);

    RetryPermit c = budget.tryAcquireRetry();
    QCOMPARE(budget.activeRetries(), 2);
    c = std::move(b); // c's own slot is released, b's moves in
    QCOMPARE(budget.activeRetries(), 1);
    QVERIFY(c);
    QVERIFY(!b);
    c = RetryPermit();
    QCOMPARE(budget.activeRetries(), 0);
}

void TestRetryBudget::finishingRequestsLowerTheLimit() {
    RetryBudget budget(budgetConfig(0.2, 0));
    for (int i = 0; i < 10; ++i)
        budget.requestStarted();
    RetryPermit a = budget.tryAcquireRetry();
    RetryPermit b = budget.tryAcquireRetry();
    QVERIFY(a && b);

    for (int i = 0; i < 5; ++i)
        budget.requestFinished();
    QCOMPARE(budget.activeRequests(), 5);
    QCOMPARE(budget.retryLimit(), 1);
    QVERIFY(!budget.tryAcquireRetry()); // two held, limit now one
    a.release();
    QVERIFY(!budget.tryAcquireRetry()); // one held, limit one
    b.release();
    QVERIFY(budget.tryAcquireRetry());
}

void TestRetryBudget::concurrentAcquireNeverExceedsLimit_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("activeRequests");
    QTest::addColumn<int>("limit");

    QTest::newRow("2 threads, limit 1") << 2 << 5 << 1;
    QTest::newRow("2 threads, limit 2 of 10") << 2 << 10 << 2;
    QTest::newRow("4 threads, limit 2") << 4 << 10 << 2;
    QTest::newRow("4 threads, limit 3") << 4 << 15 << 3;
}

void TestRetryBudget::concurrentAcquireNeverExceedsLimit() {
    QFETCH(int, threads);
    QFETCH(int, activeRequests);
    QFETCH(int, limit);

    RetryBudget budget(budgetConfig(0.2, 0));
    for (int i = 0; i < activeRequests; ++i)
        budget.requestStarted();
    QCOMPARE(budget.retryLimit(), limit);

    constexpr int attemptsPerThread = 100000;
    std::atomic<int> inFlight{0};
    std::atomic<int> maxObserved{0};
    std::atomic<int> admitted{0};
    std::atomic<int> refused{0};
    std::atomic<int> ready{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            ready.fetch_add(1);
            while (ready.load() < threads) {
            } // start together, so that the threads contend
            for (int i = 0; i < attemptsPerThread; ++i) {
                RetryPermit permit = budget.tryAcquireRetry();
                if (!permit) {
                    refused.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                admitted.fetch_add(1, std::memory_order_relaxed);
                const int now = inFlight.fetch_add(1) + 1;
                int seen = maxObserved.load();
                while (now > seen && !maxObserved.compare_exchange_weak(seen, now)) {
                }
                inFlight.fetch_sub(1);
                // The permit is released here, after inFlight went down.
            }
        });
    }
    for (auto &worker : workers)
        worker.join();

    QVERIFY2(maxObserved.load() <= limit, qPrintable(QString::number(maxObserved.load())));
    QVERIFY(maxObserved.load() >= 1);
    QCOMPARE(admitted.load() + refused.load(), threads * attemptsPerThread);
    QCOMPARE(budget.retriesAdmitted(), quint64(admitted.load()));
    QCOMPARE(budget.retriesRefused(), quint64(refused.load()));
    QCOMPARE(budget.activeRetries(), 0);
}

// Live setting: the share changes the limit from the next admission on.
void TestRetryBudget::liveBudget() {
    RetryConfig config;
    config.budget = 0.5;
    config.minRetryConcurrency = 0;
    RetryBudget budget(config);
    for (int i = 0; i < 10; ++i)
        budget.requestStarted();
    QCOMPARE(budget.retryLimit(), 5);
    budget.setBudget(0.2);
    QCOMPARE(budget.budget(), 0.2);
    QCOMPARE(budget.retryLimit(), 2);
    RetryPermit a = budget.tryAcquireRetry();
    RetryPermit b = budget.tryAcquireRetry();
    QVERIFY(a.admitted() && b.admitted());
    QVERIFY(!budget.tryAcquireRetry().admitted());
    budget.setBudget(0.0);
    QCOMPARE(budget.retryLimit(), 0);
    budget.setBudget(-1.0);
    QCOMPARE(budget.budget(), 0.0);
}

QTEST_GUILESS_MAIN(TestRetryBudget)
#include "tst_retry_budget.moc"
