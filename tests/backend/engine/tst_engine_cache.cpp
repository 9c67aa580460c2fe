// The response cache as the Engine builds it from the configuration: each service's cache block
// (or the defaults) decides what is stored, the admin API lists and purges it, /metrics counts
// it, and cache.enabled false leaves the proxy without one.
#include <backend/engine/engine.h>
#include <backend/feed/feed_hub.h>
#include <tests/backend/httpserver/raw_http_client.h>
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

private:
    std::optional<RawHttpResponse> get(quint16 port, const QByteArray &target,
                                       QByteArrayView extra = {});
    std::optional<RawHttpResponse> admin(QByteArrayView method, const QByteArray &target);
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
                                                      const QByteArray &target) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(method.toByteArray() + ' ' + target +
                           " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " +
                           kAdminToken.toByteArray() + "\r\n\r\n");
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

QTEST_GUILESS_MAIN(TestEngineCache)
#include "tst_engine_cache.moc"
