#include <backend/health/health_checker.h>
#include <backend/routing/service_registry.h>
#include <tests/support/test_upstream.h>

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// A WebSocket endpoint's opening handshake, answered as `mode` says; it records each request
// head and what the client sent after the 101.
class HandshakeServer : public QObject {
public:
    enum class Mode { Accept, WrongAccept, Refuse426, Plain200 };
    explicit HandshakeServer(Mode mode)
        : m_mode(mode) {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                auto answered = std::make_shared<bool>(false);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer, answered] {
                    buffer->append(socket->readAll());
                    if (*answered) {
                        afterHandshake += *buffer;
                        buffer->clear();
                        return;
                    }
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    *answered = true;
                    const QByteArray head = buffer->first(end + 2);
                    heads.append(head);
                    buffer->remove(0, end + 4);
                    answer(*socket, head);
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

    QByteArrayList heads;
    QByteArray afterHandshake;

private:
    void answer(QTcpSocket &socket, const QByteArray &head) {
        QByteArray key;
        for (const QByteArray &line : head.split('\n')) {
            if (line.toLower().startsWith("sec-websocket-key:"))
                key = line.mid(18).trimmed();
        }
        QByteArray accept = QCryptographicHash::hash(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
                                                     QCryptographicHash::Sha1)
                                .toBase64();
        switch (m_mode) {
        case Mode::WrongAccept:
            accept = QCryptographicHash::hash("not the key", QCryptographicHash::Sha1).toBase64();
            [[fallthrough]];
        case Mode::Accept:
            socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                         accept + "\r\n\r\n");
            break;
        case Mode::Refuse426:
            socket.write("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n"
                         "Connection: close\r\n\r\n");
            socket.disconnectFromHost();
            break;
        case Mode::Plain200:
            socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            socket.disconnectFromHost();
            break;
        }
    }

    Mode m_mode;
    QTcpServer m_server;
};

} // namespace

// Active health checks against real upstreams on 127.0.0.1: passing, failing in every way
// (status, timeout, refused, closed, malformed), the fall and rise thresholds, staggering and
// stopping.
class TestHealthChecker : public QObject {
    Q_OBJECT

private:
    static HealthConfig fastChecks() {
        HealthConfig health;
        health.interval = 50ms;
        health.timeout = 1000ms;
        health.rise = 2;
        health.fall = 3;
        health.slowStart = 10s;
        return health;
    }

    // One service "svc" with an instance per port, and the checker over it.
    struct Fixture {
        Fixture(const std::vector<quint16> &ports, const HealthConfig &health)
            : services(makeServices(ports, health))
            , registry(services)
            , states(size_t(registry.instanceCount()))
            , checker(registry, services, states, SteadyClock::instance()) {}
        static std::vector<ServiceConfig> makeServices(const std::vector<quint16> &ports,
                                                       const HealthConfig &health) {
            ServiceConfig service;
            service.name = QStringLiteral("svc");
            service.health = health;
            for (size_t i = 0; i < ports.size(); ++i) {
                InstanceConfig instance;
                instance.id = QStringLiteral("svc-%1").arg(i + 1);
                instance.host = QStringLiteral("127.0.0.1");
                instance.port = ports[i];
                instance.url = QStringLiteral("http://127.0.0.1:%1").arg(ports[i]);
                service.instances.push_back(instance);
            }
            return {service};
        }
        HealthState &state(int index) { return states[size_t(index)]; }
        std::chrono::steady_clock::time_point now() const { return SteadyClock::instance().now(); }

