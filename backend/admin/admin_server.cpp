#include <backend/admin/admin_server.h>
#include <backend/admin/prometheus_writer.h>
#include <backend/http/problem_details.h>
#include <backend/httpserver/api_problem.h>

#include <QByteArrayView>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

namespace ToolCapture {

namespace {

using Json = nlohmann::ordered_json;
using Type = PrometheusWriter::Type;
using Labels = PrometheusWriter::Labels;

constexpr std::array<const char *, 6> kCodeClasses{"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

std::string str(const QString &text) {
    return text.toStdString();
}

QByteArray dump(const Json &json) {
    return QByteArray::fromStdString(json.dump());
}

HttpResponse withNoStore(HttpResponse response) {
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

int reachableInstances(const ServiceSnapshot &service) {
    return int(std::count_if(service.instances.begin(), service.instances.end(),
                             [](const InstanceSnapshot &i) { return i.reachable; }));
}

Labels instanceLabels(const ServiceSnapshot &service, const InstanceSnapshot &instance) {
    return {{"service", service.name.toUtf8()}, {"instance", instance.id.toUtf8()}};
}

// Calls `f(labels, totals, instance)` for every instance of every service.
template<typename F>
void forEachInstance(const EngineSnapshot &snapshot, F &&f) {
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances)
            f(instanceLabels(service, instance), instance.totals, instance);
    }
}

// A counter family with one sample per instance, read from the instance's totals.
void instanceCounter(PrometheusWriter &writer, const EngineSnapshot &snapshot, QByteArrayView name,
                     QByteArrayView help, std::uint64_t InstanceTotals::*field) {
    writer.family(name, Type::Counter, help);
    forEachInstance(snapshot,
                    [&](const Labels &labels, const InstanceTotals &totals,
                        const InstanceSnapshot &) { writer.sample(labels, totals.*field); });
}

constexpr std::array<BreakerState, 6> kBreakerStates{
    BreakerState::Closed,     BreakerState::Open,         BreakerState::HalfOpen,
    BreakerState::ForcedOpen, BreakerState::ForcedClosed, BreakerState::Disabled};

constexpr QByteArrayView kBreakersPath = "/api/v1/breakers";
constexpr QByteArrayView kCapturePath = "/api/v1/capture";
// The longest "actor" or "reason" a breaker command may give.
constexpr std::size_t kMaxAuditText = 500;
constexpr QByteArrayView kBreakerPrefix = "/api/v1/breakers/";

// A JSON null for an absent value.
template<typename T>
Json orNull(bool present, T value) {
    return present ? Json(value) : Json(nullptr);
}

Json isoTime(const QDateTime &time) {
    return time.isValid() ? Json(str(time.toUTC().toString(Qt::ISODateWithMs))) : Json(nullptr);
}

double toMs(std::chrono::steady_clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

Json outcomesJson(const std::vector<OutcomeRecord> &outcomes) {
    Json list = Json::array();
    for (const OutcomeRecord &outcome : outcomes) {
        list.push_back({{"kind", toString(outcome.kind)},
                        {"failure", outcome.failure},
                        {"slow", outcome.slow},
                        {"duration_ms", outcome.duration.count()},
                        {"at", isoTime(outcome.at)}});
    }
    return list;
}

Json transitionJson(const BreakerTransition &transition) {
    return {{"instance", str(transition.instanceId)}, {"from", toString(transition.from)},
            {"to", toString(transition.to)},          {"at", isoTime(transition.at)},
            {"cause", str(transition.cause)},         {"story", outcomesJson(transition.story)}};
}

Json auditJson(const BreakerAuditEntry &entry) {
    return {{"instance", str(entry.instanceId)},
            {"actor", entry.actor.isEmpty() ? Json(nullptr) : Json(str(entry.actor))},
            {"reason", entry.reason.isEmpty() ? Json(nullptr) : Json(str(entry.reason))},
            {"at", isoTime(entry.at)},
            {"previous_state", toString(entry.previousState)},
            {"previous_mode", toString(entry.previousMode)},
            {"mode", toString(entry.mode)}};
}

Json breakerJson(const ServiceSnapshot &service, const InstanceSnapshot &instance) {
    const BreakerSnapshot &b = instance.breaker;
    const bool open = b.state == BreakerState::Open;
    Json transitions = Json::array();
    for (const BreakerTransition &transition : b.recentTransitions)
        transitions.push_back(transitionJson(transition));
    return {
        {"instance", str(instance.id)},
        {"service", str(service.name)},
        {"state", toString(b.state)},
        {"mode", toString(b.mode)},
        {"window",
         {{"calls", b.calls},
          {"failures", b.failures},
          {"slow_calls", b.slowCalls},
          {"overload_calls", b.overloadCalls},
          {"minimum_calls", b.minimumCalls},
          {"failure_rate", b.failureRate},
          {"slow_call_rate", b.slowCallRate}}},
        {"totals",
         {{"calls", b.totalCalls},
          {"failures", b.totalFailures},
          {"slow_calls", b.totalSlowCalls},
          {"overload_calls", b.totalOverloadCalls}}},
        {"threshold",
         {{"failure_rate", b.threshold},
          {"explanation", str(b.thresholdExplanation)},
          {"baseline_failure_rate", b.baselineFailureRate},
          {"slow_call_rate", b.slowCallRateThreshold},
          {"slow_call_duration_ms", b.slowCallDuration.count()}}},
        {"consecutive_failures", b.consecutiveFailures},
        {"consecutive_trips", b.consecutiveTrips},
        {"open_until", open ? isoTime(b.openUntil) : Json(nullptr)},
        {"reopens_in_ms", orNull(open, b.openRemaining.count())},
        {"probes", {{"admitted", b.probesAdmitted}, {"succeeded", b.probesSucceeded}}},
        {"transitions_total", instance.breakerTransitions},
        {"story", outcomesJson(b.story)},
        {"recent_transitions", std::move(transitions)},
    };
}

Json healthJson(const HealthSnapshot &h, std::chrono::steady_clock::time_point now) {
    Json lastCheck = nullptr;
    if (h.lastResult != HealthSnapshot::CheckResult::None) {
        lastCheck = {
            {"result", h.lastResult == HealthSnapshot::CheckResult::Passed ? "passed" : "failed"},
            {"status", orNull(h.lastStatus != 0, h.lastStatus)},
            {"latency_ms", h.lastLatency.count()},
            {"error", orNull(!h.lastError.isEmpty(), str(h.lastError))},
            {"age_ms", toMs(now - h.lastCheckAt)}};
    }
    return {{"healthy", h.healthy},
            {"active_healthy", h.activeHealthy},
            {"checked", h.checked},
            {"weight", h.weight},
            {"consecutive_passes", h.consecutivePasses},
            {"consecutive_failures", h.consecutiveFailures},
            {"ejected", h.ejected},
            {"ejected_for_ms", orNull(h.ejected, toMs(h.ejectedUntil - now))},
            {"ejection_reason", orNull(!h.ejectionReason.isEmpty(), str(h.ejectionReason))},
            {"last_check", std::move(lastCheck)}};
}

// The instance with `id` and its service, or nulls.
std::pair<const ServiceSnapshot *, const InstanceSnapshot *>
findInstance(const EngineSnapshot &snapshot, const QString &id) {
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances) {
            if (instance.id == id)
                return {&service, &instance};
        }
    }
    return {nullptr, nullptr};
}

// The operator actions of POST /api/v1/breakers/{instance}.
std::optional<BreakerMode> parseAction(std::string_view action) {
    if (action == "force_open")
        return BreakerMode::ForceOpen;
    if (action == "force_closed")
        return BreakerMode::ForceClosed;
    if (action == "disable")
        return BreakerMode::Disabled;
    if (action == "auto")
        return BreakerMode::Auto;
    return std::nullopt;
}

HttpResponse withAllow(HttpResponse response, QByteArray allow) {
    response.headers.push_back({"Allow", std::move(allow)});
    return response;
}

// Requests the response cache answered without an instance (fresh, coalesced or stale
// answers): part of the service's traffic, in none of its instances' counts.
std::uint64_t answeredByCache(const CacheSnapshot::Service &service) {
    return service.totals.hits + service.totals.staleServed;
}

double meanLatencyMs(const InstanceTotals &totals) {
    std::uint64_t count = 0;
    for (std::uint64_t n : totals.latencyBuckets)
        count += n;
    return count == 0 ? 0.0 : double(totals.latencySumMicros) / 1000.0 / double(count);
}

// A counter family with one sample per service, read from the service's cache totals.
void cacheCounter(PrometheusWriter &writer, const CacheSnapshot &cache, QByteArrayView name,
                  QByteArrayView help, std::uint64_t CacheServiceTotals::*field) {
    writer.family(name, Type::Counter, help);
    for (const CacheSnapshot::Service &service : cache.services)
        writer.sample({{"service", service.name.toUtf8()}}, service.totals.*field);
}

void cacheGauge(PrometheusWriter &writer, const CacheSnapshot &cache, QByteArrayView name,
                QByteArrayView help, std::int64_t CacheServiceTotals::*field) {
    writer.family(name, Type::Gauge, help);
    for (const CacheSnapshot::Service &service : cache.services)
        writer.sample({{"service", service.name.toUtf8()}}, service.totals.*field);
}

// The intelligence store (nothing when the engine has none).
void storeFamilies(PrometheusWriter &w, const StoreSnapshot &store) {
    if (!store.enabled)
        return;
    w.family("toolcapture_store_connected", Type::Gauge,
             "1 while the intelligence store's database is connected and migrated, 0 while rows "
             "wait in memory.");
    w.sample({}, std::uint64_t(store.connected ? 1 : 0));
    w.family("toolcapture_store_rows_total", Type::Counter,
             "Intelligence store rows by outcome: written, dropped (the memory limit was reached, "
             "the database away or slower than the traffic), rejected (refused by the "
             "database), expired (removed by retention).");
    w.sample({{"outcome", "written"}}, store.written);
    w.sample({{"outcome", "dropped"}}, store.dropped);
    w.sample({{"outcome", "rejected"}}, store.rejected);
    w.sample({{"outcome", "expired"}}, store.expired);
    w.family("toolcapture_store_pending_rows", Type::Gauge,
             "Intelligence store rows queued in memory and not yet written.");
    w.sample({}, store.pending);
    w.family("toolcapture_store_connect_failures_total", Type::Counter,
             "Intelligence store connection attempts that failed (each retry counts).");
    w.sample({}, store.connectFailures);
    w.family("toolcapture_store_schema_version", Type::Gauge,
             "The intelligence store's schema version (0 until connected).");
    w.sample({}, std::int64_t(store.schemaVersion));
}

// The shared tier's Redis connections (one per worker), summed over the workers.
void sharedTierFamilies(PrometheusWriter &w, const ResponseCache::SharedTierStatus &shared) {
    w.family("toolcapture_redis_connections", Type::Gauge,
             "The workers' connections to the cache's shared tier (Redis): connected (AUTH and "
             "SELECT accepted) or down.");
    w.sample({{"state", "connected"}}, std::int64_t(shared.connected));
    w.sample({{"state", "down"}}, std::int64_t(shared.connections - shared.connected));
    w.family("toolcapture_redis_commands_total", Type::Counter,
             "Redis commands of the cache's shared tier by outcome: hit and miss (GET), write "
             "(SET or UNLINK acknowledged), down (not sent: not connected), timeout (no answer in "
             "time), error (an error reply or a broken connection).");
    w.sample({{"outcome", "hit"}}, shared.hits);
    w.sample({{"outcome", "miss"}}, shared.misses);
    w.sample({{"outcome", "write"}}, shared.writes);
    w.sample({{"outcome", "down"}}, shared.down);
    w.sample({{"outcome", "timeout"}}, shared.timeouts);
    w.sample({{"outcome", "error"}}, shared.errors);
    w.family("toolcapture_redis_connects_total", Type::Counter,
             "Connections to the cache's shared tier made ready (the first ones included).");
    w.sample({}, shared.connects);
    if (!shared.subscriber)
        return;
    w.family("toolcapture_redis_invalidation_subscribed", Type::Gauge,
             "1 while this proxy is subscribed to the other proxies' cache invalidations "
             "(Redis confirmed it), 0 while not: their invalidations and purges are lost then.");
    w.sample({}, std::int64_t(shared.subscribed ? 1 : 0));
    w.family("toolcapture_redis_invalidation_outages_total", Type::Counter,
             "Subscriptions to the other proxies' cache invalidations that were lost.");
    w.sample({}, shared.subscriberOutages);
    w.family("toolcapture_redis_invalidations_total", Type::Counter,
             "Cross-proxy cache invalidations: published (invalidations and purges of this proxy "
             "PUBLISHed), received (messages on the channel), and of those received: applied "
             "(another proxy's), own (this proxy's, ignored), refused (not a message this "
             "version reads).");
    w.sample({{"outcome", "published"}}, shared.published);
    w.sample({{"outcome", "received"}}, shared.received);
    w.sample({{"outcome", "applied"}}, shared.applied);
    w.sample({{"outcome", "own"}}, shared.ownIgnored);
    w.sample({{"outcome", "refused"}}, shared.refused);
    w.family("toolcapture_redis_invalidation_dropped_entries_total", Type::Counter,
             "Memory cache entries dropped for other proxies: by their messages, or after a "
             "(re)subscription (everything stored before it, since messages were missed).");
    w.sample({{"cause", "message"}}, shared.entriesDropped);
    w.sample({{"cause", "resubscribed"}}, shared.resyncDropped);
}

void cacheFamilies(PrometheusWriter &w, const CacheSnapshot &cache) {
    if (!cache.enabled)
        return;
    cacheCounter(w, cache, "toolcapture_cache_hits_total",
                 "Requests answered from a fresh stored response.", &CacheServiceTotals::hits);
    cacheCounter(w, cache, "toolcapture_cache_misses_total",
                 "Lookups that found nothing usable stored: the request went upstream.",
                 &CacheServiceTotals::misses);
    cacheCounter(w, cache, "toolcapture_cache_stale_served_total",
                 "Stale responses served (max-stale, stale-if-error, every instance unavailable).",
                 &CacheServiceTotals::staleServed);
    cacheCounter(w, cache, "toolcapture_cache_revalidations_total",
                 "Conditional requests sent upstream to validate a stored response.",
                 &CacheServiceTotals::revalidations);
    cacheCounter(w, cache, "toolcapture_cache_revalidated_total",
                 "Revalidations answered 304: the stored response was served.",
                 &CacheServiceTotals::revalidated);
    cacheCounter(w, cache, "toolcapture_cache_coalesced_waits_total",
                 "Misses that waited for another request's response to the same key.",
                 &CacheServiceTotals::coalescedWaits);
    cacheCounter(w, cache, "toolcapture_cache_evictions_total",
                 "Entries that left the cache for capacity (evicted or refused admission).",
                 &CacheServiceTotals::evictions);
    cacheCounter(w, cache, "toolcapture_cache_stores_total", "Responses stored.",
                 &CacheServiceTotals::stores);
    cacheCounter(w, cache, "toolcapture_cache_uncacheable_total",
                 "Forwarded responses that could not be stored (no-store, private, status...).",
                 &CacheServiceTotals::uncacheable);
    cacheCounter(w, cache, "toolcapture_cache_overtaken_fills_total",
                 "Storable responses not stored: their key was invalidated (an unsafe method, a "
                 "purge, another proxy) while they were being fetched.",
                 &CacheServiceTotals::overtakenFills);
    if (cache.sharedTier) {
        w.family("toolcapture_cache_shared_tier_total", Type::Counter,
                 "Lookups in the shared tier (Redis) after a miss in memory: hit, miss, or error "
                 "(down, too slow, unreadable: counted as a miss by the data path).");
        for (const CacheSnapshot::Service &service : cache.services) {
            const QByteArray name = service.name.toUtf8();
            w.sample({{"service", name}, {"outcome", "hit"}}, service.totals.sharedHits);
            w.sample({{"service", name}, {"outcome", "miss"}}, service.totals.sharedMisses);
            w.sample({{"service", name}, {"outcome", "error"}}, service.totals.sharedErrors);
        }
    }
    if (cache.sharedTier)
        sharedTierFamilies(w, cache.shared);
    cacheGauge(w, cache, "toolcapture_cache_bytes", "What a service's cache entries weigh.",
               &CacheServiceTotals::bytes);
    cacheGauge(w, cache, "toolcapture_cache_objects", "A service's cache entries.",
               &CacheServiceTotals::objects);
}

// What dispatchInProcess() adds to a request of this process's console.
constexpr QByteArrayView kInProcessMark = "X-ToolCapture-In-Process";

void removeInProcessMark(HttpRequest &request) {
    auto &headers = request.head.headers;
    headers.erase(std::remove_if(
                      headers.begin(), headers.end(),
                      [](const HttpHeader &h) { return equalsIgnoreCase(h.name, kInProcessMark); }),
                  headers.end());
}

} // namespace

