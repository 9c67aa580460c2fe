#include <app/connect_dialog.h>
#include <app/main_window.h>
#include <app/recent_connections.h>
#include <widgets/breakers_view.h>
#include <widgets/cache_view.h>
#include <widgets/hooks_view.h>
#include <widgets/overview_view.h>
#include <widgets/patterns_view.h>
#include <widgets/recommendations_view.h>
#include <widgets/requests_view.h>
#include <widgets/services_view.h>
#include <widgets/status_bar_panel.h>
#include <widgets/topics_view.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include <algorithm>

namespace ToolCapture {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_tabs(new QTabWidget)
    , m_overviewView(new OverviewView)
    , m_servicesView(new ServicesView)
    , m_topicsView(new TopicsView)
    , m_hooksView(new HooksView) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("ToolCapture"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/toolcapture.svg")));

    m_tabs->setObjectName(QStringLiteral("views"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);
    // In the order an operator works: how is it going, where does traffic go, what is cut off,
    // which requests, what the event bus carries, what the services report. Breakers,
    // Requests, Cache, Patterns and Recommendations join with a transport (rebuildTransportViews).
    m_overviewView->setObjectName(QStringLiteral("overviewView"));
    addView(m_overviewView, tr("Overview"), {}, OverviewView::subjects(),
            [this](const FeedMessage &message) { m_overviewView->apply(message); });
    m_servicesView->setObjectName(QStringLiteral("servicesView"));
    addView(m_servicesView, tr("Services"), {}, ServicesView::subjects(),
            [this](const FeedMessage &message) { m_servicesView->apply(message); });
    m_topicsView->setObjectName(QStringLiteral("topicsView"));
    addView(m_topicsView, tr("Topics"), QIcon(QStringLiteral(":/icons/topics.svg")));
    m_hooksView->setObjectName(QStringLiteral("hooksView"));
    addView(m_hooksView, tr("Hooks and tools"), QIcon(QStringLiteral(":/icons/hooks.svg")),
            HooksView::subjects(),
            [this](const FeedMessage &message) { m_hooksView->apply(message); });
    connect(m_topicsView, &TopicsView::captureRequested, this, &MainWindow::showCapture);

    createActions();
    createMenus();
    // The window follows the status document for the Capture menu (whether the engine has a
    // capture store, and whether it is capturing now).
    m_routes[QStringLiteral("status")].append(
        {this, [this](const FeedMessage &message) { applyStatus(message); }});
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::addView(QWidget *view, const QString &title, const QIcon &icon,
                         const QStringList &subjects, Apply apply, int index) {
    m_tabs->insertTab(index, view, icon, title);
    updateViewActions();
    // Splitters and headers the view did not name get names, so their state can be kept.
    int unnamed = 0;
    for (QSplitter *splitter : view->findChildren<QSplitter *>()) {
        if (splitter->objectName().isEmpty())
            splitter->setObjectName(view->objectName() +
                                    QStringLiteral("Splitter%1").arg(++unnamed));
    }
    unnamed = 0;
    for (QHeaderView *header : view->findChildren<QHeaderView *>()) {
        if (header->objectName().isEmpty() && header->orientation() == Qt::Horizontal)
            header->setObjectName(view->objectName() + QStringLiteral("Header%1").arg(++unnamed));
    }
    if (!apply)
        return;
    for (const QString &subject : subjects)
        m_routes[subject].append({view, apply});
    if (m_transport)
        m_transport->subscribe(this->subjects());
}

void MainWindow::removeView(QWidget *view) {
    const int index = m_tabs->indexOf(view);
    if (index < 0)
        return;
    m_tabs->removeTab(index);
    updateViewActions();
    dropRoutes(view);
    if (m_transport)
        m_transport->subscribe(subjects());
    view->deleteLater();
}

void MainWindow::dropRoutes(QWidget *view) {
    for (auto it = m_routes.begin(); it != m_routes.end();) {
        it->removeIf([view](const QPair<QWidget *, Apply> &route) { return route.first == view; });
        it = it->isEmpty() ? m_routes.erase(it) : std::next(it);
    }
}

QStringList MainWindow::subjects() const {
    QStringList names = m_routes.keys();
    names.sort();
    return names;
}

QAction *MainWindow::action(const QString &objectName) const {
    return m_actions.value(objectName);
}

void MainWindow::setTransport(FeedTransport *transport, Mode mode) {
    if (m_transport)
        disconnect(m_messagesConnection);
    m_transport = transport;
    m_mode = mode;
    rebuildTransportViews(transport);
    m_topicsView->setTransport(transport);
    m_hooksView->clear();
    if (QAction *open = action(QStringLiteral("actionOpenConfiguration")))
        open->setEnabled(mode == Mode::Embedded);
    action(QStringLiteral("actionCapture"))->setEnabled(false); // until the status says

    if (!transport)
        return;
    m_messagesConnection = connect(transport, &FeedTransport::messages, this, &MainWindow::route);
    transport->subscribe(subjects());
}

// Replaces `old` (when there is one) by `created` at the same place, with the layout the old one
// had; a null `created` only removes.
template<typename View>
View *MainWindow::replaceView(View *old, View *created, const QString &name, const QString &title,
                              int index) {
    const bool wasCurrent = old && m_tabs->currentWidget() == old;
    if (old) {
        saveLayoutOf(old);
        index = m_tabs->indexOf(old);
        removeView(old);
    }
    if (!created)
        return nullptr;
    created->setObjectName(name);
    addView(
        created, title, {}, created->subjects(),
        [created](const FeedMessage &message) { created->apply(message); }, index);
    restoreLayoutOf(created);
    if (wasCurrent)
        m_tabs->setCurrentWidget(created);
    return created;
}

// Breakers, Requests, Cache, Patterns, Recommendations and the status bar read their transport from
// their construction on: a new transport, new ones, in the same places.
void MainWindow::rebuildTransportViews(FeedTransport *transport) {
    m_breakersView =
        replaceView(m_breakersView, transport ? new BreakersView(transport) : nullptr,
                    QStringLiteral("breakersView"), tr("Breakers"), m_tabs->indexOf(m_topicsView));
    RequestsView *requests = transport ? new RequestsView(transport) : nullptr;
    m_requestsView = replaceView(m_requestsView, requests, QStringLiteral("requestsView"),
                                 tr("Requests"), m_tabs->indexOf(m_topicsView));
    m_cacheView =
        replaceView(m_cacheView, transport ? new CacheView(transport) : nullptr,
                    QStringLiteral("cacheView"), tr("Cache"), m_tabs->indexOf(m_topicsView));
    if (m_cacheView) {
        connect(m_cacheView, &CacheView::message, this,
                [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    }
    // What the analyser sees, then what it recommends (docs/intelligence-console.md).
    m_patternsView =
        replaceView(m_patternsView, transport ? new PatternsView(transport) : nullptr,
                    QStringLiteral("patternsView"), tr("Patterns"), m_tabs->indexOf(m_topicsView));
    m_recommendationsView =
        replaceView(m_recommendationsView, transport ? new RecommendationsView(transport) : nullptr,
                    QStringLiteral("recommendationsView"), tr("Recommendations"),
                    m_tabs->indexOf(m_topicsView));
    if (m_recommendationsView) {
        connect(m_recommendationsView, &RecommendationsView::message, this,
                [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    }

    if (m_statusPanel) {
        dropRoutes(m_statusPanel);
        statusBar()->removeWidget(m_statusPanel);
        m_statusPanel->deleteLater();
        m_statusPanel = nullptr;
    }
    if (transport) {
        m_statusPanel = new StatusBarPanel(transport);
        m_statusPanel->setObjectName(QStringLiteral("statusPanel"));
        statusBar()->addPermanentWidget(m_statusPanel, 1);
        StatusBarPanel *panel = m_statusPanel;
        for (const QString &subject : StatusBarPanel::subjects())
            m_routes[subject].append(
                {panel, [panel](const FeedMessage &message) { panel->apply(message); }});
    }
    if (!requests)
        return;
    connect(requests, &RequestsView::curlCopied, this, [this](const QString &script) {
        statusBar()->showMessage(tr("Copied as curl (%n command(s))", nullptr,
                                    int(script.count(QLatin1String("curl ")))),
                                 5000);
    });
    connect(requests, &RequestsView::harExported, this, [this](const QString &path, int entries) {
        statusBar()->showMessage(tr("Exported %n capture(s) to %1", nullptr, entries).arg(path),
                                 5000);
    });
    connect(requests, &RequestsView::actionFailed, this,
            [this](const QString &error) { statusBar()->showMessage(error, 8000); });
}

void MainWindow::route(const QList<FeedMessage> &batch) {
    for (const FeedMessage &message : batch) {
        const auto it = m_routes.constFind(message.subject);
        if (it == m_routes.constEnd())
            continue;
        for (const auto &[view, apply] : *it)
            apply(message);
    }
}

void MainWindow::createActions() {
    const auto make = [this](const QString &name, const QString &text, const QString &icon,
                             const QKeySequence &shortcut, auto slot) {
        auto *action = new QAction(text, this);
        action->setObjectName(name);
        if (!icon.isEmpty())
            action->setIcon(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)));
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        connect(action, &QAction::triggered, this, slot);
        m_actions.insert(name, action);
        return action;
    };
    make(QStringLiteral("actionOpenConfiguration"), tr("&Open configuration…"),
         QStringLiteral("open"), QKeySequence::Open, [this] { openConfiguration(); });
    make(QStringLiteral("actionConnect"), tr("&Connect…"), QStringLiteral("connect"),
         QKeySequence(Qt::CTRL | Qt::Key_K), [this] { connectToInstance(); });
    QAction *quit = make(QStringLiteral("actionQuit"), tr("&Quit"), {}, QKeySequence::Quit,
                         [] { QApplication::closeAllWindows(); });
    quit->setMenuRole(QAction::QuitRole);
    make(QStringLiteral("actionClear"), tr("C&lear list"), QStringLiteral("clear"),
         QKeySequence(Qt::CTRL | Qt::Key_L), [this] { clearCurrentList(); });
    make(QStringLiteral("actionFind"), tr("&Find"), QStringLiteral("find"), QKeySequence::Find,
         [this] { findInCurrentView(); });
    make(QStringLiteral("actionCopyAsCurl"), tr("Copy as c&url"), QStringLiteral("copy-curl"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), [this] {
             if (!m_requestsView)
                 return;
             m_tabs->setCurrentWidget(m_requestsView);
             m_requestsView->copySelectionAsCurl();
         });
    QAction *fullScreen =
        make(QStringLiteral("actionFullScreen"), tr("&Full screen"), QStringLiteral("fullscreen"),
             QKeySequence::FullScreen, [this](bool on) { toggleFullScreen(on); });
    fullScreen->setCheckable(true);
    if (fullScreen->shortcut() != QKeySequence(Qt::Key_F11))
        fullScreen->setShortcuts({fullScreen->shortcut(), QKeySequence(Qt::Key_F11)});
    QAction *capture =
        make(QStringLiteral("actionCapture"), tr("&Capture exchanges"), {},
             QKeySequence(Qt::CTRL | Qt::Key_E), [this](bool on) { setCapturing(on); });
    capture->setCheckable(true);
    capture->setEnabled(false); // until a status document says the engine has a capture store
    QAction *about = make(QStringLiteral("actionAbout"), tr("&About ToolCapture"),
                          QStringLiteral("about"), {}, [this] { showAbout(); });
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::createMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("actionOpenConfiguration")));
    file->addAction(action(QStringLiteral("actionConnect")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("actionQuit")));

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action(QStringLiteral("actionClear")));
    edit->addAction(action(QStringLiteral("actionFind")));
    edit->addAction(action(QStringLiteral("actionCopyAsCurl")));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("menuView"));
    view->addAction(action(QStringLiteral("actionFullScreen")));
    view->addSeparator();
    m_viewMenu = view;
    updateViewActions();

    QMenu *capture = menuBar()->addMenu(tr("&Capture"));
    capture->addAction(action(QStringLiteral("actionCapture")));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action(QStringLiteral("actionAbout")));

    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(action(QStringLiteral("actionConnect")));
    toolBar->addAction(action(QStringLiteral("actionOpenConfiguration")));
    toolBar->addSeparator();
    toolBar->addAction(action(QStringLiteral("actionClear")));
    toolBar->addAction(action(QStringLiteral("actionFind")));
}

