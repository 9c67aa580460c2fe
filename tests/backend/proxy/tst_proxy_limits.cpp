#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>
#include <tests/support/unanswered_listener.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <memory>
#include <vector>

using namespace ToolCapture;

namespace {

using std::chrono::milliseconds;

QByteArray chunk(const QByteArray &data) {
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

QByteArray problemType(const RawResponse &response) {
    return QJsonDocument::fromJson(response.body)
        .object()
        .value(QStringLiteral("type"))
        .toString()
        .toLatin1();
}

} // namespace

// Size limits and timeouts of the data path, each provoked through real sockets.
class TestProxyLimits : public QObject {
    Q_OBJECT

private:
    static void verifyProblem(const RawResponse &response, int status) {
        QVERIFY(response.complete);
        QCOMPARE(response.status, status);
        QCOMPARE(response.header("content-type"), QByteArray("application/problem+json"));
        const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
        QCOMPARE(problem.value("status").toInt(), status);
        QVERIFY(!problem.value("detail").toString().isEmpty());
        QCOMPARE(problem.value("correlation_id").toString().toLatin1(),
                 response.header("x-correlation-id"));
    }

private slots:
    void headLimits_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        const ProxyConfig defaults;
        const qsizetype line = defaults.limits.maxRequestLine;
        const auto fields = [](int n) {
            QByteArray out;
            for (int i = 0; i < n; ++i)
                out += "X-F" + QByteArray::number(i) + ": v\r\n";
            return out;
        };
        // "GET /" + path + " HTTP/1.1" is the line; its CRLF is not counted.
        QTest::newRow("request line at limit")
            << simpleGet("/" + QByteArray(line - 14, 'a')) << 200;
        QTest::newRow("request line over limit")
            << simpleGet("/" + QByteArray(line - 13, 'a')) << 414;
        QTest::newRow("request line far over limit")
            << simpleGet("/" + QByteArray(4 * line, 'a')) << 414;
        QTest::newRow("header bytes over limit")
            << simpleGet("/", "X-Big: " + QByteArray(defaults.limits.maxHeaderBytes, 'b') + "\r\n")
            << 431;
        QTest::newRow("100 fields")
            << simpleGet("/", fields(defaults.limits.maxHeaderCount - 1)) << 200;
        QTest::newRow("101 fields")
            << simpleGet("/", fields(defaults.limits.maxHeaderCount)) << 431;
    }
    void headLimits() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response = client.roundTrip(request);
        if (status == 200) {
            QVERIFY(response.complete);
            QCOMPARE(response.status, 200);
            QCOMPARE(upstream.requestsCompleted(), 1);
            return;
        }
        verifyProblem(response, status);
        QVERIFY(client.waitForClose());
        QCOMPARE(upstream.bytesReceived(), 0);
        QCOMPARE(upstream.connectionsAccepted(), 0);
    }

    void contentLengthAboveMaxBody_data() {
        QTest::addColumn<bool>("sendBody");
        QTest::newRow("head only") << false;
        QTest::newRow("head and body") << true;
    }
    void contentLengthAboveMaxBody() {
        QFETCH(bool, sendBody);
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.limits.maxBodyBytes = 1000;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        {
            // At the limit: forwarded.
            RawClient client(proxy->port());
            const RawResponse response =
                client.roundTrip("POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" +
                                 QByteArray(1000, 'x'));
            QCOMPARE(response.status, 200);
        }
        QCOMPARE(upstream.requestsCompleted(), 1);
        const qint64 before = upstream.bytesReceived();
        RawClient client(proxy->port());
        client.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n" +
                    (sendBody ? QByteArray(1001, 'x') : QByteArray()));
        const RawResponse response = client.read("POST");
        verifyProblem(response, 413);
        QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:body-too-large"));
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(client.waitForClose());
        QCOMPARE(upstream.bytesReceived(), before);
        QCOMPARE(upstream.requestsReceived(), 1);
    }

    void chunkedAboveMaxBody_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("one chunk over") << chunk(QByteArray(1001, 'x'));
        // The limit is crossed by the second chunk; more chunks follow in the same segment.
        QTest::newRow("several chunks over")
            << chunk(QByteArray(1000, 'x')) + chunk("y") + chunk("z") + chunk("w") + "0\r\n\r\n";
    }
    void chunkedAboveMaxBody() {
        QFETCH(QByteArray, body);
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.limits.maxBodyBytes = 1000;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const RawTranscript transcript = sendAndReadToEnd(
            proxy->port(),
            "POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        QVERIFY(transcript.bytes.startsWith("HTTP/1.1 413 "));
        QVERIFY(transcript.bytes.contains("\r\nConnection: close\r\n"));
        QVERIFY(transcript.bytes.contains("urn:toolcapture:problem:body-too-large"));
        // A refusal is a complete response followed by a FIN, never a reset.
        QVERIFY(transcript.closed);
        QVERIFY(!transcript.reset);
        // The head may have been forwarded (a chunked body is streamed): never a whole message.
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(upstream.requestsCompleted(), 0);
    }

    void headerReadTimeout_data() {
        QTest::addColumn<QByteArray>("partial");
        QTest::newRow("request line") << QByteArray("GET /slow HT");
        QTest::newRow("fields") << QByteArray("GET /slow HTTP/1.1\r\nHost: a\r\nX-Slo");
    }
    void headerReadTimeout() {
        QFETCH(QByteArray, partial);
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.timeouts.headerRead = milliseconds(300);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QElapsedTimer timer;
        timer.start();
        client.send(partial);
        const RawResponse response = client.read();
        verifyProblem(response, 408);
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(timer.elapsed() >= 250); // not before the timeout (50 ms sweep granularity)
        QVERIFY(client.waitForClose());
        QCOMPARE(upstream.connectionsAccepted(), 0);
    }

    // A client that stops sending its body: 408, and the upstream connection that saw part of
    // the body is closed rather than held.
    void bodyReadTimeout_data() {
        QTest::addColumn<QByteArray>("partial");
        QTest::newRow("content-length")
            << QByteArray("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789");
        QTest::newRow("chunked") << QByteArray("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                                               "chunked\r\n\r\na\r\n0123456789\r\n");
    }
    void bodyReadTimeout() {
        QFETCH(QByteArray, partial);
        TestUpstream::Behaviour sink;
        sink.mode = TestUpstream::Mode::Sink;
        TestUpstream upstream(sink);
        ProxyConfig config = testConfig(1);
        config.timeouts.bodyRead = milliseconds(300);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QElapsedTimer timer;
        timer.start();
        client.send(partial);
        const RawResponse response = client.read("POST");
        verifyProblem(response, 408);
        QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:body-timeout"));
        QVERIFY(timer.elapsed() >= 250); // not before the timeout (50 ms sweep granularity)
        QVERIFY(client.waitForClose());
        QCOMPARE(upstream.requestsReceived(), 1);  // the head went upstream...
        QCOMPARE(upstream.requestsCompleted(), 0); // ...never a complete message
        QTRY_COMPARE_WITH_TIMEOUT(upstream.openConnections(), 0, 5000);
        QCOMPARE(proxy->runtime().bulkhead(0).active(), 0);
    }

    void idleKeepAliveTimeout() {
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.timeouts.idleKeepAlive = milliseconds(300);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response = client.roundTrip(simpleGet("/one"));
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("connection").isEmpty()); // kept alive...
        QVERIFY(client.waitForClose(5000));               // ...until idle too long
        // A connection that never sends anything is closed the same way.
        RawClient silent(proxy->port());
        QVERIFY(silent.isConnected());
        QVERIFY(silent.waitForClose(5000));
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0);
    }

    void upstreamConnectTimeout() {
        UnansweredListener unanswered;
        QVERIFY2(unanswered.isBlocking(), "could not make a connect hang on loopback");
        ProxyConfig config = testConfig(1);
        config.timeouts.connect = milliseconds(300);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {unanswered.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QElapsedTimer timer;
        timer.start();
        const RawResponse response = client.roundTrip(simpleGet("/x"));
        verifyProblem(response, 504);
        QVERIFY(timer.elapsed() >= 250);
        QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:upstream-timeout"));
        QVERIFY(response.body.contains("svc-1"));
        QCOMPARE(proxy->metrics().totals().instances[0].connectFailures, 1u);
    }

    void firstByteTimeout() {
        TestUpstream upstream({TestUpstream::Mode::Hang, {}});
        ProxyConfig config = testConfig(1);
        config.timeouts.firstByte = milliseconds(300);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QElapsedTimer timer;
        timer.start();
        const RawResponse response = client.roundTrip(simpleGet("/x"));
        verifyProblem(response, 504);
        QVERIFY(timer.elapsed() >= 250);
        QCOMPARE(upstream.requestsCompleted(), 1);
        // The hung upstream connection is not reused: it is closed.
        QTRY_COMPARE(upstream.openConnections(), 0);
        QTRY_COMPARE(proxy->metrics().totals().instances[0].firstByteTimeouts, 1u);
        // The client connection survives a 504 (its request was read whole).
        upstream.setBehaviour({});
        QCOMPARE(client.roundTrip(simpleGet("/y")).status, 200);
    }

    void poolExhaustion() {
        TestUpstream upstream({TestUpstream::Mode::Hang, {}});
        ProxyConfig config = testConfig(1);
        config.pool.maxConnections = 1;
        config.timeouts.connect = milliseconds(300);
        config.timeouts.firstByte = milliseconds(20000);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient hanging(proxy->port());
        hanging.send(simpleGet("/hang"));
        QTRY_COMPARE(upstream.requestsCompleted(), 1);
        RawClient waiting(proxy->port());
        QElapsedTimer timer;
        timer.start();
        const RawResponse response = waiting.roundTrip(simpleGet("/wait"));
        verifyProblem(response, 503);
        QVERIFY(timer.elapsed() >= 250);
        QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:pool-exhausted"));
        QCOMPARE(response.header("retry-after"), QByteArray("1"));
        QCOMPARE(upstream.connectionsAccepted(), 1);
        QCOMPARE(upstream.requestsReceived(), 1);
        // The client that waited is kept alive and left the wait queue: once the hanging
        // exchange ends, its next request gets the connection's successor.
        hanging.reset(); // a FIN would be a half-close: the exchange would go on
        upstream.setBehaviour({});
        QTRY_COMPARE(upstream.openConnections(), 0);
        const RawResponse next = waiting.roundTrip(simpleGet("/next"));
        QCOMPARE(next.status, 200);
        QCOMPARE(upstream.connectionsAccepted(), 2);
    }

    // max_connections is per instance, not per worker: with two workers and a limit of 4, four
    // hanging requests are forwarded however the kernel spreads them over the workers (a
    // worker borrows the other's idle share), and a fifth waits: never more than 4 connections.
    void poolBorrowsAcrossWorkers() {
        TestUpstream upstream({TestUpstream::Mode::Hang, {}});
        ProxyConfig config = testConfig(2);
        config.pool.maxConnections = 4;
        config.timeouts.connect = milliseconds(300);
        config.timeouts.firstByte = milliseconds(20000);
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        std::vector<std::unique_ptr<RawClient>> hanging;
        for (int i = 0; i < 4; ++i) {
            hanging.push_back(std::make_unique<RawClient>(proxy->port()));
            hanging.back()->send(simpleGet("/hang"));
        }
        QTRY_COMPARE(upstream.requestsReceived(), 4);
        QCOMPARE(upstream.connectionsAccepted(), 4);
        RawClient fifth(proxy->port());
        const RawResponse response = fifth.roundTrip(simpleGet("/fifth"));
        QCOMPARE(response.status, 503);
        QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:pool-exhausted"));
        QCOMPARE(upstream.connectionsAccepted(), 4);
        for (auto &client : hanging)
            client->reset();
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(proxy->registry().instance(0).openConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestProxyLimits)
#include "tst_proxy_limits.moc"
