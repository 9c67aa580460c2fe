#include <backend/feed/feed_transport.h>
#include <models/batch_replay_job.h>
#include <models/capture_filter_proxy_model.h>
#include <models/capture_list_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/batch_replay_dialog.h>
#include <widgets/capture_inspector.h>
#include <widgets/instance_chooser.h>
#include <widgets/replay_dialog.h>
#include <widgets/requests_view.h>
#include <widgets/response_diff_view.h>
#include <widgets/routing_explanation_view.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <memory>

using namespace ToolCapture;

namespace {

constexpr int kTimeoutMs = 20000;

bool g_remote = false; // screenshots of the remote run get their own names

void saveScreenshot(QWidget *widget, const QString &baseName) {
    const QString name = g_remote ? baseName + QStringLiteral("-remote") : baseName;
    const QString dir = QStringLiteral(TOOLCAPTURE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
    QVERIFY2(widget->grab().save(path), qPrintable(path));
}

} // namespace

// The Requests view against a demo engine in a thread, fed through LocalFeedTransport.
class TestRequestsView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase_data();
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void listFillsLiveAndTails();
    void filterSelectsWhatItSays_data();
    void filterSelectsWhatItSays();
    void badFilterShowsItsPosition();
    void inspectorShowsTheSelectedCapture();
    void replayShowsADiff();
    void batchReplayEndsInASummary();
    void copyAsCurlAndExportHar();
    void showCaptureOutsideTheList();
    void pauseHoldsTheList();
    void inspectorKeepsItsCaptureWhenTheRowLeaves();
    void inspectorShowsAWebSocketTunnel();

private:
    // Selects the first `n` rows the view shows.
    void selectRows(int n);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<RequestsView> m_view;
    FeedTransport *m_feed = nullptr; // the one this test function uses
};

void TestRequestsView::initTestCase_data() {
    // Every test twice: the embedded engine's feed, and the same engine over HTTP as a console
    // started with --connect reads it.
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded") << false;
    QTest::newRow("remote") << true;
}

void TestRequestsView::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>(60.0);
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
}

void TestRequestsView::cleanupTestCase() {
    m_engine.reset();
}

void TestRequestsView::init() {
    QFETCH_GLOBAL(bool, remote);
    FeedTransport *feed = remote ? m_engine->remoteFeed() : m_engine->feed();
    m_feed = feed;
    g_remote = remote;
    m_view = std::make_unique<RequestsView>(feed);
    connect(feed, &FeedTransport::messages, m_view.get(),
            [view = m_view.get()](const QList<FeedMessage> &messages) {
                for (const FeedMessage &message : messages) {
                    if (view->subjects().contains(message.subject))
                        view->apply(message);
                }
            });
    feed->subscribe(m_view->subjects());
    m_view->resize(1400, 900);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() >= 30, kTimeoutMs);
}

void TestRequestsView::cleanup() {
    m_feed->subscribe({});
    m_view.reset();
}

