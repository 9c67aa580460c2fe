#include <backend/cache/response_cache.h>
#include <backend/core/logging.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/invalidation_subscriber.h>
#include <backend/proxy/proxy_server.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/redis/redis_client.h>
#include <backend/routing/service_registry.h>

#include <QThread>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

ProxyServer::ProxyServer(const ProxyConfig &config, QObject *parent)
    : ProxyServer(config, SteadyClock::instance(), parent) {}

ProxyServer::ProxyServer(const ProxyConfig &config, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_clock(clock)
    , m_registry(std::make_unique<ServiceRegistry>(config)) {
    const int workers = config.effectiveWorkers();
    m_metrics = std::make_unique<ProxyMetrics>(workers, m_registry->instanceCapacity());
    qRegisterMetaType<ToolCapture::BreakerTransition>();
    // Transitions happen on whichever worker saw the deciding call: hand them to this thread.
    m_runtime = std::make_unique<UpstreamRuntime>(
        *m_registry, m_config.services, m_clock, [this](const BreakerTransition &transition) {
            QMetaObject::invokeMethod(
                this, [this, transition] { emit breakerTransition(transition); },
                Qt::QueuedConnection);
        });
    for (int i = 0; i < workers; ++i) {
        auto *thread = new QThread(this);
        thread->setObjectName(QStringLiteral("proxy-worker-%1").arg(i));
        thread->setEventDispatcher(new EpollEventDispatcher);
        auto *worker = new ProxyWorker(i, workers, m_config, *m_registry, *m_runtime,
                                       m_metrics->worker(i), m_clock);
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        connect(worker, &ProxyWorker::drained, this, &ProxyServer::onWorkerDrained,
                Qt::QueuedConnection);
        connect(
            worker, &ProxyWorker::deadlinesChecked, this,
            [this] {
                if (++m_workersChecked == int(m_workers.size())) {
                    m_workersChecked = 0;
                    emit deadlinesChecked();
                }
            },
            Qt::QueuedConnection);
        thread->start();
        QMetaObject::invokeMethod(worker, &ProxyWorker::start, Qt::QueuedConnection);
        m_workers.push_back(worker);
        m_threads.push_back(thread);
    }
}

ProxyServer::~ProxyServer() {
    if (m_cache) {
        // The cache may outlive this server (the admin API holds it): nothing of ours stays
        // in it. Both are called from this thread only.
        m_cache->setSharedPurger({});
        m_cache->setSharedTierProbe({});
    }
    delete m_subscriber; // before the cache it drops entries from can go
    m_subscriber = nullptr;
    for (ProxyWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &ProxyWorker::abortAll, Qt::QueuedConnection);
    for (QThread *thread : m_threads) {
        thread->quit();
        thread->wait();
    }
}

void ProxyServer::setCapture(const ProxyCapture &capture) {
    for (ProxyWorker *worker : m_workers)
        worker->setCapture(capture);
}

void ProxyServer::setResponseCache(std::shared_ptr<ResponseCache> cache) {
    m_cache = std::move(cache);
    if (m_cache) {
        for (const ServiceEntry &service : m_registry->services())
            m_cache->setServiceName(service.index, service.nameBytes);
    }
    if (m_cache && m_cache->sharedTier().enabled && !m_workers.empty()) {
        // Purges reach the shared tier through the first worker's connection; its answer (or
        // the client's Down or Timeout, so every purge is answered in bounded time) goes to
        // `done`, in that worker's thread. Then the purge is published to the other proxies,
        // on the same connection: after the keys left Redis, so that a proxy dropping its copy
        // does not find the old one there.
        ProxyWorker *first = m_workers.front();
        m_cache->setSharedPurger([first](const InvalidationMessage &what,
                                         ResponseCache::SharedPurgeDone done) {
            QMetaObject::invokeMethod(
                first,
                [first, what, done = std::move(done)] {
                    RedisClient *redis = first->sharedTier();
                    const bool prefix = what.scope != InvalidationMessage::Scope::Keys;
                    const QByteArray key =
                        ResponseCache::sharedKey(what.keys.isEmpty() ? QByteArray() : what.keys[0]);
                    const auto answer = [redis, what, key, prefix, done](RedisClient::Status status,
                                                                         qint64 removed) {
                        ResponseCache::SharedPurge result;
                        result.ok = status == RedisClient::Status::Ok;
                        result.removed = removed;
                        if (!result.ok) {
                            result.error = QString::fromLatin1(RedisClient::statusName(status));
                            const QString why = redis ? redis->stats().lastError : QString();
                            if (!why.isEmpty())
                                result.error += QStringLiteral(" (") + why + u')';
                            // Not repeated per attempt: an operator's purge is rare, and
                            // one the shared tier missed serves old responses from it.
                            qCWarning(lcProxy).noquote()
                                << "cache purge of" << QString::fromUtf8(key)
                                << (prefix ? "(prefix)" : "(key)")
                                << "did not reach the shared tier:" << result.error;
                        }
                        // NOTE: published even when Redis did not purge (a timeout may
                        // still have purged): the other proxies' memory is dropped anyway.
                        if (redis) {
                            const QByteArray payload = what.encode();
                            if (!payload.isEmpty())
                                redis->publish(ResponseCache::invalidationChannel(), payload);
                        }
                        if (done)
                            done(result);
                    };
                    if (!redis)
                        answer(RedisClient::Status::Down, 0);
                    else if (prefix)
                        redis->removePrefix(key, answer);
                    else
                        redis->remove(key, answer);
                },
                Qt::QueuedConnection);
        });
        // The workers' connections, summed for /metrics and the admin documents.
        m_cache->setSharedTierProbe([this] { return sharedTierStatus(); });
        // One more connection, in this thread, for the other proxies' invalidations.
        m_subscriber = new InvalidationSubscriber(*m_cache, m_cache->sharedTier(), m_clock, this);
        m_subscriber->start();
    }
    const auto logGate = std::make_shared<RedisLogGate>();
    for (ProxyWorker *worker : m_workers) {
        worker->setResponseCache(m_cache.get());
        if (m_cache && m_cache->sharedTier().enabled) {
            // Each worker talks to the shared tier over its own connection, on its own loop.
            QMetaObject::invokeMethod(
                worker,
                [worker, tier = m_cache->sharedTier(), logGate] {
                    worker->startSharedTier(tier, logGate);
                },
                Qt::QueuedConnection);
        }
        if (m_cache) {
            // A follower of a coalesced miss is woken in its own worker's thread.
            m_cache->setWaker(worker->index(), [worker](std::uint64_t ticket) {
                QMetaObject::invokeMethod(
                    worker, [worker, ticket] { worker->wakeCoalesced(ticket); },
                    Qt::QueuedConnection);
            });
        }
    }
}

ResponseCache::SharedTierStatus ProxyServer::sharedTierStatus() const {
    ResponseCache::SharedTierStatus status;
    for (const ProxyWorker *worker : m_workers) {
        const RedisClient *redis = worker->sharedTier();
        if (!redis)
            continue;
        const RedisClient::Stats stats = redis->stats();
        status.connections++;
        status.connected += stats.connected ? 1 : 0;
        status.starting += stats.firstAttemptPending() ? 1 : 0;
        status.hits += stats.hits;
        status.misses += stats.misses;
        status.writes += stats.writes;
        status.down += stats.down;
        status.timeouts += stats.timeouts;
        status.errors += stats.errors;
        status.connects += stats.connects;
        status.published += stats.published;
        if (!stats.connected && status.lastError.isEmpty())
            status.lastError = stats.lastError;
    }
    if (m_subscriber)
        m_subscriber->report(status);
    return status;
}

DynamicRegistration ProxyServer::registerInstances(const QString &service, const QStringList &urls,
                                                   const QStringList &capabilities) {
    DynamicRegistration result =
        DynamicRegistrar(*m_registry, *m_runtime).registerInstances(service, urls, capabilities);
    if (result.ok && m_cache) {
        for (const ServiceEntry &entry : m_registry->services())
            m_cache->setServiceName(entry.index, entry.nameBytes);
    }
    if (result.ok)
        emit registryChanged();
    return result;
}

DynamicRegistration ProxyServer::drainInstances(const QString &service, const QStringList &urls) {
    DynamicRegistration result =
        DynamicRegistrar(*m_registry, *m_runtime).drainInstances(service, urls);
    if (result.ok)
        emit registryChanged();
    return result;
}

namespace {

// A non-blocking listening socket on `address`:`port` that shares the port with the other
// workers' (SO_REUSEPORT); -1 and `error` on failure.
int openListener(const QHostAddress &address, quint16 port, QString &error) {
    sockaddr_storage storage;
    const socklen_t length = SocketIo::toSockaddr(address, port, storage);
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0 ||
        ::listen(fd, 1024) != 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether `address`:`port` is free for a new group of SO_REUSEPORT sockets. A socket without
// SO_REUSEPORT cannot join a group another process holds, so binding one is the check: without
// it a second ToolCapture (or any program using SO_REUSEPORT under the same user) started on
// the same port would silently share the traffic instead of failing.
bool portIsFree(const QHostAddress &address, quint16 port, QString &error) {
    sockaddr_storage storage;
    const socklen_t length = SocketIo::toSockaddr(address, port, storage);
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // TIME_WAIT is no obstacle
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) == 0;
    if (!free)
        error = QString::fromLocal8Bit(std::strerror(errno));
    ::close(fd);
    return free;
}

} // namespace

bool ProxyServer::listen(QString *error) {
    // NOTE: one listening socket per worker with SO_REUSEPORT: the kernel spreads connections
    // over the workers and each accepts in its own thread, with no hand-over between threads.
    // The first socket picks the port (0: any free one); the others share it.
    std::vector<int> fds;
    QString failure;
    quint16 port = m_config.listen.port;
    if (port != 0 && !portIsFree(m_config.listen.host, port, failure)) {
        if (error)
            *error =
                QStringLiteral("cannot listen on %1: %2").arg(m_config.listen.toString(), failure);
        return false;
    }
    for (size_t i = 0; i < m_workers.size(); ++i) {
        const int fd = openListener(m_config.listen.host, port, failure);
        if (fd < 0)
            break;
        fds.push_back(fd);
        if (i == 0) {
            sockaddr_storage bound{};
            socklen_t length = sizeof bound;
            ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length);
            QHostAddress address(reinterpret_cast<const sockaddr *>(&bound));
            port = bound.ss_family == AF_INET6
                       ? ntohs(reinterpret_cast<const sockaddr_in6 *>(&bound)->sin6_port)
                       : ntohs(reinterpret_cast<const sockaddr_in *>(&bound)->sin_port);
            m_address = address;
        }
    }
    if (fds.size() != m_workers.size()) {
        for (int fd : fds)
            ::close(fd);
        if (error)
            *error =
                QStringLiteral("cannot listen on %1: %2").arg(m_config.listen.toString(), failure);
        return false;
    }
    m_port = port;
    for (size_t i = 0; i < m_workers.size(); ++i) {
        ProxyWorker *worker = m_workers[i];
        const int fd = fds[i];
        worker->listenOn(fd); // the worker's from now on, whatever its thread does
        QMetaObject::invokeMethod(worker, &ProxyWorker::startListening, Qt::QueuedConnection);
    }
    return true;
}

