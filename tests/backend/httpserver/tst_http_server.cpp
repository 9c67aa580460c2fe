#include <backend/httpserver/http_server.h>
#include <tests/backend/httpserver/raw_http_client.h>

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace ToolCapture;

namespace {

// A handler with a few routes, answering synchronously.
void routes(const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
    const QByteArrayView path = request.head.path();
    if (path == "/hello" && (request.head.method == "GET" || request.head.method == "HEAD")) {
        responder->respond(HttpResponse::text(200, "hello"));
    } else if (path == "/echo" && request.head.method == "POST") {
        responder->respond(HttpResponse::text(200, request.body, "application/octet-stream"));
    } else if (path == "/json") {
        responder->respond(HttpResponse::json(201, R"({"target":")" + request.head.target + "\"}"));
    } else if (path == "/empty") {
        responder->respond(HttpResponse{204, {{"X-Empty", "yes"}}, {}});
    } else {
        responder->respond(HttpResponse::problem(404, "nothing at " + path.toByteArray()));
    }
}

QByteArray get(QByteArrayView target, QByteArrayView extraHeaders = {}) {
    return "GET " + target.toByteArray() + " HTTP/1.1\r\nHost: test\r\n" +
           extraHeaders.toByteArray() + "\r\n";
}

} // namespace

class TestHttpServer : public QObject {
    Q_OBJECT

private slots:
    void routesAnswer_data();
    void routesAnswer();
    void keepAliveReusesOneConnection();
    void pipelinedAsyncAnswersStayInOrder();
    void bodyTooLargeGets413AndClose_data();
    void bodyTooLargeGets413AndClose();
    void parseErrorGetsProblemAndClose_data();
    void parseErrorGetsProblemAndClose();
    void headGetsHeadersWithoutBody();
    void idleTimeoutCloses();
    void connectionCloseIsHonoured_data();
    void connectionCloseIsHonoured();
    void secondRespondIsIgnored();
    void droppedResponderClosesAfterEarlierResponses();
    void responderOutlivingConnectionIsHarmless();
    void handlerHeadersCannotOverrideFraming();
    void closeStopsListeningAndClosesIdleConnections();
    void destroyingStopsListeningBeforeClosingConnections();
    void expectContinue_data();
    void expectContinue();
};

void TestHttpServer::routesAnswer_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("get") << get("/hello") << 200 << QByteArray("text/plain; charset=utf-8")
                         << QByteArray("hello");
    QTest::newRow("post content-length")
        << QByteArray("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\npayload") << 200
        << QByteArray("application/octet-stream") << QByteArray("payload");
    QTest::newRow("post chunked")
        << QByteArray("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        << 200 << QByteArray("application/octet-stream") << QByteArray("abcdefg");
    QTest::newRow("json with query") << get("/json?x=1") << 201 << QByteArray("application/json")
                                     << QByteArray(R"({"target":"/json?x=1"})");
    QTest::newRow("no content") << get("/empty") << 204 << QByteArray() << QByteArray();
}

void TestHttpServer::routesAnswer() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);

    HttpServer server(routes);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(server.port() != 0);
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(request);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Content-Type"), contentType);
    QCOMPARE(response->body, body);
    QCOMPARE(response->header("Server"), QByteArray("ToolCapture"));
    QVERIFY(response->header("Date").endsWith(" GMT"));
    if (status == 204)
        QVERIFY(!response->hasHeader("Content-Length"));
    else
        QCOMPARE(response->header("Content-Length").toInt(), body.size());
    QVERIFY(client.isConnected());
    QVERIFY(client.pending().isEmpty());
}

