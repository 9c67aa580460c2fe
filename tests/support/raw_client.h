#pragma once

#include <backend/http/http_message.h>

#include <QByteArray>
#include <QTcpSocket>

namespace ToolCapture {

// A response as a test sees it.
struct RawResponse {
    bool complete = false; // a whole response was parsed
    int status = 0;
    HttpHeaders headers;
    QByteArray body;
    QByteArray header(QByteArrayView name) const;
};

// A blocking HTTP/1.1 client for tests: sends raw bytes, reads whole responses.
class RawClient {
public:
    explicit RawClient(quint16 port, int timeoutMs = 10000);
    bool isConnected() const;
    void send(QByteArrayView bytes);
    // Reads one response (to a request of `method`); complete is false on timeout or close.
    RawResponse read(QByteArrayView method = "GET");
    // Waits for the server to close the connection; true if it did within the timeout.
    bool waitForClose(int timeoutMs = 5000);
    // Sends `request` and reads its response.
    RawResponse roundTrip(QByteArrayView request, QByteArrayView method = "GET");
    QTcpSocket &socket() { return m_socket; }
    // Gives up with a reset (SO_LINGER 0), as a client that abandons its request does: unlike a
    // FIN, which may be a half-close after a complete request, it cancels the exchange.
    void reset();

private:
    QTcpSocket m_socket;
    QByteArray m_pending; // bytes read past the previous response
    int m_timeoutMs;
};

// What a plain socket saw of a server: every byte until the connection ended, and how it ended
// (QTcpSocket reports a FIN and a reset alike).
struct RawTranscript {
    QByteArray bytes;
    bool closed = false; // the server closed with a FIN
    bool reset = false;  // the server reset the connection
};

// A blocking socket connected to 127.0.0.1:`port` (close-on-exec), for tests that need what
// QTcpSocket hides (half-close, resets); -1 when the connection was refused.
int connectLoopback(quint16 port);

// Connects to 127.0.0.1:`port`, sends `request` (then shuts down the sending side if
// `halfClose`), reads until the server ends the connection.
RawTranscript sendAndReadToEnd(quint16 port, QByteArrayView request, int timeoutMs = 10000,
                               bool halfClose = false);

// "GET <target> HTTP/1.1\r\nHost: test\r\n<extra>\r\n"
QByteArray simpleGet(QByteArrayView target, QByteArrayView extraHeaders = {});

} // namespace ToolCapture
