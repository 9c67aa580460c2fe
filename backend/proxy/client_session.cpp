#include <backend/core/logging.h>
#include <backend/http/problem_details.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/client_session.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/routing/instance_selector.h>
#include <backend/routing/route_table.h>
#include <backend/routing/service_registry.h>

#include <QTcpSocket>

#include <sys/socket.h>

namespace ToolCapture {

namespace {

constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kWriteHighMark = 256 * 1024;
constexpr qint64 kWriteLowMark = 64 * 1024;
// NOTE: after a connect failure an instance is skipped this long; the resilience layer's
// health checks and breakers refine this.
constexpr std::chrono::milliseconds kUnreachableFor{1000};

bool isIdempotent(QByteArrayView method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
           method == "DELETE" || method == "TRACE";
}

void appendChunkHeader(QByteArray &out, qsizetype size)
{
    out.append(QByteArray::number(qulonglong(size), 16)).append("\r\n");
}

} // namespace

ClientSession::ClientSession(ProxyWorker &worker, qintptr descriptor)
    : QObject(&worker)
    , m_worker(worker)
    , m_client(new QTcpSocket(this))
    , m_parser(*this, worker.parserLimits())
{
    // NOTE: asked for unbuffered, but Qt 6.4 still buffers a socket adopted from a descriptor
    // (tst_proxy_streaming showed a 1 GiB upload filling memory without the bound below): the
    // bounded read buffer is what lets TCP flow control slow a client whose upstream is slow.
    m_client->setSocketDescriptor(descriptor, QAbstractSocket::ConnectedState,
                                  QIODevice::ReadWrite | QIODevice::Unbuffered);
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_client->setReadBufferSize(kReadChunk);
    m_clientAddress = m_client->peerAddress().toString().toLatin1();
    connect(m_client, &QTcpSocket::readyRead, this, [this] {
        m_readPending = true;
        pump();
    });
    connect(m_client, &QTcpSocket::bytesWritten, this, &ClientSession::onClientBytesWritten);
    connect(m_client, &QTcpSocket::disconnected, this, &ClientSession::onClientDisconnected);
    connect(m_client, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            onClientDisconnected();
    });
    m_worker.counters().clientConnections.add(1);
    m_worker.counters().clientConnectionsAccepted.add();
    setDeadline(Deadline::Idle, m_worker.config().timeouts.idleKeepAlive);
}

ClientSession::~ClientSession()
{
    m_worker.counters().clientConnections.add(-1);
}

void ClientSession::setDeadline(Deadline kind, std::chrono::milliseconds in)
{
    m_deadlineKind = kind;
    m_deadline = std::chrono::steady_clock::now() + in;
}

void ClientSession::writeToClient(QByteArrayView data)
{
    m_clientOut.append(data);
    m_worker.counters().bytesToClients.add(std::uint64_t(data.size()));
}

void ClientSession::flushClient()
{
    if (m_clientOut.isEmpty())
        return;
    m_client->write(m_clientOut.constData(), m_clientOut.size());
    m_clientOut.resize(0);
}

void ClientSession::writeToUpstream(QByteArrayView data)
{
    m_upstream->write(data);
    m_instanceCounters->bytesToUpstream.add(std::uint64_t(data.size()));
}

