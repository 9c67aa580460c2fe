#include <backend/config/cache_config_reader.h>
#include <backend/config/config_syntax.h>
#include <backend/config/intelligence_config_reader.h>
#include <backend/config/pipeline_config_reader.h>
#include <backend/config/proxy_config_parser.h>
#include <backend/config/resilience_config_reader.h>
#include <backend/config/store_config_reader.h>

#include <algorithm>
#include <array>
#include <limits>
#include <set>
#include <string>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr qint64 kMaxTimeoutMs = 24 * 60 * 60 * 1000; // one day
constexpr qint64 kMaxPoolConnections = 100000;
constexpr qint64 kMaxWorkers = 256;
constexpr qint64 kMaxRetryAttempts = 10;

constexpr std::array kTopLevelKeys{
    "profile"sv, "listen"sv,     "admin"sv,       "workers"sv,  "timeouts"sv, "limits"sv,
    "pool"sv,    "retry"sv,      "breaker"sv,     "bulkhead"sv, "health"sv,   "outlier"sv,
    "routing"sv, "rate_limit"sv, "admin_token"sv, "services"sv, "kafka"sv,    "store"sv,
    "logging"sv, "capture"sv,    "hooks"sv,       "registry"sv, "cache"sv,    "intelligence"sv};
constexpr std::array kTimeoutKeys{"connect_ms"sv,    "first_byte_ms"sv,     "header_read_ms"sv,
                                  "body_read_ms"sv,  "idle_keepalive_ms"sv, "drain_ms"sv,
                                  "tunnel_idle_ms"sv};
constexpr std::array kServiceTimeoutKeys{"connect_ms"sv, "first_byte_ms"sv};
constexpr std::array kLimitKeys{"max_request_line"sv, "max_header_bytes"sv, "max_header_count"sv,
                                "max_body_bytes"sv};
constexpr std::array kPoolKeys{"max_connections"sv, "max_idle"sv, "idle_timeout_ms"sv};
constexpr std::array kRetryKeys{"max_attempts"sv,
                                "base_ms"sv,
                                "max_ms"sv,
                                "budget"sv,
                                "min_retry_concurrency"sv,
                                "per_try_timeout_ms"sv,
                                "retry_internal_error"sv};
constexpr std::array kServiceKeys{"match"sv,  "instances"sv, "pool"sv,     "timeouts"sv,
                                  "retry"sv,  "breaker"sv,   "bulkhead"sv, "rate_limit"sv,
                                  "health"sv, "outlier"sv,   "routing"sv,  "capture"sv,
                                  "cache"sv};
constexpr std::array kMatchKeys{"path_prefix"sv, "host"sv, "strip_prefix"sv};
constexpr std::array kInstanceKeys{"id"sv, "url"sv, "capabilities"sv};
constexpr std::array kLoggingKeys{"json"sv, "debug"sv};
constexpr std::array kRegistryKeys{"max_dynamic_instances"sv, "max_dynamic_services"sv};

struct TimeoutField {
    std::string_view key;
    milliseconds TimeoutConfig::*member;
};
constexpr std::array kTimeoutFields{
    TimeoutField{"connect_ms", &TimeoutConfig::connect},
    TimeoutField{"first_byte_ms", &TimeoutConfig::firstByte},
    TimeoutField{"header_read_ms", &TimeoutConfig::headerRead},
    TimeoutField{"body_read_ms", &TimeoutConfig::bodyRead},
    TimeoutField{"idle_keepalive_ms", &TimeoutConfig::idleKeepAlive},
    TimeoutField{"tunnel_idle_ms", &TimeoutConfig::tunnelIdle},
    TimeoutField{"drain_ms", &TimeoutConfig::drain},
};

QString documentPath() {
    return QStringLiteral("<document>");
}

// Follows the parser's events to know the path of the object being read, so that a key
// written twice (which JSON parsers silently collapse) is reported where it happens.
class DuplicateKeyTracker {
public:
    explicit DuplicateKeyTracker(ConfigReader &reader)
        : m_reader(reader) {}

