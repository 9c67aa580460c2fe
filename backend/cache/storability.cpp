#include <backend/cache/storability.h>

namespace ToolCapture {

bool Storability::understoodStatus(int status) {
    switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
    case 400:
    case 403:
    case 404:
    case 405:
    case 410:
    case 414:
    case 451:
    case 501:
        return true;
    default:
        return false;
    }
}

bool Storability::answerableFromStore(QByteArrayView method) {
    // Methods are case-sensitive (RFC 9110 section 9.1).
    return method == "GET" || method == "HEAD";
}

bool Storability::mayServe(const HttpHeaders &requestHeaders, const CacheControl &responseControl) {
    if (!findHeader(requestHeaders, "authorization"))
        return true;
    return responseControl.isPublic || responseControl.sMaxAge || responseControl.mustRevalidate;
}

UncacheableReason Storability::evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                        int status, const HttpHeaders &responseHeaders,
                                        const FreshnessPolicy &policy, bool tooLarge) {
    return evaluate(method, requestHeaders, CacheControl::parseRequest(requestHeaders), status,
                    responseHeaders, CacheControl::parseResponse(responseHeaders), policy,
                    tooLarge);
}

UncacheableReason Storability::evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                        const CacheControl &request, int status,
                                        const HttpHeaders &responseHeaders,
                                        const CacheControl &response, const FreshnessPolicy &policy,
                                        bool tooLarge) {

    // Section 3: "the request method is understood by the cache". NOTE: we store only GET; a
    // HEAD response carries no content to answer a later GET with (section 4.3.5 lets it
    // freshen a stored GET, which is the caller's business).
    if (method != "GET")
        return UncacheableReason::Method;
    // Section 3: the status is final; 206/304 and must-understand need a status we understand.
    // NOTE: we go further and store only understood statuses: the status semantics decide
    // whether a stored response may be reused at all.
    if (status < 200 || status > 599 || !understoodStatus(status))
        return UncacheableReason::Status;
    // Section 5.2.2.3: must-understand with an understood status overrides no-store; section
    // 5.2.2.5 / 5.2.1.5: otherwise no-store in the response or the request forbids storing.
    if (request.noStore || (response.noStore && !response.mustUnderstand))
        return UncacheableReason::NoStore;
    // Section 5.2.2.7: a shared cache never stores an unqualified private response (the
    // qualified form only keeps the named fields out, see storedHeaders()).
    if (response.privateUnqualified())
        return UncacheableReason::Private;
    // Section 3.5: a request with Authorization only when the response says so with
    // must-revalidate, public or s-maxage.
    if (findHeader(requestHeaders, "authorization") &&
        !(response.mustRevalidate || response.isPublic || response.sMaxAge))
        return UncacheableReason::Authorization;
    // Section 4.1: a stored Vary: * always fails to match; storing it is pointless.
    for (const HttpHeader &header : responseHeaders) {
        if (equalsIgnoreCase(header.name, "vary") && headerListContains(header.value, "*"))
            return UncacheableReason::VaryStar;
    }
    if (tooLarge)
        return UncacheableReason::TooLarge;
    // Section 3: the response has explicit freshness (public, Expires, max-age, s-maxage) or a
    // heuristically cacheable status. NOTE: where the service disallows heuristics, only
    // explicit freshness counts (public alone is then not enough: it would be stale at once).
    const bool explicitFreshness =
        response.maxAge || response.sMaxAge || findHeader(responseHeaders, "expires") != nullptr;
    const bool heuristic = policy.heuristicsAllowed &&
                           (response.isPublic || Freshness::isHeuristicallyCacheable(status));
    if (!explicitFreshness && !heuristic)
        return UncacheableReason::NoFreshness;
    return UncacheableReason::None;
}

bool Storability::isHopByHop(const HttpHeaders &headers, QByteArrayView name) {
    static constexpr const char *kHopByHop[] = {"connection", "proxy-connection",  "keep-alive",
                                                "te",         "transfer-encoding", "upgrade"};
    for (const char *hop : kHopByHop) {
        if (equalsIgnoreCase(name, hop))
            return true;
    }
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "connection") && headerListContains(header.value, name))
            return true;
    }
    return false;
}

HttpHeaders Storability::storedHeaders(const HttpHeaders &responseHeaders,
                                       const CacheControl &responseControl) {
    HttpHeaders kept;
    kept.reserve(responseHeaders.size());
    for (const HttpHeader &header : responseHeaders) {
        if (isHopByHop(responseHeaders, header.name))
            continue;
        if (responseControl.privateFields.contains(header.name.toLower()))
            continue;
        kept.push_back(header);
    }
    return kept;
}

QByteArrayView Storability::reasonName(UncacheableReason reason) {
    switch (reason) {
    case UncacheableReason::Method:
        return "method";
    case UncacheableReason::Status:
        return "status";
    case UncacheableReason::NoStore:
        return "no-store";
    case UncacheableReason::Private:
        return "private";
    case UncacheableReason::Authorization:
        return "authorization";
    case UncacheableReason::VaryStar:
        return "vary-star";
    case UncacheableReason::TooLarge:
        return "too-large";
    case UncacheableReason::NoFreshness:
        return "no-freshness";
    case UncacheableReason::None:
        break;
    }
    return "";
}

} // namespace ToolCapture
