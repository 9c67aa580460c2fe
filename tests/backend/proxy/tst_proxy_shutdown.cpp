#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/raw_client.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace ToolCapture;

using std::chrono::milliseconds;

// ProxyServer::drain(): idle connections close at once, in-flight requests finish (with
// Connection: close), hung ones are cut at the timeout, and nothing new is accepted.
class TestProxyShutdown : public QObject {
    Q_OBJECT

private slots:
    // Each worker listens with SO_REUSEPORT; a second proxy on a port that is taken must fail
    // with a clear error instead of joining the group and taking half the traffic.
    void portInUseIsRefused_data() {
        QTest::addColumn<QString>("holder");
        QTest::newRow("another proxy, one worker") << QStringLiteral("proxy1");
        QTest::newRow("another proxy, two workers") << QStringLiteral("proxy2");
        QTest::newRow("a plain listening socket") << QStringLiteral("socket");
    }

    void portInUseIsRefused() {
        QFETCH(QString, holder);
        TestUpstream upstream;
        std::unique_ptr<ProxyServer> first;
        QTcpServer plain;
        quint16 port = 0;
        if (holder == QLatin1String("socket")) {
            QVERIFY(plain.listen(QHostAddress::LocalHost, 0));
            port = plain.serverPort();
        } else {
            first = startProxy(testConfig(holder == QLatin1String("proxy2") ? 2 : 1),
                               {{QStringLiteral("svc"), "/", {upstream.port()}}});
            QVERIFY(first);
            port = first->port();
        }
        ProxyConfig config = testConfig(2);
        config.listen.port = port;
        config.services.push_back(
            makeService({QStringLiteral("svc"), "/", {upstream.port()}}, config));
        ProxyServer second(config);
        QString error;
        QVERIFY(!second.listen(&error));
        QVERIFY2(error.contains(QStringLiteral("cannot listen on 127.0.0.1:%1").arg(port)),
                 qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("in use")), qPrintable(error));
        if (first) {
            // The first one still has all of its port.
            RawClient client(first->port());
            QCOMPARE(client.roundTrip(simpleGet("/a")).status, 200);
        }
    }

    void portIsFreeAgainAfterTheProxyStops() {
        TestUpstream upstream;
        quint16 port = 0;
        {
            auto first =
                startProxy(testConfig(2), {{QStringLiteral("svc"), "/", {upstream.port()}}});
            QVERIFY(first);
            port = first->port();
            RawClient client(port);
            QCOMPARE(client.roundTrip(simpleGet("/a")).status, 200);
        }
        ProxyConfig config = testConfig(2);
        config.listen.port = port;
        config.services.push_back(
            makeService({QStringLiteral("svc"), "/", {upstream.port()}}, config));
        ProxyServer again(config);
        QString error;
        QVERIFY2(again.listen(&error), qPrintable(error));
        QCOMPARE(again.port(), port);
        RawClient client(port);
        QCOMPARE(client.roundTrip(simpleGet("/b")).status, 200);
    }

    void idleKeepAliveClosedAtOnce() {
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(2), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient first(proxy->port());
        RawClient second(proxy->port()); // the other worker
        QCOMPARE(first.roundTrip(simpleGet("/a")).status, 200);
        QCOMPARE(second.roundTrip(simpleGet("/b")).status, 200);
        QSignalSpy drained(proxy.get(), &ProxyServer::drained);
        QVERIFY(drained.isValid());
        QElapsedTimer timer;
        timer.start();
        proxy->drain(milliseconds(10000));
        QVERIFY(proxy->isDraining());
        QVERIFY(first.waitForClose(2000));
        QVERIFY(second.waitForClose(2000));
        QVERIFY(drained.wait(2000));
        QVERIFY(timer.elapsed() < 2000); // long before the drain timeout
        QCOMPARE(drained.count(), 1);
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0); // sessions die later
    }

    void inFlightRequestCompletes() {
        TestUpstream::Behaviour slow{TestUpstream::Mode::Echo, {}};
        slow.delayMs = 500;
        TestUpstream upstream(slow);
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(simpleGet("/slow"));
        QTRY_COMPARE(upstream.requestsCompleted(), 1);
        QSignalSpy drained(proxy.get(), &ProxyServer::drained);
        QVERIFY(drained.isValid());
        proxy->drain(milliseconds(10000));
        QCOMPARE(drained.count(), 0); // the request is still in flight
        const RawResponse response = client.read();
        QVERIFY(response.complete);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(client.waitForClose());
        QVERIFY(drained.wait(2000));
        QCOMPARE(drained.count(), 1);
    }

    void hungRequestCutAtTimeout() {
        TestUpstream upstream({TestUpstream::Mode::Hang, {}});
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(simpleGet("/hang"));
        QTRY_COMPARE(upstream.requestsCompleted(), 1);
        QSignalSpy drained(proxy.get(), &ProxyServer::drained);
        QVERIFY(drained.isValid());
        QElapsedTimer timer;
        timer.start();
        proxy->drain(milliseconds(300));
        QVERIFY(drained.wait(5000));
        QVERIFY(timer.elapsed() >= 250);
        QVERIFY(client.waitForClose(2000));
        QVERIFY(!client.read().complete);
        QTRY_COMPARE(upstream.openConnections(), 0);
        QCOMPARE(drained.count(), 1);
    }

    void newConnectionsRefused() {
        TestUpstream upstream;
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const quint16 port = proxy->port();
        QVERIFY(RawClient(port).isConnected());
        QSignalSpy drained(proxy.get(), &ProxyServer::drained);
        QVERIFY(drained.isValid());
        proxy->drain(milliseconds(1000));
        QVERIFY(drained.wait(5000));
        // The listening socket closes in the acceptor's thread, so retry until it has.
        const auto refused = [port] {
            QTcpSocket late;
            late.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
            return !late.waitForConnected(1000) &&
                   late.error() == QAbstractSocket::ConnectionRefusedError;
        };
        QTRY_VERIFY_WITH_TIMEOUT(refused(), 2000);
        QCOMPARE(upstream.connectionsAccepted(), 0);
    }
};

QTEST_GUILESS_MAIN(TestProxyShutdown)
#include "tst_proxy_shutdown.moc"
