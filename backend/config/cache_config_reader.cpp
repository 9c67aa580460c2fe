#include <backend/config/cache_config_reader.h>
#include <backend/config/config_syntax.h>

#include <algorithm>
#include <array>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;
using std::chrono::seconds;

constexpr qint64 kMaxBytes = qint64(1) << 40;         // 1 TiB
constexpr qint64 kMaxRedisTimeoutMs = 60 * 1000;      // a worker never waits longer on Redis
constexpr qint64 kMaxTtlSeconds = 365 * 24 * 60 * 60; // one year (RFC 9111 allows 2^31 s)

constexpr std::array kCacheKeys{"enabled"sv,          "max_bytes"sv,        "max_object_bytes"sv,
                                "policy"sv,           "coalesce_wait_ms"sv, "redis"sv,
                                "redis_timeout_ms"sv, "service_defaults"sv};
constexpr std::array kServiceCacheKeys{
    "enabled"sv,          "heuristics"sv,        "heuristic_fraction"sv, "heuristic_max_s"sv,
    "learn_ttl"sv,        "learned_ttl_min_s"sv, "learned_ttl_max_s"sv,  "stale_if_unavailable_s"sv,
    "max_object_bytes"sv, "max_bytes"sv};
constexpr std::array kPolicies{"w-tinylfu"sv, "lru"sv};

bool wrote(const std::vector<std::string_view> &written, std::string_view key) {
    return std::find(written.begin(), written.end(), key) != written.end();
}

} // namespace

void CacheConfigReader::reportRule(const QString &path, const WrittenKeys &written,
                                   std::initializer_list<Culprit> culprits) {
    for (const Culprit &culprit : culprits) {
        if (wrote(written, culprit.key)) {
            m_reader.error(ConfigReader::memberPath(path, culprit.key), culprit.message);
            return;
        }
    }
}

void CacheConfigReader::readCache(const QString &path, const ConfigJson &value,
                                  CacheConfig &cache) {
    const std::size_t errorsBefore = m_reader.errorCount();
    WrittenKeys written;
    const ConfigJson *defaults = nullptr;
    QString defaultsPath;
    m_reader.forEachMember(
        path, value, kCacheKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            written.push_back(key);
            if (key == "enabled") {
                if (const auto on = m_reader.readBool(p, v))
                    cache.enabled = *on;
            } else if (key == "max_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxBytes))
                    cache.maxBytes = *n;
            } else if (key == "max_object_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxBytes))
                    cache.maxObjectBytes = *n;
            } else if (key == "policy") {
                const auto name = m_reader.readString(p, v);
                if (!name)
                    return;
                if (std::find(kPolicies.begin(), kPolicies.end(), name->toStdString()) !=
                    kPolicies.end()) {
                    cache.policy = *name;
                } else {
                    m_reader.error(p, QStringLiteral("unknown policy %1 (expected \"w-tinylfu\" "
                                                     "or \"lru\")")
                                          .arg(ConfigReader::quoted(*name)));
                }
            } else if (key == "coalesce_wait_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, ConfigReader::kMaxDayMs))
                    cache.coalesceWait = *ms;
            } else if (key == "redis") {
                readRedis(p, v, cache);
            } else if (key == "redis_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxRedisTimeoutMs))
                    cache.redisTimeout = *ms;
            } else if (key == "service_defaults") {
                defaults = &v; // read last: its sizes are checked against the global ones
                defaultsPath = p;
            }
        });
    if (m_reader.errorCount() == errorsBefore && cache.maxObjectBytes > cache.maxBytes) {
        if (wrote(written, "max_object_bytes")) {
            m_reader.error(ConfigReader::memberPath(path, "max_object_bytes"),
                           QStringLiteral("must not exceed max_bytes (%1), got %2")
                               .arg(cache.maxBytes)
                               .arg(cache.maxObjectBytes));
        } else {
            cache.maxObjectBytes = cache.maxBytes; // an inherited object limit shrinks
        }
    }
    if (!defaults)
        return;
    const bool globalClean = m_reader.errorCount() == errorsBefore;
    const std::size_t defaultsErrorsBefore = m_reader.errorCount();
    WrittenKeys defaultsWritten;
    readServiceKeys(defaultsPath, *defaults, cache.serviceDefaults, defaultsWritten);
    // Its sizes are checked against the global ones only when those were read without error.
    if (m_reader.errorCount() == defaultsErrorsBefore)
        checkServiceRules(defaultsPath, defaultsWritten, cache, cache.serviceDefaults, globalClean);
}

void CacheConfigReader::readServiceCache(const QString &path, const ConfigJson &value,
                                         const CacheConfig &global, CacheServiceConfig &service) {
    const std::size_t errorsBefore = m_reader.errorCount();
    WrittenKeys written;
    readServiceKeys(path, value, service, written);
    if (m_reader.errorCount() == errorsBefore)
        checkServiceRules(path, written, global, service, true);
}

