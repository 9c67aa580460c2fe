#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

#include <QString>

#include <initializer_list>
#include <string_view>
#include <vector>

namespace ToolCapture {

// Reads the response cache's configuration: the global `cache` section (store size, policy,
// coalescing, the Redis tier, cache.service_defaults) and each services.<name>.cache, with the
// rules that tie their keys together. Each read starts from the values given (the profile's,
// or cache.service_defaults for a service) and overrides only the keys the object writes.
class CacheConfigReader {
public:
    explicit CacheConfigReader(ConfigReader &reader)
        : m_reader(reader) {}

    void readCache(const QString &path, const ConfigJson &value, CacheConfig &cache);
    // services.<name>.cache: `service` holds cache.service_defaults on entry; `global` is the
    // complete global section (read before any service).
    void readServiceCache(const QString &path, const ConfigJson &value, const CacheConfig &global,
                          CacheServiceConfig &service);

private:
    using WrittenKeys = std::vector<std::string_view>;

    struct Culprit {
        std::string_view key;
        QString message;
    };

    // A rule between keys is reported at the first culprit the object wrote; a rule broken by
    // inherited values alone is not reported again (it was where they were written).
    void reportRule(const QString &path, const WrittenKeys &written,
                    std::initializer_list<Culprit> culprits);
    // Reads the keys of one service block, recording those written.
    void readServiceKeys(const QString &path, const ConfigJson &value, CacheServiceConfig &service,
                         WrittenKeys &written);
    void checkServiceRules(const QString &path, const WrittenKeys &written,
                           const CacheConfig &global, CacheServiceConfig &service, bool checkSizes);
    void readRedis(const QString &path, const ConfigJson &value, CacheConfig &cache);

    ConfigReader &m_reader;
};

} // namespace ToolCapture
