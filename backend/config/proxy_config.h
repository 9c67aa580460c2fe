#pragma once

#include <backend/config/cloud_events_mode.h>

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace ToolCapture {

using std::chrono::milliseconds;

// A listening address; servers bind loopback unless told otherwise.
struct ListenAddress {
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0; // 0: any free port
    QString toString() const;
};

// One upstream instance of a service.
struct InstanceConfig {
    QString id;        // unique across the whole configuration
    QString url;       // as written, "http://127.0.0.1:9101"
    QString host;      // from url
    quint16 port = 80; // from url
    QStringList capabilities;
};

// How requests are matched to a service. A request also matches a service whose name equals
// its X-Target-Service header. Precedence: X-Target-Service, then Host, then longest prefix.
struct MatchConfig {
    QByteArray pathPrefix;    // e.g. "/inventory/"; empty: none
    QByteArray host;          // e.g. "inventory.local" (compared without port); empty: none
    bool stripPrefix = false; // remove pathPrefix before forwarding
};

// Upstream connection pool limits, per instance.
struct PoolConfig {
    int maxConnections = 100;
    int maxIdle = 20;
    milliseconds idleTimeout{30000};
};

// Timeouts of the data path.
struct TimeoutConfig {
    milliseconds connect{5000};        // upstream TCP connect, 504 beyond
    milliseconds firstByte{30000};     // request sent to first response byte, 504 beyond
    milliseconds headerRead{10000};    // client: first byte of a request to end of its head, 408
    milliseconds bodyRead{30000};      // client: longest pause while sending a body, 408
    milliseconds idleKeepAlive{60000}; // client: idle between requests, then closed
    milliseconds tunnelIdle{3600000};  // WebSocket tunnel: no byte either way, then closed
    milliseconds drain{10000};         // graceful shutdown: in-flight requests get this long
};

// Size limits of the data path.
struct LimitsConfig {
    qsizetype maxRequestLine = 8 * 1024;
    qsizetype maxHeaderBytes = 32 * 1024;
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = qint64(1) << 30; // 413 beyond; 0: unlimited
};

// Retry policy (applied by the resilience layer).
struct RetryConfig {
    int maxAttempts = 3;
    milliseconds baseDelay{50};
    milliseconds maxDelay{2000};
    double budget = 0.2;             // retries at most this share of the service's active requests
    int minRetryConcurrency = 3;     // retries always allowed up to this many at once
    milliseconds perTryTimeout{0};   // 0: the first-byte timeout
    bool retryInternalError = false; // also retry an upstream 500 (502/503/504 always are)
};

// Circuit breaker settings, per instance of a service.
struct BreakerConfig {
    enum class Window { Count, Time };
    Window window = Window::Count;
    int windowSize = 20;                  // calls (Count)
    milliseconds windowDuration{10000};   // (Time)
    int minimumCalls = 10;                // rates count only from this many calls in the window
    double failureRate = 0.5;             // trip at or above (the adaptive base)
    double slowCallRate = 1.0;            // trip at or above; 1.0 with slow calls off is "never"
    milliseconds slowCallDuration{2000};  // a call taking longer is slow
    int consecutiveFailures = 5;          // hard limit
    milliseconds openDuration{30000};     // first open period
    double openBackoff = 2.0;             // each consecutive trip multiplies the open period
    milliseconds maxOpenDuration{300000}; // cap
    int halfOpenProbes = 3;               // admitted in half-open; that many successes close
    milliseconds probeTimeout{5000};      // a probe still unanswered then counts as failed
    bool adaptive = true;                 // move failureRate with the instance's baseline
    double adaptiveMin = 0.2;             // bounds of the threshold in force
    double adaptiveMax = 0.8;
    // What counts as a failure (429 never does: it is overload).
    bool connectErrorIsFailure = true;
    bool resetIsFailure = true;
    bool timeoutIsFailure = true;
    bool status5xxIsFailure = true;
};

// Concurrency limits per instance.
struct BulkheadConfig {
    int maxActive = 100; // requests in flight on one instance
    int maxPending = 50; // requests waiting for a slot; beyond: another instance or 503
};

// Token bucket per service; 0 requests per second: unlimited.
struct RateLimitConfig {
    double requestsPerSecond = 0;
    int burst = 0; // bucket size; 0: one second's worth
};

// Active health checks per instance.
struct HealthConfig {
    QByteArray path = "/health";
    milliseconds interval{10000};
    milliseconds timeout{3000};
    int rise = 2;                  // consecutive passes to become healthy
    int fall = 3;                  // consecutive failures to become unhealthy
    milliseconds slowStart{30000}; // a returning instance's share ramps up over this long
    bool enabled = true;
    // The check is a WebSocket opening handshake (RFC 6455 section 4): it passes on a 101 whose
    // Sec-WebSocket-Accept answers its key, for instances that speak nothing else at `path`.
    bool websocket = false;
};

// Passive outlier detection from live traffic (Envoy's outlier detection, simplified).
struct OutlierConfig {
    int consecutiveFailures = 5;
    double successRateStdevFactor = 1.9; // eject below mean - factor * stdev of the service
    int successRateMinimumHosts = 3;
    int successRateRequestVolume = 50; // per interval, per instance
    milliseconds interval{10000};
    milliseconds baseEjection{30000};
    double maxEjectionPercent = 0.5;
};

// Weights of the routing score; they need not sum to 1 (they are normalised).
struct RoutingConfig {
    double latencyWeight = 0.3;
    double reliabilityWeight = 0.3;
    double loadWeight = 0.2;
    double compatibilityWeight = 0.2;
    int capacity = 100; // active requests an instance takes at full load (for the load score)
    // How fast an instance's peak-EWMA latency forgets a slow past: after it speeds up, its
    // share of traffic recovers over a few of these.
    milliseconds latencyDecay{10000};
    milliseconds reliabilityWindow{10000}; // success rate over about this long
};

struct ServiceConfig {
    QString name;
    MatchConfig match;
    std::vector<InstanceConfig> instances;
    PoolConfig pool;        // the global pool settings unless the service overrides them
    TimeoutConfig timeouts; // the global timeouts unless the service overrides connect/firstByte
    RetryConfig retry;
    BreakerConfig breaker;
    BulkheadConfig bulkhead;
    RateLimitConfig rateLimit;
    HealthConfig health;
    OutlierConfig outlier;
    RoutingConfig routing;
};

struct KafkaConfig {
    // "embedded": librdkafka's in-process mock cluster; otherwise "host:port,host:port".
    QString brokers = QStringLiteral("embedded");
    int embeddedBrokers = 1; // brokers of the embedded cluster
    int partitions = 3;      // per topic, when ToolCapture creates the topics
    QString spoolDir;        // empty: <AppDataLocation>/spool
    qint64 spoolMaxBytes = qint64(1) << 30;
    milliseconds messageTimeout{15000}; // undelivered this long: the event goes to the spool
    milliseconds linger{5};             // producer batching (linger.ms)
    QString compression = QStringLiteral("lz4"); // none, gzip, snappy, lz4, zstd
    // CloudEvents content mode of every message (docs/events.md): structured (the whole event
    // as the value, one header) or binary (the attributes as headers, the data as the value).
    CloudEventsMode contentMode = CloudEventsMode::Structured;
    int queueMaxMessages = 200000; // librdkafka's local queue; beyond it: the spool
};

// How much of a service's traffic is captured: each exchange with probability sampleRate,
// decided from its correlation id (so every proxy, and a replay, decides the same), and of
// those the bodies with probability bodySampleRate (decided the same way, independently).
struct CaptureSampling {
    double sampleRate = 1.0;
    double bodySampleRate = 1.0;

    bool operator==(const CaptureSampling &) const = default;
};

struct CaptureConfig {
    bool enabled = true;
    CaptureSampling sampling; // every service without its own
    // services.<name>.capture: the services that set their own (the rest use `sampling`).
    QHash<QString, CaptureSampling> serviceSampling;
    // Header fields kept in captures and events (case-insensitive names). Authorization,
    // Proxy-Authorization, Cookie and Set-Cookie are redacted even when listed.
    QStringList headers = {
        QStringLiteral("accept"),           QStringLiteral("accept-version"),
        QStringLiteral("cache-control"),    QStringLiteral("content-length"),
        QStringLiteral("content-type"),     QStringLiteral("etag"),
        QStringLiteral("if-none-match"),    QStringLiteral("idempotency-key"),
        QStringLiteral("traceparent"),      QStringLiteral("user-agent"),
        QStringLiteral("x-correlation-id"), QStringLiteral("x-require-capability"),
        QStringLiteral("x-session-id"),     QStringLiteral("x-target-service"),
        QStringLiteral("x-user-context"),   QStringLiteral("authorization"),
        QStringLiteral("cookie"),           QStringLiteral("set-cookie")};
    qint64 maxBodyBytes = qint64(1) << 20;          // request bodies kept for replay
    qint64 maxResponseBodyBytes = qint64(64) << 10; // response bodies kept for replay diffs
    QString storePath;                              // empty: <AppDataLocation>/captures.sqlite
    qint64 storeMaxBytes = qint64(1) << 30;
    qint64 storeMaxRecords = 2000000;
    int queueCapacity = 65536; // exchanges waiting for the capture thread, all workers
};

// What a service allows its responses' cache to do (services.<name>.cache, defaults in
// cache.service_defaults).
struct CacheServiceConfig {
    // false: this service's responses are never stored or served from the cache.
    bool enabled = true;
    // RFC 9111 4.2.2 heuristic freshness (a fraction of Date - Last-Modified) allowed.
    bool heuristics = false;
    double heuristicFraction = 0.1; // of (Date - Last-Modified)
    std::chrono::seconds heuristicMax{86400};
    // Learned TTLs (the TTL advisor) only where heuristics are allowed; bounds of what it may
    // choose.
    bool learnTtl = false;
    std::chrono::seconds learnedTtlMin{1};
    std::chrono::seconds learnedTtlMax{3600};
    // How stale an entry may be and still be served when no instance of the service can take
    // the request (breakers open, none healthy); 0: never.
    std::chrono::seconds staleIfUnavailable{0};
    qint64 maxObjectBytes = 0; // 0: the global cache.max_object_bytes
    // >0: the service gets its own store of this size instead of sharing the global one.
    qint64 maxBytes = 0;

    bool operator==(const CacheServiceConfig &) const = default;
};

// The response cache: the shared in-memory store, its policy, request coalescing, the optional
// Redis tier, and what each service allows.
struct CacheConfig {
    bool enabled = true;
    qint64 maxBytes = qint64(64) << 20;
    qint64 maxObjectBytes = qint64(1) << 20;
    QString policy = QStringLiteral("w-tinylfu"); // or "lru"
    // Concurrent misses wait this long for the first one's response, then go upstream
    // themselves.
    std::chrono::milliseconds coalesceWait{5000};
    QString redis; // empty: no shared tier; else redis://HOST:PORT[/DB]
    std::chrono::milliseconds redisTimeout{50};
    // Taken from redis when it is set, for RedisClient::Options (empty host: no shared tier).
    QString redisHost; // an IP address ("localhost" is 127.0.0.1), IPv6 without brackets
    quint16 redisPort = 0;
    int redisDatabase = 0;              // SELECT when not 0
    QByteArray redisPassword;           // AUTH when not empty (from redis://:PASSWORD@HOST:PORT)
    CacheServiceConfig serviceDefaults; // cache.service_defaults
    // services.<name>.cache, each merged over serviceDefaults; only the services that write one.
    QHash<QString, CacheServiceConfig> services;

    // The service's own or the defaults.
    const CacheServiceConfig &forService(const QString &name) const;
};

struct HooksConfig {
    QStringList apiKeys;                     // X-API-Key values accepted; none: hooks refused
    qint64 maxBodyBytes = qint64(256) << 10; // per hook request
    milliseconds pendingTimeout{600000};     // a pre hook waits this long for its post
};

struct LoggingConfig {
    bool json = false;
    // Debug messages of ToolCapture's categories too (librdkafka's own log among them); off,
    // only info and above are written. --verbose sets it; QT_LOGGING_RULES overrides both.
    bool debug = false;
};

// Room reserved at start for instances and services registered while running (lifecycle
// hooks): the data path never reallocates, so this is a hard limit.
struct RegistryConfig {
    int maxDynamicInstances = 64; // across all services; a drained slot is not reused
    int maxDynamicServices = 16;  // services not in the configuration
};

// Operators' operation templates for the analyser (intelligence.path_templates), for every
// service or for one: templates such as "/items/{sku}" win over what it learns (the first that
// matches), literals such as "me" or "search" are never made placeholders.
struct PathTemplateRules {
    QStringList templates;
    QStringList literals;
};

// The analyser's anomaly thresholds (intelligence.anomalies). Defaults: the source documents'
// recommendation lines (load imbalance 0.4, failure risk 0.6) and a robust z of 3.5.
struct AnomalyConfig {
    double zScore = 3.5;             // |robust z| of an operation's p99 or error rate
    double latencyMinDeltaMs = 5.0;  // and at least this far from its normal
    double errorRateMinDelta = 0.05; // likewise, as a rate
    double loadImbalance = 0.4;
    double failureRisk = 0.6;
    int minServiceRequests = 50; // in five minutes, before load imbalance is judged
};

// What this process does with the events it publishes besides publishing them: analyse them
// (the pattern analyser, and the recommendations built on it) and write each exchange as a
// communication_intelligence row of the store. Both on by default (the console, one proxy);
// a fleet of headless proxies can leave both to one analysing process reading the same cluster,
// which costs their data path nothing.
// intelligence.recommendations: how often the recommendation engine runs its rules and how
// long the effect of an applied change is measured. The defaults are the source documents'
// five-minute windows; an operator (or a test) trying a change shortens them.
struct RecommendationsConfig {
    std::chrono::milliseconds evaluateEvery{10000};
    std::chrono::milliseconds effectWindow{300000};
    bool autoRevert = true;
    std::chrono::milliseconds suppressFor{3600000};
    // An open recommendation whose rule has not fired for this long expires.
    std::chrono::milliseconds expireAfter{15 * 60 * 1000};
};

struct IntelligenceConfig {
    bool analysis = true;
    bool storeExchanges = true;
    RecommendationsConfig recommendations;
    PathTemplateRules pathTemplates;                                         // every service
    std::vector<std::pair<QString, PathTemplateRules>> servicePathTemplates; // in file order
    int learnThreshold = 50; // different words at one place of a path before it is {param}
    AnomalyConfig anomalies;
};

// The intelligence store's tuning: `store` written as an object (its `url` is ProxyConfig::store).
// The memory bound counts rows, not bytes: the store counts every row it queues, requeues and
// drops exactly and for free, while a row's bytes are known only once its event has been read
// on the store's thread (docs/configuration.md gives the measured size of a row).
struct StoreTuningConfig {
    int batchSize = 2000;                              // rows per transaction at most
    std::chrono::milliseconds flushInterval{100};      // how often queued rows are written
    int memoryLimitRows = 200000;                      // rows waiting while the database is away
    int eventRetentionDays = 90;                       // execution and communication rows
    int patternRetentionDays = 365;                    // intelligence_patterns, by last_seen
    std::chrono::milliseconds patternsInterval{60000}; // the analyser's patterns written
};

// The whole, validated configuration. Every field has a value: the profile's default where
// the file said nothing.
struct ProxyConfig {
    QString profile = QStringLiteral("development");
    ListenAddress listen{QHostAddress(QHostAddress::LocalHost), 8090};
    ListenAddress admin{QHostAddress(QHostAddress::LocalHost), 8091};
    int workers = 0; // 0: one per core
    TimeoutConfig timeouts;
    LimitsConfig limits;
    PoolConfig pool;
    RetryConfig retry;
    BreakerConfig breaker; // defaults for every service
    BulkheadConfig bulkhead;
    HealthConfig health;
    OutlierConfig outlier;
    RoutingConfig routing;
    QString adminToken; // empty: generated at first start and kept in the user's config dir
    std::vector<ServiceConfig> services;
    KafkaConfig kafka;
    CaptureConfig capture;
    CacheConfig cache;
    HooksConfig hooks;
    QString store = QStringLiteral("sqlite"); // where: `store` or `store.url`
    StoreTuningConfig storeTuning;
    IntelligenceConfig intelligence;
    LoggingConfig logging;
    RegistryConfig registry;

    int effectiveWorkers() const;
};

// One thing wrong with a configuration, located by its path:
// "services.inventory.instances[1].url: not an http URL".
struct ConfigError {
    QString path;
    QString message;
    QString toString() const {
        return path.isEmpty() ? message : path + QLatin1String(": ") + message;
    }
};

struct ConfigLoadResult {
    std::optional<ProxyConfig> config; // set only when errors is empty
    std::vector<ConfigError> errors;   // every error found, not just the first
};

// Parses and validates a configuration document. Unknown keys are errors (a typo must not be
// silently ignored). Profiles ("development", "production") supply the defaults.
ConfigLoadResult parseProxyConfig(const QByteArray &json);
ConfigLoadResult loadProxyConfigFile(const QString &path);

// The defaults a profile supplies; nullopt for an unknown profile name.
std::optional<ProxyConfig> profileDefaults(const QString &profile);

} // namespace ToolCapture
