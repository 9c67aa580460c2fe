// The response cache as the Engine builds it from the configuration: each service's cache block
// (or the defaults) decides what is stored, the admin API lists and purges it, /metrics counts
// it, and cache.enabled false leaves the proxy without one.
#include <backend/cache/response_cache.h>
#include <backend/engine/engine.h>
#include <backend/feed/feed_hub.h>
#include <backend/redis/redis_client.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/redis_server.h>
#include <tests/support/test_upstream.h>

#include <QDateTime>
#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

constexpr int kTimeoutMs = 20000;
constexpr QByteArrayView kAdminToken = "cache-engine-test-admin-token";

QByteArray httpDate(const QDateTime &time) {
    return QLocale::c()
        .toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
        .toLatin1();
}

// The value of the sample line starting with `prefix` ("name{labels}"), or NaN.
double sampleValue(const QByteArray &text, const QByteArray &prefix) {
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(prefix + ' '))
            return line.mid(prefix.size() + 1).toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// A service of the test: its name, which upstream answers it, and its cache block (none: the
// defaults).
struct CachedService {
    const char *name;
    bool lastModifiedOnly; // the upstream gives Last-Modified and no freshness
    std::optional<CacheServiceConfig> cache;
};

CacheServiceConfig with(void (*change)(CacheServiceConfig &)) {
    CacheServiceConfig c;
    change(c);
    return c;
}

const std::vector<CachedService> kServices{
    {"plain", false, std::nullopt},
    {"off", false, with([](CacheServiceConfig &c) { c.enabled = false; })},
    {"small", false, with([](CacheServiceConfig &c) { c.maxObjectBytes = 3; })},
    {"heuristic", true, with([](CacheServiceConfig &c) { c.heuristics = true; })},
    {"noheuristic", true, std::nullopt},
    {"own", false, with([](CacheServiceConfig &c) { c.maxBytes = 1 << 20; })},
};

} // namespace

class TestEngineCache : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void servicePolicies_data();
    void servicePolicies();
    void adminListsWhatWasStored();
    void metricsAndFeedCountIt();
    void purgeThroughTheAdminApi();
    void cacheDisabled();
    void sharedTierBetweenTwoEngines();
    void purgeWaitsForTheSharedTier_data();
    void purgeWaitsForTheSharedTier();
    void operationsFollowTheConfiguredTemplates();

private:
    std::optional<RawHttpResponse> get(quint16 port, const QByteArray &target,
                                       QByteArrayView extra = {});
    std::optional<RawHttpResponse> admin(QByteArrayView method, const QByteArray &target,
                                         Engine *engine = nullptr);
    // The "plain" service's entry of GET /api/v1/cache/stats.
    Json plainStats(Engine &engine);
    static std::unique_ptr<Engine> startEngine(ProxyConfig config, QString *error);
    ProxyConfig baseConfig(const QString &dir) const;

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_fresh;
    std::unique_ptr<TestUpstream> m_lastModified;
    std::unique_ptr<Engine> m_engine;
};

ProxyConfig TestEngineCache::baseConfig(const QString &dir) const {
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 2;
    config.adminToken = QString::fromLatin1(kAdminToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = dir + QStringLiteral("/spool");
    config.capture.enabled = false;
    // For operationsFollowTheConfiguredTemplates: the operators' templates name the cache's
    // operations too.
    config.intelligence.pathTemplates.templates = {QStringLiteral("/plain/users/{name}")};
    int n = 0;
    for (const CachedService &s : kServices) {
        ServiceConfig service;
        service.name = QString::fromLatin1(s.name);
        service.match.pathPrefix = "/" + QByteArray(s.name) + "/";
        service.health.enabled = false;
        const TestUpstream *upstream = s.lastModifiedOnly ? m_lastModified.get() : m_fresh.get();
        InstanceConfig instance;
        instance.id = QStringLiteral("%1-%2").arg(QLatin1String(s.name)).arg(++n);
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = upstream->port();
        instance.url = QString::fromLatin1(upstream->url());
        service.instances.push_back(instance);
        config.services.push_back(service);
        if (s.cache)
            config.cache.services.insert(service.name, *s.cache);
    }
    return config;
}

std::unique_ptr<Engine> TestEngineCache::startEngine(ProxyConfig config, QString *error) {
    auto engine = std::make_unique<Engine>(std::move(config), Engine::Options{});
    if (!engine->start(error))
        return nullptr;
    return engine;
}

void TestEngineCache::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_fresh = std::make_unique<TestUpstream>(TestUpstream::Behaviour{
        TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\n"
                                 "Content-Length: 5\r\n\r\nhello"});
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_lastModified = std::make_unique<TestUpstream>(TestUpstream::Behaviour{
        TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nDate: " + httpDate(now) +
                                     "\r\nLast-Modified: " + httpDate(now.addDays(-30)) +
                                     "\r\nContent-Length: 5\r\n\r\nhello"});
    QString error;
    m_engine = startEngine(baseConfig(m_dir.path()), &error);
    QVERIFY2(m_engine, qPrintable(error));
}

