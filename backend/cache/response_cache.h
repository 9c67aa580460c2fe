#pragma once

#include <backend/cache/cache_store.h>
#include <backend/cache/freshness.h>
#include <backend/cache/http_date.h>
#include <backend/cache/invalidation_log.h>
#include <backend/cache/invalidation_message.h>
#include <backend/cache/stored_response.h>
#include <backend/cache/ttl_advisor.h>
#include <backend/core/clock.h>
#include <backend/http/http_message.h>
#include <backend/metrics/local_counter.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QString>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace ToolCapture {

// What one worker counted of one service's cache traffic. Written by that worker only.
struct CacheCounters {
    LocalCounter hits;           // answered from a fresh stored response
    LocalCounter misses;         // nothing usable stored: forwarded
    LocalCounter staleServed;    // a stale response served (max-stale, s-w-r, s-i-e, unavailable)
    LocalCounter revalidations;  // conditional requests sent upstream for a stored response
    LocalCounter revalidated;    // ... answered 304: the stored response was served
    LocalCounter coalescedWaits; // a miss that waited for another request's response
    LocalCounter stores;         // responses stored
    LocalCounter uncacheable;    // forwarded responses that could not be stored
    LocalCounter invalidations;  // unsafe requests that invalidated stored responses
    LocalCounter overtakenFills; // responses not stored: their key was invalidated meanwhile
    LocalCounter bypassed;       // requests the cache did not look at (no-store, Authorization...)
    LocalCounter sharedHits;     // shared tier (Redis): a response found there
    LocalCounter sharedMisses;   // ... asked, nothing there
    LocalCounter sharedErrors;   // ... down, too slow, an error or an unreadable record: a miss

    // stale-while-revalidate: revalidations started in the background, and those of them that
    // ended without freshening or replacing the stored response (failed, timed out, abandoned).
    LocalCounter backgroundRevalidations;
    LocalCounter backgroundFailures;
};

// Plain-value totals of CacheCounters over all workers, with the store's view of the service.
struct CacheServiceTotals {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t staleServed = 0;
    std::uint64_t revalidations = 0;
    std::uint64_t revalidated = 0;
    std::uint64_t coalescedWaits = 0;
    std::uint64_t stores = 0;
    std::uint64_t uncacheable = 0;
    std::uint64_t invalidations = 0;
    std::uint64_t overtakenFills = 0;
    std::uint64_t bypassed = 0;
    std::uint64_t sharedHits = 0;
    std::uint64_t sharedMisses = 0;
    std::uint64_t sharedErrors = 0;
    std::uint64_t backgroundRevalidations = 0;
    std::uint64_t backgroundFailures = 0;
    std::uint64_t evictions = 0; // entries that left for capacity
    std::int64_t bytes = 0;      // what the service's entries weigh now
    std::int64_t objects = 0;
};

// The response cache as the data path sees it: one or more CacheStores (a shared one, and one
// per service that asked for its own size), RFC 9111 keys with Vary secondary keys, the
// cache's wall clock, per-service policy and counters. The HTTP decisions (freshness,
// storability, validation) are the pure functions of backend/cache; this class keeps and finds
// what they decided to keep.
//
// Threads: shared by every proxy worker; every method may be called from any thread (the
// stores lock per shard). counters(worker, ...) is written by that worker only.
class PathTemplater;

