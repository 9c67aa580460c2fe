#include <backend/config/config_syntax.h>
#include <backend/config/proxy_config.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QVariant>

#include <functional>
#include <map>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

const QByteArray kService = R"("inv": {"match": {"path_prefix": "/inv/"},
    "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}]})";

// A document with one valid service and the given top-level members before it.
QByteArray topLevel(const QByteArray &members) {
    return "{" + members + R"(, "services": {)" + kService + "}}";
}

// A document whose only service "inv" has the given body.
QByteArray service(const QByteArray &body) {
    return R"({"services": {"inv": {)" + body + "}}}";
}

// A document whose only service "inv" has the given instances (the array's contents).
QByteArray instances(const QByteArray &list) {
    return service(R"("match": {"path_prefix": "/inv/"}, "instances": [)" + list + "]");
}

// The one service "inv" with a route, an instance and the given extra members.
QByteArray serviceWith(const QByteArray &members) {
    return service(R"("match": {"path_prefix": "/inv/"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}], )" +
                   members);
}

// The resilience settings of the global defaults or of one service, side by side.
struct ResilienceSections {
    const RetryConfig &retry;
    const BreakerConfig &breaker;
    const BulkheadConfig &bulkhead;
    const RateLimitConfig &rateLimit;
    const HealthConfig &health;
    const OutlierConfig &outlier;
    const RoutingConfig &routing;
};

ResilienceSections sectionsOf(const ServiceConfig &s) {
    return {s.retry, s.breaker, s.bulkhead, s.rateLimit, s.health, s.outlier, s.routing};
}

ResilienceSections sectionsOf(const ProxyConfig &c) {
    static const RateLimitConfig unlimited; // no global rate limit: it is per service
    return {c.retry, c.breaker, c.bulkhead, unlimited, c.health, c.outlier, c.routing};
}

QVariant msOf(milliseconds duration) {
    return QVariant(qint64(duration.count()));
}

// One setting by its key path in the file; durations as milliseconds (qint64).
QVariant settingOf(const ResilienceSections &sections, const QString &key) {
    using Getter = std::function<QVariant(const ResilienceSections &)>;
    static const std::map<QString, Getter> getters{
        {"retry.min_retry_concurrency",
         [](auto &s) { return QVariant(s.retry.minRetryConcurrency); }},
        {"retry.per_try_timeout_ms", [](auto &s) { return msOf(s.retry.perTryTimeout); }},
        {"retry.retry_internal_error",
         [](auto &s) { return QVariant(s.retry.retryInternalError); }},
        {"breaker.window",
         [](auto &s) {
             return QVariant(s.breaker.window == BreakerConfig::Window::Time
                                 ? QStringLiteral("time")
                                 : QStringLiteral("count"));
         }},
        {"breaker.window_size", [](auto &s) { return QVariant(s.breaker.windowSize); }},
        {"breaker.window_ms", [](auto &s) { return msOf(s.breaker.windowDuration); }},
        {"breaker.minimum_calls", [](auto &s) { return QVariant(s.breaker.minimumCalls); }},
        {"breaker.failure_rate", [](auto &s) { return QVariant(s.breaker.failureRate); }},
        {"breaker.slow_call_rate", [](auto &s) { return QVariant(s.breaker.slowCallRate); }},
        {"breaker.slow_call_ms", [](auto &s) { return msOf(s.breaker.slowCallDuration); }},
        {"breaker.consecutive_failures",
         [](auto &s) { return QVariant(s.breaker.consecutiveFailures); }},
        {"breaker.open_ms", [](auto &s) { return msOf(s.breaker.openDuration); }},
        {"breaker.open_backoff", [](auto &s) { return QVariant(s.breaker.openBackoff); }},
        {"breaker.max_open_ms", [](auto &s) { return msOf(s.breaker.maxOpenDuration); }},
        {"breaker.half_open_probes", [](auto &s) { return QVariant(s.breaker.halfOpenProbes); }},
        {"breaker.probe_timeout_ms", [](auto &s) { return msOf(s.breaker.probeTimeout); }},
        {"breaker.adaptive", [](auto &s) { return QVariant(s.breaker.adaptive); }},
        {"breaker.adaptive_min", [](auto &s) { return QVariant(s.breaker.adaptiveMin); }},
        {"breaker.adaptive_max", [](auto &s) { return QVariant(s.breaker.adaptiveMax); }},
        {"breaker.failure_on.connect_error",
         [](auto &s) { return QVariant(s.breaker.connectErrorIsFailure); }},
        {"breaker.failure_on.reset", [](auto &s) { return QVariant(s.breaker.resetIsFailure); }},
        {"breaker.failure_on.timeout",
         [](auto &s) { return QVariant(s.breaker.timeoutIsFailure); }},
        {"breaker.failure_on.status_5xx",
         [](auto &s) { return QVariant(s.breaker.status5xxIsFailure); }},
        {"bulkhead.max_active", [](auto &s) { return QVariant(s.bulkhead.maxActive); }},
        {"bulkhead.max_pending", [](auto &s) { return QVariant(s.bulkhead.maxPending); }},
        {"rate_limit.requests_per_second",
         [](auto &s) { return QVariant(s.rateLimit.requestsPerSecond); }},
        {"rate_limit.burst", [](auto &s) { return QVariant(s.rateLimit.burst); }},
        {"health.path", [](auto &s) { return QVariant(QString::fromLatin1(s.health.path)); }},
        {"health.interval_ms", [](auto &s) { return msOf(s.health.interval); }},
        {"health.timeout_ms", [](auto &s) { return msOf(s.health.timeout); }},
        {"health.rise", [](auto &s) { return QVariant(s.health.rise); }},
        {"health.fall", [](auto &s) { return QVariant(s.health.fall); }},
        {"health.slow_start_ms", [](auto &s) { return msOf(s.health.slowStart); }},
        {"health.enabled", [](auto &s) { return QVariant(s.health.enabled); }},
        {"health.websocket", [](auto &s) { return QVariant(s.health.websocket); }},
        {"outlier.consecutive_failures",
         [](auto &s) { return QVariant(s.outlier.consecutiveFailures); }},
        {"outlier.success_rate_stdev_factor",
         [](auto &s) { return QVariant(s.outlier.successRateStdevFactor); }},
        {"outlier.success_rate_minimum_hosts",
         [](auto &s) { return QVariant(s.outlier.successRateMinimumHosts); }},
        {"outlier.success_rate_request_volume",
         [](auto &s) { return QVariant(s.outlier.successRateRequestVolume); }},
        {"outlier.interval_ms", [](auto &s) { return msOf(s.outlier.interval); }},
        {"outlier.base_ejection_ms", [](auto &s) { return msOf(s.outlier.baseEjection); }},
        {"outlier.max_ejection_percent",
         [](auto &s) { return QVariant(s.outlier.maxEjectionPercent); }},
        {"routing.weights.latency", [](auto &s) { return QVariant(s.routing.latencyWeight); }},
        {"routing.weights.reliability",
         [](auto &s) { return QVariant(s.routing.reliabilityWeight); }},
        {"routing.weights.load", [](auto &s) { return QVariant(s.routing.loadWeight); }},
        {"routing.weights.compatibility",
         [](auto &s) { return QVariant(s.routing.compatibilityWeight); }},
        {"routing.capacity", [](auto &s) { return QVariant(s.routing.capacity); }},
        {"routing.latency_decay_ms", [](auto &s) { return msOf(s.routing.latencyDecay); }},
        {"routing.reliability_window_ms",
         [](auto &s) { return msOf(s.routing.reliabilityWindow); }},
    };
    const auto it = getters.find(key);
    return it == getters.end() ? QVariant() : it->second(sections);
}

QStringList errorStrings(const ConfigLoadResult &result) {
    QStringList lines;
    for (const ConfigError &error : result.errors)
        lines << error.toString();
    return lines;
}

} // namespace

// Parsing, validation messages and profiles of the proxy configuration.
class TestProxyConfig : public QObject {
    Q_OBJECT

private slots:
    void rejectsBadDocuments_data();
    void rejectsBadDocuments();
    void rejectsBadResilienceSettings_data();
    void rejectsBadResilienceSettings();
    void resilienceSettings_data();
    void resilienceSettings();
    void resilienceOverridesMergeWithGlobal();
    void resilienceProfileDefaults_data();
    void resilienceProfileDefaults();
    void adminToken();
    void minimalDocumentTakesDevelopmentDefaults();
    void fullDocument();
    void productionProfile();
    void explicitValuesOverrideProfile();
    void servicesInheritGlobalSettings();
    void captureSampling_data();
    void captureSampling();
    void cacheSettings_data();
    void cacheSettings();
    void rejectsBadCacheSettings_data();
    void rejectsBadCacheSettings();
    void cacheProfileDefaults_data();
    void cacheProfileDefaults();
    void redisPasswordNeverInMessages_data();
    void redisPasswordNeverInMessages();
    void inheritedIdleLimitShrinksWithServicePool();
    void ipv6Addresses();
    void profileDefaults_data();
    void profileDefaults();
    void effectiveWorkers();
    void intelligenceSwitches_data();
    void intelligenceSwitches();
    void recommendationWindows();
    void intelligenceTuning();
    void exampleFileLoads();
    void unreadableFileNamesFileAndReason();
    void fileSyntaxErrorNamesFile();
};

