#include <models/traffic_series.h>

#include <algorithm>

namespace ToolCapture {

TrafficSeries::TrafficSeries(int capacity, std::chrono::milliseconds minimumInterval)
    : m_capacity(std::max(1, capacity))
    , m_minimumInterval(std::max(minimumInterval, std::chrono::milliseconds(1))) {
    m_points.reserve(m_capacity);
}

std::uint64_t TrafficSeries::responseTotal(const EngineSnapshot &snapshot) {
    std::uint64_t total = 0;
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances)
            total += instance.totals.responseCount();
    }
    for (std::uint64_t produced : snapshot.totals.proxyErrors)
        total += produced;
    return total;
}

void TrafficSeries::append(const EngineSnapshot &snapshot) {
    const std::uint64_t total = responseTotal(snapshot);
    const bool restarted = snapshot.uptimeMs < m_lastUptimeMs || total < m_lastTotal;
    if (!m_hasBaseline || restarted) {
        m_hasBaseline = true;
        m_lastUptimeMs = snapshot.uptimeMs;
        m_lastTotal = total;
        return;
    }
    const qint64 elapsedMs = snapshot.uptimeMs - m_lastUptimeMs;
    if (elapsedMs < m_minimumInterval.count())
        return; // keep the baseline: the next point covers the whole interval
    const double rate = double(total - m_lastTotal) * 1000.0 / double(elapsedMs);
    m_lastUptimeMs = snapshot.uptimeMs;
    m_lastTotal = total;

    if (m_points.size() == m_capacity)
        m_points.removeFirst();
    m_points.append(QPointF(double(snapshot.uptimeMs) / 1000.0, rate));
    ++m_revision;
}

void TrafficSeries::clear() {
    m_points.clear();
    m_hasBaseline = false;
    m_lastUptimeMs = 0;
    m_lastTotal = 0;
    ++m_revision;
}

double TrafficSeries::maximum() const {
    double maximum = 0;
    for (const QPointF &point : m_points)
        maximum = std::max(maximum, point.y());
    return maximum;
}

} // namespace ToolCapture
