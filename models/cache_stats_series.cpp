#include <models/cache_stats_series.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace ToolCapture {

namespace {

std::uint64_t counter(const QJsonObject &object, QLatin1String name) {
    return std::uint64_t(std::max<qint64>(0, object.value(name).toInteger()));
}

} // namespace

CacheStatsSeries::CacheStatsSeries(std::chrono::milliseconds span,
                                   std::chrono::milliseconds minimumInterval)
    : m_span(span)
    , m_minimumInterval(minimumInterval) {
    m_clock.start();
}

void CacheStatsSeries::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("cache") && !message.append)
        applyDocument(message.json, std::chrono::milliseconds(m_clock.elapsed()));
}

bool CacheStatsSeries::applyDocument(const QByteArray &json, std::chrono::milliseconds at) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    const QJsonObject root = document.object();
    if (!document.isObject() || !root.value(QLatin1String("services")).isArray() ||
        !root.value(QLatin1String("enabled")).isBool())
        return false;
    m_received = true;
    m_enabled = root.value(QLatin1String("enabled")).toBool();
    const QJsonObject shared = root.value(QLatin1String("shared_tier_status")).toObject();
    m_sharedTier.reset();
    if (shared.value(QLatin1String("state")).isString()) {
        const QJsonObject invalidation = shared.value(QLatin1String("invalidation")).toObject();
        m_sharedTier = SharedTier{shared.value(QLatin1String("state")).toString(),
                                  shared.value(QLatin1String("last_error")).toString(),
                                  invalidation.value(QLatin1String("state")).toString(),
                                  invalidation.value(QLatin1String("last_error")).toString()};
    }

    QList<Totals> totals;
    QStringList services;
    for (const QJsonValue &value : root.value(QLatin1String("services")).toArray()) {
        const QJsonObject s = value.toObject();
        Totals t;
        t.service = s.value(QLatin1String("service")).toString();
        t.hits = counter(s, QLatin1String("hits"));
        t.misses = counter(s, QLatin1String("misses"));
        t.staleServed = counter(s, QLatin1String("stale_served"));
        t.revalidations = counter(s, QLatin1String("revalidations"));
        t.stores = counter(s, QLatin1String("stores"));
        t.uncacheable = counter(s, QLatin1String("uncacheable"));
        t.evictions = counter(s, QLatin1String("evictions"));
        t.bytes = s.value(QLatin1String("bytes")).toInteger();
        t.objects = s.value(QLatin1String("objects")).toInteger();
        const QJsonValue ratio = s.value(QLatin1String("hit_ratio"));
        t.hitRatio = ratio.isDouble() ? ratio.toDouble() : -1;
        services.append(t.service);
        totals.append(t);
    }
    m_services = services;
    m_totals = totals;
    ++m_revision; // the totals are new even when no point is added

    const qint64 nowMs = at.count();
    if (m_hasBaseline && nowMs - m_lastMs < m_minimumInterval.count())
        return true;
    const double seconds = double(nowMs - m_lastMs) / 1000.0;
    QHash<QString, Counts> current;
    Sample all{nowMs, {}};
    bool any = false;
    for (const Totals &t : std::as_const(m_totals)) {
        const Counts now{t.hits, t.misses, t.staleServed};
        current.insert(t.service, now);
        const auto before = m_baseline.constFind(t.service);
        if (!m_hasBaseline || before == m_baseline.cend() || seconds <= 0)
            continue;
        bool restarted = false;
        for (size_t i = 0; i < now.size(); ++i)
            restarted = restarted || now[i] < (*before)[i];
        if (restarted)
            continue; // this point is the new baseline
        Sample sample{nowMs, {}};
        for (size_t i = 0; i < now.size(); ++i) {
            sample.rates[i] = double(now[i] - (*before)[i]) / seconds;
            all.rates[i] += sample.rates[i];
        }
        addSample(t.service, sample);
        any = true;
    }
    if (any)
        addSample(QString(), all);
    m_baseline = std::move(current);
    m_hasBaseline = true;
    m_lastMs = nowMs;
    return true;
}

void CacheStatsSeries::addSample(const QString &key, const Sample &sample) {
    std::deque<Sample> &samples = m_samples[key];
    samples.push_back(sample);
    while (!samples.empty() && sample.atMs - samples.front().atMs > m_span.count())
        samples.pop_front();
}

void CacheStatsSeries::clear() {
    m_baseline.clear();
    m_samples.clear();
    m_services.clear();
    m_totals.clear();
    m_enabled = false;
    m_received = false;
    m_sharedTier.reset();
    m_hasBaseline = false;
    m_lastMs = 0;
    ++m_revision;
}

CacheStatsSeries::Totals CacheStatsSeries::allTotals() const {
    Totals sum;
    std::uint64_t lookups = 0;
    for (const Totals &t : m_totals) {
        sum.hits += t.hits;
        sum.misses += t.misses;
        sum.staleServed += t.staleServed;
        sum.revalidations += t.revalidations;
        sum.stores += t.stores;
        sum.uncacheable += t.uncacheable;
        sum.evictions += t.evictions;
        sum.bytes += t.bytes;
        sum.objects += t.objects;
    }
    lookups = sum.hits + sum.misses + sum.staleServed + sum.revalidations;
    sum.hitRatio = lookups == 0 ? -1 : double(sum.hits) / double(lookups);
    return sum;
}

QList<QPointF> CacheStatsSeries::points(Metric metric, const QString &service) const {
    QList<QPointF> points;
    const auto it = m_samples.constFind(service);
    if (it == m_samples.cend() || it->empty())
        return points;
    const qint64 newest = it->back().atMs;
    points.reserve(qsizetype(it->size()));
    for (const Sample &sample : *it)
        points.append({double(sample.atMs - newest) / 1000.0, sample.rates[size_t(metric)]});
    return points;
}

double CacheStatsSeries::latest(Metric metric, const QString &service) const {
    const auto it = m_samples.constFind(service);
    if (it == m_samples.cend() || it->empty())
        return std::numeric_limits<double>::quiet_NaN();
    return it->back().rates[size_t(metric)];
}

} // namespace ToolCapture
