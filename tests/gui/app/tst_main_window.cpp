#include <app/console_session.h>
#include <app/engine_host.h>
#include <app/main_window.h>
#include <models/capture_detail.h>
#include <models/capture_list_model.h>
#include <models/hook_event_model.h>
#include <models/hook_tool_model.h>
#include <models/topic_tail_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/cache_view.h>
#include <widgets/capture_inspector.h>
#include <widgets/correlation_timeline_view.h>
#include <widgets/hooks_view.h>
#include <widgets/patterns_view.h>
#include <widgets/recommendations_view.h>
#include <widgets/requests_view.h>
#include <widgets/status_bar_panel.h>
#include <widgets/topics_view.h>

#include <QAction>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

#include <memory>

using namespace ToolCapture;

namespace {

constexpr int kTimeoutMs = 30000;

int tabOf(const MainWindow &window, const QWidget *view) {
    return window.tabs()->indexOf(const_cast<QWidget *>(view));
}

} // namespace

// The whole console against a running embedded engine in demo mode: the views fill with live
// data through the feed, a topic record opens its capture, the layout survives a restart, German
// shows German; and a screenshot of each view.
class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void subscribesTheSubjectsOfItsViews();
    void intelligenceViewsAreTabs();
    void hooksViewFillsWithLiveEvents();
    void topicsViewFillsWithLiveRecords();
    void topicRecordOpensItsCapture();
    void topicRecordShowsItsCaptureInRequests();
    void topicKeyFilterSelectsOneExchange();
    void topicPauseStopsTheTail();
    void findFocusesTheFilter();
    void captureMenuStopsAndStartsCapture();
    void screenshotOfEachView();
    void layoutIsKeptInSettings();
    void germanLocaleShowsGerman();
    void connectsToARemoteInstance();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<ConsoleSession> m_session;
};

void TestMainWindow::initTestCase() {
    QVERIFY(m_dir.isValid());
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_session = std::make_unique<ConsoleSession>(m_window.get(), Engine::Options{true, 40.0});
    m_session->startEmbedded(EmbeddedDemoEngine::demoConfig(m_dir.path()));
    QSignalSpy started(m_session->engineHost(), &EngineHost::started);
    QVERIFY(started.isValid());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    // The engine may have started while the window was being exposed: wait() would then wait
    // for a second started().
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTimeoutMs);
}

void TestMainWindow::cleanupTestCase() {
    m_session.reset();
    m_window.reset();
}

// A view added with subjects is subscribed and gets the messages of those subjects only.
void TestMainWindow::subscribesTheSubjectsOfItsViews() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->transport()->connection(),
                              FeedTransport::Connection::Connected, kTimeoutMs);
    QCOMPARE(m_window->transport()->endpointLabel(), QStringLiteral("embedded"));
    const QStringList before = m_window->subjects();
    QStringList routed;
    auto *probe = new QWidget;
    probe->setObjectName(QStringLiteral("probeView"));
    m_window->addView(probe, QStringLiteral("Probe"), {},
                      {QStringLiteral("status"), QStringLiteral("breakers")},
                      [&routed](const FeedMessage &message) {
                          QVERIFY(!message.append);
                          QVERIFY(message.json.startsWith('{'));
                          routed.append(message.subject);
                      });
    QVERIFY(m_window->subjects().contains(QStringLiteral("status")));
    QVERIFY(m_window->subjects().contains(QStringLiteral("breakers")));
    QCOMPARE(m_window->transport()->subjects(), m_window->subjects());
    QTRY_VERIFY_WITH_TIMEOUT(routed.contains(QStringLiteral("status")) &&
                                 routed.contains(QStringLiteral("breakers")),
                             kTimeoutMs);
    for (const QString &subject : std::as_const(routed))
        QVERIFY2(subject == QLatin1String("status") || subject == QLatin1String("breakers"),
                 qPrintable(subject));
    m_window->removeView(probe);
    QCOMPARE(m_window->subjects(), before);
    QCOMPARE(m_window->transport()->subjects(), before);
    routed.clear();
    QVERIFY(!QTest::qWaitFor([&routed] { return !routed.isEmpty(); }, 1000));
}

