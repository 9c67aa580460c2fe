#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/client_session.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/upstream_pool.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/service_registry.h>

#include <QHostAddress>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {
// Deadlines are checked on this period: timeouts fire up to this much late.
constexpr std::chrono::milliseconds kTick{50};
} // namespace

ProxyWorker::ProxyWorker(int index, int workerCount, const ProxyConfig &config,
                         ServiceRegistry &registry, UpstreamRuntime &runtime,
                         WorkerCounters &counters)
    : m_index(index)
    , m_workerCount(workerCount)
    , m_config(config)
    , m_parserLimits{config.limits.maxRequestLine, config.limits.maxHeaderBytes,
                     config.limits.maxHeaderCount}
    , m_registry(registry)
    , m_routes(registry)
    , m_runtime(runtime)
    , m_filter(runtime)
    , m_selector(std::make_unique<ScoringSelector>(registry, runtime.stats(), runtime.routing(),
                                                   std::uint64_t(index) + 1))
    , m_counters(counters)
    , m_pools(size_t(registry.instanceCapacity()), nullptr) {}

ProxyWorker::~ProxyWorker() {
    stopListening();
}

void ProxyWorker::start() {
    m_timer = new QTimer(this);
    m_timer->setInterval(kTick);
    connect(m_timer, &QTimer::timeout, this, &ProxyWorker::tick);
    m_timer->start();
}

void ProxyWorker::listenOn(int fd) {
    m_listenFd = fd;
    m_listenNotifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_listenNotifier, &QSocketNotifier::activated, this, &ProxyWorker::acceptPending);
}

void ProxyWorker::stopListening() {
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
    else
        session->checkDeadline(std::chrono::steady_clock::now()); // nothing due; keeps it uniform
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
    if (m_draining && m_sessions.empty())
        emit drained();
}

UpstreamPool &ProxyWorker::pool(int instanceIndex) {
    UpstreamPool *&pool = m_pools[size_t(instanceIndex)];
    if (!pool) {
        pool = new UpstreamPool(m_registry.instance(instanceIndex),
                                m_counters.instances[size_t(instanceIndex)], m_workerCount, this);
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
    if (m_sessions.empty())
        emit drained();
}

void ProxyWorker::abortAll() {
    const std::vector<ClientSession *> sessions = m_sessions;
    for (ClientSession *session : sessions)
        session->abort();
    for (UpstreamPool *pool : m_pools) {
        if (pool)
            pool->closeIdle();
    }
}

void ProxyWorker::tick() {
    const auto now = std::chrono::steady_clock::now();
    // Index loop: a deadline may remove the session it fires for (swap with the last).
    for (size_t i = 0; i < m_sessions.size();) {
        ClientSession *session = m_sessions[i];
        session->checkDeadline(now);
        if (i < m_sessions.size() && m_sessions[i] == session)
            ++i;
    }
    for (UpstreamPool *pool : m_pools) {
        if (pool)
            pool->expireIdle(now);
    }
}

} // namespace ToolCapture
