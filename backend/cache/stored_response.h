#pragma once

#include <backend/cache/cache_control.h>
#include <backend/cache/cache_payload.h>
#include <backend/cache/freshness.h>
#include <backend/cache/http_date.h>
#include <backend/http/http_message.h>

#include <QByteArray>
#include <QList>

#include <atomic>
#include <cstdint>
#include <memory>

namespace ToolCapture {

// Where a stored response's freshness lifetime came from (the entry's "TTL source").
enum class TtlSource {
    Header,    // s-maxage, max-age or Expires
    Heuristic, // RFC 9111 section 4.2.2 (a fraction of the time since Last-Modified)
    Learned,   // the TTL advisor's estimate of how often the operation's response changes
};

QByteArrayView ttlSourceName(TtlSource source);

// A response as the cache keeps it: immutable once stored (a 304 that freshens it stores a new
// one), shared by every worker that serves it.
class StoredResponse final : public CachePayload {
public:
    int status = 200;
    QByteArray reason;
    HttpHeaders headers; // as stored (RFC 9111 section 3.1: hop-by-hop fields removed)
    QByteArray body;
    // RFC 9111 section 4.2.3's request_time and response_time, on the cache's wall clock.
    HttpTime requestTime;
    HttpTime responseTime;
    CacheControl control; // the stored headers' Cache-Control, parsed once
    FreshnessLifetime lifetime;
    TtlSource ttlSource = TtlSource::Header;
    // The Vary secondary key the response was stored under (empty without Vary).
    QByteArray secondaryKey;
    int service = -1;
    // The operation the TTL advisor learns under ("GET /items/{id}" style, empty: none).
    QByteArray operation;

    // What the entry weighs against the store's bounds.
    std::int64_t weight() const;

    // RFC 9111 section 4.2.3's current_age at `now`: the corrected initial age, which depends
    // only on what was stored (Date, Age, the request and response times) and is computed once,
    // plus the resident time. Equal to Freshness::age(...).currentAge; a hit parses no Date.
    std::chrono::seconds currentAge(HttpTime now) const;

    // The shared tier's form (Redis): a versioned binary record of everything above but
    // `control`, which is parsed again from the headers. fromBytes: nullptr when the record is
    // not one (another version, truncated, corrupted).
    QByteArray toBytes() const;
    static std::shared_ptr<StoredResponse> fromBytes(QByteArrayView bytes);

private:
    // corrected_initial_age in seconds, -1 until first asked; workers sharing the response may
    // compute it at once, to the same value. A copy starts afresh: copies are made to be changed
    // (a 304's freshened response).
    struct InitialAge {
        mutable std::atomic<std::int64_t> seconds{-1};
        InitialAge() = default;
        InitialAge(const InitialAge &) {}
        InitialAge &operator=(const InitialAge &) {
            seconds.store(-1, std::memory_order_relaxed);
            return *this;
        }
    };
    InitialAge m_initialAge;
};

// Stored under a primary key whose response had Vary: the request fields that select the
// variant, whose own key is the primary key, a newline and the secondary key.
class VaryMarker final : public CachePayload {
public:
    QList<QByteArray> fields;
};

} // namespace ToolCapture
