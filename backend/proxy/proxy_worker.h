#pragma once

#include <backend/config/proxy_config.h>
#include <backend/http/http_request_parser.h>
#include <backend/proxy/correlation_id_generator.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/route_table.h>

#include <QObject>

#include <atomic>
#include <memory>
#include <vector>

class QTimer;

namespace ToolCapture {

class CaptureHeaderFilter;
class CaptureQueue;
class ClientSession;
class InstanceSelector;
class ServiceRegistry;
class UpstreamPool;
struct WorkerCounters;

// What the workers need to capture exchanges; shared by every worker, owned by the engine.
struct ProxyCapture {
    CaptureQueue *queue = nullptr; // null: exchanges are not captured
    const CaptureHeaderFilter *filter = nullptr;
    qint64 maxBodyBytes = 0;         // request bodies kept (for replay) up to this
    qint64 maxResponseBodyBytes = 0; // response bodies kept (for replay diffs) up to this
    bool routingExplanations = true; // the selector explains every choice it captures
    // While true (the operator stopped capture), exchanges are not captured; null: never.
    const std::atomic<bool> *paused = nullptr;
};

// One data-path thread: adopts accepted client connections and owns their sessions, its own
// upstream pools, instance selector and counters, so nothing on the request path is shared with
// another worker. Lives in its own QThread.
class ProxyWorker final : public QObject {
    Q_OBJECT
public:
    ProxyWorker(int index, int workerCount, const ProxyConfig &config, ServiceRegistry &registry,
                UpstreamRuntime &runtime, WorkerCounters &counters);
    ~ProxyWorker() override;

    // Called in the worker's thread (queued) once it runs.
    void start();
    // Takes over an accepted socket (queued from the acceptor).
    void adopt(qintptr descriptor);
    // Graceful shutdown: idle connections close now, busy ones after their response;
    // drained() follows when none is left.
    void drain();
    // Closes every connection now.
    void abortAll();
    int sessionCount() const { return int(m_sessions.size()); }

    // For the sessions.
    const ProxyConfig &config() const noexcept { return m_config; }
    HttpRequestParser::Limits parserLimits() const noexcept { return m_parserLimits; }
    const RouteTable &routes() const noexcept { return m_routes; }
    InstanceSelector &selector() noexcept { return *m_selector; }
    UpstreamRuntime &runtime() noexcept { return m_runtime; }
    const CandidateFilter &candidateFilter() const noexcept { return m_filter; }
    // Also for services registered while running (the registry holds every service's settings).
    const ServiceConfig &serviceConfig(int service) const noexcept {
        return m_registry.service(service).settings;
    }
    UpstreamPool &pool(int instanceIndex);
    WorkerCounters &counters() noexcept { return m_counters; }
    CorrelationIdGenerator &correlationIds() noexcept { return m_ids; }
    // Before the first connection is adopted (the acceptor's hand-over orders it before use).
    void setCapture(const ProxyCapture &capture) { m_capture = capture; }
    const ProxyCapture &capture() const noexcept { return m_capture; }
    int index() const noexcept { return m_index; }
    void removeSession(ClientSession *session);

signals:
    void drained();

private:
    void tick();

    int m_index;
    int m_workerCount;
    ProxyCapture m_capture;
    ProxyConfig m_config;
    HttpRequestParser::Limits m_parserLimits;
    ServiceRegistry &m_registry;
    RouteTable m_routes;
    UpstreamRuntime &m_runtime;
    RuntimeCandidateFilter m_filter;
    std::unique_ptr<InstanceSelector> m_selector;
    WorkerCounters &m_counters;
    CorrelationIdGenerator m_ids;
    std::vector<UpstreamPool *> m_pools; // by instance index, created on first use
    std::vector<ClientSession *> m_sessions;
    QTimer *m_timer = nullptr;
    bool m_draining = false;
};

} // namespace ToolCapture
