#include <backend/config/resilience_config_reader.h>

#include <algorithm>
#include <array>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr qint64 kMaxDurationMs = 24 * 60 * 60 * 1000; // one day, as for the timeouts
constexpr qint64 kMaxCalls = 10000;                    // window sizes, minimum calls, limits
constexpr qint64 kMaxConcurrency = 100000;
constexpr double kMaxRequestsPerSecond = 1e6;
constexpr double kMaxWeight = 1000;

constexpr std::array kBreakerKeys{
    "window"sv,           "window_size"sv,    "window_ms"sv,    "minimum_calls"sv,
    "failure_rate"sv,     "slow_call_rate"sv, "slow_call_ms"sv, "consecutive_failures"sv,
    "open_ms"sv,          "open_backoff"sv,   "max_open_ms"sv,  "half_open_probes"sv,
    "probe_timeout_ms"sv, "adaptive"sv,       "adaptive_min"sv, "adaptive_max"sv,
    "failure_on"sv};
constexpr std::array kFailureOnKeys{"connect_error"sv, "reset"sv, "timeout"sv, "status_5xx"sv};
constexpr std::array kBulkheadKeys{"max_active"sv, "max_pending"sv};
constexpr std::array kRateLimitKeys{"requests_per_second"sv, "burst"sv};
constexpr std::array kHealthKeys{"path"sv, "interval_ms"sv,   "timeout_ms"sv, "rise"sv,
                                 "fall"sv, "slow_start_ms"sv, "enabled"sv,    "websocket"sv};
constexpr std::array kOutlierKeys{"consecutive_failures"sv,
                                  "success_rate_stdev_factor"sv,
                                  "success_rate_minimum_hosts"sv,
                                  "success_rate_request_volume"sv,
                                  "interval_ms"sv,
                                  "base_ejection_ms"sv,
                                  "max_ejection_percent"sv};
constexpr std::array kRoutingKeys{"weights"sv, "capacity"sv, "latency_decay_ms"sv,
                                  "reliability_window_ms"sv};
constexpr std::array kWeightKeys{"latency"sv, "reliability"sv, "load"sv, "compatibility"sv};

struct WeightField {
    std::string_view key;
    double RoutingConfig::*member;
};
constexpr std::array kWeightFields{
    WeightField{"latency", &RoutingConfig::latencyWeight},
    WeightField{"reliability", &RoutingConfig::reliabilityWeight},
    WeightField{"load", &RoutingConfig::loadWeight},
    WeightField{"compatibility", &RoutingConfig::compatibilityWeight},
};

QString formatNumber(double value) {
    return QString::number(value, 'g', 15);
}

bool wrote(const std::vector<std::string_view> &written, std::string_view key) {
    return std::find(written.begin(), written.end(), key) != written.end();
}

} // namespace

void ResilienceConfigReader::reportRule(const QString &path, const WrittenKeys &written,
                                        std::initializer_list<Culprit> culprits) {
    for (const Culprit &culprit : culprits) {
        if (wrote(written, culprit.key)) {
            m_reader.error(ConfigReader::memberPath(path, culprit.key), culprit.message);
            return;
        }
    }
}

std::optional<double> ResilienceConfigReader::readFraction(const QString &path,
                                                           const ConfigJson &value,
                                                           bool zeroAllowed) {
    const auto number = m_reader.readNumber(path, value, 0.0, 1.0);
    if (number && !zeroAllowed && *number == 0.0) {
        m_reader.error(path, QStringLiteral("must be greater than 0, got 0"));
        return std::nullopt;
    }
    return number;
}

