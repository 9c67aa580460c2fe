#include <backend/cache/cache_store.h>
#include <tests/support/manual_clock.h>

#include <QRandomGenerator>
#include <QTest>

#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

using namespace ToolCapture;

Q_DECLARE_METATYPE(CacheStore::Policy)
Q_DECLARE_METATYPE(CacheStore::InsertResult)

// CacheStore: byte and object bounds, admission through the store, erase, prefix purge,
// listing by cursor, counters, removal notices and use from several threads.
class TestCacheStore : public QObject {
    Q_OBJECT
private slots:
    void byteBoundNeverExceeded_data();
    void byteBoundNeverExceeded();
    void perObjectLimit_data();
    void perObjectLimit();
    void objectLimitNeverAboveShardSize();
    void hotSetSurvivesOneHitWonders_data();
    void hotSetSurvivesOneHitWonders();
    void missesCountTowardsAdmission();
    void coldNewcomerLargerThanWindowIsRejected_data();
    void coldNewcomerLargerThanWindowIsRejected();
    void replaceKeepsOneEntry();
    void eraseByKey();
    void eraseByPrefix_data();
    void eraseByPrefix();
    void eraseInsertedBefore();
    void clearNotifiesEveryEntry();
    void listingPagesByCursor_data();
    void listingPagesByCursor();
    void listingReportsAgeAndHits();
    void keysDifferingOnlyInLastByteAreDistinct();
    void concurrentUseFromFourThreads_data();
    void concurrentUseFromFourThreads();
};

namespace {

struct TestPayload final : CachePayload {
    explicit TestPayload(int v)
        : value(v) {}
    int value;
};

std::shared_ptr<const CachePayload> payload(int value) {
    return std::make_shared<TestPayload>(value);
}

int valueOf(const std::shared_ptr<const CachePayload> &p) {
    return p ? std::static_pointer_cast<const TestPayload>(p)->value : -1;
}

QByteArray keyOf(int n) {
    return "GET http://inventory/items/" + QByteArray::number(n);
}

CacheStore::Options options(std::int64_t maxBytes, CacheStore::Policy policy, int shards = 1,
                            std::int64_t maxObject = 1 << 20) {
    CacheStore::Options o;
    o.maxBytes = maxBytes;
    o.maxObjectBytes = maxObject;
    o.shards = shards;
    o.policy = policy;
    o.expectedObjectBytes = 100;
    o.hashSeed = 42;
    return o;
}

// Every entry leaves exactly one way: what was stored is either still there or counted out.
bool accountsBalance(const CacheStore::Stats &s) {
    return s.insertions == std::uint64_t(s.objects) + s.evictions + s.erased + s.replaced;
}

} // namespace

void TestCacheStore::byteBoundNeverExceeded_data() {
    QTest::addColumn<CacheStore::Policy>("policy");
    QTest::addColumn<int>("shards");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<int>("maxObject");
    QTest::newRow("w-tinylfu, 1 shard")
        << CacheStore::Policy::WindowTinyLfu << 1 << qint64(20000) << 2000;
    QTest::newRow("w-tinylfu, 8 shards")
        << CacheStore::Policy::WindowTinyLfu << 8 << qint64(80000) << 2000;
    QTest::newRow("w-tinylfu, objects near the limit")
        << CacheStore::Policy::WindowTinyLfu << 1 << qint64(5000) << 5000;
    QTest::newRow("lru, 1 shard") << CacheStore::Policy::Lru << 1 << qint64(20000) << 2000;
    QTest::newRow("lru, 8 shards") << CacheStore::Policy::Lru << 8 << qint64(80000) << 2000;
}