    bool onEvent(ConfigJson::parse_event_t event, const ConfigJson &parsed) {
        using Event = ConfigJson::parse_event_t;
        switch (event) {
        case Event::object_start:
        case Event::array_start:
            m_frames.push_back(Frame{event == Event::array_start, 0, {}, {}});
            break;
        case Event::key: {
            Frame &frame = m_frames.back();
            frame.key = parsed.get<std::string>();
            if (!frame.keys.insert(frame.key).second)
                m_reader.error(
                    currentObjectPath(),
                    QStringLiteral("duplicate key %1").arg(ConfigReader::quoted(frame.key)));
            break;
        }
        case Event::value:
            elementDone();
            break;
        case Event::object_end:
        case Event::array_end:
            m_frames.pop_back();
            elementDone();
            break;
        }
        return true;
    }

private:
    struct Frame {
        bool array = false;
        std::size_t index = 0;
        std::string key;
        std::set<std::string> keys;
    };

    void elementDone() {
        if (!m_frames.empty() && m_frames.back().array)
            ++m_frames.back().index;
    }

    QString currentObjectPath() const {
        QString path;
        for (std::size_t i = 0; i + 1 < m_frames.size(); ++i) {
            const Frame &frame = m_frames[i];
            path = frame.array ? ConfigReader::elementPath(path, frame.index)
                               : ConfigReader::memberPath(path, frame.key);
        }
        return path;
    }

    ConfigReader &m_reader;
    std::vector<Frame> m_frames;
};

