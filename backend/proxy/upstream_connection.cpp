#include <backend/core/logging.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/routing/upstream_instance.h>

#include <QTcpSocket>

namespace ToolCapture {

namespace {
constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kWriteLowMark = 64 * 1024;
} // namespace

UpstreamConnection::UpstreamConnection(UpstreamInstance &instance, QObject *parent)
    : QObject(parent)
    , m_instance(instance)
    , m_socket(new QTcpSocket(this))
    , m_parser(*this, HttpResponseParser::Limits{}) {
    m_socket->setReadBufferSize(kReadChunk); // bounds Qt's own buffering, should it buffer
    connect(m_socket, &QTcpSocket::connected, this, &UpstreamConnection::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &UpstreamConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &UpstreamConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &UpstreamConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError)
            return; // onDisconnected handles the end of the stream
        if (!m_connected)
            fail(UpstreamFailure::ConnectFailed, m_socket->errorString());
        else
            onDisconnected();
    });
}

UpstreamConnection::~UpstreamConnection() = default;

void UpstreamConnection::connectToUpstream() {
    // NOTE: unbuffered: reads go straight from the kernel into our buffer (no copy through
    // Qt's ring buffer, no FIONREAD per read) and Qt stops watching the socket while we do not
    // read, which is what lets TCP flow control reach the upstream when the client is slow.
    constexpr auto mode = QIODevice::ReadWrite | QIODevice::Unbuffered;
    if (!m_instance.address().isNull())
        m_socket->connectToHost(m_instance.address(), m_instance.port(), mode);
    else
        m_socket->connectToHost(m_instance.host(), m_instance.port(), mode);
}

void UpstreamConnection::attach(Listener *listener, QByteArrayView requestMethod) {
    m_listener = listener;
    m_responseComplete = false;
    ++m_exchanges;
    m_parser.expectResponseTo(requestMethod);
    m_readingPaused = false;
    if (m_connected && m_readPending)
        onReadyRead();
}

void UpstreamConnection::detach() {
    m_listener = nullptr;
}

void UpstreamConnection::write(QByteArrayView data) {
    m_out.append(data);
    if (m_out.size() >= kReadChunk)
        flush();
}

void UpstreamConnection::flush() {
    if (m_out.isEmpty())
        return;
    m_socket->write(m_out.constData(), m_out.size());
    m_out.resize(0);
}

qint64 UpstreamConnection::bytesToWrite() const {
    return m_out.size() + m_socket->bytesToWrite();
}

void UpstreamConnection::resumeReading() {
    if (!m_readingPaused)
        return;
    m_readingPaused = false;
    if (m_readPending)
        onReadyRead();
}

bool UpstreamConnection::isReusable() const noexcept {
    return m_connected && !m_broken && m_responseComplete &&
           m_socket->state() == QAbstractSocket::ConnectedState;
}

void UpstreamConnection::close() {
    m_listener = nullptr;
    m_broken = true;
    m_socket->abort();
}

void UpstreamConnection::onConnected() {
    m_connected = true;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_listener)
        m_listener->onUpstreamReady(this);
}

void UpstreamConnection::onReadyRead() {
    m_readPending = true;
    if (m_inRead)
        return;
    if (!m_listener) {
        // Readable while idle: the upstream closed, or sent bytes nobody asked for.
        char probe;
        if (m_socket->read(&probe, 1) == 0) {
            m_readPending = false;
            return;
        }
        m_broken = true;
        m_socket->abort();
        emit closedWhileIdle(this);
        return;
    }
    if (m_readingPaused)
        return; // resumeReading() comes back here
    m_inRead = true;
    while (m_listener && !m_readingPaused) {
        m_buffer.resize(kReadChunk);
        const qint64 got = m_socket->read(m_buffer.data(), kReadChunk);
        if (got == 0) {
            m_readPending = false; // drained: Qt watches the socket again
            break;
        }
        if (got < 0) {
            m_readPending = false;
            m_inRead = false;
            onEndOfStream();
            return;
        }
        // A short read drained the socket (see ClientSession::pump).
        const bool drained = got < kReadChunk;
        if (drained)
            m_readPending = false;
        qsizetype offset = 0;
        bool ended = false;
        while (offset < got && m_listener) {
            const int exchange = m_exchanges;
            const qsizetype used = m_parser.feed(m_buffer.constData() + offset, got - offset);
            offset += used;
            if (m_parser.state() == HttpResponseParser::State::Failed) {
                m_inRead = false;
                fail(UpstreamFailure::BadResponse, QString::fromUtf8(m_parser.error().detail));
                return;
            }
            if (m_parser.state() == HttpResponseParser::State::Complete ||
                exchange != m_exchanges) {
                // The response ended (and the connection may already carry the next exchange):
                // bytes beyond it were never asked for, so the connection must not be reused.
                if (offset < got) {
                    m_broken = true;
                    m_inRead = false;
                    if (m_listener)
                        fail(UpstreamFailure::BadResponse,
                             QStringLiteral("upstream sent bytes after a complete response"));
                    return;
                }
                ended = true;
                break;
            }
            if (used == 0)
                break;
        }
        if (ended || drained)
            break;
    }
    m_inRead = false;
    if (m_listener)
        m_listener->onUpstreamBatchDone();
}

void UpstreamConnection::onDisconnected() {
    if (!m_connected) {
        fail(UpstreamFailure::ConnectFailed, m_socket->errorString());
        return;
    }
    onEndOfStream();
}

void UpstreamConnection::onEndOfStream() {
    m_broken = true;
    if (!m_listener) {
        emit closedWhileIdle(this);
        return;
    }
    if (m_responseComplete)
        return;
    m_parser.finish();
    if (m_parser.state() == HttpResponseParser::State::Complete)
        return; // an until-close body ended; onResponseComplete already ran
    fail(UpstreamFailure::Reset,
         QStringLiteral("upstream closed the connection before the response "
                        "was complete"));
}

void UpstreamConnection::onBytesWritten() {
    if (m_listener && m_socket->bytesToWrite() < kWriteLowMark)
        m_listener->onUpstreamWritable();
}

void UpstreamConnection::fail(UpstreamFailure failure, const QString &detail) {
    m_broken = true;
    Listener *listener = m_listener;
    m_listener = nullptr;
    if (listener)
        listener->onUpstreamFailed(failure, detail);
    else
        emit closedWhileIdle(this);
}

void UpstreamConnection::onResponseHead(ResponseHead &&head) {
    m_lastStatus = head.status;
    if (head.status >= 200 && !head.keepAlive)
        m_broken = true;
    if (m_listener)
        m_listener->onUpstreamResponseHead(std::move(head));
}

void UpstreamConnection::onResponseBody(const char *data, qsizetype size) {
    if (m_listener)
        m_listener->onUpstreamResponseBody(data, size);
}

void UpstreamConnection::onResponseComplete() {
    if (m_lastStatus < 200)
        return; // an interim 1xx response; the final one follows
    m_responseComplete = true;
    if (m_listener)
        m_listener->onUpstreamResponseComplete();
}

} // namespace ToolCapture