void TestCacheStore::byteBoundNeverExceeded() {
    QFETCH(CacheStore::Policy, policy);
    QFETCH(int, shards);
    QFETCH(qint64, maxBytes);
    QFETCH(int, maxObject);
    CacheStore store(options(maxBytes, policy, shards, maxObject));
    QRandomGenerator random(7);
    for (int i = 0; i < 20000; ++i) {
        const int key = int(random.bounded(40) * random.bounded(40));
        if (store.lookup(keyOf(key)))
            continue;
        const auto result =
            store.insert(keyOf(key), 1 + random.bounded(maxObject + 200), payload(key));
        const CacheStore::Stats s = store.stats();
        QVERIFY2(s.bytes <= maxBytes,
                 qPrintable(
                     QStringLiteral("step %1: %2 bytes of %3").arg(i).arg(s.bytes).arg(maxBytes)));
        if (result == CacheStore::InsertResult::Stored)
            QCOMPARE(valueOf(store.lookup(keyOf(key))), key);
    }
    const CacheStore::Stats s = store.stats();
    QVERIFY(s.evictions > 0);
    QVERIFY(s.rejectedTooLarge > 0);
    QVERIFY(s.hits > 0);
    QVERIFY(accountsBalance(s));
    const CacheStore::Page all = store.list({}, 100000);
    QCOMPARE(qint64(all.entries.size()), s.objects);
    std::int64_t bytes = 0;
    for (const auto &e : all.entries)
        bytes += e.bytes;
    QCOMPARE(bytes, s.bytes);
}

void TestCacheStore::perObjectLimit_data() {
    QTest::addColumn<CacheStore::Policy>("policy");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<CacheStore::InsertResult>("result");
    const auto w = CacheStore::Policy::WindowTinyLfu;
    const auto l = CacheStore::Policy::Lru;
    QTest::newRow("w: small") << w << qint64(10) << CacheStore::InsertResult::Stored;
    QTest::newRow("w: at the limit") << w << qint64(4096) << CacheStore::InsertResult::Stored;
    QTest::newRow("w: one byte over") << w << qint64(4097) << CacheStore::InsertResult::TooLarge;
    QTest::newRow("w: huge") << w << qint64(1) << CacheStore::InsertResult::Stored;
    QTest::newRow("lru: at the limit") << l << qint64(4096) << CacheStore::InsertResult::Stored;
    QTest::newRow("lru: one byte over") << l << qint64(4097) << CacheStore::InsertResult::TooLarge;
    QTest::newRow("lru: far over") << l << qint64(1 << 30) << CacheStore::InsertResult::TooLarge;
}

void TestCacheStore::perObjectLimit() {
    QFETCH(CacheStore::Policy, policy);
    QFETCH(qint64, bytes);
    QFETCH(CacheStore::InsertResult, result);
    CacheStore store(options(100000, policy, 1, 4096));
    QCOMPARE(store.maxObjectBytes(), 4096);
    // An older, smaller version of the key stays when the new one is refused.
    QCOMPARE(store.insert("k", 100, payload(1)), CacheStore::InsertResult::Stored);
    QCOMPARE(store.insert("k", bytes, payload(2)), result);
    const bool stored = result == CacheStore::InsertResult::Stored;
    QCOMPARE(valueOf(store.lookup("k")), stored ? 2 : 1);
    const CacheStore::Stats s = store.stats();
    QCOMPARE(s.rejectedTooLarge, stored ? 0u : 1u);
    QCOMPARE(s.bytes, stored ? bytes : 100);
    QCOMPARE(s.objects, 1);
}

void TestCacheStore::objectLimitNeverAboveShardSize() {
    // 4 shards of 1000 bytes: W-TinyLFU's main space is 990 bytes, LRU's a whole shard.
    CacheStore tinyLfu(options(4000, CacheStore::Policy::WindowTinyLfu, 4, 1 << 20));
    QCOMPARE(tinyLfu.shardCount(), 4);
    QCOMPARE(tinyLfu.maxObjectBytes(), 990);
    QCOMPARE(tinyLfu.insert("big", 991, payload(1)), CacheStore::InsertResult::TooLarge);
    CacheStore lru(options(4000, CacheStore::Policy::Lru, 3, 1 << 20));
    QCOMPARE(lru.shardCount(), 4);
    QCOMPARE(lru.maxObjectBytes(), 1000);
    QCOMPARE(lru.insert("big", 1000, payload(1)), CacheStore::InsertResult::Stored);
}

void TestCacheStore::hotSetSurvivesOneHitWonders_data() {
    QTest::addColumn<CacheStore::Policy>("policy");
    QTest::addColumn<bool>("hotSurvives");
    QTest::newRow("w-tinylfu keeps the hot set") << CacheStore::Policy::WindowTinyLfu << true;
    QTest::newRow("lru loses it") << CacheStore::Policy::Lru << false;
}

