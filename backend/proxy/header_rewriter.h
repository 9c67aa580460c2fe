#pragma once

#include <backend/http/http_message.h>

#include <QByteArray>

namespace ToolCapture {

// Hop-by-hop fields (RFC 9110 section 7.6.1) a proxy must not forward: Connection, Keep-Alive,
// TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*. Content-Length is re-emitted by the
// writer for the framing it chooses, so it is also dropped here.
bool isHopByHopHeader(QByteArrayView name) noexcept;

// What the proxy adds to a request it forwards.
struct ForwardedRequestInfo {
    QByteArrayView clientAddress; // for X-Forwarded-For
    QByteArrayView correlationId; // X-Correlation-ID, replacing any the client sent
    QByteArrayView stripPrefix;   // removed from the start of the path when non-empty
    QByteArrayView defaultHost;   // Host for a request without one (HTTP/1.0): the upstream's
    // RequestHead::upgradeWebSocket: "Connection: upgrade" and "Upgrade: websocket" are sent
    // (the client's own Connection and Upgrade fields are dropped as always).
    bool webSocketUpgrade = false;
};

// Serializes the head of `request` as the proxy forwards it: origin-form target (absolute-form
// becomes origin-form and its authority the Host), hop-by-hop fields and the fields Connection
// names dropped, Host added when missing (an HTTP/1.1 message must have one), X-Forwarded-For
// appended to, X-Forwarded-Proto and X-Correlation-ID set, Via
// appended to, and framing re-emitted (Content-Length or chunked). Appends to `out`.
void writeUpstreamRequestHead(QByteArray &out, const RequestHead &request,
                              const ForwardedRequestInfo &info);

// How the proxy frames a response body towards the client.
enum class ClientFraming { None, ContentLength, Chunked, UntilClose };

// Chooses the framing towards the client for a response: a length is kept, chunked stays
// chunked for HTTP/1.1 clients, a close-delimited body is chunked for HTTP/1.1 clients; an
// HTTP/1.0 client gets close-delimited bodies.
ClientFraming clientFramingFor(const ResponseHead &response, int clientVersionMinor) noexcept;

// Serializes the head of a response as the proxy returns it: hop-by-hop fields dropped, Via
// appended to, X-Correlation-ID set, `date` as the Date field when the response has none,
// framing per `framing` (no Content-Length on a 1xx or 204), Connection per `keepAlive`, or
// "Connection: upgrade" and "Upgrade: websocket" for a 101 switching to WebSocket
// (`webSocketUpgrade`).
void writeClientResponseHead(QByteArray &out, const ResponseHead &response, ClientFraming framing,
                             bool keepAlive, int clientVersionMinor, QByteArrayView correlationId,
                             QByteArrayView date = {}, bool webSocketUpgrade = false);

// A correlation id from a client is used only if it is 1..128 characters of [A-Za-z0-9._:-].
bool isAcceptableCorrelationId(QByteArrayView id) noexcept;

} // namespace ToolCapture