// 1-based line and column of a 1-based byte position, as an editor shows them.
std::pair<qsizetype, qsizetype> lineAndColumn(const QByteArray &document, std::size_t byte) {
    const qsizetype position = std::min<qsizetype>(qsizetype(byte), document.size() + 1) - 1;
    qsizetype line = 1;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < position && i < document.size(); ++i) {
        if (document[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    return {line, position - lineStart + 1};
}

} // namespace

ConfigLoadResult ProxyConfigParser::parse(const QByteArray &document) {
    ConfigJson root;
    if (parseJson(document, root)) {
        if (root.is_object()) {
            readProfile(root);
            readTopLevel(root);
        } else {
            m_errors.push_back(
                {documentPath(), QStringLiteral("expected a JSON object at the top level, got %1")
                                     .arg(ConfigReader::typeName(root))});
        }
    }
    ConfigLoadResult result;
    result.errors = std::move(m_errors);
    if (result.errors.empty())
        result.config = std::move(m_config);
    return result;
}

bool ProxyConfigParser::parseJson(const QByteArray &document, ConfigJson &root) {
    DuplicateKeyTracker tracker(m_reader);
    try {
        root =
            ConfigJson::parse(document.begin(), document.end(),
                              [&tracker](int, ConfigJson::parse_event_t event, ConfigJson &parsed) {
                                  return tracker.onEvent(event, parsed);
                              });
    } catch (const ConfigJson::parse_error &e) {
        // what(): "[json.exception.parse_error.101] parse error at line 3, column 5: syntax
        // error while parsing object key - invalid literal; last read: ..."
        QString detail = QString::fromUtf8(e.what());
        const qsizetype dash = detail.indexOf(QLatin1String(" - "));
        if (dash >= 0)
            detail = detail.mid(dash + 3);
        const auto [line, column] = lineAndColumn(document, e.byte);
        m_errors.clear(); // duplicate keys seen before the syntax error are beside the point
        m_errors.push_back({documentPath(), QStringLiteral("syntax error at line %1, column %2: %3")
                                                .arg(line)
                                                .arg(column)
                                                .arg(detail)});
        return false;
    } catch (const ConfigJson::exception &e) {
        // Number overflow ("1e400") has no position: find the literal it quotes.
        QString detail = QString::fromUtf8(e.what());
        detail = detail.mid(detail.indexOf(QLatin1String("] ")) + 2);
        const qsizetype open = detail.indexOf(QLatin1Char('\''));
        const qsizetype close = detail.lastIndexOf(QLatin1Char('\''));
        const qsizetype at = open >= 0 && close > open
                                 ? document.indexOf(detail.mid(open + 1, close - open - 1).toUtf8())
                                 : -1;
        m_errors.clear();
        if (at >= 0) {
            const auto [line, column] = lineAndColumn(document, std::size_t(at) + 1);
            detail = QStringLiteral("syntax error at line %1, column %2: %3")
                         .arg(line)
                         .arg(column)
                         .arg(detail);
        }
        m_errors.push_back({documentPath(), detail});
        return false;
    }
    return true;
}

void ProxyConfigParser::readProfile(const ConfigJson &root) {
    m_config = *profileDefaults(QStringLiteral("development"));
    const auto it = root.find("profile");
    if (it == root.end())
        return;
    const auto name = m_reader.readString(QStringLiteral("profile"), *it);
    if (!name)
        return;
    if (const auto defaults = profileDefaults(*name)) {
        m_config = *defaults;
        return;
    }
    m_reader.error(QStringLiteral("profile"),
                   QStringLiteral("unknown profile %1 (expected \"development\" or \"production\")")
                       .arg(ConfigReader::quoted(*name)));
}

void ProxyConfigParser::readTopLevel(const ConfigJson &root) {
    const ConfigJson *services = nullptr;
    m_reader.forEachMember(
        QString(), root, kTopLevelKeys,
        [&](std::string_view key, const QString &path, const ConfigJson &value) {
            if (key == "listen") {
                readListen(path, value, m_config.listen);
            } else if (key == "admin") {
                readListen(path, value, m_config.admin);
            } else if (key == "workers") {
                if (const auto n = m_reader.readInteger(path, value, 0, kMaxWorkers))
                    m_config.workers = int(*n);
            } else if (key == "timeouts") {
                readTimeouts(path, value, m_config.timeouts, false);
            } else if (key == "limits") {
                readLimits(path, value);
            } else if (key == "pool") {
                readPool(path, value, m_config.pool);
            } else if (key == "retry") {
                readRetry(path, value, m_config.retry);
            } else if (key == "breaker") {
                m_resilience.readBreaker(path, value, m_config.breaker);
            } else if (key == "bulkhead") {
                m_resilience.readBulkhead(path, value, m_config.bulkhead);
            } else if (key == "health") {
                m_resilience.readHealth(path, value, m_config.health);
            } else if (key == "outlier") {
                m_resilience.readOutlier(path, value, m_config.outlier);
            } else if (key == "routing") {
                m_resilience.readRouting(path, value, m_config.routing);
            } else if (key == "rate_limit") {
                m_reader.error(path, QStringLiteral("allowed only inside a service, as "
                                                    "services.<name>.rate_limit (the limit is per "
                                                    "service)"));
            } else if (key == "admin_token") {
                const auto token = m_reader.readString(path, value);
                const QString error = token ? checkAdminToken(*token) : QString();
                if (!error.isEmpty())
                    m_reader.error(path, error);
                else if (token)
                    m_config.adminToken = *token;
            } else if (key == "services") {
                services = &value; // read last: services inherit the global settings
            } else if (key == "kafka") {
                m_pipeline.readKafka(path, value, m_config.kafka);
            } else if (key == "capture") {
                m_pipeline.readCapture(path, value, m_config.capture);
            } else if (key == "cache") {
                m_cache.readCache(path, value, m_config.cache);
            } else if (key == "hooks") {
                m_pipeline.readHooks(path, value, m_config.hooks);
            } else if (key == "registry") {
                m_reader.forEachMember(
                    path, value, kRegistryKeys,
                    [&](std::string_view k, const QString &p, const ConfigJson &v) {
                        const auto n = m_reader.readInteger(p, v, 0, 4096);
                        if (!n)
                            return;
                        if (k == "max_dynamic_instances")
                            m_config.registry.maxDynamicInstances = int(*n);
                        else
                            m_config.registry.maxDynamicServices = int(*n);
                    });
            } else if (key == "store") {
                // "sqlite" (the user's data directory), a file, or a postgresql:// URL; or an
                // object with that as its url and the store's tuning.
                readStoreConfig(m_reader, path, value, m_config.store, m_config.storeTuning);
            } else if (key == "intelligence") {
                IntelligenceConfigReader(m_reader).read(path, value, m_config.intelligence);
            } else if (key == "logging") {
                m_reader.forEachMember(
                    path, value, kLoggingKeys,
                    [&](std::string_view name, const QString &p, const ConfigJson &v) {
                        if (const auto flag = m_reader.readBool(p, v))
                            (name == "json" ? m_config.logging.json : m_config.logging.debug) =
                                *flag;
                    });
            }
            // "profile" was read first: it decides every default.
        });
    checkAddresses();
    if (services)
        readServices(QStringLiteral("services"), *services);
    else
        m_reader.error(QString(), QStringLiteral("missing required key \"services\""));
}

void ProxyConfigParser::readListen(const QString &path, const ConfigJson &value,
                                   ListenAddress &address) {
    if (!value.is_string()) {
        m_reader.error(path, QStringLiteral("expected a \"host:port\" string, got %1")
                                 .arg(ConfigReader::typeName(value)));
        return;
    }
    const QString error =
        parseListenAddress(QString::fromStdString(value.get<std::string>()), address);
    if (!error.isEmpty())
        m_reader.error(path, error);
}

void ProxyConfigParser::checkAddresses() {
    const bool addressErrors = std::any_of(m_errors.begin(), m_errors.end(), [](const auto &e) {
        return e.path == QLatin1String("listen") || e.path == QLatin1String("admin");
    });
    if (addressErrors)
        return; // the defaults left in place would make a confusing conflict
    const ListenAddress &listen = m_config.listen;
    const ListenAddress &admin = m_config.admin;
    const auto isAny = [](const QHostAddress &host) {
        return host == QHostAddress(QHostAddress::Any) ||
               host == QHostAddress(QHostAddress::AnyIPv4) ||
               host == QHostAddress(QHostAddress::AnyIPv6);
    };
    if (listen.port != 0 && listen.port == admin.port &&
        (listen.host == admin.host || isAny(listen.host) || isAny(admin.host))) {
        m_reader.error(
            QStringLiteral("admin"),
            QStringLiteral("conflicts with listen (%1): the admin API needs its own port")
                .arg(listen.toString()));
    }
}

void ProxyConfigParser::readTimeouts(const QString &path, const ConfigJson &value,
                                     TimeoutConfig &timeouts, bool serviceLevel) {
    const ConfigReader::KeyList keys = serviceLevel ? ConfigReader::KeyList(kServiceTimeoutKeys)
                                                    : ConfigReader::KeyList(kTimeoutKeys);
    m_reader.forEachMember(path, value, keys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxTimeoutMs);
                               if (!ms)
                                   return;
                               for (const TimeoutField &field : kTimeoutFields) {
                                   if (field.key == key)
                                       timeouts.*field.member = *ms;
                               }
                           });
}