// Reads from the client and feeds the parser for as long as the exchange can take input.
void ClientSession::pump()
{
    if (m_inPump || m_closing)
        return;
    m_inPump = true;
    // A read shorter than asked for drained the socket: readiness is level-triggered, so Qt
    // reports more data when it comes, and no read is spent learning it would block.
    bool drained = false;
    while (!m_closing) {
        const auto state = m_parser.state();
        if (state == HttpRequestParser::State::Failed)
            break;
        if (state == HttpRequestParser::State::PausedAtEnd) {
            if (m_inExchange)
                break; // the next request waits until this response is complete
            m_parser.resume(); // the end of a request that was answered before forwarding
        } else if (state == HttpRequestParser::State::PausedAtHead) {
            if (!m_exchangeBegun) {
                beginExchange();
                continue;
            }
            if (!m_upstream || !m_upstream->isConnected() || m_responseHeadSent)
                break; // the body waits for the upstream
            m_parser.resume();
        } else if (m_inPos >= m_in.size()) {
            if (m_upstream && m_upstream->bytesToWrite() > kWriteHighMark)
                break; // onUpstreamWritable resumes
            if (drained)
                break;
            m_in.resize(kReadChunk);
            const qint64 got = m_client->read(m_in.data(), kReadChunk);
            m_in.resize(qMax<qint64>(got, 0));
            m_inPos = 0;
            if (got == 0) {
                m_readPending = false; // drained: Qt watches the socket again
                break;
            }
            if (got < 0) {
                // End of stream or error (Qt signals neither for unbuffered sockets).
                m_inPump = false;
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
        const qsizetype used = m_parser.feed(m_in.constData() + m_inPos, m_in.size() - m_inPos);
        m_inPos += used;
        if (m_parser.state() == HttpRequestParser::State::Failed) {
            const HttpParseError &error = m_parser.error();
            m_keepAlive = false;
            if (!m_inExchange)
                m_correlationId = m_worker.correlationIds().next();
            respondError(error.status, "urn:toolcapture:problem:malformed-request", error.detail);
            break;
        }
        if (m_parser.state() == HttpRequestParser::State::Head &&
            m_deadlineKind == Deadline::Idle)
            setDeadline(Deadline::HeaderRead, m_worker.config().timeouts.headerRead);
    }
    if (m_upstream)
        m_upstream->flush();
    flushClient();
    m_inPump = false;
}

void ClientSession::onRequestHead(RequestHead &&head)
{
    // Only take the head here: acting on it (which may answer, and so resume the parser) waits
    // until feed() has returned.
    m_request = std::move(head);
    m_exchangeBegun = false;
    m_inExchange = true;
}

void ClientSession::beginExchange()
{
    m_exchangeBegun = true;
    WorkerCounters &counters = m_worker.counters();
    counters.requests.add();
    m_exchangeStart = std::chrono::steady_clock::now();
    m_deadlineKind = Deadline::None;
    m_requestBodyBytes = 0;
    m_requestComplete = false;
    m_responseStarted = false;
    m_responseHeadSent = false;
    m_retried = false;
    m_responseStatus = 0;
    m_keepAlive = m_request.keepAlive && !m_draining;
    const HttpHeader *given = findHeader(m_request.headers, "x-correlation-id");
    if (given && isAcceptableCorrelationId(given->value))
        m_correlationId = given->value;
    else
        m_correlationId = m_worker.correlationIds().next();

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
    const auto now = std::chrono::steady_clock::now();
    m_instance = m_worker.selector().select(*m_service, m_request, now);
    if (!m_instance) {
        respondError(503, "urn:toolcapture:problem:no-instance",
                     "no reachable instance of service '" + m_service->nameBytes + "'",
                     "Retry-After: 1\r\n");
        return;
    }
    m_instanceCounters = &counters.instances[size_t(m_instance->index())];
    m_instanceCounters->inFlight.add(1);
    m_pool = &m_worker.pool(m_instance->index());
    m_upstreamHead.clear();
    QByteArray defaultHost;
    if (!findHeader(m_request.headers, "host")) {
        defaultHost = m_instance->host().toLatin1() + ':' +
                      QByteArray::number(m_instance->port());
    }
    writeUpstreamRequestHead(m_upstreamHead, m_request,
                             {m_clientAddress, m_correlationId,
                              m_service->match.stripPrefix
                                  ? QByteArrayView(m_service->match.pathPrefix)
                                  : QByteArrayView(),
                              defaultHost});
    acquireUpstream(false);
}

void ClientSession::acquireUpstream(bool fresh)
{
    m_upstream = m_pool->lease(this, fresh);
    if (!m_upstream) {
        m_waitingForPool = true;
        setDeadline(Deadline::PoolWait, m_instance->timeouts().connect);
        return;
    }
    startExchange();
}

void ClientSession::onConnectionLeased(UpstreamConnection *connection)
{
    m_waitingForPool = false;
    m_upstream = connection;
    startExchange();
}

void ClientSession::startExchange()
{
    m_upstream->attach(this, m_request.method);
    if (m_upstream->isConnected())
        sendRequestHead();
    else
        setDeadline(Deadline::Connect, m_instance->timeouts().connect);
}

void ClientSession::onUpstreamReady(UpstreamConnection *)
{
    sendRequestHead();
}

void ClientSession::sendRequestHead()
{
    m_deadlineKind = Deadline::None;
    writeToUpstream(m_upstreamHead);
    if (m_requestComplete) {
        // A retry: the request (without a body) was complete already.
        m_upstream->flush();
        setDeadline(Deadline::FirstByte, m_instance->timeouts().firstByte);
        return;
    }
    if (m_inPump)
        return; // the pump that led here feeds the body next
    pump();
    if (m_upstream && !m_requestComplete)
        m_upstream->flush(); // the head goes now; the body follows as it arrives
}

void ClientSession::onRequestBody(const char *data, qsizetype size)
{
    if (m_closing)
        return; // refused already (413 below): the rest of this feed is not ours to judge
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
    if (!m_upstream || m_closing)
        return;
    if (m_request.framing == BodyFraming::Chunked) {
        m_scratch.clear();
        appendChunkHeader(m_scratch, size);
        writeToUpstream(m_scratch);
        writeToUpstream(QByteArrayView(data, size));
        writeToUpstream("\r\n");
    } else {
        writeToUpstream(QByteArrayView(data, size));
    }
}

void ClientSession::onRequestComplete()
{
    m_requestComplete = true;
    if (!m_upstream)
        return; // an error response was (or is being) given without forwarding
    if (m_request.framing == BodyFraming::Chunked)
        writeToUpstream("0\r\n\r\n");
    m_upstream->flush();
    if (!m_responseStarted)
        setDeadline(Deadline::FirstByte, m_instance->timeouts().firstByte);
}

void ClientSession::onUpstreamResponseHead(ResponseHead &&head)
{
    m_responseStarted = true;
    m_upstreamHead.clear();
    if (m_deadlineKind == Deadline::FirstByte)
        m_deadlineKind = Deadline::None;
    if (head.status < 200) {
        if (head.status == 101) {
            onUpstreamFailed(UpstreamFailure::BadResponse,
                             QStringLiteral("upstream switched protocols without being asked"));
            return;
        }
        if (m_request.versionMinor >= 1) {
            m_scratch.clear();
            writeClientResponseHead(m_scratch, head, ClientFraming::None, true, 1,
                                    m_correlationId);
            writeToClient(m_scratch);
        }
        return;
    }
    m_responseStatus = head.status;
    m_clientFraming = clientFramingFor(head, m_request.versionMinor);
    if (!m_requestComplete || m_clientFraming == ClientFraming::UntilClose)
        m_keepAlive = false;
    m_scratch.clear();
    writeClientResponseHead(m_scratch, head, m_clientFraming, m_keepAlive,
                            m_request.versionMinor, m_correlationId);
    writeToClient(m_scratch);
    m_responseHeadSent = true;
}

void ClientSession::onUpstreamResponseBody(const char *data, qsizetype size)
{
    m_instanceCounters->bytesFromUpstream.add(std::uint64_t(size));
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
    if (m_client->bytesToWrite() > kWriteHighMark && m_upstream)
        m_upstream->pauseReading();
}

void ClientSession::onUpstreamBatchDone()
{
    flushClient();
}

void ClientSession::onUpstreamResponseComplete()
{
    if (m_clientFraming == ClientFraming::Chunked)
        writeToClient("0\r\n\r\n");
    flushClient();
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - m_exchangeStart);
    m_instanceCounters->responses[size_t(qBound(1, m_responseStatus / 100, 5))].add();
    m_instanceCounters->recordLatency(elapsed);
    releaseUpstream(m_requestComplete);
    finishExchange(!m_keepAlive);
}

void ClientSession::onUpstreamFailed(UpstreamFailure failure, const QString &detail)
{
    UpstreamConnection *failed = m_upstream;
    const bool reused = failed && failed->isReused();
    releaseUpstream(false);
    switch (failure) {
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ConnectTimeout:
        m_instanceCounters->connectFailures.add();
        m_instance->markUnreachable(std::chrono::steady_clock::now() + kUnreachableFor);
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
    if (m_responseHeadSent) {
        abortTruncated();
        return;
    }
    const bool timeout = failure == UpstreamFailure::ConnectTimeout;
    const QByteArray what = detail.toUtf8();
    respondError(timeout ? 504 : 502,
                 timeout ? "urn:toolcapture:problem:upstream-timeout"
                         : "urn:toolcapture:problem:upstream-failed",
                 "instance '" + m_instance->id().toUtf8() + "' of service '" +
                     m_service->nameBytes + "': " + what);
}

void ClientSession::onUpstreamWritable()
{
    pump();
}

void ClientSession::onClientBytesWritten()
{
    if (m_upstream && m_client->bytesToWrite() < kWriteLowMark)
        m_upstream->resumeReading();
}

void ClientSession::releaseUpstream(bool reusable)
{
    if (m_waitingForPool) {
        m_pool->cancelWait(this);
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

bool ClientSession::requestBodyUnread() const
{
    return !m_requestComplete && m_request.framing != BodyFraming::None;
}

void ClientSession::respondError(int status, QByteArrayView type, QByteArrayView detail,
                                 QByteArrayView extraHeaders)
{
    if (m_responseHeadSent) {
        abortTruncated();
        return;
    }
    if (status >= 400 && status < 600)
        m_worker.counters().proxyErrors[size_t(status - 400)].add();
    // The connection can carry another request only if this one was read to its end.
    if (m_parser.state() == HttpRequestParser::State::Failed || requestBodyUnread())
        m_keepAlive = false;
    ProblemDetails problem{status, reasonPhrase(status), detail.toByteArray(), type.toByteArray()};
    writeToClient(problem.toHttpResponse(m_correlationId, !m_keepAlive, extraHeaders));
    flushClient();
    m_responseHeadSent = true;
    m_responseStatus = status;
    qCDebug(lcProxy).noquote() << status << detail << "correlation" << m_correlationId;
    // Also leaves the pool's wait queue (503 after a pool wait): finishExchange forgets m_pool.
    releaseUpstream(false);
    finishExchange(!m_keepAlive);
}

void ClientSession::finishExchange(bool close)
{
    if (m_instanceCounters && m_inExchange)
        m_instanceCounters->inFlight.add(-1);
    m_inExchange = false;
    m_instanceCounters = nullptr;
    m_instance = nullptr;
    m_service = nullptr;
    m_pool = nullptr;
    if (close || m_draining) {
        closeGracefully();
        return;
    }
    m_correlationId.clear();
    setDeadline(Deadline::Idle, m_worker.config().timeouts.idleKeepAlive);
    const auto state = m_parser.state();
    if (state == HttpRequestParser::State::PausedAtEnd ||
        state == HttpRequestParser::State::PausedAtHead) {
        // PausedAtHead: a request without a body answered before forwarding; its end follows
        // on an empty feed.
        m_parser.resume();
        // A pipelined request already waiting continues on the next turn of the event loop:
        // never recurse from inside the parser's or the upstream's callbacks. Otherwise the
        // next readyRead brings it, with no event posted per request.
        if (m_parser.state() != HttpRequestParser::State::Idle || m_inPos < m_in.size() ||
            m_readPending)
            QMetaObject::invokeMethod(this, &ClientSession::pump, Qt::QueuedConnection);
    }
}

void ClientSession::closeGracefully()
{
    if (m_closing)
        return;
    m_closing = true;
    m_deadlineKind = Deadline::None;
    releaseUpstream(false);
    flushClient();
    m_client->disconnectFromHost(); // sends what is buffered, then FIN
    if (m_client->state() == QAbstractSocket::UnconnectedState)
        onClientDisconnected();
}

void ClientSession::abortTruncated()
{
    // A response cut short must not look complete: reset the connection rather than close it.
    m_closing = true;
    releaseUpstream(false);
    flushClient();
    const qintptr fd = m_client->socketDescriptor();
    if (fd >= 0) {
        // What was relayed before the failure goes first (abort() discards Qt's write buffer),
        // so the client sees the status and a short body, then the reset.
        m_client->flush();
        const linger hard{1, 0};
        ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    m_client->abort();
    onClientDisconnected();
}

void ClientSession::abort()
{
    m_closing = true;
    releaseUpstream(false);
    m_client->abort();
    onClientDisconnected();
}

void ClientSession::onClientDisconnected()
{
    if (slot < 0)
        return; // already gone
    m_closing = true;
    releaseUpstream(false);
    if (m_instanceCounters && m_inExchange)
        m_instanceCounters->inFlight.add(-1);
    m_inExchange = false;
    m_instanceCounters = nullptr;
    m_worker.removeSession(this);
}

void ClientSession::drain()
{
    m_draining = true;
    m_keepAlive = false;
    if (!m_inExchange && m_parser.state() == HttpRequestParser::State::Idle &&
        m_inPos >= m_in.size())
        closeGracefully();
}

void ClientSession::checkDeadline(time_point now)
{
    if (m_deadlineKind == Deadline::None || now < m_deadline || m_closing)
        return;
    const Deadline kind = m_deadlineKind;
    m_deadlineKind = Deadline::None;
    switch (kind) {
    case Deadline::None:
        break;
    case Deadline::Idle:
        closeGracefully();
        break;
    case Deadline::HeaderRead:
        m_keepAlive = false;
        m_correlationId = m_worker.correlationIds().next();
        m_worker.counters().proxyErrors[408 - 400].add();
        {
            ProblemDetails problem{408, reasonPhrase(408),
                                   "the request head was not received within " +
                                       QByteArray::number(qint64(
                                           m_worker.config().timeouts.headerRead.count())) +
                                       " ms",
                                   "urn:toolcapture:problem:request-timeout"};
            writeToClient(problem.toHttpResponse(m_correlationId, true));
        }
        closeGracefully();
        break;
    case Deadline::PoolWait:
        respondError(503, "urn:toolcapture:problem:pool-exhausted",
                     "all " + QByteArray::number(m_pool->maxConnections()) +
                         " connections of this worker to instance '" +
                         m_instance->id().toUtf8() + "' stayed busy",
                     "Retry-After: 1\r\n");
        break;
    case Deadline::Connect:
        onUpstreamFailed(UpstreamFailure::ConnectTimeout,
                         QStringLiteral("no connection within %1 ms")
                             .arg(m_instance->timeouts().connect.count()));
        break;
    case Deadline::FirstByte:
        m_instanceCounters->firstByteTimeouts.add();
        releaseUpstream(false);
        respondError(504, "urn:toolcapture:problem:upstream-timeout",
                     "instance '" + m_instance->id().toUtf8() + "' sent no response within " +
                         QByteArray::number(qint64(m_instance->timeouts().firstByte.count())) +
                         " ms");
        break;
    }
}

} // namespace ToolCapture
