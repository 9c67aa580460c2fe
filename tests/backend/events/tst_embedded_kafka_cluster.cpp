#include <backend/events/embedded_kafka_cluster.h>
#include <tests/support/kafka_produce.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <librdkafka/rdkafka.h>
#include <memory>

using namespace ToolCapture;

namespace {

// A plain librdkafka producer that waits for each message's delivery report: what an outside
// client of the embedded cluster sees.
class TestProducer {
public:
    explicit TestProducer(const QString &brokers, int messageTimeoutMs = 5000) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        const QByteArray bootstrap = brokers.toUtf8();
        const QByteArray timeout = QByteArray::number(messageTimeoutMs);
        const std::pair<const char *, const char *> settings[] = {
            {"bootstrap.servers", bootstrap.constData()},
            {"message.timeout.ms", timeout.constData()},
            {"linger.ms", "0"},
            // Back quickly once a broker is up again (librdkafka's backoff grows to 10 s).
            {"reconnect.backoff.ms", "10"},
            {"reconnect.backoff.max.ms", "100"},
            // Each injected error must reach the delivery report, not be retried away.
            {"retries", "0"},
            {"enable.idempotence", "false"},
            {"log_level", "0"},
        };
        for (const auto &[name, value] : settings)
            rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr);
        rd_kafka_conf_set_opaque(conf, this);
        rd_kafka_conf_set_dr_msg_cb(conf,
                                    [](rd_kafka_t *, const rd_kafka_message_t *m, void *opaque) {
                                        static_cast<TestProducer *>(opaque)->m_lastError = m->err;
                                    });
        m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    }
    ~TestProducer() {
        if (m_rk)
            rd_kafka_destroy(m_rk);
    }
    TestProducer(const TestProducer &) = delete;
    TestProducer &operator=(const TestProducer &) = delete;

    bool isValid() const { return m_rk != nullptr; }

    // Produces one message and waits for its delivery report; returns its error code.
    rd_kafka_resp_err_t send(const QByteArray &topic, const QByteArray &value) {
        m_lastError = RD_KAFKA_RESP_ERR__IN_PROGRESS;
        Testing::TestMessage message;
        message.topic = topic.constData();
        message.value = value;
        const rd_kafka_resp_err_t err = Testing::produceCopy(m_rk, message);
        if (err)
            return err;
        rd_kafka_flush(m_rk, 20000);
        return m_lastError;
    }

    rd_kafka_resp_err_t highWatermark(const QByteArray &topic, int partition, qint64 *high) {
        int64_t low = 0;
        int64_t hi = 0;
        const rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(m_rk, topic.constData(), partition, &low, &hi, 1000);
        *high = hi;
        return err;
    }

private:
    rd_kafka_t *m_rk = nullptr;
    rd_kafka_resp_err_t m_lastError = RD_KAFKA_RESP_ERR_NO_ERROR;
};

} // namespace

class TestEmbeddedKafkaCluster : public QObject {
    Q_OBJECT

private slots:
    void startsBrokersOnLoopback_data();
    void startsBrokersOnLoopback();
    void refusesBadStarts();
    void createsTopics();
    void producerDelivers();
    void brokerDownAndUp_data();
    void brokerDownAndUp();
    void injectsProduceErrors_data();
    void injectsProduceErrors();
    void kcatListsTopics();
};

void TestEmbeddedKafkaCluster::startsBrokersOnLoopback_data() {
    QTest::addColumn<int>("brokers");
    QTest::newRow("one broker") << 1;
    QTest::newRow("three brokers") << 3;
}

void TestEmbeddedKafkaCluster::startsBrokersOnLoopback() {
    QFETCH(int, brokers);
    EmbeddedKafkaCluster cluster;
    QVERIFY(!cluster.isRunning());
    QVERIFY(cluster.bootstrapServers().isEmpty());
    QString error;
    QVERIFY2(cluster.start(brokers, &error), qPrintable(error));
    QVERIFY(cluster.isRunning());
    QCOMPARE(cluster.brokerCount(), brokers);
    const QStringList addresses = cluster.bootstrapServers().split(QLatin1Char(','));
    QCOMPARE(addresses.size(), brokers);
    for (const QString &address : addresses) {
        QVERIFY2(address.startsWith(QLatin1String("127.0.0.1:")), qPrintable(address));
        bool ok = false;
        const int port = address.section(QLatin1Char(':'), 1).toInt(&ok);
        QVERIFY(ok && port > 0 && port < 65536);
    }
}

