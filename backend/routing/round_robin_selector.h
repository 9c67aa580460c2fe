#pragma once

#include <backend/routing/instance_selector.h>

#include <vector>

namespace ToolCapture {

// Round-robin over the instances that are reachable; nullptr when none is.
class RoundRobinSelector final : public InstanceSelector {
public:
    explicit RoundRobinSelector(const ServiceRegistry &registry, unsigned seed = 0);

    // InstanceSelector
    UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                             std::chrono::steady_clock::time_point now) override;
    // Skips instances the filter excludes (slow-start weights are ignored) and avoided ones
    // while another is available. The explanation has exclusions but no scores.
    UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                             std::chrono::steady_clock::time_point now,
                             const SelectionContext &context, RoutingDecision *explain) override;

private:
    std::vector<unsigned> m_next; // per service
};

} // namespace ToolCapture
