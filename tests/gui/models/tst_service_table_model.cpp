#include <models/service_table_model.h>

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = ServiceTableModel::Column;

namespace {

// "inventory=inv-1,inv-2;orders=ord-1": services and their instance ids, each instance with
// `ok` 2xx responses.
EngineSnapshot snapshotFromLayout(const QString &layout, quint64 ok = 0) {
    EngineSnapshot snapshot;
    snapshot.proxyAddress = QStringLiteral("127.0.0.1:8090");
    for (const QString &serviceSpec : layout.split(u';', Qt::SkipEmptyParts)) {
        const QStringList parts = serviceSpec.split(u'=');
        ServiceSnapshot service;
        service.name = parts.at(0);
        service.match = QStringLiteral("path /%1/").arg(service.name);
        for (const QString &id : parts.value(1).split(u',', Qt::SkipEmptyParts)) {
            InstanceSnapshot instance;
            instance.id = id;
            instance.url = QStringLiteral("http://127.0.0.1:9/%1").arg(id);
            instance.totals.responses[2] = ok;
            service.instances.push_back(instance);
        }
        snapshot.services.push_back(service);
    }
    return snapshot;
}

QString cell(const QAbstractItemModel &model, int row, Column column,
             const QModelIndex &parent = {}) {
    return model.index(row, int(column), parent).data().toString();
}

} // namespace

class TestServiceTableModel : public QObject {
    Q_OBJECT
private slots:
    void emptyModel();
    void rowsFollowTheSnapshot_data();
    void rowsFollowTheSnapshot();
    void resetOrDataChanged_data();
    void resetOrDataChanged();
    void onlyChangedRowsAreReported();
    void cellValues_data();
    void cellValues();
    void unreachableInstances();
    void latencyColumnsEmptyWithoutSamples();
    void headers();
};

void TestServiceTableModel::emptyModel() {
    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(Column::Count));
    QVERIFY(!model.index(0, 0).isValid());
}

void TestServiceTableModel::rowsFollowTheSnapshot_data() {
    QTest::addColumn<QStringList>("layouts");
    QTest::addColumn<QStringList>("expectedServices");
    QTest::addColumn<QList<int>>("expectedInstances");

    QTest::newRow("one service") << QStringList{QStringLiteral("inventory=inv-1,inv-2")}
                                 << QStringList{QStringLiteral("inventory")} << QList<int>{2};
    QTest::newRow("two services")
        << QStringList{QStringLiteral("inventory=inv-1,inv-2;orders=ord-1")}
        << QStringList{QStringLiteral("inventory"), QStringLiteral("orders")} << QList<int>{2, 1};
    QTest::newRow("service without instances")
        << QStringList{QStringLiteral("empty=")} << QStringList{QStringLiteral("empty")}
        << QList<int>{0};
    QTest::newRow("grows then shrinks")
        << QStringList{QStringLiteral("a=a1"), QStringLiteral("a=a1,a2;b=b1,b2,b3"),
                       QStringLiteral("b=b1")}
        << QStringList{QStringLiteral("b")} << QList<int>{1};
    QTest::newRow("back to nothing")
        << QStringList{QStringLiteral("a=a1"), QString()} << QStringList{} << QList<int>{};
}

void TestServiceTableModel::rowsFollowTheSnapshot() {
    QFETCH(QStringList, layouts);
    QFETCH(QStringList, expectedServices);
    QFETCH(QList<int>, expectedInstances);

    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (const QString &layout : layouts)
        model.applySnapshot(snapshotFromLayout(layout));

    QCOMPARE(model.rowCount(), expectedServices.size());
    for (int row = 0; row < expectedServices.size(); ++row) {
        const QModelIndex service = model.index(row, 0);
        QCOMPARE(service.data().toString(), expectedServices.at(row));
        QCOMPARE(model.rowCount(service), expectedInstances.at(row));
        for (int child = 0; child < expectedInstances.at(row); ++child) {
            const QModelIndex instance = model.index(child, 0, service);
            QCOMPARE(instance.parent(), service);
            QCOMPARE(model.rowCount(instance), 0);
        }
    }
}

