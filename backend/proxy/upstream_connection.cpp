#include <backend/core/logging.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/routing/upstream_instance.h>

#include <QHostInfo>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {
constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kWriteLowMark = 64 * 1024;

QString errnoText(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}
} // namespace

UpstreamConnection::UpstreamConnection(UpstreamInstance &instance, QObject *parent)
    : QObject(parent)
    , m_instance(instance)
    , m_parser(*this, HttpResponseParser::Limits{}) {}

UpstreamConnection::~UpstreamConnection() {
    if (m_lookupId >= 0)
        QHostInfo::abortHostLookup(m_lookupId);
    closeSocket();
}

void UpstreamConnection::connectToUpstream() {
    if (!m_instance.address().isNull()) {
        connectTo(m_instance.address());
        return;
    }
    // A host name: resolved off this thread (Qt caches the answers), then connected.
    m_lookupId = QHostInfo::lookupHost(m_instance.host(), this, [this](const QHostInfo &info) {
        m_lookupId = -1;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            fail(
                UpstreamFailure::ConnectFailed,
                QStringLiteral("cannot resolve %1: %2").arg(m_instance.host(), info.errorString()));
            return;
        }
        connectTo(info.addresses().constFirst());
    });
}

void UpstreamConnection::connectTo(const QHostAddress &address) {
    bool connected = false;
    m_fd = SocketIo::connectTcp(address, m_instance.port(), connected);
    if (m_fd < 0) {
        const int error = errno;
        // Reported from the event loop, never from inside lease().
        QMetaObject::invokeMethod(
            this, [this, error] { fail(UpstreamFailure::ConnectFailed, errnoText(error)); },
            Qt::QueuedConnection);
        return;
    }
    m_socket = std::make_unique<SocketWatch>(m_fd, static_cast<SocketWatch::Handler &>(*this));
    // Readable before connected means a failure: connecting is watched through writability.
    if (connected)
        QMetaObject::invokeMethod(this, &UpstreamConnection::onConnected, Qt::QueuedConnection);
    else
        m_socket->setWriteEnabled(true);
}

void UpstreamConnection::closeSocket() {
    m_socket.reset(); // before close(): the dispatcher forgets the descriptor (and its flush)
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_connected = false;
}

void UpstreamConnection::setWatchingWrites(bool on) {
    if (m_socket)
        m_socket->setWriteEnabled(on);
}

void UpstreamConnection::attach(Listener *listener, QByteArrayView requestMethod,
                                bool webSocketUpgrade) {
    m_listener = listener;
    m_responseComplete = false;
    ++m_exchanges;
    m_parser.expectResponseTo(requestMethod, webSocketUpgrade);
    m_readingPaused = false;
    if (m_connected && m_readPending)
        onReadyRead();
}

void UpstreamConnection::detach() {
    m_listener = nullptr;
}

void UpstreamConnection::write(QByteArrayView data) {
    m_out.append(data);
    if (m_out.size() - m_outPos >= kReadChunk)
        flush();
}

void UpstreamConnection::flush() {
    if (m_out.size() <= m_outPos || m_fd < 0 || !m_connected)
        return;
    const bool waiting = m_outPos > 0 || m_socket->isWriteEnabled();
    switch (SocketIo::flush(m_fd, m_out, m_outPos)) {
    case SocketIo::Result::Done:
        if (waiting)
            setWatchingWrites(false);
        break;
    case SocketIo::Result::WouldBlock:
        setWatchingWrites(true);
        break;
    default: {
        const int error = errno;
        m_out.resize(0);
        m_outPos = 0;
        setWatchingWrites(false);
        // Whatever the upstream sent before it went away is still read: it may be the answer.
        Q_UNUSED(error);
        m_broken = true;
        break;
    }
    }
}

void UpstreamConnection::flushAtRoundEnd() {
    // m_socket lives as long as the descriptor (closeSocket).
    if (m_out.size() <= m_outPos || m_fd < 0 || !m_connected)
        return;
    if (!m_socket->deferToRoundEnd(m_roundEndFlush))
        flush();
}

qint64 UpstreamConnection::bytesToWrite() const {
    return m_out.size() - m_outPos;
}

void UpstreamConnection::resumeReading() {
    if (!m_readingPaused)
        return;
    m_readingPaused = false;
    if (m_socket)
        m_socket->setReadEnabled(true);
    if (m_readPending)
        onReadyRead();
}

