#include <backend/resilience/rate_limiter.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

namespace {

// A TAT this far in the past means a full bucket whatever the clock's epoch.
constexpr std::int64_t kFullBucket = std::numeric_limits<std::int64_t>::min() / 2;
constexpr double kMaxIntervalNs = 86400e9;
constexpr std::int64_t kMaxToleranceNs = 1'000'000'000'000'000'000; // about 31 years

} // namespace

RateLimiter::RateLimiter(const RateLimitConfig &config)
    : m_tat(kFullBucket) {
    if (!(config.requestsPerSecond > 0))
        return; // unlimited (also for NaN)
    // Bounded so that TAT arithmetic cannot overflow: at least 1 ns, at most a day per token.
    const double intervalNs = std::clamp(1e9 / config.requestsPerSecond, 1.0, kMaxIntervalNs);
    m_interval = std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(intervalNs)));
    m_burst =
        config.burst > 0
            ? config.burst
            : static_cast<int>(std::clamp(std::ceil(config.requestsPerSecond - 1e-9), 1.0, 1e9));
    m_burst =
        static_cast<int>(std::min<std::int64_t>(m_burst, kMaxToleranceNs / m_interval.count()));
    m_tolerance = m_interval.count() * m_burst;
}

std::int64_t RateLimiter::ticks(time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

bool RateLimiter::tryTake(time_point now) noexcept {
    if (isUnlimited()) {
        m_admitted.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    const std::int64_t t = ticks(now);
    std::int64_t tat = m_tat.load(std::memory_order_relaxed);
    for (;;) {
        const std::int64_t next = std::max(tat, t) + m_interval.count();
        if (next - t > m_tolerance) {
            m_limited.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        if (m_tat.compare_exchange_weak(tat, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
            m_admitted.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
}

std::chrono::milliseconds RateLimiter::retryAfter(time_point now) const noexcept {
    if (isUnlimited())
        return std::chrono::milliseconds(0);
    const std::int64_t t = ticks(now);
    const std::int64_t tat = m_tat.load(std::memory_order_relaxed);
    // A take at time x succeeds when max(tat, x) + interval - x <= tolerance.
    const std::int64_t waitNs = std::max(tat, t) + m_interval.count() - m_tolerance - t;
    if (waitNs <= 0)
        return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::nanoseconds(waitNs));
}

int RateLimiter::availableTokens(time_point now) const noexcept {
    if (isUnlimited())
        return std::numeric_limits<int>::max();
    const std::int64_t t = ticks(now);
    const std::int64_t tat = m_tat.load(std::memory_order_relaxed);
    const std::int64_t headroom = t + m_tolerance - std::max(tat, t);
    return static_cast<int>(std::clamp<std::int64_t>(headroom / m_interval.count(), 0, m_burst));
}

} // namespace ToolCapture
