#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>
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
    QString id;         // unique across the whole configuration
    QString url;        // as written, "http://127.0.0.1:9101"
    QString host;       // from url
    quint16 port = 80;  // from url
    QStringList capabilities;
};

// How requests are matched to a service. A request also matches a service whose name equals
// its X-Target-Service header. Precedence: X-Target-Service, then Host, then longest prefix.
struct MatchConfig {
    QByteArray pathPrefix; // e.g. "/inventory/"; empty: none
    QByteArray host;       // e.g. "inventory.local" (compared without port); empty: none
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
    milliseconds idleKeepAlive{60000}; // client: idle between requests, then closed
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
    double budget = 0.2;
};

struct ServiceConfig {
    QString name;
    MatchConfig match;
    std::vector<InstanceConfig> instances;
    PoolConfig pool;       // the global pool settings unless the service overrides them
    TimeoutConfig timeouts; // the global timeouts unless the service overrides connect/firstByte
    RetryConfig retry;
};

struct KafkaConfig {
    QString brokers = QStringLiteral("embedded");
};

struct LoggingConfig {
    bool json = false;
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
    std::vector<ServiceConfig> services;
    KafkaConfig kafka;
    QString store = QStringLiteral("sqlite");
    LoggingConfig logging;

    int effectiveWorkers() const;
};

// One thing wrong with a configuration, located by its path:
// "services.inventory.instances[1].url: not an http URL".
struct ConfigError {
    QString path;
    QString message;
    QString toString() const { return path.isEmpty() ? message : path + QLatin1String(": ") + message; }
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