void TestCacheStore::hotSetSurvivesOneHitWonders() {
    QFETCH(CacheStore::Policy, policy);
    QFETCH(bool, hotSurvives);
    // 10,000 bytes hold 100 entries of 100 bytes; 90 hot keys are each read 4 times.
    CacheStore store(options(10000, policy));
    for (int round = 0; round < 4; ++round) {
        for (int key = 0; key < 90; ++key) {
            if (!store.lookup(keyOf(key)))
                store.insert(keyOf(key), 100, payload(key));
        }
    }
    // A scan of 500 keys read once each.
    for (int key = 1000; key < 1500; ++key) {
        QVERIFY(!store.lookup(keyOf(key)));
        store.insert(keyOf(key), 100, payload(key));
    }
    int present = 0;
    for (int key = 0; key < 90; ++key)
        present += valueOf(store.lookup(keyOf(key))) == key ? 1 : 0;
    const CacheStore::Stats s = store.stats();
    if (hotSurvives) {
        QCOMPARE(present, 90);
        QVERIFY(s.admissionsRejected >= 400);
    } else {
        QCOMPARE(present, 0);
        QCOMPARE(s.admissionsRejected, 0u);
    }
    QVERIFY(accountsBalance(s));
}

void TestCacheStore::missesCountTowardsAdmission() {
    // Main full of keys read once; a newcomer whose earlier lookups missed three times wins
    // admission over probation's victim, one read once does not.
    CacheStore store(options(10000, CacheStore::Policy::WindowTinyLfu));
    for (int key = 0; key < 100; ++key) {
        store.lookup(keyOf(key));
        store.insert(keyOf(key), 100, payload(key));
    }
    for (int i = 0; i < 3; ++i)
        QVERIFY(!store.lookup(keyOf(500)));
    store.insert(keyOf(500), 100, payload(500));
    store.lookup(keyOf(501));
    store.insert(keyOf(501), 100, payload(501));
    store.lookup(keyOf(502));
    store.insert(keyOf(502), 100, payload(502));
    QCOMPARE(valueOf(store.lookup(keyOf(500))), 500);
    QVERIFY(!store.lookup(keyOf(501)));
    QCOMPARE(valueOf(store.lookup(keyOf(502))), 502);
}

void TestCacheStore::coldNewcomerLargerThanWindowIsRejected_data() {
    QTest::addColumn<int>("newcomerLookups");
    QTest::addColumn<CacheStore::InsertResult>("result");
    // Residents are 100 bytes, each looked up twice; the 500-byte newcomer displaces five.
    QTest::newRow("cold") << 0 << CacheStore::InsertResult::Rejected;
    QTest::newRow("seen as often as one resident") << 2 << CacheStore::InsertResult::Rejected;
    QTest::newRow("as often as five together") << 10 << CacheStore::InsertResult::Rejected;
    QTest::newRow("more than five together") << 11 << CacheStore::InsertResult::Stored;
}

void TestCacheStore::coldNewcomerLargerThanWindowIsRejected() {
    QFETCH(int, newcomerLookups);
    QFETCH(CacheStore::InsertResult, result);
    std::vector<CacheStore::Removal> removals;
    // 10,000 bytes: a 100-byte window and 9,900 bytes of main space, which keys 0..98 fill
    // (98 in the window moves into the main space's last 100 bytes when "big" comes).
    CacheStore store(options(10000, CacheStore::Policy::WindowTinyLfu), SteadyClock::instance(),
                     [&](const CacheStore::Removal &r) { removals.push_back(r); });
    for (int key = 0; key < 99; ++key) {
        for (int i = 0; i < 2; ++i)
            store.lookup(keyOf(key));
        QCOMPARE(store.insert(keyOf(key), 100, payload(key)), CacheStore::InsertResult::Stored);
    }
    QVERIFY(removals.empty());
    for (int i = 0; i < newcomerLookups; ++i)
        store.lookup("big");
    // Larger than the window: it is a candidate for the main space at once.
    QCOMPARE(store.insert("big", 500, payload(7)), result);
    const CacheStore::Stats s = store.stats();
    QVERIFY(s.bytes <= 10000);
    if (result == CacheStore::InsertResult::Rejected) {
        QVERIFY(!store.lookup("big"));
        QCOMPARE(s.admissionsRejected, 1u);
        QCOMPARE(removals.size(), std::size_t(1));
        QCOMPARE(removals[0].key, QByteArray("big"));
        QCOMPARE(removals[0].cause, CacheStore::RemovalCause::Rejected);
        QCOMPARE(s.objects, 99);
    } else {
        QCOMPARE(valueOf(store.lookup("big")), 7);
        QCOMPARE(s.admissionsRejected, 0u);
        QCOMPARE(removals.size(), std::size_t(5));
        for (const auto &r : removals)
            QCOMPARE(r.cause, CacheStore::RemovalCause::Evicted);
    }
    QVERIFY(accountsBalance(s));
}

