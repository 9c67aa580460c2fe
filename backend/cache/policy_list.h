#pragma once

#include <backend/cache/policy_node.h>

#include <cstdint>

namespace ToolCapture {

// An intrusive doubly linked list of PolicyNodes in access order (front = least recently used,
// back = most recently used) that also sums their weights. Owns no node; O(1) everything.
class PolicyList {
public:
    PolicyList() = default;
    PolicyList(const PolicyList &) = delete;
    PolicyList &operator=(const PolicyList &) = delete;

    bool isEmpty() const { return m_head == nullptr; }
    PolicyNode *front() const { return m_head; }
    PolicyNode *back() const { return m_tail; }
    std::int64_t weight() const { return m_weight; }
    std::int64_t count() const { return m_count; }

    void pushBack(PolicyNode &node) {
        node.prev = m_tail;
        node.next = nullptr;
        if (m_tail)
            m_tail->next = &node;
        else
            m_head = &node;
        m_tail = &node;
        m_weight += node.weight;
        ++m_count;
    }

    void remove(PolicyNode &node) {
        if (node.prev)
            node.prev->next = node.next;
        else
            m_head = node.next;
        if (node.next)
            node.next->prev = node.prev;
        else
            m_tail = node.prev;
        node.prev = node.next = nullptr;
        m_weight -= node.weight;
        --m_count;
    }

    void moveToBack(PolicyNode &node) {
        if (m_tail == &node)
            return;
        remove(node);
        pushBack(node);
    }

    // Forgets every node (their links are left as they are: the caller drops the nodes).
    void reset() {
        m_head = m_tail = nullptr;
        m_weight = 0;
        m_count = 0;
    }

private:
    PolicyNode *m_head = nullptr;
    PolicyNode *m_tail = nullptr;
    std::int64_t m_weight = 0;
    std::int64_t m_count = 0;
};

} // namespace ToolCapture