void TestRequestsView::selectRows(int n) {
    QTreeView *list = m_view->list();
    QItemSelection selection(m_view->proxy()->index(0, 0),
                             m_view->proxy()->index(n - 1, m_view->proxy()->columnCount() - 1));
    list->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void TestRequestsView::listFillsLiveAndTails() {
    const int rows = m_view->proxy()->rowCount();
    const qint64 newest = m_view->model()->summaryAt(m_view->model()->rowCount() - 1).id;
    QTRY_VERIFY_WITH_TIMEOUT(
        m_view->model()->summaryAt(m_view->model()->rowCount() - 1).id > newest, kTimeoutMs);
    QVERIFY(m_view->proxy()->rowCount() > rows);
    // Newest at the bottom, and the view follows it while at the bottom.
    QScrollBar *scroll = m_view->list()->verticalScrollBar();
    // At least four rows to scroll: below that, half way up (maximum / 2 + 1) is the bottom.
    QTRY_VERIFY_WITH_TIMEOUT(scroll->maximum() >= 4 && scroll->value() == scroll->maximum(),
                             kTimeoutMs);
    QVERIFY(m_view->isTailing());
    // Scrolled up, it stays where the user put it while rows keep coming.
    scroll->setValue(scroll->maximum() / 2 + 1);
    QVERIFY(!m_view->isTailing());
    const QModelIndex top = m_view->list()->indexAt(QPoint(5, 5));
    const qint64 topId = top.data(CaptureListModel::CaptureIdRole).toLongLong();
    const int before = m_view->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->rowCount() > before + 5, kTimeoutMs);
    QCOMPARE(
        m_view->list()->indexAt(QPoint(5, 5)).data(CaptureListModel::CaptureIdRole).toLongLong(),
        topId);
    scroll->setValue(scroll->maximum());
    QVERIFY(m_view->isTailing());
    saveScreenshot(m_view.get(), QStringLiteral("requests-view"));

    // Choosing a row above the newest while following: the row stays in view as rows come.
    QTRY_VERIFY_WITH_TIMEOUT(scroll->value() == scroll->maximum(), kTimeoutMs);
    const QModelIndex chosen = m_view->list()->indexAt(QPoint(5, 5));
    QVERIFY(chosen.isValid());
    QVERIFY(chosen.row() < m_view->proxy()->rowCount() - 1);
    const qint64 chosenId = chosen.data(CaptureListModel::CaptureIdRole).toLongLong();
    m_view->list()->setFocus();
    m_view->list()->setCurrentIndex(chosen);
    QVERIFY(!m_view->isTailing());
    const int atChoice = m_view->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->rowCount() > atChoice + 5, kTimeoutMs);
    QCOMPARE(
        m_view->list()->indexAt(QPoint(5, 5)).data(CaptureListModel::CaptureIdRole).toLongLong(),
        chosenId);
    // End goes to the newest and follows again.
    QTest::keyClick(m_view->list(), Qt::Key_End);
    QVERIFY(m_view->isTailing());
    const int atEnd = m_view->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->rowCount() > atEnd + 2, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(scroll->value(), scroll->maximum(), kTimeoutMs);
    QVERIFY(m_view->isTailing());
}

void TestRequestsView::filterSelectsWhatItSays_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("service");  // every shown row's service, when not empty
    QTest::addColumn<int>("minStatus");    // every shown row's status at least
    QTest::addColumn<QString>("pathPart"); // every shown row's path contains it
    QTest::newRow("service") << "service:inventory"
                             << "inventory" << 0 << "";
    QTest::newRow("service and path") << "service:catalog path~/products"
                                      << "catalog" << 0 << "/products";
    QTest::newRow("errors") << "status>=400"
                            << "" << 400 << "";
    QTest::newRow("negated") << "!service:inventory path~^/pricing"
                             << "pricing" << 0 << "/pricing";
}

void TestRequestsView::filterSelectsWhatItSays() {
    QFETCH(QString, expression);
    QFETCH(QString, service);
    QFETCH(int, minStatus);
    QFETCH(QString, pathPart);
    m_view->setFilterText(expression);
    QVERIFY(m_view->filterError()->isHidden());
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() > 0, kTimeoutMs);
    CaptureListModel *model = m_view->model();
    int matching = 0;
    for (int row = 0; row < model->rowCount(); ++row) {
        const CaptureSummary &s = model->summaryAt(row);
        const bool matches = (service.isEmpty() || s.service == service) && s.status >= minStatus &&
                             s.path.contains(pathPart) &&
                             (!expression.startsWith(u'!') || s.service != u"inventory");
        matching += matches;
    }
    QCOMPARE(m_view->proxy()->rowCount(), matching);
    for (int row = 0; row < m_view->proxy()->rowCount(); ++row) {
        const CaptureSummary &s =
            model->summaryAt(m_view->proxy()->mapToSource(m_view->proxy()->index(row, 0)).row());
        if (!service.isEmpty())
            QCOMPARE(s.service, service);
        QVERIFY(s.status >= minStatus);
        QVERIFY(s.path.contains(pathPart));
    }
}