void TestHttpServer::keepAliveReusesOneConnection() {
    int handled = 0;
    HttpServer server([&](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
        ++handled;
        responder->respond(HttpResponse::text(200, request.head.target));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    for (const QByteArray target : {"/one", "/two", "/three"}) {
        const auto response = client.exchange(get(target));
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, target);
        QVERIFY(!response->hasHeader("Connection"));
        QVERIFY(client.isConnected());
    }
    QCOMPARE(handled, 3);
    QCOMPARE(server.connectionsAccepted(), quint64(1));
    QCOMPARE(server.openConnections(), 1);
}

void TestHttpServer::pipelinedAsyncAnswersStayInOrder() {
    std::vector<std::pair<QByteArray, std::shared_ptr<HttpResponder>>> held;
    HttpServer server([&](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
        held.emplace_back(request.head.target, std::move(responder));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    client.send(get("/a") + get("/b") + get("/c"));
    QTRY_COMPARE_WITH_TIMEOUT(held.size(), std::size_t(3), 5000);
    QCOMPARE(held[0].first, QByteArray("/a"));
    QCOMPARE(held[2].first, QByteArray("/c"));

    // The last first: it must wait for the earlier two.
    held[2].second->respond(HttpResponse::text(200, "answer c"));
    held[1].second->respond(HttpResponse::text(200, "answer b"));
    QVERIFY(client.pending().isEmpty());
    held[0].second->respond(HttpResponse::text(200, "answer a"));

    for (const QByteArray expected : {"answer a", "answer b", "answer c"}) {
        const auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->body, expected);
    }
    QVERIFY(client.isConnected());
}

void TestHttpServer::bodyTooLargeGets413AndClose_data() {
    QTest::addColumn<QByteArray>("request");
    // The X-Correlation-ID the request carried: echoed in the problem and its header.
    QTest::addColumn<QByteArray>("correlationId");

    const QByteArray body(4096, 'x');
    QTest::newRow("content-length")
        << "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n" + body << QByteArray();
    QTest::newRow("content-length, correlated")
        << "POST /echo HTTP/1.1\r\nHost: t\r\nX-Correlation-ID: c-413\r\n"
           "Content-Length: 4096\r\n\r\n" +
               body
        << QByteArray("c-413");
    QTest::newRow("chunked")
        << "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
           "1000\r\n" +
               body + "\r\n0\r\n\r\n"
        << QByteArray();
    QTest::newRow("chunked, correlated")
        << "POST /echo HTTP/1.1\r\nHost: t\r\nX-Correlation-ID: c-chunked\r\n"
           "Transfer-Encoding: chunked\r\n\r\n1000\r\n" +
               body + "\r\n0\r\n\r\n"
        << QByteArray("c-chunked");
}

void TestHttpServer::bodyTooLargeGets413AndClose() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, correlationId);

    HttpServer::Options options;
    options.maxBodyBytes = 1024;
    int handled = 0;
    HttpServer server(
        [&](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
            ++handled;
            responder->respond(HttpResponse::text(200, "unexpected"));
        },
        options);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(request);
    QVERIFY(response);
    QCOMPARE(response->status, 413);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->header("Connection"), QByteArray("close"));
    QVERIFY(response->body.contains("\"status\":413"));
    QCOMPARE(response->header("X-Correlation-ID"), correlationId);
    if (correlationId.isEmpty())
        QVERIFY(!response->body.contains("correlation_id"));
    else
        QVERIFY(response->body.contains("\"correlation_id\":\"" + correlationId + '"'));
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(handled, 0);
}

void TestHttpServer::parseErrorGetsProblemAndClose_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::newRow("garbage") << QByteArray("THIS IS NOT HTTP\r\n\r\n") << 400;
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : t\r\n\r\n") << 400;
    QTest::newRow("request line too long")
        << "GET /" + QByteArray(9 * 1024, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"
        << 414;
    QTest::newRow("header section too large")
        << "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(40 * 1024, 'b') + "\r\n\r\n"
        << 431;
}