AdminServer::AdminServer(std::function<EngineSnapshot()> snapshot, QObject *parent)
    : QObject(parent)
    , m_snapshot(std::move(snapshot))
    , m_http(new HttpServer(
          [this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
              if (isInProcess(request)) { // a client cannot claim to be the console
                  HttpRequest copy = request;
                  removeInProcessMark(copy);
                  handle(copy, responder);
                  return;
              }
              handle(request, responder);
          },
          this)) {}

AdminServer::~AdminServer() = default;

bool AdminServer::listen(const QHostAddress &address, quint16 port, QString *error) {
    return m_http->listen(address, port, error);
}

quint16 AdminServer::port() const {
    return m_http->port();
}

void AdminServer::close() {
    m_http->close();
}

void AdminServer::setCommands(AdminCommands commands) {
    m_commands = std::move(commands);
}

void AdminServer::setToken(std::optional<AdminToken> token) {
    m_token = std::move(token);
}

void AdminServer::handle(const HttpRequest &request,
                         const std::shared_ptr<HttpResponder> &responder) {
    using Render = HttpResponse (*)(const EngineSnapshot &);
    struct Route {
        QByteArrayView path;
        Render render;
    };
    static const std::array<Route, 5> routes{{
        {"/health", &AdminServer::health},
        {kBreakersPath, &AdminServer::breakers},
        {"/metrics", &AdminServer::metrics},
        {"/api/v1/services", &AdminServer::services},
        {"/api/v1/status", &AdminServer::status},
    }};

    const QByteArrayView path = request.head.path();
    for (const Mount &mount : m_mounts) {
        if (!mount.matches(path))
            continue;
        const bool reads = request.head.method == "GET" || request.head.method == "HEAD";
        if ((reads ? mount.readsNeedToken : mount.writesNeedToken) && !isAuthorized(request)) {
            HttpResponse refused = problem(401, "This request needs the admin bearer token.", path);
            refused.headers.push_back({"WWW-Authenticate", "Bearer"});
            responder->respond(std::move(refused));
            return;
        }
        mount.handler(request, responder);
        return;
    }
    if (path == kCapturePath) {
        responder->respond(withNoStore(handleCapture(request, path)));
        return;
    }
    if (path.startsWith(kBreakerPrefix) && path.size() > kBreakerPrefix.size()) {
        const QString id = QString::fromUtf8(
            QByteArray::fromPercentEncoding(path.sliced(kBreakerPrefix.size()).toByteArray()));
        responder->respond(withNoStore(handleBreaker(request, path, id)));
        return;
    }
    const auto route = std::find_if(routes.begin(), routes.end(),
                                    [path](const Route &r) { return r.path == path; });
    if (route == routes.end()) {
        responder->respond(problem(404, "No admin resource at " + path.toByteArray() + ".", path));
        return;
    }
    if (request.head.method != "GET" && request.head.method != "HEAD") {
        HttpResponse response =
            problem(405, "The method " + request.head.method + " is not allowed here.", path);
        response.headers.push_back({"Allow", "GET, HEAD"});
        responder->respond(std::move(response));
        return;
    }
    responder->respond(withNoStore(route->render(m_snapshot())));
}

