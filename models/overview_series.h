#pragma once

#include <backend/feed/feed_message.h>
#include <backend/metrics/proxy_metrics.h>

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QStringList>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>

namespace ToolCapture {

// Requests per second, p50 and p99 latency and error rate over the last minutes, for all
// services together and for each one, computed from successive services documents: the
// per-instance response, error and latency-histogram counters are cumulative, so two documents
// give the traffic of the interval between them. Pure data for the overview's charts.
class OverviewSeries {
public:
    enum class Metric { RequestsPerSecond, LatencyP50, LatencyP99, ErrorRate };

    static constexpr std::chrono::seconds kDefaultSpan{300};
    static constexpr std::chrono::milliseconds kDefaultInterval{1000};

    explicit OverviewSeries(std::chrono::milliseconds span = kDefaultSpan,
                            std::chrono::milliseconds minimumInterval = kDefaultInterval);

    static QStringList subjects() { return {QStringLiteral("services")}; }
    // A "services" document, timed by a monotonic clock started with the series.
    void apply(const FeedMessage &message);
    // A services document received at `at` (any monotonic origin). Adds a point per service
    // and one for all unless less than the minimum interval passed since the last point; the
    // first document is the baseline. An instance whose counters went backwards (restarted)
    // becomes a new baseline. False when `json` is not a services document.
    bool applyDocument(const QByteArray &json, std::chrono::milliseconds at);
    void clear();

    // The services seen, in document order.
    QStringList services() const { return m_services; }
    // Points of `metric` for `service` (empty: all services): x is seconds relative to the
    // newest point (so <= 0), y the value. Latency points exist only for intervals with
    // responses; error rate is server errors and transport failures per response, in [0, 1].
    QList<QPointF> points(Metric metric, const QString &service = {}) const;
    // The newest value of `metric` for `service`; NaN when there is none.
    double latest(Metric metric, const QString &service = {}) const;
    // Changes whenever points() may have changed.
    quint64 revision() const { return m_revision; }
    std::chrono::milliseconds span() const { return m_span; }

private:
    struct Counters {
        std::uint64_t responses = 0;
        std::uint64_t errors = 0; // 5xx responses, connect failures, resets, first-byte timeouts
        std::array<std::uint64_t, kLatencyBucketCount> buckets{}; // this build's bounds
    };
    struct Sample {
        qint64 atMs = 0;
        double requestsPerSecond = 0;
        double p50 = 0; // NaN: no response in the interval
        double p99 = 0;
        double errorRate = 0; // NaN: no response in the interval
    };

    void addSample(const QString &key, const Sample &sample);

    std::chrono::milliseconds m_span;
    std::chrono::milliseconds m_minimumInterval;
    QElapsedTimer m_clock;
    QHash<QString, Counters> m_baseline;          // instance id → counters at the last point
    QHash<QString, std::deque<Sample>> m_samples; // "" → all services
    QStringList m_services;
    bool m_hasBaseline = false;
    qint64 m_lastMs = 0;
    quint64 m_revision = 0;
};

} // namespace ToolCapture
