#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace ToolCapture {

// The invalidations that overtake fills in flight. A request that misses goes upstream and
// stores what comes back when it ends; an invalidation of its key in between (an unsafe method's
// response, an operator's purge, another proxy's message) may have been caused by a change the
// response predates, and storing it would serve the old representation until it expires. So a
// fill notes generation() when it starts and asks invalidatedSince() before it stores.
//
// Every invalidation bumps the generation and is remembered in a ring of the last kCapacity; a
// fill older than the oldest remembered one is treated as overtaken (it is not stored: a lost
// fill, never a stale entry). The check costs one atomic load while nothing was invalidated.
// Thread-safe: workers record and check, the engine's thread records purges and messages.
class InvalidationLog {
public:
    static constexpr std::size_t kCapacity = 1024;

    std::uint64_t generation() const noexcept {
        return m_generation.load(std::memory_order_acquire);
    }

    void recordKey(QByteArrayView primaryKey);   // the key with its Vary variants
    void recordPrefix(QByteArrayView keyPrefix); // every key starting with it
    void recordAll();

    // True when an invalidation recorded after `since` (a generation() read earlier) covers
    // `primaryKey`, or when the log no longer reaches back to `since`.
    bool invalidatedSince(std::uint64_t since, QByteArrayView primaryKey) const;

private:
    enum class Scope : std::uint8_t { Key, Prefix, All };
    struct Entry {
        std::uint64_t generation = 0;
        Scope scope = Scope::All;
        QByteArray text;
    };
    void record(Scope scope, QByteArrayView text);

    mutable std::mutex m_mutex;
    std::array<Entry, kCapacity> m_entries;     // [generation % kCapacity]
    std::atomic<std::uint64_t> m_generation{0}; // written under m_mutex
};

} // namespace ToolCapture
