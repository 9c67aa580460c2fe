#pragma once

#include <backend/cache/http_date.h>
#include <backend/http/http_message.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>
#include <vector>

namespace ToolCapture {

// An entity tag (RFC 9110 section 8.8.3): opaque-tag with or without the weak indicator.
struct EntityTag {
    bool weak = false;
    QByteArray opaque; // without the quotes

    bool operator==(const EntityTag &) const = default;
};

// How a conditional request is answered from a stored response.
enum class ConditionalResult {
    NotConditional, // no If-None-Match / If-Modified-Since that applies: send the response
    Forward,        // preconditions only the origin evaluates (If-Match, If-Range, ...)
    NotModified,    // the condition is false: answer 304
    Modified,       // the condition is true: send the full response
};

// A stored response a 304 may freshen (RFC 9111 section 4.3.4).
struct StoredVariant {
    HttpHeaders headers;
    HttpTime receivedAt; // to find the most recent one
};

// Validators: entity tags and dates compared as RFC 9110 section 8.8 says, client conditionals
// answered from a stored response, and a stored response freshened by a 304.
class Validators {
public:
    // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; nullopt when malformed.
    static std::optional<EntityTag> parseEntityTag(QByteArrayView text);
    // A comma-separated list of entity tags (If-None-Match, If-Match); nullopt when any member
    // is malformed. "*" is not a list: see ifNoneMatch().
    static std::optional<QList<EntityTag>> parseEntityTagList(QByteArrayView text);

    // RFC 9110 section 8.8.3.2.
    static bool strongMatch(const EntityTag &a, const EntityTag &b);
    static bool weakMatch(const EntityTag &a, const EntityTag &b);

    // RFC 9110 sections 13.1.2 / 13.1.3 / 13.2.2 and RFC 9111 section 4.3.2 for a GET or HEAD
    // answered from a stored response with `storedHeaders` (received at `receivedAt`).
    static ConditionalResult evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                      const HttpHeaders &storedHeaders, HttpTime receivedAt);

    // RFC 9110 section 15.4.5: the fields of a stored 200 that a 304 generated from it carries
    // (Cache-Control, Content-Location, Date, ETag, Expires, Vary; Last-Modified only without
    // an ETag).
    static HttpHeaders notModifiedHeaders(const HttpHeaders &storedHeaders);

    // RFC 9111 section 4.3.4: which stored variants a 304 freshens (indices into `stored`).
    static std::vector<std::size_t> selectForUpdate(const HttpHeaders &notModifiedHeaders,
                                                    const std::vector<StoredVariant> &stored);

    // RFC 9111 section 4.3.5: whether a 200 to a HEAD request may freshen a stored GET response
    // (validators it carries match the stored ones and so does its Content-Length, if any);
    // false: the stored response is to be considered stale.
    static bool headMatchesStored(const HttpHeaders &storedHeaders, const HttpHeaders &headHeaders);

    // RFC 9111 sections 3.2 and 4.3.4: the stored header fields updated from a 304's: each
    // field of the 304 replaces all lines of that name; fields the 304 lacks are kept; the
    // exceptions (hop-by-hop fields, Content-Length) are never taken from the 304.
    static HttpHeaders freshen(const HttpHeaders &storedHeaders,
                               const HttpHeaders &notModifiedHeaders);
};

} // namespace ToolCapture
