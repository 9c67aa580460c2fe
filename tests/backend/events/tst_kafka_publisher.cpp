#include <backend/config/proxy_config.h>
#include <backend/events/cloud_event.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/event_batch.h>
#include <backend/events/json_writer.h>
#include <backend/events/kafka_publisher.h>
#include <tests/backend/events/kafka_publisher_fixture.h>

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ToolCapture;
using namespace ToolCapture::TestKafka;
using namespace std::chrono_literals;

class TestKafkaPublisher : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void formatCeTime_data();
    void formatCeTime();
    void optionsFromConfig();
    void startRefusesBadSettings_data();
    void startRefusesBadSettings();
    void deliversEachEventOnceWithHeaders_data();
    void deliversEachEventOnceWithHeaders();
    void queueFullGoesToSpoolAndIsRepublished();
    void cleanStopSpoolsWhatIsUndelivered_data();
    void cleanStopSpoolsWhatIsUndelivered();
    void oversizedBatchGoesToSpool();
    void batchOfManyTopicsReachesEachTopic_data();
    void batchOfManyTopicsReachesEachTopic();
    void deliveredBatchIsGivenBackForReuse();
    void batchEnvelopesAreSentAsWritten_data();
    void batchEnvelopesAreSentAsWritten();
    void permanentErrorIsCountedAsFailed();
    void fatalErrorReplacesTheProducer();
    void publishThroughput_data();
    void publishThroughput();

private:
    KafkaPublisher::Options options(const QString &spoolDir) const;
    QString newTopic();

    std::unique_ptr<EmbeddedKafkaCluster> m_cluster;
    int m_topics = 0;
};

void TestKafkaPublisher::initTestCase() {
    m_cluster = std::make_unique<EmbeddedKafkaCluster>();
    QString error;
    QVERIFY2(m_cluster->start(3, &error), qPrintable(error));
}

KafkaPublisher::Options TestKafkaPublisher::options(const QString &spoolDir) const {
    KafkaPublisher::Options options;
    options.brokers = m_cluster->bootstrapServers();
    options.spoolDir = spoolDir;
    options.linger = 5ms;
    options.messageTimeout = 10s;
    options.clientId = QStringLiteral("tst_kafka_publisher");
    return options;
}

QString TestKafkaPublisher::newTopic() {
    const QString topic = QStringLiteral("publisher.test.%1").arg(++m_topics);
    QString error;
    if (!m_cluster->createTopic(topic, 3, &error))
        qWarning() << "createTopic" << topic << error;
    return topic;
}

