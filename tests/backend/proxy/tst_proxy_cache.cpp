// The response cache on the data path, against a real upstream: RFC 9111 (with RFC 5861 and
// RFC 9211) as a client of the proxy sees it, one scenario per row, on a manual clock.
#include <backend/cache/http_date.h>
#include <backend/cache/response_cache.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/resilience/circuit_breaker.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QTest>

#include <chrono>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

// One request of a scenario and what the client must see.
struct Step {
    Step() = default;
    Step(QByteArray request, QByteArray upstream, int advance = 0, int status = 200,
         bool forwarded = false, QByteArray cacheStatus = {}, QByteArray body = "*",
         QByteArray upstreamHas = {}, QByteArray responseHas = {}, QByteArray responseLacks = {})
        : request(std::move(request))
        , upstream(std::move(upstream))
        , advance(advance)
        , status(status)
        , forwarded(forwarded)
        , cacheStatus(std::move(cacheStatus))
        , body(std::move(body))
        , upstreamHas(std::move(upstreamHas))
        , responseHas(std::move(responseHas))
        , responseLacks(std::move(responseLacks)) {}

    QByteArray request;       // raw request
    QByteArray upstream;      // the upstream's raw answer from now on ("" = unchanged; "{date}"
                              // is replaced by the current HTTP date, "{date+30}" by 30 s later)
    int advance = 0;          // seconds the clock moves before the request
    int status = 200;         // what the client gets
    bool forwarded = false;   // the upstream saw the request
    QByteArray cacheStatus;   // the Cache-Status field contains this ("-": has none)
    QByteArray body = "*";    // "*": not checked
    QByteArray upstreamHas;   // the forwarded head contains this
    QByteArray responseHas;   // the response head (lower-case "name: value" lines) contains this
    QByteArray responseLacks; // ... does not contain this
    bool down = false;        // the upstream closes every connection from now on
};

QByteArray get(QByteArrayView target = "/r", QByteArrayView extra = {}) {
    return "GET " + target.toByteArray() + " HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() +
           "\r\n";
}

QByteArray answer(QByteArrayView headers, QByteArrayView body = "hello", int status = 200,
                  QByteArrayView reason = "OK") {
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason.toByteArray() +
           "\r\nDate: {date}\r\n" + headers.toByteArray() +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body.toByteArray();
}

QByteArray headText(const RawResponse &response) {
    QByteArray text;
    for (const HttpHeader &h : response.headers)
        text += h.name.toLower() + ": " + h.value + "\n";
    return text;
}

enum class Policy { Default, Heuristics, Learned, StaleWhenUnavailable, SmallObjects, Disabled };

} // namespace

Q_DECLARE_METATYPE(Step)
Q_DECLARE_METATYPE(Policy)

class TestProxyCache : public QObject {
    Q_OBJECT

private slots:
    void scenarios_data();
    void scenarios();
    void countsPerService();
    void learnsTtlWhereHeuristicsAreAllowed();
    void coalescing_data();
    void coalescing();
    void staleWhenEveryBreakerIsOpen_data();
    void staleWhenEveryBreakerIsOpen();

private:
    struct Proxy {
        std::shared_ptr<ResponseCache> cache;
        std::unique_ptr<ProxyServer> server;
    };
    static Proxy start(quint16 upstreamPort, Policy policy, const ManualClock &clock,
                       std::chrono::milliseconds coalesceWait = 5s) {
        ProxyConfig config = testConfig(1);
        config.listen.port = 0;
        config.services.push_back(makeService({"svc", "/", {upstreamPort}}, config));
        Proxy proxy;
        proxy.server = std::make_unique<ProxyServer>(config, clock);
        ResponseCache::Options options;
        options.shards = 1;
        options.serviceCapacity = 1;
        ResponseCache::ServicePolicy service;
        switch (policy) {
        case Policy::Default:
            break;
        case Policy::Heuristics:
            service.freshness.heuristicsAllowed = true;
            break;
        case Policy::Learned:
            service.freshness.heuristicsAllowed = true;
            service.learnTtl = true;
            service.learnedTtlMin = 1s;
            service.learnedTtlMax = 3600s;
            break;
        case Policy::StaleWhenUnavailable:
            service.freshness.disconnectedStaleLimit = 600s;
            break;
        case Policy::SmallObjects:
            service.maxObjectBytes = 1000;
            break;
        case Policy::Disabled:
            service.enabled = false;
            break;
        }
        options.services = {service};
        options.coalesceWait = coalesceWait;
        proxy.cache = std::make_shared<ResponseCache>(options, clock);
        proxy.server->setResponseCache(proxy.cache);
        if (!proxy.server->listen())
            proxy.server.reset();
        return proxy;
    }
};

