#include <backend/resilience/bulkhead.h>

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace ToolCapture;

// Bulkhead: exact limits on active and pending requests of one instance.
class TestBulkhead : public QObject {
    Q_OBJECT
private slots:
    void activeLimit_data();
    void activeLimit();
    void releaseFrees();
    void pendingLimit_data();
    void pendingLimit();
    void concurrentAcquireIsExact_data();
    void concurrentAcquireIsExact();
    void concurrentPendingIsExact();
};

namespace {

BulkheadConfig bulkheadConfig(int maxActive, int maxPending) {
    BulkheadConfig config;
    config.maxActive = maxActive;
    config.maxPending = maxPending;
    return config;
}

// Raises max to value unless it is already higher.
void raiseMax(std::atomic<int> &max, int value) {
    int seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) {
    }
}

} // namespace

void TestBulkhead::activeLimit_data() {
    QTest::addColumn<int>("maxActive");
    QTest::addColumn<int>("expectedSlots");

    QTest::newRow("1") << 1 << 1;
    QTest::newRow("3") << 3 << 3;
    QTest::newRow("100") << 100 << 100;
    QTest::newRow("0: no slots") << 0 << 0;
    QTest::newRow("negative: no slots") << -3 << 0;
}

void TestBulkhead::activeLimit() {
    QFETCH(int, maxActive);
    QFETCH(int, expectedSlots);

    Bulkhead bulkhead(bulkheadConfig(maxActive, 0));
    QCOMPARE(bulkhead.maxActive(), expectedSlots);
    std::vector<BulkheadPermit> permits;
    for (int i = 0; i < expectedSlots; ++i) {
        permits.push_back(bulkhead.tryAcquire());
        QVERIFY(permits.back().isActive());
        QCOMPARE(bulkhead.active(), i + 1);
    }
    const BulkheadPermit rejected = bulkhead.tryAcquire();
    QVERIFY(!rejected.isActive());
    QCOMPARE(bulkhead.active(), expectedSlots);
    QCOMPARE(bulkhead.acquired(), quint64(expectedSlots));
    QCOMPARE(bulkhead.rejected(), quint64(1));
    permits.clear();
    QCOMPARE(bulkhead.active(), 0);
}

void TestBulkhead::releaseFrees() {
    Bulkhead bulkhead(bulkheadConfig(2, 0));
    BulkheadPermit a = bulkhead.tryAcquire();
    BulkheadPermit b = bulkhead.tryAcquire();
    QVERIFY(a && b);
    QVERIFY(!bulkhead.tryAcquire());

    a.release();
    QVERIFY(!a);
    a.release(); // no-op
    QCOMPARE(bulkhead.active(), 1);

    BulkheadPermit c = bulkhead.tryAcquire();
    QVERIFY(c);
    BulkheadPermit moved = std::move(c);
    QVERIFY(!c);
    QCOMPARE(bulkhead.active(), 2);
    b = std::move(moved); // b's slot goes back, moved's slot moves in
    QCOMPARE(bulkhead.active(), 1);
    b = BulkheadPermit();
    QCOMPARE(bulkhead.active(), 0);
    QCOMPARE(bulkhead.acquired(), quint64(3));
    QCOMPARE(bulkhead.rejected(), quint64(1));
}

void TestBulkhead::pendingLimit_data() {
    QTest::addColumn<int>("maxPending");

    QTest::newRow("0") << 0;
    QTest::newRow("1") << 1;
    QTest::newRow("5") << 5;
    QTest::newRow("50") << 50;
}

