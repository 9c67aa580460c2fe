#pragma once

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QThread>

#include <atomic>
#include <memory>

namespace ToolCapture {

class TestUpstreamServer;

// A scriptable HTTP upstream on 127.0.0.1 running in a thread of its own, so a test can use
// blocking clients against a proxy in front of it. It counts connections and bytes, and
// misbehaves on request.
class TestUpstream {
public:
    enum class Mode {
        Echo,              // 200, body = JSON of the request head and body size
        Raw,               // answer every request with `raw` as is
        CloseAfterRequest, // read the request head, then close without answering
        ResetAfterRequest, // read the request head, then reset the connection
        ResetMidBody,      // send a head with Content-Length: 100000 (or chunked), 1000 bytes,
                           // then reset
        Hang,              // read the request, never answer
        Download,          // 200 with `downloadBytes` bytes, streamed as the socket drains
        Sink,              // read the whole body, answer with its size and a checksum
    };
    struct Behaviour {
        Mode mode = Mode::Echo;
        QByteArray raw;
        qint64 downloadBytes = 0;
        bool chunked = false; // Download, ResetMidBody: chunked instead of Content-Length
        QByteArray headers{}; // Download: extra header lines ("Name: value\r\n" each)
        int delayMs = 0; // Echo: answer this much later; ResetMidBody: reset after (default 20)
        bool closeAfterResponse = false; // Raw: close the connection after answering
        // Raw: shut down the sending side after answering (a half-close) and keep reading.
        bool shutdownAfterResponse = false;
        // Raw: requests are held unanswered until releaseHeld() (then answered as the
        // behaviour in force says).
        bool held = false;
    };

    TestUpstream();
    explicit TestUpstream(Behaviour behaviour);
    ~TestUpstream();

    quint16 port() const { return m_port; }
    QByteArray url() const;
    void setBehaviour(const Behaviour &behaviour);
    Behaviour behaviour() const;

    // Answers every request held so far (Behaviour::held) and stops holding new ones.
    void releaseHeld();
    int heldRequests() const { return m_held.load(); }

    int connectionsAccepted() const { return m_connections.load(); }
    int openConnections() const { return m_open.load(); }
    int requestsReceived() const { return m_requests.load(); }   // heads
    int requestsCompleted() const { return m_completed.load(); } // whole messages
    qint64 bytesReceived() const { return m_bytes.load(); }
    qint64 lastBodyBytes() const { return m_lastBody.load(); }
    // The raw heads of every request received, in order.
    QList<QByteArray> heads() const;

private:
    friend class TestUpstreamServer;
    friend class TestUpstreamConnection;
    void recordHead(const QByteArray &head);

    QThread m_thread;
    TestUpstreamServer *m_server = nullptr;
    quint16 m_port = 0;
    mutable QMutex m_mutex;
    Behaviour m_behaviour;
    QList<QByteArray> m_heads;
    std::atomic<int> m_connections{0};
    std::atomic<int> m_open{0};
    std::atomic<int> m_requests{0};
    std::atomic<int> m_completed{0};
    std::atomic<qint64> m_bytes{0};
    std::atomic<qint64> m_lastBody{0};
    std::atomic<int> m_held{0};
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
quint16 closedLoopbackPort();

} // namespace ToolCapture
