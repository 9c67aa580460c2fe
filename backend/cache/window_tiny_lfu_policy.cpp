#include <backend/cache/window_tiny_lfu_policy.h>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

std::int64_t windowBytes(std::int64_t capacity, double fraction) {
    const auto bytes = static_cast<std::int64_t>(std::llround(double(capacity) * fraction));
    return std::clamp<std::int64_t>(bytes, capacity > 0 ? 1 : 0, capacity);
}

} // namespace

WindowTinyLfuPolicy::WindowTinyLfuPolicy(std::int64_t capacityBytes, const Options &options)
    : m_capacity(capacityBytes)
    , m_windowCapacity(windowBytes(capacityBytes, options.windowFraction))
    , m_mainCapacity(capacityBytes - m_windowCapacity)
    , m_protectedCapacity(
          static_cast<std::int64_t>(double(m_mainCapacity) * options.protectedFraction))
    , m_admission(options.admission)
    , m_sketch(options.expectedEntries, options.doorkeeper)
    , m_random(options.randomSeed | 1) {}

std::int64_t WindowTinyLfuPolicy::weightedSize() const {
    return m_window.weight() + m_probation.weight() + m_protected.weight();
}

void WindowTinyLfuPolicy::recordAccess(std::uint64_t hash) {
    m_sketch.increment(hash);
}

void WindowTinyLfuPolicy::onHit(PolicyNode &node) {
    switch (node.segment) {
    case PolicySegment::Window:
        m_window.moveToBack(node);
        break;
    case PolicySegment::Probation:
        m_probation.remove(node);
        node.segment = PolicySegment::Protected;
        m_protected.pushBack(node);
        // Protected's least recently used overflow gets another chance in probation.
        while (m_protected.weight() > m_protectedCapacity && m_protected.front() != &node) {
            PolicyNode *demoted = m_protected.front();
            m_protected.remove(*demoted);
            demoted->segment = PolicySegment::Probation;
            m_probation.pushBack(*demoted);
        }
        break;
    case PolicySegment::Protected:
        m_protected.moveToBack(node);
        break;
    case PolicySegment::Lru:
    case PolicySegment::Detached:
        break;
    }
}

void WindowTinyLfuPolicy::onInsert(PolicyNode &node, std::vector<PolicyEviction> &evicted) {
    m_sketch.ensureCapacity(
        static_cast<std::size_t>(m_window.count() + m_probation.count() + m_protected.count() + 1));
    node.segment = PolicySegment::Window;
    m_window.pushBack(node);
    while (m_window.weight() > m_windowCapacity) {
        PolicyNode *candidate = m_window.front();
        m_window.remove(*candidate);
        admitToMain(*candidate, evicted);
    }
}

void WindowTinyLfuPolicy::admitToMain(PolicyNode &candidate, std::vector<PolicyEviction> &evicted) {
    candidate.segment = PolicySegment::Detached;
    if (candidate.weight > m_mainCapacity) {
        evicted.push_back({&candidate, true});
        return;
    }
    const int candidateFrequency = m_sketch.frequency(candidate.hash);
    const std::int64_t needed =
        m_probation.weight() + m_protected.weight() + candidate.weight - m_mainCapacity;
    if (m_admission == Admission::AggregatedVictims && needed > 0 &&
        !admitsOverAggregate(candidateFrequency, needed)) {
        evicted.push_back({&candidate, true});
        return;
    }
    // PerVictim decides victim by victim; after an aggregated admission every victim loses.
    while (m_probation.weight() + m_protected.weight() + candidate.weight > m_mainCapacity) {
        // Main holds more than zero bytes here, so one of the two has a victim.
        PolicyNode *victim = m_probation.isEmpty() ? m_protected.front() : m_probation.front();
        if (m_admission == Admission::PerVictim && !admits(candidateFrequency, *victim)) {
            evicted.push_back({&candidate, true});
            return;
        }
        evict(*victim, false, evicted);
    }
    candidate.segment = PolicySegment::Probation;
    m_probation.pushBack(candidate);
}

bool WindowTinyLfuPolicy::admits(int candidateFrequency, const PolicyNode &victim) {
    const int victimFrequency = m_sketch.frequency(victim.hash);
    if (candidateFrequency > victimFrequency)
        return true;
    // Ties keep the victim (it has proven itself in the main space already).
    if (candidateFrequency >= kRandomAdmitThreshold)
        return (nextRandom() & 127) == 0;
    return false;
}

bool WindowTinyLfuPolicy::admitsOverAggregate(int candidateFrequency, std::int64_t needed) {
    // The victims the candidate would displace: probation from its least recently used end,
    // then protected's, until they free `needed` bytes.
    std::int64_t freed = 0;
    int victimsFrequency = 0;
    const PolicyNode *victim = m_probation.front();
    bool inProtected = false;
    while (freed < needed) {
        if (!victim && !inProtected) {
            victim = m_protected.front();
            inProtected = true;
            continue;
        }
        if (!victim)
            break;
        victimsFrequency += m_sketch.frequency(victim->hash);
        if (victimsFrequency >= candidateFrequency)
            break;
        freed += victim->weight;
        victim = victim->next;
    }
    if (candidateFrequency > victimsFrequency)
        return true;
    if (candidateFrequency >= kRandomAdmitThreshold)
        return (nextRandom() & 127) == 0;
    return false;
}

PolicyList &WindowTinyLfuPolicy::listOf(const PolicyNode &node) {
    switch (node.segment) {
    case PolicySegment::Window:
        return m_window;
    case PolicySegment::Protected:
        return m_protected;
    default:
        return m_probation;
    }
}

void WindowTinyLfuPolicy::evict(PolicyNode &node, bool rejected,
                                std::vector<PolicyEviction> &evicted) {
    listOf(node).remove(node);
    node.segment = PolicySegment::Detached;
    evicted.push_back({&node, rejected});
}

void WindowTinyLfuPolicy::onRemove(PolicyNode &node) {
    if (node.segment == PolicySegment::Detached)
        return;
    listOf(node).remove(node);
    node.segment = PolicySegment::Detached;
}

void WindowTinyLfuPolicy::clear() {
    m_window.reset();
    m_probation.reset();
    m_protected.reset();
}

std::uint64_t WindowTinyLfuPolicy::nextRandom() {
    // xorshift64: cheap, and only decides a rare coin toss.
    m_random ^= m_random << 13;
    m_random ^= m_random >> 7;
    m_random ^= m_random << 17;
    return m_random;
}

} // namespace ToolCapture
