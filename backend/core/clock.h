#pragma once

#include <chrono>

namespace ToolCapture {

// Source of monotonic time, injectable so that time-driven logic is tested without waiting.
class Clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

// The real monotonic clock.
class SteadyClock final : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    static const SteadyClock &instance() {
        static const SteadyClock clock;
        return clock;
    }
};

} // namespace ToolCapture
