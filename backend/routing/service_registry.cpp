#include <backend/routing/service_registry.h>

namespace ToolCapture {

ServiceRegistry::ServiceRegistry(const std::vector<ServiceConfig> &services) {
    m_services.reserve(services.size());
    for (const ServiceConfig &service : services) {
        ServiceEntry entry;
        entry.index = int(m_services.size());
        entry.name = service.name;
        entry.nameBytes = service.name.toUtf8();
        entry.match = service.match;
        for (const InstanceConfig &instance : service.instances) {
            m_instances.push_back(std::make_unique<UpstreamInstance>(
                int(m_instances.size()), entry.index, instance, service));
            entry.instances.push_back(m_instances.back().get());
        }
        m_services.push_back(std::move(entry));
    }
}

} // namespace ToolCapture
