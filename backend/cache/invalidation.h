#pragma once

#include <backend/http/http_message.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace ToolCapture {

// Which stored responses an unsafe request's response invalidates (RFC 9111 section 4.4).
class Invalidation {
public:
    // RFC 9110 section 9.2.1: GET, HEAD, OPTIONS and TRACE are safe; every other method,
    // including unknown ones, is treated as unsafe.
    static bool isSafeMethod(QByteArrayView method);

    // The primary keys (CacheKey::Uri::key()) to invalidate after a response with `status` to
    // `method` on `target` (origin-form with `scheme` and `authority`, or absolute-form): empty
    // for a safe method or an error status; else the target URI and the Location and
    // Content-Location URIs that have the target's origin, de-duplicated, target first.
    static QList<QByteArray> keysToInvalidate(QByteArrayView method, QByteArrayView scheme,
                                              QByteArrayView authority, QByteArrayView target,
                                              int status, const HttpHeaders &responseHeaders);
};

} // namespace ToolCapture