void TestEngineCache::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

std::optional<RawHttpResponse> TestEngineCache::get(quint16 port, const QByteArray &target,
                                                    QByteArrayView extra) {
    RawHttpClient client;
    if (!client.connectTo(port))
        return std::nullopt;
    return client.exchange("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra.toByteArray() +
                           "\r\n");
}

std::optional<RawHttpResponse> TestEngineCache::admin(QByteArrayView method,
                                                      const QByteArray &target, Engine *engine) {
    RawHttpClient client;
    if (!client.connectTo((engine ? engine : m_engine.get())->adminPort()))
        return std::nullopt;
    return client.exchange(method.toByteArray() + ' ' + target +
                           " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " +
                           kAdminToken.toByteArray() + "\r\n\r\n");
}

Json TestEngineCache::plainStats(Engine &engine) {
    const auto response = admin("GET", "/api/v1/cache/stats", &engine);
    if (!response || response->status != 200)
        return Json::object();
    const Json body = Json::parse(response->body.toStdString(), nullptr, false);
    for (const Json &service : body.value("services", Json::array())) {
        if (service.at("service") == "plain")
            return service;
    }
    return Json::object();
}

void TestEngineCache::servicePolicies_data() {
    QTest::addColumn<QByteArray>("service");
    QTest::addColumn<bool>("cached");
    QTest::addColumn<QByteArray>("firstCacheStatus"); // contained in the first answer's
    QTest::newRow("defaults: max-age is stored")
        << QByteArray("plain") << true << QByteArray("stored");
    QTest::newRow("enabled false") << QByteArray("off") << false << QByteArray();
    QTest::newRow("max_object_bytes 3") << QByteArray("small") << false << QByteArray();
    QTest::newRow("heuristics allowed") << QByteArray("heuristic") << true << QByteArray("stored");
    QTest::newRow("heuristics by default not")
        << QByteArray("noheuristic") << false << QByteArray("fwd=");
    QTest::newRow("a store of its own") << QByteArray("own") << true << QByteArray("stored");
}

void TestEngineCache::servicePolicies() {
    QFETCH(QByteArray, service);
    QFETCH(bool, cached);
    QFETCH(QByteArray, firstCacheStatus);
    TestUpstream &upstream = service.contains("heuristic") ? *m_lastModified : *m_fresh;
    const QByteArray target = "/" + service + "/policy";
    const int before = upstream.requestsReceived();
    const auto first = get(m_engine->proxyPort(), target);
    QVERIFY(first);
    QCOMPARE(first->status, 200);
    QVERIFY2(first->header("Cache-Status").contains(firstCacheStatus),
             first->header("Cache-Status").constData());
    const auto second = get(m_engine->proxyPort(), target);
    QVERIFY(second);
    QCOMPARE(second->status, 200);
    QCOMPARE(second->body, QByteArray("hello"));
    QCOMPARE(upstream.requestsReceived() - before, cached ? 1 : 2);
    QCOMPARE(second->header("Cache-Status").contains("hit"), cached);
}

void TestEngineCache::adminListsWhatWasStored() {
    QVERIFY(get(m_engine->proxyPort(), "/plain/listed"));
    const auto response = admin("GET", "/api/v1/cache?service=plain&limit=1000");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const Json body = Json::parse(response->body.toStdString());
    bool found = false;
    for (const Json &entry : body.at("entries")) {
        QCOMPARE(entry.at("service").get<std::string>(), "plain");
        found = found || entry.at("key").get<std::string>() == "plain http://test/plain/listed";
    }
    QVERIFY(found);
    // The service that asked for its own store has one: two stores in all.
    const auto stats = admin("GET", "/api/v1/cache/stats");
    QVERIFY(stats);
    const Json document = Json::parse(stats->body.toStdString());
    QCOMPARE(document.at("stores").size(), size_t(2));
    QCOMPARE(document.at("stores").at(1).at("capacity_bytes").get<qint64>(), qint64(1) << 20);
    QCOMPARE(document.at("services").size(), kServices.size());
}

