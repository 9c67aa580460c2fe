#include <backend/http/request_target.h>
#include <backend/proxy/header_rewriter.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ToolCapture {

namespace {

// Via names the protocol of the message as it was received (RFC 9110 section 7.6.3).
QByteArrayView viaEntry(int versionMinor) noexcept {
    return versionMinor == 0 ? QByteArrayView("1.0 toolcapture")
                             : QByteArrayView("1.1 toolcapture");
}

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

// Writes a head into `out` after what it holds: the caller bounds the size first, the writer
// grows `out` once to that bound, copies each piece straight into place and trims the rest, so
// a head costs one reservation (none on a buffer reused from the previous exchange) and no
// temporary.
class HeadWriter {
public:
    HeadWriter(QByteArray &out, qsizetype bound)
        : m_out(out) {
        const qsizetype start = out.size();
        out.resize(start + bound);
        m_begin = out.data();
        m_at = m_begin + start;
        m_end = m_begin + out.size();
    }
    HeadWriter(const HeadWriter &) = delete;
    HeadWriter &operator=(const HeadWriter &) = delete;
    ~HeadWriter() { m_out.resize(m_at - m_begin); }

    void add(QByteArrayView text) {
        room(text.size());
        if (!text.isEmpty())
            std::memcpy(m_at, text.data(), size_t(text.size()));
        m_at += text.size();
    }
    void add(char c) {
        room(1);
        *m_at++ = c;
    }
    void addNumber(qint64 value) {
        room(kMaxNumber);
        m_at = std::to_chars(m_at, m_end, value).ptr;
    }
    void addHeader(QByteArrayView name, QByteArrayView value) {
        room(name.size() + value.size() + 4);
        add(name);
        add(": ");
        add(value);
        add("\r\n");
    }

    static constexpr qsizetype kMaxNumber = 20; // digits of a qint64, with its sign
    // What the fields cost copied as they are (this also bounds a value with ", " after it).
    static qsizetype fieldsBound(const HttpHeaders &headers) noexcept {
        qsizetype size = 0;
        for (const HttpHeader &h : headers)
            size += h.name.size() + h.value.size() + 4;
        return size;
    }

private:
    // The bound is computed by the callers; should it ever be short, grow rather than overrun.
    void room(qsizetype size) {
        if (m_end - m_at >= size) [[likely]]
            return;
        const qsizetype used = m_at - m_begin;
        m_out.resize(used + std::max(size, used));
        m_begin = m_out.data();
        m_at = m_begin + used;
        m_end = m_begin + m_out.size();
    }

    QByteArray &m_out;
    char *m_begin;
    char *m_at;
    char *m_end;
};

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
    // The parser makes every target origin-form; a head built elsewhere (a background
    // revalidation, a test) may still be absolute-form.
    QByteArrayView target = request.target;
    QByteArrayView authority;
    if (const auto absolute = splitAbsoluteForm(target); absolute && !target.startsWith('/')) {
        authority = absolute->authority;
        target = absolute->rest;
        if (const qsizetype hash = target.indexOf('#'); hash >= 0)
            target = target.first(hash);
    }
    bool hasConnection = false;
    for (const HttpHeader &h : request.headers) {
        if (equalsIgnoreCase(h.name, "connection")) {
            hasConnection = true;
            break;
        }
    }
    // Connection may name any field, but not Host: an HTTP/1.1 request without one is invalid
    // and the upstream would answer 400 (or guess).
    const auto dropped = [&](const HttpHeader &h) {
        return isHopByHopHeader(h.name) ||
               (namedByConnection(request.headers, h.name, hasConnection) &&
                !equalsIgnoreCase(h.name, "host"));
    };
    // Request line, a Host made from the authority, the added fields and the framing:
    // 160 bytes and the pieces of variable size; every field copied at most once more
    // (X-Forwarded-For and Via values, with their ", ").
    HeadWriter w(out, 160 + (info.webSocketUpgrade ? 48 : 0) + request.method.size() + 1 +
                          request.target.size() + authority.size() + info.defaultHost.size() +
                          info.clientAddress.size() + info.correlationId.size() +
                          HeadWriter::kMaxNumber + HeadWriter::fieldsBound(request.headers));
    w.add(request.method);
    w.add(' ');
    if (!info.stripPrefix.isEmpty() && target.startsWith(info.stripPrefix))
        target = target.sliced(info.stripPrefix.size());
    if (target.isEmpty() || target.front() != '/')
        w.add('/'); // what a prefix leaves ("a?q", "?q") and "http://h?q" are origin-form
    w.add(target);
    w.add(" HTTP/1.1\r\n");

