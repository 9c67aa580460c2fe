#pragma once

#include <backend/engine/engine_snapshot.h>
#include <backend/httpserver/http_server.h>

#include <QHostAddress>
#include <QObject>

#include <functional>

namespace ToolCapture {

// The admin HTTP API: health, Prometheus metrics, services and status, each rendered from an
// EngineSnapshot taken per request. Lives in the engine thread.
class AdminServer : public QObject {
    Q_OBJECT
public:
    explicit AdminServer(std::function<EngineSnapshot()> snapshot, QObject *parent = nullptr);
    ~AdminServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error = nullptr);
    quint16 port() const;
    void close();

    // The responses, rendered without a socket.
    static HttpResponse health(const EngineSnapshot &snapshot);
    static HttpResponse metrics(const EngineSnapshot &snapshot);
    static HttpResponse services(const EngineSnapshot &snapshot);
    static HttpResponse status(const EngineSnapshot &snapshot);
    // application/problem+json with RFC 9457 type, title, status, detail and instance.
    static HttpResponse problem(int status, QByteArrayView detail, QByteArrayView instance);

private:
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    std::function<EngineSnapshot()> m_snapshot;
    HttpServer *m_http = nullptr;
};

} // namespace ToolCapture