void TestEngineCache::metricsAndFeedCountIt() {
    QVERIFY(get(m_engine->proxyPort(), "/plain/counted"));
    QVERIFY(get(m_engine->proxyPort(), "/plain/counted"));
    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->adminPort()));
    const auto metrics = client.exchange("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(metrics);
    QVERIFY(sampleValue(metrics->body, R"(toolcapture_cache_hits_total{service="plain"})") >= 1);
    QVERIFY(sampleValue(metrics->body, R"(toolcapture_cache_objects{service="plain"})") >= 1);
    QCOMPARE(sampleValue(metrics->body, R"(toolcapture_cache_objects{service="off"})"), 0.0);

    // The feed's "cache" document says the same.
    QByteArray document;
    FeedHub *hub = m_engine->feedHub();
    const quint64 subscriber = hub->addSubscriber([&document](QList<FeedMessage> batch) {
        for (const FeedMessage &message : batch) {
            if (message.subject == QLatin1String("cache"))
                document = message.json;
        }
    });
    hub->setSubjects(subscriber, {QStringLiteral("cache")});
    QTRY_VERIFY_WITH_TIMEOUT(!document.isEmpty(), kTimeoutMs);
    hub->removeSubscriber(subscriber);
    const Json cache = Json::parse(document.toStdString());
    QCOMPARE(cache.at("enabled").get<bool>(), true);
    QCOMPARE(cache.at("services").at(0).at("service").get<std::string>(), "plain");
    QVERIFY(cache.at("services").at(0).at("hits").get<int>() >= 1);
}

void TestEngineCache::purgeThroughTheAdminApi() {
    QVERIFY(get(m_engine->proxyPort(), "/plain/purged"));
    const int before = m_fresh->requestsReceived();
    const auto purge = admin("DELETE", "/api/v1/cache?key=plain%20http://test/plain/purged");
    QVERIFY(purge);
    QCOMPARE(purge->status, 200);
    QCOMPARE(Json::parse(purge->body.toStdString()).at("purged").get<int>(), 1);
    const auto again = get(m_engine->proxyPort(), "/plain/purged");
    QVERIFY(again);
    QVERIFY(again->header("Cache-Status").contains("stored"));
    QCOMPARE(m_fresh->requestsReceived() - before, 1);
}

void TestEngineCache::cacheDisabled() {
    QTemporaryDir dir;
    ProxyConfig config = baseConfig(dir.path());
    config.cache.enabled = false;
    QString error;
    std::unique_ptr<Engine> engine = startEngine(config, &error);
    QVERIFY2(engine, qPrintable(error));
    const int before = m_fresh->requestsReceived();
    QVERIFY(get(engine->proxyPort(), "/plain/x"));
    QVERIFY(get(engine->proxyPort(), "/plain/x"));
    QCOMPARE(m_fresh->requestsReceived() - before, 2);
    RawHttpClient client;
    QVERIFY(client.connectTo(engine->adminPort()));
    const auto list = client.exchange("GET /api/v1/cache HTTP/1.1\r\nHost: a\r\nAuthorization: "
                                      "Bearer " +
                                      kAdminToken.toByteArray() + "\r\n\r\n");
    QVERIFY(list);
    QCOMPARE(list->status, 404);
    QCOMPARE(list->header("Content-Type"), QByteArray("application/problem+json"));
    QSignalSpy stopped(engine.get(), &Engine::stopped);
    engine->stop();
    QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
}

