#include <backend/cache/storability.h>
#include <backend/cache/validators.h>
#include <backend/http/header_checks.h>

#include <algorithm>

namespace ToolCapture {

namespace {

// etagc = %x21 / %x23-7E / obs-text
bool isEtagChar(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x7E) || c >= 0x80;
}

// Parses one entity-tag at `pos`; advances past it.
std::optional<EntityTag> parseTagAt(QByteArrayView text, qsizetype &pos) {
    EntityTag tag;
    if (text.sliced(pos).startsWith("W/")) {
        tag.weak = true;
        pos += 2;
    }
    if (pos >= text.size() || text[pos] != '"')
        return std::nullopt;
    ++pos;
    const qsizetype start = pos;
    while (pos < text.size() && text[pos] != '"') {
        if (!isEtagChar(uchar(text[pos])))
            return std::nullopt;
        ++pos;
    }
    if (pos >= text.size())
        return std::nullopt;
    tag.opaque = text.sliced(start, pos - start).toByteArray();
    ++pos;
    return tag;
}

std::optional<EntityTag> storedTag(const HttpHeaders &headers) {
    const HttpHeader *etag = findHeader(headers, "etag");
    return etag ? Validators::parseEntityTag(etag->value) : std::nullopt;
}

std::optional<HttpTime> dateField(const HttpHeaders &headers, QByteArrayView name) {
    const HttpHeader *field = findHeader(headers, name);
    return field ? HttpDate::parse(field->value) : std::nullopt;
}

} // namespace

std::optional<EntityTag> Validators::parseEntityTag(QByteArrayView text) {
    text = text.trimmed();
    qsizetype pos = 0;
    std::optional<EntityTag> tag = parseTagAt(text, pos);
    if (!tag || pos != text.size())
        return std::nullopt;
    return tag;
}

std::optional<QList<EntityTag>> Validators::parseEntityTagList(QByteArrayView text) {
    // A #list: members separated by commas with OWS; a comma may also sit inside an opaque-tag,
    // so the list is scanned tag by tag, never split on commas.
    QList<EntityTag> tags;
    qsizetype pos = 0;
    while (true) {
        while (pos < text.size() && (HeaderChecks::isOws(text[pos]) || text[pos] == ','))
            ++pos;
        if (pos >= text.size())
            break;
        std::optional<EntityTag> tag = parseTagAt(text, pos);
        if (!tag)
            return std::nullopt;
        tags.append(*tag);
        while (pos < text.size() && HeaderChecks::isOws(text[pos]))
            ++pos;
        if (pos < text.size() && text[pos] != ',')
            return std::nullopt;
    }
    if (tags.isEmpty())
        return std::nullopt;
    return tags;
}

// RFC 9110 section 8.8.3.2: strong comparison: both strong and their opaque-tags identical.
bool Validators::strongMatch(const EntityTag &a, const EntityTag &b) {
    return !a.weak && !b.weak && a.opaque == b.opaque;
}

// RFC 9110 section 8.8.3.2: weak comparison: the opaque-tags identical, either may be weak.
bool Validators::weakMatch(const EntityTag &a, const EntityTag &b) {
    return a.opaque == b.opaque;
}

ConditionalResult Validators::evaluate(QByteArrayView method, const HttpHeaders &requestHeaders,
                                       const HttpHeaders &storedHeaders, HttpTime receivedAt) {
    // RFC 9111 section 4.3.2: a cache evaluates only the conditionals it can answer; If-Match,
    // If-Unmodified-Since and If-Range are the origin's to evaluate. RFC 9110 sections 13.1.2
    // and 13.1.3: If-None-Match answered with 304 and If-Modified-Since only for GET and HEAD.
    if (method != "GET" && method != "HEAD")
        return ConditionalResult::NotConditional;
    if (findHeader(requestHeaders, "if-match") ||
        findHeader(requestHeaders, "if-unmodified-since") || findHeader(requestHeaders, "if-range"))
        return ConditionalResult::Forward;

    // RFC 9110 section 13.2.2 step 3: If-None-Match, when present, decides; If-Modified-Since
    // is then not evaluated (section 13.1.3).
    QByteArray noneMatch;
    bool hasNoneMatch = false;
    for (const HttpHeader &header : requestHeaders) {
        if (!equalsIgnoreCase(header.name, "if-none-match"))
            continue;
        if (hasNoneMatch)
            noneMatch += ", ";
        noneMatch += header.value;
        hasNoneMatch = true;
    }
    if (hasNoneMatch) {
        // Section 13.1.2: "*" is false when a current representation exists (it does: we
        // hold it); otherwise false when a listed tag weakly matches the stored one.
        if (noneMatch.trimmed() == "*")
            return ConditionalResult::NotModified;
        const std::optional<QList<EntityTag>> tags = parseEntityTagList(noneMatch);
        // NOTE: a malformed If-None-Match gets the full response, which is always correct.
        const std::optional<EntityTag> current = storedTag(storedHeaders);
        if (!tags || !current)
            return ConditionalResult::Modified;
        for (const EntityTag &tag : *tags) {
            if (weakMatch(tag, *current))
                return ConditionalResult::NotModified;
        }
        return ConditionalResult::Modified;
    }

    // Section 13.1.3: ignored when not a valid HTTP-date or when more than one member.
    if (countHeaders(requestHeaders, "if-modified-since") != 1)
        return ConditionalResult::NotConditional;
    const std::optional<HttpTime> since = dateField(requestHeaders, "if-modified-since");
    if (!since)
        return ConditionalResult::NotConditional;
    // RFC 9111 section 4.3.2: the stored Last-Modified, else its Date, else when it was received.
    const HttpTime reference = dateField(storedHeaders, "last-modified")
                                   .value_or(dateField(storedHeaders, "date").value_or(receivedAt));
    return reference <= *since ? ConditionalResult::NotModified : ConditionalResult::Modified;
}

