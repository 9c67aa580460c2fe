#include <backend/cache/cache_key.h>
#include <backend/http/header_checks.h>
#include <backend/http/request_target.h>

#include <algorithm>
#include <charconv>

namespace ToolCapture {

namespace {

bool isUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// RFC 3986 sections 6.2.2.1 and 6.2.2.2: percent-encoded unreserved characters are decoded, the
// hex digits of every other triplet are upper-cased. A stray "%" is left as it is.
QByteArray normalisePercent(QByteArrayView in) {
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%' && i + 2 < in.size()) {
            const int hi = hexValue(in[i + 1]);
            const int lo = hexValue(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                const char decoded = char(hi * 16 + lo);
                if (isUnreserved(decoded)) {
                    out += decoded;
                } else {
                    out += '%';
                    out += "0123456789ABCDEF"[hi];
                    out += "0123456789ABCDEF"[lo];
                }
                i += 2;
                continue;
            }
        }
        out += c;
    }
    return out;
}

int defaultPort(QByteArrayView scheme) {
    return scheme == "https" ? 443 : 80;
}

// authority = [ userinfo "@" ] host [ ":" port ]; fills host and port.
bool parseAuthority(QByteArrayView authority, const QByteArray &scheme, CacheKey::Uri &uri) {
    const qsizetype at = authority.lastIndexOf('@');
    if (at >= 0)
        authority = authority.sliced(at + 1);
    QByteArrayView host = authority;
    QByteArrayView port;
    if (authority.startsWith('[')) {
        const qsizetype close = authority.indexOf(']');
        if (close < 0)
            return false;
        host = authority.first(close + 1);
        QByteArrayView rest = authority.sliced(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(':'))
                return false;
            port = rest.sliced(1);
        }
    } else {
        const qsizetype colon = authority.lastIndexOf(':');
        if (colon >= 0) {
            host = authority.first(colon);
            port = authority.sliced(colon + 1);
        }
    }
    if (host.isEmpty())
        return false;
    uri.host = host.toByteArray().toLower();
    if (port.isEmpty()) {
        // RFC 3986 section 6.2.3: an empty port is the default port.
        uri.port = defaultPort(scheme);
        return true;
    }
    if (port.size() > 5)
        return false;
    int value = 0;
    for (const char c : port) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    uri.port = value;
    return true;
}

// Splits "path?query#fragment" into uri.path / uri.query (fragment dropped) and normalises.
void setPathAndQuery(QByteArrayView rest, CacheKey::Uri &uri) {
    const qsizetype hash = rest.indexOf('#');
    if (hash >= 0)
        rest = rest.first(hash);
    const qsizetype question = rest.indexOf('?');
    QByteArrayView path = question >= 0 ? rest.first(question) : rest;
    uri.hasQuery = question >= 0;
    uri.query = uri.hasQuery ? normalisePercent(rest.sliced(question + 1)) : QByteArray();
    // RFC 9110 section 4.2.3: an empty path is "/"; decode before removing dot segments so
    // that "%2E" segments count as dots.
    uri.path = normalisePercent(path);
    removeDotSegments(uri.path);
    if (uri.path.isEmpty() || !uri.path.startsWith('/'))
        uri.path.prepend('/');
}

// "scheme://authority/path?query": a URI with a scheme, or nullopt.
std::optional<CacheKey::Uri> parseAbsolute(QByteArrayView text) {
    const qsizetype colon = text.indexOf(':');
    if (colon <= 0)
        return std::nullopt;
    CacheKey::Uri uri;
    uri.scheme = text.first(colon).toByteArray().toLower();
    if (uri.scheme != "http" && uri.scheme != "https")
        return std::nullopt;
    QByteArrayView rest = text.sliced(colon + 1);
    if (!rest.startsWith("//"))
        return std::nullopt;
    rest = rest.sliced(2);
    qsizetype end = 0;
    while (end < rest.size() && rest[end] != '/' && rest[end] != '?' && rest[end] != '#')
        ++end;
    if (!parseAuthority(rest.first(end), uri.scheme, uri))
        return std::nullopt;
    setPathAndQuery(rest.sliced(end), uri);
    return uri;
}

bool hasScheme(QByteArrayView text) {
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ':')
            return i > 0;
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
            return false;
    }
    return false;
}