void TestRequestsView::badFilterShowsItsPosition() {
    m_view->setFilterText(QStringLiteral("service:inventory"));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() > 0, kTimeoutMs);
    m_view->setFilterText(QStringLiteral("service:inventory colour:red"));
    QVERIFY(!m_view->filterError()->isHidden());
    QVERIFY2(m_view->filterError()->text().contains(QStringLiteral("Column 19")),
             qPrintable(m_view->filterError()->text()));
    QVERIFY(m_view->filterError()->text().contains(QStringLiteral("colour")));
    // The last valid filter stays.
    for (int row = 0; row < m_view->proxy()->rowCount(); ++row)
        QCOMPARE(
            m_view->proxy()->index(row, int(CaptureListModel::Column::Service)).data().toString(),
            QStringLiteral("inventory"));
    saveScreenshot(m_view.get(), QStringLiteral("requests-view-filter-error"));
    m_view->setFilterText(QString());
    QVERIFY(m_view->filterError()->isHidden());
}

void TestRequestsView::inspectorShowsTheSelectedCapture() {
    m_view->setFilterText(QStringLiteral("service:inventory status:200"));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() > 0, kTimeoutMs);
    QSignalSpy shown(m_view.get(), &RequestsView::captureShown);
    const QModelIndex index = m_view->proxy()->index(0, 0);
    const qint64 id = index.data(CaptureListModel::CaptureIdRole).toLongLong();
    m_view->list()->setCurrentIndex(index);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(shown.last().at(0).toLongLong(), id);
    const auto &detail = m_view->inspector()->detail();
    QVERIFY(detail.has_value());
    QCOMPARE(detail->summary.id, id);
    QVERIFY(!detail->requestHeaders.isEmpty());
    // JSON bodies pretty-printed; the routing explanation names the chosen instance.
    QVERIFY(m_view->inspector()->responseBodyText().contains(QStringLiteral("\n  \"")));
    const RoutingExplanation &routing = m_view->inspector()->routingView()->explanation();
    QCOMPARE(routing.chosen, detail->summary.instance);
    QVERIFY(routing.candidates.size() >= 2);
    const RoutingExplanation::Candidate *chosen = routing.candidate(routing.chosen);
    QVERIFY(chosen);
    QCOMPARE(RoutingExplanationView::verdict(routing, *chosen), QStringLiteral("chosen"));
    m_view->inspector()->tabs()->setCurrentIndex(3);
    saveScreenshot(m_view.get(), QStringLiteral("requests-view-routing"));
    m_view->inspector()->tabs()->setCurrentIndex(0);
    saveScreenshot(m_view.get(), QStringLiteral("requests-view-inspector"));
}