void ProxyConfigParser::readLimits(const QString &path, const ConfigJson &value) {
    LimitsConfig &limits = m_config.limits;
    m_reader.forEachMember(
        path, value, kLimitKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "max_request_line") {
                if (const auto n = m_reader.readInteger(p, v, 16, 1 << 20))
                    limits.maxRequestLine = qsizetype(*n);
            } else if (key == "max_header_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 64, 16 << 20))
                    limits.maxHeaderBytes = qsizetype(*n);
            } else if (key == "max_header_count") {
                if (const auto n = m_reader.readInteger(p, v, 1, 10000))
                    limits.maxHeaderCount = int(*n);
            } else if (key == "max_body_bytes") {
                const auto n = m_reader.readInteger(p, v, 0, std::numeric_limits<qint64>::max());
                if (n)
                    limits.maxBodyBytes = *n;
            }
        });
}

void ProxyConfigParser::readPool(const QString &path, const ConfigJson &value, PoolConfig &pool) {
    const std::size_t errorsBefore = m_reader.errorCount();
    bool explicitIdle = false;
    m_reader.forEachMember(
        path, value, kPoolKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "max_connections") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxPoolConnections))
                    pool.maxConnections = int(*n);
            } else if (key == "max_idle") {
                explicitIdle = true;
                if (const auto n = m_reader.readInteger(p, v, 0, kMaxPoolConnections))
                    pool.maxIdle = int(*n);
            } else if (key == "idle_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxTimeoutMs))
                    pool.idleTimeout = *ms;
            }
        });
    if (m_reader.errorCount() != errorsBefore || pool.maxIdle <= pool.maxConnections)
        return;
    if (explicitIdle) {
        m_reader.error(ConfigReader::memberPath(path, "max_idle"),
                       QStringLiteral("must not exceed max_connections (%1), got %2")
                           .arg(pool.maxConnections)
                           .arg(pool.maxIdle));
    } else {
        pool.maxIdle = pool.maxConnections; // an inherited idle limit shrinks with the pool
    }
}

