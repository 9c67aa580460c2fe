#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/topic_group_consumer.h>
#include <backend/events/topic_tail.h>
#include <tests/support/kafka_produce.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest>

#include <algorithm>
#include <librdkafka/rdkafka.h>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kBaseTime = 1'700'000'000'000; // message timestamps, UTC ms

// Writes messages with chosen partitions, timestamps and headers, and waits for each delivery.
class TestProducer {
public:
    explicit TestProducer(const QString &brokers) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        const QByteArray bootstrap = brokers.toUtf8();
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.constData(), errstr, sizeof errstr);
        rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr);
        m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    }
    ~TestProducer() { rd_kafka_destroy(m_rk); }
    TestProducer(const TestProducer &) = delete;
    TestProducer &operator=(const TestProducer &) = delete;

    // Learns the topic's leaders now: librdkafka would otherwise wait for its 1 s topic scan
    // before the first message to a new topic.
    void prime(const QByteArray &topic) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(m_rk, topic.constData(), nullptr);
        const rd_kafka_metadata_t *md = nullptr;
        if (rd_kafka_metadata(m_rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
    }

    bool send(const QByteArray &topic, int partition, const QByteArray &key,
              const QByteArray &value, qint64 timestampMs,
              const QByteArray &headerName = QByteArray(),
              const QByteArray &headerValue = QByteArray()) {
        rd_kafka_headers_t *headers = rd_kafka_headers_new(1);
        if (!headerName.isEmpty())
            rd_kafka_header_add(headers, headerName.constData(), headerName.size(),
                                headerValue.constData(), headerValue.size());
        const rd_kafka_resp_err_t err = Testing::produceCopy(
            m_rk, {topic.constData(), partition, key, value, timestampMs, headers});
        if (err) {
            rd_kafka_headers_destroy(headers);
            return false;
        }
        return rd_kafka_flush(m_rk, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }

private:
    rd_kafka_t *m_rk = nullptr;
};

QByteArrayList valuesOf(const std::vector<TailMessage> &messages) {
    QByteArrayList values;
    for (const TailMessage &m : messages)
        values << m.value;
    std::sort(values.begin(), values.end());
    return values;
}

// Every message of every batch the spy recorded, in arrival order.
std::vector<TailMessage> collected(const QSignalSpy &spy) {
    std::vector<TailMessage> all;
    for (const QList<QVariant> &arguments : spy) {
        const auto batch = arguments.at(0).value<std::vector<TailMessage>>();
        all.insert(all.end(), batch.begin(), batch.end());
    }
    return all;
}

} // namespace

class TestTopicTail : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void filterMatches_data();
    void filterMatches();
    void filterValidity_data();
    void filterValidity();

    void tailsFrom_data();
    void tailsFrom();
    void tailFilters_data();
    void tailFilters();
    void batchesAreBoundedAndComplete();
    void stopAndRestart();
    void unknownTopicIsAnError();
    void unreachableBrokersAreAnError();

    void fetchReadsWhatExists_data();
    void fetchReadsWhatExists();
    void fetchGivesUpAtTimeout_data();
    void fetchGivesUpAtTimeout();
    void fetchUnknownTopic();
    void pooledConsumersAreBoundedPerBrokers();
    void idlePooledConsumersExpire();

    void structuredEventsShownAsBinaryMode();
    void groupConsumerReadsEitherMode();

private:
    // A structured event, one that claims to be and is not, and a binary-mode event, in this
    // order on partition 0 of a new topic.
    QByteArray topicWithBothModes();

    QByteArray newTopic(int partitions);

    EmbeddedKafkaCluster m_cluster;
    std::unique_ptr<TestProducer> m_producer;
    TailConsumerPool m_pool{std::chrono::hours(1)}; // fetchReadsWhatExists' pooled rows share it
    int m_topics = 0;
};

void TestTopicTail::initTestCase() {
    QString error;
    QVERIFY2(m_cluster.start(2, &error), qPrintable(error));
    m_producer = std::make_unique<TestProducer>(m_cluster.bootstrapServers());
}

