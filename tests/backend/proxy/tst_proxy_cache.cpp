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
    // The checks above may name several substrings, one a line ('\n' between them).
    QByteArray upstreamLacks; // the forwarded head does not contain this
    bool down = false;        // the upstream closes every connection from now on
    int delay = 0;            // seconds the clock moves while the upstream holds the request
    int background = 0;       // requests the upstream sees in the background (after the answer)
};

// A step answered at once from the cache while `requests` go upstream in the background
// (stale-while-revalidate): the test waits for them, and for the cache to take their answer.
Step revalidatedInBackground(Step step, int requests = 1) {
    step.background = requests;
    return step;
}

// A step whose upstream closes every connection (no answer at all).
Step downStep(Step step) {
    step.down = true;
    return step;
}

// A step whose upstream answers `seconds` after the request reached it (response_delay).
Step delayed(Step step, int seconds) {
    step.delay = seconds;
    return step;
}

// A step whose forwarded head must not contain `text`.
Step forwardedWithout(Step step, QByteArray text) {
    step.upstreamLacks = std::move(text);
    return step;
}

QByteArray get(QByteArrayView target = "/r", QByteArrayView extra = {}) {
    return "GET " + target.toByteArray() + " HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() +
           "\r\n";
}

// The upstream answers every request "ok", fresh for 60 s.
void answerFreshFor60s(TestUpstream &upstream) {
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                               "Content-Length: 2\r\n\r\nok");
    upstream.setBehaviour(behaviour);
}

// A response without a Date field.
QByteArray undated(QByteArrayView headers, QByteArrayView body = "hello", int status = 200,
                   QByteArrayView reason = "OK") {
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason.toByteArray() + "\r\n" +
           headers.toByteArray() + "Content-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body.toByteArray();
}

QByteArray answer(QByteArrayView headers, QByteArrayView body = "hello", int status = 200,
                  QByteArrayView reason = "OK") {
    return undated("Date: {date}\r\n" + headers.toByteArray(), body, status, reason);
}

QByteArray notModifiedWith(QByteArrayView headers) {
    return "HTTP/1.1 304 Not Modified\r\nDate: {date}\r\n" + headers.toByteArray() + "\r\n";
}

// "{date}", "{date+N}" and "{date-N}" replaced by the HTTP date of `now` (plus or minus N s).
QByteArray withDates(QByteArray text, HttpTime now) {
    qsizetype at = 0;
    while ((at = text.indexOf("{date", at)) >= 0) {
        const qsizetype end = text.indexOf('}', at);
        if (end < 0)
            break;
        const QByteArrayView offset = QByteArrayView(text).sliced(at + 5, end - at - 5);
        const qint64 seconds = offset.isEmpty() ? 0 : offset.toLongLong();
        const QByteArray date = HttpDate::format(now + std::chrono::seconds(seconds));
        text.replace(at, end + 1 - at, date);
        at += date.size();
    }
    return text;
}

// Exchanges the cache has finished with: validated (304), stored, or a background revalidation
// that failed (its stale entry stays).
std::uint64_t settled(const ResponseCache &cache) {
    const CacheServiceTotals totals = cache.totals(0);
    return totals.revalidated + totals.stores + totals.backgroundFailures;
}

// Every line of `expected` is in `text`.
bool containsAll(const QByteArray &text, const QByteArray &expected) {
    for (const QByteArray &line : expected.split('\n')) {
        if (!text.contains(line))
            return false;
    }
    return true;
}

// No line of `unwanted` is in `text`.
bool containsNone(const QByteArray &text, const QByteArray &unwanted) {
    for (const QByteArray &line : unwanted.split('\n')) {
        if (text.contains(line))
            return false;
    }
    return true;
}

QByteArray headText(const RawResponse &response) {
    QByteArray text;
    for (const HttpHeader &h : response.headers)
        text += h.name.toLower() + ": " + h.value + "\n";
    return text;
}

enum class Policy {
    Default,
    Heuristics,
    HeuristicsSmallMax, // heuristics bounded by 30 s
    Learned,
    StaleWhenUnavailable,
    SmallObjects,
    Disabled
};

} // namespace

Q_DECLARE_METATYPE(Step)
Q_DECLARE_METATYPE(Policy)

class TestProxyCache : public QObject {
    Q_OBJECT

private slots:
    void scenarios_data();
    void scenarios();
    void countsPerService();
    void pipelinedHitsAnsweredInOrder();
    void learnsTtlWhereHeuristicsAreAllowed();
    void coalescing_data();
    void coalescing();
    void fillOvertakenByInvalidation_data();
    void fillOvertakenByInvalidation();
    void staleWhenEveryBreakerIsOpen_data();
    void staleWhenEveryBreakerIsOpen();
    void agesWhileTheMachineSleeps_data();
    void agesWhileTheMachineSleeps();
    void dateFollowsWallTime();

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
        case Policy::HeuristicsSmallMax:
            service.freshness.heuristicsAllowed = true;
            service.freshness.heuristicMax = 30s;
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