void TestProxyConfig::rejectsBadDocuments_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QStringList>("expected");

    // Document level.
    QTest::newRow("syntax error") << QByteArray("{\n  \"listen\": \"127.0.0.1:8090\",\n  x\n}")
                                  << QStringList{
                                         "<document>: syntax error at line 3, column 3: invalid "
                                         "literal; last read: '\"127.0.0.1:8090\",<U+000A>  x'; "
                                         "expected string literal"};
    QTest::newRow("empty document")
        << QByteArray("")
        << QStringList{"<document>: syntax error at line 1, column 1: unexpected end of input; "
                       "expected '[', '{', or a literal"};
    QTest::newRow("trailing comma")
        << QByteArray("{\"workers\": 1,}")
        << QStringList{"<document>: syntax error at line 1, column 15: unexpected '}'; expected "
                       "string literal"};
    QTest::newRow("number overflow")
        << QByteArray("{\"workers\":\n  1e400}")
        << QStringList{"<document>: syntax error at line 2, column 3: number overflow parsing "
                       "'1e400'"};
    QTest::newRow("top level array")
        << QByteArray("[]")
        << QStringList{"<document>: expected a JSON object at the top level, got an array"};
    QTest::newRow("no services") << QByteArray("{}")
                                 << QStringList{"missing required key \"services\""};
    QTest::newRow("empty services")
        << QByteArray(R"({"services": {}})") << QStringList{"services: needs at least one service"};
    QTest::newRow("duplicate key")
        << service(R"("match": {"path_prefix": "/a/"}, "match": {"path_prefix": "/b/"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv: duplicate key \"match\""};

    QTest::newRow("duplicate key inside an array element")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101", "capabilities": ["a", "b"]},
                        {"id": "inv-2", "url": "http://127.0.0.1:9102", "id": "inv-3"})")
        << QStringList{"services.inv.instances[1]: duplicate key \"id\""};
    QTest::newRow("odd service name, bracketed in paths")
        << QByteArray(R"({"services": {"my svc": {"match": {},
                          "instances": [{"id": "s-1", "url": "http://127.0.0.1:9101"}]}}})")
        << QStringList{"services: invalid service name \"my svc\" (lower-case letters, digits, "
                       "\"_\" and \"-\", starting with a letter or digit, at most 64)",
                       "services[\"my svc\"].match: needs path_prefix or host"};
    QTest::newRow("bad listen does not also conflict with admin")
        << topLevel(R"("listen": "127.0.0.1:x", "admin": "127.0.0.1:8090")")
        << QStringList{"listen: port must be a number between 0 and 65535, got \"x\""};

    // Unknown keys.
    QTest::newRow("typo at top level")
        << topLevel(R"("timeout": {"connect_ms": 100})")
        << QStringList{"unknown key \"timeout\" (did you mean \"timeouts\"?)"};
    QTest::newRow("camelCase key")
        << topLevel(R"("limits": {"maxBodyBytes": 10})")
        << QStringList{"limits: unknown key \"maxBodyBytes\" (did you mean \"max_body_bytes\"?)"};
    QTest::newRow("unit suffix forgotten")
        << topLevel(R"("timeouts": {"connect": 5})")
        << QStringList{"timeouts: unknown key \"connect\" (did you mean \"connect_ms\"?)"};
    QTest::newRow("unknown key, no close match")
        << topLevel(R"("logging": {"colour": true})")
        << QStringList{"logging: unknown key \"colour\" (expected one of: json, debug)"};
    QTest::newRow("client timeout at service level")
        << service(R"("match": {"path_prefix": "/inv/"}, "timeouts": {"drain_ms": 5},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.timeouts: unknown key \"drain_ms\" (expected one of: "
                       "connect_ms, first_byte_ms)"};

    // Top-level values.
    QTest::newRow("unknown profile")
        << topLevel(R"("profile": "staging")")
        << QStringList{"profile: unknown profile \"staging\" (expected \"development\" or "
                       "\"production\")"};
    QTest::newRow("listen not a string")
        << topLevel(R"("listen": 8090)")
        << QStringList{"listen: expected a \"host:port\" string, got a number"};
    QTest::newRow("listen without host")
        << topLevel(R"("listen": "8090")")
        << QStringList{"listen: expected \"host:port\", got \"8090\""};
    QTest::newRow("listen port out of range")
        << topLevel(R"("listen": "127.0.0.1:70000")")
        << QStringList{"listen: port must be a number between 0 and 65535, got \"70000\""};
    QTest::newRow("admin host name")
        << topLevel(R"("admin": "example.com:9000")")
        << QStringList{"admin: \"example.com\" is not an IP address (write an address, such as "
                       "127.0.0.1 or [::1], or \"localhost\")"};
    QTest::newRow("listen IPv6 without brackets")
        << topLevel(R"("listen": "::1:8090")")
        << QStringList{"listen: IPv6 addresses need brackets, as in \"[::1]:8080\""};
    QTest::newRow("admin same as listen")
        << topLevel(R"("listen": "127.0.0.1:9000", "admin": "0.0.0.0:9000")")
        << QStringList{"admin: conflicts with listen (127.0.0.1:9000): the admin API needs its "
                       "own port"};
    QTest::newRow("workers out of range")
        << topLevel(R"("workers": 300)") << QStringList{"workers: must be at most 256, got 300"};
    QTest::newRow("workers as a string")
        << topLevel(R"("workers": "4")")
        << QStringList{"workers: expected an integer, got a string"};
    QTest::newRow("workers beyond 64 bits")
        << topLevel(R"("workers": 99999999999999999999)")
        << QStringList{"workers: must be at most 256, got 1e+20"};
    QTest::newRow("timeout zero") << topLevel(R"("timeouts": {"connect_ms": 0})")
                                  << QStringList{
                                         "timeouts.connect_ms: must be a positive integer, got 0"};
    QTest::newRow("timeout fractional")
        << topLevel(R"("timeouts": {"first_byte_ms": 1.5})")
        << QStringList{"timeouts.first_byte_ms: expected an integer, got 1.5"};
    QTest::newRow("timeouts not an object")
        << topLevel(R"("timeouts": 5000)")
        << QStringList{"timeouts: expected an object, got a number"};
    QTest::newRow("negative body limit")
        << topLevel(R"("limits": {"max_body_bytes": -1})")
        << QStringList{"limits.max_body_bytes: must not be negative, got -1"};
    QTest::newRow("tiny request line")
        << topLevel(R"("limits": {"max_request_line": 8})")
        << QStringList{"limits.max_request_line: must be at least 16, got 8"};
    QTest::newRow("idle above connections")
        << topLevel(R"("pool": {"max_connections": 10, "max_idle": 30})")
        << QStringList{"pool.max_idle: must not exceed max_connections (10), got 30"};
    QTest::newRow("budget above one")
        << topLevel(R"("retry": {"budget": 1.5})")
        << QStringList{"retry.budget: must be between 0 and 1, got 1.5"};
    QTest::newRow("budget as a string")
        << topLevel(R"("retry": {"budget": "high"})")
        << QStringList{"retry.budget: expected a number, got a string"};
    QTest::newRow("retry max below base")
        << topLevel(R"("retry": {"max_ms": 10})")
        << QStringList{"retry.max_ms: must not be less than base_ms (50), got 10"};
    QTest::newRow("zero attempts")
        << topLevel(R"("retry": {"max_attempts": 0})")
        << QStringList{"retry.max_attempts: must be a positive integer, got 0"};
    QTest::newRow("unknown store")
        << topLevel(R"("store": "mysql")")
        << QStringList{"store: unknown store \"mysql\" (expected \"sqlite\", sqlite:PATH, an "
                       "absolute file path or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"};
    QTest::newRow("postgresql without its address")
        << topLevel(R"("store": "postgresql")")
        << QStringList{"store: store \"postgresql\" needs the database's address: "
                       "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    QTest::newRow("postgresql URL without a database")
        << topLevel(R"("store": "postgresql://tc:secretpw@127.0.0.1:5432/")")
        << QStringList{"store: not a postgresql URL: no database; expected "
                       "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    QTest::newRow("empty store")
        << topLevel(R"("store": "")")
        << QStringList{"store: empty; expected \"sqlite\", sqlite:PATH, an absolute file path "
                       "or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    QTest::newRow("kafka broker without port")
        << topLevel(R"("kafka": {"brokers": "broker1:9092,broker2"})")
        << QStringList{"kafka.brokers: broker \"broker2\": expected \"host:port\""};
    QTest::newRow("kafka unknown compression")
        << topLevel(R"("kafka": {"compression": "brotli"})")
        << QStringList{"kafka.compression: unknown compression \"brotli\" (expected none, gzip, "
                       "snappy, lz4 or zstd)"};
    QTest::newRow("kafka unknown content mode")
        << topLevel(R"("kafka": {"content_mode": "Structured"})")
        << QStringList{"kafka.content_mode: unknown content mode \"Structured\" (expected binary "
                       "or structured)"};
    QTest::newRow("kafka content mode not a string")
        << topLevel(R"("kafka": {"content_mode": true})")
        << QStringList{"kafka.content_mode: expected a string, got a boolean"};
    QTest::newRow("kafka spool below a MiB")
        << topLevel(R"("kafka": {"spool_max_bytes": 1000})")
        << QStringList{"kafka.spool_max_bytes: must be at least 1048576, got 1000"};
    QTest::newRow("kafka unknown key")
        << topLevel(R"("kafka": {"acks": "all"})")
        << QStringList{"kafka: unknown key \"acks\" (expected one of: brokers, embedded_brokers, "
                       "partitions, spool_dir, spool_max_bytes, message_timeout_ms, linger_ms, "
                       "compression, queue_max_messages, content_mode)"};
    QTest::newRow("capture header not a token")
        << topLevel(R"("capture": {"headers": ["accept", "x bad"]})")
        << QStringList{"capture.headers[1]: \"x bad\" is not a header field name"};
    QTest::newRow("capture duplicate header (case-insensitive)")
        << topLevel(R"("capture": {"headers": ["Accept", "accept"]})")
        << QStringList{"capture.headers[1]: duplicate \"accept\""};
    QTest::newRow("capture sample rate above 1")
        << topLevel(R"("capture": {"sample_rate": 1.5})")
        << QStringList{"capture.sample_rate: must be between 0 and 1, got 1.5"};
    QTest::newRow("capture body sample rate negative")
        << topLevel(R"("capture": {"body_sample_rate": -0.1})")
        << QStringList{"capture.body_sample_rate: must be between 0 and 1, got -0.1"};
    QTest::newRow("service capture unknown key")
        << QByteArray(R"({"services": {"inv": {"match": {"path_prefix": "/inv/"},
               "instances": [{"id": "inv-1", "url": "http://inventory.local"}],
               "capture": {"enabled": false, "sample_rate": 2}}}})")
        << QStringList{"services.inv.capture: unknown key \"enabled\" (expected one of: "
                       "sample_rate, body_sample_rate)",
                       "services.inv.capture.sample_rate: must be between 0 and 1, got 2"};
    QTest::newRow("capture enabled not a bool")
        << topLevel(R"("capture": {"enabled": "yes"})")
        << QStringList{"capture.enabled: expected true or false, got a string"};
    QTest::newRow("hooks short api key")
        << topLevel(R"("hooks": {"api_keys": ["short"]})")
        << QStringList{"hooks.api_keys[0]: must be at least 16 characters long, got 5"};
    QTest::newRow("registry too many dynamic instances")
        << topLevel(R"("registry": {"max_dynamic_instances": 5000})")
        << QStringList{"registry.max_dynamic_instances: must be at most 4096, got 5000"};
    QTest::newRow("hooks api keys not a list")
        << topLevel(R"("hooks": {"api_keys": "0123456789abcdef"})")
        << QStringList{"hooks.api_keys: expected an array, got a string"};
    QTest::newRow("intelligence analysis not a boolean")
        << topLevel(R"("intelligence": {"analysis": "off"})")
        << QStringList{"intelligence.analysis: expected true or false, got a string"};
    QTest::newRow("intelligence unknown key")
        << topLevel(R"("intelligence": {"store_exchange": false})")
        << QStringList{"intelligence: unknown key \"store_exchange\" (did you mean "
                       "\"store_exchanges\"?)"};
    QTest::newRow("recommendations not an object")
        << topLevel(R"("intelligence": {"recommendations": 10})")
        << QStringList{"intelligence.recommendations: expected an object, got a number"};
    QTest::newRow("recommendations effect window too short")
        << topLevel(R"("intelligence": {"recommendations": {"effect_window_ms": 10}})")
        << QStringList{"intelligence.recommendations.effect_window_ms: must be at least 1000, "
                       "got 10"};
    QTest::newRow("recommendations evaluation too often")
        << topLevel(R"("intelligence": {"recommendations": {"evaluate_every_ms": 0}})")
        << QStringList{"intelligence.recommendations.evaluate_every_ms: must be at least 100, "
                       "got 0"};
    QTest::newRow("recommendations auto_revert not a boolean")
        << topLevel(R"("intelligence": {"recommendations": {"auto_revert": 1}})")
        << QStringList{"intelligence.recommendations.auto_revert: expected true or false, got a "
                       "number"};
    QTest::newRow("recommendations unknown key")
        << topLevel(R"("intelligence": {"recommendations": {"effect_window": 1000}})")
        << QStringList{"intelligence.recommendations: unknown key \"effect_window\" (did you "
                       "mean \"effect_window_ms\"?)"};
    QTest::newRow("path template relative")
        << topLevel(
               R"("intelligence": {"path_templates": {"templates": ["/ok/{id}", "items/{sku}"]}})")
        << QStringList{"intelligence.path_templates.templates[1]: must start with /"};
    QTest::newRow("path template placeholder inside a segment")
        << topLevel(R"("intelligence": {"path_templates": {"services": {"catalog":
               {"templates": ["/catalog/x{sku}"]}}}})")
        << QStringList{"intelligence.path_templates.services.catalog.templates[0]: a placeholder "
                       "must be a whole segment, as {name}"};
    QTest::newRow("path template rest not last")
        << topLevel(R"("intelligence": {"path_templates": {"templates": ["/files/{p...}/x"]}})")
        << QStringList{"intelligence.path_templates.templates[0]: {rest...} must be the last "
                       "segment"};
    QTest::newRow("path template not a string")
        << topLevel(R"("intelligence": {"path_templates": {"templates": [7]}})")
        << QStringList{"intelligence.path_templates.templates[0]: expected a string, got a number"};
    QTest::newRow("path template literal with a slash")
        << topLevel(R"("intelligence": {"path_templates": {"literals": ["items/search"]}})")
        << QStringList{"intelligence.path_templates.literals[0]: a literal is one path segment: "
                       "not empty, no /, ?, { or }"};
    QTest::newRow("path template literal twice")
        << topLevel(R"("intelligence": {"path_templates": {"literals": ["me", "me"]}})")
        << QStringList{"intelligence.path_templates.literals[1]: \"me\" is listed twice"};
    QTest::newRow("path templates of a bad service name")
        << topLevel(R"("intelligence": {"path_templates": {"services": {"Catalog": {}}}})")
        << QStringList{"intelligence.path_templates.services.Catalog: not a service name "
                       "([a-z0-9][a-z0-9_-]*, at most 64 characters)"};
    QTest::newRow("path templates unknown key of a service")
        << topLevel(R"("intelligence": {"path_templates": {"services": {"catalog":
               {"template": ["/catalog/{id}"]}}}})")
        << QStringList{"intelligence.path_templates.services.catalog: unknown key \"template\" "
                       "(did you mean \"templates\"?)"};
    QTest::newRow("path templates learn threshold zero")
        << topLevel(R"("intelligence": {"path_templates": {"learn_threshold": 0}})")
        << QStringList{"intelligence.path_templates.learn_threshold: must be a positive integer, "
                       "got 0"};
    QTest::newRow("anomaly failure risk above 1")
        << topLevel(R"("intelligence": {"anomalies": {"failure_risk": 1.5}})")
        << QStringList{"intelligence.anomalies.failure_risk: must be between 0 and 1, got 1.5"};
    QTest::newRow("anomaly z score too small")
        << topLevel(R"("intelligence": {"anomalies": {"z_score": 0.5}})")
        << QStringList{"intelligence.anomalies.z_score: must be between 1 and 100, got 0.5"};
    QTest::newRow("anomaly unknown key")
        << topLevel(R"("intelligence": {"anomalies": {"failure_rate": 0.5}})")
        << QStringList{"intelligence.anomalies: unknown key \"failure_rate\" (expected one of: "
                       "z_score, latency_min_delta_ms, error_rate_min_delta, load_imbalance, "
                       "failure_risk, min_service_requests)"};
    QTest::newRow("recommendation expiry too short")
        << topLevel(R"("intelligence": {"recommendations": {"expire_after_ms": 10}})")
        << QStringList{"intelligence.recommendations.expire_after_ms: must be at least 1000, got "
                       "10"};
    QTest::newRow("logging null") << topLevel(R"("logging": {"json": null})")
                                  << QStringList{"logging.json: expected true or false, got null"};
    QTest::newRow("logging debug not a boolean")
        << topLevel(R"("logging": {"debug": "yes"})")
        << QStringList{"logging.debug: expected true or false, got a string"};

    // Services.
    QTest::newRow("upper-case service name")
        << QByteArray(R"({"services": {"Inventory": {"match": {"path_prefix": "/i/"},
                          "instances": [{"id": "i-1", "url": "http://127.0.0.1:9101"}]}}})")
        << QStringList{"services: invalid service name \"Inventory\" (lower-case letters, digits, "
                       "\"_\" and \"-\", starting with a letter or digit, at most 64)"};
    QTest::newRow("service not an object")
        << QByteArray(R"({"services": {"inv": []}})")
        << QStringList{"services.inv: expected an object, got an array"};
    QTest::newRow("service without match")
        << service(R"("instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv: missing required key \"match\""};
    QTest::newRow("empty match")
        << service(R"("match": {}, "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match: needs path_prefix or host"};
    QTest::newRow("relative path prefix")
        << service(R"("match": {"path_prefix": "inv/"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.path_prefix: must start with \"/\", got \"inv/\""};
    QTest::newRow("match host with port")
        << service(R"("match": {"host": "inv.local:80"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.host: must be a host name without a port, got "
                       "\"inv.local:80\""};
    QTest::newRow("strip prefix without prefix")
        << service(R"("match": {"host": "inv.local", "strip_prefix": true},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.strip_prefix: needs path_prefix"};
    QTest::newRow("two services, same route")
        << QByteArray(R"({"services": {
              "a": {"match": {"path_prefix": "/x/"},
                    "instances": [{"id": "a-1", "url": "http://h:1"}]},
              "b": {"match": {"path_prefix": "/x/"},
                    "instances": [{"id": "b-1", "url": "http://h:2"}]}}})")
        << QStringList{"services.b.match: matches the same requests as service \"a\""};
    QTest::newRow("no instances")
        << service(R"("match": {"path_prefix": "/inv/"}, "instances": [])")
        << QStringList{"services.inv.instances: needs at least one instance"};
    QTest::newRow("instances not an array")
        << service(R"("match": {"path_prefix": "/inv/"}, "instances": {"id": "inv-1"})")
        << QStringList{"services.inv.instances: expected an array, got an object"};
    QTest::newRow("service pool idle above its connections")
        << service(R"("match": {"path_prefix": "/inv/"}, "pool": {"max_idle": 50},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.pool.max_idle: must not exceed max_connections (20), got 50"};
    QTest::newRow("service base delay above inherited max")
        << service(R"("match": {"path_prefix": "/inv/"}, "retry": {"base_ms": 5000},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.retry.base_ms: must not exceed max_ms (2000), got 5000"};

    // Instances.
    QTest::newRow("https url")
        << instances(R"({"id": "inv-1", "url": "https://127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: https is not supported yet (no TLS to "
                       "upstreams); use \"http://host:port\""};
    QTest::newRow("url without scheme")
        << instances(R"({"id": "inv-1", "url": "127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: expected "
                       "\"http://host:port\", got \"127.0.0.1:9101\""};
    QTest::newRow("url with other scheme")
        << instances(R"({"id": "inv-1", "url": "ftp://127.0.0.1:9101"})")
        << QStringList{
               "services.inv.instances[0].url: not an http URL: unsupported scheme \"ftp\""};
    QTest::newRow("url with path")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101/api"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: a path is not allowed "
                       "(\"/api\"); expected \"http://host:port\""};
    QTest::newRow("url with user info, password not echoed")
        << instances(R"({"id": "inv-1", "url": "http://bob:secret@127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: user info (\"user@\") is "
                       "not allowed"};
    QTest::newRow("url with query")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101/?a=1"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: a query is not allowed"};
    QTest::newRow("url port zero")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:0"})")
        << QStringList{"services.inv.instances[0].url: port must be a number between 1 and "
                       "65535, got \"0\""};
    QTest::newRow("url bad IPv4")
        << instances(R"({"id": "inv-1", "url": "http://256.1.1.1:80"})")
        << QStringList{"services.inv.instances[0].url: \"256.1.1.1\" is not a valid IPv4 address"};
    QTest::newRow("url bad host name")
        << instances(R"({"id": "inv-1", "url": "http://inv_1.local"})")
        << QStringList{"services.inv.instances[0].url: invalid host name \"inv_1.local\" "
                       "(letters, digits and \"-\" in dot-separated labels)"};
    QTest::newRow("instance without id and url")
        << instances(R"({"capabilities": []})")
        << QStringList{"services.inv.instances[0]: missing required key \"id\"",
                       "services.inv.instances[0]: missing required key \"url\""};
    QTest::newRow("invalid instance id")
        << instances(R"({"id": "inv 1", "url": "http://127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].id: invalid instance id \"inv 1\" (letters, "
                       "digits, \".\", \"_\" and \"-\", starting with a letter or digit, at most "
                       "64)"};
    QTest::newRow("two instances at one address")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101"},
                        {"id": "inv-2", "url": "http://127.0.0.1:9101/"})")
        << QStringList{"services.inv.instances[1].url: same address as "
                       "services.inv.instances[0] (127.0.0.1:9101)"};
    QTest::newRow("capability not a string")
        << instances(
               R"({"id": "inv-1", "url": "http://127.0.0.1:9101", "capabilities": ["v1", 2]})")
        << QStringList{
               "services.inv.instances[0].capabilities[1]: expected a string, got a number"};

    // Several errors at once: every one is reported, in document order, services last.
    QTest::newRow("duplicate ids across services")
        << QByteArray(R"({"services": {
              "inventory": {"match": {"path_prefix": "/inventory/"}, "instances": [
                  {"id": "inventory-1", "url": "http://127.0.0.1:9101"},
                  {"id": "inventory-2", "url": "http://127.0.0.1:9102"},
                  {"id": "inventory-1", "url": "http://127.0.0.1:9103"}]},
              "pricing": {"match": {"path_prefix": "/pricing/"}, "instances": [
                  {"id": "inventory-2", "url": "http://127.0.0.1:9201"}]}}})")
        << QStringList{"services.inventory.instances[2].id: duplicate instance id \"inventory-1\" "
                       "(first used at services.inventory.instances[0])",
                       "services.pricing.instances[0].id: duplicate instance id \"inventory-2\" "
                       "(first used at services.inventory.instances[1])"};
    QTest::newRow("many errors")
        << QByteArray(R"({
              "services": {
                "inventory": {
                  "match": {"path_prefix": "/inventory/"},
                  "instances": [
                    {"id": "inventory-1", "url": "http://127.0.0.1:9101"},
                    {"id": "inventory-2", "url": "http://127.0.0.1:9102/v1"}
                  ],
                  "timeout": {"connect_ms": 100}
                },
                "pricing": {"match": {}, "instances": [{"id": "pricing-1", "url": "http://h:1"}]}
              },
              "listen": "localhost",
              "timeouts": {"connect_ms": -5, "first_byte_ms": "30s"},
              "retry": {"budget": 2},
              "workers": 1000
            })")
        << QStringList{
               "listen: expected \"host:port\", got \"localhost\"",
               "timeouts.connect_ms: must be a positive integer, got -5",
               "timeouts.first_byte_ms: expected an integer, got a string",
               "retry.budget: must be between 0 and 1, got 2",
               "workers: must be at most 256, got 1000",
               "services.inventory.instances[1].url: not an http URL: a path is not allowed "
               "(\"/v1\"); expected \"http://host:port\"",
               "services.inventory: unknown key \"timeout\" (did you mean \"timeouts\"?)",
               "services.pricing.match: needs path_prefix or host",
           };
}

