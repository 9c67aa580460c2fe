#pragma once

#include <backend/resilience/breaker_state.h>

#include <QDateTime>
#include <QString>

namespace ToolCapture {

// One operator change of a circuit breaker's mode: who, why, when, what it was before and what
// it became. Plain value, kept in a bounded history for the admin API and the console.
struct BreakerAuditEntry {
    QString instanceId;
    QString actor;  // as the operator's console or client gave it; empty when not given
    QString reason; // empty when not given
    QDateTime at;   // UTC
    BreakerState previousState = BreakerState::Closed;
    BreakerMode previousMode = BreakerMode::Auto;
    BreakerMode mode = BreakerMode::Auto;
};

} // namespace ToolCapture
