#include <backend/admin/cache_api.h>
#include <backend/cache/response_cache.h>
#include <backend/cache/stored_response.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>

#include <QMutex>

#include <array>
#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

using Json = nlohmann::ordered_json;

constexpr QByteArrayView kCachePath = "/api/v1/cache";
constexpr QByteArrayView kStatsPath = "/api/v1/cache/stats";

QByteArray dump(const Json &json) {
    // Keys are request targets as received: never let a stray byte make the document fail.
    return QByteArray::fromStdString(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string str(QByteArrayView bytes) {
    return std::string(bytes.data(), size_t(bytes.size()));
}

QByteArrayView queryOf(const QByteArray &target) {
    const qsizetype mark = target.indexOf('?');
    return mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1);
}

HttpResponse withHeader(HttpResponse response, QByteArray name, QByteArray value) {
    response.headers.push_back({std::move(name), std::move(value)});
    return response;
}

HttpResponse noStore(HttpResponse response) {
    return withHeader(std::move(response), "Cache-Control", "no-store");
}

HttpResponse methodNotAllowed(const QByteArray &method, QByteArrayView path, QByteArray allow) {
    return withHeader(
        ApiProblem::response(405, "The method " + method + " is not allowed here.", path), "Allow",
        std::move(allow));
}

// "store index:key": what ResponseCache::Page::nextCursor looks like.
bool validCursor(QByteArrayView cursor) {
    const qsizetype colon = cursor.indexOf(':');
    if (colon <= 0 || colon > 4)
        return false;
    for (char c : cursor.first(colon)) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

Json serviceJson(const CacheSnapshot::Service &service) {
    const CacheServiceTotals &t = service.totals;
    const std::uint64_t lookups = t.hits + t.misses + t.revalidations + t.staleServed;
    return {{"service", service.name.toStdString()},
            {"hits", t.hits},
            {"misses", t.misses},
            {"stale_served", t.staleServed},
            {"revalidations", t.revalidations},
            {"revalidated", t.revalidated},
            {"coalesced_waits", t.coalescedWaits},
            {"stores", t.stores},
            {"uncacheable", t.uncacheable},
            {"invalidations", t.invalidations},
            {"overtaken_fills", t.overtakenFills},
            {"bypassed", t.bypassed},
            {"shared",
             {{"hits", t.sharedHits}, {"misses", t.sharedMisses}, {"errors", t.sharedErrors}}},
            {"evictions", t.evictions},
            {"bytes", t.bytes},
            {"objects", t.objects},
            {"hit_ratio", lookups == 0 ? Json(nullptr) : Json(double(t.hits) / double(lookups))}};
}

Json storeJson(std::size_t index, const CacheStore::Stats &s) {
    return {{"index", index},
            {"capacity_bytes", s.capacityBytes},
            {"bytes", s.bytes},
            {"objects", s.objects},
            {"hits", s.hits},
            {"misses", s.misses},
            {"insertions", s.insertions},
            {"evictions", s.evictions},
            {"evicted_bytes", s.evictedBytes},
            {"admissions_rejected", s.admissionsRejected},
            {"rejected_too_large", s.rejectedTooLarge},
            {"erased", s.erased},
            {"replaced", s.replaced}};
}

Json sharedTierJson(const CacheSnapshot &snapshot) {
    if (!snapshot.sharedTier)
        return nullptr;
    const ResponseCache::SharedTierStatus &s = snapshot.shared;
    return {{"state", snapshot.sharedState()},
            {"connections", s.connections},
            {"connected", s.connected},
            {"last_error", s.lastError.isEmpty() ? Json(nullptr) : Json(s.lastError.toStdString())},
            {"hits", s.hits},
            {"misses", s.misses},
            {"writes", s.writes},
            {"down", s.down},
            {"timeouts", s.timeouts},
            {"errors", s.errors},
            {"connects", s.connects},
            {"invalidation",
             {{"state", snapshot.invalidationState()},
              {"last_error", s.subscribed || s.subscriberError.isEmpty()
                                 ? Json(nullptr)
                                 : Json(s.subscriberError.toStdString())},
              {"outages", s.subscriberOutages},
              {"published", s.published},
              {"received", s.received},
              {"applied", s.applied},
              {"own", s.ownIgnored},
              {"refused", s.refused},
              {"entries_dropped", s.entriesDropped},
              {"resubscribe_dropped", s.resyncDropped}}}};
}

} // namespace

// How a purge's shared-tier answer, which comes in a proxy worker's thread, reaches its
// CacheApi: the destructor clears `api` under the lock, so nothing is posted to a destroyed
// object; a post that got in before is discarded with the object's posted events.
struct CacheApi::Guard {
    QMutex mutex;
    CacheApi *api = nullptr;

    void post(std::function<void()> call) {
        QMutexLocker lock(&mutex);
        if (api)
            QMetaObject::invokeMethod(api, std::move(call), Qt::QueuedConnection);
    }
};

CacheApi::CacheApi(Context context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_guard(std::make_shared<Guard>()) {
    m_guard->api = this;
}

CacheApi::~CacheApi() {
    QMutexLocker lock(&m_guard->mutex);
    m_guard->api = nullptr;
}

bool CacheApi::handles(QByteArrayView path) noexcept {
    return path == kCachePath || path == kStatsPath;
}

void CacheApi::handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;
    const bool reads = method == "GET" || method == "HEAD";
    if (path == kStatsPath) {
        if (!reads) {
            responder->respond(methodNotAllowed(method, path, "GET, HEAD"));
            return;
        }
        // It takes no parameters; one given is a mistake (a filter the caller thinks applies),
        // refused as the other cache resources refuse an unknown one.
        std::vector<QueryParameter> parameters;
        QueryError refused;
        if (!parseQueryParameters(queryOf(request.head.target), {}, parameters, refused)) {
            responder->respond(ApiProblem::badParameter(refused.parameter, refused.reason, path));
            return;
        }
        responder->respond(noStore(HttpResponse::json(200, statsDocument(snapshot()))));
        return;
    }
    if (reads) {
        responder->respond(noStore(list(request, path)));
    } else if (method == "DELETE") {
        purge(request, path, responder);
    } else {
        responder->respond(methodNotAllowed(method, path, "GET, HEAD, DELETE"));
    }
}

CacheSnapshot CacheApi::snapshot() const {
    if (!m_context.cache)
        return {};
    return CacheSnapshot::take(*m_context.cache,
                               m_context.serviceNames ? m_context.serviceNames() : QStringList());
}

QByteArray CacheApi::statsDocument(const CacheSnapshot &snapshot) {
    Json services = Json::array();
    for (const CacheSnapshot::Service &service : snapshot.services)
        services.push_back(serviceJson(service));
    Json stores = Json::array();
    for (std::size_t i = 0; i < snapshot.stores.size(); ++i)
        stores.push_back(storeJson(i, snapshot.stores[i]));
    Json body;
    body["enabled"] = snapshot.enabled;
    body["shared_tier"] = snapshot.sharedTier;
    body["shared_tier_status"] = sharedTierJson(snapshot);
    body["services"] = std::move(services);
    body["stores"] = std::move(stores);
    return dump(body);
}

std::optional<CacheApi::ListQuery>
CacheApi::parseListQuery(QByteArrayView query, QByteArray *badParameter, QByteArray *error) {
    static constexpr std::array<QByteArrayView, 4> kKnown{"service", "prefix", "cursor", "limit"};
    const auto fail = [&](const QByteArray &name, QByteArray reason) {
        *badParameter = name;
        *error = std::move(reason);
        return std::nullopt;
    };
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(query, kKnown, parameters, refused))
        return fail(refused.parameter, refused.reason);
    ListQuery q;
    for (const auto &[name, value] : parameters) {
        if (name == "service") {
            q.service = QString::fromUtf8(value);
        } else if (name == "prefix") {
            q.prefix = value;
        } else if (name == "cursor") {
            if (!validCursor(value))
                return fail(name, "not a cursor this API gave (next_cursor of a page)");
            q.cursor = value;
        } else if (name == "limit") {
            bool ok = false;
            const int limit = value.toInt(&ok);
            if (!ok || limit < 1 || limit > kMaxLimit)
                return fail(name, "a number from 1 to " + QByteArray::number(kMaxLimit));
            q.limit = limit;
        }
    }
    return q;
}