void TestCacheStore::replaceKeepsOneEntry() {
    std::vector<CacheStore::Removal> removals;
    CacheStore store(options(10000, CacheStore::Policy::WindowTinyLfu), SteadyClock::instance(),
                     [&](const CacheStore::Removal &r) { removals.push_back(r); });
    QCOMPARE(store.insert("k", 300, payload(1)), CacheStore::InsertResult::Stored);
    QCOMPARE(store.insert("k", 500, payload(2)), CacheStore::InsertResult::Stored);
    QCOMPARE(valueOf(store.lookup("k")), 2);
    const CacheStore::Stats s = store.stats();
    QCOMPARE(s.objects, 1);
    QCOMPARE(s.bytes, 500);
    QCOMPARE(s.replaced, 1u);
    QCOMPARE(removals.size(), std::size_t(1));
    QCOMPARE(removals[0].key, QByteArray("k"));
    QCOMPARE(removals[0].bytes, 300);
    QCOMPARE(removals[0].cause, CacheStore::RemovalCause::Replaced);
}

void TestCacheStore::eraseByKey() {
    CacheStore store(options(10000, CacheStore::Policy::WindowTinyLfu, 4));
    store.insert("a", 100, payload(1));
    store.insert("b", 100, payload(2));
    QVERIFY(store.erase("a"));
    QVERIFY(!store.erase("a"));
    QVERIFY(!store.lookup("a"));
    QCOMPARE(valueOf(store.lookup("b")), 2);
    QCOMPARE(store.stats().objects, 1);
    QCOMPARE(store.stats().bytes, 100);
    QCOMPARE(store.stats().erased, 1u);
}

void TestCacheStore::eraseByPrefix_data() {
    QTest::addColumn<QByteArrayList>("keys");
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArrayList>("remaining");
    const QByteArrayList keys{"GET http://inventory/items/1", "GET http://inventory/items/2",
                              "GET http://inventory/stock", "GET http://orders/1",
                              "HEAD http://inventory/items/1"};
    QTest::newRow("one service") << keys << QByteArray("GET http://inventory/")
                                 << QByteArrayList{"GET http://orders/1",
                                                   "HEAD http://inventory/items/1"};
    QTest::newRow("one path") << keys << QByteArray("GET http://inventory/items/")
                              << QByteArrayList{"GET http://inventory/stock", "GET http://orders/1",
                                                "HEAD http://inventory/items/1"};
    QTest::newRow("an exact key is its own prefix")
        << keys << QByteArray("GET http://orders/1")
        << QByteArrayList{"GET http://inventory/items/1", "GET http://inventory/items/2",
                          "GET http://inventory/stock", "HEAD http://inventory/items/1"};
    QTest::newRow("no match") << keys << QByteArray("POST ") << keys;
    QTest::newRow("empty prefix: everything") << keys << QByteArray() << QByteArrayList{};
}

void TestCacheStore::eraseByPrefix() {
    QFETCH(QByteArrayList, keys);
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArrayList, remaining);
    CacheStore store(options(100000, CacheStore::Policy::WindowTinyLfu, 8));
    for (int i = 0; i < keys.size(); ++i)
        QCOMPARE(store.insert(keys[i], 100, payload(i)), CacheStore::InsertResult::Stored);
    QCOMPARE(store.eraseByPrefix(prefix), std::size_t(keys.size() - remaining.size()));
    QByteArrayList listed;
    for (const auto &e : store.list({}, 100).entries)
        listed << e.key;
    QCOMPARE(listed, remaining);
    for (const QByteArray &key : keys)
        QCOMPARE(bool(store.lookup(key)), remaining.contains(key));
    QCOMPARE(store.stats().bytes, 100 * remaining.size());
}

