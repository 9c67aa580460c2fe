#pragma once

#include <backend/engine/engine.h>

#include <QObject>

#include <memory>

namespace ToolCapture {

class UnixSignalWatcher;

// Runs the engine without the console: in the main thread under QCoreApplication, logging to
// stderr, stopping gracefully on SIGINT or SIGTERM (a second signal exits at once).
class HeadlessRunner : public QObject {
    Q_OBJECT
public:
    HeadlessRunner(ProxyConfig config, Engine::Options options, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    // Starts the engine and logs where it listens; false with error set if it could not.
    bool start(QString *error);

signals:
    // The engine stopped after a signal; exitCode for QCoreApplication::exit().
    void finished(int exitCode);

private:
    void onSignal(int signalNumber);

    std::unique_ptr<Engine> m_engine;
    UnixSignalWatcher *m_signals;
    bool m_stopping = false;
};

} // namespace ToolCapture
