#include <backend/resilience/bulkhead.h>

#include <algorithm>

namespace ToolCapture {

namespace {

// Increments counter unless it has reached limit; exact under any number of threads.
bool incrementBelow(std::atomic<int> &counter, int limit) noexcept {
    int current = counter.load(std::memory_order_relaxed);
    while (current < limit) {
        if (counter.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel,
                                          std::memory_order_relaxed))
            return true;
    }
    return false;
}

} // namespace

BulkheadPermit &BulkheadPermit::operator=(BulkheadPermit &&other) noexcept {
    if (this != &other) {
        release();
        m_bulkhead = other.m_bulkhead;
        other.m_bulkhead = nullptr;
    }
    return *this;
}

void BulkheadPermit::release() noexcept {
    if (m_bulkhead) {
        m_bulkhead->releaseSlot();
        m_bulkhead = nullptr;
    }
}

Bulkhead::Bulkhead(const BulkheadConfig &config)
    : m_maxActive(std::max(0, config.maxActive))
    , m_maxPending(std::max(0, config.maxPending)) {}

BulkheadPermit Bulkhead::tryAcquire() noexcept {
    if (incrementBelow(m_active, m_maxActive)) {
        m_acquired.fetch_add(1, std::memory_order_relaxed);
        return BulkheadPermit(this);
    }
    m_rejected.fetch_add(1, std::memory_order_relaxed);
    return BulkheadPermit();
}

bool Bulkhead::tryEnterPending() noexcept {
    if (incrementBelow(m_pending, m_maxPending)) {
        m_pendingEntered.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    m_pendingRejected.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void Bulkhead::leavePending() noexcept {
    m_pending.fetch_sub(1, std::memory_order_acq_rel);
}

void Bulkhead::releaseSlot() noexcept {
    m_active.fetch_sub(1, std::memory_order_acq_rel);
}

} // namespace ToolCapture