void TestProxyConfig::rejectsBadDocuments() {
    QFETCH(QByteArray, document);
    QFETCH(QStringList, expected);

    const ConfigLoadResult result = parseProxyConfig(document);

    QCOMPARE(errorStrings(result), expected);
    QVERIFY(!result.config);
}

void TestProxyConfig::rejectsBadResilienceSettings_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QStringList>("expected");

    // breaker: ranges and types.
    QTest::newRow("breaker window unknown")
        << topLevel(R"("breaker": {"window": "sliding"})")
        << QStringList{"breaker.window: expected \"count\" or \"time\", got \"sliding\""};
    QTest::newRow("breaker window as a size (the design sketch)")
        << topLevel(R"("breaker": {"window": 20})")
        << QStringList{"breaker.window: expected \"count\" or \"time\", got a number (the size "
                       "goes in window_size)"};
    QTest::newRow("breaker window_size zero")
        << topLevel(R"("breaker": {"window_size": 0})")
        << QStringList{"breaker.window_size: must be a positive integer, got 0"};
    QTest::newRow("breaker window_size too large")
        << topLevel(R"("breaker": {"window_size": 20000})")
        << QStringList{"breaker.window_size: must be at most 10000, got 20000"};
    QTest::newRow("breaker window_ms zero")
        << topLevel(R"("breaker": {"window_ms": 0})")
        << QStringList{"breaker.window_ms: must be a positive integer, got 0"};
    QTest::newRow("breaker minimum_calls negative")
        << topLevel(R"("breaker": {"minimum_calls": -1})")
        << QStringList{"breaker.minimum_calls: must be a positive integer, got -1"};
    QTest::newRow("breaker failure_rate above one")
        << topLevel(R"("breaker": {"failure_rate": 1.5})")
        << QStringList{"breaker.failure_rate: must be between 0 and 1, got 1.5"};
    QTest::newRow("breaker failure_rate zero")
        << topLevel(R"("breaker": {"failure_rate": 0})")
        << QStringList{"breaker.failure_rate: must be greater than 0, got 0"};
    QTest::newRow("breaker slow_call_rate negative")
        << topLevel(R"("breaker": {"slow_call_rate": -0.1})")
        << QStringList{"breaker.slow_call_rate: must be between 0 and 1, got -0.1"};
    QTest::newRow("breaker slow_call_ms as text")
        << topLevel(R"("breaker": {"slow_call_ms": "2s"})")
        << QStringList{"breaker.slow_call_ms: expected an integer, got a string"};
    QTest::newRow("breaker consecutive_failures zero")
        << topLevel(R"("breaker": {"consecutive_failures": 0})")
        << QStringList{"breaker.consecutive_failures: must be a positive integer, got 0"};
    QTest::newRow("breaker open_ms zero")
        << topLevel(R"("breaker": {"open_ms": 0})")
        << QStringList{"breaker.open_ms: must be a positive integer, got 0"};
    QTest::newRow("breaker open_backoff below one")
        << topLevel(R"("breaker": {"open_backoff": 0.5})")
        << QStringList{"breaker.open_backoff: must be between 1 and 100, got 0.5"};
    QTest::newRow("breaker half_open_probes zero")
        << topLevel(R"("breaker": {"half_open_probes": 0})")
        << QStringList{"breaker.half_open_probes: must be a positive integer, got 0"};
    QTest::newRow("breaker probe_timeout_ms zero")
        << topLevel(R"("breaker": {"probe_timeout_ms": 0})")
        << QStringList{"breaker.probe_timeout_ms: must be a positive integer, got 0"};
    QTest::newRow("breaker adaptive as text")
        << topLevel(R"("breaker": {"adaptive": "yes"})")
        << QStringList{"breaker.adaptive: expected true or false, got a string"};
    QTest::newRow("breaker adaptive_min above one")
        << topLevel(R"("breaker": {"adaptive_min": 2})")
        << QStringList{"breaker.adaptive_min: must be between 0 and 1, got 2"};
    QTest::newRow("breaker failure_on not boolean")
        << topLevel(R"("breaker": {"failure_on": {"timeout": 1}})")
        << QStringList{"breaker.failure_on.timeout: expected true or false, got a number"};
    QTest::newRow("breaker failure_on typo")
        << topLevel(R"("breaker": {"failure_on": {"status_500": true}})")
        << QStringList{
               "breaker.failure_on: unknown key \"status_500\" (did you mean \"status_5xx\"?)"};
    QTest::newRow("breaker not an object")
        << topLevel(R"("breaker": true)")
        << QStringList{"breaker: expected an object, got a boolean"};
    QTest::newRow("breaker key of the source documents")
        << topLevel(R"("breaker": {"failure_threshold": 10, "recovery_timeout": 30})")
        << QStringList{"breaker: unknown key \"failure_threshold\" (did you mean "
                       "\"consecutive_failures\"?)",
                       "breaker: unknown key \"recovery_timeout\" (did you mean \"open_ms\"?)"};

    // breaker: rules between keys, reported at the key the object wrote.
    QTest::newRow("breaker max_open below open")
        << topLevel(R"("breaker": {"max_open_ms": 1000})")
        << QStringList{"breaker.max_open_ms: must not be less than open_ms (30000), got 1000"};
    QTest::newRow("breaker open above max_open")
        << topLevel(R"("breaker": {"open_ms": 600000})")
        << QStringList{"breaker.open_ms: must not exceed max_open_ms (300000), got 600000"};
    QTest::newRow("breaker minimum_calls above count window")
        << topLevel(R"("breaker": {"minimum_calls": 30})")
        << QStringList{"breaker.minimum_calls: must not exceed window_size (20) in a count "
                       "window, got 30"};
    QTest::newRow("breaker count window below minimum_calls")
        << topLevel(R"("breaker": {"window_size": 5})")
        << QStringList{"breaker.window_size: must be at least minimum_calls (10) in a count "
                       "window, got 5"};
    QTest::newRow("service switches to a count window too small")
        << topLevel(R"("breaker": {"window": "time", "minimum_calls": 30})")
               .replace(R"("instances")", R"("breaker": {"window": "count"}, "instances")")
        << QStringList{"services.inv.breaker.window: a count window needs window_size (20) to be "
                       "at least minimum_calls (30)"};
    QTest::newRow("breaker failure_rate above adaptive_max")
        << topLevel(R"("breaker": {"failure_rate": 0.9})")
        << QStringList{"breaker.failure_rate: must be between adaptive_min (0.2) and adaptive_max "
                       "(0.8) when adaptive is on, got 0.9"};
    QTest::newRow("breaker failure_rate below adaptive_min")
        << topLevel(R"("breaker": {"adaptive_min": 0.3, "failure_rate": 0.25})")
        << QStringList{"breaker.failure_rate: must be between adaptive_min (0.3) and adaptive_max "
                       "(0.8) when adaptive is on, got 0.25"};
    QTest::newRow("breaker adaptive_max below failure_rate")
        << topLevel(R"("breaker": {"adaptive_max": 0.4})")
        << QStringList{"breaker.adaptive_max: must not be less than failure_rate (0.5), got 0.4"};
    QTest::newRow("breaker adaptive_min above failure_rate")
        << topLevel(R"("breaker": {"adaptive_min": 0.6})")
        << QStringList{"breaker.adaptive_min: must not exceed failure_rate (0.5), got 0.6"};
    QTest::newRow("service turns adaptive on around an inherited rate")
        << topLevel(R"("breaker": {"adaptive": false, "failure_rate": 0.9})")
               .replace(R"("instances")", R"("breaker": {"adaptive": true}, "instances")")
        << QStringList{"services.inv.breaker.adaptive: needs adaptive_min <= failure_rate <= "
                       "adaptive_max, got 0.2, 0.9, 0.8"};
    QTest::newRow("service override conflicts with inherited bound")
        << topLevel(R"("breaker": {"adaptive_max": 0.6})")
               .replace(R"("instances")", R"("breaker": {"failure_rate": 0.7}, "instances")")
        << QStringList{"services.inv.breaker.failure_rate: must be between adaptive_min (0.2) and "
                       "adaptive_max (0.6) when adaptive is on, got 0.7"};
    QTest::newRow("breaker range error suppresses rule checks")
        << topLevel(R"("breaker": {"window_size": 5, "open_backoff": 0})")
        << QStringList{"breaker.open_backoff: must be between 1 and 100, got 0"};
    QTest::newRow("global breaker error is not repeated for each service")
        << topLevel(R"("breaker": {"failure_rate": 0.9})")
               .replace(R"("instances")", R"("breaker": {"open_ms": 1000}, "instances")")
        << QStringList{"breaker.failure_rate: must be between adaptive_min (0.2) and adaptive_max "
                       "(0.8) when adaptive is on, got 0.9"};

    // retry additions.
    QTest::newRow("retry min_retry_concurrency negative")
        << topLevel(R"("retry": {"min_retry_concurrency": -1})")
        << QStringList{"retry.min_retry_concurrency: must not be negative, got -1"};
    QTest::newRow("retry per_try_timeout_ms fractional")
        << topLevel(R"("retry": {"per_try_timeout_ms": 1.5})")
        << QStringList{"retry.per_try_timeout_ms: expected an integer, got 1.5"};
    QTest::newRow("retry per_try_timeout_ms beyond a day")
        << serviceWith(R"("retry": {"per_try_timeout_ms": 86400001})")
        << QStringList{
               "services.inv.retry.per_try_timeout_ms: must be at most 86400000, got 86400001"};
    QTest::newRow("retry retry_internal_error as text")
        << topLevel(R"("retry": {"retry_internal_error": "no"})")
        << QStringList{"retry.retry_internal_error: expected true or false, got a string"};
    QTest::newRow("retry max_retries of the source documents")
        << topLevel(R"("retry": {"max_retries": 3})")
        << QStringList{"retry: unknown key \"max_retries\" (did you mean \"max_attempts\"?)"};

    // bulkhead.
    QTest::newRow("bulkhead max_active zero")
        << topLevel(R"("bulkhead": {"max_active": 0})")
        << QStringList{"bulkhead.max_active: must be a positive integer, got 0"};
    QTest::newRow("bulkhead max_pending negative")
        << serviceWith(R"("bulkhead": {"max_pending": -1})")
        << QStringList{"services.inv.bulkhead.max_pending: must not be negative, got -1"};
    QTest::newRow("bulkhead not an object")
        << topLevel(R"("bulkhead": [])")
        << QStringList{"bulkhead: expected an object, got an array"};

    // rate_limit: per service only.
    QTest::newRow("rate_limit at top level")
        << topLevel(R"("rate_limit": {"requests_per_second": 10})")
        << QStringList{"rate_limit: allowed only inside a service, as services.<name>.rate_limit "
                       "(the limit is per service)"};
    QTest::newRow("rate_limit negative rate")
        << serviceWith(R"("rate_limit": {"requests_per_second": -1})")
        << QStringList{"services.inv.rate_limit.requests_per_second: must be between 0 and "
                       "1000000, got -1"};
    QTest::newRow("rate_limit burst fractional")
        << serviceWith(R"("rate_limit": {"requests_per_second": 5, "burst": 2.5})")
        << QStringList{"services.inv.rate_limit.burst: expected an integer, got 2.5"};
    QTest::newRow("rate_limit burst without rate")
        << serviceWith(R"("rate_limit": {"burst": 10})")
        << QStringList{"services.inv.rate_limit.burst: needs requests_per_second (0 means "
                       "unlimited)"};
    QTest::newRow("rate_limit unknown key")
        << serviceWith(R"("rate_limit": {"rps": 5})")
        << QStringList{"services.inv.rate_limit: unknown key \"rps\" (expected one of: "
                       "requests_per_second, burst)"};

    // health.
    QTest::newRow("health path relative")
        << topLevel(R"("health": {"path": "health"})")
        << QStringList{"health.path: must start with \"/\", got \"health\""};
    QTest::newRow("health path with a space")
        << serviceWith(R"("health": {"path": "/he alth"})")
        << QStringList{"services.inv.health.path: must be a plain path (printable ASCII, no "
                       "spaces or \"#\"), got \"/he alth\""};
    QTest::newRow("health interval zero")
        << topLevel(R"("health": {"interval_ms": 0})")
        << QStringList{"health.interval_ms: must be a positive integer, got 0"};
    QTest::newRow("health timeout above interval")
        << topLevel(R"("health": {"timeout_ms": 20000})")
        << QStringList{"health.timeout_ms: must not exceed interval_ms (10000), got 20000"};
    QTest::newRow("health interval below timeout")
        << serviceWith(R"("health": {"interval_ms": 1000})")
        << QStringList{"services.inv.health.interval_ms: must not be less than timeout_ms (3000), "
                       "got 1000"};
    QTest::newRow("health rise zero")
        << topLevel(R"("health": {"rise": 0})")
        << QStringList{"health.rise: must be a positive integer, got 0"};
    QTest::newRow("health fall too large")
        << topLevel(R"("health": {"fall": 101})")
        << QStringList{"health.fall: must be at most 100, got 101"};
    QTest::newRow("health slow_start negative")
        << topLevel(R"("health": {"slow_start_ms": -1})")
        << QStringList{"health.slow_start_ms: must not be negative, got -1"};
    QTest::newRow("health enabled null")
        << topLevel(R"("health": {"enabled": null})")
        << QStringList{"health.enabled: expected true or false, got null"};
    QTest::newRow("health websocket a string")
        << topLevel(R"("health": {"websocket": "yes"})")
        << QStringList{"health.websocket: expected true or false, got a string"};
    QTest::newRow("health interval without unit")
        << topLevel(R"("health": {"interval": 5000})")
        << QStringList{"health: unknown key \"interval\" (did you mean \"interval_ms\"?)"};

    // outlier.
    QTest::newRow("outlier consecutive_failures zero")
        << topLevel(R"("outlier": {"consecutive_failures": 0})")
        << QStringList{"outlier.consecutive_failures: must be a positive integer, got 0"};
    QTest::newRow("outlier stdev factor zero")
        << topLevel(R"("outlier": {"success_rate_stdev_factor": 0})")
        << QStringList{"outlier.success_rate_stdev_factor: must be greater than 0, got 0"};
    QTest::newRow("outlier stdev factor too large")
        << topLevel(R"("outlier": {"success_rate_stdev_factor": 11})")
        << QStringList{"outlier.success_rate_stdev_factor: must be between 0 and 10, got 11"};
    QTest::newRow("outlier one host has no deviation")
        << topLevel(R"("outlier": {"success_rate_minimum_hosts": 1})")
        << QStringList{"outlier.success_rate_minimum_hosts: must be at least 2, got 1"};
    QTest::newRow("outlier request volume zero")
        << topLevel(R"("outlier": {"success_rate_request_volume": 0})")
        << QStringList{"outlier.success_rate_request_volume: must be a positive integer, got 0"};
    QTest::newRow("outlier interval zero")
        << topLevel(R"("outlier": {"interval_ms": 0})")
        << QStringList{"outlier.interval_ms: must be a positive integer, got 0"};
    QTest::newRow("outlier base ejection zero")
        << serviceWith(R"("outlier": {"base_ejection_ms": 0})")
        << QStringList{"services.inv.outlier.base_ejection_ms: must be a positive integer, got 0"};
    QTest::newRow("outlier ejection written as percent")
        << topLevel(R"("outlier": {"max_ejection_percent": 10})")
        << QStringList{"outlier.max_ejection_percent: must be a fraction between 0 and 1 (0.1 for "
                       "10 %), got 10"};
    QTest::newRow("outlier ejection above 100")
        << topLevel(R"("outlier": {"max_ejection_percent": 150})")
        << QStringList{"outlier.max_ejection_percent: must be between 0 and 1, got 150"};

    // routing.
    QTest::newRow("routing weights all zero")
        << topLevel(R"("routing": {"weights": {"latency": 0, "reliability": 0, "load": 0,
                                               "compatibility": 0}})")
        << QStringList{"routing.weights: at least one weight must be greater than 0"};
    QTest::newRow("service zeroes the weights the global file left")
        << topLevel(R"("routing": {"weights": {"load": 0, "compatibility": 0}})")
               .replace(R"("instances")",
                        R"("routing": {"weights": {"latency": 0, "reliability": 0}}, "instances")")
        << QStringList{"services.inv.routing.weights: at least one weight must be greater than 0"};
    QTest::newRow("routing weight negative")
        << topLevel(R"("routing": {"weights": {"latency": -1}})")
        << QStringList{"routing.weights.latency: must be between 0 and 1000, got -1"};
    QTest::newRow("routing weight of another name")
        << topLevel(R"("routing": {"weights": {"performance": 0.3}})")
        << QStringList{"routing.weights: unknown key \"performance\" (expected one of: latency, "
                       "reliability, load, compatibility)"};
    QTest::newRow("routing latency decay zero")
        << serviceWith(R"("routing": {"latency_decay_ms": 0})")
        << QStringList{"services.inv.routing.latency_decay_ms: must be a positive integer, got 0"};
    QTest::newRow("routing capacity zero")
        << serviceWith(R"("routing": {"capacity": 0})")
        << QStringList{"services.inv.routing.capacity: must be a positive integer, got 0"};

    // admin_token: never echoed.
    QTest::newRow("admin_token too short")
        << topLevel(R"("admin_token": "short")")
        << QStringList{"admin_token: must be at least 16 characters long, got 5"};
    QTest::newRow("admin_token with a space")
        << topLevel(R"("admin_token": "abcdefgh ijklmnopq")")
        << QStringList{"admin_token: must be printable ASCII without spaces; character 9 is not"};
    QTest::newRow("admin_token not ASCII")
        << topLevel(R"("admin_token": "0123456789abcdef\u00e9")")
        << QStringList{"admin_token: must be printable ASCII without spaces; character 17 is not"};
    QTest::newRow("admin_token too long")
        << topLevel("\"admin_token\": \"" + QByteArray(513, 'a') + "\"")
        << QStringList{"admin_token: must be at most 512 characters long, got 513"};
    QTest::newRow("admin_token a number")
        << topLevel(R"("admin_token": 1234567890123456)")
        << QStringList{"admin_token: expected a string, got a number"};
    QTest::newRow("admin_token inside a service")
        << serviceWith(R"("admin_token": "0123456789abcdef")")
        << QStringList{"services.inv: unknown key \"admin_token\" (expected one of: match, "
                       "instances, pool, timeouts, retry, breaker, bulkhead, rate_limit, health, "
                       "outlier, routing, capture, cache)"};
}