void TestEmbeddedKafkaCluster::refusesBadStarts() {
    EmbeddedKafkaCluster cluster;
    QString error;
    QVERIFY(!cluster.start(0, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!cluster.isRunning());
    QVERIFY(cluster.start(1, &error));
    error.clear();
    QVERIFY(!cluster.start(1, &error));
    QVERIFY(error.contains(QLatin1String("already running")));
    QCOMPARE(cluster.brokerCount(), 1);
}

void TestEmbeddedKafkaCluster::createsTopics() {
    EmbeddedKafkaCluster cluster;
    QString error;
    QVERIFY(!cluster.createTopic(QStringLiteral("early"), 1, &error));
    QVERIFY(error.contains(QLatin1String("not running")));
    QVERIFY(cluster.start(3, &error));
    QVERIFY2(cluster.createTopic(QStringLiteral("tc.exchanges"), 3, &error), qPrintable(error));
    QVERIFY2(cluster.createTopic(QStringLiteral("tc.hooks"), 1, &error), qPrintable(error));
    error.clear();
    QVERIFY(!cluster.createTopic(QStringLiteral("tc.exchanges"), 3, &error));
    QVERIFY2(error.contains(QLatin1String("tc.exchanges")), qPrintable(error));
    QVERIFY(!cluster.createTopic(QStringLiteral("tc.none"), 0, &error));
    QVERIFY(!cluster.createTopic(QString(), 1, &error));
}

void TestEmbeddedKafkaCluster::producerDelivers() {
    EmbeddedKafkaCluster cluster;
    QVERIFY(cluster.start(1));
    QVERIFY(cluster.createTopic(QStringLiteral("deliveries"), 1));
    TestProducer producer(cluster.bootstrapServers());
    QVERIFY(producer.isValid());
    for (int i = 0; i < 5; ++i)
        QCOMPARE(producer.send("deliveries", QByteArray::number(i)), RD_KAFKA_RESP_ERR_NO_ERROR);
    qint64 high = -1;
    QCOMPARE(producer.highWatermark("deliveries", 0, &high), RD_KAFKA_RESP_ERR_NO_ERROR);
    QCOMPARE(high, 5);
}

void TestEmbeddedKafkaCluster::brokerDownAndUp_data() {
    QTest::addColumn<bool>("allAtOnce");
    QTest::newRow("setBrokerDown") << false;
    QTest::newRow("setAllBrokersDown") << true;
}

void TestEmbeddedKafkaCluster::brokerDownAndUp() {
    QFETCH(bool, allAtOnce);
    EmbeddedKafkaCluster cluster;
    QVERIFY(cluster.start(1));
    QVERIFY(cluster.createTopic(QStringLiteral("flaky"), 1));
    TestProducer producer(cluster.bootstrapServers(), 1000);
    // The first delivery also connects to the broker and learns the leader, which can take
    // longer than the one-second message timeout on a loaded machine (it did under ASan in
    // CI): try again until one message is in, then count from the watermark it reached.
    rd_kafka_resp_err_t warmUp = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
    for (int attempt = 0; attempt < 20 && warmUp != RD_KAFKA_RESP_ERR_NO_ERROR; ++attempt)
        warmUp = producer.send("flaky", "before");
    QCOMPARE(warmUp, RD_KAFKA_RESP_ERR_NO_ERROR);
    qint64 before = -1;
    QCOMPARE(producer.highWatermark("flaky", 0, &before), RD_KAFKA_RESP_ERR_NO_ERROR);
    QVERIFY(before >= 1);

    if (allAtOnce)
        cluster.setAllBrokersDown(true);
    else
        cluster.setBrokerDown(1, true);
    QCOMPARE(producer.send("flaky", "while down"), RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);

    if (allAtOnce)
        cluster.setAllBrokersDown(false);
    else
        cluster.setBrokerDown(1, false);
    // Reconnecting waits out librdkafka's backoff: again, one message in is what counts.
    rd_kafka_resp_err_t after = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
    for (int attempt = 0; attempt < 20 && after != RD_KAFKA_RESP_ERR_NO_ERROR; ++attempt)
        after = producer.send("flaky", "after");
    QCOMPARE(after, RD_KAFKA_RESP_ERR_NO_ERROR);
    qint64 high = -1;
    QCOMPARE(producer.highWatermark("flaky", 0, &high), RD_KAFKA_RESP_ERR_NO_ERROR);
    QCOMPARE(high, before + 1);
}

void TestEmbeddedKafkaCluster::injectsProduceErrors_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("errorCode");
    QTest::newRow("one message too large") << 1 << int(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    QTest::newRow("two not enough replicas") << 2 << int(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
}

void TestEmbeddedKafkaCluster::injectsProduceErrors() {
    QFETCH(int, count);
    QFETCH(int, errorCode);
    EmbeddedKafkaCluster cluster;
    QVERIFY(cluster.start(2));
    QVERIFY(cluster.createTopic(QStringLiteral("faulty"), 1));
    // The mock picks a random leader: broker 2 leads only if setPartitionLeader() works.
    QVERIFY(cluster.setPartitionLeader(QStringLiteral("faulty"), 0, 2));
    QVERIFY(!cluster.setPartitionLeader(QStringLiteral("faulty"), 0, 3));
    TestProducer producer(cluster.bootstrapServers());
    QCOMPARE(producer.send("faulty", "warm-up"), RD_KAFKA_RESP_ERR_NO_ERROR);
    cluster.pushProduceErrors(2, count, errorCode);
    QCOMPARE(cluster.pendingProduceErrors(1), 0);
    QCOMPARE(cluster.pendingProduceErrors(3), -1);
    for (int i = 0; i < count; ++i) {
        QCOMPARE(cluster.pendingProduceErrors(2), count - i);
        QCOMPARE(int(producer.send("faulty", "rejected")), errorCode);
    }
    QCOMPARE(cluster.pendingProduceErrors(2), 0);
    QCOMPARE(producer.send("faulty", "accepted"), RD_KAFKA_RESP_ERR_NO_ERROR);
    qint64 high = -1;
    QCOMPARE(producer.highWatermark("faulty", 0, &high), RD_KAFKA_RESP_ERR_NO_ERROR);
    QCOMPARE(high, 2);
}

void TestEmbeddedKafkaCluster::kcatListsTopics() {
    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (kcat.isEmpty())
        QSKIP("kcat is not installed (scripts/install-deps.sh installs it)");
    EmbeddedKafkaCluster cluster;
    QVERIFY(cluster.start(2));
    QVERIFY(cluster.createTopic(QStringLiteral("tc.listed"), 4));

    QProcess process;
    process.start(kcat, {QStringLiteral("-b"), cluster.bootstrapServers(), QStringLiteral("-L"),
                         QStringLiteral("-J")});
    QVERIFY2(process.waitForFinished(15000), qPrintable(process.errorString()));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QJsonDocument doc = QJsonDocument::fromJson(process.readAllStandardOutput());
    QVERIFY(doc.isObject());
    QCOMPARE(doc[QLatin1String("brokers")].toArray().size(), 2);
    bool found = false;
    const QJsonArray topics = doc[QLatin1String("topics")].toArray();
    for (const QJsonValue &topic : topics) {
        if (topic[QLatin1String("topic")].toString() == QLatin1String("tc.listed")) {
            found = true;
            QCOMPARE(topic[QLatin1String("partitions")].toArray().size(), 4);
        }
    }
    QVERIFY2(found, doc.toJson().constData());
}

QTEST_GUILESS_MAIN(TestEmbeddedKafkaCluster)
#include "tst_embedded_kafka_cluster.moc"
