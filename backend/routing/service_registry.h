#pragma once

#include <backend/config/proxy_config.h>
#include <backend/routing/upstream_instance.h>

#include <QStringView>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace ToolCapture {

// The instances of one service: a list of fixed capacity that only grows. A new instance is
// written into its slot before the length is published (release; readers acquire it), so a
// worker sees it completely or not at all, and nothing a worker holds ever moves.
class InstanceList {
public:
    InstanceList() = default;
    InstanceList(const InstanceList &) = delete;
    InstanceList &operator=(const InstanceList &) = delete;

    std::size_t size() const noexcept { return m_count.load(std::memory_order_acquire); }
    bool empty() const noexcept { return size() == 0; }
    std::size_t capacity() const noexcept { return m_capacity; }
    // Below a size() read before: a published slot never changes.
    UpstreamInstance *operator[](std::size_t i) const noexcept { return m_slots[i]; }
    UpstreamInstance *const *begin() const noexcept { return m_slots.get(); }
    UpstreamInstance *const *end() const noexcept { return m_slots.get() + size(); }

private:
    friend class ServiceRegistry;
    void reserve(std::size_t capacity) {
        m_slots = std::make_unique<UpstreamInstance *[]>(capacity > 0 ? capacity : 1);
        m_capacity = capacity;
    }

    std::unique_ptr<UpstreamInstance *[]> m_slots;
    std::size_t m_capacity = 0;
    std::atomic<std::size_t> m_count{0};
};

// A service: its name, how requests match it, its settings and its instances.
struct ServiceEntry {
    int index = 0;
    QString name;
    QByteArray nameBytes;
    MatchConfig match;
    // Pool, timeouts, retry, breaker, bulkhead, health, outlier and routing settings: from the
    // configuration, or the global ones for a service registered while running.
    // settings.instances stays empty: `instances` is the list.
    ServiceConfig settings;
    bool dynamic = false; // registered while running; matched by X-Target-Service and Host
    InstanceList instances;
};

// The services and instances of one configuration, and those registered while running (lifecycle
// hooks) in room reserved at construction. Services and instances are only ever added, each
// published with a release store once complete, so every worker reads the registry without a
// lock; what changes afterwards is the instances' atomic state (reachability, draining).
// Additions and lookups by name happen in the engine thread only.
class ServiceRegistry {
public:
    // The configured services; with `reserve`, room for more, and `dynamicDefaults` as the
    // settings of services registered while running (its name and instances are ignored).
    explicit ServiceRegistry(const std::vector<ServiceConfig> &services,
                             RegistryConfig reserve = RegistryConfig{0, 0},
                             ServiceConfig dynamicDefaults = {});
    // config.services, the reserve of config.registry, and the global settings of `config` for
    // services registered while running.
    explicit ServiceRegistry(const ProxyConfig &config);
    ServiceRegistry(const ServiceRegistry &) = delete;
    ServiceRegistry &operator=(const ServiceRegistry &) = delete;

    // The settings a service registered while running gets: the global ones of `config`.
    static ServiceConfig dynamicDefaultsOf(const ProxyConfig &config);

    // Any thread. The published services, configured ones first.
    std::span<const ServiceEntry> services() const noexcept {
        return {m_services.get(), size_t(m_serviceCount.load(std::memory_order_acquire))};
    }
    const ServiceEntry &service(int index) const noexcept { return m_services[size_t(index)]; }
    // Engine thread: a published service's settings change live (ProxyServer's live settings).
    ServiceEntry &service(int index) noexcept { return m_services[size_t(index)]; }
    // Published instances; indexes are 0..instanceCount()-1 and never reused.
    int instanceCount() const noexcept { return m_instanceCount.load(std::memory_order_acquire); }
    UpstreamInstance &instance(int index) noexcept { return *m_instances[size_t(index)]; }
    const UpstreamInstance &instance(int index) const noexcept {
        return *m_instances[size_t(index)];
    }
    // Every per-instance (per-service) array is sized to these, so nothing ever reallocates.
    int instanceCapacity() const noexcept { return m_instanceCapacity; }
    int serviceCapacity() const noexcept { return m_serviceCapacity; }
    int configuredInstanceCount() const noexcept { return m_configuredInstances; }
    int configuredServiceCount() const noexcept { return m_configuredServices; }
    // Room for what may be registered while running.
    const RegistryConfig &reserve() const noexcept { return m_reserve; }
    const ServiceConfig &dynamicDefaults() const noexcept { return m_dynamicDefaults; }

    // Engine thread only.
    // The service named `name` (case-insensitive, as X-Target-Service matches), or nullptr.
    ServiceEntry *findService(QStringView name);
    bool hasInstanceId(const QString &id) const;
    int dynamicInstancesLeft() const noexcept;
    int dynamicServicesLeft() const noexcept;
    // A new service with the dynamic defaults, matched by its name (X-Target-Service, Host), not
    // yet visible to requests: add its instances, then publishService(). nullptr when the
    // reserve is used up.
    ServiceEntry *createService(const QString &name);
    void publishService(ServiceEntry &service);
    // A new instance of `service` in the next free slot. `prepare` runs before the instance is
    // published (set up its breaker, bulkhead, statistics, ...); then the workers see it.
    // nullptr when the reserve is used up.
    UpstreamInstance *addInstance(ServiceEntry &service, const InstanceConfig &config,
                                  const std::function<void(UpstreamInstance &)> &prepare);

private:
    void appendInstance(ServiceEntry &service, std::unique_ptr<UpstreamInstance> instance);

    RegistryConfig m_reserve;
    ServiceConfig m_dynamicDefaults;
    int m_serviceCapacity = 0;
    int m_instanceCapacity = 0;
    int m_configuredServices = 0;
    int m_configuredInstances = 0;
    std::unique_ptr<ServiceEntry[]> m_services;
    std::unique_ptr<std::unique_ptr<UpstreamInstance>[]> m_instances;
    int m_servicesCreated = 0; // engine thread: created, published or not
    std::atomic<int> m_serviceCount{0};
    std::atomic<int> m_instanceCount{0};
};

} // namespace ToolCapture
