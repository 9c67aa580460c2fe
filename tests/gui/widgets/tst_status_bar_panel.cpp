#include <widgets/status_bar_panel.h>

#include <QLabel>
#include <QTest>

using namespace ToolCapture;

class TestStatusBarPanel : public QObject {
    Q_OBJECT
private slots:
    void showsSnapshot_data();
    void showsSnapshot();
};

void TestStatusBarPanel::showsSnapshot_data() {
    QTest::addColumn<int>("workers");
    QTest::addColumn<qint64>("connections");
    QTest::addColumn<bool>("draining");
    QTest::addColumn<bool>("brokersUp");
    QTest::addColumn<QStringList>("expectedParts");

    QTest::newRow("running") << 4 << qint64(3) << false << true
                             << QStringList{QStringLiteral("Kafka 127.0.0.1:39001 (embedded)"),
                                            QStringLiteral("Proxy 127.0.0.1:8090"),
                                            QStringLiteral("Admin 127.0.0.1:8091"),
                                            QStringLiteral("Profile production"),
                                            QStringLiteral("Workers: 4"),
                                            QStringLiteral("Client connections: 3")};
    QTest::newRow("one worker") << 1 << qint64(1) << false << true
                                << QStringList{QStringLiteral("Workers: 1"),
                                               QStringLiteral("Client connections: 1")};
    QTest::newRow("brokers down") << 2 << qint64(0) << false << false
                                  << QStringList{QStringLiteral(
                                         "Kafka 127.0.0.1:39001 (embedded) — unreachable, 7 "
                                         "event(s) spooled")};
    QTest::newRow("draining") << 2 << qint64(0) << true << true
                              << QStringList{QStringLiteral("Proxy 127.0.0.1:8090 (draining)"),
                                             QStringLiteral("Client connections: 0")};
}

void TestStatusBarPanel::showsSnapshot() {
    QFETCH(int, workers);
    QFETCH(qint64, connections);
    QFETCH(bool, draining);
    QFETCH(bool, brokersUp);
    QFETCH(QStringList, expectedParts);

    StatusBarPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(panel.text().contains(QStringLiteral("Starting")));

    EngineSnapshot snapshot;
    snapshot.proxyAddress = QStringLiteral("127.0.0.1:8090");
    snapshot.adminAddress = QStringLiteral("127.0.0.1:8091");
    snapshot.profile = QStringLiteral("production");
    snapshot.workers = workers;
    snapshot.draining = draining;
    snapshot.totals.clientConnections = connections;
    snapshot.eventBus.enabled = true;
    snapshot.eventBus.embedded = true;
    snapshot.eventBus.brokers = QStringLiteral("127.0.0.1:39001");
    snapshot.eventBus.brokersUp = brokersUp;
    snapshot.eventBus.spoolPendingRecords = 7;
    panel.applySnapshot(snapshot);

    const QStringList parts = panel.text().split(QStringLiteral(" | "));
    QCOMPARE(parts.size(), 6);
    for (const QString &expected : expectedParts)
        QVERIFY2(parts.contains(expected), qPrintable(panel.text()));
    const auto *admin = panel.findChild<QLabel *>(QStringLiteral("adminAddress"));
    QVERIFY(admin);
    QVERIFY(admin->isVisible());
    QCOMPARE(admin->text(), QStringLiteral("Admin 127.0.0.1:8091"));
}

QTEST_MAIN(TestStatusBarPanel)
#include "tst_status_bar_panel.moc"