void TestHttpServer::parseErrorGetsProblemAndClose() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);

    int handled = 0;
    HttpServer server([&](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
        ++handled;
        responder->respond(HttpResponse::text(200, "unexpected"));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(request);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->header("Connection"), QByteArray("close"));
    QVERIFY(response->body.contains("\"status\":" + QByteArray::number(status)));
    QVERIFY(client.waitForDisconnected());
    QCOMPARE(handled, 0);
}

void TestHttpServer::headGetsHeadersWithoutBody() {
    HttpServer server(routes);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto head = client.exchange("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", /*toHead=*/true);
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QCOMPARE(head->header("Content-Length"), QByteArray("5"));
    QVERIFY(head->body.isEmpty());

    // Had the HEAD response carried a body, this response would start with it.
    const auto next = client.exchange(get("/hello"));
    QVERIFY(next);
    QCOMPARE(next->status, 200);
    QCOMPARE(next->body, QByteArray("hello"));
    QVERIFY(client.pending().isEmpty());
}

void TestHttpServer::idleTimeoutCloses() {
    HttpServer::Options options;
    options.idleTimeoutMs = 100;
    HttpServer server(routes, options);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QSignalSpy disconnected(&client.socket(), &QTcpSocket::disconnected);
    QVERIFY(disconnected.isValid());
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(get("/hello"));
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QVERIFY(disconnected.wait(5000));
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, 5000);
}

void TestHttpServer::connectionCloseIsHonoured_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("connectionHeader");
    QTest::addColumn<bool>("closed");

    QTest::newRow("1.1 close") << get("/hello", "Connection: close\r\n") << QByteArray("close")
                               << true;
    QTest::newRow("1.0 default") << QByteArray("GET /hello HTTP/1.0\r\n\r\n") << QByteArray("close")
                                 << true;
    QTest::newRow("1.0 keep-alive")
        << QByteArray("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        << QByteArray("keep-alive") << false;
    QTest::newRow("1.1 default") << get("/hello") << QByteArray() << false;
}

void TestHttpServer::connectionCloseIsHonoured() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, connectionHeader);
    QFETCH(bool, closed);

    HttpServer server(routes);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(request);
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Connection"), connectionHeader);
    if (closed) {
        QVERIFY(client.waitForDisconnected());
    } else {
        const auto again = client.exchange(get("/hello"));
        QVERIFY(again);
        QCOMPARE(again->status, 200);
    }
}

