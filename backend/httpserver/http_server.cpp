#include <backend/http/http_request_parser.h>
#include <backend/http/problem_details.h>
#include <backend/httpserver/http_server.h>

#include <QDateTime>
#include <QLocale>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <exception>
#include <optional>
#include <sys/socket.h>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcHttpServer, "toolcapture.httpserver")

// Requests parsed ahead of their responses; beyond this the connection stops reading.
constexpr std::size_t kMaxPipelined = 16;
// Bytes Qt buffers from the socket before it stops reading (backpressure).
constexpr qint64 kSocketReadBuffer = 256 * 1024;
// How long a closing connection keeps draining the peer's input after its last response.
constexpr int kLingerMs = 2000;

QByteArray httpDate() {
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'")
        .toLatin1();
}

bool isServerHeader(QByteArrayView name) {
    return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Connection") ||
           equalsIgnoreCase(name, "Date") || equalsIgnoreCase(name, "Server") ||
           equalsIgnoreCase(name, "Transfer-Encoding") || equalsIgnoreCase(name, "Keep-Alive");
}

bool hasLineBreak(QByteArrayView text) {
    return text.contains('\r') || text.contains('\n');
}

QByteArray correlationIdOf(const RequestHead &head) {
    const HttpHeader *field = findHeader(head.headers, "X-Correlation-ID");
    return field ? field->value : QByteArray();
}

} // namespace

HttpResponse HttpResponse::json(int status, QByteArray body) {
    HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", "application/json"});
    response.body = std::move(body);
    return response;
}

HttpResponse HttpResponse::text(int status, QByteArray body, QByteArray contentType) {
    HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", std::move(contentType)});
    response.body = std::move(body);
    return response;
}

HttpResponse HttpResponse::problem(int status, QByteArray detail, QByteArrayView correlationId) {
    ProblemDetails problem;
    problem.status = status;
    problem.title = reasonPhrase(status);
    problem.detail = std::move(detail);
    problem.type = "about:blank";

    HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", "application/problem+json"});
    if (!correlationId.isEmpty())
        response.headers.push_back({"X-Correlation-ID", correlationId.toByteArray()});
    response.body = problem.toJson(correlationId);
    return response;
}

// One accepted connection: parses requests, hands them to the handler and writes the responses
// back in request order. Lives in the server's thread.
class HttpServer::Connection
    : public QObject
    , private HttpRequestParser::Handler {
public:
    Connection(HttpServer *server, QTcpSocket *socket);

    void respond(quint64 sequence, HttpResponse &&response);
    void abandon(quint64 sequence);
    // The server stops: answer what is pending, then close.
    void shutdown();

private:
    // One request awaiting its turn on the wire.
    struct Pending {
        quint64 sequence = 0;
        bool headRequest = false;
        bool keepAlive = true;
        int versionMinor = 1;
        bool ready = false;
        bool closeAfter = false; // close after this one (error or abandoned)
        std::optional<HttpResponse> response;
    };

    // HttpRequestParser::Handler
    void onRequestHead(RequestHead &&head) override;
    void onRequestBody(const char *data, qsizetype size) override;
    void onRequestComplete() override;

    void onReadyRead();
    void processInput();
    bool acceptHead();
    void dispatch();
    void queueError(HttpResponse response);
    // The X-Correlation-ID of the request whose head is parsed, for the errors this connection
    // writes itself; empty before a head is complete.
    QByteArray requestCorrelationId() const;
    void flush();
    QByteArray serialize(const Pending &pending, HttpResponse &response, bool close) const;
    void scheduleProcessInput();
    void closeGracefully();
    void halfCloseWhenWritten();
    void onIdleTimeout();
    void onDisconnected();

    HttpServer *m_server;
    QTcpSocket *m_socket;
    HttpRequestParser m_parser;
    QHostAddress m_peer;
    QByteArray m_input;
    std::optional<RequestHead> m_head;
    QByteArray m_body;
    bool m_bodyTooLarge = false;
    std::deque<Pending> m_pending;
    quint64 m_nextSequence = 0;
    bool m_stopReading = false; // no further requests are read from this connection
    bool m_closing = false;     // the last response is (being) written; input is discarded
    bool m_gone = false;        // disconnected; nothing more is written
    bool m_processing = false;
    bool m_processScheduled = false;
    QTimer m_idleTimer;
    QTimer m_lingerTimer;
};

