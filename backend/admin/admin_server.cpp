#include <backend/admin/admin_server.h>
#include <backend/admin/prometheus_writer.h>
#include <backend/http/problem_details.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

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

double meanLatencyMs(const InstanceTotals &totals) {
    std::uint64_t count = 0;
    for (std::uint64_t n : totals.latencyBuckets)
        count += n;
    return count == 0 ? 0.0 : double(totals.latencySumMicros) / 1000.0 / double(count);
}

} // namespace

AdminServer::AdminServer(std::function<EngineSnapshot()> snapshot, QObject *parent)
    : QObject(parent)
    , m_snapshot(std::move(snapshot))
    , m_http(new HttpServer(
          [this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
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

void AdminServer::handle(const HttpRequest &request,
                         const std::shared_ptr<HttpResponder> &responder) {
    using Render = HttpResponse (*)(const EngineSnapshot &);
    struct Route {
        QByteArrayView path;
        Render render;
    };
    static const std::array<Route, 4> routes{{
        {"/health", &AdminServer::health},
        {"/metrics", &AdminServer::metrics},
        {"/api/v1/services", &AdminServer::services},
        {"/api/v1/status", &AdminServer::status},
    }};

    const QByteArrayView path = request.head.path();
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

HttpResponse AdminServer::problem(int status, QByteArrayView detail, QByteArrayView instance) {
    Json body;
    body["type"] = "about:blank";
    body["title"] = reasonPhrase(status).toStdString();
    body["status"] = status;
    body["detail"] = detail.toByteArray().toStdString();
    body["instance"] = instance.toByteArray().toStdString();
    HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", "application/problem+json"});
    response.body =
        QByteArray::fromStdString(body.dump(-1, ' ', false, Json::error_handler_t::replace));
    return withNoStore(std::move(response));
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
             "Pooled upstream connections, carrying a request (active) or kept for reuse (idle).");
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

    w.family("toolcapture_uptime_seconds", Type::Gauge, "Seconds since the engine started.");
    w.sample({}, double(snapshot.uptimeMs) / 1000.0);

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
            instances.push_back({
                {"id", str(instance.id)},
                {"url", str(instance.url)},
                {"capabilities", std::move(capabilities)},
                {"reachable", instance.reachable},
                {"requests", t.responseCount()},
                {"responses", std::move(responses)},
                {"latency_ms",
                 {{"p50", t.latencyQuantileMs(0.5)},
                  {"p99", t.latencyQuantileMs(0.99)},
                  {"mean", meanLatencyMs(t)}}},
                {"pool", {{"active", t.poolActive}, {"idle", t.poolIdle}}},
                {"in_flight", t.inFlight},
            });
        }
        services.push_back({{"name", str(service.name)},
                            {"match", str(service.match)},
                            {"ready", reachableInstances(service) > 0},
                            {"instances", std::move(instances)}});
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
    return HttpResponse::json(200, dump(body));
}

} // namespace ToolCapture
