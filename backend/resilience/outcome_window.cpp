#include <backend/resilience/outcome_window.h>

#include <algorithm>

namespace ToolCapture {

namespace {

// Packed entry: present(63) kind(60-62) failure(59) slow(58) duration ms(32-57) time ms(0-31).
constexpr std::uint64_t kPresent = std::uint64_t(1) << 63;
constexpr int kKindShift = 60;
constexpr std::uint64_t kFailureBit = std::uint64_t(1) << 59;
constexpr std::uint64_t kSlowBit = std::uint64_t(1) << 58;
constexpr int kDurationShift = 32;
constexpr std::uint64_t kDurationMax = (std::uint64_t(1) << 26) - 1;

bool isOverload(std::uint64_t word) {
    return CallOutcome::Kind((word >> kKindShift) & 0x7) == CallOutcome::Kind::Overload;
}

// Count-based counts: calls(0-15) failures(16-31) slow(32-47) overload(48-63); read with sign
// extension, so that a field transiently below zero does not corrupt its neighbours.
std::uint64_t contribution(std::uint64_t word) {
    if (!(word & kPresent))
        return 0;
    return 1 + ((word & kFailureBit) ? std::uint64_t(1) << 16 : 0) +
           ((word & kSlowBit) ? std::uint64_t(1) << 32 : 0) +
           (isOverload(word) ? std::uint64_t(1) << 48 : 0);
}

OutcomeWindow::Counts decodeCounts(std::uint64_t word) {
    int fields[4];
    std::int64_t rest = std::int64_t(word);
    for (int &field : fields) {
        const auto low = std::int16_t(std::uint16_t(rest & 0xFFFF));
        field = std::max(0, int(low));
        rest = (rest - low) >> 16;
    }
    return {fields[0], fields[1], fields[2], fields[3]};
}

// Time bucket: lap tag(52-63) overload(39-51) slow(26-38) failures(13-25) calls(0-12).
constexpr int kBucketBits = 13;
constexpr std::uint64_t kBucketMax = (std::uint64_t(1) << kBucketBits) - 1;
constexpr int kLapShift = 52;
constexpr std::uint64_t kLapMask = 0xFFF;

std::uint64_t bucketField(std::uint64_t word, int index) {
    return (word >> (index * kBucketBits)) & kBucketMax;
}

} // namespace

OutcomeWindow::OutcomeWindow(const BreakerConfig &config, Clock::time_point origin)
    : m_timeBased(config.window == BreakerConfig::Window::Time)
    , m_ringSize(m_timeBased ? kStoryCapacity : std::clamp(config.windowSize, 1, kMaxWindowSize))
    , m_bucketMillis(std::max<std::int64_t>(1, config.windowDuration.count() / kBuckets))
    , m_windowDuration(m_bucketMillis * kBuckets)
    , m_origin(origin)
    , m_stride(m_ringSize <= kPaddedSlots ? kSlotsPerCacheLine : 1)
    , m_ring(new std::atomic<std::uint64_t>[std::size_t(m_ringSize) * std::size_t(m_stride)]) {
    for (int i = 0; i < m_ringSize * m_stride; ++i)
        m_ring[i].store(0, std::memory_order_relaxed);
    if (m_timeBased) {
        m_buckets.reset(new std::atomic<std::uint64_t>[kBuckets]);
        for (int i = 0; i < kBuckets; ++i)
            m_buckets[i].store(0, std::memory_order_relaxed);
    }
}

std::int64_t OutcomeWindow::millisSinceOrigin(Clock::time_point t) const noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - m_origin).count();
}

std::uint64_t OutcomeWindow::encode(const Entry &entry) const noexcept {
    const auto duration = std::uint64_t(std::max<std::int64_t>(0, entry.duration.count()));
    return kPresent | (std::uint64_t(entry.kind) << kKindShift) |
           (entry.failure ? kFailureBit : 0) | (entry.slow ? kSlowBit : 0) |
           (std::min(duration, kDurationMax) << kDurationShift) |
           std::uint32_t(millisSinceOrigin(entry.at));
}

OutcomeWindow::Entry OutcomeWindow::decode(std::uint64_t word,
                                           Clock::time_point now) const noexcept {
    Entry entry;
    entry.kind = CallOutcome::Kind((word >> kKindShift) & 0x7);
    entry.failure = word & kFailureBit;
    entry.slow = word & kSlowBit;
    entry.duration = std::chrono::milliseconds((word >> kDurationShift) & kDurationMax);
    // The stored time is the low 32 bits of milliseconds: exact for entries under 49 days old.
    const std::uint32_t age = std::uint32_t(millisSinceOrigin(now)) - std::uint32_t(word);
    entry.at = now - std::chrono::milliseconds(age);
    return entry;
}

OutcomeWindow::Counts OutcomeWindow::add(const Entry &entry, bool wantCounts) noexcept {
    const std::uint64_t word = encode(entry);
    const std::uint64_t index =
        m_sequence.fetch_add(1, std::memory_order_relaxed) % std::uint64_t(m_ringSize);
    if (m_timeBased) {
        slot(index).store(word, std::memory_order_relaxed);
        addToBucket(word, entry.at);
        return wantCounts ? bucketCounts(entry.at) : Counts{};
    }
    const std::uint64_t evicted = slot(index).exchange(word, std::memory_order_relaxed);
    const std::uint64_t delta = contribution(word) - contribution(evicted);
    // The common case (a success replacing a success) leaves the counts alone.
    if (delta == 0)
        return decodeCounts(m_counts.load(std::memory_order_relaxed));
    return decodeCounts(m_counts.fetch_add(delta, std::memory_order_relaxed) + delta);
}