void AdminServer::mount(Mount mount) {
    m_mounts.push_back(std::move(mount));
}

HttpResponse AdminServer::problem(int status, QByteArrayView detail, QByteArrayView instance) {
    return ApiProblem::response(status, detail, instance);
}

HttpResponse AdminServer::handleBreaker(const HttpRequest &request, QByteArrayView path,
                                        const QString &instanceId) {
    const QByteArray &method = request.head.method;
    if (method == "GET" || method == "HEAD")
        return breaker(m_snapshot(), instanceId); // reads only, whatever the query says
    if (method != "POST") {
        return withAllow(problem(405, "The method " + method + " is not allowed here.", path),
                         "GET, HEAD, POST");
    }
    if (!isAuthorized(request)) {
        HttpResponse response =
            problem(401, "Changing a breaker requires the admin token as a bearer token.", path);
        response.headers.push_back({"WWW-Authenticate", R"(Bearer realm="toolcapture-admin")"});
        return response;
    }
    if (!m_commands.setBreakerMode)
        return problem(503, "This engine takes no breaker commands.", path);

    const Json body = Json::parse(request.body.begin(), request.body.end(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return problem(400, "The body must be a JSON object such as {\"action\": \"auto\"}.", path,
                       "");
    }
    constexpr QByteArrayView actions = "force_open, force_closed, disable or auto";
    const auto action = body.find("action");
    if (action == body.end() || !action->is_string()) {
        return problem(400, "action: a string is required: " + actions.toByteArray() + ".", path,
                       "/action");
    }
    const std::optional<BreakerMode> mode = parseAction(action->get<std::string>());
    if (!mode) {
        return problem(400,
                       "action: \"" + QByteArray::fromStdString(action->get<std::string>()) +
                           "\" is not one of " + actions.toByteArray() + ".",
                       path, "/action");
    }
    QString who[2];
    constexpr std::array<const char *, 2> kAuditMembers{"actor", "reason"};
    for (std::size_t i = 0; i < kAuditMembers.size(); ++i) {
        const auto member = body.find(kAuditMembers[i]);
        if (member == body.end() || member->is_null())
            continue;
        const QByteArray pointer = QByteArray("/") + kAuditMembers[i];
        if (!member->is_string() || member->get<std::string>().size() > kMaxAuditText) {
            return problem(400,
                           QByteArray(kAuditMembers[i]) + ": a string of at most " +
                               QByteArray::number(qulonglong(kMaxAuditText)) + " bytes.",
                           path, pointer);
        }
        who[i] = QString::fromStdString(member->get<std::string>()).trimmed();
    }
    if (!m_commands.setBreakerMode(instanceId, *mode, who[0], who[1])) {
        return problem(404, "No instance " + instanceId.toUtf8() + " has a circuit breaker.", path);
    }
    return breaker(m_snapshot(), instanceId);
}

bool AdminServer::isInProcess(const HttpRequest &request) {
    return std::any_of(
        request.head.headers.begin(), request.head.headers.end(),
        [](const HttpHeader &h) { return equalsIgnoreCase(h.name, kInProcessMark); });
}

void AdminServer::dispatchInProcess(HttpRequest request,
                                    const std::shared_ptr<HttpResponder> &responder) {
    removeInProcessMark(request);
    request.head.headers.push_back({kInProcessMark.toByteArray(), "console"});
    auto &headers = request.head.headers;
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const HttpHeader &h) {
                                     return equalsIgnoreCase(h.name, "Authorization");
                                 }),
                  headers.end());
    if (m_token)
        headers.push_back({"Authorization", "Bearer " + m_token->value().toUtf8()});
    handle(request, responder);
}