void TestCacheStore::eraseInsertedBefore() {
    // What a proxy drops when its invalidation subscription comes back: every entry stored
    // before that moment (a replaced one counts from its replacement).
    ManualClock clock;
    CacheStore store(options(100000, CacheStore::Policy::WindowTinyLfu, 4), clock);
    for (int key = 0; key < 6; ++key)
        store.insert(keyOf(key), 100, payload(key));
    clock.advance(std::chrono::seconds(1));
    store.insert(keyOf(2), 100, payload(20)); // replaced after the first six
    const Clock::time_point cut = clock.now();
    store.insert(keyOf(10), 100, payload(10)); // at the cut: kept
    clock.advance(std::chrono::milliseconds(1));
    store.insert(keyOf(11), 100, payload(11));
    QCOMPARE(store.eraseInsertedBefore(cut), std::size_t(5));
    for (int key : {0, 1, 3, 4, 5})
        QVERIFY(!store.lookup(keyOf(key)));
    QCOMPARE(valueOf(store.lookup(keyOf(2))), 20);
    QCOMPARE(valueOf(store.lookup(keyOf(10))), 10);
    QCOMPARE(valueOf(store.lookup(keyOf(11))), 11);
    QCOMPARE(store.stats().objects, 3);
    QCOMPARE(store.stats().bytes, 300);
    QCOMPARE(store.eraseInsertedBefore(cut), std::size_t(0));
}

void TestCacheStore::clearNotifiesEveryEntry() {
    std::mutex mutex;
    std::set<QByteArray> cleared;
    CacheStore store(options(100000, CacheStore::Policy::WindowTinyLfu, 4), SteadyClock::instance(),
                     [&](const CacheStore::Removal &r) {
                         std::lock_guard lock(mutex);
                         if (r.cause == CacheStore::RemovalCause::Cleared)
                             cleared.insert(r.key);
                     });
    for (int key = 0; key < 50; ++key)
        store.insert(keyOf(key), 100, payload(key));
    store.clear();
    QCOMPARE(cleared.size(), std::size_t(50));
    QCOMPARE(store.stats().objects, 0);
    QCOMPARE(store.stats().bytes, 0);
    QVERIFY(!store.lookup(keyOf(3)));
    // Usable again afterwards.
    QCOMPARE(store.insert(keyOf(3), 100, payload(3)), CacheStore::InsertResult::Stored);
    QCOMPARE(valueOf(store.lookup(keyOf(3))), 3);
}

void TestCacheStore::listingPagesByCursor_data() {
    QTest::addColumn<int>("entries");
    QTest::addColumn<int>("pageSize");
    QTest::addColumn<int>("pages");
    QTest::newRow("empty") << 0 << 10 << 1;
    QTest::newRow("one short page") << 7 << 10 << 1;
    QTest::newRow("exactly one page") << 10 << 10 << 1;
    QTest::newRow("three pages") << 25 << 10 << 3;
    QTest::newRow("one per page") << 5 << 1 << 5;
}

void TestCacheStore::listingPagesByCursor() {
    QFETCH(int, entries);
    QFETCH(int, pageSize);
    QFETCH(int, pages);
    CacheStore store(options(1000000, CacheStore::Policy::WindowTinyLfu, 4));
    std::set<QByteArray> expected;
    for (int key = 0; key < entries; ++key) {
        store.insert(keyOf(key), 10 + key, payload(key));
        expected.insert(keyOf(key));
    }
    QByteArrayList seen;
    QByteArray cursor;
    int pageCount = 0;
    for (;;) {
        const CacheStore::Page page = store.list(cursor, pageSize);
        ++pageCount;
        QVERIFY(int(page.entries.size()) <= pageSize);
        for (const auto &e : page.entries)
            seen << e.key;
        if (!page.more) {
            QVERIFY(page.nextCursor.isEmpty());
            break;
        }
        QCOMPARE(int(page.entries.size()), pageSize);
        QCOMPARE(page.nextCursor, page.entries.back().key);
        cursor = page.nextCursor;
        QVERIFY(pageCount <= entries);
    }
    QCOMPARE(pageCount, pages);
    // Every key once, in byte order.
    QCOMPARE(seen, QByteArrayList(expected.begin(), expected.end()));
}

