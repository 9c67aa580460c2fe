#pragma once

#include <backend/core/clock.h>

namespace ToolCapture {

// A Clock that moves only when the test says so.
class ManualClock final : public Clock {
public:
    time_point now() const override { return m_now; }
    void advance(std::chrono::nanoseconds by) { m_now += by; }

private:
    time_point m_now{std::chrono::hours(1)};
};

} // namespace ToolCapture
