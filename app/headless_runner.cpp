#include <app/app_logging.h>
#include <app/headless_runner.h>
#include <app/unix_signal_watcher.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace ToolCapture {

HeadlessRunner::HeadlessRunner(ProxyConfig config, Engine::Options options, QObject *parent)
    : QObject(parent)
    , m_engine(std::make_unique<Engine>(std::move(config), options))
    , m_signals(new UnixSignalWatcher(this)) {
    connect(m_engine.get(), &Engine::stopped, this, [this] {
        qCInfo(lcApp) << "engine stopped";
        emit finished(0);
    });
    connect(m_signals, &UnixSignalWatcher::signalReceived, this, &HeadlessRunner::onSignal);
}

HeadlessRunner::~HeadlessRunner() = default;

bool HeadlessRunner::start(QString *error) {
    if (!m_signals->watch(SIGINT) || !m_signals->watch(SIGTERM))
        qCWarning(lcApp) << "cannot watch SIGINT/SIGTERM: stop the process with SIGKILL";
    if (!m_engine->start(error))
        return false;
    return true; // the engine logs the addresses it listens on
}

void HeadlessRunner::onSignal(int signalNumber) {
    if (m_stopping) {
        qCWarning(lcApp) << "second signal" << signalNumber << "while draining: exiting now";
        std::fflush(stderr);
        std::_Exit(1);
    }
    m_stopping = true;
    qCInfo(lcApp) << "signal" << signalNumber << "received: draining, send it again to exit now";
    m_engine->stop();
}

} // namespace ToolCapture
