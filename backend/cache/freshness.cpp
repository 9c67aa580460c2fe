#include <backend/cache/freshness.h>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

using std::chrono::seconds;

namespace {

std::optional<HttpTime> headerDate(const HttpHeaders &headers, QByteArrayView name) {
    const HttpHeader *header = findHeader(headers, name);
    if (!header)
        return std::nullopt;
    return HttpDate::parse(header->value);
}

// RFC 9110 section 6.6.1: a response without a (valid) Date is dated when it was received.
HttpTime dateValue(const HttpHeaders &headers, HttpTime responseTime) {
    return headerDate(headers, "date").value_or(responseTime);
}

} // namespace

// RFC 9110 section 15.1: "200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, and 501" are
// heuristically cacheable.
bool Freshness::isHeuristicallyCacheable(int status) {
    switch (status) {
    case 200:
    case 203:
    case 204:
    case 206:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 501:
        return true;
    default:
        return false;
    }
}

FreshnessLifetime Freshness::lifetime(int status, const HttpHeaders &responseHeaders,
                                      const CacheControl &responseControl, HttpTime responseTime,
                                      const FreshnessPolicy &policy) {
    // RFC 9111 section 4.2.1: invalid or conflicting freshness information: stale.
    if (responseControl.invalidFreshness)
        return {seconds{0}, FreshnessSource::Invalid};
    // Section 4.2.1 (shared cache): s-maxage first, then max-age.
    if (responseControl.sMaxAge)
        return {*responseControl.sMaxAge, FreshnessSource::SMaxAge};
    if (responseControl.maxAge)
        return {*responseControl.maxAge, FreshnessSource::MaxAge};
    // Section 4.2.1: Expires minus Date (or the receipt time). Section 5.3: an invalid Expires,
    // especially "0", is a time in the past; section 4.2.1: several different Expires values
    // make the response stale.
    if (const HttpHeader *expiresField = findHeader(responseHeaders, "expires")) {
        for (const HttpHeader &other : responseHeaders) {
            if (equalsIgnoreCase(other.name, "expires") && other.value != expiresField->value)
                return {seconds{0}, FreshnessSource::Invalid};
        }
        const std::optional<HttpTime> expires = HttpDate::parse(expiresField->value);
        if (!expires)
            return {seconds{0}, FreshnessSource::Expires};
        const HttpTime date = dateValue(responseHeaders, responseTime);
        return {std::max(seconds{0}, *expires - date), FreshnessSource::Expires};
    }
    // Section 4.2.2: a heuristic only without explicit expiration, for a heuristically
    // cacheable status or a response marked public, and only where the service allows it.
    // Heuristic from Last-Modified only: 10% (configurable) of the time since it, bounded.
    if (!policy.heuristicsAllowed ||
        !(isHeuristicallyCacheable(status) || responseControl.isPublic))
        return {seconds{0}, FreshnessSource::None};
    const std::optional<HttpTime> lastModified = headerDate(responseHeaders, "last-modified");
    if (!lastModified)
        return {seconds{0}, FreshnessSource::None};
    const seconds sinceModified =
        std::max(seconds{0}, dateValue(responseHeaders, responseTime) - *lastModified);
    const auto scaled = seconds{qint64(
        std::floor(double(sinceModified.count()) * std::max(0.0, policy.heuristicFraction)))};
    return {std::min(scaled, policy.heuristicMax), FreshnessSource::Heuristic};
}

// RFC 9111 section 5.1: Age = delta-seconds. A malformed value is ignored (taken as absent):
// NOTE: the alternative, treating it as "very old", would punish every cache behind a
// broken one; the Date-based apparent age still bounds the age from below.
std::optional<seconds> Freshness::ageValue(const HttpHeaders &responseHeaders) {
    const HttpHeader *header = findHeader(responseHeaders, "age");
    if (!header)
        return std::nullopt;
    const QByteArray value = header->value.trimmed();
    if (value.isEmpty())
        return std::nullopt;
    qint64 total = 0;
    for (const char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        if (total < CacheControl::kMaxDelta.count())
            total = total * 10 + (c - '0');
    }
    // Section 1.2.2: beyond what we represent is 2^31.
    return std::min(seconds{total}, CacheControl::kMaxDelta);
}

