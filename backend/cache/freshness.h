#pragma once

#include <backend/cache/cache_control.h>
#include <backend/cache/http_date.h>
#include <backend/http/http_message.h>

#include <QByteArrayView>
#include <QList>

#include <chrono>
#include <optional>

namespace ToolCapture {

// What the service's configuration allows the cache to assume about freshness.
struct FreshnessPolicy {
    // RFC 9111 section 4.2.2: heuristic freshness is a cache's choice; ours is per service.
    bool heuristicsAllowed = false;
    // The fraction of (Date - Last-Modified) taken as the heuristic lifetime (the RFC's 10%).
    double heuristicFraction = 0.1;
    // The bound on any heuristic lifetime.
    std::chrono::seconds heuristicMax{std::chrono::hours{24}};
    // How stale an entry may be to be served when no instance of the service can be reached
    // (section 4.2.4 allows a disconnected cache to serve stale); nullopt: never.
    std::optional<std::chrono::seconds> disconnectedStaleLimit;
};

// Where a freshness lifetime came from.
enum class FreshnessSource { SMaxAge, MaxAge, Expires, Heuristic, Invalid, None };

// A freshness lifetime and the rule it came from (the entry's TTL source: every explicit
// source is "header", Heuristic is "heuristic").
struct FreshnessLifetime {
    std::chrono::seconds value{0};
    FreshnessSource source = FreshnessSource::None;
};

// The terms of RFC 9111 section 4.2.3, kept so that a capture can explain an Age.
struct AgeCalculation {
    std::chrono::seconds apparentAge{0};
    std::chrono::seconds responseDelay{0};
    std::chrono::seconds correctedAgeValue{0};
    std::chrono::seconds correctedInitialAge{0};
    std::chrono::seconds residentTime{0};
    std::chrono::seconds currentAge{0};
};

// The state of the origin when the decision is taken.
enum class OriginState {
    Reachable,   // a request can be forwarded (or nothing is known to the contrary)
    Error,       // the origin answered 500, 502, 503 or 504 (stale-if-error applies)
    Unreachable, // no instance can be reached: connection failures, every breaker open
};

// What the cache does with a request, given what it has stored.
enum class CacheDecision {
    FreshHit,       // serve the stored response
    StaleServable,  // serve the stored, stale response (see StaleRule)
    MustValidate,   // forward a conditional request (or the origin's answer stands)
    Miss,           // nothing usable stored: forward
    GatewayTimeout, // answer 504: only-if-cached unsatisfiable, or validation impossible
};

// Which rule allows a stale response to be served.
enum class StaleRule {
    None,
    MaxStale,             // the request's max-stale (section 5.2.1.2)
    StaleWhileRevalidate, // RFC 5861 section 3: serve now, revalidate in the background
    StaleIfError,         // RFC 5861 section 4: the origin failed
    Disconnected,         // section 4.2.4: no instance reachable, policy allows it
};

// What Freshness::decide concluded, with what the serving side needs to act on it.
struct CacheVerdict {
    CacheDecision decision = CacheDecision::Miss;
    StaleRule staleRule = StaleRule::None;
    bool backgroundRevalidation = false; // StaleWhileRevalidate: one revalidation to start
    // Response header fields that must not be sent without revalidation (a qualified
    // no-cache, section 5.2.2.4): a FreshHit/StaleServable omits them.
    QList<QByteArray> withheldFields;
    std::chrono::seconds freshnessRemaining{0}; // lifetime - current age (negative: stale)
    const char *reason = "";                    // a short English explanation for the capture
};

// Freshness lifetime, age and the serve/validate/forward decision (RFC 9111 section 4.2).
class Freshness {
public:
    // RFC 9110 section 15.1: the status codes that are heuristically cacheable.
    static bool isHeuristicallyCacheable(int status);

    // Section 4.2.1 for a shared cache: s-maxage, else max-age, else Expires - Date, else a
    // heuristic (section 4.2.2) if the policy and the status allow it. `responseTime` stands in
    // for a missing or invalid Date.
    static FreshnessLifetime lifetime(int status, const HttpHeaders &responseHeaders,
                                      const CacheControl &responseControl, HttpTime responseTime,
                                      const FreshnessPolicy &policy);

    // Section 5.1: the Age field's value (the first line's, as delta-seconds), or nullopt.
    static std::optional<std::chrono::seconds> ageValue(const HttpHeaders &responseHeaders);

    // Section 4.2.3 at `now` for a response requested at `requestTime` and received at
    // `responseTime`.
    static AgeCalculation age(const HttpHeaders &responseHeaders, HttpTime requestTime,
                              HttpTime responseTime, HttpTime now);

    // Sections 4, 4.2.4 and 5.2 with RFC 5861: what to do with `request` given the stored
    // response (`stored` false: nothing stored under the key).
    static CacheVerdict decide(bool stored, const CacheControl &request,
                               const CacheControl &response, FreshnessLifetime lifetime,
                               std::chrono::seconds currentAge, OriginState origin,
                               const FreshnessPolicy &policy);

    static QByteArrayView sourceName(FreshnessSource source);
    static QByteArrayView decisionName(CacheDecision decision);
    static QByteArrayView staleRuleName(StaleRule rule);
};

} // namespace ToolCapture