void TestKafkaPublisher::formatCeTime_data() {
    QTest::addColumn<qint64>("timeUs");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000000Z");
    QTest::newRow("microseconds") << qint64(1'700'000'000'123'456)
                                  << QByteArray("2023-11-14T22:13:20.123456Z");
    QTest::newRow("leap day") << qint64(951'782'400'000'001)
                              << QByteArray("2000-02-29T00:00:00.000001Z");
    QTest::newRow("end of a leap year")
        << qint64(1'735'689'599'999'999) << QByteArray("2024-12-31T23:59:59.999999Z");
    // As the event's JSON "timestamp" writes it: ce_time and the timestamp never disagree.
    QTest::newRow("before the epoch: clamped")
        << qint64(-1) << QByteArray("1970-01-01T00:00:00.000000Z");
}

void TestKafkaPublisher::formatCeTime() {
    QFETCH(qint64, timeUs);
    QFETCH(QByteArray, expected);
    QCOMPARE(KafkaPublisher::formatCeTime(timeUs), expected);
}

void TestKafkaPublisher::optionsFromConfig() {
    KafkaConfig config;
    config.brokers = QStringLiteral("a:9092,b:9092");
    config.spoolDir = QStringLiteral("/var/spool/tc");
    config.spoolMaxBytes = 12345;
    config.messageTimeout = 7s;
    config.linger = 3ms;
    config.compression = QStringLiteral("zstd");
    config.queueMaxMessages = 99;
    config.contentMode = CloudEventsMode::Binary; // the default is structured
    const auto options = KafkaPublisher::Options::fromConfig(config, QStringLiteral("tc-1"));
    QCOMPARE(options.brokers, config.brokers);
    QCOMPARE(options.spoolDir, config.spoolDir);
    QCOMPARE(options.spoolMaxBytes, std::int64_t(12345));
    QCOMPARE(options.messageTimeout, 7000ms);
    QCOMPARE(options.linger, 3ms);
    QCOMPARE(options.compression, QStringLiteral("zstd"));
    QCOMPARE(options.queueMaxMessages, 99);
    QCOMPARE(options.contentMode, CloudEventsMode::Binary);
    QCOMPARE(options.clientId, QStringLiteral("tc-1"));
    config.spoolDir.clear();
    QVERIFY(
        KafkaPublisher::Options::fromConfig(config, {}).spoolDir.endsWith(QLatin1String("/spool")));
}

void TestKafkaPublisher::startRefusesBadSettings_data() {
    QTest::addColumn<QString>("property");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("errorMentions");
    QTest::newRow("no spool directory")
        << QStringLiteral("spoolDir") << QString() << QStringLiteral("spool");
    QTest::newRow("unknown compression")
        << QStringLiteral("compression") << QStringLiteral("brotli")
        << QStringLiteral("compression.type");
    QTest::newRow("unknown librdkafka property")
        << QStringLiteral("no.such.property") << QStringLiteral("1")
        << QStringLiteral("no.such.property");
    QTest::newRow("bad librdkafka value")
        << QStringLiteral("acks") << QStringLiteral("several") << QStringLiteral("acks");
}

void TestKafkaPublisher::startRefusesBadSettings() {
    QFETCH(QString, property);
    QFETCH(QString, value);
    QFETCH(QString, errorMentions);
    QTemporaryDir spool;
    auto opts = options(spool.path());
    if (property == QLatin1String("spoolDir"))
        opts.spoolDir = value;
    else if (property == QLatin1String("compression"))
        opts.compression = value;
    else
        opts.producerProperties.insert(property, value);
    KafkaPublisher publisher(opts);
    QString error;
    QVERIFY(!publisher.start(&error));
    QVERIFY2(error.contains(errorMentions), qPrintable(error));
    QVERIFY(!publisher.isRunning());
    // Not running: events are kept in the spool when there is one, else counted as failed.
    publisher.publish(makeEvent("t", 1));
    const PublisherStats stats = publisher.stats();
    QCOMPARE(stats.spooled + stats.failed, std::uint64_t(1));
    QCOMPARE(stats.produced, std::uint64_t(0));
}

void TestKafkaPublisher::deliversEachEventOnceWithHeaders_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("compression");
    QTest::addColumn<int>("lingerMs");
    QTest::addColumn<int>("valueBytes");
    QTest::addColumn<int>("batch");       // 0: publish() one by one; n: publishBatch() n at a time
    QTest::addColumn<bool>("structured"); // CloudEvents structured mode (binary otherwise)
    QTest::newRow("one") << 1 << QStringLiteral("lz4") << 0 << 0 << 0 << false;
    QTest::newRow("300, lz4, linger 5") << 300 << QStringLiteral("lz4") << 5 << 200 << 0 << false;
    QTest::newRow("3000, none, linger 0")
        << 3000 << QStringLiteral("none") << 0 << 50 << 0 << false;
    QTest::newRow("500, zstd, large values")
        << 500 << QStringLiteral("zstd") << 20 << 20000 << 0 << false;
    QTest::newRow("one, as a batch") << 1 << QStringLiteral("lz4") << 0 << 0 << 1 << false;
    QTest::newRow("3000 in batches of 64")
        << 3000 << QStringLiteral("lz4") << 20 << 50 << 64 << false;
    QTest::newRow("3000 in batches of 1000")
        << 3000 << QStringLiteral("none") << 0 << 50 << 1000 << false;
    QTest::newRow("structured, one") << 1 << QStringLiteral("lz4") << 0 << 0 << 0 << true;
    QTest::newRow("structured, 300 one by one")
        << 300 << QStringLiteral("none") << 5 << 200 << 0 << true;
    QTest::newRow("structured, 3000 in batches of 64")
        << 3000 << QStringLiteral("lz4") << 20 << 50 << 64 << true;
    QTest::newRow("structured, large values")
        << 200 << QStringLiteral("zstd") << 20 << 20000 << 100 << true;
}

void TestKafkaPublisher::deliversEachEventOnceWithHeaders() {
    QFETCH(int, count);
    QFETCH(QString, compression);
    QFETCH(int, lingerMs);
    QFETCH(int, valueBytes);
    QFETCH(int, batch);
    QFETCH(bool, structured);
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.compression = compression;
    opts.linger = std::chrono::milliseconds(lingerMs);
    opts.contentMode = structured ? CloudEventsMode::Structured : CloudEventsMode::Binary;
    KafkaPublisher publisher(opts);
    QString error;
    QVERIFY2(publisher.start(&error), qPrintable(error));
    std::vector<OutgoingEvent> events;
    for (int i = 0; i < count; ++i) {
        if (batch == 0) {
            publisher.publish(makeEvent(topic.toUtf8(), i, valueBytes));
            continue;
        }
        events.push_back(makeEvent(topic.toUtf8(), i, valueBytes));
        if (int(events.size()) == batch || i == count - 1) {
            publisher.publishBatch(events);
            QVERIFY(events.empty());
        }
    }
    QTRY_COMPARE_WITH_TIMEOUT(publisher.stats().delivered, std::uint64_t(count), 15000);
    const PublisherStats stats = publisher.stats();
    QVERIFY2(stats.produced == stats.delivered, qPrintable(describe(stats)));
    QCOMPARE(stats.spooled, std::uint64_t(0));
    QCOMPARE(stats.failed, std::uint64_t(0));
    QCOMPARE(stats.republished, std::uint64_t(0));
    QCOMPARE(stats.spoolPendingRecords, std::uint64_t(0));
    QVERIFY(stats.brokersUp);

    const std::vector<TailMessage> messages =
        readTopic(m_cluster->bootstrapServers(), topic, count + 10, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(messages.size()), count);
    const Arrival arrival = checkArrival(messages, count);
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0,
             qPrintable(arrival.describe()));
    static const QRegularExpression rfc3339(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z$"));
    for (const TailMessage &message : messages) {
        const int i = indexOfKey(message.key);
        const OutgoingEvent expected = makeEvent(topic.toUtf8(), i, valueBytes);
        // The tail shows a structured event as binary mode carries it: the same checks hold
        // in both modes, and `structured` says which one the message was in.
        QCOMPARE(message.structured, structured);
        QCOMPARE(message.value, expected.value);
        QCOMPARE(header(message, "ce_id"), expected.ceId);
        QCOMPARE(header(message, "ce_type"), expected.ceType);
        QCOMPARE(header(message, "ce_source"), expected.ceSource);
        QCOMPARE(header(message, "ce_specversion"), QByteArray("1.0"));
        QCOMPARE(header(message, "content-type"), QByteArray("application/json"));
        const QByteArray time = header(message, "ce_time");
        QCOMPARE(time, KafkaPublisher::formatCeTime(expected.timeUs));
        QVERIFY(rfc3339.match(QString::fromLatin1(time)).hasMatch());
    }
    publisher.stop(2s);
    QCOMPARE(publisher.stats().spooled, std::uint64_t(0));
}

void TestKafkaPublisher::deliveredBatchIsGivenBackForReuse() {
    // The capture thread fills one batch per drain: once all its events are delivered the
    // publisher gives the same batch back (its buffer keeps its capacity), not a new one.
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.linger = 1ms;
    KafkaPublisher publisher(opts);
    QVERIFY(publisher.start());
    std::unique_ptr<EventBatch> batch = publisher.batchToFill();
    for (int i = 0; i < 100; ++i)
        batch->add(makeEvent(topic.toUtf8(), i, 500));
    const EventBatch *handedOver = batch.get();
    publisher.publishBatch(std::move(batch));
    QTRY_COMPARE_WITH_TIMEOUT(publisher.stats().delivered, std::uint64_t(100), 15000);
    // The last delivery report gives the batch back right after counting: wait for it. Every
    // batch taken meanwhile is kept alive, so that no new one can take the old one's address.
    std::vector<std::unique_ptr<EventBatch>> taken;
    QVERIFY(QTest::qWaitFor(
        [&] {
            taken.push_back(publisher.batchToFill());
            return taken.back().get() == handedOver;
        },
        5000));
    QVERIFY(taken.back()->empty());
    // A second batch while the first is still out is another one, with room for as much as
    // the largest batch held: filling it like the first does not grow it.
    const std::size_t firstBytes = taken.back()->capacityBytes();
    std::unique_ptr<EventBatch> other = publisher.batchToFill();
    QVERIFY(other.get() != handedOver);
    QVERIFY(other->empty());
    const std::size_t reserved = other->capacityBytes();
    QVERIFY2(reserved >= 100 * 500, qPrintable(QString::number(reserved)));
    for (int i = 0; i < 100; ++i)
        other->add(makeEvent(topic.toUtf8(), i, 500));
    QCOMPARE(other->capacityBytes(), reserved);
    QVERIFY(firstBytes >= reserved);

    // What was delivered from the batch is what was put in.
    QString error;
    const std::vector<TailMessage> messages =
        readTopic(m_cluster->bootstrapServers(), topic, 110, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(messages.size()), 100);
    for (const TailMessage &message : messages) {
        const OutgoingEvent expected = makeEvent(topic.toUtf8(), indexOfKey(message.key), 500);
        QCOMPARE(message.value, expected.value);
        QCOMPARE(header(message, "ce_id"), expected.ceId);
        QCOMPARE(header(message, "ce_time"), KafkaPublisher::formatCeTime(expected.timeUs));
    }
}

namespace {

// As EventBatch::add(event), and the event inside a structured envelope in the batch, as the
// capture thread's builder writes them, with one extension attribute (`batchwriter`) that only
// this writer puts there.
void addWithEnvelope(EventBatch &batch, const OutgoingEvent &event) {
    EventBatch::Event e;
    e.topic = batch.appendTerminated(event.topic);
    e.key = batch.append(event.key);
    e.ceTime = batch.appendTime(event.timeUs);
    JsonWriter head;
    CloudEvents::writeStructuredHead(head, event.ceId, event.ceType, event.ceSource,
                                     batch.view(e.ceTime));
    QByteArray text(head.data(), qsizetype(head.size()));
    Q_ASSERT(text.endsWith("\"data\":"));
    text.insert(text.size() - 7, "\"batchwriter\":\"yes\",");
    const EventBatch::Span start = batch.append(text);
    e.value = batch.append(event.value);
    batch.append("}");
    e.envelope = {start.offset, e.value.offset + e.value.length + 1 - start.offset};
    e.ceId = batch.append(event.ceId);
    e.ceType = batch.append(event.ceType);
    e.ceSource = batch.append(event.ceSource);
    e.timeUs = event.timeUs;
    batch.add(e);
}

} // namespace

void TestKafkaPublisher::batchEnvelopesAreSentAsWritten_data() {
    QTest::addColumn<bool>("structured");
    QTest::newRow("structured") << true;
    QTest::newRow("binary") << false;
}

void TestKafkaPublisher::batchEnvelopesAreSentAsWritten() {
    // A structured-mode publisher asks for envelopes in the batches it hands out and sends them
    // as the batch holds them, without wrapping or copying; a binary-mode one asks for none,
    // and one written anyway does not reach the brokers.
    QFETCH(bool, structured);
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.linger = 1ms;
    opts.contentMode = structured ? CloudEventsMode::Structured : CloudEventsMode::Binary;
    KafkaPublisher publisher(opts);
    QVERIFY(publisher.start());
    std::unique_ptr<EventBatch> batch = publisher.batchToFill();
    QCOMPARE(batch->wantsEnvelopes(), structured);
    constexpr int kCount = 200;
    for (int i = 0; i < kCount; ++i)
        addWithEnvelope(*batch, makeEvent(topic.toUtf8(), i, i % 7 == 0 ? 3000 : 40));
    publisher.publishBatch(std::move(batch));
    QTRY_COMPARE_WITH_TIMEOUT(publisher.stats().delivered, std::uint64_t(kCount), 15000);

    QString error;
    const std::vector<TailMessage> messages =
        readTopic(m_cluster->bootstrapServers(), topic, kCount + 10, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(int(messages.size()), kCount);
    const Arrival arrival = checkArrival(messages, kCount);
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0,
             qPrintable(arrival.describe()));
    for (const TailMessage &message : messages) {
        const int i = indexOfKey(message.key);
        const OutgoingEvent expected = makeEvent(topic.toUtf8(), i, i % 7 == 0 ? 3000 : 40);
        QCOMPARE(message.structured, structured);
        QCOMPARE(message.value, expected.value);
        QCOMPARE(header(message, "ce_id"), expected.ceId);
        QCOMPARE(header(message, "ce_time"), KafkaPublisher::formatCeTime(expected.timeUs));
        // The batch's own envelope went out in structured mode, and only there.
        QCOMPARE(header(message, "ce_batchwriter"),
                 structured ? QByteArray("yes") : QByteArray("<missing>"));
    }
}

void TestKafkaPublisher::queueFullGoesToSpoolAndIsRepublished() {
    constexpr int kCount = 3000;
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.queueMaxMessages = 50;
    opts.linger = 1ms;
    opts.spoolInFlight = 40;
    KafkaPublisher publisher(opts);
    QVERIFY(publisher.start());
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kCount; ++i)
        publisher.publish(makeEvent(topic.toUtf8(), i));
    // The tight loop outruns a 50-message queue: the rest is spooled, not blocked on.
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(publisher.stats().spooled > 0, qPrintable(describe(publisher.stats())));
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().delivered == kCount,
                              qPrintable(describe(publisher.stats())), 15000);
    const PublisherStats stats = publisher.stats();
    QCOMPARE(stats.republished, stats.spooled);
    QCOMPARE(stats.failed, std::uint64_t(0));
    QCOMPARE(stats.produced, stats.delivered);
    QTRY_COMPARE(publisher.stats().spoolPendingRecords, std::uint64_t(0));
    QTRY_COMPARE(publisher.stats().spoolBytes, std::int64_t(0));

    QString error;
    const auto messages = readTopic(m_cluster->bootstrapServers(), topic, kCount + 10, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Arrival arrival = checkArrival(messages, kCount);
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0,
             qPrintable(arrival.describe()));
}

