// stale-while-revalidate on the data path (RFC 5861 section 3), against a real upstream on a
// manual clock: the stale answer at once, one background revalidation per key whatever the
// number of clients and workers, and its answer applied to the cache (or not, when it fails).
#include <backend/cache/http_date.h>
#include <backend/cache/response_cache.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QSignalSpy>
#include <QTest>

#include <chrono>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

constexpr QByteArrayView kKey = "svc http://test/r";

// 10 s fresh, then 100 s of stale-while-revalidate.
const QByteArray kStored = "HTTP/1.1 200 OK\r\nDate: {date}\r\nETag: \"v1\"\r\n"
                           "Cache-Control: max-age=10, stale-while-revalidate=100\r\n"
                           "Content-Length: 5\r\n\r\nhello";
const QByteArray kNotModified = "HTTP/1.1 304 Not Modified\r\nDate: {date}\r\nETag: \"v1\"\r\n"
                                "Cache-Control: max-age=10, stale-while-revalidate=100\r\n\r\n";

QByteArray get(QByteArrayView extra = {}) {
    return "GET /r HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() + "\r\n";
}

// A proxy with a cache in front of one upstream, on a manual clock that also dates the
// upstream's answers.
class Scene {
public:
    explicit Scene(int workers = 1, double requestsPerSecond = 0) {
        ProxyConfig config = testConfig(workers);
        config.listen.port = 0;
        config.services.push_back(makeService({"svc", "/", {upstream.port()}}, config));
        config.services.back().rateLimit = {requestsPerSecond, 1};
        server = std::make_unique<ProxyServer>(config, clock);
        ResponseCache::Options options;
        options.shards = 1;
        options.serviceCapacity = 1;
        options.workers = workers;
        options.services = {ResponseCache::ServicePolicy()};
        cache = std::make_shared<ResponseCache>(options, clock);
        server->setResponseCache(cache);
        if (!server->listen())
            server.reset();
    }
    ~Scene() {
        upstream.releaseHeld(); // nothing left waiting in the upstream's thread
    }

    void advance(std::chrono::seconds by) {
        clock.advance(by);
        m_advanced += by;
    }
    // From now on the upstream answers `raw` ("{date}": the cache's current wall time).
    void answerWith(const QByteArray &raw, bool held = false,
                    TestUpstream::Mode mode = TestUpstream::Mode::Raw) {
        TestUpstream::Behaviour behaviour;
        behaviour.mode = mode;
        behaviour.raw =
            QByteArray(raw).replace("{date}", HttpDate::format(m_wallStart + m_advanced));
        behaviour.held = held;
        upstream.setBehaviour(behaviour);
    }
    RawResponse roundTrip(const QByteArray &request = get()) {
        RawClient client(server->port());
        return client.roundTrip(request);
    }
    CacheServiceTotals totals() const { return cache->totals(0); }
    // Background revalidations that ended, whichever way.
    std::uint64_t settled() const {
        const CacheServiceTotals t = totals();
        return t.revalidated + t.backgroundFailures + (t.stores > 0 ? t.stores - 1 : 0);
    }

    ManualClock clock;
    TestUpstream upstream;
    std::shared_ptr<ResponseCache> cache;
    std::unique_ptr<ProxyServer> server;

private:
    // Taken before the cache reads its own: the upstream's Date is never ahead of the cache.
    const HttpTime m_wallStart =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    std::chrono::seconds m_advanced{0};
};

bool isStaleHit(const RawResponse &response) {
    return response.complete && response.status == 200 &&
           response.header("cache-status").contains("hit; ttl=-") &&
           response.header("warning").startsWith("110") && response.header("age").toInt() >= 20;
}

bool isFreshHit(const RawResponse &response) {
    const QByteArray status = response.header("cache-status");
    return response.complete && response.status == 200 && status.contains("hit; ttl=") &&
           !status.contains("ttl=-") && response.header("warning").isEmpty();
}

} // namespace

Q_DECLARE_METATYPE(TestUpstream::Mode)

class TestProxyCacheSwr : public QObject {
    Q_OBJECT

private slots:
    void staleServedAtOnceAndRevalidatedInTheBackground();
    void oneBackgroundRequestForConcurrentStaleHits();
    void answerApplied_data();
    void answerApplied();
    void beyondTheWindowValidatesInTheForeground();
    void aValidationWaitsForIt();
    void clientClosingDoesNotStopIt();
    void drainWaitsForIt();
    void drainTimeoutAbortsIt();
    void destroyedWithItInFlight();
    void rateLimitedLikeAForwardedRequest();
};