    // ---- Freshness lifetime: directives and their malformed forms (RFC 9111 4.2.1, 5.2.2).
    const QByteArray lastModified = "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n";
    const QByteArray stale10 = answer("Cache-Control: max-age=10\r\nETag: \"v1\"\r\n");
    QTest::newRow("max-age=0: stored, validated at once")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=0\r\nETag: \"v1\"\r\n"), 0, 200, true,
                        "stored"},
                       {get(), notModified, 0, 200, true, "fwd=stale; fwd-status=304", "hello",
                        "If-None-Match: \"v1\""}};
    QTest::newRow("max-age in the quoted form is accepted")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=\"60\"\r\n"), 0, 200, true},
                       {get(), "", 30, 200, false, "hit; ttl=30"}};
    QTest::newRow("max-age not a number: never fresh")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=abc\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("max-age negative: never fresh")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=-1\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("max-age repeated with different values: stale")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60, max-age=30\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("max-age repeated with the same value: fresh")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nCache-Control: max-age=60\r\n"),
                        0, 200, true},
                       {get(), "", 10, 200, false, "hit; ttl=50"}};
    QTest::newRow("max-age beyond 2^31 is 2^31")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=99999999999\r\n"), 0, 200, true},
                       {get(), "", 1000000, 200, false, "hit; ttl=2146483648"}};
    QTest::newRow("directive names are case-insensitive")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: MAX-AGE=60\r\n"), 0, 200, true},
                       {get(), "", 10, 200, false, "hit"}};
    QTest::newRow("Cache-Control lines form one list (no-store on the second line)")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nCache-Control: no-store\r\n"),
                        0,
                        200,
                        true,
                        {},
                        "*",
                        {},
                        {},
                        "; stored"},
                       {get(), "", 0, 200, true}};
    QTest::newRow("unknown extension directives are ignored")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: community=\"UCI\", foo, max-age=60\r\n"), 0,
                        200, true},
                       {get(), "", 10, 200, false, "hit"}};
    QTest::newRow("max-age wins over Expires")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=60\r\nExpires: {date-10}\r\n"), 0, 200, true},
               {get(), "", 30, 200, false, "hit; ttl=30"}};
    QTest::newRow("s-maxage=0 wins over max-age: validated")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=600, s-maxage=0\r\nETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get(), notModified, 0, 200, true, "fwd-status=304", "hello",
                        "If-None-Match: \"v1\""}};
    QTest::newRow("Expires in the past: stale")
        << Policy::Default
        << QList<Step>{{get(), answer("Expires: {date-10}\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("Expires counted from Date, not from receipt (Date in the past)")
        << Policy::Default
        << QList<Step>{{get(), undated("Date: {date-20}\r\nExpires: {date+10}\r\n"), 0, 200, true},
                       {get(), "", 5, 200, false, "hit; ttl=5", "*", {}, "age: 25"},
                       {get(), "", 6, 200, true}};
    QTest::newRow("Expires without Date: counted from receipt")
        << Policy::Default
        << QList<Step>{{get(), undated("Expires: {date+30}\r\n"), 0, 200, true},
                       {get(), "", 29, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true}};
    QTest::newRow("Expires repeated with different values: stale")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Expires: {date+30}\r\nExpires: {date+60}\r\n"), 0, 200, true},
               {get(), "", 0, 200, true}};
    QTest::newRow("immutable: still stale once max-age has passed")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=10, immutable\r\n"), 0, 200, true},
                       {get(), "", 5, 200, false, "hit"},
                       {get(), "", 6, 200, true}};
    QTest::newRow("Pragma in a response is ignored")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=60\r\nPragma: no-cache\r\n"), 0, 200, true},
               {get(), "", 0, 200, false, "hit"}};

    // ---- Age (RFC 9111 4.2.3, 5.1).
    QTest::newRow("Age: apparent age from a Date in the past")
        << Policy::Default
        << QList<Step>{
               {get(), undated("Date: {date-20}\r\nCache-Control: max-age=60\r\n"), 0, 200, true},
               {get(), "", 0, 200, false, "hit; ttl=40", "*", {}, "age: 20"}};
    QTest::newRow("Age: a Date in the future gives no negative age")
        << Policy::Default
        << QList<Step>{
               {get(), undated("Date: {date+100}\r\nCache-Control: max-age=60\r\n"), 0, 200, true},
               {get(), "", 10, 200, false, "hit; ttl=50", "*", {}, "age: 10"}};
    QTest::newRow("Age: no Date, the receipt time stands for it")
        << Policy::Default
        << QList<Step>{{get(), undated("Cache-Control: max-age=60\r\n"), 0, 200, true},
                       {get(), "", 10, 200, false, "hit; ttl=50", "*", {}, "age: 10"}};
    QTest::newRow("Age: a malformed Date is a missing one")
        << Policy::Default
        << QList<Step>{
               {get(), undated("Date: yesterday\r\nCache-Control: max-age=60\r\n"), 0, 200, true},
               {get(), "", 10, 200, false, "hit; ttl=50", "*", {}, "age: 10"}};
    QTest::newRow("Age: the received Age beats a smaller apparent age")
        << Policy::Default
        << QList<Step>{{get(),
                        undated("Date: {date-10}\r\nAge: 30\r\nCache-Control: max-age=60\r\n"), 0,
                        200, true},
                       {get(), "", 0, 200, false, "hit; ttl=30", "*", {}, "age: 30"}};
    QTest::newRow("Age: the apparent age beats a smaller received Age")
        << Policy::Default
        << QList<Step>{{get(),
                        undated("Date: {date-40}\r\nAge: 10\r\nCache-Control: max-age=60\r\n"), 0,
                        200, true},
                       {get(), "", 0, 200, false, "hit; ttl=20", "*", {}, "age: 40"}};
    QTest::newRow("Age: response delay added to the received Age (corrected age value)")
        << Policy::Default
        << QList<Step>{
               delayed({get(), answer("Cache-Control: max-age=60\r\nAge: 20\r\n"), 0, 200, true},
                       10),
               {get(), "", 0, 200, false, "hit; ttl=30", "*", {}, "age: 30"}};
    QTest::newRow("Age: response delay without Age (apparent age of a slow answer)")
        << Policy::Default
        << QList<Step>{delayed({get(), fresh60, 0, 200, true}, 10),
                       {get(), "", 5, 200, false, "hit; ttl=45", "*", {}, "age: 15"}};
    QTest::newRow("Age: resident time adds to the initial age")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: 5\r\n"), 0, 200, true},
                       {get(), "", 10, 200, false, "hit; ttl=45", "*", {}, "age: 15"},
                       {get(), "", 20, 200, false, "hit; ttl=25", "*", {}, "age: 35"}};
    QTest::newRow("Age: a malformed Age is ignored")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: abc\r\n"), 0, 200, true},
                       {get(), "", 0, 200, false, "hit; ttl=60", "*", {}, "age: 0"}};
    QTest::newRow("Age: older than max-age on arrival, stale at once")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: 100\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true, "fwd=stale"}};

    // ---- Storing: statuses and fields (RFC 9111 3, 3.1).
    QTest::newRow("301 with max-age is stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nLocation: /s\r\n", "moved", 301,
                               "Moved Permanently"),
                        0, 301, true},
                       {get(), "", 0, 301, false, "hit", "moved", {}, "location: /s"}};
    QTest::newRow("204 with max-age is stored")
        << Policy::Default
        << QList<Step>{{get(),
                        "HTTP/1.1 204 No Content\r\nDate: {date}\r\n"
                        "Cache-Control: max-age=60\r\n\r\n",
                        0, 204, true},
                       {get(), "", 0, 204, false, "hit", ""}};
    QTest::newRow("501 with max-age is stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\n", "no", 501, "Not Implemented"), 0,
                        501, true},
                       {get(), "", 0, 501, false, "hit", "no"}};
    QTest::newRow("500 with max-age is not stored")
        << Policy::Default
        << QList<Step>{
               {get(),
                answer("Cache-Control: max-age=60\r\n", "broken", 500, "Internal Server Error"),
                0,
                500,
                true,
                {},
                "*",
                {},
                {},
                "; stored"},
               {get(), "", 0, 500, true}};
    QTest::newRow("an unknown status is not stored")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=60\r\n", "odd", 299, "Odd"), 0, 299, true},
               {get(), "", 0, 299, true}};
    QTest::newRow("must-understand overrides no-store for an understood status")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: must-understand, no-store, max-age=60\r\n"),
                        0, 200, true, "stored"},
                       {get(), "", 0, 200, false, "hit"}};
    QTest::newRow("no-store with an argument still forbids storing")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: no-store=1, max-age=60\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("qualified private: the named fields are not stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: private=\"x-a, x-b\", max-age=60\r\n"
                               "X-A: 1\r\nX-B: 2\r\nX-C: 3\r\n"),
                        0,
                        200,
                        true,
                        "stored",
                        "*",
                        {},
                        "x-a: 1\nx-b: 2"},
                       {get(), "", 0, 200, false, "hit", "hello", {}, "x-c: 3", "x-a: 1\nx-b: 2"}};
    QTest::newRow("fields named by Connection are not stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nConnection: X-Hop\r\nX-Hop: 1\r\n"
                               "X-Kept: 2\r\n"),
                        0, 200, true},
                       {get(), "", 0, 200, false, "hit", "hello", {}, "x-kept: 2", "x-hop"}};

    // ---- Heuristic freshness (RFC 9111 4.2.2, RFC 9110 15.1).
    QTest::newRow("heuristic: 10% of the time since Last-Modified")
        << Policy::Heuristics
        << QList<Step>{{get(), answer("Last-Modified: {date-1000}\r\n"), 0, 200, true, "stored"},
                       {get(), "", 99, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true, "fwd=stale"}};
    QTest::newRow("heuristic: bounded by the service's maximum")
        << Policy::HeuristicsSmallMax
        << QList<Step>{{get(), answer("Last-Modified: {date-100000}\r\n"), 0, 200, true},
                       {get(), "", 29, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true}};
    QTest::newRow("heuristic: Last-Modified in the future gives no lifetime")
        << Policy::Heuristics
        << QList<Step>{{get(), answer("Last-Modified: {date+100}\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("heuristic: no Last-Modified, no lifetime")
        << Policy::Heuristics
        << QList<Step>{{get(), answer({}), 0, 200, true}, {get(), "", 0, 200, true}};
    QTest::newRow("heuristic: a 404 is heuristically cacheable")
        << Policy::Heuristics
        << QList<Step>{{get(), answer("Last-Modified: {date-1000}\r\n", "gone", 404, "Not Found"),
                        0, 404, true, "stored"},
                       {get(), "", 50, 404, false, "hit", "gone"}};
    QTest::newRow("heuristic: a 302 is not heuristically cacheable")
        << Policy::Heuristics
        << QList<Step>{
               {get(),
                answer("Last-Modified: {date-1000}\r\nLocation: /s\r\n", "found", 302, "Found"),
                0,
                302,
                true,
                {},
                "*",
                {},
                {},
                "; stored"},
               {get(), "", 0, 302, true}};
    QTest::newRow("heuristic: public makes a 302 heuristically cacheable")
        << Policy::Heuristics
        << QList<Step>{{get(),
                        answer("Cache-Control: public\r\nLast-Modified: {date-1000}\r\n"
                               "Location: /s\r\n",
                               "found", 302, "Found"),
                        0, 302, true, "stored"},
                       {get(), "", 50, 302, false, "hit"}};
    QTest::newRow("heuristic: Expires wins over it")
        << Policy::Heuristics
        << QList<Step>{{get(), answer("Expires: {date+10}\r\nLast-Modified: {date-100000}\r\n"), 0,
                        200, true},
                       {get(), "", 9, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true}};
    QTest::newRow("heuristic: an invalid max-age is not replaced by it")
        << Policy::Heuristics
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=abc\r\nLast-Modified: {date-1000}\r\n"), 0,
                        200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("heuristic: public alone is not stored where heuristics are off")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: public\r\nLast-Modified: {date-1000}\r\n"),
                        0,
                        200,
                        true,
                        {},
                        "*",
                        {},
                        {},
                        "; stored"},
                       {get(), "", 0, 200, true}};

    // ---- Request directives (RFC 9111 5.2.1, 5.4).
    QTest::newRow("request max-age: within it, a hit")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=30\r\n"), "", 10, 200, false, "hit"}};
    QTest::newRow("request max-age exceeded by a fresh response: validated (fwd=request)")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=5\r\n"), notModified, 10, 200, true,
                        "fwd=request; fwd-status=304", "hello", "If-None-Match: \"v1\""}};
    QTest::newRow("request max-age not a number is ignored")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=abc\r\n"), "", 10, 200, false, "hit"}};
    QTest::newRow("request max-stale without a value: any staleness")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale\r\n"),
                        "",
                        1000,
                        200,
                        false,
                        "hit; ttl=-940",
                        "hello",
                        {},
                        "age: 1000"}};
    QTest::newRow("request max-stale beyond its value: forwarded")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {get("/r", "Cache-Control: max-stale=10\r\n"), "", 90, 200, true, "fwd=stale"}};
    QTest::newRow("request max-stale with max-age: max-age still holds")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale, max-age=30\r\n"), "", 90, 200, true}};
    QTest::newRow("request max-stale with min-fresh: min-fresh still holds")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale, min-fresh=5\r\n"), "", 90, 200, true}};
    QTest::newRow("request no-cache without a validator: fetched whole and stored again")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       forwardedWithout({get("/r", "Cache-Control: no-cache\r\n"),
                                         answer("Cache-Control: max-age=60\r\n", "world"), 0, 200,
                                         true, "fwd=request; fwd-status=200; stored", "world"},
                                        "If-None-Match"),
                       {get(), "", 0, 200, false, "hit", "world"}};
    QTest::newRow("request no-cache with only-if-cached: 504")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {get("/r", "Cache-Control: no-cache, only-if-cached\r\n"), "", 0, 504, false}};
    QTest::newRow("Pragma: no-cache ignored when the request has Cache-Control")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Pragma: no-cache\r\nCache-Control: max-age=100\r\n"), "", 0, 200,
                        false, "hit"}};
    QTest::newRow("request no-store: a stored response still answers it")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: no-store\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("request no-store: its response does not replace the stored one")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: no-store, max-age=0\r\n"),
                        answer("Cache-Control: max-age=60\r\n", "world"),
                        1,
                        200,
                        true,
                        {},
                        "world",
                        {},
                        {},
                        "; stored"},
                       {get(), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("only-if-cached with a stale response: 504")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: only-if-cached\r\n"), "", 61, 504, false}};
    QTest::newRow("only-if-cached with max-stale: the stale response")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: only-if-cached, max-stale=100\r\n"), "", 90, 200,
                        false, "hit; ttl=-30", "hello"}};
    QTest::newRow("only-if-cached on a Vary miss: 504, not forwarded")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n"), 0, 200,
                        true},
                       {get("/r", "Accept-Language: fr\r\nCache-Control: only-if-cached\r\n"), "",
                        0, 504, false}};

    // ---- no-cache, must-revalidate, proxy-revalidate, s-maxage (RFC 9111 5.2.2).
    QTest::newRow("response no-cache without a validator: fetched whole every time")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: no-cache, max-age=60\r\n"), 0, 200, true},
               forwardedWithout({get(), answer("Cache-Control: no-cache, max-age=60\r\n", "world"),
                                 0, 200, true, "stored", "world"},
                                "If-None-Match")};
    QTest::newRow("response no-cache with only-if-cached: 504")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: no-cache, max-age=60\r\nETag: \"v1\"\r\n"), 0,
                        200, true},
                       {get("/r", "Cache-Control: only-if-cached\r\n"), "", 0, 504, false}};
    QTest::newRow("no-cache=\"\" is the unqualified no-cache")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: no-cache=\"\", max-age=60\r\nETag: \"v1\"\r\n"), 0,
                        200, true},
                       {get(), notModified, 0, 200, true, "fwd-status=304", "hello",
                        "If-None-Match: \"v1\""}};
    QTest::newRow("qualified no-cache, token form")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60, no-cache=set-cookie\r\n"
                               "Set-Cookie: a=b\r\n"),
                        0, 200, true},
                       {get(), "", 0, 200, false, "hit", "hello", {}, {}, "set-cookie: a=b"}};
    QTest::newRow("qualified no-cache with several fields")
        << Policy::Default
        << QList<Step>{
               {get(),
                answer("Cache-Control: max-age=60, no-cache=\"set-cookie, x-a\"\r\n"
                       "Set-Cookie: a=b\r\nX-A: 1\r\nX-B: 2\r\n"),
                0, 200, true},
               {get(), "", 0, 200, false, "hit", "hello", {}, "x-b: 2", "set-cookie: a=b\nx-a: 1"}};
    QTest::newRow("must-revalidate: fresh, a hit")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=60, must-revalidate\r\n"), 0, 200, true},
               {get(), "", 30, 200, false, "hit"}};
    QTest::newRow("must-revalidate with an argument still applies")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10, must-revalidate=x\r\nETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get("/r", "Cache-Control: max-stale=100\r\n"), notModified, 20, 200, true,
                        "fwd-status=304"}};
    QTest::newRow("proxy-revalidate: max-stale not honoured by a shared cache")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10, proxy-revalidate\r\nETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get("/r", "Cache-Control: max-stale\r\n"), notModified, 20, 200, true,
                        "fwd=stale; fwd-status=304", "hello", "If-None-Match: \"v1\""}};
    QTest::newRow("s-maxage implies proxy-revalidate: max-stale not honoured")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: s-maxage=10\r\nETag: \"v1\"\r\n"), 0, 200, true},
               {get("/r", "Cache-Control: max-stale\r\n"), notModified, 20, 200, true,
                "fwd-status=304"}};
    QTest::newRow("must-revalidate: a stale response is never served under only-if-cached")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10, must-revalidate\r\n"), 0, 200, true},
               {get("/r", "Cache-Control: only-if-cached, max-stale\r\n"), "", 20, 504, false}};

    // ---- Errors: stale-if-error (RFC 5861 4) and disconnection (RFC 9111 4.2.4).
    const QByteArray sie = answer("Cache-Control: max-age=10, stale-if-error=60\r\n");
    QTest::newRow("stale-if-error on a 502")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "bad", 502, "Bad Gateway"), 20, 200, true,
                        "fwd=stale; fwd-status=502", "hello"}};
    QTest::newRow("stale-if-error on a 503")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "busy", 503, "Service Unavailable"), 20, 200, true,
                        "fwd-status=503", "hello"}};
    QTest::newRow("stale-if-error on a 504")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "slow", 504, "Gateway Timeout"), 20, 200, true,
                        "fwd-status=504", "hello"}};
    QTest::newRow("stale-if-error: a 404 is not an error, passed on")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "gone", 404, "Not Found"), 20, 404, true, {}, "gone"}};
    QTest::newRow("stale-if-error: beyond its window the error is passed on")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(),
                        answer({}, "broken", 500, "Internal Server Error"),
                        71,
                        500,
                        true,
                        {},
                        "broken"}};
    QTest::newRow("stale-if-error: at the edge of its window")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "broken", 500, "Internal Server Error"), 70, 200, true,
                        "fwd-status=500", "hello"}};
    QTest::newRow("stale-if-error as a request directive")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true},
                       {get("/r", "Cache-Control: stale-if-error=60\r\n"),
                        answer({}, "broken", 500, "Internal Server Error"), 20, 200, true,
                        "fwd-status=500", "hello"}};
    QTest::newRow("stale-if-error as a request directive, beyond its window")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true},
                       {get("/r", "Cache-Control: stale-if-error=5\r\n"),
                        answer({}, "broken", 500, "Internal Server Error"),
                        20,
                        500,
                        true,
                        {},
                        "broken"}};
    QTest::newRow("stale-if-error forbidden by must-revalidate")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10, must-revalidate, stale-if-error=600\r\n"),
                0, 200, true},
               {get(),
                answer({}, "broken", 500, "Internal Server Error"),
                20,
                500,
                true,
                {},
                "broken"}};
    QTest::newRow("stale-if-error forbidden by s-maxage")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: s-maxage=10, stale-if-error=600\r\n"), 0, 200, true},
               {get(),
                answer({}, "broken", 500, "Internal Server Error"),
                20,
                500,
                true,
                {},
                "broken"}};
    QTest::newRow("stale-if-error with the upstream down")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       downStep({get(), "", 20, 200, true, "fwd=stale", "hello"})};
    QTest::newRow("upstream down, must-revalidate: no stale even where the service allows it")
        << Policy::StaleWhenUnavailable
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10, must-revalidate\r\n"), 0, 200, true},
               downStep({get(), "", 20, 502, true, "-"})};
    QTest::newRow("upstream down beyond the service's stale limit: 502")
        << Policy::StaleWhenUnavailable
        << QList<Step>{{get(), answer("Cache-Control: max-age=10\r\n"), 0, 200, true},
                       downStep({get(), "", 700, 502, true, "-"})};

    // ---- Vary (RFC 9111 4.1).
    const QByteArray varyLanguage =
        answer("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n");
    const QByteArray varyEncoding =
        answer("Cache-Control: max-age=60\r\nVary: Accept-Encoding\r\n");
    QTest::newRow("Vary: two fields, both must match")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\nAccept-Encoding: gzip\r\n"),
                        answer("Cache-Control: max-age=60\r\n"
                               "Vary: Accept-Language, Accept-Encoding\r\n"),
                        0, 200, true},
                       {get("/r", "Accept-Language: en\r\nAccept-Encoding: br\r\n"), "", 0, 200,
                        true, "fwd=vary-miss"},
                       {get("/r", "Accept-Language: en\r\nAccept-Encoding: gzip\r\n"), "", 0, 200,
                        false, "hit"}};
    QTest::newRow("Vary: several Vary lines are one list")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\nX-Mode: a\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n"
                               "Vary: X-Mode\r\n"),
                        0, 200, true},
                       {get("/r", "Accept-Language: en\r\nX-Mode: b\r\n"), "", 0, 200, true,
                        "fwd=vary-miss"}};
    QTest::newRow("Vary: an absent field matches an absent one")
        << Policy::Default
        << QList<Step>{{get(), varyLanguage, 0, 200, true}, {get(), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: an absent field does not match an empty one")
        << Policy::Default
        << QList<Step>{{get(), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language:\r\n"), "", 0, 200, true, "fwd=vary-miss"}};
    QTest::newRow("Vary: field names are case-insensitive")
        << Policy::Default
        << QList<Step>{{get("/r", "accept-language: en\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: ACCEPT-LANGUAGE\r\n"), 0, 200,
                        true},
                       {get("/r", "Accept-Language: en\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: Accept-Encoding spaces around commas normalised")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Encoding: gzip,br\r\n"), varyEncoding, 0, 200, true},
                       {get("/r", "Accept-Encoding: gzip , br\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: Accept-Encoding values case-folded")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Encoding: GZIP\r\n"), varyEncoding, 0, 200, true},
                       {get("/r", "Accept-Encoding: gzip\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: Accept-Language values case-folded")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: EN-us\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: en-US\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: list order is significant")
        << Policy::Default
        << QList<Step>{
               {get("/r", "Accept-Encoding: gzip, br\r\n"), varyEncoding, 0, 200, true},
               {get("/r", "Accept-Encoding: br, gzip\r\n"), "", 0, 200, true, "fwd=vary-miss"}};
    QTest::newRow("Vary: field lines combined as one list")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\nAccept-Language: fr\r\n"), varyLanguage,
                        0, 200, true},
                       {get("/r", "Accept-Language: en, fr\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: Accept parameters with spaces normalised")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept: text/html;q=0.9\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: Accept\r\n"), 0, 200, true},
                       {get("/r", "Accept: text/html ; q=0.9\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: other fields keep their case")
        << Policy::Default
        << QList<Step>{{get("/r", "X-Mode: A\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: X-Mode\r\n"), 0, 200, true},
                       {get("/r", "X-Mode: a\r\n"), "", 0, 200, true, "fwd=vary-miss"}};
    QTest::newRow("Vary: whitespace runs in other fields collapsed")
        << Policy::Default
        << QList<Step>{{get("/r", "X-Mode: a  b\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: X-Mode\r\n"), 0, 200, true},
                       {get("/r", "X-Mode: a b\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Vary: * among other names is never stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nVary: Accept, *\r\n"),
                        0,
                        200,
                        true,
                        {},
                        "*",
                        {},
                        {},
                        "; stored"},
                       {get(), "", 0, 200, true}};
    QTest::newRow("Vary: each variant is kept")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: fr\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n", "salut"),
                        0, 200, true, "fwd=vary-miss"},
                       {get("/r", "Accept-Language: en\r\n"), "", 0, 200, false, "hit", "hello"},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, false, "hit", "salut"}};
    QTest::newRow("Vary: after a changed Vary the new fields select (older variants unused)")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: fr\r\nX-Mode: a\r\n"),
                        answer("Cache-Control: max-age=60\r\nVary: X-Mode\r\n", "world"), 0, 200,
                        true, "fwd=vary-miss"},
                       {get("/r", "Accept-Language: de\r\nX-Mode: a\r\n"), "", 0, 200, false, "hit",
                        "world"},
                       {get("/r", "Accept-Language: en\r\nX-Mode: b\r\n"), "", 0, 200, true,
                        "fwd=vary-miss"}};
    QTest::newRow("Vary: a response without Vary replaces the variants")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: en\r\nCache-Control: no-cache\r\n"),
                        answer("Cache-Control: max-age=60\r\n", "plain"), 0, 200, true},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, false, "hit", "plain"}};

    // ---- Conditional requests answered from the cache (RFC 9111 4.3.2, RFC 9110 13).
    const QByteArray etagAndDate =
        answer("Cache-Control: max-age=60\r\nETag: \"v1\"\r\n" + lastModified);
    const QByteArray dateOnly = answer("Cache-Control: max-age=60\r\n" + lastModified);
    QTest::newRow("If-None-Match list with a match: 304")
        << Policy::Default
        << QList<Step>{
               {get(), etag60, 0, 200, true},
               {get("/r", "If-None-Match: \"v0\", \"v1\"\r\n"), "", 0, 304, false, "hit", ""}};
    QTest::newRow("If-None-Match: * matches: 304")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: *\r\n"), "", 0, 304, false, "hit", ""}};
    QTest::newRow("If-None-Match: a weak tag matches a strong one (weak comparison)")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: W/\"v1\"\r\n"), "", 0, 304, false, "hit", ""}};
    QTest::newRow("If-None-Match: a stored weak tag matches")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=60\r\nETag: W/\"v1\"\r\n"), 0, 200, true},
               {get("/r", "If-None-Match: \"v1\"\r\n"),
                "",
                0,
                304,
                false,
                "hit",
                "",
                {},
                "etag: W/\"v1\""}};
    QTest::newRow("If-None-Match: tags are case-sensitive")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: \"V1\"\r\n"), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("If-None-Match malformed: the full response")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "If-None-Match: v1\r\n"), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("If-None-Match decides over If-Modified-Since")
        << Policy::Default
        << QList<Step>{{get(), etagAndDate, 0, 200, true},
                       {get("/r", "If-None-Match: \"v0\"\r\n"
                                  "If-Modified-Since: Tue, 02 Jan 2024 00:00:00 GMT\r\n"),
                        "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("If-Modified-Since before Last-Modified: the full response")
        << Policy::Default
        << QList<Step>{{get(), dateOnly, 0, 200, true},
                       {get("/r", "If-Modified-Since: Sun, 31 Dec 2023 00:00:00 GMT\r\n"), "", 0,
                        200, false, "hit", "hello"}};
    QTest::newRow("If-Modified-Since without Last-Modified: compared with Date")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {get("/r", "If-Modified-Since: {date}\r\n"), "", 10, 304, false, "hit", ""},
               {get("/r", "If-Modified-Since: {date-100}\r\n"), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("If-Modified-Since not a date: ignored")
        << Policy::Default
        << QList<Step>{
               {get(), dateOnly, 0, 200, true},
               {get("/r", "If-Modified-Since: someday\r\n"), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("304 from the cache: the listed fields only")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=60\r\nETag: \"v1\"\r\n" + lastModified +
                               "Content-Type: text/plain\r\nX-Other: 1\r\n"),
                        0, 200, true},
                       {get("/r", "If-None-Match: \"v1\"\r\n"),
                        "",
                        0,
                        304,
                        false,
                        "hit",
                        "",
                        {},
                        "etag: \"v1\"\ncache-control: max-age=60\ndate: ",
                        "x-other\ncontent-type\nlast-modified"}};
    QTest::newRow("304 from the cache: Last-Modified when there is no ETag")
        << Policy::Default
        << QList<Step>{{get(), dateOnly, 0, 200, true},
                       {get("/r", "If-Modified-Since: Tue, 02 Jan 2024 00:00:00 GMT\r\n"),
                        "",
                        0,
                        304,
                        false,
                        "hit",
                        "",
                        {},
                        "last-modified: Mon, 01 Jan 2024 00:00:00 GMT"}};
    QTest::newRow("If-Match is the origin's to evaluate")
        << Policy::Default
        << QList<Step>{
               {get(), etag60, 0, 200, true},
               {get("/r", "If-Match: \"v1\"\r\n"), "", 0, 200, true, {}, "*", "If-Match: \"v1\""}};
    QTest::newRow("If-Unmodified-Since is the origin's to evaluate")
        << Policy::Default
        << QList<Step>{{get(), dateOnly, 0, 200, true},
                       {get("/r", "If-Unmodified-Since: Tue, 02 Jan 2024 00:00:00 GMT\r\n"), "", 0,
                        200, true}};
    QTest::newRow("Range bypasses the cache and leaves the stored response")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Range: bytes=0-1\r\n"), "", 0, 200, true, "fwd=bypass", "*",
                        "Range: bytes=0-1"},
                       {get(), "", 0, 200, false, "hit"}};

    // ---- Validation and 304 merging (RFC 9111 4.3.1, 4.3.3, 4.3.4).
    QTest::newRow("validation sends both validators")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10\r\nETag: \"v1\"\r\n" + lastModified), 0,
                        200, true},
                       {get(), notModified, 20, 200, true, "fwd-status=304", "hello",
                        "If-None-Match: \"v1\"\nIf-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT"}};
    QTest::newRow("validation replaces the client's own validators")
        << Policy::Default
        << QList<Step>{
               {get(), stale10, 0, 200, true},
               forwardedWithout({get("/r", "If-None-Match: \"x\"\r\n"), notModified, 20, 200, true,
                                 "fwd-status=304", "hello", "If-None-Match: \"v1\""},
                                "\"x\"")};
    QTest::newRow("validation: the client's If-Modified-Since answered from the freshened one")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10\r\n" + lastModified), 0, 200, true},
               {get("/r", "If-Modified-Since: Tue, 02 Jan 2024 00:00:00 GMT\r\n"),
                notModifiedWith("Cache-Control: max-age=10\r\n"), 20, 304, true, "fwd-status=304",
                ""}};
    QTest::newRow("validation of a weak ETag by a weak 304")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10\r\nETag: W/\"v1\"\r\n"), 0, 200, true},
               {get(), notModifiedWith("ETag: W/\"v1\"\r\nCache-Control: max-age=60\r\n"), 20, 200,
                true, "fwd-status=304", "hello", "If-None-Match: W/\"v1\""},
               {get(), "", 30, 200, false, "hit; ttl=30"}};
    QTest::newRow("304: Content-Length is never taken from it")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {get(),
                        notModifiedWith("ETag: \"v1\"\r\nCache-Control: max-age=60\r\n"
                                        "Content-Length: 99\r\n"),
                        20,
                        200,
                        true,
                        "fwd-status=304",
                        "hello",
                        {},
                        "content-length: 5"},
                       {get(),
                        "",
                        0,
                        200,
                        false,
                        "hit",
                        "hello",
                        {},
                        "content-length: 5",
                        "content-length: 99"}};
    QTest::newRow("304: its Cache-Control gives the new lifetime")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get(), notModifiedWith("ETag: \"v1\"\r\nCache-Control: max-age=10\r\n"), 61,
                        200, true, "fwd-status=304"},
                       {get(), "", 9, 200, false, "hit; ttl=1"},
                       {get(), notModified, 1, 200, true, "fwd-status=304"}};
    QTest::newRow("304: fields it lacks are kept")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10\r\nETag: \"v1\"\r\nX-Keep: 1\r\n"), 0, 200,
                true},
               {get(), notModified, 20, 200, true, "fwd-status=304", "hello", {}, "x-keep: 1"},
               {get(), "", 0, 200, false, "hit", "hello", {}, "x-keep: 1"}};
    QTest::newRow("304: a field it has replaces every stored line of it")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10\r\nETag: \"v1\"\r\nX-Multi: a\r\n"
                               "X-Multi: b\r\n"),
                        0, 200, true},
                       {get(),
                        notModifiedWith("ETag: \"v1\"\r\nCache-Control: max-age=60\r\n"
                                        "X-Multi: c\r\n"),
                        20, 200, true},
                       {get(),
                        "",
                        0,
                        200,
                        false,
                        "hit",
                        "hello",
                        {},
                        "x-multi: c",
                        "x-multi: a\nx-multi: b"}};
    QTest::newRow("304: its hop-by-hop fields are not taken")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {get(),
                        notModifiedWith("ETag: \"v1\"\r\nCache-Control: max-age=60\r\n"
                                        "Connection: X-Hop\r\nX-Hop: 1\r\n"),
                        20, 200, true},
                       {get(), "", 0, 200, false, "hit", "hello", {}, {}, "x-hop"}};
    QTest::newRow("304: the age restarts from the validation")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nETag: \"v1\"\r\nAge: 50\r\n"),
                        0, 200, true},
                       {get(), notModified, 20, 200, true, "fwd-status=304"},
                       {get(), "", 10, 200, false, "hit; ttl=50", "*", {}, "age: 10"}};
    QTest::newRow("304: its Age counts")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {get(),
                        notModifiedWith("ETag: \"v1\"\r\nCache-Control: max-age=60\r\n"
                                        "Age: 20\r\n"),
                        20, 200, true},
                       {get(), "", 0, 200, false, "hit; ttl=40", "*", {}, "age: 20"}};
    QTest::newRow("304 for another strong ETag does not freshen the stored response")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {get(),
                        notModifiedWith("ETag: \"v2\"\r\nCache-Control: max-age=60\r\n"),
                        20,
                        200,
                        true,
                        "fwd=stale; fwd-status=304",
                        "hello",
                        {},
                        "etag: \"v1\"",
                        "etag: \"v2\""},
                       {get(), answer("Cache-Control: max-age=60\r\nETag: \"v2\"\r\n", "world"), 0,
                        200, true, "fwd=uri-miss", "world"}};

    // ---- Invalidation (RFC 9111 4.4).
    const QByteArray ok = answer({}, "ok");
    QTest::newRow("PUT invalidates the target")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"PUT /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", ok, 0, 200,
                        true, "fwd=method"},
                       {get(), fresh60, 0, 200, true, "fwd=uri-miss"}};
    QTest::newRow("DELETE invalidates the target")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n", ok, 0, 200, true},
                       {get(), fresh60, 0, 200, true}};
    QTest::newRow("PATCH invalidates the target")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {"PATCH /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", ok, 0, 200, true},
               {get(), fresh60, 0, 200, true}};
    QTest::newRow("a method the cache does not know (LINK) invalidates the target")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"LINK /r HTTP/1.1\r\nHost: test\r\n\r\n", ok, 0, 200, true},
                       {get(), fresh60, 0, 200, true}};
    QTest::newRow("OPTIONS is safe: no invalidation")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"OPTIONS /r HTTP/1.1\r\nHost: test\r\n\r\n", ok, 0, 200, true},
                       {get(), "", 0, 200, false, "hit"}};
    QTest::newRow("POST with a 303 invalidates")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer("Location: /done\r\n", "see", 303, "See Other"), 0, 303, true},
                       {get(), fresh60, 0, 200, true}};
    QTest::newRow("POST with a 500 does not invalidate")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer({}, "broken", 500, "Internal Server Error"), 0, 500, true},
                       {get(), "", 0, 200, false, "hit"}};
    QTest::newRow("Content-Location of the same origin invalidated")
        << Policy::Default
        << QList<Step>{{get("/other"), fresh60, 0, 200, true},
                       {"PUT /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer("Content-Location: /other\r\n", "ok"), 0, 200, true},
                       {get("/other"), "", 0, 200, true}};
    QTest::newRow("an absolute Location of the same origin invalidated")
        << Policy::Default
        << QList<Step>{{get("/other"), fresh60, 0, 200, true},
                       {"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer("Location: http://test/other\r\n", "ok", 201, "Created"), 0, 201,
                        true},
                       {get("/other"), fresh60, 0, 200, true}};
    QTest::newRow("a relative Location resolved against the target")
        << Policy::Default
        << QList<Step>{{get("/a/other"), fresh60, 0, 200, true},
                       {"POST /a/b/c HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer("Location: ../other\r\n", "ok", 201, "Created"), 0, 201, true},
                       {get("/a/other"), fresh60, 0, 200, true}};
    QTest::newRow("a Location of another origin is not invalidated")
        << Policy::Default
        << QList<Step>{{"GET /r HTTP/1.1\r\nHost: elsewhere\r\n\r\n", fresh60, 0, 200, true},
                       {"POST /x HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
                        answer("Location: http://elsewhere/r\r\n"
                               "Content-Location: http://elsewhere/r\r\n",
                               "ok", 201, "Created"),
                        0, 201, true},
                       {"GET /r HTTP/1.1\r\nHost: elsewhere\r\n\r\n", "", 0, 200, false, "hit"}};
    QTest::newRow("invalidation removes every variant")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: en\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, true},
                       {"DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n", ok, 0, 200, true},
                       {get("/r", "Accept-Language: en\r\n"), varyLanguage, 0, 200, true},
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, true}};
    QTest::newRow("invalidation is per URI: another query stays")
        << Policy::Default
        << QList<Step>{{get("/r?a=1"), fresh60, 0, 200, true},
                       {"POST /r?a=2 HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", ok, 0,
                        200, true},
                       {get("/r?a=1"), "", 0, 200, false, "hit"}};

    // ---- Authorization (RFC 9111 3.5).
    QTest::newRow("Authorization: s-maxage allows it")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: s-maxage=60\r\n"), 0, 200, true, "stored"},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Authorization: must-revalidate allows it")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: max-age=60, must-revalidate\r\n"), 0, 200, true,
                        "stored"},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, false, "hit"}};
    QTest::newRow("Authorization: private with public is still private")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: public, private, max-age=60\r\n"), 0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, true}};
    QTest::newRow("Authorization: Expires alone does not allow it")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"), answer("Expires: {date+60}\r\n"),
                        0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, true}};
    QTest::newRow("Authorization: public with an argument does not allow it")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: public=x, max-age=60\r\n"), 0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\n"), "", 0, 200, true}};
    QTest::newRow("Authorization: a public response serves other credentials and none")
        << Policy::Default
        << QList<Step>{{get("/r", "Authorization: Bearer a\r\n"),
                        answer("Cache-Control: public, max-age=60\r\n"), 0, 200, true},
                       {get("/r", "Authorization: Bearer b\r\n"), "", 0, 200, false, "hit"},
                       {get(), "", 0, 200, false, "hit"}};

    // ---- HEAD (RFC 9111 4, 4.3.5).
    const QByteArray head = "HEAD /r HTTP/1.1\r\nHost: test\r\n\r\n";
    QTest::newRow("HEAD on a stale stored GET: validated, answered without a body")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {head, notModified, 20, 200, true, "fwd-status=304", "", "HEAD /r",
                        "content-length: 5"},
                       {get(), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("HEAD with a matching If-None-Match: 304")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {"HEAD /r HTTP/1.1\r\nHost: test\r\nIf-None-Match: \"v1\"\r\n\r\n", "", 0,
                        304, false, "hit", ""}};
    QTest::newRow("HEAD with nothing stored: forwarded as HEAD")
        << Policy::Default
        << QList<Step>{{head,
                        "HTTP/1.1 200 OK\r\nDate: {date}\r\nCache-Control: max-age=60\r\n"
                        "Content-Length: 5\r\n\r\n",
                        0, 200, true, "fwd=uri-miss", "", "HEAD /r"}};
    QTest::newRow("HEAD 200 with another ETag: the stored GET is no longer fresh")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {"HEAD /r HTTP/1.1\r\nHost: test\r\nCache-Control: no-cache\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nDate: {date}\r\nCache-Control: max-age=60\r\n"
                        "ETag: \"v2\"\r\nContent-Length: 5\r\n\r\n",
                        0,
                        200,
                        true,
                        {},
                        ""},
                       {get(), answer("Cache-Control: max-age=60\r\nETag: \"v2\"\r\n", "world"), 0,
                        200, true, "fwd=uri-miss", "world"}};

    // ---- Cache-Status parameters (RFC 9211).
    QTest::newRow("Cache-Status: key names the stored response")
        << Policy::Default
        << QList<Step>{
               {get("/r?q=1"), fresh60, 0, 200, true, "key=\"svc http://test/r?q=1\""},
               {get("/r?q=1"), "", 0, 200, false, "hit; ttl=60; key=\"svc http://test/r?q=1\""}};
    QTest::newRow("Cache-Status: our member follows the upstream's")
        << Policy::Default
        << QList<Step>{
               {get(),
                answer("Cache-Control: max-age=60\r\nCache-Status: Origin; fwd=uri-miss\r\n"), 0,
                200, true, "Origin; fwd=uri-miss, ToolCapture; fwd=uri-miss"}};
    QTest::newRow("Cache-Status: a stale hit says which rule allowed it")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale\r\n"), "", 70, 200, false,
                        "hit; ttl=-10\ndetail=max-stale"}};
    QTest::newRow("Cache-Status: stale-if-error says so")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get(), answer({}, "broken", 500, "Internal Server Error"), 20, 200, true,
                        "fwd=stale; fwd-status=500\ndetail=stale-if-error"}};
    QTest::newRow("Cache-Status: a request no-cache on a fresh response is fwd=request")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "Cache-Control: no-cache\r\n"), notModified, 0, 200, true,
                        "fwd=request; fwd-status=304"}};
    QTest::newRow("Cache-Status: a POST is fwd=method")
        << Policy::Default
        << QList<Step>{{"POST /r HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", ok, 0, 200,
                        true, "fwd=method; fwd-status=200"}};
    QTest::newRow("Cache-Status: an uncacheable response is not stored")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: no-store\r\n"),
                        0,
                        200,
                        true,
                        "ToolCapture; fwd=uri-miss; fwd-status=200",
                        "*",
                        {},
                        {},
                        "stored"}};

    // ---- Keys (RFC 9111 2, 4.1; RFC 3986 6.2).
    QTest::newRow("key: an empty query differs from none")
        << Policy::Default
        << QList<Step>{{get("/r?"), fresh60, 0, 200, true}, {get("/r"), "", 0, 200, true}};
    QTest::newRow("key: an encoded slash is not a slash")
        << Policy::Default
        << QList<Step>{{get("/a%2Fb"), fresh60, 0, 200, true}, {get("/a/b"), "", 0, 200, true}};
    QTest::newRow("key: the default port is the same origin")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"GET /r HTTP/1.1\r\nHost: test:80\r\n\r\n", "", 0, 200, false, "hit"}};
    QTest::newRow("key: another host is another origin")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {"GET /r HTTP/1.1\r\nHost: test:8080\r\n\r\n", "", 0, 200, true, "fwd=uri-miss"}};

    // ---- Edges and interactions.
    QTest::newRow("max-age boundary: fresh while the age is below it, stale at it")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get(), "", 59, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true, "fwd=stale"}};
    QTest::newRow("Age equal to max-age on arrival: stale")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: 60\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("s-maxage not a number: never fresh, max-age not used instead")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60, s-maxage=abc\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("s-maxage wins over Expires")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: s-maxage=10\r\nExpires: {date+600}\r\n"), 0,
                        200, true},
                       {get(), "", 9, 200, false, "hit; ttl=1"},
                       {get(), "", 1, 200, true}};
    QTest::newRow("Expires counted from Date (Date in the future)")
        << Policy::Default
        << QList<Step>{
               {get(), undated("Date: {date+100}\r\nExpires: {date+130}\r\n"), 0, 200, true},
               {get(), "", 29, 200, false, "hit; ttl=1"},
               {get(), "", 1, 200, true}};
    QTest::newRow("public with no-store: not stored")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: public, no-store, max-age=60\r\n"), 0, 200, true},
               {get(), "", 0, 200, true}};
    QTest::newRow("private with s-maxage: not stored")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: private, s-maxage=60\r\n"), 0, 200, true},
                       {get(), "", 0, 200, true}};
    QTest::newRow("qualified private, token form")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: private=x-a, max-age=60\r\nX-A: 1\r\n"), 0,
                        200, true, "stored"},
                       {get(), "", 0, 200, false, "hit", "hello", {}, {}, "x-a: 1"}};
    QTest::newRow("heuristic: counted from Date, an old response is stale at once")
        << Policy::Heuristics
        << QList<Step>{
               {get(), undated("Date: {date-500}\r\nLast-Modified: {date-1500}\r\n"), 0, 200, true},
               {get(), "", 0, 200, true}};
    QTest::newRow("heuristic: a 301 is heuristically cacheable, a 307 is not")
        << Policy::Heuristics
        << QList<Step>{{get("/a"),
                        answer("Last-Modified: {date-1000}\r\nLocation: /s\r\n", "moved", 301,
                               "Moved Permanently"),
                        0, 301, true, "stored"},
                       {get("/a"), "", 10, 301, false, "hit"},
                       {get("/b"),
                        answer("Last-Modified: {date-1000}\r\nLocation: /s\r\n", "moved", 307,
                               "Temporary Redirect"),
                        0, 307, true},
                       {get("/b"), "", 0, 307, true}};
    QTest::newRow("request max-stale not a number: no stale response")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: max-stale=abc\r\n"), "", 90, 200, true}};
    QTest::newRow("request min-fresh not a number is ignored")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Cache-Control: min-fresh=abc\r\n"), "", 50, 200, false, "hit"}};
    QTest::newRow("request no-cache with an argument still validates")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {get("/r", "Cache-Control: no-cache=\"x\"\r\n"), notModified, 0, 200, true,
                        "fwd-status=304", "hello", "If-None-Match: \"v1\""}};
    QTest::newRow("request no-cache: no stale-if-error fallback")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get("/r", "Cache-Control: no-cache\r\n"),
                        answer({}, "broken", 500, "Internal Server Error"),
                        20,
                        500,
                        true,
                        {},
                        "broken"}};
    QTest::newRow("stale-if-error wins over the client's max-age=0")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=0\r\n"),
                        answer({}, "broken", 500, "Internal Server Error"), 20, 200, true,
                        "fwd-status=500", "hello"}};
    QTest::newRow("client If-None-Match with nothing stored: the origin's 304 passed on")
        << Policy::Default
        << QList<Step>{{get("/r", "If-None-Match: \"v1\"\r\n"), notModified, 0, 304, true,
                        "fwd=uri-miss", "", "If-None-Match: \"v1\""},
                       {get(), etag60, 0, 200, true, "fwd=uri-miss; fwd-status=200; stored"}};
    QTest::newRow("client If-None-Match not matching on a miss: the 200 is stored")
        << Policy::Default
        << QList<Step>{{get("/r", "If-None-Match: \"v0\"\r\n"), etag60, 0, 200, true, "stored"},
                       {get(), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("304: a new Expires gives the new lifetime")
        << Policy::Default
        << QList<Step>{{get(), answer("Expires: {date+10}\r\nETag: \"v1\"\r\n"), 0, 200, true},
                       {get(), notModifiedWith("ETag: \"v1\"\r\nExpires: {date+60}\r\n"), 20, 200,
                        true, "fwd-status=304"},
                       {get(), "", 59, 200, false, "hit; ttl=1"}};
    QTest::newRow("304 with the same Last-Modified freshens")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10\r\n" + lastModified), 0, 200, true},
               {get(), notModifiedWith("Cache-Control: max-age=60\r\n" + lastModified), 20, 200,
                true, "fwd-status=304"},
               {get(), "", 30, 200, false, "hit; ttl=30"}};
    QTest::newRow("304 with another Last-Modified does not freshen")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10\r\n" + lastModified), 0, 200, true},
               {get(),
                notModifiedWith("Cache-Control: max-age=60\r\n"
                                "Last-Modified: Tue, 02 Jan 2024 00:00:00 GMT\r\n"),
                20,
                200,
                true,
                "fwd-status=304",
                "hello",
                {},
                "last-modified: Mon, 01 Jan 2024 00:00:00 GMT"},
               {get(), answer("Cache-Control: max-age=60\r\n", "world"), 0, 200, true,
                "fwd=uri-miss", "world"}};
    QTest::newRow("a HEAD 200 that agrees keeps the stored GET")
        << Policy::Default
        << QList<Step>{{get(), etag60, 0, 200, true},
                       {"HEAD /r HTTP/1.1\r\nHost: test\r\nCache-Control: no-cache\r\n\r\n",
                        "HTTP/1.1 200 OK\r\nDate: {date}\r\nCache-Control: max-age=60\r\n"
                        "ETag: \"v1\"\r\nContent-Length: 5\r\n\r\n",
                        0,
                        200,
                        true,
                        {},
                        ""},
                       {get(), "", 0, 200, false, "hit", "hello"}};
    QTest::newRow("HEAD is safe: no invalidation")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {"HEAD /r HTTP/1.1\r\nHost: test\r\n\r\n", "", 0, 200, false, "hit", ""},
                       {get(), "", 0, 200, false, "hit", "hello"}};

    QTest::newRow("a served response carries our Age, not the upstream's")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: max-age=60\r\nAge: 50\r\n"), 0, 200, true},
                       {get(), "", 5, 200, false, "hit", "*", {}, "age: 55", "age: 50"}};
    QTest::newRow("response no-cache: a matching client conditional gets 304 after validation")
        << Policy::Default
        << QList<Step>{{get(), answer("Cache-Control: no-cache, max-age=60\r\nETag: \"v1\"\r\n"), 0,
                        200, true},
                       {get("/r", "If-None-Match: \"v1\"\r\n"), notModified, 0, 304, true,
                        "fwd-status=304", "", "If-None-Match: \"v1\""}};
    QTest::newRow("only-if-cached with Authorization and a response that does not allow it: 504")
        << Policy::Default
        << QList<Step>{{get(), fresh60, 0, 200, true},
                       {get("/r", "Authorization: Bearer a\r\nCache-Control: only-if-cached\r\n"),
                        "", 0, 504, false}};
    QTest::newRow("stale-if-error answers a HEAD without a body")
        << Policy::Default
        << QList<Step>{{get(), sie, 0, 200, true},
                       {head,
                        answer({}, "broken", 500, "Internal Server Error"),
                        20,
                        200,
                        true,
                        "fwd-status=500",
                        "",
                        {},
                        "content-length: 5"}};

    QTest::newRow("only-if-cached with a request max-age the stored response exceeds: 504")
        << Policy::Default
        << QList<Step>{
               {get(), fresh60, 0, 200, true},
               {get("/r", "Cache-Control: only-if-cached, max-age=5\r\n"), "", 10, 504, false}};

    // ---- stale-while-revalidate (RFC 5861 3): the stale answer at once, one background
    // validation.
    const QByteArray swr =
        answer("Cache-Control: max-age=10, stale-while-revalidate=60\r\nETag: \"v1\"\r\n");
    QTest::newRow("stale-while-revalidate: stale at once, validated in the background")
        << Policy::Default
        << QList<Step>{{get(), swr, 0, 200, true},
                       revalidatedInBackground({get(), notModified, 20, 200, false,
                                                "hit; ttl=-10\ndetail=stale-while-revalidate",
                                                "hello", "If-None-Match: \"v1\"", "age: 20"}),
                       {get(), "", 0, 200, false, "hit; ttl=60", "hello"}};
    QTest::newRow("stale-while-revalidate: a 200 in the background replaces the entry")
        << Policy::Default
        << QList<Step>{{get(), swr, 0, 200, true},
                       revalidatedInBackground(
                           {get(), answer("Cache-Control: max-age=60\r\nETag: \"v2\"\r\n", "world"),
                            20, 200, false, "detail=stale-while-revalidate", "hello"}),
                       {get(), "", 0, 200, false, "hit; ttl=60", "world", {}, "etag: \"v2\""}};
    QTest::newRow("stale-while-revalidate: a 500 in the background leaves the stale entry")
        << Policy::Default
        << QList<Step>{
               {get(), swr, 0, 200, true},
               revalidatedInBackground({get(), answer({}, "broken", 500, "Internal Server Error"),
                                        20, 200, false, "hit; ttl=-10", "hello"}),
               revalidatedInBackground(
                   {get(), notModified, 1, 200, false, "hit; ttl=-11", "hello"}),
               {get(), "", 0, 200, false, "hit; ttl=60", "hello"}};
    QTest::newRow("stale-while-revalidate without a validator: fetched whole in the background")
        << Policy::Default
        << QList<Step>{
               {get(), answer("Cache-Control: max-age=10, stale-while-revalidate=60\r\n"), 0, 200,
                true},
               forwardedWithout(
                   revalidatedInBackground({get(), answer("Cache-Control: max-age=60\r\n", "world"),
                                            20, 200, false, "hit; ttl=-10", "hello"}),
                   "If-None-Match\nIf-Modified-Since"),
               {get(), "", 0, 200, false, "hit", "world"}};
    QTest::newRow("stale-while-revalidate: at the edge of its window")
        << Policy::Default
        << QList<Step>{{get(), swr, 0, 200, true},
                       revalidatedInBackground(
                           {get(), notModified, 70, 200, false, "hit; ttl=-60", "hello"})};
    QTest::newRow("stale-while-revalidate: beyond its window, validated before answering")
        << Policy::Default
        << QList<Step>{{get(), swr, 0, 200, true},
                       {get(), notModified, 71, 200, true, "fwd=stale; fwd-status=304", "hello",
                        "If-None-Match: \"v1\""}};
    QTest::newRow("stale-while-revalidate forbidden by must-revalidate")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: max-age=10, must-revalidate, "
                               "stale-while-revalidate=60\r\nETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get(), notModified, 20, 200, true, "fwd=stale; fwd-status=304"}};
    QTest::newRow("stale-while-revalidate forbidden by s-maxage")
        << Policy::Default
        << QList<Step>{{get(),
                        answer("Cache-Control: s-maxage=10, stale-while-revalidate=60\r\n"
                               "ETag: \"v1\"\r\n"),
                        0, 200, true},
                       {get(), notModified, 20, 200, true, "fwd=stale; fwd-status=304"}};
    QTest::newRow("stale-while-revalidate: the client's max-age=0 gets a validated response")
        << Policy::Default
        << QList<Step>{{get(), swr, 0, 200, true},
                       {get("/r", "Cache-Control: max-age=0\r\n"), notModified, 20, 200, true,
                        "fwd=stale; fwd-status=304", "hello"}};
    QTest::newRow("stale-while-revalidate in a request is not a response's")
        << Policy::Default
        << QList<Step>{{get(), stale10, 0, 200, true},
                       {get("/r", "Cache-Control: stale-while-revalidate=60\r\n"), notModified, 20,
                        200, true, "fwd=stale; fwd-status=304"}};
    QTest::newRow("stale-while-revalidate: a Vary variant revalidated with its own field")
        << Policy::Default
        << QList<Step>{{get("/r", "Accept-Language: fr\r\n"),
                        answer("Cache-Control: max-age=10, stale-while-revalidate=60\r\n"
                               "Vary: Accept-Language\r\nETag: \"v1\"\r\n"),
                        0, 200, true},
                       revalidatedInBackground({get("/r", "Accept-Language: fr\r\n"),
                                                notModifiedWith("ETag: \"v1\"\r\nVary: "
                                                                "Accept-Language\r\n"
                                                                "Cache-Control: max-age=60\r\n"),
                                                20, 200, false, "hit; ttl=-10", "hello",
                                                "If-None-Match: \"v1\"\nAccept-Language: fr"}),
                       {get("/r", "Accept-Language: fr\r\n"), "", 0, 200, false, "hit; ttl=60"}};

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
    // The cache's wall clock: the upstream's dates are the cache's, to the second.
    const HttpTime wallStart = proxy.cache->wallNow();
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
        // The upstream's clock is the cache's: its start plus what the test moved.
        const HttpTime now = wallStart + advanced;
        behaviour.raw = withDates(raw, now);
        // The upstream closes after answering and says so: the proxy never reuses a connection
        // the upstream is closing (a POST on it could not be retried).
        if (const qsizetype line = behaviour.raw.indexOf("\r\n"); line >= 0)
            behaviour.raw.insert(line + 2, "Connection: close\r\n");
        behaviour.closeAfterResponse = true;
        behaviour.held = step.delay > 0;
        upstream.setBehaviour(behaviour);
        const int before = upstream.requestsReceived();
        const int heldBefore = upstream.heldRequests();
        const std::uint64_t settledBefore = settled(*proxy.cache);
        const std::uint64_t backgroundBefore = proxy.cache->totals(0).backgroundRevalidations;
        RawClient client(proxy.server->port());
        const QByteArray request = withDates(step.request, now);
        const QByteArray method = request.first(request.indexOf(' '));
        RawResponse response;
        if (step.delay > 0) {
            // The request reaches the upstream, which answers only after the clock moved.
            client.send(request);
            QTRY_COMPARE(upstream.heldRequests(), heldBefore + 1);
            clock.advance(std::chrono::seconds(step.delay));
            advanced += std::chrono::seconds(step.delay);
            upstream.releaseHeld();
            response = client.read(method);
        } else {
            response = client.roundTrip(request, method);
        }
        const QByteArray where = "step " + QByteArray::number(n);
        QVERIFY2(response.complete, where);
        QCOMPARE(response.status, step.status);
        if (step.background > 0) {
            // Not forwarded before the answer (the Cache-Status says it was a hit); the
            // background requests arrive afterwards, exactly as many as expected.
            QVERIFY2(!step.forwarded, where + ": a background step is answered from the cache");
            QTRY_COMPARE(upstream.requestsReceived(), before + step.background);
            QTRY_VERIFY(settled(*proxy.cache) >= settledBefore + std::uint64_t(step.background));
            QCOMPARE(proxy.cache->totals(0).backgroundRevalidations,
                     backgroundBefore + std::uint64_t(step.background));
        } else {
            QVERIFY2((upstream.requestsReceived() > before) == step.forwarded,
                     where + (step.forwarded ? " was not forwarded" : " was forwarded"));
        }
        const QByteArray cacheStatus = response.header("cache-status");
        if (step.cacheStatus == "-")
            QVERIFY2(cacheStatus.isEmpty(), where + ": " + cacheStatus);
        else
            QVERIFY2(containsAll(cacheStatus, step.cacheStatus), where + ": " + cacheStatus);
        if (step.body != "*")
            QCOMPARE(response.body, step.body);
        if (!step.upstreamHas.isEmpty() || !step.upstreamLacks.isEmpty()) {
            QVERIFY2(step.forwarded || step.background > 0,
                     where + ": checks a forwarded head but forwards nothing");
            const QList<QByteArray> heads = upstream.heads();
            QVERIFY(!heads.isEmpty());
            if (!step.upstreamHas.isEmpty())
                QVERIFY2(containsAll(heads.last(), step.upstreamHas), where + ": " + heads.last());
            if (!step.upstreamLacks.isEmpty())
                QVERIFY2(containsNone(heads.last(), step.upstreamLacks),
                         where + ": " + heads.last());
        }
        const QByteArray head = headText(response);
        if (!step.responseHas.isEmpty())
            QVERIFY2(containsAll(head, step.responseHas), where + ":\n" + head);
        if (!step.responseLacks.isEmpty())
            QVERIFY2(containsNone(head, step.responseLacks), where + ":\n" + head);
    }
}

