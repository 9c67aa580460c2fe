#pragma once

#include <backend/engine/engine.h>
#include <backend/feed/local_feed_transport.h>

#include <QObject>
#include <QTemporaryDir>
#include <QThread>

#include <memory>

namespace ToolCapture {

// For console tests: a real Engine in demo mode (demo upstreams, generated traffic, embedded
// Kafka) in its own thread, on port 0, with its feed as the console gets it. Lives in the test's
// (GUI) thread; the engine in its own.
class DemoFeedEngine : public QObject {
    Q_OBJECT
public:
    explicit DemoFeedEngine(double requestsPerSecond = 40.0, QObject *parent = nullptr);
    // Stops the engine and waits for its thread.
    ~DemoFeedEngine() override;

    // Starts the engine: then started(ok, error).
    void start();
    LocalFeedTransport *feed() const { return m_feed.get(); }

signals:
    void started(bool ok, const QString &error);

private:
    QTemporaryDir m_dir;
    QThread m_thread;
    Engine *m_engine = nullptr; // lives in m_thread; deleted when it finishes
    std::unique_ptr<LocalFeedTransport> m_feed;
};

} // namespace ToolCapture
