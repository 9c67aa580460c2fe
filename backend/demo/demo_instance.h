#pragma once

#include <backend/httpserver/http_server.h>

#include <QHostAddress>
#include <QObject>
#include <QStringList>

#include <chrono>
#include <memory>

namespace ToolCapture {

// One demo upstream instance: a real HTTP server on its own port that answers GET /health,
// hands every other request to its service (a subclass), stamps X-Served-By on every response
// and can answer late (a timer, never a sleep) to play a slow instance.
// Lives in the thread that created it.
class DemoInstance : public QObject {
    Q_OBJECT
public:
    DemoInstance(QString id, QStringList capabilities, QObject *parent = nullptr);
    ~DemoInstance() override;

    bool listen(const QHostAddress &address, QString *error = nullptr);
    void close();

    QString id() const { return m_id; }
    QStringList capabilities() const { return m_capabilities; }
    QHostAddress address() const;
    quint16 port() const;
    // "http://127.0.0.1:PORT"; empty while not listening.
    QString url() const;
    // Responses given since construction, /health included.
    quint64 requestsServed() const { return m_served; }

    // Every response waits this long; zero answers at once.
    void setResponseDelay(std::chrono::milliseconds delay) { m_delay = delay; }
    std::chrono::milliseconds responseDelay() const { return m_delay; }

protected:
    // The service's answer to a request other than GET /health. X-Served-By is added after.
    virtual HttpResponse handle(const HttpRequest &request) = 0;

    // Helpers for subclasses.
    static QByteArray correlationId(const HttpRequest &request);
    static HttpResponse notFound(const HttpRequest &request);
    static HttpResponse methodNotAllowed(const HttpRequest &request, QByteArray allow);

private:
    void onRequest(const HttpRequest &request, std::shared_ptr<HttpResponder> responder);
    void respond(const std::shared_ptr<HttpResponder> &responder, HttpResponse response);

    QString m_id;
    QStringList m_capabilities;
    std::unique_ptr<HttpServer> m_server;
    std::chrono::milliseconds m_delay{0};
    quint64 m_served = 0;
};

} // namespace ToolCapture