QByteArray TestTopicTail::newTopic(int partitions) {
    const QString name = QStringLiteral("tail-%1").arg(++m_topics);
    QString error;
    if (!m_cluster.createTopic(name, partitions, &error))
        qFatal("%s", qPrintable(error));
    m_producer->prime(name.toUtf8());
    return name.toUtf8();
}

void TestTopicTail::filterMatches_data() {
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("pointer");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QByteArray>("messageKey");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("matches");

    QTest::newRow("no filter, not JSON") << QByteArray() << QByteArray() << QByteArray()
                                         << QByteArray("k") << QByteArray("plain") << true;
    QTest::newRow("key equal") << QByteArray("corr-1") << QByteArray() << QByteArray()
                               << QByteArray("corr-1") << QByteArray("{}") << true;
    QTest::newRow("key different") << QByteArray("corr-1") << QByteArray() << QByteArray()
                                   << QByteArray("corr-2") << QByteArray("{}") << false;
    QTest::newRow("number") << QByteArray() << QByteArray("/status") << QByteArray("200")
                            << QByteArray() << QByteArray(R"({"status":200})") << true;
    QTest::newRow("number, other value")
        << QByteArray() << QByteArray("/status") << QByteArray("200") << QByteArray()
        << QByteArray(R"({"status":404})") << false;
    QTest::newRow("integer equals float") << QByteArray() << QByteArray("/n") << QByteArray("42")
                                          << QByteArray() << QByteArray(R"({"n":42.0})") << true;
    QTest::newRow("digits equal a string") << QByteArray() << QByteArray("/id") << QByteArray("200")
                                           << QByteArray() << QByteArray(R"({"id":"200"})") << true;
    QTest::newRow("quoted string") << QByteArray() << QByteArray("/s") << QByteArray(R"("ok")")
                                   << QByteArray() << QByteArray(R"({"s":"ok"})") << true;
    QTest::newRow("bare string") << QByteArray() << QByteArray("/s") << QByteArray("ok")
                                 << QByteArray() << QByteArray(R"({"s":"ok"})") << true;
    QTest::newRow("bare string, other value")
        << QByteArray() << QByteArray("/s") << QByteArray("ok") << QByteArray()
        << QByteArray(R"({"s":"okay"})") << false;
    QTest::newRow("bool") << QByteArray() << QByteArray("/cached") << QByteArray("false")
                          << QByteArray() << QByteArray(R"({"cached":false})") << true;
    QTest::newRow("bool is not its text")
        << QByteArray() << QByteArray("/cached") << QByteArray("false") << QByteArray()
        << QByteArray(R"({"cached":0})") << false;
    QTest::newRow("nested with index")
        << QByteArray() << QByteArray("/response/tags/1") << QByteArray(R"("b")") << QByteArray()
        << QByteArray(R"({"response":{"tags":["a","b"]}})") << true;
    QTest::newRow("object value") << QByteArray() << QByteArray("/o") << QByteArray(R"({"x":1})")
                                  << QByteArray() << QByteArray(R"({"o":{"x":1}})") << true;
    QTest::newRow("escaped slash ~1") << QByteArray() << QByteArray("/a~1b") << QByteArray("1")
                                      << QByteArray() << QByteArray(R"({"a/b":1})") << true;
    QTest::newRow("escaped tilde ~0") << QByteArray() << QByteArray("/m~0n") << QByteArray("true")
                                      << QByteArray() << QByteArray(R"({"m~n":true})") << true;
    QTest::newRow("~01 is ~1, not /") << QByteArray() << QByteArray("/~01") << QByteArray("2")
                                      << QByteArray() << QByteArray(R"({"~1":2,"/":3})") << true;
    QTest::newRow("unescaped slash is a path")
        << QByteArray() << QByteArray("/a/b") << QByteArray("1") << QByteArray()
        << QByteArray(R"({"a/b":1})") << false;
    QTest::newRow("missing member") << QByteArray() << QByteArray("/missing") << QByteArray("1")
                                    << QByteArray() << QByteArray(R"({"a":1})") << false;
    QTest::newRow("index out of range") << QByteArray() << QByteArray("/a/5") << QByteArray("1")
                                        << QByteArray() << QByteArray(R"({"a":[1]})") << false;
    QTest::newRow("member of a number") << QByteArray() << QByteArray("/a/b") << QByteArray("1")
                                        << QByteArray() << QByteArray(R"({"a":7})") << false;
    QTest::newRow("empty value: present") << QByteArray() << QByteArray("/a") << QByteArray()
                                          << QByteArray() << QByteArray(R"({"a":null})") << true;
    QTest::newRow("empty value: absent") << QByteArray() << QByteArray("/a") << QByteArray()
                                         << QByteArray() << QByteArray(R"({"b":1})") << false;
    QTest::newRow("message not JSON") << QByteArray() << QByteArray("/a") << QByteArray("1")
                                      << QByteArray() << QByteArray("{oops") << false;
    QTest::newRow("malformed pointer") << QByteArray() << QByteArray("a") << QByteArray("1")
                                       << QByteArray() << QByteArray(R"({"a":1})") << false;
    QTest::newRow("key and field") << QByteArray("k") << QByteArray("/a") << QByteArray("1")
                                   << QByteArray("k") << QByteArray(R"({"a":1})") << true;
    QTest::newRow("field right, key wrong")
        << QByteArray("k") << QByteArray("/a") << QByteArray("1") << QByteArray("j")
        << QByteArray(R"({"a":1})") << false;
}