void TestRequestsView::replayShowsADiff() {
    // An inventory item: the demo instances say who served it, so another instance differs.
    m_view->setFilterText(QStringLiteral("service:inventory status:200 method:GET path~/items/"));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() > 0, kTimeoutMs);
    QSignalSpy shown(m_view.get(), &RequestsView::captureShown);
    m_view->list()->setCurrentIndex(m_view->proxy()->index(0, 0));
    QVERIFY(shown.wait(kTimeoutMs));
    const QString answeredBy = m_view->inspector()->detail()->summary.instance;

    QSignalSpy opened(m_view.get(), &RequestsView::replayDialogOpened);
    m_view->replayCurrent();
    QVERIFY(opened.size() == 1 || opened.wait(kTimeoutMs));
    auto *dialog = opened.first().at(0).value<ReplayDialog *>();
    QVERIFY(dialog);
    // Before any replay the captured side is in view: what the instance answered then.
    const CaptureDetail &captured = *m_view->inspector()->detail();
    QVERIFY(dialog->diffView()->statusText().startsWith(
        QStringLiteral("No replay yet. Captured: status %1").arg(captured.summary.status)));
    QSet<QString> names; // a row per field name, as after a replay
    for (const HeaderField &field : captured.responseHeaders)
        names.insert(field.name.toLower());
    QVERIFY(!names.isEmpty());
    QCOMPARE(dialog->diffView()->headerRowCount(), int(names.size()));
    QVERIFY(!captured.responseBody.isEmpty());
    QVERIFY2(dialog->diffView()->bodyText(true).contains(
                 QStringLiteral("\"served_by\": \"%1\"").arg(answeredBy)),
             qPrintable(dialog->diffView()->bodyText(true)));
    QVERIFY(dialog->diffView()->bodyText(false).isEmpty());
    QSignalSpy loaded(dialog, &ReplayDialog::instancesLoaded);
    QVERIFY(loaded.wait(kTimeoutMs));
    QString other;
    for (const QString &id : dialog->instances()) {
        if (id.startsWith(QStringLiteral("inventory-")) && id != answeredBy)
            other = id;
    }
    QVERIFY2(!other.isEmpty(), qPrintable(dialog->instances().join(u',')));
    QVERIFY(dialog->setTargetInstance(other));
    dialog->setHeader(QStringLiteral("X-Replay-Note"), QStringLiteral("from the console"));
    const ReplayRequest request = dialog->request();
    QCOMPARE(request.instance, other);
    QCOMPARE(request.headers.size(), 1);
    QCOMPARE(request.headers.first().first, QStringLiteral("X-Replay-Note"));

    QSignalSpy finished(dialog, &ReplayDialog::replayFinished);
    dialog->replay();
    QVERIFY(finished.wait(kTimeoutMs));
    const ReplayOutcome &outcome = dialog->outcome();
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.instance, other);
    QVERIFY(outcome.diff.valid);
    QVERIFY(outcome.diff.changed);
    QVERIFY(!outcome.diff.bodyChanges.isEmpty());
    QCOMPARE(outcome.diff.bodyChanges.first().pointer, QStringLiteral("/served_by"));
    ResponseDiffView *diff = dialog->diffView();
    QVERIFY(diff->markedLines(true) >= 1);
    QVERIFY(diff->markedLines(false) >= 1);
    QVERIFY(diff->bodyChangeCount() >= 1);
    QVERIFY(diff->statusText().contains(QStringLiteral("changed")));
    saveScreenshot(dialog, QStringLiteral("requests-replay-diff"));

    // Routed again with the body unchanged: a request with no edits at all.
    QVERIFY(dialog->setTargetInstance(QString()));
    dialog->removeHeader(QStringLiteral("X-Replay-Note"));
    QVERIFY(dialog->request().headers.isEmpty());
    QVERIFY(!dialog->request().body.has_value());
    dialog->replay();
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY2(dialog->outcome().ok, qPrintable(dialog->outcome().error));
    QCOMPARE(dialog->outcome().status, outcome.diff.statusBefore);
    dialog->close();
}

void TestRequestsView::batchReplayEndsInASummary() {
    m_view->setFilterText(QStringLiteral("service:inventory method:GET path~/items/"));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() >= 6, kTimeoutMs);
    m_view->setPaused(true);
    selectRows(6);
    QSignalSpy opened(m_view.get(), &RequestsView::batchReplayDialogOpened);
    m_view->replaySelection();
    QCOMPARE(opened.size(), 1);
    auto *dialog = opened.first().at(0).value<BatchReplayDialog *>();
    QSignalSpy loaded(dialog->target(), &InstanceChooser::loaded);
    QVERIFY(loaded.wait(kTimeoutMs));
    QVERIFY(dialog->target()->setInstance(QStringLiteral("inventory-2")));
    dialog->setConcurrency(3);
    QSignalSpy finished(dialog, &BatchReplayDialog::batchFinished);
    dialog->start();
    QVERIFY(finished.wait(kTimeoutMs));
    BatchReplayJob *job = dialog->job();
    QCOMPARE(job->doneCount(), 6);
    QCOMPARE(job->failedCount(), 0);
    int changed = 0;
    for (const BatchReplayJob::Item &item : job->items()) {
        QVERIFY(item.outcome.ok);
        QCOMPARE(item.outcome.instance, QStringLiteral("inventory-2"));
        // Only what another instance served comes back changed.
        const bool servedElsewhere = item.capture.instance != u"inventory-2";
        if (item.capture.status == 200)
            QCOMPARE(item.outcome.diff.changed, servedElsewhere);
        changed += item.outcome.diff.changed;
    }
    QCOMPARE(job->changedCount(), changed);
    QVERIFY2(
        dialog->summaryText().startsWith(QStringLiteral("6 replayed: %1 changed").arg(changed)),
        qPrintable(dialog->summaryText()));
    saveScreenshot(dialog, QStringLiteral("requests-batch-replay"));

    QSignalSpy diffShown(dialog, &BatchReplayDialog::diffShown);
    dialog->openDiff(0);
    QVERIFY(diffShown.wait(kTimeoutMs));
    auto *diff = dialog->findChild<ResponseDiffView *>();
    QVERIFY(diff);
    QVERIFY(diff->statusText().contains(QStringLiteral("Status")));

    // Cancel: the ones not yet sent are not sent.
    auto *second = new BatchReplayDialog(
        m_feed,
        job->items().size() > 0
            ? QList<CaptureSummary>{job->items()[0].capture, job->items()[1].capture,
                                    job->items()[2].capture, job->items()[3].capture}
            : QList<CaptureSummary>{},
        m_view.get());
    second->setConcurrency(1);
    QSignalSpy secondFinished(second, &BatchReplayDialog::batchFinished);
    second->start();
    second->cancel();
    QVERIFY(secondFinished.wait(kTimeoutMs));
    QCOMPARE(second->job()->doneCount(), 1);
    QVERIFY(second->summaryText().contains(QStringLiteral("3 cancelled")));
    delete second;
    dialog->close();
    m_view->setPaused(false);
}

