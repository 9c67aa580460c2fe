#pragma once

#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/resilience/adaptive_threshold.h>
#include <backend/resilience/breaker_permit.h>
#include <backend/resilience/breaker_snapshot.h>
#include <backend/resilience/breaker_state.h>
#include <backend/resilience/breaker_transition.h>
#include <backend/resilience/call_outcome.h>
#include <backend/resilience/outcome_window.h>

#include <QByteArrayView>
#include <QDateTime>
#include <QString>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace ToolCapture {

// The circuit breaker of one upstream instance: closed, open, half-open, and the operator's
// forced-open, forced-closed and disabled modes, with a sliding window, an adaptive failure-rate
// threshold and a story for every transition.
//
// Request path (any number of proxy worker threads): tryAcquire() and record() take no lock and
// allocate nothing, except when they cause a transition (rare), which builds the event, takes
// the history mutex and calls the observer. The automatic state lives in one atomic word (state,
// generation, consecutive trips, open deadline or probe counters), so every transition is one
// compare-and-swap and happens exactly once. A rate trip is decided on one atomic snapshot of the
// window's counts, re-read right before that compare-and-swap (nothing in between allocates or
// formats), and is described only once it has won. Control path (the engine thread): setMode(),
// tick(), snapshot(). The observer runs on the thread that caused the transition.
class CircuitBreaker {
public:
    using Observer = std::function<void(const BreakerTransition &)>;
    static constexpr int kMaxProbes = 255;
    static constexpr int kRecentTransitions = 10;
    static constexpr int kMaxConsecutiveTrips = 63;

    CircuitBreaker(QString instanceId, const BreakerConfig &config, const Clock &clock,
                   Observer observer = {});
    CircuitBreaker(const CircuitBreaker &) = delete;
    CircuitBreaker &operator=(const CircuitBreaker &) = delete;

    // Closed (and forced-closed, disabled): admitted. Open: refused; the first call after the
    // open period moves to half-open and is its first probe. Half-open: exactly halfOpenProbes
    // probes are admitted, everything else is refused (and probes older than probeTimeout are
    // failed on the way). `correlationId`: the exchange asking, named by the open → half-open
    // transition it causes.
    BreakerPermit tryAcquire(QByteArrayView correlationId = {}) noexcept;

    // The outcome of an admitted call; a refused or already recorded permit is ignored.
    // A kind not configured as a failure counts as a successful call; Overload (429) counts as
    // overload, not failure, and neither breaks nor continues a run of consecutive failures.
    // A probe's outcome decides the half-open state: any failure reopens, halfOpenProbes
    // successes (or overloads) close. Trip checks run on failures and slow calls (and, with a
    // count window, on every call); tick() re-checks.
    void record(BreakerPermit &&permit, CallOutcome outcome) noexcept;

    // Operator command. Every mode change restarts the automatic state machine as closed; a
    // change to Auto also starts a fresh window, so outcomes recorded while forced or disabled
    // do not trip it.
    void setMode(BreakerMode mode);
    // Control path, e.g. every second: fails hung probes, re-checks the trip conditions, samples
    // the failure rate for the adaptive threshold and sweeps stale time buckets.
    void tick();

    // Live settings (control path). The failure-rate threshold's base (the adaptive threshold
    // moves from it, within adaptiveMin..adaptiveMax) applies to the next trip check; the open
    // period to the next trip (a breaker open now keeps the deadline it has).
    void setFailureRate(double rate);
    double failureRate() const;
    void setOpenDuration(std::chrono::milliseconds duration) noexcept;
    std::chrono::milliseconds openDuration() const noexcept {
        return std::chrono::milliseconds(m_openDurationMs.load(std::memory_order_relaxed));
    }

    BreakerSnapshot snapshot() const;
    // While open: when the next call will be let through as a probe (in the past once the open
    // period is over and no call has come yet). Otherwise (and when forced open, which has no
    // end) nothing.
    std::optional<Clock::time_point> reopensAt() const noexcept;