void TestProxyConfig::rejectsBadResilienceSettings() {
    rejectsBadDocuments();
}

void TestProxyConfig::resilienceSettings_data() {
    QTest::addColumn<QByteArray>("section"); // its key in the file
    QTest::addColumn<QByteArray>("object");  // what the file writes there
    QTest::addColumn<QString>("key");        // the setting checked
    QTest::addColumn<QVariant>("expected");

    const auto row = [](const char *section, const char *object, const char *key,
                        const QVariant &expected) {
        QTest::addRow("%s", key) << QByteArray(section) << QByteArray(object) << QString(key)
                                 << expected;
    };
    row("retry", R"({"min_retry_concurrency": 0})", "retry.min_retry_concurrency", 0);
    row("retry", R"({"per_try_timeout_ms": 750})", "retry.per_try_timeout_ms", qint64(750));
    row("retry", R"({"retry_internal_error": true})", "retry.retry_internal_error", true);

    row("breaker", R"({"window": "time"})", "breaker.window", QStringLiteral("time"));
    row("breaker", R"({"window_size": 50})", "breaker.window_size", 50);
    row("breaker", R"({"window_ms": 60000})", "breaker.window_ms", qint64(60000));
    row("breaker", R"({"minimum_calls": 20})", "breaker.minimum_calls", 20);
    row("breaker", R"({"failure_rate": 0.25})", "breaker.failure_rate", 0.25);
    row("breaker", R"({"slow_call_rate": 0.75})", "breaker.slow_call_rate", 0.75);
    row("breaker", R"({"slow_call_ms": 800})", "breaker.slow_call_ms", qint64(800));
    row("breaker", R"({"consecutive_failures": 10})", "breaker.consecutive_failures", 10);
    row("breaker", R"({"open_ms": 5000})", "breaker.open_ms", qint64(5000));
    row("breaker", R"({"open_backoff": 1})", "breaker.open_backoff", 1.0);
    row("breaker", R"({"max_open_ms": 30000})", "breaker.max_open_ms", qint64(30000));
    row("breaker", R"({"half_open_probes": 1})", "breaker.half_open_probes", 1);
    row("breaker", R"({"probe_timeout_ms": 1500})", "breaker.probe_timeout_ms", qint64(1500));
    row("breaker", R"({"adaptive": false})", "breaker.adaptive", false);
    row("breaker", R"({"adaptive_min": 0})", "breaker.adaptive_min", 0.0);
    row("breaker", R"({"adaptive_max": 1})", "breaker.adaptive_max", 1.0);
    row("breaker", R"({"failure_on": {"connect_error": false}})",
        "breaker.failure_on.connect_error", false);
    row("breaker", R"({"failure_on": {"reset": false}})", "breaker.failure_on.reset", false);
    row("breaker", R"({"failure_on": {"timeout": false}})", "breaker.failure_on.timeout", false);
    row("breaker", R"({"failure_on": {"status_5xx": false}})", "breaker.failure_on.status_5xx",
        false);

    row("bulkhead", R"({"max_active": 8})", "bulkhead.max_active", 8);
    row("bulkhead", R"({"max_pending": 0})", "bulkhead.max_pending", 0);

    row("rate_limit", R"({"requests_per_second": 2.5})", "rate_limit.requests_per_second", 2.5);
    row("rate_limit", R"({"requests_per_second": 100, "burst": 20})", "rate_limit.burst", 20);

    row("health", R"({"path": "/status?deep=1"})", "health.path", QStringLiteral("/status?deep=1"));
    row("health", R"({"interval_ms": 5000})", "health.interval_ms", qint64(5000));
    row("health", R"({"timeout_ms": 10000})", "health.timeout_ms", qint64(10000));
    row("health", R"({"rise": 1})", "health.rise", 1);
    row("health", R"({"fall": 10})", "health.fall", 10);
    row("health", R"({"slow_start_ms": 0})", "health.slow_start_ms", qint64(0));
    row("health", R"({"enabled": false})", "health.enabled", false);
    row("health", R"({"websocket": true})", "health.websocket", true);

    row("outlier", R"({"consecutive_failures": 7})", "outlier.consecutive_failures", 7);
    row("outlier", R"({"success_rate_stdev_factor": 2.5})", "outlier.success_rate_stdev_factor",
        2.5);
    row("outlier", R"({"success_rate_minimum_hosts": 2})", "outlier.success_rate_minimum_hosts", 2);
    row("outlier", R"({"success_rate_request_volume": 100})", "outlier.success_rate_request_volume",
        100);
    row("outlier", R"({"interval_ms": 1000})", "outlier.interval_ms", qint64(1000));
    row("outlier", R"({"base_ejection_ms": 60000})", "outlier.base_ejection_ms", qint64(60000));
    row("outlier", R"({"max_ejection_percent": 0.1})", "outlier.max_ejection_percent", 0.1);

    row("routing", R"({"weights": {"latency": 0.5}})", "routing.weights.latency", 0.5);
    row("routing", R"({"weights": {"reliability": 0}})", "routing.weights.reliability", 0.0);
    row("routing", R"({"weights": {"load": 2}})", "routing.weights.load", 2.0);
    row("routing", R"({"weights": {"compatibility": 0.05}})", "routing.weights.compatibility",
        0.05);
    row("routing", R"({"capacity": 250})", "routing.capacity", 250);
    row("routing", R"({"latency_decay_ms": 500})", "routing.latency_decay_ms", 500);
    row("routing", R"({"reliability_window_ms": 2000})", "routing.reliability_window_ms", 2000);
}

void TestProxyConfig::resilienceSettings() {
    QFETCH(QByteArray, section);
    QFETCH(QByteArray, object);
    QFETCH(QString, key);
    QFETCH(QVariant, expected);
    const ProxyConfig defaults = *ToolCapture::profileDefaults(QStringLiteral("development"));
    const QVariant byDefault = settingOf(sectionsOf(defaults), key);
    QVERIFY2(byDefault.isValid(), "no getter for this key");
    QVERIFY2(byDefault != expected, "the row must change the default to show anything");
    const QByteArray member = "\"" + section + "\": " + object;

    // In a service: that service only.
    const ConfigLoadResult inService = parseProxyConfig(serviceWith(member));
    QCOMPARE(errorStrings(inService), QStringList());
    QCOMPARE(settingOf(sectionsOf(inService.config->services.front()), key), expected);
    QCOMPARE(settingOf(sectionsOf(*inService.config), key), byDefault);

    // At the top level: the default of every service.
    if (section == "rate_limit")
        return; // per service only (rejectsBadResilienceSettings)
    const ConfigLoadResult global = parseProxyConfig(topLevel(member));
    QCOMPARE(errorStrings(global), QStringList());
    QCOMPARE(settingOf(sectionsOf(*global.config), key), expected);
    QCOMPARE(settingOf(sectionsOf(global.config->services.front()), key), expected);
}

void TestProxyConfig::resilienceOverridesMergeWithGlobal() {
    // Globals written after the services still reach them; a service overrides key by key.
    const ConfigLoadResult result = parseProxyConfig(R"({
        "services": {
            "a": {"match": {"path_prefix": "/a/"},
                  "instances": [{"id": "a-1", "url": "http://h:1"}]},
            "b": {"match": {"path_prefix": "/b/"},
                  "instances": [{"id": "b-1", "url": "http://h:2"}],
                  "breaker": {"open_ms": 5000, "failure_on": {"timeout": false}},
                  "retry": {"per_try_timeout_ms": 300},
                  "bulkhead": {"max_pending": 0},
                  "rate_limit": {"requests_per_second": 50},
                  "health": {"interval_ms": 2000, "timeout_ms": 1000},
                  "outlier": {"interval_ms": 500},
                  "routing": {"weights": {"load": 0.5}}}
        },
        "breaker": {"failure_rate": 0.6, "open_ms": 10000, "failure_on": {"reset": false},
                    "half_open_probes": 2},
        "retry": {"min_retry_concurrency": 1},
        "bulkhead": {"max_active": 10},
        "health": {"path": "/status", "rise": 4},
        "outlier": {"consecutive_failures": 3},
        "routing": {"weights": {"latency": 1}, "capacity": 40}
    })");

    QCOMPARE(errorStrings(result), QStringList());
    const ServiceConfig &a = result.config->services[0];
    const ServiceConfig &b = result.config->services[1];

    QCOMPARE(a.breaker.failureRate, 0.6);
    QCOMPARE(a.breaker.openDuration, 10s);
    QCOMPARE(a.breaker.resetIsFailure, false);
    QCOMPARE(a.breaker.timeoutIsFailure, true);
    QCOMPARE(a.rateLimit.requestsPerSecond, 0.0); // unlimited unless the service says
    QCOMPARE(a.health.path, QByteArray("/status"));
    QCOMPARE(a.health.interval, 10s);
    QCOMPARE(a.routing.capacity, 40);

    QCOMPARE(b.breaker.failureRate, 0.6);        // global
    QCOMPARE(b.breaker.halfOpenProbes, 2);       // global
    QCOMPARE(b.breaker.openDuration, 5s);        // its own
    QCOMPARE(b.breaker.resetIsFailure, false);   // global, inside failure_on
    QCOMPARE(b.breaker.timeoutIsFailure, false); // its own, inside failure_on
    QCOMPARE(b.breaker.consecutiveFailures, 5);  // profile
    QCOMPARE(b.retry.minRetryConcurrency, 1);
    QCOMPARE(b.retry.perTryTimeout, 300ms);
    QCOMPARE(b.retry.maxAttempts, 3);
    QCOMPARE(b.bulkhead.maxActive, 10);
    QCOMPARE(b.bulkhead.maxPending, 0);
    QCOMPARE(b.rateLimit.requestsPerSecond, 50.0);
    QCOMPARE(b.rateLimit.burst, 0);
    QCOMPARE(b.health.path, QByteArray("/status"));
    QCOMPARE(b.health.rise, 4);
    QCOMPARE(b.health.interval, 2s);
    QCOMPARE(b.health.timeout, 1s);
    QCOMPARE(b.outlier.consecutiveFailures, 3);
    QCOMPARE(b.outlier.interval, 500ms);
    QCOMPARE(b.routing.latencyWeight, 1.0);     // global
    QCOMPARE(b.routing.loadWeight, 0.5);        // its own
    QCOMPARE(b.routing.reliabilityWeight, 0.3); // profile
    QCOMPARE(b.routing.capacity, 40);

    // The globals themselves are untouched by the services' overrides.
    QCOMPARE(result.config->breaker.openDuration, 10s);
    QCOMPARE(result.config->health.interval, 10s);
    QCOMPARE(result.config->routing.loadWeight, 0.2);
}

