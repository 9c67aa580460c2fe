#include <backend/core/logging.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/proxy_server.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>

#include <QSemaphore>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

namespace ToolCapture {

// Accepts connections and hands their descriptors round-robin to the workers without creating
// sockets itself. Lives in the acceptor thread.
class ProxyServer::Acceptor final : public QTcpServer {
public:
    explicit Acceptor(std::vector<ProxyWorker *> workers)
        : m_workers(std::move(workers)) {}

protected:
    void incomingConnection(qintptr descriptor) override {
        ProxyWorker *worker = m_workers[m_next];
        m_next = (m_next + 1) % m_workers.size();
        QMetaObject::invokeMethod(
            worker, [worker, descriptor] { worker->adopt(descriptor); }, Qt::QueuedConnection);
    }

private:
    std::vector<ProxyWorker *> m_workers;
    size_t m_next = 0;
};

ProxyServer::ProxyServer(const ProxyConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_registry(std::make_unique<ServiceRegistry>(config))
    , m_acceptorThread(new QThread(this)) {
    const int workers = config.effectiveWorkers();
    m_metrics = std::make_unique<ProxyMetrics>(workers, m_registry->instanceCapacity());
    qRegisterMetaType<ToolCapture::BreakerTransition>();
    // Transitions happen on whichever worker saw the deciding call: hand them to this thread.
    m_runtime = std::make_unique<UpstreamRuntime>(
        *m_registry, m_config.services, SteadyClock::instance(),
        [this](const BreakerTransition &transition) {
            QMetaObject::invokeMethod(
                this, [this, transition] { emit breakerTransition(transition); },
                Qt::QueuedConnection);
        });
    for (int i = 0; i < workers; ++i) {
        auto *thread = new QThread(this);
        thread->setObjectName(QStringLiteral("proxy-worker-%1").arg(i));
        thread->setEventDispatcher(new EpollEventDispatcher);
        auto *worker =
            new ProxyWorker(i, workers, m_config, *m_registry, *m_runtime, m_metrics->worker(i));
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        connect(worker, &ProxyWorker::drained, this, &ProxyServer::onWorkerDrained,
                Qt::QueuedConnection);
        thread->start();
        QMetaObject::invokeMethod(worker, &ProxyWorker::start, Qt::QueuedConnection);
        m_workers.push_back(worker);
        m_threads.push_back(thread);
    }
    m_acceptorThread->setObjectName(QStringLiteral("proxy-acceptor"));
    m_acceptor = new Acceptor(m_workers);
    m_acceptor->moveToThread(m_acceptorThread);
    connect(m_acceptorThread, &QThread::finished, m_acceptor, &QObject::deleteLater);
    m_acceptorThread->start();
}

ProxyServer::~ProxyServer() {
    m_acceptorThread->quit(); // the acceptor closes as it is deleted
    m_acceptorThread->wait();
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

DynamicRegistration ProxyServer::registerInstances(const QString &service, const QStringList &urls,
                                                   const QStringList &capabilities) {
    DynamicRegistration result =
        DynamicRegistrar(*m_registry, *m_runtime).registerInstances(service, urls, capabilities);
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

bool ProxyServer::listen(QString *error) {
    // The socket is opened in the acceptor's thread; this thread waits for the outcome once,
    // at start-up.
    QSemaphore done;
    QString failure;
    QMetaObject::invokeMethod(m_acceptor, [&] {
        m_acceptor->setListenBacklogSize(1024);
        if (m_acceptor->listen(m_config.listen.host, m_config.listen.port)) {
            m_port = m_acceptor->serverPort();
            m_address = m_acceptor->serverAddress();
        } else {
            failure = QStringLiteral("cannot listen on %1: %2")
                          .arg(m_config.listen.toString(), m_acceptor->errorString());
        }
        done.release();
    });
    done.acquire();
    if (!failure.isEmpty() && error)
        *error = failure;
    return failure.isEmpty();
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
    QMetaObject::invokeMethod(m_acceptor, [acceptor = m_acceptor] { acceptor->close(); });
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

} // namespace ToolCapture
