#include <backend/cache/response_cache.h>
#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/core/logging.h>
#include <backend/http/problem_details.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/client_session.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/socket_io.h>
#include <backend/redis/redis_client.h>
#include <backend/routing/instance_selector.h>
#include <backend/routing/route_table.h>
#include <backend/routing/routing_decision.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>

#include <cerrno>
#include <charconv>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace ToolCapture {

namespace {

constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kWriteHighMark = 256 * 1024;
constexpr qint64 kWriteLowMark = 64 * 1024;
// NOTE: after a connect failure an instance is skipped this long; the resilience layer's
// health checks and breakers refine this.
constexpr std::chrono::milliseconds kUnreachableFor{1000};
// A request body up to this size is kept (as sent) so that a retry can send it again.
constexpr qsizetype kMaxReplayBody = 64 * 1024;
// Closing: what a client still sends after our last response is read and discarded up to this
// much and this long (a refused upload sees its 413, not a reset), then the socket is closed.
constexpr qint64 kLingerBytes = 4 * 1024 * 1024;
constexpr std::chrono::milliseconds kLingerTime{2000};

CallOutcome::Kind outcomeOf(UpstreamFailure failure) {
    switch (failure) {
    case UpstreamFailure::ConnectFailed:
        return CallOutcome::Kind::ConnectError;
    case UpstreamFailure::ConnectTimeout:
        return CallOutcome::Kind::Timeout;
    case UpstreamFailure::Reset:
    case UpstreamFailure::BadResponse:
        return CallOutcome::Kind::Reset;
    }
    return CallOutcome::Kind::Reset;
}

RetryPolicy::FailureKind retryKindOf(UpstreamFailure failure) {
    switch (failure) {
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ConnectTimeout:
        return RetryPolicy::FailureKind::ConnectError;
    case UpstreamFailure::Reset:
        return RetryPolicy::FailureKind::Reset;
    case UpstreamFailure::BadResponse:
        return RetryPolicy::FailureKind::BadResponse;
    }
    return RetryPolicy::FailureKind::Reset;
}

QByteArray retryAfterHeader(std::chrono::milliseconds after) {
    const qint64 seconds = qMax<qint64>(1, (after.count() + 999) / 1000);
    return "Retry-After: " + QByteArray::number(seconds) + "\r\n";
}

bool isIdempotent(QByteArrayView method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
           method == "DELETE" || method == "TRACE";
}

// The problem type of a request the parser refused: most are malformed, but a method or
// transfer coding the proxy does not implement (501) and an HTTP version it does not speak
// (505) are not the client's mistake.
QByteArrayView parseErrorType(int status) {
    switch (status) {
    case 501:
        return "urn:toolcapture:problem:not-implemented";
    case 505:
        return "urn:toolcapture:problem:version-not-supported";
    default:
        return "urn:toolcapture:problem:malformed-request";
    }
}

QByteArray problemName(QByteArrayView type) {
    constexpr QByteArrayView prefix = "urn:toolcapture:problem:";
    return (type.startsWith(prefix) ? type.sliced(prefix.size()) : type).toByteArray();
}

std::int64_t wallClockMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void appendChunkHeader(QByteArray &out, qsizetype size) {
    char text[24];
    char *end = std::to_chars(text, text + sizeof text - 2, qulonglong(size), 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    out.append(text, end - text);
}

} // namespace

ClientSession::ClientSession(ProxyWorker &worker, int fd, QByteArray clientAddress)
    : QObject(&worker)
    , m_worker(worker)
    , m_counters(worker.counters())
    , m_fd(fd)
    , m_socket(std::make_unique<SocketWatch>(fd, static_cast<SocketWatch::Handler &>(*this)))
    , m_parser(*this, worker.parserLimits())
    , m_clientAddress(std::move(clientAddress)) {
    // NOTE: reads go straight from the kernel into m_in, at most kReadChunk at a time, and the
    // read notifier is switched off while the session cannot take input: that bound is what
    // lets TCP flow control slow a client whose upstream is slow (tst_proxy_streaming).
    m_socket->setReadEnabled(true); // writability is watched only while output waits
    m_cache.setSharedTier(worker.sharedTier());
    m_worker.counters().clientConnections.add(1);
    m_worker.counters().clientConnectionsAccepted.add();
    setDeadline(Deadline::Idle, m_worker.config().timeouts.idleKeepAlive);
}

ClientSession::~ClientSession() {
    // NOTE: never the worker here: a session may be destroyed as a child of a worker whose own
    // destructor has already run. The counters belong to ProxyMetrics, which outlives them all.
    m_counters.clientConnections.add(-1);
    closeClientSocket();
    // NOTE: not m_worker.cancelDeadline(): onClientDisconnected cancelled it, and a session
    // destroyed with its worker has no queue left to leave.
}

void ClientSession::closeClientSocket() {
    m_socket.reset(); // before close(): the dispatcher forgets the descriptor (and its flush)
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

void ClientSession::setDeadline(Deadline kind, std::chrono::milliseconds in) {
    setDeadline(kind, in, m_worker.clock().now());
}

void ClientSession::setDeadline(Deadline kind, std::chrono::milliseconds in, time_point now) {
    m_deadlineKind = kind;
    m_deadline = now + in;
    m_worker.setDeadline(*this, m_deadline);
}

void ClientSession::clearDeadline() {
    m_deadlineKind = Deadline::None;
    m_worker.cancelDeadline(*this);
}

void ClientSession::writeToClient(QByteArrayView data) {
    m_clientOut.append(data);
    m_worker.counters().bytesToClients.add(std::uint64_t(data.size()));
}

void ClientSession::flushClient() {
    if (m_clientOut.size() <= m_clientOutPos || m_fd < 0)
        return;
    switch (SocketIo::flush(m_fd, m_clientOut, m_clientOutPos)) {
    case SocketIo::Result::Done:
        // An upstream held back for us resumes from onClientWritable, on the next turn of the
        // loop (never from inside the upstream's callbacks that flushed).
        m_socket->setWriteEnabled(m_upstream && m_upstream->isReadingPaused());
        break;
    case SocketIo::Result::WouldBlock:
        m_socket->setWriteEnabled(true);
        break;
    default:
        // The client is gone (reset, or closed while we wrote): learnt on the next turn of the
        // event loop, never from inside the callbacks that wrote.
        m_clientOut.resize(0);
        m_clientOutPos = 0;
        m_socket->setWriteEnabled(false);
        QMetaObject::invokeMethod(this, &ClientSession::onClientDisconnected, Qt::QueuedConnection);
        break;
    }
}

void ClientSession::flushClientAtRoundEnd() {
    // m_socket lives as long as the descriptor (closeClientSocket).
    if (m_clientOut.size() <= m_clientOutPos || m_fd < 0)
        return;
    if (!m_socket->deferToRoundEnd(m_roundEndFlush))
        flushClient();
}

void ClientSession::writeResponseHeadToClient(const ResponseHead &head, ClientFraming framing,
                                              bool keepAlive, int clientVersionMinor,
                                              bool webSocketUpgrade) {
    const qsizetype before = m_clientOut.size();
    writeClientResponseHead(m_clientOut, head, framing, keepAlive, clientVersionMinor,
                            m_correlationId, m_worker.httpDate(), webSocketUpgrade);
    m_worker.counters().bytesToClients.add(std::uint64_t(m_clientOut.size() - before));
}

qint64 ClientSession::clientBytesToWrite() const {
    return m_clientOut.size() - m_clientOutPos;
}

void ClientSession::onClientReadable() {
    if (m_lingering) {
        discardInput();
        return;
    }
    m_readPending = true;
    pump();
    if (!m_readPending || !m_socket || m_closing)
        return;
    // The session cannot take input now. A reset must still end the exchange (its upstream
    // work is wasted); data or a half-close wait their turn. Level-triggered readiness: stop
    // watching meanwhile (pump() watches again once it has read the socket dry).
    char probe;
    const ssize_t peeked = ::recv(m_fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        onClientDisconnected();
        return;
    }
    if (peeked < 0) {
        m_readPending = false; // nothing there after all
        return;
    }
    if (peeked == 0) {
        if (m_waitingForPool) {
            // NOTE: a FIN may be a half-close or a client that gave up, and nothing tells them
            // apart. A request still queued for an upstream connection has cost nothing yet:
            // it is dropped (HAProxy's abortonclose, for the queue only), so that clients that
            // left do not hold the queue against those that wait. Once forwarded, a request is
            // answered.
            onClientDisconnected();
            return;
        }
        m_clientEof = true; // answered when the exchange in progress is
        m_readPending = false;
    }
    m_socket->setReadEnabled(false);
}

void ClientSession::onSocketReadable() {
    onClientReadable();
}

void ClientSession::onSocketWritable() {
    onClientWritable();
}

void ClientSession::onClientWritable() {
    flushClient();
    if (clientBytesToWrite() > 0 || !m_socket)
        return; // still watching, or gone
    m_socket->setWriteEnabled(false);
    if (m_closing) {
        if (!m_lingering && m_fd >= 0)
            startLinger();
        return;
    }
    if (m_upstream)
        m_upstream->resumeReading();
}

void ClientSession::writeToUpstream(QByteArrayView data) {
    m_upstream->write(data);
    m_instanceCounters->bytesToUpstream.add(std::uint64_t(data.size()));
}

// Reads from the client and feeds the parser for as long as the exchange can take input.
void ClientSession::pump() {
    if (m_inPump || m_closing || m_tunnel)
        return;
    m_inPump = true;
    // A read shorter than asked for drained the socket: readiness is level-triggered, so Qt
    // reports more data when it comes, and no read is spent learning it would block.
    bool drained = false;
    bool heldBack = false; // stopped because the upstream has too much to write
    while (!m_closing) {
        const auto state = m_parser.state();
        if (state == HttpRequestParser::State::Failed)
            break;
        if (state == HttpRequestParser::State::PausedAtEnd) {
            if (m_inExchange)
                break;         // the next request waits until this response is complete
            m_parser.resume(); // the end of a request that was answered before forwarding
        } else if (state == HttpRequestParser::State::PausedAtHead) {
            if (!m_exchangeBegun) {
                beginExchange();
                continue;
            }
            if (!m_upstream || !m_upstream->isConnected() || m_responseHeadSent)
                break; // the body waits for the upstream
            m_parser.resume();
        } else if (m_inPos >= m_in.size && !(drained && m_pumpAgain)) {
            if (m_upstream && m_upstream->bytesToWrite() > kWriteHighMark) {
                // We hold the body back, not the client: its pause does not count.
                if (m_deadlineKind == Deadline::BodyRead)
                    clearDeadline();
                heldBack = true;
                break; // onUpstreamWritable resumes
            }
            if (drained)
                break;
            if (m_clientEof) {
                endPump();
                onClientEndOfStream();
                return;
            }
            qsizetype got = 0;
            const SocketIo::Result result =
                SocketIo::read(m_fd, m_in.room(kReadChunk), kReadChunk, got);
            m_in.size = got;
            m_inPos = 0;
            if (result == SocketIo::Result::WouldBlock) {
                m_readPending = false; // drained: the notifier says when more comes
                break;
            }
            if (result == SocketIo::Result::EndOfStream) {
                // A half-close: what was received is still answered (onClientEndOfStream).
                m_clientEof = true;
                m_readPending = false;
                continue;
            }
            if (result == SocketIo::Result::Error) {
                endPump();
                onClientDisconnected();
                return;
            }
            if (got < kReadChunk) {
                drained = true;
                m_readPending = false;
            }
            m_worker.counters().bytesFromClients.add(std::uint64_t(got));
        }
        // Also with nothing left to feed: a message without a body completes on an empty feed.
        // This feed is the turn an exchange that ended in this pump asked for (finishExchange).
        m_pumpAgain = false;
        const qsizetype used = m_parser.feed(m_in.data() + m_inPos, m_in.size - m_inPos);
        m_inPos += used;
        if (m_parser.state() == HttpRequestParser::State::Failed) {
            const HttpParseError &error = m_parser.error();
            m_keepAlive = false;
            if (!m_inExchange)
                m_worker.correlationIds().next(m_correlationId);
            respondError(error.status, parseErrorType(error.status), error.detail);
            break;
        }
        if (m_parser.state() == HttpRequestParser::State::Head && m_deadlineKind == Deadline::Idle)
            setDeadline(Deadline::HeaderRead, m_worker.config().timeouts.headerRead);
    }
    if (m_upstream) {
        if (heldBack)
            m_upstream->flush(); // its outcome decides whether to go on (below)
        else
            m_upstream->flushAtRoundEnd();
    }
    flushClient();
    // The flush above may have sent all that held the body back, and then no writability
    // event will come to say so: continue on the next turn of the loop.
    if (heldBack && m_upstream && m_upstream->bytesToWrite() < kWriteLowMark)
        m_pumpAgain = true;
    endPump();
    if (m_socket && !m_closing && !m_readPending && !m_clientEof)
        m_socket->setReadEnabled(true);
}

void ClientSession::endPump() {
    m_inPump = false;
    if (std::exchange(m_pumpAgain, false))
        QMetaObject::invokeMethod(this, &ClientSession::pump, Qt::QueuedConnection);
}

void ClientSession::onClientEndOfStream() {
    if (m_closing)
        return;
    const auto state = m_parser.state();
    if (state == HttpRequestParser::State::Idle && !m_inExchange) {
        closeGracefully(); // between requests: nothing is left to answer
        return;
    }
    // Part of a request, and no more will come: 400, then close.
    m_parser.finish();
    if (m_parser.state() == HttpRequestParser::State::Failed) {
        const HttpParseError &error = m_parser.error();
        m_keepAlive = false;
        if (!m_inExchange)
            m_worker.correlationIds().next(m_correlationId);
        respondError(error.status, parseErrorType(error.status), error.detail);
    }
}

void ClientSession::onRequestHead(RequestHead &&head) {
    // Only take the head here: acting on it (which may answer, and so resume the parser) waits
    // until feed() has returned.
    // Swapped, not moved: the parser reuses the previous request's storage for the next one.
    std::swap(m_request, head);
    m_exchangeBegun = false;
    m_inExchange = true;
}

void ClientSession::beginExchange() {
    m_exchangeBegun = true;
    WorkerCounters &counters = m_worker.counters();
    counters.requests.add();
    // NOTE: one clock reading for the exchange's start, the rate limiter and the attempt.
    const auto now = m_worker.clock().now();
    m_exchangeStart = now;
    clearDeadline();
    m_requestBodyBytes = 0;
    m_requestComplete = false;
    m_responseStarted = false;
    m_responseHeadSent = false;
    m_retried = false;
    m_responseStatus = 0;
    m_cacheAnswers = false;
    m_cache.reset();
    m_keepAlive = m_request.keepAlive && !m_draining;
    const HttpHeader *given = findHeader(m_request.headers, "x-correlation-id");
    if (given && isAcceptableCorrelationId(given->value))
        assignReusing(m_correlationId, given->value); // not shared with the parser's spares
    else
        m_worker.correlationIds().next(m_correlationId);
    beginCapture(true);

    const qint64 maxBody = m_worker.config().limits.maxBodyBytes;
    if (maxBody > 0 && m_request.framing == BodyFraming::ContentLength &&
        m_request.contentLength > maxBody) {
        respondError(413, "urn:toolcapture:problem:body-too-large",
                     "request body of " + QByteArray::number(m_request.contentLength) +
                         " bytes exceeds the limit of " + QByteArray::number(maxBody));
        return;
    }
    m_service = m_worker.routes().match(m_request);
    if (!m_service) {
        counters.unrouted.add();
        respondError(404, "urn:toolcapture:problem:no-route",
                     "no service matches this request (by X-Target-Service, Host or path "
                     "prefix)");
        return;
    }
    if (m_worker.responseCache() && !m_request.upgradeWebSocket) {
        // Before the rate limit: an answer from the cache costs the service nothing.
        consultCache(now, true);
        return;
    }
    forwardExchange(now);
}

void ClientSession::consultCache(time_point now, bool mayWait) {
    ResponseCache *cache = m_worker.responseCache();
    const std::uint64_t ticket = mayWait ? m_worker.nextCoalesceTicket() : 0;
    switch (m_cache.begin(cache, m_worker.index(), m_service->index, m_service->nameBytes,
                          m_request, now, ticket)) {
    case ExchangeCache::Action::Serve:
        writeCachedReply(now);
        return;
    case ExchangeCache::Action::GatewayTimeout:
        respondError(504, "urn:toolcapture:problem:not-cached",
                     "the request is only-if-cached and no usable response is stored");
        return;
    case ExchangeCache::Action::Wait:
        m_coalesceTicket = ticket;
        m_worker.waitForCoalesced(ticket, this);
        setDeadline(Deadline::CoalesceWait, cache->coalesceWait(), now);
        return;
    case ExchangeCache::Action::AskShared:
        askSharedTier();
        return;
    case ExchangeCache::Action::Forward:
        forwardExchange(now);
        return;
    }
}

void ClientSession::askSharedTier() {
    // Asked without blocking the worker: the answer (bounded by the tier's timeout) comes back
    // through the worker, which finds this session by its ticket if it is still waiting.
    const std::uint64_t ticket = m_worker.nextCoalesceTicket();
    m_coalesceTicket = ticket;
    m_worker.waitForCoalesced(ticket, this);
    ProxyWorker *worker = &m_worker;
    m_worker.sharedTier()->get(
        m_cache.sharedKey(), [worker, ticket](RedisClient::Status status, const QByteArray &value) {
            worker->deliverShared(ticket, int(status), value);
        });
}

void ClientSession::onSharedAnswer(int status, const QByteArray &value) {
    m_coalesceTicket = 0; // the worker forgot the ticket already
    m_cache.acceptShared(status, value, m_request);
    consultCache(m_worker.clock().now(), true);
}

void ClientSession::onCoalescedWake() {
    m_coalesceTicket = 0; // the worker forgot the ticket already
    if (m_deadlineKind == Deadline::CoalesceWait)
        clearDeadline();
    endCoalesceWait(m_worker.clock().now());
}

void ClientSession::stopCoalesceWait() {
    if (m_coalesceTicket == 0)
        return;
    m_worker.stopWaitingForCoalesced(m_coalesceTicket);
    m_coalesceTicket = 0;
}

void ClientSession::endCoalesceWait(time_point now) {
    stopCoalesceWait();
    // Looked up again without waiting: what the other request stored answers, or this one goes
    // upstream itself.
    consultCache(now, false);
}

void ClientSession::forwardExchange(time_point now) {
    UpstreamRuntime &runtime = m_worker.runtime();
    RateLimiter &limiter = runtime.rateLimiter(m_service->index);
    if (!limiter.tryTake(now)) {
        respondError(429, "urn:toolcapture:problem:rate-limited",
                     "service '" + m_service->nameBytes + "' is limited to " +
                         QByteArray::number(
                             m_worker.serviceConfig(m_service->index).rateLimit.requestsPerSecond) +
                         " requests per second",
                     retryAfterHeader(limiter.retryAfter(now)));
        return;
    }
    runtime.retryBudget(m_service->index).requestStarted();
    m_budgetCounted = true;
    m_attempts = 0;
    m_avoid.clear();
    m_queueFull.clear();
    m_replayWire.clear();
    m_replayable = true;
    startAttempt(now);
}

void ClientSession::startAttempt(time_point now) {
    UpstreamRuntime &runtime = m_worker.runtime();
    const SelectionContext context{m_avoid, &m_worker.candidateFilter()};
    UpstreamInstance *chosen = nullptr;
    // The selector sees breakers, health and bulkheads through the candidate filter; a
    // half-open breaker whose probes are all taken or a bulkhead that just filled refuses here,
    // and the choice is made again without that instance.
    RoutingBrief *explain =
        m_capturing && m_worker.capture().routingExplanations ? &m_capture.routingBrief : nullptr;
    for (size_t tries = 0; tries <= m_service->instances.size() && !chosen; ++tries) {
        chosen = m_worker.selector().select(*m_service, m_request, now, context, nullptr, explain);
        if (!chosen)
            break;
        const int index = chosen->index();
        if (std::find(m_queueFull.begin(), m_queueFull.end(), index) != m_queueFull.end()) {
            chosen = nullptr; // chosen again only because nothing else can take it
            break;
        }
        m_bulkheadPermit = runtime.bulkhead(index).tryAcquire();
        if (m_bulkheadPermit.isActive()) {
            m_breakerPermit = runtime.breaker(index).tryAcquire(m_correlationId);
            if (m_breakerPermit.admitted())
                break;
            m_bulkheadPermit.release();
        }
        // Refused: never forwarded without both permits.
        chosen = nullptr;
        if (std::find(m_avoid.begin(), m_avoid.end(), index) != m_avoid.end())
            break; // already avoided and chosen again: nothing else can take it
        m_avoid.push_back(index);
    }
    if (!chosen && m_attempts > 0) {
        // A retry found nowhere to go: answer with what the last attempt ran into.
        respondError(m_lastFailureStatus, m_lastFailureType,
                     m_lastFailureDetail + "; no instance was left for another attempt");
        return;
    }
    if (!chosen) {
        // Say why, instance by instance (the explanation allocates: this is the failure path).
        RoutingDecision why;
        m_worker.selector().select(*m_service, m_request, now, context, &why);
        QByteArray reasons;
        for (const auto &candidate : why.candidates) {
            const bool queueFull = std::find(m_queueFull.begin(), m_queueFull.end(),
                                             candidate.instanceIndex) != m_queueFull.end();
            reasons += (reasons.isEmpty() ? "" : "; ") + candidate.instanceId.toUtf8() + ": " +
                       (candidate.excluded ? candidate.reason.toUtf8()
                        : queueFull        ? QByteArray("connections busy and queue full")
                                           : QByteArray("refused"));
        }
        const auto reopen = runtime.earliestReopen(m_service->index);
        const auto after =
            reopen ? std::chrono::duration_cast<std::chrono::milliseconds>(*reopen - now)
                   : std::chrono::milliseconds(1000);
        respondError(503, "urn:toolcapture:problem:no-instance",
                     "no instance of service '" + m_service->nameBytes +
                         "' can take the request (" + reasons + ")",
                     retryAfterHeader(after));
        return;
    }
    m_instance = chosen;
    ++m_attempts;
    if (m_capturing) {
        m_capture.instance = chosen->id();
        // The state's name is a literal: shared, not copied (no allocation per exchange).
        const char *state = toString(runtime.breaker(chosen->index()).state());
        m_capture.breakerState = QByteArray::fromRawData(state, qstrlen(state));
    }
    m_attemptActive = true;
    m_attemptStart = now;
    m_activeRequest = runtime.stats(chosen->index()).beginRequest();
    m_instanceCounters = &m_worker.counters().instances[size_t(m_instance->index())];
    m_instanceCounters->inFlight.add(1);
    m_pool = &m_worker.pool(m_instance->index());
    m_upstreamHead.resize(0); // keeps the capacity for the next exchange
    QByteArray defaultHost;
    if (!findHeader(m_request.headers, "host")) {
        defaultHost = m_instance->host().toLatin1() + ':' + QByteArray::number(m_instance->port());
    }
    writeUpstreamRequestHead(m_upstreamHead, m_request,
                             {m_clientAddress, m_correlationId,
                              m_service->match.stripPrefix
                                  ? QByteArrayView(m_service->match.pathPrefix)
                                  : QByteArrayView(),
                              defaultHost, m_request.upgradeWebSocket});
    acquireUpstream(m_request.upgradeWebSocket);
}

void ClientSession::endAttempt(CallOutcome::Kind kind, bool success) {
    endAttempt(kind, success, m_worker.clock().now());
}

void ClientSession::endAttempt(CallOutcome::Kind kind, bool success, time_point now) {
    if (!m_attemptActive)
        return;
    m_attemptActive = false;
    const auto took = now - m_attemptStart;
    UpstreamRuntime &runtime = m_worker.runtime();
    const int index = m_instance->index();
    runtime.breaker(index).record(
        std::move(m_breakerPermit),
        {kind, std::chrono::duration_cast<std::chrono::milliseconds>(took), m_correlationId});
    runtime.stats(index).recordResponse(took, success, now);
    m_activeRequest.release();
    m_bulkheadPermit.release();
    if (m_instanceCounters)
        m_instanceCounters->inFlight.add(-1);
}

void ClientSession::abandonAttempt() {
    if (!m_attemptActive)
        return;
    // Nobody learns how it would have ended (the client left): no outcome is recorded; a probe
    // permit dropped this way counts as a failed probe (the breaker's rule).
    m_attemptActive = false;
    m_breakerPermit = BreakerPermit();
    m_activeRequest.release();
    m_bulkheadPermit.release();
    if (m_instanceCounters)
        m_instanceCounters->inFlight.add(-1);
}

bool ClientSession::maybeRetry(RetryPolicy::FailureKind kind, int status, QByteArrayView type,
                               QByteArrayView detail) {
    if (m_responseHeadSent || m_closing || !m_service)
        return false;
    // The request must be sendable again: without a body, or with a small one fully read.
    const bool resendable =
        m_request.framing == BodyFraming::None || (m_requestComplete && m_replayable);
    if (!resendable)
        return false;
    UpstreamRuntime &runtime = m_worker.runtime();
    const RetryPolicy &policy = runtime.retryPolicy(m_service->index);
    // An upgrade is retried only where nothing was sent (a connect failure): once written, the
    // upstream may have acted on it.
    if (m_request.upgradeWebSocket && kind != RetryPolicy::FailureKind::ConnectError)
        return false;
    const bool idempotencyKey = findHeader(m_request.headers, "idempotency-key") != nullptr;
    if (!RetryPolicy::isRetryable(m_request.method, idempotencyKey) ||
        !policy.shouldRetry(m_attempts, kind, false))
        return false;
    RetryPermit permit = runtime.retryBudget(m_service->index).tryAcquireRetry();
    if (!permit.admitted())
        return false;
    m_retryPermit = std::move(permit);
    m_lastFailureStatus = status;
    m_lastFailureType = type.toByteArray();
    m_lastFailureDetail = detail.toByteArray();
    if (std::find(m_avoid.begin(), m_avoid.end(), m_instance->index()) == m_avoid.end())
        m_avoid.push_back(m_instance->index());
    releaseUpstream(false); // the response in progress, if any, is not read: never reused
    m_responseStarted = false;
    clearDeadline();
    m_instanceCounters = nullptr;
    m_instance = nullptr;
    m_pool = nullptr;
    // The backoff is one of the session's deadlines: on the worker's heap and its injected
    // Clock, like every other timeout (a manual clock drives it in tests).
    const auto delay = policy.backoff(m_attempts - 1, m_worker.random());
    setDeadline(Deadline::RetryBackoff, delay);
    qCDebug(lcProxy).noquote() << "retrying" << m_correlationId << "in" << delay.count() << "ms";
    return true;
}

bool ClientSession::needsVerifiedConnection() const noexcept {
    return m_request.framing != BodyFraming::None || !isIdempotent(m_request.method);
}

void ClientSession::acquireUpstream(bool fresh) {
    m_upstream = m_pool->lease(this, fresh, needsVerifiedConnection());
    if (!m_upstream) {
        // Every connection to the instance is busy: wait in its queue while the bulkhead has
        // room for another pending request; otherwise the instance cannot take it now.
        if (!m_worker.runtime().bulkhead(m_instance->index()).tryEnterPending()) {
            m_pool->cancelWait(this);
            chooseAgainWithout();
            return;
        }
        m_waitingForPool = true;
        setDeadline(Deadline::PoolWait, m_instance->timeouts().connect);
        return;
    }
    startExchange();
}

void ClientSession::chooseAgainWithout() {
    // The attempt never started: give back its slot and permit without an outcome (NOTE: a
    // half-open probe permit given back this way counts as a failed probe, the breaker's rule
    // for a probe without an outcome) and choose again without this instance.
    const int index = m_instance->index();
    abandonAttempt();
    --m_attempts;
    m_queueFull.push_back(index);
    if (std::find(m_avoid.begin(), m_avoid.end(), index) == m_avoid.end())
        m_avoid.push_back(index);
    m_instanceCounters = nullptr;
    m_instance = nullptr;
    m_pool = nullptr;
    startAttempt(m_worker.clock().now());
}

void ClientSession::onConnectionLeased(UpstreamConnection *connection) {
    m_worker.runtime().bulkhead(m_instance->index()).leavePending();
    m_waitingForPool = false;
    m_upstream = connection;
    startExchange();
}

void ClientSession::startExchange() {
    m_upstream->attach(this, m_request.method, m_request.upgradeWebSocket);
    if (m_upstream->isConnected())
        sendRequestHead();
    else
        setDeadline(Deadline::Connect, m_instance->timeouts().connect);
}

void ClientSession::onUpstreamReady(UpstreamConnection *) {
    sendRequestHead();
}

void ClientSession::sendRequestHead() {
    clearDeadline();
    if (m_capturing)
        m_capture.connectedUs = capturedSince(m_worker.clock().now());
    writeToUpstream(m_upstreamHead);
    if (m_requestComplete) {
        // A retry: the request was complete already; its body (if any) was kept as sent.
        writeToUpstream(m_replayWire);
        m_upstream->flush();
        setDeadline(Deadline::FirstByte, m_worker.runtime()
                                             .retryPolicy(m_service->index)
                                             .perTryTimeout(m_instance->firstByteTimeout()));
        return;
    }
    if (m_request.framing != BodyFraming::None)
        setDeadline(Deadline::BodyRead, m_worker.config().timeouts.bodyRead);
    if (m_inPump)
        return; // the pump that led here feeds the body next
    pump();
    if (m_upstream && !m_requestComplete)
        m_upstream->flush(); // the head goes now; the body follows as it arrives
}

void ClientSession::onRequestBody(const char *data, qsizetype size) {
    if (m_closing)
        return; // refused already (413 below): the rest of this feed is not ours to judge
    if (!m_responseHeadSent)
        setDeadline(Deadline::BodyRead, m_worker.config().timeouts.bodyRead);
    m_requestBodyBytes += size;
    const qint64 maxBody = m_worker.config().limits.maxBodyBytes;
    if (maxBody > 0 && m_requestBodyBytes > maxBody) {
        // Only a chunked body can get here: a Content-Length was checked up front.
        releaseUpstream(false);
        m_keepAlive = false;
        respondError(413, "urn:toolcapture:problem:body-too-large",
                     "chunked request body exceeds the limit of " + QByteArray::number(maxBody) +
                         " bytes");
        return;
    }
    if (m_capturing && m_capture.replayable) {
        if (m_requestBodyBytes <= m_worker.capture().maxBodyBytes) {
            m_capture.requestBody.append(data, size);
        } else {
            m_capture.requestBody.clear(); // too large to keep: not replayable
            m_capture.replayable = false;
        }
    }
    if (!m_upstream || m_closing)
        return;
    if (m_request.framing == BodyFraming::Chunked) {
        m_scratch.clear();
        appendChunkHeader(m_scratch, size);
        writeToUpstream(m_scratch);
        writeToUpstream(QByteArrayView(data, size));
        writeToUpstream("\r\n");
        if (m_replayable)
            m_replayWire.append(m_scratch).append(data, size).append("\r\n");
    } else {
        writeToUpstream(QByteArrayView(data, size));
        if (m_replayable)
            m_replayWire.append(data, size);
    }
    if (m_replayable && m_replayWire.size() > kMaxReplayBody) {
        m_replayable = false; // too large to keep: this request is not retried
        m_replayWire.clear();
    }
}

void ClientSession::onRequestComplete() {
    m_requestComplete = true;
    if (!m_upstream)
        return; // an error response was (or is being) given without forwarding
    if (m_request.framing == BodyFraming::Chunked) {
        writeToUpstream("0\r\n\r\n");
        if (m_replayable)
            m_replayWire.append("0\r\n\r\n");
    }
    m_upstream->flushAtRoundEnd();
    if (!m_responseStarted)
        setDeadline(Deadline::FirstByte, m_worker.runtime()
                                             .retryPolicy(m_service->index)
                                             .perTryTimeout(m_instance->firstByteTimeout()));
}

void ClientSession::onUpstreamResponseHead(ResponseHead &&head) {
    // NOTE: one clock reading for the head: the cache, the capture and the Date field.
    const auto now = m_worker.clock().now();
    m_responseStarted = true;
    m_upstreamHead.resize(0); // keeps the capacity for the next exchange
    if (m_deadlineKind == Deadline::FirstByte)
        clearDeadline();
    if (head.status < 200) {
        if (head.status == 101) {
            // The parser lets a 101 through only with "Upgrade: websocket" to a request that
            // asked for it (RequestHead::upgradeWebSocket); onUpstreamUpgraded follows.
            if (!m_request.upgradeWebSocket) {
                onUpstreamFailed(UpstreamFailure::BadResponse,
                                 QStringLiteral("upstream switched protocols without being asked"));
                return;
            }
            acceptUpgrade(head, now);
            return;
        }
        if (m_request.versionMinor >= 1)
            writeResponseHeadToClient(head, ClientFraming::None, true, 1);
        return;
    }
    if (const auto kind = RetryPolicy::failureKindForStatus(head.status)) {
        // A gateway error not forwarded yet: another instance may do better.
        const bool counts = m_worker.serviceConfig(m_service->index).breaker.status5xxIsFailure;
        endAttempt(counts ? CallOutcome::Kind::Status5xx : CallOutcome::Kind::Success, false);
        const UpstreamInstance *failedOn = m_instance;
        InstanceCounters *counters = m_instanceCounters;
        if (maybeRetry(*kind, 502, "urn:toolcapture:problem:upstream-failed",
                       "instance '" + failedOn->id().toUtf8() + "' answered " +
                           QByteArray::number(head.status))) {
            counters->responses[5].add();
            qCDebug(lcUpstream) << "upstream" << failedOn->id() << "answered" << head.status
                                << "; retrying";
            return;
        }
    }
    m_responseStatus = head.status;
    if (m_cache.active()) {
        if (m_cache.onResponseHead(head, m_request, now) == ExchangeCache::HeadAction::Serve) {
            if (m_capturing)
                m_capture.firstByteUs = capturedSince(now);
            m_cacheAnswers = true; // the upstream's response is read to its end and dropped
            return;
        }
    } else {
        m_cache.onUncachedResponseHead(head, m_request);
    }
    if (m_capturing) {
        m_capture.status = head.status;
        m_capture.firstByteUs = capturedSince(now);
        m_worker.capture().filter->capture(head.headers, m_capture.responseHeaders,
                                           m_capture.spareHeaders);
        for (const HttpHeader &header : head.headers) {
            if (CaptureHeaderFilter::isSensitive(header.name))
                m_capture.secrets.push_back(header.value);
        }
        if (const HttpHeader *type = findHeader(head.headers, "content-type"))
            assignReusing(m_capture.responseContentType, type->value);
    }
    m_clientFraming = clientFramingFor(head, m_request.versionMinor);
    if (!m_requestComplete || m_clientFraming == ClientFraming::UntilClose)
        m_keepAlive = false;
    writeResponseHeadToClient(head, m_clientFraming, m_keepAlive, m_request.versionMinor);
    m_responseHeadSent = true;
}

void ClientSession::onUpstreamResponseBody(const char *data, qsizetype size) {
    m_instanceCounters->bytesFromUpstream.add(std::uint64_t(size));
    if (m_cacheAnswers)
        return;
    m_cache.onResponseBody(data, size);
    if (m_capturing) {
        m_capture.responseBytes += size;
        const qint64 room = m_worker.capture().maxResponseBodyBytes - m_capture.responseBody.size();
        if (size <= room) {
            m_capture.responseBody.append(data, size);
        } else {
            if (room > 0)
                m_capture.responseBody.append(data, room);
            m_capture.responseBodyTruncated = true;
        }
    }
    if (m_clientFraming == ClientFraming::Chunked) {
        m_scratch.clear();
        appendChunkHeader(m_scratch, size);
        writeToClient(m_scratch);
        writeToClient(QByteArrayView(data, size));
        writeToClient("\r\n");
    } else {
        writeToClient(QByteArrayView(data, size));
    }
    if (m_clientOut.size() >= kReadChunk)
        flushClient();
    if (clientBytesToWrite() > kWriteHighMark && m_upstream)
        m_upstream->pauseReading();
}

void ClientSession::onUpstreamBatchDone() {
    flushClientAtRoundEnd();
}

void ClientSession::onUpstreamResponseComplete() {
    if (m_clientFraming == ClientFraming::Chunked)
        writeToClient("0\r\n\r\n");
    // The outcome is recorded before the client can see the end of the response (writes go
    // straight to the socket): whoever the response reaches sees the accounting done.
    // NOTE: one clock reading for the latency, the attempt's outcome and the next deadline.
    const auto now = m_worker.clock().now();
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(now - m_exchangeStart);
    m_instanceCounters->responses[size_t(qBound(1, m_responseStatus / 100, 5))].add();
    m_instanceCounters->recordLatency(elapsed);
    if (m_responseStatus == 429)
        endAttempt(CallOutcome::Kind::Overload, true, now);
    else if (m_responseStatus >= 500)
        endAttempt(CallOutcome::Kind::Status5xx, false, now);
    else
        endAttempt(CallOutcome::Kind::Success, true, now);
    // A connection that carried an upgrade request is never reused, whatever the answer.
    releaseUpstream(m_requestComplete && !m_request.upgradeWebSocket);
    if (m_cacheAnswers) {
        writeCachedReply(now);
        return;
    }
    m_cache.onResponseComplete(m_request, now);
    finishExchange(!m_keepAlive, now);
    flushClientAtRoundEnd();
}

void ClientSession::onUpstreamFailed(UpstreamFailure failure, const QString &detail) {
    UpstreamConnection *failed = m_upstream;
    const bool reused = failed && failed->isReused();
    releaseUpstream(false);
    switch (failure) {
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ConnectTimeout:
        m_instanceCounters->connectFailures.add();
        m_instance->markUnreachable(m_worker.clock().now() + kUnreachableFor);
        break;
    case UpstreamFailure::Reset:
    case UpstreamFailure::BadResponse:
        m_instanceCounters->resets.add();
        break;
    }
    // A kept-alive connection the upstream closed just as we reused it: one fresh try, for a
    // request that can safely be sent twice and that we can send again (no body).
    if (failure == UpstreamFailure::Reset && reused && !m_responseStarted && !m_retried &&
        m_request.framing == BodyFraming::None && isIdempotent(m_request.method) &&
        !m_upstreamHead.isEmpty()) {
        m_retried = true;
        acquireUpstream(true);
        return;
    }
    qCDebug(lcUpstream) << "upstream" << m_instance->id() << "failed:" << detail;
    endAttempt(outcomeOf(failure), false);
    if (m_responseHeadSent) {
        abortTruncated("upstream-truncated");
        return;
    }
    const bool timeout = failure == UpstreamFailure::ConnectTimeout;
    const int status = timeout ? 504 : 502;
    const QByteArrayView type = timeout ? "urn:toolcapture:problem:upstream-timeout"
                                        : "urn:toolcapture:problem:upstream-failed";
    const QByteArray what = "instance '" + m_instance->id().toUtf8() + "' of service '" +
                            m_service->nameBytes + "': " + detail.toUtf8();
    if (maybeRetry(retryKindOf(failure), status, type, what))
        return; // (maybeRetry leaves the exchange untouched when it says no)
    respondError(status, type, what);
}

void ClientSession::onUpstreamWritable() {
    pump();
}

void ClientSession::acceptUpgrade(const ResponseHead &head, time_point now) {
    // NOTE: the 101 ends the attempt and the exchange's accounting: it is the instance's success
    // (breaker, statistics, latency), and the bulkhead slot, in-flight count, retry permit and
    // budget share are given back now, as a tunnel may last hours and must not hold a request
    // slot. The exchange itself (and its capture) goes on until the tunnel ends.
    m_responseStatus = 101;
    m_keepAlive = false;
    m_instanceCounters->responses[1].add();
    m_instanceCounters->recordLatency(
        std::chrono::duration_cast<std::chrono::microseconds>(now - m_exchangeStart));
    endAttempt(CallOutcome::Kind::Success, true, now);
    endExchangeAccounting();
    if (m_capturing) {
        m_capture.status = 101;
        m_capture.firstByteUs = capturedSince(now);
        m_worker.capture().filter->capture(head.headers, m_capture.responseHeaders,
                                           m_capture.spareHeaders);
    }
    writeResponseHeadToClient(head, ClientFraming::None, false, 1, true);
    m_responseHeadSent = true;
}

void ClientSession::onUpstreamUpgraded(const char *data, qsizetype size) {
    // The upstream's descriptor and the client's become the tunnel's. What the client sent
    // after its request head (early frames) is in m_in from m_inPos on, or still in the
    // kernel: the parser stopped at the end of the request, and nothing was read since.
    QByteArray toUpstream; // the request head, should part of it still be unsent
    const int upstreamFd = m_upstream->takeDescriptor(toUpstream);
    // The connection object goes, its place in the pool does not: an open tunnel counts against
    // the instance's max_connections (it holds no request slot) until onTunnelEnded.
    m_tunnelPool = m_pool;
    m_tunnelPool->holdForTunnel(std::exchange(m_upstream, nullptr));
    const QByteArray head = m_clientOut.sliced(m_clientOutPos);
    const QByteArray early(m_in.data() + m_inPos, m_in.size - m_inPos);
    m_clientOut.resize(0);
    m_clientOutPos = 0;
    m_inPos = m_in.size = 0;
    const int clientFd = m_fd;
    m_socket.reset(); // before the tunnel watches the same descriptor (a queued flush goes too)
    m_fd = -1;
    clearDeadline();
    m_worker.counters().tunnelsActive.add(1);
    m_tunnel = std::make_unique<UpgradeTunnel>(static_cast<UpgradeTunnel::Listener &>(*this),
                                               m_worker.clock(), m_worker.counters(), clientFd,
                                               upstreamFd);
    setDeadline(Deadline::TunnelIdle, m_worker.config().timeouts.tunnelIdle);
    m_tunnel->start(head, QByteArrayView(data, size), toUpstream, early, m_clientEof);
}

void ClientSession::onTunnelEnded(UpgradeTunnel::End end) {
    const auto now = m_worker.clock().now();
    WorkerCounters &counters = m_worker.counters();
    counters.tunnelsActive.add(-1);
    counters.tunnelsEnded[size_t(end)].add();
    // Once: the tunnel ends once, whatever the reason (stop() is the one way out).
    std::exchange(m_tunnelPool, nullptr)->releaseTunnel();
    const qint64 fromClient = m_tunnel->bytesFromClient();
    const qint64 fromUpstream = m_tunnel->bytesFromUpstream();
    counters.bytesFromClients.add(std::uint64_t(fromClient));
    counters.bytesToClients.add(std::uint64_t(fromUpstream));
    if (m_instanceCounters) {
        m_instanceCounters->bytesToUpstream.add(std::uint64_t(fromClient));
        m_instanceCounters->bytesFromUpstream.add(std::uint64_t(fromUpstream));
    }
    // Captured once, now: the whole tunnel's duration and bytes each way, and why it ended.
    m_requestBodyBytes = fromClient;
    if (m_capturing) {
        m_capture.responseBytes = fromUpstream;
        // A replay sends plain HTTP: it cannot open a tunnel (it would read the upstream's
        // 426 as a difference).
        m_capture.replayable = false;
        const char *why = UpgradeTunnel::toString(end);
        m_capture.tunnelEnd = QByteArray::fromRawData(why, qstrlen(why));
        m_capture.webSocketCounted = true;
        m_capture.messagesFromClient = m_tunnel->messagesFromClient();
        m_capture.messagesFromUpstream = m_tunnel->messagesFromUpstream();
    }
    finishCapture(true, now);
    m_closing = true;
    onClientDisconnected(); // both descriptors are closed already: the session goes
}

void ClientSession::releaseUpstream(bool reusable) {
    if (m_waitingForPool) {
        m_pool->cancelWait(this);
        m_worker.runtime().bulkhead(m_instance->index()).leavePending();
        m_waitingForPool = false;
    }
    if (!m_upstream)
        return;
    UpstreamConnection *connection = m_upstream;
    m_upstream = nullptr;
    if (!reusable)
        connection->close();
    m_pool->release(connection);
}

std::int64_t ClientSession::capturedSince(time_point now) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(now - m_exchangeStart).count();
}

void ClientSession::beginCapture(bool haveHead) {
    const ProxyCapture &capture = m_worker.capture();
    if (!capture.queue || (capture.paused && capture.paused->load(std::memory_order_relaxed)))
        return;
    m_capturing = true;
    m_captureHasHead = haveHead;
    if (!haveHead)
        m_exchangeStart = m_worker.clock().now();
    // m_capture is a record the capture thread gave back (finishCapture): its fields are
    // copied into, not shared, so that neither its buffers nor the parser's are reallocated.
    CaptureRecord &r = m_capture;
    r.acceptedAtUs = wallClockMicros();
    assignReusing(r.correlationId, m_correlationId);
    assignReusing(r.clientAddress, m_clientAddress);
    if (!haveHead) {
        // A head refused after a valid request line: what it asked for, so that a search by
        // method or path finds it too. Nothing else of the request is known for sure.
        assignReusing(r.method, m_parser.refusedMethod());
        assignReusing(r.path, m_parser.refusedTarget());
        return;
    }
    // The target whole: the capture thread splits path and query, off the request path.
    assignReusing(r.method, m_request.method);
    assignReusing(r.path, m_request.target);
    capture.filter->capture(m_request.headers, r.requestHeaders, r.spareHeaders);
    for (const HttpHeader &header : m_request.headers) {
        if (CaptureHeaderFilter::isSensitive(header.name))
            r.secrets.push_back(header.value);
    }
    if (const HttpHeader *h = findHeader(m_request.headers, "x-session-id"))
        assignReusing(r.sessionId, h->value);
    if (const HttpHeader *h = findHeader(m_request.headers, "x-user-context"))
        assignReusing(r.userContext, h->value);
    if (const HttpHeader *h = findHeader(m_request.headers, "content-type"))
        assignReusing(r.requestContentType, h->value);
}

void ClientSession::finishCapture(bool completed, time_point now) {
    if (!m_capturing)
        return;
    m_capturing = false;
    CaptureRecord &r = m_capture;
    if (completed)
        r.doneUs = capturedSince(now);
    r.cache = m_cache.outcome();
    if (m_captureHasHead) {
        if (m_service)
            r.service = m_service->name;
        r.attempts = m_attempts;
        r.requestBytes = m_requestBodyBytes;
        if (!m_requestComplete && m_request.framing != BodyFraming::None && r.replayable) {
            r.replayable = false; // the body never arrived whole
            r.requestBody.clear();
        }
    } else {
        r.replayable = false; // nothing of the request is known for sure
    }
    CaptureQueue &queue = *m_worker.capture().queue;
    queue.push(m_worker.index(), std::move(r));
    queue.takeRecycled(m_worker.index(), r);
}

bool ClientSession::requestBodyUnread() const {
    return !m_requestComplete && m_request.framing != BodyFraming::None;
}

void ClientSession::respondError(int status, QByteArrayView type, QByteArrayView detail,
                                 QByteArrayView extraHeaders) {
    if (m_responseHeadSent) {
        abortTruncated(problemName(type));
        return;
    }
    if ((status == 502 || status == 503 || status == 504) && m_cache.active()) {
        // No instance could answer: a stale stored response may (stale-if-error, or the
        // service's stale-if-unavailable).
        const auto now = m_worker.clock().now();
        if (m_cache.serveStaleOnFailure(m_request, true, std::nullopt)) {
            releaseUpstream(false);
            writeCachedReply(now);
            return;
        }
    }
    if (status >= 400 && status < 600)
        m_worker.counters().proxyErrors[size_t(status - 400)].add();
    if (!m_capturing)
        beginCapture(false); // a request that failed before it became an exchange
    if (m_capturing) {
        m_capture.status = status;
        m_capture.proxyError = problemName(type);
        m_capture.responseContentType = "application/problem+json";
        m_capture.responseHeaders.clear();
        m_capture.responseBody.clear();
    }
    // The connection can carry another request only if this one was read to its end.
    if (m_parser.state() == HttpRequestParser::State::Failed || requestBodyUnread())
        m_keepAlive = false;
    ProblemDetails problem{status, reasonPhrase(status), detail.toByteArray(), type.toByteArray()};
    ProblemDetails::Framing framing;
    framing.close = !m_keepAlive;
    // m_request is this exchange's only once its head was read.
    framing.keepAliveHttp10 = m_keepAlive && m_inExchange && m_request.versionMinor == 0;
    framing.headOnly = m_inExchange && m_request.method == "HEAD";
    framing.date = m_worker.httpDate();
    framing.extraHeaderLines = extraHeaders;
    writeToClient(problem.toHttpResponse(m_correlationId, framing));
    m_responseHeadSent = true;
    m_responseStatus = status;
    qCDebug(lcProxy).noquote() << status << detail << "correlation" << m_correlationId;
    // Also leaves the pool's wait queue (503 after a pool wait): finishExchange forgets m_pool.
    releaseUpstream(false);
    // Sent once the exchange is accounted for (capture, counters, permits).
    finishExchange(!m_keepAlive);
    flushClientAtRoundEnd();
}

void ClientSession::writeCachedReply(time_point now) {
    if (auto stale = m_cache.staleToRevalidate()) // stale-while-revalidate: on the worker's own
        m_worker.revalidateInBackground(*m_service, m_request, std::move(stale), m_clientAddress);
    const ExchangeCache::Reply &reply = m_cache.reply();
    m_responseStatus = reply.head.status;
    const qint64 bodySize = reply.sendBody ? reply.body.size() : 0;
    if (m_capturing) {
        CaptureRecord &r = m_capture;
        r.status = reply.head.status;
        if (r.firstByteUs < 0)
            r.firstByteUs = capturedSince(now);
        r.responseHeaders.clear();
        m_worker.capture().filter->capture(reply.head.headers, r.responseHeaders, r.spareHeaders);
        if (const HttpHeader *type = findHeader(reply.head.headers, "content-type"))
            assignReusing(r.responseContentType, type->value);
        r.responseBytes = bodySize;
        const qint64 keep = qMin<qint64>(bodySize, m_worker.capture().maxResponseBodyBytes);
        assignReusing(r.responseBody, QByteArrayView(reply.body).first(keep));
        r.responseBodyTruncated = keep < bodySize;
    }
    // The connection can carry another request only if this one is read to its end.
    if (requestBodyUnread())
        m_keepAlive = false;
    writeResponseHeadToClient(reply.head,
                              reply.sendBody ? ClientFraming::ContentLength : ClientFraming::None,
                              m_keepAlive, m_request.versionMinor);
    m_responseHeadSent = true;
    if (bodySize > 0)
        writeToClient(reply.body);
    finishExchange(!m_keepAlive, now);
    flushClientAtRoundEnd();
}

void ClientSession::endExchangeAccounting() {
    abandonAttempt(); // normally ended already
    m_retryPermit.release();
    if (m_deadlineKind == Deadline::RetryBackoff)
        clearDeadline();
    if (m_budgetCounted && m_service)
        m_worker.runtime().retryBudget(m_service->index).requestFinished();
    m_budgetCounted = false;
}

void ClientSession::finishExchange(bool close) {
    finishExchange(close, m_worker.clock().now());
}

void ClientSession::finishExchange(bool close, time_point now) {
    finishCapture(true, now);
    m_cache.reset();
    m_cacheAnswers = false;
    endExchangeAccounting();
    m_inExchange = false;
    m_instanceCounters = nullptr;
    m_instance = nullptr;
    m_service = nullptr;
    m_pool = nullptr;
    if (close || m_draining) {
        closeGracefully();
        return;
    }
    m_correlationId.resize(0); // keeps the buffer for the next exchange's id
    // Between exchanges nothing is half-sent: an error before the next exchange begins (a
    // malformed head, a header timeout) is answered, not reset.
    m_responseStarted = false;
    m_responseHeadSent = false;
    setDeadline(Deadline::Idle, m_worker.config().timeouts.idleKeepAlive, now);
    const auto state = m_parser.state();
    if (state == HttpRequestParser::State::PausedAtEnd ||
        state == HttpRequestParser::State::PausedAtHead) {
        // PausedAtHead: a request without a body answered before forwarding; its end follows
        // on an empty feed.
        m_parser.resume();
        // A pipelined request already waiting continues on the next turn of the event loop:
        // never recurse from inside the parser's or the upstream's callbacks. Inside the pump
        // (an answer from the cache, a local reply) that turn is the pump's next one, with no
        // event posted: the pump feeds once more before it stops (endPump() posts the turn if
        // it stops first). Otherwise the next readyRead brings it.
        if (m_parser.state() != HttpRequestParser::State::Idle || m_inPos < m_in.size ||
            m_readPending || m_clientEof) {
            if (m_inPump)
                m_pumpAgain = true;
            else
                QMetaObject::invokeMethod(this, &ClientSession::pump, Qt::QueuedConnection);
        }
    }
}

void ClientSession::closeGracefully() {
    if (m_closing)
        return;
    m_closing = true;
    clearDeadline();
    releaseUpstream(false);
    if (m_socket)
        m_socket->setReadEnabled(false);
    flushClient();
    if (m_fd < 0)
        return; // a write failed: onClientDisconnected is on its way
    if (clientBytesToWrite() == 0)
        startLinger(); // otherwise onClientWritable does, once the rest is sent
}

void ClientSession::startLinger() {
    if (m_clientEof) {
        onClientDisconnected(); // the client closed its side already: nothing to wait for
        return;
    }
    ::shutdown(m_fd, SHUT_WR); // our FIN follows the last response
    m_lingering = true;
    m_discarded = 0;
    setDeadline(Deadline::Linger, kLingerTime);
    m_socket->setReadEnabled(true);
    discardInput();
}

void ClientSession::discardInput() {
    for (;;) {
        qsizetype got = 0;
        const SocketIo::Result result =
            SocketIo::read(m_fd, m_in.room(kReadChunk), kReadChunk, got);
        m_in.size = 0;
        if (result == SocketIo::Result::WouldBlock)
            return;
        if (result != SocketIo::Result::Done) {
            onClientDisconnected(); // the client closed too: a clean end
            return;
        }
        m_discarded += got;
        if (m_discarded > kLingerBytes) {
            onClientDisconnected(); // enough: whatever still comes meets a reset
            return;
        }
    }
}

void ClientSession::abortTruncated(QByteArrayView why) {
    // A response cut short must not look complete: reset the connection rather than close it.
    // Nor may its capture: the status the client saw is kept, and the error says why the
    // rest never came (it counts as an error in the events and the statistics).
    if (m_capturing && m_capture.proxyError.isEmpty())
        assignReusing(m_capture.proxyError, why);
    m_closing = true;
    releaseUpstream(false);
    flushClient(); // what was relayed before the failure goes first, as far as it can
    if (m_fd >= 0) {
        const linger hard{1, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    onClientDisconnected();
}

void ClientSession::abort() {
    if (m_tunnel && !m_tunnel->isEnded()) {
        m_tunnel->stop(UpgradeTunnel::End::Shutdown, true); // ends the session too
        return;
    }
    m_closing = true;
    releaseUpstream(false);
    onClientDisconnected();
}

void ClientSession::onClientDisconnected() {
    if (slot < 0)
        return; // already gone
    if (m_tunnel && !m_tunnel->isEnded()) {
        // Learnt from before the tunnel began (a failed write of the 101's predecessors).
        m_tunnel->stop(UpgradeTunnel::End::ClientReset, true); // comes back here, ended
        return;
    }
    m_closing = true;
    m_lingering = false;
    clearDeadline();
    stopCoalesceWait();
    closeClientSocket();
    finishCapture(false, {}); // the client left, or the response was cut short
    m_cache.reset();          // a coalescing leader's followers look again
    releaseUpstream(false);
    endExchangeAccounting();
    m_inExchange = false;
    m_instanceCounters = nullptr;
    m_worker.removeSession(this);
}

void ClientSession::drain() {
    if (m_tunnel && !m_tunnel->isEnded()) {
        // NOTE: a tunnel may last hours: it ends when the proxy drains (both sides see a FIN),
        // rather than holding the shutdown until the drain timeout resets it.
        m_tunnel->stop(UpgradeTunnel::End::Shutdown, false);
        return;
    }
    m_draining = true;
    m_keepAlive = false;
    if (!m_inExchange && m_parser.state() == HttpRequestParser::State::Idle && m_inPos >= m_in.size)
        closeGracefully();
}

void ClientSession::onDeadline(time_point now) {
    checkDeadline(now);
}

void ClientSession::checkDeadline(time_point now) {
    if (m_deadlineKind == Deadline::None || now < m_deadline ||
        (m_closing && m_deadlineKind != Deadline::Linger))
        return;
    const Deadline kind = m_deadlineKind;
    clearDeadline();
    switch (kind) {
    case Deadline::None:
        break;
    case Deadline::TunnelIdle: {
        // The deadline is not moved on every byte: it is checked against the last activity
        // when due, and armed again for what is left.
        if (!m_tunnel || m_tunnel->isEnded())
            break;
        const auto due = m_tunnel->lastActivity() + m_worker.config().timeouts.tunnelIdle;
        if (now < due) {
            setDeadline(Deadline::TunnelIdle,
                        std::chrono::ceil<std::chrono::milliseconds>(due - now), now);
            break;
        }
        m_tunnel->stop(UpgradeTunnel::End::IdleTimeout, false);
        break;
    }
    case Deadline::Idle:
        closeGracefully();
        break;
    case Deadline::Linger:
        onClientDisconnected();
        break;
    case Deadline::RetryBackoff:
        if (m_inExchange)
            startAttempt(now);
        break;
    case Deadline::CoalesceWait:
        // The other request took too long: this one goes upstream itself.
        if (m_inExchange)
            endCoalesceWait(now);
        break;
    case Deadline::BodyRead: {
        if (m_responseHeadSent)
            break; // the upstream answered already; the exchange ends with its response
        // A stalled upload must not hold an upstream connection: the upstream saw part of a
        // body, so its connection is closed, and the attempt ends without an outcome (the
        // client stalled, not the instance).
        releaseUpstream(false);
        abandonAttempt();
        m_keepAlive = false;
        respondError(408, "urn:toolcapture:problem:body-timeout",
                     "no request body bytes within " +
                         QByteArray::number(qint64(m_worker.config().timeouts.bodyRead.count())) +
                         " ms");
        break;
    }
    case Deadline::HeaderRead:
        // Through the one local-reply path, like every response the proxy writes itself.
        m_keepAlive = false;
        m_worker.correlationIds().next(m_correlationId);
        respondError(408, "urn:toolcapture:problem:request-timeout",
                     "the request head was not received within " +
                         QByteArray::number(qint64(m_worker.config().timeouts.headerRead.count())) +
                         " ms");
        break;
    case Deadline::PoolWait:
        respondError(503, "urn:toolcapture:problem:pool-exhausted",
                     "all " + QByteArray::number(m_pool->maxConnections()) +
                         " connections of this worker to instance '" + m_instance->id().toUtf8() +
                         "' stayed busy",
                     "Retry-After: 1\r\n");
        break;
    case Deadline::Connect:
        onUpstreamFailed(UpstreamFailure::ConnectTimeout,
                         QStringLiteral("no connection within %1 ms")
                             .arg(m_instance->timeouts().connect.count()));
        break;
    case Deadline::FirstByte: {
        m_instanceCounters->firstByteTimeouts.add();
        releaseUpstream(false);
        endAttempt(CallOutcome::Kind::Timeout, false);
        const QByteArray id = m_instance->id().toUtf8();
        const auto waited = m_worker.runtime()
                                .retryPolicy(m_service->index)
                                .perTryTimeout(m_instance->firstByteTimeout());
        const QByteArray what = "instance '" + id + "' sent no response within " +
                                QByteArray::number(qint64(waited.count())) + " ms";
        if (maybeRetry(RetryPolicy::FailureKind::PerTryTimeout, 504,
                       "urn:toolcapture:problem:upstream-timeout", what))
            break;
        respondError(504, "urn:toolcapture:problem:upstream-timeout", what);
        break;
    }
    }
}

} // namespace ToolCapture
