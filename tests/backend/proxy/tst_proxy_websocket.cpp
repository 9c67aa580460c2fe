// WebSocket pass-through (RFC 6455 section 4 over RFC 9110 section 7.8): the upgrade request
// is forwarded with its Upgrade field, an upstream's 101 turns both connections into a tunnel,
// and everything else about Upgrade stays as it was (h2c stripped, HTTP/1.0 never upgrades, an
// unasked 101 is a 502).
#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/events/proxy_events.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/upgrade_tunnel.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/process_stats.h>
#include <tests/support/raw_client.h>

#include <QTest>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

constexpr QByteArrayView kSwitch = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

QByteArray upgradeRequest(QByteArrayView version = "1.1", QByteArrayView upgrade = "websocket",
                          QByteArrayView method = "GET") {
    return method.toByteArray() + " /ws/events HTTP/" + version.toByteArray() +
           "\r\nHost: test\r\nConnection: keep-alive, Upgrade\r\nUpgrade: " +
           upgrade.toByteArray() +
           "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

bool sendAll(int fd, QByteArrayView data) {
    const char *at = data.data();
    qsizetype left = data.size();
    while (left > 0) {
        const ssize_t n = ::send(fd, at, size_t(left), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        at += n;
        left -= n;
    }
    return true;
}

void resetAndClose(int fd) {
    const linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
}

// What a blocking socket read: bytes, and how it ended (if it did within the timeout).
struct Received {
    QByteArray bytes;
    bool ended = false; // FIN or reset
    bool reset = false;
};

// Reads until `bytes` holds `size` bytes, the peer ends the connection or `timeoutMs` passes.
Received readAtLeast(int fd, qsizetype size, int timeoutMs = 10000) {
    Received r;
    char buffer[16384];
    while (r.bytes.size() < size) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) != 1)
            return r;
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            r.ended = true;
            r.reset = n < 0;
            return r;
        }
        r.bytes.append(buffer, n);
    }
    return r;
}

Received readToEnd(int fd, int timeoutMs = 10000) {
    return readAtLeast(fd, std::numeric_limits<qsizetype>::max(), timeoutMs);
}

// Reads a response head (up to its blank line); what came after it is left in `rest`.
QByteArray readHead(int fd, QByteArray &rest) {
    QByteArray bytes;
    char c;
    while (!bytes.endsWith("\r\n\r\n")) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) != 1 || ::recv(fd, &c, 1, 0) != 1)
            return bytes;
        bytes.append(c);
    }
    rest.clear();
    return bytes;
}

bool headHas(QByteArrayView head, QByteArrayView line) {
    return head.toByteArray().toLower().contains(line.toByteArray().toLower());
}

// A WebSocket-ish upstream on 127.0.0.1: reads a request head, answers it as its mode says
// and then copies bytes (it knows nothing of frames). Blocking sockets, a thread per
// connection, all joined at destruction.
class WebSocketUpstream {
public:
    // In every mode a request without "Upgrade: websocket" is answered 200 "plain" and the
    // connection kept for the next request.
    enum class Mode {
        Echo,      // 101, then echo; a FIN is answered with a FIN once all was echoed
        HalfClose, // 101 and "bye", then shut down its sending side; reads until the end
        Reset,     // 101, then a reset once a byte came through (so the 101 was read)
        Refuse,    // 426 with a body, keep-alive; reads until the end
    };

    explicit WebSocketUpstream(Mode mode)
        : m_mode(mode) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int on = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_listen, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(m_listen, 16);
        socklen_t length = sizeof address;
        ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { acceptLoop(); });
    }
    ~WebSocketUpstream() {
        ::shutdown(m_listen, SHUT_RDWR);
        m_acceptor.join();
        {
            std::lock_guard lock(m_mutex);
            for (int fd : m_fds)
                ::shutdown(fd, SHUT_RDWR);
        }
        for (std::thread &t : m_threads)
            t.join();
        for (int fd : m_fds)
            ::close(fd);
        ::close(m_listen);
    }

    quint16 port() const { return m_port; }
    int connections() const { return m_connections.load(); }
    int ended() const { return m_ended.load(); } // connections it saw end
    int plainRequests() const { return m_plainRequests.load(); }
    qint64 received() const { return m_received.load(); } // bytes after the heads
    bool sawReset() const { return m_sawReset.load(); }
    QByteArray firstHead() const {
        std::lock_guard lock(m_mutex);
        return m_heads.isEmpty() ? QByteArray() : m_heads.first();
    }

