#include <backend/resilience/circuit_breaker.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace ToolCapture {

namespace {

using std::chrono::milliseconds;

// The automatic state word: state(62-63) trips(56-61) generation(32-55) payload(0-31).
// Payload: Open: the deadline, low 32 bits of milliseconds since the breaker's origin;
// HalfOpen: probes admitted (0-7) and succeeded (8-15).
enum : std::uint64_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
constexpr std::uint64_t kGenerationMask = 0xFFFFFF;

constexpr std::uint64_t stateOf(std::uint64_t w) {
    return w >> 62;
}
constexpr int tripsOf(std::uint64_t w) {
    return int((w >> 56) & 0x3F);
}
constexpr std::uint64_t generationOf(std::uint64_t w) {
    return (w >> 32) & kGenerationMask;
}
constexpr std::uint32_t payloadOf(std::uint64_t w) {
    return std::uint32_t(w);
}
constexpr int probesAdmittedOf(std::uint64_t w) {
    return int(w & 0xFF);
}
constexpr int probesSucceededOf(std::uint64_t w) {
    return int((w >> 8) & 0xFF);
}

constexpr std::uint64_t makeWord(std::uint64_t state, int trips, std::uint64_t generation,
                                 std::uint32_t payload) {
    return (state << 62) | (std::uint64_t(trips & 0x3F) << 56) |
           ((generation & kGenerationMask) << 32) | payload;
}

constexpr std::uint64_t nextGeneration(std::uint64_t w) {
    return generationOf(w) + 1;
}

// A probe slot: occupied(63) generation(32-55) admission time ms(0-31); 0: free.
constexpr std::uint64_t kSlotOccupied = std::uint64_t(1) << 63;
constexpr std::uint64_t probeTag(std::uint64_t generation, std::uint32_t admittedAt) {
    return kSlotOccupied | ((generation & kGenerationMask) << 32) | admittedAt;
}
constexpr std::uint64_t tagGeneration(std::uint64_t tag) {
    return (tag >> 32) & kGenerationMask;
}

// Generations wrap at 24 bits: a is newer than b if it is less than half the ring ahead.
constexpr bool isNewer(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t ahead = (a - b) & kGenerationMask;
    return ahead != 0 && ahead < (kGenerationMask + 1) / 2;
}

QString rate(double value) {
    return QString::number(value, 'f', 2);
}

} // namespace

CircuitBreaker::CircuitBreaker(QString instanceId, const BreakerConfig &config, const Clock &clock,
                               Observer observer)
    : m_instanceId(std::move(instanceId))
    , m_config(config)
    , m_clock(clock)
    , m_observer(std::move(observer))
    , m_probes(std::clamp(config.halfOpenProbes, 1, kMaxProbes))
    , m_minimumCalls(
          config.window == BreakerConfig::Window::Count
              ? std::clamp(config.minimumCalls, 1,
                           std::clamp(config.windowSize, 1, OutcomeWindow::kMaxWindowSize))
              : std::max(1, config.minimumCalls))
    , m_origin(clock.now())
    , m_wallOrigin(QDateTime::currentDateTimeUtc())
    , m_window(config, m_origin)
    , m_state(makeWord(kClosed, 0, 0, 0))
    , m_threshold(AdaptiveThreshold(config).threshold())
    , m_openDurationMs(config.openDuration.count())
    , m_probeSlots(new std::atomic<std::uint64_t>[std::size_t(m_probes)])
    , m_adaptive(config)
    , m_lastTick(m_origin) {
    for (int i = 0; i < m_probes; ++i)
        m_probeSlots[i].store(0, std::memory_order_relaxed);
}

// Request path

BreakerPermit CircuitBreaker::tryAcquire(QByteArrayView correlationId) noexcept {
    switch (m_mode.load(std::memory_order_acquire)) {
    case BreakerMode::ForceOpen:
        return {};
    case BreakerMode::ForceClosed:
    case BreakerMode::Disabled:
        return BreakerPermit(this, 0, -1);
    case BreakerMode::Auto:
        break;
    }
    const std::uint64_t word = m_state.load(std::memory_order_acquire);
    if (stateOf(word) == kClosed)
        return BreakerPermit(this, 0, -1);
    return acquireSlow(word, correlationId);
}