void TestServiceTableModel::resetOrDataChanged_data() {
    QTest::addColumn<QString>("first");
    QTest::addColumn<quint64>("firstOk");
    QTest::addColumn<QString>("second");
    QTest::addColumn<quint64>("secondOk");
    QTest::addColumn<bool>("expectReset");
    QTest::addColumn<int>("expectedDataChanged");

    const QString two = QStringLiteral("inventory=inv-1,inv-2;orders=ord-1");
    // Top-level run plus one run per service.
    QTest::newRow("same values") << two << quint64(5) << two << quint64(5) << false << 0;
    QTest::newRow("all counters changed") << two << quint64(5) << two << quint64(9) << false << 3;
    QTest::newRow("instance added")
        << two << quint64(5) << QStringLiteral("inventory=inv-1,inv-2,inv-3;orders=ord-1")
        << quint64(5) << true << 0;
    QTest::newRow("instance removed")
        << two << quint64(5) << QStringLiteral("inventory=inv-1;orders=ord-1") << quint64(5) << true
        << 0;
    QTest::newRow("instance renamed")
        << two << quint64(5) << QStringLiteral("inventory=inv-1,inv-9;orders=ord-1") << quint64(5)
        << true << 0;
    QTest::newRow("services reordered")
        << two << quint64(5) << QStringLiteral("orders=ord-1;inventory=inv-1,inv-2") << quint64(5)
        << true << 0;
    QTest::newRow("service removed")
        << two << quint64(5) << QStringLiteral("orders=ord-1") << quint64(5) << true << 0;
    QTest::newRow("from empty") << QString() << quint64(0) << two << quint64(1) << true << 0;
}

void TestServiceTableModel::resetOrDataChanged() {
    QFETCH(QString, first);
    QFETCH(quint64, firstOk);
    QFETCH(QString, second);
    QFETCH(quint64, secondOk);
    QFETCH(bool, expectReset);
    QFETCH(int, expectedDataChanged);

    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applySnapshot(snapshotFromLayout(first, firstOk));

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QVERIFY(resets.isValid());
    QVERIFY(changes.isValid());
    QVERIFY(inserts.isValid());

    model.applySnapshot(snapshotFromLayout(second, secondOk));

    QCOMPARE(resets.count(), expectReset ? 1 : 0);
    QCOMPARE(changes.count(), expectedDataChanged);
    QCOMPARE(inserts.count(), 0);
    // Whatever happened, the model now shows the second snapshot's values.
    const EngineSnapshot expected = snapshotFromLayout(second, secondOk);
    QCOMPARE(model.rowCount(), int(expected.services.size()));
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex service = model.index(row, 0);
        QCOMPARE(model.rowCount(service), int(expected.services[size_t(row)].instances.size()));
        for (int child = 0; child < model.rowCount(service); ++child)
            QCOMPARE(cell(model, child, Column::Responses2xx, service), QString::number(secondOk));
    }
}

void TestServiceTableModel::onlyChangedRowsAreReported() {
    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString layout = QStringLiteral("inventory=inv-1,inv-2,inv-3;orders=ord-1");
    EngineSnapshot snapshot = snapshotFromLayout(layout, 1);
    model.applySnapshot(snapshot);

    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(changes.isValid());
    snapshot.services[0].instances[1].totals.responses[5] = 4;
    model.applySnapshot(snapshot);

    // The instance row and its service's summed row; "orders" is untouched.
    QCOMPARE(changes.count(), 2);
    const QModelIndex inventory = model.index(0, 0);
    const auto topLeft = [&](int i) { return changes.at(i).at(0).value<QModelIndex>(); };
    const auto bottomRight = [&](int i) { return changes.at(i).at(1).value<QModelIndex>(); };
    QCOMPARE(topLeft(0), model.index(0, 0));
    QCOMPARE(bottomRight(0), model.index(0, int(Column::Count) - 1));
    QCOMPARE(topLeft(1), model.index(1, 0, inventory));
    QCOMPARE(bottomRight(1), model.index(1, int(Column::Count) - 1, inventory));
    QCOMPARE(cell(model, 1, Column::Responses5xx, inventory), QStringLiteral("4"));
    QCOMPARE(cell(model, 0, Column::Responses5xx), QStringLiteral("4"));
}

