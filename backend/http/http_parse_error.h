#pragma once

#include <QByteArray>

namespace ToolCapture {

// Why a message was refused by a parser, with the status a server answers it with:
// 400 malformed or ambiguous, 414 request line too long, 431 header section too large or with
// too many fields, 501 a transfer coding we do not implement, 505 not HTTP/1.x.
struct HttpParseError {
    int status = 0;    // 0 while there is no error
    QByteArray title;  // short, stable: "Bad Request", "Request Header Fields Too Large", ...
    QByteArray detail; // what exactly was wrong, for the problem+json detail and the log

    bool isError() const noexcept { return status != 0; }
};

} // namespace ToolCapture