BreakerPermit CircuitBreaker::acquireSlow(std::uint64_t word,
                                          QByteArrayView correlationId) noexcept {
    for (;;) {
        switch (stateOf(word)) {
        case kClosed:
            return BreakerPermit(this, 0, -1);
        case kOpen: {
            const Clock::time_point now = m_clock.now();
            if (std::int32_t(millis32(now) - payloadOf(word)) < 0)
                return {};
            // The open period is over: this call becomes the first probe.
            const std::uint64_t generation = nextGeneration(word);
            const std::uint64_t halfOpen = makeWord(kHalfOpen, tripsOf(word), generation, 1);
            if (!m_state.compare_exchange_weak(word, halfOpen, std::memory_order_acq_rel))
                continue;
            const std::uint64_t tag = probeTag(generation, millis32(now));
            stampProbeSlot(0, tag);
            publish(makeTransition(BreakerState::Open, BreakerState::HalfOpen,
                                   QStringLiteral("open period of %1 ms elapsed")
                                       .arg(openDurationFor(tripsOf(word)).count()),
                                   now, correlationId));
            return BreakerPermit(this, tag, 0);
        }
        case kHalfOpen: {
            const int admitted = probesAdmittedOf(word);
            if (admitted >= m_probes) {
                expireProbes(word, m_clock.now());
                return {};
            }
            if (!m_state.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel))
                continue;
            const std::uint64_t tag = probeTag(generationOf(word), millis32(m_clock.now()));
            stampProbeSlot(admitted, tag);
            return BreakerPermit(this, tag, admitted);
        }
        default:
            return {};
        }
    }
}

void CircuitBreaker::stampProbeSlot(int slot, std::uint64_t tag) noexcept {
    // NOTE: a thread pre-empted between winning its probe and stamping the slot may find the
    // slot already taken by a later half-open phase; it then leaves it alone (its permit is
    // stale anyway and will be ignored).
    std::atomic<std::uint64_t> &target = m_probeSlots[slot];
    std::uint64_t current = target.load(std::memory_order_acquire);
    do {
        if (current != 0 && isNewer(tagGeneration(current), tagGeneration(tag)))
            return;
    } while (!target.compare_exchange_weak(current, tag, std::memory_order_acq_rel));
}

void CircuitBreaker::record(BreakerPermit &&permit, CallOutcome outcome) noexcept {
    if (permit.m_breaker != this)
        return;
    const std::uint64_t tag = std::exchange(permit.m_probeTag, 0);
    const int slot = std::exchange(permit.m_probeSlot, -1);
    permit.m_breaker = nullptr;

    const Clock::time_point now = m_clock.now();
    const bool failure = isFailure(outcome.kind);
    const bool overload = outcome.kind == CallOutcome::Kind::Overload;
    const bool slow = outcome.duration > m_config.slowCallDuration;
    const OutcomeWindow::Counts counts =
        m_window.add({outcome.kind, failure, slow, outcome.duration, now}, failure || slow);
    if (failure)
        m_totalFailures.fetch_add(1, std::memory_order_relaxed);
    if (slow)
        m_totalSlow.fetch_add(1, std::memory_order_relaxed);
    if (overload)
        m_totalOverload.fetch_add(1, std::memory_order_relaxed);

    int consecutive = 0;
    if (failure)
        consecutive = m_consecutiveFailures.fetch_add(1, std::memory_order_relaxed) + 1;
    else if (!overload && m_consecutiveFailures.load(std::memory_order_relaxed) != 0)
        m_consecutiveFailures.store(0, std::memory_order_relaxed);

    if (tag != 0) {
        handleProbe(tag, slot, failure, outcome.kind, now, outcome.correlationId);
        return;
    }
    if (m_mode.load(std::memory_order_acquire) != BreakerMode::Auto)
        return;
    const std::uint64_t word = m_state.load(std::memory_order_acquire);
    if (stateOf(word) == kClosed)
        checkClosed(word, counts, consecutive, true, now, outcome.correlationId);
}

