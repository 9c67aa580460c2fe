// The response cache's admin endpoints (list, stats, purge) and its /metrics families, over real
// sockets: a proxy with a cache in front of a real upstream fills it, the admin server answers.
#include <backend/admin/admin_server.h>
#include <backend/admin/cache_api.h>
#include <backend/cache/response_cache.h>
#include <backend/routing/service_registry.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QSet>
#include <QTest>

#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

constexpr QByteArrayView kToken = "cache-t0ken-for-tests";

QByteArray bearer(QByteArrayView token = kToken) {
    return "Authorization: Bearer " + token.toByteArray() + "\r\n";
}

// What every upstream answer is: cacheable for a minute.
const QByteArray kCacheable = "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                              "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

// The value of the sample line starting with `prefix` ("name{labels}"), or NaN.
double sampleValue(const QByteArray &text, const QByteArray &prefix) {
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(prefix + ' '))
            return line.mid(prefix.size() + 1).toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace

class TestCacheApi : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void listsEntries();
    void agesWithTheClock();
    void pagesWithCursor();
    void serviceFilterPagesPastOtherServices();
    void filters_data();
    void filters();
    void badParameters_data();
    void badParameters();
    void needsToken_data();
    void needsToken();
    void purge_data();
    void purge();
    void purgedKeyGoesUpstreamAgain();
    void stats();
    void withoutCache_data();
    void withoutCache();
    void wrongMethod_data();
    void wrongMethod();
    void metrics_data();
    void metrics();
    void metricsWithoutCache();

private:
    // GET (or another method) on the admin server with the token unless `auth` says otherwise.
    std::optional<RawHttpResponse> admin(QByteArrayView method, QByteArrayView target,
                                         QByteArrayView auth = bearer());
    Json adminJson(QByteArrayView method, QByteArrayView target, int expectedStatus = 200);
    // GET target through the proxy; the response's Cache-Status.
    QByteArray fetch(QByteArrayView target);
    QSet<QString> listedKeys(QByteArrayView query = {});

    ManualClock m_clock;
    std::unique_ptr<TestUpstream> m_upstream;
    std::shared_ptr<ResponseCache> m_cache;
    std::unique_ptr<ProxyServer> m_proxy;
    std::unique_ptr<AdminServer> m_admin;
    CacheApi *m_api = nullptr; // child of m_admin
};

