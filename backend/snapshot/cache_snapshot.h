#pragma once

#include <backend/cache/cache_store.h>
#include <backend/cache/response_cache.h>

#include <QString>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// The response cache at one moment, as plain values: each service's counters and what its
// entries weigh, and the stores' own statistics (index 0 is the shared store).
struct CacheSnapshot {
    struct Service {
        QString name;
        CacheServiceTotals totals;
    };

    bool enabled = false;                   // the engine has a response cache
    bool sharedTier = false;                // ... with a shared second tier (Redis)
    ResponseCache::SharedTierStatus shared; // its connections, when sharedTier
    std::vector<Service> services;
    std::vector<CacheStore::Stats> stores;

    // The shared tier's connections in a word: "connected" (all of them), "partial", "down"
    // (none), "starting" (the workers have not opened them yet, or none has ended its first
    // attempt); "none" without a shared tier.
    const char *sharedState() const;
    // The subscription to the other proxies' invalidations: "subscribed", "down", "starting"
    // (not started yet, or its first attempt has not ended); "none" without a shared tier.
    const char *invalidationState() const;

    // Reads `cache`: one Service per name, `serviceNames` indexed by service index.
    static CacheSnapshot take(const ResponseCache &cache, const QStringList &serviceNames);
};

} // namespace ToolCapture