private:
    void acceptLoop() {
        for (;;) {
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                return;
            ++m_connections;
            std::lock_guard lock(m_mutex);
            m_fds.push_back(fd);
            m_threads.emplace_back([this, fd] { serve(fd); });
        }
    }

    void serve(int fd) {
        QByteArray in;
        char buffer[65536];
        qsizetype end = -1;
        for (;;) {
            while ((end = in.indexOf("\r\n\r\n")) < 0) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0)
                    return finish(fd, n < 0);
                in.append(buffer, n);
            }
            if (headHas(in.first(end + 4), "\r\nupgrade: websocket\r\n"))
                break;
            ++m_plainRequests;
            if (!sendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain"))
                return finish(fd, true);
            in.remove(0, end + 4);
        }
        {
            std::lock_guard lock(m_mutex);
            m_heads.append(in.first(end + 4));
        }
        const QByteArray early = in.sliced(end + 4);
        m_received += early.size();
        switch (m_mode) {
        case Mode::Refuse:
            sendAll(fd, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 7\r\n\r\nrefused");
            drain(fd);
            return;
        case Mode::Reset:
            sendAll(fd, kSwitch);
            if (early.isEmpty() && ::recv(fd, buffer, 1, 0) != 1)
                return finish(fd, true);
            resetAndClose(fd);
            {
                std::lock_guard lock(m_mutex);
                std::erase(m_fds, fd);
            }
            ++m_ended;
            return;
        case Mode::HalfClose:
            sendAll(fd, QByteArray(kSwitch.toByteArray()) + "bye");
            ::shutdown(fd, SHUT_WR);
            drain(fd);
            return;
        case Mode::Echo:
            sendAll(fd, kSwitch);
            if (!sendAll(fd, early))
                return finish(fd, true);
            for (;;) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    if (n == 0)
                        ::shutdown(fd, SHUT_WR);
                    return finish(fd, n < 0);
                }
                m_received += n;
                if (!sendAll(fd, QByteArrayView(buffer, n)))
                    return finish(fd, true);
            }
        }
    }

    void drain(int fd) {
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                return finish(fd, n < 0);
            m_received += n;
        }
    }

    void finish(int fd, bool reset) {
        if (reset)
            m_sawReset = true;
        ::shutdown(fd, SHUT_RDWR);
        ++m_ended;
    }

    Mode m_mode;
    int m_listen = -1;
    quint16 m_port = 0;
    std::thread m_acceptor;
    mutable std::mutex m_mutex;
    std::vector<std::thread> m_threads;
    std::vector<int> m_fds; // the connections' descriptors, closed at destruction
    QList<QByteArray> m_heads;
    std::atomic<int> m_connections{0};
    std::atomic<int> m_ended{0};
    std::atomic<int> m_plainRequests{0};
    std::atomic<qint64> m_received{0};
    std::atomic<bool> m_sawReset{false};
};

// An RFC 6455 frame with `payload` bytes of text, masked as a client sends it.
QByteArray maskedFrame(unsigned char opcode, qsizetype payload, bool fin = true) {
    QByteArray out;
    out.append(char((fin ? 0x80 : 0) | opcode));
    if (payload < 126) {
        out.append(char(0x80 | payload));
    } else if (payload <= 0xFFFF) {
        out.append(char(0x80 | 126)).append(char(payload >> 8)).append(char(payload & 0xFF));
    } else {
        out.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((quint64(payload) >> shift) & 0xFF));
    }
    const char key[4] = {0x11, 0x22, 0x33, 0x44};
    out.append(key, 4);
    for (qsizetype i = 0; i < payload; ++i)
        out.append(char(('a' + i % 26) ^ key[i % 4]));
    return out;
}

// A ProxyServer capturing into `queue`, in front of one WebSocket service on `port`.
std::unique_ptr<ProxyServer> startCapturingProxy(quint16 port, CaptureQueue &queue,
                                                 const CaptureHeaderFilter &filter) {
    ProxyConfig config = testConfig();
    config.listen.port = 0;
    config.services.push_back(makeService({"ws", "/ws/", {port}}, config));
    auto server = std::make_unique<ProxyServer>(config);
    ProxyCapture capture;
    capture.queue = &queue;
    capture.filter = &filter;
    capture.maxBodyBytes = 1024;
    capture.maxResponseBodyBytes = 1024;
    server->setCapture(capture);
    if (!server->listen())
        return nullptr;
    return server;
}

// A client connected through the proxy whose upgrade was answered: `fd` is in the tunnel.
struct Tunnelled {
    int fd = -1;
    QByteArray head; // the 101 as the client got it
    ~Tunnelled() {
        if (fd >= 0)
            ::close(fd);
    }
};

} // namespace

class TestProxyWebSocket : public QObject {
    Q_OBJECT
private slots:
    void echoRoundTrip_data();
    void echoRoundTrip();
    void halfClose_data();
    void halfClose();
    void reset_data();
    void reset();
    void idleTimeoutOnManualClock();
    void refusedUpgradeKeepsClientOnHttp();
    void otherUpgradesAreStripped_data();
    void otherUpgradesAreStripped();
    void unaskedSwitchIsBadGateway_data();
    void unaskedSwitchIsBadGateway();
    void captureAtTunnelEnd();
    void metricsAndPermit();
    void tunnelsCountAgainstMaxConnections();
    void tunnelGivesItsPlaceBack_data();
    void tunnelGivesItsPlaceBack();
    void retriedOnlyBeforeSending();
    void largeTransferBothWaysWithBoundedMemory();
    void messagesCountedEachWay();
    void malformedFramesStillRelayed();

private:
    // Connects, sends the upgrade request (and `early` in the same write) and reads the 101.
    static bool open(quint16 port, Tunnelled &tunnel, QByteArrayView early = {}) {
        tunnel.fd = connectLoopback(port);
        if (tunnel.fd < 0 || !sendAll(tunnel.fd, upgradeRequest() + early.toByteArray()))
            return false;
        QByteArray rest;
        tunnel.head = readHead(tunnel.fd, rest);
        return tunnel.head.startsWith("HTTP/1.1 101 ");
    }
};

void TestProxyWebSocket::echoRoundTrip_data() {
    QTest::addColumn<QByteArray>("early");
    QTest::newRow("frames after the 101") << QByteArray();
    // A masked text frame "hi" sent right behind the request head, before any answer.
    QTest::newRow("early frame before the 101")
        << QByteArray("\x81\x82\x01\x02\x03\x04\x69\x6b", 8);
}