void TestCacheApi::init() {
    m_upstream = std::make_unique<TestUpstream>(
        TestUpstream::Behaviour{TestUpstream::Mode::Raw, kCacheable});
    ProxyConfig config = testConfig(2);
    config.listen.port = 0;
    config.services.push_back(makeService({"alpha", "/a/", {m_upstream->port()}}, config));
    config.services.push_back(makeService({"beta", "/b/", {m_upstream->port()}}, config));
    m_proxy = std::make_unique<ProxyServer>(config, m_clock);
    ResponseCache::Options options;
    options.shards = 2;
    options.workers = 2;
    options.serviceCapacity = 2;
    options.services = {ResponseCache::ServicePolicy{}, ResponseCache::ServicePolicy{}};
    m_cache = std::make_shared<ResponseCache>(options, m_clock);
    m_proxy->setResponseCache(m_cache);
    QVERIFY(m_proxy->listen());

    ProxyServer *proxy = m_proxy.get();
    const auto names = [proxy] {
        QStringList list;
        for (const ServiceEntry &service : proxy->registry().services())
            list.append(service.name);
        return list;
    };
    m_admin = std::make_unique<AdminServer>([this] {
        EngineSnapshot snapshot;
        snapshot.cache = m_api->snapshot();
        return snapshot;
    });
    m_api = new CacheApi({m_cache, names}, m_admin.get());
    // Through m_api: the tests without a cache replace it.
    m_admin->mount({&CacheApi::handles,
                    [this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        m_api->handle(request, responder);
                    },
                    true, true});
    m_admin->setToken(AdminToken::load(QString::fromLatin1(kToken.toByteArray()), {}));
    QString error;
    QVERIFY2(m_admin->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

    // Four entries: three of alpha, one of beta; /a/1 is then hit twice, /b/1 once.
    for (const char *target : {"/a/1", "/a/2", "/a/3", "/b/1"})
        QVERIFY(fetch(target).contains("stored"));
    for (const char *target : {"/a/1", "/a/1", "/b/1"})
        QVERIFY(fetch(target).contains("hit"));
    QCOMPARE(m_upstream->requestsReceived(), 4);
}

void TestCacheApi::cleanup() {
    m_admin.reset();
    m_proxy.reset();
    m_cache.reset();
    m_upstream.reset();
}

std::optional<RawHttpResponse> TestCacheApi::admin(QByteArrayView method, QByteArrayView target,
                                                   QByteArrayView auth) {
    RawHttpClient client;
    if (!client.connectTo(m_admin->port()))
        return std::nullopt;
    return client.exchange(method.toByteArray() + ' ' + target.toByteArray() +
                               " HTTP/1.1\r\nHost: admin\r\n" + auth.toByteArray() + "\r\n",
                           method == "HEAD");
}

Json TestCacheApi::adminJson(QByteArrayView method, QByteArrayView target, int expectedStatus) {
    const auto response = admin(method, target);
    if (!response)
        return Json();
    if (response->status != expectedStatus) {
        qWarning() << "status" << response->status << response->body;
        return Json();
    }
    return Json::parse(response->body.toStdString(), nullptr, false);
}

QByteArray TestCacheApi::fetch(QByteArrayView target) {
    RawClient client(m_proxy->port());
    const RawResponse response = client.roundTrip(simpleGet(target));
    return response.complete && response.status == 200 ? response.header("Cache-Status")
                                                       : QByteArray("failed");
}

QSet<QString> TestCacheApi::listedKeys(QByteArrayView query) {
    const Json body = adminJson("GET", "/api/v1/cache" + query.toByteArray());
    QSet<QString> keys;
    if (!body.is_object())
        return {QStringLiteral("no document")};
    for (const Json &entry : body.at("entries"))
        keys.insert(QString::fromStdString(entry.at("key").get<std::string>()));
    return keys;
}

void TestCacheApi::listsEntries() {
    const auto response = admin("GET", "/api/v1/cache");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(response->header("Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QVERIFY(body.at("next_cursor").is_null());
    const Json &entries = body.at("entries");
    QCOMPARE(entries.size(), size_t(4));
    QHash<QString, Json> byKey;
    for (const Json &entry : entries)
        byKey.insert(QString::fromStdString(entry.at("key").get<std::string>()), entry);
    const Json a1 = byKey.value(QStringLiteral("alpha http://test/a/1"));
    QVERIFY2(a1.is_object(), qPrintable(QStringList(byKey.keys()).join(QLatin1Char(','))));
    QCOMPARE(a1.at("service").get<std::string>(), "alpha");
    QCOMPARE(a1.at("status").get<int>(), 200);
    QVERIFY(a1.at("bytes").get<qint64>() >= 5);
    QCOMPARE(a1.at("ttl_source").get<std::string>(), "header");
    QCOMPARE(a1.at("hits").get<int>(), 2);
    QCOMPARE(a1.at("age_s").get<int>(), 0);
    QCOMPARE(a1.at("ttl_left_s").get<int>(), 60);
    const Json b1 = byKey.value(QStringLiteral("beta http://test/b/1"));
    QVERIFY(b1.is_object());
    QCOMPARE(b1.at("service").get<std::string>(), "beta");
    QCOMPARE(b1.at("hits").get<int>(), 1);
    QCOMPARE(byKey.value(QStringLiteral("alpha http://test/a/2")).at("hits").get<int>(), 0);
}

void TestCacheApi::agesWithTheClock() {
    m_clock.advance(75s);
    const Json body = adminJson("GET", "/api/v1/cache?prefix=alpha+http%3A%2F%2Ftest%2Fa%2F3");
    QVERIFY(body.is_object());
    QCOMPARE(body.at("entries").size(), size_t(1));
    const Json &entry = body.at("entries").at(0);
    QCOMPARE(entry.at("age_s").get<int>(), 75);
    QCOMPARE(entry.at("ttl_left_s").get<int>(), -15); // stale: kept, listed with what it owes
}

void TestCacheApi::pagesWithCursor() {
    QSet<QString> seen;
    QByteArray cursor;
    int pages = 0;
    do {
        const QByteArray query =
            "?limit=3" +
            (cursor.isEmpty() ? QByteArray() : "&cursor=" + QByteArray(cursor).toPercentEncoding());
        const Json body = adminJson("GET", "/api/v1/cache" + query);
        QVERIFY(body.is_object());
        QVERIFY(body.at("entries").size() <= 3);
        for (const Json &entry : body.at("entries")) {
            const QString key = QString::fromStdString(entry.at("key").get<std::string>());
            QVERIFY2(!seen.contains(key), qPrintable(key));
            seen.insert(key);
        }
        cursor = body.at("next_cursor").is_null()
                     ? QByteArray()
                     : QByteArray::fromStdString(body.at("next_cursor").get<std::string>());
        QVERIFY(++pages <= 4);
    } while (!cursor.isEmpty());
    QCOMPARE(pages, 2);
    QCOMPARE(seen.size(), 4);
}

// The services share one store: a page of `limit` keys of it may hold none of the service asked
// for; its next_cursor still leads on to them.
void TestCacheApi::serviceFilterPagesPastOtherServices() {
    QStringList keys;
    QByteArray cursor;
    int pages = 0;
    int emptyPages = 0;
    do {
        const QByteArray query =
            "?service=beta&limit=1" +
            (cursor.isEmpty() ? QByteArray() : "&cursor=" + cursor.toPercentEncoding());
        const Json body = adminJson("GET", "/api/v1/cache" + query);
        QVERIFY(body.is_object());
        emptyPages += body.at("entries").empty() ? 1 : 0;
        for (const Json &entry : body.at("entries"))
            keys.append(QString::fromStdString(entry.at("key").get<std::string>()));
        cursor = body.at("next_cursor").is_null()
                     ? QByteArray()
                     : QByteArray::fromStdString(body.at("next_cursor").get<std::string>());
        QVERIFY(++pages <= 6);
    } while (!cursor.isEmpty());
    QCOMPARE(keys, QStringList{"beta http://test/b/1"});
    QVERIFY(emptyPages >= 1); // alpha's three keys come first in key order
}

void TestCacheApi::filters_data() {
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QStringList>("keys");
    const QStringList alpha{"alpha http://test/a/1", "alpha http://test/a/2",
                            "alpha http://test/a/3"};
    QTest::newRow("service alpha") << QByteArray("?service=alpha") << alpha;
    QTest::newRow("service beta") << QByteArray("?service=beta")
                                  << QStringList{"beta http://test/b/1"};
    QTest::newRow("prefix of the key")
        << QByteArray("?prefix=alpha%20http://test/a/2") << QStringList{"alpha http://test/a/2"};
    QTest::newRow("service and prefix") << QByteArray("?service=alpha&prefix=alpha+http://test/a/")
                                        << QStringList(alpha.begin(), alpha.end());
    QTest::newRow("service and another service's prefix")
        << QByteArray("?service=beta&prefix=alpha") << QStringList();
    QTest::newRow("prefix matching nothing") << QByteArray("?prefix=gamma") << QStringList();
}

void TestCacheApi::filters() {
    QFETCH(QByteArray, query);
    QFETCH(QStringList, keys);
    QCOMPARE(listedKeys(query), QSet<QString>(keys.begin(), keys.end()));
}

void TestCacheApi::badParameters_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("pointer");
    QTest::newRow("limit 0") << QByteArray("GET") << QByteArray("/api/v1/cache?limit=0")
                             << QByteArray("?limit");
    QTest::newRow("limit too big")
        << QByteArray("GET") << QByteArray("/api/v1/cache?limit=1001") << QByteArray("?limit");
    QTest::newRow("limit not a number")
        << QByteArray("GET") << QByteArray("/api/v1/cache?limit=ten") << QByteArray("?limit");
    QTest::newRow("made-up cursor")
        << QByteArray("GET") << QByteArray("/api/v1/cache?cursor=abc") << QByteArray("?cursor");
    QTest::newRow("unknown service")
        << QByteArray("GET") << QByteArray("/api/v1/cache?service=gamma") << QByteArray("?service");
    QTest::newRow("unknown parameter")
        << QByteArray("GET") << QByteArray("/api/v1/cache?sort=age") << QByteArray("?sort");
    QTest::newRow("empty prefix") << QByteArray("GET") << QByteArray("/api/v1/cache?prefix=")
                                  << QByteArray("?prefix");
    QTest::newRow("purge: key and prefix")
        << QByteArray("DELETE") << QByteArray("/api/v1/cache?key=a&prefix=b")
        << QByteArray("?prefix");
    QTest::newRow("purge: empty key")
        << QByteArray("DELETE") << QByteArray("/api/v1/cache?key=") << QByteArray("?key");
    QTest::newRow("purge: unknown service")
        << QByteArray("DELETE") << QByteArray("/api/v1/cache?service=gamma")
        << QByteArray("?service");
    QTest::newRow("purge: unknown parameter")
        << QByteArray("DELETE") << QByteArray("/api/v1/cache?all=1") << QByteArray("?all");
    // Stats take no parameter: a filter the caller thinks applies is refused, not ignored.
    QTest::newRow("stats: a parameter")
        << QByteArray("GET") << QByteArray("/api/v1/cache/stats?service=alpha")
        << QByteArray("?service");
}

void TestCacheApi::badParameters() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, pointer);
    const auto response = admin(method, target);
    QVERIFY(response);
    QCOMPARE(response->status, 400);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("status").get<int>(), 400);
    QCOMPARE(QByteArray::fromStdString(body.at("errors").at(0).at("pointer").get<std::string>()),
             pointer);
    QCOMPARE(listedKeys().size(), 4); // nothing purged
}

