#pragma once

#include <backend/cache/response_cache.h>
#include <backend/core/clock.h>

#include <QObject>

#include <atomic>
#include <cstdint>

namespace ToolCapture {

class RedisClient;

// Drops from this proxy's memory what the other proxies sharing its Redis tier invalidated or
// purged: one Redis connection per proxy, subscribed to ResponseCache::invalidationChannel().
// Messages sent while it was not subscribed are lost, so each (re)subscription drops every
// memory entry stored before Redis confirmed it.
// Lives in the thread that created it (the proxy server's: the engine thread, where the admin
// API's purges run too), never a worker's: a prefix purge scans the stores. stats() from any.
class InvalidationSubscriber final : public QObject {
    Q_OBJECT
public:
    struct Stats {
        bool subscribed = false;
        QString lastError;
        std::uint64_t outages = 0;  // subscriptions lost
        std::uint64_t received = 0; // messages on the channel
        std::uint64_t applied = 0;
        std::uint64_t ownIgnored = 0;
        std::uint64_t refused = 0;
        std::uint64_t entriesDropped = 0; // by applied messages
        std::uint64_t resyncDropped = 0;  // after (re)subscriptions
    };

    // `cache` and `clock` must outlive it.
    InvalidationSubscriber(ResponseCache &cache, const ResponseCache::SharedTier &tier,
                           const Clock &clock, QObject *parent = nullptr);
    ~InvalidationSubscriber() override;

    void start();
    Stats stats() const;
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