void ProxyConfigParser::readRetry(const QString &path, const ConfigJson &value,
                                  RetryConfig &retry) {
    const std::size_t errorsBefore = m_reader.errorCount();
    bool explicitMax = false;
    m_reader.forEachMember(
        path, value, kRetryKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "max_attempts") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxRetryAttempts))
                    retry.maxAttempts = int(*n);
            } else if (key == "base_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, 60000))
                    retry.baseDelay = *ms;
            } else if (key == "max_ms") {
                explicitMax = true;
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, 600000))
                    retry.maxDelay = *ms;
            } else if (key == "budget") {
                if (const auto budget = m_reader.readNumber(p, v, 0.0, 1.0))
                    retry.budget = *budget;
            } else if (key == "min_retry_concurrency") {
                if (const auto n = m_reader.readInteger(p, v, 0, kMaxPoolConnections))
                    retry.minRetryConcurrency = int(*n);
            } else if (key == "per_try_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, kMaxTimeoutMs))
                    retry.perTryTimeout = *ms;
            } else if (key == "retry_internal_error") {
                if (const auto retry500 = m_reader.readBool(p, v))
                    retry.retryInternalError = *retry500;
            }
        });
    if (m_reader.errorCount() != errorsBefore || retry.baseDelay <= retry.maxDelay)
        return;
    if (explicitMax) {
        m_reader.error(ConfigReader::memberPath(path, "max_ms"),
                       QStringLiteral("must not be less than base_ms (%1), got %2")
                           .arg(retry.baseDelay.count())
                           .arg(retry.maxDelay.count()));
    } else {
        m_reader.error(ConfigReader::memberPath(path, "base_ms"),
                       QStringLiteral("must not exceed max_ms (%1), got %2")
                           .arg(retry.maxDelay.count())
                           .arg(retry.baseDelay.count()));
    }
}

void ProxyConfigParser::readServices(const QString &path, const ConfigJson &value) {
    if (!m_reader.expectObject(path, value))
        return;
    if (value.empty()) {
        m_reader.error(path, QStringLiteral("needs at least one service"));
        return;
    }
    for (const auto &[key, service] : value.items()) {
        const QString name = QString::fromStdString(key);
        const QString servicePath = ConfigReader::memberPath(path, key);
        if (!isValidServiceName(name)) {
            m_reader.error(path, QStringLiteral("invalid service name %1 (lower-case letters, "
                                                "digits, \"_\" and \"-\", starting with a letter "
                                                "or digit, at most 64)")
                                     .arg(ConfigReader::quoted(key)));
        }
        readService(servicePath, name, service);
    }
}

