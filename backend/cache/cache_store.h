#pragma once

#include <backend/cache/cache_payload.h>
#include <backend/cache/policy_node.h>
#include <backend/cache/window_tiny_lfu_policy.h>
#include <backend/core/clock.h>

#include <QByteArray>
#include <QByteArrayView>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace ToolCapture {

// The response cache's in-memory store: payloads under their full key, bounded by total bytes
// and a per-object limit, with W-TinyLFU (or, for comparison, LRU) deciding what is admitted
// and what is evicted. It knows nothing of HTTP: the caller decides what is cacheable, builds
// the key and measures an entry's bytes (headers + body).
//
// Threads: one store is shared by every proxy worker (each an event loop on its own thread),
// so that N workers neither hold N copies of a popular response nor see 1/N of the hit ratio.
// It is split into shards by key hash, each with its own mutex, map, policy and frequency
// sketch; every operation on one key locks one shard for O(1) work (a map probe, a few list
// links, four sketch counters) and no callback or payload destructor runs under the lock.
// Admin operations (erase by prefix, clear, listing, stats) lock one shard at a time.
// NOTE: this puts a short per-shard lock on the request path, which DESIGN.md otherwise
// avoids; with 16+ shards and workers <= cores the chance two workers want the same shard at
// the same instant is small, and a lock-free design (Caffeine's read buffers) can replace the
// shard internals later without changing this interface. A store built with `shards = 1` per
// worker is the lock-uncontended alternative when sharing is not wanted.
// NOTE: each shard holds maxBytes / shards: a shard can evict while another has room. Keys
// spread evenly over shards, so with thousands of entries the loss is noise; small caches
// (tests) use one shard.
class CacheStore {
public:
    enum class Policy { WindowTinyLfu, Lru };
    struct Options {
        std::int64_t maxBytes = 64 * 1024 * 1024;
        std::int64_t maxObjectBytes = 1024 * 1024;
        // Rounded up to a power of two.
        int shards = 16;
        Policy policy = Policy::WindowTinyLfu;
        // How W-TinyLFU weighs a candidate against the entries it would displace (aggregated:
        // +0.1 to +2.6 points of hit ratio on the Zipf benchmark, see docs/cache.md).
        WindowTinyLfuPolicy::Admission admission =
            WindowTinyLfuPolicy::Admission::AggregatedVictims;
        // Sizes each shard's frequency sketch at first (it grows with the entry count).
        std::int64_t expectedObjectBytes = 16 * 1024;
        bool doorkeeper = false;
        // Seed of the key hash; unset: a random seed per store, so that a client cannot aim
        // many keys at one shard or one set of sketch counters.
        std::optional<std::uint64_t> hashSeed;
    };

    enum class InsertResult {
        Stored,
        // Larger than maxObjectBytes (or than a shard can hold): nothing changed.
        TooLarge,
        // Admission kept the main space's residents: the newcomer was not stored.
        Rejected,
    };

    enum class RemovalCause { Evicted, Rejected, Replaced, Erased, Cleared };
    struct Removal {
        QByteArray key;
        std::int64_t bytes = 0;
        RemovalCause cause = RemovalCause::Evicted;
    };
    // Called after the shard's lock is released, on the thread whose call removed the entry.
    using RemovalListener = std::function<void(const Removal &)>;

    struct Stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::uint64_t insertions = 0;
        std::uint64_t rejectedTooLarge = 0;
        // Candidates that lost admission (the newcomer itself or an older window entry).
        std::uint64_t admissionsRejected = 0;
        // Entries that left for capacity: admission losers and evicted residents.
        std::uint64_t evictions = 0;
        std::uint64_t evictedBytes = 0;
        std::uint64_t erased = 0;
        std::uint64_t replaced = 0;
        std::int64_t bytes = 0;
        std::int64_t objects = 0;
        std::int64_t capacityBytes = 0;
    };

    struct EntryInfo {
        QByteArray key;
        std::int64_t bytes = 0;
        std::chrono::milliseconds age{0};
        std::uint64_t hits = 0;
        PolicySegment segment = PolicySegment::Detached;
        std::shared_ptr<const CachePayload> payload;
    };
    // Entries in key order; `nextCursor` (the last key returned) asks for the next page.
    struct Page {
        std::vector<EntryInfo> entries;
        QByteArray nextCursor;
        bool more = false;
    };

    explicit CacheStore(const Options &options, const Clock &clock = SteadyClock::instance(),
                        RemovalListener listener = {});
    ~CacheStore();
    CacheStore(const CacheStore &) = delete;
    CacheStore &operator=(const CacheStore &) = delete;

    // The payload stored under `key`, or null. Counts the key's frequency either way.
    std::shared_ptr<const CachePayload> lookup(QByteArrayView key);
    // Stores (or replaces) `key`; `bytes` is what the entry weighs against the bounds.
    // TooLarge leaves an existing entry for the key as it was (the caller erases it if stale).
    InsertResult insert(QByteArrayView key, std::int64_t bytes,
                        std::shared_ptr<const CachePayload> payload);
    bool erase(QByteArrayView key);
    // Erases every key starting with `prefix`; returns how many.
    std::size_t eraseByPrefix(QByteArrayView prefix);
    // Erases every entry inserted (or replaced) before `when` by the store's clock; how many.
    std::size_t eraseInsertedBefore(Clock::time_point when);
    void clear();

    // Up to `limit` entries whose keys sort after `cursor` (empty: from the start) and start
    // with `prefix`.
    // NOTE: pages are not one atomic snapshot: entries stored between pages before the cursor
    // are not listed, but no key is listed twice.
    Page list(QByteArrayView cursor, int limit, QByteArrayView prefix = {}) const;
    Stats stats() const;

    std::int64_t maxBytes() const { return m_maxBytes; }
    // The per-object limit in force (the configured one, or less when a shard is smaller).
    std::int64_t maxObjectBytes() const { return m_maxObjectBytes; }
    int shardCount() const { return int(m_shards.size()); }
    std::uint64_t hashOf(QByteArrayView key) const;

private:
    struct Shard;
    Shard &shardFor(std::uint64_t hash) const;
    void notify(std::vector<Removal> &removals) const;
    // Erases, one shard at a time, the entries `erases(key, insertedAt)` is true for.
    template<typename Predicate>
    std::size_t eraseIf(Predicate erases);

    const Clock &m_clock;
    const RemovalListener m_listener;
    std::uint64_t m_hashSeed = 0;
    std::uint64_t m_shardMask = 0;
    std::int64_t m_maxBytes = 0;
    std::int64_t m_maxObjectBytes = 0;
    std::vector<std::unique_ptr<Shard>> m_shards;
};

} // namespace ToolCapture
