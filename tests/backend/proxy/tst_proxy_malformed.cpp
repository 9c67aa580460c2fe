#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/http/http_request_parser.h>
#include <backend/proxy/proxy_worker.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/malformed_requests.h>
#include <tests/support/raw_client.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <sys/socket.h>

using namespace ToolCapture;

namespace {

// What a bare parser does with a row when fed everything at once, before and after finish().
struct ParserView : HttpRequestParser::Handler {
    QByteArray events; // 'H' head, 'B' body, 'C' complete, up to the failure
    bool failedBeforeEnd = false;
    int status = 0;

    void onRequestHead(RequestHead &&) override { events.append('H'); }
    void onRequestBody(const char *, qsizetype) override {
        if (!events.endsWith('B'))
            events.append('B');
    }
    void onRequestComplete() override { events.append('C'); }

    static ParserView of(const QByteArray &raw) {
        ParserView view;
        HttpRequestParser parser(view, HttpRequestParser::Limits{});
        using State = HttpRequestParser::State;
        qsizetype offset = 0;
        while (parser.state() != State::Failed) {
            const qsizetype used = parser.feed(raw.constData() + offset, raw.size() - offset);
            offset += used;
            if (parser.state() == State::PausedAtHead || parser.state() == State::PausedAtEnd)
                parser.resume();
            else if (used == 0 || offset >= raw.size())
                break;
        }
        view.failedBeforeEnd = parser.state() == State::Failed;
        if (!view.failedBeforeEnd)
            parser.finish();
        view.status = parser.error().status;
        return view;
    }
};

void addRows(MalformedStage stage) {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    for (const MalformedRequest &row : malformedRequests()) {
        if (row.stage == stage)
            QTest::newRow(row.name) << row.raw << row.status;
    }
}

} // namespace