        std::vector<ServiceConfig> services;
        ServiceRegistry registry;
        std::vector<HealthState> states;
        HealthChecker checker;
    };

private slots:
    void passingInstanceStaysHealthy() {
        TestUpstream upstream; // Echo: 200
        Fixture f({upstream.port()}, fastChecks());
        QSignalSpy checks(&f.checker, &HealthChecker::checkFinished);
        QSignalSpy changes(&f.checker, &HealthChecker::healthChanged);
        QVERIFY(checks.isValid());
        QVERIFY(changes.isValid());
        f.checker.start();
        QTRY_VERIFY_WITH_TIMEOUT(checks.count() >= 4, 5000);
        for (const QList<QVariant> &check : checks) {
            QCOMPARE(check.at(0).toInt(), 0);
            QVERIFY(check.at(1).toBool());
        }
        QCOMPARE(changes.count(), 0);
        QVERIFY(f.state(0).isHealthy(f.now()));
        QCOMPARE(f.state(0).trafficWeight(f.now()), 1.0); // healthy since start: no ramp
        const HealthSnapshot s = f.state(0).snapshot(f.now());
        QVERIFY(s.checked);
        QCOMPARE(s.lastResult, HealthSnapshot::CheckResult::Passed);
        QCOMPARE(s.lastStatus, 200);
        QVERIFY(s.lastError.isEmpty());
        QVERIFY(s.consecutivePasses >= 4);
        QVERIFY(s.lastLatency < 1000ms);
        const QByteArray head = upstream.heads().value(0);
        QVERIFY2(head.startsWith("GET /health HTTP/1.1\r\n"), head.constData());
        QVERIFY2(head.contains("Host: 127.0.0.1:" + QByteArray::number(upstream.port())),
                 head.constData());
        // One connection per check, closed after it.
        QTRY_COMPARE_WITH_TIMEOUT(upstream.openConnections() <= 1, true, 5000);
        QVERIFY(upstream.connectionsAccepted() >= 4);
    }