class ResponseCache {
public:
    struct ServicePolicy {
        bool enabled = true;
        FreshnessPolicy freshness;
        std::int64_t maxObjectBytes = 0; // 0: the global limit
        std::int64_t ownMaxBytes = 0;    // > 0: a store of its own of this size
        bool learnTtl = false;
        std::chrono::seconds learnedTtlMin{1};
        std::chrono::seconds learnedTtlMax{3600};
    };
    // The shared second tier (Redis): where it is and how long a worker waits for it.
    struct SharedTier {
        bool enabled = false;
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 6379;
        int database = 0;
        QByteArray password;
        std::chrono::milliseconds timeout{50};
    };
    struct Options {
        std::int64_t maxBytes = std::int64_t(64) << 20;
        std::int64_t maxObjectBytes = std::int64_t(1) << 20;
        CacheStore::Policy policy = CacheStore::Policy::WindowTinyLfu;
        int shards = 16;
        int workers = 1;
        // Indexed by service index; services beyond it (registered while running) get
        // `defaults`. `serviceCapacity` bounds the indices (configured + dynamic).
        std::vector<ServicePolicy> services;
        ServicePolicy defaults;
        int serviceCapacity = 0;
        std::chrono::milliseconds coalesceWait{5000};
        SharedTier sharedTier;
        // The operators' path templates and literals (intelligence.path_templates), so that the
        // TTL advisor learns per operation as the analyser names them; never changed after.
        std::shared_ptr<const PathTemplater> operationTemplates;
    };
    struct Found {
        std::shared_ptr<const StoredResponse> response;
        bool varyMiss = false; // a response with Vary is stored, not for these request fields
    };
    // Overtaken: an invalidation of the key came while the response was being fetched
    // (storeFill).
    enum class StoreResult { Stored, TooLarge, Rejected, VaryStar, Overtaken };
    struct Entry {
        QByteArray key;
        int service = -1;
        std::int64_t bytes = 0;
        std::chrono::seconds age{0};     // current age (RFC 9111 4.2.3)
        std::chrono::seconds ttlLeft{0}; // freshness lifetime - age (negative: stale)
        TtlSource ttlSource = TtlSource::Header;
        std::uint64_t hits = 0;
        int status = 0;
    };
    struct Page {
        std::vector<Entry> entries;
        QByteArray nextCursor; // "store index:key" of the last entry; empty at the end
        bool more = false;
    };

    ResponseCache(const Options &options, const Clock &clock);
    ~ResponseCache();
    ResponseCache(const ResponseCache &) = delete;
    ResponseCache &operator=(const ResponseCache &) = delete;

    // Names the service `index` (configured at start or registered while running), so that
    // the entries its key prefix names are counted against it.
    void setServiceName(int index, const QByteArray &name);

    // The policy in force: as configured, with the live settings (enabled, heuristics, learnTtl)
    // as last set. A copy: the live part may change between two calls.
    ServicePolicy policy(int service) const;
    bool enabledFor(int service) const { return policy(service).enabled; }
    // Live settings of a service (any thread; the engine sets them): from the next request on.
    // NOTE: a service enabled live that configured a store of its own (ownMaxBytes) while
    // disabled uses the shared store: stores are made at construction.
    void setEnabled(int service, bool enabled);
    void setHeuristicsAllowed(int service, bool allowed);
    void setLearnTtl(int service, bool learn);
    // The per-object limit for `service`.
    std::int64_t maxObjectBytes(int service) const;
    std::chrono::milliseconds coalesceWait() const { return m_coalesceWait; }
    // Null when none were configured.
    const PathTemplater *operationTemplates() const { return m_operationTemplates.get(); }
    const SharedTier &sharedTier() const { return m_sharedTier; }
    // The shared tier's key for a cache key.
    static QByteArray sharedKey(QByteArrayView key);
    // The Redis channel the proxies sharing the tier publish their invalidations and purges on
    // (named from the keys' prefix), and this cache's id in them: random, one per cache (one
    // per proxy process in practice), so that a proxy knows its own messages.
    static QByteArray invalidationChannel();
    std::uint64_t instanceId() const { return m_instanceId; }
    // What the shared tier answered to a purge: whether it was done, how many keys it removed,
    // and why not ("down", "timeout", "error", with the connection's last error).
    struct SharedPurge {
        bool ok = false;
        std::int64_t removed = 0;
        QString error;
    };
    // Called once with the shared tier's answer, on whichever thread got it.
    using SharedPurgeDone = std::function<void(const SharedPurge &)>;
    // How purges reach the shared tier and the other proxies' memory: called with what was
    // purged (cache keys, sent by instanceId()) and a callback (may be empty), from the thread
    // that purges; set by the proxy when the shared tier is on. It answers every purge, bounded
    // by the Redis client's timeouts.
    using SharedPurger = std::function<void(const InvalidationMessage &what, SharedPurgeDone done)>;
    void setSharedPurger(SharedPurger purger);
    // Whether purges reach a shared tier (and so call their SharedPurgeDone).
    bool hasSharedPurger() const { return bool(m_sharedPurger); }

    // The shared tier's connections (one per worker) as the proxy sees them, summed.
    struct SharedTierStatus {
        int connections = 0; // clients started
        int connected = 0;   // ... connected, AUTH and SELECT accepted
        int starting = 0;    // ... still on their first attempt (neither ready nor failed)
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::uint64_t writes = 0;
        std::uint64_t down = 0;
        std::uint64_t timeouts = 0;
        std::uint64_t errors = 0;
        std::uint64_t connects = 0;
        QString lastError; // of a connection that is not connected; empty when all are

