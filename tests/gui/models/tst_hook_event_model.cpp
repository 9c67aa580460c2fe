#include <models/hook_event_model.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;

namespace {

QByteArray execution(bool success, double ms, const char *error = nullptr) {
    return QByteArray(R"({"event_id":"2f1c7d8e-0000-4000-8000-000000000001",)"
                      R"("event_type":"execution_completed","schema_version":1,)"
                      R"("timestamp":"2024-05-01T10:00:00.042000Z",)"
                      R"("correlation_id":"0f8fad5b-d9cb-469f-a165-70867728950e",)"
                      R"("pre_context":{"session_id":"s-17","service_name":"inventory",)"
                      R"("operation":"lookup","parameters":{},"timestamp":"2024-05-01T10:00:00Z"},)"
                      R"("results":{"success":)") +
           (success ? "true" : "false") + R"(,"output":null,"error":)" +
           (error ? QByteArray("\"") + error + "\"" : QByteArray("null")) +
           R"(,"execution_time_ms":)" + QByteArray::number(ms) + "}}";
}

const QByteArray kHealthChange =
    R"({"event_id":"2f1c7d8e-0000-4000-8000-000000000002","event_type":"service_health_change",)"
    R"("schema_version":1,"timestamp":"2024-05-01T10:00:01Z","status":"degraded",)"
    R"("previous_status":"healthy","service_info":{"name":"pricing","version":"1.0",)"
    R"("capabilities":[],"endpoints":[],"dependencies":[]},"registration":null})";

const QByteArray kToolRegistered =
    R"({"event_id":"2f1c7d8e-0000-4000-8000-000000000003","event_type":"tool_registered",)"
    R"("schema_version":1,"timestamp":"2024-05-01T10:00:02Z","registration_method":"automatic",)"
    R"("tool_info":{"name":"inventory.lookup","service_source":"inventory","capabilities":[],)"
    R"("signature":{},"metadata":{}}})";

} // namespace

// Hook events: executions, lifecycle and tool registrations as rows, batched and capped.
class TestHookEventModel : public QObject {
    Q_OBJECT
private slots:
    void rows_data();
    void rows();
    void skipsWhatIsNotAnEvent();
    void capAndReset();
};

void TestHookEventModel::rows_data() {
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QVariant>("durationMs");

    QTest::newRow("success") << execution(true, 42.5) << int(HookEventModel::Kind::Execution)
                             << QStringLiteral("inventory") << QStringLiteral("lookup")
                             << QStringLiteral("success") << QVariant(42.5);
    QTest::newRow("failure") << execution(false, 7, "timeout")
                             << int(HookEventModel::Kind::Execution) << QStringLiteral("inventory")
                             << QStringLiteral("lookup") << QStringLiteral("failure: timeout")
                             << QVariant(7.0);
    QTest::newRow("health change")
        << kHealthChange << int(HookEventModel::Kind::Lifecycle) << QStringLiteral("pricing")
        << QStringLiteral("service_health_change") << QStringLiteral("healthy → degraded")
        << QVariant();
    QTest::newRow("tool") << kToolRegistered << int(HookEventModel::Kind::Tool)
                          << QStringLiteral("inventory")
                          << QStringLiteral("tool_registered inventory.lookup")
                          << QStringLiteral("automatic") << QVariant();
}

void TestHookEventModel::rows() {
    QFETCH(QByteArray, event);
    QFETCH(int, kind);
    QFETCH(QString, service);
    QFETCH(QString, detail);
    QFETCH(QString, outcome);
    QFETCH(QVariant, durationMs);

    QLocale::setDefault(QLocale(QLocale::English));
    HookEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // As the feed sends them: a JSON array; one item wrapped as {"topic", "event"}.
    QCOMPARE(model.appendJsonArray("[" + event + R"(,{"topic":"x","event":)" + event + "}]"), 2);
    QVERIFY(inserted.wait(2000));
    QCOMPARE(model.rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
        const auto cell = [&](HookEventModel::Column column, int role = Qt::DisplayRole) {
            return model.index(row, int(column)).data(role);
        };
        QCOMPARE(cell(HookEventModel::Column::Kind, HookEventModel::KindRole).toInt(), kind);
        QCOMPARE(cell(HookEventModel::Column::Service).toString(), service);
        QCOMPARE(cell(HookEventModel::Column::Detail).toString(), detail);
        QCOMPARE(cell(HookEventModel::Column::Outcome).toString(), outcome);
        QCOMPARE(cell(HookEventModel::Column::Duration, HookEventModel::DurationMsRole),
                 durationMs);
        if (durationMs.isValid()) {
            QCOMPARE(cell(HookEventModel::Column::Duration).toString(),
                     QStringLiteral("%1 ms").arg(durationMs.toDouble(), 0, 'f', 1));
        }
        QVERIFY(!cell(HookEventModel::Column::Time).toString().isEmpty());
    }
}

void TestHookEventModel::skipsWhatIsNotAnEvent() {
    HookEventModel model;
    QCOMPARE(model.appendJsonArray(R"([1, "x", {"no_type": true}, null])"), 0);
    QCOMPARE(model.appendJsonArray("not json"), 0);
    QCOMPARE(model.pendingCount(), 0);
}

void TestHookEventModel::capAndReset() {
    HookEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCap(5);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QByteArray array = "[";
    for (int i = 0; i < 8; ++i)
        array += (i ? "," : "") + execution(i % 2 == 0, i);
    array += "]";
    QCOMPARE(model.appendJsonArray(array), 8);
    QVERIFY(inserted.wait(2000));
    QCOMPARE(model.rowCount(), 5);
    // The newest five stay: durations 3 to 7.
    QCOMPARE(model.index(0, 0).data(HookEventModel::DurationMsRole).toDouble(), 3.0);
    QCOMPARE(model.index(4, 0).data(HookEventModel::DurationMsRole).toDouble(), 7.0);

    model.appendJsonArray("[" + execution(true, 8) + "]");
    QVERIFY(inserted.wait(2000));
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.index(0, 0).data(HookEventModel::DurationMsRole).toDouble(), 4.0);

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestHookEventModel)
#include "tst_hook_event_model.moc"
