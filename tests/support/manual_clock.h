#pragma once

#include <backend/core/clock.h>

#include <atomic>

namespace ToolCapture {

// A Clock that moves only when the test says so. Any thread may read it while the test thread
// advances it (a proxy's workers read it on their own threads). Its wall time starts at the
// real wall time of its construction, to the second, and moves with advance(); suspend()
// moves the wall time alone, as a machine that slept does.
class ManualClock final : public Clock {
public:
    time_point now() const override {
        return time_point(time_point::duration(m_now.load(std::memory_order_acquire)));
    }
    wall_time_point wallNow() const override {
        return m_wallStart + std::chrono::duration_cast<wall_time_point::duration>(
                                 now() - m_start +
                                 time_point::duration(m_asleep.load(std::memory_order_acquire)));
    }
    void advance(std::chrono::nanoseconds by) {
        m_now.fetch_add(std::chrono::duration_cast<time_point::duration>(by).count(),
                        std::memory_order_acq_rel);
    }
    void suspend(std::chrono::nanoseconds asleep) {
        m_asleep.fetch_add(std::chrono::duration_cast<time_point::duration>(asleep).count(),
                           std::memory_order_acq_rel);
    }

private:
    static constexpr time_point m_start{std::chrono::hours(1)};
    std::atomic<time_point::rep> m_now{m_start.time_since_epoch().count()};
    std::atomic<time_point::rep> m_asleep{0};
    const wall_time_point m_wallStart{
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
};

} // namespace ToolCapture
