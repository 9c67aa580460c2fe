#include <backend/cache/window_tiny_lfu_policy.h>

#include <QRandomGenerator>
#include <QTest>

#include <map>
#include <set>

using namespace ToolCapture;

// WindowTinyLfuPolicy: window, probation and protected queues, TinyLFU admission, byte bound.
class TestWindowTinyLfuPolicy : public QObject {
    Q_OBJECT
private slots:
    void sizes_data();
    void sizes();
    void oneHitWondersAreRejected_data();
    void oneHitWondersAreRejected();
    void frequentCandidateDisplacesColdVictim();
    void largeCandidateAgainstSeveralVictims_data();
    void largeCandidateAgainstSeveralVictims();
    void probationHitPromotesAndProtectedOverflowDemotes();
    void byteBoundHoldsUnderRandomTraffic_data();
    void byteBoundHoldsUnderRandomTraffic();
};

namespace {

std::uint64_t hashOf(int key) {
    return 0x9e3779b97f4a7c15ULL * std::uint64_t(key + 1);
}

// Owns the nodes a policy links, the way the store does.
struct Harness {
    explicit Harness(std::int64_t capacity, bool doorkeeper = false,
                     WindowTinyLfuPolicy::Admission admission =
                         WindowTinyLfuPolicy::Admission::AggregatedVictims)
        : policy(capacity, [&] {
            WindowTinyLfuPolicy::Options options;
            options.expectedEntries = 256;
            options.doorkeeper = doorkeeper;
            options.admission = admission;
            return options;
        }()) {}

    void access(int key, int times = 1) {
        for (int i = 0; i < times; ++i)
            policy.recordAccess(hashOf(key));
    }
    // Inserts `key`; returns the evicted keys (negative: rejected by admission).
    std::vector<int> insert(int key, std::int64_t weight) {
        PolicyNode &node = nodes[key];
        node = PolicyNode{};
        node.hash = hashOf(key);
        node.weight = weight;
        node.owner = &node;
        std::vector<PolicyEviction> evicted;
        policy.onInsert(node, evicted);
        std::vector<int> keys;
        for (const PolicyEviction &e : evicted) {
            const int k = keyOf(e.node);
            keys.push_back(e.admissionRejected ? -k - 1 : k);
            nodes.erase(k);
        }
        return keys;
    }
    bool hit(int key) {
        const auto it = nodes.find(key);
        if (it == nodes.end())
            return false;
        policy.onHit(it->second);
        return true;
    }
    int keyOf(const PolicyNode *node) const {
        for (const auto &[key, n] : nodes)
            if (&n == node)
                return key;
        return -1;
    }
    // The queues hold exactly the live nodes and their weights add up.
    bool consistent() const {
        std::set<const PolicyNode *> seen;
        std::int64_t total = 0;
        for (const PolicyList *list :
             {&policy.window(), &policy.probation(), &policy.protectedList()}) {
            std::int64_t weight = 0;
            for (const PolicyNode *n = list->front(); n; n = n->next) {
                weight += n->weight;
                if (!seen.insert(n).second)
                    return false;
            }
            if (weight != list->weight())
                return false;
            total += weight;
        }
        return seen.size() == nodes.size() && total == policy.weightedSize();
    }

    WindowTinyLfuPolicy policy;
    std::map<int, PolicyNode> nodes;
};

} // namespace

void TestWindowTinyLfuPolicy::sizes_data() {
    QTest::addColumn<qint64>("capacity");
    QTest::addColumn<qint64>("window");
    QTest::addColumn<qint64>("protectedBytes");
    QTest::newRow("1000") << qint64(1000) << qint64(10) << qint64(792);
    QTest::newRow("1 MiB") << qint64(1 << 20) << qint64(10486) << qint64(830472);
    QTest::newRow("tiny: window at least a byte") << qint64(50) << qint64(1) << qint64(39);
}

void TestWindowTinyLfuPolicy::sizes() {
    QFETCH(qint64, capacity);
    QFETCH(qint64, window);
    QFETCH(qint64, protectedBytes);
    WindowTinyLfuPolicy policy(capacity, {});
    QCOMPARE(policy.capacity(), capacity);
    QCOMPARE(policy.windowCapacity(), window);
    QCOMPARE(policy.protectedCapacity(), protectedBytes);
    QCOMPARE(policy.maxEntryWeight(), capacity - window);
}

