#pragma once

#include <backend/config/proxy_config.h>

#include <QByteArrayView>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace ToolCapture {

// Decides whether a failed upstream attempt is tried again, and after how long. Immutable after
// construction but for the attempt limit, a live setting held in an atomic, so proxy workers share
// one per service without synchronisation.
class RetryPolicy {
public:
    // Why an attempt failed, as far as retrying is concerned.
    enum class FailureKind {
        ConnectError,  // refused, unreachable or connect timeout: the upstream saw nothing
        Reset,         // the connection closed or reset before the response head
        BadResponse,   // the upstream broke HTTP framing before the response head
        PerTryTimeout, // no response head within the per-try timeout
        Status500,     // the upstream answered 500 Internal Server Error
        Status502,     // 502 Bad Gateway
        Status503,     // 503 Service Unavailable
        Status504,     // 504 Gateway Timeout
    };

    explicit RetryPolicy(const RetryConfig &config);

    // Whether the request may be sent more than once: an idempotent method (RFC 9110 9.2.2:
    // GET, HEAD, OPTIONS, PUT, DELETE) or a request carrying an Idempotency-Key.
    static bool isRetryable(QByteArrayView method, bool hasIdempotencyKey);

    // The failure kind of an upstream response status; nullopt when the status is not one a
    // retry could fix (any 2xx-4xx, including 429, and the other 5xx).
    static std::optional<FailureKind> failureKindForStatus(int status);

    // Whether a retryable request gets another attempt after attemptsMade attempts (the first
    // included) ended in kind. Never once anything of the response reached the client.
    bool shouldRetry(int attemptsMade, FailureKind kind, bool responseStarted) const;

    // Whether kind is worth retrying at all under this policy.
    bool isRetryableFailure(FailureKind kind) const;

    // The delay before retry number retryNumber (0 for the first retry) with "full jitter":
    // uniform in [0, min(maxDelay, baseDelay * 2^retryNumber)], drawn from random (any 64-bit
    // value, uniformly distributed; 0 gives 0, UINT64_MAX gives the cap).
    std::chrono::milliseconds backoff(int retryNumber, std::uint64_t random) const;

    // The upper bound backoff() draws from for retryNumber.
    std::chrono::milliseconds backoffCap(int retryNumber) const;

    // How long one attempt may wait for its response head: the configured per-try timeout, or
    // firstByteTimeout when none is configured.
    std::chrono::milliseconds perTryTimeout(std::chrono::milliseconds firstByteTimeout) const;

    int maxAttempts() const { return m_maxAttempts.load(std::memory_order_relaxed); }
    // Live setting (any thread): attempts from the next decision on; at least 1.
    void setMaxAttempts(int attempts);
    // The configuration it was built from (maxAttempts as configured, not as set since).
    const RetryConfig &config() const { return m_config; }

private:
    RetryConfig m_config;
    std::atomic<int> m_maxAttempts;
};

} // namespace ToolCapture
