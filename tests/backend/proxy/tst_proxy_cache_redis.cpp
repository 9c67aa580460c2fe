// The response cache's shared tier: two proxies sharing one real redis-server, a fill on one a
// hit on the other, and a Redis that dies and comes back costing misses, never errors; and the
// proxies dropping each other's memory copies over Redis pub/sub.
#include <backend/cache/response_cache.h>
#include <backend/redis/redis_client.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>
#include <tests/support/redis_server.h>

#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

QByteArray get(QByteArrayView target) {
    return "GET " + target.toByteArray() + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

// One proxy with a cache whose shared tier is `redisPort`.
struct CachingProxy {
    std::shared_ptr<ResponseCache> cache;
    std::unique_ptr<ProxyServer> server;

    CachingProxy(quint16 upstreamPort, quint16 redisPort) {
        ProxyConfig config = testConfig(2); // two workers: two connections to Redis
        config.listen.port = 0;
        config.services.push_back(makeService({"svc", "/", {upstreamPort}}, config));
        server = std::make_unique<ProxyServer>(config);
        ResponseCache::Options options;
        options.shards = 1;
        options.workers = 2;
        options.serviceCapacity = 1;
        options.services = {ResponseCache::ServicePolicy()};
        options.sharedTier.enabled = true;
        options.sharedTier.port = redisPort;
        options.sharedTier.timeout = 200ms;
        cache = std::make_shared<ResponseCache>(options, SteadyClock::instance());
        server->setResponseCache(cache);
        if (!server->listen())
            server.reset();
    }
    CacheServiceTotals totals() const { return cache->totals(0); }
    ResponseCache::SharedTierStatus shared() const { return cache->sharedTierStatus(); }
};

} // namespace

class TestProxyCacheRedis : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void fillOnOneIsAHitOnTheOther();
    void redisDownIsAMissAndRecovers();
    void purgeReachesTheSharedTier();
    void invalidationReachesTheOtherProxy_data();
    void invalidationReachesTheOtherProxy();
    void ownMessageIsIgnored();
    void garbageOnTheChannelIsCountedAndIgnored();
    void resubscriptionDropsWhatWasStoredBefore();

private:
    // Until every worker of `proxy` is connected to the shared tier.
    static void waitConnected(CachingProxy &proxy, const QByteArray &probe);
    // The value the shared tier holds for a cache key (empty: none), asked from this thread.
    QByteArray sharedValue(const QByteArray &key);
    // Two proxies subscribed to each other's invalidations, every worker connected.
    static void startBoth(CachingProxy &a, CachingProxy &b);
    // `path` filled through `a` (upstream, then Redis), then in `b`'s memory: a shared hit,
    // then a memory hit.
    void fillBoth(CachingProxy &a, CachingProxy &b, const QByteArray &path);
    // Whether `proxy` answers `path` from its memory (no upstream request, no Redis look-up).
    bool memoryHit(CachingProxy &proxy, const QByteArray &path);
    // PUBLISH on the invalidation channel from the test's own connection.
    void publish(const QByteArray &payload);

    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<RedisClient> m_client; // the test's own view of Redis
};

void TestProxyCacheRedis::init() {
    m_redis = std::make_unique<RedisServer>();
    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = "HTTP/1.1 200 OK\r\nCache-Control: max-age=300\r\nContent-Length: 5\r\n\r\n"
                    "hello";
    m_upstream = std::make_unique<TestUpstream>(behaviour);
    RedisClient::Options options;
    options.port = m_redis->port();
    options.commandTimeout = 500ms;
    m_client = std::make_unique<RedisClient>(options);
    QSignalSpy connected(m_client.get(), &RedisClient::connectedChanged);
    m_client->start();
    QVERIFY(m_client->isConnected() || connected.wait(5000));
}

void TestProxyCacheRedis::cleanup() {
    m_client.reset();
    m_upstream.reset();
    m_redis.reset();
}