void TestWindowTinyLfuPolicy::oneHitWondersAreRejected_data() {
    QTest::addColumn<int>("hotFrequency");
    QTest::addColumn<bool>("doorkeeper");
    QTest::newRow("hot seen twice") << 2 << false;
    QTest::newRow("hot seen 5 times") << 5 << false;
    QTest::newRow("hot saturated") << 15 << false;
    QTest::newRow("hot seen twice, doorkeeper") << 2 << true;
    QTest::newRow("hot seen 5 times, doorkeeper") << 5 << true;
}

void TestWindowTinyLfuPolicy::oneHitWondersAreRejected() {
    QFETCH(int, hotFrequency);
    QFETCH(bool, doorkeeper);
    // 1000 bytes: a 10-byte window and 990 bytes of main space, filled with 99 hot entries.
    Harness h(1000, doorkeeper);
    for (int key = 0; key < 99; ++key) {
        h.access(key, hotFrequency);
        QVERIFY(h.insert(key, 10).empty());
    }
    // The 99th hot entry is still in the window: one wonder pushes it into the main space.
    h.access(1000);
    QVERIFY(h.insert(1000, 10).empty());
    QCOMPARE(h.policy.probation().count() + h.policy.protectedList().count(), 99);
    // Each further wonder pushes the previous one out of the window, where it loses to the
    // main space's victim.
    for (int wonder = 1001; wonder < 1050; ++wonder) {
        h.access(wonder);
        const std::vector<int> evicted = h.insert(wonder, 10);
        QCOMPARE(evicted, std::vector<int>{-(wonder - 1) - 1});
        QVERIFY(h.consistent());
    }
    for (int key = 0; key < 99; ++key)
        QVERIFY2(h.nodes.count(key), qPrintable(QString::number(key)));
}

void TestWindowTinyLfuPolicy::frequentCandidateDisplacesColdVictim() {
    Harness h(1000);
    for (int key = 0; key < 100; ++key) {
        h.access(key);
        h.insert(key, 10);
    }
    // Main full of keys seen once; key 500 seen three times, then key 501 pushes it out of
    // the window: it beats probation's least recently used entry (key 0).
    h.access(500, 3);
    h.insert(500, 10);
    h.access(501);
    const std::vector<int> evicted = h.insert(501, 10);
    QCOMPARE(evicted, std::vector<int>{0});
    QVERIFY(h.nodes.count(500));
    QCOMPARE(h.nodes.at(500).segment, PolicySegment::Probation);
    QVERIFY(h.consistent());
}

Q_DECLARE_METATYPE(WindowTinyLfuPolicy::Admission)

void TestWindowTinyLfuPolicy::largeCandidateAgainstSeveralVictims_data() {
    QTest::addColumn<WindowTinyLfuPolicy::Admission>("admission");
    QTest::addColumn<qint64>("weight");
    QTest::addColumn<int>("frequency");
    QTest::addColumn<std::vector<int>>("evicted");
    const auto perVictim = WindowTinyLfuPolicy::Admission::PerVictim;
    const auto aggregated = WindowTinyLfuPolicy::Admission::AggregatedVictims;
    // Residents are 10 bytes, each seen twice; a 30-byte candidate needs three of them gone.
    QTest::newRow("per victim: 3 beats each 2")
        << perVictim << qint64(30) << 3 << std::vector<int>{0, 1, 2};
    QTest::newRow("per victim: a tie keeps the victim")
        << perVictim << qint64(30) << 2 << std::vector<int>{-1001};
    QTest::newRow("aggregated: 3 does not beat 2 + 2 + 2")
        << aggregated << qint64(30) << 3 << std::vector<int>{-1001};
    QTest::newRow("aggregated: 6 ties 2 + 2 + 2")
        << aggregated << qint64(30) << 6 << std::vector<int>{-1001};
    QTest::newRow("aggregated: 7 beats 2 + 2 + 2")
        << aggregated << qint64(30) << 7 << std::vector<int>{0, 1, 2};
    QTest::newRow("aggregated: same size, one victim")
        << aggregated << qint64(10) << 3 << std::vector<int>{0};
}

