#include <app/app_logging.h>
#include <app/engine_host.h>

#include <QDeadlineTimer>

namespace ToolCapture {

EngineHost::EngineHost(ProxyConfig config, Engine::Options options, QObject *parent)
    : QObject(parent)
    , m_drain(config.timeouts.drain) {
    qRegisterMetaType<ToolCapture::EngineSnapshot>();
    m_thread.setObjectName(QStringLiteral("engine"));
    m_engine = new Engine(std::move(config), options);
    m_engine->moveToThread(&m_thread);
    Engine *engine = m_engine;
    m_feed = std::make_unique<LocalFeedTransport>(
        engine->feedHub(),
        [engine](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            engine->dispatchAdmin(request, std::move(responder));
        });
    connect(this, &EngineHost::started, m_feed.get(), [feed = m_feed.get()] {
        feed->setEngineState(FeedTransport::Connection::Connected, {});
    });
    connect(this, &EngineHost::startFailed, m_feed.get(),
            [feed = m_feed.get()](const QString &error) {
                feed->setEngineState(FeedTransport::Connection::Lost, error);
            });
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);
    connect(m_engine, &Engine::snapshotReady, this, &EngineHost::snapshotReady,
            Qt::QueuedConnection);
    // Runs in the engine thread; QThread::quit() is thread-safe.
    QThread *thread = &m_thread;
    connect(
        m_engine, &Engine::stopped, m_engine, [thread] { thread->quit(); }, Qt::DirectConnection);
}

EngineHost::~EngineHost() {
    m_feed.reset();
    if (!m_thread.isRunning())
        return;
    Engine *engine = m_engine;
    QMetaObject::invokeMethod(
        engine,
        [engine] {
            if (engine->isRunning())
                engine->stop(); // stopped() quits the thread
            else
                QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    // NOTE: blocks the GUI thread at exit only, while in-flight requests drain.
    if (!m_thread.wait(QDeadlineTimer(m_drain + std::chrono::seconds(5)))) {
        qCWarning(lcApp) << "engine did not stop within its drain timeout; ending its thread";
        m_thread.quit();
        m_thread.wait();
    }
}

void EngineHost::start() {
    m_feed->setEngineState(FeedTransport::Connection::Connecting, tr("starting the engine"));
    m_thread.start();
    Engine *engine = m_engine;
    QMetaObject::invokeMethod(
        engine,
        [this, engine] {
            QString error;
            if (!engine->start(&error)) {
                QMetaObject::invokeMethod(
                    this, [this, error] { emit startFailed(error); }, Qt::QueuedConnection);
                return;
            }
            ListenAddress proxy = engine->config().listen;
            proxy.port = engine->proxyPort();
            ListenAddress admin = engine->config().admin;
            admin.port = engine->adminPort();
            QMetaObject::invokeMethod(
                this,
                [this, proxy = proxy.toString(), admin = admin.toString()] {
                    emit started(proxy, admin);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

} // namespace ToolCapture