void TestProxyCache::countsPerService() {
    ManualClock clock;
    TestUpstream upstream;
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    answerFreshFor60s(upstream);
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

void TestProxyCache::pipelinedHitsAnsweredInOrder() {
    // A hit is answered inside the session's read loop, which goes on to feed what follows it
    // from what it read (no event posted per hit): requests pipelined in one write are answered
    // in order, a miss among them forwarded, and the connection stays usable.
    ManualClock clock;
    TestUpstream upstream;
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    answerFreshFor60s(upstream);
    RawClient client(proxy.server->port());
    QCOMPARE(client.roundTrip(get("/a")).status, 200);
    QCOMPARE(client.roundTrip(get("/b")).status, 200);
    QCOMPARE(upstream.requestsReceived(), 2);
    const QList<QByteArray> targets = {"/a", "/b", "/a", "/c", "/b", "/a", "/a"};
    QByteArray burst;
    for (const QByteArray &target : targets)
        burst += get(target);
    client.send(burst);
    for (const QByteArray &target : targets) {
        const RawResponse response = client.read();
        QVERIFY(response.complete);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("ok"));
        const QByteArray status = response.header("cache-status");
        QVERIFY2(status.contains("key=\"svc http://test" + target + "\""), status.constData());
        QVERIFY2(status.contains(target == "/c" ? "fwd=uri-miss" : "; hit"), status.constData());
    }
    QCOMPARE(upstream.requestsReceived(), 3);
    QCOMPARE(client.roundTrip(get("/c")).header("cache-status").contains("; hit"), true);
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
        << false << 100 << QByteArray("fwd=uri-miss");
    QTest::newRow("the wait runs out: the others go upstream themselves")
        << QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                      "Content-Length: 5\r\n\r\nhello")
        << true << 100 << QByteArray("fwd=uri-miss");
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
    constexpr int kFollowers = 99;
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

