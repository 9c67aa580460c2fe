#include <models/service_table_model.h>
#include <widgets/services_view.h>

#include <QHeaderView>
#include <QTest>

using namespace ToolCapture;
using Column = ServiceTableModel::Column;

namespace {

EngineSnapshot snapshot(const QStringList &inventoryInstances, quint64 ok) {
    EngineSnapshot snapshot;
    ServiceSnapshot inventory;
    inventory.name = QStringLiteral("inventory");
    for (const QString &id : inventoryInstances) {
        InstanceSnapshot instance;
        instance.id = id;
        instance.url = QStringLiteral("http://127.0.0.1:9101");
        instance.totals.responses[2] = ok;
        inventory.instances.push_back(instance);
    }
    ServiceSnapshot orders;
    orders.name = QStringLiteral("orders");
    InstanceSnapshot order;
    order.id = QStringLiteral("orders-1");
    order.url = QStringLiteral("http://127.0.0.1:9201");
    orders.instances.push_back(order);
    snapshot.services = {inventory, orders};
    return snapshot;
}

// Whether the row of index is laid out on screen inside the viewport.
bool rowIsShown(const QTreeView &view, const QModelIndex &index) {
    const QRect rect = view.visualRect(index);
    return rect.isValid() && view.viewport()->rect().intersects(rect) &&
           view.indexAt(rect.center()) == index;
}

} // namespace

class TestServicesView : public QObject {
    Q_OBJECT
private slots:
    void showsRowsAfterSnapshot();
    void updatesKeepExpansionAndResetsExpand();
};

void TestServicesView::showsRowsAfterSnapshot() {
    ServiceTableModel model;
    ServicesView view;
    view.setModel(&model);
    view.resize(1000, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.header()->count(), int(Column::Count));
    QCOMPARE(view.model()->rowCount(), 0);

    model.applySnapshot(
        snapshot({QStringLiteral("inventory-1"), QStringLiteral("inventory-2")}, 12));

    const QModelIndex inventory = model.index(0, 0);
    QVERIFY(view.isExpanded(inventory));
    QVERIFY(view.isExpanded(model.index(1, 0)));
    QVERIFY(rowIsShown(view, inventory));
    const QModelIndex second = model.index(1, 0, inventory);
    QVERIFY(rowIsShown(view, second));
    QVERIFY(rowIsShown(view, model.index(0, 0, model.index(1, 0))));
    QCOMPARE(second.data().toString(), QStringLiteral("inventory-2"));
    const QModelIndex ok = model.index(1, int(Column::Responses2xx), inventory);
    QVERIFY(rowIsShown(view, ok));
    QCOMPARE(ok.data().toString(), QStringLiteral("12"));
    QCOMPARE(view.header()->model()->headerData(0, Qt::Horizontal).toString(),
             QStringLiteral("Service / Instance"));
}

void TestServicesView::updatesKeepExpansionAndResetsExpand() {
    ServiceTableModel model;
    ServicesView view;
    view.setModel(&model);
    view.resize(1000, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    model.applySnapshot(snapshot({QStringLiteral("inventory-1")}, 1));
    view.collapse(model.index(1, 0));
    model.applySnapshot(snapshot({QStringLiteral("inventory-1")}, 2)); // values only
    QVERIFY(!view.isExpanded(model.index(1, 0)));
    QVERIFY(view.isExpanded(model.index(0, 0)));

    // A structural change resets the model; every service shows its instances again.
    model.applySnapshot(
        snapshot({QStringLiteral("inventory-1"), QStringLiteral("inventory-3")}, 2));
    QVERIFY(view.isExpanded(model.index(1, 0)));
    QVERIFY(rowIsShown(view, model.index(1, 0, model.index(0, 0))));
}

QTEST_MAIN(TestServicesView)
#include "tst_services_view.moc"
