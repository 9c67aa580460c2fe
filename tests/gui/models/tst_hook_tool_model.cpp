#include <models/hook_tool_model.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;

namespace {

QByteArray tool(const char *name, int registrations) {
    return QByteArray(R"({"name":")") + name +
           R"(","service_source":"inventory","capabilities":["read","v2"],"signature":{},)"
           R"("metadata":{},"registration_method":"automatic","last_event_type":"tool_updated",)"
           R"("first_seen":"2024-05-01T10:00:00.000000Z","last_seen":"2024-05-01T10:05:00.000000Z",)"
           R"("registrations":)" +
           QByteArray::number(registrations) + "}";
}

QByteArray tools(const QList<QByteArray> &items) {
    QByteArray json = R"({"count":)" + QByteArray::number(items.size()) + R"(,"tools":[)";
    for (qsizetype i = 0; i < items.size(); ++i)
        json += (i ? "," : "") + items.at(i);
    return json + "]}";
}

} // namespace

// The registered tools: a GET /tools document as rows; updates in place, structure by reset.
class TestHookToolModel : public QObject {
    Q_OBJECT
private slots:
    void showsTheDocument();
    void sameToolsChangeInPlace();
    void otherToolsReset();
    void refusesOtherDocuments();
};

void TestHookToolModel::showsTheDocument() {
    HookToolModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(tools({tool("inventory.lookup", 3), tool("inventory.put", 1)})));
    QCOMPARE(model.rowCount(), 2);
    const auto cell = [&](int row, HookToolModel::Column column) {
        return model.index(row, int(column)).data().toString();
    };
    QCOMPARE(cell(0, HookToolModel::Column::Name), QStringLiteral("inventory.lookup"));
    QCOMPARE(cell(0, HookToolModel::Column::Service), QStringLiteral("inventory"));
    QCOMPARE(cell(0, HookToolModel::Column::Capabilities), QStringLiteral("read, v2"));
    QCOMPARE(cell(0, HookToolModel::Column::Method), QStringLiteral("automatic"));
    QCOMPARE(cell(0, HookToolModel::Column::Registrations), QStringLiteral("3"));
    QVERIFY(!cell(0, HookToolModel::Column::LastSeen).isEmpty());
    QVERIFY(!cell(0, HookToolModel::Column::LastSeen).contains(u'T')); // formatted, not RFC 3339
}

void TestHookToolModel::sameToolsChangeInPlace() {
    HookToolModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(tools({tool("a", 1), tool("b", 1)})));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(model.applyDocument(tools({tool("a", 1), tool("b", 2)})));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    QCOMPARE(model.index(1, int(HookToolModel::Column::Registrations)).data().toString(),
             QStringLiteral("2"));
    QVERIFY(model.applyDocument(tools({tool("a", 1), tool("b", 2)})));
    QCOMPARE(changed.count(), 1); // nothing changed, nothing said
}

void TestHookToolModel::otherToolsReset() {
    HookToolModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(tools({tool("a", 1)})));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.applyDocument(tools({tool("a", 1), tool("c", 1)})));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.applyDocument(tools({})));
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 0);
}

void TestHookToolModel::refusesOtherDocuments() {
    HookToolModel model;
    QVERIFY(model.applyDocument(tools({tool("a", 1)})));
    QVERIFY(!model.applyDocument(R"({"type":"about:blank","status":401})"));
    QVERIFY(!model.applyDocument("garbage"));
    QCOMPARE(model.rowCount(), 1);
}

QTEST_GUILESS_MAIN(TestHookToolModel)
#include "tst_hook_tool_model.moc"
