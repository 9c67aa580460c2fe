#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ToolCapture;

// Half-closed connections, on real sockets: a client that shuts down its sending side after a
// request still gets the answer; an upstream that does after (or in the middle of) a response
// is read to its end; a refused upload is delivered its 413 rather than a reset.
class TestProxyHalfClose : public QObject {
    Q_OBJECT

private:
    static int count(const QByteArray &haystack, QByteArrayView needle) {
        int n = 0;
        for (qsizetype at = haystack.indexOf(needle); at >= 0;
             at = haystack.indexOf(needle, at + needle.size()))
            ++n;
        return n;
    }

private slots:
    // `printf 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' | nc -N`: the request is forwarded and
    // answered, then the proxy closes (a FIN, not a reset).
    void clientHalfCloseAfterCompleteRequest_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("delayMs");
        QTest::addColumn<int>("responses");
        QTest::newRow("HEAD") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << 1;
        QTest::newRow("GET") << simpleGet("/a") << 0 << 1;
        QTest::newRow("GET, slow upstream") << simpleGet("/a") << 300 << 1;
        QTest::newRow("POST with a body")
            << QByteArray("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello") << 0
            << 1;
        QTest::newRow("chunked POST")
            << QByteArray("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n0\r\n\r\n")
            << 100 << 1;
        QTest::newRow("two pipelined") << simpleGet("/a") + simpleGet("/b") << 50 << 2;
        QTest::newRow("HTTP/1.0") << QByteArray("GET /old HTTP/1.0\r\n\r\n") << 0 << 1;
    }
    void clientHalfCloseAfterCompleteRequest() {
        QFETCH(QByteArray, request);
        QFETCH(int, delayMs);
        QFETCH(int, responses);
        TestUpstream::Behaviour echo;
        echo.delayMs = delayMs;
        TestUpstream upstream(echo);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const RawTranscript seen = sendAndReadToEnd(proxy->port(), request, 10000, true);
        QVERIFY2(seen.closed, seen.bytes.constData());
        QVERIFY(!seen.reset);
        QCOMPARE(count(seen.bytes, "HTTP/1.1 200 OK\r\n"), responses);
        QCOMPARE(upstream.requestsCompleted(), responses);
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0);
    }

    // A request cut short by the half-close: 400, then the connection closes.
    void clientHalfCloseIncompleteRequest_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("forwarded");
        QTest::newRow("head cut short") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n") << false;
        QTest::newRow("body cut short")
            << QByteArray("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhel") << true;
    }
    void clientHalfCloseIncompleteRequest() {
        QFETCH(QByteArray, request);
        QFETCH(bool, forwarded);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const RawTranscript seen = sendAndReadToEnd(proxy->port(), request, 10000, true);
        QVERIFY(seen.closed);
        QVERIFY2(seen.bytes.startsWith("HTTP/1.1 400 "), seen.bytes.constData());
        QVERIFY(seen.bytes.contains("application/problem+json"));
        QCOMPARE(upstream.requestsCompleted(), 0);
        if (!forwarded)
            QCOMPARE(upstream.connectionsAccepted(), 0);
        QTRY_COMPARE(upstream.openConnections(), 0);
    }

    // An upstream that ends a close-delimited body with a half-close: the body ends there, the
    // client gets all of it, and the proxy closes its upstream connection.
    void upstreamHalfCloseEndsABody() {
        TestUpstream::Behaviour raw;
        raw.mode = TestUpstream::Mode::Raw;
        raw.raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the half-close";
        raw.shutdownAfterResponse = true;
        TestUpstream upstream(raw);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response = client.roundTrip(simpleGet("/u"));
        QVERIFY(response.complete);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("until the half-close"));
        QTRY_COMPARE(upstream.openConnections(), 0);
    }

    // A complete response followed by a half-close: answered, and the connection is not
    // reused (the next request opens another).
    void upstreamHalfCloseAfterCompleteResponse() {
        TestUpstream::Behaviour raw;
        raw.mode = TestUpstream::Mode::Raw;
        raw.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        raw.shutdownAfterResponse = true;
        TestUpstream upstream(raw);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QCOMPARE(client.roundTrip(simpleGet("/1")).body, QByteArray("ok"));
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(client.roundTrip(simpleGet("/2")).body, QByteArray("ok"));
        QCOMPARE(upstream.connectionsAccepted(), 2);
    }

    // A half-close in the middle of a response head: 502.
    void upstreamHalfCloseMidHead() {
        TestUpstream::Behaviour raw;
        raw.mode = TestUpstream::Mode::Raw;
        raw.raw = "HTTP/1.1 200 OK\r\nContent-Le";
        raw.shutdownAfterResponse = true;
        TestUpstream upstream(raw);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response = client.roundTrip(simpleGet("/h"));
        QVERIFY(response.complete);
        QCOMPARE(response.status, 502);
        QCOMPARE(response.header("content-type"), QByteArray("application/problem+json"));
        QTRY_COMPARE(upstream.openConnections(), 0);
    }

    // A refused upload while the client still sends: the client reads its 413 and a FIN, not a
    // reset, because the proxy reads and discards the rest before closing.
    void refusedUploadIsDelivered_data() {
        QTest::addColumn<bool>("chunked");
        QTest::newRow("Content-Length") << false;
        QTest::newRow("chunked") << true;
    }
    void refusedUploadIsDelivered() {
        QFETCH(bool, chunked);
        TestUpstream upstream({TestUpstream::Mode::Sink, {}});
        ProxyConfig config = testConfig(1);
        config.limits.maxBodyBytes = 64 * 1024;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        constexpr qsizetype kBody = 2 * 1024 * 1024;
        QByteArray request = "POST /upload HTTP/1.1\r\nHost: x\r\n";
        if (chunked) {
            request += "Transfer-Encoding: chunked\r\n\r\n";
            const QByteArray chunk(16 * 1024, 'c');
            for (qsizetype sent = 0; sent < kBody; sent += chunk.size())
                request += "4000\r\n" + chunk + "\r\n";
            request += "0\r\n\r\n";
        } else {
            request += "Content-Length: " + QByteArray::number(kBody) + "\r\n\r\n";
            request += QByteArray(kBody, 'b');
        }
        const RawTranscript seen = sendAndReadToEnd(proxy->port(), request);
        QVERIFY2(seen.bytes.startsWith("HTTP/1.1 413 "), seen.bytes.left(200).constData());
        QVERIFY(seen.closed);
        QVERIFY(!seen.reset);
        const qsizetype bodyAt = seen.bytes.indexOf("\r\n\r\n") + 4;
        const QJsonObject problem = QJsonDocument::fromJson(seen.bytes.sliced(bodyAt)).object();
        QCOMPARE(problem.value("status").toInt(), 413);
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0);
    }
};

QTEST_GUILESS_MAIN(TestProxyHalfClose)
#include "tst_proxy_half_close.moc"
