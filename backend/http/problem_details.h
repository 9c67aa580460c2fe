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
    // How the response is written for the request it answers.
    struct Framing {
        bool close = false;              // Connection: close
        bool keepAliveHttp10 = false;    // Connection: keep-alive (an HTTP/1.0 client kept open)
        bool headOnly = false;           // a HEAD request: the head alone (RFC 9110 section 9.3.2)
        QByteArrayView date;             // the Date field's value, when not empty
        QByteArrayView extraHeaderLines; // each "Name: value\r\n"
    };
    // A whole HTTP/1.1 response: status line, Content-Type, Content-Length, Date,
    // X-Correlation-ID, Connection as `framing` says, the extra header lines, then the body
    // unless the request was a HEAD.
    QByteArray toHttpResponse(QByteArrayView correlationId, const Framing &framing) const;
};

// The standard reason phrase for a status code ("Bad Gateway"), "Unknown" otherwise.
QByteArray reasonPhrase(int status);

} // namespace ToolCapture
