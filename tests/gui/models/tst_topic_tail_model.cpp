#include <models/topic_tail_model.h>

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace ToolCapture;

namespace {

// A topic API answer with `count` proxy.response_intelligence records from `firstOffset` on.
QByteArray messagesDocument(int count, qint64 firstOffset = 0) {
    QJsonArray messages;
    for (int i = 0; i < count; ++i) {
        const QString id = QStringLiteral("corr-%1").arg(firstOffset + i);
        QJsonObject value{
            {QStringLiteral("event_type"), QStringLiteral("post_request_analysis")},
            {QStringLiteral("correlation_id"), id},
            {QStringLiteral("performance_metrics"),
             QJsonObject{{QStringLiteral("status_code"), 200 + int(i % 2) * 304},
                         {QStringLiteral("target_instance"), QStringLiteral("inventory-1")}}}};
        messages.append(QJsonObject{
            {QStringLiteral("partition"), int(i % 3)},
            {QStringLiteral("offset"), double(firstOffset + i)},
            {QStringLiteral("timestamp"), QStringLiteral("2024-05-01T12:34:56.126206Z")},
            {QStringLiteral("key"), id},
            {QStringLiteral("headers"),
             QJsonObject{{QStringLiteral("ce_type"),
                          QStringLiteral("com.toolcapture.proxy.response_intelligence."
                                         "post_request_analysis")}}},
            {QStringLiteral("value"), value},
            {QStringLiteral("structured"), i % 2 == 1}});
    }
    return QJsonDocument(
               QJsonObject{{QStringLiteral("topic"), QStringLiteral("proxy.response_intelligence")},
                           {QStringLiteral("count"), count},
                           {QStringLiteral("messages"), messages}})
        .toJson();
}

QList<TopicRecord> records(int count, qint64 firstOffset = 0) {
    QList<TopicRecord> parsed;
    if (!parseTopicMessages(messagesDocument(count, firstOffset), &parsed))
        return {};
    return parsed;
}

} // namespace

// The live tail of a topic: parsing the topic API's answer, batched appends, the cap, a reset.
class TestTopicTailModel : public QObject {
    Q_OBJECT
private slots:
    void parsesTheTopicApiAnswer();
    void rejectsOtherDocuments_data();
    void rejectsOtherDocuments();
    void appendsInOneBatch();
    void capDropsTheOldest_data();
    void capDropsTheOldest();
    void clearResets();
    void textFilterMatchesValueAndHeaders();
};

void TestTopicTailModel::parsesTheTopicApiAnswer() {
    QList<TopicRecord> parsed;
    QString error;
    QVERIFY2(parseTopicMessages(messagesDocument(2, 41), &parsed, &error), qPrintable(error));
    QCOMPARE(parsed.size(), 2);
    const TopicRecord &second = parsed.at(1);
    QCOMPARE(second.partition, 1);
    QCOMPARE(second.offset, 42);
    QCOMPARE(second.key, QStringLiteral("corr-42"));
    QVERIFY(second.structured);
    QVERIFY(!parsed.at(0).structured);
    QCOMPARE(second.correlationId, QStringLiteral("corr-42"));
    QCOMPARE(second.eventType, QStringLiteral("post_request_analysis"));
    QCOMPARE(second.timestampMs,
             QDateTime(QDate(2024, 5, 1), QTime(12, 34, 56, 126), Qt::UTC).toMSecsSinceEpoch());
    QVERIFY(second.valueIsJson);
    QCOMPARE(second.summary, QStringLiteral("504 inventory-1"));
    QCOMPARE(second.header(QStringLiteral("ce_type")),
             QStringLiteral("com.toolcapture.proxy.response_intelligence.post_request_analysis"));
    QVERIFY(second.prettyValue().contains(QStringLiteral("\n    \"correlation_id\": \"corr-42\"")));
}

void TestTopicTailModel::rejectsOtherDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("not json") << QByteArray("{nope");
    QTest::newRow("a problem") << QByteArray(R"({"type":"about:blank","status":503})");
    QTest::newRow("an array") << QByteArray("[]");
}

void TestTopicTailModel::rejectsOtherDocuments() {
    QFETCH(QByteArray, json);
    QList<TopicRecord> parsed;
    QString error;
    QVERIFY(!parseTopicMessages(json, &parsed, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(parsed.isEmpty());
}

void TestTopicTailModel::appendsInOneBatch() {
    TopicTailModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QVERIFY(inserted.isValid());

    model.append(records(3));
    model.append(records(4, 3));
    QCOMPARE(model.rowCount(), 0); // not before the batch timer
    QVERIFY(inserted.wait(2000));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 6);
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(model.index(6, int(TopicTailModel::Column::Offset)).data().toLongLong(), 6);
    QCOMPARE(model.index(6, 0).data(TopicTailModel::CorrelationIdRole).toString(),
             QStringLiteral("corr-6"));
}

void TestTopicTailModel::capDropsTheOldest_data() {
    QTest::addColumn<int>("cap");
    QTest::addColumn<QList<int>>("batches");
    QTest::addColumn<int>("firstOffsetShown");

    QTest::newRow("under the cap") << 10 << QList<int>{4, 5} << 0;
    QTest::newRow("batches past the cap") << 10 << QList<int>{8, 7} << 5;
    QTest::newRow("one batch larger than the cap") << 10 << QList<int>{3, 25} << 18;
    QTest::newRow("cap of one") << 1 << QList<int>{2, 2} << 3;
}

void TestTopicTailModel::capDropsTheOldest() {
    QFETCH(int, cap);
    QFETCH(QList<int>, batches);
    QFETCH(int, firstOffsetShown);

    TopicTailModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCap(cap);
    qint64 offset = 0;
    int total = 0;
    for (int count : batches) {
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.append(records(count, offset));
        offset += count;
        total += count;
        QVERIFY(inserted.wait(2000));
        QCOMPARE(model.rowCount(), std::min(total, cap));
    }
    QCOMPARE(model.index(0, int(TopicTailModel::Column::Offset)).data().toLongLong(),
             firstOffsetShown);
    QCOMPARE(
        model.index(model.rowCount() - 1, int(TopicTailModel::Column::Offset)).data().toLongLong(),
        offset - 1);
    QCOMPARE(model.droppedCount(), qint64(total - model.rowCount()));
}

void TestTopicTailModel::clearResets() {
    TopicTailModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.append(records(5));
    QVERIFY(inserted.wait(2000));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.append(records(2, 5)); // pending: must not show after the reset
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 0);
    QVERIFY(!inserted.wait(300));
    QCOMPARE(model.rowCount(), 0);
}

void TestTopicTailModel::textFilterMatchesValueAndHeaders() {
    TopicTailModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setFilterRole(TopicTailModel::SearchTextRole);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.append(records(20));
    QVERIFY(inserted.wait(2000));

    proxy.setFilterFixedString(QStringLiteral("corr-13"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterFixedString(QStringLiteral("\"status_code\":504"));
    QCOMPARE(proxy.rowCount(), 10);
    proxy.setFilterFixedString(QStringLiteral("ce_type=com.toolcapture.proxy"));
    QCOMPARE(proxy.rowCount(), 20);
    proxy.setFilterFixedString(QStringLiteral("no such text"));
    QCOMPARE(proxy.rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestTopicTailModel)
#include "tst_topic_tail_model.moc"