void TestTopicTail::filterMatches() {
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, pointer);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArray, messageKey);
    QFETCH(QByteArray, message);
    QFETCH(bool, matches);
    const TailFilter filter{key, pointer, expected};
    QCOMPARE(filter.matches(messageKey, message), matches);
}

void TestTopicTail::filterValidity_data() {
    QTest::addColumn<QByteArray>("pointer");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("member") << QByteArray("/a/0") << true;
    QTest::newRow("escapes") << QByteArray("/a~0~1b") << true;
    QTest::newRow("no leading slash") << QByteArray("a") << false;
    QTest::newRow("bad escape") << QByteArray("/a~2") << false;
    QTest::newRow("lone tilde") << QByteArray("/a~") << false;
}

void TestTopicTail::filterValidity() {
    QFETCH(QByteArray, pointer);
    QFETCH(bool, valid);
    QString error;
    const TailFilter filter{{}, pointer, {}};
    QCOMPARE(filter.isValid(&error), valid);
    QCOMPARE(error.isEmpty(), valid);
}

void TestTopicTail::tailsFrom_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<QByteArrayList>("expected");

    // Already there: old (p0, base-10 s), mid (p1, base-5 s), new (p2, base).
    // Produced after the tail has started: live-1 (p0), live-2 (p2).
    QTest::newRow("beginning") << int(TailStart::Beginning) << qint64(0)
                               << QByteArrayList{"live-1", "live-2", "mid", "new", "old"};
    QTest::newRow("end") << int(TailStart::End) << qint64(0) << QByteArrayList{"live-1", "live-2"};
    QTest::newRow("timestamp between") << int(TailStart::Timestamp) << kBaseTime - 6000
                                       << QByteArrayList{"live-1", "live-2", "mid", "new"};
    QTest::newRow("timestamp exact")
        << int(TailStart::Timestamp) << kBaseTime << QByteArrayList{"live-1", "live-2", "new"};
    QTest::newRow("timestamp before all")
        << int(TailStart::Timestamp) << qint64(0)
        << QByteArrayList{"live-1", "live-2", "mid", "new", "old"};
}