void CircuitBreaker::checkClosed(std::uint64_t word, const OutcomeWindow::Counts &counts,
                                 int consecutive, bool atLimitOnly, Clock::time_point now,
                                 QByteArrayView correlationId) noexcept {
    const int limit = m_config.consecutiveFailures;
    // The request path trips on reaching the limit exactly; the control path re-checks with >=.
    // A run of failures is an event that happened, not a rate: it needs no re-check.
    if (limit > 0 && (atLimitOnly ? consecutive == limit : consecutive >= limit)) {
        TripReason reason;
        reason.rule = TripReason::Rule::ConsecutiveFailures;
        reason.consecutive = consecutive;
        trip(word, openAfterTrip(word, now), reason, now, correlationId);
        return;
    }
    const double threshold = m_threshold.load(std::memory_order_relaxed);
    if (rateRule(counts, threshold).rule == TripReason::Rule::None)
        return;
    // `counts` may be stale: other workers have added since this thread took them, or it was
    // pre-empted since. Decide on the window as it is now, with everything the trip needs
    // prepared beforehand, so that only arithmetic separates this read from the
    // compare-and-swap. NOTE: a thread pre-empted exactly there can still act on counts that
    // old; closing that gap would take one atomic for counts and state.
    const std::uint64_t open = openAfterTrip(word, now);
    const TripReason reason = rateRule(m_window.counts(now), threshold);
    if (reason.rule != TripReason::Rule::None)
        trip(word, open, reason, now, correlationId);
}

CircuitBreaker::TripReason CircuitBreaker::rateRule(const OutcomeWindow::Counts &counts,
                                                    double threshold) const noexcept {
    TripReason reason;
    reason.counts = counts;
    reason.threshold = threshold;
    if (counts.calls < m_minimumCalls || counts.calls == 0)
        return reason;
    if (counts.failures > 0 && double(counts.failures) / counts.calls >= threshold)
        reason.rule = TripReason::Rule::FailureRate;
    else if (counts.slow > 0 && double(counts.slow) / counts.calls >= m_config.slowCallRate)
        reason.rule = TripReason::Rule::SlowCallRate;
    return reason;
}

QString CircuitBreaker::describe(const TripReason &reason) const {
    const OutcomeWindow::Counts &counts = reason.counts;
    switch (reason.rule) {
    case TripReason::Rule::ConsecutiveFailures:
        return QStringLiteral("%1 consecutive failures").arg(reason.consecutive);
    case TripReason::Rule::FailureRate:
        return QStringLiteral("failure rate %1 >= %2 over %3 calls")
            .arg(rate(double(counts.failures) / counts.calls), rate(reason.threshold))
            .arg(counts.calls);
    case TripReason::Rule::SlowCallRate:
        return QStringLiteral("slow-call rate %1 >= %2 over %3 calls (slower than %4 ms)")
            .arg(rate(double(counts.slow) / counts.calls), rate(m_config.slowCallRate))
            .arg(counts.calls)
            .arg(m_config.slowCallDuration.count());
    case TripReason::Rule::None:
        break;
    }
    return {};
}

std::uint64_t CircuitBreaker::openAfterTrip(std::uint64_t closedWord,
                                            Clock::time_point now) const noexcept {
    return makeWord(kOpen, 1, nextGeneration(closedWord),
                    millis32(now) + std::uint32_t(openDurationFor(1).count()));
}

bool CircuitBreaker::trip(std::uint64_t closedWord, std::uint64_t openWord,
                          const TripReason &reason, Clock::time_point now,
                          QByteArrayView correlationId) noexcept {
    if (!m_state.compare_exchange_strong(closedWord, openWord, std::memory_order_acq_rel))
        return false; // someone else tripped (or the mode changed) first
    // Described only now that the trip has won: formatting is slow (locale, allocations).
    BreakerTransition transition = makeTransition(
        BreakerState::Closed, BreakerState::Open,
        describe(reason) + QStringLiteral("; open for %1 ms").arg(openDurationFor(1).count()), now,
        correlationId);
    m_window.clear();
    m_consecutiveFailures.store(0, std::memory_order_relaxed);
    publish(std::move(transition));
    return true;
}

void CircuitBreaker::handleProbe(std::uint64_t tag, int slot, bool failed, CallOutcome::Kind kind,
                                 Clock::time_point now, QByteArrayView correlationId) noexcept {
    std::uint64_t expected = tag;
    if (!m_probeSlots[slot].compare_exchange_strong(expected, 0, std::memory_order_acq_rel))
        return; // already failed by the probe timeout, or from an earlier half-open phase
    const std::uint64_t generation = tagGeneration(tag);
    if (failed) {
        reopen(generation, QStringLiteral("probe failed: %1").arg(QLatin1String(toString(kind))),
               now, correlationId);
        return;
    }
    std::uint64_t word = m_state.load(std::memory_order_acquire);
    for (;;) {
        if (stateOf(word) != kHalfOpen || generationOf(word) != generation)
            return;
        const int succeeded = probesSucceededOf(word) + 1;
        if (succeeded < m_probes) {
            if (m_state.compare_exchange_weak(word, word + (std::uint64_t(1) << 8),
                                              std::memory_order_acq_rel))
                return;
            continue;
        }
        const std::uint64_t closed = makeWord(kClosed, 0, nextGeneration(word), 0);
        if (m_state.compare_exchange_weak(word, closed, std::memory_order_acq_rel)) {
            m_consecutiveFailures.store(0, std::memory_order_relaxed);
            publish(makeTransition(BreakerState::HalfOpen, BreakerState::Closed,
                                   QStringLiteral("%1 of %1 probes succeeded").arg(m_probes), now,
                                   correlationId));
            return;
        }
    }
}

