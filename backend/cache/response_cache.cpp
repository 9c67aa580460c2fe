#include <backend/cache/cache_key.h>
#include <backend/cache/response_cache.h>
#include <backend/intelligence/path_templater.h>

#include <QRandomGenerator>

#include <algorithm>

namespace ToolCapture {

namespace {

// Separates a primary key from a variant's secondary key (never part of a normalised URI).
constexpr char kVariantSeparator = '\n';

QByteArray variantKey(QByteArrayView primary, QByteArrayView secondary) {
    QByteArray key;
    key.reserve(primary.size() + 1 + secondary.size());
    key.append(primary).append(kVariantSeparator).append(secondary);
    return key;
}

QByteArrayView primaryOf(QByteArrayView key) {
    const auto separator = key.indexOf(kVariantSeparator);
    return separator < 0 ? key : key.first(separator);
}

} // namespace

QByteArrayView ttlSourceName(TtlSource source) {
    switch (source) {
    case TtlSource::Header:
        return "header";
    case TtlSource::Heuristic:
        return "heuristic";
    case TtlSource::Learned:
        return "learned";
    }
    return "header";
}

std::int64_t StoredResponse::weight() const {
    std::int64_t bytes = 64 + reason.size() + body.size() + secondaryKey.size() + operation.size();
    for (const HttpHeader &header : headers)
        bytes += header.name.size() + header.value.size() + 4;
    return bytes;
}

ResponseCache::ResponseCache(const Options &options, const Clock &clock)
    : m_clock(clock)
    , m_instanceId(QRandomGenerator::system()->generate64())
    , m_policies(options.services)
    , m_defaults(options.defaults)
    , m_serviceCapacity(std::max<int>(options.serviceCapacity, int(options.services.size())))
    , m_workers(std::max(1, options.workers))
    , m_maxObjectBytes(options.maxObjectBytes)
    , m_coalesceWait(options.coalesceWait)
    , m_operationTemplates(options.operationTemplates)
    , m_sharedTier(options.sharedTier) {
    const auto listener = [this](const CacheStore::Removal &removal) { onRemoved(removal); };
    CacheStore::Options shared;
    shared.maxBytes = options.maxBytes;
    shared.maxObjectBytes = options.maxObjectBytes;
    shared.policy = options.policy;
    shared.shards = options.shards;
    m_stores.push_back(std::make_unique<CacheStore>(shared, clock, listener));
    m_storeOfService.assign(size_t(m_serviceCapacity), 0);
    for (size_t i = 0; i < m_policies.size(); ++i) {
        const ServicePolicy &policy = m_policies[i];
        if (!policy.enabled || policy.ownMaxBytes <= 0)
            continue;
        CacheStore::Options own = shared;
        own.maxBytes = policy.ownMaxBytes;
        own.maxObjectBytes =
            std::min(policy.ownMaxBytes,
                     policy.maxObjectBytes > 0 ? policy.maxObjectBytes : options.maxObjectBytes);
        // A small store in many shards would evict early (each shard holds maxBytes/shards).
        own.shards = policy.ownMaxBytes < (std::int64_t(16) << 20) ? 1 : options.shards;
        m_storeOfService[i] = int(m_stores.size());
        m_stores.push_back(std::make_unique<CacheStore>(own, clock, listener));
    }
    const size_t services = size_t(m_serviceCapacity);
    m_counters =
        std::make_unique<CacheCounters[]>(size_t(m_workers) * std::max<size_t>(services, 1));
    m_bytes = std::make_unique<std::atomic<std::int64_t>[]>(std::max<size_t>(services, 1));
    m_objects = std::make_unique<std::atomic<std::int64_t>[]>(std::max<size_t>(services, 1));
    m_evictions = std::make_unique<std::atomic<std::uint64_t>[]>(std::max<size_t>(services, 1));
    m_live = std::make_unique<LiveFlags[]>(std::max<size_t>(services, 1));
    for (size_t i = 0; i < services; ++i) {
        const ServicePolicy &policy = i < m_policies.size() ? m_policies[i] : m_defaults;
        m_live[i].enabled.store(policy.enabled, std::memory_order_relaxed);
        m_live[i].heuristics.store(policy.freshness.heuristicsAllowed, std::memory_order_relaxed);
        m_live[i].learnTtl.store(policy.learnTtl, std::memory_order_relaxed);
    }
}

ResponseCache::~ResponseCache() = default;

QByteArray ResponseCache::sharedKey(QByteArrayView key) {
    return "toolcapture:cache:" + key.toByteArray();
}

QByteArray ResponseCache::invalidationChannel() {
    // A channel, not a key: SCAN and the purges never see it.
    return sharedKey("invalidate");
}

void ResponseCache::setSharedPurger(SharedPurger purger) {
    m_sharedPurger = std::move(purger);
}

void ResponseCache::setSharedTierProbe(SharedTierProbe probe) {
    m_sharedTierProbe = std::move(probe);
}

ResponseCache::SharedTierStatus ResponseCache::sharedTierStatus() const {
    return m_sharedTierProbe ? m_sharedTierProbe() : SharedTierStatus{};
}

void ResponseCache::setWaker(int worker, Waker waker) {
    if (worker < 0)
        return;
    if (size_t(worker) >= m_wakers.size())
        m_wakers.resize(size_t(worker) + 1);
    m_wakers[size_t(worker)] = std::move(waker);
}

ResponseCache::FlightShard &ResponseCache::flightShard(QByteArrayView key) {
    return m_flights[qHash(key) % m_flights.size()];
}

ResponseCache::Join ResponseCache::join(const QByteArray &key, int worker, std::uint64_t ticket,
                                        Clock::time_point now) {
    FlightShard &shard = flightShard(key);
    std::lock_guard lock(shard.mutex);
    const QByteArray &k = key; // shared, not copied
    if (!shard.uncacheable.isEmpty()) {
        if (const auto until = shard.uncacheable.constFind(k); until != shard.uncacheable.cend()) {
            if (now < *until)
                return Join::Pass;
            shard.uncacheable.erase(until);
        }
    }
    auto it = shard.flights.find(k);
    if (it == shard.flights.end()) {
        shard.flights.insert(k, {});
        return Join::Leader;
    }
    it->push_back({worker, ticket});
    return Join::Follower;
}

bool ResponseCache::lead(const QByteArray &key) {
    FlightShard &shard = flightShard(key);
    std::lock_guard lock(shard.mutex);
    const QByteArray &k = key;
    if (shard.flights.contains(k))
        return false;
    shard.flights.insert(k, {});
    return true;
}

void ResponseCache::leave(const QByteArray &key, int worker, std::uint64_t ticket) {
    FlightShard &shard = flightShard(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.flights.find(key);
    if (it == shard.flights.end())
        return;
    std::erase_if(*it, [&](const Waiter &w) { return w.worker == worker && w.ticket == ticket; });
}

std::size_t ResponseCache::release(const QByteArray &key, bool uncacheable, Clock::time_point now) {
    std::vector<Waiter> waiters;
    {
        FlightShard &shard = flightShard(key);
        std::lock_guard lock(shard.mutex);
        if (uncacheable) {
            // Bounded: past this many keys a shard forgets them all (they are a hint).
            if (shard.uncacheable.size() >= 4096)
                shard.uncacheable.clear();
            shard.uncacheable.insert(key, now + kUncacheableMemory);
        }
        auto it = shard.flights.find(key);
        if (it == shard.flights.end())
            return 0;
        waiters = std::move(*it);
        shard.flights.erase(it);
    }
    for (const Waiter &waiter : waiters) {
        if (size_t(waiter.worker) < m_wakers.size() && m_wakers[size_t(waiter.worker)])
            m_wakers[size_t(waiter.worker)](waiter.ticket);
    }
    return waiters.size();
}

void ResponseCache::setServiceName(int index, const QByteArray &name) {
    std::lock_guard lock(m_namesMutex);
    m_serviceByName.insert(name, index);
}

ResponseCache::ServicePolicy ResponseCache::policy(int service) const {
    ServicePolicy policy = service >= 0 && size_t(service) < m_policies.size()
                               ? m_policies[size_t(service)]
                               : m_defaults;
    if (service >= 0 && service < m_serviceCapacity) {
        const LiveFlags &live = m_live[size_t(service)];
        policy.enabled = live.enabled.load(std::memory_order_relaxed);
        policy.freshness.heuristicsAllowed = live.heuristics.load(std::memory_order_relaxed);
        policy.learnTtl = live.learnTtl.load(std::memory_order_relaxed);
    }
    return policy;
}

void ResponseCache::setEnabled(int service, bool enabled) {
    if (service >= 0 && service < m_serviceCapacity)
        m_live[size_t(service)].enabled.store(enabled, std::memory_order_relaxed);
}

void ResponseCache::setHeuristicsAllowed(int service, bool allowed) {
    if (service >= 0 && service < m_serviceCapacity)
        m_live[size_t(service)].heuristics.store(allowed, std::memory_order_relaxed);
}

void ResponseCache::setLearnTtl(int service, bool learn) {
    if (service >= 0 && service < m_serviceCapacity)
        m_live[size_t(service)].learnTtl.store(learn, std::memory_order_relaxed);
}

std::int64_t ResponseCache::maxObjectBytes(int service) const {
    const std::int64_t own = policy(service).maxObjectBytes;
    const std::int64_t storeLimit = storeFor(service).maxObjectBytes();
    return std::min(own > 0 ? own : m_maxObjectBytes, storeLimit);
}

HttpTime ResponseCache::wallNow() const {
    return std::chrono::floor<std::chrono::seconds>(m_clock.wallNow());
}

QByteArray ResponseCache::primaryKey(QByteArrayView service, const RequestHead &request) {
    const HttpHeader *host = findHeader(request.headers, "host");
    QByteArray key;
    key.reserve(service.size() + 16 + (host ? host->value.size() : 0) + request.target.size());
    key.append(service).append(' ');
    if (!CacheKey::appendPrimary(key, "http", host ? QByteArrayView(host->value) : QByteArrayView(),
                                 request.target))
        return {};
    return key;
}

QByteArray ResponseCache::operationOf(QByteArrayView service, const RequestHead &request,
                                      const PathTemplater *templates) {
    QByteArray operation;
    operation.reserve(service.size() + request.method.size() + request.target.size() + 2);
    operation.append(service).append(' ').append(request.method).append(' ');
    QByteArrayView path = request.path();
    if (path.isEmpty())
        path = "/";
    const QString serviceName = templates ? QString::fromUtf8(service) : QString();
    if (templates) {
        if (const QByteArray chosen = templates->overrideFor(path, serviceName); !chosen.isEmpty())
            return operation.append(chosen);
    }
    qsizetype start = path.startsWith('/') ? 1 : 0;
    operation.append('/');
    while (start <= path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        const QByteArrayView segment = path.sliced(start, end - start);
        const QByteArrayView placeholder = templates && templates->isLiteral(segment, serviceName)
                                               ? QByteArrayView()
                                               : PathTemplater::placeholderFor(segment);
        operation.append(placeholder.isEmpty() ? segment : placeholder);
        if (end < path.size())
            operation.append('/');
        start = end + 1;
    }
    return operation;
}

CacheStore &ResponseCache::storeFor(int service) const {
    if (service >= 0 && service < m_serviceCapacity)
        return *m_stores[size_t(m_storeOfService[size_t(service)])];
    return *m_stores[0];
}

ResponseCache::Found ResponseCache::find(int service, QByteArrayView primaryKey,
                                         const HttpHeaders &requestHeaders) {
    Found found;
    CacheStore &store = storeFor(service);
    auto payload = store.lookup(primaryKey);
    if (!payload)
        return found;
    if (const auto *marker = dynamic_cast<const VaryMarker *>(payload.get())) {
        // The secondary key of this request for the fields the stored variants vary on.
        HttpHeaders vary;
        QByteArray fields;
        for (const QByteArray &field : marker->fields)
            fields += (fields.isEmpty() ? "" : ", ") + field;
        vary.push_back({"vary", fields});
        const auto secondary = CacheKey::secondary(vary, requestHeaders);
        if (!secondary)
            return found;
        auto variant = store.lookup(variantKey(primaryKey, *secondary));
        found.response = std::dynamic_pointer_cast<const StoredResponse>(variant);
        found.varyMiss = !found.response;
        return found;
    }
    found.response = std::dynamic_pointer_cast<const StoredResponse>(payload);
    return found;
}

ResponseCache::StoreResult ResponseCache::store(int service, QByteArrayView primaryKey,
                                                const HttpHeaders &requestHeaders,
                                                std::shared_ptr<StoredResponse> response) {
    CacheStore &store = storeFor(service);
    const QList<QByteArray> fields = CacheKey::varyFields(response->headers);
    const std::int64_t weight = response->weight();
    if (weight > maxObjectBytes(service))
        return StoreResult::TooLarge;
    // Counted against the service its key names, as removals are (an unnamed one: not at all).
    const int named = serviceOfKey(primaryKey);
    const int index = named == service && service < m_serviceCapacity ? service : -1;
    const auto account = [&](std::int64_t bytes) {
        if (index < 0)
            return;
        m_bytes[size_t(index)].fetch_add(std::max<std::int64_t>(bytes, 1));
        m_objects[size_t(index)].fetch_add(1);
    };
    const auto unaccount = [&](std::int64_t bytes) {
        if (index < 0)
            return;
        m_bytes[size_t(index)].fetch_sub(std::max<std::int64_t>(bytes, 1));
        m_objects[size_t(index)].fetch_sub(1);
    };
    response->service = service;
    if (fields.isEmpty()) {
        response->secondaryKey.clear();
        account(weight);
        const auto result = store.insert(primaryKey, weight, std::move(response));
        if (result == CacheStore::InsertResult::TooLarge) {
            unaccount(weight);
            return StoreResult::TooLarge;
        }
        return result == CacheStore::InsertResult::Stored ? StoreResult::Stored
                                                          : StoreResult::Rejected;
    }
    if (CacheKey::varyStar(response->headers))
        return StoreResult::VaryStar;
    const auto secondary = CacheKey::secondary(response->headers, requestHeaders);
    if (!secondary)
        return StoreResult::VaryStar;
    response->secondaryKey = *secondary;
    // The marker first: a variant is only found through it. A marker with other fields
    // replaces the old one (the old variants then age out: nothing leads to them).
    auto existing = store.lookup(primaryKey);
    const auto *marker = dynamic_cast<const VaryMarker *>(existing.get());
    if (!marker || marker->fields != fields) {
        auto fresh = std::make_shared<VaryMarker>();
        fresh->fields = fields;
        std::int64_t markerWeight = 32 + primaryKey.size();
        for (const QByteArray &field : fields)
            markerWeight += field.size();
        account(markerWeight);
        const auto result = store.insert(primaryKey, markerWeight, std::move(fresh));
        if (result == CacheStore::InsertResult::TooLarge)
            unaccount(markerWeight);
        if (result != CacheStore::InsertResult::Stored)
            return StoreResult::Rejected;
    }
    account(weight);
    const QByteArray key = variantKey(primaryKey, response->secondaryKey);
    const auto result = store.insert(key, weight, std::move(response));
    if (result == CacheStore::InsertResult::TooLarge) {
        unaccount(weight);
        return StoreResult::TooLarge;
    }
    return result == CacheStore::InsertResult::Stored ? StoreResult::Stored : StoreResult::Rejected;
}

ResponseCache::StoreResult ResponseCache::storeFill(int service, QByteArrayView primaryKey,
                                                    const HttpHeaders &requestHeaders,
                                                    std::shared_ptr<StoredResponse> response,
                                                    std::uint64_t since) {
    if (m_invalidations.invalidatedSince(since, primaryKey))
        return StoreResult::Overtaken;
    const StoreResult result = store(service, primaryKey, requestHeaders, std::move(response));
    // An invalidation records itself before it erases: one that came between the check above
    // and the insert is seen here, one that comes later erases what was inserted.
    if (result == StoreResult::Stored && m_invalidations.invalidatedSince(since, primaryKey)) {
        eraseWithVariants(storeFor(service), primaryKey);
        return StoreResult::Overtaken;
    }
    return result;
}

std::size_t ResponseCache::invalidate(int service, QByteArrayView primaryKey) {
    m_invalidations.recordKey(primaryKey); // first: see storeFill
    return eraseWithVariants(storeFor(service), primaryKey);
}

std::size_t ResponseCache::eraseWithVariants(CacheStore &store, QByteArrayView primaryKey) {
    std::size_t count = store.erase(primaryKey) ? 1 : 0;
    QByteArray variants = primaryKey.toByteArray();
    variants.append(kVariantSeparator);
    return count + store.eraseByPrefix(variants);
}

ResponseCache::Page ResponseCache::list(QByteArrayView cursor, int limit, int service,
                                        QByteArrayView prefix) const {
    Page page;
    // The cursor names the store and the last key listed in it.
    size_t first = 0;
    QByteArrayView after;
    if (!cursor.isEmpty()) {
        const auto colon = cursor.indexOf(':');
        bool ok = false;
        const int index = colon > 0 ? cursor.first(colon).toInt(&ok) : -1;
        if (ok && index >= 0) {
            first = size_t(index);
            after = cursor.sliced(colon + 1);
        }
    }
    const HttpTime wall = wallNow();
    for (size_t s = first; s < m_stores.size() && int(page.entries.size()) < limit; ++s) {
        if (service >= 0 && size_t(m_storeOfService.at(size_t(service))) != s)
            continue;
        const CacheStore::Page part = m_stores[s]->list(s == first ? after : QByteArrayView(),
                                                        limit - int(page.entries.size()), prefix);
        for (const CacheStore::EntryInfo &info : part.entries) {
            const auto *response = dynamic_cast<const StoredResponse *>(info.payload.get());
            if (!response)
                continue; // a Vary marker: its variants are listed
            if (service >= 0 && response->service != service)
                continue;
            Entry entry;
            entry.key = info.key;
            entry.service = response->service;
            entry.bytes = info.bytes;
            entry.hits = info.hits;
            entry.status = response->status;
            entry.ttlSource = response->ttlSource;
            entry.age = response->currentAge(wall);
            entry.ttlLeft = response->lifetime.value - entry.age;
            page.entries.push_back(std::move(entry));
        }
        if (part.more) {
            page.more = true;
            page.nextCursor = QByteArray::number(qulonglong(s)) + ':' + part.nextCursor;
            return page;
        }
    }
    return page;
}

std::size_t ResponseCache::purgeKey(QByteArrayView key, SharedPurgeDone done) {
    if (m_sharedPurger) // variants are never in the shared tier
        m_sharedPurger({m_instanceId, InvalidationMessage::Scope::Keys, {key.toByteArray()}},
                       std::move(done));
    return dropKey(key);
}

std::size_t ResponseCache::purgePrefix(QByteArrayView prefix, SharedPurgeDone done) {
    if (m_sharedPurger)
        m_sharedPurger({m_instanceId, InvalidationMessage::Scope::Prefix, {prefix.toByteArray()}},
                       std::move(done));
    return dropPrefix(prefix);
}

std::size_t ResponseCache::purgeAll(SharedPurgeDone done) {
    if (m_sharedPurger)
        m_sharedPurger({m_instanceId, InvalidationMessage::Scope::All, {}}, std::move(done));
    return dropAll();
}

std::size_t ResponseCache::drop(const InvalidationMessage &message) {
    std::size_t count = 0;
    switch (message.scope) {
    case InvalidationMessage::Scope::Keys:
        for (const QByteArray &key : message.keys)
            count += dropKey(key);
        break;
    case InvalidationMessage::Scope::Prefix:
        for (const QByteArray &prefix : message.keys)
            count += dropPrefix(prefix);
        break;
    case InvalidationMessage::Scope::All:
        count = dropAll();
        break;
    }
    return count;
}

std::size_t ResponseCache::dropStoredBeforeNow() {
    // Messages were missed: any fill in flight may be overtaken by one of them.
    m_invalidations.recordAll();
    const Clock::time_point now = m_clock.now();
    std::size_t count = 0;
    for (const auto &store : m_stores)
        count += store->eraseInsertedBefore(now);
    return count;
}

std::size_t ResponseCache::dropKey(QByteArrayView key) {
    m_invalidations.recordKey(key);
    std::size_t count = 0;
    for (const auto &store : m_stores)
        count += eraseWithVariants(*store, key);
    return count;
}

std::size_t ResponseCache::dropPrefix(QByteArrayView prefix) {
    m_invalidations.recordPrefix(prefix);
    std::size_t count = 0;
    for (const auto &store : m_stores)
        count += store->eraseByPrefix(prefix);
    return count;
}

std::size_t ResponseCache::dropAll() {
    m_invalidations.recordAll();
    std::size_t count = 0;
    for (const auto &store : m_stores) {
        count += std::size_t(store->stats().objects);
        store->clear();
    }
    return count;
}

CacheCounters &ResponseCache::counters(int worker, int service) {
    const int w = std::clamp(worker, 0, m_workers - 1);
    const int s = std::clamp(service, 0, std::max(0, m_serviceCapacity - 1));
    return m_counters[size_t(w) * size_t(std::max(1, m_serviceCapacity)) + size_t(s)];
}

CacheServiceTotals ResponseCache::totals(int service) const {
    CacheServiceTotals t;
    if (service < 0 || service >= m_serviceCapacity)
        return t;
    for (int w = 0; w < m_workers; ++w) {
        const CacheCounters &c =
            m_counters[size_t(w) * size_t(m_serviceCapacity) + size_t(service)];
        t.hits += c.hits.value();
        t.misses += c.misses.value();
        t.staleServed += c.staleServed.value();
        t.revalidations += c.revalidations.value();
        t.revalidated += c.revalidated.value();
        t.backgroundRevalidations += c.backgroundRevalidations.value();
        t.backgroundFailures += c.backgroundFailures.value();
        t.coalescedWaits += c.coalescedWaits.value();
        t.stores += c.stores.value();
        t.uncacheable += c.uncacheable.value();
        t.invalidations += c.invalidations.value();
        t.overtakenFills += c.overtakenFills.value();
        t.bypassed += c.bypassed.value();
        t.sharedHits += c.sharedHits.value();
        t.sharedMisses += c.sharedMisses.value();
        t.sharedErrors += c.sharedErrors.value();
    }
    t.evictions = m_evictions[size_t(service)].load(std::memory_order_relaxed);
    t.bytes = m_bytes[size_t(service)].load(std::memory_order_relaxed);
    t.objects = m_objects[size_t(service)].load(std::memory_order_relaxed);
    return t;
}

std::vector<CacheStore::Stats> ResponseCache::storeStats() const {
    std::vector<CacheStore::Stats> stats;
    for (const auto &store : m_stores)
        stats.push_back(store->stats());
    return stats;
}

int ResponseCache::serviceOfKey(QByteArrayView key) const {
    const auto space = key.indexOf(' ');
    if (space <= 0)
        return -1;
    std::lock_guard lock(m_namesMutex);
    return m_serviceByName.value(key.first(space).toByteArray(), -1);
}

void ResponseCache::onRemoved(const CacheStore::Removal &removal) {
    const int service = serviceOfKey(primaryOf(removal.key));
    if (service < 0 || service >= m_serviceCapacity)
        return;
    m_bytes[size_t(service)].fetch_sub(std::max<std::int64_t>(removal.bytes, 1));
    m_objects[size_t(service)].fetch_sub(1);
    if (removal.cause == CacheStore::RemovalCause::Evicted ||
        removal.cause == CacheStore::RemovalCause::Rejected)
        m_evictions[size_t(service)].fetch_add(1);
}

} // namespace ToolCapture
