#pragma once

#include <backend/cache/response_cache.h>
#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/proxy/dynamic_registrar.h>
#include <backend/resilience/breaker_transition.h>

#include <QHostAddress>
#include <QObject>

#include <chrono>
#include <memory>
#include <vector>

class QThread;
class QTimer;

namespace ToolCapture {

class InvalidationSubscriber;
class ProxyMetrics;
struct ProxyCapture;
class ProxyWorker;
class ServiceRegistry;
class UpstreamRuntime;

// The data path: N workers, each with its own listening socket on the shared port, its own
// epoll event loop and its own thread. Lives in the engine thread; nothing on the data path waits
// for the engine thread.
class ProxyServer final : public QObject {
    Q_OBJECT
public:
    explicit ProxyServer(const ProxyConfig &config, QObject *parent = nullptr);
    // Every time read on the data path comes from `clock` (a test passes a ManualClock, then
    // calls checkDeadlines() after advancing it). It must outlive the server.
    ProxyServer(const ProxyConfig &config, const Clock &clock, QObject *parent = nullptr);
    ~ProxyServer() override;

    bool listen(QString *error = nullptr);
    quint16 port() const;
    QHostAddress address() const;

    // Stops accepting and drains every worker; drained() follows when all connections are
    // closed, or after `timeout` when the rest is aborted.
    void drain(std::chrono::milliseconds timeout);
    bool isDraining() const { return m_draining; }

    // Asks every worker to fire the connection deadlines due now; deadlinesChecked() follows
    // once all have. Workers do this by themselves on real time.
    void checkDeadlines();

    const ServiceRegistry &registry() const { return *m_registry; }
    // Breakers, bulkheads, statistics, health, retry budgets and rate limits of every instance
    // and service; shared with the workers (lock-free), commands and snapshots from here.
    UpstreamRuntime &runtime() { return *m_runtime; }
    const UpstreamRuntime &runtime() const { return *m_runtime; }
    const ProxyMetrics &metrics() const { return *m_metrics; }
    int workerCount() const { return int(m_workers.size()); }

    // Lifecycle hooks (this thread): instances and services added or drained while the workers
    // run, without a lock on the data path (see DynamicRegistrar); registryChanged() follows
    // each call that succeeded.
    DynamicRegistration registerInstances(const QString &service, const QStringList &urls,
                                          const QStringList &capabilities);
    // `urls` empty: every instance of `service` registered while running.
    DynamicRegistration drainInstances(const QString &service, const QStringList &urls = {});
    // Captures every exchange into capture.queue (one lane per worker). Before listen().
    void setCapture(const ProxyCapture &capture);
    // Answers from and fills `cache` (shared by every worker; null: no cache). Before listen().
    void setResponseCache(std::shared_ptr<ResponseCache> cache);
    ResponseCache *responseCache() const { return m_cache.get(); }
    // The workers' connections to the cache's shared tier, summed (any thread: the probe the
    // cache answers sharedTierStatus() with).
    ResponseCache::SharedTierStatus sharedTierStatus() const;

    // Live settings of a running service (this thread). Each takes effect on the data path
    // without a lock: atomics read per request (first-byte timeout, retry attempts and budget,
    // breaker threshold and open period) or, for the routing weights, a copy queued to each
    // worker's selector (from the worker's next turn of its loop). Each is also written into
    // the service's settings, which instances registered for it later start from and which
    // serviceSettings() reads back.
    const ServiceConfig &serviceSettings(int service) const;
    void setFirstByteTimeout(int service, std::chrono::milliseconds timeout);
    void setMaxAttempts(int service, int attempts);
    void setRetryBudget(int service, double budget);
    void setBreakerFailureRate(int service, double rate);
    void setBreakerOpenDuration(int service, std::chrono::milliseconds duration);
    void setRoutingWeights(int service, const RoutingConfig &routing);

signals:
    void drained();
    void deadlinesChecked();
    // A circuit breaker changed state (delivered in this object's thread).
    void breakerTransition(const ToolCapture::BreakerTransition &transition);
    // Instances were registered or drained (health checks pick up new instances: refresh()).
    void registryChanged();

private:
    void onWorkerDrained();
    void finishDrain();

    ProxyConfig m_config;
    const Clock &m_clock;
    int m_workersChecked = 0;
    std::unique_ptr<ServiceRegistry> m_registry;
    std::unique_ptr<ProxyMetrics> m_metrics;
    std::unique_ptr<UpstreamRuntime> m_runtime;
    std::shared_ptr<ResponseCache> m_cache;
    InvalidationSubscriber *m_subscriber = nullptr; // child; with a shared tier
    quint16 m_port = 0;
    QHostAddress m_address;
    std::vector<ProxyWorker *> m_workers;
    std::vector<QThread *> m_threads;
    int m_workersDrained = 0;
    bool m_draining = false;
    bool m_drainFinished = false;
    QTimer *m_drainTimer = nullptr;
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::BreakerTransition)