std::optional<CacheApi::PurgeQuery>
CacheApi::parsePurgeQuery(QByteArrayView query, QByteArray *badParameter, QByteArray *error) {
    static constexpr std::array<QByteArrayView, 3> kKnown{"key", "prefix", "service"};
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(query, kKnown, parameters, refused)) {
        *badParameter = refused.parameter;
        *error = refused.reason;
        return std::nullopt;
    }
    if (parameters.size() > 1) {
        *badParameter = parameters[1].name;
        *error = "give one of key, prefix and service, not " + parameters[0].name + " and " +
                 parameters[1].name;
        return std::nullopt;
    }
    PurgeQuery q;
    if (parameters.empty())
        return q;
    const QueryParameter &p = parameters.front();
    q.scope = p.name == "key"      ? PurgeQuery::Scope::Key
              : p.name == "prefix" ? PurgeQuery::Scope::Prefix
                                   : PurgeQuery::Scope::Service;
    q.value = p.value;
    return q;
}

HttpResponse CacheApi::list(const HttpRequest &request, QByteArrayView path) const {
    QByteArray parameter;
    QByteArray error;
    const std::optional<ListQuery> query =
        parseListQuery(queryOf(request.head.target), &parameter, &error);
    if (!query)
        return ApiProblem::badParameter(parameter, error, path);
    if (!m_context.cache) {
        return ApiProblem::response(
            404, "This engine has no response cache (cache.enabled is false).", path);
    }
    const QStringList names = m_context.serviceNames ? m_context.serviceNames() : QStringList();
    int service = -1;
    if (!query->service.isEmpty()) {
        service = int(names.indexOf(query->service));
        if (service < 0)
            return ApiProblem::badParameter("service", "no service has this name", path);
    }
    const ResponseCache::Page page =
        m_context.cache->list(query->cursor, query->limit, service, query->prefix);
    Json entries = Json::array();
    for (const ResponseCache::Entry &entry : page.entries) {
        entries.push_back({{"key", str(entry.key)},
                           {"service", entry.service >= 0 && entry.service < names.size()
                                           ? Json(names[entry.service].toStdString())
                                           : Json(nullptr)},
                           {"status", entry.status},
                           {"bytes", entry.bytes},
                           {"age_s", entry.age.count()},
                           {"ttl_left_s", entry.ttlLeft.count()},
                           {"ttl_source", str(ttlSourceName(entry.ttlSource))},
                           {"hits", entry.hits}});
    }
    Json body;
    body["entries"] = std::move(entries);
    body["next_cursor"] = page.more ? Json(str(page.nextCursor)) : Json(nullptr);
    return HttpResponse::json(200, dump(body));
}