namespace {

// Hands a response to its connection if the connection still exists.
class ConnectionResponder final : public HttpResponder {
public:
    ConnectionResponder(std::function<void(HttpResponse &&)> respond, std::function<void()> abandon)
        : m_respond(std::move(respond))
        , m_abandon(std::move(abandon)) {}
    ~ConnectionResponder() override {
        if (!m_answered)
            m_abandon();
    }

    void respond(HttpResponse response) override {
        if (m_answered)
            return;
        m_answered = true;
        m_respond(std::move(response));
    }

private:
    std::function<void(HttpResponse &&)> m_respond;
    std::function<void()> m_abandon;
    bool m_answered = false;
};

} // namespace

HttpServer::Connection::Connection(HttpServer *server, QTcpSocket *socket)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
    , m_parser(*this, HttpRequestParser::Limits{})
    , m_peer(socket->peerAddress()) {
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kSocketReadBuffer);
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onDisconnected);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_closing)
            halfCloseWhenWritten();
    });

    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(std::max(1, server->m_options.idleTimeoutMs));
    connect(&m_idleTimer, &QTimer::timeout, this, &Connection::onIdleTimeout);
    m_lingerTimer.setSingleShot(true);
    m_lingerTimer.setInterval(kLingerMs);
    connect(&m_lingerTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });

    m_idleTimer.start();
    if (m_socket->bytesAvailable() > 0)
        scheduleProcessInput();
}

void HttpServer::Connection::onRequestHead(RequestHead &&head) {
    m_head = std::move(head);
    m_body.clear();
    m_bodyTooLarge = false;
}

void HttpServer::Connection::onRequestBody(const char *data, qsizetype size) {
    if (m_bodyTooLarge)
        return;
    if (m_body.size() + size > m_server->m_options.maxBodyBytes) {
        m_bodyTooLarge = true;
        m_body.clear();
        return;
    }
    m_body.append(data, size);
}

void HttpServer::Connection::onRequestComplete() {}

void HttpServer::Connection::onReadyRead() {
    if (m_gone)
        return;
    if (m_closing || m_stopReading) {
        m_socket->readAll(); // discarded: no further requests are answered
        return;
    }
    if (m_pending.empty())
        m_idleTimer.start();
    processInput();
}

void HttpServer::Connection::processInput() {
    if (m_processing || m_gone)
        return;
    m_processing = true;
    while (!m_stopReading && m_pending.size() < kMaxPipelined) {
        const HttpRequestParser::State state = m_parser.state();
        if (state == HttpRequestParser::State::PausedAtHead) {
            if (!acceptHead())
                break;
            m_parser.resume();
            continue;
        }
        if (state == HttpRequestParser::State::PausedAtEnd) {
            dispatch();
            m_parser.resume();
            continue;
        }
        if (m_input.isEmpty()) {
            m_input = m_socket->readAll();
            if (m_input.isEmpty())
                break;
        }
        const qsizetype consumed = m_parser.feed(m_input.constData(), m_input.size());
        m_input.remove(0, consumed);
        if (m_bodyTooLarge) {
            queueError(HttpResponse::problem(
                413,
                "The request body exceeds " + QByteArray::number(m_server->m_options.maxBodyBytes) +
                    " bytes.",
                requestCorrelationId()));
            break;
        }
        if (m_parser.state() == HttpRequestParser::State::Failed) {
            const HttpParseError &error = m_parser.error();
            const int status = error.status >= 400 ? error.status : 400;
            HttpResponse response = HttpResponse::problem(status, error.detail);
            if (!error.title.isEmpty()) {
                const ProblemDetails problem{status, error.title, error.detail, "about:blank"};
                response.body = problem.toJson({});
            }
            queueError(std::move(response));
            break;
        }
    }
    m_processing = false;
}