void TestProxyCache::scenarios_data() {
    QTest::addColumn<Policy>("policy");
    QTest::addColumn<QList<Step>>("steps");
    const QByteArray fresh60 = answer("Cache-Control: max-age=60\r\n");
    const QByteArray etag60 = answer("Cache-Control: max-age=60\r\nETag: \"v1\"\r\n");
    const QByteArray notModified = "HTTP/1.1 304 Not Modified\r\nDate: {date}\r\nETag: \"v1\"\r\n"
                                   "Cache-Control: max-age=60\r\n\r\n";

    // Freshness (RFC 9111 4.2.1).
    QTest::newRow("max-age: stored, then a hit")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true, "fwd=uri-miss; fwd-status=200; stored"},
                       {get(), "", 10, 200, false, "hit; ttl=50", "hello", {}, "age: 10"}};
    QTest::newRow("max-age: stale after it, forwarded")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true}, {get(), "", 61, 200, true, "fwd=stale"}};
    QTest::newRow("s-maxage wins over max-age")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=600, s-maxage=10\r\n"), 0, 200, true},
                       {get(), "", 5, 200, false, "hit"},
                       {get(), "", 10, 200, true}};
    QTest::newRow("Expires - Date")
        << Policy::Default
        << QList<Step>{{get(), answer("Expires: {date+30}\r\n"), 0, 200, true, "stored"},
                       {get(), "", 20, 200, false, "hit"},
                       {get(), "", 20, 200, true}};
    QTest::newRow("invalid Expires: already stale")
        << Policy::Default
        << QList<Step>{{get(), answer("Expires: 0\r\n"), 0, 200, true}, {get(), "", 0, 200, true}};
    QTest::newRow("Age from upstream counts (corrected initial age)")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: 50\r\n"), 0, 200, true},
                       {get(), "", 5, 200, false, "hit; ttl=5", "*", {}, "age: 55"},
                       {get(), "", 6, 200, true}};
    QTest::newRow("no explicit freshness: not stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"),
                        0,
                        200,
                        true,
                        "fwd=uri-miss; fwd-status=200",
                        "*",
                        {},
                        {},
                        "; stored"},
                       {get(), "", 0, 200, true}};
    QTest::newRow("heuristic freshness where the service allows it")
        << Policy::Heuristics
        << QList<Step>{{get(), answer("Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"), 0, 200,
                        true, "stored"},
                       {get(), "", 60, 200, false, "hit"}};

    // Storing (RFC 9111 3).
    QTest::newRow("no-store") << Policy::Default
                              << QList<Step>{{get(),
                                              answer("Cache-Control: no-store, max-age=60\r\n"), 0,
                                              200, true},
                                             {get(), "", 0, 200, true}};
    QTest::newRow("private") << Policy::Default
                             << QList<Step>{{get(),
                                             answer("Cache-Control: private, max-age=60\r\n"), 0,
                                             200, true},
                                            {get(), "", 0, 200, true}};
    QTest::newRow("request no-store: not stored")
        << Policy::Default
        << QList<Step>{{get("/r", "Cache-Control: no-store\r\n"), fresh60, 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("404 with max-age is stored")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\n", "gone", 404, "Not Found"), 0,
                        404, true},
                       {get(), "", 1, 404, false, "hit", "gone"}};
    QTest::newRow("206 is never stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nContent-Range: bytes 0-4/10\r\n",
                               "hello", 206, "Partial Content"),
                        0, 206, true},
                       {get(), "", 0, 206, true}};
    QTest::newRow("larger than the per-object limit")
        << Policy::SmallObjects
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\n", QByteArray(2000, 'x')), 0,
                        200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("chunked response stored and served with a length")
        << Policy::Default
        << QList<Step>{{get(),
                        "HTTP/1.1 200 OK\r\nDate: {date}\r\nCache-Control: max-age=60\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                        0, 200, true},
                       {get(), "", 0, 200, false, "hit", "hello world", {}, "content-length: 11"}};
    QTest::newRow("qualified no-cache field withheld from hits")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60, no-cache=\"set-cookie\"\r\n"
                               "Set-Cookie: a=b\r\n"),
                        0,
                        200,
                        true,
                        {},
                        "*",
                        {},
                        "set-cookie: a=b"},
                       {get(), "", 0, 200, false, "hit", "*", {}, {}, "set-cookie: a=b"}};

    // Keys (RFC 9111 2, 4.1).
    QTest::newRow("query is part of the key")
        << Policy::Default
        << QList<Step>{{get("/r?a=1"), fresh60, 0, 200, true},
                       {get("/r?a=2"), "", 0, 200, true},
                       {get("/r?a=1"), "", 0, 200, false, "hit"}};
    QTest::newRow("normalised target and host case")
        << Policy::Default
        << QList<Step>{{get("/x/../r"), fresh60, 0, 200, true},
                       {"GET /%72 HTTP/1.1\r\nHost: TEST\r\n\r\n", "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: same field value hits, another misses")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n"), 0, 200,
                        true},
                       {get("/r", "Accept-Language:  en \r\n"), "", 0, 200, false, "hit"},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, true, "fwd=vary-miss"},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: * never stored")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nVary: *\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};

    // Authorization (RFC 9111 3.5).
    QTest::newRow("Authorization: not served without public")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"), fresh60, 0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, true}};
    QTest::newRow("Authorization: public allows it")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: public, max-age=60\r\n"), 0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Authorization: anonymous response not given to an authenticated client")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get(), "", 0, 200, false, "hit"},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, true}};

    // Request directives (RFC 9111 5.2.1, 5.4).
    QTest::newRow("request no-cache validates")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "Cache-Control: no-cache\r\n"), notModified, 0, 200, true,
                        "fwd-status=304", "hello", "If-None-Match: \"v1\""}};
    QTest::newRow("Pragma: no-cache without Cache-Control")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Pragma: no-cache\r\n"), "", 0, 200, true}};
    QTest::newRow("request max-age=0")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=0\r\n"), "", 1, 200, true}};
    QTest::newRow("request min-fresh beyond what is left")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: min-fresh=10\r\n"), "", 45, 200, false, "hit"},
                       {get("/r", "Cache-Control: min-fresh=20\r\n"), "", 0, 200, true}};
    QTest::newRow("request max-stale serves stale with a warning")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale=100\r\n"),
                        "",
                        90,
                        200,
                        false,
                        "hit; ttl=-30",
                        "hello",
                        {},
                        "warning: 110"}};
    QTest::newRow("only-if-cached with nothing stored: 504")
        << Policy::Default
        << QList<Step>{{get("/r", "Cache-Control: only-if-cached\r\n"), fresh60, 0, 504, false}};
    QTest::newRow("only-if-cached with a fresh response")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: only-if-cached\r\n"), "", 0, 200, false, "hit"}};

    // Validation (RFC 9111 4.3, RFC 9110 13).
    QTest::newRow("stale with ETag: conditional, 304 freshens")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get(), notModified, 61, 200, true, "fwd=stale; fwd-status=304", "hello",
                        "If-None-Match: \"v1\""},
                       {get(), "", 30, 200, false, "hit", "hello"}};
    QTest::newRow("stale with Last-Modified: If-Modified-Since")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=5\r\n"
                               "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"),
                        0, 200, true},
                       {get(),
                        "HTTP/1.1 304 Not Modified\r\nDate: {date}\r\n"
                        "Cache-Control: max-age=5\r\n\r\n",
                        10, 200, true, "fwd-status=304", "hello",
                        "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT"}};
    QTest::newRow("304 updates the stored header fields")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get(),
                        "HTTP/1.1 304 Not Modified\r\nDate: {date}\r\nETag: \"v1\"\r\n"
                        "Cache-Control: max-age=60\r\nX-Fresh: yes\r\n\r\n",
                        61, 200, true},
                       {get(), "", 0, 200, false, "hit", "hello", {}, "x-fresh: yes"}};
    QTest::newRow("stale, changed: the new response replaces it")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get(), answer("Cache-Control: max-age=60\r\nETag: \"v2\"\r\n", "world"), 61,
                        200, true, "stored", "world"},
                       {get(), "", 0, 200, false, "hit", "world"}};
    QTest::newRow("must-revalidate: validated when stale")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10, must-revalidate\r\n"
                               "ETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get("/r", "Cache-Control: max-stale=100\r\n"), notModified, 20, 200, true,
                        "fwd-status=304"}};
    QTest::newRow("response no-cache: validated every time")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: no-cache, max-age=60\r\nETag: \"v1\"\r\n"), 0,
                        200, true},
                       {get(), notModified, 0, 200, true, "fwd-status=304", "hello"}};
    QTest::newRow("client If-None-Match matching a fresh response: 304")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: \"v1\"\r\n"), "", 0, 304, false, "hit", ""}};
    QTest::newRow("client If-None-Match not matching: the stored response")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: \"v0\"\r\n"), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("client If-Modified-Since not older: 304")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\n"
                               "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"),
                        0, 200, true},
                       {get("/r", "If-Modified-Since: Tue, 02 Jan 2024 00:00:00 GMT\r\n"), "", 0,
                        304, false, "hit", ""}};
    QTest::newRow("client conditional on a stale response: answered after validation")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: \"v1\"\r\n"), notModified, 61, 304, true,
                        "fwd-status=304", ""}};

    // HEAD (RFC 9111 4).
    QTest::newRow("HEAD answered from a stored GET")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"HEAD /r HTTP/1.1\r\nHost: test\r\n\r\n",
                        "",
                        0,
                        200,
                        false,
                        "hit",
                        "",
                        {},
                        "content-length: 5"}};
    QTest::newRow("HEAD is not stored")
        << Policy::Default
        << QList<Step>{{"HEAD /r HTTP/1.1\r\nHost: test\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nDate: {date}\r\nCache-Control: max-age=60\r\n"
                        "Content-Length: 5\r\n\r\n",
                        0,
                        200,
                        true,
                        {},
                        ""},
                       {get(), fresh60, 0, 200, true}};

    // Invalidation (RFC 9111 4.4).
    QTest::newRow("POST invalidates the target")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer({}, "made", 201, "Created"), 0, 201, true},
                       {get(), fresh60, 0, 200, true}};
    QTest::newRow("POST with an error does not invalidate")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer({}, "no", 409, "Conflict"), 0, 409, true},
                       {get(), "", 0, 200, false, "hit"}};
    QTest::newRow("DELETE invalidates Location of the same origin")
        << Policy::Default
        << QList<Step>{{get("/other"), fresh60, 0, 200, true},
                       {"DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n",
                        answer("Location: /other\r\n", "ok"), 0, 200, true},
                       {get("/other"), "", 0, 200, true}};

    // Errors and unavailability (RFC 5861 4, RFC 9111 4.2.4).
    QTest::newRow("stale-if-error serves stale on a 500")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10, stale-if-error=600\r\n"), 0, 200, true},
               {get(),
                answer({}, "broken", 500, "Internal Server Error"),
                20,
                200,
                true,
                "fwd=stale; fwd-status=500",
                "hello",
                {},
                "warning: 110"}};
    QTest::newRow("a 500 without stale-if-error is passed on")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true},
                       {get(),
                        answer({}, "broken", 500, "Internal Server Error"),
                        20,
                        500,
                        true,
                        {},
                        "broken"}};
    Step down{get(), "", 20, 200, true, "fwd=stale", "hello", {}, "warning: 110"};
    down.down = true;
    QTest::newRow("upstream down: stale served where the service allows it")
        << Policy::StaleWhenUnavailable
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true}, down};
    Step downError{get(), "", 20, 502, true, "-"};
    downError.down = true;
    QTest::newRow("upstream down: 502 where it does not")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true}, downError};

    // Configuration.
    QTest::newRow("cache disabled for the service")
        << Policy::Disabled
        << QList<Step>{{get(), fresh60, 0, 200, true, "-"}, {get(), "", 0, 200, true, "-"}};
}