// Trims and collapses runs of SP/HTAB into one SP.
QByteArray collapseWhitespace(QByteArrayView value) {
    QByteArray out;
    out.reserve(value.size());
    bool pendingSpace = false;
    for (const char c : value) {
        if (HeaderChecks::isOws(c)) {
            pendingSpace = !out.isEmpty();
            continue;
        }
        if (pendingSpace)
            out += ' ';
        pendingSpace = false;
        out += c;
    }
    return out;
}

// Accept-* lists: the spaces around the commas are not significant (RFC 9110 section 5.6.1).
// The values of these three are case-insensitive (codings, charsets, language ranges).
QByteArray normaliseListField(const QByteArray &name, const QByteArray &value) {
    const bool list = name == "accept" || name == "accept-encoding" || name == "accept-language" ||
                      name == "accept-charset";
    if (!list)
        return value;
    QList<QByteArray> members;
    for (const QByteArray &member : value.split(',')) {
        const QByteArray trimmed = member.trimmed();
        if (!trimmed.isEmpty())
            members.append(trimmed);
    }
    QByteArray joined = members.join(',');
    joined.replace("; ", ";");
    joined.replace(" ;", ";");
    if (name != "accept")
        joined = joined.toLower();
    return joined;
}

} // namespace

QByteArray CacheKey::Uri::key() const {
    QByteArray out = scheme + "://" + host;
    if (port != defaultPort(scheme))
        out += ':' + QByteArray::number(port);
    out += path;
    if (hasQuery)
        out += '?' + query;
    return out;
}

bool CacheKey::Uri::sameOrigin(const Uri &other) const {
    return scheme == other.scheme && host == other.host && port == other.port;
}

std::optional<CacheKey::Uri> CacheKey::normalise(QByteArrayView scheme, QByteArrayView authority,
                                                 QByteArrayView target) {
    if (!target.startsWith('/'))
        return parseAbsolute(target);
    Uri uri;
    uri.scheme = scheme.toByteArray().toLower();
    if (uri.scheme != "http" && uri.scheme != "https")
        return std::nullopt;
    if (!parseAuthority(authority.trimmed(), uri.scheme, uri))
        return std::nullopt;
    setPathAndQuery(target, uri);
    return uri;
}

// RFC 3986 section 5.2.2 (strict resolution).
std::optional<CacheKey::Uri> CacheKey::resolve(const Uri &base, QByteArrayView reference) {
    reference = reference.trimmed();
    if (hasScheme(reference))
        return parseAbsolute(reference);
    if (reference.startsWith("//"))
        return parseAbsolute(base.scheme + ':' + reference.toByteArray());
    Uri uri = base;
    if (reference.isEmpty() || reference.startsWith('#'))
        return uri;
    if (reference.startsWith('?')) {
        setPathAndQuery(base.path + reference.toByteArray(), uri);
        return uri;
    }
    if (reference.startsWith('/')) {
        setPathAndQuery(reference, uri);
        return uri;
    }
    // Merge (section 5.2.3): the base path up to its last "/", then the reference.
    const qsizetype slash = base.path.lastIndexOf('/');
    setPathAndQuery(base.path.first(slash + 1) + reference.toByteArray(), uri);
    return uri;
}

namespace {

// Whether an origin-form target is already what normalisation makes of it: no percent
// triplets to decode or upper-case, no fragment, no dot segments; then the key is the target
// as it is. Every other target takes the general path (which gives the same result for these:
// tst_cache_key checks both paths agree).
bool isNormalOriginForm(QByteArrayView target) {
    if (!target.startsWith('/'))
        return false;
    const qsizetype question = target.indexOf('?');
    const QByteArrayView path = question < 0 ? target : target.first(question);
    for (qsizetype i = 0; i < target.size(); ++i) {
        const char c = target[i];
        if (c == '%' || c == '#')
            return false;
    }
    // "/." starting a segment: "/./", "/../", or a path ending "/." or "/..".
    for (qsizetype i = 0; i + 1 < path.size(); ++i) {
        if (path[i] == '/' && path[i + 1] == '.') {
            const QByteArrayView rest = path.sliced(i + 2);
            if (rest.isEmpty() || rest.startsWith('/') || rest == "." || rest.startsWith("./"))
                return false;
        }
    }
    return true;
}

} // namespace

