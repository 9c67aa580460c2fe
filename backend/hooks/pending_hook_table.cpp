#include <backend/hooks/pending_hook_table.h>

#include <algorithm>
#include <iterator>

namespace ToolCapture {

PendingHookTable::PendingHookTable(std::size_t capacity, std::chrono::milliseconds timeout,
                                   const Clock &clock)
    : m_capacity(std::max<std::size_t>(capacity, 1))
    , m_timeout(timeout)
    , m_clock(clock) {}

bool PendingHookTable::insert(const std::string &correlationId, Entry entry) {
    expire();
    if (m_index.contains(correlationId))
        return false;
    if (m_index.size() >= m_capacity) {
        m_index.erase(m_order.front().id);
        m_order.pop_front();
        ++m_evicted;
    }
    m_order.push_back({correlationId, std::move(entry), m_clock.now() + m_timeout});
    m_index.emplace(correlationId, std::prev(m_order.end()));
    return true;
}

const PendingHookTable::Entry *PendingHookTable::find(const std::string &correlationId) {
    expire();
    const auto it = m_index.find(correlationId);
    return it == m_index.end() ? nullptr : &it->second->entry;
}

std::optional<PendingHookTable::Entry> PendingHookTable::take(const std::string &correlationId) {
    expire();
    const auto it = m_index.find(correlationId);
    if (it == m_index.end())
        return std::nullopt;
    Entry entry = std::move(it->second->entry);
    m_order.erase(it->second);
    m_index.erase(it);
    return entry;
}

void PendingHookTable::expire() {
    const Clock::time_point now = m_clock.now();
    while (!m_order.empty() && m_order.front().deadline <= now) {
        m_index.erase(m_order.front().id);
        m_order.pop_front();
        ++m_expired;
    }
}

} // namespace ToolCapture