QByteArray AdminServer::transition(const BreakerTransition &transition) {
    return dump(transitionJson(transition));
}

QByteArray AdminServer::healthEvent(const HealthEvent &event) {
    return dump({{"instance", str(event.instanceId)},
                 {"kind", toString(event.kind)},
                 {"healthy", event.healthy},
                 {"reason", str(event.reason)},
                 {"at", isoTime(event.at)}});
}

HttpResponse AdminServer::handleCapture(const HttpRequest &request, QByteArrayView path) {
    const QByteArray &method = request.head.method;
    if (method == "GET" || method == "HEAD") {
        const EngineSnapshot snapshot = m_snapshot();
        return HttpResponse::json(200, dump({{"configured", snapshot.capture.enabled},
                                             {"enabled", snapshot.capture.capturing}}));
    }
    if (method != "POST") {
        return withAllow(problem(405, "The method " + method + " is not allowed here.", path),
                         "GET, HEAD, POST");
    }
    if (!isAuthorized(request)) {
        HttpResponse response =
            problem(401, "Starting or stopping capture requires the admin token.", path);
        response.headers.push_back({"WWW-Authenticate", R"(Bearer realm="toolcapture-admin")"});
        return response;
    }
    if (!m_commands.setCaptureEnabled)
        return problem(503, "This engine takes no capture commands.", path);
    const Json body = Json::parse(request.body.begin(), request.body.end(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return problem(400, "The body must be a JSON object such as {\"enabled\": false}.", path,
                       "");
    const auto enabled = body.find("enabled");
    if (enabled == body.end() || !enabled->is_boolean())
        return problem(400, "enabled: true or false is required.", path, "/enabled");
    if (!m_commands.setCaptureEnabled(enabled->get<bool>()))
        return problem(409, "Capture is not configured on this engine (capture.enabled).", path);
    return HttpResponse::json(200, dump({{"configured", true}, {"enabled", enabled->get<bool>()}}));
}

bool AdminServer::isAuthorized(const HttpRequest &request) const {
    if (!m_token)
        return false;
    const HttpHeader *header = findHeader(request.head.headers, "Authorization");
    if (!header)
        return false;
    const QByteArrayView value = QByteArrayView(header->value).trimmed();
    constexpr QByteArrayView scheme = "Bearer ";
    if (value.size() <= scheme.size() || !equalsIgnoreCase(value.first(scheme.size()), scheme))
        return false;
    return m_token->matches(value.sliced(scheme.size()).trimmed());
}

HttpResponse AdminServer::problem(int status, QByteArrayView detail, QByteArrayView instance,
                                  QByteArrayView pointer) {
    return ApiProblem::response(status, detail, instance,
                                {{detail.toByteArray(), pointer.toByteArray()}});
}

HttpResponse AdminServer::breakers(const EngineSnapshot &snapshot) {
    Json list = Json::array();
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances)
            list.push_back(breakerJson(service, instance));
    }
    Json transitions = Json::array();
    for (const BreakerTransition &transition : snapshot.recentTransitions)
        transitions.push_back(transitionJson(transition));
    Json audit = Json::array();
    for (const BreakerAuditEntry &entry : snapshot.breakerAudit)
        audit.push_back(auditJson(entry));
    Json body;
    body["breakers"] = std::move(list);
    body["transitions_total"] = snapshot.breakerTransitionsTotal;
    body["recent_transitions"] = std::move(transitions);
    body["audit"] = std::move(audit);
    return HttpResponse::json(200, dump(body));
}

