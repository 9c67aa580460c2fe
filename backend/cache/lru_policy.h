#pragma once

#include <backend/cache/eviction_policy.h>
#include <backend/cache/policy_list.h>

namespace ToolCapture {

// Plain least-recently-used eviction over a byte capacity, the baseline W-TinyLFU is measured
// against: every newcomer is admitted, the least recently used entries leave to make room.
class LruPolicy final : public EvictionPolicy {
public:
    explicit LruPolicy(std::int64_t capacityBytes);

    // EvictionPolicy
    void recordAccess(std::uint64_t) override {}
    void onHit(PolicyNode &node) override;
    void onInsert(PolicyNode &node, std::vector<PolicyEviction> &evicted) override;
    void onRemove(PolicyNode &node) override;
    void clear() override;
    std::int64_t capacity() const override { return m_capacity; }
    std::int64_t weightedSize() const override { return m_list.weight(); }
    std::int64_t maxEntryWeight() const override { return m_capacity; }

    // Least recently used first.
    const PolicyList &list() const { return m_list; }

private:
    const std::int64_t m_capacity;
    PolicyList m_list;
};

} // namespace ToolCapture
