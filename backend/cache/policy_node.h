#pragma once

#include <cstdint>

namespace ToolCapture {

// Which queue of an eviction policy an entry is in.
enum class PolicySegment : std::uint8_t { Detached, Lru, Window, Probation, Protected };

// The part of a cache entry an EvictionPolicy orders: an intrusive list link, the key's hash
// (for the frequency sketch), the entry's weight in bytes and a pointer back to the entry.
struct PolicyNode {
    PolicyNode *prev = nullptr;
    PolicyNode *next = nullptr;
    void *owner = nullptr;
    std::uint64_t hash = 0;
    std::int64_t weight = 0;
    PolicySegment segment = PolicySegment::Detached;
};

} // namespace ToolCapture
