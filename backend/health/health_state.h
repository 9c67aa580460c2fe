#pragma once

#include <backend/health/health_snapshot.h>

#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ToolCapture {

// The result of one active health check of an instance.
struct HealthCheckResult {
    bool passed = false;
    int status = 0; // HTTP status; 0 when there was no response
    std::chrono::milliseconds latency{0};
    QString error; // why it failed; empty when it passed
};

// Whether one upstream instance receives traffic and how much of it: active-check health,
// outlier ejection and slow start. Proxy workers read it lock-free and allocation-free; only the
// engine thread writes it.
//
// An instance starts "healthy-unknown": routable with full weight before its first check (as
// Envoy does by default), so that a proxy starting up does not answer 503 for one interval.
// `fall` consecutive failed checks make it unhealthy, `rise` consecutive passes healthy again.
// On returning (healthy again, or its ejection over) its weight ramps linearly from
// kSlowStartMinWeight to 1.0 over the slow start period.
class HealthState {
public:
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr double kSlowStartMinWeight = 0.1;

    HealthState() = default;
    explicit HealthState(std::chrono::milliseconds slowStart);
    HealthState(const HealthState &) = delete;
    HealthState &operator=(const HealthState &) = delete;

    // Any thread: no lock, no allocation.
    // Receives traffic: passes the active checks and is not ejected at `now`.
    bool isHealthy(time_point now) const noexcept;
    // The active checks alone.
    bool isActiveHealthy() const noexcept { return m_healthy.load(std::memory_order_acquire); }
    bool isEjected(time_point now) const noexcept;
    time_point ejectedUntil() const noexcept;
    // 0 when not healthy; else 1.0, or on the slow start ramp [kSlowStartMinWeight, 1.0).
    double trafficWeight(time_point now) const noexcept;

    // Engine thread only.
    void setSlowStart(std::chrono::milliseconds slowStart) noexcept;
    std::chrono::milliseconds slowStart() const noexcept;
    // Applies one active check with the rise/fall thresholds; true when isActiveHealthy()
    // changed. The first pass of a never-checked instance confirms it without a change.
    bool recordCheck(const HealthCheckResult &result, int rise, int fall, time_point now);
    // Sets the active state directly (an operator command); true when it changed. Becoming
    // healthy starts the slow start ramp at `now`.
    bool setHealthy(bool healthy, time_point now);
    // Outlier ejection until `until`; the ramp starts when it ends.
    void eject(time_point until, const QString &reason);
    // Ends an ejection now if it has not ended yet; forgets the reason.
    void uneject(time_point now);
    // What it was ejected for last; empty once unejected.
    const QString &ejectionReason() const noexcept { return m_ejectionReason; }

    HealthSnapshot snapshot(time_point now) const;

private:
    static std::int64_t toNs(time_point t) noexcept;

    // Shared with the workers.
    std::atomic<bool> m_healthy{true};
    std::atomic<std::int64_t> m_healthySinceNs{INT64_MIN}; // ramp start; MIN: healthy from start
    std::atomic<std::int64_t> m_ejectedUntilNs{INT64_MIN};
    std::atomic<std::int64_t> m_slowStartNs{0};

    // Engine thread only.
    bool m_checked = false;
    time_point m_since{};
    HealthSnapshot::CheckResult m_lastResult = HealthSnapshot::CheckResult::None;
    int m_lastStatus = 0;
    std::chrono::milliseconds m_lastLatency{0};
    QString m_lastError;
    time_point m_lastCheckAt{};
    int m_passes = 0;
    int m_failures = 0;
    QString m_ejectionReason;
};

} // namespace ToolCapture
