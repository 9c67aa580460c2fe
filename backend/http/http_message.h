#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>
#include <vector>

namespace ToolCapture {

// One header field as received: the name keeps its case, comparisons ignore it.
struct HttpHeader {
    QByteArray name;
    QByteArray value;
};

using HttpHeaders = std::vector<HttpHeader>;

// ASCII case-insensitive comparison of header names and tokens.
bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b) noexcept;

// The first field named `name`, or nullptr.
const HttpHeader *findHeader(const HttpHeaders &headers, QByteArrayView name) noexcept;
// How many fields are named `name`.
int countHeaders(const HttpHeaders &headers, QByteArrayView name) noexcept;
// Whether a comma-separated header value list contains `token` (case-insensitive).
bool headerListContains(QByteArrayView value, QByteArrayView token) noexcept;

// How a message body is delimited on the wire (RFC 9112 section 6).
enum class BodyFraming {
    None,          // no body
    ContentLength, // exactly contentLength bytes
    Chunked,       // chunked transfer coding
    UntilClose,    // responses only: the body ends when the connection closes
};

// A parsed request head that passed every framing and strictness check.
struct RequestHead {
    QByteArray method;
    QByteArray target; // as sent: origin-form, absolute-form or asterisk-form
    int versionMinor = 1;
    HttpHeaders headers;
    BodyFraming framing = BodyFraming::None;
    qint64 contentLength = 0; // valid when framing == ContentLength
    bool keepAlive = true;    // after this exchange, from the version and Connection
    // A GET in HTTP/1.1 without a body asking for the WebSocket protocol (Connection: upgrade,
    // Upgrade: websocket): forwarded with those fields and, on a 101, tunnelled.
    bool upgradeWebSocket = false;

    // The path part of the target (no query), for routing.
    QByteArrayView path() const noexcept;
};

// A parsed response head.
struct ResponseHead {
    int status = 0;
    QByteArray reason;
    int versionMinor = 1;
    HttpHeaders headers;
    BodyFraming framing = BodyFraming::None;
    qint64 contentLength = 0;
    bool keepAlive = true;
};

} // namespace ToolCapture
