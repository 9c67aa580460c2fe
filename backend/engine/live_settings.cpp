#include <backend/cache/response_cache.h>
#include <backend/core/logging.h>
#include <backend/engine/capture_pipeline.h>
#include <backend/engine/live_settings.h>
#include <backend/proxy/proxy_server.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/service_registry.h>

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

QString typeName(QJsonValue::Type type) {
    switch (type) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QString number(double value) {
    return QString::number(value, 'g', 12);
}

// The rules between settings that the configuration file enforces (cache_config_reader.cpp),
// held for live changes too: an empty string when `value` for `setting` keeps them.
QString ruleBroken(const ResponseCache *cache, int service, const QString &serviceName,
                   const QString &setting, const QJsonValue &value) {
    if (!cache)
        return {};
    const ResponseCache::ServicePolicy policy = cache->policy(service);
    if (setting == QLatin1String("cache.learn_ttl") && value.toBool() &&
        !policy.freshness.heuristicsAllowed) {
        return QStringLiteral("value: cache.learn_ttl needs cache.heuristics, which is off for "
                              "%1 (learned TTLs apply only where heuristic freshness is "
                              "allowed): turn cache.heuristics on first")
            .arg(serviceName);
    }
    if (setting == QLatin1String("cache.heuristics") && !value.toBool() && policy.learnTtl) {
        return QStringLiteral("value: cache.heuristics cannot go off while cache.learn_ttl is on "
                              "for %1: turn cache.learn_ttl off first")
            .arg(serviceName);
    }
    return {};
}

} // namespace

LiveSettings::LiveSettings(Targets targets)
    : m_targets(targets) {
    ProxyServer *proxy = m_targets.proxy;
    Q_ASSERT(proxy);
    addSetting({QStringLiteral("timeouts.first_byte_ms"), Type::Int, 1, 600000,
                [proxy](int s) {
                    return QJsonValue(qint64(proxy->serviceSettings(s).timeouts.firstByte.count()));
                },
                [proxy](int s, const QJsonValue &v) {
                    proxy->setFirstByteTimeout(s, std::chrono::milliseconds(v.toInteger()));
                }});
    addSetting(
        {QStringLiteral("retry.max_attempts"), Type::Int, 1, 10,
         [proxy](int s) { return QJsonValue(proxy->runtime().retryPolicy(s).maxAttempts()); },
         [proxy](int s, const QJsonValue &v) { proxy->setMaxAttempts(s, v.toInt()); }});
    addSetting({QStringLiteral("retry.budget"), Type::Double, 0, 1,
                [proxy](int s) { return QJsonValue(proxy->runtime().retryBudget(s).budget()); },
                [proxy](int s, const QJsonValue &v) { proxy->setRetryBudget(s, v.toDouble()); }});
    addSetting(
        {QStringLiteral("breaker.failure_rate"), Type::Double, 0.01, 1,
         [proxy](int s) { return QJsonValue(proxy->serviceSettings(s).breaker.failureRate); },
         [proxy](int s, const QJsonValue &v) { proxy->setBreakerFailureRate(s, v.toDouble()); }});
    addSetting({QStringLiteral("breaker.open_duration_ms"), Type::Int, 100, 3600000,
                [proxy](int s) {
                    return QJsonValue(
                        qint64(proxy->serviceSettings(s).breaker.openDuration.count()));
                },
                [proxy](int s, const QJsonValue &v) {
                    proxy->setBreakerOpenDuration(s, std::chrono::milliseconds(v.toInteger()));
                }});
    addRoutingWeight(QStringLiteral("routing.latency_weight"), &RoutingConfig::latencyWeight);
    addRoutingWeight(QStringLiteral("routing.reliability_weight"),
                     &RoutingConfig::reliabilityWeight);
    addRoutingWeight(QStringLiteral("routing.load_weight"), &RoutingConfig::loadWeight);
    addRoutingWeight(QStringLiteral("routing.compatibility_weight"),
                     &RoutingConfig::compatibilityWeight);
    if (ResponseCache *cache = m_targets.cache) {
        addSetting({QStringLiteral("cache.enabled"), Type::Bool, 0, 0,
                    [cache](int s) { return QJsonValue(cache->policy(s).enabled); },
                    [cache](int s, const QJsonValue &v) { cache->setEnabled(s, v.toBool()); }});
        addSetting(
            {QStringLiteral("cache.heuristics"), Type::Bool, 0, 0,
             [cache](int s) { return QJsonValue(cache->policy(s).freshness.heuristicsAllowed); },
             [cache](int s, const QJsonValue &v) { cache->setHeuristicsAllowed(s, v.toBool()); }});
        addSetting({QStringLiteral("cache.learn_ttl"), Type::Bool, 0, 0,
                    [cache](int s) { return QJsonValue(cache->policy(s).learnTtl); },
                    [cache](int s, const QJsonValue &v) { cache->setLearnTtl(s, v.toBool()); }});
    }
    if (CapturePipeline *capture = m_targets.capture) {
        addSetting({QStringLiteral("capture.sample_rate"), Type::Double, 0, 1,
                    [capture, proxy](int s) {
                        return QJsonValue(
                            capture->sampling(proxy->registry().service(s).name).sampleRate);
                    },
                    [capture, proxy](int s, const QJsonValue &v) {
                        capture->setSampleRate(proxy->registry().service(s).name, v.toDouble());
                    }});
    }
}

