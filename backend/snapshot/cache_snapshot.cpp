#include <backend/snapshot/cache_snapshot.h>

namespace ToolCapture {

const char *CacheSnapshot::sharedState() const {
    if (!sharedTier)
        return "none";
    if (shared.connections == 0 || (shared.connected == 0 && shared.starting == shared.connections))
        return "starting";
    if (shared.connected == shared.connections)
        return "connected";
    return shared.connected == 0 ? "down" : "partial";
}

const char *CacheSnapshot::invalidationState() const {
    if (!sharedTier)
        return "none";
    if (!shared.subscriber || shared.subscriberStarting)
        return "starting";
    return shared.subscribed ? "subscribed" : "down";
}

CacheSnapshot CacheSnapshot::take(const ResponseCache &cache, const QStringList &serviceNames) {
    CacheSnapshot snapshot;
    snapshot.enabled = true;
    snapshot.sharedTier = cache.sharedTier().enabled;
    if (snapshot.sharedTier)
        snapshot.shared = cache.sharedTierStatus();
    snapshot.services.reserve(size_t(serviceNames.size()));
    for (int i = 0; i < serviceNames.size(); ++i)
        snapshot.services.push_back({serviceNames[i], cache.totals(i)});
    snapshot.stores = cache.storeStats();
    return snapshot;
}

} // namespace ToolCapture