void TestKafkaPublisher::cleanStopSpoolsWhatIsUndelivered_data() {
    QTest::addColumn<bool>("batched");
    QTest::newRow("publish()") << false;
    QTest::newRow("publishBatch()") << true;
}

void TestKafkaPublisher::cleanStopSpoolsWhatIsUndelivered() {
    QFETCH(bool, batched);
    constexpr int kCount = 400;
    const auto publishRange = [&](KafkaPublisher &publisher, const QString &topic, int from,
                                  int to) {
        std::vector<OutgoingEvent> events;
        for (int i = from; i < to; ++i) {
            if (batched)
                events.push_back(makeEvent(topic.toUtf8(), i));
            else
                publisher.publish(makeEvent(topic.toUtf8(), i));
            if (events.size() == 50)
                publisher.publishBatch(events);
        }
        publisher.publishBatch(events);
    };
    QTemporaryDir spool;
    const QString topic = newTopic();
    {
        // Brokers down: everything waits in librdkafka's queue until stop() purges it.
        m_cluster->setAllBrokersDown(true);
        const auto up = qScopeGuard([this] { m_cluster->setAllBrokersDown(false); });
        KafkaPublisher publisher(options(spool.path()));
        QVERIFY(publisher.start());
        publishRange(publisher, topic, 0, kCount / 2);
        publisher.stop(200ms);
        // After stop() events still go to the spool.
        publishRange(publisher, topic, kCount / 2, kCount);
        const PublisherStats stats = publisher.stats();
        QVERIFY2(stats.spooled == kCount && stats.delivered == 0 && stats.failed == 0,
                 qPrintable(describe(stats)));
        QCOMPARE(stats.spoolPendingRecords, std::uint64_t(kCount));
    }
    m_cluster->setAllBrokersDown(false);
    KafkaPublisher publisher(options(spool.path()));
    QCOMPARE(publisher.stats().spoolPendingRecords, std::uint64_t(0)); // not open before start
    QVERIFY(publisher.start());
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().republished == kCount,
                              qPrintable(describe(publisher.stats())), 15000);
    QTRY_COMPARE(publisher.stats().spoolPendingRecords, std::uint64_t(0));
    QString error;
    const auto messages = readTopic(m_cluster->bootstrapServers(), topic, kCount + 10, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Arrival arrival = checkArrival(messages, kCount);
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0,
             qPrintable(arrival.describe()));
}

