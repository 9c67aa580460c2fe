#include <app/app_logging.h>
#include <app/console_session.h>
#include <app/engine_host.h>
#include <app/main_window.h>

#include <QMessageBox>

namespace ToolCapture {

ConsoleSession::ConsoleSession(MainWindow *window, Engine::Options options, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_options(options) {
    connect(window, &MainWindow::openConfigurationRequested, this,
            &ConsoleSession::openConfiguration);
}

ConsoleSession::~ConsoleSession() {
    m_window->setTransport(nullptr, MainWindow::Mode::Embedded);
}

void ConsoleSession::startEmbedded(const ProxyConfig &config) {
    m_window->setTransport(nullptr, MainWindow::Mode::Embedded);
    // NOTE: the engine running drains first (at most its drain timeout) with the GUI waiting:
    // the operator asked for the restart, and two engines cannot hold the same ports.
    m_host.reset();
    m_host = std::make_unique<EngineHost>(config, m_options);
    connect(m_host.get(), &EngineHost::started, this, [this] { m_everStarted = true; });
    connect(m_host.get(), &EngineHost::startFailed, this, [this](const QString &error) {
        qCCritical(lcApp).noquote() << "cannot start:" << error;
        if (!m_everStarted) {
            emit firstStartFailed(error);
            return;
        }
        auto *box = new QMessageBox(QMessageBox::Critical, m_window->windowTitle(),
                                    tr("The proxy could not start:\n%1").arg(error),
                                    QMessageBox::Close, m_window);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    m_window->setTransport(m_host->feed(), MainWindow::Mode::Embedded);
    m_host->start();
}

bool ConsoleSession::openConfiguration(const QString &path) {
    const ConfigLoadResult loaded = loadProxyConfigFile(path);
    if (!loaded.config || !loaded.errors.empty()) {
        QStringList errors;
        for (const ConfigError &error : loaded.errors)
            errors.append(error.toString());
        auto *box =
            new QMessageBox(QMessageBox::Warning, tr("Open configuration"),
                            tr("%1 was not loaded; the engine runs on as it was.").arg(path),
                            QMessageBox::Close, m_window);
        box->setDetailedText(errors.join(u'\n'));
        box->setInformativeText(errors.value(0));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return false;
    }
    qCInfo(lcApp).noquote() << "restarting the engine with" << path;
    startEmbedded(*loaded.config);
    return true;
}

} // namespace ToolCapture
