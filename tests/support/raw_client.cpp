#include <backend/http/http_response_parser.h>
#include <tests/support/raw_client.h>

#include <QDeadlineTimer>
#include <QHostAddress>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {

struct Collector : HttpResponseParser::Handler {
    RawResponse response;
    bool final = false;
    void onResponseHead(ResponseHead &&head) override {
        if (head.status >= 200) {
            response.status = head.status;
            response.headers = std::move(head.headers);
        }
    }
    void onResponseBody(const char *data, qsizetype size) override {
        response.body.append(data, size);
    }
    void onResponseComplete() override {
        if (response.status >= 200)
            final = true;
    }
};

} // namespace

QByteArray RawResponse::header(QByteArrayView name) const {
    const HttpHeader *h = findHeader(headers, name);
    return h ? h->value : QByteArray();
}

RawClient::RawClient(quint16 port, int timeoutMs)
    : m_timeoutMs(timeoutMs) {
    m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    m_socket.waitForConnected(timeoutMs);
}

bool RawClient::isConnected() const {
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void RawClient::send(QByteArrayView bytes) {
    m_socket.write(bytes.data(), bytes.size());
    m_socket.waitForBytesWritten(m_timeoutMs);
}

void RawClient::reset() {
    const qintptr fd = m_socket.socketDescriptor();
    if (fd >= 0) {
        const linger hard{1, 0};
        ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    m_socket.abort();
}

RawResponse RawClient::read(QByteArrayView method) {
    Collector collector;
    HttpResponseParser::Limits limits;
    limits.maxHeaderBytes = 1 << 20;
    HttpResponseParser parser(collector, limits);
    parser.expectResponseTo(method);
    QByteArray buffer = std::exchange(m_pending, QByteArray());
    for (;;) {
        if (!buffer.isEmpty()) {
            const qsizetype used = parser.feed(buffer.constData(), buffer.size());
            buffer.remove(0, used);
            if (parser.state() == HttpResponseParser::State::Failed)
                return collector.response;
            if (collector.final) {
                m_pending = buffer;
                collector.response.complete = true;
                return collector.response;
            }
        }
        if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(m_timeoutMs)) {
            if (m_socket.state() != QAbstractSocket::ConnectedState) {
                parser.finish();
                collector.response.complete = collector.final;
            }
            return collector.response;
        }
        buffer.append(m_socket.readAll());
    }
}

bool RawClient::waitForClose(int timeoutMs) {
    if (m_socket.state() == QAbstractSocket::UnconnectedState)
        return true;
    while (m_socket.waitForReadyRead(timeoutMs))
        m_socket.readAll();
    return m_socket.state() == QAbstractSocket::UnconnectedState;
}

RawResponse RawClient::roundTrip(QByteArrayView request, QByteArrayView method) {
    send(request);
    return read(method);
}

int connectLoopback(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

RawTranscript sendAndReadToEnd(quint16 port, QByteArrayView request, int timeoutMs,
                               bool halfClose) {
    RawTranscript transcript;
    const int fd = connectLoopback(port);
    if (fd < 0)
        return transcript;
    qsizetype sent = 0;
    while (sent < request.size()) {
        const ssize_t n =
            ::send(fd, request.data() + sent, size_t(request.size() - sent), MSG_NOSIGNAL);
        if (n <= 0)
            break; // the server may refuse before reading everything: read what it said
        sent += n;
    }
    if (halfClose)
        ::shutdown(fd, SHUT_WR);
    const QDeadlineTimer deadline(timeoutMs);
    char buffer[64 * 1024];
    while (!deadline.hasExpired()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(qMax<qint64>(deadline.remainingTime(), 0))) <= 0)
            break;
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            transcript.bytes.append(buffer, n);
            continue;
        }
        if (n == 0)
            transcript.closed = true;
        else
            transcript.reset = errno == ECONNRESET;
        break;
    }
    ::close(fd);
    return transcript;
}

QByteArray simpleGet(QByteArrayView target, QByteArrayView extraHeaders) {
    QByteArray out = "GET ";
    out.append(target).append(" HTTP/1.1\r\nHost: test\r\n").append(extraHeaders).append("\r\n");
    return out;
}

} // namespace ToolCapture
