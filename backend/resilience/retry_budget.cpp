#include <backend/resilience/retry_budget.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

RetryPermit &RetryPermit::operator=(RetryPermit &&other) noexcept {
    if (this != &other) {
        release();
        m_budget = other.m_budget;
        other.m_budget = nullptr;
    }
    return *this;
}

void RetryPermit::release() noexcept {
    if (m_budget) {
        m_budget->releaseRetry();
        m_budget = nullptr;
    }
}

RetryBudget::RetryBudget(const RetryConfig &config)
    : m_budget(std::max(0.0, config.budget))
    , m_minRetryConcurrency(std::max(0, config.minRetryConcurrency)) {}

void RetryBudget::requestStarted() noexcept {
    m_activeRequests.fetch_add(1, std::memory_order_relaxed);
}

void RetryBudget::requestFinished() noexcept {
    m_activeRequests.fetch_sub(1, std::memory_order_relaxed);
}

int RetryBudget::limitFor(int activeRequests) const noexcept {
    // The epsilon keeps 0.2 * 10 at 2 whatever the rounding of 0.2.
    const double share = budget() * std::max(0, activeRequests) + 1e-9;
    const int byShare = share >= double(std::numeric_limits<int>::max())
                            ? std::numeric_limits<int>::max()
                            : static_cast<int>(std::floor(share));
    return std::max(m_minRetryConcurrency, byShare);
}

void RetryBudget::setBudget(double budget) noexcept {
    m_budget.store(std::max(0.0, budget), std::memory_order_relaxed);
}

int RetryBudget::retryLimit() const noexcept {
    return limitFor(m_activeRequests.load(std::memory_order_relaxed));
}

RetryPermit RetryBudget::tryAcquireRetry() noexcept {
    int current = m_activeRetries.load(std::memory_order_relaxed);
    for (;;) {
        // NOTE: the limit is read once per attempt; active requests moving concurrently change
        // the limit itself, but the retry count never passes the limit read in the same attempt.
        if (current >= retryLimit()) {
            m_retriesRefused.fetch_add(1, std::memory_order_relaxed);
            return RetryPermit();
        }
        if (m_activeRetries.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
            m_retriesAdmitted.fetch_add(1, std::memory_order_relaxed);
            return RetryPermit(this);
        }
    }
}

void RetryBudget::releaseRetry() noexcept {
    m_activeRetries.fetch_sub(1, std::memory_order_acq_rel);
}

} // namespace ToolCapture