void TestProxyConfig::resilienceProfileDefaults_data() {
    QTest::addColumn<QString>("profile");
    // Both profiles keep the source documents' values (see docs/configuration.md).
    QTest::newRow("development") << QStringLiteral("development");
    QTest::newRow("production") << QStringLiteral("production");
}

void TestProxyConfig::resilienceProfileDefaults() {
    QFETCH(QString, profile);

    const ConfigLoadResult result =
        parseProxyConfig(topLevel("\"profile\": \"" + profile.toUtf8() + "\""));

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    for (const ResilienceSections &s : {sectionsOf(config), sectionsOf(config.services.front())}) {
        QCOMPARE(s.breaker.window, BreakerConfig::Window::Count);
        QCOMPARE(s.breaker.windowSize, 20);
        QCOMPARE(s.breaker.minimumCalls, 10);
        QCOMPARE(s.breaker.failureRate, 0.5);
        QCOMPARE(s.breaker.consecutiveFailures, 5); // failure_threshold=5
        QCOMPARE(s.breaker.openDuration, 30s);      // recovery_timeout=30
        QCOMPARE(s.breaker.maxOpenDuration, 300s);
        QCOMPARE(s.breaker.halfOpenProbes, 3);
        QVERIFY(s.breaker.adaptive);
        QVERIFY(s.breaker.adaptiveMin <= s.breaker.failureRate &&
                s.breaker.failureRate <= s.breaker.adaptiveMax);
        QVERIFY(s.breaker.connectErrorIsFailure && s.breaker.resetIsFailure &&
                s.breaker.timeoutIsFailure && s.breaker.status5xxIsFailure);
        QCOMPARE(s.retry.budget, 0.2);
        QCOMPARE(s.retry.minRetryConcurrency, 3);
        QCOMPARE(s.retry.perTryTimeout, 0ms);
        QCOMPARE(s.retry.retryInternalError, false);
        QCOMPARE(s.bulkhead.maxActive, 100);
        QCOMPARE(s.bulkhead.maxPending, 50);
        QCOMPARE(s.rateLimit.requestsPerSecond, 0.0);
        QCOMPARE(s.health.path, QByteArray("/health"));
        QCOMPARE(s.health.interval, 10s);
        QCOMPARE(s.health.timeout, 3s);
        QVERIFY(s.health.enabled);
        QCOMPARE(s.outlier.consecutiveFailures, 5);
        QCOMPARE(s.routing.latencyWeight, 0.3);
        QCOMPARE(s.routing.reliabilityWeight, 0.3);
        QCOMPARE(s.routing.loadWeight, 0.2);
        QCOMPARE(s.routing.compatibilityWeight, 0.2);
    }
    QVERIFY(config.adminToken.isEmpty()); // generated at first start
}

void TestProxyConfig::adminToken() {
    const QString token = QStringLiteral("s3cr3t-T0ken_with~punctuation!");

    const ConfigLoadResult result =
        parseProxyConfig(topLevel("\"admin_token\": \"" + token.toUtf8() + "\""));

    QCOMPARE(errorStrings(result), QStringList());
    QCOMPARE(result.config->adminToken, token);
    QCOMPARE(checkAdminToken(QStringLiteral("0123456789abcdef")), QString()); // exactly 16
    QCOMPARE(checkAdminToken(QStringLiteral("0123456789abcde")),
             QStringLiteral("must be at least 16 characters long, got 15"));
}

void TestProxyConfig::captureSampling_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("bodyRate");
    QTest::addColumn<bool>("invHasOwn");
    QTest::addColumn<double>("invRate");
    QTest::addColumn<double>("invBodyRate");
    const auto doc = [](const char *global, const char *service) {
        return QByteArray(R"({)") + global +
               R"("services": {"inv": {"match": {"path_prefix": "/inv/"},
                   "instances": [{"id": "inv-1", "url": "http://inventory.local"}])" +
               service +
               R"(}, "other": {"match": {"path_prefix": "/other/"},
                   "instances": [{"id": "o-1", "url": "http://other.local"}]}}})";
    };
    QTest::newRow("defaults: every exchange, every body")
        << doc("", "") << 1.0 << 1.0 << false << 0.0 << 0.0;
    QTest::newRow("global rates") << doc(R"("capture": {"sample_rate": 0.25,
                                             "body_sample_rate": 0},)",
                                         "")
                                  << 0.25 << 0.0 << false << 0.0 << 0.0;
    QTest::newRow("a service's own rate inherits the global body rate")
        << doc(R"("capture": {"body_sample_rate": 0.5},)", R"(, "capture": {"sample_rate": 0.1})")
        << 1.0 << 0.5 << true << 0.1 << 0.5;
    QTest::newRow("service written before the global section")
        << QByteArray(R"({"services": {"inv": {"match": {"path_prefix": "/inv/"},
               "instances": [{"id": "inv-1", "url": "http://inventory.local"}],
               "capture": {"body_sample_rate": 0}}},
               "capture": {"sample_rate": 0.75}})")
        << 0.75 << 1.0 << true << 0.75 << 0.0;
}

void TestProxyConfig::captureSampling() {
    QFETCH(QByteArray, document);
    QFETCH(double, rate);
    QFETCH(double, bodyRate);
    QFETCH(bool, invHasOwn);
    QFETCH(double, invRate);
    QFETCH(double, invBodyRate);
    const ConfigLoadResult result = parseProxyConfig(document);
    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const CaptureConfig &capture = result.config->capture;
    QCOMPARE(capture.sampling.sampleRate, rate);
    QCOMPARE(capture.sampling.bodySampleRate, bodyRate);
    QCOMPARE(capture.serviceSampling.contains(QStringLiteral("inv")), invHasOwn);
    QVERIFY(!capture.serviceSampling.contains(QStringLiteral("other")));
    if (invHasOwn) {
        QCOMPARE(capture.serviceSampling.value(QStringLiteral("inv")).sampleRate, invRate);
        QCOMPARE(capture.serviceSampling.value(QStringLiteral("inv")).bodySampleRate, invBodyRate);
    }
}

namespace {

// Two services: "inv" with the given cache block (none when empty) and "other" without one; the
// given top-level members come before the services.
QByteArray cacheDocument(const QByteArray &global, const QByteArray &invCache) {
    return "{" + global + (global.isEmpty() ? "" : ", ") +
           R"("services": {"inv": {"match": {"path_prefix": "/inv/"},
                   "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])" +
           (invCache.isEmpty() ? QByteArray() : ", \"cache\": " + invCache) +
           R"(}, "other": {"match": {"path_prefix": "/other/"},
                   "instances": [{"id": "o-1", "url": "http://127.0.0.1:9201"}]}}})";
}

QVariant cacheServiceSetting(const CacheServiceConfig &s, const QString &field) {
    using Getter = std::function<QVariant(const CacheServiceConfig &)>;
    static const std::map<QString, Getter> getters{
        {"enabled", [](auto &c) { return QVariant(c.enabled); }},
        {"heuristics", [](auto &c) { return QVariant(c.heuristics); }},
        {"heuristic_fraction", [](auto &c) { return QVariant(c.heuristicFraction); }},
        {"heuristic_max_s", [](auto &c) { return QVariant(qint64(c.heuristicMax.count())); }},
        {"learn_ttl", [](auto &c) { return QVariant(c.learnTtl); }},
        {"learned_ttl_min_s", [](auto &c) { return QVariant(qint64(c.learnedTtlMin.count())); }},
        {"learned_ttl_max_s", [](auto &c) { return QVariant(qint64(c.learnedTtlMax.count())); }},
        {"stale_if_unavailable_s",
         [](auto &c) { return QVariant(qint64(c.staleIfUnavailable.count())); }},
        {"max_object_bytes", [](auto &c) { return QVariant(c.maxObjectBytes); }},
        {"max_bytes", [](auto &c) { return QVariant(c.maxBytes); }},
    };
    const auto it = getters.find(field);
    return it == getters.end() ? QVariant() : it->second(s);
}

// One cache setting: "cache.<key>" (global), "defaults.<key>" (cache.service_defaults),
// "inv.<key>" / "other.<key>" (CacheConfig::forService), "inv.own" (inv has its own block).
QVariant cacheSettingOf(const ProxyConfig &config, const QString &key) {
    const CacheConfig &cache = config.cache;
    const QString scope = key.section(QLatin1Char('.'), 0, 0);
    const QString field = key.section(QLatin1Char('.'), 1);
    if (scope == QLatin1String("cache")) {
        using Getter = std::function<QVariant(const CacheConfig &)>;
        static const std::map<QString, Getter> getters{
            {"enabled", [](auto &c) { return QVariant(c.enabled); }},
            {"max_bytes", [](auto &c) { return QVariant(c.maxBytes); }},
            {"max_object_bytes", [](auto &c) { return QVariant(c.maxObjectBytes); }},
            {"policy", [](auto &c) { return QVariant(c.policy); }},
            {"coalesce_wait_ms", [](auto &c) { return msOf(c.coalesceWait); }},
            {"redis", [](auto &c) { return QVariant(c.redis); }},
            {"redis_timeout_ms", [](auto &c) { return msOf(c.redisTimeout); }},
            {"redis_host", [](auto &c) { return QVariant(c.redisHost); }},
            {"redis_port", [](auto &c) { return QVariant(qint64(c.redisPort)); }},
            {"redis_database", [](auto &c) { return QVariant(qint64(c.redisDatabase)); }},
            {"redis_password", [](auto &c) { return QVariant(c.redisPassword); }},
        };
        const auto it = getters.find(field);
        return it == getters.end() ? QVariant() : it->second(cache);
    }
    if (scope == QLatin1String("defaults"))
        return cacheServiceSetting(cache.serviceDefaults, field);
    if (field == QLatin1String("own"))
        return QVariant(cache.services.contains(scope));
    return cacheServiceSetting(cache.forService(scope), field);
}

QVariant n(qint64 value) {
    return QVariant(value);
}

} // namespace

void TestProxyConfig::cacheSettings_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QVariant>("expected");

    const auto row = [](const char *name, const QByteArray &document, const char *key,
                        const QVariant &expected) {
        QTest::addRow("%s: %s", name, key) << document << QString(key) << expected;
    };

    // Development defaults, for the global section, the defaults and a service without a block.
    const QByteArray none = cacheDocument("", "");
    row("default", none, "cache.enabled", true);
    row("default", none, "cache.max_bytes", n(64 << 20));
    row("default", none, "cache.max_object_bytes", n(1 << 20));
    row("default", none, "cache.policy", QStringLiteral("w-tinylfu"));
    row("default", none, "cache.coalesce_wait_ms", n(5000));
    row("default", none, "cache.redis", QString());
    row("default", none, "cache.redis_host", QString());
    row("default", none, "cache.redis_timeout_ms", n(50));
    row("default", none, "defaults.enabled", true);
    row("default", none, "defaults.heuristics", false);
    row("default", none, "defaults.heuristic_fraction", 0.1);
    row("default", none, "defaults.heuristic_max_s", n(86400));
    row("default", none, "defaults.learn_ttl", false);
    row("default", none, "defaults.learned_ttl_min_s", n(1));
    row("default", none, "defaults.learned_ttl_max_s", n(3600));
    row("default", none, "defaults.stale_if_unavailable_s", n(0));
    row("default", none, "defaults.max_object_bytes", n(0));
    row("default", none, "defaults.max_bytes", n(0));
    row("default", none, "inv.own", false);
    row("default", none, "inv.enabled", true);

    // Every global key written.
    const auto global = [](const char *members) {
        return cacheDocument(QByteArray(R"("cache": {)") + members + "}", "");
    };
    row("global", global(R"("enabled": false)"), "cache.enabled", false);
    row("global", global(R"("max_bytes": 268435456)"), "cache.max_bytes", n(256 << 20));
    row("global", global(R"("max_object_bytes": 65536)"), "cache.max_object_bytes", n(65536));
    row("global", global(R"("max_bytes": 4096, "max_object_bytes": 4096)"),
        "cache.max_object_bytes", n(4096));
    row("global", global(R"("policy": "lru")"), "cache.policy", QStringLiteral("lru"));
    row("global", global(R"("coalesce_wait_ms": 0)"), "cache.coalesce_wait_ms", n(0));
    row("global", global(R"("coalesce_wait_ms": 250)"), "cache.coalesce_wait_ms", n(250));
    row("global", global(R"("redis_timeout_ms": 20)"), "cache.redis_timeout_ms", n(20));
    row("global", global(R"("redis": "")"), "cache.redis_host", QString());
    // An inherited object limit shrinks with a smaller store; a written one is an error.
    row("small store", global(R"("max_bytes": 524288)"), "cache.max_object_bytes", n(524288));

    // The Redis URL, taken apart for RedisClient.
    const auto redis = [&](const char *url, const char *host, qint64 port, qint64 database,
                           const QByteArray &password) {
        const QByteArray document =
            cacheDocument(QByteArray(R"("cache": {"redis": ")") + url + "\"}", "");
        row(url, document, "cache.redis", QString::fromUtf8(url));
        row(url, document, "cache.redis_host", QString::fromUtf8(host));
        row(url, document, "cache.redis_port", n(port));
        row(url, document, "cache.redis_database", n(database));
        row(url, document, "cache.redis_password", password);
    };
    redis("redis://127.0.0.1:6379", "127.0.0.1", 6379, 0, {});
    redis("redis://127.0.0.1:6380/", "127.0.0.1", 6380, 0, {});
    redis("redis://10.0.0.7:16379/3", "10.0.0.7", 16379, 3, {});
    redis("redis://localhost:6379/0", "127.0.0.1", 6379, 0, {});
    redis("redis://[::1]:6379/1", "::1", 6379, 1, {});
    redis("REDIS://127.0.0.1:6379", "127.0.0.1", 6379, 0, {}); // schemes are case-insensitive
    redis("redis://:s3cret%40x@127.0.0.1:6379", "127.0.0.1", 6379, 0, "s3cret@x");
    redis("redis://default:pw@127.0.0.1:6379/2", "127.0.0.1", 6379, 2, "pw");

    // service_defaults reach every service; a service's block starts from them.
    const QByteArray merged = cacheDocument(
        R"("cache": {"service_defaults": {"heuristics": true, "heuristic_fraction": 0.2}})",
        R"({"heuristic_max_s": 600})");
    row("merged", merged, "defaults.heuristics", true);
    row("merged", merged, "inv.own", true);
    row("merged", merged, "inv.heuristics", true);
    row("merged", merged, "inv.heuristic_fraction", 0.2);
    row("merged", merged, "inv.heuristic_max_s", n(600));
    row("merged", merged, "other.own", false);
    row("merged", merged, "other.heuristics", true);
    row("merged", merged, "other.heuristic_max_s", n(86400));
    // The same with the services written before the cache section.
    const QByteArray servicesFirst =
        R"({"services": {"inv": {"match": {"path_prefix": "/inv/"},
               "cache": {"heuristic_max_s": 600},
               "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}]},
             "other": {"match": {"path_prefix": "/other/"},
               "instances": [{"id": "o-1", "url": "http://127.0.0.1:9201"}]}},
            "cache": {"service_defaults": {"heuristics": true, "heuristic_fraction": 0.2}}})";
    row("services first", servicesFirst, "inv.heuristics", true);
    row("services first", servicesFirst, "inv.heuristic_fraction", 0.2);
    row("services first", servicesFirst, "inv.heuristic_max_s", n(600));
    row("services first", servicesFirst, "other.heuristic_fraction", 0.2);
    // service_defaults written before the global sizes it is checked against.
    const QByteArray defaultsFirst = cacheDocument(
        R"("cache": {"service_defaults": {"max_object_bytes": 2097152},
                     "max_bytes": 8388608, "max_object_bytes": 65536})",
        "");
    row("defaults first", defaultsFirst, "defaults.max_object_bytes", n(2 << 20));
    row("defaults first", defaultsFirst, "cache.max_object_bytes", n(65536));

    // Every service key written.
    const auto own = [](const char *members) {
        return cacheDocument("", QByteArray("{") + members + "}");
    };
    row("service", own(R"("enabled": false)"), "inv.enabled", false);
    row("service", own(R"("enabled": false)"), "other.enabled", true);
    row("service", own(R"("heuristics": true)"), "inv.heuristics", true);
    row("service", own(R"("heuristic_fraction": 1)"), "inv.heuristic_fraction", 1.0);
    row("service", own(R"("heuristic_max_s": 1)"), "inv.heuristic_max_s", n(1));
    row("service", own(R"("heuristics": true, "learn_ttl": true)"), "inv.learn_ttl", true);
    row("service", own(R"("learned_ttl_min_s": 60, "learned_ttl_max_s": 60)"),
        "inv.learned_ttl_min_s", n(60));
    row("service", own(R"("learned_ttl_max_s": 86400)"), "inv.learned_ttl_max_s", n(86400));
    row("service", own(R"("stale_if_unavailable_s": 120)"), "inv.stale_if_unavailable_s", n(120));
    row("service", own(R"("max_object_bytes": 4096)"), "inv.max_object_bytes", n(4096));
    row("service", own(R"("max_bytes": 1073741824)"), "inv.max_bytes", n(qint64(1) << 30));
    row("service", own(R"("max_bytes": 1073741824)"), "inv.max_object_bytes", n(0));
    // A service's own small store shrinks the inherited object limit to its size.
    row("own small store", own(R"("max_bytes": 1000)"), "inv.max_object_bytes", n(1000));
    row("defaults small store",
        cacheDocument(R"("cache": {"service_defaults": {"max_bytes": 2048}})", ""),
        "other.max_object_bytes", n(2048));
    // A service that turns heuristics off turns the inherited TTL advisor off with them.
    const QByteArray noHeuristics =
        cacheDocument(R"("cache": {"service_defaults": {"heuristics": true, "learn_ttl": true}})",
                      R"({"heuristics": false})");
    row("heuristics off", noHeuristics, "inv.learn_ttl", false);
    row("heuristics off", noHeuristics, "other.learn_ttl", true);

    // Profiles: production serves stale when a service is down; a file's value wins.
    row("production", cacheDocument(R"("profile": "production")", ""), "inv.stale_if_unavailable_s",
        n(300));
    row("production", cacheDocument(R"("profile": "production")", R"({"max_bytes": 1000})"),
        "inv.stale_if_unavailable_s", n(300));
    row("production override",
        cacheDocument(R"("profile": "production",
                         "cache": {"service_defaults": {"stale_if_unavailable_s": 0}})",
                      ""),
        "other.stale_if_unavailable_s", n(0));
}

