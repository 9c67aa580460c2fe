#pragma once

#include <QString>

#include <chrono>

namespace ToolCapture {

// A plain-value copy of one instance's health, taken on the engine thread for the admin API,
// the GUI and events.
struct HealthSnapshot {
    using time_point = std::chrono::steady_clock::time_point;
    enum class CheckResult { None, Passed, Failed };

    bool healthy = true;       // receives traffic now: passes active checks and is not ejected
    bool activeHealthy = true; // active checks alone (true until `fall` checks failed)
    bool checked = false;      // at least one active check has finished
    time_point since{};        // when the active state last changed; {} : never (since start)
    CheckResult lastResult = CheckResult::None;
    int lastStatus = 0; // HTTP status of the last check; 0 without a response
    std::chrono::milliseconds lastLatency{0};
    QString lastError; // why the last check failed; empty when it passed
    time_point lastCheckAt{};
    int consecutivePasses = 0;
    int consecutiveFailures = 0;
    bool ejected = false;
    time_point ejectedUntil{}; // meaningful while ejected
    QString ejectionReason;    // the last ejection's reason; empty when not ejected
    double weight = 1.0;       // trafficWeight(now): 0 when not healthy, slow start ramp after
};

} // namespace ToolCapture