void TestTopicTail::tailsFrom() {
    QFETCH(int, kind);
    QFETCH(qint64, timestamp);
    QFETCH(QByteArrayList, expected);
    const QByteArray topic = newTopic(3);
    QVERIFY(m_producer->send(topic, 0, "k", "old", kBaseTime - 10000));
    QVERIFY(m_producer->send(topic, 1, "k", "mid", kBaseTime - 5000));
    QVERIFY(m_producer->send(topic, 2, "k", "new", kBaseTime));

    TopicTail tail;
    QSignalSpy started(&tail, &TopicTail::started);
    QSignalSpy batches(&tail, &TopicTail::batch);
    QSignalSpy errors(&tail, &TopicTail::error);
    QVERIFY(batches.isValid());
    tail.start(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
               TailStart{TailStart::Kind(kind), timestamp}, TailFilter{});
    QVERIFY(tail.isRunning());
    QVERIFY(started.wait(10000));
    QVERIFY(m_producer->send(topic, 0, "k", "live-1", kBaseTime + 1000));
    QVERIFY(m_producer->send(topic, 2, "k", "live-2", kBaseTime + 2000));

    QTRY_COMPARE_WITH_TIMEOUT(valuesOf(collected(batches)).size(), expected.size(), 10000);
    QCOMPARE(valuesOf(collected(batches)), expected);
    QCOMPARE(errors.count(), 0);
    for (const TailMessage &m : collected(batches)) {
        QCOMPARE(m.topic, QString::fromUtf8(topic));
        QCOMPARE(m.key, QByteArray("k"));
        QVERIFY(m.timestampMs >= kBaseTime - 10000 && m.timestampMs <= kBaseTime + 2000);
    }
}

void TestTopicTail::tailFilters_data() {
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("pointer");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QByteArrayList>("values");

    QTest::newRow("key") << QByteArray("corr-2") << QByteArray() << QByteArray()
                         << QByteArrayList{R"({"i":2,"status":503,"svc":"pricing"})",
                                           R"({"i":4,"status":200,"svc":"pricing"})"};
    QTest::newRow("number field") << QByteArray() << QByteArray("/status") << QByteArray("503")
                                  << QByteArrayList{R"({"i":2,"status":503,"svc":"pricing"})",
                                                    R"({"i":3,"status":503,"svc":"inventory"})"};
    QTest::newRow("string field") << QByteArray() << QByteArray("/svc") << QByteArray("inventory")
                                  << QByteArrayList{R"({"i":1,"status":200,"svc":"inventory"})",
                                                    R"({"i":3,"status":503,"svc":"inventory"})"};
    QTest::newRow("key and field")
        << QByteArray("corr-2") << QByteArray("/status") << QByteArray("200")
        << QByteArrayList{R"({"i":4,"status":200,"svc":"pricing"})"};
}

void TestTopicTail::tailFilters() {
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, pointer);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArrayList, values);
    const QByteArray topic = newTopic(2);
    QVERIFY(m_producer->send(topic, 0, "corr-1", R"({"i":1,"status":200,"svc":"inventory"})",
                             kBaseTime));
    QVERIFY(
        m_producer->send(topic, 1, "corr-2", R"({"i":2,"status":503,"svc":"pricing"})", kBaseTime));
    QVERIFY(m_producer->send(topic, 0, "corr-1", R"({"i":3,"status":503,"svc":"inventory"})",
                             kBaseTime));
    QVERIFY(
        m_producer->send(topic, 1, "corr-2", R"({"i":4,"status":200,"svc":"pricing"})", kBaseTime));
    QVERIFY(m_producer->send(topic, 1, "corr-3", "not json", kBaseTime));

    TopicTail tail;
    QSignalSpy batches(&tail, &TopicTail::batch);
    tail.start(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
               TailStart{TailStart::Beginning}, TailFilter{key, pointer, expected});
    QTRY_COMPARE_WITH_TIMEOUT(valuesOf(collected(batches)).size(), values.size(), 10000);
    QCOMPARE(valuesOf(collected(batches)), values);

    // The same filter through fetch(), which stops at what exists.
    QString error;
    const std::vector<TailMessage> fetched = TopicTail::fetch(
        m_cluster.bootstrapServers(), QString::fromUtf8(topic), TailStart{TailStart::Beginning},
        TailFilter{key, pointer, expected}, 100, 10s, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(valuesOf(fetched), values);
}