bool HttpServer::Connection::acceptHead() {
    const RequestHead &head = *m_head;
    if (head.framing == BodyFraming::ContentLength &&
        head.contentLength > m_server->m_options.maxBodyBytes) {
        queueError(HttpResponse::problem(
            413,
            "The request body of " + QByteArray::number(head.contentLength) + " bytes exceeds " +
                QByteArray::number(m_server->m_options.maxBodyBytes) + " bytes.",
            requestCorrelationId()));
        return false;
    }
    const HttpHeader *expect = findHeader(head.headers, "Expect");
    const bool hasBody = head.framing == BodyFraming::Chunked ||
                         (head.framing == BodyFraming::ContentLength && head.contentLength > 0);
    // NOTE: an interim 100 goes out only when nothing is pending ahead of this request, so it
    // never overtakes an earlier response; otherwise the client sends the body after its wait.
    if (expect && hasBody && head.versionMinor >= 1 && m_pending.empty() &&
        equalsIgnoreCase(expect->value, "100-continue")) {
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return true;
}

void HttpServer::Connection::dispatch() {
    Pending pending;
    pending.sequence = m_nextSequence++;
    pending.headRequest = m_head->method == "HEAD";
    pending.keepAlive = m_head->keepAlive;
    pending.versionMinor = m_head->versionMinor;
    m_pending.push_back(std::move(pending));
    m_idleTimer.stop();
    if (!m_head->keepAlive) {
        m_stopReading = true;
        m_input.clear();
    }

    HttpRequest request{std::move(*m_head), std::move(m_body), m_peer};
    m_head.reset();
    m_body.clear();

    const quint64 sequence = m_pending.back().sequence;
    QPointer<Connection> self(this);
    auto responder = std::make_shared<ConnectionResponder>(
        [self, sequence](HttpResponse &&response) {
            if (self)
                self->respond(sequence, std::move(response));
        },
        [self, sequence] {
            if (self)
                self->abandon(sequence);
        });
    try {
        m_server->m_handler(request, responder);
    } catch (const std::exception &e) {
        qCWarning(lcHttpServer) << "HTTP handler threw for" << request.head.target << ":"
                                << e.what();
        responder->respond(HttpResponse::problem(500, "The request handler failed.",
                                                 correlationIdOf(request.head)));
    }
}

QByteArray HttpServer::Connection::requestCorrelationId() const {
    return m_head ? correlationIdOf(*m_head) : QByteArray();
}

void HttpServer::Connection::queueError(HttpResponse response) {
    m_stopReading = true;
    m_input.clear();
    Pending pending;
    pending.sequence = m_nextSequence++;
    pending.keepAlive = false;
    pending.ready = true;
    pending.closeAfter = true;
    pending.response = std::move(response);
    m_pending.push_back(std::move(pending));
    m_idleTimer.stop();
    flush();
}

void HttpServer::Connection::respond(quint64 sequence, HttpResponse &&response) {
    auto it = std::find_if(m_pending.begin(), m_pending.end(),
                           [sequence](const Pending &p) { return p.sequence == sequence; });
    if (it == m_pending.end() || it->ready)
        return;
    if (response.status < 200 || response.status > 999) {
        qCWarning(lcHttpServer) << "HTTP handler answered with status" << response.status;
        response = HttpResponse::problem(500, "The request handler gave an invalid status.");
    }
    it->ready = true;
    it->response = std::move(response);
    flush();
}

void HttpServer::Connection::abandon(quint64 sequence) {
    auto it = std::find_if(m_pending.begin(), m_pending.end(),
                           [sequence](const Pending &p) { return p.sequence == sequence; });
    if (it == m_pending.end() || it->ready)
        return;
    it->ready = true;
    it->closeAfter = true;
    m_stopReading = true;
    m_input.clear();
    flush();
}

void HttpServer::Connection::shutdown() {
    m_stopReading = true;
    m_input.clear();
    if (m_pending.empty())
        closeGracefully();
}

void HttpServer::Connection::flush() {
    if (m_gone || m_closing)
        return;
    while (!m_pending.empty() && m_pending.front().ready) {
        Pending pending = std::move(m_pending.front());
        m_pending.pop_front();
        const bool nextAbandoned = !m_pending.empty() && m_pending.front().ready &&
                                   m_pending.front().closeAfter && !m_pending.front().response;
        const bool last = pending.closeAfter || !pending.keepAlive || nextAbandoned ||
                          (m_stopReading && m_pending.empty());
        if (pending.response)
            m_socket->write(serialize(pending, *pending.response, last));
        if (last) {
            closeGracefully();
            return;
        }
    }
    if (m_pending.empty()) {
        if (m_stopReading) {
            closeGracefully();
            return;
        }
        m_idleTimer.start();
    }
    if (m_pending.size() < kMaxPipelined)
        scheduleProcessInput();
}

QByteArray HttpServer::Connection::serialize(const Pending &pending, HttpResponse &response,
                                             bool close) const {
    const bool noBody = response.status == 204 || response.status == 304 ||
                        (response.status >= 100 && response.status < 200);
    QByteArray out;
    out.reserve(256 + (pending.headRequest ? 0 : response.body.size()));
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) +
           "\r\n";
    for (const HttpHeader &header : response.headers) {
        if (isServerHeader(header.name) || header.name.isEmpty() || hasLineBreak(header.name) ||
            hasLineBreak(header.value)) {
            continue;
        }
        out += header.name + ": " + header.value + "\r\n";
    }
    out += "Server: " + m_server->m_options.serverHeader + "\r\n";
    out += "Date: " + httpDate() + "\r\n";
    if (!noBody)
        out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    if (close)
        out += "Connection: close\r\n";
    else if (pending.versionMinor == 0)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!pending.headRequest && !noBody)
        out += response.body;
    return out;
}