bool UpstreamConnection::isReusable() const noexcept {
    return m_connected && !m_broken && !m_eof && m_responseComplete && m_fd >= 0;
}

bool UpstreamConnection::peerClosedWhileIdle() const noexcept {
    if (m_fd < 0)
        return true;
    char byte;
    const ssize_t n = ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0)
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    // 0: the upstream's FIN. Bytes nobody asked for: the connection is out of step.
    return true;
}

void UpstreamConnection::close() {
    m_listener = nullptr;
    m_broken = true;
    closeSocket();
}

int UpstreamConnection::takeDescriptor(QByteArray &unsent) {
    if (m_outPos < m_out.size())
        unsent.append(QByteArrayView(m_out).sliced(m_outPos));
    m_out.resize(0);
    m_outPos = 0;
    m_socket.reset(); // the dispatcher forgets the descriptor (and a queued flush)
    const int fd = m_fd;
    m_fd = -1;
    m_connected = false;
    m_broken = true;
    m_listener = nullptr;
    return fd;
}

void UpstreamConnection::onConnected() {
    if (m_fd < 0)
        return;
    m_connected = true;
    m_socket->setReadEnabled(true);
    setWatchingWrites(bytesToWrite() > 0);
    if (m_listener)
        m_listener->onUpstreamReady(this);
}

void UpstreamConnection::onSocketReadable() {
    onReadyRead();
}

void UpstreamConnection::onSocketWritable() {
    onWritable();
}

void UpstreamConnection::onWritable() {
    if (!m_connected) {
        const int error = SocketIo::pendingError(m_fd);
        setWatchingWrites(false);
        if (error != 0) {
            fail(UpstreamFailure::ConnectFailed, errnoText(error));
            return;
        }
        onConnected();
        return;
    }
    flush();
    if (m_listener && bytesToWrite() < kWriteLowMark)
        m_listener->onUpstreamWritable();
}

void UpstreamConnection::onReadyRead() {
    m_readPending = true;
    if (m_inRead || m_fd < 0)
        return;
    if (!m_listener) {
        // Readable while idle: the upstream closed, or sent bytes nobody asked for.
        m_broken = true;
        m_socket->setReadEnabled(false);
        emit closedWhileIdle(this);
        return;
    }
    if (m_readingPaused) {
        // Level-triggered: stop watching until resumeReading(), or the loop would spin.
        m_socket->setReadEnabled(false);
        return;
    }
    m_inRead = true;
    while (m_listener && !m_readingPaused) {
        qsizetype got = 0;
        const SocketIo::Result result =
            SocketIo::read(m_fd, m_buffer.room(kReadChunk), kReadChunk, got);
        if (result == SocketIo::Result::WouldBlock) {
            m_readPending = false;
            break;
        }
        if (result != SocketIo::Result::Done) {
            m_readPending = false;
            m_inRead = false;
            if (result == SocketIo::Result::Error)
                qCDebug(lcUpstream) << "upstream read failed:" << errnoText(errno);
            onEndOfStream();
            return;
        }
        // A short read drained the socket: level-triggered readiness says when more comes.
        const bool drained = got < kReadChunk;
        if (drained)
            m_readPending = false;
        qsizetype offset = 0;
        bool ended = false;
        while (offset < got && m_listener) {
            const int exchange = m_exchanges;
            const qsizetype used = m_parser.feed(m_buffer.data() + offset, got - offset);
            offset += used;
            if (m_parser.state() == HttpResponseParser::State::Failed) {
                m_inRead = false;
                fail(UpstreamFailure::BadResponse, QString::fromUtf8(m_parser.error().detail));
                return;
            }
            if (m_parser.state() == HttpResponseParser::State::Upgraded) {
                // No longer HTTP: the rest of this read (and of the connection) is the
                // listener's, which takes the descriptor or releases the connection.
                m_inRead = false;
                m_readPending = false;
                if (m_listener)
                    m_listener->onUpstreamUpgraded(m_buffer.data() + offset, got - offset);
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
    if (m_readingPaused && m_socket)
        m_socket->setReadEnabled(false);
    if (m_listener)
        m_listener->onUpstreamBatchDone();
}

void UpstreamConnection::onEndOfStream() {
    // The upstream shut down its sending side (or the connection failed): nothing more will be
    // read. A response it completed before is still complete; what it writes to us no longer
    // matters, so the connection is not reused.
    m_eof = true;
    m_broken = true;
    if (m_socket)
        m_socket->setReadEnabled(false); // level-triggered: the end would be reported forever
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
