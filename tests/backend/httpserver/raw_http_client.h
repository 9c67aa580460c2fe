#pragma once

#include <QByteArray>
#include <QEventLoop>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QTcpSocket>
#include <QTimer>

#include <optional>

namespace ToolCapture {

// One response as read off the wire by RawHttpClient.
struct RawHttpResponse {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const {
        for (const auto &header : headers) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

// A test client speaking HTTP/1.1 over a plain QTcpSocket, byte for byte as the test writes it,
// reading responses framed by Content-Length. Waits run the event loop (the server under test
// lives in the same thread); no sleeps.
class RawHttpClient {
public:
    RawHttpClient() {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket,
                         [this] { m_buffer += m_socket.readAll(); });
        QObject::connect(&m_socket, &QTcpSocket::errorOccurred, &m_socket,
                         [this] { m_failed = true; });
    }

    // False when refused or not connected within the time.
    bool connectTo(quint16 port, int timeoutMs = 5000) {
        m_failed = false;
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        waitUntil([this] { return isConnected() || m_failed; }, timeoutMs);
        return isConnected();
    }

    void send(const QByteArray &bytes) { m_socket.write(bytes); }

    // The next final response; nullopt on timeout or a close before it was complete.
    std::optional<RawHttpResponse> readResponse(bool toHead = false, int timeoutMs = 5000) {
        std::optional<RawHttpResponse> response;
        waitUntil(
            [&] {
                response = tryParse(toHead);
                return response.has_value() || !isConnected();
            },
            timeoutMs);
        if (!response)
            response = tryParse(toHead);
        return response;
    }

    // Sends one request and reads its response.
    std::optional<RawHttpResponse> exchange(const QByteArray &request, bool toHead = false) {
        send(request);
        return readResponse(toHead);
    }

    bool waitForDisconnected(int timeoutMs = 5000) {
        return waitUntil([this] { return !isConnected(); }, timeoutMs);
    }

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    // Bytes received and not yet returned as a response.
    const QByteArray &pending() const { return m_buffer; }
    QTcpSocket &socket() { return m_socket; }

private:
    template<typename Predicate>
    bool waitUntil(Predicate done, int timeoutMs) {
        QTimer deadline;
        deadline.setSingleShot(true);
        deadline.start(timeoutMs);
        while (!done()) {
            if (!deadline.isActive())
                return false;
            QEventLoop loop;
            QObject::connect(&m_socket, &QTcpSocket::readyRead, &loop, &QEventLoop::quit);
            QObject::connect(&m_socket, &QTcpSocket::stateChanged, &loop, &QEventLoop::quit);
            QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
            loop.exec();
        }
        return true;
    }

    std::optional<RawHttpResponse> tryParse(bool toHead) {
        for (;;) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return std::nullopt;
            const QList<QByteArray> lines = m_buffer.left(end).split('\n');
            RawHttpResponse response;
            const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
            if (statusLine.size() < 2 || !statusLine.first().startsWith("HTTP/1."))
                return std::nullopt;
            response.status = statusLine.at(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines.at(i).trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    response.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
            }
            const qsizetype bodyStart = end + 4;
            if (response.status >= 100 && response.status < 200) {
                m_buffer.remove(0, bodyStart); // interim response: skip it
                continue;
            }
            const qsizetype length = toHead || response.status == 204 || response.status == 304
                                         ? 0
                                         : response.header("Content-Length").toLongLong();
            if (m_buffer.size() - bodyStart < length)
                return std::nullopt;
            response.body = m_buffer.mid(bodyStart, length);
            m_buffer.remove(0, bodyStart + length);
            return response;
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    bool m_failed = false;
};

} // namespace ToolCapture
