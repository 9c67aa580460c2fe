#pragma once

#include <backend/http/http_message.h>

#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace ToolCapture {

// A request with its whole body, as an HttpServer handler sees it.
struct HttpRequest {
    RequestHead head;
    QByteArray body;
    QHostAddress peer;
};

// A response to give back. Headers are added as given; Content-Length, Connection, Date, Server
// and Transfer-Encoding are set by the server (the handler's own values for them are dropped).
struct HttpResponse {
    int status = 200;
    HttpHeaders headers;
    QByteArray body;

    static HttpResponse json(int status, QByteArray body);
    static HttpResponse text(int status, QByteArray body,
                             QByteArray contentType = "text/plain; charset=utf-8");
    // application/problem+json (RFC 9457).
    static HttpResponse problem(int status, QByteArray detail, QByteArrayView correlationId = {});
};

// Answers one request, now or later (from any later event-loop turn of the server's thread).
// Only the first respond() counts. Dropping it unanswered closes the connection once the
// responses to earlier requests are written. Harmless after the connection is gone.
class HttpResponder {
public:
    virtual ~HttpResponder() = default;
    virtual void respond(HttpResponse response) = 0;
};

// A small HTTP/1.1 server for control-plane traffic (admin API, hook receiver, demo upstreams):
// whole bodies buffered up to a limit, keep-alive, pipelined requests answered in order, the
// same strict parser as the data path. Not the data path: that is ProxyServer.
// Lives in the thread that created it.
class HttpServer : public QObject {
    Q_OBJECT
public:
    using Handler = std::function<void(const HttpRequest &, std::shared_ptr<HttpResponder>)>;

    struct Options {
        qint64 maxBodyBytes = 1 << 20;
        int idleTimeoutMs = 60000;
        QByteArray serverHeader = "ToolCapture";
    };

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    HttpServer(Handler handler, Options options, QObject *parent = nullptr);
    ~HttpServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error = nullptr);
    // Stops listening; open connections close once their pending responses are written.
    void close();
    quint16 port() const;
    QHostAddress address() const;
    // Connections accepted since listen().
    quint64 connectionsAccepted() const;
    // Connections currently open.
    int openConnections() const;

private:
    class Connection;
    void onNewConnection();
    void removeConnection(Connection *connection);

    Handler m_handler;
    Options m_options;
    QTcpServer *m_server = nullptr;
    quint64 m_accepted = 0;
    std::vector<Connection *> m_connections; // owned (QObject children)
};

} // namespace ToolCapture
