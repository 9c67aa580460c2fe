#pragma once

#include <backend/http/http_request_parser.h>
#include <backend/proxy/header_rewriter.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/proxy/upstream_pool.h>

#include <QByteArray>
#include <QObject>

#include <chrono>

class QTcpSocket;

namespace ToolCapture {

struct InstanceCounters;
class ProxyWorker;
struct ServiceEntry;

// One client connection: parses its requests, forwards each to an upstream instance and streams
// the response back, one exchange at a time (pipelined requests wait their turn, so responses
// leave in order). Lives in a proxy worker's thread; owned by that worker.
class ClientSession final : public QObject,
                            private HttpRequestParser::Handler,
                            private UpstreamConnection::Listener,
                            private UpstreamPool::Waiter {
    Q_OBJECT
public:
    using time_point = std::chrono::steady_clock::time_point;

    ClientSession(ProxyWorker &worker, qintptr descriptor);
    ~ClientSession() override;

    // Enforces the deadline in force (header read, idle, connect, first byte, pool wait).
    void checkDeadline(time_point now);
    // Graceful shutdown: an idle connection closes now, a busy one after its response.
    void drain();
    // Closes now, whatever it was doing.
    void abort();

    int slot = -1; // position in the worker's session list

private:
    enum class Deadline { None, Idle, HeaderRead, PoolWait, Connect, FirstByte };

    // HttpRequestParser::Handler
    void onRequestHead(RequestHead &&head) override;
    void onRequestBody(const char *data, qsizetype size) override;
    void onRequestComplete() override;

    // UpstreamConnection::Listener
    void onUpstreamReady(UpstreamConnection *connection) override;
    void onUpstreamResponseHead(ResponseHead &&head) override;
    void onUpstreamResponseBody(const char *data, qsizetype size) override;
    void onUpstreamResponseComplete() override;
    void onUpstreamFailed(UpstreamFailure failure, const QString &detail) override;
    void onUpstreamWritable() override;
    void onUpstreamBatchDone() override;

    // UpstreamPool::Waiter
    void onConnectionLeased(UpstreamConnection *connection) override;

    void pump();
    void beginExchange();
    void acquireUpstream(bool fresh);
    void startExchange();
    void sendRequestHead();
    void releaseUpstream(bool reusable);
    void respondError(int status, QByteArrayView type, QByteArrayView detail,
                      QByteArrayView extraHeaders = {});
    void finishExchange(bool close);
    void closeGracefully();
    void abortTruncated();
    void onClientBytesWritten();
    void onClientDisconnected();
    void setDeadline(Deadline kind, std::chrono::milliseconds in);
    void writeToClient(QByteArrayView data); // queued; flushClient() sends with one write
    void flushClient();
    void writeToUpstream(QByteArrayView data);
    bool requestBodyUnread() const;

    ProxyWorker &m_worker;
    QTcpSocket *m_client;
    HttpRequestParser m_parser;
    QByteArray m_in;
    qsizetype m_inPos = 0;
    QByteArray m_clientAddress;
    QByteArray m_scratch;
    QByteArray m_clientOut;

    // The exchange in progress.
    RequestHead m_request;
    QByteArray m_correlationId;
    QByteArray m_upstreamHead; // kept until the first response byte, for a retry
    const ServiceEntry *m_service = nullptr;
    UpstreamInstance *m_instance = nullptr;
    InstanceCounters *m_instanceCounters = nullptr;
    UpstreamPool *m_pool = nullptr;
    UpstreamConnection *m_upstream = nullptr;
    ClientFraming m_clientFraming = ClientFraming::None;
    qint64 m_requestBodyBytes = 0;
    time_point m_exchangeStart;
    int m_responseStatus = 0;
    bool m_inExchange = false;
    bool m_exchangeBegun = false;
    bool m_keepAlive = true;
    bool m_requestComplete = false;
    bool m_responseStarted = false;
    bool m_responseHeadSent = false;
    bool m_waitingForPool = false;
    bool m_retried = false;

    Deadline m_deadlineKind = Deadline::None;
    time_point m_deadline;
    bool m_inPump = false;
    bool m_readPending = false; // readyRead came and not everything was read yet
    bool m_closing = false;
    bool m_draining = false;
};

} // namespace ToolCapture