void ResilienceConfigReader::readBreaker(const QString &path, const ConfigJson &value,
                                         BreakerConfig &breaker) {
    const std::size_t errorsBefore = m_reader.errorCount();
    WrittenKeys written;
    m_reader.forEachMember(
        path, value, kBreakerKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            written.push_back(key);
            if (key == "window") {
                readBreakerWindow(p, v, breaker);
            } else if (key == "window_size") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxCalls))
                    breaker.windowSize = int(*n);
            } else if (key == "window_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    breaker.windowDuration = *ms;
            } else if (key == "minimum_calls") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxCalls))
                    breaker.minimumCalls = int(*n);
            } else if (key == "failure_rate") {
                if (const auto rate = readFraction(p, v, false))
                    breaker.failureRate = *rate;
            } else if (key == "slow_call_rate") {
                if (const auto rate = readFraction(p, v, false))
                    breaker.slowCallRate = *rate;
            } else if (key == "slow_call_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    breaker.slowCallDuration = *ms;
            } else if (key == "consecutive_failures") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxCalls))
                    breaker.consecutiveFailures = int(*n);
            } else if (key == "open_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    breaker.openDuration = *ms;
            } else if (key == "open_backoff") {
                if (const auto factor = m_reader.readNumber(p, v, 1.0, 100.0))
                    breaker.openBackoff = *factor;
            } else if (key == "max_open_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    breaker.maxOpenDuration = *ms;
            } else if (key == "half_open_probes") {
                if (const auto n = m_reader.readInteger(p, v, 1, 1000))
                    breaker.halfOpenProbes = int(*n);
            } else if (key == "probe_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    breaker.probeTimeout = *ms;
            } else if (key == "adaptive") {
                if (const auto adaptive = m_reader.readBool(p, v))
                    breaker.adaptive = *adaptive;
            } else if (key == "adaptive_min") {
                if (const auto rate = readFraction(p, v, true))
                    breaker.adaptiveMin = *rate;
            } else if (key == "adaptive_max") {
                if (const auto rate = readFraction(p, v, true))
                    breaker.adaptiveMax = *rate;
            } else if (key == "failure_on") {
                readFailureOn(p, v, breaker);
            }
        });
    if (m_reader.errorCount() == errorsBefore)
        checkBreakerRules(path, written, breaker);
}

void ResilienceConfigReader::readBreakerWindow(const QString &path, const ConfigJson &value,
                                               BreakerConfig &breaker) {
    if (!value.is_string()) {
        // The design sketch wrote "window": 20 for what is now window_size.
        m_reader.error(path, QStringLiteral("expected \"count\" or \"time\", got %1%2")
                                 .arg(ConfigReader::typeName(value),
                                      value.is_number()
                                          ? QStringLiteral(" (the size goes in window_size)")
                                          : QString()));
        return;
    }
    const std::string window = value.get<std::string>();
    if (window == "count") {
        breaker.window = BreakerConfig::Window::Count;
    } else if (window == "time") {
        breaker.window = BreakerConfig::Window::Time;
    } else {
        m_reader.error(path, QStringLiteral("expected \"count\" or \"time\", got %1")
                                 .arg(ConfigReader::quoted(window)));
    }
}

void ResilienceConfigReader::readFailureOn(const QString &path, const ConfigJson &value,
                                           BreakerConfig &breaker) {
    m_reader.forEachMember(path, value, kFailureOnKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               const auto counts = m_reader.readBool(p, v);
                               if (!counts)
                                   return;
                               if (key == "connect_error")
                                   breaker.connectErrorIsFailure = *counts;
                               else if (key == "reset")
                                   breaker.resetIsFailure = *counts;
                               else if (key == "timeout")
                                   breaker.timeoutIsFailure = *counts;
                               else if (key == "status_5xx")
                                   breaker.status5xxIsFailure = *counts;
                           });
}

