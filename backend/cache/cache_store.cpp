#include <backend/cache/cache_store.h>
#include <backend/cache/eviction_policy.h>
#include <backend/cache/hash_mix.h>
#include <backend/cache/lru_policy.h>
#include <backend/cache/window_tiny_lfu_policy.h>

#include <QRandomGenerator>
#include <queue>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace ToolCapture {

namespace {

// The full key with its hash: equal only when the bytes are equal, so two keys whose 64-bit
// hashes collide stay two entries.
struct StoredKey {
    std::uint64_t hash = 0;
    QByteArray bytes;
    bool operator==(const StoredKey &other) const {
        return hash == other.hash && bytes == other.bytes;
    }
};

struct StoredKeyHash {
    std::size_t operator()(const StoredKey &key) const { return std::size_t(key.hash); }
};

struct Entry {
    PolicyNode node;
    const StoredKey *key = nullptr;
    std::shared_ptr<const CachePayload> payload;
    Clock::time_point insertedAt;
    std::uint64_t hits = 0;
};

// A key that points at the caller's bytes for the duration of a probe (no allocation).
StoredKey probeKey(std::uint64_t hash, QByteArrayView key) {
    return {hash, QByteArray::fromRawData(key.data(), key.size())};
}

} // namespace

struct CacheStore::Shard {
    mutable std::mutex mutex;
    std::unordered_map<StoredKey, Entry, StoredKeyHash> entries;
    std::unique_ptr<EvictionPolicy> policy;
    // Reused by every insert (under the lock) so that the insert path does not allocate it.
    std::vector<PolicyEviction> evicted;
    Stats stats;

    // Unlinks and erases an entry the policy has already detached; its payload and (when
    // someone listens) a removal record are handed out, to be dropped outside the lock.
    void drop(Entry &entry, RemovalCause cause, bool listening,
              std::vector<std::shared_ptr<const CachePayload>> &payloads,
              std::vector<Removal> &removals) {
        payloads.push_back(std::move(entry.payload));
        if (listening)
            removals.push_back({entry.key->bytes, entry.node.weight, cause});
        entries.erase(entries.find(*entry.key));
    }
};

CacheStore::CacheStore(const Options &options, const Clock &clock, RemovalListener listener)
    : m_clock(clock)
    , m_listener(std::move(listener))
    , m_hashSeed(options.hashSeed ? *options.hashSeed : QRandomGenerator::system()->generate64())
    , m_maxBytes(std::max<std::int64_t>(options.maxBytes, 0)) {
    const auto shards = std::bit_ceil(static_cast<std::uint64_t>(std::max(options.shards, 1)));
    m_shardMask = shards - 1;
    const std::int64_t perShard = m_maxBytes / std::int64_t(shards);
    const std::int64_t expectedEntries = std::max<std::int64_t>(
        perShard / std::max<std::int64_t>(options.expectedObjectBytes, 1), 16);
    m_maxObjectBytes = std::max<std::int64_t>(options.maxObjectBytes, 0);
    for (std::uint64_t i = 0; i < shards; ++i) {
        auto shard = std::make_unique<Shard>();
        if (options.policy == Policy::Lru) {
            shard->policy = std::make_unique<LruPolicy>(perShard);
        } else {
            WindowTinyLfuPolicy::Options policyOptions;
            policyOptions.expectedEntries = std::size_t(expectedEntries);
            policyOptions.doorkeeper = options.doorkeeper;
            policyOptions.admission = options.admission;
            policyOptions.randomSeed = mixHash(m_hashSeed + i);
            shard->policy = std::make_unique<WindowTinyLfuPolicy>(perShard, policyOptions);
        }
        shard->stats.capacityBytes = perShard;
        m_maxObjectBytes = std::min(m_maxObjectBytes, shard->policy->maxEntryWeight());
        m_shards.push_back(std::move(shard));
    }
}

CacheStore::~CacheStore() = default;

