#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

namespace ToolCapture {

// Live statistics of one upstream instance (latency, success rate, requests in flight), written
// concurrently by every proxy worker without a lock or an allocation, read by the selectors.
class alignas(64) InstanceStats {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Plain values at one moment, as a selector or the admin API reads them.
    struct Snapshot {
        // Peak-EWMA response time, decayed toward zero for the time since the last sample
        // (see latencyAt()); zero and hasLatency false before the first sample.
        std::chrono::nanoseconds latency{0};
        bool hasLatency = false;
        // The sliding window: the current bucket plus the previous one weighted by the share
        // of it still inside the window, so both are fractional.
        double windowSuccesses = 0;
        double windowCalls = 0;
        int active = 0;
        std::uint64_t totalResponses = 0;
        std::uint64_t totalFailures = 0;

        // Success rate in the window; `empty` when no call is in it.
        double successRate(double empty) const noexcept {
            return windowCalls > 0 ? windowSuccesses / windowCalls : empty;
        }
    };

    // One request in flight on the instance, from routing until it ends (Envoy's
    // ResourceAutoIncDec). Movable; an empty guard counts nothing.
    class ActiveRequest {
    public:
        ActiveRequest() noexcept = default;
        ActiveRequest(ActiveRequest &&other) noexcept
            : m_stats(std::exchange(other.m_stats, nullptr)) {}
        ActiveRequest &operator=(ActiveRequest &&other) noexcept {
            if (this != &other) {
                release();
                m_stats = std::exchange(other.m_stats, nullptr);
            }
            return *this;
        }
        ActiveRequest(const ActiveRequest &) = delete;
        ActiveRequest &operator=(const ActiveRequest &) = delete;
        ~ActiveRequest() { release(); }

        bool isActive() const noexcept { return m_stats != nullptr; }
        // Ends the request now rather than at destruction.
        void release() noexcept;

    private:
        friend class InstanceStats;
        explicit ActiveRequest(InstanceStats *stats) noexcept
            : m_stats(stats) {}
        InstanceStats *m_stats = nullptr;
    };

    // latencyDecay: the time constant of the latency EWMA (Finagle and Linkerd use 10 s).
    // window: the length of one reliability bucket; the rate covers one to two of them.
    explicit InstanceStats(std::chrono::nanoseconds latencyDecay = std::chrono::seconds(10),
                           std::chrono::nanoseconds window = std::chrono::seconds(10)) noexcept;
    InstanceStats(const InstanceStats &) = delete;
    InstanceStats &operator=(const InstanceStats &) = delete;

    // One finished exchange. A failure's latency only ever raises the estimate: a connection
    // refused in 1 ms must not make a broken instance look fast.
    void recordResponse(std::chrono::nanoseconds latency, bool success, time_point now) noexcept;
    [[nodiscard]] ActiveRequest beginRequest() noexcept;

    Snapshot snapshot(time_point now) const noexcept;
    std::chrono::nanoseconds latencyAt(time_point now) const noexcept;
    int active() const noexcept { return m_active.load(std::memory_order_relaxed); }

    std::chrono::nanoseconds latencyDecay() const noexcept { return m_decay; }
    // Sets the time constants before the instance is shared (construction time only: the
    // request path reads them without synchronisation). Non-positive values keep the defaults.
    void setTimeConstants(std::chrono::nanoseconds latencyDecay,
                          std::chrono::nanoseconds window) noexcept;
    std::chrono::nanoseconds window() const noexcept { return m_window; }

private:
    void recordLatency(std::chrono::nanoseconds latency, bool success, time_point now) noexcept;
    void recordOutcome(bool success, time_point now) noexcept;

    std::chrono::nanoseconds m_decay;
    std::chrono::nanoseconds m_window;
    double m_decayMs;
    // Peak-EWMA state in one word so that one CAS updates it: the estimate in nanoseconds as
    // float bits (high half) and the time of the last sample in milliseconds modulo 2^32 (low).
    std::atomic<std::uint64_t> m_latency;
    // Two reliability buckets, indexed by the parity of the window number, each one word:
    // window number modulo 2^24 | successes (20 bits) | calls (20 bits).
    std::atomic<std::uint64_t> m_buckets[2];
    std::atomic<int> m_active{0};
    std::atomic<std::uint64_t> m_responses{0};
    std::atomic<std::uint64_t> m_failures{0};
};

} // namespace ToolCapture
