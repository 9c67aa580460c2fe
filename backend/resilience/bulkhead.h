#pragma once

#include <backend/config/proxy_config.h>
#include <backend/resilience/bulkhead_permit.h>

#include <atomic>
#include <cstdint>

namespace ToolCapture {

// Limits the requests in flight on one upstream instance, and the requests waiting for one of
// its slots. Shared by all proxy worker threads; lock-free and allocation-free. Unlike Envoy's
// resource limits the maximums are exact: every increment is a compare-and-swap against them.
class Bulkhead {
public:
    explicit Bulkhead(const BulkheadConfig &config);
    Bulkhead(const Bulkhead &) = delete;
    Bulkhead &operator=(const Bulkhead &) = delete;

    // An active slot, or a rejected permit when maxActive slots are taken.
    BulkheadPermit tryAcquire() noexcept;

    // A place among the requests waiting for a slot (the waiting itself is the caller's
    // queue); false when maxPending requests already wait. Every true is paired with one
    // leavePending(), whether the request then got a slot or gave up.
    bool tryEnterPending() noexcept;
    void leavePending() noexcept;

    int active() const noexcept { return m_active.load(std::memory_order_relaxed); }
    int pending() const noexcept { return m_pending.load(std::memory_order_relaxed); }
    int maxActive() const noexcept { return m_maxActive; }
    int maxPending() const noexcept { return m_maxPending; }

    // Counters for metrics, since construction.
    std::uint64_t acquired() const noexcept { return m_acquired.load(std::memory_order_relaxed); }
    std::uint64_t rejected() const noexcept { return m_rejected.load(std::memory_order_relaxed); }
    std::uint64_t pendingEntered() const noexcept {
        return m_pendingEntered.load(std::memory_order_relaxed);
    }
    std::uint64_t pendingRejected() const noexcept {
        return m_pendingRejected.load(std::memory_order_relaxed);
    }

private:
    friend class BulkheadPermit;
    void releaseSlot() noexcept;

    const int m_maxActive;
    const int m_maxPending;
    std::atomic<int> m_active{0};
    std::atomic<int> m_pending{0};
    std::atomic<std::uint64_t> m_acquired{0};
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_pendingEntered{0};
    std::atomic<std::uint64_t> m_pendingRejected{0};
};

} // namespace ToolCapture
