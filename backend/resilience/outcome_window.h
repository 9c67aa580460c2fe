#pragma once

#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/resilience/call_outcome.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace ToolCapture {

// The sliding window of one circuit breaker: the last N calls (count-based) or the calls of the
// last D split into ten buckets (time-based), plus the latest outcomes for trip stories.
// Any number of threads add outcomes concurrently, lock-free and allocation-free; a count-based
// add is three atomic read-modify-writes, a time-based add a compare-and-swap on its bucket,
// which also rotates the bucket when its time has come (the bucket word carries its lap).
// NOTE: counts read while other threads add may lag by the outcomes being added at that moment;
// they never drift. A time bucket saturating at 8191 calls halves all its counts (rates kept).
class OutcomeWindow {
public:
    struct Counts {
        int calls = 0;
        int failures = 0;
        int slow = 0;
        int overload = 0;
    };
    // An outcome as stored in the window.
    struct Entry {
        CallOutcome::Kind kind = CallOutcome::Kind::Success;
        bool failure = false;
        bool slow = false;
        std::chrono::milliseconds duration{0};
        Clock::time_point at;
    };

    static constexpr int kBuckets = 10;          // time-based windows
    static constexpr int kStoryCapacity = 32;    // latest outcomes kept for stories
    static constexpr int kMaxWindowSize = 32767; // count-based windows
    // Rings up to this size give each slot its own cache line, so that threads adding at the
    // same time do not write the same line (4 KiB at most).
    static constexpr int kPaddedSlots = 64;
    static constexpr int kSlotsPerCacheLine = 8;

    OutcomeWindow(const BreakerConfig &config, Clock::time_point origin);
    OutcomeWindow(const OutcomeWindow &) = delete;
    OutcomeWindow &operator=(const OutcomeWindow &) = delete;

    // Adds an outcome recorded at `entry.at`. Returns the window's counts right after it when
    // asked to, or when they come for free (count-based); otherwise empty counts.
    Counts add(const Entry &entry, bool wantCounts = true) noexcept;
    Counts counts(Clock::time_point now) const noexcept;

    // Forgets every outcome (counts and story), e.g. when the breaker trips.
    void clear() noexcept;
    // Time-based: zeroes buckets whose time has passed, so that an idle bucket can never be
    // mistaken for a current one after its lap tag wraps (every 4096 window durations).
    void sweep(Clock::time_point now) noexcept;

    // The latest outcomes still in the window, oldest first, at most `max`.
    std::vector<Entry> latest(Clock::time_point now, int max = kStoryCapacity) const;

    // Outcomes added since construction.
    std::uint64_t recorded() const noexcept { return m_sequence.load(std::memory_order_relaxed); }
    bool isTimeBased() const noexcept { return m_timeBased; }
    // Count-based: N; time-based: unbounded (0).
    int size() const noexcept { return m_timeBased ? 0 : m_ringSize; }

private:
    std::uint64_t encode(const Entry &entry) const noexcept;
    Entry decode(std::uint64_t word, Clock::time_point now) const noexcept;
    std::atomic<std::uint64_t> &slot(std::uint64_t index) const noexcept {
        return m_ring[index * std::uint64_t(m_stride)];
    }
    std::int64_t millisSinceOrigin(Clock::time_point t) const noexcept;
    void addToBucket(std::uint64_t word, Clock::time_point now) noexcept;
    Counts bucketCounts(Clock::time_point now) const noexcept;

    const bool m_timeBased;
    const int m_ringSize;
    const std::int64_t m_bucketMillis;
    const std::chrono::milliseconds m_windowDuration;
    const Clock::time_point m_origin;
    const int m_stride; // atomics from one ring slot to the next

    alignas(64) std::atomic<std::uint64_t> m_sequence{0};
    std::unique_ptr<std::atomic<std::uint64_t>[]> m_ring;    // packed entries, 0: empty
    alignas(64) std::atomic<std::uint64_t> m_counts{0};      // count-based: four 16-bit fields
    std::unique_ptr<std::atomic<std::uint64_t>[]> m_buckets; // time-based: lap + four counts
};

} // namespace ToolCapture
