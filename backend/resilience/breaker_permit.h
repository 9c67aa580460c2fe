#pragma once

#include <cstdint>

namespace ToolCapture {

class CircuitBreaker;

// The right to send one call to an instance, given by its CircuitBreaker (Envoy's
// ResourceAutoIncDec). Hand it back with CircuitBreaker::record() and the call's outcome.
// A probe permit (half-open) destroyed without an outcome is recorded as an abandoned, failed
// probe, so that a lost permit never holds a probe slot; an ordinary permit destroyed without
// an outcome records nothing. Move-only; must not outlive its breaker.
class BreakerPermit {
public:
    BreakerPermit() = default; // refused
    ~BreakerPermit();
    BreakerPermit(BreakerPermit &&other) noexcept;
    BreakerPermit &operator=(BreakerPermit &&other) noexcept;
    BreakerPermit(const BreakerPermit &) = delete;
    BreakerPermit &operator=(const BreakerPermit &) = delete;

    // The call may go to the instance (and its outcome has not been recorded yet).
    bool admitted() const noexcept { return m_breaker != nullptr; }
    explicit operator bool() const noexcept { return admitted(); }
    // One of the half-open probes: its outcome decides whether the breaker closes.
    bool isProbe() const noexcept { return m_probeTag != 0; }

private:
    friend class CircuitBreaker;
    BreakerPermit(CircuitBreaker *breaker, std::uint64_t probeTag, int probeSlot) noexcept
        : m_breaker(breaker)
        , m_probeTag(probeTag)
        , m_probeSlot(probeSlot) {}
    void abandon() noexcept;

    CircuitBreaker *m_breaker = nullptr;
    std::uint64_t m_probeTag = 0; // probes: generation and admission time, as in the probe slot
    int m_probeSlot = -1;
};

} // namespace ToolCapture
