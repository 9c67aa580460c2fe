#pragma once

#include <backend/core/clock.h>

#include <atomic>

namespace ToolCapture {

// A Clock that moves only when the test says so. Any thread may read it while the test thread
// advances it (a proxy's workers read it on their own threads).
class ManualClock final : public Clock {
public:
    time_point now() const override {
        return time_point(time_point::duration(m_now.load(std::memory_order_acquire)));
    }
    void advance(std::chrono::nanoseconds by) {
        m_now.fetch_add(std::chrono::duration_cast<time_point::duration>(by).count(),
                        std::memory_order_acq_rel);
    }

private:
    std::atomic<time_point::rep> m_now{
        std::chrono::duration_cast<time_point::duration>(std::chrono::hours(1)).count()};
};

} // namespace ToolCapture