// Patterns and Recommendations sit after Cache and before Topics, each with its Alt+digit in the
// View menu, and the inspector has its Timeline tab.
void TestMainWindow::intelligenceViewsAreTabs() {
    QVERIFY(m_window->patternsView());
    QVERIFY(m_window->recommendationsView());
    const int cache = tabOf(*m_window, m_window->cacheView());
    QCOMPARE(tabOf(*m_window, m_window->patternsView()), cache + 1);
    QCOMPARE(tabOf(*m_window, m_window->recommendationsView()), cache + 2);
    QCOMPARE(tabOf(*m_window, m_window->topicsView()), cache + 3);
    QCOMPARE(m_window->tabs()->tabText(cache + 1), QStringLiteral("Patterns"));
    QCOMPARE(m_window->tabs()->tabText(cache + 2), QStringLiteral("Recommendations"));
    auto *menu = m_window->menuBar()->findChild<QMenu *>(QStringLiteral("menuView"));
    QVERIFY(menu);
    QAction *go = nullptr;
    for (QAction *action : menu->actions()) {
        if (action->shortcut() == QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + cache + 2)))
            go = action;
    }
    QVERIFY(go);
    QCOMPARE(go->text(), QStringLiteral("Recommendations"));
    QSignalSpy loaded(m_window->recommendationsView(), &RecommendationsView::loaded);
    QVERIFY(loaded.isValid());
    go->trigger();
    QCOMPARE(m_window->tabs()->currentWidget(), m_window->recommendationsView());
    // Shown, it reads the engine's recommendations (the demo may have none yet: the rules wait
    // for enough traffic), and the engine serves them: no state line says why it could not.
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), kTimeoutMs);
    QCOMPARE(loaded.first().first().toBool(), true);
    QCOMPARE(m_window->recommendationsView()->stateText(), QString());
    CaptureInspector *inspector = m_window->requestsView()->inspector();
    const int timeline = inspector->tabs()->indexOf(inspector->timelineView());
    QVERIFY(timeline > 0);
    QCOMPARE(inspector->tabs()->tabText(timeline), QStringLiteral("Timeline"));
    m_window->tabs()->setCurrentIndex(0);
}

void TestMainWindow::hooksViewFillsWithLiveEvents() {
    HooksView *view = m_window->hooksView();
    // The demo registers one tool per demo service and posts executions and health changes.
    QTRY_VERIFY_WITH_TIMEOUT(view->toolModel()->rowCount() > 0, kTimeoutMs);
    const auto firstExecution = [view] {
        for (int row = 0; row < view->eventModel()->rowCount(); ++row) {
            if (view->eventModel()->index(row, 0).data(HookEventModel::KindRole).toInt() ==
                int(HookEventModel::Kind::Execution))
                return row;
        }
        return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(firstExecution() >= 0, kTimeoutMs);
    const int row = firstExecution();
    const HookEventModel *events = view->eventModel();
    QVERIFY(events->index(row, 0).data(HookEventModel::DurationMsRole).toDouble() >= 0);
    QVERIFY(events->index(row, int(HookEventModel::Column::Duration))
                .data()
                .toString()
                .endsWith(QStringLiteral(" ms")));
    QVERIFY(!events->index(row, int(HookEventModel::Column::Service)).data().toString().isEmpty());
    QVERIFY(!events->index(row, int(HookEventModel::Column::Outcome)).data().toString().isEmpty());
}

void TestMainWindow::topicsViewFillsWithLiveRecords() {
    TopicsView *view = m_window->topicsView();
    m_window->tabs()->setCurrentIndex(tabOf(*m_window, view));
    view->setCurrentTopic(QStringLiteral("proxy.response_intelligence"));
    QCOMPARE(view->currentTopic(), QStringLiteral("proxy.response_intelligence"));
    view->setFrom(TopicTailPoller::From::Beginning);
    // Live: rows keep arriving while the demo traffic flows.
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 0, kTimeoutMs);
    const int first = view->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > first, kTimeoutMs);

    const TopicTailModel *model = view->model();
    const QModelIndex last = model->index(model->rowCount() - 1, 0);
    QVERIFY(!last.data(TopicTailModel::CorrelationIdRole).toString().isEmpty());
    QCOMPARE(model->index(last.row(), int(TopicTailModel::Column::EventType)).data().toString(),
             QStringLiteral("post_request_analysis"));
    QCOMPARE(model->index(last.row(), int(TopicTailModel::Column::Key)).data().toString(),
             last.data(TopicTailModel::CorrelationIdRole).toString());
    // No record twice: (partition, offset) is unique.
    QSet<QPair<int, qint64>> seen;
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto where = qMakePair(model->row(row).partition, model->row(row).offset);
        QVERIFY2(
            !seen.contains(where),
            qPrintable(
                QStringLiteral("partition %1 offset %2 twice").arg(where.first).arg(where.second)));
        seen.insert(where);
    }

    view->table()->selectRow(0);
    const QString detail = view->detailText();
    QVERIFY2(detail.contains(QStringLiteral("ce_type: com.toolcapture.proxy.response_intelligence"
                                            ".post_request_analysis")),
             qPrintable(detail));
    QVERIFY(detail.contains(QStringLiteral("Partition: ")));
    QVERIFY(detail.contains(QStringLiteral("Offset: ")));
    QVERIFY(detail.contains(QStringLiteral("Timestamp: ")));
    QVERIFY(detail.contains(QStringLiteral("\n    \"performance_metrics\": {")));
}