void TestProxyWebSocket::echoRoundTrip() {
    QFETCH(QByteArray, early);
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel, early));
    // The 101 as the client gets it: the upgrade fields, the end-to-end ones and the proxy's.
    QVERIFY2(headHas(tunnel.head, "\r\nupgrade: websocket\r\n"), tunnel.head.constData());
    QVERIFY(headHas(tunnel.head, "\r\nconnection: upgrade\r\n"));
    QVERIFY(headHas(tunnel.head, "\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    QVERIFY(headHas(tunnel.head, "\r\nvia: 1.1 toolcapture\r\n"));
    QVERIFY(headHas(tunnel.head, "\r\nx-correlation-id: "));
    QVERIFY(!headHas(tunnel.head, "content-length") && !headHas(tunnel.head, "transfer-encoding"));
    // The upgrade request as the upstream got it.
    const QByteArray head = upstream.firstHead();
    QVERIFY2(headHas(head, "\r\nupgrade: websocket\r\n"), head.constData());
    QVERIFY(headHas(head, "\r\nconnection: upgrade\r\n"));
    QVERIFY(!headHas(head, "keep-alive"));
    QVERIFY(headHas(head, "\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    QVERIFY(headHas(head, "\r\nsec-websocket-version: 13\r\n"));

    // The early bytes come back first, then what follows, in order.
    const QByteArray message("\x81\x85\x11\x22\x33\x44hello", 11);
    QVERIFY(sendAll(tunnel.fd, message));
    const Received echoed = readAtLeast(tunnel.fd, early.size() + message.size());
    QCOMPARE(echoed.bytes, early + message);
    for (int i = 0; i < 20; ++i) {
        const QByteArray more = "frame-" + QByteArray::number(i);
        QVERIFY(sendAll(tunnel.fd, more));
        QCOMPARE(readAtLeast(tunnel.fd, more.size()).bytes, more);
    }
    QCOMPARE(upstream.connections(), 1);
}

void TestProxyWebSocket::halfClose_data() {
    QTest::addColumn<bool>("clientFirst");
    QTest::newRow("client half-closes") << true;
    QTest::newRow("upstream half-closes") << false;
}

void TestProxyWebSocket::halfClose() {
    QFETCH(bool, clientFirst);
    WebSocketUpstream upstream(clientFirst ? WebSocketUpstream::Mode::Echo
                                           : WebSocketUpstream::Mode::HalfClose);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel));
    if (clientFirst) {
        // What was sent before the FIN is still echoed, and then the upstream's FIN arrives.
        QVERIFY(sendAll(tunnel.fd, "last words"));
        ::shutdown(tunnel.fd, SHUT_WR);
        const Received rest = readToEnd(tunnel.fd);
        QCOMPARE(rest.bytes, QByteArray("last words"));
        QVERIFY(rest.ended);
        QVERIFY(!rest.reset);
    } else {
        // The upstream's FIN follows its last bytes; the other direction stays open.
        const Received rest = readToEnd(tunnel.fd);
        QCOMPARE(rest.bytes, QByteArray("bye"));
        QVERIFY(rest.ended);
        QVERIFY(!rest.reset);
        QVERIFY(sendAll(tunnel.fd, "still talking"));
        QTRY_COMPARE(upstream.received(), qint64(13));
        ::shutdown(tunnel.fd, SHUT_WR);
    }
    QTRY_COMPARE(upstream.ended(), 1);
    QVERIFY(!upstream.sawReset());
    QTRY_COMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
    const auto ended = proxy->metrics().totals().tunnelsEnded;
    QCOMPARE(ended[clientFirst ? 0 : 1], 1u); // client-closed, upstream-closed
}

void TestProxyWebSocket::reset_data() {
    QTest::addColumn<bool>("clientResets");
    QTest::newRow("client resets") << true;
    QTest::newRow("upstream resets") << false;
}

void TestProxyWebSocket::reset() {
    QFETCH(bool, clientResets);
    WebSocketUpstream upstream(clientResets ? WebSocketUpstream::Mode::Echo
                                            : WebSocketUpstream::Mode::Reset);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel));
    if (clientResets) {
        QVERIFY(sendAll(tunnel.fd, "x"));
        QCOMPARE(readAtLeast(tunnel.fd, 1).bytes, QByteArray("x"));
        resetAndClose(tunnel.fd);
        tunnel.fd = -1;
        // The upstream's connection ends too (reset: the proxy passes the abort on).
        QTRY_COMPARE(upstream.ended(), 1);
        QVERIFY(upstream.sawReset());
    } else {
        QVERIFY(sendAll(tunnel.fd, "x")); // the upstream resets when it gets it
        const Received rest = readToEnd(tunnel.fd);
        QVERIFY(rest.ended);
        QVERIFY(rest.reset);
    }
    QTRY_COMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
    QCOMPARE(proxy->metrics().totals().tunnelsEnded[clientResets ? 3 : 4], 1u);
}

