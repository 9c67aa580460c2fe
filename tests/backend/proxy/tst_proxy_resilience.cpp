#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/manual_clock.h>
#include <tests/support/raw_client.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

using namespace ToolCapture;

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock;

const QByteArray kInternalError = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
const QByteArray kUnavailable = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

TestUpstream::Behaviour behaviour(TestUpstream::Mode mode, QByteArray raw = {}) {
    TestUpstream::Behaviour b;
    b.mode = mode;
    b.raw = std::move(raw);
    return b;
}

TestUpstream::Behaviour echoAfter(int delayMs) {
    TestUpstream::Behaviour b;
    b.delayMs = delayMs;
    return b;
}

// Only the load part scores: with sequential traffic every instance ties, so the power of two
// choices spreads requests evenly and only the resilience layer takes an instance out.
RoutingConfig loadOnlyRouting() {
    RoutingConfig routing;
    routing.latencyWeight = 0;
    routing.reliabilityWeight = 0;
    routing.loadWeight = 1;
    routing.compatibilityWeight = 0;
    return routing;
}

// One attempt per request, and breakers that only the consecutive-failure rule can trip (the
// rate rules need more calls than any test makes).
ProxyConfig resilienceConfig(int workers) {
    ProxyConfig config = testConfig(workers);
    config.retry.maxAttempts = 1;
    config.breaker.consecutiveFailures = 5;
    config.breaker.window = BreakerConfig::Window::Time;
    config.breaker.windowDuration = 60s;
    config.breaker.minimumCalls = 100000;
    config.breaker.adaptive = false;
    config.breaker.openDuration = 30s;
    return config;
}

BreakerTransition transitionAt(const QSignalSpy &spy, qsizetype i) {
    return spy.at(i).at(0).value<BreakerTransition>();
}

// "closed>open", one per transition seen so far.
QStringList transitionsOf(const QSignalSpy &spy) {
    QStringList out;
    for (qsizetype i = 0; i < spy.size(); ++i) {
        const BreakerTransition t = transitionAt(spy, i);
        out << QLatin1String(toString(t.from)) + QLatin1Char('>') + QLatin1String(toString(t.to));
    }
    return out;
}

QJsonObject jsonOf(const RawResponse &response) {
    return QJsonDocument::fromJson(response.body).object();
}

QByteArray problemType(const RawResponse &response) {
    return jsonOf(response).value(QStringLiteral("type")).toString().toLatin1();
}

bool reached(SteadyTime::time_point at) {
    return SteadyTime::now() >= at;
}

// The checksum TestUpstream's Sink mode reports.
quint64 sinkChecksum(const QByteArray &body) {
    quint64 sum = 0;
    for (char c : body)
        sum = sum * 31 + quint8(c);
    return sum;
}

