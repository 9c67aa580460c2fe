#include <backend/proxy/header_rewriter.h>

namespace ToolCapture {

namespace {

constexpr QByteArrayView kVia = "1.1 toolcapture";

// Whether `name` is one of the comma-separated tokens of the Connection fields.
bool namedByConnection(const HttpHeaders &headers, QByteArrayView name, bool hasConnection) {
    if (!hasConnection)
        return false;
    for (const HttpHeader &h : headers) {
        if (equalsIgnoreCase(h.name, "connection") && headerListContains(h.value, name))
            return true;
    }
    return false;
}

void appendHeader(QByteArray &out, QByteArrayView name, QByteArrayView value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

} // namespace

bool isHopByHopHeader(QByteArrayView name) noexcept {
    switch (name.size()) {
    case 2:
        return equalsIgnoreCase(name, "te");
    case 7:
        return equalsIgnoreCase(name, "trailer") || equalsIgnoreCase(name, "upgrade");
    case 10:
        return equalsIgnoreCase(name, "connection") || equalsIgnoreCase(name, "keep-alive");
    case 14:
        if (equalsIgnoreCase(name, "content-length"))
            return true;
        break;
    case 17:
        if (equalsIgnoreCase(name, "transfer-encoding"))
            return true;
        break;
    default:
        break;
    }
    return name.size() > 6 && equalsIgnoreCase(name.first(6), "proxy-");
}

void writeUpstreamRequestHead(QByteArray &out, const RequestHead &request,
                              const ForwardedRequestInfo &info) {
    QByteArrayView target = request.target;
    QByteArrayView authority;
    if (target.size() > 7 && equalsIgnoreCase(target.first(7), "http://")) {
        const QByteArrayView rest = target.sliced(7);
        const qsizetype slash = rest.indexOf('/');
        authority = slash < 0 ? rest : rest.first(slash);
        target = slash < 0 ? QByteArrayView("/") : rest.sliced(slash);
    }
    out.append(request.method).append(' ');
    if (!info.stripPrefix.isEmpty() && target.startsWith(info.stripPrefix)) {
        target = target.sliced(info.stripPrefix.size());
        if (target.isEmpty() || target.front() != '/')
            out.append('/');
    }
    out.append(target).append(" HTTP/1.1\r\n");

    bool hasConnection = false;
    for (const HttpHeader &h : request.headers) {
        if (equalsIgnoreCase(h.name, "connection")) {
            hasConnection = true;
            break;
        }
    }
    QByteArray forwardedFor;
    QByteArray via;
    bool hasHost = false;
    for (const HttpHeader &h : request.headers) {
        if (isHopByHopHeader(h.name) || namedByConnection(request.headers, h.name, hasConnection))
            continue;
        if (equalsIgnoreCase(h.name, "x-forwarded-for")) {
            forwardedFor.append(forwardedFor.isEmpty() ? "" : ", ").append(h.value);
            continue;
        }
        if (equalsIgnoreCase(h.name, "via")) {
            via.append(via.isEmpty() ? "" : ", ").append(h.value);
            continue;
        }
        if (equalsIgnoreCase(h.name, "x-forwarded-proto") ||
            equalsIgnoreCase(h.name, "x-correlation-id"))
            continue;
        if (equalsIgnoreCase(h.name, "host")) {
            hasHost = true;
            appendHeader(out, h.name, authority.isEmpty() ? QByteArrayView(h.value) : authority);
            continue;
        }
        appendHeader(out, h.name, h.value);
    }
    if (!hasHost) {
        // We forward as HTTP/1.1, which requires Host; an HTTP/1.0 request may lack it.
        if (!authority.isEmpty())
            appendHeader(out, "Host", authority);
        else if (!info.defaultHost.isEmpty())
            appendHeader(out, "Host", info.defaultHost);
    }
    out.append("X-Forwarded-For: ");
    if (!forwardedFor.isEmpty())
        out.append(forwardedFor).append(", ");
    out.append(info.clientAddress).append("\r\nX-Forwarded-Proto: http\r\nVia: ");
    if (!via.isEmpty())
        out.append(via).append(", ");
    out.append(kVia).append("\r\n");
    appendHeader(out, "X-Correlation-ID", info.correlationId);
    switch (request.framing) {
    case BodyFraming::ContentLength:
        out.append("Content-Length: ")
            .append(QByteArray::number(request.contentLength))
            .append("\r\n");
        break;
    case BodyFraming::Chunked:
        out.append("Transfer-Encoding: chunked\r\n");
        break;
    case BodyFraming::None:
    case BodyFraming::UntilClose:
        break;
    }
    out.append("\r\n");
}

ClientFraming clientFramingFor(const ResponseHead &response, int clientVersionMinor) noexcept {
    switch (response.framing) {
    case BodyFraming::None:
        return ClientFraming::None;
    case BodyFraming::ContentLength:
        return ClientFraming::ContentLength;
    case BodyFraming::Chunked:
    case BodyFraming::UntilClose:
        return clientVersionMinor >= 1 ? ClientFraming::Chunked : ClientFraming::UntilClose;
    }
    return ClientFraming::UntilClose;
}

void writeClientResponseHead(QByteArray &out, const ResponseHead &response, ClientFraming framing,
                             bool keepAlive, int clientVersionMinor, QByteArrayView correlationId) {
    out.append("HTTP/1.1 ").append(QByteArray::number(response.status)).append(' ');
    out.append(response.reason).append("\r\n");
    bool hasConnection = false;
    for (const HttpHeader &h : response.headers) {
        if (equalsIgnoreCase(h.name, "connection")) {
            hasConnection = true;
            break;
        }
    }
    QByteArray via;
    for (const HttpHeader &h : response.headers) {
        // Without a body (HEAD, 304) a Content-Length describes the representation: keep it.
        if (framing == ClientFraming::None && equalsIgnoreCase(h.name, "content-length")) {
            appendHeader(out, h.name, h.value);
            continue;
        }
        if (isHopByHopHeader(h.name) || namedByConnection(response.headers, h.name, hasConnection))
            continue;
        if (equalsIgnoreCase(h.name, "via")) {
            via.append(via.isEmpty() ? "" : ", ").append(h.value);
            continue;
        }
        if (equalsIgnoreCase(h.name, "x-correlation-id"))
            continue;
        appendHeader(out, h.name, h.value);
    }
    out.append("Via: ");
    if (!via.isEmpty())
        out.append(via).append(", ");
    out.append(kVia).append("\r\n");
    appendHeader(out, "X-Correlation-ID", correlationId);
    switch (framing) {
    case ClientFraming::ContentLength:
        out.append("Content-Length: ")
            .append(QByteArray::number(response.contentLength))
            .append("\r\n");
        break;
    case ClientFraming::Chunked:
        out.append("Transfer-Encoding: chunked\r\n");
        break;
    case ClientFraming::None:
    case ClientFraming::UntilClose:
        break;
    }
    if (!keepAlive || framing == ClientFraming::UntilClose)
        out.append("Connection: close\r\n");
    else if (clientVersionMinor == 0)
        out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
}

bool isAcceptableCorrelationId(QByteArrayView id) noexcept {
    if (id.isEmpty() || id.size() > 128)
        return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace ToolCapture
