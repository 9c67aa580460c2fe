#pragma once

#include <backend/http/http_message.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>

namespace ToolCapture {

// The keys a shared cache files responses under: the primary key from the target URI, the
// same for every method (RFC 9111 section 2), and the Vary secondary key (section 4.1).
class CacheKey {
public:
    // An http(s) URI after syntax- and scheme-based normalisation (RFC 3986 section 6.2.2,
    // RFC 9110 section 4.2.3).
    struct Uri {
        QByteArray scheme; // lower case
        QByteArray host;   // lower case; an IP-literal keeps its brackets
        int port = 0;      // explicit or the scheme's default
        QByteArray path;   // never empty, dot segments removed, percent-encoding normalised
        QByteArray query;  // without "?", percent-encoding normalised
        bool hasQuery = false;

        // scheme "://" host [ ":" port, unless the default ] path [ "?" query ]
        QByteArray key() const;
        // RFC 6454 / RFC 9110 section 4.3.1: same scheme, host and port.
        bool sameOrigin(const Uri &other) const;
    };

    // Normalises a request: `target` in origin-form ("/p?q") with `scheme` and `authority` (the
    // Host field), or in absolute-form (then its own scheme and authority win, RFC 9112
    // section 3.2.2). nullopt for anything that is not an http(s) URI with a host.
    static std::optional<Uri> normalise(QByteArrayView scheme, QByteArrayView authority,
                                        QByteArrayView target);

    // Resolves a reference (a Location or Content-Location value) against `base` (RFC 3986
    // section 5.2) and normalises it; nullopt when it is not an http(s) URI.
    static std::optional<Uri> resolve(const Uri &base, QByteArrayView reference);

    // The primary key (Uri::key()), or an empty array when the target cannot be normalised.
    static QByteArray primary(QByteArrayView scheme, QByteArrayView authority,
                              QByteArrayView target);
    // The same appended to `out` (false, and `out` as it was, when there is none).
    static bool appendPrimary(QByteArray &out, QByteArrayView scheme, QByteArrayView authority,
                              QByteArrayView target);

    // The field names a response's Vary lists, lower-cased, de-duplicated and sorted.
    static QList<QByteArray> varyFields(const HttpHeaders &responseHeaders);
    // Whether the response's Vary contains "*".
    static bool varyStar(const HttpHeaders &responseHeaders);

    // Section 4.1: the secondary key of `requestHeaders` for a response with these Vary fields:
    // each named request field, its lines combined, whitespace trimmed and collapsed (and, for
    // the Accept-* lists, the spaces around commas removed and the case folded where the values
    // are case-insensitive). An absent field is distinct from an empty one. nullopt for
    // "Vary: *", which never matches.
    static std::optional<QByteArray> secondary(const HttpHeaders &responseHeaders,
                                               const HttpHeaders &requestHeaders);

    // Section 4.1: whether a new request matches a stored response's secondary key.
    static bool varyMatches(const HttpHeaders &storedResponseHeaders,
                            const QByteArray &storedSecondaryKey,
                            const HttpHeaders &newRequestHeaders);
};

} // namespace ToolCapture
