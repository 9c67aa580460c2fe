#include <app/main_window.h>
#include <backend/feed/feed_transport.h>
#include <widgets/breakers_view.h>
#include <widgets/overview_view.h>
#include <widgets/services_view.h>
#include <widgets/status_bar_panel.h>

#include <QAction>
#include <QApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>

namespace ToolCapture {

MainWindow::MainWindow(FeedTransport *feed, QWidget *parent)
    : QMainWindow(parent)
    , m_feed(feed)
    , m_overview(new OverviewView)
    , m_services(new ServicesView)
    , m_breakers(new BreakersView(feed))
    , m_statusPanel(new StatusBarPanel(feed)) {
    setWindowTitle(tr("ToolCapture"));
    auto *tabs = new QTabWidget;
    tabs->addTab(m_overview, tr("&Overview"));
    tabs->addTab(m_services, tr("&Services"));
    tabs->addTab(m_breakers, tr("&Breakers"));
    setCentralWidget(tabs);
    statusBar()->addPermanentWidget(m_statusPanel, 1);

    QStringList subjects;
    for (const QStringList &viewSubjects : {OverviewView::subjects(), ServicesView::subjects(),
                                            BreakersView::subjects(), StatusBarPanel::subjects()}) {
        for (const QString &subject : viewSubjects) {
            if (!subjects.contains(subject))
                subjects.append(subject);
        }
    }
    connect(m_feed, &FeedTransport::messages, this, &MainWindow::route);
    m_feed->subscribe(subjects);

    createMenus();
    resize(1200, 760);
}

MainWindow::~MainWindow() = default;

void MainWindow::route(const QList<FeedMessage> &batch) {
    for (const FeedMessage &message : batch) {
        m_overview->apply(message);
        m_services->apply(message);
        m_breakers->apply(message);
        m_statusPanel->apply(message);
    }
}

void MainWindow::createMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About ToolCapture"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About ToolCapture"),
                       tr("<h3>ToolCapture %1</h3><p>Operator console with an embedded "
                          "HTTP/1.1 reverse proxy.</p>")
                           .arg(QApplication::applicationVersion()));
}

} // namespace ToolCapture