void TestCacheApi::needsToken_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("auth");
    for (const char *method : {"GET", "DELETE"}) {
        const QByteArray m(method);
        QTest::addRow("%s without a token", method)
            << m << QByteArray("/api/v1/cache") << QByteArray();
        QTest::addRow("%s with a wrong token", method)
            << m << QByteArray("/api/v1/cache?prefix=alpha") << bearer("cache-t0ken-for-test");
    }
    QTest::newRow("stats without a token")
        << QByteArray("GET") << QByteArray("/api/v1/cache/stats") << QByteArray();
}

void TestCacheApi::needsToken() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, auth);
    const auto response = admin(method, target, auth);
    QVERIFY(response);
    QCOMPARE(response->status, 401);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QVERIFY(response->hasHeader("WWW-Authenticate"));
    QCOMPARE(listedKeys().size(), 4);
}

void TestCacheApi::purge_data() {
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("purged");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QStringList>("left");
    QTest::newRow("all") << QByteArray() << 4 << "all" << QStringList();
    QTest::newRow("one key") << QByteArray("?key=alpha%20http%3A%2F%2Ftest%2Fa%2F2") << 1 << "key"
                             << QStringList{"alpha http://test/a/1", "alpha http://test/a/3",
                                            "beta http://test/b/1"};
    QTest::newRow("a key not stored")
        << QByteArray("?key=alpha+http://test/a/9") << 0 << "key"
        << QStringList{"alpha http://test/a/1", "alpha http://test/a/2", "alpha http://test/a/3",
                       "beta http://test/b/1"};
    QTest::newRow("prefix") << QByteArray("?prefix=alpha+http://test/a/") << 3 << "prefix"
                            << QStringList{"beta http://test/b/1"};
    QTest::newRow("service") << QByteArray("?service=beta") << 1 << "service"
                             << QStringList{"alpha http://test/a/1", "alpha http://test/a/2",
                                            "alpha http://test/a/3"};
}

