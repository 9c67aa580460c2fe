#pragma once

#include <backend/admin/admin_commands.h>
#include <backend/admin/admin_token.h>
#include <backend/httpserver/http_server.h>
#include <backend/snapshot/engine_snapshot.h>

#include <QHostAddress>
#include <QObject>

#include <functional>
#include <optional>
#include <vector>

namespace ToolCapture {

// The admin HTTP API: health, Prometheus metrics, services, status and circuit breakers, each
// rendered from an EngineSnapshot taken per request, and the operator's breaker commands, which
// require the bearer token. Lives in the engine thread.
class AdminServer : public QObject {
    Q_OBJECT
public:
    explicit AdminServer(std::function<EngineSnapshot()> snapshot, QObject *parent = nullptr);
    ~AdminServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error = nullptr);
    quint16 port() const;
    void close();

    // Another component's resources on this server (hook receiver, captures): a request whose
    // path `matches` goes to `handler`. With `writesNeedToken`, any method but GET and HEAD
    // must present the admin bearer token first (401 otherwise); without it the handler
    // authenticates (hooks have API keys of their own).
    struct Mount {
        std::function<bool(QByteArrayView path)> matches;
        HttpServer::Handler handler;
        bool writesNeedToken = true;
        bool readsNeedToken = false; // e.g. captures, whose bodies may hold personal data
    };
    void mount(Mount mount);

    // The engine's commands; without them POST /api/v1/breakers/{instance} answers 503.
    void setCommands(AdminCommands commands);
    // The bearer token mutating requests must present; without one every one is refused (401).
    void setToken(std::optional<AdminToken> token);

    // The responses, rendered without a socket.
    static HttpResponse health(const EngineSnapshot &snapshot);
    static HttpResponse metrics(const EngineSnapshot &snapshot);
    static HttpResponse services(const EngineSnapshot &snapshot);
    static HttpResponse status(const EngineSnapshot &snapshot);
    static HttpResponse breakers(const EngineSnapshot &snapshot);
    // One instance's breaker; 404 problem when no instance has that id.
    static HttpResponse breaker(const EngineSnapshot &snapshot, const QString &instanceId);
    // application/problem+json with RFC 9457 type, title, status, detail and instance.
    static HttpResponse problem(int status, QByteArrayView detail, QByteArrayView instance);
    // The same with an RFC 9457 "errors" member: [{"detail", "pointer"}], the pointer (RFC 6901)
    // naming the offending part of the request body ("" for the whole body).
    static HttpResponse problem(int status, QByteArrayView detail, QByteArrayView instance,
                                QByteArrayView pointer);

    // Whether the request presents the admin bearer token.
    bool isAuthorized(const HttpRequest &request) const;

    // Answers a request from this process (the console's embedded feed) as if it had come
    // over the listener with the admin token: the caller is the operator at this engine's
    // console. Without a token it is refused like any other.
    void dispatchInProcess(HttpRequest request, const std::shared_ptr<HttpResponder> &responder);
    // Whether a request came through dispatchInProcess() (the console of this process) rather
    // than over the listener, which drops the mark from what it receives.
    static bool isInProcess(const HttpRequest &request);

    // One breaker transition as an item of "recent_transitions" (the feed's "transitions").
    static QByteArray transition(const BreakerTransition &transition);
    // One health event (the feed's "health_events"): instance, kind, healthy, reason, at.
    static QByteArray healthEvent(const HealthEvent &event);

private:
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);
    HttpResponse handleCapture(const HttpRequest &request, QByteArrayView path);
    HttpResponse handleBreaker(const HttpRequest &request, QByteArrayView path,
                               const QString &instanceId);

    std::function<EngineSnapshot()> m_snapshot;
    AdminCommands m_commands;
    std::optional<AdminToken> m_token;
    std::vector<Mount> m_mounts;
    HttpServer *m_http = nullptr;
};

} // namespace ToolCapture