void TestServiceTableModel::cellValues_data() {
    QTest::addColumn<bool>("serviceRow");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");

    // inv-1: 2xx 7, 4xx 2, 5xx 1, 1 connect failure, 1 reset, 1 timeout, latency samples: 9
    // in 5..10 ms,
    //        1 in 25..50 ms
    // inv-2: 2xx 3, no errors, 10 samples in 10..25 ms, unreachable
    QTest::newRow("instance name") << false << int(Column::Name) << QStringLiteral("inv-1");
    QTest::newRow("instance url") << false << int(Column::Url)
                                  << QStringLiteral("http://127.0.0.1:9101");
    QTest::newRow("instance reachable") << false << int(Column::Reachable) << QStringLiteral("yes");
    QTest::newRow("instance requests") << false << int(Column::Requests) << QStringLiteral("13");
    QTest::newRow("instance 2xx") << false << int(Column::Responses2xx) << QStringLiteral("7");
    QTest::newRow("instance 4xx") << false << int(Column::Responses4xx) << QStringLiteral("2");
    QTest::newRow("instance 5xx") << false << int(Column::Responses5xx) << QStringLiteral("1");
    QTest::newRow("instance errors") << false << int(Column::Errors) << QStringLiteral("3");
    QTest::newRow("instance p50") << false << int(Column::LatencyP50) << QStringLiteral("7.8");
    QTest::newRow("instance p99") << false << int(Column::LatencyP99) << QStringLiteral("47.5");
    QTest::newRow("instance active") << false << int(Column::Active) << QStringLiteral("2");
    QTest::newRow("instance idle") << false << int(Column::Idle) << QStringLiteral("5");

    QTest::newRow("service name") << true << int(Column::Name) << QStringLiteral("inventory");
    QTest::newRow("service match")
        << true << int(Column::Url) << QStringLiteral("path /inventory/");
    QTest::newRow("service reachable")
        << true << int(Column::Reachable) << QStringLiteral("1 of 2");
    QTest::newRow("service requests") << true << int(Column::Requests) << QStringLiteral("16");
    QTest::newRow("service 2xx") << true << int(Column::Responses2xx) << QStringLiteral("10");
    QTest::newRow("service errors") << true << int(Column::Errors) << QStringLiteral("3");
    // 20 samples merged: the median (rank 10) is the first of the ten in 10..25 ms.
    QTest::newRow("service p50") << true << int(Column::LatencyP50) << QStringLiteral("11.5");
    QTest::newRow("service active") << true << int(Column::Active) << QStringLiteral("3");
    QTest::newRow("service idle") << true << int(Column::Idle) << QStringLiteral("5");
}

