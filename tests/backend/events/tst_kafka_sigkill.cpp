#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/kafka_publisher.h>
#include <tests/backend/events/kafka_publisher_fixture.h>

#include <QCoreApplication>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ToolCapture;
using namespace ToolCapture::TestKafka;
using namespace std::chrono_literals;

namespace {

QString newTopicName(int n) {
    return QStringLiteral("sigkill.test.%1").arg(n);
}

} // namespace

// A publisher process killed with SIGKILL (no flush, no destructor, no stop()) loses nothing:
// what it spooled is re-published by the next publisher on the same spool directory.
class TestKafkaSigkill : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void killedWhileBrokersDown();
    void killedWhileRepublishing();

private:
    // Runs kafka_publish_child, waits for it to print a line starting with `expected`, kills it
    // and hands back that line.
    void runChildUntil(const QString &mode, const QString &spoolDir, const QString &topic,
                       int count, const QByteArray &expected, QByteArray *line);
    void spoolInChild(const QString &spoolDir, const QString &topic, int count);
    Arrival readArrival(const QString &topic, int count);

    std::unique_ptr<EmbeddedKafkaCluster> m_cluster;
    int m_topics = 0;
};

void TestKafkaSigkill::initTestCase() {
    m_cluster = std::make_unique<EmbeddedKafkaCluster>();
    QString error;
    QVERIFY2(m_cluster->start(3, &error), qPrintable(error));
}

void TestKafkaSigkill::runChildUntil(const QString &mode, const QString &spoolDir,
                                     const QString &topic, int count, const QByteArray &expected,
                                     QByteArray *line) {
    QProcess child;
    child.setProgram(QCoreApplication::applicationDirPath() +
                     QLatin1String("/kafka_publish_child"));
    child.setArguments({mode, m_cluster->bootstrapServers(), spoolDir, topic,
                        QString::number(count), QStringLiteral("1000")});
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QSignalSpy output(&child, &QProcess::readyReadStandardOutput);
    QVERIFY(output.isValid());
    child.start();
    QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
    QByteArray printed;
    const auto sawLine = [&] {
        printed += child.readAllStandardOutput();
        return printed.contains(expected) && printed.endsWith('\n');
    };
    QTRY_VERIFY_WITH_TIMEOUT(output.count() > 0 && sawLine(), 20000);
    child.kill();
    QVERIFY(child.waitForFinished(5000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    *line = printed.mid(printed.indexOf(expected)).trimmed();
}

void TestKafkaSigkill::spoolInChild(const QString &spoolDir, const QString &topic, int count) {
    m_cluster->setAllBrokersDown(true);
    const auto up = qScopeGuard([this] { m_cluster->setAllBrokersDown(false); });
    const QByteArray expected = "SPOOLED " + QByteArray::number(count);
    QByteArray line;
    runChildUntil(QStringLiteral("spool"), spoolDir, topic, count, expected, &line);
    QCOMPARE(line, expected);
}

Arrival TestKafkaSigkill::readArrival(const QString &topic, int count) {
    QString error;
    const auto messages = readTopic(m_cluster->bootstrapServers(), topic, 2 * count, &error);
    if (!error.isEmpty())
        qWarning() << error;
    return checkArrival(messages, count);
}

void TestKafkaSigkill::killedWhileBrokersDown() {
    constexpr int kCount = 2000;
    QTemporaryDir spool;
    const QString topic = newTopicName(++m_topics);
    QVERIFY(m_cluster->createTopic(topic, 3));
    spoolInChild(spool.path(), topic, kCount);
    if (QTest::currentTestFailed())
        return;

    KafkaPublisher publisher([&] {
        KafkaPublisher::Options options;
        options.brokers = m_cluster->bootstrapServers();
        options.spoolDir = spool.path();
        options.linger = 5ms;
        return options;
    }());
    QVERIFY(publisher.start());
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().republished == std::uint64_t(kCount) &&
                                  publisher.stats().spoolPendingRecords == 0,
                              qPrintable(describe(publisher.stats())), 20000);
    const PublisherStats stats = publisher.stats();
    QCOMPARE(stats.failed, std::uint64_t(0));
    QCOMPARE(stats.spoolCorruptRecords, std::uint64_t(0));
    const Arrival arrival = readArrival(topic, kCount);
    // Nothing reached the brokers before the kill: exactly once, in order.
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0 &&
                 arrival.strangers == 0,
             qPrintable(arrival.describe()));
}

void TestKafkaSigkill::killedWhileRepublishing() {
    constexpr int kCount = 4000;
    QTemporaryDir spool;
    const QString topic = newTopicName(++m_topics);
    QVERIFY(m_cluster->createTopic(topic, 3));
    spoolInChild(spool.path(), topic, kCount);
    if (QTest::currentTestFailed())
        return;
    // A second child drains the spool slowly and is killed once its cursor has moved.
    QByteArray line;
    runChildUntil(QStringLiteral("drain"), spool.path(), topic, kCount, "DRAINING ", &line);
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(line.startsWith("DRAINING "), line.constData());
    const int pendingWhenKilled = line.mid(9).toInt();
    QVERIFY(pendingWhenKilled <= kCount * 3 / 4);

    KafkaPublisher::Options options;
    options.brokers = m_cluster->bootstrapServers();
    options.spoolDir = spool.path();
    options.linger = 5ms;
    KafkaPublisher publisher(options);
    QVERIFY(publisher.start());
    // Only what the killed child had not committed is sent again.
    const std::uint64_t resumed = publisher.stats().spoolPendingRecords;
    QVERIFY2(resumed <= std::uint64_t(pendingWhenKilled), qPrintable(QString::number(resumed)));
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().spoolPendingRecords == 0 &&
                                  publisher.stats().republished == resumed,
                              qPrintable(describe(publisher.stats())), 20000);
    QCOMPARE(publisher.stats().failed, std::uint64_t(0));
    QCOMPARE(publisher.stats().spoolCorruptRecords, std::uint64_t(0));
    const Arrival arrival = readArrival(topic, kCount);
    qInfo("%s; %d pending when killed, %llu re-sent", qPrintable(arrival.describe()),
          pendingWhenKilled, static_cast<unsigned long long>(resumed));
    // At least once: none missing; the duplicates are the killed child's sends after its last
    // cursor commit, a bounded few.
    QVERIFY2(arrival.missing.isEmpty() && arrival.strangers == 0, qPrintable(arrival.describe()));
    QVERIFY2(arrival.duplicates <= pendingWhenKilled, qPrintable(arrival.describe()));
}

QTEST_GUILESS_MAIN(TestKafkaSigkill)
#include "tst_kafka_sigkill.moc"
