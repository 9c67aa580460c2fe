#pragma once

#include <backend/intelligence/latency_sketch.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// What one window says about an operation: counts and a mergeable latency distribution.
struct WindowStats {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;        // 5xx and exchanges that got no response
    std::uint64_t cacheEligible = 0; // requests the cache could have answered
    std::uint64_t cacheHits = 0;
    LatencySketch latencyMs;

    void merge(const WindowStats &other);
    double errorRate() const { return requests ? double(errors) / double(requests) : 0.0; }
    double cacheHitRatio() const {
        return cacheEligible ? double(cacheHits) / double(cacheEligible) : 0.0;
    }
};

// The last `span` of an operation's exchanges, in `slots` slices that expire one at a time as
// time moves on (1 min in 12 slices of 5 s, 5 min in 10 of 30 s, 1 h in 60 of 1 min). Time is
// whatever the caller passes (the analyser's injected clock): nothing here reads a clock.
// Not thread-safe.
class RollingWindow {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    RollingWindow(std::chrono::milliseconds span, int slotCount);

    struct Sample {
        double latencyMs = 0;
        bool error = false;
        bool cacheEligible = false;
        bool cacheHit = false;
    };
    void add(TimePoint now, const Sample &sample);
    // Adds a whole slice (another proxy's, say) as of `now`.
    void merge(TimePoint now, const WindowStats &stats);
    // Everything within the span that ends at `now`.
    WindowStats stats(TimePoint now) const;

    std::chrono::milliseconds span() const { return m_slotLength * int(m_slots.size()); }

private:
    struct Slot {
        std::int64_t epoch = INT64_MIN; // which slice of time it holds; INT64_MIN: none yet
        WindowStats stats;
    };
    std::int64_t epochOf(TimePoint t) const;
    Slot &slotFor(TimePoint now);

    std::chrono::milliseconds m_slotLength;
    std::vector<Slot> m_slots;
};

} // namespace ToolCapture