// cache.redis: a fill on one engine is a hit on another sharing the Redis, counted on /metrics;
// a purge through the admin API reaches Redis too.
void TestEngineCache::sharedTierBetweenTwoEngines() {
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    QTemporaryDir dirA;
    QTemporaryDir dirB;
    std::unique_ptr<Engine> engines[2];
    for (int i = 0; i < 2; ++i) {
        ProxyConfig config = baseConfig((i == 0 ? dirA : dirB).path());
        config.workers = 1; // one connection to Redis each: one miss says it is connected
        config.cache.redis = QStringLiteral("redis://127.0.0.1:%1").arg(redis.port());
        config.cache.redisHost = QStringLiteral("127.0.0.1");
        config.cache.redisPort = redis.port();
        config.cache.redisTimeout = std::chrono::milliseconds(500);
        QString error;
        engines[i] = startEngine(config, &error);
        QVERIFY2(engines[i], qPrintable(error));
    }
    Engine &a = *engines[0];
    Engine &b = *engines[1];
    // Each engine's worker has asked Redis and had an answer: it is connected.
    for (Engine *engine : {&a, &b}) {
        int n = 0;
        const QByteArray probe = engine == &a ? "/plain/probe-a-" : "/plain/probe-b-";
        QTRY_VERIFY_WITH_TIMEOUT(
            get(engine->proxyPort(), probe + QByteArray::number(++n)) &&
                plainStats(*engine).value("shared", Json::object()).value("misses", 0) > 0,
            10000);
    }
    QCOMPARE(plainStats(a).at("shared").at("errors").get<int>(), 0);
    const auto invalidation = [this](Engine &engine) {
        const auto document = admin("GET", "/api/v1/cache/stats", &engine);
        return document ? Json::parse(document->body.toStdString())
                              .at("shared_tier_status")
                              .value("invalidation", Json::object())
                        : Json::object();
    };
    for (Engine *engine : {&a, &b}) {
        QTRY_COMPARE_WITH_TIMEOUT(invalidation(*engine).value("state", std::string()),
                                  std::string("subscribed"), 10000);
    }

    RedisClient::Options options;
    options.port = redis.port();
    RedisClient client(options);
    QSignalSpy connected(&client, &RedisClient::connectedChanged);
    client.start();
    QVERIFY(client.isConnected() || connected.wait(5000));
    const auto inRedis = [&client](const QByteArray &key) {
        bool answered = false;
        bool found = false;
        client.get(ResponseCache::sharedKey(key),
                   [&](RedisClient::Status status, const QByteArray &value) {
                       answered = true;
                       found = status == RedisClient::Status::Ok && !value.isEmpty();
                   });
        return QTest::qWaitFor([&] { return answered; }, 5000) && found;
    };

    const int before = m_fresh->requestsReceived();
    const auto first = get(a.proxyPort(), "/plain/shared");
    QVERIFY(first && first->header("Cache-Status").contains("stored"));
    QCOMPARE(m_fresh->requestsReceived() - before, 1);
    QTRY_VERIFY_WITH_TIMEOUT(inRedis("plain http://test/plain/shared"), 5000); // written async

    const auto second = get(b.proxyPort(), "/plain/shared");
    QVERIFY(second);
    QCOMPARE(second->body, QByteArray("hello"));
    QVERIFY2(second->header("Cache-Status").contains("hit"), second->header("Cache-Status"));
    QCOMPARE(m_fresh->requestsReceived() - before, 1); // B never asked the upstream
    const Json stats = plainStats(b);
    QCOMPARE(stats.at("shared").at("hits").get<int>(), 1);
    const auto metrics = admin("GET", "/metrics", &b);
    QVERIFY(metrics);
    QCOMPARE(sampleValue(metrics->body,
                         R"(toolcapture_cache_shared_tier_total{service="plain",outcome="hit"})"),
             1.0);
    const auto document = admin("GET", "/api/v1/cache/stats", &b);
    QCOMPARE(Json::parse(document->body.toStdString()).at("shared_tier").get<bool>(), true);

    // A purge on A removes the key from Redis as well.
    const auto purge = admin("DELETE", "/api/v1/cache?key=plain+http://test/plain/shared", &a);
    QVERIFY(purge);
    QCOMPARE(purge->status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(!inRedis("plain http://test/plain/shared"), 5000);
    // ... and from B's memory: B applies A's message (and A ignores its own).
    QTRY_COMPARE_WITH_TIMEOUT(invalidation(b).value("applied", 0), 1, 5000);
    QVERIFY(invalidation(b).value("entries_dropped", 0) >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(invalidation(a).value("own", 0), 1, 5000);
    const auto afterPurge = get(b.proxyPort(), "/plain/shared");
    QVERIFY(afterPurge);
    QVERIFY2(!afterPurge->header("Cache-Status").contains("hit"),
             afterPurge->header("Cache-Status"));
    QCOMPARE(m_fresh->requestsReceived() - before, 2); // B went upstream

    for (Engine *engine : {&a, &b}) {
        QSignalSpy stopped(engine, &Engine::stopped);
        engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
}

void TestEngineCache::purgeWaitsForTheSharedTier_data() {
    QTest::addColumn<QByteArray>("query"); // of DELETE /api/v1/cache
    QTest::addColumn<QByteArray>("scope");
    QTest::addColumn<int>("purged"); // from memory, of the two entries filled
    QTest::newRow("key") << QByteArray("?key=plain+http://test/plain/purge-1") << QByteArray("key")
                         << 1;
    QTest::newRow("prefix") << QByteArray("?prefix=plain+http://test/plain/purge-")
                            << QByteArray("prefix") << 2;
    QTest::newRow("service") << QByteArray("?service=plain") << QByteArray("service") << 2;
    QTest::newRow("all") << QByteArray() << QByteArray("all") << 2;
}

// A purge through the admin API answers what the shared tier did: 200 with its count while
// Redis is up, a 503 problem saying only memory was purged while it is down (the purge used to
// be lost and answered 200). The stats, /metrics, /api/v1/status and /health show the shared
// tier's connections meanwhile.
void TestEngineCache::purgeWaitsForTheSharedTier() {
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, scope);
    QFETCH(int, purged);
    RedisServer redis;
    QVERIFY2(redis.start(), qPrintable(redis.error()));
    QTemporaryDir dir;
    ProxyConfig config = baseConfig(dir.path());
    config.cache.redis = QStringLiteral("redis://127.0.0.1:%1").arg(redis.port());
    config.cache.redisHost = QStringLiteral("127.0.0.1");
    config.cache.redisPort = redis.port();
    config.cache.redisTimeout = std::chrono::milliseconds(500);
    QString error;
    std::unique_ptr<Engine> engine = startEngine(config, &error);
    QVERIFY2(engine, qPrintable(error));
    const auto document = [&](const QByteArray &target) {
        const auto response = admin("GET", target, engine.get());
        return response && response->status < 500
                   ? Json::parse(response->body.toStdString(), nullptr, false)
                   : Json::object();
    };
    const auto sharedState = [&] {
        return document("/api/v1/cache/stats")
            .value("shared_tier_status", Json::object())
            .value("state", std::string());
    };
    QTRY_COMPARE_WITH_TIMEOUT(sharedState(), std::string("connected"), 10000);
    const auto invalidation = [&] {
        return document("/api/v1/cache/stats")
            .value("shared_tier_status", Json::object())
            .value("invalidation", Json::object());
    };
    // Subscribed to the other proxies' invalidations before anything is filled (a
    // subscription drops what was stored before it).
    QTRY_COMPARE_WITH_TIMEOUT(invalidation().value("state", std::string()),
                              std::string("subscribed"), 10000);
    const auto metrics = admin("GET", "/metrics", engine.get());
    QVERIFY(metrics);
    QCOMPARE(sampleValue(metrics->body, R"(toolcapture_redis_connections{state="connected"})"),
             2.0); // one per worker
    QCOMPARE(sampleValue(metrics->body, R"(toolcapture_redis_connects_total)"), 2.0);
    QCOMPARE(sampleValue(metrics->body, R"(toolcapture_redis_invalidation_subscribed)"), 1.0);
    QCOMPARE(document("/api/v1/status").at("cache").at("shared_tier").value("invalidation", ""),
             std::string("subscribed"));
    QCOMPARE(document("/api/v1/status").at("cache").at("shared_tier").value("state", ""),
             std::string("connected"));

    // Up: memory and Redis purged, both counted.
    for (const QByteArray path : {"/plain/purge-1", "/plain/purge-2"})
        QVERIFY(get(engine->proxyPort(), path));
    QTRY_COMPARE_WITH_TIMEOUT(
        document("/api/v1/cache/stats").at("shared_tier_status").at("writes").get<int>(), 2, 5000);
    auto purge = admin("DELETE", "/api/v1/cache" + query, engine.get());
    QVERIFY(purge);
    QCOMPARE(purge->status, 200);
    Json body = Json::parse(purge->body.toStdString());
    QCOMPARE(body.at("scope").get<std::string>(), scope.toStdString());
    QCOMPARE(body.at("purged").get<int>(), purged);
    QCOMPARE(body.at("shared_purged").get<int>(), purged);
    // Published to the other proxies after Redis purged; this proxy hears its own and ignores
    // it.
    QTRY_COMPARE_WITH_TIMEOUT(invalidation().value("published", 0), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(invalidation().value("own", 0), 1, 5000);
    QCOMPARE(invalidation().value("applied", -1), 0);
    const auto published = admin("GET", "/metrics", engine.get());
    QVERIFY(published);
    QCOMPARE(
        sampleValue(published->body, R"(toolcapture_redis_invalidations_total{outcome="own"})"),
        1.0);

    // Down: the purge reaches memory only, and says so.
    redis.kill();
    QTRY_COMPARE_WITH_TIMEOUT(sharedState(), std::string("down"), 10000);
    const Json stats = document("/api/v1/cache/stats").at("shared_tier_status");
    QVERIFY2(!stats.at("last_error").is_null(), stats.dump().c_str());
    QCOMPARE(stats.at("connected").get<int>(), 0);
    QCOMPARE(document("/api/v1/status").at("cache").at("shared_tier").value("state", ""),
             std::string("down"));
    const auto health = admin("GET", "/health", engine.get());
    QVERIFY(health);
    QCOMPARE(health->status, 200); // reported, not a reason to leave the load balancer
    const Json healthPart = Json::parse(health->body.toStdString()).at("cache_shared_tier");
    QCOMPARE(healthPart.value("status", ""), std::string("down"));
    // The subscriber notices by itself (its connection closes).
    QTRY_COMPARE_WITH_TIMEOUT(invalidation().value("state", std::string()), std::string("down"),
                              10000);
    QCOMPARE(invalidation().value("outages", 0), 1);
    QCOMPARE(document("/api/v1/status").at("cache").at("shared_tier").value("invalidation", ""),
             std::string("down"));
    const auto healthDown = admin("GET", "/health", engine.get());
    QVERIFY(healthDown);
    QCOMPARE(healthDown->status, 200);
    const Json healthInvalidation =
        Json::parse(healthDown->body.toStdString()).at("cache_shared_tier");
    QCOMPARE(healthInvalidation.value("invalidation", ""), std::string("down"));
    QVERIFY2(healthInvalidation.contains("invalidation_warning"),
             healthInvalidation.dump().c_str());
    const auto down = admin("GET", "/metrics", engine.get());
    QVERIFY(down);
    QCOMPARE(sampleValue(down->body, R"(toolcapture_redis_connections{state="down"})"), 2.0);
    QCOMPARE(sampleValue(down->body, R"(toolcapture_redis_invalidation_subscribed)"), 0.0);
    QCOMPARE(sampleValue(down->body, R"(toolcapture_redis_invalidation_outages_total)"), 1.0);
    QVERIFY(sampleValue(down->body, R"(toolcapture_redis_commands_total{outcome="write"})") >= 2);

    for (const QByteArray path : {"/plain/purge-1", "/plain/purge-2"})
        QVERIFY(get(engine->proxyPort(), path));
    purge = admin("DELETE", "/api/v1/cache" + query, engine.get());
    QVERIFY(purge);
    QCOMPARE(purge->status, 503);
    QCOMPARE(purge->header("Content-Type"), QByteArray("application/problem+json"));
    body = Json::parse(purge->body.toStdString());
    QCOMPARE(body.at("status").get<int>(), 503);
    QVERIFY2(body.at("detail").get<std::string>().find("not those in the shared tier") !=
                 std::string::npos,
             body.dump().c_str());
    QCOMPARE(body.at("scope").get<std::string>(), scope.toStdString());
    QCOMPARE(body.at("purged").get<int>(), purged);
    QVERIFY(body.at("shared_purged").is_null());
    QVERIFY2(body.at("shared_error").get<std::string>().rfind("down", 0) == 0, body.dump().c_str());

    QSignalSpy stopped(engine.get(), &Engine::stopped);
    engine->stop();
    QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
}

// The TTL advisor learns per operation as the analyser names them: an operator's template
// (intelligence.path_templates) reaches the engine's response cache.
void TestEngineCache::operationsFollowTheConfiguredTemplates() {
    const ResponseCache *cache = m_engine->responseCache();
    QVERIFY(cache);
    QVERIFY(cache->operationTemplates());
    RequestHead request;
    request.method = "GET";
    request.target = "/plain/users/alice";
    QCOMPARE(ResponseCache::operationOf("plain", request, cache->operationTemplates()),
             QByteArray("plain GET /plain/users/{name}"));
}

QTEST_GUILESS_MAIN(TestEngineCache)
#include "tst_engine_cache.moc"
