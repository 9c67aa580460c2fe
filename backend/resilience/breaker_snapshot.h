#pragma once

#include <backend/resilience/breaker_state.h>
#include <backend/resilience/breaker_transition.h>
#include <backend/resilience/outcome_record.h>

#include <QDateTime>
#include <QString>

#include <chrono>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// A circuit breaker's state as plain values, for the admin API and the console.
struct BreakerSnapshot {
    QString instanceId;
    BreakerState state = BreakerState::Closed; // what the breaker does now, forced states included
    BreakerMode mode = BreakerMode::Auto;

    // The sliding window.
    int calls = 0;
    int failures = 0;
    int slowCalls = 0;
    int overloadCalls = 0;
    int minimumCalls = 0; // rates count from this many calls
    double failureRate = 0;
    double slowCallRate = 0;

    // Since construction.
    std::uint64_t totalCalls = 0;
    std::uint64_t totalFailures = 0;
    std::uint64_t totalSlowCalls = 0;
    std::uint64_t totalOverloadCalls = 0;

    // The failure-rate threshold in force and why: "base 0.50 + 2.0 x baseline 0.08 = 0.66".
    double threshold = 0;
    QString thresholdExplanation;
    double baselineFailureRate = 0;
    // The slow-call rule: a call longer than slowCallDuration is slow; the breaker trips at or
    // above slowCallRateThreshold (1.0 with slow calls off is "never").
    double slowCallRateThreshold = 1.0;
    std::chrono::milliseconds slowCallDuration{0};

    int consecutiveFailures = 0;
    int consecutiveTrips = 0; // trips since the last full close
    QDateTime openUntil;      // UTC, valid only while Open
    std::chrono::milliseconds openRemaining{0};
    int probesAdmitted = 0;  // HalfOpen: probes let through so far
    int probesSucceeded = 0; // HalfOpen

    std::vector<BreakerTransition> recentTransitions; // oldest first, at most 10
    std::vector<OutcomeRecord> story;                 // the window's latest outcomes, oldest first
};

} // namespace ToolCapture
