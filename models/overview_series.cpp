#include <backend/metrics/proxy_metrics.h>
#include <models/overview_series.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::uint64_t counter(const QJsonValue &value) {
    return std::uint64_t(std::max<qint64>(0, value.toInteger()));
}

bool hasLatencySamples(const InstanceTotals &totals) {
    for (std::uint64_t n : totals.latencyBuckets) {
        if (n != 0)
            return true;
    }
    return false;
}

// A document's latency histogram into this build's buckets. The engine sends its bounds with
// the counts (a headless instance of another version may have others): each count goes to the
// bucket of this build that holds its upper bound, the last (+Inf) to the last. Without bounds
// the counts are taken as this build's, index by index.
void readHistogram(const QJsonObject &histogram,
                   std::array<std::uint64_t, kLatencyBucketCount> &out) {
    const QJsonArray counts = histogram.value(QLatin1String("counts")).toArray();
    const QJsonArray bounds = histogram.value(QLatin1String("bounds_ms")).toArray();
    if (bounds.isEmpty() || bounds.size() + 1 != counts.size()) {
        for (qsizetype i = 0; i < counts.size() && i < qsizetype(out.size()); ++i)
            out[size_t(i)] = counter(counts.at(i));
        return;
    }
    for (qsizetype i = 0; i < counts.size(); ++i) {
        std::size_t bucket = out.size() - 1;
        if (i < bounds.size()) {
            const double bound = bounds.at(i).toDouble(-1);
            if (!(bound >= 0))
                continue; // not a bound: its count is left out rather than misplaced
            bucket = std::size_t(latencyBucketIndex(
                std::chrono::microseconds(std::llround(std::min(bound, 1e12) * 1000.0))));
        }
        out[bucket] += counter(counts.at(i));
    }
}

} // namespace

OverviewSeries::OverviewSeries(std::chrono::milliseconds span,
                               std::chrono::milliseconds minimumInterval)
    : m_span(span)
    , m_minimumInterval(minimumInterval) {
    m_clock.start();
}

void OverviewSeries::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("services") && !message.append)
        applyDocument(message.json, std::chrono::milliseconds(m_clock.elapsed()));
}