// Alt+1… switches views, in tab order.
void MainWindow::updateViewActions() {
    if (!m_viewMenu)
        return;
    qDeleteAll(m_viewActions);
    m_viewActions.clear();
    for (int i = 0; i < std::min(m_tabs->count(), 9); ++i) {
        QAction *go = m_viewMenu->addAction(m_tabs->tabText(i));
        go->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
        QWidget *target = m_tabs->widget(i);
        connect(go, &QAction::triggered, this,
                [this, target] { m_tabs->setCurrentWidget(target); });
        m_viewActions.append(go);
    }
}

void MainWindow::openConfiguration() {
    if (m_mode == Mode::Remote) {
        QMessageBox::information(
            this, tr("Open configuration"),
            tr("The console watches the remote instance %1: its configuration is that "
               "instance's. Open a configuration to run an embedded engine after restarting the "
               "console without --connect.")
                .arg(m_transport ? m_transport->endpointLabel() : QString()));
        return;
    }
    QSettings settings;
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open configuration"),
                                     settings.value(QStringLiteral("files/lastConfig")).toString(),
                                     tr("Configuration (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("files/lastConfig"), path);
    emit openConfigurationRequested(path);
}

void MainWindow::connectToInstance() {
    QSettings settings;
    RecentConnections recent = RecentConnections::load(settings);
    ConnectDialog dialog(recent, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    recent.add({dialog.url(), dialog.tokenFile()});
    recent.save(settings);
    emit connectRequested(dialog.url(), dialog.tokenFile());
}

void MainWindow::clearCurrentList() {
    QWidget *current = m_tabs->currentWidget();
    if (current && current == m_requestsView)
        m_requestsView->clear();
    else if (current == m_topicsView)
        m_topicsView->clear();
    else if (current == m_hooksView)
        m_hooksView->clear();
}

void MainWindow::findInCurrentView() {
    QWidget *current = m_tabs->currentWidget();
    if (current == m_topicsView) {
        m_topicsView->textFilter()->setFocus(Qt::ShortcutFocusReason);
        m_topicsView->textFilter()->selectAll();
    } else if (m_requestsView) {
        m_tabs->setCurrentWidget(m_requestsView);
        m_requestsView->focusFilter();
    }
}

void MainWindow::showCapture(const QString &correlationId) {
    if (!m_requestsView)
        return;
    m_tabs->setCurrentWidget(m_requestsView);
    m_requestsView->showCapture(correlationId);
}

void MainWindow::applyStatus(const FeedMessage &message) {
    if (message.append)
        return;
    const QJsonObject capture =
        QJsonDocument::fromJson(message.json).object().value(QLatin1String("capture")).toObject();
    QAction *toggle = action(QStringLiteral("actionCapture"));
    toggle->setEnabled(capture.value(QLatin1String("enabled")).toBool());
    toggle->setChecked(capture.value(QLatin1String("capturing")).toBool());
}

void MainWindow::setCapturing(bool on) {
    if (!m_transport)
        return;
    FeedRequest request;
    request.method = "POST";
    request.target = "/api/v1/capture";
    request.body = on ? R"({"enabled": true})" : R"({"enabled": false})";
    m_transport->request(request, this, [this, on](const FeedResponse &response) {
        if (response.ok()) {
            statusBar()->showMessage(on ? tr("Capture started") : tr("Capture stopped"), 5000);
            return;
        }
        action(QStringLiteral("actionCapture"))->setChecked(!on);
        QString why = QJsonDocument::fromJson(response.body)
                          .object()
                          .value(QLatin1String("detail"))
                          .toString();
        if (why.isEmpty())
            why = response.error;
        statusBar()->showMessage(tr("Capture was not changed: %1").arg(why), 8000);
    });
}

void MainWindow::toggleFullScreen(bool on) {
    if (on)
        showFullScreen();
    else
        showNormal();
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About ToolCapture"),
        tr("<h3>ToolCapture %1</h3><p>Operator console with an embedded "
           "HTTP/1.1 reverse proxy.</p><p>Qt %2</p>")
            .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    restoreLayoutOf(this);
    const QString view = settings.value(QStringLiteral("window/view")).toString();
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->widget(i)->objectName() == view)
            m_tabs->setCurrentIndex(i);
    }
}