void TestProxyConfig::cacheSettings() {
    QFETCH(QByteArray, document);
    QFETCH(QString, key);
    QFETCH(QVariant, expected);

    const ConfigLoadResult result = parseProxyConfig(document);

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const QVariant actual = cacheSettingOf(*result.config, key);
    QVERIFY2(actual.isValid(), qPrintable(QStringLiteral("no getter for ") + key));
    QCOMPARE(actual, expected);
}

void TestProxyConfig::rejectsBadCacheSettings_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QStringList>("expected");

    const auto global = [](const char *members) {
        return cacheDocument(QByteArray(R"("cache": {)") + members + "}", "");
    };
    const auto defaults = [](const char *members) {
        return cacheDocument(QByteArray(R"("cache": {"service_defaults": {)") + members + "}}", "");
    };
    const auto own = [](const char *members) {
        return cacheDocument("", QByteArray("{") + members + "}");
    };

    // Shapes and unknown keys.
    QTest::newRow("cache not an object") << global("").replace(R"("cache": {})", R"("cache": true)")
                                         << QStringList{"cache: expected an object, got a boolean"};
    QTest::newRow("service cache not an object")
        << cacheDocument("", "[]")
        << QStringList{"services.inv.cache: expected an object, got an array"};
    QTest::newRow("service_defaults not an object")
        << global(R"("service_defaults": 1)")
        << QStringList{"cache.service_defaults: expected an object, got a number"};
    QTest::newRow("design sketch's max_entries")
        << own(R"("max_entries": 10000)")
        << QStringList{"services.inv.cache: unknown key \"max_entries\" (expected one of: "
                       "enabled, heuristics, heuristic_fraction, heuristic_max_s, learn_ttl, "
                       "learned_ttl_min_s, learned_ttl_max_s, stale_if_unavailable_s, "
                       "max_object_bytes, max_bytes)"};
    QTest::newRow("global key in a service")
        << own(R"("policy": "lru")")
        << QStringList{"services.inv.cache: unknown key \"policy\" (expected one of: enabled, "
                       "heuristics, heuristic_fraction, heuristic_max_s, learn_ttl, "
                       "learned_ttl_min_s, learned_ttl_max_s, stale_if_unavailable_s, "
                       "max_object_bytes, max_bytes)"};
    QTest::newRow("service key at the top of cache")
        << global(R"("heuristics": true)")
        << QStringList{"cache: unknown key \"heuristics\" (expected one of: enabled, max_bytes, "
                       "max_object_bytes, policy, coalesce_wait_ms, redis, redis_timeout_ms, "
                       "service_defaults)"};
    QTest::newRow("unit suffix forgotten (ms)")
        << global(R"("coalesce_wait": 100)")
        << QStringList{"cache: unknown key \"coalesce_wait\" (did you mean "
                       "\"coalesce_wait_ms\"?)"};
    QTest::newRow("unit suffix forgotten (s)")
        << own(R"("heuristic_max": 100)")
        << QStringList{"services.inv.cache: unknown key \"heuristic_max\" (did you mean "
                       "\"heuristic_max_s\"?)"};
    QTest::newRow("camelCase")
        << defaults(R"("staleIfUnavailable": 5)")
        << QStringList{"cache.service_defaults: unknown key \"staleIfUnavailable\" (did you mean "
                       "\"stale_if_unavailable_s\"?)"};

    // Global values.
    QTest::newRow("enabled not a boolean")
        << global(R"("enabled": "yes")")
        << QStringList{"cache.enabled: expected true or false, got a string"};
    QTest::newRow("max_bytes zero") << global(R"("max_bytes": 0)")
                                    << QStringList{"cache.max_bytes: must be a positive integer, "
                                                   "got 0"};
    QTest::newRow("max_bytes beyond 1 TiB")
        << global(R"("max_bytes": 1099511627777)")
        << QStringList{"cache.max_bytes: must be at most 1099511627776, got 1099511627777"};
    QTest::newRow("max_object_bytes negative")
        << global(R"("max_object_bytes": -1)")
        << QStringList{"cache.max_object_bytes: must be a positive integer, got -1"};
    QTest::newRow("max_object_bytes above max_bytes")
        << global(R"("max_bytes": 1024, "max_object_bytes": 2048)")
        << QStringList{"cache.max_object_bytes: must not exceed max_bytes (1024), got 2048"};
    QTest::newRow("max_object_bytes above the default max_bytes")
        << global(R"("max_object_bytes": 134217728)")
        << QStringList{"cache.max_object_bytes: must not exceed max_bytes (67108864), got "
                       "134217728"};
    QTest::newRow("one mistake, one message")
        << global(R"("max_bytes": "1MB", "max_object_bytes": 134217728)")
        << QStringList{"cache.max_bytes: expected an integer, got a string"};
    QTest::newRow("policy unknown")
        << global(R"("policy": "lfu")")
        << QStringList{"cache.policy: unknown policy \"lfu\" (expected \"w-tinylfu\" or \"lru\")"};
    QTest::newRow("policy spelled differently")
        << global(R"("policy": "W-TinyLFU")")
        << QStringList{"cache.policy: unknown policy \"W-TinyLFU\" (expected \"w-tinylfu\" or "
                       "\"lru\")"};
    QTest::newRow("policy not a string")
        << global(R"("policy": 1)") << QStringList{"cache.policy: expected a string, got a number"};
    QTest::newRow("coalesce_wait_ms negative")
        << global(R"("coalesce_wait_ms": -1)")
        << QStringList{"cache.coalesce_wait_ms: must not be negative, got -1"};
    QTest::newRow("coalesce_wait_ms as text")
        << global(R"("coalesce_wait_ms": "5s")")
        << QStringList{"cache.coalesce_wait_ms: expected an integer, got a string"};
    QTest::newRow("redis_timeout_ms zero")
        << global(R"("redis_timeout_ms": 0)")
        << QStringList{"cache.redis_timeout_ms: must be a positive integer, got 0"};
    QTest::newRow("redis_timeout_ms above a minute")
        << global(R"("redis_timeout_ms": 60001)")
        << QStringList{"cache.redis_timeout_ms: must be at most 60000, got 60001"};

    // The Redis URL.
    const auto redis = [&](const char *name, const char *url, const char *message) {
        QTest::newRow(name) << global(
                                   QByteArray(R"("redis": ")" + QByteArray(url) + "\"").constData())
                            << QStringList{QStringLiteral("cache.redis: ") + message};
    };
    QTest::newRow("redis not a string")
        << global(R"("redis": 6379)")
        << QStringList{"cache.redis: expected a string, got a number"};
    redis("no scheme", "127.0.0.1:6379",
          "not a redis URL: expected \"redis://host:port[/db]\", got \"127.0.0.1:6379\"");
    redis("tls", "rediss://127.0.0.1:6380",
          "rediss (TLS) is not supported; use \"redis://host:port\"");
    redis("other scheme", "http://127.0.0.1:6379", "not a redis URL: unsupported scheme \"http\"");
    redis("no port", "redis://127.0.0.1",
          "not a redis URL: missing port; expected \"redis://host:port[/db]\"");
    redis("no host", "redis://:6379",
          "not a redis URL: missing host; expected \"redis://host:port[/db]\"");
    redis("port zero", "redis://127.0.0.1:0",
          "port must be a number between 1 and 65535, got \"0\"");
    redis("port too large", "redis://127.0.0.1:65536",
          "port must be a number between 1 and 65535, got \"65536\"");
    redis("empty port", "redis://127.0.0.1:", "missing port number after \":\"");
    redis("host name", "redis://cache.local:6379",
          "\"cache.local\" is not an IP address (write an address, such as 127.0.0.1 or [::1], "
          "or \"localhost\": a host name would need a blocking lookup)");
    redis("IPv6 without brackets", "redis://::1:6379",
          "not a redis URL: IPv6 addresses need brackets, as in \"[::1]:8080\"");
    redis("IPv4 in brackets", "redis://[127.0.0.1]:6379",
          "\"127.0.0.1\" is not an IP address (write an address, such as 127.0.0.1 or [::1], "
          "or \"localhost\": a host name would need a blocking lookup)");
    redis("database not a number", "redis://127.0.0.1:6379/cache",
          "not a redis URL: the path must be a database number, as in \"/0\", got \"/cache\"");
    redis("database negative", "redis://127.0.0.1:6379/-1",
          "not a redis URL: the path must be a database number, as in \"/0\", got \"/-1\"");
    redis("query", "redis://127.0.0.1:6379?db=1", "not a redis URL: a query is not allowed");
    redis("fragment", "redis://127.0.0.1:6379/0#x", "not a redis URL: a fragment is not allowed");
    redis("spaces", "redis://127.0.0.1:6379 ",
          "not a redis URL: contains white space or control characters");
    redis("user without password", "redis://secret@127.0.0.1:6379",
          "not a redis URL: the user info must be \":password\"");
    redis("named user", "redis://alice:secret@127.0.0.1:6379",
          "not a redis URL: only the default user is supported (write "
          "\"redis://:password@host:port\")");
    redis("empty password", "redis://:@127.0.0.1:6379", "not a redis URL: empty password");
    redis("no scheme with a password", "secret@127.0.0.1:6379",
          "not a redis URL: expected \"redis://host:port[/db]\"");

    // Service values (in service_defaults and in a service's block alike).
    QTest::newRow("fraction zero")
        << defaults(R"("heuristic_fraction": 0)")
        << QStringList{"cache.service_defaults.heuristic_fraction: must be greater than 0, got 0 "
                       "(turn heuristics off instead)"};
    QTest::newRow("fraction above one")
        << own(R"("heuristic_fraction": 1.5)")
        << QStringList{"services.inv.cache.heuristic_fraction: must be between 0 and 1, got 1.5"};
    QTest::newRow("fraction as a percentage")
        << own(R"("heuristic_fraction": "10%")")
        << QStringList{"services.inv.cache.heuristic_fraction: expected a number, got a string"};
    QTest::newRow("heuristic_max_s zero")
        << own(R"("heuristic_max_s": 0)")
        << QStringList{"services.inv.cache.heuristic_max_s: must be a positive integer, got 0"};
    QTest::newRow("heuristic_max_s beyond a year")
        << own(R"("heuristic_max_s": 31536001)")
        << QStringList{"services.inv.cache.heuristic_max_s: must be at most 31536000, got "
                       "31536001"};
    QTest::newRow("learn_ttl without heuristics")
        << own(R"("learn_ttl": true)")
        << QStringList{"services.inv.cache.learn_ttl: needs heuristics (learned TTLs apply only "
                       "where heuristic freshness is allowed)"};
    QTest::newRow("learn_ttl without heuristics in the defaults")
        << defaults(R"("learn_ttl": true, "heuristics": false)")
        << QStringList{"cache.service_defaults.learn_ttl: needs heuristics (learned TTLs apply "
                       "only where heuristic freshness is allowed)"};
    QTest::newRow("learned min above max")
        << own(R"("learned_ttl_min_s": 600, "learned_ttl_max_s": 60)")
        << QStringList{"services.inv.cache.learned_ttl_min_s: must not exceed learned_ttl_max_s "
                       "(60), got 600"};
    QTest::newRow("learned min above the inherited max")
        << own(R"("learned_ttl_min_s": 7200)")
        << QStringList{"services.inv.cache.learned_ttl_min_s: must not exceed learned_ttl_max_s "
                       "(3600), got 7200"};
    QTest::newRow("learned max below the inherited min")
        << cacheDocument(R"("cache": {"service_defaults": {"learned_ttl_min_s": 60}})",
                         R"({"learned_ttl_max_s": 30})")
        << QStringList{"services.inv.cache.learned_ttl_max_s: must not be less than "
                       "learned_ttl_min_s (60), got 30"};
    QTest::newRow("learned min zero")
        << own(R"("learned_ttl_min_s": 0)")
        << QStringList{"services.inv.cache.learned_ttl_min_s: must be a positive integer, got 0"};
    QTest::newRow("stale_if_unavailable_s negative")
        << defaults(R"("stale_if_unavailable_s": -5)")
        << QStringList{"cache.service_defaults.stale_if_unavailable_s: must not be negative, got "
                       "-5"};
    QTest::newRow("service enabled not a boolean")
        << own(R"("enabled": 1)")
        << QStringList{"services.inv.cache.enabled: expected true or false, got a number"};
    QTest::newRow("service max_bytes negative")
        << own(R"("max_bytes": -1)")
        << QStringList{"services.inv.cache.max_bytes: must not be negative, got -1"};
    QTest::newRow("service object above the global store")
        << own(R"("max_object_bytes": 67108865)")
        << QStringList{"services.inv.cache.max_object_bytes: must not exceed cache.max_bytes "
                       "(67108864), got 67108865"};
    QTest::newRow("service object above its own store")
        << own(R"("max_bytes": 4096, "max_object_bytes": 8192)")
        << QStringList{"services.inv.cache.max_object_bytes: must not exceed max_bytes (4096), "
                       "got 8192"};
    QTest::newRow("default object above the global store")
        << cacheDocument(R"("cache": {"max_bytes": 1048576,
                                      "service_defaults": {"max_object_bytes": 2097152}})",
                         "")
        << QStringList{"cache.service_defaults.max_object_bytes: must not exceed cache.max_bytes "
                       "(1048576), got 2097152"};
    QTest::newRow("defaults' rules despite an error in the global section")
        << global(R"("policy": "lfu", "service_defaults": {"learn_ttl": true})")
        << QStringList{"cache.policy: unknown policy \"lfu\" (expected \"w-tinylfu\" or \"lru\")",
                       "cache.service_defaults.learn_ttl: needs heuristics (learned TTLs apply "
                       "only where heuristic freshness is allowed)"};
    QTest::newRow("defaults' sizes not checked against a global size in error")
        << global(R"("max_bytes": 0, "service_defaults": {"max_object_bytes": 134217728})")
        << QStringList{"cache.max_bytes: must be a positive integer, got 0"};
    QTest::newRow("errors in two services and the defaults")
        << QByteArray(R"({"cache": {"service_defaults": {"heuristic_max_s": -1}},
               "services": {"inv": {"match": {"path_prefix": "/inv/"},
                 "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}],
                 "cache": {"learn_ttl": true}},
               "other": {"match": {"path_prefix": "/other/"},
                 "instances": [{"id": "o-1", "url": "http://127.0.0.1:9201"}],
                 "cache": {"max_bytes": "1G"}}}})")
        << QStringList{"cache.service_defaults.heuristic_max_s: must be a positive integer, got -1",
                       "services.inv.cache.learn_ttl: needs heuristics (learned TTLs apply only "
                       "where heuristic freshness is allowed)",
                       "services.other.cache.max_bytes: expected an integer, got a string"};
}

