#include <backend/routing/upstream_instance.h>

namespace ToolCapture {

UpstreamInstance::UpstreamInstance(int index, int serviceIndex, const InstanceConfig &config,
                                   const ServiceConfig &service, bool dynamic)
    : m_index(index)
    , m_serviceIndex(serviceIndex)
    , m_id(config.id)
    , m_url(config.url)
    , m_host(config.host)
    , m_address(config.host)
    , m_port(config.port)
    , m_capabilities(config.capabilities)
    , m_pool(service.pool)
    , m_timeouts(service.timeouts)
    , m_dynamic(dynamic)
    , m_firstByteMs(service.timeouts.firstByte.count()) {}

bool UpstreamInstance::isReachable(std::chrono::steady_clock::time_point now) const noexcept {
    return now.time_since_epoch().count() >= m_unreachableUntilNs.load(std::memory_order_relaxed);
}

void UpstreamInstance::markUnreachable(std::chrono::steady_clock::time_point until) noexcept {
    m_unreachableUntilNs.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(until.time_since_epoch()).count(),
        std::memory_order_relaxed);
}

} // namespace ToolCapture
