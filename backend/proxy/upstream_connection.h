#pragma once

#include <backend/http/http_response_parser.h>
#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/socket_watch.h>

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

#include <memory>

namespace ToolCapture {

class UpstreamInstance;

// Why an upstream exchange failed.
enum class UpstreamFailure {
    ConnectFailed,  // refused, unreachable
    ConnectTimeout, // no connection within the connect timeout
    Reset,          // closed or reset before the response was complete
    BadResponse,    // the response broke HTTP framing rules
};

// One keep-alive TCP connection to an upstream instance, carrying one exchange at a time for the
// session it is attached to: a non-blocking descriptor read and written directly (no QTcpSocket
// buffering, no ioctl per read), watched by the worker's epoll dispatcher.
// Lives in a proxy worker's thread; owned by that worker's pool.
class UpstreamConnection final
    : public QObject
    , private HttpResponseParser::Handler
    , private SocketWatch::Handler {
    Q_OBJECT
public:
    // The session side of an exchange.
    class Listener {
    public:
        virtual ~Listener() = default;
        virtual void onUpstreamReady(UpstreamConnection *connection) = 0;
        virtual void onUpstreamResponseHead(ResponseHead &&head) = 0;
        virtual void onUpstreamResponseBody(const char *data, qsizetype size) = 0;
        virtual void onUpstreamResponseComplete() = 0;
        virtual void onUpstreamFailed(UpstreamFailure failure, const QString &detail) = 0;
        virtual void onUpstreamWritable() = 0;  // the write buffer drained below the low mark
        virtual void onUpstreamBatchDone() = 0; // what one readiness brought has been delivered
        // After onUpstreamResponseHead of a 101 to WebSocket: `data` is what the upstream sent
        // after that head (the new protocol's first bytes, valid during the call). The
        // listener takes the descriptor (takeDescriptor) or releases the connection.
        virtual void onUpstreamUpgraded(const char *data, qsizetype size) = 0;
    };

    UpstreamConnection(UpstreamInstance &instance, QObject *parent);
    ~UpstreamConnection() override;

    UpstreamInstance &instance() const noexcept { return m_instance; }
    void connectToUpstream();
    bool isConnected() const noexcept { return m_connected; }
    // Whether it carried an exchange before the current one.
    bool isReused() const noexcept { return m_exchanges > 1; }

    // Starts an exchange: the listener gets every event until detach(). `webSocketUpgrade`: the
    // request asked for WebSocket, so a 101 to it is accepted (onUpstreamUpgraded).
    void attach(Listener *listener, QByteArrayView requestMethod, bool webSocketUpgrade = false);
    void detach();
    Listener *listener() const noexcept { return m_listener; }

    // Queues bytes for the upstream; flush() sends what is queued with one write.
    void write(QByteArrayView data);
    void flush();
    // flush() at the end of the worker's polling round (EpollEventDispatcher::deferToRoundEnd),
    // or now outside a round. For a request that is written whole: the upstream is woken after
    // the worker has handled everything the round brought, not in the middle of it.
    void flushAtRoundEnd();
    qint64 bytesToWrite() const;
    // Response-direction backpressure: stop reading the socket until resumeReading().
    void pauseReading() { m_readingPaused = true; }
    bool isReadingPaused() const noexcept { return m_readingPaused; }
    void resumeReading();

    // Whether the last exchange ended cleanly with the connection fit for another one.
    bool isReusable() const noexcept;
    // Whether the upstream closed (or wrote to) this idle connection and the worker has not read
    // it yet: a look at the socket without taking anything from it (one recv with MSG_PEEK).
    // For a request that could not be sent again if the connection turned out to be closed.
    bool peerClosedWhileIdle() const noexcept;
    // Closes now; no more events reach the listener.
    void close();
    // After a 101 to WebSocket: hands over the descriptor (no longer watched here) and the
    // bytes still queued for the upstream (appended to `unsent`); the connection is then
    // closed as far as this object is concerned, and is released to its pool to be destroyed.
    int takeDescriptor(QByteArray &unsent);

signals:
    // The socket closed or failed while no listener was attached (idle in the pool).
    void closedWhileIdle(ToolCapture::UpstreamConnection *connection);

private:
    // HttpResponseParser::Handler
    void onResponseHead(ResponseHead &&head) override;
    void onResponseBody(const char *data, qsizetype size) override;
    void onResponseComplete() override;

    // SocketWatch::Handler
    void onSocketReadable() override;
    void onSocketWritable() override;

    void connectTo(const QHostAddress &address);
    void onConnected();
    void onReadyRead();
    void onEndOfStream();
    void onWritable();
    void setWatchingWrites(bool on);
    void closeSocket();
    void fail(UpstreamFailure failure, const QString &detail);

    UpstreamInstance &m_instance;
    RoundEndCall<UpstreamConnection, &UpstreamConnection::flush> m_roundEndFlush{*this};
    int m_fd = -1;
    std::unique_ptr<SocketWatch> m_socket; // null while there is no descriptor
    HttpResponseParser m_parser;
    ReadBuffer m_buffer;
    QByteArray m_out;       // queued, not written yet, from m_outPos
    qsizetype m_outPos = 0; // what the kernel took already
    int m_lookupId = -1;    // a host-name lookup in progress
    Listener *m_listener = nullptr;
    int m_exchanges = 0;
    int m_lastStatus = 0;
    bool m_connected = false;
    bool m_readingPaused = false;
    bool m_inRead = false;
    bool m_readPending = false; // readable and not everything was read yet
    bool m_eof = false;         // the upstream shut down its sending side
    bool m_broken = false;      // extra bytes, a failure, or not keep-alive
    bool m_responseComplete = false;
};

} // namespace ToolCapture
