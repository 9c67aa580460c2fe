#include <backend/health/health_state.h>

#include <algorithm>

namespace ToolCapture {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

HealthState::HealthState(milliseconds slowStart) {
    setSlowStart(slowStart);
}

std::int64_t HealthState::toNs(time_point t) noexcept {
    return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

bool HealthState::isHealthy(time_point now) const noexcept {
    return m_healthy.load(std::memory_order_acquire) && !isEjected(now);
}

bool HealthState::isEjected(time_point now) const noexcept {
    return toNs(now) < m_ejectedUntilNs.load(std::memory_order_acquire);
}

HealthState::time_point HealthState::ejectedUntil() const noexcept {
    const std::int64_t until = m_ejectedUntilNs.load(std::memory_order_acquire);
    return until == INT64_MIN ? time_point{} : time_point{nanoseconds(until)};
}

double HealthState::trafficWeight(time_point now) const noexcept {
    if (!m_healthy.load(std::memory_order_acquire))
        return 0.0;
    const std::int64_t nowNs = toNs(now);
    const std::int64_t ejectedUntil = m_ejectedUntilNs.load(std::memory_order_acquire);
    if (nowNs < ejectedUntil)
        return 0.0;
    const std::int64_t rampStart =
        std::max(m_healthySinceNs.load(std::memory_order_acquire), ejectedUntil);
    const std::int64_t slowStart = m_slowStartNs.load(std::memory_order_relaxed);
    if (rampStart == INT64_MIN || slowStart <= 0)
        return 1.0;
    const std::int64_t elapsed = nowNs - rampStart;
    if (elapsed >= slowStart)
        return 1.0;
    const double progress = elapsed <= 0 ? 0.0 : double(elapsed) / double(slowStart);
    return kSlowStartMinWeight + (1.0 - kSlowStartMinWeight) * progress;
}

void HealthState::setSlowStart(milliseconds slowStart) noexcept {
    m_slowStartNs.store(std::chrono::duration_cast<nanoseconds>(slowStart).count(),
                        std::memory_order_relaxed);
}

milliseconds HealthState::slowStart() const noexcept {
    return std::chrono::duration_cast<milliseconds>(
        nanoseconds(m_slowStartNs.load(std::memory_order_relaxed)));
}

bool HealthState::recordCheck(const HealthCheckResult &result, int rise, int fall, time_point now) {
    m_lastResult =
        result.passed ? HealthSnapshot::CheckResult::Passed : HealthSnapshot::CheckResult::Failed;
    m_lastStatus = result.status;
    m_lastLatency = result.latency;
    m_lastError = result.error;
    m_lastCheckAt = now;
    m_checked = true;
    const bool healthy = isActiveHealthy();
    if (result.passed) {
        ++m_passes;
        m_failures = 0;
        // An unknown instance is already routable: its first pass only confirms it.
        if (!healthy && m_passes >= std::max(rise, 1))
            return setHealthy(true, now);
        return false;
    }
    ++m_failures;
    m_passes = 0;
    if (healthy && m_failures >= std::max(fall, 1))
        return setHealthy(false, now);
    return false;
}

bool HealthState::setHealthy(bool healthy, time_point now) {
    if (isActiveHealthy() == healthy)
        return false;
    m_since = now;
    if (healthy)
        m_healthySinceNs.store(toNs(now), std::memory_order_release);
    m_healthy.store(healthy, std::memory_order_release);
    return true;
}

void HealthState::eject(time_point until, const QString &reason) {
    m_ejectionReason = reason;
    m_ejectedUntilNs.store(toNs(until), std::memory_order_release);
}

void HealthState::uneject(time_point now) {
    if (isEjected(now))
        m_ejectedUntilNs.store(toNs(now), std::memory_order_release);
    m_ejectionReason.clear();
}

HealthSnapshot HealthState::snapshot(time_point now) const {
    HealthSnapshot s;
    s.healthy = isHealthy(now);
    s.activeHealthy = isActiveHealthy();
    s.checked = m_checked;
    s.since = m_since;
    s.lastResult = m_lastResult;
    s.lastStatus = m_lastStatus;
    s.lastLatency = m_lastLatency;
    s.lastError = m_lastError;
    s.lastCheckAt = m_lastCheckAt;
    s.consecutivePasses = m_passes;
    s.consecutiveFailures = m_failures;
    s.ejected = isEjected(now);
    s.ejectedUntil = ejectedUntil();
    s.ejectionReason = s.ejected ? m_ejectionReason : QString();
    s.weight = trafficWeight(now);
    return s;
}

} // namespace ToolCapture