void ProxyConfigParser::readService(const QString &path, const QString &name,
                                    const ConfigJson &value) {
    ServiceConfig service;
    service.name = name;
    service.pool = m_config.pool;
    service.timeouts = m_config.timeouts;
    service.retry = m_config.retry;
    service.breaker = m_config.breaker;
    service.bulkhead = m_config.bulkhead;
    service.health = m_config.health;
    service.outlier = m_config.outlier;
    service.routing = m_config.routing;
    bool hasMatch = false;
    bool hasInstances = false;
    if (!m_reader.expectObject(path, value))
        return;
    m_reader.forEachMember(path, value, kServiceKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               if (key == "match") {
                                   hasMatch = true;
                                   readMatch(p, v, service.match);
                               } else if (key == "instances") {
                                   hasInstances = true;
                                   readInstances(p, v, service.instances);
                               } else if (key == "pool") {
                                   readPool(p, v, service.pool);
                               } else if (key == "timeouts") {
                                   readTimeouts(p, v, service.timeouts, true);
                               } else if (key == "retry") {
                                   readRetry(p, v, service.retry);
                               } else if (key == "breaker") {
                                   m_resilience.readBreaker(p, v, service.breaker);
                               } else if (key == "bulkhead") {
                                   m_resilience.readBulkhead(p, v, service.bulkhead);
                               } else if (key == "rate_limit") {
                                   m_resilience.readRateLimit(p, v, service.rateLimit);
                               } else if (key == "health") {
                                   m_resilience.readHealth(p, v, service.health);
                               } else if (key == "outlier") {
                                   m_resilience.readOutlier(p, v, service.outlier);
                               } else if (key == "routing") {
                                   m_resilience.readRouting(p, v, service.routing);
                               } else if (key == "cache") {
                                   // The global section is complete: services are read after every
                                   // other key.
                                   CacheServiceConfig cache = m_config.cache.serviceDefaults;
                                   m_cache.readServiceCache(p, v, m_config.cache, cache);
                                   m_config.cache.services.insert(name, cache);
                               } else if (key == "capture") {
                                   CaptureSampling sampling = m_config.capture.sampling;
                                   m_pipeline.readServiceCapture(p, v, sampling);
                                   m_config.capture.serviceSampling.insert(name, sampling);
                               }
                           });
    if (!hasMatch)
        m_reader.error(path, QStringLiteral("missing required key \"match\""));
    if (!hasInstances)
        m_reader.error(path, QStringLiteral("missing required key \"instances\""));

    const MatchConfig &match = service.match;
    if (!match.pathPrefix.isEmpty() || !match.host.isEmpty()) {
        for (const ServiceConfig &other : m_config.services) {
            if (other.match.pathPrefix == match.pathPrefix && other.match.host == match.host) {
                m_reader.error(ConfigReader::memberPath(path, "match"),
                               QStringLiteral("matches the same requests as service %1")
                                   .arg(ConfigReader::quoted(other.name)));
                break;
            }
        }
    }
    m_config.services.push_back(std::move(service));
}

void ProxyConfigParser::readMatch(const QString &path, const ConfigJson &value,
                                  MatchConfig &match) {
    if (!m_reader.expectObject(path, value))
        return;
    const std::size_t errorsBefore = m_reader.errorCount();
    bool sawPrefixOrHost = false;
    m_reader.forEachMember(
        path, value, kMatchKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "strip_prefix") {
                if (const auto strip = m_reader.readBool(p, v))
                    match.stripPrefix = *strip;
                return;
            }
            sawPrefixOrHost = true;
            const auto text = m_reader.readString(p, v);
            if (!text)
                return;
            if (key == "path_prefix") {
                if (!text->startsWith(QLatin1Char('/'))) {
                    m_reader.error(p, QStringLiteral("must start with \"/\", got %1")
                                          .arg(ConfigReader::quoted(*text)));
                } else if (text->contains(QLatin1Char('?')) || text->contains(QLatin1Char('#')) ||
                           std::any_of(text->begin(), text->end(), [](QChar c) {
                               return c.isSpace() || c.unicode() < 0x20 || c.unicode() > 0x7e;
                           })) {
                    m_reader.error(p, QStringLiteral("must be a plain path (printable ASCII, no "
                                                     "spaces, \"?\" or \"#\"), got %1")
                                          .arg(ConfigReader::quoted(*text)));
                } else {
                    match.pathPrefix = text->toLatin1();
                }
            } else if (key == "host") {
                const QString error =
                    text->contains(QLatin1Char(':'))
                        ? QStringLiteral("must be a host name without a port, got %1")
                              .arg(ConfigReader::quoted(*text))
                        : checkHostName(*text);
                if (error.isEmpty())
                    match.host = text->toLower().toLatin1();
                else
                    m_reader.error(p, error);
            }
        });
    if (m_reader.errorCount() != errorsBefore)
        return;
    if (!sawPrefixOrHost)
        m_reader.error(path, QStringLiteral("needs path_prefix or host"));
    else if (match.stripPrefix && match.pathPrefix.isEmpty())
        m_reader.error(ConfigReader::memberPath(path, "strip_prefix"),
                       QStringLiteral("needs path_prefix"));
}

