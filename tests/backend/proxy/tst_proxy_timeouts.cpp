#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;

// Connection deadlines on a manual clock: each fires when the clock reaches it and not a
// millisecond before, whatever the number of connections; no test here depends on how fast
// the machine is.
class TestProxyTimeouts : public QObject {
    Q_OBJECT

private:
    static std::uint64_t timeouts408(const ProxyServer &proxy) {
        return proxy.metrics().totals().proxyErrors[408 - 400];
    }

private slots:
    // The backoff between a failed attempt and its retry is one of the session's deadlines: it
    // runs on the (manual) clock. Ten minutes of backoff pass as soon as the clock says so; on
    // a wall-clock timer the retry would come up to ten minutes later.
    void retryBackoffRunsOnTheClock() {
        ManualClock clock;
        TestUpstream::Behaviour unavailable;
        unavailable.mode = TestUpstream::Mode::Raw;
        unavailable.raw = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
        TestUpstream upstream(unavailable);
        ProxyConfig config = testConfig(1);
        config.retry.maxAttempts = 2;
        config.retry.baseDelay = 600000ms;
        config.retry.maxDelay = 600000ms;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}}, &clock);
        QVERIFY(proxy);
        RawClient client(proxy->port());
        client.send(simpleGet("/a"));
        QTRY_COMPARE(upstream.requestsReceived(), 1);
        QVERIFY(checkDeadlines(*proxy)); // the clock has not moved: no retry
        QCOMPARE(upstream.requestsReceived(), 1);
        clock.advance(600000ms);
        QVERIFY(checkDeadlines(*proxy));
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 2, 5000);
        const RawResponse response = client.read();
        QVERIFY(response.complete);
        QCOMPARE(response.status, 503); // both attempts failed: the last answer is passed on
    }

    // An idle keep-alive connection closes exactly at the idle timeout.
    void idleKeepAlive() {
        ManualClock clock;
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.timeouts.idleKeepAlive = 5000ms;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}}, &clock);
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QCOMPARE(client.roundTrip(simpleGet("/a")).status, 200);
        clock.advance(4999ms);
        QVERIFY(checkDeadlines(*proxy));
        QCOMPARE(proxy->metrics().totals().clientConnections, 1);
        clock.advance(1ms);
        QVERIFY(checkDeadlines(*proxy));
        QVERIFY(client.waitForClose());
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0);
    }

    // Slow clients: 1,000 connections send one header byte per (manual) second. None is
    // answered before the header timeout, counted from its first byte; at the timeout every
    // one gets 408 and is closed; normal traffic is served meanwhile.
    void slowClientsClosedAtHeaderTimeout() {
        constexpr int kSlow = 1000;
        ManualClock clock;
        TestUpstream upstream;
        ProxyConfig config = testConfig(1);
        config.timeouts.headerRead = 10000ms;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}}, &clock);
        QVERIFY(proxy);
        std::vector<std::unique_ptr<RawClient>> slow;
        for (int i = 0; i < kSlow; ++i) {
            slow.push_back(std::make_unique<RawClient>(proxy->port()));
            QVERIFY(slow.back()->isConnected());
        }
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, kSlow);
        const QByteArray head = simpleGet("/slow");
        std::uint64_t expectedBytes = 0;
        for (int second = 0; second < 10; ++second) {
            for (auto &client : slow)
                client->send(head.sliced(second, 1));
            expectedBytes += kSlow;
            QTRY_COMPARE(proxy->metrics().totals().bytesFromClients, expectedBytes);
            QVERIFY(checkDeadlines(*proxy)); // every byte of this round is handled
            QCOMPARE(timeouts408(*proxy), 0u);
            if (second < 9)
                clock.advance(1s);
        }
        // Normal traffic still goes through.
        {
            RawClient normal(proxy->port());
            const QByteArray request = simpleGet("/normal");
            QCOMPARE(normal.roundTrip(request).status, 200);
        }
        QCOMPARE(upstream.requestsReceived(), 1);
        clock.advance(999ms); // 9.999 s after the first byte
        QVERIFY(checkDeadlines(*proxy));
        QCOMPARE(timeouts408(*proxy), 0u);
        QCOMPARE(proxy->metrics().totals().clientConnections, kSlow);
        clock.advance(1ms); // 10 s: the header timeout
        QVERIFY(checkDeadlines(*proxy));
        QCOMPARE(timeouts408(*proxy), std::uint64_t(kSlow));
        for (auto &client : slow) {
            const RawResponse response = client->read();
            QVERIFY(response.complete);
            QCOMPARE(response.status, 408);
            QCOMPARE(response.header("content-type"), QByteArray("application/problem+json"));
        }
        QTRY_COMPARE(proxy->metrics().totals().clientConnections, 0);
        QCOMPARE(upstream.requestsReceived(), 1);
    }
};

QTEST_GUILESS_MAIN(TestProxyTimeouts)
#include "tst_proxy_timeouts.moc"