void TestProxyCacheSwr::staleServedAtOnceAndRevalidatedInTheBackground() {
    Scene scene;
    QVERIFY(scene.server);
    const QByteArray client =
        "Accept-Language: fr\r\nX-Secret: s\r\nX-Correlation-ID: client-1\r\n";
    scene.answerWith(QByteArray(kStored).replace("ETag:", "Vary: Accept-Language\r\nETag:"));
    QCOMPARE(scene.roundTrip(get(client)).status, 200);
    QCOMPARE(scene.upstream.requestsReceived(), 1);

    scene.advance(20s); // 10 s into the stale-while-revalidate window
    scene.answerWith(QByteArray(kNotModified).replace("ETag:", "Vary: Accept-Language\r\nETag:"),
                     true);
    // The upstream holds the revalidation: the answer cannot have waited for it.
    const RawResponse stale = scene.roundTrip(get(client));
    QVERIFY2(isStaleHit(stale), stale.header("cache-status") + " / " + stale.header("age"));
    QCOMPARE(stale.body, QByteArray("hello"));
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    QCOMPARE(scene.totals().backgroundRevalidations, 1u);
    QCOMPARE(scene.totals().staleServed, 1u);

    // A conditional GET of the stored variant: its validator, Host and Vary field, nothing else
    // of the client's, and an id of its own.
    const QByteArray head = scene.upstream.heads().last();
    QVERIFY2(head.startsWith("GET /r HTTP/1.1\r\n"), head);
    QVERIFY2(head.contains("If-None-Match: \"v1\"\r\n"), head);
    QVERIFY2(head.contains("Host: test\r\n"), head);
    QVERIFY2(head.contains("Accept-Language: fr\r\n"), head);
    QVERIFY2(!head.contains("X-Secret"), head);
    QVERIFY2(head.contains("X-Correlation-ID: "), head);
    QVERIFY2(!head.contains("client-1"), head);

    scene.upstream.releaseHeld();
    QTRY_COMPARE(scene.totals().revalidated, 1u);
    QCOMPARE(scene.totals().revalidations, 1u);
    QCOMPARE(scene.totals().backgroundFailures, 0u);
    const RawResponse fresh = scene.roundTrip(get(client));
    QVERIFY2(isFreshHit(fresh), fresh.header("cache-status"));
    QCOMPARE(fresh.body, QByteArray("hello"));
    QCOMPARE(scene.upstream.requestsReceived(), 2);
}

void TestProxyCacheSwr::oneBackgroundRequestForConcurrentStaleHits() {
    constexpr int kClients = 20;
    Scene scene(2); // the clients spread over two workers: one revalidation across both
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<RawClient>(scene.server->port()));
        clients.back()->send(get());
    }
    for (const auto &client : clients) {
        const RawResponse response = client->read();
        QVERIFY2(isStaleHit(response), response.header("cache-status"));
        QCOMPARE(response.body, QByteArray("hello"));
    }
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    QCOMPARE(scene.upstream.requestsReceived(), 2); // the fill and one revalidation
    QCOMPARE(scene.totals().staleServed, std::uint64_t(kClients));
    // Both workers answered stale (the kernel spreads 20 connections over both, all but
    // certainly), and only one of them revalidated.
    QVERIFY(scene.cache->counters(0, 0).staleServed.value() > 0);
    QVERIFY(scene.cache->counters(1, 0).staleServed.value() > 0);
    QCOMPARE(scene.totals().backgroundRevalidations, 1u);
    scene.upstream.releaseHeld();
    QTRY_COMPARE(scene.totals().revalidated, 1u);
    QVERIFY(isFreshHit(scene.roundTrip()));
    QCOMPARE(scene.upstream.requestsReceived(), 2);
}