        // Cross-proxy invalidation (Redis pub/sub).
        bool subscriber = false;             // the proxy started its subscriber
        bool subscribed = false;             // ... and Redis confirmed its subscription
        bool subscriberStarting = false;     // ... still on its first attempt
        QString subscriberError;             // why it is not subscribed, or last was not
        std::uint64_t subscriberOutages = 0; // subscriptions lost
        std::uint64_t published = 0;         // invalidations and purges PUBLISHed (acknowledged)
        std::uint64_t received = 0;          // messages on the channel
        std::uint64_t applied = 0;           // ... another proxy's, applied to memory
        std::uint64_t ownIgnored = 0;        // ... this proxy's own, ignored
        std::uint64_t refused = 0;           // ... not a message this version reads
        std::uint64_t entriesDropped = 0;    // memory entries the applied messages removed
        std::uint64_t resyncDropped = 0;     // ... removed after a (re)subscription
    };
    using SharedTierProbe = std::function<SharedTierStatus()>;
    // Set by the proxy with the shared tier (before the cache is shared with other threads).
    void setSharedTierProbe(SharedTierProbe probe);
    // Any thread; all zero without a shared tier or before the proxy started it.
    SharedTierStatus sharedTierStatus() const;

    // The cache's wall clock, read from the injected clock (so that a test's manual clock ages
    // stored responses too), to the second. Not derived from the monotonic clock: a response
    // stored before the machine slept has aged by the time asleep when it wakes.
    HttpTime wallNow() const;

    // "<service> <normalised URI>"; empty when the target is not a URI a cache can key
    // (RFC 9111 section 2 with RFC 9110 4.2.3 normalisation).
    static QByteArray primaryKey(QByteArrayView service, const RequestHead &request);

    // The stored response for a request (following a Vary marker to the variant the request's
    // fields select), or nothing.
    Found find(int service, QByteArrayView primaryKey, const HttpHeaders &requestHeaders);
    // Stores `response` for the request that fetched it (the request's fields form the Vary
    // secondary key). Replaces what was stored for the same key and variant.
    StoreResult store(int service, QByteArrayView primaryKey, const HttpHeaders &requestHeaders,
                      std::shared_ptr<StoredResponse> response);
    // What a request that went upstream brings back (or found in the shared tier), stored
    // unless an invalidation of its key was recorded after `since` (invalidationGeneration()
    // read before the request went): the response may predate the change that invalidated it.
    // Checked before the insert and again after it, so an invalidation racing the insert in
    // another thread leaves nothing stored either way.
    StoreResult storeFill(int service, QByteArrayView primaryKey, const HttpHeaders &requestHeaders,
                          std::shared_ptr<StoredResponse> response, std::uint64_t since);
    std::uint64_t invalidationGeneration() const noexcept { return m_invalidations.generation(); }
    bool invalidatedSince(std::uint64_t since, QByteArrayView primaryKey) const {
        return m_invalidations.invalidatedSince(since, primaryKey);
    }
    // Removes the response stored under `primaryKey` and all its variants (RFC 9111 4.4);
    // returns how many entries went.
    std::size_t invalidate(int service, QByteArrayView primaryKey);

    // Admin: entries in key order, optionally only those of one service (-1: all) whose key
    // starts with `prefix`.
    Page list(QByteArrayView cursor, int limit, int service, QByteArrayView prefix) const;
    // Removes one key and its variants, or every key with a prefix, or everything; returns how
    // many entries went from memory. The shared tier's part is asynchronous: `done` (when set)
    // gets its answer, only if hasSharedPurger().
    std::size_t purgeKey(QByteArrayView key, SharedPurgeDone done = {});
    std::size_t purgePrefix(QByteArrayView prefix, SharedPurgeDone done = {});
    std::size_t purgeAll(SharedPurgeDone done = {});
    // Memory only (what another proxy invalidated or purged): drops what `message` names;
    // returns how many entries went. Any thread.
    std::size_t drop(const InvalidationMessage &message);
    // Memory only: drops every entry stored before now (by the cache's clock); how many.
    std::size_t dropStoredBeforeNow();

    CacheCounters &counters(int worker, int service);
    CacheServiceTotals totals(int service) const;
    int serviceCapacity() const { return m_serviceCapacity; }
    // The stores' own statistics (index 0 is the shared store).
    std::vector<CacheStore::Stats> storeStats() const;

