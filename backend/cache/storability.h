#pragma once

#include <backend/cache/cache_control.h>
#include <backend/cache/freshness.h>
#include <backend/http/http_message.h>

#include <QByteArrayView>

namespace ToolCapture {

// Why a response is not stored; the names are the capture's `uncacheable` reasons.
enum class UncacheableReason {
    None,          // storable
    Method,        // only GET responses are stored (HEAD is answered from a stored GET)
    Status,        // not final, or a status this cache does not understand (206, 304, ...)
    NoStore,       // no-store in the request or the response
    Private,       // unqualified private
    Authorization, // request with Authorization, response without public/s-maxage/must-revalidate
    VaryStar,      // Vary: * can never match
    TooLarge,      // bigger than the per-object limit (the caller knows)
    NoFreshness,   // neither explicit freshness nor an allowed heuristic
};

// Whether a shared cache may store a response (RFC 9111 section 3), and what it stores.
class Storability {
public:
    // The status codes this cache understands (section 3, must-understand: section 5.2.2.3):
    // the final codes of RFC 9110 whose caching semantics need nothing beyond storing the whole
    // response. 206 (would need range combining, section 3.4) and 304 are not among them.
    static bool understoodStatus(int status);

    // Section 3 for a shared cache, checked in the order of the enum above so that the reason
    // reported is the first that applies. `tooLarge` is the caller's size verdict.
    static UncacheableReason evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                      int status, const HttpHeaders &responseHeaders,
                                      const FreshnessPolicy &policy, bool tooLarge = false);
    // The same with both Cache-Controls already parsed (the data path parses them once).
    static UncacheableReason evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                      const CacheControl &request, int status,
                                      const HttpHeaders &responseHeaders,
                                      const CacheControl &response, const FreshnessPolicy &policy,
                                      bool tooLarge = false);

    // Whether a stored response may answer a request that carries Authorization: only when the
    // response said a shared cache may reuse it (public, s-maxage or must-revalidate; the rule
    // of section 3.5 applied on the way out as well, so that an anonymous response is never
    // handed to an authenticated client the origin might answer differently). True for a
    // request without Authorization.
    static bool mayServe(const HttpHeaders &requestHeaders, const CacheControl &responseControl);

    // Whether a request with this method can be answered from a stored GET response
    // (section 4: GET; HEAD gets the stored response without its content).
    static bool answerableFromStore(QByteArrayView method);

    // The header fields to store (section 3.1): without Connection and the fields it names,
    // Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade, and without the fields a
    // qualified private names (section 5.2.2.7).
    static HttpHeaders storedHeaders(const HttpHeaders &responseHeaders,
                                     const CacheControl &responseControl);

    // Whether `name` is a hop-by-hop field for this message (section 3.1, RFC 9110 7.6.1).
    static bool isHopByHop(const HttpHeaders &headers, QByteArrayView name);

    static QByteArrayView reasonName(UncacheableReason reason);
};

} // namespace ToolCapture
