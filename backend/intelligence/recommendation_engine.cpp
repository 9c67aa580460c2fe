#include <backend/intelligence/anomaly_rules.h>
#include <backend/intelligence/recommendation_engine.h>

#include <QJsonArray>
#include <QUuid>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

const QString kFiveMinutes = QStringLiteral("5m");

QString priorityName(RecommendationPriority priority) {
    switch (priority) {
    case RecommendationPriority::High:
        return QStringLiteral("high");
    case RecommendationPriority::Medium:
        return QStringLiteral("medium");
    case RecommendationPriority::Low:
        break;
    }
    return QStringLiteral("low");
}

QString verdictName(EffectVerdict verdict) {
    switch (verdict) {
    case EffectVerdict::Measuring:
        return QStringLiteral("measuring");
    case EffectVerdict::Improved:
        return QStringLiteral("improved");
    case EffectVerdict::Unchanged:
        return QStringLiteral("unchanged");
    case EffectVerdict::Worse:
        break;
    }
    return QStringLiteral("worse");
}

QJsonValue stringOrNull(const QString &s) {
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QJsonValue timeOrNull(const QDateTime &at) {
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODateWithMs))
                        : QJsonValue(QJsonValue::Null);
}

double round3(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

// How far past its threshold a value is, 0 (at it) to 1 (as far as it can go).
RecommendationPriority priorityFor(double value, double threshold, double ceiling) {
    const double severity = ceiling > threshold
                                ? std::clamp((value - threshold) / (ceiling - threshold), 0.0, 1.0)
                                : 1.0;
    if (severity >= 0.5)
        return RecommendationPriority::High;
    if (severity >= 0.2)
        return RecommendationPriority::Medium;
    return RecommendationPriority::Low;
}

// More samples than the minimum make a finding more certain: 0.5 at the minimum, 0.95 at five
// times it and beyond.
double confidenceFor(std::uint64_t samples, std::uint64_t minimum) {
    const double m = double(std::max<std::uint64_t>(minimum, 1));
    return round3(0.5 + 0.45 * std::clamp((double(samples) - m) / (4.0 * m), 0.0, 1.0));
}

// The operation's service's settings, or an empty object.
QJsonObject settingsOf(const QJsonObject &settings, const QString &service) {
    return settings.value(service).toObject();
}

std::uint64_t requestsOfService(const AnalysisSnapshot &snapshot, const QString &service,
                                std::uint64_t *errors) {
    std::uint64_t requests = 0;
    *errors = 0;
    for (const OperationInsight &op : snapshot.operations) {
        if (op.service == service) {
            requests += op.fiveMinutes.requests;
            *errors += op.fiveMinutes.errors;
        }
    }
    return requests;
}

// The load imbalance a routing weight can fix: over the service's instances that are as good
// as its best one (typical latency within twice the best's plus 5 ms, error rate within 5
// points of the best's). An instance the router starves because it is slow or failing is the
// routing doing its job, and spreading load onto it would make things worse, so it is left out.
// comparableInstances() are those; the score is 0 with fewer than two.
std::vector<const InstanceInsight *> comparableInstances(const AnalysisSnapshot &snapshot,
                                                         const QString &service) {
    std::vector<const InstanceInsight *> instances;
    for (const InstanceInsight &instance : snapshot.instances) {
        if (instance.service == service && instance.fiveMinutes.requests > 0)
            instances.push_back(&instance);
    }
    if (instances.size() < 2)
        return {};
    const auto p50 = [](const InstanceInsight *i) {
        return i->fiveMinutes.latencyMs.quantile(0.5).value_or(0.0);
    };
    double bestP50 = p50(instances.front());
    double bestErrorRate = instances.front()->fiveMinutes.errorRate();
    for (const InstanceInsight *i : instances) {
        bestP50 = std::min(bestP50, p50(i));
        bestErrorRate = std::min(bestErrorRate, i->fiveMinutes.errorRate());
    }
    std::erase_if(instances, [&](const InstanceInsight *i) {
        return p50(i) > bestP50 * 2.0 + 5.0 || i->fiveMinutes.errorRate() > bestErrorRate + 0.05;
    });
    return instances;
}

double comparableImbalance(const AnalysisSnapshot &snapshot, const QString &service) {
    std::vector<double> requests;
    for (const InstanceInsight *i : comparableInstances(snapshot, service))
        requests.push_back(double(i->fiveMinutes.requests));
    return requests.size() >= 2 ? loadImbalanceScore(requests) : 0.0;
}

} // namespace

QString recommendationTypeName(RecommendationType type) {
    switch (type) {
    case RecommendationType::CacheOptimization:
        return QStringLiteral("cache_optimization");
    case RecommendationType::LoadBalancing:
        return QStringLiteral("load_balancing");
    case RecommendationType::CircuitBreakerTuning:
        return QStringLiteral("circuit_breaker_tuning");
    case RecommendationType::TimeoutTuning:
        return QStringLiteral("timeout_tuning");
    case RecommendationType::RetryTuning:
        return QStringLiteral("retry_tuning");
    case RecommendationType::CaptureSampling:
        break;
    }
    return QStringLiteral("capture_sampling");
}

QString recommendationStatusName(RecommendationStatus status) {
    switch (status) {
    case RecommendationStatus::Open:
        return QStringLiteral("open");
    case RecommendationStatus::Applied:
        return QStringLiteral("applied");
    case RecommendationStatus::Dismissed:
        return QStringLiteral("dismissed");
    case RecommendationStatus::Reverted:
        return QStringLiteral("reverted");
    case RecommendationStatus::Expired:
        break;
    }
    return QStringLiteral("expired");
}

