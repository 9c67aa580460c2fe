#include <backend/config/proxy_config.h>
#include <backend/config/proxy_config_parser.h>

#include <QFile>
#include <QThread>

#include <algorithm>

namespace ToolCapture {

using std::chrono::seconds;

QString ListenAddress::toString() const {
    const QString address = host.protocol() == QAbstractSocket::IPv6Protocol
                                ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
                                : host.toString();
    return address + QLatin1Char(':') + QString::number(port);
}

int ProxyConfig::effectiveWorkers() const {
    return workers > 0 ? workers : std::max(1, QThread::idealThreadCount());
}

const CacheServiceConfig &CacheConfig::forService(const QString &name) const {
    const auto it = services.constFind(name);
    return it == services.cend() ? serviceDefaults : *it;
}

std::optional<ProxyConfig> profileDefaults(const QString &profile) {
    // Shared by both profiles; the struct initialisers hold the rest (limits, addresses, ...).
    ProxyConfig config;
    config.profile = profile;
    config.workers = 0;
    config.timeouts.headerRead = milliseconds(10000);
    config.timeouts.bodyRead = milliseconds(30000);
    config.timeouts.idleKeepAlive = milliseconds(60000);
    config.timeouts.drain = milliseconds(10000);
    config.pool.maxIdle = 20;
    config.pool.idleTimeout = milliseconds(30000);
    config.retry.baseDelay = milliseconds(50);
    config.retry.maxDelay = milliseconds(2000);
    config.retry.budget = 0.2;
    // Breaker and health checks as in the source documents, for both profiles: a breaker opens
    // after 5 consecutive failures (failure_threshold=5) for 30 s (recovery_timeout=30); health
    // checks every 10 s with a 3 s timeout (the Consul check). One example's production
    // settings write failure_threshold=10, next to other values the production profile does not
    // follow either (200 connections, 5 retries): it is a deployment's choice, not a default.
    config.breaker.consecutiveFailures = 5;
    config.breaker.openDuration = milliseconds(30000);
    config.health.interval = milliseconds(10000);
    config.health.timeout = milliseconds(3000);

    // The response cache: the same policy, coalescing and Redis bounds in both profiles (the
    // source documents' TTLs run from 60 s to 3600 s: the learned TTL's ceiling). Heuristic
    // freshness and learned TTLs are a service's opt-in in both: an API that forgot its
    // Cache-Control must not be served from the cache by default.
    config.cache.policy = QStringLiteral("w-tinylfu");
    config.cache.coalesceWait = milliseconds(5000);
    config.cache.redisTimeout = milliseconds(50);
    config.cache.serviceDefaults = CacheServiceConfig{};

    // The source documents give max_retries (2 and 3); an attempt count includes the first try.
    if (profile == QLatin1String("development")) {
        config.timeouts.connect = milliseconds(5000);
        config.timeouts.firstByte = milliseconds(30000);
        config.pool.maxConnections = 20;
        config.retry.maxAttempts = 2 + 1;
        config.logging.json = false;
        config.cache.maxBytes = qint64(64) << 20;
        config.cache.maxObjectBytes = qint64(1) << 20;
        // A developer sees an outage as it is, not hidden behind stale answers.
        config.cache.serviceDefaults.staleIfUnavailable = seconds(0);
    } else if (profile == QLatin1String("production")) {
        config.timeouts.connect = milliseconds(10000);
        config.timeouts.firstByte = milliseconds(60000);
        config.pool.maxConnections = 100;
        config.retry.maxAttempts = 3 + 1;
        config.logging.json = true; // one JSON object per line, for log collectors
        config.cache.maxBytes = qint64(256) << 20;
        config.cache.maxObjectBytes = qint64(4) << 20;
        // When every instance of a service is down, answers up to 5 minutes stale beat a 503
        // (RFC 9111 4.2.4 lets a disconnected cache serve stale; must-revalidate still forbids
        // it).
        config.cache.serviceDefaults.staleIfUnavailable = seconds(300);
    } else {
        return std::nullopt;
    }
    config.pool.maxIdle = std::min(config.pool.maxIdle, config.pool.maxConnections);
    return config;
}

ConfigLoadResult parseProxyConfig(const QByteArray &json) {
    return ProxyConfigParser().parse(json);
}

ConfigLoadResult loadProxyConfigFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ConfigLoadResult result;
        result.errors.push_back({path, QStringLiteral("cannot read: %1").arg(file.errorString())});
        return result;
    }
    ConfigLoadResult result = parseProxyConfig(file.readAll());
    // Whole-document errors name the file instead of "<document>".
    for (ConfigError &error : result.errors) {
        if (error.path == QLatin1String("<document>"))
            error.path = path;
    }
    return result;
}

} // namespace ToolCapture