void TestProxyWebSocket::idleTimeoutOnManualClock() {
    ManualClock clock;
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    ProxyConfig config = testConfig();
    config.timeouts.tunnelIdle = 1000ms;
    auto proxy = startProxy(config, {{"ws", "/ws/", {upstream.port()}}}, &clock);
    QVERIFY(proxy);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel));
    QVERIFY(sendAll(tunnel.fd, "a"));
    QCOMPARE(readAtLeast(tunnel.fd, 1).bytes, QByteArray("a"));
    clock.advance(999ms);
    QVERIFY(checkDeadlines(*proxy));
    // Activity just before the deadline: when it comes it is armed again, not enforced.
    QVERIFY(sendAll(tunnel.fd, "b"));
    QCOMPARE(readAtLeast(tunnel.fd, 1).bytes, QByteArray("b"));
    clock.advance(2ms);
    QVERIFY(checkDeadlines(*proxy));
    QVERIFY(sendAll(tunnel.fd, "c"));
    QCOMPARE(readAtLeast(tunnel.fd, 1).bytes, QByteArray("c"));
    QCOMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(1));
    // A whole idle period: both connections are closed.
    clock.advance(1001ms);
    QVERIFY(checkDeadlines(*proxy));
    const Received rest = readToEnd(tunnel.fd);
    QVERIFY(rest.ended);
    QVERIFY(rest.bytes.isEmpty());
    QTRY_COMPARE(upstream.ended(), 1);
    QTRY_COMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
    QCOMPARE(proxy->metrics().totals().tunnelsEnded[2], 1u); // idle-timeout
}

void TestProxyWebSocket::refusedUpgradeKeepsClientOnHttp() {
    WebSocketUpstream refusing(WebSocketUpstream::Mode::Refuse);
    TestUpstream plain;
    auto proxy = startProxy(
        testConfig(), {{"ws", "/ws/", {refusing.port()}}, {"plain", "/plain/", {plain.port()}}});
    QVERIFY(proxy);
    RawClient client(proxy->port());
    const RawResponse refused = client.roundTrip(upgradeRequest());
    QVERIFY(refused.complete);
    QCOMPARE(refused.status, 426);
    QCOMPARE(refused.body, QByteArray("refused"));
    QVERIFY(refused.header("connection").isEmpty()); // kept alive, no upgrade
    // The client's connection is still HTTP: the next request is answered.
    const RawResponse next = client.roundTrip(simpleGet("/plain/next"));
    QVERIFY(next.complete);
    QCOMPARE(next.status, 200);
    // The connection that carried the upgrade request was not kept for another request.
    QTRY_COMPARE(refusing.ended(), 1);
    QCOMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
}

void TestProxyWebSocket::otherUpgradesAreStripped_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("h2c") << upgradeRequest("1.1", "h2c");
    QTest::newRow("websocket among others") << upgradeRequest("1.1", "websocket, h2c");
    QTest::newRow("HTTP/1.0") << upgradeRequest("1.0");
    QTest::newRow("POST") << QByteArray(upgradeRequest("1.1", "websocket", "POST"))
                                 .replace("\r\n\r\n", "\r\nContent-Length: 2\r\n\r\nhi");
}

void TestProxyWebSocket::otherUpgradesAreStripped() {
    QFETCH(QByteArray, request);
    TestUpstream upstream;
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    RawClient client(proxy->port());
    const RawResponse response = client.roundTrip(request);
    QVERIFY(response.complete);
    QCOMPARE(response.status, 200); // forwarded as a plain request, answered as one
    QCOMPARE(upstream.heads().size(), 1);
    const QByteArray head = upstream.heads().first();
    QVERIFY2(!headHas(head, "\r\nupgrade:"), head.constData());
    QVERIFY(!headHas(head, "\r\nconnection:"));
    QVERIFY(headHas(head, "\r\nsec-websocket-key:")); // end-to-end fields pass as always
}

void TestProxyWebSocket::unaskedSwitchIsBadGateway_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("answer");
    QTest::newRow("101 to a plain GET") << simpleGet("/ws/plain") << kSwitch.toByteArray();
    QTest::newRow("101 to h2c to a websocket request")
        << upgradeRequest()
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
                      "Connection: Upgrade\r\n\r\n");
    QTest::newRow("101 without Upgrade")
        << upgradeRequest() << QByteArray("HTTP/1.1 101 Switching Protocols\r\n\r\n");
}

void TestProxyWebSocket::unaskedSwitchIsBadGateway() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, answer);
    TestUpstream::Behaviour behaviour;
    behaviour.mode = TestUpstream::Mode::Raw;
    behaviour.raw = answer;
    TestUpstream upstream(behaviour);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    RawClient client(proxy->port());
    const RawResponse response = client.roundTrip(request);
    QVERIFY(response.complete);
    QCOMPARE(response.status, 502);
    QCOMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
}

