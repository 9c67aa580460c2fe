#pragma once

#include <backend/config/proxy_config.h>
#include <backend/routing/upstream_instance.h>

#include <memory>
#include <vector>

namespace ToolCapture {

// A service: its name, how requests match it, and its instances.
struct ServiceEntry {
    int index = 0;
    QString name;
    QByteArray nameBytes;
    MatchConfig match;
    std::vector<UpstreamInstance *> instances;
};

// The services and instances of one configuration. Immutable after construction apart from the
// instances' atomic state, so every worker reads it without a lock.
class ServiceRegistry {
public:
    explicit ServiceRegistry(const std::vector<ServiceConfig> &services);
    ServiceRegistry(const ServiceRegistry &) = delete;
    ServiceRegistry &operator=(const ServiceRegistry &) = delete;

    const std::vector<ServiceEntry> &services() const noexcept { return m_services; }
    int instanceCount() const noexcept { return int(m_instances.size()); }
    UpstreamInstance &instance(int index) noexcept { return *m_instances[size_t(index)]; }
    const UpstreamInstance &instance(int index) const noexcept {
        return *m_instances[size_t(index)];
    }

private:
    std::vector<ServiceEntry> m_services;
    std::vector<std::unique_ptr<UpstreamInstance>> m_instances;
};

} // namespace ToolCapture
