#include <backend/http/http_request_parser.h>
#include <tests/support/test_upstream.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QPointer>
#include <QSemaphore>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

namespace ToolCapture {

namespace {

void hardReset(QTcpSocket *socket) {
    const linger hard{1, 0};
    ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    socket->abort();
}

} // namespace

// One upstream connection: parses requests and answers them as the behaviour says.
class TestUpstreamConnection final
    : public QObject
    , private HttpRequestParser::Handler {
public:
    TestUpstreamConnection(TestUpstream &owner, QTcpSocket *socket)
        : QObject(socket)
        , m_owner(owner)
        , m_socket(socket)
        , m_parser(*this, HttpRequestParser::Limits{1 << 20, 1 << 20, 1000}) {
        m_socket->setReadBufferSize(256 * 1024);
        connect(m_socket, &QTcpSocket::readyRead, this, &TestUpstreamConnection::onReadyRead);
        connect(m_socket, &QTcpSocket::bytesWritten, this, &TestUpstreamConnection::feedDownload);
        connect(m_socket, &QTcpSocket::disconnected, this, [this] {
            m_owner.m_open.fetch_sub(1);
            m_socket->deleteLater();
        });
    }

private:
    void onReadyRead() {
        while (m_socket->bytesAvailable() > 0 || !m_buffer.isEmpty()) {
            if (m_buffer.isEmpty()) {
                m_buffer = m_socket->read(256 * 1024);
                m_owner.m_bytes.fetch_add(m_buffer.size());
            }
            const qsizetype used = m_parser.feed(m_buffer.constData(), m_buffer.size());
            m_buffer.remove(0, used);
            using State = HttpRequestParser::State;
            if (m_parser.state() == State::Failed) {
                m_socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                m_socket->disconnectFromHost();
                return;
            }
            if (m_parser.state() == State::PausedAtHead) {
                if (!onHeadAccepted())
                    return;
                m_parser.resume();
            } else if (m_parser.state() == State::PausedAtEnd) {
                if (m_busy)
                    return; // answer the current request first
                m_parser.resume();
            } else if (used == 0) {
                return;
            }
        }
    }

    // Returns false when the connection is gone.
    bool onHeadAccepted() {
        const TestUpstream::Behaviour b = m_owner.behaviour();
        switch (b.mode) {
        case TestUpstream::Mode::CloseAfterRequest:
            m_socket->disconnectFromHost();
            return false;
        case TestUpstream::Mode::ResetAfterRequest:
            hardReset(m_socket);
            return false;
        default:
            return true;
        }
    }

    void onRequestHead(RequestHead &&head) override {
        m_owner.m_requests.fetch_add(1);
        m_head = std::move(head);
        m_bodyBytes = 0;
        m_checksum = 0;
        m_busy = true;
        QByteArray raw = m_head.method + ' ' + m_head.target + " HTTP/1." +
                         QByteArray::number(m_head.versionMinor) + "\r\n";
        for (const HttpHeader &h : m_head.headers)
            raw += h.name + ": " + h.value + "\r\n";
        m_owner.recordHead(raw);
    }

    void onRequestBody(const char *data, qsizetype size) override {
        m_bodyBytes += size;
        for (qsizetype i = 0; i < size; ++i)
            m_checksum = m_checksum * 31 + quint8(data[i]);
    }

    void onRequestComplete() override {
        m_owner.m_completed.fetch_add(1);
        m_owner.m_lastBody.store(m_bodyBytes);
        const TestUpstream::Behaviour b = m_owner.behaviour();
        switch (b.mode) {
        case TestUpstream::Mode::Echo:
            if (b.delayMs > 0) {
                QTimer::singleShot(b.delayMs, this, [this] { answerEcho(); });
            } else {
                answerEcho();
            }
            break;
        case TestUpstream::Mode::Raw:
            if (b.held) {
                holdRequest();
                break;
            }
            answerRaw(b);
            break;
        case TestUpstream::Mode::ResetMidBody:
            if (b.chunked) {
                m_socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3e8\r\n" +
                                QByteArray(1000, 'x') + "\r\n");
            } else {
                m_socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                m_socket->write(QByteArray(1000, 'x'));
            }
            m_socket->flush();
            QTimer::singleShot(b.delayMs > 0 ? b.delayMs : 20, m_socket,
                               [s = m_socket] { hardReset(s); });
            break;
        case TestUpstream::Mode::Hang:
            break;
        case TestUpstream::Mode::Download:
            m_downloadLeft = b.downloadBytes;
            m_downloadChunked = b.chunked;
            if (b.chunked)
                m_socket->write("HTTP/1.1 200 OK\r\n" + b.headers +
                                "Transfer-Encoding: chunked\r\n\r\n");
            else
                m_socket->write("HTTP/1.1 200 OK\r\n" + b.headers + "Content-Length: " +
                                QByteArray::number(b.downloadBytes) + "\r\n\r\n");
            feedDownload();
            break;
        case TestUpstream::Mode::Sink: {
            const QByteArray body = "{\"bytes\":" + QByteArray::number(m_bodyBytes) +
                                    ",\"checksum\":" + QByteArray::number(m_checksum) + "}";
            m_socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            "Content-Length: " +
                            QByteArray::number(body.size()) + "\r\n\r\n" + body);
            done();
            break;
        }
        case TestUpstream::Mode::CloseAfterRequest:
        case TestUpstream::Mode::ResetAfterRequest:
            break;
        }
    }

