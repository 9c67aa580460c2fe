#include <backend/cache/cache_key.h>
#include <backend/cache/invalidation.h>

namespace ToolCapture {

bool Invalidation::isSafeMethod(QByteArrayView method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

// RFC 9111 section 4.4: "A cache MUST invalidate the target URI and the URI(s) in the Location
// and Content-Location response header fields (if present) when a non-error status code is
// received in response to an unsafe request method (including methods whose safety is
// unknown)." and "MUST NOT invalidate a URI from a Location or Content-Location response
// header field if the host part of that URI differs from the host part in the target URI".
// NOTE: we require the whole origin (scheme, host, port) to match, which is stricter than the
// host part alone and closes the same denial-of-service hole. A non-error status is 2xx or 3xx
// (RFC 9110 section 15: 4xx and 5xx are errors; 1xx are not final).
QList<QByteArray> Invalidation::keysToInvalidate(QByteArrayView method, QByteArrayView scheme,
                                                 QByteArrayView authority, QByteArrayView target,
                                                 int status, const HttpHeaders &responseHeaders) {
    QList<QByteArray> keys;
    if (isSafeMethod(method) || status < 200 || status >= 400)
        return keys;
    const std::optional<CacheKey::Uri> base = CacheKey::normalise(scheme, authority, target);
    if (!base)
        return keys;
    keys.append(base->key());
    for (const char *field : {"location", "content-location"}) {
        for (const HttpHeader &header : responseHeaders) {
            if (!equalsIgnoreCase(header.name, field))
                continue;
            const std::optional<CacheKey::Uri> uri = CacheKey::resolve(*base, header.value);
            if (!uri || !uri->sameOrigin(*base))
                continue;
            const QByteArray key = uri->key();
            if (!keys.contains(key))
                keys.append(key);
        }
    }
    return keys;
}

} // namespace ToolCapture
