#include <tests/support/raw_client.h>
#include <tests/support/test_upstream.h>

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
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

    // Starts `toolcapture --no-gui` in front of `upstream` and waits for its listening line.
    Running start(const TestUpstream &upstream, const QString &dir, int drainMs) {
        const QString path = dir + QStringLiteral("/config.json");
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
        file.write(R"({"listen":"127.0.0.1:0","admin":"127.0.0.1:0","workers":2,)"
                   R"("timeouts":{"drain_ms":)" +
                   QByteArray::number(drainMs) +
                   R"(},"health":{"enabled":false},"kafka":{"spool_dir":")" + dir.toUtf8() +
                   R"(/spool"},"capture":{"store_path":")" + dir.toUtf8() +
                   R"(/captures.sqlite"})"
                   R"(,"services":{"svc":{"match":{"path_prefix":"/"},"instances":[)"
                   R"({"id":"svc-1","url":")" +
                   upstream.url() + R"("}]}}})");
        file.close();
        Running running;
        running.process = std::make_unique<QProcess>();
        running.process->setProcessChannelMode(QProcess::MergedChannels);
        running.process->start(QStringLiteral(TOOLCAPTURE_BINARY),
                               {QStringLiteral("--no-gui"), QStringLiteral("--config"), path});
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
};

QTEST_GUILESS_MAIN(TestHeadlessProcess)
#include "tst_headless_process.moc"
