#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <chrono>
#include <optional>

namespace ToolCapture {

// Why a request went forward to the origin (RFC 9211 section 2.2).
enum class CacheForward {
    None,     // not forwarded: a hit
    Bypass,   // the cache was configured not to handle this request
    Method,   // the request method's semantics require forwarding
    UriMiss,  // nothing stored under the URI
    VaryMiss, // stored responses under the URI, none matching the request's Vary fields
    Miss,     // the cache did not look (or cannot say which kind of miss)
    Request,  // the request's semantics required it (no-cache, max-age, ...)
    Stale,    // a stored response was stale and was validated
    Partial,  // only part of the response was stored
};

// One member of the Cache-Status field (RFC 9211): how this cache handled the request.
struct CacheStatus {
    QByteArray cacheName = "ToolCapture";
    bool hit = false;                          // section 2.1
    CacheForward forward = CacheForward::None; // section 2.2
    std::optional<int> forwardStatus;          // section 2.3 (fwd-status)
    std::optional<std::chrono::seconds> ttl;   // section 2.4, negative when stale
    bool stored = false;                       // section 2.5
    bool collapsed = false;                    // section 2.6
    QByteArray key;                            // section 2.7, empty: omitted
    QByteArray detail;                         // section 2.8, empty: omitted

    // This member as a Structured Field list member (RFC 8941 section 3.1): the cache name as a
    // token (or a string if it is not one) followed by its parameters, e.g.
    // `ToolCapture; hit; ttl=12; key="http://a/x"`.
    QByteArray render() const;

    // RFC 9211 section 2: a cache appends its member to the field it received from upstream,
    // so that the list reads from the origin towards the client.
    static QByteArray append(QByteArrayView upstreamValue, const CacheStatus &status);

    static QByteArrayView forwardName(CacheForward forward);
    // RFC 8941 section 3.3.3: an sf-string with `"` and `\` escaped. Bytes outside the
    // printable ASCII range are not allowed in an sf-string: they are percent-encoded.
    static QByteArray structuredString(QByteArrayView text);
    static void appendStructuredString(QByteArray &out, QByteArrayView text);
    // RFC 8941 section 3.3.4: sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" ).
    static bool isStructuredToken(QByteArrayView text);
};

} // namespace ToolCapture
