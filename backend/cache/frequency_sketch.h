#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// The popularity estimate TinyLFU admission compares: a count-min sketch of 4-bit counters
// (16 per 64-bit word, four rows, conservative update) that halves every counter after a
// sample of 10 x the expected entries has been counted, so that old popularity fades. With the
// optional doorkeeper (a Bloom filter in front, as in the TinyLFU paper) a key's first sighting
// only sets its doorkeeper bits, which keeps one-hit wonders out of the counters. Not
// thread-safe: one sketch per cache shard, used under the shard's lock.
class FrequencySketch {
public:
    static constexpr int kMaxCount = 15;
    static constexpr std::size_t kSampleFactor = 10;

    explicit FrequencySketch(std::size_t expectedEntries = 16, bool doorkeeper = false);

    // Grows the table (clearing it) when it was sized for fewer entries; never shrinks.
    void ensureCapacity(std::size_t expectedEntries);
    void increment(std::uint64_t hash);
    // The estimated count, 0..15 (0..16 with the doorkeeper).
    int frequency(std::uint64_t hash) const;
    // Ages the sketch: every counter halves, the doorkeeper empties.
    void reset();
    void clear();

    std::size_t sampleSize() const { return m_sampleSize; }
    std::size_t additions() const { return m_additions; }
    std::size_t tableWords() const { return m_table.size(); }
    bool hasDoorkeeper() const { return m_useDoorkeeper; }

private:
    static std::uint64_t spread(std::uint64_t hash);
    std::size_t indexOf(std::uint64_t spreadHash, int row) const;
    bool doorkeeperContains(std::uint64_t spreadHash) const;
    // Sets the doorkeeper's bits; false when they were all set already.
    bool doorkeeperInsert(std::uint64_t spreadHash);

    std::vector<std::uint64_t> m_table;
    std::uint64_t m_tableMask = 0;
    std::vector<std::uint64_t> m_doorkeeper;
    std::uint64_t m_doorkeeperMask = 0;
    std::size_t m_sampleSize = 0;
    std::size_t m_additions = 0;
    bool m_useDoorkeeper = false;
};

} // namespace ToolCapture
