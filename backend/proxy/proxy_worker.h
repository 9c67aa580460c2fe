#pragma once

#include <backend/cache/response_cache.h>
#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/http/http_request_parser.h>
#include <backend/proxy/correlation_id_generator.h>
#include <backend/proxy/deadline_queue.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/route_table.h>

#include <QObject>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace ToolCapture {

class BackgroundRevalidation;
class CaptureHeaderFilter;
class CaptureQueue;
class ClientSession;
class RedisClient;
class RedisLogGate;
class InstanceSelector;
class ScoringSelector;
class ServiceRegistry;
struct ServiceEntry;
class StoredResponse;
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

// One data-path thread: accepts client connections on its own listening socket (SO_REUSEPORT:
// the kernel spreads connections over the workers) and owns their sessions, its own upstream
// pools, instance selector and counters, so nothing on the request path is shared with another
// worker. Lives in its own QThread, on an EpollEventDispatcher.
class ProxyWorker final : public QObject {
    Q_OBJECT
public:
    ProxyWorker(int index, int workerCount, const ProxyConfig &config, ServiceRegistry &registry,
                UpstreamRuntime &runtime, WorkerCounters &counters, const Clock &clock);
    ~ProxyWorker() override;

    // Called in the worker's thread (queued) once it runs.
    void start();
    // Takes over a listening socket (non-blocking) and accepts from it until stopListening().
    // Any thread: the socket is this worker's from the call on, so it is closed with the worker
    // even if its thread ends before it ran startListening() (queued by the caller).
    void listenOn(int fd);
    void startListening();
    void stopListening();
    // Takes over an accepted socket (non-blocking).
    void adopt(int fd, QByteArray clientAddress);
    // Graceful shutdown: idle connections close now, busy ones after their response;
    // drained() follows when none is left.
    void drain();
    // Closes every connection now.
    void abortAll();
    int sessionCount() const { return int(m_sessions.size()); }
    // Fires every connection deadline due by the clock now (the timer does so by itself; a test
    // on a manual clock calls this after advancing it); deadlinesChecked() follows.
    void checkDeadlines();

    // Every time read on the data path comes from here.
    const Clock &clock() const noexcept { return m_clock; }
    // The Date field value (IMF-fixdate, RFC 9110 section 6.6.1) for a response written now:
    // the clock's wall time (read, not derived from the monotonic time, which stops while the
    // machine sleeps), formatted once a second.
    QByteArrayView httpDate();
    // Per-connection deadlines: one heap per worker, one timer armed for its earliest entry.
    void setDeadline(DeadlineQueue::Owner &owner, DeadlineQueue::time_point due);
    void cancelDeadline(DeadlineQueue::Owner &owner) { m_deadlines.cancel(owner); }

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
    // Before listen(): the queued hand-over of the listening socket orders it before any use.
    void setCapture(const ProxyCapture &capture) { m_capture = capture; }
    const ProxyCapture &capture() const noexcept { return m_capture; }
    // The response cache (shared by every worker), null when off. Before listen().
    void setResponseCache(ResponseCache *cache) { m_cache = cache; }
    ResponseCache *responseCache() const noexcept { return m_cache; }
    int index() const noexcept { return m_index; }
    // Live setting, in the worker's thread (queued by the ProxyServer): the selector's weights
    // for `service` from the next request on.
    void setRoutingWeights(int service, const RoutingConfig &routing);
    // The worker's own pseudo-random numbers (retry jitter): no process-wide lock on the
    // request path, as QRandomGenerator::global() takes.
    std::uint64_t random() noexcept { return m_random(); }
    void removeSession(ClientSession *session);

    // Request coalescing (the response cache): a session waiting for another request's
    // response is found again by its ticket when the cache wakes it (wakeCoalesced, queued to
    // this thread), or forgets it when it stops waiting.
    std::uint64_t nextCoalesceTicket() noexcept { return ++m_lastTicket; }
    void waitForCoalesced(std::uint64_t ticket, ClientSession *session);
    void stopWaitingForCoalesced(std::uint64_t ticket);
    void wakeCoalesced(std::uint64_t ticket);
    // The shared tier's answer for the session waiting under `ticket` (worker thread).
    void deliverShared(std::uint64_t ticket, int status, const QByteArray &value);
    // The response cache's shared tier (Redis): this worker's own connection, made in its
    // thread (queued from setResponseCache); null when there is none. The workers share
    // `logGate`, so that a change of Redis's state is logged once, not once per worker.
    void startSharedTier(const ResponseCache::SharedTier &tier,
                         std::shared_ptr<RedisLogGate> logGate = {});
    // Null until startSharedTier() ran. Any thread (the server reads the client's stats()).
    RedisClient *sharedTier() const noexcept {
        return m_sharedTier.load(std::memory_order_acquire);
    }

    // stale-while-revalidate: one background revalidation of `stored`, just served stale for
    // `request` of `service`, unless one is in flight for the key already (on any worker) or
    // the worker drains. The worker keeps it until it ends.
    void revalidateInBackground(const ServiceEntry &service, const RequestHead &request,
                                std::shared_ptr<const StoredResponse> stored,
                                QByteArrayView clientAddress);
    // A background revalidation ended: forgotten on the next turn of the loop.
    void endRevalidation(std::uint64_t id);
    int revalidationCount() const { return int(m_revalidations.size()); }

signals:
    void drained();
    void deadlinesChecked();

private:
    void tick();
    void fireDeadlines();
    void armFor(DeadlineQueue::time_point due);
    void acceptPending();
    void forgetRevalidation(std::uint64_t id);
    // Draining: drained() once no session and no background revalidation is left.
    void maybeDrained();

    int m_index;
    int m_workerCount;
    ProxyCapture m_capture;
    ResponseCache *m_cache = nullptr;
    ProxyConfig m_config;
    HttpRequestParser::Limits m_parserLimits;
    ServiceRegistry &m_registry;
    RouteTable m_routes;
    UpstreamRuntime &m_runtime;
    RuntimeCandidateFilter m_filter;
    std::unique_ptr<InstanceSelector> m_selector;
    ScoringSelector *m_scoring = nullptr; // m_selector, for its live settings
    WorkerCounters &m_counters;
    CorrelationIdGenerator m_ids;
    std::mt19937_64 m_random;
    std::vector<UpstreamPool *> m_pools; // by instance index, created on first use
    std::vector<ClientSession *> m_sessions;
    std::unordered_map<std::uint64_t, ClientSession *> m_coalesceWaiters;
    std::uint64_t m_lastTicket = 0;
    std::atomic<RedisClient *> m_sharedTier{nullptr}; // child of this worker
    QTimer *m_timer = nullptr;                        // idle upstream connections expire on this
    const Clock &m_clock;
    std::chrono::sys_seconds m_dateSecond{};
    QByteArray m_dateText;
    DeadlineQueue m_deadlines;
    QTimer *m_deadlineTimer = nullptr;
    // After m_deadlines: destroyed before it (each leaves the queue).
    std::vector<std::unique_ptr<BackgroundRevalidation>> m_revalidations;
    std::uint64_t m_lastRevalidation = 0;
    DeadlineQueue::time_point m_armedFor = DeadlineQueue::time_point::max();
    int m_listenFd = -1;
    std::atomic<int> m_handedFd{-1}; // given by listenOn(), not yet taken by startListening()
    QSocketNotifier *m_listenNotifier = nullptr;
    bool m_draining = false;
    bool m_drainedSent = false;
};

} // namespace ToolCapture