void CircuitBreaker::expireProbes(std::uint64_t word, Clock::time_point now) noexcept {
    const std::uint32_t nowMillis = millis32(now);
    const auto timeout =
        std::uint32_t(std::max<milliseconds::rep>(0, m_config.probeTimeout.count()));
    const int admitted = std::min(probesAdmittedOf(word), m_probes);
    for (int i = 0; i < admitted; ++i) {
        std::uint64_t tag = m_probeSlots[i].load(std::memory_order_acquire);
        if (tag == 0 || tagGeneration(tag) != generationOf(word))
            continue;
        const std::uint32_t age = nowMillis - std::uint32_t(tag);
        if (age <= timeout)
            continue;
        if (!m_probeSlots[i].compare_exchange_strong(tag, 0, std::memory_order_acq_rel))
            continue; // it just completed
        // The hung probe enters the window as the timeout it is.
        m_window.add({CallOutcome::Kind::Timeout, true,
                      milliseconds(age) > m_config.slowCallDuration, milliseconds(age), now});
        m_totalFailures.fetch_add(1, std::memory_order_relaxed);
        reopen(generationOf(word), QStringLiteral("probe timed out after %1 ms").arg(age), now);
        return;
    }
}

void CircuitBreaker::reopen(std::uint64_t generation, const QString &cause, Clock::time_point now,
                            QByteArrayView correlationId) noexcept {
    std::uint64_t word = m_state.load(std::memory_order_acquire);
    for (;;) {
        if (stateOf(word) != kHalfOpen || generationOf(word) != generation)
            return;
        const int trips = std::min(tripsOf(word) + 1, kMaxConsecutiveTrips);
        const milliseconds period = openDurationFor(trips);
        const std::uint64_t open = makeWord(kOpen, trips, nextGeneration(word),
                                            millis32(now) + std::uint32_t(period.count()));
        if (!m_state.compare_exchange_weak(word, open, std::memory_order_acq_rel))
            continue;
        BreakerTransition transition =
            makeTransition(BreakerState::HalfOpen, BreakerState::Open,
                           cause + QStringLiteral("; open for %1 ms (trip %2 in a row)")
                                       .arg(period.count())
                                       .arg(trips),
                           now, correlationId);
        m_window.clear();
        publish(std::move(transition));
        return;
    }
}

milliseconds CircuitBreaker::openDurationFor(int consecutiveTrips) const noexcept {
    const milliseconds open = openDuration();
    const double base = double(std::max<milliseconds::rep>(0, open.count()));
    const double cap = double(std::max(m_config.maxOpenDuration, open).count());
    const double factor =
        std::pow(std::max(1.0, m_config.openBackoff), std::max(0, consecutiveTrips - 1));
    // Kept under 2^31 ms: deadlines are compared as 32-bit differences.
    return milliseconds(milliseconds::rep(std::min({base * factor, cap, 2147483647.0})));
}

bool CircuitBreaker::isFailure(CallOutcome::Kind kind) const noexcept {
    switch (kind) {
    case CallOutcome::Kind::Success:
    case CallOutcome::Kind::Overload:
        return false;
    case CallOutcome::Kind::ConnectError:
        return m_config.connectErrorIsFailure;
    case CallOutcome::Kind::Reset:
        return m_config.resetIsFailure;
    case CallOutcome::Kind::Timeout:
        return m_config.timeoutIsFailure;
    case CallOutcome::Kind::Status5xx:
        return m_config.status5xxIsFailure;
    case CallOutcome::Kind::Abandoned:
        return true;
    }
    return false;
}

// Control path