void TestMainWindow::topicRecordOpensItsCapture() {
    TopicsView *view = m_window->topicsView();
    QTRY_VERIFY_WITH_TIMEOUT(view->proxyModel()->rowCount() > 0, kTimeoutMs);
    view->setPaused(true); // rows stay where they are while the test clicks
    QSignalSpy requested(view, &TopicsView::captureRequested);
    QVERIFY(requested.isValid());
    view->table()->scrollToTop();
    view->table()->selectRow(0);
    const QString id =
        view->proxyModel()->index(0, 0).data(TopicTailModel::CorrelationIdRole).toString();
    QVERIFY(!id.isEmpty());
    auto *open = view->findChild<QPushButton *>(QStringLiteral("topicsOpenCapture"));
    QVERIFY(open);
    QVERIFY(open->isEnabled());
    QTest::mouseClick(open, Qt::LeftButton);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.at(0).at(0).toString(), id);
    view->setPaused(false);
}

// The window takes a record's correlation id to the Requests view, which shows that capture.
void TestMainWindow::topicRecordShowsItsCaptureInRequests() {
    TopicsView *topics = m_window->topicsView();
    RequestsView *requests = m_window->requestsView();
    QVERIFY(requests);
    m_window->tabs()->setCurrentWidget(topics);
    QTRY_VERIFY_WITH_TIMEOUT(topics->proxyModel()->rowCount() > 0, kTimeoutMs);
    topics->setPaused(true);
    topics->table()->selectRow(0);
    const QString id =
        topics->proxyModel()->index(0, 0).data(TopicTailModel::CorrelationIdRole).toString();
    QSignalSpy shown(requests, &RequestsView::captureShown);
    QVERIFY(shown.isValid());
    topics->openSelectedCapture();
    QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget *>(requests));
    QTRY_VERIFY_WITH_TIMEOUT(requests->inspector()->detail().has_value() &&
                                 requests->inspector()->detail()->summary.correlationId == id,
                             kTimeoutMs);
    QVERIFY(shown.count() >= 1);
    topics->setPaused(false);
}

void TestMainWindow::topicKeyFilterSelectsOneExchange() {
    TopicsView *view = m_window->topicsView();
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 1, kTimeoutMs);
    const QString id = view->model()->row(0).correlationId;
    // The key filter is the engine's: the tail restarts and returns only that exchange.
    auto *keyEdit = view->findChild<QLineEdit *>(QStringLiteral("topicsKeyFilter"));
    QVERIFY(keyEdit);
    keyEdit->setText(id);
    emit keyEdit->editingFinished();
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 1, kTimeoutMs);
    QCOMPARE(view->model()->row(0).correlationId, id);
    keyEdit->clear();
    emit keyEdit->editingFinished();
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 1, kTimeoutMs);

    // The text filter is the view's own.
    view->textFilter()->setText(id);
    QCOMPARE(view->proxyModel()->rowCount(), 1);
    view->textFilter()->clear();
    QCOMPARE(view->proxyModel()->rowCount(), view->model()->rowCount());
}

void TestMainWindow::topicPauseStopsTheTail() {
    TopicsView *view = m_window->topicsView();
    view->setPaused(true);
    QVERIFY(view->isPaused());
    // Whatever was in flight lands; then nothing more.
    QSignalSpy inserted(view->model(), &QAbstractItemModel::rowsInserted);
    inserted.wait(1500);
    inserted.clear();
    const int rows = view->model()->rowCount();
    QVERIFY(!inserted.wait(3000));
    QCOMPARE(view->model()->rowCount(), rows);
    view->setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > rows, kTimeoutMs);
}