void CacheConfigReader::readServiceKeys(const QString &path, const ConfigJson &value,
                                        CacheServiceConfig &service, WrittenKeys &written) {
    m_reader.forEachMember(path, value, kServiceCacheKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               written.push_back(key);
                               if (key == "enabled") {
                                   if (const auto on = m_reader.readBool(p, v))
                                       service.enabled = *on;
                               } else if (key == "heuristics") {
                                   if (const auto on = m_reader.readBool(p, v))
                                       service.heuristics = *on;
                               } else if (key == "heuristic_fraction") {
                                   const auto fraction = m_reader.readNumber(p, v, 0.0, 1.0);
                                   if (fraction && *fraction == 0.0)
                                       m_reader.error(
                                           p, QStringLiteral("must be greater than 0, got 0 (turn "
                                                             "heuristics off instead)"));
                                   else if (fraction)
                                       service.heuristicFraction = *fraction;
                               } else if (key == "heuristic_max_s") {
                                   if (const auto s = m_reader.readInteger(p, v, 1, kMaxTtlSeconds))
                                       service.heuristicMax = seconds(*s);
                               } else if (key == "learn_ttl") {
                                   if (const auto on = m_reader.readBool(p, v))
                                       service.learnTtl = *on;
                               } else if (key == "learned_ttl_min_s") {
                                   if (const auto s = m_reader.readInteger(p, v, 1, kMaxTtlSeconds))
                                       service.learnedTtlMin = seconds(*s);
                               } else if (key == "learned_ttl_max_s") {
                                   if (const auto s = m_reader.readInteger(p, v, 1, kMaxTtlSeconds))
                                       service.learnedTtlMax = seconds(*s);
                               } else if (key == "stale_if_unavailable_s") {
                                   if (const auto s = m_reader.readInteger(p, v, 0, kMaxTtlSeconds))
                                       service.staleIfUnavailable = seconds(*s);
                               } else if (key == "max_object_bytes") {
                                   if (const auto n = m_reader.readInteger(p, v, 0, kMaxBytes))
                                       service.maxObjectBytes = *n;
                               } else if (key == "max_bytes") {
                                   if (const auto n = m_reader.readInteger(p, v, 0, kMaxBytes))
                                       service.maxBytes = *n;
                               }
                           });
}

void CacheConfigReader::checkServiceRules(const QString &path, const WrittenKeys &written,
                                          const CacheConfig &global, CacheServiceConfig &service,
                                          bool checkSizes) {
    if (service.learnTtl && !service.heuristics) {
        if (wrote(written, "learn_ttl")) {
            m_reader.error(ConfigReader::memberPath(path, "learn_ttl"),
                           QStringLiteral("needs heuristics (learned TTLs apply only where "
                                          "heuristic freshness is allowed)"));
        } else {
            service.learnTtl = false; // turning heuristics off turns the TTL advisor off
        }
    }
    if (service.learnedTtlMin > service.learnedTtlMax) {
        reportRule(path, written,
                   {{"learned_ttl_min_s", QStringLiteral("must not exceed learned_ttl_max_s "
                                                         "(%1), got %2")
                                              .arg(service.learnedTtlMax.count())
                                              .arg(service.learnedTtlMin.count())},
                    {"learned_ttl_max_s", QStringLiteral("must not be less than "
                                                         "learned_ttl_min_s (%1), got %2")
                                              .arg(service.learnedTtlMin.count())
                                              .arg(service.learnedTtlMax.count())}});
    }
    if (!checkSizes)
        return;
    const bool ownStore = service.maxBytes > 0;
    const qint64 storeBytes = ownStore ? service.maxBytes : global.maxBytes;
    const qint64 objectBytes =
        service.maxObjectBytes > 0 ? service.maxObjectBytes : global.maxObjectBytes;
    if (objectBytes <= storeBytes)
        return;
    if (wrote(written, "max_object_bytes") && service.maxObjectBytes > 0) {
        m_reader.error(
            ConfigReader::memberPath(path, "max_object_bytes"),
            QStringLiteral("must not exceed %1 (%2), got %3")
                .arg(ownStore ? QStringLiteral("max_bytes") : QStringLiteral("cache.max_bytes"))
                .arg(storeBytes)
                .arg(objectBytes));
    } else {
        service.maxObjectBytes = storeBytes; // an inherited object limit shrinks with the store
    }
}

void CacheConfigReader::readRedis(const QString &path, const ConfigJson &value,
                                  CacheConfig &cache) {
    const auto url = m_reader.readString(path, value);
    if (!url)
        return;
    if (url->isEmpty()) { // no shared tier, as when left out
        cache.redis.clear();
        cache.redisHost.clear();
        cache.redisPort = 0;
        cache.redisDatabase = 0;
        cache.redisPassword.clear();
        return;
    }
    RedisAddress address;
    const QString error = parseRedisUrl(*url, address);
    if (!error.isEmpty()) {
        m_reader.error(path, error);
        return;
    }
    cache.redis = *url;
    cache.redisHost = address.host;
    cache.redisPort = address.port;
    cache.redisDatabase = address.database;
    cache.redisPassword = address.password;
}

} // namespace ToolCapture