void LiveSettings::addSetting(Setting setting) {
    m_settings.push_back(std::move(setting));
}

void LiveSettings::addRoutingWeight(const QString &name, double RoutingConfig::*field) {
    ProxyServer *proxy = m_targets.proxy;
    ScoringSelector *scorer = m_targets.snapshotScorer;
    addSetting(
        {name, Type::Double, 0, 10,
         [proxy, field](int s) { return QJsonValue(proxy->serviceSettings(s).routing.*field); },
         [proxy, scorer, field](int s, const QJsonValue &v) {
             RoutingConfig routing = proxy->serviceSettings(s).routing;
             routing.*field = v.toDouble();
             proxy->setRoutingWeights(s, routing);
             if (scorer)
                 scorer->setWeights(s, routing);
         }});
}

const LiveSettings::Setting *LiveSettings::find(const QString &name) const {
    for (const Setting &setting : m_settings) {
        if (setting.name == name)
            return &setting;
    }
    return nullptr;
}

int LiveSettings::serviceIndex(const QString &name) const {
    for (const ServiceEntry &service : m_targets.proxy->registry().services()) {
        if (service.name == name)
            return service.index;
    }
    return -1;
}

QStringList LiveSettings::settingNames() const {
    QStringList names;
    for (const Setting &setting : m_settings)
        names.append(setting.name);
    return names;
}

std::optional<QJsonValue> LiveSettings::coerce(const Setting &setting, const QJsonValue &value,
                                               QString *error) {
    if (setting.type == Type::Bool) {
        if (!value.isBool()) {
            *error = QStringLiteral("value: %1 takes true or false, not %2")
                         .arg(setting.name, typeName(value.type()));
            return std::nullopt;
        }
        return value;
    }
    const bool integer = setting.type == Type::Int;
    if (!value.isDouble()) {
        *error = QStringLiteral("value: %1 takes %2, not %3")
                     .arg(setting.name,
                          integer ? QStringLiteral("an integer") : QStringLiteral("a number"),
                          typeName(value.type()));
        return std::nullopt;
    }
    const double v = value.toDouble();
    if (integer && v != std::floor(v)) {
        *error = QStringLiteral("value: %1 takes an integer, not %2").arg(setting.name, number(v));
        return std::nullopt;
    }
    if (!(v >= setting.min && v <= setting.max)) {
        *error = QStringLiteral("value: %1 must be within %2..%3, not %4")
                     .arg(setting.name, number(setting.min), number(setting.max), number(v));
        return std::nullopt;
    }
    return integer ? QJsonValue(qint64(v)) : QJsonValue(v);
}