void TestProxyWebSocket::captureAtTunnelEnd() {
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    ProxyConfig config = testConfig();
    config.listen.port = 0;
    config.services.push_back(makeService({"ws", "/ws/", {upstream.port()}}, config));
    ProxyServer server(config);
    CaptureQueue queue(1, 1000);
    const CaptureHeaderFilter filter(QStringList{QStringLiteral("sec-websocket-accept")});
    ProxyCapture capture;
    capture.queue = &queue;
    capture.filter = &filter;
    capture.maxBodyBytes = 1024;
    capture.maxResponseBodyBytes = 1024;
    server.setCapture(capture);
    QVERIFY(server.listen());

    Tunnelled tunnel;
    const QByteArray early("early!");
    QVERIFY(open(server.port(), tunnel, early));
    QVERIFY(sendAll(tunnel.fd, "0123456789"));
    QCOMPARE(readAtLeast(tunnel.fd, 16).bytes, early + "0123456789");
    std::vector<CaptureRecord> records;
    queue.drain(records);
    QVERIFY(records.empty()); // captured once, when the tunnel ends
    ::shutdown(tunnel.fd, SHUT_WR);
    QVERIFY(readToEnd(tunnel.fd).ended);
    QTRY_VERIFY(([&] {
        queue.drain(records);
        return !records.empty();
    }()));
    QCOMPARE(records.size(), size_t(1));
    const CaptureRecord &record = records.front();
    QCOMPARE(record.status, 101);
    QCOMPARE(record.method, QByteArray("GET"));
    QCOMPARE(record.tunnelEnd, QByteArray("client-closed"));
    QVERIFY(!record.replayable);                      // a replay cannot open a tunnel
    QCOMPARE(record.requestBytes, std::int64_t(16));  // client to upstream, after the heads
    QCOMPARE(record.responseBytes, std::int64_t(16)); // upstream to client, after the 101 head
    QVERIFY(record.proxyError.isEmpty());
    QVERIFY(record.firstByteUs >= 0);
    QVERIFY(record.doneUs >= record.firstByteUs);
    QCOMPARE(record.instance, QStringLiteral("ws-1"));
    bool acceptCaptured = false;
    for (const CapturedHeader &header : record.responseHeaders)
        acceptCaptured |= header.name.toLower() == "sec-websocket-accept";
    QVERIFY(acceptCaptured);
}

void TestProxyWebSocket::metricsAndPermit() {
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    QCOMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
    {
        Tunnelled first;
        Tunnelled second;
        QVERIFY(open(proxy->port(), first));
        QVERIFY(open(proxy->port(), second));
        QVERIFY(sendAll(second.fd, "x"));
        QCOMPARE(readAtLeast(second.fd, 1).bytes, QByteArray("x"));
        const ProxyTotals totals = proxy->metrics().totals();
        QCOMPARE(totals.tunnelsActive, std::int64_t(2));
        // The 101 was the instance's answer: the tunnels hold no request slot.
        QCOMPARE(totals.instances[0].inFlight, std::int64_t(0));
        QCOMPARE(totals.instances[0].responses[1], 2u);
        QCOMPARE(upstream.connections(), 2); // one fresh connection each
    }
    QTRY_COMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
    QCOMPARE(proxy->metrics().totals().tunnelsEnded[0], 2u); // client-closed
}

void TestProxyWebSocket::tunnelsCountAgainstMaxConnections() {
    // On a manual clock: a request waits for a place until the test says its wait is over.
    ManualClock clock;
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    ProxyConfig config = testConfig();
    config.pool.maxConnections = 2;
    config.pool.maxIdle = 2;
    auto proxy = startProxy(config, {{"ws", "/ws/", {upstream.port()}}}, &clock);
    QVERIFY(proxy);
    const UpstreamInstance &instance = proxy->registry().instance(0);
    const Bulkhead &bulkhead = proxy->runtime().bulkhead(0);
    const auto poolWait = config.timeouts.connect; // the service's connect timeout bounds it
    const auto poolActive = [&] { return proxy->metrics().totals().instances[0].poolActive; };

    auto first = std::make_unique<Tunnelled>();
    Tunnelled second;
    QVERIFY(open(proxy->port(), *first));
    QVERIFY(open(proxy->port(), second));
    QCOMPARE(instance.openConnections(), 2);
    QCOMPARE(poolActive(), std::int64_t(2));

    // A third upgrade and a plain request find the instance's connections taken: each waits
    // for a place and gets the pool's 503 when its wait is over, without a connection opened.
    const std::pair<QByteArray, QByteArray> beyond[] = {{upgradeRequest(), "upgrade"},
                                                        {simpleGet("/ws/plain"), "plain"}};
    for (const auto &[request, what] : beyond) {
        RawClient client(proxy->port());
        const std::uint64_t entered = bulkhead.pendingEntered();
        client.send(request);
        QTRY_COMPARE(bulkhead.pendingEntered(), entered + 1);
        QCOMPARE(bulkhead.pending(), 1);
        clock.advance(poolWait);
        QVERIFY(checkDeadlines(*proxy));
        const RawResponse response = client.read();
        QVERIFY2(response.complete, what.constData());
        QCOMPARE(response.status, 503);
        QVERIFY(response.body.contains("urn:toolcapture:problem:pool-exhausted"));
        QCOMPARE(bulkhead.pending(), 0);
    }
    QCOMPARE(upstream.connections(), 2);
    QCOMPARE(upstream.plainRequests(), 0);
    QCOMPARE(instance.openConnections(), 2);

    // A request waiting when a tunnel ends gets its place.
    RawClient waiting(proxy->port());
    const std::uint64_t entered = bulkhead.pendingEntered();
    waiting.send(simpleGet("/ws/after"));
    QTRY_COMPARE(bulkhead.pendingEntered(), entered + 1);
    ::shutdown(first->fd, SHUT_WR); // the echo upstream answers with its FIN: a clean end
    QVERIFY(readToEnd(first->fd).ended);
    const RawResponse served = waiting.read();
    QVERIFY(served.complete);
    QCOMPARE(served.status, 200);
    QCOMPARE(served.body, QByteArray("plain"));
    QCOMPARE(upstream.connections(), 3);
    QCOMPARE(proxy->metrics().totals().tunnelsEnded[0], 1u);
    // Kept for reuse: the idle connection and the open tunnel fill the instance's two places.
    QTRY_COMPARE(poolActive(), std::int64_t(1));
    QCOMPARE(instance.openConnections(), 2);

    // An upgrade needs a connection of its own: the idle one is closed to make room for it.
    Tunnelled third;
    QVERIFY(open(proxy->port(), third));
    QVERIFY(sendAll(third.fd, "x"));
    QCOMPARE(readAtLeast(third.fd, 1).bytes, QByteArray("x"));
    QCOMPARE(upstream.connections(), 4);
    QCOMPARE(instance.openConnections(), 2);
    QCOMPARE(poolActive(), std::int64_t(2));

    first.reset();
    ::shutdown(second.fd, SHUT_WR);
    ::shutdown(third.fd, SHUT_WR);
    QVERIFY(readToEnd(second.fd).ended);
    QVERIFY(readToEnd(third.fd).ended);
    QTRY_COMPARE(instance.openConnections(), 0);
    QTRY_COMPARE(poolActive(), std::int64_t(0));
    QCOMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
}

