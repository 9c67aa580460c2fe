#pragma once

#include <QByteArray>

namespace ToolCapture {

// An error the proxy itself produces, rendered as application/problem+json (RFC 9457).
struct ProblemDetails {
    int status = 500;
    QByteArray title;  // the reason phrase of the status unless more specific
    QByteArray detail; // what happened to this request
    QByteArray type;   // URI naming the problem kind; "about:blank" when empty

    // The JSON body: type, title, status, detail, and correlation_id unless it is empty.
    QByteArray toJson(QByteArrayView correlationId) const;
    // A whole HTTP/1.1 response: status line, Content-Type, Content-Length, X-Correlation-ID,
    // Connection: close when `close`, extra header lines (each "Name: value\r\n"), then the body.
    QByteArray toHttpResponse(QByteArrayView correlationId, bool close,
                              QByteArrayView extraHeaderLines = {}) const;
};

// The standard reason phrase for a status code ("Bad Gateway"), "Unknown" otherwise.
QByteArray reasonPhrase(int status);

} // namespace ToolCapture