std::uint64_t CacheStore::hashOf(QByteArrayView key) const {
    // Eight bytes at a time through a multiply-xorshift mixer, seeded per store.
    std::uint64_t h = m_hashSeed ^ (std::uint64_t(key.size()) * 0x9e3779b97f4a7c15ULL);
    const char *data = key.data();
    qsizetype left = key.size();
    while (left >= 8) {
        std::uint64_t word;
        std::memcpy(&word, data, 8);
        h = std::rotl(h ^ mixHash(word), 29) * 0xff51afd7ed558ccdULL;
        data += 8;
        left -= 8;
    }
    if (left > 0) {
        std::uint64_t word = 0;
        std::memcpy(&word, data, std::size_t(left));
        h = std::rotl(h ^ mixHash(word ^ 0xa0761d6478bd642fULL), 29) * 0xff51afd7ed558ccdULL;
    }
    return mixHash(h);
}

CacheStore::Shard &CacheStore::shardFor(std::uint64_t hash) const {
    return *m_shards[std::size_t((hash >> 40) & m_shardMask)];
}

std::shared_ptr<const CachePayload> CacheStore::lookup(QByteArrayView key) {
    const std::uint64_t hash = hashOf(key);
    Shard &shard = shardFor(hash);
    std::lock_guard lock(shard.mutex);
    shard.policy->recordAccess(hash);
    const auto it = shard.entries.find(probeKey(hash, key));
    if (it == shard.entries.end()) {
        ++shard.stats.misses;
        return {};
    }
    Entry &entry = it->second;
    ++shard.stats.hits;
    ++entry.hits;
    shard.policy->onHit(entry.node);
    return entry.payload;
}

CacheStore::InsertResult CacheStore::insert(QByteArrayView key, std::int64_t bytes,
                                            std::shared_ptr<const CachePayload> payload) {
    const std::uint64_t hash = hashOf(key);
    Shard &shard = shardFor(hash);
    const std::int64_t weight = std::max<std::int64_t>(bytes, 1);
    const bool listening = bool(m_listener);
    std::vector<std::shared_ptr<const CachePayload>> payloads;
    std::vector<Removal> removals;
    InsertResult result = InsertResult::Stored;
    {
        std::lock_guard lock(shard.mutex);
        if (weight > m_maxObjectBytes) {
            ++shard.stats.rejectedTooLarge;
            return InsertResult::TooLarge;
        }
        if (auto old = shard.entries.find(probeKey(hash, key)); old != shard.entries.end()) {
            shard.policy->onRemove(old->second.node);
            ++shard.stats.replaced;
            shard.drop(old->second, RemovalCause::Replaced, listening, payloads, removals);
        }
        auto [it, inserted] = shard.entries.try_emplace(StoredKey{hash, key.toByteArray()});
        Q_ASSERT(inserted);
        Entry &entry = it->second;
        entry.key = &it->first;
        entry.node.owner = &entry;
        entry.node.hash = hash;
        entry.node.weight = weight;
        entry.payload = std::move(payload);
        entry.insertedAt = m_clock.now();
        ++shard.stats.insertions;

        shard.evicted.clear();
        shard.policy->onInsert(entry.node, shard.evicted);
        for (const PolicyEviction &eviction : shard.evicted) {
            auto *gone = static_cast<Entry *>(eviction.node->owner);
            if (gone == &entry)
                result = InsertResult::Rejected;
            ++shard.stats.evictions;
            shard.stats.evictedBytes += std::uint64_t(gone->node.weight);
            if (eviction.admissionRejected)
                ++shard.stats.admissionsRejected;
            shard.drop(*gone,
                       eviction.admissionRejected ? RemovalCause::Rejected : RemovalCause::Evicted,
                       listening, payloads, removals);
        }
    }
    notify(removals);
    return result;
}

bool CacheStore::erase(QByteArrayView key) {
    const std::uint64_t hash = hashOf(key);
    Shard &shard = shardFor(hash);
    std::vector<std::shared_ptr<const CachePayload>> payloads;
    std::vector<Removal> removals;
    {
        std::lock_guard lock(shard.mutex);
        const auto it = shard.entries.find(probeKey(hash, key));
        if (it == shard.entries.end())
            return false;
        shard.policy->onRemove(it->second.node);
        ++shard.stats.erased;
        shard.drop(it->second, RemovalCause::Erased, bool(m_listener), payloads, removals);
    }
    notify(removals);
    return true;
}

std::size_t CacheStore::eraseByPrefix(QByteArrayView prefix) {
    return eraseIf(
        [prefix](const QByteArray &key, Clock::time_point) { return key.startsWith(prefix); });
}