void TestProxyConfig::rejectsBadCacheSettings() {
    rejectsBadDocuments();
}

void TestProxyConfig::cacheProfileDefaults_data() {
    QTest::addColumn<QString>("profile");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<qint64>("maxObjectBytes");
    QTest::addColumn<qint64>("staleIfUnavailableS");

    QTest::newRow("development") << "development" << (qint64(64) << 20) << (qint64(1) << 20)
                                 << qint64(0);
    QTest::newRow("production") << "production" << (qint64(256) << 20) << (qint64(4) << 20)
                                << qint64(300);
}

void TestProxyConfig::cacheProfileDefaults() {
    QFETCH(QString, profile);
    QFETCH(qint64, maxBytes);
    QFETCH(qint64, maxObjectBytes);
    QFETCH(qint64, staleIfUnavailableS);

    const std::optional<ProxyConfig> defaults = ToolCapture::profileDefaults(profile);
    QVERIFY(defaults);
    const CacheConfig &cache = defaults->cache;
    QVERIFY(cache.enabled);
    QCOMPARE(cache.maxBytes, maxBytes);
    QCOMPARE(cache.maxObjectBytes, maxObjectBytes);
    QVERIFY(cache.maxObjectBytes <= cache.maxBytes);
    QCOMPARE(cache.policy, QStringLiteral("w-tinylfu"));
    QCOMPARE(cache.coalesceWait, 5000ms);
    QVERIFY(cache.redis.isEmpty());
    QCOMPARE(cache.redisTimeout, 50ms);
    QVERIFY(cache.services.isEmpty());
    CacheServiceConfig expected;
    expected.staleIfUnavailable = std::chrono::seconds(staleIfUnavailableS);
    QCOMPARE(cache.serviceDefaults, expected);
    QCOMPARE(cache.forService(QStringLiteral("anything")), expected);

    // What the parser gives a document that says nothing about the cache is the profile's.
    const ConfigLoadResult parsed =
        parseProxyConfig(topLevel("\"profile\": \"" + profile.toUtf8() + "\""));
    QCOMPARE(errorStrings(parsed), QStringList());
    QCOMPARE(parsed.config->cache.maxBytes, maxBytes);
    QCOMPARE(parsed.config->cache.forService(QStringLiteral("inv")), expected);
}

void TestProxyConfig::redisPasswordNeverInMessages_data() {
    QTest::addColumn<QByteArray>("url");
    QTest::newRow("named user") << QByteArray("redis://alice:hunter2hunter2@127.0.0.1:6379");
    QTest::newRow("bad host") << QByteArray("redis://:hunter2hunter2@cache.local:6379");
    QTest::newRow("bad port") << QByteArray("redis://:hunter2hunter2@127.0.0.1:x");
    QTest::newRow("no scheme") << QByteArray(":hunter2hunter2@127.0.0.1:6379");
    QTest::newRow("tls") << QByteArray("rediss://:hunter2hunter2@127.0.0.1:6379");
}

void TestProxyConfig::redisPasswordNeverInMessages() {
    QFETCH(QByteArray, url);

    const ConfigLoadResult result =
        parseProxyConfig(topLevel(R"("cache": {"redis": ")" + url + "\"}"));

    const QStringList errors = errorStrings(result);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.front().startsWith(QLatin1String("cache.redis: ")), qPrintable(errors.front()));
    QVERIFY2(!errors.front().contains(QLatin1String("hunter2")), qPrintable(errors.front()));
}

void TestProxyConfig::intelligenceSwitches_data() {
    QTest::addColumn<QByteArray>("members");
    QTest::addColumn<bool>("analysis");
    QTest::addColumn<bool>("storeExchanges");
    QTest::newRow("absent: both on") << QByteArray() << true << true;
    QTest::newRow("analysis off") << QByteArray(R"("intelligence": {"analysis": false},)") << false
                                  << true;
    QTest::newRow("store_exchanges off")
        << QByteArray(R"("intelligence": {"store_exchanges": false},)") << true << false;
    QTest::newRow("both off")
        << QByteArray(R"("intelligence": {"analysis": false, "store_exchanges": false},)") << false
        << false;
}

void TestProxyConfig::intelligenceSwitches() {
    QFETCH(QByteArray, members);
    QFETCH(bool, analysis);
    QFETCH(bool, storeExchanges);
    const ConfigLoadResult result = parseProxyConfig("{" + members + R"("services": {"inv": {
        "match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://inventory.local"}]}}})");

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    QCOMPARE(result.config->intelligence.analysis, analysis);
    QCOMPARE(result.config->intelligence.storeExchanges, storeExchanges);
    // The recommendations' windows stay the source documents' when not written.
    const RecommendationsConfig &r = result.config->intelligence.recommendations;
    QCOMPARE(r.evaluateEvery, std::chrono::milliseconds(10000));
    QCOMPARE(r.effectWindow, std::chrono::milliseconds(300000));
    QCOMPARE(r.suppressFor, std::chrono::milliseconds(3600000));
    QVERIFY(r.autoRevert);
}

void TestProxyConfig::recommendationWindows() {
    const ConfigLoadResult result = parseProxyConfig(R"({"intelligence": {"recommendations": {
        "evaluate_every_ms": 500, "effect_window_ms": 3000, "auto_revert": false,
        "suppress_for_ms": 0}},
        "services": {"inv": {"match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://inventory.local"}]}}})");
    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const RecommendationsConfig &r = result.config->intelligence.recommendations;
    QCOMPARE(r.evaluateEvery, std::chrono::milliseconds(500));
    QCOMPARE(r.effectWindow, std::chrono::milliseconds(3000));
    QCOMPARE(r.suppressFor, std::chrono::milliseconds(0));
    QVERIFY(!r.autoRevert);
    QVERIFY(result.config->intelligence.analysis); // the switches beside it keep their defaults
}

// Path templates, anomaly thresholds and the recommendations' expiry as written; the defaults
// (the source documents' lines) where nothing is.
void TestProxyConfig::intelligenceTuning() {
    const ConfigLoadResult defaults = parseProxyConfig(topLevel(R"("workers": 1)"));
    QVERIFY(defaults.config);
    const IntelligenceConfig &d = defaults.config->intelligence;
    QVERIFY(d.pathTemplates.templates.isEmpty());
    QVERIFY(d.servicePathTemplates.empty());
    QCOMPARE(d.learnThreshold, 50);
    QCOMPARE(d.anomalies.failureRisk, 0.6);
    QCOMPARE(d.anomalies.loadImbalance, 0.4);
    QCOMPARE(d.anomalies.zScore, 3.5);
    QCOMPARE(d.recommendations.expireAfter, 15min);

    const ConfigLoadResult result = parseProxyConfig(topLevel(R"("intelligence": {
        "path_templates": {
            "templates": ["/files/{path...}"],
            "literals": ["me", "search"],
            "learn_threshold": 20,
            "services": {
                "catalog": {"templates": ["/catalog/products/{sku}", "/catalog/products"]},
                "inventory": {"literals": ["reservations"]}
            }
        },
        "anomalies": {"z_score": 4, "latency_min_delta_ms": 20, "error_rate_min_delta": 0.1,
                      "load_imbalance": 0.5, "failure_risk": 0.7, "min_service_requests": 200},
        "recommendations": {"expire_after_ms": 60000}
    })"));
    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const IntelligenceConfig &i = result.config->intelligence;
    QCOMPARE(i.pathTemplates.templates, QStringList{"/files/{path...}"});
    QCOMPARE(i.pathTemplates.literals, (QStringList{"me", "search"}));
    QCOMPARE(i.learnThreshold, 20);
    QCOMPARE(i.servicePathTemplates.size(), std::size_t(2));
    QCOMPARE(i.servicePathTemplates[0].first, QStringLiteral("catalog"));
    QCOMPARE(i.servicePathTemplates[0].second.templates,
             (QStringList{"/catalog/products/{sku}", "/catalog/products"}));
    QVERIFY(i.servicePathTemplates[0].second.literals.isEmpty());
    QCOMPARE(i.servicePathTemplates[1].first, QStringLiteral("inventory"));
    QCOMPARE(i.servicePathTemplates[1].second.literals, QStringList{"reservations"});
    QCOMPARE(i.anomalies.zScore, 4.0);
    QCOMPARE(i.anomalies.latencyMinDeltaMs, 20.0);
    QCOMPARE(i.anomalies.errorRateMinDelta, 0.1);
    QCOMPARE(i.anomalies.loadImbalance, 0.5);
    QCOMPARE(i.anomalies.failureRisk, 0.7);
    QCOMPARE(i.anomalies.minServiceRequests, 200);
    QCOMPARE(i.recommendations.expireAfter, 1min);
    // The switches keep their defaults.
    QVERIFY(i.analysis);
    QVERIFY(i.storeExchanges);
}

void TestProxyConfig::minimalDocumentTakesDevelopmentDefaults() {
    const ConfigLoadResult result = parseProxyConfig(R"({"services": {"inv": {
        "match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://inventory.local"}]}}})");

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("development"));
    QCOMPARE(config.listen.toString(), QStringLiteral("127.0.0.1:8090"));
    QCOMPARE(config.admin.toString(), QStringLiteral("127.0.0.1:8091"));
    QCOMPARE(config.workers, 0);
    QCOMPARE(config.timeouts.connect, 5s);
    QCOMPARE(config.timeouts.firstByte, 30s);
    QCOMPARE(config.timeouts.headerRead, 10s);
    QCOMPARE(config.timeouts.bodyRead, 30s);
    QCOMPARE(config.timeouts.idleKeepAlive, 60s);
    QCOMPARE(config.timeouts.drain, 10s);
    QCOMPARE(config.limits.maxRequestLine, 8 * 1024);
    QCOMPARE(config.limits.maxHeaderBytes, 32 * 1024);
    QCOMPARE(config.limits.maxHeaderCount, 100);
    QCOMPARE(config.limits.maxBodyBytes, qint64(1) << 30);
    QCOMPARE(config.pool.maxConnections, 20);
    QCOMPARE(config.pool.maxIdle, 20);
    QCOMPARE(config.pool.idleTimeout, 30s);
    QCOMPARE(config.retry.maxAttempts, 3);
    QCOMPARE(config.retry.baseDelay, 50ms);
    QCOMPARE(config.retry.maxDelay, 2000ms);
    QCOMPARE(config.retry.budget, 0.2);
    QCOMPARE(config.kafka.brokers, QStringLiteral("embedded"));
    QCOMPARE(config.kafka.contentMode, CloudEventsMode::Structured);
    QCOMPARE(config.store, QStringLiteral("sqlite"));
    QCOMPARE(config.logging.json, false);
    QCOMPARE(config.logging.debug, false);

    QCOMPARE(config.services.size(), std::size_t(1));
    const ServiceConfig &inv = config.services.front();
    QCOMPARE(inv.name, QStringLiteral("inv"));
    QCOMPARE(inv.match.pathPrefix, QByteArray("/inv/"));
    QVERIFY(inv.match.host.isEmpty());
    QCOMPARE(inv.match.stripPrefix, false);
    QCOMPARE(inv.pool.maxConnections, 20);
    QCOMPARE(inv.timeouts.connect, 5s);
    QCOMPARE(inv.retry.maxAttempts, 3);
    QCOMPARE(inv.instances.size(), std::size_t(1));
    QCOMPARE(inv.instances[0].id, QStringLiteral("inv-1"));
    QCOMPARE(inv.instances[0].url, QStringLiteral("http://inventory.local"));
    QCOMPARE(inv.instances[0].host, QStringLiteral("inventory.local"));
    QCOMPARE(inv.instances[0].port, quint16(80)); // no port in the URL
    QVERIFY(inv.instances[0].capabilities.isEmpty());
}