void TestKafkaPublisher::batchOfManyTopicsReachesEachTopic_data() {
    QTest::addColumn<int>("topics");
    // The capture thread's case: three topics, interleaved, each written once per batch.
    QTest::newRow("three topics") << 3;
    // More topics than the batch shares texts for (16) and the publisher keeps handles for per
    // batch (8): the rest are found by name, and each event must still reach its own topic.
    QTest::newRow("twenty topics") << 20;
}

void TestKafkaPublisher::batchOfManyTopicsReachesEachTopic() {
    QFETCH(int, topics);
    QTemporaryDir spool;
    KafkaPublisher publisher(options(spool.path()));
    QString error;
    QVERIFY2(publisher.start(&error), qPrintable(error));
    QList<QByteArray> names;
    for (int t = 0; t < topics; ++t)
        names.append(newTopic().toUtf8());
    constexpr int kRounds = 5;
    std::unique_ptr<EventBatch> batch = publisher.batchToFill();
    QVERIFY(batch);
    for (int round = 0; round < kRounds; ++round) {
        for (int t = 0; t < topics; ++t)
            batch->add(makeEvent(names[t], round * topics + t));
    }
    publisher.publishBatch(std::move(batch));
    QTRY_COMPARE_WITH_TIMEOUT(publisher.stats().delivered, std::uint64_t(kRounds * topics), 15000);
    for (int t = 0; t < topics; ++t) {
        const std::vector<TailMessage> messages = readTopic(
            m_cluster->bootstrapServers(), QString::fromUtf8(names[t]), kRounds + 5, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(int(messages.size()), kRounds);
        for (const TailMessage &message : messages)
            QCOMPARE(indexOfKey(message.key) % topics, t);
    }
}

void TestKafkaPublisher::oversizedBatchGoesToSpool() {
    // The hand-over is bounded by queueMaxMessages: a batch beyond it is spooled at once
    // (memory stays bounded when the background thread falls behind), then re-published.
    constexpr int kCount = 200;
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.queueMaxMessages = 50;
    KafkaPublisher publisher(opts);
    QVERIFY(publisher.start());
    std::vector<OutgoingEvent> events;
    for (int i = 0; i < kCount; ++i)
        events.push_back(makeEvent(topic.toUtf8(), i));
    publisher.publishBatch(events);
    QVERIFY(events.empty());
    QCOMPARE(publisher.stats().spooled, std::uint64_t(kCount));
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().republished == kCount,
                              qPrintable(describe(publisher.stats())), 15000);
    QCOMPARE(publisher.stats().failed, std::uint64_t(0));
    QString error;
    const auto messages = readTopic(m_cluster->bootstrapServers(), topic, kCount + 10, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Arrival arrival = checkArrival(messages, kCount);
    QVERIFY2(arrival.missing.isEmpty() && arrival.duplicates == 0 && arrival.outOfOrder == 0,
             qPrintable(arrival.describe()));
}

void TestKafkaPublisher::permanentErrorIsCountedAsFailed() {
    QTemporaryDir spool;
    const QString topic = newTopic();
    KafkaPublisher publisher(options(spool.path()));
    QVERIFY(publisher.start());
    publisher.publish(makeEvent(topic.toUtf8(), 0));
    // Larger than message.max.bytes: refused by produce() itself, for good.
    publisher.publish(makeEvent(topic.toUtf8(), 1, 2'000'000));
    publisher.publish(makeEvent(topic.toUtf8(), 2));
    QTRY_COMPARE(publisher.stats().delivered, std::uint64_t(2));
    const PublisherStats stats = publisher.stats();
    QCOMPARE(stats.failed, std::uint64_t(1));
    QCOMPARE(stats.spooled, std::uint64_t(0));
    QCOMPARE(stats.produced, std::uint64_t(2));
}

void TestKafkaPublisher::fatalErrorReplacesTheProducer() {
    constexpr int kCount = 600;
    QTemporaryDir spool;
    const QString topic = newTopic();
    KafkaPublisher publisher(options(spool.path()));
    QVERIFY(publisher.start());
    for (int i = 0; i < kCount / 2; ++i)
        publisher.publish(makeEvent(topic.toUtf8(), i));
    QVERIFY(publisher.simulateFatalError());
    for (int i = kCount / 2; i < kCount; ++i)
        publisher.publish(makeEvent(topic.toUtf8(), i));
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().delivered == kCount,
                              qPrintable(describe(publisher.stats())), 15000);
    const PublisherStats stats = publisher.stats();
    QCOMPARE(stats.failed, std::uint64_t(0));
    QCOMPARE(stats.delivered - stats.republished + stats.spooled, std::uint64_t(kCount));
    QString error;
    const auto messages = readTopic(m_cluster->bootstrapServers(), topic, 2 * kCount, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Arrival arrival = checkArrival(messages, kCount);
    QVERIFY2(arrival.missing.isEmpty(), qPrintable(arrival.describe()));
    // Exactly once, except for events the publisher itself reported as possibly written.
    QVERIFY2(arrival.duplicates <= int(stats.possiblyPersisted),
             qPrintable(arrival.describe() + QLatin1String("; ") + describe(stats)));
}

void TestKafkaPublisher::publishThroughput_data() {
    QTest::addColumn<int>("batch"); // 0: publish() one by one
    QTest::newRow("publish()") << 0;
    QTest::newRow("publishBatch() of 300") << 300;
}

void TestKafkaPublisher::publishThroughput() {
    QFETCH(int, batch);
    constexpr int kCount = 100000;
    QTemporaryDir spool;
    const QString topic = newTopic();
    auto opts = options(spool.path());
    opts.linger = 20ms;
    KafkaPublisher publisher(opts);
    QVERIFY(publisher.start());
    std::vector<OutgoingEvent> events;
    events.reserve(kCount);
    for (int i = 0; i < kCount; ++i)
        events.push_back(makeEvent(topic.toUtf8(), i, 200));
    std::vector<OutgoingEvent> handed;
    QElapsedTimer timer;
    timer.start();
    for (OutgoingEvent &event : events) {
        if (batch == 0) {
            publisher.publish(std::move(event));
            continue;
        }
        handed.push_back(std::move(event));
        if (int(handed.size()) == batch)
            publisher.publishBatch(handed);
    }
    publisher.publishBatch(handed);
    const qint64 publishNs = timer.nsecsElapsed();
    QTRY_VERIFY2_WITH_TIMEOUT(publisher.stats().delivered == kCount,
                              qPrintable(describe(publisher.stats())), 30000);
    const qint64 deliveredNs = timer.nsecsElapsed();
    qInfo("%s: %.0f ns per event, %.0f events/s from one caller; all delivered after "
          "%.2f s (%.0f events/s end to end); spooled %llu",
          batch == 0 ? "publish()" : "publishBatch()", double(publishNs) / kCount,
          kCount * 1e9 / double(publishNs), deliveredNs / 1e9, kCount * 1e9 / double(deliveredNs),
          static_cast<unsigned long long>(publisher.stats().spooled));
    QCOMPARE(publisher.stats().failed, std::uint64_t(0));
}

QTEST_GUILESS_MAIN(TestKafkaPublisher)
#include "tst_kafka_publisher.moc"
