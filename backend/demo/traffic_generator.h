#pragma once

#include <backend/demo/demo_request_mix.h>

#include <QElapsedTimer>
#include <QHostAddress>
#include <QMap>
#include <QObject>

#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace ToolCapture {

class DemoClientConnection;

// Generates the demo mode's client traffic against the proxy: a paced, weighted mix of requests
// over a few keep-alive connections, one request in flight on each.
// Lives in the thread that created it (the engine thread).
class TrafficGenerator : public QObject {
    Q_OBJECT
public:
    struct Options {
        double requestsPerSecond = 25.0;
        int connections = 4;
    };

    TrafficGenerator(QHostAddress proxyHost, quint16 proxyPort, Options options,
                     QObject *parent = nullptr);
    ~TrafficGenerator() override;

    void start();
    // Stops pacing and drops requests in flight (they count as neither completed nor failed).
    void stop();
    bool isRunning() const { return m_running; }

    quint64 sent() const { return m_sent; }
    quint64 completed() const { return m_completed; }
    // Transport errors (refused, reset, timed out, unparsable), not HTTP error statuses.
    quint64 failed() const { return m_failed; }
    // Paced slots dropped because every connection was busy.
    quint64 skipped() const { return m_skipped; }
    QMap<int, quint64> statusCounts() const { return m_statusCounts; }

signals:
    // NOTE: one signal per completed request, for tests; fine at demo rates.
    void requestCompleted(int status);

private:
    void onTick();
    void onDone(const DemoRequest &request, const std::optional<ResponseHead> &head);
    DemoClientConnection *idleConnection();

    QHostAddress m_proxyHost;
    quint16 m_proxyPort = 0;
    Options m_options;
    DemoRequestMix m_mix;
    std::vector<DemoClientConnection *> m_connections; // children
    QTimer *m_ticker = nullptr;
    QElapsedTimer m_clock;
    quint64 m_slots = 0; // paced slots elapsed since start(), sent or skipped
    size_t m_nextConnection = 0;
    bool m_running = false;

    quint64 m_sent = 0;
    quint64 m_completed = 0;
    quint64 m_failed = 0;
    quint64 m_skipped = 0;
    QMap<int, quint64> m_statusCounts;
};

} // namespace ToolCapture