void TestProxyWebSocket::tunnelGivesItsPlaceBack_data() {
    QTest::addColumn<int>("reason"); // UpgradeTunnel::End
    for (const UpgradeTunnel::End end :
         {UpgradeTunnel::End::ClientClosed, UpgradeTunnel::End::UpstreamClosed,
          UpgradeTunnel::End::IdleTimeout, UpgradeTunnel::End::ClientReset,
          UpgradeTunnel::End::UpstreamReset, UpgradeTunnel::End::Shutdown})
        QTest::newRow(UpgradeTunnel::toString(end)) << int(end);
}

void TestProxyWebSocket::tunnelGivesItsPlaceBack() {
    QFETCH(int, reason);
    const auto end = UpgradeTunnel::End(reason);
    using End = UpgradeTunnel::End;
    ManualClock clock;
    const WebSocketUpstream::Mode mode =
        end == End::UpstreamClosed  ? WebSocketUpstream::Mode::HalfClose
        : end == End::UpstreamReset ? WebSocketUpstream::Mode::Reset
                                    : WebSocketUpstream::Mode::Echo;
    WebSocketUpstream upstream(mode);
    ProxyConfig config = testConfig();
    config.pool.maxConnections = 1;
    config.timeouts.tunnelIdle = 1000ms;
    auto proxy = startProxy(config, {{"ws", "/ws/", {upstream.port()}}}, &clock);
    QVERIFY(proxy);
    const UpstreamInstance &instance = proxy->registry().instance(0);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel));
    QCOMPARE(instance.openConnections(), 1);
    switch (end) {
    case End::ClientClosed:
        ::shutdown(tunnel.fd, SHUT_WR);
        QVERIFY(readToEnd(tunnel.fd).ended);
        break;
    case End::UpstreamClosed:
        QCOMPARE(readToEnd(tunnel.fd).bytes, QByteArray("bye"));
        ::shutdown(tunnel.fd, SHUT_WR);
        break;
    case End::IdleTimeout:
        clock.advance(1001ms);
        QVERIFY(checkDeadlines(*proxy));
        QVERIFY(readToEnd(tunnel.fd).ended);
        break;
    case End::ClientReset:
        resetAndClose(tunnel.fd);
        tunnel.fd = -1;
        break;
    case End::UpstreamReset:
        QVERIFY(sendAll(tunnel.fd, "x"));
        QVERIFY(readToEnd(tunnel.fd).reset);
        break;
    case End::Shutdown: {
        QSignalSpy drained(proxy.get(), &ProxyServer::drained);
        QVERIFY(drained.isValid());
        proxy->drain(10000ms);
        QVERIFY(drained.wait(10000));
        break;
    }
    }
    QTRY_COMPARE(proxy->metrics().totals().tunnelsEnded[size_t(reason)], 1u);
    QTRY_COMPARE(instance.openConnections(), 0);
    QTRY_COMPARE(proxy->metrics().totals().instances[0].poolActive, std::int64_t(0));
    if (end == End::Shutdown)
        return; // no new connection is taken any more
    // Given back once: the place is the next upgrade's, and there is one place only.
    Tunnelled next;
    QVERIFY(open(proxy->port(), next));
    QCOMPARE(instance.openConnections(), 1);
    QCOMPARE(proxy->metrics().totals().instances[0].poolActive, std::int64_t(1));
}