void HttpServer::Connection::scheduleProcessInput() {
    if (m_processScheduled || m_stopReading || m_gone)
        return;
    m_processScheduled = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_processScheduled = false;
            processInput();
        },
        Qt::QueuedConnection);
}

void HttpServer::Connection::closeGracefully() {
    if (m_closing || m_gone)
        return;
    m_closing = true;
    m_stopReading = true;
    m_idleTimer.stop();
    m_socket->readAll();
    halfCloseWhenWritten();
}

// NOTE: closing a socket whose peer is still sending makes the kernel answer with a reset that
// can destroy the last response in flight (a 413 or 400 in particular). So the write side is
// shut down first and the peer's input drained until it closes or the linger time runs out.
void HttpServer::Connection::halfCloseWhenWritten() {
    if (m_gone || m_socket->bytesToWrite() > 0 || m_lingerTimer.isActive())
        return;
    if (m_socket->state() != QAbstractSocket::ConnectedState ||
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR) != 0) {
        m_socket->disconnectFromHost();
        return;
    }
    m_lingerTimer.start();
}

void HttpServer::Connection::onIdleTimeout() {
    if (!m_pending.empty() || m_closing || m_gone)
        return;
    const HttpRequestParser::State state = m_parser.state();
    if (state == HttpRequestParser::State::Head || state == HttpRequestParser::State::Body) {
        queueError(HttpResponse::problem(408, "The request was not completed in time.",
                                         requestCorrelationId()));
        return;
    }
    closeGracefully();
}

void HttpServer::Connection::onDisconnected() {
    if (m_gone)
        return;
    m_gone = true;
    m_idleTimer.stop();
    m_lingerTimer.stop();
    m_pending.clear();
    m_server->removeConnection(this);
    deleteLater();
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : HttpServer(std::move(handler), Options{}, parent) {}

HttpServer::HttpServer(Handler handler, Options options, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_options(std::move(options))
    , m_server(new QTcpServer(this)) {
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer() {
    // Stop listening first: closed the other way round, a client that reconnects as its
    // connection is closed lands in the listener's backlog and is reset when the listener goes,
    // and Qt's HTTP client then waits for its transfer timeout instead of failing at once.
    m_server->close();
    const std::vector<Connection *> connections = std::exchange(m_connections, {});
    for (Connection *connection : connections)
        delete connection;
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error) {
    if (m_server->isListening())
        m_server->close();
    m_accepted = 0;
    if (!m_server->listen(address, port)) {
        if (error)
            *error = m_server->errorString();
        return false;
    }
    return true;
}

void HttpServer::close() {
    m_server->close();
    const std::vector<Connection *> connections = m_connections;
    for (Connection *connection : connections)
        connection->shutdown();
}

quint16 HttpServer::port() const {
    return m_server->serverPort();
}

QHostAddress HttpServer::address() const {
    return m_server->serverAddress();
}

quint64 HttpServer::connectionsAccepted() const {
    return m_accepted;
}

int HttpServer::openConnections() const {
    return int(m_connections.size());
}

void HttpServer::onNewConnection() {
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        ++m_accepted;
        m_connections.push_back(new Connection(this, socket));
    }
}

void HttpServer::removeConnection(Connection *connection) {
    std::erase(m_connections, connection);
}

} // namespace ToolCapture
