#pragma once

#include <backend/cache/response_cache.h>
#include <backend/core/clock.h>
#include <backend/redis/redis_client.h>

#include <QObject>

#include <atomic>
#include <cstdint>

namespace ToolCapture {

// A Redis client's options for the shared tier's settings: the workers' clients and the
// subscriber's.
RedisClient::Options sharedTierClientOptions(const ResponseCache::SharedTier &tier);

// Drops from this proxy's memory what the other proxies sharing its Redis tier invalidated or
// purged: one Redis connection per proxy, subscribed to ResponseCache::invalidationChannel().
// Messages sent while it was not subscribed are lost, so each (re)subscription drops every
// memory entry stored before Redis confirmed it.
// Lives in the thread that created it (the proxy server's: the engine thread, where the admin
// API's purges run too), never a worker's: a prefix purge scans the stores. report() from any.
class InvalidationSubscriber final : public QObject {
    Q_OBJECT
public:
    // `cache` and `clock` must outlive it.
    InvalidationSubscriber(ResponseCache &cache, const ResponseCache::SharedTier &tier,
                           const Clock &clock, QObject *parent = nullptr);
    ~InvalidationSubscriber() override;

    void start();
    // Writes the subscription's state and counters into `status` (its fields are documented
    // there). Any thread.
    void report(ResponseCache::SharedTierStatus &status) const;
    // One payload from the channel: refused (counted, logged at debug level) unless it decodes,
    // ignored when this proxy sent it, else applied to the cache's memory.
    void onMessage(const QByteArray &payload);

signals:
    // True once Redis confirmed the subscription (the entries stored before are dropped by
    // then), false when it is lost.
    void subscribedChanged(bool subscribed);

private:
    void onConnectedChanged(bool connected);

    ResponseCache &m_cache;
    RedisClient *m_redis = nullptr; // child
    std::atomic<std::uint64_t> m_outages{0};
    std::atomic<std::uint64_t> m_applied{0};
    std::atomic<std::uint64_t> m_ownIgnored{0};
    std::atomic<std::uint64_t> m_refused{0};
    std::atomic<std::uint64_t> m_entriesDropped{0};
    std::atomic<std::uint64_t> m_resyncDropped{0};
};

} // namespace ToolCapture