HttpResponse AdminServer::breaker(const EngineSnapshot &snapshot, const QString &instanceId) {
    const auto [service, instance] = findInstance(snapshot, instanceId);
    if (!instance) {
        return problem(404, "No instance " + instanceId.toUtf8() + " has a circuit breaker.",
                       kBreakerPrefix.toByteArray() + instanceId.toUtf8());
    }
    return HttpResponse::json(200, dump(breakerJson(*service, *instance)));
}

HttpResponse AdminServer::health(const EngineSnapshot &snapshot) {
    bool allReady = true;
    Json services = Json::object();
    for (const ServiceSnapshot &service : snapshot.services) {
        const int reachable = reachableInstances(service);
        allReady = allReady && reachable > 0;
        services[str(service.name)] = {{"ready", reachable > 0},
                                       {"reachable_instances", reachable},
                                       {"instances", service.instances.size()}};
    }
    const char *status = snapshot.draining ? "draining" : allReady ? "ok" : "degraded";
    Json body;
    body["status"] = status;
    body["services"] = std::move(services);
    // The intelligence store is reported, never the reason for a 503: without it the proxy
    // serves as well (rows wait in memory), and taking it out of a load balancer for a
    // database outage would turn that outage into one of the services.
    if (const StoreSnapshot &store = snapshot.store; store.enabled) {
        Json part;
        part["status"] = store.connected ? "ok" : "disconnected";
        part["location"] = str(store.location);
        part["pending_rows"] = store.pending;
        part["dropped_rows"] = store.dropped;
        if (!store.connected) {
            part["warning"] =
                str(QStringLiteral("the intelligence store is unreachable: rows are kept in memory "
                                   "(%1 waiting) and written when it is back")
                        .arg(store.pending));
            part["error"] = str(store.lastError);
        }
        body["store"] = std::move(part);
    }
    // The cache's shared tier likewise: without it every proxy answers from memory and the
    // upstreams, so it is reported, never a 503.
    if (const CacheSnapshot &cache = snapshot.cache; cache.sharedTier) {
        Json part;
        part["status"] = cache.sharedState();
        part["connections"] = cache.shared.connections;
        part["connected"] = cache.shared.connected;
        if (!cache.shared.lastError.isEmpty())
            part["error"] = str(cache.shared.lastError);
        part["invalidation"] = cache.invalidationState();
        if (cache.invalidationState() == std::string_view("down")) {
            part["invalidation_warning"] =
                "not subscribed to the other proxies' cache invalidations: their purges and "
                "invalidations are lost until it is, then the memory entries stored before are "
                "dropped";
            if (!cache.shared.subscriberError.isEmpty())
                part["invalidation_error"] = str(cache.shared.subscriberError);
        }
        body["cache_shared_tier"] = std::move(part);
    }
    return HttpResponse::json(!snapshot.draining && allReady ? 200 : 503, dump(body));
}

