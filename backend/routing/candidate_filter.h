#pragma once

#include <QString>

#include <chrono>

namespace ToolCapture {

class UpstreamInstance;

// Why a candidate instance may not take a request. The selector decides Unreachable,
// Incompatible, Avoided and Draining itself; the others come from a CandidateFilter.
enum class Exclusion {
    None,
    BreakerOpen,  // its circuit breaker is open (or half-open with every probe taken)
    Unhealthy,    // active health checks or outlier detection took it out
    BulkheadFull, // its maximum of active and pending requests is reached
    Unreachable,  // a recent connect failure marked it (UpstreamInstance::isReachable)
    Incompatible, // lacks a capability the request requires (X-Require-Capability)
    Avoided,      // an earlier attempt of this request failed there and another is available
    Draining,     // deregistered (its service stopped): requests in flight finish, no new ones
};

// A stable key for JSON and metrics: "breaker_open", "bulkhead_full", ...; "" for None.
const char *exclusionKey(Exclusion exclusion) noexcept;
// Words for people: "breaker open", "bulkhead full", ...; "" for None.
QString exclusionText(Exclusion exclusion);

// What the resilience layer says about one candidate for one request.
struct CandidateStatus {
    Exclusion exclusion = Exclusion::None;
    // Slow start: an instance returning to service gets this share of the traffic it would
    // otherwise get, in (0, 1].
    double weight = 1.0;
};

// Availability of candidates as the breaker, health and bulkhead components see it; filled by
// the caller, so the selector depends on none of them. Called on the request path for every
// candidate: must not lock or allocate.
class CandidateFilter {
public:
    virtual ~CandidateFilter() = default;
    virtual CandidateStatus check(const UpstreamInstance &instance,
                                  std::chrono::steady_clock::time_point now) const = 0;
};

} // namespace ToolCapture