    // Request coalescing: concurrent misses for one key send one request upstream. The first
    // to join a key leads (it forwards); the others follow: they wait until the leader calls
    // release() (its response stored, found uncacheable, or failed), when each follower's
    // worker is woken with the follower's ticket, or until they give up (leave()).
    using Waker = std::function<void(std::uint64_t ticket)>;
    // Before any join(): how to wake a follower on `worker` (called from any thread).
    void setWaker(int worker, Waker waker);
    // Pass: the key's last response was uncacheable (within kUncacheableMemory): nobody waits
    // for this one either (Varnish's "hit-for-miss"), so that an uncacheable URL's concurrent
    // requests are not serialised behind one another.
    enum class Join { Leader, Follower, Pass };
    Join join(const QByteArray &key, int worker, std::uint64_t ticket, Clock::time_point now);
    // Leads `key` if nobody does (true); never follows (a background revalidation).
    bool lead(const QByteArray &key);
    void leave(const QByteArray &key, int worker, std::uint64_t ticket);
    // Wakes every follower of `key` (outside any lock); returns how many. `uncacheable`: the
    // leader's response could not be stored, so the next requests for the key do not wait.
    std::size_t release(const QByteArray &key, bool uncacheable = false,
                        Clock::time_point now = {});
    static constexpr std::chrono::seconds kUncacheableMemory{10};

    // Learns how often each operation's response changes (services with learnTtl).
    TtlAdvisor &ttlAdvisor() { return m_advisor; }
    // "<service> <METHOD> <path template>": an operator's override from `templates` when one
    // matches; else numeric ids, UUIDs and long hex segments become placeholders
    // (PathTemplater's fixed rules; nothing is learned per path) except the literals
    // configured in `templates`.
    static QByteArray operationOf(QByteArrayView service, const RequestHead &request,
                                  const PathTemplater *templates = nullptr);

private:
    CacheStore &storeFor(int service) const;
    void onRemoved(const CacheStore::Removal &removal);
    int serviceOfKey(QByteArrayView key) const;
    std::size_t dropKey(QByteArrayView key);
    std::size_t dropPrefix(QByteArrayView prefix);
    std::size_t dropAll();
    std::size_t eraseWithVariants(CacheStore &store, QByteArrayView primaryKey);

    const Clock &m_clock;
    const std::uint64_t m_instanceId;
    std::vector<ServicePolicy> m_policies;
    ServicePolicy m_defaults;
    struct LiveFlags {
        std::atomic<bool> enabled{true};
        std::atomic<bool> heuristics{false};
        std::atomic<bool> learnTtl{false};
    };
    std::unique_ptr<LiveFlags[]> m_live; // per service slot (m_serviceCapacity)
    int m_serviceCapacity = 0;
    int m_workers = 1;
    std::int64_t m_maxObjectBytes = 0;
    std::chrono::milliseconds m_coalesceWait;
    std::shared_ptr<const PathTemplater> m_operationTemplates;
    std::vector<std::unique_ptr<CacheStore>> m_stores; // [0]: shared
    std::vector<int> m_storeOfService;                 // index into m_stores
    std::unique_ptr<CacheCounters[]> m_counters;       // [worker * capacity + service]
    std::unique_ptr<std::atomic<std::int64_t>[]> m_bytes;
    std::unique_ptr<std::atomic<std::int64_t>[]> m_objects;
    std::unique_ptr<std::atomic<std::uint64_t>[]> m_evictions;
    TtlAdvisor m_advisor;
    InvalidationLog m_invalidations;
    struct Waiter {
        int worker = 0;
        std::uint64_t ticket = 0;
    };
    struct FlightShard {
        std::mutex mutex;
        QHash<QByteArray, std::vector<Waiter>> flights; // key -> followers; present: led
        // Keys whose last response was uncacheable, until when they are not coalesced.
        QHash<QByteArray, Clock::time_point> uncacheable;
    };
    FlightShard &flightShard(QByteArrayView key);
    std::array<FlightShard, 16> m_flights;
    std::vector<Waker> m_wakers;
    SharedTier m_sharedTier;
    SharedPurger m_sharedPurger;
    SharedTierProbe m_sharedTierProbe;
    mutable std::mutex m_namesMutex;
    QHash<QByteArray, int> m_serviceByName;
};

} // namespace ToolCapture
