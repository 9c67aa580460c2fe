#pragma once

#include <backend/config/proxy_config.h>
#include <backend/engine/engine.h>

#include <QObject>
#include <QUrl>

#include <memory>

namespace ToolCapture {

class EngineHost;
class FeedTransport;
class MainWindow;
class RemoteFeedTransport;

// What the console watches: the embedded engine (restarted with another configuration on File >
// Open configuration…) or a remote instance. Owns the engine host and gives the window its feed.
// Lives in the GUI thread.
class ConsoleSession : public QObject {
    Q_OBJECT
public:
    ConsoleSession(MainWindow *window, Engine::Options options, QObject *parent = nullptr);
    ~ConsoleSession() override;

    // Starts an embedded engine with `config` (stopping the one running first) and shows it.
    void startEmbedded(const ProxyConfig &config);
    EngineHost *engineHost() const { return m_host.get(); }

    // Loads the file and restarts the embedded engine with it; a file with errors leaves the
    // running engine alone and shows them. False when the file was refused.
    bool openConfiguration(const QString &path);

    // Stops the embedded engine and watches the instance whose admin API is at `url`, with the
    // token in `tokenFile` (empty: where a headless ToolCapture of this user writes it). False,
    // with nothing changed, when the token cannot be read.
    bool connectRemote(const QUrl &url, const QString &tokenFile, QString *error = nullptr);
    FeedTransport *remoteTransport() const;

signals:
    // The first engine could not start: the console has nothing to show.
    void firstStartFailed(const QString &error);

private:
    MainWindow *m_window;
    Engine::Options m_options;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<RemoteFeedTransport> m_remote;
    bool m_everStarted = false;
};

} // namespace ToolCapture
