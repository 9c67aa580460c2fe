#include <backend/cache/http_date.h>
#include <backend/cache/stored_response.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/background_revalidation.h>
#include <backend/proxy/client_session.h>
#include <backend/proxy/invalidation_subscriber.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/upstream_pool.h>
#include <backend/redis/redis_client.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/service_registry.h>

#include <QHostAddress>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {
// Idle upstream connections are expired on this period (connection deadlines have their own
// timer, armed for the earliest of them).
constexpr std::chrono::milliseconds kTick{1000};
} // namespace

ProxyWorker::ProxyWorker(int index, int workerCount, const ProxyConfig &config,
                         ServiceRegistry &registry, UpstreamRuntime &runtime,
                         WorkerCounters &counters, const Clock &clock)
    : m_index(index)
    , m_workerCount(workerCount)
    , m_config(config)
    , m_parserLimits{config.limits.maxRequestLine, config.limits.maxHeaderBytes,
                     config.limits.maxHeaderCount}
    , m_registry(registry)
    , m_routes(registry)
    , m_runtime(runtime)
    , m_filter(runtime)
    // Seeded apart, not by index: proxies started together must not draw the same candidates
    // in step while nothing is measured yet (every first request on one instance).
    , m_selector(std::make_unique<ScoringSelector>(registry, runtime.stats(), runtime.routing(),
                                                   QRandomGenerator::global()->generate64()))
    , m_counters(counters)
    , m_random(QRandomGenerator::global()->generate64()) // once, off the request path
    , m_pools(size_t(registry.instanceCapacity()), nullptr)
    , m_clock(clock) {
    m_scoring = static_cast<ScoringSelector *>(m_selector.get());
}

QByteArrayView ProxyWorker::httpDate() {
    const auto second = std::chrono::floor<std::chrono::seconds>(m_clock.wallNow());
    if (second != m_dateSecond || m_dateText.isEmpty()) {
        m_dateSecond = second;
        m_dateText = HttpDate::format(second);
    }
    return m_dateText;
}

void ProxyWorker::setRoutingWeights(int service, const RoutingConfig &routing) {
    m_scoring->setWeights(service, routing);
}

ProxyWorker::~ProxyWorker() {
    stopListening();
    m_revalidations.clear(); // abandoned, while the pools and the deadline queue still exist
}

void ProxyWorker::start() {
    m_timer = new QTimer(this);
    m_timer->setInterval(kTick);
    connect(m_timer, &QTimer::timeout, this, &ProxyWorker::tick);
    m_timer->start();
    m_deadlineTimer = new QTimer(this);
    m_deadlineTimer->setSingleShot(true);
    m_deadlineTimer->setTimerType(Qt::PreciseTimer);
    connect(m_deadlineTimer, &QTimer::timeout, this, &ProxyWorker::fireDeadlines);
}

void ProxyWorker::setDeadline(DeadlineQueue::Owner &owner, DeadlineQueue::time_point due) {
    m_deadlines.schedule(owner, due);
    // NOTE: the timer is only ever moved earlier here; when it fires for a deadline that was
    // cancelled or moved later, fireDeadlines() arms it for the earliest one left. Most
    // deadlines move later as requests come (idle, then first byte, then idle again), so the
    // common request does not touch the timer at all.
    if (due < m_armedFor)
        armFor(due);
}

void ProxyWorker::armFor(DeadlineQueue::time_point due) {
    if (!m_deadlineTimer)
        return; // start() arms it
    m_armedFor = due;
    const auto in = std::chrono::ceil<std::chrono::milliseconds>(due - m_clock.now());
    m_deadlineTimer->start(std::max<std::chrono::milliseconds>(in, std::chrono::milliseconds(0)));
}

void ProxyWorker::fireDeadlines() {
    m_armedFor = DeadlineQueue::time_point::max();
    m_deadlines.fireDue(m_clock.now());
    if (!m_deadlines.isEmpty() && m_deadlines.next() < m_armedFor)
        armFor(m_deadlines.next());
}

void ProxyWorker::checkDeadlines() {
    fireDeadlines();
    emit deadlinesChecked();
}

void ProxyWorker::listenOn(int fd) {
    if (const int old = m_handedFd.exchange(fd); old >= 0)
        ::close(old);
}

void ProxyWorker::startListening() {
    const int fd = m_handedFd.exchange(-1);
    if (fd < 0)
        return;
    m_listenFd = fd;
    m_listenNotifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_listenNotifier, &QSocketNotifier::activated, this, &ProxyWorker::acceptPending);
}

void ProxyWorker::stopListening() {
    // NOTE: a thread told to quit before its loop ran never runs the queued startListening():
    // the socket handed over is closed here all the same (tst_proxy_shutdown).
    if (const int handed = m_handedFd.exchange(-1); handed >= 0)
        ::close(handed);
    delete m_listenNotifier;
    m_listenNotifier = nullptr;
    if (m_listenFd >= 0)
        ::close(m_listenFd);
    m_listenFd = -1;
}

