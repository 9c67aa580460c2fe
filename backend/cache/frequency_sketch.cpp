#include <backend/cache/frequency_sketch.h>
#include <backend/cache/hash_mix.h>

#include <algorithm>
#include <bit>

namespace ToolCapture {

namespace {

constexpr int kRows = 4;
constexpr std::uint64_t kRowSeeds[kRows] = {0xc3a5c85c97cb3127ULL, 0xb492b66fbe98f273ULL,
                                            0x9ae16a3b2f90404fULL, 0xcbf29ce484222325ULL};
constexpr std::uint64_t kHalveMask = 0x7777777777777777ULL;

std::size_t tableSizeFor(std::size_t expectedEntries) {
    // One word (16 counters) per expected entry, rounded up to a power of two.
    return std::bit_ceil(std::max<std::size_t>(expectedEntries, 16));
}

} // namespace

FrequencySketch::FrequencySketch(std::size_t expectedEntries, bool doorkeeper)
    : m_useDoorkeeper(doorkeeper) {
    ensureCapacity(expectedEntries);
}

void FrequencySketch::ensureCapacity(std::size_t expectedEntries) {
    const std::size_t words = tableSizeFor(expectedEntries);
    if (words <= m_table.size())
        return;
    m_table.assign(words, 0);
    m_tableMask = words - 1;
    m_sampleSize = kSampleFactor * std::max<std::size_t>(expectedEntries, 16);
    if (m_useDoorkeeper) {
        // About one bit per sampled addition: ~8% false positives with two probes.
        const std::size_t bits = std::bit_ceil(m_sampleSize);
        m_doorkeeper.assign(std::max<std::size_t>(bits / 64, 1), 0);
        m_doorkeeperMask = m_doorkeeper.size() * 64 - 1;
    }
    m_additions = 0;
}

std::uint64_t FrequencySketch::spread(std::uint64_t hash) {
    return mixHash(hash);
}

std::size_t FrequencySketch::indexOf(std::uint64_t spreadHash, int row) const {
    return static_cast<std::size_t>(mixHash(spreadHash + kRowSeeds[row]) & m_tableMask);
}

void FrequencySketch::increment(std::uint64_t hash) {
    const std::uint64_t h = spread(hash);
    if (m_useDoorkeeper && doorkeeperInsert(h)) {
        // First sighting since the last reset: the doorkeeper remembers it, the counters do not.
        if (++m_additions >= m_sampleSize)
            reset();
        return;
    }
    // Each row uses its own group of four counters in the word it selects, and the hash picks
    // one counter of the group.
    std::size_t index[kRows];
    int shift[kRows];
    int counts[kRows];
    int minimum = kMaxCount;
    for (int row = 0; row < kRows; ++row) {
        index[row] = indexOf(h, row);
        const int counter = row * 4 + static_cast<int>((h >> (row * 8)) & 3);
        shift[row] = counter * 4;
        counts[row] = static_cast<int>((m_table[index[row]] >> shift[row]) & 0xf);
        minimum = std::min(minimum, counts[row]);
    }
    if (minimum >= kMaxCount)
        return;
    // Conservative update: only the counters at the minimum grow; the others already
    // overestimate because of collisions.
    for (int row = 0; row < kRows; ++row) {
        if (counts[row] == minimum)
            m_table[index[row]] += std::uint64_t{1} << shift[row];
    }
    if (++m_additions >= m_sampleSize)
        reset();
}

int FrequencySketch::frequency(std::uint64_t hash) const {
    const std::uint64_t h = spread(hash);
    int minimum = kMaxCount;
    for (int row = 0; row < kRows; ++row) {
        const int counter = row * 4 + static_cast<int>((h >> (row * 8)) & 3);
        const int count = static_cast<int>((m_table[indexOf(h, row)] >> (counter * 4)) & 0xf);
        minimum = std::min(minimum, count);
    }
    if (m_useDoorkeeper && doorkeeperContains(h))
        ++minimum;
    return minimum;
}

void FrequencySketch::reset() {
    for (std::uint64_t &word : m_table)
        word = (word >> 1) & kHalveMask;
    // Half the sample is still in the counters: the next reset comes after half a sample more.
    m_additions /= 2;
    std::fill(m_doorkeeper.begin(), m_doorkeeper.end(), 0);
}

void FrequencySketch::clear() {
    std::fill(m_table.begin(), m_table.end(), 0);
    std::fill(m_doorkeeper.begin(), m_doorkeeper.end(), 0);
    m_additions = 0;
}

bool FrequencySketch::doorkeeperContains(std::uint64_t spreadHash) const {
    const std::uint64_t a = spreadHash & m_doorkeeperMask;
    const std::uint64_t b = (spreadHash >> 32) & m_doorkeeperMask;
    return (m_doorkeeper[a / 64] >> (a % 64) & 1) && (m_doorkeeper[b / 64] >> (b % 64) & 1);
}

bool FrequencySketch::doorkeeperInsert(std::uint64_t spreadHash) {
    const std::uint64_t a = spreadHash & m_doorkeeperMask;
    const std::uint64_t b = (spreadHash >> 32) & m_doorkeeperMask;
    const bool present =
        (m_doorkeeper[a / 64] >> (a % 64) & 1) && (m_doorkeeper[b / 64] >> (b % 64) & 1);
    m_doorkeeper[a / 64] |= std::uint64_t{1} << (a % 64);
    m_doorkeeper[b / 64] |= std::uint64_t{1} << (b % 64);
    return !present;
}

} // namespace ToolCapture