void CacheApi::purge(const HttpRequest &request, QByteArrayView path,
                     const std::shared_ptr<HttpResponder> &responder) {
    QByteArray parameter;
    QByteArray error;
    const std::optional<PurgeQuery> query =
        parsePurgeQuery(queryOf(request.head.target), &parameter, &error);
    if (!query) {
        responder->respond(ApiProblem::badParameter(parameter, error, path));
        return;
    }
    if (!m_context.cache) {
        responder->respond(ApiProblem::response(
            409, "This engine has no response cache to purge (cache.enabled is false).", path));
        return;
    }
    ResponseCache &cache = *m_context.cache;
    const char *scope = "all";
    QByteArray prefix; // of the keys purged (Prefix, Service)
    switch (query->scope) {
    case PurgeQuery::Scope::All:
        break;
    case PurgeQuery::Scope::Key:
        scope = "key";
        break;
    case PurgeQuery::Scope::Prefix:
        scope = "prefix";
        prefix = query->value;
        break;
    case PurgeQuery::Scope::Service: {
        scope = "service";
        const QStringList names = m_context.serviceNames ? m_context.serviceNames() : QStringList();
        if (!names.contains(QString::fromUtf8(query->value))) {
            responder->respond(
                ApiProblem::badParameter("service", "no service has this name", path));
            return;
        }
        prefix = query->value + ' ';
        break;
    }
    }
    Json body;
    body["scope"] = scope;
    if (query->scope != PurgeQuery::Scope::All)
        body["value"] = str(query->value);

    // With a shared tier the purge is done only when Redis has done it too: a purge that
    // reached memory alone would be undone by the next look-up there (this proxy's, or any
    // other's). So the answer waits for the shared tier's, which its client bounds.
    ResponseCache::SharedPurgeDone done;
    // The local count, set below before the shared tier's answer can be read: that answer is
    // posted to this thread, which finishes this call first.
    auto purged = std::make_shared<std::size_t>(0);
    if (cache.hasSharedPurger()) {
        done = [guard = m_guard, responder, body, purged,
                instance = path.toByteArray()](const ResponseCache::SharedPurge &shared) {
            guard->post([responder, body, purged, instance, shared]() mutable {
                body["purged"] = *purged;
                if (shared.ok) {
                    body["shared_purged"] = shared.removed;
                    responder->respond(noStore(HttpResponse::json(200, dump(body))));
                    return;
                }
                const QByteArray detail =
                    "The entries in this proxy's memory were purged (" +
                    QByteArray::number(qulonglong(*purged)) +
                    "), but not those in the shared tier (Redis): " + shared.error.toUtf8() +
                    ". Other proxies may still serve them from it; repeat the purge when it is "
                    "back.";
                Json members;
                members["scope"] = body["scope"];
                if (body.contains("value"))
                    members["value"] = body["value"];
                members["purged"] = *purged;
                members["shared_purged"] = nullptr;
                members["shared_error"] = shared.error.toStdString();
                responder->respond(ApiProblem::response(503, detail, instance, {}, dump(members)));
            });
        };
    }
    const auto purgeWith = [&](ResponseCache::SharedPurgeDone shared) {
        switch (query->scope) {
        case PurgeQuery::Scope::All:
            return cache.purgeAll(std::move(shared));
        case PurgeQuery::Scope::Key:
            return cache.purgeKey(query->value, std::move(shared));
        case PurgeQuery::Scope::Prefix:
        case PurgeQuery::Scope::Service:
            break;
        }
        return cache.purgePrefix(prefix, std::move(shared));
    };
    if (done) {
        *purged = purgeWith(std::move(done));
        return;
    }
    body["purged"] = purgeWith({});
    responder->respond(noStore(HttpResponse::json(200, dump(body))));
}

} // namespace ToolCapture