bool OverviewSeries::applyDocument(const QByteArray &json, std::chrono::milliseconds at) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject() || !document.object().value(QLatin1String("services")).isArray())
        return false;
    const qint64 nowMs = at.count();
    if (m_hasBaseline && nowMs - m_lastMs < m_minimumInterval.count())
        return true;
    const double seconds = double(nowMs - m_lastMs) / 1000.0;

    QHash<QString, Counters> current;
    QStringList services;
    InstanceTotals all; // the interval's traffic of every service, for the quantiles
    Counters allDelta;
    QList<QPair<QString, Sample>> samples;
    for (const QJsonValue &serviceValue :
         document.object().value(QLatin1String("services")).toArray()) {
        const QJsonObject service = serviceValue.toObject();
        const QString name = service.value(QLatin1String("name")).toString();
        services.append(name);
        InstanceTotals interval;
        Counters delta;
        for (const QJsonValue &instanceValue :
             service.value(QLatin1String("instances")).toArray()) {
            const QJsonObject instance = instanceValue.toObject();
            Counters now;
            now.responses = counter(instance.value(QLatin1String("requests")));
            const QJsonObject errors = instance.value(QLatin1String("errors")).toObject();
            now.errors = counter(instance[QLatin1String("responses")][QLatin1String("5xx")]) +
                         counter(errors.value(QLatin1String("connect_failures"))) +
                         counter(errors.value(QLatin1String("resets"))) +
                         counter(errors.value(QLatin1String("first_byte_timeouts")));
            readHistogram(instance[QLatin1String("latency_histogram")].toObject(), now.buckets);
            const QString id = instance.value(QLatin1String("id")).toString();
            const auto before = m_baseline.constFind(id);
            if (before != m_baseline.cend() && before->responses <= now.responses &&
                before->errors <= now.errors) {
                delta.responses += now.responses - before->responses;
                delta.errors += now.errors - before->errors;
                // Both arrays are kLatencyBucketCount long.
                for (size_t b = 0; b < now.buckets.size(); ++b) {
                    const std::uint64_t n = now.buckets[b] >= before->buckets[b]
                                                ? now.buckets[b] - before->buckets[b]
                                                : 0;
                    interval.latencyBuckets[b] += n;
                    all.latencyBuckets[b] += n;
                }
            }
            current.insert(id, now);
        }
        // What the response cache answered for the service counts as its traffic too.
        {
            const QString key = QLatin1String("cache:") + name;
            Counters cached;
            cached.responses = counter(service.value(QLatin1String("cache_answered")));
            const auto before = m_baseline.constFind(key);
            if (before != m_baseline.cend() && before->responses <= cached.responses)
                delta.responses += cached.responses - before->responses;
            current.insert(key, cached);
        }
        allDelta.responses += delta.responses;
        allDelta.errors += delta.errors;
        if (m_hasBaseline) {
            Sample sample;
            sample.atMs = nowMs;
            sample.requestsPerSecond = double(delta.responses) / seconds;
            const bool any = hasLatencySamples(interval);
            sample.p50 = any ? interval.latencyQuantileMs(0.5) : kNaN;
            sample.p99 = any ? interval.latencyQuantileMs(0.99) : kNaN;
            sample.errorRate = delta.responses
                                   ? std::min(1.0, double(delta.errors) / double(delta.responses))
                                   : kNaN;
            samples.append({name, sample});
        }
    }
    if (m_hasBaseline) {
        Sample sample;
        sample.atMs = nowMs;
        sample.requestsPerSecond = double(allDelta.responses) / seconds;
        const bool any = hasLatencySamples(all);
        sample.p50 = any ? all.latencyQuantileMs(0.5) : kNaN;
        sample.p99 = any ? all.latencyQuantileMs(0.99) : kNaN;
        sample.errorRate = allDelta.responses
                               ? std::min(1.0, double(allDelta.errors) / double(allDelta.responses))
                               : kNaN;
        addSample(QString(), sample);
        for (const auto &[name, s] : samples)
            addSample(name, s);
    }
    m_baseline = std::move(current);
    m_services = services;
    m_hasBaseline = true;
    m_lastMs = nowMs;
    ++m_revision;
    return true;
}

void OverviewSeries::addSample(const QString &key, const Sample &sample) {
    std::deque<Sample> &samples = m_samples[key];
    samples.push_back(sample);
    while (!samples.empty() && sample.atMs - samples.front().atMs > m_span.count())
        samples.pop_front();
}

void OverviewSeries::clear() {
    m_baseline.clear();
    m_samples.clear();
    m_services.clear();
    m_hasBaseline = false;
    ++m_revision;
}

QList<QPointF> OverviewSeries::points(Metric metric, const QString &service) const {
    QList<QPointF> points;
    const auto found = m_samples.constFind(service);
    if (found == m_samples.cend() || found->empty())
        return points;
    const qint64 newest = found->back().atMs;
    points.reserve(qsizetype(found->size()));
    for (const Sample &sample : *found) {
        double y = 0;
        switch (metric) {
        case Metric::RequestsPerSecond:
            y = sample.requestsPerSecond;
            break;
        case Metric::LatencyP50:
            y = sample.p50;
            break;
        case Metric::LatencyP99:
            y = sample.p99;
            break;
        case Metric::ErrorRate:
            y = sample.errorRate;
            break;
        }
        if (!std::isnan(y))
            points.append(QPointF(double(sample.atMs - newest) / 1000.0, y));
    }
    return points;
}

double OverviewSeries::latest(Metric metric, const QString &service) const {
    const QList<QPointF> all = points(metric, service);
    return all.isEmpty() || all.last().x() != 0 ? kNaN : all.last().y();
}

} // namespace ToolCapture