public:
    void answerRaw(const TestUpstream::Behaviour &b) {
        m_socket->write(b.raw);
        if (b.shutdownAfterResponse) {
            m_socket->flush();
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
            return;
        }
        if (b.closeAfterResponse) {
            m_socket->disconnectFromHost();
            return;
        }
        done();
    }

private:
    void holdRequest();

public:
    void answerEcho() {
        QJsonObject headers;
        for (const HttpHeader &h : m_head.headers) {
            const QString name = QString::fromLatin1(h.name).toLower();
            const QString value = QString::fromLatin1(h.value);
            headers[name] = headers.contains(name)
                                ? QJsonValue(headers[name].toString() + QLatin1String(", ") + value)
                                : QJsonValue(value);
        }
        const QJsonObject echo{{QStringLiteral("method"), QString::fromLatin1(m_head.method)},
                               {QStringLiteral("target"), QString::fromLatin1(m_head.target)},
                               {QStringLiteral("headers"), headers},
                               {QStringLiteral("body_bytes"), double(m_bodyBytes)},
                               {QStringLiteral("port"), int(m_owner.port())}};
        const QByteArray body = QJsonDocument(echo).toJson(QJsonDocument::Compact);
        m_socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                        QByteArray::number(body.size()) + "\r\n\r\n" + body);
        done();
    }

    void feedDownload() {
        while (m_downloadLeft > 0 && m_socket->bytesToWrite() < 512 * 1024) {
            const qint64 n = qMin<qint64>(m_downloadLeft, 64 * 1024);
            QByteArray chunk(n, char('a' + (m_downloadLeft / (64 * 1024)) % 26));
            if (m_downloadChunked)
                m_socket->write(QByteArray::number(n, 16) + "\r\n" + chunk + "\r\n");
            else
                m_socket->write(chunk);
            m_downloadLeft -= n;
            if (m_downloadLeft == 0) {
                if (m_downloadChunked)
                    m_socket->write("0\r\n\r\n");
                done();
            }
        }
    }

    void done() {
        m_busy = false;
        if (m_parser.state() == HttpRequestParser::State::PausedAtEnd)
            QTimer::singleShot(0, this, &TestUpstreamConnection::onReadyRead);
    }

    TestUpstream &m_owner;
    QTcpSocket *m_socket;
    HttpRequestParser m_parser;
    QByteArray m_buffer;
    RequestHead m_head;
    qint64 m_bodyBytes = 0;
    quint64 m_checksum = 0;
    qint64 m_downloadLeft = 0;
    bool m_downloadChunked = false;
    bool m_busy = false;
};

// The listening side, living in the upstream's thread.
class TestUpstreamServer final : public QObject {
public:
    explicit TestUpstreamServer(TestUpstream &owner)
        : m_owner(owner) {}
    quint16 listen() {
        m_server = new QTcpServer(this);
        m_server->listen(QHostAddress(QHostAddress::LocalHost), 0);
        connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server->nextPendingConnection()) {
                m_owner.m_connections.fetch_add(1);
                m_owner.m_open.fetch_add(1);
                new TestUpstreamConnection(m_owner, socket);
            }
        });
        return m_server->serverPort();
    }

    void hold(TestUpstreamConnection *connection) {
        m_heldConnections.push_back(connection);
        m_owner.m_held.fetch_add(1);
    }
    void releaseHeld() {
        TestUpstream::Behaviour b = m_owner.behaviour();
        b.held = false;
        m_owner.setBehaviour(b);
        const auto held = std::exchange(m_heldConnections, {});
        for (const QPointer<TestUpstreamConnection> &connection : held) {
            if (connection)
                connection->answerRaw(b);
        }
    }

private:
    TestUpstream &m_owner;
    QTcpServer *m_server = nullptr;
    std::vector<QPointer<TestUpstreamConnection>> m_heldConnections;
};

void TestUpstreamConnection::holdRequest() {
    m_owner.m_server->hold(this);
}

void TestUpstream::releaseHeld() {
    QMetaObject::invokeMethod(
        m_server, [server = m_server] { server->releaseHeld(); }, Qt::QueuedConnection);
}

TestUpstream::TestUpstream()
    : TestUpstream(Behaviour{}) {}

TestUpstream::TestUpstream(Behaviour behaviour)
    : m_behaviour(std::move(behaviour)) {
    m_thread.setObjectName(QStringLiteral("test-upstream"));
    m_thread.start();
    m_server = new TestUpstreamServer(*this);
    m_server->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_server, &QObject::deleteLater);
    QSemaphore ready;
    QMetaObject::invokeMethod(m_server, [this, &ready] {
        m_port = m_server->listen();
        ready.release();
    });
    ready.acquire();
}

TestUpstream::~TestUpstream() {
    m_thread.quit();
    m_thread.wait();
}

QByteArray TestUpstream::url() const {
    return "http://127.0.0.1:" + QByteArray::number(m_port);
}

void TestUpstream::setBehaviour(const Behaviour &behaviour) {
    QMutexLocker lock(&m_mutex);
    m_behaviour = behaviour;
}

TestUpstream::Behaviour TestUpstream::behaviour() const {
    QMutexLocker lock(&m_mutex);
    return m_behaviour;
}

QList<QByteArray> TestUpstream::heads() const {
    QMutexLocker lock(&m_mutex);
    return m_heads;
}

void TestUpstream::recordHead(const QByteArray &head) {
    QMutexLocker lock(&m_mutex);
    m_heads.append(head);
}

quint16 closedLoopbackPort() {
    QTcpServer server;
    server.listen(QHostAddress(QHostAddress::LocalHost), 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace ToolCapture