    // health.websocket: the check is an opening handshake. It passes on a 101 whose
    // Sec-WebSocket-Accept answers the check's key, and then closes with a masked close frame
    // (1000); a wrong accept, a 426 or a plain 200 fail it.
    void webSocketCheck_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("passes");
        QTest::addColumn<QString>("reason");
        QTest::newRow("101 answering the key")
            << int(HandshakeServer::Mode::Accept) << true << QString();
        QTest::newRow("101 answering another key")
            << int(HandshakeServer::Mode::WrongAccept) << false
            << QStringLiteral("does not answer the key");
        QTest::newRow("426") << int(HandshakeServer::Mode::Refuse426) << false
                             << QStringLiteral("HTTP 426, not a WebSocket handshake");
        QTest::newRow("200") << int(HandshakeServer::Mode::Plain200) << false
                             << QStringLiteral("HTTP 200, not a WebSocket handshake");
    }
    void webSocketCheck() {
        QFETCH(int, mode);
        QFETCH(bool, passes);
        QFETCH(QString, reason);
        HandshakeServer server{HandshakeServer::Mode(mode)};
        HealthConfig health = fastChecks();
        health.websocket = true;
        health.path = "/ws";
        Fixture f({server.port()}, health);
        QSignalSpy checks(&f.checker, &HealthChecker::checkFinished);
        f.checker.start();
        QTRY_VERIFY_WITH_TIMEOUT(checks.count() >= 3, 5000);
        for (const QList<QVariant> &check : checks)
            QCOMPARE(check.at(1).toBool(), passes);
        const HealthSnapshot s = f.state(0).snapshot(f.now());
        QVERIFY2(s.lastError.contains(reason), qPrintable(s.lastError));
        QVERIFY(passes == f.state(0).isHealthy(f.now()));
        // Each check a fresh key, in a handshake request.
        QVERIFY(server.heads.size() >= 3);
        QVERIFY2(server.heads[0].startsWith("GET /ws HTTP/1.1\r\n"), server.heads[0].constData());
        for (const char *field : {"Upgrade: websocket", "Connection: Upgrade",
                                  "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: "})
            QVERIFY2(server.heads[0].contains(field), field);
        QVERIFY(server.heads[0] != server.heads[1]); // the keys differ
        if (passes) {
            // A masked close frame with status 1000 (unmasked with its key).
            QTRY_VERIFY_WITH_TIMEOUT(server.afterHandshake.size() >= 8, 5000);
            const QByteArray frame = server.afterHandshake.first(8);
            QCOMPARE(quint8(frame[0]), quint8(0x88));
            QCOMPARE(quint8(frame[1]), quint8(0x82));
            QCOMPARE(quint8(frame[6] ^ frame[2]), quint8(0x03));
            QCOMPARE(quint8(frame[7] ^ frame[3]), quint8(0xE8));
        }
    }

    // Every way of failing makes the instance unhealthy after exactly `fall` failed checks.
    void failingInstanceFalls_data() {
        QTest::addColumn<int>("mode"); // -1: nothing listens
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("reason");
        QTest::newRow("503") << int(TestUpstream::Mode::Raw)
                             << QByteArray("HTTP/1.1 503 Service Unavailable\r\n"
                                           "Content-Length: 4\r\n\r\ndown")
                             << QStringLiteral("HTTP 503");
        QTest::newRow("302") << int(TestUpstream::Mode::Raw)
                             << QByteArray("HTTP/1.1 302 Found\r\nLocation: /x\r\n"
                                           "Content-Length: 0\r\n\r\n")
                             << QStringLiteral("HTTP 302");
        QTest::newRow("hangs") << int(TestUpstream::Mode::Hang) << QByteArray()
                               << QStringLiteral("timed out after 150 ms");
        QTest::newRow("refused") << -1 << QByteArray() << QStringLiteral("refused");
        QTest::newRow("closes") << int(TestUpstream::Mode::CloseAfterRequest) << QByteArray()
                                << QStringLiteral("closed before a complete response");
        QTest::newRow("malformed") << int(TestUpstream::Mode::Raw)
                                   << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                                 "Content-Length: 2\r\n\r\nxx")
                                   << QStringLiteral("bad response");
    }
    void failingInstanceFalls() {
        QFETCH(int, mode);
        QFETCH(QByteArray, raw);
        QFETCH(QString, reason);
        std::unique_ptr<TestUpstream> upstream;
        if (mode >= 0)
            upstream = std::make_unique<TestUpstream>(
                TestUpstream::Behaviour{TestUpstream::Mode(mode), raw});
        const quint16 port = upstream ? upstream->port() : closedLoopbackPort();
        HealthConfig health = fastChecks();
        health.timeout = 150ms;
        Fixture f({port}, health);

        int failedChecks = 0;
        int failedBeforeChange = -1;
        connect(&f.checker, &HealthChecker::checkFinished, this,
                [&](int, bool passed) { failedChecks += passed ? 0 : 1; });
        connect(&f.checker, &HealthChecker::healthChanged, this,
                [&](const QString &, bool healthy) {
                    if (!healthy && failedBeforeChange < 0)
                        failedBeforeChange = failedChecks; // checkFinished follows
                });
        QSignalSpy changes(&f.checker, &HealthChecker::healthChanged);
        QVERIFY(changes.isValid());
        f.checker.start();
        QVERIFY(f.state(0).isHealthy(f.now())); // routable before its first check
        QVERIFY(changes.wait(5000));
        QCOMPARE(changes.count(), 1);
        QCOMPARE(changes.at(0).at(0).toString(), QStringLiteral("svc-1"));
        QCOMPARE(changes.at(0).at(1).toBool(), false);
        const QString why = changes.at(0).at(2).toString();
        QVERIFY2(why.startsWith(QStringLiteral("3 consecutive checks failed")), qPrintable(why));
        QVERIFY2(why.contains(reason, Qt::CaseInsensitive), qPrintable(why));
        QCOMPARE(failedBeforeChange, health.fall - 1);
        QVERIFY(!f.state(0).isHealthy(f.now()));
        QCOMPARE(f.state(0).trafficWeight(f.now()), 0.0);
        const HealthSnapshot s = f.state(0).snapshot(f.now());
        QCOMPARE(s.lastResult, HealthSnapshot::CheckResult::Failed);
        QVERIFY(s.consecutiveFailures >= health.fall);
        QVERIFY2(s.lastError.contains(reason, Qt::CaseInsensitive), qPrintable(s.lastError));
    }

    void recoversAfterRisePasses() {
        TestUpstream upstream(
            {TestUpstream::Mode::Raw, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"});
        Fixture f({upstream.port()}, fastChecks());
        int passesInARow = 0;
        int passesBeforeRecovery = -1;
        connect(&f.checker, &HealthChecker::checkFinished, this,
                [&](int, bool passed) { passesInARow = passed ? passesInARow + 1 : 0; });
        connect(&f.checker, &HealthChecker::healthChanged, this,
                [&](const QString &, bool healthy) {
                    if (healthy)
                        passesBeforeRecovery = passesInARow;
                });
        QSignalSpy changes(&f.checker, &HealthChecker::healthChanged);
        QVERIFY(changes.isValid());
        f.checker.start();
        QVERIFY(changes.wait(5000));
        QCOMPARE(changes.at(0).at(1).toBool(), false);

        upstream.setBehaviour({TestUpstream::Mode::Echo, {}});
        QVERIFY(changes.wait(5000));
        QCOMPARE(changes.count(), 2);
        QCOMPARE(changes.at(1).at(0).toString(), QStringLiteral("svc-1"));
        QCOMPARE(changes.at(1).at(1).toBool(), true);
        QCOMPARE(changes.at(1).at(2).toString(), QStringLiteral("2 consecutive checks passed"));
        QCOMPARE(passesBeforeRecovery, 1); // the rise-th pass emits before checkFinished
        QVERIFY(f.state(0).isHealthy(f.now()));
        // Gradual return: the slow start ramp (10 s) has only just begun.
        const double weight = f.state(0).trafficWeight(f.now());
        QVERIFY2(weight >= HealthState::kSlowStartMinWeight && weight < 0.3,
                 qPrintable(QString::number(weight)));
    }

    // First checks are spread over one interval, and none waits longer than that.
    void firstChecksAreStaggered() {
        TestUpstream upstream;
        HealthConfig health = fastChecks();
        health.interval = 400ms;
        const int instances = 4;
        Fixture f(std::vector<quint16>(instances, upstream.port()), health);
        QCOMPARE(f.checker.checkedInstanceCount(), instances);
        for (int i = 0; i < instances; ++i)
            QCOMPARE(f.checker.initialDelay(i), milliseconds(100 * i));

        std::vector<milliseconds> first(instances, milliseconds(-1));
        const auto started = f.now();
        connect(&f.checker, &HealthChecker::checkFinished, this, [&](int index, bool) {
            if (first[size_t(index)] < 0ms)
                first[size_t(index)] = std::chrono::duration_cast<milliseconds>(f.now() - started);
        });
        f.checker.start();
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(first.begin(), first.end(), [](milliseconds t) { return t >= 0ms; }), 5000);
        for (int i = 0; i < instances; ++i) {
            // Not before its slot (timers may fire up to 5% early), within one interval plus
            // a generous allowance for a loaded machine.
            QVERIFY2(first[size_t(i)] >= milliseconds(100 * i * 95 / 100),
                     qPrintable(QString::number(first[size_t(i)].count())));
            QVERIFY2(first[size_t(i)] < health.interval + 400ms,
                     qPrintable(QString::number(first[size_t(i)].count())));
        }
    }

    void stopEndsChecks() {
        TestUpstream upstream({TestUpstream::Mode::Hang, {}});
        HealthConfig health = fastChecks();
        health.timeout = 60000ms; // a check stays in flight until stop()
        Fixture f({upstream.port()}, health);
        QSignalSpy checks(&f.checker, &HealthChecker::checkFinished);
        QVERIFY(checks.isValid());
        f.checker.start();
        QVERIFY(f.checker.isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 1, 5000);
        f.checker.stop();
        QVERIFY(!f.checker.isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(upstream.openConnections(), 0, 5000); // aborted
        QVERIFY(!checks.wait(300)); // nothing finishes or starts after stop()
        QCOMPARE(checks.count(), 0);
        QCOMPARE(upstream.requestsReceived(), 1);
        QVERIFY(f.state(0).isHealthy(f.now()));
    }

    void disabledServiceIsNotChecked() {
        TestUpstream upstream;
        HealthConfig health = fastChecks();
        health.enabled = false;
        Fixture f({upstream.port()}, health);
        QCOMPARE(f.checker.checkedInstanceCount(), 0);
        QCOMPARE(f.checker.initialDelay(0), milliseconds(-1));
        QCOMPARE(f.state(0).slowStart(), milliseconds(10s)); // still applies to ejections
        QSignalSpy checks(&f.checker, &HealthChecker::checkFinished);
        QVERIFY(checks.isValid());
        f.checker.start();
        QVERIFY(!checks.wait(200));
        QCOMPARE(upstream.connectionsAccepted(), 0);
    }

    // Instances registered while running are checked from refresh() on, with their service's
    // settings (here a new service with the registry's defaults); a draining one is not.
    void refreshChecksRegisteredInstances() {
        TestUpstream configured;
        TestUpstream::Behaviour unavailable;
        unavailable.mode = TestUpstream::Mode::Raw;
        unavailable.raw = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
        TestUpstream broken(unavailable);
        const std::vector<ServiceConfig> services =
            Fixture::makeServices({configured.port()}, fastChecks());
        ServiceConfig defaults;
        defaults.health = fastChecks();
        defaults.health.fall = 1;
        ServiceRegistry registry(services, RegistryConfig{2, 1}, defaults);
        std::vector<HealthState> states(size_t(registry.instanceCapacity()));
        HealthChecker checker(registry, services, states, SteadyClock::instance());
        QSignalSpy changes(&checker, &HealthChecker::healthChanged);
        QSignalSpy checks(&checker, &HealthChecker::checkFinished);
        QVERIFY(changes.isValid() && checks.isValid());
        checker.start();
        QCOMPARE(checker.refresh(), 0);

        ServiceEntry *orders = registry.createService(QStringLiteral("orders"));
        QVERIFY(orders);
        InstanceConfig instance;
        instance.id = QStringLiteral("orders-1");
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = broken.port();
        instance.url = QString::fromLatin1(broken.url());
        QVERIFY(registry.addInstance(*orders, instance, {}));
        registry.publishService(*orders);
        QCOMPARE(checker.refresh(), 1);
        QCOMPARE(checker.checkedInstanceCount(), 2);
        QCOMPARE(checker.refresh(), 0);
        QVERIFY(changes.wait(2000)); // fall = 1: the first failed check
        QCOMPARE(changes.first().at(0).toString(), QStringLiteral("orders-1"));
        QCOMPARE(changes.first().at(1).toBool(), false);
        QVERIFY(!states[1].isActiveHealthy());
        QCOMPARE(states[1].slowStart(), milliseconds(10s));

        registry.instance(1).setDraining(true);
        const int seen = broken.requestsReceived();
        const auto checksOf = [&checks](int index) {
            return int(std::count_if(checks.begin(), checks.end(),
                                     [index](const auto &args) { return args.at(0) == index; }));
        };
        const int configuredChecks = checksOf(0);
        QTRY_VERIFY_WITH_TIMEOUT(checksOf(0) >= configuredChecks + 4, 5000);
        QVERIFY(broken.requestsReceived() <= seen + 1); // one may have been under way
    }
};

QTEST_GUILESS_MAIN(TestHealthChecker)
#include "tst_health_checker.moc"
