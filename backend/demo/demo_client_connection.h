#pragma once

#include <backend/demo/demo_request_mix.h>
#include <backend/http/http_response_parser.h>

#include <QHostAddress>
#include <QObject>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QTcpSocket;
class QTimer;

namespace ToolCapture {

// One keep-alive HTTP/1.1 client connection of the traffic generator: one request in flight,
// responses parsed with HttpResponseParser, (re)connecting on demand after the server closed.
// Reports each outcome through a callback, not a signal.
// Lives in the thread that created it.
class DemoClientConnection
    : public QObject
    , private HttpResponseParser::Handler {
    Q_OBJECT
public:
    // The final response head, or nullopt for a transport failure (refused, reset, cut short,
    // unparsable, timed out).
    using Completion =
        std::function<void(const DemoRequest &request, const std::optional<ResponseHead> &head)>;

    DemoClientConnection(QHostAddress host, quint16 port, Completion completion,
                         QObject *parent = nullptr);
    ~DemoClientConnection() override;

    bool isBusy() const { return m_inFlight; }
    // Sends now (connecting first if needed). Only when !isBusy().
    void send(DemoRequest request);
    // Drops the connection and any request in flight without reporting it.
    void abort();
    // TCP connections opened so far.
    quint64 connectionsOpened() const { return m_connectionsOpened; }

    void setResponseTimeout(std::chrono::milliseconds timeout) { m_responseTimeout = timeout; }

private:
    // HttpResponseParser::Handler
    void onResponseHead(ResponseHead &&head) override;
    void onResponseBody(const char *data, qsizetype size) override;
    void onResponseComplete() override;

    void onConnected();
    void onReadyRead();
    void onDisconnected();
    void onError();
    void finish(std::optional<ResponseHead> head);
    QByteArray serialize(const DemoRequest &request) const;

    QHostAddress m_host;
    quint16 m_port = 0;
    Completion m_completion;
    QTcpSocket *m_socket = nullptr;
    QTimer *m_timeout = nullptr;
    std::unique_ptr<HttpResponseParser> m_parser;
    std::chrono::milliseconds m_responseTimeout{10000};

    bool m_inFlight = false;
    DemoRequest m_request;
    QByteArray m_pendingWrite; // written once connected
    QByteArray m_readBuffer;
    std::optional<ResponseHead> m_head; // the final (>= 200) head of the response in flight
    quint64 m_connectionsOpened = 0;
};

} // namespace ToolCapture