void TestProxyCache::scenarios() {
    QFETCH(Policy, policy);
    QFETCH(QList<Step>, steps);
    ManualClock clock;
    TestUpstream upstream;
    Proxy proxy = start(upstream.port(), policy, clock);
    QVERIFY(proxy.server);
    const auto wallStart =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    std::chrono::seconds advanced{0};
    QByteArray raw;
    int n = 0;
    for (const Step &step : steps) {
        ++n;
        clock.advance(std::chrono::seconds(step.advance));
        advanced += std::chrono::seconds(step.advance);
        if (!step.upstream.isEmpty())
            raw = step.upstream;
        TestUpstream::Behaviour behaviour;
        behaviour.mode =
            step.down ? TestUpstream::Mode::CloseAfterRequest : TestUpstream::Mode::Raw;
        // The upstream's clock is the cache's: wall time at the start plus what the test moved.
        const HttpTime now = wallStart + advanced;
        behaviour.raw = QByteArray(raw)
                            .replace("{date+30}", HttpDate::format(now + 30s))
                            .replace("{date}", HttpDate::format(now));
        upstream.setBehaviour(behaviour);
        const int before = upstream.requestsReceived();
        RawClient client(proxy.server->port());
        const QByteArray method = step.request.first(step.request.indexOf(' '));
        const RawResponse response = client.roundTrip(step.request, method);
        const QByteArray where = "step " + QByteArray::number(n);
        QVERIFY2(response.complete, where);
        QCOMPARE(response.status, step.status);
        QVERIFY2((upstream.requestsReceived() > before) == step.forwarded,
                 where + (step.forwarded ? " was not forwarded" : " was forwarded"));
        const QByteArray cacheStatus = response.header("cache-status");
        if (step.cacheStatus == "-")
            QVERIFY2(cacheStatus.isEmpty(), where + ": " + cacheStatus);
        else
            QVERIFY2(cacheStatus.contains(step.cacheStatus), where + ": " + cacheStatus);
        if (step.body != "*")
            QCOMPARE(response.body, step.body);
        if (!step.upstreamHas.isEmpty()) {
            const QList<QByteArray> heads = upstream.heads();
            QVERIFY(!heads.isEmpty());
            QVERIFY2(heads.last().contains(step.upstreamHas), where + ": " + heads.last());
        }
        const QByteArray head = headText(response);
        if (!step.responseHas.isEmpty())
            QVERIFY2(head.contains(step.responseHas), where + ":\n" + head);
        if (!step.responseLacks.isEmpty())
            QVERIFY2(!head.contains(step.responseLacks), where + ":\n" + head);
    }
}

