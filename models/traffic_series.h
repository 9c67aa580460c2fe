#pragma once

#include <backend/snapshot/engine_snapshot.h>

#include <QList>
#include <QPointF>

#include <chrono>
#include <cstdint>

namespace ToolCapture {

// Requests per second over time for the console's chart, computed from successive snapshots:
// x is the engine's uptime in seconds, y the responses per second since the previous point.
// Adds at most one point per minimum interval (snapshots come ~4 times a second; a one-second
// rate is steadier) and keeps the last capacity() points.
class TrafficSeries {
public:
    static constexpr int kDefaultCapacity = 120;
    static constexpr std::chrono::milliseconds kDefaultInterval{1000};

    explicit TrafficSeries(int capacity = kDefaultCapacity,
                           std::chrono::milliseconds minimumInterval = kDefaultInterval);

    // Adds a point unless this is the first snapshot, less than the minimum interval passed
    // since the last point, or the counters went backwards (an engine restart: the snapshot
    // becomes the new baseline).
    void append(const EngineSnapshot &snapshot);
    void clear();

    const QList<QPointF> &points() const { return m_points; }
    int capacity() const { return m_capacity; }
    // Changes whenever points() changes, so a chart can skip redrawing an unchanged series.
    quint64 revision() const { return m_revision; }
    // Largest y among the points; 0 when empty.
    double maximum() const;

    // Responses the clients received: upstream responses plus responses the proxy produced.
    static std::uint64_t responseTotal(const EngineSnapshot &snapshot);

private:
    QList<QPointF> m_points;
    int m_capacity;
    std::chrono::milliseconds m_minimumInterval;
    quint64 m_revision = 0;
    bool m_hasBaseline = false;
    qint64 m_lastUptimeMs = 0;
    std::uint64_t m_lastTotal = 0;
};

} // namespace ToolCapture