void TestCacheStore::listingReportsAgeAndHits() {
    ManualClock clock;
    CacheStore store(options(100000, CacheStore::Policy::WindowTinyLfu), clock);
    store.insert("a", 120, payload(1));
    clock.advance(std::chrono::seconds(5));
    store.insert("b", 80, payload(2));
    clock.advance(std::chrono::milliseconds(250));
    for (int i = 0; i < 3; ++i)
        QVERIFY(store.lookup("a"));
    const CacheStore::Page page = store.list({}, 10);
    QCOMPARE(page.entries.size(), std::size_t(2));
    QCOMPARE(page.entries[0].key, QByteArray("a"));
    QCOMPARE(page.entries[0].bytes, 120);
    QCOMPARE(page.entries[0].age, std::chrono::milliseconds(5250));
    QCOMPARE(page.entries[0].hits, 3u);
    QCOMPARE(page.entries[1].key, QByteArray("b"));
    QCOMPARE(page.entries[1].age, std::chrono::milliseconds(250));
    QCOMPARE(page.entries[1].hits, 0u);
    QCOMPARE(store.stats().hits, 3u);
}

void TestCacheStore::keysDifferingOnlyInLastByteAreDistinct() {
    CacheStore store(options(100000, CacheStore::Policy::WindowTinyLfu));
    const QByteArray base(61, 'x');
    for (char c = 'a'; c <= 'z'; ++c)
        store.insert(base + c, 10, payload(c));
    for (char c = 'a'; c <= 'z'; ++c)
        QCOMPARE(valueOf(store.lookup(base + c)), int(c));
    QVERIFY(!store.lookup(base));
    QCOMPARE(store.stats().objects, 26);
}

void TestCacheStore::concurrentUseFromFourThreads_data() {
    QTest::addColumn<CacheStore::Policy>("policy");
    QTest::addColumn<int>("shards");
    QTest::newRow("w-tinylfu, 1 shard") << CacheStore::Policy::WindowTinyLfu << 1;
    QTest::newRow("w-tinylfu, 16 shards") << CacheStore::Policy::WindowTinyLfu << 16;
    QTest::newRow("lru, 16 shards") << CacheStore::Policy::Lru << 16;
}

void TestCacheStore::concurrentUseFromFourThreads() {
    QFETCH(CacheStore::Policy, policy);
    QFETCH(int, shards);
    constexpr int kThreads = 4;
    constexpr int kOps = 20000;
    constexpr std::int64_t kMaxBytes = 200000;
    std::atomic<std::uint64_t> removedByListener{0};
    CacheStore store(options(kMaxBytes, policy, shards, 4000), SteadyClock::instance(),
                     [&](const CacheStore::Removal &) { removedByListener.fetch_add(1); });
    std::atomic<std::uint64_t> lookups{0};
    std::atomic<int> wrongPayloads{0};
    std::atomic<int> overBound{0};
    std::latch start(kThreads + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            QRandomGenerator random(quint32(100 + t));
            start.arrive_and_wait();
            for (int i = 0; i < kOps; ++i) {
                const int key = int(random.bounded(60) * random.bounded(60));
                const int op = int(random.bounded(100));
                if (op < 2) {
                    store.erase(keyOf(key));
                } else if (op == 2) {
                    store.eraseByPrefix(keyOf(key % 10));
                } else if (op == 3) {
                    store.list(keyOf(key), 20);
                } else if (op == 4) {
                    if (store.stats().bytes > kMaxBytes)
                        overBound.fetch_add(1);
                } else {
                    lookups.fetch_add(1);
                    const auto found = store.lookup(keyOf(key));
                    if (found && valueOf(found) != key)
                        wrongPayloads.fetch_add(1);
                    if (!found)
                        store.insert(keyOf(key), 50 + random.bounded(3000), payload(key));
                }
            }
        });
    }
    start.arrive_and_wait();
    for (auto &thread : threads)
        thread.join();
    const CacheStore::Stats s = store.stats();
    QCOMPARE(wrongPayloads.load(), 0);
    QCOMPARE(overBound.load(), 0);
    QVERIFY(s.bytes <= kMaxBytes);
    QCOMPARE(s.hits + s.misses, lookups.load());
    QVERIFY(s.hits > 0);
    QVERIFY(s.evictions > 0);
    QVERIFY(accountsBalance(s));
    QCOMPARE(removedByListener.load(), s.evictions + s.erased + s.replaced);
    QCOMPARE(qint64(store.list({}, 1000000).entries.size()), s.objects);
}

QTEST_GUILESS_MAIN(TestCacheStore)
#include "tst_cache_store.moc"
