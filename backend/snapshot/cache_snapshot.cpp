#include <backend/snapshot/cache_snapshot.h>

namespace ToolCapture {

CacheSnapshot CacheSnapshot::take(const ResponseCache &cache, const QStringList &serviceNames) {
    CacheSnapshot snapshot;
    snapshot.enabled = true;
    snapshot.sharedTier = cache.sharedTier().enabled;
    snapshot.services.reserve(size_t(serviceNames.size()));
    for (int i = 0; i < serviceNames.size(); ++i)
        snapshot.services.push_back({serviceNames[i], cache.totals(i)});
    snapshot.stores = cache.storeStats();
    return snapshot;
}

} // namespace ToolCapture
