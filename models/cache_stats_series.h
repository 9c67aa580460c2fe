#pragma once

#include <backend/feed/feed_message.h>

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QStringList>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace ToolCapture {

// Cache hits, misses and stale answers per second over the last minutes, for all services
// together and for each one, from successive "cache" documents of the console feed (their
// counters are cumulative, so two documents give the interval between them), and each
// service's latest totals. Pure data for the Cache view's chart and summary.
class CacheStatsSeries {
public:
    enum class Metric { Hits, Misses, Stale };
    // A service's counters and store use in the newest document.
    struct Totals {
        QString service;
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::uint64_t staleServed = 0;
        std::uint64_t revalidations = 0;
        std::uint64_t stores = 0;
        std::uint64_t uncacheable = 0;
        std::uint64_t evictions = 0;
        std::int64_t bytes = 0;
        std::int64_t objects = 0;
        double hitRatio = -1; // hits per lookup; -1: no lookup yet
    };

    // The shared tier (Redis) in the newest document, when the engine has one.
    struct SharedTier {
        QString state;     // "connected", "partial", "down" or "starting"
        QString lastError; // why the last connection failed; empty when none did
        // The subscription to the other proxies' purges and invalidations: "subscribed",
        // "down", "starting"; empty when the engine does not say (an older one).
        QString invalidation;
        QString invalidationError; // why it is down; empty when it is not
    };

    static constexpr std::chrono::seconds kDefaultSpan{300};
    static constexpr std::chrono::milliseconds kDefaultInterval{1000};

    explicit CacheStatsSeries(std::chrono::milliseconds span = kDefaultSpan,
                              std::chrono::milliseconds minimumInterval = kDefaultInterval);

    static QStringList subjects() { return {QStringLiteral("cache")}; }
    // A "cache" document, timed by a monotonic clock started with the series.
    void apply(const FeedMessage &message);
    // A cache document received at `at` (any monotonic origin). Adds a point per service and
    // one for all unless less than the minimum interval passed since the last point; the first
    // document is the baseline, and a counter that went backwards (a restarted engine) starts
    // a new one. False when `json` is not a cache document.
    bool applyDocument(const QByteArray &json, std::chrono::milliseconds at);
    void clear();

    // Whether the newest document says the engine has a response cache.
    bool enabled() const { return m_enabled; }
    // Whether any document came yet.
    bool received() const { return m_received; }
    // The shared tier of the newest document; nullopt when the engine has none.
    const std::optional<SharedTier> &sharedTier() const { return m_sharedTier; }
    // The services, in document order, and their newest totals.
    QStringList services() const { return m_services; }
    const QList<Totals> &totals() const { return m_totals; }
    // The sum over all services.
    Totals allTotals() const;

    // Points of `metric` for `service` (empty: all services): x is seconds relative to the
    // newest point (so <= 0), y the rate per second.
    QList<QPointF> points(Metric metric, const QString &service = {}) const;
    // The newest rate of `metric`; NaN when there is none.
    double latest(Metric metric, const QString &service = {}) const;
    quint64 revision() const { return m_revision; }
    std::chrono::milliseconds span() const { return m_span; }

private:
    struct Sample {
        qint64 atMs = 0;
        std::array<double, 3> rates{}; // by Metric
    };
    using Counts = std::array<std::uint64_t, 3>; // hits, misses, stale served

    void addSample(const QString &key, const Sample &sample);

    std::chrono::milliseconds m_span;
    std::chrono::milliseconds m_minimumInterval;
    QElapsedTimer m_clock;
    QHash<QString, Counts> m_baseline;            // service → counters at the last point
    QHash<QString, std::deque<Sample>> m_samples; // "" → all services
    QStringList m_services;
    QList<Totals> m_totals;
    bool m_enabled = false;
    bool m_received = false;
    std::optional<SharedTier> m_sharedTier;
    bool m_hasBaseline = false;
    qint64 m_lastMs = 0;
    quint64 m_revision = 0;
};

} // namespace ToolCapture
