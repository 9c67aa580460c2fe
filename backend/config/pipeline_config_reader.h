#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

#include <optional>

namespace ToolCapture {

// Reads the event pipeline's sections of a configuration: kafka (brokers, embedded cluster,
// producer and spool), capture (header allowlist, bodies kept, store caps) and hooks (API keys,
// limits). Each read starts from the values given and overrides only the keys written.
class PipelineConfigReader {
public:
    explicit PipelineConfigReader(ConfigReader &reader)
        : m_reader(reader) {}

    void readKafka(const QString &path, const ConfigJson &value, KafkaConfig &kafka);
    void readCapture(const QString &path, const ConfigJson &value, CaptureConfig &capture);
    // services.<name>.capture: the service's own sampling, starting from the global one.
    void readServiceCapture(const QString &path, const ConfigJson &value,
                            CaptureSampling &sampling);
    void readHooks(const QString &path, const ConfigJson &value, HooksConfig &hooks);

private:
    void readSamplingKey(std::string_view key, const QString &path, const ConfigJson &value,
                         CaptureSampling &sampling);
    // A list of distinct non-empty strings; nullopt (errors reported) when any element is bad.
    std::optional<QStringList> readStringList(const QString &path, const ConfigJson &value,
                                              bool lowerCase);

    ConfigReader &m_reader;
};

} // namespace ToolCapture
