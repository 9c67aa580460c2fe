#include <models/breaker_audit_model.h>
#include <models/breaker_transitions_model.h>
#include <models/breakers_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/breaker_command_dialog.h>
#include <widgets/breakers_view.h>

#include <QAbstractItemModelTester>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace ToolCapture;
using Column = BreakersModel::Column;

namespace {

constexpr int kTimeoutMs = 20000;

// The requests an instance has had, from a services document; -1 if absent.
qint64 requestsOf(const QByteArray &services, const QString &id) {
    for (const QJsonValue &s :
         QJsonDocument::fromJson(services)[QLatin1String("services")].toArray()) {
        for (const QJsonValue &instance : s[QLatin1String("instances")].toArray()) {
            if (instance[QLatin1String("id")].toString() == id)
                return instance[QLatin1String("requests")].toInteger();
        }
    }
    return -1;
}

} // namespace

// The Breakers view against a running demo engine: it fills, and Force open (confirmed in its
// dialog) opens the breaker in the engine so traffic stops reaching the instance; Auto brings
// it back.
class TestBreakersView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void fillsWithLiveData();
    void forceOpenStopsTrafficAndAutoBringsItBack();
    void cancelledDialogSendsNothing();
    void failedCommandShowsTheProblem();
    void layoutStateRoundTrip();

private:
    // Clicks the button of `action` with `instance` selected and returns the dialog it opened.
    BreakerCommandDialog *openDialog(const QString &instance, const QString &action);
    // Requests of `id` in the newest services document once `count` more documents came.
    qint64 requestsAfter(int documents, const QString &id);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<BreakersView> m_view;
    QList<QByteArray> m_services;
};

void TestBreakersView::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    m_view = std::make_unique<BreakersView>(m_engine->feed());
    m_view->resize(1200, 700);
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            m_view->apply(message);
            if (message.subject == QLatin1String("services"))
                m_services.append(message.json);
        }
    });
    QStringList subjects = BreakersView::subjects();
    subjects.append(QStringLiteral("services")); // to see where traffic goes
    m_engine->feed()->subscribe(subjects);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestBreakersView::cleanupTestCase() {
    m_view.reset();
    m_engine.reset();
}

BreakerCommandDialog *TestBreakersView::openDialog(const QString &instance, const QString &action) {
    m_view->selectInstance(instance);
    if (m_view->currentInstance() != instance)
        return nullptr;
    auto *button = m_view->findChild<QPushButton *>(action);
    if (!button || !button->isEnabled())
        return nullptr;
    QTest::mouseClick(button, Qt::LeftButton);
    return m_view->findChild<BreakerCommandDialog *>();
}

qint64 TestBreakersView::requestsAfter(int documents, const QString &id) {
    const qsizetype target = m_services.size() + documents;
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_services.size() >= target, kTimeoutMs); }();
    return requestsOf(m_services.value(m_services.size() - 1), id);
}