void TestProxyCache::fillOvertakenByInvalidation_data() {
    QTest::addColumn<QByteArray>("invalidation"); // a request through the proxy, or "purge ..."
    QTest::addColumn<bool>("overtaken");
    QTest::newRow("POST to the key") << QByteArray("POST /r HTTP/1.1\r\nHost: test\r\n"
                                                   "Content-Length: 1\r\n\r\nx")
                                     << true;
    QTest::newRow("DELETE of the key")
        << QByteArray("DELETE /r HTTP/1.1\r\nHost: test\r\n\r\n") << true;
    QTest::newRow("purge of the key") << QByteArray("purge key") << true;
    QTest::newRow("purge of the service") << QByteArray("purge service") << true;
    QTest::newRow("purge of everything") << QByteArray("purge all") << true;
    QTest::newRow("POST to another key: stored")
        << QByteArray("POST /other HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx") << false;
    QTest::newRow("purge of a longer key: stored") << QByteArray("purge longer key") << false;
}

void TestProxyCache::fillOvertakenByInvalidation() {
    // A GET misses and goes upstream; while it is there, its key is invalidated (an unsafe
    // request, an operator's purge). The response it brings may be from before the change: it
    // is answered, not stored, and the next GET goes upstream again.
    QFETCH(QByteArray, invalidation);
    QFETCH(bool, overtaken);
    ManualClock clock;
    TestUpstream upstream;
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = QByteArray("HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                               "Content-Length: 3\r\n\r\nold");
    behaviour.held = true;
    upstream.setBehaviour(behaviour);
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    RawClient reader(proxy.server->port());
    reader.send(get());
    QTRY_COMPARE(upstream.heldRequests(), 1);

    behaviour.held = false; // what comes next is answered at once; the GET stays held
    upstream.setBehaviour(behaviour);
    const QByteArray key = ResponseCache::primaryKey("svc", [] {
        RequestHead head;
        head.method = "GET";
        head.target = "/r";
        head.headers.push_back({"Host", "test"});
        return head;
    }());
    QVERIFY(!key.isEmpty());
    if (invalidation == "purge key")
        proxy.cache->purgeKey(key);
    else if (invalidation == "purge longer key")
        proxy.cache->purgeKey(key + "x");
    else if (invalidation == "purge service")
        proxy.cache->purgePrefix("svc ");
    else if (invalidation == "purge all")
        proxy.cache->purgeAll();
    else {
        RawClient writer(proxy.server->port());
        QCOMPARE(writer.roundTrip(invalidation).status, 200);
    }

    upstream.releaseHeld();
    const RawResponse first = reader.read();
    QVERIFY(first.complete);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("old"));
    QCOMPARE(first.header("cache-status").contains("stored"), !overtaken);
    QCOMPARE(proxy.cache->totals(0).overtakenFills, std::uint64_t(overtaken ? 1 : 0));

    const int before = upstream.requestsReceived();
    RawClient again(proxy.server->port());
    const RawResponse second = again.roundTrip(get());
    QCOMPARE(second.status, 200);
    QCOMPARE(upstream.requestsReceived(), before + (overtaken ? 1 : 0));
    QVERIFY2(second.header("cache-status").contains(overtaken ? "fwd=uri-miss" : "hit"),
             second.header("cache-status"));
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

void TestProxyCache::agesWhileTheMachineSleeps_data() {
    QTest::addColumn<int>("asleep");
    QTest::addColumn<bool>("forwarded");
    QTest::newRow("asleep 30 s: still fresh, 30 s older") << 30 << false;
    QTest::newRow("asleep 2 h: stale, fetched again") << 7200 << true;
}

void TestProxyCache::agesWhileTheMachineSleeps() {
    // The monotonic clock stops while an operator's workstation sleeps; the wall clock does
    // not. A response stored before the sleep has aged by the time asleep, and the Date the
    // proxy writes is the wall time, not the monotonic time since start.
    QFETCH(int, asleep);
    QFETCH(bool, forwarded);
    ManualClock clock;
    TestUpstream upstream;
    answerFreshFor60s(upstream); // no Date: the cache dates it at receipt
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    const HttpTime stored = proxy.cache->wallNow();
    RawClient client(proxy.server->port());
    const RawResponse first = client.roundTrip(get());
    QCOMPARE(first.status, 200);
    QCOMPARE(first.header("date"), HttpDate::format(stored));
    QCOMPARE(upstream.requestsReceived(), 1);

    clock.suspend(std::chrono::seconds(asleep));
    QCOMPARE(proxy.cache->wallNow(), stored + std::chrono::seconds(asleep));
    const RawResponse second = client.roundTrip(get());
    QCOMPARE(second.status, 200);
    QCOMPARE(upstream.requestsReceived(), forwarded ? 2 : 1);
    if (forwarded) {
        // Fetched again now: dated now, not at the monotonic time (which did not move).
        QCOMPARE(second.header("date"), HttpDate::format(stored + std::chrono::seconds(asleep)));
        QVERIFY2(second.header("cache-status").contains("fwd=stale"),
                 second.header("cache-status"));
    } else {
        QCOMPARE(second.header("age"), QByteArray::number(asleep));
        QCOMPARE(second.header("date"), HttpDate::format(stored));
        QVERIFY2(second.header("cache-status").contains("hit"), second.header("cache-status"));
    }
}

void TestProxyCache::dateFollowsWallTime() {
    // A response the proxy writes itself (here: the upstream's, undated and not storable)
    // is dated by the worker from the wall clock.
    ManualClock clock;
    TestUpstream upstream;
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = undated("Cache-Control: no-store\r\n");
    upstream.setBehaviour(behaviour);
    Proxy proxy = start(upstream.port(), Policy::Default, clock);
    QVERIFY(proxy.server);
    const HttpTime start = proxy.cache->wallNow();
    RawClient client(proxy.server->port());
    QCOMPARE(client.roundTrip(get()).header("date"), HttpDate::format(start));
    clock.suspend(std::chrono::hours(9));
    clock.advance(2s);
    QCOMPARE(client.roundTrip(get()).header("date"),
             HttpDate::format(start + std::chrono::hours(9) + 2s));
    QCOMPARE(upstream.requestsReceived(), 2);
}

QTEST_GUILESS_MAIN(TestProxyCache)
#include "tst_proxy_cache.moc"
