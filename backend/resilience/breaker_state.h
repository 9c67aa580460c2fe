#pragma once

namespace ToolCapture {

// What a circuit breaker does with the next call: the automatic states, and the operator's.
enum class BreakerState {
    Closed,       // calls pass, outcomes are counted
    Open,         // calls are refused until the open period ends
    HalfOpen,     // a fixed number of probe calls pass; their outcomes decide
    ForcedOpen,   // operator: every call refused
    ForcedClosed, // operator: every call passes, outcomes counted, never trips
    Disabled,     // operator: no breaking at all, outcomes still counted
};

// Who drives a circuit breaker: its own state machine (Auto) or the operator.
enum class BreakerMode {
    Auto,
    ForceOpen,
    ForceClosed,
    Disabled,
};

// Snake-case names used by the admin API and the console ("half_open").
constexpr const char *toString(BreakerState state) {
    switch (state) {
    case BreakerState::Closed:
        return "closed";
    case BreakerState::Open:
        return "open";
    case BreakerState::HalfOpen:
        return "half_open";
    case BreakerState::ForcedOpen:
        return "forced_open";
    case BreakerState::ForcedClosed:
        return "forced_closed";
    case BreakerState::Disabled:
        return "disabled";
    }
    return "unknown";
}

constexpr const char *toString(BreakerMode mode) {
    switch (mode) {
    case BreakerMode::Auto:
        return "auto";
    case BreakerMode::ForceOpen:
        return "force_open";
    case BreakerMode::ForceClosed:
        return "force_closed";
    case BreakerMode::Disabled:
        return "disabled";
    }
    return "unknown";
}

} // namespace ToolCapture
