#pragma once

#include <backend/feed/feed_message.h>
#include <backend/feed/feed_transport.h>

#include <QHash>
#include <QMainWindow>
#include <QPointer>

#include <functional>

class QAction;
class QLabel;
class QMenu;
class QTabWidget;

namespace ToolCapture {

class BreakersView;
class CacheView;
class HooksView;
class OverviewView;
class PatternsView;
class RecommendationsView;
class RequestsView;
class ServicesView;
class StatusBarPanel;
class TopicsView;

// The console's main window: one tab per view in the order an operator works (overview, services,
// breakers, requests, cache, patterns, recommendations, topics, hooks), the menus and shortcuts,
// and the status bar. Routes each feed message to the views of its subject and subscribes the union
// of their subjects. Layout, splitters, column widths and the current view are kept in QSettings.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // How the console reaches its engine: Open configuration… needs an embedded one.
    enum class Mode { Embedded, Remote };
    using Apply = std::function<void(const FeedMessage &)>;

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // The feed the views read; null disconnects them. Subscribes the views' subjects.
    void setTransport(FeedTransport *transport, Mode mode);
    FeedTransport *transport() const { return m_transport; }
    Mode mode() const { return m_mode; }

    // Adds a view as a tab fed by `subjects` (each message of one of them goes to `apply`).
    // Views for the response cache and recommendations come this way.
    // At `index` in the tab order (-1: last).
    void addView(QWidget *view, const QString &title, const QIcon &icon,
                 const QStringList &subjects = {}, Apply apply = {}, int index = -1);
    // Removes a view added with addView (and the subjects only it needed); deletes it.
    void removeView(QWidget *view);
    // The union of the subjects of the views that exist, sorted.
    QStringList subjects() const;

    QTabWidget *tabs() const { return m_tabs; }
    TopicsView *topicsView() const { return m_topicsView; }
    // The Requests view of the current transport; null without one.
    RequestsView *requestsView() const { return m_requestsView; }
    HooksView *hooksView() const { return m_hooksView; }
    OverviewView *overviewView() const { return m_overviewView; }
    ServicesView *servicesView() const { return m_servicesView; }
    // The views below read their transport from their construction on: null without one.
    BreakersView *breakersView() const { return m_breakersView; }
    CacheView *cacheView() const { return m_cacheView; }
    PatternsView *patternsView() const { return m_patternsView; }
    RecommendationsView *recommendationsView() const { return m_recommendationsView; }
    StatusBarPanel *statusPanel() const { return m_statusPanel; }
    // The action with this object name ("actionConnect", …), for tests and the toolbar.
    QAction *action(const QString &objectName) const;

    // Restores and saves the window's layout (geometry, docks, splitters, column widths, tab).
    void restoreLayout();
    void saveLayout() const;

public slots:
    // Shows the capture with this correlation id in the Requests view and switches to it.
    void showCapture(const QString &correlationId);

signals:
    // File > Open configuration…: the embedded engine should restart with this file.
    void openConfigurationRequested(const QString &path);
    // File > Connect…: the console should watch this remote instance.
    void connectRequested(const QUrl &url, const QString &tokenFile);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void updateViewActions();
    void route(const QList<FeedMessage> &batch);
    void rebuildTransportViews(FeedTransport *transport);
    void dropRoutes(QWidget *view);
    template<typename View>
    View *replaceView(View *old, View *created, const QString &name, const QString &title,
                      int index);
    void restoreLayoutOf(QWidget *root);
    void saveLayoutOf(QWidget *root) const;
    void openConfiguration();
    void connectToInstance();
    void clearCurrentList();
    void findInCurrentView();
    void applyStatus(const FeedMessage &message);
    // Asks the engine to start or stop capturing exchanges (POST /api/v1/capture).
    void setCapturing(bool on);
    void toggleFullScreen(bool on);
    void showAbout();

    QPointer<FeedTransport> m_transport;
    Mode m_mode = Mode::Embedded;
    QMetaObject::Connection m_messagesConnection;
    QHash<QString, QList<QPair<QWidget *, Apply>>> m_routes; // subject -> (view, apply)
    QHash<QString, QAction *> m_actions;
    QMenu *m_viewMenu = nullptr;
    QList<QAction *> m_viewActions; // Alt+1… : one per tab

    QTabWidget *m_tabs;
    OverviewView *m_overviewView;
    ServicesView *m_servicesView;
    BreakersView *m_breakersView = nullptr; // tabs rebuilt with each transport
    RequestsView *m_requestsView = nullptr;
    CacheView *m_cacheView = nullptr;
    PatternsView *m_patternsView = nullptr;
    RecommendationsView *m_recommendationsView = nullptr;
    TopicsView *m_topicsView;
    HooksView *m_hooksView;
    StatusBarPanel *m_statusPanel = nullptr; // rebuilt with each transport
};

} // namespace ToolCapture
