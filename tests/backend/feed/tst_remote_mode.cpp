#include <backend/feed/remote_feed_transport.h>

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {
constexpr int kStartMs = 60000;
constexpr int kTimeoutMs = 20000;
} // namespace

// Remote mode end to end: a headless `toolcapture --no-gui --demo` process, read and commanded
// through RemoteFeedTransport; killed (the connection is lost) and started again on the same
// admin port (the feed resumes).
class TestRemoteMode : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void wrongTokenIsLost();
    void servicesAndABreakerCommand();
    void lossAndResumption();

private:
    // Starts the headless instance with its admin listener on `adminPort` (0: any).
    void startInstance(quint16 adminPort);
    void stopInstance();
    std::unique_ptr<RemoteFeedTransport> makeTransport(const QByteArray &token);
    Json lastOf(const QString &subject) const;

    QTemporaryDir m_home;
    std::unique_ptr<QProcess> m_process;
    QString m_log;
    quint16 m_adminPort = 0;
    QByteArray m_token;
    std::unique_ptr<RemoteFeedTransport> m_feed;
    std::map<QString, QList<FeedMessage>> m_received;
};

void TestRemoteMode::initTestCase() {
    QVERIFY(m_home.isValid());
    startInstance(0);
    QVERIFY(m_adminPort != 0);
    static const QRegularExpression tokenLine(
        QStringLiteral("admin token (?:generated in|read from) (\\S+)"));
    const QRegularExpressionMatch match = tokenLine.match(m_log);
    QVERIFY2(match.hasMatch(), qPrintable(m_log));
    QString error;
    const std::optional<QByteArray> token =
        RemoteFeedTransport::readTokenFile(match.captured(1), &error);
    QVERIFY2(token, qPrintable(error));
    m_token = *token;
}

void TestRemoteMode::cleanupTestCase() {
    m_feed.reset();
    stopInstance();
}

void TestRemoteMode::startInstance(quint16 adminPort) {
    m_log.clear();
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QLatin1String(name));
    // The instance's token file, capture store and spool live in this test's home.
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + QStringLiteral("/data"));
    m_process->setProcessEnvironment(env);
    QProcess *process = m_process.get();
    connect(process, &QProcess::readyReadStandardError, this,
            [this, process] { m_log += QString::fromUtf8(process->readAllStandardError()); });
    m_process->start(QStringLiteral(TOOLCAPTURE_BINARY),
                     {QStringLiteral("--no-gui"), QStringLiteral("--demo"),
                      QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                      QStringLiteral("--admin"), QStringLiteral("127.0.0.1:%1").arg(adminPort),
                      QStringLiteral("--workers"), QStringLiteral("1")});
    QVERIFY(m_process->waitForStarted());
    static const QRegularExpression adminLine(
        QStringLiteral("admin API on http://127\\.0\\.0\\.1:(\\d+)/"));
    QTRY_VERIFY2_WITH_TIMEOUT(adminLine.match(m_log).hasMatch() ||
                                  m_process->state() == QProcess::NotRunning,
                              qPrintable(m_log), kStartMs);
    const QRegularExpressionMatch match = adminLine.match(m_log);
    QVERIFY2(match.hasMatch(), qPrintable(m_log));
    m_adminPort = quint16(match.captured(1).toUInt());
}

void TestRemoteMode::stopInstance() {
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    QSignalSpy finished(m_process.get(), &QProcess::finished);
    m_process->terminate();
    if (!finished.wait(kTimeoutMs))
        m_process->kill();
}

std::unique_ptr<RemoteFeedTransport> TestRemoteMode::makeTransport(const QByteArray &token) {
    RemoteFeedTransport::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort));
    options.token = token;
    options.wait = std::chrono::milliseconds(5000);
    options.minBackoff = std::chrono::milliseconds(100);
    options.maxBackoff = std::chrono::milliseconds(500);
    return std::make_unique<RemoteFeedTransport>(options);
}

Json TestRemoteMode::lastOf(const QString &subject) const {
    const auto it = m_received.find(subject);
    if (it == m_received.end() || it->second.isEmpty())
        return Json();
    return Json::parse(it->second.last().json.toStdString(), nullptr, false);
}