void TestTopicTail::batchesAreBoundedAndComplete() {
    const QByteArray topic = newTopic(1);
    for (int i = 0; i < 25; ++i)
        QVERIFY(m_producer->send(topic, 0, QByteArray::number(i), QByteArray::number(i),
                                 kBaseTime + i, "ce_type", "com.toolcapture.test"));
    TopicTail tail;
    QSignalSpy batches(&tail, &TopicTail::batch);
    tail.start(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
               TailStart{TailStart::Beginning}, TailFilter{}, 10);
    QTRY_COMPARE_WITH_TIMEOUT(collected(batches).size(), std::size_t(25), 10000);
    QVERIFY(batches.count() >= 3);
    for (const QList<QVariant> &arguments : batches)
        QVERIFY(arguments.at(0).value<std::vector<TailMessage>>().size() <= 10);
    const std::vector<TailMessage> all = collected(batches);
    for (int i = 0; i < 25; ++i) {
        const TailMessage &m = all[std::size_t(i)];
        QCOMPARE(m.partition, 0);
        QCOMPARE(m.offset, qint64(i));
        QCOMPARE(m.key, QByteArray::number(i));
        QCOMPARE(m.timestampMs, kBaseTime + i);
        QCOMPARE(m.headers.size(), std::size_t(1));
        QCOMPARE(m.headers[0].first, QByteArray("ce_type"));
        QCOMPARE(m.headers[0].second, QByteArray("com.toolcapture.test"));
    }
}

void TestTopicTail::stopAndRestart() {
    const QByteArray first = newTopic(1);
    const QByteArray second = newTopic(1);
    QVERIFY(m_producer->send(first, 0, "k", "first", kBaseTime));
    QVERIFY(m_producer->send(second, 0, "k", "second", kBaseTime));

    TopicTail tail;
    QSignalSpy batches(&tail, &TopicTail::batch);
    tail.start(m_cluster.bootstrapServers(), QString::fromUtf8(first),
               TailStart{TailStart::Beginning}, TailFilter{});
    QVERIFY(batches.wait(10000));
    tail.stop();
    QVERIFY(!tail.isRunning());
    tail.start(m_cluster.bootstrapServers(), QString::fromUtf8(second),
               TailStart{TailStart::Beginning}, TailFilter{});
    QTRY_COMPARE_WITH_TIMEOUT(batches.count(), 2, 10000);
    QCOMPARE(valuesOf(collected(batches)), (QByteArrayList{"first", "second"}));
}

void TestTopicTail::unknownTopicIsAnError() {
    TopicTail tail;
    QSignalSpy started(&tail, &TopicTail::started);
    QSignalSpy errors(&tail, &TopicTail::error);
    tail.start(m_cluster.bootstrapServers(), QStringLiteral("no-such-topic"),
               TailStart{TailStart::Beginning}, TailFilter{});
    QVERIFY(errors.wait(10000));
    QVERIFY2(errors.at(0).at(0).toString().contains(QLatin1String("unknown topic")),
             qPrintable(errors.at(0).at(0).toString()));
    QCOMPARE(started.count(), 0);
    QVERIFY(!tail.isRunning());
}

void TestTopicTail::unreachableBrokersAreAnError() {
    EmbeddedKafkaCluster down;
    QVERIFY(down.start(1));
    QVERIFY(down.createTopic(QStringLiteral("unreachable"), 1));
    down.setAllBrokersDown(true);

    TopicTail tail;
    QSignalSpy errors(&tail, &TopicTail::error);
    tail.start(down.bootstrapServers(), QStringLiteral("unreachable"), TailStart{}, TailFilter{});
    QVERIFY(errors.wait(15000));
    QVERIFY2(errors.at(0).at(0).toString().contains(QLatin1String("cannot reach")),
             qPrintable(errors.at(0).at(0).toString()));
    QVERIFY(!tail.isRunning());
}

