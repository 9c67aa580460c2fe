#include <backend/config/config_syntax.h>
#include <backend/config/intelligence_config_reader.h>
#include <backend/config/recommendations_config_reader.h>
#include <backend/intelligence/path_templater.h>

#include <array>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr std::array kIntelligenceKeys{"analysis"sv, "store_exchanges"sv, "path_templates"sv,
                                       "anomalies"sv, "recommendations"sv};
constexpr std::array kPathTemplateKeys{"templates"sv, "literals"sv, "learn_threshold"sv,
                                       "services"sv};
constexpr std::array kRuleKeys{"templates"sv, "literals"sv};
constexpr std::array kAnomalyKeys{
    "z_score"sv,        "latency_min_delta_ms"sv, "error_rate_min_delta"sv,
    "load_imbalance"sv, "failure_risk"sv,         "min_service_requests"sv};

} // namespace

void IntelligenceConfigReader::read(const QString &path, const ConfigJson &value,
                                    IntelligenceConfig &intelligence) {
    m_reader.forEachMember(
        path, value, kIntelligenceKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "analysis" || key == "store_exchanges") {
                if (const auto on = m_reader.readBool(p, v))
                    (key == "analysis" ? intelligence.analysis : intelligence.storeExchanges) = *on;
            } else if (key == "path_templates") {
                readPathTemplates(p, v, intelligence);
            } else if (key == "anomalies") {
                readAnomalies(p, v, intelligence.anomalies);
            } else if (key == "recommendations") {
                readRecommendationsConfig(m_reader, p, v, intelligence.recommendations);
            }
        });
}

void IntelligenceConfigReader::readPathTemplates(const QString &path, const ConfigJson &value,
                                                 IntelligenceConfig &intelligence) {
    m_reader.forEachMember(path, value, kPathTemplateKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               if (key == "templates") {
                                   readList(p, v, intelligence.pathTemplates.templates, true);
                               } else if (key == "literals") {
                                   readList(p, v, intelligence.pathTemplates.literals, false);
                               } else if (key == "learn_threshold") {
                                   if (const auto n = m_reader.readInteger(p, v, 1, 100000))
                                       intelligence.learnThreshold = int(*n);
                               } else if (key == "services") {
                                   readServices(p, v, intelligence);
                               }
                           });
}

void IntelligenceConfigReader::readServices(const QString &path, const ConfigJson &value,
                                            IntelligenceConfig &intelligence) {
    if (!m_reader.expectObject(path, value))
        return;
    intelligence.servicePathTemplates.clear();
    for (const auto &[name, rules] : value.items()) {
        const QString servicePath = ConfigReader::memberPath(path, name);
        const QString service = QString::fromStdString(name);
        // Services this proxy does not know are allowed: the analyser reads the events of every
        // proxy on the cluster, and of services registered while running.
        if (!isValidServiceName(service)) {
            m_reader.error(servicePath, QStringLiteral("not a service name ([a-z0-9][a-z0-9_-]*, "
                                                       "at most 64 characters)"));
            continue;
        }
        PathTemplateRules serviceRules;
        m_reader.forEachMember(servicePath, rules, kRuleKeys,
                               [&](std::string_view key, const QString &p, const ConfigJson &v) {
                                   if (key == "templates")
                                       readList(p, v, serviceRules.templates, true);
                                   else
                                       readList(p, v, serviceRules.literals, false);
                               });
        intelligence.servicePathTemplates.emplace_back(service, std::move(serviceRules));
    }
}

void IntelligenceConfigReader::readList(const QString &path, const ConfigJson &value,
                                        QStringList &out, bool templates) {
    if (!m_reader.expectArray(path, value))
        return;
    out.clear();
    for (std::size_t i = 0; i < value.size(); ++i) {
        const QString at = ConfigReader::elementPath(path, i);
        const auto text = m_reader.readString(at, value[i]);
        if (!text)
            continue;
        QString why;
        if (templates) {
            why = PathTemplater::checkTemplate(*text);
        } else if (text->isEmpty() || text->contains(QLatin1Char('/')) ||
                   text->contains(QLatin1Char('?')) || text->contains(QLatin1Char('{')) ||
                   text->contains(QLatin1Char('}'))) {
            why = QStringLiteral("a literal is one path segment: not empty, no /, ?, { or }");
        }
        if (why.isEmpty() && out.contains(*text))
            why = QStringLiteral("%1 is listed twice").arg(ConfigReader::quoted(*text));
        if (!why.isEmpty()) {
            m_reader.error(at, why);
            continue;
        }
        out.append(*text);
    }
}

void IntelligenceConfigReader::readAnomalies(const QString &path, const ConfigJson &value,
                                             AnomalyConfig &anomalies) {
    m_reader.forEachMember(path, value, kAnomalyKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               if (key == "z_score") {
                                   if (const auto n = m_reader.readNumber(p, v, 1.0, 100.0))
                                       anomalies.zScore = *n;
                               } else if (key == "latency_min_delta_ms") {
                                   if (const auto n = m_reader.readNumber(p, v, 0.0, 600000.0))
                                       anomalies.latencyMinDeltaMs = *n;
                               } else if (key == "error_rate_min_delta") {
                                   if (const auto n = m_reader.readNumber(p, v, 0.0, 1.0))
                                       anomalies.errorRateMinDelta = *n;
                               } else if (key == "load_imbalance") {
                                   if (const auto n = m_reader.readNumber(p, v, 0.0, 1.0))
                                       anomalies.loadImbalance = *n;
                               } else if (key == "failure_risk") {
                                   if (const auto n = m_reader.readNumber(p, v, 0.0, 1.0))
                                       anomalies.failureRisk = *n;
                               } else if (key == "min_service_requests") {
                                   if (const auto n = m_reader.readInteger(p, v, 1, 1000000000))
                                       anomalies.minServiceRequests = int(*n);
                               }
                           });
}

} // namespace ToolCapture