QByteArray CacheKey::primary(QByteArrayView scheme, QByteArrayView authority,
                             QByteArrayView target) {
    QByteArray key;
    appendPrimary(key, scheme, authority, target);
    return key;
}

bool CacheKey::appendPrimary(QByteArray &out, QByteArrayView scheme, QByteArrayView authority,
                             QByteArrayView target) {
    if (scheme == "http" && isNormalOriginForm(target)) {
        // The common case without the general path's copies: "http://" host [":" port] target,
        // appended in place.
        authority = authority.trimmed();
        const qsizetype at = authority.lastIndexOf('@');
        if (at >= 0)
            authority = authority.sliced(at + 1);
        QByteArrayView host = authority;
        int port = 80;
        if (!authority.startsWith('[')) {
            if (const qsizetype colon = authority.lastIndexOf(':'); colon >= 0) {
                host = authority.first(colon);
                const QByteArrayView digits = authority.sliced(colon + 1);
                if (!digits.isEmpty()) {
                    if (digits.size() > 5)
                        return false;
                    port = 0;
                    for (const char c : digits) {
                        if (c < '0' || c > '9')
                            return false;
                        port = port * 10 + (c - '0');
                    }
                    if (port == 0 || port > 65535)
                        return false;
                }
            }
        } else {
            const std::optional<Uri> uri = normalise(scheme, authority, target);
            if (!uri)
                return false;
            out.append(uri->key());
            return true;
        }
        if (host.isEmpty())
            return false;
        out.reserve(out.size() + 7 + host.size() + 6 + target.size());
        out.append("http://");
        const qsizetype hostAt = out.size();
        out.append(host);
        char *text = out.data();
        for (qsizetype i = hostAt; i < out.size(); ++i) {
            if (text[i] >= 'A' && text[i] <= 'Z')
                text[i] = char(text[i] - 'A' + 'a');
        }
        if (port != 80) {
            char digits[8];
            const auto end = std::to_chars(digits, digits + sizeof digits, port).ptr;
            out.append(':').append(digits, end - digits);
        }
        out.append(target);
        return true;
    }
    const std::optional<Uri> uri = normalise(scheme, authority, target);
    if (!uri)
        return false;
    out.append(uri->key());
    return true;
}

QList<QByteArray> CacheKey::varyFields(const HttpHeaders &responseHeaders) {
    QList<QByteArray> names;
    for (const HttpHeader &header : responseHeaders) {
        if (!equalsIgnoreCase(header.name, "vary"))
            continue;
        for (const QByteArray &part : header.value.split(',')) {
            const QByteArray name = part.trimmed().toLower();
            if (!name.isEmpty() && !names.contains(name))
                names.append(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool CacheKey::varyStar(const HttpHeaders &responseHeaders) {
    return varyFields(responseHeaders).contains("*");
}

std::optional<QByteArray> CacheKey::secondary(const HttpHeaders &responseHeaders,
                                              const HttpHeaders &requestHeaders) {
    const QList<QByteArray> names = varyFields(responseHeaders);
    // Section 4.1: "A stored response with a Vary header field value containing a member "*"
    // always fails to match."
    if (names.contains("*"))
        return std::nullopt;
    QByteArray key;
    for (const QByteArray &name : names) {
        // Section 4.1: field lines combined (RFC 9110 section 5.3), then normalised in ways that
        // keep the semantics; absent only matches absent.
        bool present = false;
        QByteArray combined;
        for (const HttpHeader &header : requestHeaders) {
            if (!equalsIgnoreCase(header.name, name))
                continue;
            if (present)
                combined += ", ";
            combined += collapseWhitespace(header.value);
            present = true;
        }
        key += name;
        if (present) {
            key += '=';
            key += normaliseListField(name, collapseWhitespace(combined));
        } else {
            key += '!';
        }
        key += '\n';
    }
    return key;
}

bool CacheKey::varyMatches(const HttpHeaders &storedResponseHeaders,
                           const QByteArray &storedSecondaryKey,
                           const HttpHeaders &newRequestHeaders) {
    const std::optional<QByteArray> key = secondary(storedResponseHeaders, newRequestHeaders);
    return key && *key == storedSecondaryKey;
}

} // namespace ToolCapture
