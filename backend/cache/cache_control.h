#pragma once

#include <backend/http/http_message.h>

#include <QByteArray>
#include <QList>

#include <chrono>
#include <optional>

namespace ToolCapture {

// The Cache-Control directives of one request or one response (RFC 9111 section 5.2), parsed
// once so that storability, freshness and the serving decision read fields, not text.
struct CacheControl {
    // RFC 9111 section 1.2.2: delta-seconds beyond what we represent are taken as 2^31.
    static constexpr std::chrono::seconds kMaxDelta{2147483648LL};

    // Both directions.
    std::optional<std::chrono::seconds> maxAge; // 5.2.1.1 / 5.2.2.1
    bool noCache = false;                       // 5.2.1.4 / 5.2.2.4 (unqualified or qualified)
    QList<QByteArray> noCacheFields;            // response: the qualified form's field names
    bool noStore = false;                       // 5.2.1.5 / 5.2.2.5
    bool noTransform = false;                   // 5.2.1.6 / 5.2.2.6
    std::optional<std::chrono::seconds> staleIfError; // RFC 5861 section 4 (both directions)

    // Request only.
    bool maxStaleAny = false;                     // 5.2.1.2 without an argument
    std::optional<std::chrono::seconds> maxStale; // 5.2.1.2 with an argument
    std::optional<std::chrono::seconds> minFresh; // 5.2.1.3
    bool onlyIfCached = false;                    // 5.2.1.7
    bool fromPragma = false;                      // no Cache-Control, Pragma: no-cache (5.4)

    // Response only.
    bool mustRevalidate = false;                              // 5.2.2.2
    bool mustUnderstand = false;                              // 5.2.2.3
    bool isPublic = false;                                    // 5.2.2.9
    bool isPrivate = false;                                   // 5.2.2.7 (unqualified or qualified)
    QList<QByteArray> privateFields;                          // the qualified form's field names
    bool proxyRevalidate = false;                             // 5.2.2.8
    std::optional<std::chrono::seconds> sMaxAge;              // 5.2.2.10
    std::optional<std::chrono::seconds> staleWhileRevalidate; // RFC 5861 section 3
    bool immutable = false;                                   // RFC 8246

    // RFC 9111 section 4.2.1: a freshness directive that was invalid (not delta-seconds) or
    // present more than once with different values; the response is then treated as stale.
    bool invalidFreshness = false;
    // Directive names that were malformed or repeated and therefore ignored or made stale,
    // lower-cased, for the capture's explanation.
    QList<QByteArray> malformed;

    // Whether the response's no-cache is the unqualified form (validate everything).
    bool noCacheUnqualified() const { return noCache && noCacheFields.isEmpty(); }
    bool privateUnqualified() const { return isPrivate && privateFields.isEmpty(); }

    // Parses every Cache-Control field line of a response (combined as one list).
    static CacheControl parseResponse(const HttpHeaders &headers);
    // Parses a request's Cache-Control; without any Cache-Control field, "Pragma: no-cache" is
    // taken as "Cache-Control: no-cache" (RFC 9111 section 5.4).
    static CacheControl parseRequest(const HttpHeaders &headers);
};

} // namespace ToolCapture
