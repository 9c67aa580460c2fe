#include <backend/core/logging.h>
#include <backend/proxy/invalidation_subscriber.h>
#include <backend/redis/redis_client.h>

namespace ToolCapture {

RedisClient::Options sharedTierClientOptions(const ResponseCache::SharedTier &tier) {
    RedisClient::Options options;
    options.host = tier.host;
    options.port = tier.port;
    options.database = tier.database;
    options.password = tier.password;
    options.commandTimeout = tier.timeout;
    return options;
}

InvalidationSubscriber::InvalidationSubscriber(ResponseCache &cache,
                                               const ResponseCache::SharedTier &tier,
                                               const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_cache(cache) {
    m_redis = new RedisClient(sharedTierClientOptions(tier), clock, this);
    m_redis->subscribe(ResponseCache::invalidationChannel(),
                       [this](const QByteArray &payload) { onMessage(payload); });
    connect(m_redis, &RedisClient::connectedChanged, this,
            &InvalidationSubscriber::onConnectedChanged);
}

InvalidationSubscriber::~InvalidationSubscriber() = default;

void InvalidationSubscriber::start() {
    m_redis->start();
}

void InvalidationSubscriber::report(ResponseCache::SharedTierStatus &status) const {
    const RedisClient::Stats redis = m_redis->stats();
    status.subscriber = true;
    status.subscribed = redis.connected;
    status.subscriberStarting = redis.firstAttemptPending();
    status.subscriberError = redis.lastError;
    status.received = redis.messages;
    status.subscriberOutages = m_outages.load(std::memory_order_relaxed);
    status.applied = m_applied.load(std::memory_order_relaxed);
    status.ownIgnored = m_ownIgnored.load(std::memory_order_relaxed);
    status.refused = m_refused.load(std::memory_order_relaxed);
    status.entriesDropped = m_entriesDropped.load(std::memory_order_relaxed);
    status.resyncDropped = m_resyncDropped.load(std::memory_order_relaxed);
}

void InvalidationSubscriber::onMessage(const QByteArray &payload) {
    QByteArray why;
    const std::optional<InvalidationMessage> message = InvalidationMessage::decode(payload, &why);
    if (!message) {
        // Debug level: whoever publishes garbage on the channel must not fill the log.
        m_refused.fetch_add(1, std::memory_order_relaxed);
        qCDebug(lcProxy).noquote() << "cache invalidation message refused:" << why;
        return;
    }
    if (message->sender == m_cache.instanceId()) {
        m_ownIgnored.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const std::size_t dropped = m_cache.drop(*message);
    m_applied.fetch_add(1, std::memory_order_relaxed);
    m_entriesDropped.fetch_add(dropped, std::memory_order_relaxed);
}

void InvalidationSubscriber::onConnectedChanged(bool connected) {
    if (connected) {
        // Whatever another proxy invalidated while we were not subscribed is lost: drop what
        // was stored before now. NOTE: the whole memory tier at the first subscription too
        // (workers may fill before it), and a Redis outage empties every proxy's memory.
        const std::size_t dropped = m_cache.dropStoredBeforeNow();
        m_resyncDropped.fetch_add(dropped, std::memory_order_relaxed);
        if (dropped > 0)
            qCInfo(lcProxy) << "cache invalidations subscribed again:" << dropped
                            << "memory entries stored before dropped";
    } else {
        m_outages.fetch_add(1, std::memory_order_relaxed);
    }
    emit subscribedChanged(connected);
}

} // namespace ToolCapture
