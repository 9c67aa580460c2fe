#include <backend/demo/demo_client_connection.h>

#include <QTcpSocket>
#include <QTimer>

namespace ToolCapture {

DemoClientConnection::DemoClientConnection(QHostAddress host, quint16 port, Completion completion,
                                           QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_completion(std::move(completion))
    , m_socket(new QTcpSocket(this))
    , m_timeout(new QTimer(this)) {
    m_timeout->setSingleShot(true);
    connect(m_timeout, &QTimer::timeout, this, [this] {
        finish(std::nullopt);
        m_socket->abort();
    });
    connect(m_socket, &QTcpSocket::connected, this, &DemoClientConnection::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &DemoClientConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &DemoClientConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &DemoClientConnection::onError);
}

DemoClientConnection::~DemoClientConnection() {
    m_socket->disconnect(this);
    m_socket->abort();
}

QByteArray DemoClientConnection::serialize(const DemoRequest &request) const {
    QByteArray out;
    out.reserve(256 + request.body.size());
    out += request.method + ' ' + request.target + " HTTP/1.1\r\n";
    out += "Host: " + m_host.toString().toLatin1() + ':' + QByteArray::number(m_port) + "\r\n";
    out += "User-Agent: toolcapture-demo/1\r\nAccept: application/json\r\n";
    for (const HttpHeader &header : request.headers)
        out += header.name + ": " + header.value + "\r\n";
    if (!request.body.isEmpty() || request.method == "POST" || request.method == "PUT")
        out += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\n";
    out += "\r\n";
    out += request.body;
    return out;
}

void DemoClientConnection::send(DemoRequest request) {
    Q_ASSERT(!m_inFlight);
    m_inFlight = true;
    m_request = std::move(request);
    m_head.reset();
    m_timeout->start(m_responseTimeout);

    QByteArray bytes = serialize(m_request);
    if (m_socket->state() == QAbstractSocket::ConnectedState) {
        m_parser->expectResponseTo(m_request.method);
        m_socket->write(bytes);
        return;
    }
    // Closed by the server (or never opened): start a fresh connection and a fresh parser.
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->abort();
    m_readBuffer.clear();
    m_pendingWrite = std::move(bytes);
    ++m_connectionsOpened;
    m_socket->connectToHost(m_host, m_port);
}

void DemoClientConnection::abort() {
    m_timeout->stop();
    m_inFlight = false;
    m_pendingWrite.clear();
    m_socket->abort();
}

void DemoClientConnection::onConnected() {
    HttpResponseParser::Handler &handler = *this;
    m_parser = std::make_unique<HttpResponseParser>(handler, HttpResponseParser::Limits{});
    if (!m_inFlight)
        return;
    m_parser->expectResponseTo(m_request.method);
    m_socket->write(m_pendingWrite);
    m_pendingWrite.clear();
}

void DemoClientConnection::onReadyRead() {
    m_readBuffer += m_socket->readAll();
    if (!m_inFlight || !m_parser) {
        // Bytes nobody asked for: the connection is out of step, start over next time.
        m_readBuffer.clear();
        m_socket->abort();
        return;
    }
    while (m_inFlight && !m_readBuffer.isEmpty()) {
        const qsizetype used = m_parser->feed(m_readBuffer.constData(), m_readBuffer.size());
        m_readBuffer.remove(0, used);
        const HttpResponseParser::State state = m_parser->state();
        if (state == HttpResponseParser::State::Complete) {
            const bool keepAlive = m_head && m_head->keepAlive;
            finish(std::move(m_head));
            if (!keepAlive || !m_readBuffer.isEmpty()) {
                m_readBuffer.clear();
                m_socket->disconnectFromHost();
            }
            return;
        }
        if (state == HttpResponseParser::State::Failed) {
            finish(std::nullopt);
            m_socket->abort();
            return;
        }
        if (used == 0)
            break;
    }
}

void DemoClientConnection::onDisconnected() {
    if (!m_inFlight)
        return;
    if (m_parser && m_head) {
        m_parser->finish(); // completes a body delimited by the close
        if (m_parser->state() == HttpResponseParser::State::Complete) {
            finish(std::move(m_head));
            return;
        }
    }
    finish(std::nullopt);
}

void DemoClientConnection::onError() {
    // A close by the peer is handled by onDisconnected (which may still complete a response).
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError)
        return;
    if (!m_inFlight)
        return;
    finish(std::nullopt);
    m_socket->abort();
}

void DemoClientConnection::onResponseHead(ResponseHead &&head) {
    if (head.status >= 200)
        m_head = std::move(head);
}

void DemoClientConnection::onResponseBody(const char *, qsizetype) {
    // The generator only looks at statuses and headers.
}

void DemoClientConnection::onResponseComplete() {}

void DemoClientConnection::finish(std::optional<ResponseHead> head) {
    if (!m_inFlight)
        return;
    m_inFlight = false;
    m_timeout->stop();
    m_pendingWrite.clear();
    m_completion(m_request, head);
}

} // namespace ToolCapture