void TestProxyCacheSwr::answerApplied_data() {
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<TestUpstream::Mode>("mode");
    QTest::addColumn<bool>("applied");      // freshened or replaced: the next request is a hit
    QTest::addColumn<QByteArray>("body");   // what the next request gets
    QTest::addColumn<QByteArray>("status"); // ... in its Cache-Status
    const auto raw = TestUpstream::Mode::Raw;
    QTest::newRow("304 freshens") << kNotModified << raw << true << QByteArray("hello")
                                  << QByteArray("hit; ttl=10");
    QTest::newRow("200 replaces")
        << QByteArray("HTTP/1.1 200 OK\r\nDate: {date}\r\nETag: \"v2\"\r\n"
                      "Cache-Control: max-age=30\r\nContent-Length: 5\r\n\r\nworld")
        << raw << true << QByteArray("world") << QByteArray("hit; ttl=30");
    // Failures leave the stale entry: past the window the next request validates it in the
    // foreground (a 304 answers it from the entry).
    QTest::newRow("500 leaves the stale entry")
        << QByteArray("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno") << raw
        << false << QByteArray("hello") << QByteArray("fwd=stale; fwd-status=304");
    QTest::newRow("404 leaves the stale entry")
        << QByteArray("HTTP/1.1 404 Not Found\r\nCache-Control: max-age=60\r\n"
                      "Content-Length: 2\r\n\r\nno")
        << raw << false << QByteArray("hello") << QByteArray("fwd=stale; fwd-status=304");
    QTest::newRow("uncacheable 200 leaves the stale entry")
        << QByteArray("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 5\r\n\r\n"
                      "world")
        << raw << false << QByteArray("hello") << QByteArray("fwd=stale; fwd-status=304");
    QTest::newRow("connection closed leaves the stale entry")
        << QByteArray() << TestUpstream::Mode::CloseAfterRequest << false << QByteArray("hello")
        << QByteArray("fwd=stale; fwd-status=304");
    QTest::newRow("no answer within the first-byte timeout leaves the stale entry")
        << QByteArray() << TestUpstream::Mode::Hang << false << QByteArray("hello")
        << QByteArray("fwd=stale; fwd-status=304");
}

void TestProxyCacheSwr::answerApplied() {
    QFETCH(QByteArray, answer);
    QFETCH(TestUpstream::Mode, mode);
    QFETCH(bool, applied);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, status);
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(answer, false, mode);
    QVERIFY(isStaleHit(scene.roundTrip()));
    // (A kept-alive connection closed under it is tried once more on a fresh one.)
    QTRY_VERIFY(scene.upstream.requestsReceived() >= 2);
    if (mode == TestUpstream::Mode::Hang) {
        // The instance's first-byte timeout (30 s), on the worker's deadline queue.
        scene.advance(31s);
        QSignalSpy checked(scene.server.get(), &ProxyServer::deadlinesChecked);
        scene.server->checkDeadlines();
        QVERIFY(checked.wait());
    }
    QTRY_COMPARE(scene.settled(), 1u);
    QCOMPARE(scene.totals().backgroundRevalidations, 1u);
    QCOMPARE(scene.totals().backgroundFailures, applied ? 0u : 1u);
    if (applied) {
        const RawResponse next = scene.roundTrip();
        QVERIFY2(isFreshHit(next), next.header("cache-status"));
        QVERIFY2(next.header("cache-status").contains(status), next.header("cache-status"));
        QCOMPARE(next.body, body);
        QCOMPARE(scene.upstream.requestsReceived(), 2);
        return;
    }
    // Past the window: validated before answering, with the stale entry's validator.
    scene.advance(200s);
    scene.answerWith(kNotModified);
    const int before = scene.upstream.requestsReceived();
    const RawResponse next = scene.roundTrip();
    QCOMPARE(next.status, 200);
    QCOMPARE(scene.upstream.requestsReceived(), before + 1);
    QVERIFY2(next.header("cache-status").contains(status), next.header("cache-status"));
    QVERIFY(scene.upstream.heads().last().contains("If-None-Match: \"v1\""));
    QCOMPARE(next.body, body);
    QCOMPARE(scene.totals().backgroundRevalidations, 1u);
}

void TestProxyCacheSwr::beyondTheWindowValidatesInTheForeground() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(111s); // 101 s stale: past the 100 s window
    scene.answerWith(kNotModified);
    const RawResponse response = scene.roundTrip();
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("hello"));
    QCOMPARE(scene.upstream.requestsReceived(), 2); // before the client had its answer
    QVERIFY2(response.header("cache-status").contains("fwd=stale; fwd-status=304"),
             response.header("cache-status"));
    QVERIFY(response.header("warning").isEmpty());
    QCOMPARE(scene.totals().backgroundRevalidations, 0u);
    QCOMPARE(scene.totals().revalidated, 1u);
    QCOMPARE(scene.totals().staleServed, 0u);
}

void TestProxyCacheSwr::aValidationWaitsForIt() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    QVERIFY(isStaleHit(scene.roundTrip()));
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    // A reload must not be answered stale: it waits for the revalidation in flight (the key's
    // leader) instead of sending another, and is answered from what it stored.
    RawClient reload(scene.server->port());
    reload.send(get("Cache-Control: max-age=0\r\n"));
    QTRY_COMPARE(scene.totals().coalescedWaits, 1u);
    QCOMPARE(scene.upstream.requestsReceived(), 2);
    scene.upstream.releaseHeld();
    const RawResponse response = reload.read();
    QVERIFY(response.complete);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("hello"));
    QVERIFY2(response.header("cache-status").contains("hit; ttl=10"),
             response.header("cache-status"));
    QVERIFY(response.header("warning").isEmpty());
    QCOMPARE(scene.upstream.requestsReceived(), 2);
}