void TestProxyCacheRedis::waitConnected(CachingProxy &proxy, const QByteArray &probe) {
    // Subscribed to the other proxies' invalidations first: a subscription confirmed later
    // would drop what the test stores before it.
    QTRY_VERIFY_WITH_TIMEOUT(proxy.shared().subscribed, 10000);
    // Throwaway requests (each a new connection: the kernel spreads them over the workers)
    // until every worker has asked the shared tier and had an answer (a miss): connected.
    const auto answeredBy = [&](int worker) {
        return proxy.cache->counters(worker, 0).sharedMisses.value() > 0;
    };
    int n = 0;
    const auto probeOnce = [&] {
        RawClient client(proxy.server->port());
        return client.roundTrip(get(probe + QByteArray::number(++n))).status == 200;
    };
    QTRY_VERIFY_WITH_TIMEOUT(probeOnce() && answeredBy(0) && answeredBy(1), 10000);
}

QByteArray TestProxyCacheRedis::sharedValue(const QByteArray &key) {
    QByteArray value;
    bool answered = false;
    m_client->get(ResponseCache::sharedKey(key),
                  [&](RedisClient::Status status, const QByteArray &v) {
                      answered = true;
                      if (status == RedisClient::Status::Ok)
                          value = v;
                  });
    if (!QTest::qWaitFor([&] { return answered; }, 5000))
        return "(no answer from Redis)"; // never a record: the callers fail on it
    return value;
}

void TestProxyCacheRedis::fillOnOneIsAHitOnTheOther() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    QVERIFY(a.server && b.server);
    waitConnected(a, "/probe-a");
    if (QTest::currentTestFailed())
        return;
    waitConnected(b, "/probe-b");
    if (QTest::currentTestFailed())
        return;
    const int before = m_upstream->requestsReceived();

    RawClient toA(a.server->port());
    const RawResponse first = toA.roundTrip(get("/shared"));
    QCOMPARE(first.status, 200);
    QCOMPARE(m_upstream->requestsReceived(), before + 1);
    // The fill reaches Redis asynchronously.
    QTRY_VERIFY_WITH_TIMEOUT(!sharedValue("svc http://test/shared").isEmpty(), 5000);
    const auto stored = StoredResponse::fromBytes(sharedValue("svc http://test/shared"));
    QVERIFY(stored);
    QCOMPARE(stored->body, QByteArray("hello"));

    RawClient toB(b.server->port());
    const RawResponse second = toB.roundTrip(get("/shared"));
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("hello"));
    QVERIFY2(second.header("cache-status").contains("hit"), second.header("cache-status"));
    QCOMPARE(m_upstream->requestsReceived(), before + 1); // B never asked the upstream
    QCOMPARE(b.totals().sharedHits, 1u);
    // Now in B's memory: the next one does not ask Redis again.
    const auto sharedBefore = b.totals().sharedHits + b.totals().sharedMisses;
    QCOMPARE(toB.roundTrip(get("/shared")).status, 200);
    QCOMPARE(b.totals().sharedHits + b.totals().sharedMisses, sharedBefore);
    QCOMPARE(b.totals().hits, 2u);
}