void TestTopicTail::fetchReadsWhatExists_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("expected");
    QTest::addColumn<bool>("pooled");

    // 20 messages, 10 per partition, timestamps base+0 .. base+19. Pooled, every row after the
    // first borrows the consumer the row before gave back (each row has a topic of its own).
    for (const bool pooled : {false, true}) {
        const char *const suffix = pooled ? ", pooled" : "";
        QTest::addRow("beginning, all%s", suffix)
            << int(TailStart::Beginning) << qint64(0) << 100 << 20 << pooled;
        QTest::addRow("beginning, limit 5%s", suffix)
            << int(TailStart::Beginning) << qint64(0) << 5 << 5 << pooled;
        QTest::addRow("end: nothing yet%s", suffix)
            << int(TailStart::End) << qint64(0) << 100 << 0 << pooled;
        QTest::addRow("timestamp, last 6%s", suffix)
            << int(TailStart::Timestamp) << kBaseTime + 14 << 100 << 6 << pooled;
        QTest::addRow("timestamp after all%s", suffix)
            << int(TailStart::Timestamp) << kBaseTime + 99 << 100 << 0 << pooled;
        QTest::addRow("zero limit%s", suffix)
            << int(TailStart::Beginning) << qint64(0) << 0 << 0 << pooled;
    }
}

void TestTopicTail::fetchReadsWhatExists() {
    QFETCH(int, kind);
    QFETCH(qint64, timestamp);
    QFETCH(int, limit);
    QFETCH(int, expected);
    QFETCH(bool, pooled);
    const QByteArray topic = newTopic(2);
    for (int i = 0; i < 20; ++i)
        QVERIFY(m_producer->send(topic, i % 2, "k", QByteArray::number(i), kBaseTime + i));

    QElapsedTimer timer;
    timer.start();
    QString error;
    const std::vector<TailMessage> messages =
        TopicTail::fetch(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
                         TailStart{TailStart::Kind(kind), timestamp}, TailFilter{}, limit, 15s,
                         &error, pooled ? &m_pool : nullptr);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(messages.size()), expected);
    for (const TailMessage &m : messages)
        QCOMPARE(m.topic, QString::fromUtf8(topic));
    if (pooled && limit > 0) {
        QCOMPARE(m_pool.created(), quint64(1));
        QCOMPARE(m_pool.idleCount(), std::size_t(1));
    }
    // It stopped at the high watermarks, not at the timeout.
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    for (std::size_t i = 1; i < messages.size(); ++i) {
        const TailMessage &a = messages[i - 1];
        const TailMessage &b = messages[i];
        QVERIFY(std::pair(a.partition, a.offset) < std::pair(b.partition, b.offset));
    }
    if (TailStart::Kind(kind) == TailStart::Timestamp) {
        for (const TailMessage &m : messages)
            QVERIFY(m.timestampMs >= timestamp);
    }
}

void TestTopicTail::fetchGivesUpAtTimeout_data() {
    QTest::addColumn<bool>("silent");
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<QString>("reason");
    // A silent broker accepts connections and never answers: only the timeout ends the wait.
    QTest::newRow("silent broker, 0 ms") << true << 0 << QStringLiteral("timed out");
    QTest::newRow("silent broker, 1500 ms") << true << 1500 << QStringLiteral("timed out");
    // Refused connections are known at once, long before the timeout.
    QTest::newRow("brokers down, 10 s") << false << 10000 << QStringLiteral("cannot reach");
}