void ProxyServer::checkDeadlines() {
    for (ProxyWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &ProxyWorker::checkDeadlines, Qt::QueuedConnection);
}

quint16 ProxyServer::port() const {
    return m_port;
}

QHostAddress ProxyServer::address() const {
    return m_address;
}

void ProxyServer::drain(std::chrono::milliseconds timeout) {
    if (m_draining)
        return;
    m_draining = true;
    qCInfo(lcProxy) << "draining: no new connections, in-flight requests get" << timeout.count()
                    << "ms";
    m_drainTimer = new QTimer(this);
    m_drainTimer->setSingleShot(true);
    connect(m_drainTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcProxy) << "drain timeout: closing the remaining connections";
        for (ProxyWorker *worker : m_workers)
            QMetaObject::invokeMethod(worker, &ProxyWorker::abortAll, Qt::QueuedConnection);
        finishDrain();
    });
    m_drainTimer->start(timeout);
    for (ProxyWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &ProxyWorker::drain, Qt::QueuedConnection);
}

void ProxyServer::onWorkerDrained() {
    if (++m_workersDrained >= int(m_workers.size()))
        finishDrain();
}

void ProxyServer::finishDrain() {
    if (m_drainFinished)
        return;
    m_drainFinished = true;
    m_drainTimer->stop();
    emit drained();
}