HttpResponse AdminServer::metrics(const EngineSnapshot &snapshot) {
    PrometheusWriter w;
    const ProxyTotals &totals = snapshot.totals;

    w.family("toolcapture_requests_total", Type::Counter,
             "Responses received from upstream instances, by status class.");
    forEachInstance(snapshot,
                    [&](const Labels &labels, const InstanceTotals &t, const InstanceSnapshot &) {
                        for (std::size_t i = 1; i < kCodeClasses.size(); ++i) {
                            Labels withClass = labels;
                            withClass.emplace_back("code_class", kCodeClasses[i]);
                            w.sample(withClass, t.responses[i]);
                        }
                    });

    std::array<double, kLatencyBucketsMs.size()> boundsSeconds{};
    std::transform(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end(), boundsSeconds.begin(),
                   [](double ms) { return ms / 1000.0; });
    w.family("toolcapture_upstream_request_duration_seconds", Type::Histogram,
             "Time from sending a request upstream to the end of its response.");
    forEachInstance(
        snapshot, [&](const Labels &labels, const InstanceTotals &t, const InstanceSnapshot &) {
            w.histogram(labels, boundsSeconds, t.latencyBuckets, double(t.latencySumMicros) / 1e6);
        });

    instanceCounter(w, snapshot, "toolcapture_upstream_bytes_sent_total",
                    "Bytes sent to upstream instances.", &InstanceTotals::bytesToUpstream);
    instanceCounter(w, snapshot, "toolcapture_upstream_bytes_received_total",
                    "Bytes received from upstream instances.", &InstanceTotals::bytesFromUpstream);
    instanceCounter(w, snapshot, "toolcapture_upstream_connect_failures_total",
                    "Connections to upstream instances refused, unreachable or timed out.",
                    &InstanceTotals::connectFailures);
    instanceCounter(w, snapshot, "toolcapture_upstream_resets_total",
                    "Upstream connections reset or closed before or while responding.",
                    &InstanceTotals::resets);
    instanceCounter(w, snapshot, "toolcapture_upstream_first_byte_timeouts_total",
                    "Upstream requests that timed out waiting for the first response byte.",
                    &InstanceTotals::firstByteTimeouts);
    instanceCounter(w, snapshot, "toolcapture_upstream_connections_opened_total",
                    "Connections opened to upstream instances.",
                    &InstanceTotals::connectionsOpened);

    w.family("toolcapture_pool_connections", Type::Gauge,
             "Pooled upstream connections, carrying a request or a WebSocket tunnel (active) or "
             "kept for reuse (idle).");
    forEachInstance(snapshot,
                    [&](const Labels &labels, const InstanceTotals &t, const InstanceSnapshot &) {
                        Labels active = labels;
                        active.emplace_back("state", "active");
                        w.sample(active, std::int64_t(t.poolActive));
                        Labels idle = labels;
                        idle.emplace_back("state", "idle");
                        w.sample(idle, std::int64_t(t.poolIdle));
                    });

    w.family("toolcapture_upstream_in_flight", Type::Gauge,
             "Requests routed to an upstream instance and not yet done.");
    forEachInstance(snapshot,
                    [&](const Labels &labels, const InstanceTotals &t, const InstanceSnapshot &) {
                        w.sample(labels, std::int64_t(t.inFlight));
                    });

    w.family("toolcapture_instance_reachable", Type::Gauge,
             "Whether an upstream instance is considered reachable (1) or marked down (0).");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        w.sample(labels, std::int64_t(instance.reachable ? 1 : 0));
    });

    w.family("toolcapture_breaker_state", Type::Gauge,
             "Circuit breaker state of an upstream instance: 1 for the current state.");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        for (BreakerState state : kBreakerStates) {
            Labels withState = labels;
            withState.emplace_back("state", toString(state));
            w.sample(withState, std::int64_t(instance.breaker.state == state ? 1 : 0));
        }
    });
    w.family("toolcapture_breaker_transitions_total", Type::Counter,
             "Circuit breaker state changes of an upstream instance.");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        w.sample(labels, std::uint64_t(instance.breakerTransitions));
    });
    w.family("toolcapture_instance_healthy", Type::Gauge,
             "Whether an upstream instance receives traffic by its health checks and outlier "
             "detection (1) or not (0).");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        w.sample(labels, std::int64_t(instance.health.healthy ? 1 : 0));
    });
    w.family("toolcapture_bulkhead_active", Type::Gauge,
             "Requests holding a bulkhead slot of an upstream instance.");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        w.sample(labels, std::int64_t(instance.bulkheadActive));
    });
    w.family("toolcapture_bulkhead_pending", Type::Gauge,
             "Requests waiting for a bulkhead slot of an upstream instance.");
    forEachInstance(snapshot, [&](const Labels &labels, const InstanceTotals &,
                                  const InstanceSnapshot &instance) {
        w.sample(labels, std::int64_t(instance.bulkheadPending));
    });
    w.family("toolcapture_retries_total", Type::Counter,
             "Retries of a service admitted or refused by its retry budget.");
    for (const ServiceSnapshot &service : snapshot.services) {
        const QByteArray name = service.name.toUtf8();
        w.sample({{"service", name}, {"outcome", "admitted"}}, service.retryBudget.admitted);
        w.sample({{"service", name}, {"outcome", "refused"}}, service.retryBudget.refused);
    }
    w.family("toolcapture_rate_limited_total", Type::Counter,
             "Requests of a service answered 429 by its rate limit.");
    for (const ServiceSnapshot &service : snapshot.services)
        w.sample({{"service", service.name.toUtf8()}}, service.rateLimit.limited);

    w.family("toolcapture_client_connections", Type::Gauge, "Open client connections.");
    w.sample({}, std::int64_t(totals.clientConnections));
    w.family("toolcapture_client_connections_accepted_total", Type::Counter,
             "Client connections accepted.");
    w.sample({}, std::uint64_t(totals.clientConnectionsAccepted));
    w.family("toolcapture_client_requests_total", Type::Counter,
             "Request heads accepted from clients.");
    w.sample({}, std::uint64_t(totals.requests));
    w.family("toolcapture_client_bytes_received_total", Type::Counter,
             "Bytes received from clients.");
    w.sample({}, std::uint64_t(totals.bytesFromClients));
    w.family("toolcapture_client_bytes_sent_total", Type::Counter, "Bytes sent to clients.");
    w.sample({}, std::uint64_t(totals.bytesToClients));

    w.family("toolcapture_proxy_errors_total", Type::Counter,
             "Error responses produced by the proxy itself, by status code.");
    for (std::size_t i = 0; i < totals.proxyErrors.size(); ++i) {
        if (totals.proxyErrors[i] != 0)
            w.sample({{"code", QByteArray::number(400 + int(i))}}, totals.proxyErrors[i]);
    }

    w.family("toolcapture_unrouted_requests_total", Type::Counter,
             "Requests that matched no service.");
    w.sample({}, std::uint64_t(totals.unrouted));

    w.family("toolcapture_tunnels_active", Type::Gauge,
             "WebSocket tunnels open (101 relayed, bytes copied both ways).");
    w.sample({}, std::int64_t(totals.tunnelsActive));
    w.family("toolcapture_tunnels_ended_total", Type::Counter, "WebSocket tunnels ended, by why.");
    for (std::size_t i = 0; i < totals.tunnelsEnded.size(); ++i)
        w.sample({{"reason", kTunnelEndReasons[i]}}, totals.tunnelsEnded[i]);
    const auto perDirection = [&](const char *name, const char *help,
                                  std::uint64_t WebSocketTotals::*field) {
        w.family(name, Type::Counter, help);
        for (std::size_t i = 0; i < totals.webSocket.size(); ++i)
            w.sample({{"direction", kWebSocketDirections[i]}}, totals.webSocket[i].*field);
    };
    perDirection("toolcapture_websocket_messages_total",
                 "WebSocket data messages relayed (text, binary), counted when their last frame "
                 "passed.",
                 &WebSocketTotals::messages);
    perDirection("toolcapture_websocket_message_bytes_total",
                 "Payload bytes of the WebSocket data frames relayed.",
                 &WebSocketTotals::messageBytes);
    perDirection("toolcapture_websocket_control_frames_total",
                 "WebSocket control frames relayed (close, ping, pong).",
                 &WebSocketTotals::controlFrames);
    perDirection("toolcapture_websocket_malformed_total",
                 "WebSocket tunnels whose bytes stopped parsing as frames (not counted from there; "
                 "still relayed).",
                 &WebSocketTotals::malformedStreams);

    w.family("toolcapture_uptime_seconds", Type::Gauge, "Seconds since the engine started.");
    w.sample({}, double(snapshot.uptimeMs) / 1000.0);

    // The event pipeline.
    const EventBusSnapshot &bus = snapshot.eventBus;
    w.family("toolcapture_events_total", Type::Counter,
             "Events by what happened to them: produced (handed to the Kafka producer), "
             "delivered (acknowledged), spooled (written to the on-disk spool), republished "
             "(delivered from the spool), failed (lost).");
    w.sample({{"outcome", "produced"}}, bus.produced);
    w.sample({{"outcome", "delivered"}}, bus.delivered);
    w.sample({{"outcome", "spooled"}}, bus.spooled);
    w.sample({{"outcome", "republished"}}, bus.republished);
    w.sample({{"outcome", "failed"}}, bus.failed);
    w.family("toolcapture_events_possibly_duplicated_total", Type::Counter,
             "Spooled events whose delivery timed out while in flight: Kafka may hold them "
             "already, so their re-publication can duplicate them (same ce_id).");
    w.sample({}, bus.possiblyPersisted);
    w.family("toolcapture_event_spool_records", Type::Gauge,
             "Events in the on-disk spool waiting to be re-published.");
    w.sample({}, bus.spoolPendingRecords);
    w.family("toolcapture_event_spool_bytes", Type::Gauge,
             "Bytes of the on-disk spool waiting to be re-published.");
    w.sample({}, bus.spoolPendingBytes);
    w.family("toolcapture_event_brokers_up", Type::Gauge,
             "1 while the Kafka brokers are reachable, 0 otherwise.");
    w.sample({}, std::uint64_t(bus.enabled && bus.brokersUp ? 1 : 0));

    const CaptureSnapshot &capture = snapshot.capture;
    w.family("toolcapture_captures_total", Type::Counter,
             "Exchanges by capture outcome: queued (handed to the capture thread), stored, "
             "dropped (the capture thread fell behind), store_failed.");
    w.sample({{"outcome", "queued"}}, capture.queued);
    w.sample({{"outcome", "stored"}}, capture.stored);
    w.sample({{"outcome", "dropped"}}, capture.dropped);
    w.sample({{"outcome", "store_failed"}}, capture.storeFailures);

    storeFamilies(w, snapshot.store);

    // The response cache, per service (nothing without a cache).
    cacheFamilies(w, snapshot.cache);

    w.family("toolcapture_settings_changes_total", Type::Counter,
             "Live setting changes, by service, setting and source (operator, recommendation, "
             "auto_revert).");
    for (const SettingChangeCount &change : snapshot.settingChanges) {
        w.sample({{"service", change.service.toUtf8()},
                  {"setting", change.setting.toUtf8()},
                  {"source", change.source.toUtf8()}},
                 change.count);
    }

    const IntelligenceSnapshot &intelligence = snapshot.intelligence;
    w.family("toolcapture_analysis_running", Type::Gauge,
             "1 while the pattern analyser reads the event topics (intelligence.analysis).");
    w.sample({}, std::int64_t(intelligence.analysing ? 1 : 0));
    if (intelligence.analysing) {
        w.family("toolcapture_analysis_events_total", Type::Counter,
                 "Events the pattern analyser ingested (every proxy's on the cluster).");
        w.sample({}, intelligence.eventsIngested);
        w.family("toolcapture_analysis_operations", Type::Gauge,
                 "Operations (service, method and path template) the analyser keeps.");
        w.sample({}, std::int64_t(intelligence.operations));
        w.family("toolcapture_analysis_anomalies_active", Type::Gauge,
                 "Anomalies the analyser sees now (latency, error rate, load imbalance, failure "
                 "risk).");
        w.sample({}, std::int64_t(intelligence.activeAnomalies));
    }
    if (!intelligence.recommendations.empty()) {
        w.family("toolcapture_recommendations", Type::Gauge,
                 "Recommendations kept, by status (open, applied, dismissed, reverted).");
        for (const auto &[status, count] : intelligence.recommendations)
            w.sample({{"status", status.toUtf8()}}, std::int64_t(count));
    }

    const HooksSnapshot &hooks = snapshot.hooks;
    w.family("toolcapture_hook_requests_total", Type::Counter,
             "Hook receiver requests: accepted or rejected (authentication, size, validation).");
    w.sample({{"outcome", "accepted"}}, hooks.accepted);
    w.sample({{"outcome", "rejected"}}, hooks.rejected);
    w.family("toolcapture_hook_events_published_total", Type::Counter,
             "Events the hook receiver published.");
    w.sample({}, hooks.published);

    return HttpResponse::text(200, w.take(), PrometheusWriter::kContentType.toByteArray());
}

