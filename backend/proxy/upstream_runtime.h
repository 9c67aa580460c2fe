#pragma once

#include <backend/config/proxy_config.h>
#include <backend/health/health_state.h>
#include <backend/resilience/bulkhead.h>
#include <backend/resilience/circuit_breaker.h>
#include <backend/resilience/rate_limiter.h>
#include <backend/resilience/retry_budget.h>
#include <backend/resilience/retry_policy.h>
#include <backend/routing/candidate_filter.h>
#include <backend/routing/instance_stats.h>

#include <memory>
#include <span>
#include <vector>

namespace ToolCapture {

class ServiceRegistry;

// The live state the request path consults for every instance and service: circuit breakers,
// bulkheads, routing statistics, health, retry policies and budgets, rate limits. Built from the
// configuration and shared by every worker; each operation the workers use is lock-free. Every
// array is sized to the registry's capacity at construction: the state of an instance
// registered while running is set up (prepareInstance) before the registry publishes it, and the
// state of every reserved service slot exists from the start, so nothing ever reallocates.
// Owned by the ProxyServer; the engine thread takes snapshots and gives commands.
class UpstreamRuntime {
public:
    // `services`: the configured ones, in the registry's order; reserved service slots take
    // the registry's dynamic defaults.
    UpstreamRuntime(const ServiceRegistry &registry, const std::vector<ServiceConfig> &services,
                    const Clock &clock, CircuitBreaker::Observer onTransition);
    UpstreamRuntime(const UpstreamRuntime &) = delete;
    UpstreamRuntime &operator=(const UpstreamRuntime &) = delete;

    // Engine thread, before the registry publishes `instance`: its breaker, bulkhead, statistics
    // time constants and slow start, from its service's settings.
    void prepareInstance(const UpstreamInstance &instance, const ServiceConfig &settings);

    // The registry's published instances.
    int instanceCount() const noexcept;
    CircuitBreaker &breaker(int instance) noexcept { return *m_breakers[size_t(instance)]; }
    const CircuitBreaker &breaker(int instance) const noexcept {
        return *m_breakers[size_t(instance)];
    }
    Bulkhead &bulkhead(int instance) noexcept { return *m_bulkheads[size_t(instance)]; }
    const Bulkhead &bulkhead(int instance) const noexcept { return *m_bulkheads[size_t(instance)]; }
    InstanceStats &stats(int instance) noexcept { return m_stats[size_t(instance)]; }
    // Every slot, published or not (the selectors index it by instance).
    std::span<const InstanceStats> stats() const noexcept {
        return {m_stats.get(), size_t(m_instanceCapacity)};
    }
    HealthState &health(int instance) noexcept { return m_health[size_t(instance)]; }
    std::span<HealthState> health() noexcept { return m_health; }

    const RetryPolicy &retryPolicy(int service) const noexcept { return *m_retry[size_t(service)]; }
    RetryPolicy &retryPolicy(int service) noexcept { return *m_retry[size_t(service)]; }
    RetryBudget &retryBudget(int service) noexcept { return *m_budgets[size_t(service)]; }
    RateLimiter &rateLimiter(int service) noexcept { return *m_limiters[size_t(service)]; }
    // Per service slot, reserved ones included.
    // Read on the engine thread only (selectors copy it when built).
    const std::vector<RoutingConfig> &routing() const noexcept { return m_routing; }
    // Engine thread: what selectors built from now on start from.
    void setRouting(int service, const RoutingConfig &routing) {
        m_routing[size_t(service)] = routing;
    }

    // Why an instance cannot take a request now, and its slow-start weight: health (active
    // checks and outlier ejection), breaker (open or forced open) and bulkhead (full).
    CandidateStatus status(const UpstreamInstance &instance,
                           std::chrono::steady_clock::time_point now) const noexcept;
    // The earliest moment an open breaker of `service` lets a probe through, if any is open.
    std::optional<std::chrono::steady_clock::time_point> earliestReopen(int service) const;

private:
    void createInstanceState(int index, const QString &id, const ServiceConfig &settings);

    const ServiceRegistry &m_registry;
    const Clock &m_clock;
    CircuitBreaker::Observer m_onTransition;
    int m_instanceCapacity;
    std::vector<std::unique_ptr<CircuitBreaker>> m_breakers;
    std::vector<std::unique_ptr<Bulkhead>> m_bulkheads;
    std::unique_ptr<InstanceStats[]> m_stats;
    std::vector<HealthState> m_health;
    std::vector<std::unique_ptr<RetryPolicy>> m_retry;
    std::vector<std::unique_ptr<RetryBudget>> m_budgets;
    std::vector<std::unique_ptr<RateLimiter>> m_limiters;
    std::vector<RoutingConfig> m_routing;
};

// The CandidateFilter a worker's selector consults: UpstreamRuntime::status().
class RuntimeCandidateFilter final : public CandidateFilter {
public:
    explicit RuntimeCandidateFilter(const UpstreamRuntime &runtime)
        : m_runtime(runtime) {}
    // CandidateFilter
    CandidateStatus check(const UpstreamInstance &instance,
                          std::chrono::steady_clock::time_point now) const override {
        return m_runtime.status(instance, now);
    }

private:
    const UpstreamRuntime &m_runtime;
};

} // namespace ToolCapture
