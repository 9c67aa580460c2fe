#include <backend/routing/instance_stats.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace ToolCapture {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::uint64_t kNoLatency = ~std::uint64_t(0); // NaN bits: never a stored estimate

constexpr int kCountBits = 20;
constexpr std::uint64_t kCountMask = (std::uint64_t(1) << kCountBits) - 1;
constexpr std::uint64_t kTagMask = (std::uint64_t(1) << 24) - 1;

std::uint32_t millisecondsMod32(InstanceStats::time_point now) noexcept {
    return std::uint32_t(duration_cast<milliseconds>(now.time_since_epoch()).count());
}

// Milliseconds from `stamp` to `now` on the 2^32 ms circle; 0 when `now` is (slightly) before
// `stamp`, as happens when two workers race with their own readings of the clock.
// NOTE: gaps over 24 days read as "before", i.e. as no time at all; by then any estimate has
// long decayed to nothing, so the error is a stale value, never a wrong ordering of live ones.
std::uint32_t elapsedMs(std::uint32_t now, std::uint32_t stamp) noexcept {
    const std::uint32_t d = now - stamp;
    return d > 0x7fffffffu ? 0 : d;
}

float costOf(std::uint64_t state) noexcept {
    return std::bit_cast<float>(std::uint32_t(state >> 32));
}

std::uint32_t stampOf(std::uint64_t state) noexcept {
    return std::uint32_t(state);
}

std::uint64_t packLatency(double costNs, std::uint32_t stampMs) noexcept {
    return (std::uint64_t(std::bit_cast<std::uint32_t>(float(costNs))) << 32) | stampMs;
}

std::uint64_t tagOf(std::uint64_t bucket) noexcept {
    return bucket >> (2 * kCountBits);
}

std::uint64_t successesOf(std::uint64_t bucket) noexcept {
    return (bucket >> kCountBits) & kCountMask;
}

std::uint64_t callsOf(std::uint64_t bucket) noexcept {
    return bucket & kCountMask;
}

// exp(-elapsed / decay), the weight the estimate keeps after `elapsedMs`. NOTE: at any real
// request rate most samples and reads come within the millisecond of the previous sample,
// where the weight is exactly 1: that case skips exp(), whose cost showed in the worker's
// profile (~2% of its time).
double keptWeight(std::uint32_t elapsedMs, double decayMs) noexcept {
    return elapsedMs == 0 ? 1.0 : std::exp(-double(elapsedMs) / decayMs);
}

std::uint64_t packBucket(std::uint64_t tag, std::uint64_t successes, std::uint64_t calls) noexcept {
    return (tag << (2 * kCountBits)) | (successes << kCountBits) | calls;
}

} // namespace

void InstanceStats::ActiveRequest::release() noexcept {
    if (m_stats) {
        m_stats->m_active.fetch_sub(1, std::memory_order_relaxed);
        m_stats = nullptr;
    }
}

InstanceStats::InstanceStats(nanoseconds latencyDecay, nanoseconds window) noexcept
    : m_decay(latencyDecay > nanoseconds::zero() ? latencyDecay : std::chrono::seconds(10))
    , m_window(window >= milliseconds(1) ? window : std::chrono::seconds(10))
    , m_decayMs(std::chrono::duration<double, std::milli>(m_decay).count())
    , m_latency(kNoLatency)
    , m_buckets{0, 0} {}

void InstanceStats::recordResponse(nanoseconds latency, bool success, time_point now) noexcept {
    m_responses.fetch_add(1, std::memory_order_relaxed);
    if (!success)
        m_failures.fetch_add(1, std::memory_order_relaxed);
    recordLatency(latency, success, now);
    recordOutcome(success, now);
}

void InstanceStats::setTimeConstants(nanoseconds latencyDecay, nanoseconds window) noexcept {
    if (latencyDecay > nanoseconds::zero()) {
        m_decay = latencyDecay;
        m_decayMs = std::chrono::duration<double, std::milli>(m_decay).count();
    }
    if (window >= milliseconds(1))
        m_window = window;
}

InstanceStats::ActiveRequest InstanceStats::beginRequest() noexcept {
    m_active.fetch_add(1, std::memory_order_relaxed);
    return ActiveRequest(this);
}

