#pragma once

#include <QByteArrayView>

#include <chrono>

namespace ToolCapture {

// How one call to an upstream instance ended, as reported to its circuit breaker.
struct CallOutcome {
    enum class Kind : unsigned char {
        Success,      // a response that is not a failure (2xx-4xx except 429)
        ConnectError, // failure if BreakerConfig::connectErrorIsFailure
        Reset,        // connection reset or closed mid-exchange; failure if resetIsFailure
        Timeout,      // failure if timeoutIsFailure
        Status5xx,    // failure if status5xxIsFailure
        Overload,     // 429: counted as overload, never a failure
        Abandoned,    // a probe permit dropped without an outcome: always a failure
    };
    constexpr CallOutcome() noexcept = default;
    constexpr CallOutcome(Kind k, std::chrono::milliseconds d,
                          QByteArrayView correlation = {}) noexcept
        : kind(k)
        , duration(d)
        , correlationId(correlation) {}

    Kind kind = Kind::Success;
    std::chrono::milliseconds duration{0};
    // The exchange the call was made for (its correlation id), so that a transition the
    // outcome causes names it; empty for calls of no exchange. Read during record() only.
    QByteArrayView correlationId;
};

constexpr const char *toString(CallOutcome::Kind kind) {
    switch (kind) {
    case CallOutcome::Kind::Success:
        return "success";
    case CallOutcome::Kind::ConnectError:
        return "connect_error";
    case CallOutcome::Kind::Reset:
        return "reset";
    case CallOutcome::Kind::Timeout:
        return "timeout";
    case CallOutcome::Kind::Status5xx:
        return "5xx";
    case CallOutcome::Kind::Overload:
        return "overload";
    case CallOutcome::Kind::Abandoned:
        return "abandoned";
    }
    return "unknown";
}

} // namespace ToolCapture