// NOTE: the workers read only rateLimit and breaker.status5xxIsFailure of a service's settings;
// the fields written below are read on this thread alone (new instances, serviceSettings()).

const ServiceConfig &ProxyServer::serviceSettings(int service) const {
    return m_registry->service(service).settings;
}

void ProxyServer::setFirstByteTimeout(int service, std::chrono::milliseconds timeout) {
    ServiceEntry &entry = m_registry->service(service);
    entry.settings.timeouts.firstByte = timeout;
    for (UpstreamInstance *instance : entry.instances)
        instance->setFirstByteTimeout(timeout);
}

void ProxyServer::setMaxAttempts(int service, int attempts) {
    m_registry->service(service).settings.retry.maxAttempts = attempts;
    m_runtime->retryPolicy(service).setMaxAttempts(attempts);
}

void ProxyServer::setRetryBudget(int service, double budget) {
    m_registry->service(service).settings.retry.budget = budget;
    m_runtime->retryBudget(service).setBudget(budget);
}

void ProxyServer::setBreakerFailureRate(int service, double rate) {
    ServiceEntry &entry = m_registry->service(service);
    entry.settings.breaker.failureRate = rate;
    for (const UpstreamInstance *instance : entry.instances)
        m_runtime->breaker(instance->index()).setFailureRate(rate);
}

void ProxyServer::setBreakerOpenDuration(int service, std::chrono::milliseconds duration) {
    ServiceEntry &entry = m_registry->service(service);
    entry.settings.breaker.openDuration = duration;
    for (const UpstreamInstance *instance : entry.instances)
        m_runtime->breaker(instance->index()).setOpenDuration(duration);
}

void ProxyServer::setRoutingWeights(int service, const RoutingConfig &routing) {
    RoutingConfig &settings = m_registry->service(service).settings.routing;
    settings.latencyWeight = routing.latencyWeight;
    settings.reliabilityWeight = routing.reliabilityWeight;
    settings.loadWeight = routing.loadWeight;
    settings.compatibilityWeight = routing.compatibilityWeight;
    m_runtime->setRouting(service, settings);
    for (ProxyWorker *worker : m_workers) {
        QMetaObject::invokeMethod(
            worker, [worker, service, settings] { worker->setRoutingWeights(service, settings); },
            Qt::QueuedConnection);
    }
}

} // namespace ToolCapture
