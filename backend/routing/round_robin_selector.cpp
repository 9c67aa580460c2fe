#include <backend/routing/round_robin_selector.h>

namespace ToolCapture {

RoundRobinSelector::RoundRobinSelector(const ServiceRegistry &registry, unsigned seed)
    : m_next(registry.services().size(), seed)
{
}

UpstreamInstance *RoundRobinSelector::select(const ServiceEntry &service, const RequestHead &,
                                             std::chrono::steady_clock::time_point now)
{
    const auto count = unsigned(service.instances.size());
    unsigned &next = m_next[size_t(service.index)];
    for (unsigned tried = 0; tried < count; ++tried) {
        UpstreamInstance *candidate = service.instances[(next + tried) % count];
        if (candidate->isReachable(now)) {
            next = (next + tried + 1) % count;
            return candidate;
        }
    }
    return nullptr;
}

} // namespace ToolCapture
