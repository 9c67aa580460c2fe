#pragma once

#include <backend/intelligence/setting_change.h>
#include <backend/snapshot/engine_snapshot.h>

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace ToolCapture {

class CapturePipeline;
class ProxyServer;
class ResponseCache;
class ScoringSelector;

// The live settings of the running services (docs/intelligence-api.md, "Live settings"): the
// table of what may change (name, type, range, how to read the value in force, how to apply a
// new one to the data path), the change path an operator's edit and an applied recommendation
// share, and the audit of every change (the last kAuditEntries, ids increasing).
// Lives in the engine thread; every call is made there.
class LiveSettings {
public:
    static constexpr int kAuditEntries = 200;

    // What the settings act on. `proxy` is required; the cache settings exist only with a
    // response cache, capture.sample_rate only with a capture pipeline. `snapshotScorer` (the
    // engine's own selector, for the scores snapshots show) follows the routing weights.
    struct Targets {
        ProxyServer *proxy = nullptr;
        ResponseCache *cache = nullptr;
        CapturePipeline *capture = nullptr;
        ScoringSelector *snapshotScorer = nullptr;
    };

    explicit LiveSettings(Targets targets);

    // Validates (service, setting, the value's type and range) and applies the change; the
    // outcome's error starts with the part refused: "service: ", "setting: " or "value: ".
    SettingChangeOutcome change(const SettingChangeRequest &request);

    // {"services": {name: {setting: value, ...}, ...}, "audit": [A, ...]} (oldest first).
    QJsonObject document() const;
    // The settings of one service and their values in force; empty for an unknown service.
    QJsonObject values(const QString &service) const;
    // The setting names this engine has (the cache and capture ones only when those exist).
    QStringList settingNames() const;
    const std::deque<SettingAuditEntry> &audit() const { return m_audit; }
    // Changes made so far, by service, setting and source.
    std::vector<SettingChangeCount> changeCounts() const;

private:
    enum class Type { Int, Double, Bool };
    struct Setting {
        QString name;
        Type type;
        double min = 0;
        double max = 0;
        std::function<QJsonValue(int service)> read;
        std::function<void(int service, const QJsonValue &value)> apply;
    };

    void addSetting(Setting setting);
    void addRoutingWeight(const QString &name, double RoutingConfig::*field);
    const Setting *find(const QString &name) const;
    int serviceIndex(const QString &name) const;
    // The value as the setting's type, or an error naming why not.
    static std::optional<QJsonValue> coerce(const Setting &setting, const QJsonValue &value,
                                            QString *error);

    Targets m_targets;
    std::vector<Setting> m_settings;
    std::deque<SettingAuditEntry> m_audit; // oldest first, at most kAuditEntries
    std::uint64_t m_lastId = 0;
    std::map<std::tuple<QString, QString, QString>, std::uint64_t> m_counts;
};

} // namespace ToolCapture