void TestRemoteMode::wrongTokenIsLost() {
    auto feed = makeTransport("not-the-token");
    QSignalSpy messages(feed.get(), &FeedTransport::messages);
    feed->subscribe({QStringLiteral("services")});
    QTRY_COMPARE_WITH_TIMEOUT(feed->connection(), FeedTransport::Connection::Lost, kTimeoutMs);
    QVERIFY2(feed->connectionDetail().contains(QStringLiteral("token")),
             qPrintable(feed->connectionDetail()));
    QCOMPARE(messages.count(), 0);
}

void TestRemoteMode::servicesAndABreakerCommand() {
    m_feed = makeTransport(m_token);
    connect(m_feed.get(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &batch) {
        for (const FeedMessage &message : batch)
            m_received[message.subject].append(message);
    });
    QCOMPARE(m_feed->endpointLabel(), QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort));
    m_feed->subscribe({QStringLiteral("services"), QStringLiteral("breakers")});
    QTRY_VERIFY_WITH_TIMEOUT(lastOf(QStringLiteral("services")).contains("services"), kTimeoutMs);
    QCOMPARE(m_feed->connection(), FeedTransport::Connection::Connected);
    QVERIFY(lastOf(QStringLiteral("services"))["services"].size() >= 2);
    QTRY_VERIFY_WITH_TIMEOUT(lastOf(QStringLiteral("breakers")).contains("breakers"), kTimeoutMs);
    const std::string instance =
        lastOf(QStringLiteral("breakers"))["breakers"][0]["instance"].get<std::string>();

    std::optional<FeedResponse> answer;
    FeedRequest force;
    force.method = "POST";
    force.target = "/api/v1/breakers/" + QByteArray::fromStdString(instance);
    force.body = R"({"action": "force_open"})";
    m_feed->request(force, this, [&answer](const FeedResponse &r) { answer = r; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 200);
    const qsizetype before = m_received[QStringLiteral("breakers")].size();
    QTRY_VERIFY2_WITH_TIMEOUT(m_received[QStringLiteral("breakers")].size() > before,
                              qPrintable(m_feed->connectionDetail()), kTimeoutMs);
    // The next breakers document shows it.
    const auto stateOf = [&] {
        const Json doc = lastOf(QStringLiteral("breakers")); // kept: the loop reads into it
        for (const Json &b : doc["breakers"]) {
            if (b["instance"] == instance)
                return b["state"].get<std::string>();
        }
        return std::string("absent");
    };
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(), std::string("forced_open"), kTimeoutMs);
}

void TestRemoteMode::lossAndResumption() {
    QVERIFY(m_feed);
    QVERIFY2(m_feed->connection() == FeedTransport::Connection::Connected,
             qPrintable(m_feed->connectionDetail() +
                        QStringLiteral(" state %1 exit %2 status %3 ")
                            .arg(m_process->state())
                            .arg(m_process->exitCode())
                            .arg(m_process->exitStatus()) +
                        m_log.right(400)));
    const quint16 port = m_adminPort;
    m_process->kill();
    QVERIFY(m_process->waitForFinished(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(m_feed->connection(), FeedTransport::Connection::Lost, kTimeoutMs);
    QVERIFY(!m_feed->connectionDetail().isEmpty());

    m_received.clear();
    startInstance(port);
    QCOMPARE(m_adminPort, port);
    QTRY_COMPARE_WITH_TIMEOUT(m_feed->connection(), FeedTransport::Connection::Connected,
                              kTimeoutMs);
    // Documents resume, whole: the new instance's breakers, none forced any more.
    QTRY_VERIFY_WITH_TIMEOUT(lastOf(QStringLiteral("services")).contains("services"), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(lastOf(QStringLiteral("breakers")).contains("breakers"), kTimeoutMs);
    const Json breakers = lastOf(QStringLiteral("breakers"));
    QVERIFY(!breakers["breakers"].empty());
    for (const Json &b : breakers["breakers"])
        QVERIFY(b["state"] != "forced_open");
}

QTEST_GUILESS_MAIN(TestRemoteMode)
#include "tst_remote_mode.moc"