QByteArray bodyOf(qsizetype size) {
    QByteArray body(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        body[i] = char('a' + (i * 7 + i / 251) % 26);
    return body;
}

QByteArray request(QByteArrayView method, const QByteArray &body, bool idempotencyKey,
                   bool chunked = false) {
    QByteArray out = method.toByteArray() + " /x HTTP/1.1\r\nHost: test\r\n";
    if (idempotencyKey)
        out += "Idempotency-Key: 7c4a8d09-ca37-4f1b\r\n";
    if (chunked) {
        out += "Transfer-Encoding: chunked\r\n\r\n";
        if (!body.isEmpty())
            out += QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n";
        out += "0\r\n\r\n";
    } else if (!body.isEmpty() || method != "GET") {
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    } else {
        out += "\r\n";
    }
    return out;
}

// Many clients, each with its request sent before any response is read, so the proxy sees
// them all at once. The sockets live in the test thread: QTRY_* spins the event loop that fills
// their buffers, and answered() looks without blocking.
class Burst {
public:
    Burst(quint16 port, int clients, QByteArrayView request) {
        for (int i = 0; i < clients; ++i)
            m_clients.push_back(std::make_unique<RawClient>(port));
        for (auto &client : m_clients)
            client->send(request);
    }
    int size() const { return int(m_clients.size()); }
    bool connected() const {
        return std::all_of(m_clients.begin(), m_clients.end(),
                           [](const auto &c) { return c->isConnected(); });
    }
    bool hasAnswer(int i) { return m_clients[size_t(i)]->socket().bytesAvailable() > 0; }
    int answered() {
        int n = 0;
        for (int i = 0; i < size(); ++i)
            n += hasAnswer(i) ? 1 : 0;
        return n;
    }
    RawResponse read(int i) { return m_clients[size_t(i)]->read(); }
    void close(int i) { m_clients[size_t(i)]->reset(); }

private:
    std::vector<std::unique_ptr<RawClient>> m_clients;
};

// A client in a thread of its own sending GETs back to back until stopped, counting outcomes.
class BackgroundTraffic {
public:
    explicit BackgroundTraffic(quint16 port)
        : m_thread([this, port] { run(port); }) {}
    ~BackgroundTraffic() { stop(); }
    void stop() {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    std::atomic<int> completed{0};
    std::atomic<int> ok{0};
    std::atomic<int> internalError{0};
    std::atomic<int> other{0};

private:
    void run(quint16 port) {
        std::unique_ptr<RawClient> client;
        while (!m_stop) {
            if (!client || !client->isConnected())
                client = std::make_unique<RawClient>(port, 5000);
            const RawResponse response = client->roundTrip(simpleGet("/bg"));
            if (response.complete && response.status == 200)
                ++ok;
            else if (response.complete && response.status == 500)
                ++internalError;
            else
                ++other;
            ++completed;
        }
    }

    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace

// The resilience layer on the data path, with real upstreams on 127.0.0.1: circuit breakers
// (tripping, half-open probes, closing, reopening, probe timeouts, operator modes), retries and
// their budget, bulkheads, the rate limit, and latency-aware routing.
class TestProxyResilience : public QObject {
    Q_OBJECT

private:
    // Sends GETs on `client` until `instance` has received `requests` requests in all; every
    // response is 502 when it went there (retries are off) and 200 otherwise.
    static void failUntil(RawClient &client, const TestUpstream &instance, int requests,
                          const CircuitBreaker &breaker, int tripAt) {
        for (int i = 0; i < 400 && instance.requestsReceived() < requests; ++i) {
            const int before = instance.requestsReceived();
            const RawResponse response = client.roundTrip(simpleGet("/x"));
            QVERIFY(response.complete);
            const int after = instance.requestsReceived();
            if (after == before) {
                QCOMPARE(response.status, 200);
                continue;
            }
            QCOMPARE(after, before + 1);
            QCOMPARE(response.status, 502);
            // The outcome is recorded before the error is answered: no waiting needed.
            QCOMPARE(breaker.state(), after < tripAt ? BreakerState::Closed : BreakerState::Open);
        }
        QCOMPARE(instance.requestsReceived(), requests);
    }

    // Opens the breaker of a single-instance service whose upstream resets every request.
    static void tripSingle(quint16 proxyPort, TestUpstream &upstream,
                           const CircuitBreaker &breaker) {
        upstream.setBehaviour(behaviour(TestUpstream::Mode::ResetAfterRequest));
        RawClient client(proxyPort);
        failUntil(client, upstream, upstream.requestsReceived() + 5, breaker,
                  upstream.requestsReceived() + 5);
    }

private slots:
    void initTestCase() { qRegisterMetaType<ToolCapture::BreakerTransition>(); }

    // 1. Exactly `consecutive_failures` failures open the breaker; then the instance gets nothing.
    void failingInstanceOpensAfterConsecutiveFailures() {
        TestUpstream failing(behaviour(TestUpstream::Mode::ResetAfterRequest));
        TestUpstream healthy;
        ProxyConfig config = resilienceConfig(1);
        config.routing = loadOnlyRouting();
        auto proxy =
            startProxy(config, {{QStringLiteral("svc"), "/", {failing.port(), healthy.port()}}});
        QVERIFY(proxy);
        QSignalSpy spy(proxy.get(), &ProxyServer::breakerTransition);
        QVERIFY(spy.isValid());
        const CircuitBreaker &breaker = proxy->runtime().breaker(0);

        RawClient client(proxy->port());
        failUntil(client, failing, 5, breaker, 5);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 2000);
        const BreakerTransition trip = transitionAt(spy, 0);
        QCOMPARE(trip.instanceId, QStringLiteral("svc-1"));
        QCOMPARE(trip.from, BreakerState::Closed);
        QCOMPARE(trip.to, BreakerState::Open);
        QVERIFY2(trip.cause.startsWith(QStringLiteral("5 consecutive failures")),
                 qPrintable(trip.cause));
        QCOMPARE(trip.story.size(), size_t(5));
        for (const OutcomeRecord &record : trip.story) {
            QCOMPARE(record.kind, CallOutcome::Kind::Reset);
            QVERIFY(record.failure);
        }
        QCOMPARE(failing.requestsReceived(), 5);

        // Open: 50 more requests, all answered by the other instance.
        const int healthyBefore = healthy.requestsReceived();
        for (int i = 0; i < 50; ++i) {
            const RawResponse response = client.roundTrip(simpleGet("/open"));
            QCOMPARE(response.status, 200);
            QCOMPARE(jsonOf(response).value("port").toInt(), int(healthy.port()));
        }
        QCOMPARE(failing.requestsReceived(), 5);
        QCOMPARE(healthy.requestsReceived(), healthyBefore + 50);
        QCOMPARE(breaker.state(), BreakerState::Open);
        QCOMPARE(spy.size(), 1);
    }

    // 2. Of 100 concurrent requests after the open period, exactly K reach the instance.
    void halfOpenAdmitsExactlyKProbes_data() {
        QTest::addColumn<int>("probes");
        QTest::newRow("1 probe") << 1;
        QTest::newRow("3 probes") << 3;
        QTest::newRow("5 probes") << 5;
    }
    void halfOpenAdmitsExactlyKProbes() {
        QFETCH(int, probes);
        constexpr int kRequests = 100;
        TestUpstream upstream;
        ProxyConfig config = resilienceConfig(2);
        config.breaker.openDuration = 300ms;
        config.breaker.halfOpenProbes = probes;
        config.breaker.probeTimeout = 30s; // the probes stay in flight
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        QSignalSpy spy(proxy.get(), &ProxyServer::breakerTransition);
        QVERIFY(spy.isValid());
        CircuitBreaker &breaker = proxy->runtime().breaker(0);
        tripSingle(proxy->port(), upstream, breaker);
        if (QTest::currentTestFailed())
            return;
        upstream.setBehaviour(behaviour(TestUpstream::Mode::Hang));
        const auto reopensAt = breaker.reopensAt();
        QVERIFY(reopensAt);
        QTRY_VERIFY_WITH_TIMEOUT(reached(*reopensAt), 2000);

        Burst burst(proxy->port(), kRequests, simpleGet("/probe"));
        QVERIFY(burst.connected());
        QTRY_COMPARE_WITH_TIMEOUT(burst.answered(), kRequests - probes, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 5 + probes, 5000);
        QCOMPARE(breaker.state(), BreakerState::HalfOpen);
        QCOMPARE(breaker.snapshot().probesAdmitted, probes);
        std::vector<int> hanging;
        for (int i = 0; i < burst.size(); ++i) {
            if (!burst.hasAnswer(i)) {
                hanging.push_back(i);
                continue;
            }
            const RawResponse response = burst.read(i);
            QVERIFY(response.complete);
            QCOMPARE(response.status, 503);
            QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:no-instance"));
            QCOMPARE(response.header("retry-after"), QByteArray("1"));
        }
        QCOMPARE(int(hanging.size()), probes);
        QCOMPARE(upstream.requestsReceived(), 5 + probes);
        QCOMPARE(transitionsOf(spy), QStringList({"closed>open", "open>half_open"}));

        // A probe whose client leaves is a failed probe: the breaker opens again at once.
        burst.close(hanging.front());
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 3, 5000);
        const BreakerTransition reopen = transitionAt(spy, 2);
        QCOMPARE(reopen.to, BreakerState::Open);
        QVERIFY2(reopen.cause.startsWith(QStringLiteral("probe failed: abandoned")),
                 qPrintable(reopen.cause));
    }

    // 3. K successful probes close; a failed probe reopens for twice as long.
    void probesCloseAndAFailedProbeReopensLonger() {
        constexpr int kProbes = 2;
        TestUpstream upstream;
        ProxyConfig config = resilienceConfig(1);
        config.breaker.openDuration = 300ms;
        config.breaker.openBackoff = 2.0;
        config.breaker.maxOpenDuration = 10s;
        config.breaker.halfOpenProbes = kProbes;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        QSignalSpy spy(proxy.get(), &ProxyServer::breakerTransition);
        QVERIFY(spy.isValid());
        CircuitBreaker &breaker = proxy->runtime().breaker(0);
        tripSingle(proxy->port(), upstream, breaker);
        if (QTest::currentTestFailed())
            return;
        BreakerSnapshot snapshot = breaker.snapshot();
        QCOMPARE(snapshot.state, BreakerState::Open);
        QCOMPARE(snapshot.consecutiveTrips, 1);
        QVERIFY(snapshot.openRemaining > 0ms && snapshot.openRemaining <= 300ms);

        // The open period elapses; the probe fails (the upstream still resets).
        QTRY_VERIFY_WITH_TIMEOUT(reached(*breaker.reopensAt()), 2000);
        RawClient client(proxy->port());
        const auto sentAt = SteadyTime::now();
        QCOMPARE(client.roundTrip(simpleGet("/probe")).status, 502);
        const auto answeredAt = SteadyTime::now();
        QCOMPARE(upstream.requestsReceived(), 6);
        QCOMPARE(breaker.state(), BreakerState::Open);
        snapshot = breaker.snapshot();
        QCOMPARE(snapshot.consecutiveTrips, 2);
        const auto reopensAt = breaker.reopensAt();
        QVERIFY(reopensAt);
        // Opened for 600 ms at some moment between sending and the answer (1 ms of rounding).
        QVERIFY(*reopensAt >= sentAt + 600ms - 1ms);
        QVERIFY(*reopensAt <= answeredAt + 600ms + 1ms);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 3, 2000);
        QVERIFY2(transitionAt(spy, 2).cause.contains(QStringLiteral("open for 600 ms")),
                 qPrintable(transitionAt(spy, 2).cause));

        // Still open before the longer period ends: refused without reaching the instance.
        const RawResponse refused = client.roundTrip(simpleGet("/refused"));
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.header("retry-after"), QByteArray("1"));
        QCOMPARE(upstream.requestsReceived(), 6);

        // Healthy again: K successful probes close it.
        upstream.setBehaviour({});
        QTRY_VERIFY_WITH_TIMEOUT(reached(*breaker.reopensAt()), 2000);
        QCOMPARE(client.roundTrip(simpleGet("/probe-1")).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(breaker.snapshot().probesSucceeded, 1, 2000);
        QCOMPARE(breaker.state(), BreakerState::HalfOpen);
        QCOMPARE(client.roundTrip(simpleGet("/probe-2")).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(breaker.state(), BreakerState::Closed, 2000);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 5, 2000);
        QCOMPARE(transitionsOf(spy), QStringList({"closed>open", "open>half_open", "half_open>open",
                                                  "open>half_open", "half_open>closed"}));
        QCOMPARE(transitionAt(spy, 4).cause, QStringLiteral("2 of 2 probes succeeded"));
        QCOMPARE(breaker.snapshot().consecutiveTrips, 0);
        QCOMPARE(upstream.requestsReceived(), 8);
    }

    // 4. A probe that never answers is failed after probe_timeout: by the control path's tick or
    // by the next request that finds every probe slot taken.
    void hangingProbeTimesOut_data() {
        QTest::addColumn<bool>("byTick");
        QTest::newRow("breaker tick") << true;
        QTest::newRow("next request") << false;
    }
    void hangingProbeTimesOut() {
        QFETCH(bool, byTick);
        constexpr auto kProbeTimeout = 200ms;
        TestUpstream upstream;
        ProxyConfig config = resilienceConfig(1);
        config.breaker.openDuration = 300ms;
        config.breaker.halfOpenProbes = 1;
        config.breaker.probeTimeout = kProbeTimeout;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        QSignalSpy spy(proxy.get(), &ProxyServer::breakerTransition);
        QVERIFY(spy.isValid());
        CircuitBreaker &breaker = proxy->runtime().breaker(0);
        tripSingle(proxy->port(), upstream, breaker);
        if (QTest::currentTestFailed())
            return;
        upstream.setBehaviour(behaviour(TestUpstream::Mode::Hang));
        QTRY_VERIFY_WITH_TIMEOUT(reached(*breaker.reopensAt()), 2000);

        RawClient prober(proxy->port());
        const auto probeSent = SteadyTime::now();
        prober.send(simpleGet("/probe"));
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 6, 2000);
        const auto admittedBy = SteadyTime::now();
        QCOMPARE(breaker.state(), BreakerState::HalfOpen);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 2, 2000); // closed>open, open>half_open

        if (byTick) {
            // What the engine does every second, here every 20 ms.
            QTimer ticker;
            connect(&ticker, &QTimer::timeout, this, [&breaker] { breaker.tick(); });
            ticker.start(20);
            QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 3, 3000);
        } else {
            // Before the timeout a second request is refused and leaves the probe alone...
            RawClient other(proxy->port());
            QCOMPARE(other.roundTrip(simpleGet("/early")).status, 503);
            QCOMPARE(breaker.state(), BreakerState::HalfOpen);
            // ... after it, the request that finds the slot taken fails the hung probe.
            QTRY_VERIFY_WITH_TIMEOUT(reached(admittedBy + kProbeTimeout + 20ms), 2000);
            const RawResponse late = other.roundTrip(simpleGet("/late"));
            QCOMPARE(late.status, 503);
            QCOMPARE(breaker.state(), BreakerState::Open);
            QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 3, 2000);
        }
        QVERIFY(SteadyTime::now() - probeSent >= kProbeTimeout); // not before its time
        QCOMPARE(upstream.requestsReceived(), 6);
        const BreakerTransition timedOut = transitionAt(spy, 2);
        QCOMPARE(timedOut.from, BreakerState::HalfOpen);
        QCOMPARE(timedOut.to, BreakerState::Open);
        QVERIFY2(timedOut.cause.startsWith(QStringLiteral("probe timed out after")),
                 qPrintable(timedOut.cause));
        QVERIFY(!timedOut.story.empty());
        QCOMPARE(timedOut.story.back().kind, CallOutcome::Kind::Timeout);
        QVERIFY(timedOut.story.back().duration > kProbeTimeout);
        QCOMPARE(breaker.snapshot().consecutiveTrips, 2);
        QCOMPARE(breaker.state(), BreakerState::Open);
    }

    // 5. Operator modes take effect on traffic already flowing.
    void forcedStatesWhileTrafficFlows() {
        TestUpstream a;
        TestUpstream b;
        ProxyConfig config = resilienceConfig(1);
        config.routing = loadOnlyRouting();
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {a.port(), b.port()}}});
        QVERIFY(proxy);
        QSignalSpy spy(proxy.get(), &ProxyServer::breakerTransition);
        QVERIFY(spy.isValid());
        CircuitBreaker &breakerA = proxy->runtime().breaker(0);
        BackgroundTraffic traffic(proxy->port());
        QTRY_VERIFY_WITH_TIMEOUT(a.requestsReceived() > 5 && b.requestsReceived() > 5, 10000);

        // Forced open: nothing more reaches A; everything succeeds on B.
        breakerA.setMode(BreakerMode::ForceOpen);
        int mark = traffic.completed;
        // The request in flight when the mode changed (one client, one at a time) is done
        // once two more have completed.
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= mark + 2, 5000);
        const int aForcedOpen = a.requestsReceived();
        mark = traffic.completed;
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= mark + 100, 10000);
        QCOMPARE(a.requestsReceived(), aForcedOpen);
        QCOMPARE(traffic.other.load(), 0);
        QCOMPARE(traffic.internalError.load(), 0);

        // Forced closed on a failing instance: it keeps getting requests, far past the
        // consecutive-failure limit, and never trips.
        a.setBehaviour(behaviour(TestUpstream::Mode::Raw, kInternalError));
        const int aBeforeFailing = a.requestsReceived(); // nothing reaches it while forced open
        breakerA.setMode(BreakerMode::ForceClosed);
        mark = traffic.completed;
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= mark + 100, 10000);
        QVERIFY2(a.requestsReceived() - aBeforeFailing >= 10,
                 qPrintable(QString::number(a.requestsReceived() - aBeforeFailing)));
        QCOMPARE(breakerA.state(), BreakerState::ForcedClosed);
        QVERIFY(breakerA.snapshot().consecutiveFailures > 5);

        // Automatic again: five consecutive failures open it, then it gets nothing.
        const int aAtAuto = a.requestsReceived();
        breakerA.setMode(BreakerMode::Auto);
        QTRY_COMPARE_WITH_TIMEOUT(breakerA.state(), BreakerState::Open, 10000);
        mark = traffic.completed;
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= mark + 2, 5000);
        const int aOpen = a.requestsReceived();
        // One request may have been on its way to A when the mode changed; its failure counts
        // in the new run.
        QVERIFY2(aOpen - aAtAuto == 4 || aOpen - aAtAuto == 5,
                 qPrintable(QString::number(aOpen - aAtAuto)));
        mark = traffic.completed;
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed >= mark + 100, 10000);
        QCOMPARE(a.requestsReceived(), aOpen);
        traffic.stop();

        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 4, 2000);
        QCOMPARE(transitionsOf(spy), QStringList({"closed>forced_open", "forced_open>forced_closed",
                                                  "forced_closed>closed", "closed>open"}));
        QVERIFY2(transitionAt(spy, 3).cause.startsWith(QStringLiteral("5 consecutive failures")),
                 qPrintable(transitionAt(spy, 3).cause));
        // Every failure of A reached the client (retries are off), every other request succeeded.
        QCOMPARE(traffic.internalError.load(), a.requestsReceived() - aBeforeFailing);
        QCOMPARE(traffic.ok.load(), b.requestsReceived() + aBeforeFailing);
        QCOMPARE(traffic.other.load(), 0);
    }

    // 6a. Failed attempts of idempotent requests are retried on the other instance.
    void retriesLandOnAnotherInstance() {
        TestUpstream failing(behaviour(TestUpstream::Mode::ResetAfterRequest));
        TestUpstream good;
        ProxyConfig config = resilienceConfig(1);
        config.routing = loadOnlyRouting();
        config.retry.maxAttempts = 3;
        config.retry.baseDelay = 5ms;
        auto proxy =
            startProxy(config, {{QStringLiteral("svc"), "/", {failing.port(), good.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 50; ++i) {
            const RawResponse response = client.roundTrip(simpleGet("/x"));
            QCOMPARE(response.status, 200);
            QCOMPARE(jsonOf(response).value("port").toInt(), int(good.port()));
        }
        QCOMPARE(good.requestsReceived(), 50);
        // Half the first attempts go to the failing instance until its breaker opens at five.
        QCOMPARE(failing.requestsReceived(), 5);
        QCOMPARE(proxy->runtime().breaker(0).state(), BreakerState::Open);
        QCOMPARE(proxy->runtime().retryBudget(0).retriesAdmitted(), 5u);
        QCOMPARE(proxy->runtime().retryBudget(0).activeRetries(), 0);
    }

    // 6b. What may be sent again: attempts on a single failing instance (its breaker disabled)
    // count the tries each request got.
    void retryEligibility_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<bool>("idempotencyKey");
        QTest::addColumn<int>("bodySize");
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<int>("attempts");
        QTest::addColumn<int>("status");
        const int reset = int(TestUpstream::Mode::ResetAfterRequest);
        const int raw = int(TestUpstream::Mode::Raw); // answers 503 after the whole body
        QTest::newRow("GET, reset")
            << reset << QByteArray("GET") << false << 0 << false << 3 << 502;
        QTest::newRow("POST, reset")
            << reset << QByteArray("POST") << false << 0 << false << 1 << 502;
        QTest::newRow("POST with key, reset")
            << reset << QByteArray("POST") << true << 0 << false << 3 << 502;
        QTest::newRow("GET, 503") << raw << QByteArray("GET") << false << 0 << false << 3 << 503;
        QTest::newRow("POST 1 KiB, 503")
            << raw << QByteArray("POST") << false << 1024 << false << 1 << 503;
        QTest::newRow("POST with key 1 KiB, 503")
            << raw << QByteArray("POST") << true << 1024 << false << 3 << 503;
        QTest::newRow("POST with key 1 KiB chunked, 503")
            << raw << QByteArray("POST") << true << 1024 << true << 3 << 503;
        QTest::newRow("PUT 64 KiB, 503")
            << raw << QByteArray("PUT") << false << 64 * 1024 << false << 3 << 503;
        QTest::newRow("PUT 64 KiB + 1, 503")
            << raw << QByteArray("PUT") << false << 64 * 1024 + 1 << false << 1 << 503;
        QTest::newRow("POST with key 100 KiB, 503")
            << raw << QByteArray("POST") << true << 100 * 1024 << false << 1 << 503;
    }
    void retryEligibility() {
        QFETCH(int, mode);
        QFETCH(QByteArray, method);
        QFETCH(bool, idempotencyKey);
        QFETCH(int, bodySize);
        QFETCH(bool, chunked);
        QFETCH(int, attempts);
        QFETCH(int, status);
        TestUpstream failing(behaviour(TestUpstream::Mode(mode), kUnavailable));
        ProxyConfig config = resilienceConfig(1);
        config.retry.maxAttempts = 3;
        config.retry.baseDelay = 5ms;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {failing.port()}}});
        QVERIFY(proxy);
        proxy->runtime().breaker(0).setMode(BreakerMode::Disabled);
        RawClient client(proxy->port());
        const QByteArray body = bodyOf(bodySize);
        const RawResponse response =
            client.roundTrip(request(method, body, idempotencyKey, chunked), method);
        QVERIFY(response.complete);
        QCOMPARE(response.status, status);
        QCOMPARE(failing.requestsReceived(), attempts);
        if (mode == int(TestUpstream::Mode::Raw)) {
            // Every attempt carried the whole body.
            QCOMPARE(failing.requestsCompleted(), attempts);
            QCOMPARE(failing.lastBodyBytes(), qint64(bodySize));
        }
        QCOMPARE(proxy->runtime().retryBudget(0).retriesAdmitted(), quint64(attempts - 1));
    }

    // 6c. A retried request's body arrives intact on the other instance; a request that may not
    // be retried gets the failure.
    void retriedBodyArrivesIntact_data() {
        QTest::addColumn<bool>("idempotencyKey");
        QTest::addColumn<int>("bodySize");
        QTest::addColumn<bool>("retried");
        QTest::newRow("key, 1 KiB") << true << 1024 << true;
        QTest::newRow("no key, 1 KiB") << false << 1024 << false;
        QTest::newRow("key, 100 KiB") << true << 100 * 1024 << false;
    }
    void retriedBodyArrivesIntact() {
        QFETCH(bool, idempotencyKey);
        QFETCH(int, bodySize);
        QFETCH(bool, retried);
        TestUpstream failing(behaviour(TestUpstream::Mode::Raw, kUnavailable));
        TestUpstream sink(behaviour(TestUpstream::Mode::Sink));
        ProxyConfig config = resilienceConfig(1);
        config.routing = loadOnlyRouting();
        config.retry.maxAttempts = 3;
        config.retry.baseDelay = 5ms;
        auto proxy =
            startProxy(config, {{QStringLiteral("svc"), "/", {failing.port(), sink.port()}}});
        QVERIFY(proxy);
        proxy->runtime().breaker(0).setMode(BreakerMode::ForceClosed); // keeps it in rotation
        const QByteArray body = bodyOf(bodySize);
        const QByteArray sunk = "{\"bytes\":" + QByteArray::number(bodySize) +
                                ",\"checksum\":" + QByteArray::number(sinkChecksum(body)) + "}";
        RawClient client(proxy->port());
        int failedFirst = 0;
        for (int i = 0; i < 20; ++i) {
            const int failingBefore = failing.requestsReceived();
            const int sinkBefore = sink.requestsReceived();
            const RawResponse response =
                client.roundTrip(request("POST", body, idempotencyKey), "POST");
            QVERIFY(response.complete);
            const bool wentToFailing = failing.requestsReceived() == failingBefore + 1;
            QVERIFY(wentToFailing || failing.requestsReceived() == failingBefore);
            failedFirst += wentToFailing ? 1 : 0;
            if (wentToFailing && !retried) {
                QCOMPARE(response.status, 503);
                QCOMPARE(sink.requestsReceived(), sinkBefore);
                continue;
            }
            QCOMPARE(response.status, 200);
            QCOMPARE(response.body, sunk);
            QCOMPARE(sink.requestsReceived(), sinkBefore + 1);
        }
        QVERIFY2(failedFirst > 0, "no first attempt went to the failing instance");
        QVERIFY2(failedFirst < 20, "no first attempt went to the good instance");
        QCOMPARE(proxy->runtime().retryBudget(0).retriesAdmitted(),
                 quint64(retried ? failedFirst : 0));
    }

    // 7. When the whole service fails, the retry budget caps retries at a share of the requests
    // in flight. N requests hang on both instances until their per-try timeout; the upstreams
    // then see exactly N + L(N) requests, L(a) = max(min_retry_concurrency, floor(budget * a)):
    // the first L(N) timeouts get a retry (each holds its permit until its request ends, and the
    // retries hang too), every later one is refused as the active requests only decrease. With
    // three attempts and no minimum, when the retries time out in turn L(N) permits are held by
    // L(N) active requests and floor(budget * a) <= a, so none gets another. NOTE: a minimum
    // concurrency m admits further retries once fewer than m requests are active (by design:
    // "always allowed up to m at once"); how many then depends on how the last timeouts
    // interleave across workers, so that row allows one retry only.
    void retryBudgetCapsRetries_data() {
        QTest::addColumn<double>("budget");
        QTest::addColumn<int>("minConcurrency");
        QTest::addColumn<int>("maxAttempts");
        QTest::addColumn<int>("requests");
        QTest::newRow("20% of 40") << 0.2 << 0 << 3 << 40;
        QTest::newRow("50% of 20") << 0.5 << 0 << 3 << 20;
        QTest::newRow("10% of 40, at least 6, one retry") << 0.1 << 6 << 2 << 40;
    }
    void retryBudgetCapsRetries() {
        QFETCH(double, budget);
        QFETCH(int, minConcurrency);
        QFETCH(int, maxAttempts);
        QFETCH(int, requests);
        const int limit = std::max(minConcurrency, int(std::floor(budget * requests + 1e-9)));
        TestUpstream a(behaviour(TestUpstream::Mode::Hang));
        TestUpstream b(behaviour(TestUpstream::Mode::Hang));
        ProxyConfig config = resilienceConfig(2);
        config.retry.maxAttempts = maxAttempts;
        config.retry.budget = budget;
        config.retry.minRetryConcurrency = minConcurrency;
        config.retry.perTryTimeout = 600ms;
        config.retry.baseDelay = 20ms;
        config.retry.maxDelay = 20ms;
        // On a manual clock: every request is in flight before the first timeout, however slow
        // the machine (the reasoning above needs that), and the timeouts fire when the test says.
        ManualClock clock;
        auto proxy =
            startProxy(config, {{QStringLiteral("svc"), "/", {a.port(), b.port()}}}, &clock);
        QVERIFY(proxy);
        for (int i = 0; i < 2; ++i)
            proxy->runtime().breaker(i).setMode(BreakerMode::Disabled); // only the budget limits
        const RetryBudget &retryBudget = proxy->runtime().retryBudget(0);

        Burst burst(proxy->port(), requests, simpleGet("/x"));
        QVERIFY(burst.connected());
        QTRY_COMPARE_WITH_TIMEOUT(a.requestsReceived() + b.requestsReceived(), requests, 5000);
        clock.advance(600ms); // every first attempt times out
        QVERIFY(checkDeadlines(*proxy));
        clock.advance(20ms); // the admitted retries' backoff is over
        QVERIFY(checkDeadlines(*proxy));
        QTRY_COMPARE_WITH_TIMEOUT(a.requestsReceived() + b.requestsReceived(), requests + limit,
                                  5000);
        clock.advance(600ms); // and the retries time out in turn
        QVERIFY(checkDeadlines(*proxy));
        for (int i = 0; i < burst.size(); ++i) {
            const RawResponse response = burst.read(i);
            QVERIFY(response.complete);
            QCOMPARE(response.status, 504);
        }
        const int total = a.requestsReceived() + b.requestsReceived();
        QCOMPARE(total, requests + limit);
        QVERIFY(total <= requests + std::max(minConcurrency, int(budget * requests)));
        QCOMPARE(retryBudget.retriesAdmitted(), quint64(limit));
        // Refused: the first round's N - L(N), then (three attempts) every retry's second one.
        QCOMPARE(retryBudget.retriesRefused(),
                 quint64(requests - limit + (maxAttempts > 2 ? limit : 0)));
        QTRY_COMPARE_WITH_TIMEOUT(retryBudget.activeRequests(), 0, 2000);
        QCOMPARE(retryBudget.activeRetries(), 0);
    }

    // 8. A full bulkhead turns the request away at once: to another instance, or 503.
    // The bulkhead's pending limit bounds the requests waiting for an upstream connection: with
    // one connection (pool) busy, max_pending requests wait for it, the next one is refused at
    // once (503, or another instance), and a waiting request is served when the connection is.
    void bulkheadPendingLimit() {
        // The upstream holds its answers until released: the third request's 503 cannot have
        // waited for the connection, which stays busy until then.
        TestUpstream::Behaviour held = behaviour(TestUpstream::Mode::Raw);
        held.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        held.held = true;
        TestUpstream slow(held);
        ProxyConfig config = resilienceConfig(1);
        config.pool.maxConnections = 1;
        config.pool.maxIdle = 1;
        config.bulkhead.maxActive = 10;
        config.bulkhead.maxPending = 1;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {slow.port()}}});
        QVERIFY(proxy);
        const Bulkhead &bulkhead = proxy->runtime().bulkhead(0);

        RawClient first(proxy->port());
        first.send(simpleGet("/first")); // takes the only connection
        QTRY_COMPARE_WITH_TIMEOUT(slow.requestsReceived(), 1, 5000);
        RawClient second(proxy->port());
        second.send(simpleGet("/second")); // waits for it
        QTRY_COMPARE_WITH_TIMEOUT(bulkhead.pending(), 1, 5000);

        RawClient third(proxy->port());
        const RawResponse refused = third.roundTrip(simpleGet("/third"));
        QCOMPARE(refused.status, 503);
        QCOMPARE(problemType(refused), QByteArray("urn:toolcapture:problem:no-instance"));
        QCOMPARE(slow.heldRequests(), 1); // the first request is still unanswered
        QCOMPARE(bulkhead.pending(), 1);
        slow.releaseHeld();

        QCOMPARE(first.read().status, 200);
        QCOMPARE(second.read().status, 200); // served on the connection the first one freed
        QCOMPARE(slow.requestsReceived(), 2);
        QCOMPARE(bulkhead.pending(), 0);
        QCOMPARE(bulkhead.active(), 0);
    }

    void bulkheadOverflow_data() {
        QTest::addColumn<bool>("secondInstance");
        QTest::newRow("single instance: 503") << false;
        QTest::newRow("two instances: the other") << true;
    }
    void bulkheadOverflow() {
        QFETCH(bool, secondInstance);
        TestUpstream hanging(behaviour(TestUpstream::Mode::Hang));
        TestUpstream other;
        ProxyConfig config = resilienceConfig(1);
        config.routing = loadOnlyRouting();
        config.bulkhead.maxActive = 2;
        std::vector<quint16> ports{hanging.port()};
        if (secondInstance)
            ports.push_back(other.port());
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", ports}});
        QVERIFY(proxy);
        const Bulkhead &bulkhead = proxy->runtime().bulkhead(0);

        // Fill the hanging instance's two slots (on two instances, some requests land on the
        // other one and are answered).
        std::vector<std::unique_ptr<RawClient>> stuck;
        for (int i = 0; i < 40 && hanging.requestsReceived() < 2; ++i) {
            auto client = std::make_unique<RawClient>(proxy->port());
            const int hangingBefore = hanging.requestsReceived();
            const int otherBefore = other.requestsReceived();
            client->send(simpleGet("/fill"));
            QTRY_COMPARE_WITH_TIMEOUT(hanging.requestsReceived() + other.requestsReceived(),
                                      hangingBefore + otherBefore + 1, 5000);
            if (other.requestsReceived() > otherBefore)
                QCOMPARE(client->read().status, 200);
            else
                stuck.push_back(std::move(client));
        }
        QCOMPARE(hanging.requestsReceived(), 2);
        QCOMPARE(bulkhead.active(), 2);

        const int otherBefore = other.requestsReceived();
        RawClient client(proxy->port());
        for (int i = 0; i < (secondInstance ? 20 : 1); ++i) {
            // Answered while the hanging instance's two requests still hang: turned away, not
            // queued (the detail below names the full bulkhead).
            const RawResponse response = client.roundTrip(simpleGet("/overflow"));
            if (secondInstance) {
                QCOMPARE(response.status, 200);
                QCOMPARE(jsonOf(response).value("port").toInt(), int(other.port()));
                continue;
            }
            QCOMPARE(response.status, 503);
            QCOMPARE(problemType(response), QByteArray("urn:toolcapture:problem:no-instance"));
            const QString detail = jsonOf(response).value("detail").toString();
            QVERIFY2(detail.contains(QStringLiteral("svc-1: bulkhead full")), qPrintable(detail));
        }
        QCOMPARE(hanging.requestsReceived(), 2);
        QCOMPARE(other.requestsReceived(), otherBefore + (secondInstance ? 20 : 0));

        // A slot freed (its client left) is a slot the next request gets.
        stuck.front()->reset();
        QTRY_COMPARE_WITH_TIMEOUT(bulkhead.active(), 1, 5000);
        if (!secondInstance) {
            client.send(simpleGet("/again"));
            QTRY_COMPARE_WITH_TIMEOUT(hanging.requestsReceived(), 3, 5000);
            QCOMPARE(bulkhead.active(), 2);
        }
    }

    // 9. The service's token bucket answers 429 with Retry-After once the burst is spent.
    void rateLimit() {
        // On a manual clock: no token comes back until the test moves the clock, however long
        // the six requests take to arrive (a wall-clock bound here failed on loaded machines).
        ManualClock clock;
        TestUpstream upstream;
        ProxyConfig config = resilienceConfig(1);
        config.services.push_back(
            makeService({QStringLiteral("svc"), "/", {upstream.port()}}, config));
        config.services.back().rateLimit.requestsPerSecond = 5;
        config.services.back().rateLimit.burst = 5;
        auto proxy = startProxy(config, {}, &clock);
        QVERIFY(proxy);
        RawClient client(proxy->port());
        QByteArray six;
        for (int i = 0; i < 6; ++i)
            six += simpleGet("/x");
        client.send(six);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(client.read().status, 200);
        const RawResponse limited = client.read();
        QVERIFY(limited.complete);
        QCOMPARE(limited.status, 429);
        QCOMPARE(problemType(limited), QByteArray("urn:toolcapture:problem:rate-limited"));
        bool ok = false;
        const int retryAfter = limited.header("retry-after").toInt(&ok);
        QVERIFY(ok);
        QCOMPARE(retryAfter, 1); // one token is 200 ms away, rounded up to a whole second
        QCOMPARE(upstream.requestsReceived(), 5);
        QCOMPARE(proxy->runtime().rateLimiter(0).limited(), 1u);

        // One token's worth of time later exactly one more request is admitted.
        clock.advance(200ms);
        client.send(simpleGet("/x") + simpleGet("/x"));
        QCOMPARE(client.read().status, 200);
        QCOMPARE(client.read().status, 429);
        QCOMPARE(upstream.requestsReceived(), 6);
        QCOMPARE(proxy->runtime().rateLimiter(0).limited(), 2u);
    }

    // 10. A slow instance's share of the traffic falls (default routing weights). Slow is
    // 150 ms: the latency estimate is a peak EWMA, so one stalled answer from each fast instance
    // (a 30 ms stall was seen under ASan on a loaded 2-core CI machine) holds their estimates up
    // for seconds, and a 30 ms instance then tied with them and took a quarter of the traffic.
    void slowInstanceShareFalls() {
        TestUpstream fast1;
        TestUpstream fast2;
        TestUpstream slow(echoAfter(150));
        ProxyConfig config = resilienceConfig(1);
        auto proxy = startProxy(
            config, {{QStringLiteral("svc"), "/", {fast1.port(), slow.port(), fast2.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 300; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        const int toSlow = slow.requestsReceived();
        QCOMPARE(fast1.requestsReceived() + fast2.requestsReceived() + toSlow, 300);
        QVERIFY2(toSlow >= 1, "the slow instance was never tried"); // no sample: neutral score
        QVERIFY2(toSlow < 300 * 15 / 100, qPrintable(QString::number(toSlow)));
        // The fast ones share the rest, and neither starves: a third of the draws pair each
        // with the slow one, so even one that loses every draw against the other (their
        // latencies in this loaded test process are not equal) takes about 100. Thirty runs
        // with random seeds: the smaller share was 77 to 146. 60 is five deviations below 100.
        QVERIFY2(fast1.requestsReceived() > 60 && fast2.requestsReceived() > 60,
                 qPrintable(QStringLiteral("%1 / %2")
                                .arg(fast1.requestsReceived())
                                .arg(fast2.requestsReceived())));
        const InstanceStats::Snapshot stats = proxy->runtime().stats(1).snapshot(SteadyTime::now());
        QVERIFY(stats.hasLatency);
        QVERIFY(stats.latency > 10ms); // the estimate that keeps it out
    }

    // 10, continued. Once fast again its share recovers: an instance that loses every draw is
    // not sampled, so what brings it back is its latency estimate decaying
    // (routing.latency_decay_ms; 10 s by default, 300 ms here to keep the suite fast).
    void slowInstanceShareRecovers() {
        TestUpstream fast1;
        TestUpstream fast2;
        TestUpstream slow(echoAfter(150)); // as above
        ProxyConfig config = resilienceConfig(1);
        config.routing.latencyDecay = 300ms;
        auto proxy = startProxy(
            config, {{QStringLiteral("svc"), "/", {fast1.port(), slow.port(), fast2.port()}}});
        QVERIFY(proxy);
        RawClient client(proxy->port());
        for (int i = 0; i < 200; ++i)
            QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
        const int slowBefore = slow.requestsReceived();
        QVERIFY2(slowBefore < 200 * 15 / 100, qPrintable(QString::number(slowBefore)));

        slow.setBehaviour({}); // fast now
        QElapsedTimer elapsed;
        elapsed.start();
        // Rounds of 100 requests until the formerly slow instance takes over 20% of a round,
        // bounded at 15 s (a few decay periods take well under 2 s).
        int share = 0;
        while (elapsed.elapsed() < 15000) {
            const int before = slow.requestsReceived();
            for (int i = 0; i < 100; ++i)
                QCOMPARE(client.roundTrip(simpleGet("/x")).status, 200);
            share = slow.requestsReceived() - before;
            if (share > 20)
                break;
        }
        qInfo() << "share recovered to" << share << "of 100 after" << elapsed.elapsed() << "ms";
        QVERIFY2(share > 20, qPrintable(QString::number(share)));
    }
};

QTEST_GUILESS_MAIN(TestProxyResilience)
#include "tst_proxy_resilience.moc"
