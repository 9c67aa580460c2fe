#include <app/app_logging.h>
#include <app/console_session.h>
#include <app/engine_host.h>
#include <app/main_window.h>
#include <backend/feed/remote_feed_transport.h>

#include <QMessageBox>

namespace ToolCapture {

ConsoleSession::ConsoleSession(MainWindow *window, Engine::Options options, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_options(options) {
    connect(window, &MainWindow::openConfigurationRequested, this,
            &ConsoleSession::openConfiguration);
    connect(window, &MainWindow::connectRequested, this,
            [this](const QUrl &url, const QString &tokenFile) {
                QString error;
                if (connectRemote(url, tokenFile, &error))
                    return;
                auto *box =
                    new QMessageBox(QMessageBox::Warning, tr("Connect"),
                                    tr("Not connected to %1: %2").arg(url.toString(), error),
                                    QMessageBox::Close, m_window);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open();
            });
}

ConsoleSession::~ConsoleSession() {
    m_window->setTransport(nullptr, MainWindow::Mode::Embedded);
}

void ConsoleSession::startEmbedded(const ProxyConfig &config) {
    m_window->setTransport(nullptr, MainWindow::Mode::Embedded);
    m_remote.reset();
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

bool ConsoleSession::connectRemote(const QUrl &url, const QString &tokenFile, QString *error) {
    const QString path = tokenFile.isEmpty() ? RemoteFeedTransport::defaultTokenFile() : tokenFile;
    const std::optional<QByteArray> token = RemoteFeedTransport::readTokenFile(path, error);
    if (!token)
        return false;
    qCInfo(lcApp).noquote() << "connecting to" << url.toString() << "; the embedded engine stops";
    m_window->setTransport(nullptr, MainWindow::Mode::Remote);
    m_host.reset();
    RemoteFeedTransport::Options options;
    options.url = url;
    options.token = *token;
    m_remote = std::make_unique<RemoteFeedTransport>(options);
    m_window->setTransport(m_remote.get(), MainWindow::Mode::Remote);
    return true;
}

FeedTransport *ConsoleSession::remoteTransport() const {
    return m_remote.get();
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