void TestProxyCacheRedis::redisDownIsAMissAndRecovers() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    QVERIFY(a.server && b.server);
    waitConnected(a, "/probe-a");
    if (QTest::currentTestFailed())
        return;
    waitConnected(b, "/probe-b");
    if (QTest::currentTestFailed())
        return;
    m_client.reset();
    m_redis->kill();

    // Redis gone: every request is answered (from the upstream), the failures are counted.
    const auto errorsBefore = a.totals().sharedErrors;
    for (int i = 0; i < 10; ++i) {
        RawClient client(a.server->port());
        const RawResponse response = client.roundTrip(get("/down-" + QByteArray::number(i)));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("hello"));
    }
    QVERIFY(a.totals().sharedErrors >= errorsBefore + 10);

    // It comes back (same port): the workers reconnect by themselves, fills reach it again.
    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
    RedisClient::Options options;
    options.port = m_redis->port();
    m_client = std::make_unique<RedisClient>(options);
    QSignalSpy connected(m_client.get(), &RedisClient::connectedChanged);
    m_client->start();
    QVERIFY(m_client->isConnected() || connected.wait(5000));
    const auto missesBefore = a.totals().sharedMisses;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            RawClient client(a.server->port());
            client.roundTrip(get("/again-" + QByteArray::number(a.totals().sharedErrors)));
            return a.totals().sharedMisses > missesBefore;
        }(),
        10000);
    waitConnected(b, "/again-b");
    if (QTest::currentTestFailed())
        return;
    RawClient toA(a.server->port());
    QCOMPARE(toA.roundTrip(get("/after")).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(!sharedValue("svc http://test/after").isEmpty(), 5000);
    const int upstreamBefore = m_upstream->requestsReceived();
    RawClient toB(b.server->port());
    const RawResponse hit = toB.roundTrip(get("/after"));
    QCOMPARE(hit.status, 200);
    QCOMPARE(m_upstream->requestsReceived(), upstreamBefore);
}