void TestWindowTinyLfuPolicy::largeCandidateAgainstSeveralVictims() {
    QFETCH(WindowTinyLfuPolicy::Admission, admission);
    QFETCH(qint64, weight);
    QFETCH(int, frequency);
    QFETCH(std::vector<int>, evicted);
    // Keys 0..98 fill the 990-byte main space, key 99 waits in the window.
    Harness h(1000, false, admission);
    for (int key = 0; key < 100; ++key) {
        h.access(key, 2);
        QVERIFY(h.insert(key, 10).empty());
    }
    // The candidate 1000 pushes 99 out of the window (a tie with resident 0: rejected), then
    // falls out of the window itself and meets residents 0, 1, 2...
    h.access(1000, frequency);
    std::vector<int> expected{-99 - 1};
    if (weight > 10)
        expected.insert(expected.end(), evicted.begin(), evicted.end());
    const std::vector<int> got = h.insert(1000, weight);
    if (weight > 10) {
        QCOMPARE(got, expected);
    } else {
        // A 10-byte candidate stays in the window until the next newcomer pushes it out.
        QCOMPARE(got, std::vector<int>{-99 - 1});
        QCOMPARE(h.insert(1001, 10), evicted);
    }
    QVERIFY(h.policy.weightedSize() <= h.policy.capacity());
    QVERIFY(h.consistent());
}

void TestWindowTinyLfuPolicy::probationHitPromotesAndProtectedOverflowDemotes() {
    // 1000 bytes: window 10, main 990, protected 792.
    Harness h(1000);
    for (int key = 0; key < 100; ++key)
        h.insert(key, 10);
    QCOMPARE(h.nodes.at(0).segment, PolicySegment::Probation);
    QCOMPARE(h.nodes.at(99).segment, PolicySegment::Window);
    QVERIFY(h.hit(0));
    QCOMPARE(h.nodes.at(0).segment, PolicySegment::Protected);
    // 79 entries fill protected (790 <= 792); the 80th hit demotes the least recently promoted.
    for (int key = 1; key < 79; ++key)
        QVERIFY(h.hit(key));
    QCOMPARE(h.policy.protectedList().count(), 79);
    QCOMPARE(h.nodes.at(0).segment, PolicySegment::Protected);
    QVERIFY(h.hit(79));
    QCOMPARE(h.policy.protectedList().count(), 79);
    QCOMPARE(h.nodes.at(0).segment, PolicySegment::Probation);
    QCOMPARE(h.policy.probation().back(), &h.nodes.at(0));
    QVERIFY(h.policy.protectedList().weight() <= h.policy.protectedCapacity());
    // A window hit stays in the window.
    QVERIFY(h.hit(99));
    QCOMPARE(h.nodes.at(99).segment, PolicySegment::Window);
    QVERIFY(h.consistent());
}

void TestWindowTinyLfuPolicy::byteBoundHoldsUnderRandomTraffic_data() {
    QTest::addColumn<qint64>("capacity");
    QTest::addColumn<int>("maxWeight");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("small objects") << qint64(10000) << 100 << 1u;
    QTest::newRow("objects up to a third") << qint64(10000) << 3300 << 2u;
    QTest::newRow("objects larger than main") << qint64(1000) << 2000 << 3u;
    QTest::newRow("many keys") << qint64(50000) << 500 << 4u;
}

void TestWindowTinyLfuPolicy::byteBoundHoldsUnderRandomTraffic() {
    QFETCH(qint64, capacity);
    QFETCH(int, maxWeight);
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    Harness h(capacity);
    for (int i = 0; i < 20000; ++i) {
        // Skewed keys: low keys far more often.
        const int key = int(random.bounded(50) * random.bounded(50));
        h.access(key);
        if (h.hit(key))
            continue;
        if (random.bounded(10) == 0 && !h.nodes.empty()) {
            const int victim = h.nodes.begin()->first;
            h.policy.onRemove(h.nodes.begin()->second);
            h.nodes.erase(victim);
        }
        const std::vector<int> evicted = h.insert(key, 1 + random.bounded(maxWeight));
        QVERIFY2(h.policy.weightedSize() <= capacity, qPrintable(QString::number(i)));
        QVERIFY(h.policy.window().weight() <= h.policy.windowCapacity());
        QVERIFY(h.policy.probation().weight() + h.policy.protectedList().weight() <=
                capacity - h.policy.windowCapacity());
        if (i % 997 == 0)
            QVERIFY(h.consistent());
        for (const int k : evicted)
            QVERIFY(!h.nodes.count(k < 0 ? -k - 1 : k));
    }
    QVERIFY(h.consistent());
}

QTEST_GUILESS_MAIN(TestWindowTinyLfuPolicy)
#include "tst_window_tiny_lfu_policy.moc"