// RFC 9111 section 4.2.3:
//   apparent_age = max(0, response_time - date_value);
//   response_delay = response_time - request_time;
//   corrected_age_value = age_value + response_delay;
//   corrected_initial_age = max(apparent_age, corrected_age_value);
//   resident_time = now - response_time;
//   current_age = corrected_initial_age + resident_time;
// NOTE: response_delay and resident_time are clamped at 0 so that a clock stepping backwards
// can never make an age smaller than the Age the response arrived with.
AgeCalculation Freshness::age(const HttpHeaders &responseHeaders, HttpTime requestTime,
                              HttpTime responseTime, HttpTime now) {
    AgeCalculation a;
    const HttpTime date = dateValue(responseHeaders, responseTime);
    a.apparentAge = std::max(seconds{0}, responseTime - date);
    a.responseDelay = std::max(seconds{0}, responseTime - requestTime);
    a.correctedAgeValue = ageValue(responseHeaders).value_or(seconds{0}) + a.responseDelay;
    a.correctedInitialAge = std::max(a.apparentAge, a.correctedAgeValue);
    a.residentTime = std::max(seconds{0}, now - responseTime);
    a.currentAge = a.correctedInitialAge + a.residentTime;
    return a;
}

CacheVerdict Freshness::decide(bool stored, const CacheControl &request,
                               const CacheControl &response, FreshnessLifetime lifetime,
                               seconds currentAge, OriginState origin,
                               const FreshnessPolicy &policy) {
    CacheVerdict v;
    if (!stored) {
        // Section 5.2.1.7: only-if-cached with nothing stored: 504.
        if (request.onlyIfCached) {
            v.decision = CacheDecision::GatewayTimeout;
            v.reason = "only-if-cached and nothing stored";
        } else {
            v.decision = CacheDecision::Miss;
            v.reason = "nothing stored";
        }
        return v;
    }
    v.withheldFields = response.noCacheFields;
    v.freshnessRemaining = lifetime.value - currentAge;
    const seconds staleness = currentAge - lifetime.value;
    // Section 4.2: response_is_fresh = (freshness_lifetime > current_age).
    const bool fresh = lifetime.value > currentAge;
    const bool cannotValidate = request.onlyIfCached || origin == OriginState::Unreachable;

    // Section 5.2.1.4 (request no-cache, or Pragma, section 5.4) and section 5.2.2.4
    // (unqualified response no-cache): never used without successful validation.
    if (request.noCache || response.noCacheUnqualified()) {
        v.decision = cannotValidate ? CacheDecision::GatewayTimeout : CacheDecision::MustValidate;
        v.reason = request.noCache ? "request no-cache" : "response no-cache";
        return v;
    }

    // Section 5.2.1.1: the client does not want a response older than its max-age; section
    // 5.2.1.3: it wants at least min-fresh seconds of freshness left.
    bool clientAccepts = true;
    if (request.maxAge && currentAge > *request.maxAge) {
        clientAccepts = false;
        v.reason = "older than the request's max-age";
    }
    if (request.minFresh && v.freshnessRemaining < *request.minFresh) {
        clientAccepts = false;
        v.reason = "less fresh than the request's min-fresh";
    }
    if (fresh && clientAccepts) {
        v.decision = CacheDecision::FreshHit;
        v.reason = "fresh";
        return v;
    }
    if (!fresh)
        v.reason = "stale";

    // Section 4.2.4: no stale response against must-revalidate (5.2.2.2), proxy-revalidate
    // (5.2.2.8) or s-maxage (5.2.2.10, which implies proxy-revalidate for a shared cache); a
    // disconnected cache answers 504 instead (5.2.2.2). This also overrides RFC 5861.
    const bool staleForbidden =
        response.mustRevalidate || response.proxyRevalidate || response.sMaxAge.has_value();
    if (staleForbidden) {
        v.decision = cannotValidate ? CacheDecision::GatewayTimeout : CacheDecision::MustValidate;
        if (!fresh)
            v.reason = response.mustRevalidate    ? "stale and must-revalidate"
                       : response.proxyRevalidate ? "stale and proxy-revalidate"
                                                  : "stale and s-maxage";
        return v;
    }

    // Section 5.2.1.2: the client accepts a stale response up to max-stale (any, without a
    // value), within its other constraints.
    if (!fresh && clientAccepts &&
        (request.maxStaleAny || (request.maxStale && staleness <= *request.maxStale))) {
        v.decision = CacheDecision::StaleServable;
        v.staleRule = StaleRule::MaxStale;
        v.reason = "stale within the request's max-stale";
        return v;
    }

    // RFC 5861 section 3: within stale-while-revalidate, serve stale now and revalidate once in
    // the background. NOTE: the client's max-age/min-fresh are honoured (a reload, max-age=0,
    // gets a validated response).
    if (origin == OriginState::Reachable && !fresh && clientAccepts &&
        response.staleWhileRevalidate && staleness <= *response.staleWhileRevalidate) {
        v.decision = CacheDecision::StaleServable;
        v.staleRule = StaleRule::StaleWhileRevalidate;
        v.backgroundRevalidation = !request.onlyIfCached;
        v.reason = "stale within stale-while-revalidate";
        return v;
    }

    if (origin != OriginState::Reachable) {
        // RFC 5861 section 4: either the response's or the request's stale-if-error allows a
        // stale answer when the origin fails. NOTE: this wins over the client's max-age and
        // min-fresh: the alternative is an error.
        const bool byResponse = response.staleIfError && staleness <= *response.staleIfError;
        const bool byRequest = request.staleIfError && staleness <= *request.staleIfError;
        if (byResponse || byRequest) {
            v.decision = CacheDecision::StaleServable;
            v.staleRule = StaleRule::StaleIfError;
            v.reason = "origin failed, within stale-if-error";
            return v;
        }
        // Section 4.2.4: a disconnected cache may serve stale; how stale is configuration.
        if (origin == OriginState::Unreachable && policy.disconnectedStaleLimit &&
            staleness <= *policy.disconnectedStaleLimit) {
            v.decision = CacheDecision::StaleServable;
            v.staleRule = StaleRule::Disconnected;
            v.reason = "no instance reachable, within the disconnected stale limit";
            return v;
        }
    }

    // Section 5.2.1.7: a stored response that does not satisfy the request's other
    // constraints, under only-if-cached, is a 504; so is a validation that cannot happen.
    if (cannotValidate) {
        v.decision = CacheDecision::GatewayTimeout;
        v.reason = request.onlyIfCached ? "only-if-cached and the stored response is unusable"
                                        : "no instance reachable and stale not allowed";
        return v;
    }
    v.decision = CacheDecision::MustValidate;
    return v;
}

