#pragma once

#include <backend/resilience/breaker_state.h>
#include <backend/resilience/outcome_record.h>

#include <QDateTime>
#include <QString>

#include <vector>

namespace ToolCapture {

// One change of a circuit breaker's state, with its cause and the calls that led to it.
struct BreakerTransition {
    QString instanceId;
    BreakerState from = BreakerState::Closed;
    BreakerState to = BreakerState::Closed;
    QDateTime at;  // UTC
    QString cause; // "failure rate 0.60 >= 0.50 over 20 calls", "probe failed: timeout", ...
    std::vector<OutcomeRecord> story; // the window's latest outcomes, oldest first
    // The exchange whose outcome (or admission as the first probe) caused it; empty when the
    // control path did (an operator's command, a probe timed out, a re-check on the timer).
    QString correlationId;
};

} // namespace ToolCapture