void TestProxyCache::countsPerService() {
    ManualClock clock;
    TestUpstream upstream;
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                               "Content-Length: 2\r\n\r\nok");
    upstream.setBehaviour(behaviour);
    RawClient client(proxy.server->port());
    for (int i = 0; i < 5; ++i)
        QCOMPARE(client.roundTrip(get()).status, 200);
    const ResponseCache::Page page = proxy.cache->list({}, 10, -1, {});
    QCOMPARE(page.entries.size(), size_t(1));
    QCOMPARE(page.entries[0].key, QByteArray("svc http://test/r"));
    QCOMPARE(page.entries[0].hits, 4u);
    QCOMPARE(page.entries[0].ttlLeft.count(), 60);
    // no-cache: validated, and without a validator fetched whole (and stored again).
    QCOMPARE(client.roundTrip(get("/r", "Cache-Control: no-cache\r\n")).status, 200);
    QCOMPARE(upstream.requestsReceived(), 2);
    const CacheServiceTotals totals = proxy.cache->totals(0);
    QCOMPARE(totals.misses, 2u);
    QCOMPARE(totals.hits, 4u);
    QCOMPARE(totals.stores, 2u);
    QCOMPARE(totals.objects, 1);
    QVERIFY(totals.bytes > 2);
    QCOMPARE(proxy.cache->purgePrefix("svc http://test/"), size_t(1));
    QCOMPARE(proxy.cache->totals(0).objects, 0);
    QCOMPARE(client.roundTrip(get()).status, 200);
    QCOMPARE(upstream.requestsReceived(), 3);
}