HttpResponse AdminServer::services(const EngineSnapshot &snapshot) {
    Json services = Json::array();
    for (const ServiceSnapshot &service : snapshot.services) {
        Json instances = Json::array();
        for (const InstanceSnapshot &instance : service.instances) {
            const InstanceTotals &t = instance.totals;
            Json capabilities = Json::array();
            for (const QString &capability : instance.capabilities)
                capabilities.push_back(str(capability));
            Json responses = Json::object();
            for (std::size_t i = 1; i < kCodeClasses.size(); ++i)
                responses[kCodeClasses[i]] = t.responses[i];
            // Cumulative per bucket count since start: a console diffs two documents for the
            // latency of the interval between them.
            Json bucketCounts = Json::array();
            for (std::uint64_t n : t.latencyBuckets)
                bucketCounts.push_back(n);
            instances.push_back({
                {"id", str(instance.id)},
                {"url", str(instance.url)},
                {"capabilities", std::move(capabilities)},
                {"reachable", instance.reachable},
                {"requests", t.responseCount()},
                {"responses", std::move(responses)},
                {"errors",
                 {{"connect_failures", t.connectFailures},
                  {"resets", t.resets},
                  {"first_byte_timeouts", t.firstByteTimeouts}}},
                {"latency_histogram",
                 {{"bounds_ms", kLatencyBucketsMs}, {"counts", std::move(bucketCounts)}}},
                {"latency_ms",
                 {{"p50", t.latencyQuantileMs(0.5)},
                  {"p99", t.latencyQuantileMs(0.99)},
                  {"mean", meanLatencyMs(t)}}},
                {"pool", {{"active", t.poolActive}, {"idle", t.poolIdle}}},
                {"in_flight", t.inFlight},
                {"breaker",
                 {{"state", toString(instance.breaker.state)},
                  {"mode", toString(instance.breaker.mode)},
                  {"failure_rate", instance.breaker.failureRate},
                  {"threshold", instance.breaker.threshold},
                  {"consecutive_failures", instance.breaker.consecutiveFailures}}},
                {"health", healthJson(instance.health, snapshot.takenAt)},
                {"bulkhead",
                 {{"active", instance.bulkheadActive},
                  {"pending", instance.bulkheadPending},
                  {"max_active", instance.bulkheadMaxActive},
                  {"max_pending", instance.bulkheadMaxPending}}},
            });
        }
        const RetryBudgetNumbers &budget = service.retryBudget;
        const RateLimitNumbers &limit = service.rateLimit;
        std::uint64_t cacheAnswered = 0;
        for (const CacheSnapshot::Service &cached : snapshot.cache.services) {
            if (cached.name == service.name)
                cacheAnswered = answeredByCache(cached);
        }
        services.push_back({{"name", str(service.name)},
                            {"match", str(service.match)},
                            {"ready", reachableInstances(service) > 0},
                            {"cache_answered", cacheAnswered},
                            {"instances", std::move(instances)},
                            {"scores", Json(toJson(service.currentScores))},
                            {"retry_budget",
                             {{"active_requests", budget.activeRequests},
                              {"active_retries", budget.activeRetries},
                              {"retry_limit", budget.retryLimit},
                              {"admitted", budget.admitted},
                              {"refused", budget.refused}}},
                            {"rate_limit",
                             {{"unlimited", limit.unlimited},
                              {"requests_per_second", limit.requestsPerSecond},
                              {"burst", limit.burst},
                              {"available_tokens", orNull(!limit.unlimited, limit.availableTokens)},
                              {"admitted", limit.admitted},
                              {"limited", limit.limited}}}});
    }
    Json body;
    body["services"] = std::move(services);
    return HttpResponse::json(200, dump(body));
}

