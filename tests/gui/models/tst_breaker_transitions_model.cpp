#include <models/breaker_transitions_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = BreakerTransitionsModel::Column;

namespace {

constexpr int kTimeoutMs = 20000;

// `count` transitions of instance "t-<first + i>", as the feed's "transitions" items.
QByteArray transitions(int first, int count) {
    QJsonArray items;
    const QDateTime at(QDate(2026, 12, 3), QTime(12, 0), Qt::UTC);
    for (int i = first; i < first + count; ++i) {
        items.append(QJsonObject{{"instance", QStringLiteral("t-%1").arg(i)},
                                 {"from", "closed"},
                                 {"to", "open"},
                                 {"at", at.addMSecs(i).toString(Qt::ISODateWithMs)},
                                 {"cause", QStringLiteral("cause %1").arg(i)},
                                 {"story", QJsonArray()}});
    }
    return QJsonDocument(items).toJson(QJsonDocument::Compact);
}

} // namespace

// BreakerTransitionsModel: batched appends with a cap (one remove and one insert per flush),
// resets, and the transitions of a real demo engine's breakers.
class TestBreakerTransitionsModel : public QObject {
    Q_OBJECT
private slots:
    void batchedAppendsPastTheCap_data();
    void batchedAppendsPastTheCap();
    void severalBatchesOneInsert();
    void clearResets();
    void historyOnceThenStream();
    void engineTransitionsArrive();
};

void TestBreakerTransitionsModel::batchedAppendsPastTheCap_data() {
    QTest::addColumn<int>("cap");
    QTest::addColumn<int>("existing");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("removed"); // rows removed from the front before the insert
    QTest::newRow("below the cap") << 10 << 3 << 4 << 0;
    QTest::newRow("exactly to the cap") << 10 << 6 << 4 << 0;
    QTest::newRow("one past the cap") << 10 << 10 << 1 << 1;
    QTest::newRow("batch larger than the cap") << 10 << 5 << 25 << 5;
    QTest::newRow("into an empty model past the cap") << 5 << 0 << 12 << 0;
    QTest::newRow("single row cap") << 1 << 1 << 3 << 1;
}

void TestBreakerTransitionsModel::batchedAppendsPastTheCap() {
    QFETCH(int, cap);
    QFETCH(int, existing);
    QFETCH(int, batch);
    QFETCH(int, removed);
    BreakerTransitionsModel model(nullptr, cap);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    if (existing > 0) {
        model.appendBatch(transitions(0, existing));
        model.flush();
    }
    QCOMPARE(model.rowCount(), existing);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
    model.appendBatch(transitions(existing, batch));
    QCOMPARE(model.rowCount(), existing); // nothing before the flush
    QVERIFY(inserts.wait(kTimeoutMs));    // the 100 ms timer flushes
    QCOMPARE(inserts.size(), 1);
    QCOMPARE(removes.size(), removed > 0 ? 1 : 0);
    if (removed > 0) {
        QCOMPARE(removes.first().at(1).toInt(), 0);
        QCOMPARE(removes.first().at(2).toInt(), removed - 1);
    }
    const int expected = std::min(cap, existing + batch);
    QCOMPARE(model.rowCount(), expected);
    QCOMPARE(inserts.first().at(2).toInt() - inserts.first().at(1).toInt() + 1,
             std::min(batch, cap));
    // Oldest first; the newest item last.
    const int newest = existing + batch - 1;
    QCOMPARE(model.index(expected - 1, int(Column::Instance)).data().toString(),
             QStringLiteral("t-%1").arg(newest));
    QCOMPARE(model.index(0, int(Column::Instance)).data().toString(),
             QStringLiteral("t-%1").arg(newest - expected + 1));
}

void TestBreakerTransitionsModel::severalBatchesOneInsert() {
    BreakerTransitionsModel model(nullptr, 100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 10; ++i)
        model.apply(FeedMessage{QStringLiteral("transitions"), true, transitions(i * 3, 3),
                                quint64(i + 1)});
    QCOMPARE(model.pendingCount(), 30);
    QVERIFY(inserts.wait(kTimeoutMs));
    QCOMPARE(inserts.size(), 1);
    QCOMPARE(model.rowCount(), 30);
    // The same transitions again are not shown twice.
    model.appendBatch(transitions(27, 3));
    QCOMPARE(model.pendingCount(), 0);
}

void TestBreakerTransitionsModel::clearResets() {
    BreakerTransitionsModel model(nullptr, 100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(transitions(0, 20));
    model.flush();
    model.appendBatch(transitions(20, 5)); // pending, dropped by the reset
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    model.clear();
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 0);
    QVERIFY(!inserts.wait(300)); // the flush timer was stopped with the reset
    model.appendBatch(transitions(40, 2));
    model.flush();
    QCOMPARE(model.rowCount(), 2);
}

void TestBreakerTransitionsModel::historyOnceThenStream() {
    BreakerTransitionsModel model(nullptr, 100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QByteArray breakers =
        R"({"breakers": [], "recent_transitions": )" + transitions(0, 4) + "}";
    model.apply(FeedMessage{QStringLiteral("breakers"), false, breakers, 1});
    model.flush();
    QCOMPARE(model.rowCount(), 4);
    // Later documents do not add the history again; the stream adds what is new.
    model.apply(FeedMessage{QStringLiteral("breakers"), false, breakers, 2});
    model.apply(FeedMessage{QStringLiteral("transitions"), true, transitions(3, 3), 3});
    model.flush();
    QCOMPARE(model.rowCount(), 6);
}

void TestBreakerTransitionsModel::engineTransitionsArrive() {
    EmbeddedDemoEngine engine;
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    // A cap of 3 and four operator transitions: the oldest falls out.
    BreakerTransitionsModel model(nullptr, 3);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(engine.feed(), &FeedTransport::messages, &model, [&model](const auto &batch) {
        for (const FeedMessage &message : batch)
            model.apply(message);
    });
    engine.feed()->subscribe(BreakerTransitionsModel::subjects());
    QSignalSpy firstDocument(engine.feed(), &FeedTransport::messages);
    QVERIFY(firstDocument.wait(kTimeoutMs));
    const QList<QByteArray> actions{"force_open", "auto", "disable", "auto"};
    for (const QByteArray &action : actions) {
        std::optional<FeedResponse> answer;
        engine.feed()->request({"POST", "/api/v1/breakers/pricing-1",
                                R"({"action":")" + action + R"(","actor":"test"})"},
                               this, [&answer](const FeedResponse &r) { answer = r; });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
        QCOMPARE(answer->status, 200);
    }
    QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() == 3 &&
                                 model.index(2, int(Column::Cause))
                                     .data()
                                     .toString()
                                     .contains(QLatin1String("automatic mode restored")),
                             kTimeoutMs);
    QCOMPARE(model.index(0, int(Column::Instance)).data().toString(), QStringLiteral("pricing-1"));
    QCOMPARE(model.index(0, int(Column::Cause)).data().toString(),
             QStringLiteral("automatic mode restored by operator"));
    QCOMPARE(model.index(1, int(Column::To)).data(BreakerTransitionsModel::StateRole).toString(),
             QStringLiteral("disabled"));
}

QTEST_GUILESS_MAIN(TestBreakerTransitionsModel)
#include "tst_breaker_transitions_model.moc"
