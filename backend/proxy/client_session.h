#pragma once

#include <backend/capture/capture_record.h>
#include <backend/http/http_request_parser.h>
#include <backend/proxy/deadline_queue.h>
#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/exchange_cache.h>
#include <backend/proxy/header_rewriter.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/socket_watch.h>
#include <backend/proxy/upgrade_tunnel.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/proxy/upstream_pool.h>
#include <backend/resilience/breaker_permit.h>
#include <backend/resilience/bulkhead_permit.h>
#include <backend/resilience/call_outcome.h>
#include <backend/resilience/retry_permit.h>
#include <backend/resilience/retry_policy.h>
#include <backend/routing/instance_stats.h>

#include <QByteArray>
#include <QObject>

#include <chrono>
#include <memory>

namespace ToolCapture {

struct InstanceCounters;
struct WorkerCounters;
class ProxyWorker;
struct ServiceEntry;

// One client connection: parses its requests, forwards each to an upstream instance and streams
// the response back, one exchange at a time (pipelined requests wait their turn, so responses
// leave in order). A WebSocket upgrade that the upstream accepts (101) turns the session into a
// tunnel (m_tunnel): its exchange then lasts until the tunnel ends, and the session with it.
// Lives in a proxy worker's thread; owned by that worker.
class ClientSession final
    : public QObject
    , private HttpRequestParser::Handler
    , private UpstreamConnection::Listener
    , private UpstreamPool::Waiter
    , private DeadlineQueue::Owner
    , private SocketWatch::Handler
    , private UpgradeTunnel::Listener {
    Q_OBJECT
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Takes over `fd`, an accepted non-blocking TCP socket, and closes it when done.
    ClientSession(ProxyWorker &worker, int fd, QByteArray clientAddress);
    ~ClientSession() override;

    // Enforces the deadline in force (header read, idle, connect, first byte, pool wait).
    void checkDeadline(time_point now);
    // Graceful shutdown: an idle connection closes now, a busy one after its response.
    void drain();
    // Closes now, whatever it was doing.
    void abort();
    // The request this session waited for (ticket from its worker) has its response: the
    // cache is looked up again. Worker thread.
    void onCoalescedWake();
    // The shared tier's answer to this session's question (RedisClient::Status, value).
    void onSharedAnswer(int status, const QByteArray &value);

    int slot = -1; // position in the worker's session list

private:
    enum class Deadline {
        None,
        Idle,
        HeaderRead,
        BodyRead,
        PoolWait,
        Connect,
        FirstByte,
        Linger,       // closing: what the client still sends is read and discarded until then
        RetryBackoff, // between a failed attempt and the next one
        CoalesceWait, // waiting for another request's response to the same key (the cache)
        TunnelIdle,   // a WebSocket tunnel: checked against its last activity, then re-armed
    };

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
    void onUpstreamUpgraded(const char *data, qsizetype size) override;

    // UpgradeTunnel::Listener
    void onTunnelEnded(UpgradeTunnel::End end) override;

    // UpstreamPool::Waiter
    void onConnectionLeased(UpstreamConnection *connection) override;
    // A request that could not be sent again on a fresh connection (a body, or a method that
    // is not idempotent) gets a pooled connection only after a look for an unread close.
    bool needsVerifiedConnection() const noexcept override;
    // A WebSocket upgrade goes on a connection of its own: never one from (or back to) the pool.
    bool needsFreshConnection() const noexcept override { return m_request.upgradeWebSocket; }

    // DeadlineQueue::Owner
    void onDeadline(time_point now) override;

    // SocketWatch::Handler
    void onSocketReadable() override;
    void onSocketWritable() override;

    void pump();
    // Leaves the pump; the turn an exchange that ended in it asked for and did not get is
    // posted to the event loop.
    void endPump();
    void beginExchange();
    // The cache's look-up and what follows from it (`mayWait`: a miss may wait for another
    // request's response).
    void consultCache(time_point now, bool mayWait);
    // After the cache's look-up: the rate limit, then the first attempt.
    void forwardExchange(time_point now);
    // A coalesced wait ended (woken, or given up at its deadline): look again.
    void endCoalesceWait(time_point now);
    void stopCoalesceWait();
    void askSharedTier();
    void startAttempt(time_point now);
    // Records how the attempt in progress ended (breaker, routing statistics) and frees its
    // bulkhead slot.
    void endAttempt(CallOutcome::Kind kind, bool success);
    void endAttempt(CallOutcome::Kind kind, bool success, time_point now);
    void abandonAttempt();
    // Gives back what the exchange holds: its attempt, retry permit and place in the budget.
    void endExchangeAccounting();
    // Schedules another attempt on another instance if the policy, the budget and the request
    // allow it; false when the failure must be answered.
    // `status` and `detail` are the answer should no instance be left for the retry.
    bool maybeRetry(RetryPolicy::FailureKind kind, int status, QByteArrayView type,
                    QByteArrayView detail);
    void failAttempt(UpstreamFailure failure, const QString &detail);
    void acquireUpstream(bool fresh);
    void chooseAgainWithout(); // the chosen instance's queue is full
    void startExchange();
    void sendRequestHead();
    void releaseUpstream(bool reusable);
    // A 101 to WebSocket: the attempt ends as a success and the 101 head goes to the client.
    void acceptUpgrade(const ResponseHead &head, time_point now);
    void respondError(int status, QByteArrayView type, QByteArrayView detail,
                      QByteArrayView extraHeaders = {});
    // Sends the response the cache answers with (m_cache.reply()).
    void writeCachedReply(time_point now);
    void finishExchange(bool close);
    void finishExchange(bool close, time_point now); // `now` read by the caller just before
    void closeGracefully();
    // Output sent: shut down our sending side and discard what the client still sends until it
    // closes too (or a bound is reached), so that it reads our last response, not a reset.
    void startLinger();
    void discardInput();
    // Resets the connection of a response already under way; `why` becomes the captured
    // exchange's proxy error.
    void abortTruncated(QByteArrayView why);
    void onClientReadable();
    void onClientWritable();
    void onClientEndOfStream();
    void onClientDisconnected();
    void closeClientSocket();
    // The one deadline in force, kept in the worker's DeadlineQueue.
    void setDeadline(Deadline kind, std::chrono::milliseconds in);
    void setDeadline(Deadline kind, std::chrono::milliseconds in, time_point now);
    void clearDeadline();
    void writeToClient(QByteArrayView data); // queued; flushClient() sends with one write
    // Serializes a response head straight into the client's output buffer, dated by the
    // worker when the origin did not date it.
    void writeResponseHeadToClient(const ResponseHead &head, ClientFraming framing, bool keepAlive,
                                   int clientVersionMinor, bool webSocketUpgrade = false);
    void flushClient();
    // The end of a response: written once the rest of the worker's round is handled
    // (EpollEventDispatcher::deferToRoundEnd), or now outside a round.
    void flushClientAtRoundEnd();
    qint64 clientBytesToWrite() const;
    void writeToUpstream(QByteArrayView data);
    bool requestBodyUnread() const;
    // Capture: the record of the exchange in progress, begun when the exchange (or the error
    // that ends a request before it became one) begins, handed to the capture queue at its end.
    void beginCapture(bool haveHead);
    void finishCapture(bool completed, time_point now); // `now` only used when completed
    std::int64_t capturedSince(time_point now) const;

    ProxyWorker &m_worker;
    WorkerCounters &m_counters;
    int m_fd;
    // Before m_socket: a flush queued through the watch is cancelled when the watch goes.
    RoundEndCall<ClientSession, &ClientSession::flushClient> m_roundEndFlush{*this};
    std::unique_ptr<SocketWatch> m_socket; // null once the descriptor is closed
    HttpRequestParser m_parser;
    ReadBuffer m_in;
    qsizetype m_inPos = 0;
    QByteArray m_clientAddress;
    QByteArray m_scratch;
    QByteArray m_clientOut;       // queued for the client, from m_clientOutPos on
    qsizetype m_clientOutPos = 0; // what the kernel took already
    qint64 m_discarded = 0;       // lingering: bytes read and thrown away

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
    bool m_retried = false; // the one transparent retry of a stale kept-alive connection

    // Resilience state of the exchange and of its attempt in progress.
    int m_attempts = 0;
    std::vector<int> m_avoid;     // instances an earlier attempt failed on
    std::vector<int> m_queueFull; // instances whose connections and queue were full
    QByteArray m_replayWire;      // the body as sent upstream, while small enough to resend
    bool m_replayable = true;
    bool m_attemptActive = false;
    bool m_budgetCounted = false;
    time_point m_attemptStart;
    BreakerPermit m_breakerPermit;
    BulkheadPermit m_bulkheadPermit;
    InstanceStats::ActiveRequest m_activeRequest;
    RetryPermit m_retryPermit;
    int m_lastFailureStatus = 0; // what the last failed attempt would have been answered with
    QByteArray m_lastFailureType;
    QByteArray m_lastFailureDetail;

    // The response cache's part in the exchange; m_cacheAnswers: the upstream's response is
    // read and dropped, and the stored response answers once it is complete (a 304 that
    // validated it, or stale-if-error).
    ExchangeCache m_cache;
    bool m_cacheAnswers = false;
    // Non-zero while waiting for another request's response or for the shared tier.
    std::uint64_t m_coalesceTicket = 0;

    // Set once an upstream switched this exchange to WebSocket: the client's and the upstream's
    // descriptors are the tunnel's (m_fd is -1, m_socket and m_upstream null) until it ends,
    // and the session with it.
    std::unique_ptr<UpgradeTunnel> m_tunnel;
    // The pool whose connection the tunnel took over: its place there is held until the tunnel
    // ends (UpstreamPool::holdForTunnel).
    UpstreamPool *m_tunnelPool = nullptr;

    CaptureRecord m_capture;
    bool m_capturing = false;
    bool m_captureHasHead = false; // false: attempts, body and route are not this request's

    Deadline m_deadlineKind = Deadline::None;
    time_point m_deadline;
    bool m_inPump = false;
    bool m_pumpAgain = false;   // an exchange ended in the pump: feed once more before stopping
    bool m_readPending = false; // readable and not everything was read yet
    bool m_clientEof = false;   // the client shut down its sending side
    bool m_closing = false;
    bool m_lingering = false;
    bool m_draining = false;
};

} // namespace ToolCapture