void ResilienceConfigReader::checkBreakerRules(const QString &path, const WrittenKeys &written,
                                               const BreakerConfig &breaker) {
    if (breaker.window == BreakerConfig::Window::Count &&
        breaker.minimumCalls > breaker.windowSize) {
        reportRule(path, written,
                   {{"minimum_calls", QStringLiteral("must not exceed window_size (%1) in a count "
                                                     "window, got %2")
                                          .arg(breaker.windowSize)
                                          .arg(breaker.minimumCalls)},
                    {"window_size", QStringLiteral("must be at least minimum_calls (%1) in a count "
                                                   "window, got %2")
                                        .arg(breaker.minimumCalls)
                                        .arg(breaker.windowSize)},
                    {"window", QStringLiteral("a count window needs window_size (%1) to be at "
                                              "least minimum_calls (%2)")
                                   .arg(breaker.windowSize)
                                   .arg(breaker.minimumCalls)}});
    }
    if (breaker.maxOpenDuration < breaker.openDuration) {
        reportRule(path, written,
                   {{"max_open_ms", QStringLiteral("must not be less than open_ms (%1), got %2")
                                        .arg(breaker.openDuration.count())
                                        .arg(breaker.maxOpenDuration.count())},
                    {"open_ms", QStringLiteral("must not exceed max_open_ms (%1), got %2")
                                    .arg(breaker.maxOpenDuration.count())
                                    .arg(breaker.openDuration.count())}});
    }
    if (!breaker.adaptive)
        return;
    const QString rate = formatNumber(breaker.failureRate);
    const QString bounds =
        QStringLiteral("adaptive_min (%1) and adaptive_max (%2)")
            .arg(formatNumber(breaker.adaptiveMin), formatNumber(breaker.adaptiveMax));
    const QString inForce =
        QStringLiteral("needs adaptive_min <= failure_rate <= adaptive_max, "
                       "got %1, %2, %3")
            .arg(formatNumber(breaker.adaptiveMin), rate, formatNumber(breaker.adaptiveMax));
    const QString outside =
        QStringLiteral("must be between %1 when adaptive is on, got %2").arg(bounds, rate);
    if (breaker.failureRate < breaker.adaptiveMin) {
        reportRule(path, written,
                   {{"failure_rate", outside},
                    {"adaptive_min", QStringLiteral("must not exceed failure_rate (%1), got %2")
                                         .arg(rate, formatNumber(breaker.adaptiveMin))},
                    {"adaptive", inForce}});
    } else if (breaker.failureRate > breaker.adaptiveMax) {
        reportRule(path, written,
                   {{"failure_rate", outside},
                    {"adaptive_max", QStringLiteral("must not be less than failure_rate (%1), "
                                                    "got %2")
                                         .arg(rate, formatNumber(breaker.adaptiveMax))},
                    {"adaptive", inForce}});
    }
}

void ResilienceConfigReader::readBulkhead(const QString &path, const ConfigJson &value,
                                          BulkheadConfig &bulkhead) {
    m_reader.forEachMember(
        path, value, kBulkheadKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "max_active") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxConcurrency))
                    bulkhead.maxActive = int(*n);
            } else if (key == "max_pending") {
                if (const auto n = m_reader.readInteger(p, v, 0, kMaxConcurrency))
                    bulkhead.maxPending = int(*n);
            }
        });
}

void ResilienceConfigReader::readRateLimit(const QString &path, const ConfigJson &value,
                                           RateLimitConfig &limit) {
    const std::size_t errorsBefore = m_reader.errorCount();
    WrittenKeys written;
    m_reader.forEachMember(
        path, value, kRateLimitKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            written.push_back(key);
            if (key == "requests_per_second") {
                if (const auto rps = m_reader.readNumber(p, v, 0.0, kMaxRequestsPerSecond))
                    limit.requestsPerSecond = *rps;
            } else if (key == "burst") {
                if (const auto n = m_reader.readInteger(p, v, 0, qint64(kMaxRequestsPerSecond)))
                    limit.burst = int(*n);
            }
        });
    if (m_reader.errorCount() != errorsBefore)
        return;
    if (limit.burst > 0 && limit.requestsPerSecond == 0) {
        reportRule(path, written,
                   {{"burst", QStringLiteral("needs requests_per_second (0 means unlimited)")},
                    {"requests_per_second",
                     QStringLiteral("0 means unlimited, which leaves burst (%1) without effect")
                         .arg(limit.burst)}});
    }
}

void ResilienceConfigReader::readHealth(const QString &path, const ConfigJson &value,
                                        HealthConfig &health) {
    const std::size_t errorsBefore = m_reader.errorCount();
    WrittenKeys written;
    m_reader.forEachMember(
        path, value, kHealthKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            written.push_back(key);
            if (key == "path") {
                const auto text = m_reader.readString(p, v);
                if (!text)
                    return;
                if (!text->startsWith(QLatin1Char('/'))) {
                    m_reader.error(p, QStringLiteral("must start with \"/\", got %1")
                                          .arg(ConfigReader::quoted(*text)));
                } else if (text->contains(QLatin1Char('#')) ||
                           std::any_of(text->begin(), text->end(), [](QChar c) {
                               return c.unicode() <= 0x20 || c.unicode() > 0x7e;
                           })) {
                    m_reader.error(p, QStringLiteral("must be a plain path (printable ASCII, no "
                                                     "spaces or \"#\"), got %1")
                                          .arg(ConfigReader::quoted(*text)));
                } else {
                    health.path = text->toLatin1();
                }
            } else if (key == "interval_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    health.interval = *ms;
            } else if (key == "timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    health.timeout = *ms;
            } else if (key == "rise") {
                if (const auto n = m_reader.readInteger(p, v, 1, 100))
                    health.rise = int(*n);
            } else if (key == "fall") {
                if (const auto n = m_reader.readInteger(p, v, 1, 100))
                    health.fall = int(*n);
            } else if (key == "slow_start_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, kMaxDurationMs))
                    health.slowStart = *ms;
            } else if (key == "enabled") {
                if (const auto enabled = m_reader.readBool(p, v))
                    health.enabled = *enabled;
            } else if (key == "websocket") {
                if (const auto websocket = m_reader.readBool(p, v))
                    health.websocket = *websocket;
            }
        });
    if (m_reader.errorCount() != errorsBefore || health.timeout <= health.interval)
        return;
    // NOTE: a check may not outlast its interval, so at most one is in flight per instance.
    reportRule(path, written,
               {{"timeout_ms", QStringLiteral("must not exceed interval_ms (%1), got %2")
                                   .arg(health.interval.count())
                                   .arg(health.timeout.count())},
                {"interval_ms", QStringLiteral("must not be less than timeout_ms (%1), got %2")
                                    .arg(health.timeout.count())
                                    .arg(health.interval.count())}});
}

