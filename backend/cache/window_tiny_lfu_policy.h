#pragma once

#include <backend/cache/eviction_policy.h>
#include <backend/cache/frequency_sketch.h>
#include <backend/cache/policy_list.h>

#include <cstddef>

namespace ToolCapture {

// W-TinyLFU eviction over a byte capacity (Einziger, Friedman, Manes: "TinyLFU: A Highly
// Efficient Cache Admission Policy", and Caffeine's design): newcomers enter a small LRU window
// (~1% of the bytes); what falls out of the window is a candidate for the main space, a
// segmented LRU (probation 20%, protected 80%), and is admitted only when the frequency sketch
// says it is used more often than the main-space entries it would displace (probation's least
// recently used first, protected's when probation is empty; see Admission). A hit in probation
// promotes to protected; protected's overflow falls back to probation. One-hit wonders thus pass
// through the window without displacing popular entries, and recency bursts still get a chance in
// the window.
class WindowTinyLfuPolicy final : public EvictionPolicy {
public:
    // How a candidate is weighed against the main space's victims when it needs room.
    enum class Admission {
        // Against each victim in turn, as Caffeine does: a candidate that beats the first
        // victim evicts it and meets the next.
        PerVictim,
        // Against the victims it would displace taken together: admitted only when its
        // frequency exceeds the sum of theirs (size-aware: a large object must be worth all the
        // small ones it pushes out).
        AggregatedVictims,
    };
    struct Options {
        Admission admission = Admission::AggregatedVictims;
        double windowFraction = 0.01;
        double protectedFraction = 0.8;
        // Entries the sketch is first sized for (it grows with the entry count).
        std::size_t expectedEntries = 1024;
        bool doorkeeper = false;
        // Seeds the coin that sometimes admits a warm candidate that lost (see admits()).
        std::uint64_t randomSeed = 0x9e3779b97f4a7c15ULL;
    };
    // A candidate at least this warm that loses still gets a 1/128 chance: an attacker who
    // pumps one victim's sketch counters (hash flooding) cannot freeze the main space.
    static constexpr int kRandomAdmitThreshold = 6;

    WindowTinyLfuPolicy(std::int64_t capacityBytes, const Options &options);

    // EvictionPolicy
    void recordAccess(std::uint64_t hash) override;
    void onHit(PolicyNode &node) override;
    void onInsert(PolicyNode &node, std::vector<PolicyEviction> &evicted) override;
    void onRemove(PolicyNode &node) override;
    void clear() override;
    std::int64_t capacity() const override { return m_capacity; }
    std::int64_t weightedSize() const override;
    std::int64_t maxEntryWeight() const override { return m_mainCapacity; }

    std::int64_t windowCapacity() const { return m_windowCapacity; }
    std::int64_t protectedCapacity() const { return m_protectedCapacity; }
    const PolicyList &window() const { return m_window; }
    const PolicyList &probation() const { return m_probation; }
    const PolicyList &protectedList() const { return m_protected; }
    const FrequencySketch &sketch() const { return m_sketch; }

private:
    // Moves a candidate out of the window into probation, or gives it up.
    void admitToMain(PolicyNode &candidate, std::vector<PolicyEviction> &evicted);
    bool admitsOverAggregate(int candidateFrequency, std::int64_t needed);
    bool admits(int candidateFrequency, const PolicyNode &victim);
    PolicyList &listOf(const PolicyNode &node);
    void evict(PolicyNode &node, bool rejected, std::vector<PolicyEviction> &evicted);
    std::uint64_t nextRandom();

    const std::int64_t m_capacity;
    const std::int64_t m_windowCapacity;
    const std::int64_t m_mainCapacity;
    const std::int64_t m_protectedCapacity;
    const Admission m_admission;
    PolicyList m_window;
    PolicyList m_probation;
    PolicyList m_protected;
    FrequencySketch m_sketch;
    std::uint64_t m_random;
};

} // namespace ToolCapture