void TestProxyCache::learnsTtlWhereHeuristicsAreAllowed() {
    // A response with only Last-Modified (100 s old: a heuristic lifetime of 10 s), validated
    // every time it is stale and never changed: once the advisor has seen enough, the stored
    // entry's lifetime is the learned one.
    ManualClock clock;
    TestUpstream upstream;
    Proxy proxy = start(upstream.port(), Policy::Learned, clock);
    QVERIFY(proxy.server);
    const auto wallStart =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    std::chrono::seconds advanced{0};
    const QByteArray modified = HttpDate::format(wallStart - 100s);
    RawClient client(proxy.server->port());
    const auto answerWith = [&](QByteArrayView text) {
        TestUpstream::Behaviour behaviour;
        behaviour.mode = TestUpstream::Mode::Raw;
        behaviour.raw = text.toByteArray()
                            .replace("{date}", HttpDate::format(wallStart + advanced))
                            .replace("{modified}", modified);
        upstream.setBehaviour(behaviour);
    };
    answerWith("HTTP/1.1 200 OK\r\nDate: {date}\r\nLast-Modified: {modified}\r\n"
               "Content-Length: 2\r\n\r\nok");
    QCOMPARE(client.roundTrip(get("/items/42")).status, 200);
    ResponseCache::Page page = proxy.cache->list({}, 10, -1, {});
    QCOMPARE(page.entries.size(), size_t(1));
    QCOMPARE(page.entries[0].ttlSource, TtlSource::Heuristic);
    QCOMPARE(page.entries[0].ttlLeft.count(), 10);
    int revalidations = 0;
    while (page.entries[0].ttlSource != TtlSource::Learned && revalidations < 10) {
        clock.advance(page.entries[0].ttlLeft + 1s);
        advanced += page.entries[0].ttlLeft + 1s;
        answerWith("HTTP/1.1 304 Not Modified\r\nDate: {date}\r\n\r\n");
        const int before = upstream.requestsReceived();
        const RawResponse response = client.roundTrip(get("/items/42"));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("ok"));
        QCOMPARE(upstream.requestsReceived(), before + 1);
        QVERIFY(upstream.heads().last().contains("If-Modified-Since: " + modified));
        ++revalidations;
        page = proxy.cache->list({}, 10, -1, {});
        QCOMPARE(page.entries.size(), size_t(1));
    }
    QCOMPARE(page.entries[0].ttlSource, TtlSource::Learned);
    // The advisor's defaults: no advice before three observations.
    QCOMPARE(revalidations, 3);
    const auto advice =
        proxy.cache->ttlAdvisor().advise("svc GET /items/{id}", {1s, 3600s}, clock.now());
    QVERIFY(advice);
    QCOMPARE(page.entries[0].ttlLeft, advice->ttl);
}

