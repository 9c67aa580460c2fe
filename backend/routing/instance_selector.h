#pragma once

#include <backend/http/http_message.h>
#include <backend/routing/service_registry.h>

#include <chrono>

namespace ToolCapture {

struct RoutingBrief;
struct RoutingDecision;
struct SelectionContext;

// Chooses the upstream instance of a service for one request. Each proxy worker owns its own
// selector, so implementations keep per-worker state without locks.
class InstanceSelector {
public:
    virtual ~InstanceSelector() = default;
    // The instance to use, or nullptr when no instance can take the request.
    virtual UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                                     std::chrono::steady_clock::time_point now) = 0;
    // The same, honouring the context (instances to avoid on a retry, availability and
    // slow-start weights from the resilience layer), and filling `explain` when it is not
    // nullptr (it is cleared first).
    virtual UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                                     std::chrono::steady_clock::time_point now,
                                     const SelectionContext &context, RoutingDecision *explain) = 0;
    // The same, also filling `brief` (the capture record's compact explanation) when it is not
    // nullptr.
    virtual UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                                     std::chrono::steady_clock::time_point now,
                                     const SelectionContext &context, RoutingDecision *explain,
                                     RoutingBrief *brief) = 0;
};

} // namespace ToolCapture