void MainWindow::restoreLayoutOf(QWidget *root) {
    QSettings settings;
    for (QSplitter *splitter : root->findChildren<QSplitter *>()) {
        const QVariant state =
            settings.value(QStringLiteral("splitters/") + splitter->objectName());
        if (!splitter->objectName().isEmpty() && state.isValid())
            splitter->restoreState(state.toByteArray());
    }
    for (QHeaderView *header : root->findChildren<QHeaderView *>()) {
        const QVariant state = settings.value(QStringLiteral("headers/") + header->objectName());
        if (!header->objectName().isEmpty() && state.isValid())
            header->restoreState(state.toByteArray());
    }
}

void MainWindow::saveLayout() const {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    if (m_tabs->currentWidget())
        settings.setValue(QStringLiteral("window/view"), m_tabs->currentWidget()->objectName());
    saveLayoutOf(const_cast<MainWindow *>(this));
}

void MainWindow::saveLayoutOf(QWidget *root) const {
    QSettings settings;
    for (const QSplitter *splitter : root->findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue(QStringLiteral("splitters/") + splitter->objectName(),
                              splitter->saveState());
    }
    for (const QHeaderView *header : root->findChildren<QHeaderView *>()) {
        if (!header->objectName().isEmpty())
            settings.setValue(QStringLiteral("headers/") + header->objectName(),
                              header->saveState());
    }
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveLayout();
    QMainWindow::closeEvent(event);
}

} // namespace ToolCapture