void TestProxyConfig::fullDocument() {
    const ConfigLoadResult result = parseProxyConfig(R"({
        "profile": "production",
        "listen": "0.0.0.0:0",
        "admin": "localhost:0",
        "workers": 4,
        "timeouts": {"connect_ms": 1000, "first_byte_ms": 2000, "header_read_ms": 3000,
                     "body_read_ms": 3500, "idle_keepalive_ms": 4000, "drain_ms": 5000},
        "limits": {"max_request_line": 4096, "max_header_bytes": 16384, "max_header_count": 50,
                   "max_body_bytes": 0},
        "pool": {"max_connections": 30, "max_idle": 10, "idle_timeout_ms": 15000},
        "retry": {"max_attempts": 5, "base_ms": 0, "max_ms": 100, "budget": 0},
        "services": {
            "search": {"match": {"host": "Search.Local"},
                       "instances": [{"id": "search-1", "url": "HTTP://Search-1.internal:8080/",
                                      "capabilities": ["v1", "v2"]}]},
            "inventory": {"match": {"path_prefix": "/inventory/", "strip_prefix": true,
                                    "host": "inv.local"},
                          "instances": [{"id": "inventory-1", "url": "http://10.0.0.1:9101"}],
                          "pool": {"max_connections": 5, "max_idle": 5, "idle_timeout_ms": 1},
                          "timeouts": {"connect_ms": 100, "first_byte_ms": 200},
                          "retry": {"max_attempts": 1, "base_ms": 10, "max_ms": 20, "budget": 1}}
        },
        "kafka": {"brokers": "kafka-1:9092, 10.0.0.9:9093", "partitions": 6,
                  "spool_dir": "/var/spool/tc", "spool_max_bytes": 2097152,
                  "message_timeout_ms": 2500, "linger_ms": 0, "compression": "zstd",
                  "queue_max_messages": 5000, "embedded_brokers": 3,
                  "content_mode": "binary"},
        "capture": {"enabled": false, "headers": ["Accept", "X-Session-ID"],
                    "max_body_bytes": 10, "max_response_body_bytes": 0,
                    "store_path": "/tmp/c.sqlite", "store_max_bytes": 1048576,
                    "store_max_records": 7, "queue_capacity": 128},
        "hooks": {"api_keys": ["0123456789abcdef", "fedcba9876543210"], "max_body_bytes": 4096,
                  "pending_timeout_ms": 1000},
        "registry": {"max_dynamic_instances": 8, "max_dynamic_services": 0},
        "store": "postgresql://tc@127.0.0.1:5433/intel",
        "logging": {"json": false, "debug": true}
    })");

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("production"));
    QCOMPARE(config.listen.toString(), QStringLiteral("0.0.0.0:0"));
    QCOMPARE(config.admin.toString(), QStringLiteral("127.0.0.1:0"));
    QCOMPARE(config.workers, 4);
    QCOMPARE(config.effectiveWorkers(), 4);
    QCOMPARE(config.timeouts.connect, 1s);
    QCOMPARE(config.timeouts.firstByte, 2s);
    QCOMPARE(config.timeouts.headerRead, 3s);
    QCOMPARE(config.timeouts.bodyRead, 3500ms);
    QCOMPARE(config.timeouts.idleKeepAlive, 4s);
    QCOMPARE(config.timeouts.drain, 5s);
    QCOMPARE(config.limits.maxRequestLine, 4096);
    QCOMPARE(config.limits.maxHeaderBytes, 16384);
    QCOMPARE(config.limits.maxHeaderCount, 50);
    QCOMPARE(config.limits.maxBodyBytes, 0);
    QCOMPARE(config.pool.maxConnections, 30);
    QCOMPARE(config.pool.maxIdle, 10);
    QCOMPARE(config.pool.idleTimeout, 15s);
    QCOMPARE(config.retry.maxAttempts, 5);
    QCOMPARE(config.retry.baseDelay, 0ms);
    QCOMPARE(config.retry.maxDelay, 100ms);
    QCOMPARE(config.retry.budget, 0.0);
    QCOMPARE(config.kafka.brokers, QStringLiteral("kafka-1:9092,10.0.0.9:9093")); // normalised
    QCOMPARE(config.kafka.partitions, 6);
    QCOMPARE(config.kafka.spoolDir, QStringLiteral("/var/spool/tc"));
    QCOMPARE(config.kafka.spoolMaxBytes, 2097152);
    QCOMPARE(config.kafka.messageTimeout, 2500ms);
    QCOMPARE(config.kafka.linger, 0ms);
    QCOMPARE(config.kafka.compression, QStringLiteral("zstd"));
    QCOMPARE(config.kafka.queueMaxMessages, 5000);
    QCOMPARE(config.kafka.embeddedBrokers, 3);
    QCOMPARE(config.kafka.contentMode, CloudEventsMode::Binary);
    QCOMPARE(config.capture.enabled, false);
    QCOMPARE(config.capture.headers, (QStringList{"accept", "x-session-id"})); // lower-cased
    QCOMPARE(config.capture.maxBodyBytes, 10);
    QCOMPARE(config.capture.maxResponseBodyBytes, 0);
    QCOMPARE(config.capture.storePath, QStringLiteral("/tmp/c.sqlite"));
    QCOMPARE(config.capture.storeMaxBytes, 1048576);
    QCOMPARE(config.capture.storeMaxRecords, 7);
    QCOMPARE(config.capture.queueCapacity, 128);
    QCOMPARE(config.hooks.apiKeys, (QStringList{"0123456789abcdef", "fedcba9876543210"}));
    QCOMPARE(config.hooks.maxBodyBytes, 4096);
    QCOMPARE(config.hooks.pendingTimeout, 1000ms);
    QCOMPARE(config.registry.maxDynamicInstances, 8);
    QCOMPARE(config.registry.maxDynamicServices, 0);
    QCOMPARE(config.store, QStringLiteral("postgresql://tc@127.0.0.1:5433/intel"));
    QCOMPARE(config.logging.json, false);
    QCOMPARE(config.logging.debug, true);

    // Services keep document order.
    QCOMPARE(config.services.size(), std::size_t(2));
    const ServiceConfig &search = config.services[0];
    QCOMPARE(search.name, QStringLiteral("search"));
    QCOMPARE(search.match.host, QByteArray("search.local"));
    QVERIFY(search.match.pathPrefix.isEmpty());
    QCOMPARE(search.instances[0].host, QStringLiteral("search-1.internal"));
    QCOMPARE(search.instances[0].port, quint16(8080));
    QCOMPARE(search.instances[0].capabilities, QStringList({"v1", "v2"}));
    QCOMPARE(search.pool.maxConnections, 30); // inherited
    QCOMPARE(search.retry.maxAttempts, 5);

    const ServiceConfig &inventory = config.services[1];
    QCOMPARE(inventory.match.pathPrefix, QByteArray("/inventory/"));
    QCOMPARE(inventory.match.host, QByteArray("inv.local"));
    QCOMPARE(inventory.match.stripPrefix, true);
    QCOMPARE(inventory.instances[0].host, QStringLiteral("10.0.0.1"));
    QCOMPARE(inventory.instances[0].port, quint16(9101));
    QCOMPARE(inventory.pool.maxConnections, 5);
    QCOMPARE(inventory.pool.maxIdle, 5);
    QCOMPARE(inventory.pool.idleTimeout, 1ms);
    QCOMPARE(inventory.timeouts.connect, 100ms);
    QCOMPARE(inventory.timeouts.firstByte, 200ms);
    QCOMPARE(inventory.timeouts.headerRead, 3s); // client-side timeouts stay global
    QCOMPARE(inventory.retry.maxAttempts, 1);
    QCOMPARE(inventory.retry.baseDelay, 10ms);
    QCOMPARE(inventory.retry.maxDelay, 20ms);
    QCOMPARE(inventory.retry.budget, 1.0);
}

void TestProxyConfig::productionProfile() {
    const ConfigLoadResult result = parseProxyConfig(topLevel(R"("profile": "production")"));

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("production"));
    QCOMPARE(config.timeouts.connect, 10s);
    QCOMPARE(config.timeouts.firstByte, 60s);
    QCOMPARE(config.pool.maxConnections, 100);
    QCOMPARE(config.pool.maxIdle, 20);
    QCOMPARE(config.pool.idleTimeout, 30s);
    QCOMPARE(config.retry.maxAttempts, 4); // max_retries 3 + the first attempt
    QCOMPARE(config.logging.json, true);
    QCOMPARE(config.services.front().timeouts.connect, 10s);
    QCOMPARE(config.services.front().pool.maxConnections, 100);
}

void TestProxyConfig::explicitValuesOverrideProfile() {
    // The profile is applied first wherever it is written; explicit values win.
    const ConfigLoadResult result = parseProxyConfig(topLevel(
        R"("timeouts": {"connect_ms": 2500}, "pool": {"max_connections": 7},
           "logging": {"json": false}, "profile": "production")"));

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.timeouts.connect, 2500ms);
    QCOMPARE(config.timeouts.firstByte, 60s); // still the profile's
    QCOMPARE(config.pool.maxConnections, 7);
    QCOMPARE(config.pool.maxIdle, 7); // the profile's idle limit (20) capped to the pool
    QCOMPARE(config.logging.json, false);
    QCOMPARE(config.retry.maxAttempts, 4);
}

void TestProxyConfig::servicesInheritGlobalSettings() {
    // Global settings written after the services still reach them.
    const ConfigLoadResult result = parseProxyConfig(R"({
        "services": {
            "a": {"match": {"path_prefix": "/a/"},
                  "instances": [{"id": "a-1", "url": "http://h:1"}]},
            "b": {"match": {"path_prefix": "/b/"},
                  "instances": [{"id": "b-1", "url": "http://h:2"}],
                  "retry": {"max_attempts": 1}, "timeouts": {"first_byte_ms": 500}}
        },
        "retry": {"max_attempts": 6, "budget": 0.5},
        "timeouts": {"connect_ms": 700, "first_byte_ms": 900},
        "pool": {"idle_timeout_ms": 1234}
    })");

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    const ServiceConfig &a = config.services[0];
    const ServiceConfig &b = config.services[1];
    QCOMPARE(a.retry.maxAttempts, 6);
    QCOMPARE(a.retry.budget, 0.5);
    QCOMPARE(a.timeouts.connect, 700ms);
    QCOMPARE(a.timeouts.firstByte, 900ms);
    QCOMPARE(a.pool.idleTimeout, 1234ms);
    QCOMPARE(b.retry.maxAttempts, 1);
    QCOMPARE(b.retry.budget, 0.5); // the rest of the global retry settings
    QCOMPARE(b.timeouts.connect, 700ms);
    QCOMPARE(b.timeouts.firstByte, 500ms);
    QCOMPARE(b.pool.idleTimeout, 1234ms);
}

void TestProxyConfig::inheritedIdleLimitShrinksWithServicePool() {
    const ConfigLoadResult result = parseProxyConfig(topLevel(R"("pool": {"max_idle": 15})")
                                                         .replace(R"("instances")",
                                                                  R"("pool": {"max_connections": 4},
                                                                     "instances")"));

    QCOMPARE(errorStrings(result), QStringList());
    QCOMPARE(result.config->pool.maxIdle, 15);
    QCOMPARE(result.config->services.front().pool.maxConnections, 4);
    QCOMPARE(result.config->services.front().pool.maxIdle, 4);
}

void TestProxyConfig::ipv6Addresses() {
    const ConfigLoadResult result = parseProxyConfig(R"({"listen": "[::1]:0", "admin": "[::]:9000",
        "services": {"v6": {"match": {"path_prefix": "/"},
                            "instances": [{"id": "v6-1", "url": "http://[::1]:9101"}]}}})");

    QCOMPARE(errorStrings(result), QStringList());
    QCOMPARE(result.config->listen.host, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(result.config->listen.toString(), QStringLiteral("[::1]:0"));
    QCOMPARE(result.config->admin.toString(), QStringLiteral("[::]:9000"));
    QCOMPARE(result.config->services.front().instances[0].host, QStringLiteral("::1"));
    QCOMPARE(result.config->services.front().instances[0].port, quint16(9101));
}

void TestProxyConfig::profileDefaults_data() {
    QTest::addColumn<QString>("profile");
    QTest::addColumn<bool>("known");
    QTest::addColumn<qint64>("connectMs");
    QTest::addColumn<qint64>("firstByteMs");
    QTest::addColumn<int>("maxConnections");
    QTest::addColumn<int>("maxAttempts");

    QTest::newRow("development") << "development" << true << qint64(5000) << qint64(30000) << 20
                                 << 3;
    QTest::newRow("production") << "production" << true << qint64(10000) << qint64(60000) << 100
                                << 4;
    QTest::newRow("unknown") << "staging" << false << qint64(0) << qint64(0) << 0 << 0;
    QTest::newRow("case matters") << "Production" << false << qint64(0) << qint64(0) << 0 << 0;
}

void TestProxyConfig::profileDefaults() {
    QFETCH(QString, profile);
    QFETCH(bool, known);

    const std::optional<ProxyConfig> defaults = ToolCapture::profileDefaults(profile);

    QCOMPARE(defaults.has_value(), known);
    if (!known)
        return;
    QFETCH(qint64, connectMs);
    QFETCH(qint64, firstByteMs);
    QFETCH(int, maxConnections);
    QFETCH(int, maxAttempts);
    QCOMPARE(defaults->profile, profile);
    QCOMPARE(defaults->timeouts.connect.count(), connectMs);
    QCOMPARE(defaults->timeouts.firstByte.count(), firstByteMs);
    QCOMPARE(defaults->pool.maxConnections, maxConnections);
    QCOMPARE(defaults->retry.maxAttempts, maxAttempts);
    QVERIFY(defaults->pool.maxIdle <= defaults->pool.maxConnections);
    QVERIFY(defaults->services.empty());
}

void TestProxyConfig::effectiveWorkers() {
    ProxyConfig config;
    config.workers = 0;
    QCOMPARE(config.effectiveWorkers(), std::max(1, QThread::idealThreadCount()));
    config.workers = 3;
    QCOMPARE(config.effectiveWorkers(), 3);
}

void TestProxyConfig::exampleFileLoads() {
    const ConfigLoadResult result = loadProxyConfigFile(QStringLiteral(TOOLCAPTURE_EXAMPLE_CONFIG));

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    QCOMPARE(result.config->services.size(), std::size_t(3));
    QCOMPARE(result.config->services[1].name, QStringLiteral("pricing"));
    QCOMPARE(result.config->services[1].pool.maxConnections, 8);
    QCOMPARE(result.config->services[1].pool.maxIdle, 8);
    // The resilience examples: each service overrides a few keys of the global sections.
    const ServiceConfig &inventory = result.config->services[0];
    QCOMPARE(inventory.breaker.window, BreakerConfig::Window::Time);
    QCOMPARE(inventory.breaker.windowDuration, 30s);
    QCOMPARE(inventory.breaker.openDuration, 10s);
    QCOMPARE(inventory.breaker.consecutiveFailures, 5);
    QCOMPARE(inventory.health.path, QByteArray("/inventory/health"));
    QCOMPARE(inventory.health.timeout, 1s);
    const ServiceConfig &pricing = result.config->services[1];
    QCOMPARE(pricing.rateLimit.requestsPerSecond, 50.0);
    QCOMPARE(pricing.rateLimit.burst, 100);
    QCOMPARE(pricing.bulkhead.maxActive, 8);
    QCOMPARE(pricing.bulkhead.maxPending, 0);
    QCOMPARE(pricing.health.enabled, false);
    const ServiceConfig &search = result.config->services[2];
    QCOMPARE(search.routing.latencyWeight, 0.6);
    QCOMPARE(search.routing.reliabilityWeight, 0.3);
    QCOMPARE(search.routing.compatibilityWeight, 0.0);
    QCOMPARE(search.routing.capacity, 50);
    QCOMPARE(search.outlier.successRateMinimumHosts, 2);
    QCOMPARE(search.rateLimit.requestsPerSecond, 0.0);
    // The cache: the global section as the development profile has it, two services' own.
    const CacheConfig &cache = result.config->cache;
    QCOMPARE(cache.maxBytes, qint64(64) << 20);
    QCOMPARE(cache.serviceDefaults, CacheServiceConfig());
    const CacheServiceConfig &inventoryCache = cache.forService(QStringLiteral("inventory"));
    QVERIFY(inventoryCache.heuristics && inventoryCache.learnTtl);
    QCOMPARE(inventoryCache.learnedTtlMin, 1s);
    QCOMPARE(inventoryCache.learnedTtlMax, 600s);
    QCOMPARE(inventoryCache.staleIfUnavailable, 60s);
    QCOMPARE(cache.forService(QStringLiteral("pricing")).enabled, false);
    QVERIFY(!cache.services.contains(QStringLiteral("search")));
    QCOMPARE(cache.forService(QStringLiteral("search")), cache.serviceDefaults);
}

void TestProxyConfig::unreadableFileNamesFileAndReason() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("missing.json"));

    const ConfigLoadResult result = loadProxyConfigFile(path);

    QVERIFY(!result.config);
    QCOMPARE(errorStrings(result),
             QStringList{path + QStringLiteral(": cannot read: No such file or directory")});
}

void TestProxyConfig::fileSyntaxErrorNamesFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\n  \"services\": {\n    \"a\": [\n}\n");
    file.close();

    const ConfigLoadResult result = loadProxyConfigFile(path);

    QVERIFY(!result.config);
    QCOMPARE(result.errors.size(), std::size_t(1));
    QCOMPARE(result.errors[0].path, path);
    QVERIFY2(
        result.errors[0].message.startsWith(QStringLiteral("syntax error at line 4, column 1")),
        qPrintable(result.errors[0].message));
}

QTEST_GUILESS_MAIN(TestProxyConfig)
#include "tst_proxy_config.moc"