void TestProxyCacheSwr::clientClosingDoesNotStopIt() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    {
        RawClient client(scene.server->port());
        QVERIFY(isStaleHit(client.roundTrip(get())));
        client.reset(); // gone at once, and rudely
    }
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    scene.upstream.releaseHeld();
    QTRY_COMPARE(scene.totals().revalidated, 1u);
    QVERIFY(isFreshHit(scene.roundTrip()));
    QCOMPARE(scene.upstream.requestsReceived(), 2);
}

void TestProxyCacheSwr::drainWaitsForIt() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    QVERIFY(isStaleHit(scene.roundTrip()));
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    QSignalSpy drained(scene.server.get(), &ProxyServer::drained);
    QSignalSpy checked(scene.server.get(), &ProxyServer::deadlinesChecked);
    scene.server->drain(60s);
    // A round trip through the worker after its drain(): no session is left, but the
    // revalidation is, so the worker has not said it drained.
    scene.server->checkDeadlines();
    QVERIFY(checked.wait());
    QVERIFY(drained.isEmpty());
    scene.upstream.releaseHeld();
    QVERIFY(drained.wait());
    QCOMPARE(scene.totals().revalidated, 1u);
    QCOMPARE(scene.totals().backgroundFailures, 0u);
    const ResponseCache::Page page = scene.cache->list({}, 10, -1, {});
    QCOMPARE(page.entries.size(), size_t(1));
    QVERIFY(page.entries[0].ttlLeft.count() > 0);
}

void TestProxyCacheSwr::drainTimeoutAbortsIt() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    QVERIFY(isStaleHit(scene.roundTrip()));
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    QSignalSpy drained(scene.server.get(), &ProxyServer::drained);
    scene.server->drain(50ms); // real time: the server's drain timer
    QVERIFY(drained.wait());
    // Abandoned: counted, and the key's lead given back (nothing would revalidate it again).
    QTRY_COMPARE(scene.totals().backgroundFailures, 1u);
    QCOMPARE(scene.totals().revalidated, 0u);
    QVERIFY(scene.cache->lead(kKey.toByteArray()));
    QCOMPARE(scene.cache->release(kKey.toByteArray()), size_t(0));
    scene.server.reset(); // and the worker goes cleanly
    QCOMPARE(scene.cache->list({}, 10, -1, {}).entries.size(), size_t(1));
}

void TestProxyCacheSwr::destroyedWithItInFlight() {
    Scene scene;
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified, true);
    QVERIFY(isStaleHit(scene.roundTrip()));
    QTRY_COMPARE(scene.upstream.heldRequests(), 1);
    scene.server.reset(); // never outlives its worker: abandoned, the key's lead given back
    QCOMPARE(scene.totals().backgroundFailures, 1u);
    QVERIFY(scene.cache->lead(kKey.toByteArray()));
    QCOMPARE(scene.cache->release(kKey.toByteArray()), size_t(0));
}

void TestProxyCacheSwr::rateLimitedLikeAForwardedRequest() {
    Scene scene(1, 0.01); // one request per 100 s: the fill takes it
    QVERIFY(scene.server);
    scene.answerWith(kStored);
    QCOMPARE(scene.roundTrip().status, 200);
    scene.advance(20s);
    scene.answerWith(kNotModified);
    QVERIFY(isStaleHit(scene.roundTrip()));
    // Refused before the answer was written: nothing went upstream, the stale entry stays.
    QCOMPARE(scene.totals().backgroundRevalidations, 1u);
    QCOMPARE(scene.totals().backgroundFailures, 1u);
    QCOMPARE(scene.upstream.requestsReceived(), 1);
    QVERIFY(isStaleHit(scene.roundTrip()));
    QCOMPARE(scene.totals().backgroundFailures, 2u);
    // A token again: the next stale answer is revalidated.
    scene.advance(80s);
    QVERIFY(scene.roundTrip().header("cache-status").contains("hit; ttl=-"));
    QTRY_COMPARE(scene.totals().revalidated, 1u);
    QCOMPARE(scene.upstream.requestsReceived(), 2);
}

QTEST_GUILESS_MAIN(TestProxyCacheSwr)
#include "tst_proxy_cache_swr.moc"