void TestMainWindow::findFocusesTheFilter() {
    m_window->activateWindow();
    m_window->tabs()->setCurrentIndex(tabOf(*m_window, m_window->topicsView()));
    QAction *find = m_window->action(QStringLiteral("actionFind"));
    QVERIFY(find);
    QCOMPARE(find->shortcut(), QKeySequence(QKeySequence::Find));
    find->trigger();
    QTRY_COMPARE(QApplication::focusWidget(),
                 static_cast<QWidget *>(m_window->topicsView()->textFilter()));
    // Anywhere else, Ctrl+F is the Requests filter.
    m_window->tabs()->setCurrentWidget(m_window->hooksView());
    find->trigger();
    QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget *>(m_window->requestsView()));
    QTRY_COMPARE(QApplication::focusWidget(),
                 static_cast<QWidget *>(m_window->requestsView()->filterEdit()));
}

void TestMainWindow::layoutIsKeptInSettings() {
    TopicsView *view = m_window->topicsView();
    auto *splitter = view->findChild<QSplitter *>(QStringLiteral("topicsSplitter"));
    QVERIFY(splitter);
    m_window->tabs()->setCurrentWidget(view);
    splitter->setSizes({300, 700});
    const QList<int> sizes = splitter->sizes();
    m_window->tabs()->setCurrentIndex(tabOf(*m_window, m_window->hooksView()));
    view->table()->horizontalHeader()->resizeSection(int(TopicTailModel::Column::Key), 123);
    m_window->saveLayout();

    MainWindow restored;
    restored.resize(m_window->size());
    restored.show();
    QVERIFY(QTest::qWaitForWindowExposed(&restored));
    restored.restoreLayout();
    QCOMPARE(restored.tabs()->currentWidget(), static_cast<QWidget *>(restored.hooksView()));
    restored.tabs()->setCurrentWidget(restored.topicsView());
    m_window->tabs()->setCurrentWidget(m_window->topicsView());
    auto *restoredSplitter =
        restored.topicsView()->findChild<QSplitter *>(QStringLiteral("topicsSplitter"));
    QCOMPARE(restoredSplitter->sizes(), sizes);
    QCOMPARE(restored.topicsView()->table()->horizontalHeader()->sectionSize(
                 int(TopicTailModel::Column::Key)),
             123);
}

void TestMainWindow::germanLocaleShowsGerman() {
    QTranslator translator;
    QVERIFY2(translator.load(QLocale(QLocale::German), QStringLiteral("toolcapture"),
                             QStringLiteral("_"), QStringLiteral(TOOLCAPTURE_QM_DIR)),
             TOOLCAPTURE_QM_DIR);
    QVERIFY(QCoreApplication::installTranslator(&translator));
    const QLocale previous;
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    MainWindow window;
    QCoreApplication::removeTranslator(&translator);
    QLocale::setDefault(previous);

    QCOMPARE(window.menuBar()->actions().constFirst()->text(), QStringLiteral("&Datei"));
    QCOMPARE(window.tabs()->tabText(tabOf(window, window.topicsView())), QStringLiteral("Themen"));
    // Numbers follow the locale: a decimal comma.
    HookEventModel *events = window.hooksView()->eventModel();
    QSignalSpy inserted(events, &QAbstractItemModel::rowsInserted);
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    events->appendJsonArray(
        R"([{"event_type":"execution_completed","timestamp":"2024-05-01T10:00:00Z",)"
        R"("pre_context":{"service_name":"s","operation":"o"},)"
        R"("results":{"success":true,"execution_time_ms":1234.5}}])");
    QVERIFY(inserted.wait(2000));
    const QString duration =
        events->index(0, int(HookEventModel::Column::Duration)).data().toString();
    QLocale::setDefault(previous);
    QCOMPARE(duration, QStringLiteral("1.234,5 ms"));
}

void TestMainWindow::screenshotOfEachView() {
    const QString directory = QStringLiteral(TOOLCAPTURE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(directory));
    m_window->resize(1400, 860);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topicsView()->model()->rowCount() > 0, kTimeoutMs);
    m_window->topicsView()->table()->selectRow(m_window->topicsView()->proxyModel()->rowCount() -
                                               1);
    // Show every view once, then let live data arrive, so that views refreshing on a timer
    // while shown have drawn theirs.
    for (int i = 0; i < m_window->tabs()->count(); ++i)
        m_window->tabs()->setCurrentIndex(i);
    const int rows = m_window->topicsView()->model()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topicsView()->model()->rowCount() > rows, kTimeoutMs);
    for (int i = 0; i < m_window->tabs()->count(); ++i) {
        m_window->tabs()->setCurrentIndex(i);
        QWidget *view = m_window->tabs()->widget(i);
        const QImage image = m_window->grab().toImage();
        QVERIFY(!image.isNull());
        const QString path = directory + u'/' + view->objectName() + QStringLiteral(".png");
        QVERIFY2(image.save(path), qPrintable(path));
        qInfo().noquote() << "wrote" << path;
    }
}

