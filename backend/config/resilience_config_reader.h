#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

#include <QString>

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace ToolCapture {

// Reads the resilience sections of a configuration (breaker, bulkhead, rate_limit, health,
// outlier, routing) into their structs: ranges, and the rules that tie keys together.
// Each read starts from the values given (the profile's, or the global ones for a service) and
// overrides only the keys the object writes.
class ResilienceConfigReader {
public:
    explicit ResilienceConfigReader(ConfigReader &reader)
        : m_reader(reader) {}

    void readBreaker(const QString &path, const ConfigJson &value, BreakerConfig &breaker);
    void readBulkhead(const QString &path, const ConfigJson &value, BulkheadConfig &bulkhead);
    void readRateLimit(const QString &path, const ConfigJson &value, RateLimitConfig &limit);
    void readHealth(const QString &path, const ConfigJson &value, HealthConfig &health);
    void readOutlier(const QString &path, const ConfigJson &value, OutlierConfig &outlier);
    void readRouting(const QString &path, const ConfigJson &value, RoutingConfig &routing);

private:
    using WrittenKeys = std::vector<std::string_view>;

    // Where a broken rule is reported if the object wrote this key, and what is said there.
    struct Culprit {
        std::string_view key;
        QString message;
    };

    // A rule between keys is reported at the first culprit the object wrote. A rule broken by
    // inherited values alone is not reported again: it was where they were written.
    void reportRule(const QString &path, const WrittenKeys &written,
                    std::initializer_list<Culprit> culprits);
    // A number in [0, 1]; zero only if allowed.
    std::optional<double> readFraction(const QString &path, const ConfigJson &value,
                                       bool zeroAllowed);
    void readBreakerWindow(const QString &path, const ConfigJson &value, BreakerConfig &breaker);
    void readFailureOn(const QString &path, const ConfigJson &value, BreakerConfig &breaker);
    void checkBreakerRules(const QString &path, const WrittenKeys &written,
                           const BreakerConfig &breaker);

    ConfigReader &m_reader;
};

} // namespace ToolCapture