void ResilienceConfigReader::readOutlier(const QString &path, const ConfigJson &value,
                                         OutlierConfig &outlier) {
    m_reader.forEachMember(
        path, value, kOutlierKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "consecutive_failures") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxCalls))
                    outlier.consecutiveFailures = int(*n);
            } else if (key == "success_rate_stdev_factor") {
                const auto factor = m_reader.readNumber(p, v, 0.0, 10.0);
                if (factor && *factor == 0.0)
                    m_reader.error(p, QStringLiteral("must be greater than 0, got 0"));
                else if (factor)
                    outlier.successRateStdevFactor = *factor;
            } else if (key == "success_rate_minimum_hosts") {
                if (const auto n = m_reader.readInteger(p, v, 2, 1000))
                    outlier.successRateMinimumHosts = int(*n);
            } else if (key == "success_rate_request_volume") {
                if (const auto n = m_reader.readInteger(p, v, 1, 1000000))
                    outlier.successRateRequestVolume = int(*n);
            } else if (key == "interval_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    outlier.interval = *ms;
            } else if (key == "base_ejection_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    outlier.baseEjection = *ms;
            } else if (key == "max_ejection_percent") {
                // A fraction despite the name; Envoy's users will write 10 for 10 %.
                if (v.is_number() && v.get<double>() > 1.0 && v.get<double>() <= 100.0) {
                    m_reader.error(p, QStringLiteral("must be a fraction between 0 and 1 (0.1 "
                                                     "for 10 %), got %1")
                                          .arg(QString::fromStdString(v.dump())));
                } else if (const auto share = readFraction(p, v, true)) {
                    outlier.maxEjectionPercent = *share;
                }
            }
        });
}

void ResilienceConfigReader::readRouting(const QString &path, const ConfigJson &value,
                                         RoutingConfig &routing) {
    m_reader.forEachMember(
        path, value, kRoutingKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "capacity") {
                if (const auto n = m_reader.readInteger(p, v, 1, kMaxConcurrency))
                    routing.capacity = int(*n);
                return;
            }
            if (key == "latency_decay_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    routing.latencyDecay = *ms;
                return;
            }
            if (key == "reliability_window_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1, kMaxDurationMs))
                    routing.reliabilityWindow = *ms;
                return;
            }
            const std::size_t errorsBefore = m_reader.errorCount();
            bool wroteWeight = false;
            m_reader.forEachMember(
                p, v, kWeightKeys,
                [&](std::string_view weightKey, const QString &wp, const ConfigJson &wv) {
                    wroteWeight = true;
                    const auto weight = m_reader.readNumber(wp, wv, 0.0, kMaxWeight);
                    for (const WeightField &field : kWeightFields) {
                        if (weight && field.key == weightKey)
                            routing.*field.member = *weight;
                    }
                });
            const bool allZero =
                std::all_of(kWeightFields.begin(), kWeightFields.end(),
                            [&](const WeightField &field) { return routing.*field.member == 0.0; });
            if (m_reader.errorCount() == errorsBefore && wroteWeight && allZero)
                m_reader.error(p, QStringLiteral("at least one weight must be greater than 0"));
        });
}

} // namespace ToolCapture
