#pragma once

#include <backend/cache/policy_node.h>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// One entry a policy gave up, and whether it was a newcomer refused by admission (it never
// reached the main space) or a resident evicted to make room.
struct PolicyEviction {
    PolicyNode *node = nullptr;
    bool admissionRejected = false;
};

// The ordering half of a byte-bounded cache: which entries to keep and which to give up. The
// store owns the entries and their PolicyNodes; the policy links them into its queues and keeps
// their total weight at or below capacity() after every call. Not thread-safe: the store calls
// it under its shard's lock.
class EvictionPolicy {
public:
    virtual ~EvictionPolicy() = default;

    // Every lookup, hit or miss, with the key's hash (frequency-based policies count it).
    virtual void recordAccess(std::uint64_t hash) = 0;
    // A lookup found `node`.
    virtual void onHit(PolicyNode &node) = 0;
    // Links a new node, then appends to `evicted` every node given up to stay within capacity
    // (which can be `node` itself). The caller unlinks nothing: evicted nodes are detached.
    virtual void onInsert(PolicyNode &node, std::vector<PolicyEviction> &evicted) = 0;
    // Unlinks a node the store removes on its own (erase, replace).
    virtual void onRemove(PolicyNode &node) = 0;
    // Forgets every node (the store is dropping all entries); frequency history is kept.
    virtual void clear() = 0;

    virtual std::int64_t capacity() const = 0;
    virtual std::int64_t weightedSize() const = 0;
    // The largest single entry this policy can hold at all.
    virtual std::int64_t maxEntryWeight() const = 0;
};

} // namespace ToolCapture