void TestProxyCache::coalescing_data() {
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("giveUp"); // the followers' wait runs out before the response
    QTest::addColumn<int>("upstreamRequests");
    QTest::addColumn<QByteArray>("followerCacheStatus");
    QTest::newRow("cacheable: one request upstream, the others answered from it")
        << QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                      "Content-Length: 5\r\n\r\nhello")
        << false << 1 << QByteArray("ToolCapture; hit");
    QTest::newRow("uncacheable: the others go upstream at once")
        << QByteArray("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\n"
                      "Content-Length: 5\r\n\r\nhello")
        << false << 5 << QByteArray("fwd=uri-miss");
    QTest::newRow("the wait runs out: the others go upstream themselves")
        << QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                      "Content-Length: 5\r\n\r\nhello")
        << true << 5 << QByteArray("fwd=uri-miss");
}

void TestProxyCache::coalescing() {
    QFETCH(QByteArray, response);
    QFETCH(bool, giveUp);
    QFETCH(int, upstreamRequests);
    QFETCH(QByteArray, followerCacheStatus);
    ManualClock clock;
    TestUpstream upstream;
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = response;
    behaviour.held = true; // the leader's request waits upstream until the test says
    upstream.setBehaviour(behaviour);
    Proxy proxy = start(upstream.port(), Policy::Default, clock, 1000ms);
    QVERIFY(proxy.server);
    constexpr int kFollowers = 4;
    RawClient leader(proxy.server->port());
    leader.send(get());
    QTRY_COMPARE(upstream.heldRequests(), 1);
    std::vector<std::unique_ptr<RawClient>> followers;
    for (int i = 0; i < kFollowers; ++i) {
        followers.push_back(std::make_unique<RawClient>(proxy.server->port()));
        followers.back()->send(get());
    }
    QTRY_COMPARE(proxy.cache->totals(0).coalescedWaits, std::uint64_t(kFollowers));
    QCOMPARE(upstream.requestsReceived(), 1);
    if (giveUp) {
        clock.advance(1001ms);
        proxy.server->checkDeadlines();
        QTRY_COMPARE(upstream.heldRequests(), 1 + kFollowers);
    }
    upstream.releaseHeld();
    const RawResponse first = leader.read();
    QVERIFY(first.complete);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("hello"));
    for (const auto &follower : followers) {
        const RawResponse answer = follower->read();
        QVERIFY(answer.complete);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body, QByteArray("hello"));
        QVERIFY2(answer.header("cache-status").contains(followerCacheStatus),
                 answer.header("cache-status"));
    }
    QCOMPARE(upstream.requestsReceived(), upstreamRequests);
}