void ProxyWorker::acceptPending() {
    // A bounded batch per wake-up: the sessions already open get their turn too.
    for (int i = 0; i < 64 && m_listenFd >= 0; ++i) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd = ::accept4(m_listenFd, reinterpret_cast<sockaddr *>(&peer), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; // EAGAIN, or out of descriptors: the notifier tells when to try again
        }
        SocketIo::setNoDelay(fd);
        adopt(fd, QHostAddress(reinterpret_cast<const sockaddr *>(&peer)).toString().toLatin1());
    }
}

void ProxyWorker::adopt(int fd, QByteArray clientAddress) {
    auto *session = new ClientSession(*this, fd, std::move(clientAddress));
    session->slot = int(m_sessions.size());
    m_sessions.push_back(session);
    if (m_draining)
        session->drain();
}

void ProxyWorker::waitForCoalesced(std::uint64_t ticket, ClientSession *session) {
    m_coalesceWaiters.emplace(ticket, session);
}

void ProxyWorker::stopWaitingForCoalesced(std::uint64_t ticket) {
    m_coalesceWaiters.erase(ticket);
}

void ProxyWorker::wakeCoalesced(std::uint64_t ticket) {
    const auto it = m_coalesceWaiters.find(ticket);
    if (it == m_coalesceWaiters.end())
        return; // it gave up (or left) meanwhile
    ClientSession *session = it->second;
    m_coalesceWaiters.erase(it);
    session->onCoalescedWake();
}

void ProxyWorker::deliverShared(std::uint64_t ticket, int status, const QByteArray &value) {
    const auto it = m_coalesceWaiters.find(ticket);
    if (it == m_coalesceWaiters.end())
        return; // the client left meanwhile
    ClientSession *session = it->second;
    m_coalesceWaiters.erase(it);
    session->onSharedAnswer(status, value);
}

void ProxyWorker::startSharedTier(const ResponseCache::SharedTier &tier,
                                  std::shared_ptr<RedisLogGate> logGate) {
    if (sharedTier() || !tier.enabled)
        return;
    RedisClient::Options options = sharedTierClientOptions(tier);
    options.logGate = std::move(logGate);
    auto *client = new RedisClient(options, m_clock, this);
    m_sharedTier.store(client, std::memory_order_release);
    client->start();
}

void ProxyWorker::removeSession(ClientSession *session) {
    const int slot = session->slot;
    if (slot < 0)
        return;
    ClientSession *last = m_sessions.back();
    m_sessions[size_t(slot)] = last;
    last->slot = slot;
    m_sessions.pop_back();
    session->slot = -1;
    session->deleteLater();
    maybeDrained();
}

void ProxyWorker::maybeDrained() {
    if (!m_draining || m_drainedSent || !m_sessions.empty() || !m_revalidations.empty())
        return;
    m_drainedSent = true;
    emit drained();
}

void ProxyWorker::revalidateInBackground(const ServiceEntry &service, const RequestHead &request,
                                         std::shared_ptr<const StoredResponse> stored,
                                         QByteArrayView clientAddress) {
    if (m_draining || !m_cache || !stored)
        return; // NOTE: a draining worker starts nothing new; the stale answer stands
    m_revalidations.push_back(
        std::make_unique<BackgroundRevalidation>(*this, ++m_lastRevalidation));
    // It ends at once (and is forgotten) when another request leads the key already.
    m_revalidations.back()->start(service, request, std::move(stored), clientAddress,
                                  m_clock.now());
}

void ProxyWorker::endRevalidation(std::uint64_t id) {
    // Never destroyed from inside its own callbacks (it may be deep in an upstream's).
    QMetaObject::invokeMethod(
        this, [this, id] { forgetRevalidation(id); }, Qt::QueuedConnection);
}

void ProxyWorker::forgetRevalidation(std::uint64_t id) {
    std::erase_if(m_revalidations,
                  [id](const std::unique_ptr<BackgroundRevalidation> &r) { return r->id() == id; });
    maybeDrained();
}

UpstreamPool &ProxyWorker::pool(int instanceIndex) {
    UpstreamPool *&pool = m_pools[size_t(instanceIndex)];
    if (!pool) {
        pool = new UpstreamPool(m_registry.instance(instanceIndex),
                                m_counters.instances[size_t(instanceIndex)], m_workerCount, m_clock,
                                this);
    }
    return *pool;
}

void ProxyWorker::drain() {
    m_draining = true;
    stopListening();
    // Copy: draining may close (and so remove) sessions.
    const std::vector<ClientSession *> sessions = m_sessions;
    for (ClientSession *session : sessions)
        session->drain();
    for (UpstreamPool *pool : m_pools) {
        if (pool)
            pool->closeIdle();
    }
    // Background revalidations in flight finish (their own timeout bounds them, and the
    // server's drain timeout aborts what is left).
    maybeDrained();
}

void ProxyWorker::abortAll() {
    const std::vector<ClientSession *> sessions = m_sessions;
    for (ClientSession *session : sessions)
        session->abort();
    m_revalidations.clear(); // abandoned: connections closed, leads given back
    for (UpstreamPool *pool : m_pools) {
        if (pool)
            pool->closeIdle();
    }
    maybeDrained();
}

void ProxyWorker::tick() {
    const auto now = m_clock.now();
    for (UpstreamPool *pool : m_pools) {
        if (pool)
            pool->expireIdle(now);
    }
}

} // namespace ToolCapture
