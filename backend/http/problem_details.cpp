#include <backend/http/problem_details.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ToolCapture {

namespace {

std::string toStdString(QByteArrayView bytes) {
    return std::string(bytes.data(), size_t(bytes.size()));
}

} // namespace

QByteArray ProblemDetails::toJson(QByteArrayView correlationId) const {
    nlohmann::ordered_json json;
    json["type"] = type.isEmpty() ? std::string("about:blank") : toStdString(type);
    json["title"] = title.isEmpty() ? toStdString(reasonPhrase(status)) : toStdString(title);
    json["status"] = status;
    json["detail"] = toStdString(detail);
    // An extension member (RFC 9457 section 3.2), present when there is an exchange to name.
    if (!correlationId.isEmpty())
        json["correlation_id"] = toStdString(correlationId);
    // Invalid UTF-8 (raw bytes quoted from a malformed request) becomes U+FFFD, never a throw.
    const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(text.data(), qsizetype(text.size()));
}

QByteArray ProblemDetails::toHttpResponse(QByteArrayView correlationId,
                                          const Framing &framing) const {
    const QByteArray body = toJson(correlationId);
    QByteArray response;
    response.reserve(256 + body.size() + framing.extraHeaderLines.size());
    response.append("HTTP/1.1 ").append(QByteArray::number(status)).append(' ');
    response.append(reasonPhrase(status)).append("\r\n");
    response.append("Content-Type: application/problem+json\r\n");
    // For a HEAD too: the length the body would have had (RFC 9110 section 8.6).
    response.append("Content-Length: ").append(QByteArray::number(body.size())).append("\r\n");
    if (!framing.date.isEmpty())
        response.append("Date: ").append(framing.date).append("\r\n");
    // A correlation id is echoed only if it cannot break the header line.
    bool safeId = !correlationId.isEmpty();
    for (char c : correlationId) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e)
            safeId = false;
    }
    if (safeId)
        response.append("X-Correlation-ID: ").append(correlationId).append("\r\n");
    if (framing.close)
        response.append("Connection: close\r\n");
    else if (framing.keepAliveHttp10)
        response.append("Connection: keep-alive\r\n");
    response.append(framing.extraHeaderLines);
    response.append("\r\n");
    if (!framing.headOnly)
        response.append(body);
    return response;
}

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

} // namespace ToolCapture
