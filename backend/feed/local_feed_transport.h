#pragma once

#include <backend/feed/feed_transport.h>
#include <backend/httpserver/http_server.h>

#include <QPointer>

#include <functional>
#include <memory>

namespace ToolCapture {

class FeedHub;

// The feed of an engine in another thread of this process: subscriptions go to its FeedHub
// and requests to its admin API's handlers with queued calls, answered through an in-process
// HttpResponder; no socket, and the documents are the admin API's own bytes.
// Lives in the GUI thread (the application's main thread); the hub and the dispatcher in the
// engine thread.
class LocalFeedTransport : public FeedTransport {
    Q_OBJECT
public:
    // Answers an admin API request in the hub's thread, as AdminServer would over a socket.
    using Dispatcher = std::function<void(const HttpRequest &, std::shared_ptr<HttpResponder>)>;

    // `hub` must outlive this transport (the owner destroys the transport first).
    LocalFeedTransport(FeedHub *hub, Dispatcher dispatcher, QObject *parent = nullptr);
    ~LocalFeedTransport() override;

    // FeedTransport
    void subscribe(const QStringList &subjects) override;
    void request(const FeedRequest &request, QObject *context,
                 std::function<void(const FeedResponse &)> done) override;
    QString endpointLabel() const override;

    // The engine's owner reports whether it runs.
    void setEngineState(Connection state, const QString &detail);

private:
    class Responder;

    FeedHub *m_hub;
    std::shared_ptr<Dispatcher> m_dispatcher; // called in the hub's thread only
    std::shared_ptr<quint64> m_subscriberId;  // the hub's id for us; used in its thread only
};

} // namespace ToolCapture