void CircuitBreaker::setMode(BreakerMode mode) {
    const BreakerMode previous = m_mode.exchange(mode, std::memory_order_acq_rel);
    if (previous == mode)
        return;
    const Clock::time_point now = m_clock.now();
    std::uint64_t word = m_state.load(std::memory_order_acquire);
    while (!m_state.compare_exchange_weak(word, makeWord(kClosed, 0, nextGeneration(word), 0),
                                          std::memory_order_acq_rel)) {
    }
    m_consecutiveFailures.store(0, std::memory_order_relaxed);
    // Back in automatic mode the breaker judges only what happens from now on: outcomes
    // recorded while forced or disabled (the operator's decision, maybe during a known outage)
    // must not trip it at the first check.
    if (mode == BreakerMode::Auto)
        m_window.clear();
    QString cause;
    switch (mode) {
    case BreakerMode::Auto:
        cause = QStringLiteral("automatic mode restored by operator");
        break;
    case BreakerMode::ForceOpen:
        cause = QStringLiteral("forced open by operator");
        break;
    case BreakerMode::ForceClosed:
        cause = QStringLiteral("forced closed by operator");
        break;
    case BreakerMode::Disabled:
        cause = QStringLiteral("disabled by operator");
        break;
    }
    publish(makeTransition(effectiveState(previous, word),
                           effectiveState(mode, makeWord(kClosed, 0, 0, 0)), cause, now));
}

void CircuitBreaker::tick() {
    const Clock::time_point now = m_clock.now();
    m_window.sweep(now);
    const BreakerMode mode = m_mode.load(std::memory_order_acquire);
    std::uint64_t word = m_state.load(std::memory_order_acquire);
    if (mode == BreakerMode::Auto && stateOf(word) == kHalfOpen)
        expireProbes(word, now);
    if (mode == BreakerMode::Auto && stateOf(word) == kClosed) {
        checkClosed(word, m_window.counts(now),
                    m_consecutiveFailures.load(std::memory_order_relaxed), false, now);
    }

    // The adaptive baseline learns only from periods of normal service.
    word = m_state.load(std::memory_order_acquire);
    const BreakerState state = effectiveState(m_mode.load(std::memory_order_acquire), word);
    const OutcomeWindow::Counts counts = m_window.counts(now);
    const std::uint64_t recorded = m_window.recorded();
    std::lock_guard lock(m_mutex);
    const bool normal = state == BreakerState::Closed || state == BreakerState::ForcedClosed ||
                        state == BreakerState::Disabled;
    if (normal && recorded != m_lastSampledCalls && counts.calls >= m_minimumCalls) {
        m_adaptive.observe(double(counts.failures) / counts.calls, now - m_lastTick);
        m_threshold.store(m_adaptive.threshold(), std::memory_order_relaxed);
        m_lastSampledCalls = recorded;
    }
    m_lastTick = now;
}

void CircuitBreaker::setFailureRate(double rate) {
    std::lock_guard lock(m_mutex);
    m_adaptive.setBase(rate);
    m_threshold.store(m_adaptive.threshold(), std::memory_order_relaxed);
}

double CircuitBreaker::failureRate() const {
    std::lock_guard lock(m_mutex);
    return m_adaptive.base();
}

void CircuitBreaker::setOpenDuration(milliseconds duration) noexcept {
    m_openDurationMs.store(std::max<milliseconds::rep>(0, duration.count()),
                           std::memory_order_relaxed);
}

BreakerSnapshot CircuitBreaker::snapshot() const {
    const Clock::time_point now = m_clock.now();
    const BreakerMode mode = m_mode.load(std::memory_order_acquire);
    const std::uint64_t word = m_state.load(std::memory_order_acquire);
    const OutcomeWindow::Counts counts = m_window.counts(now);

    BreakerSnapshot snapshot;
    snapshot.instanceId = m_instanceId;
    snapshot.state = effectiveState(mode, word);
    snapshot.mode = mode;
    snapshot.calls = counts.calls;
    snapshot.failures = counts.failures;
    snapshot.slowCalls = counts.slow;
    snapshot.overloadCalls = counts.overload;
    snapshot.minimumCalls = m_minimumCalls;
    if (counts.calls > 0) {
        snapshot.failureRate = double(counts.failures) / counts.calls;
        snapshot.slowCallRate = double(counts.slow) / counts.calls;
    }
    snapshot.totalCalls = m_window.recorded();
    snapshot.totalFailures = m_totalFailures.load(std::memory_order_relaxed);
    snapshot.totalSlowCalls = m_totalSlow.load(std::memory_order_relaxed);
    snapshot.totalOverloadCalls = m_totalOverload.load(std::memory_order_relaxed);
    snapshot.slowCallRateThreshold = m_config.slowCallRate;
    snapshot.slowCallDuration = m_config.slowCallDuration;
    snapshot.consecutiveFailures = m_consecutiveFailures.load(std::memory_order_relaxed);
    snapshot.consecutiveTrips = tripsOf(word);
    if (snapshot.state == BreakerState::Open) {
        const auto remaining = std::max(0, std::int32_t(payloadOf(word) - millis32(now)));
        snapshot.openRemaining = milliseconds(remaining);
        snapshot.openUntil = wallTime(now + snapshot.openRemaining);
    }
    if (snapshot.state == BreakerState::HalfOpen) {
        snapshot.probesAdmitted = probesAdmittedOf(word);
        snapshot.probesSucceeded = probesSucceededOf(word);
    }
    for (const OutcomeWindow::Entry &entry : m_window.latest(now))
        snapshot.story.push_back(
            {entry.kind, entry.failure, entry.slow, entry.duration, wallTime(entry.at)});

    std::lock_guard lock(m_mutex);
    snapshot.threshold = m_threshold.load(std::memory_order_relaxed);
    snapshot.thresholdExplanation = m_adaptive.explanation();
    snapshot.baselineFailureRate = m_adaptive.baseline();
    snapshot.recentTransitions.assign(m_recent.begin(), m_recent.end());
    return snapshot;
}