void TestTopicTail::fetchGivesUpAtTimeout() {
    QFETCH(bool, silent);
    QFETCH(int, timeoutMs);
    QFETCH(QString, reason);
    QTcpServer silentBroker;
    EmbeddedKafkaCluster down;
    QString brokers;
    if (silent) {
        QVERIFY(silentBroker.listen(QHostAddress::LocalHost));
        brokers = QStringLiteral("127.0.0.1:%1").arg(silentBroker.serverPort());
    } else {
        QVERIFY(down.start(1));
        QVERIFY(down.createTopic(QStringLiteral("silent"), 1));
        down.setAllBrokersDown(true);
        brokers = down.bootstrapServers();
    }

    QElapsedTimer timer;
    timer.start();
    QString error;
    TailConsumerPool pool;
    const std::vector<TailMessage> messages =
        TopicTail::fetch(brokers, QStringLiteral("silent"), TailStart{}, TailFilter{}, 10,
                         std::chrono::milliseconds(timeoutMs), &error, &pool);
    const qint64 elapsed = timer.elapsed();
    QVERIFY(messages.empty());
    QCOMPARE(pool.idleCount(), std::size_t(0)); // a failed fetch's consumer is not kept
    QVERIFY2(error.contains(reason), qPrintable(error));
    if (silent)
        QVERIFY2(elapsed >= timeoutMs - 50, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < std::min(timeoutMs, 5000) + 2000, qPrintable(QString::number(elapsed)));
}

void TestTopicTail::fetchUnknownTopic() {
    QString error;
    const std::vector<TailMessage> messages =
        TopicTail::fetch(m_cluster.bootstrapServers(), QStringLiteral("never-created"),
                         TailStart{TailStart::Beginning}, TailFilter{}, 10, 10s, &error);
    QVERIFY(messages.empty());
    QVERIFY2(error.contains(QLatin1String("unknown topic")), qPrintable(error));
    // Asking did not create it.
    error.clear();
    TopicTail::fetch(m_cluster.bootstrapServers(), QStringLiteral("never-created"),
                     TailStart{TailStart::Beginning}, TailFilter{}, 10, 10s, &error);
    QVERIFY2(error.contains(QLatin1String("unknown topic")), qPrintable(error));
}