void TestBulkhead::pendingLimit() {
    QFETCH(int, maxPending);

    Bulkhead bulkhead(bulkheadConfig(1, maxPending));
    for (int i = 0; i < maxPending; ++i)
        QVERIFY(bulkhead.tryEnterPending());
    QCOMPARE(bulkhead.pending(), maxPending);
    QVERIFY(!bulkhead.tryEnterPending());
    QVERIFY(!bulkhead.tryEnterPending());
    QCOMPARE(bulkhead.pending(), maxPending);
    QCOMPARE(bulkhead.pendingEntered(), quint64(maxPending));
    QCOMPARE(bulkhead.pendingRejected(), quint64(2));

    if (maxPending > 0) {
        bulkhead.leavePending();
        QCOMPARE(bulkhead.pending(), maxPending - 1);
        QVERIFY(bulkhead.tryEnterPending());
        QVERIFY(!bulkhead.tryEnterPending());
    }
    while (bulkhead.pending() > 0)
        bulkhead.leavePending();
    QCOMPARE(bulkhead.active(), 0); // pending places are not slots
}

void TestBulkhead::concurrentAcquireIsExact_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("maxActive");

    QTest::newRow("4 threads, 1 slot") << 4 << 1;
    QTest::newRow("4 threads, 3 slots") << 4 << 3;
    QTest::newRow("2 threads, 1 slot") << 2 << 1;
}

void TestBulkhead::concurrentAcquireIsExact() {
    QFETCH(int, threads);
    QFETCH(int, maxActive);

    Bulkhead bulkhead(bulkheadConfig(maxActive, 0));
    constexpr int attemptsPerThread = 100000;
    std::atomic<int> inFlight{0};
    std::atomic<int> maxObserved{0};
    std::atomic<int> maxCounted{0};
    std::atomic<int> acquired{0};
    std::atomic<int> rejected{0};
    std::atomic<int> ready{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            ready.fetch_add(1);
            while (ready.load() < threads) {
            }
            for (int i = 0; i < attemptsPerThread; ++i) {
                BulkheadPermit permit = bulkhead.tryAcquire();
                if (!permit) {
                    rejected.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                acquired.fetch_add(1, std::memory_order_relaxed);
                raiseMax(maxObserved, inFlight.fetch_add(1) + 1);
                raiseMax(maxCounted, bulkhead.active());
                inFlight.fetch_sub(1);
            }
        });
    }
    for (auto &worker : workers)
        worker.join();

    QVERIFY2(maxObserved.load() <= maxActive, qPrintable(QString::number(maxObserved.load())));
    QVERIFY2(maxCounted.load() <= maxActive, qPrintable(QString::number(maxCounted.load())));
    QVERIFY(maxObserved.load() >= 1);
    QCOMPARE(acquired.load() + rejected.load(), threads * attemptsPerThread);
    QCOMPARE(bulkhead.acquired(), quint64(acquired.load()));
    QCOMPARE(bulkhead.rejected(), quint64(rejected.load()));
    QCOMPARE(bulkhead.active(), 0);
}

void TestBulkhead::concurrentPendingIsExact() {
    constexpr int threads = 4;
    constexpr int maxPending = 2;
    constexpr int attemptsPerThread = 100000;
    Bulkhead bulkhead(bulkheadConfig(1, maxPending));
    std::atomic<int> inside{0};
    std::atomic<int> maxObserved{0};
    std::atomic<int> entered{0};
    std::atomic<int> ready{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            ready.fetch_add(1);
            while (ready.load() < threads) {
            }
            for (int i = 0; i < attemptsPerThread; ++i) {
                if (!bulkhead.tryEnterPending())
                    continue;
                entered.fetch_add(1, std::memory_order_relaxed);
                raiseMax(maxObserved, inside.fetch_add(1) + 1);
                inside.fetch_sub(1);
                bulkhead.leavePending();
            }
        });
    }
    for (auto &worker : workers)
        worker.join();

    QVERIFY2(maxObserved.load() <= maxPending, qPrintable(QString::number(maxObserved.load())));
    QCOMPARE(bulkhead.pendingEntered(), quint64(entered.load()));
    QCOMPARE(bulkhead.pendingEntered() + bulkhead.pendingRejected(),
             quint64(threads * attemptsPerThread));
    QCOMPARE(bulkhead.pending(), 0);
}

QTEST_GUILESS_MAIN(TestBulkhead)
#include "tst_bulkhead.moc"