std::optional<RecommendationStatus> recommendationStatusFromName(const QString &name) {
    for (RecommendationStatus s : kRecommendationStatuses) {
        if (recommendationStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

QJsonObject Recommendation::toJson() const {
    QJsonArray evidenceArray;
    for (const RecommendationEvidence &e : evidence) {
        evidenceArray.append(QJsonObject{{QStringLiteral("window"), e.window},
                                         {QStringLiteral("metric"), e.metric},
                                         {QStringLiteral("value"), round3(e.value)},
                                         {QStringLiteral("threshold"), e.threshold}});
    }
    QJsonValue effectValue(QJsonValue::Null);
    if (effect) {
        effectValue = QJsonObject{
            {QStringLiteral("metric"), effect->metric},
            {QStringLiteral("before"), round3(effect->before)},
            {QStringLiteral("after"),
             effect->after ? QJsonValue(round3(*effect->after)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("score"),
             effect->score ? QJsonValue(round3(*effect->score)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("verdict"), verdictName(effect->verdict)},
        };
    }
    return QJsonObject{
        {QStringLiteral("id"), id},
        {QStringLiteral("type"), recommendationTypeName(type)},
        {QStringLiteral("service"), service},
        {QStringLiteral("instance"), stringOrNull(instance)},
        {QStringLiteral("operation"), stringOrNull(operation)},
        {QStringLiteral("title"), title},
        {QStringLiteral("priority"), priorityName(priority)},
        {QStringLiteral("confidence"), confidence},
        {QStringLiteral("expected_impact"),
         QJsonObject{{QStringLiteral("metric"), expectedImpact.metric},
                     {QStringLiteral("from"), round3(expectedImpact.from)},
                     {QStringLiteral("to"), round3(expectedImpact.to)},
                     {QStringLiteral("text"), expectedImpact.text}}},
        {QStringLiteral("evidence"), evidenceArray},
        {QStringLiteral("change"),
         QJsonObject{{QStringLiteral("setting"), change.setting},
                     {QStringLiteral("service"), change.service},
                     {QStringLiteral("before"), change.before},
                     {QStringLiteral("after"), change.after},
                     {QStringLiteral("in_force"), change.inForce ? QJsonValue(*change.inForce)
                                                                 : QJsonValue(QJsonValue::Null)}}},
        {QStringLiteral("status"), recommendationStatusName(status)},
        {QStringLiteral("created_at"), timeOrNull(createdAt)},
        {QStringLiteral("updated_at"), timeOrNull(updatedAt)},
        {QStringLiteral("applied_at"), timeOrNull(appliedAt)},
        {QStringLiteral("applied_by"), stringOrNull(appliedBy)},
        {QStringLiteral("dismissed_at"), timeOrNull(dismissedAt)},
        {QStringLiteral("dismissed_by"), stringOrNull(dismissedBy)},
        {QStringLiteral("dismiss_reason"), stringOrNull(dismissReason)},
        {QStringLiteral("reverted_at"), timeOrNull(revertedAt)},
        {QStringLiteral("expired_at"), timeOrNull(expiredAt)},
        {QStringLiteral("auto_revert"), autoRevert},
        {QStringLiteral("effect"), effectValue},
    };
}

namespace {

template<typename Enum, typename NameOf>
std::optional<Enum> enumNamed(const QString &name, std::initializer_list<Enum> all, NameOf nameOf) {
    for (Enum value : all) {
        if (nameOf(value) == name)
            return value;
    }
    return std::nullopt;
}

QDateTime timeFrom(const QJsonValue &value) {
    if (!value.isString())
        return {};
    const QDateTime t = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

// The metric an effect is measured on, and which way is better (as the rules set it).
bool lowerIsBetterFor(const QString &metric) {
    return metric != QLatin1String("cache_hit_ratio");
}

} // namespace

std::optional<Recommendation> recommendationFromJson(const QJsonObject &d, QString *error) {
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    Recommendation r;
    r.id = d.value(QLatin1String("id")).toString();
    if (r.id.isEmpty())
        return fail(QStringLiteral("no id"));
    using T = RecommendationType;
    const std::optional<T> type =
        enumNamed<T>(d.value(QLatin1String("type")).toString(),
                     {T::CacheOptimization, T::LoadBalancing, T::CircuitBreakerTuning,
                      T::TimeoutTuning, T::RetryTuning, T::CaptureSampling},
                     recommendationTypeName);
    if (!type)
        return fail(
            QStringLiteral("unknown type %1").arg(d.value(QLatin1String("type")).toString()));
    r.type = *type;
    const std::optional<RecommendationStatus> status =
        recommendationStatusFromName(d.value(QLatin1String("status")).toString());
    if (!status)
        return fail(
            QStringLiteral("unknown status %1").arg(d.value(QLatin1String("status")).toString()));
    r.status = *status;
    using P = RecommendationPriority;
    const std::optional<P> priority = enumNamed<P>(d.value(QLatin1String("priority")).toString(),
                                                   {P::High, P::Medium, P::Low}, priorityName);
    if (!priority)
        return fail(QStringLiteral("unknown priority %1")
                        .arg(d.value(QLatin1String("priority")).toString()));
    r.priority = *priority;
    r.service = d.value(QLatin1String("service")).toString();
    r.instance = d.value(QLatin1String("instance")).toString();
    r.operation = d.value(QLatin1String("operation")).toString();
    r.title = d.value(QLatin1String("title")).toString();
    r.confidence = d.value(QLatin1String("confidence")).toDouble();
    const QJsonObject impact = d.value(QLatin1String("expected_impact")).toObject();
    r.expectedImpact = {impact.value(QLatin1String("metric")).toString(),
                        impact.value(QLatin1String("from")).toDouble(),
                        impact.value(QLatin1String("to")).toDouble(),
                        impact.value(QLatin1String("text")).toString()};
    for (const QJsonValue &value : d.value(QLatin1String("evidence")).toArray()) {
        const QJsonObject e = value.toObject();
        r.evidence.push_back({e.value(QLatin1String("window")).toString(),
                              e.value(QLatin1String("metric")).toString(),
                              e.value(QLatin1String("value")).toDouble(),
                              e.value(QLatin1String("threshold")).toDouble()});
    }
    const QJsonObject change = d.value(QLatin1String("change")).toObject();
    r.change = {change.value(QLatin1String("setting")).toString(),
                change.value(QLatin1String("service")).toString(),
                change.value(QLatin1String("before")), change.value(QLatin1String("after")),
                std::nullopt}; // what is in force now is the running engine's to say
    r.createdAt = timeFrom(d.value(QLatin1String("created_at")));
    r.updatedAt = timeFrom(d.value(QLatin1String("updated_at")));
    r.appliedAt = timeFrom(d.value(QLatin1String("applied_at")));
    r.appliedBy = d.value(QLatin1String("applied_by")).toString();
    r.dismissedAt = timeFrom(d.value(QLatin1String("dismissed_at")));
    r.dismissedBy = d.value(QLatin1String("dismissed_by")).toString();
    r.dismissReason = d.value(QLatin1String("dismiss_reason")).toString();
    r.revertedAt = timeFrom(d.value(QLatin1String("reverted_at")));
    r.expiredAt = timeFrom(d.value(QLatin1String("expired_at")));
    r.autoRevert = d.value(QLatin1String("auto_revert")).toBool(true);
    if (const QJsonValue effectValue = d.value(QLatin1String("effect")); effectValue.isObject()) {
        const QJsonObject e = effectValue.toObject();
        RecommendationEffect effect;
        effect.metric = e.value(QLatin1String("metric")).toString();
        effect.lowerIsBetter = lowerIsBetterFor(effect.metric);
        effect.before = e.value(QLatin1String("before")).toDouble();
        if (e.value(QLatin1String("after")).isDouble())
            effect.after = e.value(QLatin1String("after")).toDouble();
        if (e.value(QLatin1String("score")).isDouble())
            effect.score = e.value(QLatin1String("score")).toDouble();
        using V = EffectVerdict;
        effect.verdict =
            enumNamed<V>(e.value(QLatin1String("verdict")).toString(),
                         {V::Measuring, V::Improved, V::Unchanged, V::Worse}, verdictName)
                .value_or(V::Measuring);
        r.effect = effect;
    }
    return r;
}

int RecommendationEngine::restore(std::vector<Recommendation> recommendations) {
    const Clock::time_point now = m_clock.now();
    const QDateTime wall = wallNow();
    // What is left of `span` since `at` (wall clock), from now on the engine's clock.
    const auto rest = [&](const QDateTime &at, std::chrono::milliseconds span) {
        const qint64 elapsed = at.isValid() ? std::max<qint64>(0, at.msecsTo(wall)) : 0;
        return now +
               std::max(std::chrono::milliseconds(0), span - std::chrono::milliseconds(elapsed));
    };
    int taken = 0;
    for (Recommendation &r : recommendations) {
        if (r.id.isEmpty() || findEntry(r.id))
            continue;
        const Key key{r.type, r.service, r.instance, r.operation};
        if (r.status == RecommendationStatus::Open) {
            // One open or applied recommendation per kind (as offer() keeps it): one made while
            // the store could not be read, or an older row, stays the one.
            const bool taken = std::any_of(
                m_recommendations.begin(), m_recommendations.end(), [&key](const Entry &e) {
                    return e.key == key &&
                           (e.recommendation.status == RecommendationStatus::Open ||
                            e.recommendation.status == RecommendationStatus::Applied);
                });
            if (taken)
                continue;
        }
        if (r.status == RecommendationStatus::Dismissed ||
            r.status == RecommendationStatus::Reverted) {
            const QDateTime at =
                r.status == RecommendationStatus::Dismissed ? r.dismissedAt : r.revertedAt;
            const Clock::time_point until = rest(at, m_options.suppressFor);
            if (until > now) {
                Clock::time_point &suppressed = m_suppressedUntil[key];
                suppressed = std::max(suppressed, until);
            }
        }
        Entry entry;
        entry.lowerIsBetter = lowerIsBetterFor(r.expectedImpact.metric);
        // An applied one still measuring: its after-window starts at the first snapshot from
        // now on (what came before the restart is not in this engine's totals).
        entry.appliedAt = now;
        entry.recommendation = std::move(r);
        entry.key = key;
        m_recommendations.push_back(std::move(entry));
        ++taken;
    }
    std::stable_sort(m_recommendations.begin(), m_recommendations.end(),
                     [](const Entry &a, const Entry &b) {
                         return a.recommendation.createdAt < b.recommendation.createdAt;
                     });
    trim();
    return taken;
}

struct RecommendationEngine::Candidate {
    Recommendation r; // without id, status and times
    bool lowerIsBetter = true;
};

RecommendationEngine::RecommendationEngine(const Clock &clock, SettingChangePort port)
    : RecommendationEngine(clock, std::move(port), Options{}) {}

RecommendationEngine::RecommendationEngine(const Clock &clock, SettingChangePort port,
                                           Options options)
    : m_clock(clock)
    , m_port(std::move(port))
    , m_options(std::move(options)) {}

void RecommendationEngine::runRules(const AnalysisSnapshot &snapshot, const QJsonObject &settings,
                                    const CaptureLoad &capture, std::vector<Candidate> &out) const {
    const Options &o = m_options;
    const auto make = [](RecommendationType type, const QString &service, const QString &instance,
                         const QString &operation) {
        Candidate c;
        c.r.type = type;
        c.r.service = service;
        c.r.instance = instance;
        c.r.operation = operation;
        c.r.change.service = service;
        return c;
    };

    for (const OperationInsight &op : snapshot.operations) {
        const QJsonObject s = settingsOf(settings, op.service);
        const WindowStats &w = op.fiveMinutes;

        // cache_optimization: eligible requests that the cache does not answer.
        if (w.cacheEligible >= o.minCacheEligible && s.contains(QLatin1String("cache.enabled"))) {
            const double hit = w.cacheHitRatio();
            const double miss = double(w.cacheEligible - std::min(w.cacheHits, w.cacheEligible)) /
                                double(w.cacheEligible);
            QString setting;
            if (!s.value(QLatin1String("cache.enabled")).toBool())
                setting = QStringLiteral("cache.enabled");
            else if (!s.value(QLatin1String("cache.heuristics")).toBool(true))
                setting = QStringLiteral("cache.heuristics");
            if (miss > o.cacheMissRate && !setting.isEmpty()) {
                Candidate c =
                    make(RecommendationType::CacheOptimization, op.service, {}, op.operation);
                c.r.title = QStringLiteral("Cache %1's %2").arg(op.service, op.operation);
                c.r.priority = priorityFor(miss, o.cacheMissRate, 1.0);
                c.r.confidence = confidenceFor(w.cacheEligible, o.minCacheEligible);
                c.r.expectedImpact = {QStringLiteral("cache_hit_ratio"), hit,
                                      hit + 0.5 * (1.0 - hit),
                                      QStringLiteral("about half of the misses answered from the "
                                                     "cache")};
                c.r.evidence.push_back(
                    {kFiveMinutes, QStringLiteral("cache_miss_rate"), miss, o.cacheMissRate});
                c.r.change.setting = setting;
                c.r.change.before = s.value(setting);
                c.r.change.after = true;
                c.lowerIsBetter = false;
                out.push_back(std::move(c));
            }
        }

        // timeout_tuning: p99 close to the first-byte timeout.
        const QJsonValue timeout = s.value(QLatin1String("timeouts.first_byte_ms"));
        if (w.requests >= o.minOperationRequests && timeout.isDouble() && timeout.toDouble() > 0) {
            const double p99 = w.latencyMs.quantile(0.99).value_or(0.0);
            const double configured = timeout.toDouble();
            const double share = p99 / configured;
            const qint64 raised =
                std::min<qint64>(600000, qint64(std::ceil(p99 * 1.5 / 100.0)) * 100);
            if (share > o.timeoutP99Share && raised > qint64(configured)) {
                Candidate c = make(RecommendationType::TimeoutTuning, op.service, {}, op.operation);
                c.r.title = QStringLiteral("Raise %1's first-byte timeout for %2")
                                .arg(op.service, op.operation);
                c.r.priority = priorityFor(share, o.timeoutP99Share, 1.0);
                c.r.confidence = confidenceFor(w.requests, o.minOperationRequests);
                const double errorRate = w.errorRate();
                c.r.expectedImpact = {QStringLiteral("error_rate"), errorRate, errorRate * 0.5,
                                      QStringLiteral("slow but successful responses no longer "
                                                     "cut off by the timeout")};
                c.r.evidence.push_back({kFiveMinutes, QStringLiteral("p99_to_first_byte_timeout"),
                                        share, o.timeoutP99Share});
                c.r.change.setting = QStringLiteral("timeouts.first_byte_ms");
                c.r.change.before = timeout;
                c.r.change.after = raised;
                out.push_back(std::move(c));
            }
        }

        // retry_tuning: retries that do not help.
        const QJsonValue attempts = s.value(QLatin1String("retry.max_attempts"));
        if (op.retriedFiveMinutes >= o.minRetried && attempts.isDouble() && attempts.toInt() > 1) {
            const double failedShare =
                double(op.retriedFailedFiveMinutes) / double(op.retriedFiveMinutes);
            if (failedShare > o.retryFailedShare) {
                Candidate c = make(RecommendationType::RetryTuning, op.service, {}, op.operation);
                c.r.title = QStringLiteral("Retry %1's %2 less").arg(op.service, op.operation);
                c.r.priority = priorityFor(failedShare, o.retryFailedShare, 1.0);
                c.r.confidence = confidenceFor(op.retriedFiveMinutes, o.minRetried);
                const double wasted =
                    w.requests ? double(op.retriedFailedFiveMinutes) / double(w.requests) : 0.0;
                c.r.expectedImpact = {QStringLiteral("wasted_retry_rate"), wasted, wasted * 0.5,
                                      QStringLiteral("fewer attempts spent on requests that fail "
                                                     "anyway")};
                c.r.evidence.push_back({kFiveMinutes, QStringLiteral("retried_failed_share"),
                                        failedShare, o.retryFailedShare});
                c.r.change.setting = QStringLiteral("retry.max_attempts");
                c.r.change.before = attempts;
                c.r.change.after = attempts.toInt() - 1;
                out.push_back(std::move(c));
            }
        }
    }

    // load_balancing: traffic unevenly spread over a service's instances that are equally good
    // (comparableImbalance): the source documents' load_imbalance_score of the whole service
    // also counts the instances the router avoids for good reason.
    for (const ServiceInsight &service : snapshot.services) {
        const QJsonValue weight =
            settingsOf(settings, service.service).value(QLatin1String("routing.load_weight"));
        if (service.instances < 2 || service.requests < o.minServiceRequests ||
            !weight.isDouble() || service.loadImbalance <= o.loadImbalance)
            continue;
        // Judged on what the instances took (a service answered mostly from the cache forwards
        // few requests, and an imbalance of a few requests is noise).
        std::uint64_t forwarded = 0;
        for (const InstanceInsight *i : comparableInstances(snapshot, service.service))
            forwarded += i->fiveMinutes.requests;
        const double imbalance = comparableImbalance(snapshot, service.service);
        if (forwarded < o.minServiceRequests || imbalance <= o.loadImbalance)
            continue;
        const double after = std::min(10.0, weight.toDouble() + 1.0);
        if (after <= weight.toDouble())
            continue;
        Candidate c = make(RecommendationType::LoadBalancing, service.service, {}, {});
        c.r.title = QStringLiteral("Spread %1's load more evenly").arg(service.service);
        c.r.priority = priorityFor(imbalance, o.loadImbalance, 1.0);
        c.r.confidence = confidenceFor(service.requests, o.minServiceRequests);
        c.r.expectedImpact = {QStringLiteral("load_imbalance"), imbalance, imbalance * 0.5,
                              QStringLiteral("the routing weighs in each instance's load more")};
        c.r.evidence.push_back(
            {kFiveMinutes, QStringLiteral("load_imbalance"), imbalance, o.loadImbalance});
        c.r.change.setting = QStringLiteral("routing.load_weight");
        c.r.change.before = weight;
        c.r.change.after = after;
        out.push_back(std::move(c));
    }

    // circuit_breaker_tuning: an instance close to failing. Trip sooner (a lower failure rate
    // threshold) or, when it is already low, stay open longer.
    for (const InstanceInsight &instance : snapshot.instances) {
        if (instance.fiveMinutes.requests < o.minInstanceRequests ||
            instance.failureRisk <= o.failureRisk)
            continue;
        const QJsonObject s = settingsOf(settings, instance.service);
        const QJsonValue rate = s.value(QLatin1String("breaker.failure_rate"));
        const QJsonValue open = s.value(QLatin1String("breaker.open_duration_ms"));
        Candidate c =
            make(RecommendationType::CircuitBreakerTuning, instance.service, instance.instance, {});
        if (rate.isDouble() && rate.toDouble() > 0.05) {
            c.r.change.setting = QStringLiteral("breaker.failure_rate");
            c.r.change.before = rate;
            c.r.change.after = std::max(0.05, std::round(rate.toDouble() * 80.0) / 100.0);
        } else if (open.isDouble() && open.toInteger() < 3600000) {
            c.r.change.setting = QStringLiteral("breaker.open_duration_ms");
            c.r.change.before = open;
            c.r.change.after = std::min<qint64>(3600000, open.toInteger() * 2);
        } else {
            continue;
        }
        std::uint64_t errors = 0;
        const std::uint64_t requests = requestsOfService(snapshot, instance.service, &errors);
        const double errorRate = requests ? double(errors) / double(requests) : 0.0;
        c.r.title = QStringLiteral("Protect %1 from failing instance %2")
                        .arg(instance.service, instance.instance);
        c.r.priority = priorityFor(instance.failureRisk, o.failureRisk, 1.0);
        c.r.confidence = confidenceFor(instance.fiveMinutes.requests, o.minInstanceRequests);
        c.r.expectedImpact = {QStringLiteral("error_rate"), errorRate, errorRate * 0.7,
                              QStringLiteral("the breaker takes the failing instance out of "
                                             "rotation sooner")};
        c.r.evidence.push_back(
            {kFiveMinutes, QStringLiteral("failure_risk"), instance.failureRisk, o.failureRisk});
        out.push_back(std::move(c));
    }

    // capture_sampling: the capture queue drops exchanges; sample the busiest service less.
    if (capture.present && capture.dropped > o.captureDrops &&
        capture.captured + capture.dropped >= o.minCaptureEvents) {
        const ServiceInsight *busiest = nullptr;
        for (const ServiceInsight &service : snapshot.services) {
            const QJsonValue rate =
                settingsOf(settings, service.service).value(QLatin1String("capture.sample_rate"));
            if (!rate.isDouble() || rate.toDouble() <= 0.01)
                continue;
            if (!busiest || service.requests > busiest->requests)
                busiest = &service;
        }
        if (busiest) {
            const QJsonValue rate =
                settingsOf(settings, busiest->service).value(QLatin1String("capture.sample_rate"));
            Candidate c = make(RecommendationType::CaptureSampling, busiest->service, {}, {});
            c.r.title = QStringLiteral("Capture fewer of %1's exchanges").arg(busiest->service);
            c.r.priority = priorityFor(capture.dropRate(), 0.0, 0.2);
            c.r.confidence = confidenceFor(capture.captured + capture.dropped, o.minCaptureEvents);
            c.r.expectedImpact = {QStringLiteral("capture_drop_rate"), capture.dropRate(), 0.0,
                                  QStringLiteral("the capture pipeline keeps up with a sample")};
            c.r.evidence.push_back({kFiveMinutes, QStringLiteral("capture_drops"),
                                    double(capture.dropped), double(o.captureDrops)});
            c.r.change.setting = QStringLiteral("capture.sample_rate");
            c.r.change.before = rate;
            c.r.change.after = std::max(0.01, std::round(rate.toDouble() * 50.0) / 100.0);
            out.push_back(std::move(c));
        }
    }
}

void RecommendationEngine::evaluate(const AnalysisSnapshot &snapshot, const QJsonObject &settings,
                                    const CaptureLoad &capture) {
    m_lastSnapshot = snapshot;
    m_lastCapture = capture;
    const Clock::time_point now = m_clock.now();
    for (auto it = m_suppressedUntil.begin(); it != m_suppressedUntil.end();) {
        it = it->second <= now ? m_suppressedUntil.erase(it) : std::next(it);
    }
    std::vector<Candidate> candidates;
    runRules(snapshot, settings, capture, candidates);
    for (Candidate &candidate : candidates)
        offer(std::move(candidate));
    markChangesInForce(settings);
    measure(snapshot, capture);
    expire();
    trim();
}

void RecommendationEngine::markChangesInForce(const QJsonObject &settings) {
    for (Entry &entry : m_recommendations) {
        RecommendedChange &change = entry.recommendation.change;
        if (entry.recommendation.status != RecommendationStatus::Applied) {
            change.inForce.reset();
            continue;
        }
        const QJsonValue now = settings.value(change.service).toObject().value(change.setting);
        if (!now.isUndefined())
            change.inForce = now == change.after;
    }
}

void RecommendationEngine::offer(Candidate candidate) {
    Recommendation &c = candidate.r;
    const Key key{c.type, c.service, c.instance, c.operation};
    for (Entry &entry : m_recommendations) {
        if (entry.key != key)
            continue;
        Recommendation &r = entry.recommendation;
        if (r.status == RecommendationStatus::Open) {
            // Still true: the latest evidence and the change as the settings are now.
            r.title = c.title;
            r.priority = c.priority;
            r.confidence = c.confidence;
            r.expectedImpact = c.expectedImpact;
            r.evidence = c.evidence;
            r.change = c.change;
            r.updatedAt = wallNow();
            entry.lastFired = m_clock.now();
            return;
        }
        if (r.status == RecommendationStatus::Applied)
            return; // its change is in force (or being measured)
    }
    if (m_suppressedUntil.count(key))
        return;
    c.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    c.status = RecommendationStatus::Open;
    c.createdAt = c.updatedAt = wallNow();
    c.autoRevert = m_options.autoRevert;
    c.effect.reset();
    Entry entry;
    entry.recommendation = std::move(c);
    entry.key = key;
    entry.lowerIsBetter = candidate.lowerIsBetter;
    entry.lastFired = m_clock.now();
    m_recommendations.push_back(std::move(entry));
    emitEvent(QStringLiteral("created"), m_recommendations.back().recommendation);
}

std::optional<double> RecommendationEngine::metricOf(const Recommendation &r,
                                                     const AnalysisSnapshot &snapshot,
                                                     const CaptureLoad &capture) const {
    const QString &metric = r.expectedImpact.metric;
    if (metric == QLatin1String("capture_drop_rate")) {
        if (!capture.present || capture.captured + capture.dropped == 0)
            return std::nullopt;
        return capture.dropRate();
    }
    if (metric == QLatin1String("load_imbalance")) {
        if (comparableInstances(snapshot, r.service).size() < 2)
            return std::nullopt;
        return comparableImbalance(snapshot, r.service);
    }
    if (!r.operation.isEmpty()) {
        for (const OperationInsight &op : snapshot.operations) {
            if (op.service != r.service || op.operation != r.operation)
                continue;
            const WindowStats &w = op.fiveMinutes;
            if (metric == QLatin1String("cache_hit_ratio"))
                return w.cacheEligible ? std::optional<double>(w.cacheHitRatio()) : std::nullopt;
            if (w.requests == 0)
                return std::nullopt;
            if (metric == QLatin1String("wasted_retry_rate"))
                return double(op.retriedFailedFiveMinutes) / double(w.requests);
            return w.errorRate();
        }
        return std::nullopt;
    }
    std::uint64_t errors = 0;
    const std::uint64_t requests = requestsOfService(snapshot, r.service, &errors);
    if (requests == 0)
        return std::nullopt;
    return double(errors) / double(requests);
}

RecommendationEngine::EffectCounts
RecommendationEngine::countsOf(const Recommendation &r, const AnalysisSnapshot &snapshot) {
    EffectCounts counts;
    counts.at = snapshot.at;
    const auto add = [&counts](const RunningTotals &t) {
        counts.totals.requests += t.requests;
        counts.totals.errors += t.errors;
        counts.totals.cacheEligible += t.cacheEligible;
        counts.totals.cacheHits += t.cacheHits;
        counts.totals.retriedFailed += t.retriedFailed;
    };
    if (r.expectedImpact.metric == QLatin1String("load_imbalance")) {
        for (const InstanceInsight &instance : snapshot.instances) {
            if (instance.service == r.service)
                counts.instanceRequests[instance.instance] = instance.totals.requests;
        }
        for (const InstanceInsight *instance : comparableInstances(snapshot, r.service))
            counts.comparable.push_back(instance->instance);
        return counts;
    }
    for (const OperationInsight &op : snapshot.operations) {
        if (op.service == r.service && (r.operation.isEmpty() || op.operation == r.operation))
            add(op.totals);
    }
    return counts;
}

std::optional<double> RecommendationEngine::metricAfter(const Entry &entry,
                                                        const EffectCounts &to) {
    const Recommendation &r = entry.recommendation;
    const QString &metric = r.expectedImpact.metric;
    if (metric == QLatin1String("capture_drop_rate")) {
        const CaptureLoad &c = entry.captureAfter;
        if (!c.present || c.captured + c.dropped == 0)
            return std::nullopt;
        return c.dropRate();
    }
    const EffectCounts &from = *entry.afterFrom;
    const auto since = [](std::uint64_t now, std::uint64_t then) {
        return now - std::min(now, then);
    };
    if (metric == QLatin1String("load_imbalance")) {
        // The instances that were comparable when the after-window started count, those that
        // got nothing after the change too: an instance starved of traffic is the most uneven
        // spread, not one instance fewer.
        std::vector<double> requests;
        double total = 0;
        for (const QString &instance : from.comparable) {
            const auto then = from.instanceRequests.find(instance);
            const auto now = to.instanceRequests.find(instance);
            const double n =
                now == to.instanceRequests.end() ? 0.0 : double(since(now->second, then->second));
            requests.push_back(n);
            total += n;
        }
        if (total <= 0)
            return std::nullopt;
        return requests.size() >= 2 ? loadImbalanceScore(requests) : 0.0;
    }
    const std::uint64_t requests = since(to.totals.requests, from.totals.requests);
    if (metric == QLatin1String("cache_hit_ratio")) {
        const std::uint64_t eligible = since(to.totals.cacheEligible, from.totals.cacheEligible);
        if (eligible == 0)
            return std::nullopt;
        const std::uint64_t hits = since(to.totals.cacheHits, from.totals.cacheHits);
        return double(std::min(hits, eligible)) / double(eligible);
    }
    if (requests == 0)
        return std::nullopt;
    if (metric == QLatin1String("wasted_retry_rate"))
        return double(since(to.totals.retriedFailed, from.totals.retriedFailed)) / double(requests);
    return double(std::min(requests, since(to.totals.errors, from.totals.errors))) /
           double(requests);
}

void RecommendationEngine::measure(const AnalysisSnapshot &snapshot, const CaptureLoad &capture) {
    for (Entry &entry : m_recommendations) {
        Recommendation &r = entry.recommendation;
        if (r.status != RecommendationStatus::Applied || !r.effect ||
            r.effect->verdict != EffectVerdict::Measuring)
            continue;
        // Traffic under someone else's value says nothing of this change: not measured (nor
        // reverted automatically) while it is not in force.
        if (r.change.inForce == false)
            continue;
        if (!entry.afterFrom) {
            // The after-window starts at the first snapshot taken since the change: one from
            // before it (the analyser publishes every second) would count earlier exchanges.
            if (snapshot.at < entry.appliedAt)
                continue;
            entry.afterFrom = countsOf(r, snapshot);
            entry.captureAfter = CaptureLoad{};
            r.effect->measureAt = snapshot.at + m_options.effectWindow;
            continue;
        }
        entry.captureAfter.present = capture.present;
        entry.captureAfter.captured += capture.captured;
        entry.captureAfter.dropped += capture.dropped;
        if (snapshot.at < r.effect->measureAt)
            continue;
        const std::optional<double> after = metricAfter(entry, countsOf(r, snapshot));
        if (!after)
            continue; // no traffic in the after-window yet: still measuring
        RecommendationEffect &effect = *r.effect;
        effect.after = *after;
        // The relative change, in the direction that is better: -1..1.
        const double before = effect.before;
        const double scale = std::max({std::fabs(before), std::fabs(*after), 1e-9});
        double score = (*after - before) / scale;
        if (effect.lowerIsBetter)
            score = -score;
        if (std::fabs(before) < 1e-9 && std::fabs(*after) < 1e-9)
            score = 0;
        effect.score = std::clamp(score, -1.0, 1.0);
        effect.verdict = *effect.score >= m_options.unchangedBand    ? EffectVerdict::Improved
                         : *effect.score <= -m_options.unchangedBand ? EffectVerdict::Worse
                                                                     : EffectVerdict::Unchanged;
        r.updatedAt = wallNow();
        emitEvent(QStringLiteral("measured"), r);
        if (effect.verdict == EffectVerdict::Worse && r.autoRevert) {
            changeBack(entry, m_options.actor,
                       QStringLiteral("automatic revert: %1 got worse (%2 to %3)")
                           .arg(effect.metric)
                           .arg(round3(before))
                           .arg(round3(*after)),
                       SettingSource::AutoRevert);
        }
    }
}

// NOTE: an expired recommendation is not suppressed: its problem went away, and when it comes
// back it is a new recommendation with new evidence.
void RecommendationEngine::expire() {
    const Clock::time_point now = m_clock.now();
    for (Entry &entry : m_recommendations) {
        Recommendation &r = entry.recommendation;
        if (r.status != RecommendationStatus::Open)
            continue;
        if (!entry.lastFired) {
            entry.lastFired = now;
            continue;
        }
        if (now - *entry.lastFired < m_options.expireAfter)
            continue;
        r.status = RecommendationStatus::Expired;
        r.expiredAt = r.updatedAt = wallNow();
        emitEvent(QStringLiteral("expired"), r);
    }
}

RecommendationEngine::Entry *RecommendationEngine::findEntry(const QString &id) {
    for (Entry &entry : m_recommendations) {
        if (entry.recommendation.id == id)
            return &entry;
    }
    return nullptr;
}

const Recommendation *RecommendationEngine::find(const QString &id) const {
    for (const Entry &entry : m_recommendations) {
        if (entry.recommendation.id == id)
            return &entry.recommendation;
    }
    return nullptr;
}

std::vector<Recommendation>
RecommendationEngine::list(std::optional<RecommendationStatus> status) const {
    std::vector<Recommendation> out;
    for (const Entry &entry : m_recommendations) {
        if (!status || entry.recommendation.status == *status)
            out.push_back(entry.recommendation);
    }
    return out;
}

RecommendationEngine::Outcome RecommendationEngine::apply(const QString &id, const QString &actor,
                                                          const QString &reason) {
    Entry *entry = findEntry(id);
    if (!entry)
        return {Result::NotFound, QStringLiteral("no recommendation has the id %1").arg(id), {}};
    Recommendation &r = entry->recommendation;
    if (r.status != RecommendationStatus::Open) {
        return {Result::Conflict,
                QStringLiteral("the recommendation is %1: only an open one can be applied")
                    .arg(recommendationStatusName(r.status)),
                {}};
    }
    SettingChangeRequest request;
    request.service = r.change.service;
    request.setting = r.change.setting;
    request.value = r.change.after;
    request.actor = actor;
    request.reason = reason.isEmpty() ? r.title : reason;
    request.source = SettingSource::Recommendation;
    request.recommendationId = r.id;
    // Only onto the value the change was computed from: if someone set it since, the change
    // (and the evidence behind it) is judged again at the next evaluation instead.
    request.expected = r.change.before;
    const SettingChangeOutcome outcome = m_port ? m_port(request) : SettingChangeOutcome{};
    if (!outcome.ok && outcome.conflict) {
        return {Result::Conflict,
                QStringLiteral("not applied: %1; the recommendation is judged again at the next "
                               "evaluation")
                    .arg(outcome.error),
                {}};
    }
    if (!outcome.ok)
        return {Result::Failed, m_port ? outcome.error : QStringLiteral("no port"), {}};
    r.change.before = outcome.entry.before;
    r.change.after = outcome.entry.after;
    r.change.inForce = true;
    r.status = RecommendationStatus::Applied;
    r.appliedAt = r.updatedAt = wallNow();
    r.appliedBy = actor;
    RecommendationEffect effect;
    effect.metric = r.expectedImpact.metric;
    effect.lowerIsBetter = entry->lowerIsBetter;
    // The window before: what the latest snapshot says now, else the evidence the rule saw.
    std::optional<double> before;
    if (m_lastSnapshot)
        before = metricOf(r, *m_lastSnapshot, m_lastCapture);
    effect.before = before.value_or(r.expectedImpact.from);
    entry->appliedAt = m_clock.now();
    entry->afterFrom.reset();
    effect.measureAt = entry->appliedAt + m_options.effectWindow;
    r.effect = effect;
    emitEvent(QStringLiteral("applied"), r);
    return {Result::Ok, {}, r};
}

RecommendationEngine::Outcome RecommendationEngine::dismiss(const QString &id, const QString &actor,
                                                            const QString &reason) {
    Entry *entry = findEntry(id);
    if (!entry)
        return {Result::NotFound, QStringLiteral("no recommendation has the id %1").arg(id), {}};
    Recommendation &r = entry->recommendation;
    if (r.status != RecommendationStatus::Open) {
        return {Result::Conflict,
                QStringLiteral("the recommendation is %1: only an open one can be dismissed")
                    .arg(recommendationStatusName(r.status)),
                {}};
    }
    r.status = RecommendationStatus::Dismissed;
    r.dismissedAt = r.updatedAt = wallNow();
    r.dismissedBy = actor;
    r.dismissReason = reason;
    m_suppressedUntil[entry->key] = m_clock.now() + m_options.suppressFor;
    emitEvent(QStringLiteral("dismissed"), r);
    return {Result::Ok, {}, r};
}

RecommendationEngine::Outcome RecommendationEngine::revert(const QString &id, const QString &actor,
                                                           const QString &reason) {
    Entry *entry = findEntry(id);
    if (!entry)
        return {Result::NotFound, QStringLiteral("no recommendation has the id %1").arg(id), {}};
    if (entry->recommendation.status != RecommendationStatus::Applied) {
        return {Result::Conflict,
                QStringLiteral("the recommendation is %1: only an applied one can be reverted")
                    .arg(recommendationStatusName(entry->recommendation.status)),
                {}};
    }
    return changeBack(*entry, actor, reason, SettingSource::Recommendation);
}

RecommendationEngine::Outcome RecommendationEngine::changeBack(Entry &entry, const QString &actor,
                                                               const QString &reason,
                                                               SettingSource source) {
    Recommendation &r = entry.recommendation;
    SettingChangeRequest request;
    request.service = r.change.service;
    request.setting = r.change.setting;
    request.value = r.change.before;
    request.actor = actor;
    request.reason = reason.isEmpty() ? QStringLiteral("revert: %1").arg(r.title) : reason;
    request.source = source;
    request.recommendationId = r.id;
    // Only the recommendation's own value is taken back: a value someone set since stays.
    request.expected = r.change.after;
    const SettingChangeOutcome outcome = m_port ? m_port(request) : SettingChangeOutcome{};
    if (!outcome.ok && !outcome.conflict)
        return {Result::Failed, m_port ? outcome.error : QStringLiteral("no port"), {}};
    // A conflict: the change is no longer in force (an operator set another value since, or a
    // restart returned it to the configuration's). The recommendation closes with nothing
    // changed, and the value in force stays.
    r.status = RecommendationStatus::Reverted;
    r.change.inForce.reset();
    r.revertedAt = r.updatedAt = wallNow();
    // What was reverted is not recommended again straight away.
    m_suppressedUntil[entry.key] = m_clock.now() + m_options.suppressFor;
    emitEvent(QStringLiteral("reverted"), r);
    return {Result::Ok, {}, r};
}

void RecommendationEngine::trim() {
    const auto closed = [](const Recommendation &r) {
        return r.status == RecommendationStatus::Dismissed ||
               r.status == RecommendationStatus::Reverted ||
               r.status == RecommendationStatus::Expired ||
               (r.status == RecommendationStatus::Applied && r.effect &&
                r.effect->verdict != EffectVerdict::Measuring);
    };
    // The oldest closed ones first, then the oldest of any.
    for (bool closedOnly : {true, false}) {
        for (auto it = m_recommendations.begin();
             int(m_recommendations.size()) > m_options.maxRecommendations &&
             it != m_recommendations.end();) {
            if (!closedOnly || closed(it->recommendation)) {
                it = m_recommendations.erase(it);
            } else {
                ++it;
            }
        }
    }
}

void RecommendationEngine::emitEvent(const QString &event, const Recommendation &r) const {
    if (m_events)
        m_events(event, r);
}

} // namespace ToolCapture
