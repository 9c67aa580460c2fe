#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

// NOTE: plain literals: moc 6.4 mis-parses multi-line raw strings and skips the file.
const QByteArray kGoodConfig =
    "{"
    "\"listen\": \"127.0.0.1:0\","
    "\"admin\": \"127.0.0.1:18091\","
    "\"services\": {\"inventory\": {"
    "\"match\": {\"path_prefix\": \"/inventory/\"},"
    "\"instances\": [{\"id\": \"inventory-1\", \"url\": \"http://127.0.0.1:9101\"}]"
    "}}}";

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return {};
    return path;
}

// The environment of a machine without any display.
QProcessEnvironment noDisplayEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QLatin1String(name));
    return env;
}

struct Finished {
    int exitCode = -1;
    QString out;
    QString err;
};

Finished runToEnd(const QStringList &arguments) {
    QProcess process;
    process.setProcessEnvironment(noDisplayEnvironment());
    process.start(QStringLiteral(TOOLCAPTURE_EXECUTABLE), arguments);
    Finished result;
    if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit)
        return result;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

} // namespace

class TestToolcaptureExecutable : public QObject {
    Q_OBJECT
private slots:
    void checkConfig_data();
    void checkConfig();
    void usageErrors_data();
    void usageErrors();
    void headlessRunsAndStopsOnSigterm_data();
    void headlessRunsAndStopsOnSigterm();
};

void TestToolcaptureExecutable::checkConfig_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("stderrParts");

    QTest::newRow("good") << kGoodConfig << 0 << QStringList{};
    QByteArray bad = kGoodConfig;
    bad.replace("http://127.0.0.1:9101", "ftp://nowhere").replace("\"admin\"", "\"admn\"");
    QTest::newRow("two errors") << bad << 1
                                << QStringList{
                                       QStringLiteral("services.inventory.instances[0].url: "),
                                       QStringLiteral("admn")};
    QTest::newRow("not json") << QByteArray("{ nope") << 1
                              << QStringList{QStringLiteral("config.json")};
    // Mistakes in a store URL with a password: each said, located, without the password.
    const auto withStore = [](const QByteArray &store) {
        QByteArray content = kGoodConfig;
        return content.replace("\"services\"", "\"store\": \"" + store + "\", \"services\"");
    };
    QTest::newRow("store without a database")
        << withStore("postgresql://tc:secretpw@127.0.0.1:5432/") << 1
        << QStringList{QStringLiteral("store: not a postgresql URL: no database")};
    QTest::newRow("store with a bad port")
        << withStore("postgresql://tc:secretpw@127.0.0.1:5432x/db") << 1
        << QStringList{QStringLiteral("store: not a postgresql URL: the port must be a number "
                                      "between 1 and 65535, got \"5432x\"")};
    QTest::newRow("store with options")
        << withStore("postgresql://tc:secretpw@127.0.0.1:5432/db?sslmode=require") << 1
        << QStringList{QStringLiteral("store: not a postgresql URL: options")};
    QTest::newRow("store with a fragment")
        << withStore("postgresql://tc:secretpw@127.0.0.1:5432/db#x") << 1
        << QStringList{QStringLiteral("store: not a postgresql URL: a fragment")};
    QTest::newRow("store empty") << withStore("") << 1
                                 << QStringList{QStringLiteral("store: empty")};
}

void TestToolcaptureExecutable::checkConfig() {
    QFETCH(QByteArray, content);
    QFETCH(int, exitCode);
    QFETCH(QStringList, stderrParts);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("config.json"), content);
    QVERIFY(!path.isEmpty());

    const Finished result = runToEnd({QStringLiteral("--check-config"), path});
    QCOMPARE(result.exitCode, exitCode);
    if (exitCode == 0) {
        QCOMPARE(result.out, path + QStringLiteral(": ok\n"));
        QVERIFY2(result.err.isEmpty(), qPrintable(result.err));
    } else {
        QVERIFY(result.out.isEmpty());
        QCOMPARE(result.err.split(u'\n', Qt::SkipEmptyParts).size(),
                 std::max<qsizetype>(1, stderrParts.size()));
    }
    for (const QString &part : stderrParts)
        QVERIFY2(result.err.contains(part), qPrintable(result.err));
    QVERIFY2(!result.err.contains(QLatin1String("secretpw")), qPrintable(result.err));
}

