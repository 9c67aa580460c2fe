#pragma once

#include <backend/core/clock.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

namespace ToolCapture {

// The pre hooks waiting for their post hook, by correlation id. Bounded: when full, the oldest
// entry makes room. Expiring: an entry older than the timeout (by the injected Clock) is
// dropped at the next call. Lives in the HookReceiver's thread.
class PendingHookTable {
public:
    struct Entry {
        nlohmann::ordered_json context; // the pre hook's fields, published as pre_context
        std::int64_t startMicros = 0;   // its timestamp, UTC microseconds
    };

    PendingHookTable(std::size_t capacity, std::chrono::milliseconds timeout, const Clock &clock);

    // False (and nothing stored) when that id is already pending.
    bool insert(const std::string &correlationId, Entry entry);
    const Entry *find(const std::string &correlationId);
    std::optional<Entry> take(const std::string &correlationId);

    // Entries stored from now on expire after `timeout`.
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    std::size_t size() const { return m_index.size(); }
    std::uint64_t evicted() const { return m_evicted; }
    std::uint64_t expired() const { return m_expired; }

private:
    struct Slot {
        std::string id;
        Entry entry;
        Clock::time_point deadline;
    };
    void expire();

    // Oldest first. As every entry gets the same timeout, this is also deadline order
    // (until setTimeout shortens it: then a later entry may outlive its deadline until those
    // in front of it go, which is harmless).
    std::list<Slot> m_order;
    std::unordered_map<std::string, std::list<Slot>::iterator> m_index;
    std::size_t m_capacity;
    std::chrono::milliseconds m_timeout;
    const Clock &m_clock;
    std::uint64_t m_evicted = 0;
    std::uint64_t m_expired = 0;
};

} // namespace ToolCapture