void TestProxyCacheRedis::purgeReachesTheSharedTier() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    QVERIFY(a.server);
    waitConnected(a, "/probe-a");
    if (QTest::currentTestFailed())
        return;
    RawClient toA(a.server->port());
    QCOMPARE(toA.roundTrip(get("/purge/one")).status, 200);
    QCOMPARE(toA.roundTrip(get("/purge/two")).status, 200);
    QCOMPARE(toA.roundTrip(get("/kept")).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(!sharedValue("svc http://test/purge/two").isEmpty(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!sharedValue("svc http://test/kept").isEmpty(), 5000);

    QCOMPARE(a.cache->purgePrefix("svc http://test/purge/"), size_t(2));
    QTRY_VERIFY_WITH_TIMEOUT(sharedValue("svc http://test/purge/one").isEmpty(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(sharedValue("svc http://test/purge/two").isEmpty(), 5000);
    QVERIFY(!sharedValue("svc http://test/kept").isEmpty());
    QCOMPARE(a.cache->purgeKey("svc http://test/kept"), size_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(sharedValue("svc http://test/kept").isEmpty(), 5000);
}

void TestProxyCacheRedis::startBoth(CachingProxy &a, CachingProxy &b) {
    QVERIFY(a.server && b.server);
    waitConnected(a, "/probe-a");
    if (QTest::currentTestFailed())
        return;
    waitConnected(b, "/probe-b");
}

bool TestProxyCacheRedis::memoryHit(CachingProxy &proxy, const QByteArray &path) {
    const int upstream = m_upstream->requestsReceived();
    const CacheServiceTotals before = proxy.totals();
    RawClient client(proxy.server->port());
    const RawResponse response = client.roundTrip(get(path));
    const CacheServiceTotals after = proxy.totals();
    return response.status == 200 && response.body == "hello" &&
           m_upstream->requestsReceived() == upstream && after.hits == before.hits + 1 &&
           after.sharedHits == before.sharedHits && after.sharedMisses == before.sharedMisses &&
           after.sharedErrors == before.sharedErrors;
}

void TestProxyCacheRedis::fillBoth(CachingProxy &a, CachingProxy &b, const QByteArray &path) {
    RawClient toA(a.server->port());
    QCOMPARE(toA.roundTrip(get(path)).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(!sharedValue("svc http://test" + path).isEmpty(), 5000);
    const auto sharedHits = b.totals().sharedHits;
    RawClient toB(b.server->port());
    QCOMPARE(toB.roundTrip(get(path)).status, 200);
    QCOMPARE(b.totals().sharedHits, sharedHits + 1);
    QVERIFY(memoryHit(b, path));
    QVERIFY(memoryHit(a, path));
}

void TestProxyCacheRedis::publish(const QByteArray &payload) {
    std::optional<RedisClient::Status> done;
    m_client->publish(ResponseCache::invalidationChannel(), payload,
                      [&](RedisClient::Status status, qint64) { done = status; });
    QTRY_VERIFY_WITH_TIMEOUT(done.has_value(), 5000);
    QCOMPARE(*done, RedisClient::Status::Ok);
}

void TestProxyCacheRedis::invalidationReachesTheOtherProxy_data() {
    QTest::addColumn<QByteArray>("request"); // through A; empty: a purge on A
    QTest::addColumn<int>("purge");          // 0 key, 1 prefix, 2 service, 3 everything
    QTest::addColumn<bool>("othersKept");    // /inv/other stays in B's memory
    QTest::newRow("purge of a key") << QByteArray() << 0 << true;
    QTest::newRow("purge of a prefix") << QByteArray() << 1 << true;
    QTest::newRow("purge of the service") << QByteArray() << 2 << false;
    QTest::newRow("purge of everything") << QByteArray() << 3 << false;
    for (const char *method : {"POST", "PUT", "DELETE"}) {
        QTest::newRow(method) << QByteArray(method) + " /inv/one HTTP/1.1\r\nHost: test\r\n"
                                                      "Content-Length: 0\r\n\r\n"
                              << -1 << true;
    }
}

void TestProxyCacheRedis::invalidationReachesTheOtherProxy() {
    QFETCH(QByteArray, request);
    QFETCH(int, purge);
    QFETCH(bool, othersKept);
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    startBoth(a, b);
    if (QTest::currentTestFailed())
        return;
    fillBoth(a, b, "/inv/one");
    if (QTest::currentTestFailed())
        return;
    fillBoth(a, b, "/other");
    if (QTest::currentTestFailed())
        return;
    const auto publishedBefore = a.shared().published;

    if (!request.isEmpty()) {
        RawClient toA(a.server->port());
        const RawResponse response = toA.roundTrip(request);
        QCOMPARE(response.status, 200);
    } else if (purge == 0) {
        QCOMPARE(a.cache->purgeKey("svc http://test/inv/one"), size_t(1));
    } else if (purge == 1) {
        QCOMPARE(a.cache->purgePrefix("svc http://test/inv/"), size_t(1));
    } else if (purge == 2) {
        QVERIFY(a.cache->purgePrefix("svc ") >= size_t(2));
    } else {
        QVERIFY(a.cache->purgeAll() >= size_t(2));
    }
    // B applies A's message; A hears its own and ignores it.
    QTRY_COMPARE_WITH_TIMEOUT(b.shared().applied, std::uint64_t(1), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(a.shared().ownIgnored, std::uint64_t(1), 5000);
    QCOMPARE(a.shared().applied, std::uint64_t(0));
    QTRY_COMPARE_WITH_TIMEOUT(a.shared().published, publishedBefore + 1, 5000);
    QVERIFY(b.shared().entriesDropped >= 1);
    QCOMPARE(b.shared().refused, std::uint64_t(0));

    // B's next request for it is not answered from its old memory copy: Redis has none
    // either, so it goes upstream.
    const int upstream = m_upstream->requestsReceived();
    const auto sharedMisses = b.totals().sharedMisses;
    RawClient toB(b.server->port());
    const RawResponse again = toB.roundTrip(get("/inv/one"));
    QCOMPARE(again.status, 200);
    QVERIFY2(again.header("cache-status").contains("fwd=uri-miss"), again.header("cache-status"));
    QCOMPARE(m_upstream->requestsReceived(), upstream + 1);
    QCOMPARE(b.totals().sharedMisses, sharedMisses + 1);
    // What the message did not name stays.
    QCOMPARE(memoryHit(b, "/other"), othersKept);
}

void TestProxyCacheRedis::ownMessageIsIgnored() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    startBoth(a, b);
    if (QTest::currentTestFailed())
        return;
    fillBoth(a, b, "/own");
    if (QTest::currentTestFailed())
        return;
    // A message that says it comes from A: A keeps its copy, B drops its own.
    InvalidationMessage message;
    message.sender = a.cache->instanceId();
    message.keys = {"svc http://test/own"};
    QVERIFY(a.cache->instanceId() != b.cache->instanceId());
    publish(message.encode());
    QTRY_COMPARE_WITH_TIMEOUT(a.shared().ownIgnored, std::uint64_t(1), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b.shared().applied, std::uint64_t(1), 5000);
    QCOMPARE(a.shared().applied, std::uint64_t(0));
    QCOMPARE(b.shared().ownIgnored, std::uint64_t(0));
    QVERIFY(memoryHit(a, "/own"));
    // B asks Redis again (which the test did not purge): a shared hit, not a memory one.
    QVERIFY(!memoryHit(b, "/own"));
    QVERIFY(memoryHit(b, "/own"));
}

void TestProxyCacheRedis::garbageOnTheChannelIsCountedAndIgnored() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    startBoth(a, b);
    if (QTest::currentTestFailed())
        return;
    fillBoth(a, b, "/kept");
    if (QTest::currentTestFailed())
        return;
    InvalidationMessage everything;
    everything.sender = 1;
    everything.scope = InvalidationMessage::Scope::All;
    const QByteArray valid = everything.encode();
    const QByteArrayList garbage{"",
                                 "hello",
                                 valid.first(valid.size() - 1),
                                 valid + "x",
                                 QByteArray(300000, 'T'),
                                 "TCI1\xff\xff\xff"};
    for (const QByteArray &payload : garbage)
        publish(payload);
    const auto count = std::uint64_t(garbage.size());
    QTRY_COMPARE_WITH_TIMEOUT(a.shared().refused, count, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b.shared().refused, count, 5000);
    QCOMPARE(a.shared().received, count);
    QCOMPARE(b.shared().applied + b.shared().ownIgnored, std::uint64_t(0));
    QVERIFY(a.shared().subscribed && b.shared().subscribed);
    QVERIFY(memoryHit(a, "/kept"));
    QVERIFY(memoryHit(b, "/kept"));
    // The channel still works afterwards.
    publish(valid);
    QTRY_COMPARE_WITH_TIMEOUT(b.shared().applied, std::uint64_t(1), 5000);
    QVERIFY(!memoryHit(b, "/kept"));
}

void TestProxyCacheRedis::resubscriptionDropsWhatWasStoredBefore() {
    CachingProxy a(m_upstream->port(), m_redis->port());
    CachingProxy b(m_upstream->port(), m_redis->port());
    startBoth(a, b);
    if (QTest::currentTestFailed())
        return;
    fillBoth(a, b, "/before");
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(b.shared().subscriberOutages, std::uint64_t(0));
    m_client.reset();
    m_redis->kill();
    QTRY_VERIFY_WITH_TIMEOUT(!b.shared().subscribed, 5000);
    QCOMPARE(b.shared().subscriberOutages, std::uint64_t(1));
    // While it is down B still answers from memory, and fills it from the upstream.
    QVERIFY(memoryHit(b, "/before"));
    RawClient toB(b.server->port());
    QCOMPARE(toB.roundTrip(get("/during")).status, 200);
    QVERIFY(memoryHit(b, "/during"));

    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
    QTRY_VERIFY_WITH_TIMEOUT(b.shared().subscribed, 10000);
    // Everything B stored before the subscription came back is gone: what A invalidated
    // meanwhile never reached it.
    QVERIFY(b.shared().resyncDropped >= 2);
    QVERIFY(!memoryHit(b, "/before"));
    QVERIFY(!memoryHit(b, "/during"));
    // What is stored after it stays.
    QCOMPARE(toB.roundTrip(get("/after")).status, 200);
    QVERIFY(memoryHit(b, "/after"));
}

QTEST_GUILESS_MAIN(TestProxyCacheRedis)
#include "tst_proxy_cache_redis.moc"