void TestToolcaptureExecutable::usageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("stderrPart");

    QTest::newRow("nothing to run") << QStringList{} << QStringLiteral("--demo");
    QTest::newRow("bad port") << QStringList{QStringLiteral("--demo"), QStringLiteral("--listen"),
                                             QStringLiteral("127.0.0.1:abc")}
                              << QStringLiteral("Invalid --listen");
    QTest::newRow("bad workers") << QStringList{QStringLiteral("--demo"),
                                                QStringLiteral("--workers"), QStringLiteral("-1")}
                                 << QStringLiteral("Invalid --workers");
    QTest::newRow("store with a bad port")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://tc:secretpw@127.0.0.1:port/db")}
        << QStringLiteral("Invalid --store: not a postgresql URL: the port must be");
}

void TestToolcaptureExecutable::usageErrors() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, stderrPart);

    const Finished result = runToEnd(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(stderrPart), qPrintable(result.err));
    QVERIFY2(!result.err.contains(QLatin1String("secretpw")), qPrintable(result.err));
}

void TestToolcaptureExecutable::headlessRunsAndStopsOnSigterm_data() {
    QTest::addColumn<QStringList>("extraArguments");
    QTest::addColumn<QString>("reason");

    QTest::newRow("--no-gui") << QStringList{QStringLiteral("--no-gui")}
                              << QStringLiteral("console not started: --no-gui was given");
#ifdef TOOLCAPTURE_HAS_GUI
    QTest::newRow("no display") << QStringList{}
                                << QStringLiteral("console not started: no display");
#else
    QTest::newRow("no console built")
        << QStringList{} << QStringLiteral("console not started: this build has no console");
#endif
}

void TestToolcaptureExecutable::headlessRunsAndStopsOnSigterm() {
    QFETCH(QStringList, extraArguments);
    QFETCH(QString, reason);

    QProcess process;
    process.setProcessEnvironment(noDisplayEnvironment());
    QString err;
    connect(&process, &QProcess::readyReadStandardError, this,
            [&] { err += QString::fromUtf8(process.readAllStandardError()); });
    process.start(QStringLiteral(TOOLCAPTURE_EXECUTABLE),
                  QStringList{QStringLiteral("--demo"), QStringLiteral("--listen"),
                              QStringLiteral("127.0.0.1:0"), QStringLiteral("--admin"),
                              QStringLiteral("127.0.0.1:0"), QStringLiteral("--workers"),
                              QStringLiteral("1")} +
                      extraArguments);
    QVERIFY(process.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(err.contains(QStringLiteral("admin API on")), 20000);
    QVERIFY2(err.contains(reason), qPrintable(err));

    static const QRegularExpression proxyLine(
        QStringLiteral("proxy listening on 127\\.0\\.0\\.1:(\\d+)"));
    const QRegularExpressionMatch match = proxyLine.match(err);
    QVERIFY2(match.hasMatch(), qPrintable(err));
    const quint16 port = quint16(match.captured(1).toUInt());
    QVERIFY(port != 0); // the real port, not the requested 0
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(5000));
    client.disconnectFromHost();

    QSignalSpy finished(&process, &QProcess::finished);
    QVERIFY(finished.isValid());
    process.terminate(); // SIGTERM
    QVERIFY(finished.wait(20000));
    err += QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == 0, qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("engine stopped")), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestToolcaptureExecutable)
#include "tst_toolcapture_executable.moc"