void ProxyConfigParser::readInstances(const QString &path, const ConfigJson &value,
                                      std::vector<InstanceConfig> &instances) {
    if (!m_reader.expectArray(path, value))
        return;
    if (value.empty()) {
        m_reader.error(path, QStringLiteral("needs at least one instance"));
        return;
    }
    std::vector<QString> instancePaths;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const QString instancePath = ConfigReader::elementPath(path, i);
        InstanceConfig instance;
        readInstance(instancePath, value[i], instance);
        if (!instance.host.isEmpty()) {
            for (std::size_t j = 0; j < instances.size(); ++j) {
                if (instances[j].host == instance.host && instances[j].port == instance.port) {
                    m_reader.error(ConfigReader::memberPath(instancePath, "url"),
                                   QStringLiteral("same address as %1 (%2:%3)")
                                       .arg(instancePaths[j], instance.host)
                                       .arg(instance.port));
                    break;
                }
            }
        }
        instances.push_back(std::move(instance));
        instancePaths.push_back(instancePath);
    }
}

void ProxyConfigParser::readInstance(const QString &path, const ConfigJson &value,
                                     InstanceConfig &instance) {
    if (!m_reader.expectObject(path, value))
        return;
    bool hasId = false;
    bool hasUrl = false;
    m_reader.forEachMember(
        path, value, kInstanceKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "id") {
                hasId = true;
                const auto id = m_reader.readString(p, v);
                if (!id)
                    return;
                if (!isValidInstanceId(*id)) {
                    m_reader.error(p, QStringLiteral("invalid instance id %1 (letters, digits, "
                                                     "\".\", \"_\" and \"-\", starting with a "
                                                     "letter or digit, at most 64)")
                                          .arg(ConfigReader::quoted(*id)));
                } else if (const auto first = m_instanceIds.constFind(*id);
                           first != m_instanceIds.cend()) {
                    m_reader.error(p, QStringLiteral("duplicate instance id %1 (first used at %2)")
                                          .arg(ConfigReader::quoted(*id), *first));
                } else {
                    m_instanceIds.insert(*id, path);
                }
                instance.id = *id;
            } else if (key == "url") {
                hasUrl = true;
                const auto url = m_reader.readString(p, v);
                if (!url)
                    return;
                UpstreamAddress address;
                const QString error = parseUpstreamUrl(*url, address);
                if (!error.isEmpty()) {
                    m_reader.error(p, error);
                    return;
                }
                instance.url = *url;
                instance.host = address.host;
                instance.port = address.port;
            } else if (key == "capabilities") {
                if (!m_reader.expectArray(p, v))
                    return;
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const QString capabilityPath = ConfigReader::elementPath(p, i);
                    const auto capability = m_reader.readString(capabilityPath, v[i]);
                    if (!capability)
                        continue;
                    if (capability->isEmpty())
                        m_reader.error(capabilityPath, QStringLiteral("must not be empty"));
                    else if (instance.capabilities.contains(*capability))
                        m_reader.error(capabilityPath, QStringLiteral("duplicate capability %1")
                                                           .arg(ConfigReader::quoted(*capability)));
                    else
                        instance.capabilities.append(*capability);
                }
            }
        });
    if (!hasId)
        m_reader.error(path, QStringLiteral("missing required key \"id\""));
    if (!hasUrl)
        m_reader.error(path, QStringLiteral("missing required key \"url\""));
}

} // namespace ToolCapture
