#pragma once

#include <backend/resilience/call_outcome.h>

#include <QDateTime>

#include <chrono>

namespace ToolCapture {

// One call remembered by a circuit breaker's window, as shown in a trip story.
struct OutcomeRecord {
    CallOutcome::Kind kind = CallOutcome::Kind::Success;
    bool failure = false; // counted as a failure under the breaker's configuration
    bool slow = false;    // took longer than slowCallDuration
    std::chrono::milliseconds duration{0};
    QDateTime at; // UTC, when the outcome was recorded
};

} // namespace ToolCapture
