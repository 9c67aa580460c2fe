#include <backend/cache/cache_control.h>
#include <backend/http/header_checks.h>

#include <algorithm>

namespace ToolCapture {

namespace {

using std::chrono::seconds;

// One list member: a directive name (lower-cased) and its argument, unquoted.
struct Directive {
    QByteArray name;
    QByteArray argument;
    bool hasArgument = false;
    bool quoted = false;
    bool wellFormed = true;
};

// Splits a Cache-Control value into directives (RFC 9111 section 5.2:
// `cache-directive = token [ "=" ( token / quoted-string ) ]`, a #list). A malformed member is
// kept with wellFormed = false so that its name can still be reported; the scan resumes after
// the next comma outside a quoted string.
void splitDirectives(QByteArrayView value, QList<Directive> &out) {
    qsizetype i = 0;
    const qsizetype n = value.size();
    while (i < n) {
        while (i < n && (HeaderChecks::isOws(value[i]) || value[i] == ','))
            ++i;
        if (i >= n)
            break;
        Directive directive;
        const qsizetype nameStart = i;
        while (i < n && HeaderChecks::isTokenChar(uchar(value[i])))
            ++i;
        directive.name = value.sliced(nameStart, i - nameStart).toByteArray().toLower();
        if (directive.name.isEmpty())
            directive.wellFormed = false;
        while (i < n && HeaderChecks::isOws(value[i]))
            ++i;
        if (i < n && value[i] == '=') {
            ++i;
            while (i < n && HeaderChecks::isOws(value[i]))
                ++i;
            directive.hasArgument = true;
            if (i < n && value[i] == '"') {
                directive.quoted = true;
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = value[i];
                    if (c == '\\' && i + 1 < n) {
                        directive.argument += value[i + 1];
                        i += 2;
                        continue;
                    }
                    ++i;
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    directive.argument += c;
                }
                if (!closed)
                    directive.wellFormed = false;
            } else {
                const qsizetype argStart = i;
                while (i < n && HeaderChecks::isTokenChar(uchar(value[i])))
                    ++i;
                directive.argument = value.sliced(argStart, i - argStart).toByteArray();
                if (directive.argument.isEmpty())
                    directive.wellFormed = false;
            }
            while (i < n && HeaderChecks::isOws(value[i]))
                ++i;
        }
        if (i < n && value[i] != ',') {
            // Trailing garbage in this member: skip to the next comma outside quotes.
            directive.wellFormed = false;
            bool inQuotes = false;
            while (i < n && (inQuotes || value[i] != ',')) {
                if (value[i] == '\\' && inQuotes && i + 1 < n)
                    ++i;
                else if (value[i] == '"')
                    inQuotes = !inQuotes;
                ++i;
            }
        }
        out.append(std::move(directive));
    }
}

// delta-seconds = 1*DIGIT (RFC 9111 section 1.2.2), both argument forms accepted (section 5.2:
// recipients accept the quoted form even where senders must not generate it); values beyond
// 2^31 are 2^31.
std::optional<seconds> parseDelta(const Directive &directive) {
    if (!directive.hasArgument || !directive.wellFormed || directive.argument.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const char c : directive.argument) {
        if (c < '0' || c > '9')
            return std::nullopt;
        if (value < CacheControl::kMaxDelta.count())
            value = value * 10 + (c - '0');
    }
    return std::min(seconds{value}, CacheControl::kMaxDelta);
}

// The field names of a qualified no-cache / private (RFC 9111 sections 5.2.2.4 and 5.2.2.7):
// a quoted, comma-separated list; the token form (one name) is accepted too. Lower-cased.
QList<QByteArray> parseFieldNames(const QByteArray &argument) {
    QList<QByteArray> names;
    for (const QByteArray &part : argument.split(',')) {
        const QByteArray name = part.trimmed().toLower();
        if (!name.isEmpty() && !names.contains(name))
            names.append(name);
    }
    return names;
}

void noteMalformed(CacheControl &cc, const QByteArray &name) {
    if (!cc.malformed.contains(name))
        cc.malformed.append(name);
}

// RFC 9111 section 4.2.1: a freshness directive given twice with different values, or with a
// value that is not delta-seconds, makes the response stale (the conservative one of the two
// choices the RFC offers).
void setResponseFreshness(CacheControl &cc, std::optional<seconds> &slot,
                          const Directive &directive) {
    const std::optional<seconds> value = parseDelta(directive);
    if (!value) {
        cc.invalidFreshness = true;
        noteMalformed(cc, directive.name);
        return;
    }
    if (slot && *slot != *value) {
        cc.invalidFreshness = true;
        noteMalformed(cc, directive.name);
    }
    if (!slot)
        slot = value;
}

// Request directives and the stale extensions: an invalid value is ignored; repeated values
// keep the most restrictive one (section 4.2.1: "the most restrictive directive should be
// honored"). `smallerIsStricter` says which way is restrictive.
void setRestrictive(CacheControl &cc, std::optional<seconds> &slot, const Directive &directive,
                    bool smallerIsStricter) {
    const std::optional<seconds> value = parseDelta(directive);
    if (!value) {
        noteMalformed(cc, directive.name);
        return;
    }
    if (!slot) {
        slot = value;
        return;
    }
    if (*slot != *value)
        noteMalformed(cc, directive.name);
    slot = smallerIsStricter ? std::min(*slot, *value) : std::max(*slot, *value);
}

// A directive defined without an argument (section 5.2: "no argument is defined (nor allowed)
// unless stated otherwise"). NOTE: a restrictive directive given an argument still applies (it
// is safer to honour it); a permissive one (public, immutable, must-understand) is ignored.
bool flagDirective(CacheControl &cc, const Directive &directive, bool restrictive) {
    if (directive.hasArgument || !directive.wellFormed) {
        noteMalformed(cc, directive.name);
        return restrictive;
    }
    return true;
}

enum class Direction { Request, Response };

CacheControl parse(const HttpHeaders &headers, Direction direction) {
    QList<Directive> directives;
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "cache-control"))
            splitDirectives(header.value, directives);
    }
    CacheControl cc;
    bool noCacheUnqualifiedSeen = false;
    bool privateUnqualifiedSeen = false;
    for (const Directive &d : directives) {
        const QByteArray &name = d.name;
        if (name.isEmpty()) {
            noteMalformed(cc, name);
            continue;
        }
        if (name == "max-age") {
            if (direction == Direction::Response)
                setResponseFreshness(cc, cc.maxAge, d);
            else
                setRestrictive(cc, cc.maxAge, d, true);
        } else if (name == "no-store") {
            cc.noStore = cc.noStore || flagDirective(cc, d, true);
        } else if (name == "no-transform") {
            cc.noTransform = cc.noTransform || flagDirective(cc, d, true);
        } else if (name == "no-cache") {
            cc.noCache = true;
            // 5.2.2.4: the qualified form lists field names; an empty list or an unparsable one
            // is treated as the unqualified, stricter form. A request's no-cache has no argument.
            if (direction == Direction::Response && d.hasArgument && d.wellFormed) {
                const QList<QByteArray> names = parseFieldNames(d.argument);
                if (names.isEmpty())
                    noCacheUnqualifiedSeen = true;
                for (const QByteArray &field : names) {
                    if (!cc.noCacheFields.contains(field))
                        cc.noCacheFields.append(field);
                }
            } else {
                if (d.hasArgument)
                    noteMalformed(cc, name);
                noCacheUnqualifiedSeen = true;
            }
        } else if (name == "stale-if-error") {
            setRestrictive(cc, cc.staleIfError, d, true);
        } else if (direction == Direction::Request) {
            if (name == "max-stale") {
                // 5.2.1.2: without a value, a stale response of any staleness is acceptable.
                if (!d.hasArgument)
                    cc.maxStaleAny = true;
                else
                    setRestrictive(cc, cc.maxStale, d, true);
            } else if (name == "min-fresh") {
                setRestrictive(cc, cc.minFresh, d, false);
            } else if (name == "only-if-cached") {
                cc.onlyIfCached = cc.onlyIfCached || flagDirective(cc, d, true);
            }
            // Other names are response directives or extensions: ignored in a request.
        } else {
            if (name == "s-maxage") {
                setResponseFreshness(cc, cc.sMaxAge, d);
            } else if (name == "must-revalidate") {
                cc.mustRevalidate = cc.mustRevalidate || flagDirective(cc, d, true);
            } else if (name == "proxy-revalidate") {
                cc.proxyRevalidate = cc.proxyRevalidate || flagDirective(cc, d, true);
            } else if (name == "must-understand") {
                cc.mustUnderstand = cc.mustUnderstand || flagDirective(cc, d, false);
            } else if (name == "public") {
                cc.isPublic = cc.isPublic || flagDirective(cc, d, false);
            } else if (name == "immutable") {
                cc.immutable = cc.immutable || flagDirective(cc, d, false);
            } else if (name == "private") {
                cc.isPrivate = true;
                if (d.hasArgument && d.wellFormed) {
                    const QList<QByteArray> names = parseFieldNames(d.argument);
                    if (names.isEmpty())
                        privateUnqualifiedSeen = true;
                    for (const QByteArray &field : names) {
                        if (!cc.privateFields.contains(field))
                            cc.privateFields.append(field);
                    }
                } else {
                    if (d.hasArgument)
                        noteMalformed(cc, name);
                    privateUnqualifiedSeen = true;
                }
            } else if (name == "stale-while-revalidate") {
                setRestrictive(cc, cc.staleWhileRevalidate, d, true);
            }
            // Unknown extensions are ignored (section 5.2.3).
        }
    }
    // The unqualified form is the stricter one: it wins over any qualified occurrence.
    if (noCacheUnqualifiedSeen)
        cc.noCacheFields.clear();
    if (privateUnqualifiedSeen)
        cc.privateFields.clear();
    return cc;
}

} // namespace

CacheControl CacheControl::parseResponse(const HttpHeaders &headers) {
    return parse(headers, Direction::Response);
}

CacheControl CacheControl::parseRequest(const HttpHeaders &headers) {
    if (findHeader(headers, "cache-control"))
        return parse(headers, Direction::Request);
    CacheControl cc;
    // RFC 9111 section 5.4: without Cache-Control, a request's "Pragma: no-cache" means the same
    // as "Cache-Control: no-cache". Other Pragma values are ignored.
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "pragma") &&
            headerListContains(header.value, "no-cache")) {
            cc.noCache = true;
            cc.fromPragma = true;
        }
    }
    return cc;
}

} // namespace ToolCapture
