#include <backend/cache/lru_policy.h>

namespace ToolCapture {

LruPolicy::LruPolicy(std::int64_t capacityBytes)
    : m_capacity(capacityBytes) {}

void LruPolicy::onHit(PolicyNode &node) {
    m_list.moveToBack(node);
}

void LruPolicy::onInsert(PolicyNode &node, std::vector<PolicyEviction> &evicted) {
    node.segment = PolicySegment::Lru;
    m_list.pushBack(node);
    while (m_list.weight() > m_capacity) {
        PolicyNode *victim = m_list.front();
        m_list.remove(*victim);
        victim->segment = PolicySegment::Detached;
        evicted.push_back({victim, victim == &node});
    }
}

void LruPolicy::onRemove(PolicyNode &node) {
    m_list.remove(node);
    node.segment = PolicySegment::Detached;
}

void LruPolicy::clear() {
    m_list.reset();
}

} // namespace ToolCapture
