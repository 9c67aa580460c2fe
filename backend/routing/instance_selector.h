#pragma once

#include <backend/http/http_message.h>
#include <backend/routing/service_registry.h>

#include <chrono>

namespace ToolCapture {

// Chooses the upstream instance of a service for one request. Each proxy worker owns its own
// selector, so implementations keep per-worker state without locks.
class InstanceSelector {
public:
    virtual ~InstanceSelector() = default;
    // The instance to use, or nullptr when no instance can take the request.
    virtual UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                                     std::chrono::steady_clock::time_point now) = 0;
};

} // namespace ToolCapture
