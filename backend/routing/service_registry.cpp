#include <backend/routing/service_registry.h>

#include <algorithm>

namespace ToolCapture {

ServiceRegistry::ServiceRegistry(const std::vector<ServiceConfig> &services, RegistryConfig reserve,
                                 ServiceConfig dynamicDefaults)
    : m_reserve{std::max(reserve.maxDynamicInstances, 0), std::max(reserve.maxDynamicServices, 0)}
    , m_dynamicDefaults(std::move(dynamicDefaults)) {
    m_dynamicDefaults.name.clear();
    m_dynamicDefaults.instances.clear();
    m_dynamicDefaults.match = {};
    m_configuredServices = int(services.size());
    for (const ServiceConfig &service : services)
        m_configuredInstances += int(service.instances.size());
    m_serviceCapacity = m_configuredServices + m_reserve.maxDynamicServices;
    m_instanceCapacity = m_configuredInstances + m_reserve.maxDynamicInstances;
    m_services = std::make_unique<ServiceEntry[]>(size_t(std::max(m_serviceCapacity, 1)));
    m_instances = std::make_unique<std::unique_ptr<UpstreamInstance>[]>(
        size_t(std::max(m_instanceCapacity, 1)));

    int next = 0;
    for (const ServiceConfig &service : services) {
        ServiceEntry &entry = m_services[size_t(m_servicesCreated)];
        entry.index = m_servicesCreated++;
        entry.name = service.name;
        entry.nameBytes = service.name.toUtf8();
        entry.match = service.match;
        entry.settings = service;
        entry.settings.instances.clear();
        entry.instances.reserve(service.instances.size() + size_t(m_reserve.maxDynamicInstances));
        for (const InstanceConfig &instance : service.instances) {
            appendInstance(entry, std::make_unique<UpstreamInstance>(next++, entry.index, instance,
                                                                     entry.settings));
        }
    }
    m_serviceCount.store(m_servicesCreated, std::memory_order_release);
}

ServiceRegistry::ServiceRegistry(const ProxyConfig &config)
    : ServiceRegistry(config.services, config.registry, dynamicDefaultsOf(config)) {}

ServiceConfig ServiceRegistry::dynamicDefaultsOf(const ProxyConfig &config) {
    ServiceConfig s;
    s.pool = config.pool;
    s.timeouts = config.timeouts;
    s.retry = config.retry;
    s.breaker = config.breaker;
    s.bulkhead = config.bulkhead;
    s.health = config.health;
    s.outlier = config.outlier;
    s.routing = config.routing;
    return s;
}

ServiceEntry *ServiceRegistry::findService(QStringView name) {
    for (int i = 0; i < m_servicesCreated; ++i) {
        if (m_services[size_t(i)].name.compare(name, Qt::CaseInsensitive) == 0)
            return &m_services[size_t(i)];
    }
    return nullptr;
}

bool ServiceRegistry::hasInstanceId(const QString &id) const {
    const int count = instanceCount();
    for (int i = 0; i < count; ++i) {
        if (m_instances[size_t(i)]->id() == id)
            return true;
    }
    return false;
}

int ServiceRegistry::dynamicInstancesLeft() const noexcept {
    return m_instanceCapacity - instanceCount();
}

int ServiceRegistry::dynamicServicesLeft() const noexcept {
    return m_serviceCapacity - m_servicesCreated;
}

ServiceEntry *ServiceRegistry::createService(const QString &name) {
    if (m_servicesCreated >= m_serviceCapacity)
        return nullptr;
    ServiceEntry &entry = m_services[size_t(m_servicesCreated)];
    entry.index = m_servicesCreated++;
    entry.name = name;
    entry.nameBytes = name.toUtf8();
    entry.match = {};
    entry.match.host = entry.nameBytes;
    entry.settings = m_dynamicDefaults;
    entry.settings.name = name;
    entry.settings.match = entry.match;
    entry.dynamic = true;
    entry.instances.reserve(size_t(m_reserve.maxDynamicInstances));
    return &entry;
}

void ServiceRegistry::publishService(ServiceEntry &service) {
    // Services are published in creation order: a slot below the count is always complete.
    Q_ASSERT(service.index == m_serviceCount.load(std::memory_order_relaxed));
    m_serviceCount.store(service.index + 1, std::memory_order_release);
}

UpstreamInstance *
ServiceRegistry::addInstance(ServiceEntry &service, const InstanceConfig &config,
                             const std::function<void(UpstreamInstance &)> &prepare) {
    const int index = m_instanceCount.load(std::memory_order_relaxed);
    if (index >= m_instanceCapacity || service.instances.size() >= service.instances.capacity())
        return nullptr;
    auto instance =
        std::make_unique<UpstreamInstance>(index, service.index, config, service.settings, true);
    UpstreamInstance *added = instance.get();
    if (prepare)
        prepare(*added);
    appendInstance(service, std::move(instance));
    return added;
}

void ServiceRegistry::appendInstance(ServiceEntry &service,
                                     std::unique_ptr<UpstreamInstance> instance) {
    const int index = instance->index();
    UpstreamInstance *raw = instance.get();
    m_instances[size_t(index)] = std::move(instance);
    m_instanceCount.store(index + 1, std::memory_order_release);
    const std::size_t slot = service.instances.m_count.load(std::memory_order_relaxed);
    service.instances.m_slots[slot] = raw;
    service.instances.m_count.store(slot + 1, std::memory_order_release);
}

} // namespace ToolCapture
