#include <models/topic_tail_poller.h>
#include <tests/gui/fixture/recording_feed_transport.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;

namespace {

constexpr int kTimeoutMs = 5000;
const qint64 kBaseMs =
    QDateTime(QDate(2026, 12, 7), QTime(13, 40, 57), Qt::UTC).toMSecsSinceEpoch();

// One record of the topic API's answer: its partition, offset and milliseconds after kBaseMs.
struct Placed {
    int partition;
    qint64 offset;
    qint64 atMs;
};

QByteArray answer(const QList<Placed> &records) {
    QJsonArray messages;
    for (const Placed &r : records) {
        const QString id = QStringLiteral("p%1-o%2").arg(r.partition).arg(r.offset);
        messages.append(QJsonObject{
            {QStringLiteral("partition"), r.partition},
            {QStringLiteral("offset"), double(r.offset)},
            {QStringLiteral("timestamp"),
             QDateTime::fromMSecsSinceEpoch(kBaseMs + r.atMs, Qt::UTC).toString(Qt::ISODateWithMs)},
            {QStringLiteral("key"), id},
            {QStringLiteral("headers"), QJsonValue(QJsonObject())},
            {QStringLiteral("value"),
             QJsonObject{{QStringLiteral("event_type"), QStringLiteral("pre_request_analysis")},
                         {QStringLiteral("correlation_id"), id}}},
            {QStringLiteral("structured"), true}});
    }
    return QJsonDocument(
               QJsonObject{{QStringLiteral("topic"), QStringLiteral("proxy.request_intelligence")},
                           {QStringLiteral("count"), int(records.size())},
                           {QStringLiteral("messages"), messages}})
        .toJson(QJsonDocument::Compact);
}

TopicTailPoller::Query fromTheBeginning() {
    TopicTailPoller::Query query;
    query.topic = QStringLiteral("proxy.request_intelligence");
    query.from = TopicTailPoller::From::Beginning;
    return query;
}

} // namespace

Q_DECLARE_METATYPE(QList<Placed>)

// The console's tail of a topic through the admin API's topic reader.
class TestTopicTailPoller : public QObject {
    Q_OBJECT
private slots:
    void recordsComeOldestFirst_data();
    void recordsComeOldestFirst();
    void aRecordSeenIsNotHandedOnTwice();
};

void TestTopicTailPoller::recordsComeOldestFirst_data() {
    QTest::addColumn<QList<Placed>>("answered"); // in the topic API's order: partition, offset
    QTest::addColumn<QStringList>("expected");   // keys, in the order the tail hands them on

    QTest::newRow("three partitions interleaved in time")
        << QList<Placed>{{0, 367, 0},   {0, 368, 83}, {1, 388, 160},
                         {1, 389, 165}, {2, 376, 5},  {2, 377, 83}}
        << QStringList{QStringLiteral("p0-o367"), QStringLiteral("p2-o376"),
                       QStringLiteral("p0-o368"), QStringLiteral("p2-o377"),
                       QStringLiteral("p1-o388"), QStringLiteral("p1-o389")};
    // Records of one millisecond keep the API's order: partition, then offset.
    QTest::newRow("equal times keep partition and offset order")
        << QList<Placed>{{0, 1, 10}, {0, 2, 10}, {1, 1, 10}, {1, 2, 4}}
        << QStringList{QStringLiteral("p1-o2"), QStringLiteral("p0-o1"), QStringLiteral("p0-o2"),
                       QStringLiteral("p1-o1")};
    QTest::newRow("already in time order")
        << QList<Placed>{{0, 1, 1}, {0, 2, 2}, {0, 3, 3}}
        << QStringList{QStringLiteral("p0-o1"), QStringLiteral("p0-o2"), QStringLiteral("p0-o3")};
}

void TestTopicTailPoller::recordsComeOldestFirst() {
    QFETCH(QList<Placed>, answered);
    QFETCH(QStringList, expected);
    const QByteArray body = answer(answered);
    RecordingFeedTransport transport(
        [&body](const FeedRequest &) { return RecordingFeedTransport::json(200, body); });
    TopicTailPoller poller(&transport);
    QSignalSpy records(&poller, &TopicTailPoller::records);
    QVERIFY(records.isValid());
    poller.start(fromTheBeginning());
    QVERIFY(records.wait(kTimeoutMs));
    const auto batch = records.first().first().value<QList<TopicRecord>>();
    QStringList keys;
    for (const TopicRecord &record : batch)
        keys << record.key;
    QCOMPARE(keys, expected);
    poller.stop();
}

// Each poll asks again from a little before the newest record seen (timestamps are producers'
// clocks); what it had already handed on is not handed on again.
void TestTopicTailPoller::aRecordSeenIsNotHandedOnTwice() {
    QByteArray body = answer({{0, 1, 0}, {1, 1, 10}});
    RecordingFeedTransport transport(
        [&body](const FeedRequest &) { return RecordingFeedTransport::json(200, body); });
    TopicTailPoller poller(&transport);
    poller.setInterval(std::chrono::milliseconds(1));
    QSignalSpy records(&poller, &TopicTailPoller::records);
    QSignalSpy polled(&poller, &TopicTailPoller::polled);
    poller.start(fromTheBeginning());
    QVERIFY(records.wait(kTimeoutMs));
    body = answer({{0, 1, 0}, {0, 2, 20}, {1, 1, 10}});
    QTRY_VERIFY_WITH_TIMEOUT(records.size() >= 2, kTimeoutMs);
    const auto second = records.at(1).first().value<QList<TopicRecord>>();
    QCOMPARE(second.size(), 1);
    QCOMPARE(second.first().key, QStringLiteral("p0-o2"));
    // Polls that find nothing new hand nothing on.
    const qsizetype before = polled.size();
    QTRY_VERIFY_WITH_TIMEOUT(polled.size() >= before + 3, kTimeoutMs);
    QCOMPARE(records.size(), 2);
    QCOMPARE(polled.last().first().toInt(), 0);
    poller.stop();
}

QTEST_GUILESS_MAIN(TestTopicTailPoller)
#include "tst_topic_tail_poller.moc"
