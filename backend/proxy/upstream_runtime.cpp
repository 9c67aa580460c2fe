#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>

namespace ToolCapture {

UpstreamRuntime::UpstreamRuntime(const ServiceRegistry &registry,
                                 const std::vector<ServiceConfig> &services, const Clock &clock,
                                 CircuitBreaker::Observer onTransition)
    : m_registry(registry)
    , m_clock(clock)
    , m_onTransition(std::move(onTransition))
    , m_instanceCapacity(registry.instanceCapacity())
    , m_breakers(size_t(registry.instanceCapacity()))
    , m_bulkheads(size_t(registry.instanceCapacity()))
    , m_stats(std::make_unique<InstanceStats[]>(size_t(registry.instanceCapacity())))
    , m_health(size_t(registry.instanceCapacity())) {
    const auto settingsOf = [&](int service) -> const ServiceConfig & {
        return size_t(service) < services.size() ? services[size_t(service)]
                                                 : registry.dynamicDefaults();
    };
    for (int i = 0; i < registry.instanceCount(); ++i) {
        const UpstreamInstance &instance = registry.instance(i);
        createInstanceState(i, instance.id(), settingsOf(instance.serviceIndex()));
    }
    for (int i = 0; i < registry.serviceCapacity(); ++i) {
        const ServiceConfig &service = settingsOf(i);
        m_retry.push_back(std::make_unique<RetryPolicy>(service.retry));
        m_budgets.push_back(std::make_unique<RetryBudget>(service.retry));
        m_limiters.push_back(std::make_unique<RateLimiter>(service.rateLimit));
        m_routing.push_back(service.routing);
    }
}

void UpstreamRuntime::prepareInstance(const UpstreamInstance &instance,
                                      const ServiceConfig &settings) {
    createInstanceState(instance.index(), instance.id(), settings);
}

void UpstreamRuntime::createInstanceState(int index, const QString &id,
                                          const ServiceConfig &settings) {
    const auto i = size_t(index);
    m_breakers[i] = std::make_unique<CircuitBreaker>(id, settings.breaker, m_clock, m_onTransition);
    m_bulkheads[i] = std::make_unique<Bulkhead>(settings.bulkhead);
    m_stats[i].setTimeConstants(settings.routing.latencyDecay, settings.routing.reliabilityWindow);
    m_health[i].setSlowStart(settings.health.slowStart);
}

int UpstreamRuntime::instanceCount() const noexcept {
    return m_registry.instanceCount();
}

CandidateStatus UpstreamRuntime::status(const UpstreamInstance &instance,
                                        std::chrono::steady_clock::time_point now) const noexcept {
    const int i = instance.index();
    const HealthState &health = m_health[size_t(i)];
    if (!health.isHealthy(now))
        return {Exclusion::Unhealthy, 0.0};
    const BreakerState state = m_breakers[size_t(i)]->state();
    if (state == BreakerState::ForcedOpen ||
        (state == BreakerState::Open && !m_breakers[size_t(i)]->reopensAt().has_value()))
        return {Exclusion::BreakerOpen, 0.0};
    if (state == BreakerState::Open) {
        // Still open, or its open period is over and the next call becomes the probe.
        if (*m_breakers[size_t(i)]->reopensAt() > now)
            return {Exclusion::BreakerOpen, 0.0};
    }
    const Bulkhead &bulkhead = *m_bulkheads[size_t(i)];
    if (bulkhead.active() >= bulkhead.maxActive())
        return {Exclusion::BulkheadFull, 0.0};
    return {Exclusion::None, health.trafficWeight(now)};
}

std::optional<std::chrono::steady_clock::time_point>
UpstreamRuntime::earliestReopen(int service) const {
    std::optional<std::chrono::steady_clock::time_point> earliest;
    for (const UpstreamInstance *instance : m_registry.services()[size_t(service)].instances) {
        const auto at = m_breakers[size_t(instance->index())]->reopensAt();
        if (at && (!earliest || *at < *earliest))
            earliest = at;
    }
    return earliest;
}

} // namespace ToolCapture