void TestRequestsView::copyAsCurlAndExportHar() {
    m_view->setFilterText(QStringLiteral("service:inventory"));
    m_view->setPaused(true);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->proxy()->rowCount() >= 3, kTimeoutMs);
    selectRows(3);
    QStringList ids;
    for (int row = 0; row < 3; ++row)
        ids << m_view->proxy()->index(row, 0).data(CaptureListModel::CorrelationIdRole).toString();

    QSignalSpy copied(m_view.get(), &RequestsView::curlCopied);
    m_view->copySelectionAsCurl();
    QVERIFY(copied.wait(kTimeoutMs));
    const QString script = copied.first().at(0).toString();
    QVERIFY(script.startsWith(QStringLiteral("#!/bin/sh")));
    QCOMPARE(script.count(QStringLiteral("\ncurl ")), 3);
    for (const QString &id : std::as_const(ids))
        QVERIFY2(script.contains(id), qPrintable(id));
    // In list order.
    QVERIFY(script.indexOf(ids[0]) < script.indexOf(ids[1]));
    QVERIFY(script.indexOf(ids[1]) < script.indexOf(ids[2]));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("selection.har"));
    QSignalSpy exported(m_view.get(), &RequestsView::harExported);
    m_view->exportSelectionAsHar(path);
    QVERIFY(exported.wait(kTimeoutMs));
    QCOMPARE(exported.first().at(1).toInt(), 3);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject log =
        QJsonDocument::fromJson(file.readAll()).object().value(u"log").toObject();
    QCOMPARE(log.value(u"version").toString(), QStringLiteral("1.2"));
    const QJsonArray entries = log.value(u"entries").toArray();
    QCOMPARE(entries.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(entries[i].toObject().value(u"_correlationId").toString(), ids[i]);
    m_view->setPaused(false);
}

void TestRequestsView::showCaptureOutsideTheList() {
    const QString correlationId = m_view->model()->summaryAt(0).correlationId;
    const qint64 id = m_view->model()->summaryAt(0).id;
    m_view->clear();
    QCOMPARE(m_view->model()->rowCount(), 0);
    QCOMPARE(m_view->model()->rowOf(correlationId), -1);
    QSignalSpy shown(m_view.get(), &RequestsView::captureShown);
    m_view->showCapture(correlationId);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(shown.first().at(0).toLongLong(), id);
    QCOMPARE(m_view->inspector()->detail()->summary.correlationId, correlationId);
    // A capture that does not exist says so.
    m_view->showCapture(QStringLiteral("no-such-correlation-id"));
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->inspector()->detail().has_value(), kTimeoutMs);
}

void TestRequestsView::pauseHoldsTheList() {
    // A page asked for before the pause (the previous test cleared the list) still lands: the
    // pause holds what arrives live. Wait for it first.
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->model()->isFetching(), kTimeoutMs);
    QSignalSpy paused(m_view.get(), &RequestsView::pausedChanged);
    m_view->setPaused(true);
    QCOMPARE(paused.size(), 1);
    const int rows = m_view->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->pendingCount() >= 5, kTimeoutMs);
    QCOMPARE(m_view->model()->rowCount(), rows);
    m_view->setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(m_view->model()->rowCount() >= rows + 5, kTimeoutMs);
    QCOMPARE(paused.size(), 2);
}