void OutcomeWindow::addToBucket(std::uint64_t word, Clock::time_point now) noexcept {
    const std::int64_t epoch = std::max<std::int64_t>(0, millisSinceOrigin(now)) / m_bucketMillis;
    const std::uint64_t lap = std::uint64_t(epoch / kBuckets) & kLapMask;
    std::atomic<std::uint64_t> &bucket = m_buckets[epoch % kBuckets];
    const std::uint64_t add[4] = {1, (word & kFailureBit) ? 1u : 0u, (word & kSlowBit) ? 1u : 0u,
                                  isOverload(word) ? 1u : 0u};
    std::uint64_t old = bucket.load(std::memory_order_relaxed);
    std::uint64_t next;
    do {
        // A bucket from an earlier lap is rotated by this very compare-and-swap.
        const bool current = (old >> kLapShift) == lap;
        std::uint64_t fields[4];
        for (int i = 0; i < 4; ++i)
            fields[i] = current ? bucketField(old, i) : 0;
        if (fields[0] >= kBucketMax) {
            for (std::uint64_t &field : fields)
                field /= 2;
        }
        next = lap << kLapShift;
        for (int i = 0; i < 4; ++i)
            next |= (fields[i] + add[i]) << (i * kBucketBits);
    } while (!bucket.compare_exchange_weak(old, next, std::memory_order_relaxed));
}

OutcomeWindow::Counts OutcomeWindow::bucketCounts(Clock::time_point now) const noexcept {
    const std::int64_t epoch = std::max<std::int64_t>(0, millisSinceOrigin(now)) / m_bucketMillis;
    Counts counts;
    for (int j = 0; j < kBuckets; ++j) {
        // The latest epoch at or before now that lands in bucket j.
        const std::int64_t bucketEpoch = epoch - ((epoch - j) % kBuckets + kBuckets) % kBuckets;
        if (bucketEpoch < 0)
            continue;
        const std::uint64_t word = m_buckets[j].load(std::memory_order_relaxed);
        if (word == 0 || (word >> kLapShift) != (std::uint64_t(bucketEpoch / kBuckets) & kLapMask))
            continue;
        counts.calls += int(bucketField(word, 0));
        counts.failures += int(bucketField(word, 1));
        counts.slow += int(bucketField(word, 2));
        counts.overload += int(bucketField(word, 3));
    }
    return counts;
}

OutcomeWindow::Counts OutcomeWindow::counts(Clock::time_point now) const noexcept {
    if (m_timeBased)
        return bucketCounts(now);
    return decodeCounts(m_counts.load(std::memory_order_relaxed));
}

void OutcomeWindow::clear() noexcept {
    for (int i = 0; i < m_ringSize; ++i) {
        const std::uint64_t evicted = slot(std::uint64_t(i)).exchange(0, std::memory_order_relaxed);
        if (!m_timeBased && evicted)
            m_counts.fetch_sub(contribution(evicted), std::memory_order_relaxed);
    }
    if (m_timeBased) {
        for (int i = 0; i < kBuckets; ++i)
            m_buckets[i].store(0, std::memory_order_relaxed);
    }
}

void OutcomeWindow::sweep(Clock::time_point now) noexcept {
    if (!m_timeBased)
        return;
    const std::int64_t epoch = std::max<std::int64_t>(0, millisSinceOrigin(now)) / m_bucketMillis;
    for (int j = 0; j < kBuckets; ++j) {
        const std::int64_t bucketEpoch = epoch - ((epoch - j) % kBuckets + kBuckets) % kBuckets;
        const std::uint64_t lap =
            std::uint64_t(std::max<std::int64_t>(0, bucketEpoch) / kBuckets) & kLapMask;
        std::uint64_t word = m_buckets[j].load(std::memory_order_relaxed);
        if (word != 0 && (bucketEpoch < 0 || (word >> kLapShift) != lap))
            m_buckets[j].compare_exchange_strong(word, 0, std::memory_order_relaxed);
    }
}

std::vector<OutcomeWindow::Entry> OutcomeWindow::latest(Clock::time_point now, int max) const {
    std::vector<Entry> entries;
    const std::uint64_t end = m_sequence.load(std::memory_order_relaxed);
    const std::uint64_t available = std::min<std::uint64_t>(end, std::uint64_t(m_ringSize));
    const std::uint64_t wanted =
        std::min<std::uint64_t>(available, std::uint64_t(std::max(0, max)));
    entries.reserve(wanted);
    for (std::uint64_t i = 0; i < available && entries.size() < wanted; ++i) {
        const std::uint64_t word =
            slot((end - 1 - i) % std::uint64_t(m_ringSize)).load(std::memory_order_relaxed);
        if (!(word & kPresent))
            continue;
        Entry entry = decode(word, now);
        if (m_timeBased && now - entry.at >= m_windowDuration)
            continue;
        entries.push_back(entry);
    }
    std::reverse(entries.begin(), entries.end());
    return entries;
}

} // namespace ToolCapture
