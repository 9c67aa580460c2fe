#pragma once

#include <backend/config/cache_config_reader.h>
#include <backend/config/config_reader.h>
#include <backend/config/pipeline_config_reader.h>
#include <backend/config/proxy_config.h>
#include <backend/config/resilience_config_reader.h>

#include <QByteArray>
#include <QHash>
#include <QString>

#include <vector>

namespace ToolCapture {

// Turns one configuration document into a validated ProxyConfig, collecting every error it
// finds. Single use: construct, call parse() once.
class ProxyConfigParser {
public:
    ConfigLoadResult parse(const QByteArray &document);

private:
    bool parseJson(const QByteArray &document, ConfigJson &root);
    void readProfile(const ConfigJson &root);
    void readTopLevel(const ConfigJson &root);
    void readListen(const QString &path, const ConfigJson &value, ListenAddress &address);
    void readTimeouts(const QString &path, const ConfigJson &value, TimeoutConfig &timeouts,
                      bool serviceLevel);
    void readLimits(const QString &path, const ConfigJson &value);
    void readPool(const QString &path, const ConfigJson &value, PoolConfig &pool);
    void readRetry(const QString &path, const ConfigJson &value, RetryConfig &retry);
    void readServices(const QString &path, const ConfigJson &value);
    void readService(const QString &path, const QString &name, const ConfigJson &value);
    void readMatch(const QString &path, const ConfigJson &value, MatchConfig &match);
    void readInstances(const QString &path, const ConfigJson &value,
                       std::vector<InstanceConfig> &instances);
    void readInstance(const QString &path, const ConfigJson &value, InstanceConfig &instance);
    void checkAddresses();

    std::vector<ConfigError> m_errors;
    ConfigReader m_reader{m_errors};
    ResilienceConfigReader m_resilience{m_reader};
    PipelineConfigReader m_pipeline{m_reader};
    CacheConfigReader m_cache{m_reader};
    ProxyConfig m_config;
    QHash<QString, QString> m_instanceIds; // id -> path of the instance that has it first
};

} // namespace ToolCapture