void TestBreakersView::fillsWithLiveData() {
    QAbstractItemModelTester tester(m_view->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(m_view->model()->rowCount(), 7, kTimeoutMs);
    QCOMPARE(m_view->table()->model(), m_view->model());
    m_view->selectInstance(QStringLiteral("inventory-3"));
    QCOMPARE(m_view->currentInstance(), QStringLiteral("inventory-3"));
    // The story panel explains the threshold in force.
    auto *story = m_view->findChild<QPlainTextEdit *>(QStringLiteral("tripStory"));
    QVERIFY(story);
    QTRY_VERIFY_WITH_TIMEOUT(story->toPlainText().contains(QLatin1String("threshold")), kTimeoutMs);
    for (const char *action : {"force_open", "force_closed", "disable", "auto"})
        QVERIFY(m_view->findChild<QPushButton *>(QLatin1String(action))->isEnabled());
}

void TestBreakersView::forceOpenStopsTrafficAndAutoBringsItBack() {
    const QString id = QStringLiteral("catalog-1");
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->rowOf(id) >= 0, kTimeoutMs);
    // The instance takes traffic before.
    const qint64 before = requestsAfter(1, id);
    QTRY_VERIFY_WITH_TIMEOUT(requestsAfter(1, id) > before, kTimeoutMs);

    QSignalSpy finished(m_view.get(), &BreakersView::commandFinished);
    BreakerCommandDialog *dialog = openDialog(id, QStringLiteral("force_open"));
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->instance(), id);
    QVERIFY(!dialog->actor().isEmpty()); // the user name
    dialog->setReason(QStringLiteral("maintenance window"));
    dialog->accept(); // the operator confirms
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.first().at(0).toString(), id);
    QVERIFY2(finished.first().at(2).toBool(), qPrintable(finished.first().at(3).toString()));
    QVERIFY(m_view->resultText().contains(QLatin1String("Forced open")));

    // The engine says so in the next breakers document, and the transition is listed.
    const int row = m_view->model()->rowOf(id);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_view->model()->index(row, int(Column::State)).data(BreakersModel::StateRole).toString(),
        QStringLiteral("forced_open"), kTimeoutMs);
    BreakerTransitionsModel *transitions = m_view->transitionsModel();
    QTRY_VERIFY_WITH_TIMEOUT(
        transitions->rowCount() > 0 &&
            transitions->index(transitions->rowCount() - 1, 4).data().toString() ==
                QLatin1String("forced open by operator"),
        kTimeoutMs);

    // The engine's audit: who (the user name in the dialog), the state before, and why.
    BreakerAuditModel *audit = m_view->auditModel();
    QCOMPARE(m_view->auditTable()->model(), audit);
    QTRY_VERIFY_WITH_TIMEOUT(audit->rowCount() > 0, kTimeoutMs);
    const int last = audit->rowCount() - 1;
    QCOMPARE(audit->index(last, int(BreakerAuditModel::Column::Instance)).data().toString(), id);
    QCOMPARE(audit->index(last, int(BreakerAuditModel::Column::Actor)).data().toString(),
             BreakerCommandDialog::defaultActor());
    QCOMPARE(audit->index(last, int(BreakerAuditModel::Column::Reason)).data().toString(),
             QStringLiteral("maintenance window"));
    QCOMPARE(audit->index(last, int(BreakerAuditModel::Column::PreviousState)).data().toString(),
             QStringLiteral("Closed"));
    QCOMPARE(audit->index(last, int(BreakerAuditModel::Column::Mode)).data().toString(),
             QStringLiteral("Forced open"));

    // Traffic stops reaching the instance: its count stays put over the next documents
    // (about two seconds of 40 requests a second), once what was in flight is done.
    const qint64 stopped = requestsAfter(2, id);
    QCOMPARE(requestsAfter(15, id), stopped);
    // In colour: the state's own colour behind the state's name.
    QCOMPARE(
        m_view->model()->index(row, int(Column::State)).data(Qt::BackgroundRole).value<QColor>(),
        BreakersModel::stateColor(QStringLiteral("forced_open")));
    QDir().mkpath(qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR"));
    m_view->selectInstance(id);
    QVERIFY(m_view->grab().save(qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR") +
                                QStringLiteral("/breakers_view.png")));

    // Auto brings it back.
    dialog = openDialog(id, QStringLiteral("auto"));
    QVERIFY(dialog);
    dialog->accept();
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(finished.last().at(2).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(
        m_view->model()->index(row, int(Column::State)).data(BreakersModel::StateRole).toString(),
        QStringLiteral("closed"), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(requestsAfter(1, id) > stopped, kTimeoutMs);
}

void TestBreakersView::cancelledDialogSendsNothing() {
    const QString id = QStringLiteral("pricing-2");
    QSignalSpy finished(m_view.get(), &BreakersView::commandFinished);
    BreakerCommandDialog *dialog = openDialog(id, QStringLiteral("force_open"));
    QVERIFY(dialog);
    const QPointer<BreakerCommandDialog> guard(dialog);
    dialog->reject();
    QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), kTimeoutMs); // closed and deleted
    QVERIFY(!finished.wait(500));
    QVERIFY(finished.isEmpty()); // nor while the dialog was closing
    // Several documents later the breaker is still automatic.
    requestsAfter(3, id);
    const int row = m_view->model()->rowOf(id);
    QCOMPARE(
        m_view->model()->index(row, int(Column::Mode)).data(BreakersModel::ModeRole).toString(),
        QStringLiteral("auto"));
}

void TestBreakersView::failedCommandShowsTheProblem() {
    // The engine forgets an instance between the view's document and the command: simulated
    // by a breakers document naming an instance the engine does not have.
    QJsonObject ghost{
        {"instance", "ghost-1"}, {"service", "ghost"}, {"state", "closed"}, {"mode", "auto"}};
    const QByteArray document = QJsonDocument(QJsonObject{{"breakers", QJsonArray{ghost}},
                                                          {"recent_transitions", QJsonArray()}})
                                    .toJson();
    // Unsubscribe from breakers so the engine's documents do not replace the ghost.
    m_engine->feed()->subscribe({QStringLiteral("services")});
    QVERIFY(m_view->model()->applyDocument(document));
    QSignalSpy finished(m_view.get(), &BreakersView::commandFinished);
    BreakerCommandDialog *dialog = openDialog(QStringLiteral("ghost-1"), QStringLiteral("disable"));
    QVERIFY(dialog);
    dialog->accept();
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(!finished.first().at(2).toBool());
    const QString message = finished.first().at(3).toString();
    QVERIFY2(message.contains(QLatin1String("ghost-1")) && message.contains(QLatin1String("404")),
             qPrintable(message));
    auto *box = m_view->findChild<QMessageBox *>(QStringLiteral("breakerCommandError"));
    QVERIFY(box);
    QVERIFY(box->text().contains(message));
    box->close();
    m_engine->feed()->subscribe(BreakersView::subjects());
}

void TestBreakersView::layoutStateRoundTrip() {
    const int column = int(Column::Cause);
    m_view->table()->setColumnWidth(column, 333);
    const QByteArray state = m_view->saveState();
    BreakersView other(m_engine->feed());
    QVERIFY(other.table()->columnWidth(column) != 333);
    QVERIFY(!other.restoreState("not a state"));
    QVERIFY(!other.restoreState({}));
    QVERIFY(other.restoreState(state));
    QCOMPARE(other.table()->columnWidth(column), 333);
}

QTEST_MAIN(TestBreakersView)
#include "tst_breakers_view.moc"