void TestServiceTableModel::cellValues() {
    QFETCH(bool, serviceRow);
    QFETCH(int, column);
    QFETCH(QString, expected);

    EngineSnapshot snapshot;
    ServiceSnapshot service;
    service.name = QStringLiteral("inventory");
    service.match = QStringLiteral("path /inventory/");
    InstanceSnapshot first;
    first.id = QStringLiteral("inv-1");
    first.url = QStringLiteral("http://127.0.0.1:9101");
    first.totals.responses[2] = 7;
    first.totals.responses[4] = 2;
    first.totals.responses[5] = 1;
    first.totals.connectFailures = 1;
    first.totals.resets = 1;
    first.totals.firstByteTimeouts = 1;
    first.totals.latencyBuckets[3] = 9;
    first.totals.latencyBuckets[5] = 1;
    first.totals.poolActive = 2;
    first.totals.poolIdle = 5;
    InstanceSnapshot second;
    second.id = QStringLiteral("inv-2");
    second.url = QStringLiteral("http://127.0.0.1:9102");
    second.reachable = false;
    second.totals.responses[2] = 3;
    second.totals.latencyBuckets[4] = 10;
    second.totals.poolActive = 1;
    service.instances = {first, second};
    snapshot.services.push_back(service);

    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applySnapshot(snapshot);

    const QModelIndex serviceIndex = model.index(0, 0);
    const QModelIndex index =
        serviceRow ? model.index(0, column) : model.index(0, column, serviceIndex);
    QCOMPARE(index.data(Qt::DisplayRole).toString(), expected);
    if (column >= int(Column::Requests)) {
        const auto alignment = index.data(Qt::TextAlignmentRole).value<Qt::Alignment>();
        QVERIFY(alignment & Qt::AlignRight);
    }
}

void TestServiceTableModel::unreachableInstances() {
    EngineSnapshot snapshot = snapshotFromLayout(QStringLiteral("inventory=inv-1,inv-2"));
    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applySnapshot(snapshot);
    const QModelIndex service = model.index(0, 0);
    QCOMPARE(cell(model, 0, Column::Reachable), QStringLiteral("2 of 2"));
    QVERIFY(!model.index(0, int(Column::Reachable)).data(Qt::ForegroundRole).isValid());

    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(changes.isValid());
    snapshot.services[0].instances[0].reachable = false;
    snapshot.services[0].instances[1].reachable = false;
    model.applySnapshot(snapshot);

    QCOMPARE(changes.count(), 2); // the service row, then both instance rows in one run
    QCOMPARE(cell(model, 0, Column::Reachable), QStringLiteral("0 of 2"));
    QCOMPARE(cell(model, 1, Column::Reachable, service), QStringLiteral("no"));
    QVERIFY(model.index(1, int(Column::Reachable), service).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.index(0, int(Column::Reachable)).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(0, int(Column::Reachable), service).data(Qt::UserRole).toBool(), false);
}

void TestServiceTableModel::latencyColumnsEmptyWithoutSamples() {
    ServiceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applySnapshot(snapshotFromLayout(QStringLiteral("inventory=inv-1"), 4));
    const QModelIndex service = model.index(0, 0);
    QCOMPARE(cell(model, 0, Column::LatencyP50, service), QString());
    QCOMPARE(cell(model, 0, Column::LatencyP99, service), QString());
    QVERIFY(!model.index(0, int(Column::LatencyP50), service).data(Qt::UserRole).isValid());
    QCOMPARE(cell(model, 0, Column::Requests, service), QStringLiteral("4"));
}

void TestServiceTableModel::headers() {
    ServiceTableModel model;
    const QStringList expected{QStringLiteral("Service / Instance"),
                               QStringLiteral("URL"),
                               QStringLiteral("Reachable"),
                               QStringLiteral("Requests"),
                               QStringLiteral("2xx"),
                               QStringLiteral("4xx"),
                               QStringLiteral("5xx"),
                               QStringLiteral("Errors"),
                               QStringLiteral("p50 ms"),
                               QStringLiteral("p99 ms"),
                               QStringLiteral("Active"),
                               QStringLiteral("Idle")};
    QCOMPARE(model.columnCount(), expected.size());
    for (int section = 0; section < expected.size(); ++section)
        QCOMPARE(model.headerData(section, Qt::Horizontal).toString(), expected.at(section));
    QVERIFY(!model.headerData(model.columnCount(), Qt::Horizontal).isValid());
}

QTEST_GUILESS_MAIN(TestServiceTableModel)
#include "tst_service_table_model.moc"