void TestProxyWebSocket::retriedOnlyBeforeSending() {
    ProxyConfig config = testConfig();
    config.retry.maxAttempts = 3;
    config.retry.baseDelay = 1ms;
    // Load only: two idle instances score alike, so either may be tried first.
    config.routing.latencyWeight = 0;
    config.routing.reliabilityWeight = 0;
    config.routing.loadWeight = 1;
    config.routing.compatibilityWeight = 0;
    {
        // Written, then reset: the upstream may have acted on it, so it is not sent again, even
        // though a plain GET would be (both instances reset; a retry would reach the other).
        TestUpstream::Behaviour resets;
        resets.mode = TestUpstream::Mode::ResetAfterRequest;
        TestUpstream first(resets);
        TestUpstream second(resets);
        auto proxy = startProxy(config, {{"ws", "/ws/", {first.port(), second.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response = client.roundTrip(upgradeRequest());
        QVERIFY(response.complete);
        QCOMPARE(response.status, 502);
        QCOMPARE(first.requestsReceived() + second.requestsReceived(), 1);
    }
    // A connect failure sent nothing: the upgrade goes to the other instance. Which instance
    // is tried first is the selector's draw: both orders, until the refusing one was first.
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    const quint16 refusing = closedLoopbackPort();
    bool retried = false;
    for (int i = 0; i < 20 && !retried; ++i) {
        const bool refusingFirst = i % 2 == 0;
        const std::vector<quint16> ports = refusingFirst
                                               ? std::vector<quint16>{refusing, upstream.port()}
                                               : std::vector<quint16>{upstream.port(), refusing};
        auto proxy = startProxy(config, {{"ws", "/ws/", ports}});
        QVERIFY(proxy);
        Tunnelled tunnel;
        QVERIFY(open(proxy->port(), tunnel));
        QVERIFY(sendAll(tunnel.fd, "x"));
        QCOMPARE(readAtLeast(tunnel.fd, 1).bytes, QByteArray("x"));
        retried = proxy->metrics().totals().instances[refusingFirst ? 0 : 1].connectFailures == 1;
    }
    QVERIFY(retried);
}

void TestProxyWebSocket::largeTransferBothWaysWithBoundedMemory() {
    constexpr qint64 kBytes = qint64(64) << 20;
    constexpr qsizetype kPiece = 256 * 1024;
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    auto proxy = startProxy(testConfig(), {{"ws", "/ws/", {upstream.port()}}});
    QVERIFY(proxy);
    Tunnelled tunnel;
    QVERIFY(open(proxy->port(), tunnel));
    QByteArray piece(kPiece, Qt::Uninitialized);
    for (qsizetype i = 0; i < kPiece; ++i)
        piece[i] = char(i * 7 % 251);
    QByteArray buffer(kPiece, Qt::Uninitialized);
    const qint64 before = residentBytes();
    qint64 peak = before;
    // The client writes on a thread of its own while this one reads what comes back: a slow
    // reader holds the echo back, the echo the upstream's reads, and so on to the writer.
    std::atomic<bool> sent{false};
    std::thread writer([&] {
        bool ok = true;
        for (qint64 done = 0; done < kBytes && ok; done += kPiece)
            ok = sendAll(tunnel.fd, piece);
        ::shutdown(tunnel.fd, SHUT_WR);
        sent = ok;
    });
    qint64 received = 0;
    bool intact = true;
    for (;;) {
        pollfd p{tunnel.fd, POLLIN, 0};
        if (::poll(&p, 1, 60000) != 1)
            break;
        const ssize_t n = ::recv(tunnel.fd, buffer.data(), size_t(buffer.size()), 0);
        if (n <= 0)
            break;
        for (qsizetype i = 0; i < n && intact; i += 4093)
            intact = buffer.at(i) == piece.at(qsizetype((received + i) % kPiece));
        received += n;
        if ((received & ((qint64(1) << 22) - 1)) < n)
            peak = qMax(peak, residentBytes());
    }
    writer.join();
    QVERIFY(sent);
    QCOMPARE(received, kBytes);
    QVERIFY(intact);
    QCOMPARE(upstream.received(), kBytes);
    const qint64 growth = peak - before;
    qInfo() << "64 MiB each way; resident memory grew by" << growth / 1024 << "KiB";
    if (kResidentMemoryIsMeaningful)
        QVERIFY2(growth < qint64(16) << 20, qPrintable(QString::number(growth)));
    QTRY_COMPARE(proxy->metrics().totals().tunnelsActive, std::int64_t(0));
}

// The frames of a real exchange through the proxy, counted each way (the echo upstream sends
// back what it gets, frames included): in the capture, and in the metrics as they pass.
void TestProxyWebSocket::messagesCountedEachWay() {
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    CaptureQueue queue(1, 1000);
    const CaptureHeaderFilter filter(QStringList{});
    auto server = startCapturingProxy(upstream.port(), queue, filter);
    QVERIFY(server);

    enum : unsigned char { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9 };
    const QByteArray early = maskedFrame(Text, 2); // sent before the 101
    const QByteArray hello = maskedFrame(Text, 5);
    const QByteArray fragmented = maskedFrame(Binary, 3, false) + maskedFrame(Ping, 4) +
                                  maskedFrame(Continuation, 5, false) +
                                  maskedFrame(Continuation, 6);
    const QByteArray medium = maskedFrame(Binary, 300);  // 16-bit length
    const QByteArray large = maskedFrame(Binary, 70000); // 64-bit length
    const QByteArray close = maskedFrame(Close, 2);
    Tunnelled tunnel;
    QVERIFY(open(server->port(), tunnel, early));
    QVERIFY(sendAll(tunnel.fd, hello.first(1))); // a header split across writes
    QVERIFY(sendAll(tunnel.fd, hello.sliced(1)));
    QVERIFY(sendAll(tunnel.fd, fragmented + medium + large));
    const QByteArray sent = early + hello + fragmented + medium + large;
    QCOMPARE(readAtLeast(tunnel.fd, sent.size()).bytes, sent);
    // Counted as they passed: the tunnel is still open.
    constexpr std::int64_t kData = 2 + 5 + (3 + 5 + 6) + 300 + 70000;
    for (size_t direction : {size_t(0), size_t(1)}) {
        QTRY_COMPARE(server->metrics().totals().webSocket[direction].messages, 5u);
        const WebSocketTotals totals = server->metrics().totals().webSocket[direction];
        QCOMPARE(totals.messageBytes, std::uint64_t(kData));
        QCOMPARE(totals.controlFrames, 1u);
        QCOMPARE(totals.malformedStreams, 0u);
    }
    QCOMPARE(server->metrics().totals().tunnelsActive, std::int64_t(1));
    QVERIFY(sendAll(tunnel.fd, close));
    QCOMPARE(readAtLeast(tunnel.fd, close.size()).bytes, close);
    ::shutdown(tunnel.fd, SHUT_WR);
    QVERIFY(readToEnd(tunnel.fd).ended);

    std::vector<CaptureRecord> records;
    QTRY_VERIFY(([&] {
        queue.drain(records);
        return !records.empty();
    }()));
    QCOMPARE(records.size(), size_t(1));
    const CaptureRecord *record = &records.front();
    QCOMPARE(record->tunnelEnd, QByteArray("client-closed"));
    QVERIFY(record->webSocketCounted);
    for (const WebSocketMessageStats &stats :
         {record->messagesFromClient, record->messagesFromUpstream}) {
        QCOMPARE(stats.messages, std::int64_t(5));
        QCOMPARE(stats.dataBytes, kData);
        QCOMPARE(stats.largestMessage, std::int64_t(70000));
        QCOMPARE(stats.controlFrames, std::int64_t(2)); // the ping and the close
        QVERIFY(!stats.malformed);
    }
    QCOMPARE(record->requestBytes, std::int64_t(sent.size() + close.size()));
    QCOMPARE(server->metrics().totals().webSocket[0].controlFrames, 2u);

    // The exchange's events say how the tunnel ended, the bytes and the messages each way.
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(*record, events);
    QCOMPARE(events.size(), std::size_t(3));
    QCOMPARE(events[2].topic, QByteArray(ProxyTopics::kCommunicationIntelligence));
    const nlohmann::json communication = nlohmann::json::parse(events[2].value.toStdString());
    const nlohmann::json &webSocket = communication.at("websocket");
    QCOMPARE(webSocket.at("tunnel_end").get<std::string>(), std::string("client-closed"));
    QCOMPARE(webSocket.at("bytes_client_to_upstream").get<qint64>(), record->requestBytes);
    QCOMPARE(webSocket.at("bytes_upstream_to_client").get<qint64>(), record->responseBytes);
    QCOMPARE(webSocket.at("bytes_upstream_to_client").get<qint64>(),
             qint64(sent.size() + close.size()));
    QVERIFY(webSocket.at("duration_ms").get<double>() >= 0);
    QCOMPARE(webSocket.at("duration_ms").get<double>(),
             double(record->doneUs - record->firstByteUs) / 1000.0);
    for (const char *direction : {"client_to_upstream", "upstream_to_client"}) {
        const nlohmann::json &counts = webSocket.at("messages").at(direction);
        QCOMPARE(counts.at("messages").get<int>(), 5);
        QCOMPARE(counts.at("data_bytes").get<std::int64_t>(), kData);
        QCOMPARE(counts.at("control_frames").get<int>(), 2);
    }
}

// Bytes that stop being frames stop the counting, never the tunnel.
void TestProxyWebSocket::malformedFramesStillRelayed() {
    WebSocketUpstream upstream(WebSocketUpstream::Mode::Echo);
    CaptureQueue queue(1, 1000);
    const CaptureHeaderFilter filter(QStringList{});
    auto server = startCapturingProxy(upstream.port(), queue, filter);
    QVERIFY(server);
    Tunnelled tunnel;
    QVERIFY(open(server->port(), tunnel));
    const QByteArray valid = maskedFrame(1, 4);
    const QByteArray reserved("\x83\x81\x00\x00\x00\x00z", 7); // opcode 0x3 is reserved
    QVERIFY(sendAll(tunnel.fd, valid + reserved));
    QCOMPARE(readAtLeast(tunnel.fd, valid.size() + reserved.size()).bytes, valid + reserved);
    for (int i = 0; i < 5; ++i) {
        const QByteArray more = maskedFrame(2, 10) + "not a frame at all " + QByteArray::number(i);
        QVERIFY(sendAll(tunnel.fd, more));
        QCOMPARE(readAtLeast(tunnel.fd, more.size()).bytes, more);
    }
    QTRY_COMPARE(server->metrics().totals().webSocket[0].malformedStreams, 1u);
    QTRY_COMPARE(server->metrics().totals().webSocket[1].malformedStreams, 1u);
    ::shutdown(tunnel.fd, SHUT_WR);
    QVERIFY(readToEnd(tunnel.fd).ended);
    std::vector<CaptureRecord> records;
    QTRY_VERIFY(([&] {
        queue.drain(records);
        return !records.empty();
    }()));
    QCOMPARE(records.size(), size_t(1));
    const CaptureRecord *record = &records.front();
    QCOMPARE(record->tunnelEnd, QByteArray("client-closed"));
    for (const WebSocketMessageStats &stats :
         {record->messagesFromClient, record->messagesFromUpstream}) {
        QCOMPARE(stats.messages, std::int64_t(1));
        QCOMPARE(stats.dataBytes, std::int64_t(4));
        QVERIFY(stats.malformed);
    }
    QCOMPARE(server->metrics().totals().webSocket[0].messages, 1u);
}

QTEST_GUILESS_MAIN(TestProxyWebSocket)
#include "tst_proxy_websocket.moc"