// File > Connect…: the embedded engine stops and the same views show a headless instance (here
// an engine with its admin listener, started by the test) through its admin API.
void TestMainWindow::connectsToARemoteInstance() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EmbeddedDemoEngine instance;
    QString error;
    QVERIFY2(instance.start(&error), qPrintable(error));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(instance.adminPort()));

    QVERIFY(!m_session->connectRemote(url, dir.filePath(QStringLiteral("missing")), &error));
    QVERIFY(!error.isEmpty());
    QCOMPARE(m_window->mode(), MainWindow::Mode::Embedded); // nothing changed

    const QString tokenFile = dir.filePath(QStringLiteral("admin-token"));
    QFile file(tokenFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(EmbeddedDemoEngine::adminToken() + "\n");
    file.close();
    QVERIFY2(m_session->connectRemote(url, tokenFile, &error), qPrintable(error));
    QCOMPARE(m_window->mode(), MainWindow::Mode::Remote);
    QCOMPARE(m_session->engineHost(), nullptr); // the embedded engine is gone
    QCOMPARE(m_window->transport()->endpointLabel(), url.toString());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->transport()->connection(),
                              FeedTransport::Connection::Connected, kTimeoutMs);
    QVERIFY(!m_window->action(QStringLiteral("actionOpenConfiguration"))->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->statusPanel()->text().contains(url.toString()), kTimeoutMs);
    QVERIFY(m_window->requestsView());
    QVERIFY(m_window->breakersView());
    // The views read the remote instance: captures through the feed, a topic through the API.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->requestsView()->model()->rowCount() > 0, kTimeoutMs);
    m_window->topicsView()->setFrom(TopicTailPoller::From::Beginning);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topicsView()->model()->rowCount() > 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->hooksView()->toolModel()->rowCount() > 0, kTimeoutMs);
    // The cache: its counters through the feed, its entries through the API.
    QVERIFY(m_window->cacheView());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->cacheView()->series().enabled(), kTimeoutMs);
    m_window->tabs()->setCurrentWidget(m_window->cacheView());
    m_window->cacheView()->reloadEntries(); // the catalog's entries are stored by now
    QTRY_VERIFY_WITH_TIMEOUT(m_window->cacheView()->model()->rowCount() > 0, kTimeoutMs);

    // Before the instance goes, the console lets go of it.
    m_session.reset();
    QCOMPARE(m_window->transport(), nullptr);
}

// Capture > Capture exchanges asks the engine to stop and start capturing; the engine's own
// status document says it did, and the menu follows that document.
void TestMainWindow::captureMenuStopsAndStartsCapture() {
    QAction *capture = m_window->action(QStringLiteral("actionCapture"));
    QVERIFY(capture);
    QTRY_VERIFY_WITH_TIMEOUT(capture->isEnabled() && capture->isChecked(), 10000);
    const auto engineCapturing = [this](int *answer) {
        FeedRequest request;
        request.target = "/api/v1/status";
        m_window->transport()->request(request, this, [answer](const FeedResponse &response) {
            *answer = QJsonDocument::fromJson(response.body)
                              .object()
                              .value(QLatin1String("capture"))
                              .toObject()
                              .value(QLatin1String("capturing"))
                              .toBool()
                          ? 1
                          : 0;
        });
    };
    for (const bool on : {false, true}) {
        capture->trigger();
        QCOMPARE(capture->isChecked(), on);
        QTRY_COMPARE_WITH_TIMEOUT(
            m_window->statusBar()->currentMessage(),
            on ? MainWindow::tr("Capture started") : MainWindow::tr("Capture stopped"), 10000);
        int answer = -1;
        engineCapturing(&answer);
        QTRY_VERIFY_WITH_TIMEOUT(answer != -1, 10000);
        QCOMPARE(answer, on ? 1 : 0);
        // Later status documents keep the menu where the engine is.
        QSignalSpy routed(m_window->transport(), &FeedTransport::messages);
        QVERIFY(routed.isValid());
        QVERIFY(routed.wait(5000));
        QCOMPARE(capture->isChecked(), on);
    }
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
