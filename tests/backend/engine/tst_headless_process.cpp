#include <tests/support/raw_client.h>
#include <tests/support/test_upstream.h>

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace ToolCapture;

// The real executable, headless: it starts from a configuration file, serves, and on SIGTERM or
// SIGINT lets in-flight requests finish before it exits with 0.
class TestHeadlessProcess : public QObject {
    Q_OBJECT

private:
    struct Running {
        std::unique_ptr<QProcess> process;
        quint16 proxyPort = 0;
        QByteArray log;
    };

    // Writes the configuration file and starts `toolcapture --no-gui` from it.
    static std::unique_ptr<QProcess> launch(const TestUpstream &upstream, const QString &dir,
                                            int drainMs, quint16 listenPort = 0,
                                            quint16 adminPort = 0) {
        const QString path = dir + QStringLiteral("/config.json");
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
        file.write(R"({"listen":"127.0.0.1:)" + QByteArray::number(listenPort) +
                   R"(","admin":"127.0.0.1:)" + QByteArray::number(adminPort) +
                   R"(","workers":2,"timeouts":{"drain_ms":)" + QByteArray::number(drainMs) +
                   R"(},"health":{"enabled":false},"kafka":{"spool_dir":")" + dir.toUtf8() +
                   R"(/spool"},"capture":{"store_path":")" + dir.toUtf8() +
                   R"(/captures.sqlite"})"
                   R"(,"services":{"svc":{"match":{"path_prefix":"/"},"instances":[)"
                   R"({"id":"svc-1","url":")" +
                   upstream.url() + R"("}]}}})");
        file.close();
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->start(QStringLiteral(TOOLCAPTURE_BINARY),
                       {QStringLiteral("--no-gui"), QStringLiteral("--config"), path});
        return process;
    }

    // Starts `toolcapture --no-gui` in front of `upstream` and waits for its listening line.
    Running start(const TestUpstream &upstream, const QString &dir, int drainMs) {
        Running running;
        running.process = launch(upstream, dir, drainMs);
        if (!running.process)
            return running;
        static const QRegularExpression listening(
            QStringLiteral("proxy listening on 127\\.0\\.0\\.1:(\\d+)"));
        QSignalSpy output(running.process.get(), &QProcess::readyReadStandardOutput);
        while (running.proxyPort == 0) {
            if (running.process->bytesAvailable() == 0 && !output.wait(10000))
                return running;
            running.log += running.process->readAll();
            const auto match = listening.match(QString::fromUtf8(running.log));
            if (match.hasMatch())
                running.proxyPort = quint16(match.captured(1).toUInt());
        }
        return running;
    }

private slots:
    void signalDrainsInFlightRequestsAndExitsZero_data() {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }
    void signalDrainsInFlightRequestsAndExitsZero() {
        QFETCH(int, signal);
        TestUpstream::Behaviour slow;
        slow.delayMs = 1500;
        TestUpstream upstream(slow);
        QTemporaryDir dir;
        Running running = start(upstream, dir.path(), 10000);
        QVERIFY2(running.proxyPort != 0, running.log.constData());

        RawClient inFlight(running.proxyPort);
        inFlight.send(simpleGet("/slow"));
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 1, 10000);
        ::kill(pid_t(running.process->processId()), signal);

        // No new connection is served once draining started. Checked while the process still
        // runs (the upstream holds the in-flight request): after it exits, another program may
        // already listen on the same ephemeral port.
        QTRY_VERIFY_WITH_TIMEOUT((running.log += running.process->readAll()).contains("draining"),
                                 10000);
        // The workers close their listeners right after the drain is logged (each on its own
        // thread): a new connection is refused from then on, while the process still runs.
        QTRY_VERIFY_WITH_TIMEOUT(!RawClient(running.proxyPort, 1000).isConnected(), 5000);
        QCOMPARE(running.process->state(), QProcess::Running);

        const RawResponse response = inFlight.read();
        if (!response.complete) {
            running.process->waitForFinished(15000);
            running.log += running.process->readAll();
        }
        QVERIFY2(response.complete, running.log.constData());
        QCOMPARE(response.status, 200);
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(running.process->waitForFinished(15000));
        QCOMPARE(running.process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(running.process->exitCode(), 0);
    }

    void drainTimeoutBoundsShutdown() {
        TestUpstream::Behaviour hang;
        hang.mode = TestUpstream::Mode::Hang;
        TestUpstream upstream(hang);
        QTemporaryDir dir;
        Running running = start(upstream, dir.path(), 500);
        QVERIFY2(running.proxyPort != 0, running.log.constData());
        RawClient stuck(running.proxyPort);
        stuck.send(simpleGet("/hang"));
        QTRY_COMPARE_WITH_TIMEOUT(upstream.requestsReceived(), 1, 10000);
        ::kill(pid_t(running.process->processId()), SIGTERM);
        QVERIFY(running.process->waitForFinished(10000));
        QCOMPARE(running.process->exitCode(), 0);
        QVERIFY(stuck.waitForClose(5000));
        running.log += running.process->readAll();
        QVERIFY2(running.log.contains("drain timeout"), running.log.constData());
    }

    // A start that fails part-way (the event pipeline and the store are up, a port is taken)
    // says why and exits 1: no crash while the half-started engine is torn down.
    void portInUseExitsWithMessage_data() {
        QTest::addColumn<bool>("adminPort");
        QTest::newRow("proxy port taken") << false;
        QTest::newRow("admin port taken") << true;
    }

    void portInUseExitsWithMessage() {
        QFETCH(bool, adminPort);
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost));
        TestUpstream upstream;
        QTemporaryDir dir;
        std::unique_ptr<QProcess> process =
            adminPort ? launch(upstream, dir.path(), 1000, 0, taken.serverPort())
                      : launch(upstream, dir.path(), 1000, taken.serverPort(), 0);
        QVERIFY(process);
        QVERIFY(process->waitForFinished(30000));
        const QByteArray log = process->readAll();
        QVERIFY2(process->exitStatus() == QProcess::NormalExit, log.constData());
        QCOMPARE(process->exitCode(), 1);
        QVERIFY2(log.contains("cannot start"), log.constData());
        QVERIFY2(log.contains(QByteArray::number(taken.serverPort())), log.constData());
    }
};

QTEST_GUILESS_MAIN(TestHeadlessProcess)
#include "tst_headless_process.moc"
