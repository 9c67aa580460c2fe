// What the capture (and so the Requests view and proxy.response_intelligence) records of the
// response cache: the outcome of each exchange, with its reason.
#include <backend/cache/response_cache.h>
#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/proxy/proxy_worker.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QTest>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

// One request, the upstream's answer to it (empty: unchanged) and the outcome captured.
struct Exchange {
    QByteArray request;
    QByteArray upstream;
    int advance = 0; // seconds the clock moves first
    QByteArray outcome;
};

QByteArray get(QByteArrayView target = "/r", QByteArrayView extra = {}) {
    return "GET " + target.toByteArray() + " HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() +
           "\r\n";
}

QByteArray answer(QByteArrayView headers, int status = 200, QByteArrayView body = "hello") {
    return "HTTP/1.1 " + QByteArray::number(status) + " X\r\n" + headers.toByteArray() +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body.toByteArray();
}

} // namespace

Q_DECLARE_METATYPE(Exchange)

class TestProxyCacheCapture : public QObject {
    Q_OBJECT

private slots:
    void outcomes_data();
    void outcomes();
};

void TestProxyCacheCapture::outcomes_data() {
    QTest::addColumn<QList<Exchange>>("exchanges");
    QTest::addColumn<bool>("enabled"); // the cache, for the service
    const QByteArray fresh = answer("Cache-Control: max-age=60\r\nETag: \"a\"\r\n");
    QTest::newRow("miss stored, then hits")
        << QList<Exchange>{{get(), fresh, 0, "miss; stored; ttl-source=header"},
                           {get(), {}, 1, "hit; ttl-source=header"},
                           {"HEAD /r HTTP/1.1\r\nHost: test\r\n\r\n",
                            {},
                            0,
                            "hit; ttl-source=header"}}
        << true;
    QTest::newRow("uncacheable, with the reason")
        << QList<Exchange>{{get(), answer("Cache-Control: no-store\r\n"), 0,
                            "uncacheable; reason=no-store"},
                           {get(), answer("Cache-Control: private, max-age=9\r\n"), 0,
                            "uncacheable; reason=private"},
                           {get(), answer("Cache-Control: max-age=9\r\nVary: *\r\n"), 0,
                            "uncacheable; reason=vary-star"},
                           {get(), answer({}), 0, "uncacheable; reason=no-freshness"},
                           {get("/r", "Range: bytes=0-1\r\n"), {}, 0, "bypass; reason=range"}}
        << true;
    QTest::newRow("revalidated, and invalidated")
        << QList<Exchange>{{get(), fresh, 0, "miss; stored; ttl-source=header"},
                           {get(), "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n", 61,
                            "revalidated; ttl-source=header"},
                           {"DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n", answer({}, 204, {}), 0,
                            "uncacheable; reason=method; invalidated=1"},
                           {get("/r", "Cache-Control: only-if-cached\r\n"),
                            {},
                            0,
                            "miss; reason=only-if-cached"}}
        << true;
    QTest::newRow("stale if error")
        << QList<Exchange>{{get(), answer("Cache-Control: max-age=1, stale-if-error=60\r\n"), 0,
                            "miss; stored; ttl-source=header"},
                           {get(), answer({}, 503), 5, "stale; rule=stale-if-error"}}
        << true;
    QTest::newRow("stale while revalidate")
        << QList<Exchange>{{get(),
                            answer("Cache-Control: max-age=1, stale-while-revalidate=60\r\n"), 0,
                            "miss; stored; ttl-source=header"},
                           {get(), {}, 5, "stale; rule=stale-while-revalidate"}}
        << true;
    // Off for the service: nothing is stored or served, but a response that could have been
    // stored says so, for the analysis (a cacheable operation with the cache off).
    QTest::newRow("off for the service")
        << QList<Exchange>{{get(), fresh, 0, "miss; reason=disabled"},
                           {get(), {}, 1, "miss; reason=disabled"},
                           {get(), answer("Cache-Control: no-store\r\n"), 0, ""},
                           {get("/r", "Authorization: Basic eDp5\r\n"), fresh, 0, ""},
                           {"DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n", answer({}, 204, {}), 0, ""}}
        << false;
}

void TestProxyCacheCapture::outcomes() {
    QFETCH(QList<Exchange>, exchanges);
    QFETCH(bool, enabled);
    ManualClock clock;
    TestUpstream upstream;
    ProxyConfig config = testConfig(1);
    config.listen.port = 0;
    config.services.push_back(makeService({"svc", "/", {upstream.port()}}, config));
    ProxyServer server(config, clock);
    CaptureQueue queue(1, 1000);
    const CaptureHeaderFilter filter(QStringList{QStringLiteral("cache-status")});
    ProxyCapture capture;
    capture.queue = &queue;
    capture.filter = &filter;
    capture.maxBodyBytes = 1024;
    capture.maxResponseBodyBytes = 1024;
    server.setCapture(capture);
    ResponseCache::Options options;
    options.shards = 1;
    options.serviceCapacity = 1;
    ResponseCache::ServicePolicy policy;
    policy.enabled = enabled;
    options.services = {policy};
    auto cache = std::make_shared<ResponseCache>(options, clock);
    server.setResponseCache(cache);
    QVERIFY(server.listen());

    QByteArray raw;
    std::vector<CaptureRecord> records;
    for (const Exchange &exchange : exchanges) {
        clock.advance(std::chrono::seconds(exchange.advance));
        if (!exchange.upstream.isEmpty())
            raw = exchange.upstream;
        TestUpstream::Behaviour behaviour;
        behaviour.mode = TestUpstream::Mode::Raw;
        behaviour.raw = raw;
        upstream.setBehaviour(behaviour);
        RawClient client(server.port());
        const QByteArray method = exchange.request.first(exchange.request.indexOf(' '));
        QVERIFY(client.roundTrip(exchange.request, method).complete);
        // The record is handed over when the exchange ends, just before the response's end
        // reaches the client: it is there by now.
        QTRY_VERIFY(([&] {
            queue.drain(records);
            return records.size() == size_t(&exchange - exchanges.data() + 1);
        }()));
        const CaptureRecord &record = records.back();
        QCOMPARE(record.cache, exchange.outcome);
        if (exchange.outcome.startsWith("hit") || exchange.outcome.startsWith("stale")) {
            QVERIFY(record.instance.isEmpty() || exchange.outcome.startsWith("stale"));
            QCOMPARE(record.responseBody, method == "HEAD" ? QByteArray() : QByteArray("hello"));
            QCOMPARE(record.status, 200);
        }
    }
}

QTEST_GUILESS_MAIN(TestProxyCacheCapture)
#include "tst_proxy_cache_capture.moc"