void TestCacheApi::purge() {
    QFETCH(QByteArray, query);
    QFETCH(int, purged);
    QFETCH(QString, scope);
    QFETCH(QStringList, left);
    const auto response = admin("DELETE", "/api/v1/cache" + query);
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("purged").get<int>(), purged);
    QCOMPARE(QString::fromStdString(body.at("scope").get<std::string>()), scope);
    QCOMPARE(listedKeys(), QSet<QString>(left.begin(), left.end()));
    // The store agrees with the listing.
    qint64 objects = 0;
    for (const CacheStore::Stats &store : m_cache->storeStats())
        objects += store.objects;
    QCOMPARE(objects, qint64(left.size()));
}

void TestCacheApi::purgedKeyGoesUpstreamAgain() {
    QVERIFY(adminJson("DELETE", "/api/v1/cache?key=beta+http://test/b/1").is_object());
    QVERIFY(fetch("/a/1").contains("hit"));
    QCOMPARE(m_upstream->requestsReceived(), 4);
    QVERIFY(fetch("/b/1").contains("stored"));
    QCOMPARE(m_upstream->requestsReceived(), 5);
}

void TestCacheApi::stats() {
    const Json body = adminJson("GET", "/api/v1/cache/stats");
    QVERIFY(body.is_object());
    QCOMPARE(body.at("enabled").get<bool>(), true);
    const Json &services = body.at("services");
    QCOMPARE(services.size(), size_t(2));
    const Json &alpha = services.at(0);
    QCOMPARE(alpha.at("service").get<std::string>(), "alpha");
    QCOMPARE(alpha.at("hits").get<int>(), 2);
    QCOMPARE(alpha.at("misses").get<int>(), 3);
    QCOMPARE(alpha.at("stores").get<int>(), 3);
    QCOMPARE(alpha.at("objects").get<int>(), 3);
    QVERIFY(alpha.at("bytes").get<qint64>() >= 15);
    QCOMPARE(alpha.at("hit_ratio").get<double>(), 2.0 / 5.0);
    const Json &beta = services.at(1);
    QCOMPARE(beta.at("service").get<std::string>(), "beta");
    QCOMPARE(beta.at("hits").get<int>(), 1);
    QCOMPARE(beta.at("misses").get<int>(), 1);
    QCOMPARE(beta.at("objects").get<int>(), 1);
    const Json &stores = body.at("stores");
    QCOMPARE(stores.size(), size_t(1)); // no service asked for a store of its own
    QCOMPARE(stores.at(0).at("objects").get<int>(), 4);
    QCOMPARE(stores.at(0).at("insertions").get<int>(), 4);
    QCOMPARE(stores.at(0).at("capacity_bytes").get<qint64>(), qint64(64) << 20);

    // A purge shows in the next document.
    QVERIFY(adminJson("DELETE", "/api/v1/cache?service=alpha").is_object());
    const Json after = adminJson("GET", "/api/v1/cache/stats");
    QCOMPARE(after.at("services").at(0).at("objects").get<int>(), 0);
    QCOMPARE(after.at("services").at(0).at("bytes").get<int>(), 0);
    QCOMPARE(after.at("services").at(1).at("objects").get<int>(), 1);
}

