#include <backend/cache/http_date.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ToolCapture;

// Requests forwarded end to end through real sockets: headers, routing, keep-alive, pipelining.
class TestProxyForwarding : public QObject {
    Q_OBJECT

private:
    static QJsonObject echoOf(const RawResponse &response) {
        return QJsonDocument::fromJson(response.body).object();
    }
    static QJsonObject echoHeaders(const RawResponse &response) {
        return echoOf(response).value(QStringLiteral("headers")).toObject();
    }

    TestUpstream m_inventory;
    TestUpstream m_pricing;
    TestUpstream m_catalog;
    std::unique_ptr<ProxyServer> m_proxy;

private slots:
    void initTestCase() {
        m_proxy = startProxy(
            testConfig(1),
            {{QStringLiteral("inventory"), "/inventory/", {m_inventory.port()}},
             {QStringLiteral("pricing"), "/pricing/", {m_pricing.port()}, "pricing.local"},
             {QStringLiteral("catalog"), "/catalog/", {m_catalog.port()}}});
        QVERIFY(m_proxy);
    }

    void forwardsAndAddsForwardingHeaders() {
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(
            "GET /inventory/items/7?x=1 HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 10.0.0.9\r\n"
            "Via: 1.0 edge\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            "\r\n\r\n");
        QVERIFY(response.complete);
        QCOMPARE(response.status, 200);
        const QJsonObject echo = echoOf(response);
        QCOMPARE(echo.value("target").toString(), QStringLiteral("/inventory/items/7?x=1"));
        QCOMPARE(echo.value("port").toInt(), int(m_inventory.port()));
        const QJsonObject h = echoHeaders(response);
        QCOMPARE(h.value("host").toString(), QStringLiteral("shop"));
        QCOMPARE(h.value("x-forwarded-for").toString(), QStringLiteral("10.0.0.9, 127.0.0.1"));
        QCOMPARE(h.value("x-forwarded-proto").toString(), QStringLiteral("http"));
        QCOMPARE(h.value("via").toString(), QStringLiteral("1.0 edge, 1.1 toolcapture"));
        QCOMPARE(h.value("traceparent").toString(),
                 QStringLiteral("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        // A correlation id was generated, sent upstream and returned to the client.
        const QByteArray id = response.header("x-correlation-id");
        QCOMPARE(id.size(), 36);
        QCOMPARE(id.at(14), '7'); // version 7: time-ordered (core/uuid.h)
        QCOMPARE(h.value("x-correlation-id").toString().toLatin1(), id);
        QVERIFY(response.header("via").endsWith("1.1 toolcapture"));
    }

    void correlationId_data() {
        QTest::addColumn<QByteArray>("given");
        QTest::addColumn<bool>("kept");
        QTest::newRow("uuid") << QByteArray("4f1c2a9e-8a43-4d0e-9d55-3e2a8d1c0b7f") << true;
        QTest::newRow("token") << QByteArray("req-42.a_b:c") << true;
        QTest::newRow("spaces") << QByteArray("not allowed") << false;
        QTest::newRow("quote") << QByteArray("x\"y") << false;
        QTest::newRow("too long") << QByteArray(129, 'a') << false;
    }
    void correlationId() {
        QFETCH(QByteArray, given);
        QFETCH(bool, kept);
        RawClient client(m_proxy->port());
        const RawResponse response =
            client.roundTrip(simpleGet("/inventory/a", "X-Correlation-ID: " + given + "\r\n"));
        QCOMPARE(response.status, 200);
        const QByteArray returned = response.header("x-correlation-id");
        QCOMPARE(returned == given, kept);
        QCOMPARE(echoHeaders(response).value("x-correlation-id").toString().toLatin1(), returned);
    }

    void removesHopByHopHeaders() {
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(
            "GET /inventory/h HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive, X-Secret-Hop\r\n"
            "X-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\n"
            "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\n"
            "Trailer: X-Foo\r\nX-Kept: yes\r\n\r\n");
        QCOMPARE(response.status, 200);
        const QJsonObject h = echoHeaders(response);
        for (const char *gone : {"connection", "x-secret-hop", "keep-alive", "te", "upgrade",
                                 "proxy-authorization", "proxy-connection", "trailer"})
            QVERIFY2(!h.contains(QLatin1String(gone)), gone);
        QCOMPARE(h.value("x-kept").toString(), QStringLiteral("yes"));
    }

    void removesHopByHopFromResponses() {
        m_catalog.setBehaviour({TestUpstream::Mode::Raw,
                                "HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\n"
                                "Keep-Alive: timeout=3\r\nProxy-Foo: x\r\nETag: \"v1\"\r\n"
                                "Content-Length: 2\r\n\r\nok"});
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(simpleGet("/catalog/p"));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("ok"));
        QVERIFY(response.header("x-internal").isEmpty());
        QVERIFY(response.header("keep-alive").isEmpty());
        QVERIFY(response.header("proxy-foo").isEmpty());
        QCOMPARE(response.header("etag"), QByteArray("\"v1\""));
        m_catalog.setBehaviour({});
    }

    void routing_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("service");
        QTest::newRow("prefix inventory") << simpleGet("/inventory/x") << 200 << "inventory";
        QTest::newRow("prefix pricing") << simpleGet("/pricing/quote") << 200 << "pricing";
        QTest::newRow("host") << QByteArray(
                                     "GET /quote HTTP/1.1\r\nHost: pricing.local:8090\r\n\r\n")
                              << 200 << "pricing";
        QTest::newRow("header beats prefix")
            << simpleGet("/inventory/x", "X-Target-Service: catalog\r\n") << 200 << "catalog";
        QTest::newRow("header case")
            << simpleGet("/q", "X-Target-Service: PRICING\r\n") << 200 << "pricing";
        QTest::newRow("unknown header target")
            << simpleGet("/inventory/x", "X-Target-Service: nope\r\n") << 404 << "";
        QTest::newRow("no match") << simpleGet("/elsewhere") << 404 << "";
        QTest::newRow("prefix needs slash") << simpleGet("/inventoryx") << 404 << "";
        QTest::newRow("absolute form")
            << QByteArray("GET http://shop/catalog/p HTTP/1.1\r\nHost: shop\r\n\r\n") << 200
            << "catalog";
        // The target's authority is the host, whatever the Host field says (RFC 9112 3.2.2).
        QTest::newRow("absolute form's host routes")
            << QByteArray("GET http://pricing.local/quote HTTP/1.1\r\nHost: shop\r\n\r\n") << 200
            << "pricing";
        QTest::newRow("Host field under an absolute form does not route")
            << QByteArray("GET http://shop/quote HTTP/1.1\r\nHost: pricing.local\r\n\r\n") << 404
            << "";
        // Dot segments cannot step out of the prefix that routed the request.
        QTest::newRow("dot-dot leaves the prefix")
            << simpleGet("/inventory/../catalog/p") << 200 << "catalog";
        QTest::newRow("encoded dot-dot leaves the prefix")
            << simpleGet("/inventory/%2E%2e/elsewhere") << 404 << "";
        QTest::newRow("invalid Host")
            << QByteArray("GET /inventory/x HTTP/1.1\r\nHost: a b\r\n\r\n") << 400 << "";
    }
    void routing() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, service);
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(request);
        QVERIFY(response.complete);
        QCOMPARE(response.status, status);
        if (status == 200) {
            const std::map<QString, quint16> ports{{"inventory", m_inventory.port()},
                                                   {"pricing", m_pricing.port()},
                                                   {"catalog", m_catalog.port()}};
            QCOMPARE(echoOf(response).value("port").toInt(), int(ports.at(service)));
        } else {
            QCOMPARE(response.header("content-type"), QByteArray("application/problem+json"));
            const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
            QCOMPARE(problem.value("status").toInt(), status);
            QVERIFY(!problem.value("title").toString().isEmpty());
            QVERIFY(!problem.value("detail").toString().isEmpty());
            QVERIFY(!problem.value("type").toString().isEmpty());
            QCOMPARE(problem.value("correlation_id").toString().toLatin1(),
                     response.header("x-correlation-id"));
        }
    }

    // A response the proxy writes itself is framed for the request it answers: a HEAD gets
    // the head alone (else its body would be read as the next response), an HTTP/1.0 client
    // kept open is told so, and every one carries a Date (RFC 9110 9.3.2, 6.6.1).
    void ownResponsesFramedForTheRequest_data() {
        QTest::addColumn<QByteArray>("first");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("connection");
        QTest::newRow("HEAD, no route")
            << QByteArray("HEAD /nowhere HTTP/1.1\r\nHost: test\r\n\r\n") << QByteArray("HEAD")
            << 404 << QByteArray();
        QTest::newRow("GET, no route")
            << simpleGet("/nowhere") << QByteArray("GET") << 404 << QByteArray();
        QTest::newRow("HTTP/1.0 kept alive, no route")
            << QByteArray("GET /nowhere HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            << QByteArray("GET") << 404 << QByteArray("keep-alive");
    }
    void ownResponsesFramedForTheRequest() {
        QFETCH(QByteArray, first);
        QFETCH(QByteArray, method);
        QFETCH(int, status);
        QFETCH(QByteArray, connection);
        RawClient client(m_proxy->port());
        // Pipelined: the second response must start where the first one ends.
        client.send(first + simpleGet("/inventory/next"));
        const RawResponse own = client.read(method);
        QVERIFY(own.complete);
        QCOMPARE(own.status, status);
        QCOMPARE(own.header("content-type"), QByteArray("application/problem+json"));
        QVERIFY(own.header("content-length").toInt() > 0);
        QCOMPARE(own.body.isEmpty(), method == "HEAD");
        QVERIFY(HttpDate::parse(own.header("date")).has_value());
        QCOMPARE(own.header("connection"), connection);
        const RawResponse next = client.read();
        QVERIFY(next.complete);
        QCOMPARE(next.status, 200);
        QCOMPARE(echoOf(next).value("target").toString(), QStringLiteral("/inventory/next"));
    }

    // A response the origin sent without a Date gets one (RFC 9110 6.6.1); one with a Date
    // keeps it.
    void dateAddedWhenTheOriginHasNone() {
        m_catalog.setBehaviour(
            {TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"});
        RawClient client(m_proxy->port());
        const RawResponse bare = client.roundTrip(simpleGet("/catalog/p"));
        QCOMPARE(bare.status, 200);
        QVERIFY(HttpDate::parse(bare.header("date")).has_value());
        m_catalog.setBehaviour({TestUpstream::Mode::Raw,
                                "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                "Content-Length: 2\r\n\r\nok"});
        const RawResponse dated = client.roundTrip(simpleGet("/catalog/p"));
        QCOMPARE(dated.header("date"), QByteArray("Sun, 06 Nov 1994 08:49:37 GMT"));
        m_catalog.setBehaviour({});
    }

    // What the upstream receives is what the proxy routed by: origin-form, the target's
    // authority as Host, no dot segments, no fragment.
    void forwardsTheNormalizedTarget_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("host");
        QTest::newRow("absolute form, query holds a slash")
            << QByteArray("GET http://x:80/catalog/?a=1&b=/c HTTP/1.1\r\nHost: y\r\n\r\n")
            << "/catalog/?a=1&b=/c"
            << "x:80";
        QTest::newRow("dot segments")
            << simpleGet("/catalog/a/./b/../c?q=../x") << "/catalog/a/c?q=../x"
            << "test";
        QTest::newRow("fragment") << simpleGet("/catalog/p#top") << "/catalog/p"
                                  << "test";
        QTest::newRow("Connection names Host")
            << QByteArray("GET /catalog/p HTTP/1.1\r\nHost: shop\r\nConnection: Host\r\n\r\n")
            << "/catalog/p"
            << "shop";
    }
    void forwardsTheNormalizedTarget() {
        QFETCH(QByteArray, request);
        QFETCH(QString, target);
        QFETCH(QString, host);
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(request);
        QCOMPARE(response.status, 200);
        QCOMPARE(echoOf(response).value("target").toString(), target);
        QCOMPARE(echoHeaders(response).value("host").toString(), host);
    }

    void keepAliveReusesOneUpstreamConnection() {
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 50; ++i) {
            const RawResponse response = client.roundTrip(simpleGet("/r/" + QByteArray::number(i)));
            QVERIFY(response.complete);
            QCOMPARE(response.status, 200);
        }
        QCOMPARE(upstream.requestsReceived(), 50);
        QCOMPARE(upstream.connectionsAccepted(), 1);
        // Other clients reuse the idle connection too.
        for (int c = 0; c < 5; ++c) {
            RawClient other(proxy->port());
            QCOMPARE(other.roundTrip(simpleGet("/again")).status, 200);
        }
        QCOMPARE(upstream.connectionsAccepted(), 1);
        QCOMPARE(proxy->metrics().totals().instances[0].connectionsOpened, 1u);
    }

    void pipelinedRequestsAnsweredInOrder() {
        RawClient client(m_proxy->port());
        client.send(simpleGet("/inventory/1") + simpleGet("/pricing/2") + simpleGet("/catalog/3") +
                    simpleGet("/nowhere/4") + simpleGet("/inventory/5"));
        const QStringList expected{"/inventory/1", "/pricing/2", "/catalog/3", "", "/inventory/5"};
        for (const QString &target : expected) {
            const RawResponse response = client.read();
            QVERIFY(response.complete);
            if (target.isEmpty()) {
                QCOMPARE(response.status, 404);
                continue;
            }
            QCOMPARE(response.status, 200);
            QCOMPARE(echoOf(response).value("target").toString(), target);
        }
    }

    void postWithBody_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("bodyBytes");
        QTest::newRow("content-length")
            << QByteArray("POST /inventory/r HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
                          "hello world")
            << 11;
        QTest::newRow("chunked")
            << QByteArray("POST /inventory/r HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                          "\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
            << 11;
        QTest::newRow("empty") << QByteArray(
                                      "POST /inventory/r HTTP/1.1\r\nHost: a\r\nContent-Length: 0"
                                      "\r\n\r\n")
                               << 0;
    }
    void postWithBody() {
        QFETCH(QByteArray, request);
        QFETCH(int, bodyBytes);
        RawClient client(m_proxy->port());
        const RawResponse response = client.roundTrip(request);
        QCOMPARE(response.status, 200);
        QCOMPARE(echoOf(response).value("body_bytes").toInt(), bodyBytes);
        // The connection is still usable afterwards.
        QCOMPARE(client.roundTrip(simpleGet("/inventory/next")).status, 200);
    }

    void responseFraming_data() {
        QTest::addColumn<QByteArray>("upstreamResponse");
        QTest::addColumn<QByteArray>("requestVersion");
        QTest::addColumn<QByteArray>("expectedBody");
        QTest::addColumn<QByteArray>("expectedTransferEncoding");
        QTest::addColumn<bool>("clientKeptAlive");
        QTest::newRow("chunked to 1.1")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                          "2\r\nde\r\n0\r\n\r\n")
            << QByteArray("1.1") << QByteArray("abcde") << QByteArray("chunked") << true;
        QTest::newRow("until close to 1.1")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nstream-until-close")
            << QByteArray("1.1") << QByteArray("stream-until-close") << QByteArray("chunked")
            << true; // re-chunked: the client connection outlives the upstream's
        QTest::newRow("chunked to 1.0")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                          "0\r\n\r\n")
            << QByteArray("1.0") << QByteArray("abc") << QByteArray() << false;
        QTest::newRow("length to 1.0")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz") << QByteArray("1.0")
            << QByteArray("xyz") << QByteArray() << false;
    }
    void responseFraming() {
        QFETCH(QByteArray, upstreamResponse);
        QFETCH(QByteArray, requestVersion);
        QFETCH(QByteArray, expectedBody);
        QFETCH(QByteArray, expectedTransferEncoding);
        QFETCH(bool, clientKeptAlive);
        TestUpstream::Behaviour behaviour{TestUpstream::Mode::Raw, upstreamResponse};
        behaviour.closeAfterResponse =
            !upstreamResponse.contains("Content-Length") && !upstreamResponse.contains("chunked");
        TestUpstream upstream(behaviour);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        const RawResponse response =
            client.roundTrip("GET /x HTTP/" + requestVersion + "\r\nHost: a\r\n\r\n");
        QVERIFY(response.complete);
        QCOMPARE(response.body, expectedBody);
        QCOMPARE(response.header("transfer-encoding"), expectedTransferEncoding);
        if (clientKeptAlive)
            QCOMPARE(client.roundTrip(simpleGet("/again")).status, 200);
        else
            QVERIFY(client.waitForClose());
    }

    void headRequestHasNoBody() {
        m_catalog.setBehaviour(
            {TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"});
        RawClient client(m_proxy->port());
        const RawResponse response =
            client.roundTrip("HEAD /catalog/x HTTP/1.1\r\nHost: a\r\n\r\n", "HEAD");
        QVERIFY(response.complete);
        QCOMPARE(response.header("content-length"), QByteArray("1234"));
        QVERIFY(response.body.isEmpty());
        m_catalog.setBehaviour({});
        QCOMPARE(client.roundTrip(simpleGet("/catalog/y")).status, 200);
    }

    void http10ClientKeepAlive() {
        RawClient client(m_proxy->port());
        const RawResponse first = client.roundTrip(
            "GET /inventory/a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("connection").toLower(), QByteArray("keep-alive"));
        const RawResponse second = client.roundTrip("GET /inventory/b HTTP/1.0\r\nHost: a\r\n\r\n");
        QCOMPARE(second.status, 200);
        QVERIFY(client.waitForClose());
    }

    void connectionCloseFromClient() {
        RawClient client(m_proxy->port());
        const RawResponse response =
            client.roundTrip("GET /inventory/a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(client.waitForClose());
    }

    void spreadsAcrossEqualInstances() {
        // Power of two choices over equal instances: every one takes a fair share. Latency does
        // not count here: upstreams sharing this loaded test process are not equally fast, and
        // following real latency is the scorer's job (tested in tst_scoring_selector and
        // tst_proxy_resilience); this is about the draw not herding.
        TestUpstream a;
        TestUpstream b;
        TestUpstream c;
        ProxyConfig config = testConfig(1);
        config.routing.latencyWeight = 0;
        auto proxy =
            startProxy(config, {{QStringLiteral("svc"), "/", {a.port(), b.port(), c.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 300; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        QCOMPARE(a.requestsReceived() + b.requestsReceived() + c.requestsReceived(), 300);
        for (const TestUpstream *upstream : {&a, &b, &c})
            QVERIFY2(upstream->requestsReceived() >= 40,
                     qPrintable(QString::number(upstream->requestsReceived())));
    }

    void freshProxiesDoNotPickInLockstep() {
        // Several proxies in front of the same instances, all started at once (a deployment, a
        // restart): with nothing measured yet, the draw alone decides. Were every proxy seeded
        // alike, each would send its first request to the same instance, and so on in step.
        // Eight fresh proxies, eight instances: that all eight first picks agree by chance
        // has a probability of 8^-7.
        std::vector<std::unique_ptr<TestUpstream>> upstreams;
        std::vector<quint16> ports;
        for (int i = 0; i < 8; ++i) {
            upstreams.push_back(std::make_unique<TestUpstream>());
            ports.push_back(upstreams.back()->port());
        }
        std::vector<int> firstPicks;
        for (int p = 0; p < 8; ++p) {
            auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", ports}});
            QVERIFY(proxy);
            std::vector<int> before;
            for (const auto &u : upstreams)
                before.push_back(u->requestsReceived());
            RawClient client(proxy->port());
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
            int picked = -1;
            for (size_t i = 0; i < upstreams.size(); ++i)
                if (upstreams[i]->requestsReceived() != before[i])
                    picked = int(i);
            QVERIFY(picked >= 0);
            firstPicks.push_back(picked);
        }
        QVERIFY2(std::adjacent_find(firstPicks.begin(), firstPicks.end(), std::not_equal_to<>()) !=
                     firstPicks.end(),
                 "every fresh proxy sent its first request to the same instance");
    }

    void metricsCountResponses() {
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(2), {{QStringLiteral("svc"), "/s/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 7; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/s/x")).status, 200);
        QCOMPARE(client.roundTrip(simpleGet("/none")).status, 404);
        QTRY_COMPARE(proxy->metrics().totals().instances[0].responses[2], 7u);
        const ProxyTotals totals = proxy->metrics().totals();
        QCOMPARE(totals.requests, 8u);
        QCOMPARE(totals.unrouted, 1u);
        QCOMPARE(totals.proxyErrors[404 - 400], 1u);
        QCOMPARE(totals.instances[0].responseCount(), 7u);
        std::uint64_t histogram = 0;
        for (auto n : totals.instances[0].latencyBuckets)
            histogram += n;
        QCOMPARE(histogram, 7u);
        QVERIFY(totals.instances[0].bytesFromUpstream > 0);
        QCOMPARE(totals.clientConnections, 1);
    }
};

QTEST_GUILESS_MAIN(TestProxyForwarding)
#include "tst_proxy_forwarding.moc"