void TestTopicTail::pooledConsumersAreBoundedPerBrokers() {
    EmbeddedKafkaCluster other;
    QString error;
    QVERIFY2(other.start(1, &error), qPrintable(error));
    QVERIFY2(other.createTopic(QStringLiteral("other"), 1, &error), qPrintable(error));
    const QByteArray topic = newTopic(1);
    QVERIFY(m_producer->send(topic, 0, "k", "here", kBaseTime));

    TailConsumerPool pool(std::chrono::hours(1), 1);
    const auto fetch = [&](const QString &brokers, const QString &name) {
        return valuesOf(TopicTail::fetch(brokers, name, TailStart{TailStart::Beginning},
                                         TailFilter{}, 10, 15s, &error, &pool));
    };
    QCOMPARE(fetch(m_cluster.bootstrapServers(), QString::fromUtf8(topic)), QByteArrayList{"here"});
    QCOMPARE(pool.created(), quint64(1));
    // Other brokers: a consumer of their own, which takes the one place.
    QCOMPARE(fetch(other.bootstrapServers(), QStringLiteral("other")), QByteArrayList{});
    QCOMPARE(pool.created(), quint64(2));
    QCOMPARE(pool.idleCount(), std::size_t(1));
    QCOMPARE(fetch(other.bootstrapServers(), QStringLiteral("other")), QByteArrayList{});
    QCOMPARE(pool.created(), quint64(2)); // lent again
    // The first brokers' consumer was closed to keep the bound.
    QCOMPARE(fetch(m_cluster.bootstrapServers(), QString::fromUtf8(topic)), QByteArrayList{"here"});
    QCOMPARE(pool.created(), quint64(3));
    QCOMPARE(pool.idleCount(), std::size_t(1));
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestTopicTail::idlePooledConsumersExpire() {
    const QByteArray topic = newTopic(1);
    TailConsumerPool pool(0ms);
    QString error;
    TopicTail::fetch(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
                     TailStart{TailStart::Beginning}, TailFilter{}, 10, 15s, &error, &pool);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(pool.idleCount(), std::size_t(1));
    pool.expire();
    QCOMPARE(pool.idleCount(), std::size_t(0));
}

namespace {
const QByteArray kStructuredType = "application/cloudevents+json";
const QByteArray kEnvelope = R"({"specversion":"1.0","id":"e-1","source":"/toolcapture/proxy",)"
                             R"("type":"com.toolcapture.t","time":"2026-12-06T00:00:00.000001Z",)"
                             R"("datacontenttype":"application/json","data":{"n":1,"ms":2.750}})";
const QByteArray kNotAnEnvelope = R"({"specversion":"1.0","id":"e-2"})";
const QByteArray kBinaryValue = R"({"n":3})";
} // namespace

QByteArray TestTopicTail::topicWithBothModes() {
    const QByteArray topic = newTopic(1);
    const bool sent = m_producer->send(topic, 0, "k1", kEnvelope, kBaseTime, "content-type",
                                       kStructuredType + "; charset=utf-8") &&
                      m_producer->send(topic, 0, "k2", kNotAnEnvelope, kBaseTime + 1,
                                       "content-type", kStructuredType) &&
                      m_producer->send(topic, 0, "k3", kBinaryValue, kBaseTime + 2, "ce_id", "e-3");
    return sent ? topic : QByteArray();
}

void TestTopicTail::structuredEventsShownAsBinaryMode() {
    const QByteArray topic = topicWithBothModes();
    QVERIFY(!topic.isEmpty());
    QString error;
    const std::vector<TailMessage> messages =
        TopicTail::fetch(m_cluster.bootstrapServers(), QString::fromUtf8(topic),
                         TailStart{TailStart::Beginning, 0}, TailFilter{}, 10, 15s, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(messages.size()), 3);

    // The structured event: its attributes as headers, its data (as written) as the value.
    QVERIFY(messages[0].structured);
    QCOMPARE(messages[0].value, QByteArray(R"({"n":1,"ms":2.750})"));
    const std::vector<std::pair<QByteArray, QByteArray>> attributes{
        {"ce_specversion", "1.0"},
        {"ce_id", "e-1"},
        {"ce_source", "/toolcapture/proxy"},
        {"ce_type", "com.toolcapture.t"},
        {"ce_time", "2026-12-06T00:00:00.000001Z"},
        {"content-type", "application/json"},
    };
    QCOMPARE(messages[0].headers, attributes);
    // One without data is shown as it came.
    QVERIFY(!messages[1].structured);
    QCOMPARE(messages[1].value, kNotAnEnvelope);
    QCOMPARE(messages[1].headers.size(), std::size_t(1));
    QCOMPARE(messages[1].headers[0].second, kStructuredType);
    // A binary-mode message is untouched.
    QVERIFY(!messages[2].structured);
    QCOMPARE(messages[2].value, kBinaryValue);
    QCOMPARE(messages[2].headers.size(), std::size_t(1));
    QCOMPARE(messages[2].headers[0].first, QByteArray("ce_id"));
}

void TestTopicTail::groupConsumerReadsEitherMode() {
    const QByteArray topic = topicWithBothModes();
    QVERIFY(!topic.isEmpty());
    TopicGroupConsumer consumer(TopicGroupConsumer::Options{
        m_cluster.bootstrapServers(), QStringLiteral("group-") + QString::fromUtf8(topic),
        QStringList{QString::fromUtf8(topic)}, true});
    QString error;
    QVERIFY2(consumer.start(&error), qPrintable(error));
    QByteArrayList values;
    // poll() itself waits for messages (up to 200 ms each call); the group's join takes a few
    // seconds on the mock cluster.
    QVERIFY(QTest::qWaitFor(
        [&] {
            consumer.poll(200ms, 10, [&](QByteArrayView, QByteArrayView, QByteArrayView value) {
                values << value.toByteArray();
            });
            return values.size() + int(consumer.errors()) >= 3;
        },
        30000));
    // The structured event's data, then the binary event's value; the one without data is an
    // error, not handed on.
    QCOMPARE(values, (QByteArrayList{R"({"n":1,"ms":2.750})", kBinaryValue}));
    QCOMPARE(consumer.errors(), std::uint64_t(1));
    QCOMPARE(consumer.messages(), std::uint64_t(2));
}

QTEST_GUILESS_MAIN(TestTopicTail)
#include "tst_topic_tail.moc"