std::size_t CacheStore::eraseInsertedBefore(Clock::time_point when) {
    return eraseIf(
        [when](const QByteArray &, Clock::time_point insertedAt) { return insertedAt < when; });
}

template<typename Predicate>
std::size_t CacheStore::eraseIf(Predicate erases) {
    std::size_t count = 0;
    for (const auto &shardPtr : m_shards) {
        Shard &shard = *shardPtr;
        std::vector<std::shared_ptr<const CachePayload>> payloads;
        std::vector<Removal> removals;
        {
            std::lock_guard lock(shard.mutex);
            for (auto it = shard.entries.begin(); it != shard.entries.end();) {
                if (!erases(it->first.bytes, it->second.insertedAt)) {
                    ++it;
                    continue;
                }
                Entry &entry = it->second;
                shard.policy->onRemove(entry.node);
                payloads.push_back(std::move(entry.payload));
                if (m_listener)
                    removals.push_back({it->first.bytes, entry.node.weight, RemovalCause::Erased});
                it = shard.entries.erase(it);
                ++shard.stats.erased;
                ++count;
            }
        }
        notify(removals);
    }
    return count;
}

void CacheStore::clear() {
    for (const auto &shardPtr : m_shards) {
        Shard &shard = *shardPtr;
        std::unordered_map<StoredKey, Entry, StoredKeyHash> dropped;
        {
            std::lock_guard lock(shard.mutex);
            shard.policy->clear();
            shard.stats.erased += shard.entries.size();
            dropped.swap(shard.entries);
        }
        if (m_listener) {
            for (const auto &[key, entry] : dropped)
                m_listener({key.bytes, entry.node.weight, RemovalCause::Cleared});
        }
    }
}

CacheStore::Page CacheStore::list(QByteArrayView cursor, int limit, QByteArrayView prefix) const {
    Page page;
    if (limit <= 0)
        return page;
    // The limit + 1 smallest keys after the cursor (the extra one says whether there is more),
    // kept in a max-heap so that one pass over each shard suffices.
    const auto byKey = [](const EntryInfo &a, const EntryInfo &b) { return a.key < b.key; };
    std::priority_queue<EntryInfo, std::vector<EntryInfo>, decltype(byKey)> smallest(byKey);
    const std::size_t wanted = std::size_t(limit) + 1;
    const auto now = m_clock.now();
    for (const auto &shardPtr : m_shards) {
        std::lock_guard lock(shardPtr->mutex);
        for (const auto &[key, entry] : shardPtr->entries) {
            if (!cursor.isEmpty() && !(QByteArrayView(key.bytes) > cursor))
                continue;
            if (smallest.size() == wanted && !(key.bytes < smallest.top().key))
                continue;
            if (!prefix.isEmpty() && !key.bytes.startsWith(prefix))
                continue;
            smallest.push(
                {key.bytes, entry.node.weight,
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.insertedAt),
                 entry.hits, entry.node.segment, entry.payload});
            if (smallest.size() > wanted)
                smallest.pop();
        }
    }
    page.more = smallest.size() == wanted;
    if (page.more)
        smallest.pop();
    page.entries.resize(smallest.size());
    for (auto i = page.entries.size(); i-- > 0;) {
        page.entries[i] = smallest.top();
        smallest.pop();
    }
    if (page.more)
        page.nextCursor = page.entries.back().key;
    return page;
}

CacheStore::Stats CacheStore::stats() const {
    Stats total;
    for (const auto &shardPtr : m_shards) {
        std::lock_guard lock(shardPtr->mutex);
        const Stats &s = shardPtr->stats;
        total.hits += s.hits;
        total.misses += s.misses;
        total.insertions += s.insertions;
        total.rejectedTooLarge += s.rejectedTooLarge;
        total.admissionsRejected += s.admissionsRejected;
        total.evictions += s.evictions;
        total.evictedBytes += s.evictedBytes;
        total.erased += s.erased;
        total.replaced += s.replaced;
        total.bytes += shardPtr->policy->weightedSize();
        total.objects += std::int64_t(shardPtr->entries.size());
        total.capacityBytes += s.capacityBytes;
    }
    return total;
}

void CacheStore::notify(std::vector<Removal> &removals) const {
    if (!m_listener)
        return;
    for (const Removal &removal : removals)
        m_listener(removal);
}

} // namespace ToolCapture