void TestProxyCache::staleWhenEveryBreakerIsOpen_data() {
    QTest::addColumn<Policy>("policy");
    QTest::addColumn<int>("status");
    QTest::newRow("the service allows stale while unavailable: served stale")
        << Policy::StaleWhenUnavailable << 200;
    QTest::newRow("it does not: 503") << Policy::Default << 503;
}

void TestProxyCache::staleWhenEveryBreakerIsOpen() {
    // Two instances, both breakers forced open by an operator: no instance can take the
    // request, and the stale stored response is the fallback where the service allows it.
    QFETCH(Policy, policy);
    QFETCH(int, status);
    ManualClock clock;
    TestUpstream first;
    TestUpstream second;
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = "HTTP/1.1 200 OK\r\nCache-Control: max-age=10\r\nContent-Length: 5\r\n\r\n"
                    "hello";
    first.setBehaviour(behaviour);
    second.setBehaviour(behaviour);
    ProxyConfig config = testConfig(1);
    config.listen.port = 0;
    config.services.push_back(makeService({"svc", "/", {first.port(), second.port()}}, config));
    auto server = std::make_unique<ProxyServer>(config, clock);
    ResponseCache::Options options;
    options.shards = 1;
    options.serviceCapacity = 1;
    ResponseCache::ServicePolicy service;
    if (policy == Policy::StaleWhenUnavailable)
        service.freshness.disconnectedStaleLimit = 600s;
    options.services = {service};
    auto cache = std::make_shared<ResponseCache>(options, clock);
    server->setResponseCache(cache);
    QVERIFY(server->listen());
    RawClient client(server->port());
    QCOMPARE(client.roundTrip(get()).status, 200);
    const int forwarded = first.requestsReceived() + second.requestsReceived();
    QCOMPARE(forwarded, 1);
    server->runtime().breaker(0).setMode(BreakerMode::ForceOpen);
    server->runtime().breaker(1).setMode(BreakerMode::ForceOpen);
    clock.advance(20s);
    const RawResponse response = client.roundTrip(get());
    QCOMPARE(response.status, status);
    QCOMPARE(first.requestsReceived() + second.requestsReceived(), forwarded);
    if (status == 200) {
        QCOMPARE(response.body, QByteArray("hello"));
        QVERIFY(response.header("warning").startsWith("110"));
        QCOMPARE(response.header("age"), QByteArray("20"));
        QCOMPARE(cache->totals(0).staleServed, 1u);
    } else {
        QVERIFY(response.header("content-type").startsWith("application/problem+json"));
    }
}

QTEST_GUILESS_MAIN(TestProxyCache)
#include "tst_proxy_cache.moc"
