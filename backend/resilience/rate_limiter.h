#pragma once

#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ToolCapture {

// The token bucket of one service (requestsPerSecond refill, burst capacity); 0 requests per
// second: unlimited. Shared by all proxy worker threads; lock-free and allocation-free. Time is
// passed in, so tests drive it explicitly.
//
// NOTE: the bucket is kept as a single 64-bit atomic in the form of the generic cell rate
// algorithm (GCRA): the "theoretical arrival time" TAT, in nanoseconds of the clock. A full
// bucket is TAT <= now; each token taken moves TAT one emission interval (1 s / rate) later;
// a take is refused when it would move TAT more than burst intervals past now. The tokens
// available at `now` are (now + burst * interval - TAT) / interval, so this is exactly a token
// bucket, with tokens and last refill time folded into one number: one compare-and-swap per
// take, no torn state, no packing of two fields into 64 bits (which would cost precision of
// either the token fraction or the time).
class RateLimiter {
public:
    using time_point = Clock::time_point;

    explicit RateLimiter(const RateLimitConfig &config);
    RateLimiter(const RateLimiter &) = delete;
    RateLimiter &operator=(const RateLimiter &) = delete;

    // Takes one token at now; false when the bucket is empty (answer 429).
    bool tryTake(time_point now) noexcept;

    // How long from now until a token is available (0 when one is, or when unlimited), rounded
    // up to whole milliseconds. For the Retry-After header, round up to seconds.
    std::chrono::milliseconds retryAfter(time_point now) const noexcept;

    // Whole tokens available at now (INT_MAX when unlimited), for snapshots.
    int availableTokens(time_point now) const noexcept;

    bool isUnlimited() const noexcept { return m_interval.count() == 0; }
    int burst() const noexcept { return m_burst; }
    std::chrono::nanoseconds emissionInterval() const noexcept { return m_interval; }

    // Counters for metrics, since construction.
    std::uint64_t admitted() const noexcept { return m_admitted.load(std::memory_order_relaxed); }
    std::uint64_t limited() const noexcept { return m_limited.load(std::memory_order_relaxed); }

private:
    static std::int64_t ticks(time_point t) noexcept;

    std::chrono::nanoseconds m_interval{0}; // one token's worth of time; 0: unlimited
    int m_burst = 0;
    std::int64_t m_tolerance = 0; // burst * interval, in nanoseconds
    std::atomic<std::int64_t> m_tat;
    std::atomic<std::uint64_t> m_admitted{0};
    std::atomic<std::uint64_t> m_limited{0};
};

} // namespace ToolCapture
