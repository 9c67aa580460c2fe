#include <backend/resilience/retry_policy.h>

#include <algorithm>

namespace ToolCapture {

RetryPolicy::RetryPolicy(const RetryConfig &config)
    : m_config(config)
    , m_maxAttempts(std::max(1, config.maxAttempts)) {
    m_config.maxAttempts = std::max(1, m_config.maxAttempts);
    m_config.baseDelay = std::max(std::chrono::milliseconds(0), m_config.baseDelay);
    m_config.maxDelay = std::max(std::chrono::milliseconds(0), m_config.maxDelay);
    m_config.perTryTimeout = std::max(std::chrono::milliseconds(0), m_config.perTryTimeout);
}

bool RetryPolicy::isRetryable(QByteArrayView method, bool hasIdempotencyKey) {
    if (hasIdempotencyKey)
        return true;
    // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
           method == "DELETE";
}

std::optional<RetryPolicy::FailureKind> RetryPolicy::failureKindForStatus(int status) {
    switch (status) {
    case 500:
        return FailureKind::Status500;
    case 502:
        return FailureKind::Status502;
    case 503:
        return FailureKind::Status503;
    case 504:
        return FailureKind::Status504;
    default:
        return std::nullopt;
    }
}

// NOTE: the default retry set is Envoy's "connect-failure,reset,gateway-error" plus per-try
// timeouts. 500 is left out unless configured: it usually reports an application error that the
// same request meets on every instance, so retrying only multiplies the load. 429 is overload and
// is never retried here (the client gets it with its Retry-After).
bool RetryPolicy::isRetryableFailure(FailureKind kind) const {
    switch (kind) {
    case FailureKind::ConnectError:
    case FailureKind::Reset:
    case FailureKind::BadResponse:
    case FailureKind::PerTryTimeout:
    case FailureKind::Status502:
    case FailureKind::Status503:
    case FailureKind::Status504:
        return true;
    case FailureKind::Status500:
        return m_config.retryInternalError;
    }
    return false;
}

bool RetryPolicy::shouldRetry(int attemptsMade, FailureKind kind, bool responseStarted) const {
    if (responseStarted)
        return false;
    if (attemptsMade < 1 || attemptsMade >= maxAttempts())
        return false;
    return isRetryableFailure(kind);
}

void RetryPolicy::setMaxAttempts(int attempts) {
    m_maxAttempts.store(std::max(1, attempts), std::memory_order_relaxed);
}

std::chrono::milliseconds RetryPolicy::backoffCap(int retryNumber) const {
    const std::int64_t base = m_config.baseDelay.count();
    const std::int64_t max = m_config.maxDelay.count();
    if (base == 0 || max == 0)
        return std::chrono::milliseconds(0);
    const int shift = std::clamp(retryNumber, 0, 62);
    // base << shift overflows once base exceeds max >> shift; the cap is max then.
    if (base > (max >> shift))
        return std::chrono::milliseconds(max);
    return std::chrono::milliseconds(std::min(max, base << shift));
}

std::chrono::milliseconds RetryPolicy::backoff(int retryNumber, std::uint64_t random) const {
    const auto cap = static_cast<std::uint64_t>(backoffCap(retryNumber).count());
    // Scale random onto [0, cap] by a 64x64->128 multiply: unbiased enough, monotonic in random,
    // and exact at both ends.
    __extension__ using Wide = unsigned __int128;
    const auto delay = static_cast<std::uint64_t>((Wide(random) * Wide(cap + 1)) >> 64);
    return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

std::chrono::milliseconds
RetryPolicy::perTryTimeout(std::chrono::milliseconds firstByteTimeout) const {
    return m_config.perTryTimeout.count() > 0 ? m_config.perTryTimeout : firstByteTimeout;
}

} // namespace ToolCapture