    BreakerState state() const noexcept;
    BreakerMode mode() const noexcept { return m_mode.load(std::memory_order_acquire); }
    double threshold() const noexcept { return m_threshold.load(std::memory_order_relaxed); }
    const QString &instanceId() const noexcept { return m_instanceId; }
    const BreakerConfig &config() const noexcept { return m_config; }

private:
    BreakerPermit acquireSlow(std::uint64_t word, QByteArrayView correlationId) noexcept;
    void stampProbeSlot(int slot, std::uint64_t tag) noexcept;
    void handleProbe(std::uint64_t tag, int slot, bool failed, CallOutcome::Kind kind,
                     Clock::time_point now, QByteArrayView correlationId) noexcept;
    void expireProbes(std::uint64_t word, Clock::time_point now) noexcept;
    void reopen(std::uint64_t generation, const QString &cause, Clock::time_point now,
                QByteArrayView correlationId = {}) noexcept;
    // Why a closed breaker trips, kept as numbers until the trip has won its compare-and-swap.
    struct TripReason {
        enum class Rule { None, ConsecutiveFailures, FailureRate, SlowCallRate };
        Rule rule = Rule::None;
        int consecutive = 0;
        OutcomeWindow::Counts counts;
        double threshold = 0;
    };

    void checkClosed(std::uint64_t word, const OutcomeWindow::Counts &counts, int consecutive,
                     bool atLimitOnly, Clock::time_point now,
                     QByteArrayView correlationId = {}) noexcept;
    TripReason rateRule(const OutcomeWindow::Counts &counts, double threshold) const noexcept;
    QString describe(const TripReason &reason) const;
    std::uint64_t openAfterTrip(std::uint64_t closedWord, Clock::time_point now) const noexcept;
    bool trip(std::uint64_t closedWord, std::uint64_t openWord, const TripReason &reason,
              Clock::time_point now, QByteArrayView correlationId) noexcept;
    std::chrono::milliseconds openDurationFor(int consecutiveTrips) const noexcept;
    bool isFailure(CallOutcome::Kind kind) const noexcept;

    BreakerState effectiveState(BreakerMode mode, std::uint64_t word) const noexcept;
    std::uint32_t millis32(Clock::time_point t) const noexcept;
    QDateTime wallTime(Clock::time_point t) const;
    BreakerTransition makeTransition(BreakerState from, BreakerState to, const QString &cause,
                                     Clock::time_point now,
                                     QByteArrayView correlationId = {}) const;
    void publish(BreakerTransition &&transition);

    const QString m_instanceId;
    const BreakerConfig m_config;
    const Clock &m_clock;
    const Observer m_observer;
    const int m_probes;
    const int m_minimumCalls;
    const Clock::time_point m_origin;
    const QDateTime m_wallOrigin;

    OutcomeWindow m_window;
    alignas(64) std::atomic<std::uint64_t> m_state;
    std::atomic<BreakerMode> m_mode{BreakerMode::Auto};
    std::atomic<double> m_threshold;
    std::atomic<std::int64_t> m_openDurationMs; // config().openDuration until set live
    alignas(64) std::atomic<int> m_consecutiveFailures{0};
    std::atomic<std::uint64_t> m_totalFailures{0};
    std::atomic<std::uint64_t> m_totalSlow{0};
    std::atomic<std::uint64_t> m_totalOverload{0};
    std::unique_ptr<std::atomic<std::uint64_t>[]> m_probeSlots; // generation + admission time

    // Control path and transitions.
    mutable std::mutex m_mutex;
    AdaptiveThreshold m_adaptive;
    std::deque<BreakerTransition> m_recent;
    Clock::time_point m_lastTick;
    std::uint64_t m_lastSampledCalls = 0;
};

} // namespace ToolCapture
