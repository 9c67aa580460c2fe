#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

#include <QString>
#include <QStringList>

namespace ToolCapture {

// Reads the `intelligence` section: what the process does with its events (analysis, the
// store's exchange rows), the analyser's path templates and anomaly thresholds, and how long an
// open recommendation lives without its rule firing.
class IntelligenceConfigReader {
public:
    explicit IntelligenceConfigReader(ConfigReader &reader)
        : m_reader(reader) {}

    void read(const QString &path, const ConfigJson &value, IntelligenceConfig &intelligence);

private:
    void readPathTemplates(const QString &path, const ConfigJson &value,
                           IntelligenceConfig &intelligence);
    void readServices(const QString &path, const ConfigJson &value,
                      IntelligenceConfig &intelligence);
    // An array of templates (checked by PathTemplater::checkTemplate) or of literal segments.
    void readList(const QString &path, const ConfigJson &value, QStringList &out, bool templates);
    void readAnomalies(const QString &path, const ConfigJson &value, AnomalyConfig &anomalies);

    ConfigReader &m_reader;
};

} // namespace ToolCapture
