#include <app/main_window.h>
#include <models/service_table_model.h>
#include <widgets/services_view.h>
#include <widgets/status_bar_panel.h>
#include <widgets/traffic_chart_view.h>

#include <QAction>
#include <QApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>

namespace ToolCapture {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_serviceModel(new ServiceTableModel(this))
    , m_servicesView(new ServicesView)
    , m_chartView(new TrafficChartView(&m_traffic))
    , m_statusPanel(new StatusBarPanel) {
    setWindowTitle(tr("ToolCapture"));
    m_servicesView->setModel(m_serviceModel);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_servicesView);
    splitter->addWidget(m_chartView);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    setCentralWidget(splitter);
    statusBar()->addPermanentWidget(m_statusPanel, 1);

    createMenus();
    resize(1100, 700);
}

MainWindow::~MainWindow() = default;

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

void MainWindow::applySnapshot(const EngineSnapshot &snapshot) {
    m_serviceModel->applySnapshot(snapshot);
    m_traffic.append(snapshot);
    m_statusPanel->applySnapshot(snapshot);
}

} // namespace ToolCapture