HttpHeaders Validators::notModifiedHeaders(const HttpHeaders &storedHeaders) {
    static constexpr const char *kKept[] = {"cache-control", "content-location", "date",
                                            "etag",          "expires",          "vary"};
    const bool hasEtag = findHeader(storedHeaders, "etag") != nullptr;
    HttpHeaders out;
    for (const HttpHeader &header : storedHeaders) {
        bool keep = !hasEtag && equalsIgnoreCase(header.name, "last-modified");
        for (const char *name : kKept)
            keep = keep || equalsIgnoreCase(header.name, name);
        if (keep)
            out.push_back(header);
    }
    return out;
}

// RFC 9111 section 4.3.4:
// - strong validators in the 304: every stored response with one of them; none: no update;
// - only weak validators: the most recent stored response that matches them;
// - no validator: the only stored response, if it has no validator either.
// NOTE: Last-Modified is treated as a weak validator (we do not apply RFC 9110 section 8.8.2.2's
// conditions under which a date is strong): the weak rule updates at most one response.
std::vector<std::size_t> Validators::selectForUpdate(const HttpHeaders &notModifiedHeaders,
                                                     const std::vector<StoredVariant> &stored) {
    std::vector<std::size_t> selected;
    const std::optional<EntityTag> tag = storedTag(notModifiedHeaders);
    const std::optional<HttpTime> lastModified = dateField(notModifiedHeaders, "last-modified");
    if (tag && !tag->weak) {
        for (std::size_t i = 0; i < stored.size(); ++i) {
            const std::optional<EntityTag> other = storedTag(stored[i].headers);
            if (other && strongMatch(*tag, *other))
                selected.push_back(i);
        }
        return selected;
    }
    if (tag || lastModified) {
        std::optional<std::size_t> best;
        for (std::size_t i = 0; i < stored.size(); ++i) {
            bool matches = false;
            if (tag) {
                const std::optional<EntityTag> other = storedTag(stored[i].headers);
                matches = other && weakMatch(*tag, *other);
            } else {
                matches = dateField(stored[i].headers, "last-modified") == lastModified;
            }
            if (matches && (!best || stored[i].receivedAt > stored[*best].receivedAt))
                best = i;
        }
        if (best)
            selected.push_back(*best);
        return selected;
    }
    if (stored.size() == 1 && !findHeader(stored[0].headers, "etag") &&
        !findHeader(stored[0].headers, "last-modified"))
        selected.push_back(0);
    return selected;
}

// RFC 9111 section 4.3.5: "if the stored response and HEAD response have matching values for
// any received validator fields (ETag and Last-Modified) and, if the HEAD response has a
// Content-Length header field, the value of Content-Length matches that of the stored response,
// the cache SHOULD update the stored response [...]; otherwise, the cache SHOULD consider the
// stored response to be stale." NOTE: ETag values are compared strongly (byte for byte, weakness
// included): a HEAD that changes a tag from strong to weak announces a different response.
bool Validators::headMatchesStored(const HttpHeaders &storedHeaders,
                                   const HttpHeaders &headHeaders) {
    for (const char *name : {"etag", "last-modified", "content-length"}) {
        const HttpHeader *head = findHeader(headHeaders, name);
        if (!head)
            continue;
        const HttpHeader *stored = findHeader(storedHeaders, name);
        if (!stored || stored->value.trimmed() != head->value.trimmed())
            return false;
    }
    return true;
}

HttpHeaders Validators::freshen(const HttpHeaders &storedHeaders,
                                const HttpHeaders &notModifiedHeaders) {
    // The names the 304 updates, in its order, without the section 3.2 exceptions: fields
    // excepted from storage (section 3.1: hop-by-hop) and Content-Length.
    QList<QByteArray> updated;
    for (const HttpHeader &header : notModifiedHeaders) {
        const QByteArray name = header.name.toLower();
        if (updated.contains(name) || name == "content-length" ||
            Storability::isHopByHop(notModifiedHeaders, name))
            continue;
        updated.append(name);
    }
    HttpHeaders out;
    out.reserve(storedHeaders.size() + notModifiedHeaders.size());
    for (const HttpHeader &header : storedHeaders) {
        const QByteArray name = header.name.toLower();
        // NOTE: a stored Age is dropped even when the 304 has none: the age restarts from the
        // validation exchange (the caller records its request and response times), and an old
        // Age would count the time before validation twice.
        if (updated.contains(name) || name == "age")
            continue;
        out.push_back(header);
    }
    for (const HttpHeader &header : notModifiedHeaders) {
        if (updated.contains(header.name.toLower()))
            out.push_back(header);
    }
    return out;
}

} // namespace ToolCapture