// Peak EWMA (Finagle's PeakEwma, Linkerd's PeakEwma): a sample slower than the estimate
// replaces it at once; a faster one pulls it down with weight 1 - exp(-elapsed / decay), elapsed
// being the time since the previous sample, so the estimate follows a speed-up within a few
// decay periods whatever the request rate.
void InstanceStats::recordLatency(nanoseconds latency, bool success, time_point now) noexcept {
    const double rtt = double(std::max(latency.count(), nanoseconds::rep(0)));
    const std::uint32_t nowMs = millisecondsMod32(now);
    std::uint64_t old = m_latency.load(std::memory_order_relaxed);
    for (;;) {
        double next = rtt;
        std::uint32_t stamp = nowMs;
        if (old == kNoLatency) {
            if (!success)
                return; // a failure alone says nothing about how fast the instance answers
        } else {
            const double cost = costOf(old);
            const std::uint32_t elapsed = elapsedMs(nowMs, stampOf(old));
            if (elapsed == 0 && nowMs != stampOf(old))
                stamp = stampOf(old); // a racing older reading does not move the stamp back
            if (rtt <= cost) {
                if (!success)
                    return;
                const double w = keptWeight(elapsed, m_decayMs);
                next = cost * w + rtt * (1.0 - w);
            }
        }
        const std::uint64_t packed = packLatency(next, stamp);
        if (packed == old)
            return; // nothing changes (a fast sample within the millisecond): no write
        if (m_latency.compare_exchange_weak(old, packed, std::memory_order_relaxed))
            return;
    }
}

// Two buckets of one window each, the bucket of window n living in slot n % 2 (Envoy's
// SuccessRateAccumulator swaps two buckets on a timer; here the window number of the sample
// decides, so no timer and no lock). A sample for an older window than the slot holds is dropped.
void InstanceStats::recordOutcome(bool success, time_point now) noexcept {
    const std::int64_t windowNumber = now.time_since_epoch() / m_window;
    const std::uint64_t tag = std::uint64_t(windowNumber) & kTagMask;
    std::atomic<std::uint64_t> &bucket = m_buckets[windowNumber & 1];
    std::uint64_t old = bucket.load(std::memory_order_relaxed);
    for (;;) {
        std::uint64_t next;
        const std::uint64_t oldTag = tagOf(old);
        if (oldTag == tag) {
            const std::uint64_t calls = callsOf(old);
            if (calls == kCountMask)
                return; // NOTE: saturated (a million calls in one window): the rate stands still
            next = packBucket(tag, successesOf(old) + (success ? 1 : 0), calls + 1);
        } else {
            if (((tag - oldTag) & kTagMask) > (kTagMask >> 1))
                return; // the slot already holds a newer window: this sample is late
            next = packBucket(tag, success ? 1 : 0, 1);
        }
        if (bucket.compare_exchange_weak(old, next, std::memory_order_relaxed))
            return;
    }
}

nanoseconds InstanceStats::latencyAt(time_point now) const noexcept {
    const std::uint64_t state = m_latency.load(std::memory_order_relaxed);
    if (state == kNoLatency)
        return nanoseconds::zero();
    // Between samples the estimate decays toward zero (Finagle's exploration): an instance
    // penalised long ago, and so no longer chosen, eventually looks fast enough to be tried
    // again, and that request's sample puts the estimate right.
    const std::uint32_t elapsed = elapsedMs(millisecondsMod32(now), stampOf(state));
    return nanoseconds(nanoseconds::rep(double(costOf(state)) * keptWeight(elapsed, m_decayMs)));
}

InstanceStats::Snapshot InstanceStats::snapshot(time_point now) const noexcept {
    Snapshot s;
    s.hasLatency = m_latency.load(std::memory_order_relaxed) != kNoLatency;
    s.latency = latencyAt(now);
    const std::int64_t windowNumber = now.time_since_epoch() / m_window;
    const std::uint64_t current = m_buckets[windowNumber & 1].load(std::memory_order_relaxed);
    if (tagOf(current) == (std::uint64_t(windowNumber) & kTagMask)) {
        s.windowSuccesses = double(successesOf(current));
        s.windowCalls = double(callsOf(current));
    }
    const std::uint64_t previous =
        m_buckets[(windowNumber - 1) & 1].load(std::memory_order_relaxed);
    if (tagOf(previous) == (std::uint64_t(windowNumber - 1) & kTagMask)) {
        const auto intoWindow = now.time_since_epoch() - windowNumber * m_window;
        const double remaining = 1.0 - double(intoWindow.count()) / double(m_window.count());
        s.windowSuccesses += double(successesOf(previous)) * remaining;
        s.windowCalls += double(callsOf(previous)) * remaining;
    }
    s.active = m_active.load(std::memory_order_relaxed);
    s.totalResponses = m_responses.load(std::memory_order_relaxed);
    s.totalFailures = m_failures.load(std::memory_order_relaxed);
    return s;
}

} // namespace ToolCapture
