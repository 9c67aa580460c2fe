#include <backend/cache/lru_policy.h>

#include <QStringList>
#include <QTest>

#include <map>

using namespace ToolCapture;

// LruPolicy: eviction in least-recently-used order within a byte capacity.
class TestLruPolicy : public QObject {
    Q_OBJECT
private slots:
    void evictionOrder_data();
    void evictionOrder();
    void removeUnlinks();
};

namespace {

// Runs "+key:bytes" (insert) and "?key" (hit) against an LruPolicy; returns the evicted keys in
// order and checks the capacity after every step.
QStringList run(LruPolicy &policy, const QStringList &ops, std::map<QString, PolicyNode> &nodes) {
    QStringList evictedKeys;
    std::vector<PolicyEviction> evicted;
    for (const QString &op : ops) {
        const QString key = op.mid(1).section(u':', 0, 0);
        if (op.startsWith(u'+')) {
            PolicyNode &node = nodes[key];
            node.weight = op.section(u':', 1).toLongLong();
            node.owner = &node;
            evicted.clear();
            policy.onInsert(node, evicted);
            for (const PolicyEviction &e : evicted) {
                for (auto it = nodes.begin(); it != nodes.end(); ++it) {
                    if (&it->second == e.node) {
                        evictedKeys << it->first;
                        nodes.erase(it);
                        break;
                    }
                }
            }
        } else {
            policy.onHit(nodes.at(key));
        }
        if (policy.weightedSize() > policy.capacity())
            evictedKeys << QStringLiteral("OVER CAPACITY");
    }
    return evictedKeys;
}

} // namespace

void TestLruPolicy::evictionOrder_data() {
    QTest::addColumn<qint64>("capacity");
    QTest::addColumn<QStringList>("ops");
    QTest::addColumn<QStringList>("evicted");
    QTest::newRow("fits") << qint64(30) << QStringList{"+a:10", "+b:10", "+c:10"} << QStringList{};
    QTest::newRow("oldest first") << qint64(30) << QStringList{"+a:10", "+b:10", "+c:10", "+d:10"}
                                  << QStringList{"a"};
    QTest::newRow("a hit protects")
        << qint64(30) << QStringList{"+a:10", "+b:10", "+c:10", "?a", "+d:10"} << QStringList{"b"};
    QTest::newRow("big newcomer evicts several")
        << qint64(30) << QStringList{"+a:10", "+b:10", "+c:10", "?a", "+d:25"}
        << QStringList{"b", "c", "a"};
    QTest::newRow("order follows hits")
        << qint64(40) << QStringList{"+a:10", "+b:10", "+c:10", "+d:10", "?c",
                                     "?a",    "?b",    "+e:10", "+f:10", "+g:10"}
        << QStringList{"d", "c", "a"};
    QTest::newRow("newcomer larger than capacity evicts itself")
        << qint64(30) << QStringList{"+a:10", "+x:31"} << QStringList{"a", "x"};
}

void TestLruPolicy::evictionOrder() {
    QFETCH(qint64, capacity);
    QFETCH(QStringList, ops);
    QFETCH(QStringList, evicted);
    LruPolicy policy(capacity);
    std::map<QString, PolicyNode> nodes;
    QCOMPARE(run(policy, ops, nodes), evicted);
    // The list holds exactly what was not evicted, least recently used first.
    std::int64_t weight = 0;
    std::size_t count = 0;
    for (const PolicyNode *n = policy.list().front(); n; n = n->next) {
        weight += n->weight;
        ++count;
        QCOMPARE(n->segment, PolicySegment::Lru);
    }
    QCOMPARE(count, nodes.size());
    QCOMPARE(weight, policy.weightedSize());
}

void TestLruPolicy::removeUnlinks() {
    LruPolicy policy(100);
    std::map<QString, PolicyNode> nodes;
    run(policy, {"+a:10", "+b:20", "+c:30"}, nodes);
    policy.onRemove(nodes.at("b"));
    QCOMPARE(policy.weightedSize(), 40);
    QCOMPARE(policy.list().front(), &nodes.at("a"));
    QCOMPARE(policy.list().front()->next, &nodes.at("c"));
    QCOMPARE(nodes.at("b").segment, PolicySegment::Detached);
}

QTEST_GUILESS_MAIN(TestLruPolicy)
#include "tst_lru_policy.moc"
