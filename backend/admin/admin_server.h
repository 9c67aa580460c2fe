#pragma once

#include <backend/admin/admin_commands.h>
#include <backend/admin/admin_token.h>
#include <backend/engine/engine_snapshot.h>
#include <backend/httpserver/http_server.h>

#include <QHostAddress>
#include <QObject>

#include <functional>
#include <optional>

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

private:
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);
    HttpResponse handleBreaker(const HttpRequest &request, QByteArrayView path,
                               const QString &instanceId);
    bool isAuthorized(const HttpRequest &request) const;

    std::function<EngineSnapshot()> m_snapshot;
    AdminCommands m_commands;
    std::optional<AdminToken> m_token;
    HttpServer *m_http = nullptr;
};

} // namespace ToolCapture
