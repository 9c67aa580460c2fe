#include <tests/gui/support/demo_feed_engine.h>

#include <QDeadlineTimer>

namespace ToolCapture {

DemoFeedEngine::DemoFeedEngine(double requestsPerSecond, QObject *parent)
    : QObject(parent) {
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 1;
    config.adminToken = QStringLiteral("console-test-admin-token");
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");

    m_thread.setObjectName(QStringLiteral("engine"));
    m_engine = new Engine(config, Engine::Options{true, requestsPerSecond});
    m_engine->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);
    QThread *thread = &m_thread;
    connect(
        m_engine, &Engine::stopped, m_engine, [thread] { thread->quit(); }, Qt::DirectConnection);
    Engine *engine = m_engine;
    m_feed = std::make_unique<LocalFeedTransport>(
        engine->feedHub(),
        [engine](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            engine->dispatchAdmin(request, std::move(responder));
        });
    connect(this, &DemoFeedEngine::started, m_feed.get(), [this](bool ok, const QString &error) {
        m_feed->setEngineState(
            ok ? FeedTransport::Connection::Connected : FeedTransport::Connection::Lost, error);
    });
}

DemoFeedEngine::~DemoFeedEngine() {
    m_feed.reset();
    if (!m_thread.isRunning())
        return;
    Engine *engine = m_engine;
    QMetaObject::invokeMethod(
        engine,
        [engine] {
            if (engine->isRunning())
                engine->stop();
            else
                QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    m_thread.wait(QDeadlineTimer(std::chrono::seconds(20)));
}

void DemoFeedEngine::start() {
    m_thread.start();
    Engine *engine = m_engine;
    QMetaObject::invokeMethod(
        engine,
        [this, engine] {
            QString error;
            const bool ok = engine->start(&error);
            QMetaObject::invokeMethod(
                this, [this, ok, error] { emit started(ok, error); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

} // namespace ToolCapture
