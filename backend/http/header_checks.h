#pragma once

#include <backend/http/http_message.h>
#include <backend/http/http_parse_error.h>

#include <QByteArrayView>

namespace ToolCapture::HeaderChecks {

// Whether `c` may appear in a token (RFC 9110 section 5.6.2: field names, methods, codings).
bool isTokenChar(unsigned char c) noexcept;

// Optional whitespace (RFC 9110 section 5.6.3): a space or a horizontal tab.
constexpr bool isOws(char c) noexcept {
    return c == ' ' || c == '\t';
}

// Parses a Content-Length value: 1 to 18 ASCII digits, nothing else (no sign, no spaces, no
// list). Returns -1 when malformed.
qint64 parseContentLength(QByteArrayView value) noexcept;

// How a message body is framed according to its Content-Length and Transfer-Encoding fields.
struct Framing {
    BodyFraming framing = BodyFraming::None; // None: neither field present
    qint64 contentLength = 0;
    HttpParseError error;
};

// Checks Content-Length and Transfer-Encoding (request rules: RFC 9112 section 6.3 without the
// lenient choices): one well-formed Content-Length, or exactly one Transfer-Encoding that is
// "chunked", never both. Unknown codings before "chunked" give 501, anything else 400.
Framing messageFraming(const HttpHeaders &headers);

// Whether the Connection fields list `token` (e.g. "close", "keep-alive").
bool connectionHas(const HttpHeaders &headers, QByteArrayView token) noexcept;

// Whether the head asks to switch to (a request) or switches to (a 101) the WebSocket protocol
// (RFC 6455 section 4): the Connection fields list "upgrade" and there is exactly one Upgrade
// field, whose value is the one token "websocket" (case-insensitive). Any other protocol
// (h2c, ...) is not.
bool isWebSocketUpgrade(const HttpHeaders &headers) noexcept;

// The error value for `status` with its reason phrase as title.
HttpParseError makeError(int status, QByteArray detail);

} // namespace ToolCapture::HeaderChecks