void TestCacheApi::withoutCache_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::newRow("list") << QByteArray("GET") << QByteArray("/api/v1/cache") << 404;
    QTest::newRow("purge") << QByteArray("DELETE") << QByteArray("/api/v1/cache") << 409;
    QTest::newRow("purge a key") << QByteArray("DELETE") << QByteArray("/api/v1/cache?key=x")
                                 << 409;
    QTest::newRow("bad parameter first")
        << QByteArray("GET") << QByteArray("/api/v1/cache?limit=0") << 400;
    QTest::newRow("stats") << QByteArray("GET") << QByteArray("/api/v1/cache/stats") << 200;
}

void TestCacheApi::withoutCache() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    delete m_api;
    m_api = new CacheApi({nullptr, [] { return QStringList{"alpha"}; }}, m_admin.get());
    const auto response = admin(method, target);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    const Json body = Json::parse(response->body.toStdString());
    if (status == 200) {
        QCOMPARE(body.at("enabled").get<bool>(), false);
        QVERIFY(body.at("services").empty());
    } else {
        QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
        QCOMPARE(body.at("status").get<int>(), status);
    }
    QCOMPARE(m_cache->storeStats().at(0).objects, qint64(4)); // the real cache was not touched
}

void TestCacheApi::wrongMethod_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("allow");
    QTest::newRow("POST list") << QByteArray("POST") << QByteArray("/api/v1/cache")
                               << QByteArray("GET, HEAD, DELETE");
    QTest::newRow("PUT list") << QByteArray("PUT") << QByteArray("/api/v1/cache")
                              << QByteArray("GET, HEAD, DELETE");
    QTest::newRow("DELETE stats") << QByteArray("DELETE") << QByteArray("/api/v1/cache/stats")
                                  << QByteArray("GET, HEAD");
}