std::optional<Clock::time_point> CircuitBreaker::reopensAt() const noexcept {
    if (m_mode.load(std::memory_order_acquire) != BreakerMode::Auto)
        return std::nullopt;
    const std::uint64_t word = m_state.load(std::memory_order_acquire);
    if (stateOf(word) != kOpen)
        return std::nullopt;
    // The deadline exactly as tryAcquire() sees it (a probe passes once the whole milliseconds
    // since the origin reach it), so `*reopensAt() > now` agrees with admission; in the past once
    // the period is over. NOTE: not clamped to now: a "now" read here is later than the caller's,
    // and UpstreamRuntime::status() then kept an elapsed breaker excluded for good.
    const std::int64_t sinceOrigin =
        std::chrono::duration_cast<milliseconds>(m_clock.now() - m_origin).count();
    const std::int32_t remaining = std::int32_t(payloadOf(word) - std::uint32_t(sinceOrigin));
    return m_origin + milliseconds(sinceOrigin + remaining);
}

BreakerState CircuitBreaker::state() const noexcept {
    return effectiveState(m_mode.load(std::memory_order_acquire),
                          m_state.load(std::memory_order_acquire));
}

BreakerState CircuitBreaker::effectiveState(BreakerMode mode, std::uint64_t word) const noexcept {
    switch (mode) {
    case BreakerMode::ForceOpen:
        return BreakerState::ForcedOpen;
    case BreakerMode::ForceClosed:
        return BreakerState::ForcedClosed;
    case BreakerMode::Disabled:
        return BreakerState::Disabled;
    case BreakerMode::Auto:
        break;
    }
    switch (stateOf(word)) {
    case kOpen:
        return BreakerState::Open;
    case kHalfOpen:
        return BreakerState::HalfOpen;
    default:
        return BreakerState::Closed;
    }
}

std::uint32_t CircuitBreaker::millis32(Clock::time_point t) const noexcept {
    return std::uint32_t(std::chrono::duration_cast<milliseconds>(t - m_origin).count());
}

QDateTime CircuitBreaker::wallTime(Clock::time_point t) const {
    return m_wallOrigin.addMSecs(std::chrono::duration_cast<milliseconds>(t - m_origin).count());
}

BreakerTransition CircuitBreaker::makeTransition(BreakerState from, BreakerState to,
                                                 const QString &cause, Clock::time_point now,
                                                 QByteArrayView correlationId) const {
    BreakerTransition transition;
    transition.instanceId = m_instanceId;
    transition.from = from;
    transition.to = to;
    transition.at = wallTime(now);
    transition.cause = cause;
    transition.correlationId = QString::fromUtf8(correlationId);
    for (const OutcomeWindow::Entry &entry : m_window.latest(now))
        transition.story.push_back(
            {entry.kind, entry.failure, entry.slow, entry.duration, wallTime(entry.at)});
    return transition;
}

void CircuitBreaker::publish(BreakerTransition &&transition) {
    {
        std::lock_guard lock(m_mutex);
        m_recent.push_back(transition);
        while (m_recent.size() > std::size_t(kRecentTransitions))
            m_recent.pop_front();
    }
    if (m_observer)
        m_observer(transition);
}

} // namespace ToolCapture