// Every request of the strictness table sent through a proxy: each is refused with a
// problem+json response and a close, and nothing ambiguous ever reaches an upstream.
class TestProxyMalformed : public QObject {
    Q_OBJECT

private:
    static void verifyProblem(const RawResponse &response, int status) {
        QVERIFY(response.complete);
        QCOMPARE(response.status, status);
        QCOMPARE(response.header("content-type"), QByteArray("application/problem+json"));
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QJsonParseError error;
        const QJsonObject problem = QJsonDocument::fromJson(response.body, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(problem.value("status").toInt(), status);
        QVERIFY(!problem.value("type").toString().isEmpty());
        // Not the client's mistake: a method or coding not implemented, a version not spoken.
        if (status == 501)
            QCOMPARE(problem.value("type").toString(),
                     QStringLiteral("urn:toolcapture:problem:not-implemented"));
        else if (status == 505)
            QCOMPARE(problem.value("type").toString(),
                     QStringLiteral("urn:toolcapture:problem:version-not-supported"));
        else if (status == 400)
            QCOMPARE(problem.value("type").toString(),
                     QStringLiteral("urn:toolcapture:problem:malformed-request"));
        QVERIFY(!problem.value("title").toString().isEmpty());
        QVERIFY(!problem.value("detail").toString().isEmpty());
        const QByteArray id = problem.value("correlation_id").toString().toLatin1();
        QVERIFY(!id.isEmpty());
        QCOMPARE(id, response.header("x-correlation-id"));
    }

    // Shared by every row refused in the head: it must never see a connection.
    TestUpstream m_untouched;
    std::unique_ptr<ProxyServer> m_proxy;

private slots:
    void initTestCase() {
        m_proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {m_untouched.port()}}});
        QVERIFY(m_proxy);
    }

    void tableIsShared() {
        const std::vector<MalformedRequest> rows = malformedRequests();
        QVERIFY(rows.size() >= 60);
        QSet<QByteArray> names;
        for (const MalformedRequest &row : rows)
            names.insert(row.name);
        QCOMPARE(names.size(), qsizetype(rows.size()));
    }

    // The stage of each row is what the parser does, not an assumption of this suite.
    void stagesAgreeWithTheParser_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("stage");
        for (const MalformedRequest &row : malformedRequests())
            QTest::newRow(row.name) << row.raw << row.status << int(row.stage);
    }
    void stagesAgreeWithTheParser() {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        QFETCH(int, stage);
        const ParserView view = ParserView::of(raw);
        QCOMPARE(view.status, status);
        switch (MalformedStage(stage)) {
        case MalformedStage::Head:
            QVERIFY(view.failedBeforeEnd);
            QCOMPARE(view.events, QByteArray());
            break;
        case MalformedStage::Body:
            QVERIFY(view.failedBeforeEnd);
            QVERIFY(view.events.startsWith('H'));
            QVERIFY(!view.events.contains('C'));
            break;
        case MalformedStage::EndOfInput:
            QVERIFY(!view.failedBeforeEnd);
            QVERIFY(!view.events.contains('C'));
            break;
        case MalformedStage::AfterMessage:
            QVERIFY(view.failedBeforeEnd);
            QVERIFY(view.events.startsWith("HC"));
            break;
        }
    }

    // Framing ambiguity (CL+TE, duplicate CL, bad TE), field and request-line syntax, Host:
    // refused before any upstream is chosen.
    void refusedInTheHead_data() { addRows(MalformedStage::Head); }
    void refusedInTheHead() {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        RawClient client(m_proxy->port());
        QVERIFY(client.isConnected());
        client.send(raw);
        verifyProblem(client.read(), status);
        QVERIFY(client.waitForClose());
        // Checked after every row, cumulatively for the whole table.
        QCOMPARE(m_untouched.bytesReceived(), 0);
        QCOMPARE(m_untouched.connectionsAccepted(), 0);
    }

    // A broken chunked body after an unambiguous head, all in one segment: refused, and the
    // upstream connection (opened for the head) is closed without a complete message.
    void refusedMidBody_data() { addRows(MalformedStage::Body); }
    void refusedMidBody() {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(raw);
        verifyProblem(client.read("POST"), status);
        QVERIFY(client.waitForClose());
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(upstream.requestsCompleted(), 0);
        QCOMPARE(proxy->metrics().totals().instances[0].responseCount(), 0u);
    }

    // The same, with the head forwarded before the body arrives: the upstream has the head,
    // then loses the connection, and never sees a complete message.
    void refusedMidBodyAfterHeadForwarded_data() { addRows(MalformedStage::Body); }
    void refusedMidBodyAfterHeadForwarded() {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const qsizetype headEnd = raw.indexOf("\r\n\r\n") + 4;
        RawClient client(proxy->port());
        client.send(raw.first(headEnd));
        QTRY_COMPARE(upstream.requestsReceived(), 1);
        client.send(raw.sliced(headEnd));
        verifyProblem(client.read("POST"), status);
        QVERIFY(client.waitForClose());
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(upstream.requestsCompleted(), 0);
        const QByteArray forwarded = upstream.heads().value(0);
        QVERIFY(forwarded.contains("Transfer-Encoding: chunked\r\n"));
    }

    // A message cut short is detectable only when the client shuts its side: the proxy then
    // answers 400 on the half-open connection and closes, and the upstream never sees a
    // complete message. A head that never completed never reaches it at all.
    void cutShort_data() { addRows(MalformedStage::EndOfInput); }
    void cutShort() {
        QFETCH(QByteArray, raw);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(raw);
        const bool headComplete = raw.contains("\r\n\r\n");
        if (headComplete)
            QTRY_COMPARE(upstream.requestsReceived(), 1); // a legitimate, streamed request
        QCOMPARE(::shutdown(int(client.socket().socketDescriptor()), SHUT_WR), 0);
        verifyProblem(client.read("POST"), 400);
        QVERIFY(client.waitForClose());
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(upstream.requestsCompleted(), 0);
        if (!headComplete) {
            QCOMPARE(upstream.bytesReceived(), 0);
            QCOMPARE(upstream.connectionsAccepted(), 0);
        }
    }

    // A malformed request after a complete exchange on the same keep-alive connection is
    // answered 400 like the first one would be, not reset as if a response were cut short.
    void malformedAfterAnExchange() {
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QCOMPARE(client.roundTrip(simpleGet("/first")).status, 200);
        client.send("GET /second HTTP/1.1\r\nHost : x\r\n\r\n");
        verifyProblem(client.read(), 400);
        QVERIFY(client.waitForClose());
    }

    // The capture of a refused request names what it asked for when its request line was
    // valid, so that a search by path finds it; and the problem it was answered with.
    void refusedRequestCaptured_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("missing Host") << QByteArray("POST /inventory/x?a=1 HTTP/1.1\r\n\r\n")
                                      << QByteArray("POST") << QByteArray("/inventory/x?a=1");
        QTest::newRow("space before colon") << QByteArray("GET /b HTTP/1.1\r\nHost : x\r\n\r\n")
                                            << QByteArray("GET") << QByteArray("/b");
        QTest::newRow("request line refused")
            << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << QByteArray() << QByteArray();
    }
    void refusedRequestCaptured() {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        // Before the proxy: its worker may still be capturing while it stops.
        CaptureQueue queue(1, 100);
        const CaptureHeaderFilter filter(QStringList{});
        ProxyConfig config = testConfig(1);
        config.listen.port = 0;
        config.services.push_back(makeService({"svc", "/", {m_untouched.port()}}, config));
        ProxyServer proxy(config);
        ProxyCapture capture;
        capture.queue = &queue;
        capture.filter = &filter;
        proxy.setCapture(capture);
        QVERIFY(proxy.listen());
        RawClient client(proxy.port());
        client.send(raw);
        verifyProblem(client.read(), 400);
        std::vector<CaptureRecord> records;
        QTRY_VERIFY(([&] {
            queue.drain(records);
            return !records.empty();
        }()));
        const CaptureRecord &record = records.front();
        QCOMPARE(record.status, 400);
        QCOMPARE(record.proxyError, QByteArray("malformed-request"));
        QCOMPARE(record.method, method);
        QCOMPARE(record.path, path);
        QVERIFY(!record.replayable);
    }

    // A valid message followed by junk: the message is answered (its Connection: close or
    // HTTP/1.0 ends the connection) and the junk is never parsed, let alone forwarded.
    void refusedAfterAValidMessage_data() { addRows(MalformedStage::AfterMessage); }
    void refusedAfterAValidMessage() {
        QFETCH(QByteArray, raw);
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(raw);
        const RawResponse response = client.read();
        QVERIFY(response.complete);
        QVERIFY2(response.status == 200, response.body.constData());
        QVERIFY(client.waitForClose());
        QCOMPARE(upstream.requestsReceived(), 1);
        QCOMPARE(upstream.requestsCompleted(), 1);
    }
};

QTEST_GUILESS_MAIN(TestProxyMalformed)
#include "tst_proxy_malformed.moc"