// Setting values as LiveSettings reads them: booleans, integers and numbers (a number read back
// from where it is kept may differ in its last bits from the one written).
static bool sameValue(const QJsonValue &a, const QJsonValue &b) {
    if (a.isDouble() && b.isDouble()) {
        const double x = a.toDouble();
        const double y = b.toDouble();
        return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
    }
    return a == b;
}

SettingChangeOutcome LiveSettings::change(const SettingChangeRequest &request) {
    SettingChangeOutcome outcome;
    const int service = serviceIndex(request.service);
    if (service < 0) {
        outcome.error = QStringLiteral("service: no service is named \"%1\"").arg(request.service);
        return outcome;
    }
    const Setting *setting = find(request.setting);
    if (!setting) {
        outcome.error = QStringLiteral("setting: \"%1\" is not a live setting of this engine "
                                       "(one of %2)")
                            .arg(request.setting, settingNames().join(QLatin1String(", ")));
        return outcome;
    }
    const std::optional<QJsonValue> value = coerce(*setting, request.value, &outcome.error);
    if (!value)
        return outcome;
    outcome.error = ruleBroken(m_targets.cache, service, request.service, setting->name, *value);
    if (!outcome.error.isEmpty())
        return outcome;
    if (request.expected) {
        const QJsonValue current = setting->read(service);
        if (!sameValue(current, *request.expected)) {
            const auto text = [](const QJsonValue &v) {
                return QString::fromUtf8(
                    QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact).mid(1).chopped(1));
            };
            outcome.conflict = true;
            outcome.current = current;
            outcome.error =
                QStringLiteral("%1 of %2 is %3, not %4: it changed since (an "
                               "operator's edit, or a restart back to the "
                               "configuration); nothing was changed")
                    .arg(setting->name, request.service, text(current), text(*request.expected));
            return outcome;
        }
    }

    SettingAuditEntry &entry = outcome.entry;
    entry.id = ++m_lastId;
    entry.at = QDateTime::currentDateTimeUtc();
    entry.actor = request.actor;
    entry.service = request.service;
    entry.setting = setting->name;
    entry.before = setting->read(service);
    setting->apply(service, *value);
    entry.after = setting->read(service);
    entry.reason = request.reason;
    entry.source = request.source;
    entry.recommendationId = request.recommendationId;
    outcome.ok = true;

    qCInfo(lcEngine).noquote()
        << settingSourceName(entry.source)
        << (entry.actor.isEmpty() ? QStringLiteral("(unnamed)") : entry.actor) << "sets"
        << entry.setting << "of" << entry.service << "from"
        << QJsonDocument(QJsonArray{entry.before}).toJson(QJsonDocument::Compact).mid(1).chopped(1)
        << "to"
        << QJsonDocument(QJsonArray{entry.after}).toJson(QJsonDocument::Compact).mid(1).chopped(1)
        << (entry.reason.isEmpty() ? QString() : QStringLiteral("\u2014 ") + entry.reason);
    ++m_counts[{entry.service, entry.setting, settingSourceName(entry.source)}];
    m_audit.push_back(entry);
    while (m_audit.size() > size_t(kAuditEntries))
        m_audit.pop_front();
    return outcome;
}

QJsonObject LiveSettings::values(const QString &service) const {
    const int index = serviceIndex(service);
    QJsonObject values;
    if (index < 0)
        return values;
    for (const Setting &setting : m_settings)
        values.insert(setting.name, setting.read(index));
    return values;
}

QJsonObject LiveSettings::document() const {
    QJsonObject services;
    for (const ServiceEntry &service : m_targets.proxy->registry().services())
        services.insert(service.name, values(service.name));
    QJsonArray audit;
    for (const SettingAuditEntry &entry : m_audit)
        audit.append(entry.toJson());
    return QJsonObject{{QStringLiteral("services"), services}, {QStringLiteral("audit"), audit}};
}

std::vector<SettingChangeCount> LiveSettings::changeCounts() const {
    std::vector<SettingChangeCount> counts;
    counts.reserve(m_counts.size());
    for (const auto &[key, count] : m_counts)
        counts.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
    return counts;
}

} // namespace ToolCapture
