#pragma once

#include <backend/engine/engine.h>

#include <QObject>
#include <QThread>

namespace ToolCapture {

// Runs the engine in its own thread for the console and relays its snapshots to the GUI thread.
// Everything crossing between the threads is a queued call or a copied value.
class EngineHost : public QObject {
    Q_OBJECT
public:
    EngineHost(ProxyConfig config, Engine::Options options, QObject *parent = nullptr);
    // Stops the engine gracefully (at most its drain timeout), then ends the thread.
    ~EngineHost() override;

    // Starts the thread and, in it, the engine: then started() or startFailed().
    void start();

signals:
    void started(const QString &proxyAddress, const QString &adminAddress);
    void startFailed(const QString &error);
    void snapshotReady(const ToolCapture::EngineSnapshot &snapshot);

private:
    QThread m_thread;
    Engine *m_engine; // lives in m_thread; deleted when it finishes
    std::chrono::milliseconds m_drain;
};

} // namespace ToolCapture