void TestHttpServer::secondRespondIsIgnored() {
    HttpServer server([](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
        responder->respond(HttpResponse::text(200, "first"));
        responder->respond(HttpResponse::text(500, "second"));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    for (int i = 0; i < 2; ++i) {
        const auto response = client.exchange(get("/"));
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("first"));
    }
    QVERIFY(client.pending().isEmpty());
}

void TestHttpServer::droppedResponderClosesAfterEarlierResponses() {
    std::shared_ptr<HttpResponder> first;
    HttpServer server([&](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
        if (request.head.target == "/first")
            first = std::move(responder);
        // "/dropped": the responder goes out of scope unanswered.
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    client.send(get("/first") + get("/dropped"));
    QTRY_VERIFY_WITH_TIMEOUT(first != nullptr, 5000);
    QVERIFY(client.isConnected());
    first->respond(HttpResponse::text(200, "first"));

    const auto response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->body, QByteArray("first"));
    QCOMPARE(response->header("Connection"), QByteArray("close"));
    QVERIFY(client.waitForDisconnected());
}

void TestHttpServer::responderOutlivingConnectionIsHarmless() {
    std::shared_ptr<HttpResponder> held;
    HttpServer server([&](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
        held = std::move(responder);
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    {
        RawHttpClient client;
        QVERIFY(client.connectTo(server.port()));
        client.send(get("/slow"));
        QTRY_VERIFY_WITH_TIMEOUT(held != nullptr, 5000);
        client.socket().abort();
    }
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, 5000);
    held->respond(HttpResponse::text(200, "too late"));
    held.reset();

    // The server still serves new connections.
    RawHttpClient again;
    QVERIFY(again.connectTo(server.port()));
    again.send(get("/next"));
    QTRY_VERIFY_WITH_TIMEOUT(held != nullptr, 5000);
    held->respond(HttpResponse::text(200, "on time"));
    const auto response = again.readResponse();
    QVERIFY(response);
    QCOMPARE(response->body, QByteArray("on time"));
}

void TestHttpServer::handlerHeadersCannotOverrideFraming() {
    HttpServer server([](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
        HttpResponse response = HttpResponse::text(200, "abc");
        response.headers.push_back({"Content-Length", "999"});
        response.headers.push_back({"Connection", "close"});
        response.headers.push_back({"X-Injected", "a\r\nX-Evil: 1"});
        response.headers.push_back({"X-Kept", "yes"});
        responder->respond(std::move(response));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    const auto response = client.exchange(get("/"));
    QVERIFY(response);
    QCOMPARE(response->header("Content-Length"), QByteArray("3"));
    QCOMPARE(response->body, QByteArray("abc"));
    QVERIFY(!response->hasHeader("Connection"));
    QVERIFY(!response->hasHeader("X-Evil"));
    QVERIFY(!response->hasHeader("X-Injected"));
    QCOMPARE(response->header("X-Kept"), QByteArray("yes"));
    QVERIFY(client.isConnected());
}

void TestHttpServer::closeStopsListeningAndClosesIdleConnections() {
    HttpServer server(routes);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.port();
    RawHttpClient client;
    QVERIFY(client.connectTo(port));
    QVERIFY(client.exchange(get("/hello")));

    server.close();
    QVERIFY(client.waitForDisconnected());
    RawHttpClient late;
    QVERIFY(!late.connectTo(port, 2000));
}

// A client that reconnects as soon as its connection closes must be refused, not accepted into a
// listener that is about to go (and then reset: Qt's HTTP client waited for its transfer timeout).
void TestHttpServer::destroyingStopsListeningBeforeClosingConnections() {
    auto server = std::make_unique<HttpServer>(routes);
    QVERIFY(server->listen(QHostAddress::LocalHost, 0));
    const quint16 port = server->port();
    RawHttpClient client;
    QVERIFY(client.connectTo(port));
    QVERIFY(client.exchange(get("/hello")));
    const QList<QTcpSocket *> accepted = server->findChildren<QTcpSocket *>();
    QCOMPARE(accepted.size(), 1);
    // While the server closes the connection (inside its destructor, no event loop): connect.
    int reconnect = 0;
    int reconnectErrno = 0;
    QObject::connect(accepted.first(), &QObject::destroyed, [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        reconnect = ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
        reconnectErrno = errno;
        ::close(fd);
    });
    server.reset();
    QCOMPARE(reconnect, -1);
    QCOMPARE(reconnectErrno, ECONNREFUSED);
}

void TestHttpServer::expectContinue_data() {
    QTest::addColumn<int>("contentLength");
    QTest::addColumn<bool>("continued");
    QTest::addColumn<int>("status");

    QTest::newRow("fits") << 10 << true << 200;
    QTest::newRow("too large") << 4096 << false << 413;
}

void TestHttpServer::expectContinue() {
    QFETCH(int, contentLength);
    QFETCH(bool, continued);
    QFETCH(int, status);

    HttpServer::Options options;
    options.maxBodyBytes = 1024;
    HttpServer server(routes, options);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));

    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " +
                QByteArray::number(contentLength) + "\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(!client.pending().isEmpty(), 5000);
    QCOMPARE(client.pending().startsWith("HTTP/1.1 100 Continue\r\n\r\n"), continued);
    if (continued)
        client.send(QByteArray(contentLength, 'z'));
    const auto response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, status);
    if (continued)
        QCOMPARE(response->body, QByteArray(contentLength, 'z'));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_http_server.moc"