QByteArrayView Freshness::sourceName(FreshnessSource source) {
    switch (source) {
    case FreshnessSource::SMaxAge:
        return "s-maxage";
    case FreshnessSource::MaxAge:
        return "max-age";
    case FreshnessSource::Expires:
        return "expires";
    case FreshnessSource::Heuristic:
        return "heuristic";
    case FreshnessSource::Invalid:
        return "invalid";
    case FreshnessSource::None:
        break;
    }
    return "none";
}

QByteArrayView Freshness::decisionName(CacheDecision decision) {
    switch (decision) {
    case CacheDecision::FreshHit:
        return "fresh-hit";
    case CacheDecision::StaleServable:
        return "stale-servable";
    case CacheDecision::MustValidate:
        return "must-validate";
    case CacheDecision::GatewayTimeout:
        return "gateway-timeout";
    case CacheDecision::Miss:
        break;
    }
    return "miss";
}

QByteArrayView Freshness::staleRuleName(StaleRule rule) {
    switch (rule) {
    case StaleRule::MaxStale:
        return "max-stale";
    case StaleRule::StaleWhileRevalidate:
        return "stale-while-revalidate";
    case StaleRule::StaleIfError:
        return "stale-if-error";
    case StaleRule::Disconnected:
        return "disconnected";
    case StaleRule::None:
        break;
    }
    return "none";
}

} // namespace ToolCapture
