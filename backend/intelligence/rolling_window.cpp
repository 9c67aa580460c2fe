#include <backend/intelligence/rolling_window.h>

#include <algorithm>

namespace ToolCapture {

void WindowStats::merge(const WindowStats &other) {
    requests += other.requests;
    errors += other.errors;
    cacheEligible += other.cacheEligible;
    cacheHits += other.cacheHits;
    latencyMs.merge(other.latencyMs);
}

RollingWindow::RollingWindow(std::chrono::milliseconds span, int slotCount)
    : m_slotLength(std::max(std::chrono::milliseconds(1), span / std::max(1, slotCount)))
    , m_slots(size_t(std::max(1, slotCount))) {}

std::int64_t RollingWindow::epochOf(TimePoint t) const {
    const auto sinceEpoch =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
    const std::int64_t length = m_slotLength.count();
    const std::int64_t ms = sinceEpoch.count();
    return ms >= 0 ? ms / length : (ms - length + 1) / length;
}

RollingWindow::Slot &RollingWindow::slotFor(TimePoint now) {
    const std::int64_t epoch = epochOf(now);
    const auto n = std::int64_t(m_slots.size());
    Slot &slot = m_slots[size_t(((epoch % n) + n) % n)];
    if (slot.epoch != epoch) {
        // The slice it held is older than the span: reused for this one.
        slot.epoch = epoch;
        slot.stats.requests = slot.stats.errors = 0;
        slot.stats.cacheEligible = slot.stats.cacheHits = 0;
        slot.stats.latencyMs.clear();
    }
    return slot;
}

void RollingWindow::add(TimePoint now, const Sample &sample) {
    WindowStats &stats = slotFor(now).stats;
    ++stats.requests;
    stats.errors += sample.error ? 1 : 0;
    stats.cacheEligible += sample.cacheEligible ? 1 : 0;
    stats.cacheHits += sample.cacheHit ? 1 : 0;
    stats.latencyMs.add(sample.latencyMs);
}

void RollingWindow::merge(TimePoint now, const WindowStats &other) {
    slotFor(now).stats.merge(other);
}

WindowStats RollingWindow::stats(TimePoint now) const {
    const std::int64_t current = epochOf(now);
    const auto n = std::int64_t(m_slots.size());
    WindowStats total;
    for (const Slot &slot : m_slots) {
        if (slot.epoch != INT64_MIN && slot.epoch <= current && current - slot.epoch < n)
            total.merge(slot.stats);
    }
    return total;
}

} // namespace ToolCapture
