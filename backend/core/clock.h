#pragma once

#include <chrono>

namespace ToolCapture {

// Source of time, injectable so that time-driven logic is tested without waiting.
//
// Two readings, not one derived from the other: now() is monotonic (deadlines, durations,
// timers) and does not count the time a suspended machine sleeps; wallNow() is the system's
// wall time (what goes into and comes out of messages: Date, Age, a stored response's age).
// An operator's workstation that sleeps overnight parts the two by hours, and a stored
// response must have aged by them when it wakes.
class Clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using wall_time_point = std::chrono::system_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
    virtual wall_time_point wallNow() const = 0;
};

// The real clocks (CLOCK_MONOTONIC and CLOCK_REALTIME, both read through the vDSO).
class SteadyClock final : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    wall_time_point wallNow() const override { return std::chrono::system_clock::now(); }
    static const SteadyClock &instance() {
        static const SteadyClock clock;
        return clock;
    }
};

} // namespace ToolCapture