HttpResponse AdminServer::status(const EngineSnapshot &snapshot) {
    Json body;
    body["profile"] = str(snapshot.profile);
    body["proxy_address"] = str(snapshot.proxyAddress);
    body["admin_address"] = str(snapshot.adminAddress);
    body["workers"] = snapshot.workers;
    body["uptime_ms"] = snapshot.uptimeMs;
    body["draining"] = snapshot.draining;
    body["client_connections"] = snapshot.totals.clientConnections;
    body["requests_total"] = snapshot.totals.requests;
    // Responses the clients received (upstream answers and the proxy's own) and how many of
    // them were server errors: a console's requests/s and error rate come from two documents.
    std::uint64_t responses = 0;
    std::uint64_t serverErrors = 0;
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &instance : service.instances) {
            responses += instance.totals.responseCount();
            serverErrors += instance.totals.responses[5];
        }
    }
    for (std::size_t i = 0; i < snapshot.totals.proxyErrors.size(); ++i) {
        responses += snapshot.totals.proxyErrors[i];
        if (i >= 100)
            serverErrors += snapshot.totals.proxyErrors[i];
    }
    // And the response cache's answers, which no instance counted: without them the console's
    // status bar showed 16 requests/s where the Overview chart (which adds them) showed 25.
    for (const CacheSnapshot::Service &cached : snapshot.cache.services)
        responses += answeredByCache(cached);
    body["responses_total"] = responses;
    body["server_errors_total"] = serverErrors;
    const EventBusSnapshot &bus = snapshot.eventBus;
    Json kafka;
    kafka["enabled"] = bus.enabled;
    kafka["brokers"] = bus.enabled ? Json(str(bus.brokers)) : Json(nullptr);
    kafka["embedded"] = bus.embedded;
    kafka["brokers_up"] = bus.brokersUp;
    if (bus.enabled && !bus.brokers.isEmpty()) {
        kafka["kcat"] = str(
            QStringLiteral("kcat -b %1 -C -t proxy.communication_intelligence").arg(bus.brokers));
    }
    kafka["spool_pending_records"] = bus.spoolPendingRecords;
    body["kafka"] = std::move(kafka);
    const CaptureSnapshot &capture = snapshot.capture;
    body["capture"] = {{"enabled", capture.enabled},
                       {"store", capture.enabled ? Json(str(capture.storePath)) : Json(nullptr)},
                       {"capturing", capture.capturing},
                       {"captured", capture.stored},
                       {"dropped", capture.dropped}};
    body["hooks"] = {{"enabled", snapshot.hooks.enabled}};
    const StoreSnapshot &store = snapshot.store;
    body["store"] = {
        {"enabled", store.enabled},
        {"location", store.enabled ? Json(str(store.location)) : Json(nullptr)},
        {"connected", store.connected},
        {"schema_version", store.schemaVersion},
        {"pending_rows", store.pending},
        {"written_rows", store.written},
        {"dropped_rows", store.dropped},
        {"last_error", store.lastError.isEmpty() ? Json(nullptr) : Json(str(store.lastError))}};
    const CacheSnapshot &cache = snapshot.cache;
    Json shared = nullptr;
    if (cache.sharedTier) {
        shared = {{"state", cache.sharedState()},
                  {"connections", cache.shared.connections},
                  {"connected", cache.shared.connected},
                  {"last_error", cache.shared.lastError.isEmpty()
                                     ? Json(nullptr)
                                     : Json(str(cache.shared.lastError))},
                  {"invalidation", cache.invalidationState()},
                  {"invalidation_outages", cache.shared.subscriberOutages}};
    }
    body["cache"] = {{"enabled", cache.enabled}, {"shared_tier", std::move(shared)}};
    return HttpResponse::json(200, dump(body));
}

} // namespace ToolCapture
