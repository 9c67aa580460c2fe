#pragma once

#include <backend/engine/engine.h>
#include <backend/feed/local_feed_transport.h>

#include <QObject>
#include <QThread>

namespace ToolCapture {

// Runs the engine in its own thread for the console and gives the console its feed (and, until
// the views move to the feed, relays the engine's snapshots to the GUI thread). Everything
// crossing between the threads is a queued call or a copied value. Lives in the GUI thread.
class EngineHost : public QObject {
    Q_OBJECT
public:
    EngineHost(ProxyConfig config, Engine::Options options, QObject *parent = nullptr);
    // Stops the engine gracefully (at most its drain timeout), then ends the thread.
    ~EngineHost() override;

    // Starts the thread and, in it, the engine: then started() or startFailed().
    void start();

    // The engine's console feed; valid for the host's lifetime, Connected once the engine runs.
    FeedTransport *feed() const { return m_feed.get(); }

signals:
    void started(const QString &proxyAddress, const QString &adminAddress);
    void startFailed(const QString &error);
    void snapshotReady(const ToolCapture::EngineSnapshot &snapshot);

private:
    QThread m_thread;
    std::unique_ptr<LocalFeedTransport> m_feed; // destroyed before the engine stops
    Engine *m_engine;                           // lives in m_thread; deleted when it finishes
    std::chrono::milliseconds m_drain;
};

} // namespace ToolCapture
