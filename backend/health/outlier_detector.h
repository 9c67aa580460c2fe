#pragma once

#include <backend/config/proxy_config.h>
#include <backend/health/health_state.h>

#include <QString>

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace ToolCapture {

class ServiceRegistry;

// Passive health from live traffic, Envoy-style: ejects an instance whose consecutive failures
// reach a limit, or whose success rate falls below mean - factor * stdev of its service's
// instances; ejections last baseEjection times the instance's ejection count (capped at
// kMaxEjectionMultiplier) and never take out more than maxEjectionPercent of a service.
// Instances registered while running are adopted at the next update() (with their service's
// settings); draining instances are left out of the evaluation.
// Pure logic on the engine thread, time injected; it writes its verdicts into the HealthStates.
class OutlierDetector {
public:
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr int kMaxEjectionMultiplier = 10;

    // One instance's traffic since the previous update(): from the proxy's counter deltas.
    struct InstanceStats {
        std::uint64_t requests = 0;  // finished exchanges
        std::uint64_t failures = 0;  // of which failed (connect error, reset, timeout, 5xx)
        int consecutiveFailures = 0; // the current streak (a level, not a delta)
    };

    enum class Reason { ConsecutiveFailures, SuccessRate };

    struct Ejection {
        int instanceIndex = -1;
        Reason reason = Reason::ConsecutiveFailures;
        QString detail;        // also the HealthState's ejection reason
        int ejectionCount = 0; // the multiplier used
        std::chrono::milliseconds duration{0};
        time_point until{};
    };

    // An outlier left in service because maxEjectionPercent was reached.
    struct Spared {
        int instanceIndex = -1;
        Reason reason = Reason::ConsecutiveFailures;
        QString detail;
    };

    struct Evaluation {
        std::vector<int> servicesEvaluated; // whose interval had elapsed
        std::vector<Ejection> ejected;
        std::vector<Spared> spared;
        std::vector<int> unejected; // instances whose ejection ended
    };

    // `services` in the registry's order (the ServiceConfigs it was built from); `registry` and
    // `states` (by UpstreamInstance::index(), registry.instanceCapacity() of them to follow
    // instances registered later) outlive the detector. `start`: the first intervals end at
    // start + each service's OutlierConfig::interval.
    OutlierDetector(const ServiceRegistry &registry, const std::vector<ServiceConfig> &services,
                    std::span<HealthState> states, time_point start);

    // Adds `stats` (by instance index; missing entries count as no traffic) to the running
    // intervals, un-ejects instances whose time has passed, and evaluates every service whose
    // interval has elapsed. Call it at least every tickInterval().
    Evaluation update(time_point now, std::span<const InstanceStats> stats);

    // The shortest interval of all services.
    std::chrono::milliseconds tickInterval() const noexcept;
    // How many times the instance was ejected, less one per interval it then spent in service
    // without being an outlier (Envoy's backoff decay); the next ejection lasts
    // baseEjection * min(this + 1, kMaxEjectionMultiplier).
    int ejectionCount(int instanceIndex) const;
    bool isEjected(int instanceIndex) const;

    static QString reasonName(Reason reason);

private:
    struct Instance {
        int index = 0;
        std::uint64_t requests = 0; // in the running interval
        std::uint64_t failures = 0;
        int consecutiveFailures = 0; // the latest level seen
        int streakBaseline = 0;      // the streak already punished by the last ejection
        int ejectionCount = 0;
        bool ejected = false;
        time_point ejectedUntil{};
        time_point unejectedAt{};
    };
    struct Service {
        OutlierConfig config;
        std::vector<int> instances; // global indexes
        time_point nextEvaluation{};
    };
    struct Candidate {
        int instanceIndex;
        Reason reason;
        double severity; // larger first
        QString detail;
    };

    void adoptNewInstances(time_point now);
    void evaluateService(Service &service, time_point now, Evaluation &out);

    const ServiceRegistry &m_registry;
    std::span<HealthState> m_states;
    std::vector<Service> m_services;
    std::vector<Instance> m_instances;
};

} // namespace ToolCapture