void TestRequestsView::inspectorKeepsItsCaptureWhenTheRowLeaves() {
    CaptureListModel *model = m_view->model();
    model->setCap(40);
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 40, kTimeoutMs);
    QSignalSpy shown(m_view.get(), &RequestsView::captureShown);
    const QModelIndex first = m_view->proxy()->index(0, 0);
    const qint64 id = first.data(CaptureListModel::CaptureIdRole).toLongLong();
    m_view->list()->setCurrentIndex(first);
    QVERIFY(shown.wait(kTimeoutMs));
    QCOMPARE(m_view->inspector()->detail()->summary.id, id);
    // New captures push the selected one out past the cap.
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(QString::number(id)) < 0, kTimeoutMs);
    QVERIFY(!shown.wait(300)); // no other capture was loaded
    QCOMPARE(m_view->inspector()->detail()->summary.id, id);
    QCOMPARE(model->rowCount(), 40);
}

// A WebSocket exchange (the engine captures it when its tunnel ends): the overview says why
// the tunnel ended and that a replay cannot open one.
void TestRequestsView::inspectorShowsAWebSocketTunnel() {
    const auto detail = CaptureDetail::fromJson(
        R"({"id": 7, "correlation_id": "c-7", "method": "GET", "path": "/ws", "status": 101,)"
        R"("service": "events", "instance": "events-1", "accepted_at_us": 1796688186528570,)"
        R"("connected_us": 240, "first_byte_us": 2818, "done_us": 126010,)"
        R"("request_bytes": 1048613, "response_bytes": 1048653, "replayable": false,)"
        R"("tunnel_end": "upstream-closed", "websocket_messages": {)"
        R"("client_to_upstream": {"messages": 12, "data_bytes": 1048000, )"
        R"("largest_message_bytes": 1000000, "control_frames": 3, "malformed": false},)"
        R"("upstream_to_client": {"messages": 1, "data_bytes": 40, )"
        R"("largest_message_bytes": 40, "control_frames": 0, "malformed": true}}})");
    QVERIFY(detail.has_value());
    QCOMPARE(detail->summary.tunnelEnd, QStringLiteral("upstream-closed"));
    QVERIFY(detail->summary.webSocketCounted);
    QCOMPARE(detail->summary.messagesFromClient.messages, 12);
    QCOMPARE(detail->summary.messagesFromClient.largestMessage, 1000000);
    QCOMPARE(detail->summary.messagesFromClient.controlFrames, 3);
    QVERIFY(!detail->summary.messagesFromClient.malformed);
    QCOMPARE(detail->summary.messagesFromUpstream.dataBytes, 40);
    QVERIFY(detail->summary.messagesFromUpstream.malformed);
    CaptureInspector inspector;
    inspector.setDetail(*detail);
    const QString overview = inspector.overviewText();
    QVERIFY2(overview.contains(QStringLiteral("tunnel ended: upstream-closed")),
             qPrintable(overview));
    QVERIFY2(overview.contains(QStringLiteral("no (a WebSocket tunnel)")), qPrintable(overview));
    const QLocale locale;
    QVERIFY2(overview.contains(
                 QStringLiteral("12 message(s), %1 in all, the largest %2; 3 control "
                                "frame(s)")
                     .arg(locale.formattedDataSize(1048000), locale.formattedDataSize(1000000))),
             qPrintable(overview));
    QVERIFY2(overview.contains(QStringLiteral("1 message(s), %1 in all, the largest %1; 0 control "
                                              "frame(s) (then bytes that are not frames")
                                   .arg(locale.formattedDataSize(40))),
             qPrintable(overview));
    // Before messages were counted: no message rows, not zeros.
    const auto older = CaptureDetail::fromJson(
        R"({"id": 8, "correlation_id": "c-8", "method": "GET", "path": "/ws", "status": 101,)"
        R"("tunnel_end": "client-closed", "websocket_messages": null})");
    QVERIFY(older.has_value());
    QVERIFY(!older->summary.webSocketCounted);
    inspector.setDetail(*older);
    QVERIFY(inspector.overviewText().contains(QStringLiteral("tunnel ended: client-closed")));
    QVERIFY(!inspector.overviewText().contains(QStringLiteral("Client to upstream")));
}

QTEST_MAIN(TestRequestsView)
#include "tst_requests_view.moc"
