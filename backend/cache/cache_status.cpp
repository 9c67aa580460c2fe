#include <backend/cache/cache_status.h>
#include <backend/http/header_checks.h>

#include <algorithm>
#include <charconv>

namespace ToolCapture {

QByteArrayView CacheStatus::forwardName(CacheForward forward) {
    switch (forward) {
    case CacheForward::Bypass:
        return "bypass";
    case CacheForward::Method:
        return "method";
    case CacheForward::UriMiss:
        return "uri-miss";
    case CacheForward::VaryMiss:
        return "vary-miss";
    case CacheForward::Miss:
        return "miss";
    case CacheForward::Request:
        return "request";
    case CacheForward::Stale:
        return "stale";
    case CacheForward::Partial:
        return "partial";
    case CacheForward::None:
        break;
    }
    return "";
}

bool CacheStatus::isStructuredToken(QByteArrayView text) {
    if (text.isEmpty())
        return false;
    const char first = text[0];
    if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '*'))
        return false;
    for (const char c : text.sliced(1)) {
        if (!(HeaderChecks::isTokenChar(uchar(c)) || c == ':' || c == '/'))
            return false;
    }
    return true;
}

QByteArray CacheStatus::structuredString(QByteArrayView text) {
    QByteArray out;
    out.reserve(text.size() + 2);
    appendStructuredString(out, text);
    return out;
}

void CacheStatus::appendStructuredString(QByteArray &out, QByteArrayView text) {
    out += '"';
    // The usual case, a key of printable ASCII without quotes or backslashes: copied whole
    // (one character at a time costs a call each in Qt 6).
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = uchar(c);
        return u >= 0x20 && u <= 0x7E && c != '"' && c != '\\';
    });
    if (plain) {
        out.append(text);
        out += '"';
        return;
    }
    for (const char c : text) {
        const auto u = uchar(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u > 0x7E) {
            out += '%';
            out += "0123456789ABCDEF"[u >> 4];
            out += "0123456789ABCDEF"[u & 0xF];
        } else {
            out += c;
        }
    }
    out += '"';
}

namespace {

void appendNumber(QByteArray &out, qint64 value) {
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    out.append(text, end - text);
}

} // namespace

QByteArray CacheStatus::render() const {
    // Appended in place (this runs on every response the cache touches): no temporaries.
    QByteArray out;
    out.reserve(96 + key.size() + detail.size());
    if (isStructuredToken(cacheName))
        out.append(cacheName);
    else
        appendStructuredString(out, cacheName);
    // RFC 9211 section 2.1: hit, and section 2.2: fwd, are mutually exclusive by meaning; a
    // forwarded request reports fwd (and fwd-status, stored, collapsed), a hit reports hit.
    if (hit)
        out.append("; hit");
    if (!hit && forward != CacheForward::None) {
        out.append("; fwd=").append(forwardName(forward));
        if (forwardStatus) {
            out.append("; fwd-status=");
            appendNumber(out, *forwardStatus);
        }
    }
    // Section 2.4: ttl is an sf-integer in seconds, negative when stale.
    if (ttl) {
        out.append("; ttl=");
        appendNumber(out, qint64(ttl->count()));
    }
    if (!hit && forward != CacheForward::None) {
        if (stored)
            out.append("; stored");
        if (collapsed)
            out.append("; collapsed");
    }
    if (!key.isEmpty()) {
        out.append("; key=");
        appendStructuredString(out, key);
    }
    // Section 2.8: detail is an sf-token or an sf-string.
    if (!detail.isEmpty()) {
        out.append("; detail=");
        if (isStructuredToken(detail))
            out.append(detail);
        else
            appendStructuredString(out, detail);
    }
    return out;
}

QByteArray CacheStatus::append(QByteArrayView upstreamValue, const CacheStatus &status) {
    const QByteArray upstream = upstreamValue.trimmed().toByteArray();
    if (upstream.isEmpty())
        return status.render();
    return upstream + ", " + status.render();
}

} // namespace ToolCapture
