// The response cache's shared tier: two proxies sharing one real redis-server, a fill on one a
// hit on the other, and a Redis that dies and comes back costing misses, never errors.
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

private:
    // Until every worker of `proxy` is connected to the shared tier.
    static void waitConnected(CachingProxy &proxy, const QByteArray &probe);
    // The value the shared tier holds for a cache key (empty: none), asked from this thread.
    QByteArray sharedValue(const QByteArray &key);

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

QTEST_GUILESS_MAIN(TestProxyCacheRedis)
#include "tst_proxy_cache_redis.moc"
