#pragma once

#include <backend/config/proxy_config.h>
#include <backend/resilience/retry_permit.h>

#include <atomic>
#include <cstdint>

namespace ToolCapture {

// Caps the retries of one service at a share of its active requests (Envoy's retry budget), so
// that a failing service cannot cause a retry storm. Shared by all proxy worker threads: every
// operation is lock-free and allocation-free.
class RetryBudget {
public:
    explicit RetryBudget(const RetryConfig &config);
    RetryBudget(const RetryBudget &) = delete;
    RetryBudget &operator=(const RetryBudget &) = delete;

    // A client request of the service began / ended (retries are not requests of their own).
    void requestStarted() noexcept;
    void requestFinished() noexcept;

    // Admits a retry while active retries < max(minRetryConcurrency, floor(budget * active
    // requests)); the limit is exact (compare-and-swap). The permit holds the slot.
    RetryPermit tryAcquireRetry() noexcept;

    // The number of concurrent retries allowed right now.
    int retryLimit() const noexcept;

    // Live setting (any thread): the share of active requests that may be retries, from the
    // next admission on; negative is 0.
    void setBudget(double budget) noexcept;
    double budget() const noexcept { return m_budget.load(std::memory_order_relaxed); }

    int activeRequests() const noexcept { return m_activeRequests.load(std::memory_order_relaxed); }
    int activeRetries() const noexcept { return m_activeRetries.load(std::memory_order_relaxed); }
    std::uint64_t retriesAdmitted() const noexcept {
        return m_retriesAdmitted.load(std::memory_order_relaxed);
    }
    std::uint64_t retriesRefused() const noexcept {
        return m_retriesRefused.load(std::memory_order_relaxed);
    }

private:
    friend class RetryPermit;
    void releaseRetry() noexcept;
    int limitFor(int activeRequests) const noexcept;

    std::atomic<double> m_budget;
    const int m_minRetryConcurrency;
    std::atomic<int> m_activeRequests{0};
    std::atomic<int> m_activeRetries{0};
    std::atomic<std::uint64_t> m_retriesAdmitted{0};
    std::atomic<std::uint64_t> m_retriesRefused{0};
};

} // namespace ToolCapture