    bool hasForwardedFor = false;
    bool hasVia = false;
    bool hasHost = false;
    for (const HttpHeader &h : request.headers) {
        if (dropped(h))
            continue;
        if (equalsIgnoreCase(h.name, "x-forwarded-for")) {
            hasForwardedFor = true; // joined below
            continue;
        }
        if (equalsIgnoreCase(h.name, "via")) {
            hasVia = true; // joined below
            continue;
        }
        if (equalsIgnoreCase(h.name, "x-forwarded-proto") ||
            equalsIgnoreCase(h.name, "x-correlation-id"))
            continue;
        if (equalsIgnoreCase(h.name, "host")) {
            hasHost = true;
            w.addHeader(h.name, authority.isEmpty() ? QByteArrayView(h.value) : authority);
            continue;
        }
        w.addHeader(h.name, h.value);
    }
    if (!hasHost) {
        // We forward as HTTP/1.1, which requires Host; an HTTP/1.0 request may lack it.
        if (!authority.isEmpty())
            w.addHeader("Host", authority);
        else if (!info.defaultHost.isEmpty())
            w.addHeader("Host", info.defaultHost);
    }
    w.add("X-Forwarded-For: ");
    if (hasForwardedFor) {
        for (const HttpHeader &h : request.headers) {
            if (equalsIgnoreCase(h.name, "x-forwarded-for") && !dropped(h)) {
                w.add(h.value);
                w.add(", ");
            }
        }
    }
    w.add(info.clientAddress);
    w.add("\r\nX-Forwarded-Proto: http\r\nVia: ");
    if (hasVia) {
        for (const HttpHeader &h : request.headers) {
            if (equalsIgnoreCase(h.name, "via") && !dropped(h)) {
                w.add(h.value);
                w.add(", ");
            }
        }
    }
    w.add(viaEntry(request.versionMinor));
    w.add("\r\n");
    w.addHeader("X-Correlation-ID", info.correlationId);
    if (info.webSocketUpgrade)
        w.add("Connection: upgrade\r\nUpgrade: websocket\r\n");
    switch (request.framing) {
    case BodyFraming::ContentLength:
        w.add("Content-Length: ");
        w.addNumber(request.contentLength);
        w.add("\r\n");
        break;
    case BodyFraming::Chunked:
        w.add("Transfer-Encoding: chunked\r\n");
        break;
    case BodyFraming::None:
    case BodyFraming::UntilClose:
        break;
    }
    w.add("\r\n");
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
                             bool keepAlive, int clientVersionMinor, QByteArrayView correlationId,
                             QByteArrayView date, bool webSocketUpgrade) {
    bool hasConnection = false;
    for (const HttpHeader &h : response.headers) {
        if (equalsIgnoreCase(h.name, "connection")) {
            hasConnection = true;
            break;
        }
    }
    // Status line, the added fields and the framing: 160 bytes and the pieces of variable
    // size; every field copied at most once more (Via values, with their ", ").
    HeadWriter w(out, 160 + (webSocketUpgrade ? 48 : 0) + response.reason.size() +
                          correlationId.size() + date.size() + HeadWriter::kMaxNumber +
                          HeadWriter::fieldsBound(response.headers));
    w.add("HTTP/1.1 ");
    w.addNumber(response.status);
    w.add(' ');
    w.add(response.reason);
    w.add("\r\n");
    bool hasVia = false;
    bool hasDate = false;
    // 1xx and 204 never have a Content-Length (RFC 9110 section 8.6).
    const bool lengthAllowed = response.status >= 200 && response.status != 204;
    for (const HttpHeader &h : response.headers) {
        // Without a body (HEAD, 304) a Content-Length describes the representation: keep it.
        if (framing == ClientFraming::None && equalsIgnoreCase(h.name, "content-length")) {
            if (lengthAllowed)
                w.addHeader(h.name, h.value);
            continue;
        }
        if (h.name.size() == 4 && equalsIgnoreCase(h.name, "date"))
            hasDate = true;
        if (isHopByHopHeader(h.name) || namedByConnection(response.headers, h.name, hasConnection))
            continue;
        if (equalsIgnoreCase(h.name, "via")) {
            hasVia = true; // joined below
            continue;
        }
        if (equalsIgnoreCase(h.name, "x-correlation-id"))
            continue;
        w.addHeader(h.name, h.value);
    }
    w.add("Via: ");
    if (hasVia) {
        // A Via field is never hop-by-hop, but Connection may name it.
        for (const HttpHeader &h : response.headers) {
            if (equalsIgnoreCase(h.name, "via") &&
                !namedByConnection(response.headers, h.name, hasConnection)) {
                w.add(h.value);
                w.add(", ");
            }
        }
    }
    w.add(viaEntry(response.versionMinor));
    w.add("\r\n");
    w.addHeader("X-Correlation-ID", correlationId);
    // A recipient with a clock adds the Date an origin left out (RFC 9110 section 6.6.1).
    if (!hasDate && !date.isEmpty())
        w.addHeader("Date", date);
    switch (framing) {
    case ClientFraming::ContentLength:
        w.add("Content-Length: ");
        w.addNumber(response.contentLength);
        w.add("\r\n");
        break;
    case ClientFraming::Chunked:
        w.add("Transfer-Encoding: chunked\r\n");
        break;
    case ClientFraming::None:
    case ClientFraming::UntilClose:
        break;
    }
    if (webSocketUpgrade)
        w.add("Connection: upgrade\r\nUpgrade: websocket\r\n");
    else if (!keepAlive || framing == ClientFraming::UntilClose)
        w.add("Connection: close\r\n");
    else if (clientVersionMinor == 0)
        w.add("Connection: keep-alive\r\n");
    w.add("\r\n");
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