void TestCacheApi::wrongMethod() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, allow);
    const auto response = admin(method, target);
    QVERIFY(response);
    QCOMPARE(response->status, 405);
    QCOMPARE(response->header("Allow"), allow);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(listedKeys().size(), 4);
}

void TestCacheApi::metrics_data() {
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<double>("value");
    QTest::newRow("alpha hits") << QByteArray(R"(toolcapture_cache_hits_total{service="alpha"})")
                                << 2.0;
    QTest::newRow("beta hits") << QByteArray(R"(toolcapture_cache_hits_total{service="beta"})")
                               << 1.0;
    QTest::newRow("alpha misses") << QByteArray(
                                         R"(toolcapture_cache_misses_total{service="alpha"})")
                                  << 3.0;
    QTest::newRow("alpha stores") << QByteArray(
                                         R"(toolcapture_cache_stores_total{service="alpha"})")
                                  << 3.0;
    QTest::newRow("alpha objects")
        << QByteArray(R"(toolcapture_cache_objects{service="alpha"})") << 3.0;
    QTest::newRow("beta objects") << QByteArray(R"(toolcapture_cache_objects{service="beta"})")
                                  << 1.0;
    QTest::newRow("stale served") << QByteArray(
                                         R"(toolcapture_cache_stale_served_total{service="alpha"})")
                                  << 0.0;
    QTest::newRow("revalidations")
        << QByteArray(R"(toolcapture_cache_revalidations_total{service="alpha"})") << 0.0;
    QTest::newRow("coalesced waits")
        << QByteArray(R"(toolcapture_cache_coalesced_waits_total{service="beta"})") << 0.0;
    QTest::newRow("evictions") << QByteArray(R"(toolcapture_cache_evictions_total{service="beta"})")
                               << 0.0;
    QTest::newRow("uncacheable") << QByteArray(
                                        R"(toolcapture_cache_uncacheable_total{service="beta"})")
                                 << 0.0;
}

void TestCacheApi::metrics() {
    QFETCH(QByteArray, sample);
    QFETCH(double, value);
    const auto response = admin("GET", "/metrics", {});
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(sampleValue(response->body, sample), value);
    QVERIFY(response->body.contains("# TYPE toolcapture_cache_bytes gauge"));
    QVERIFY(response->body.contains("# TYPE toolcapture_cache_hits_total counter"));
    QVERIFY(sampleValue(response->body, R"(toolcapture_cache_bytes{service="alpha"})") >= 15);
}

void TestCacheApi::metricsWithoutCache() {
    delete m_api;
    m_api = new CacheApi({nullptr, {}}, m_admin.get());
    const auto response = admin("GET", "/metrics", {});
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QVERIFY(!response->body.contains("toolcapture_cache_"));
}

QTEST_GUILESS_MAIN(TestCacheApi)
#include "tst_cache_api.moc"
