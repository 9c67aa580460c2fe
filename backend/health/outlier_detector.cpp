#include <backend/health/outlier_detector.h>
#include <backend/routing/service_registry.h>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

using std::chrono::milliseconds;

namespace {

QString percent(double rate) {
    return QString::number(rate * 100.0, 'f', 1) + QLatin1Char('%');
}

} // namespace

OutlierDetector::OutlierDetector(const ServiceRegistry &registry,
                                 const std::vector<ServiceConfig> &services,
                                 std::span<HealthState> states, time_point start)
    : m_registry(registry)
    , m_states(states)
    , m_instances(size_t(registry.instanceCount())) {
    Q_ASSERT(states.size() >= size_t(registry.instanceCount()));
    for (size_t i = 0; i < m_instances.size(); ++i)
        m_instances[i].index = int(i);
    for (const ServiceEntry &entry : registry.services()) {
        Service service;
        const bool configured = size_t(entry.index) < services.size();
        if (configured)
            service.config = services[size_t(entry.index)].outlier;
        for (const UpstreamInstance *instance : entry.instances) {
            service.instances.push_back(instance->index());
            if (configured)
                m_states[size_t(instance->index())].setSlowStart(
                    services[size_t(entry.index)].health.slowStart);
        }
        service.nextEvaluation = start + service.config.interval;
        m_services.push_back(std::move(service));
    }
}

void OutlierDetector::adoptNewInstances(time_point now) {
    const int count = std::min(m_registry.instanceCount(), int(m_states.size()));
    for (int index = int(m_instances.size()); index < count; ++index) {
        const UpstreamInstance &instance = m_registry.instance(index);
        while (m_services.size() <= size_t(instance.serviceIndex())) {
            Service service;
            service.config = m_registry.service(int(m_services.size())).settings.outlier;
            service.nextEvaluation = now + service.config.interval;
            m_services.push_back(std::move(service));
        }
        m_services[size_t(instance.serviceIndex())].instances.push_back(index);
        Instance state;
        state.index = index;
        m_instances.push_back(state);
    }
}

OutlierDetector::Evaluation OutlierDetector::update(time_point now,
                                                    std::span<const InstanceStats> stats) {
    adoptNewInstances(now);
    Evaluation out;
    for (Instance &instance : m_instances) {
        const InstanceStats s =
            size_t(instance.index) < stats.size() ? stats[size_t(instance.index)] : InstanceStats{};
        instance.requests += s.requests;
        instance.failures += std::min(s.failures, s.requests);
        // A success, or a streak lower than the one already punished, means a new streak.
        if (s.requests > s.failures || s.consecutiveFailures < instance.streakBaseline)
            instance.streakBaseline = 0;
        instance.consecutiveFailures = s.consecutiveFailures;

        if (instance.ejected && now >= instance.ejectedUntil) {
            instance.ejected = false;
            instance.unejectedAt = now;
            m_states[size_t(instance.index)].uneject(now);
            out.unejected.push_back(instance.index);
        }
    }
    for (size_t i = 0; i < m_services.size(); ++i) {
        Service &service = m_services[i];
        if (now < service.nextEvaluation)
            continue;
        evaluateService(service, now, out);
        out.servicesEvaluated.push_back(int(i));
        for (int index : service.instances) {
            m_instances[size_t(index)].requests = 0;
            m_instances[size_t(index)].failures = 0;
        }
        service.nextEvaluation += service.config.interval;
        if (service.nextEvaluation <= now)
            service.nextEvaluation = now + service.config.interval;
    }
    return out;
}

void OutlierDetector::evaluateService(Service &service, time_point now, Evaluation &out) {
    const OutlierConfig &config = service.config;
    // A draining instance is leaving: it neither counts as a host nor is judged.
    std::vector<int> live;
    live.reserve(service.instances.size());
    for (int index : service.instances) {
        if (!m_registry.instance(index).isDraining())
            live.push_back(index);
    }
    const int hosts = int(live.size());
    if (hosts == 0)
        return;
    const int maxEjected =
        std::clamp(int(std::floor(config.maxEjectionPercent * hosts + 1e-9)), 0, hosts);
    int ejectedCount = 0;
    for (int index : live)
        ejectedCount += m_instances[size_t(index)].ejected ? 1 : 0;

    std::vector<Candidate> candidates;
    auto isCandidate = [&candidates](int index) {
        return std::any_of(candidates.begin(), candidates.end(),
                           [index](const Candidate &c) { return c.instanceIndex == index; });
    };

    if (config.consecutiveFailures > 0) {
        for (int index : live) {
            const Instance &instance = m_instances[size_t(index)];
            const int streak = instance.consecutiveFailures - instance.streakBaseline;
            if (instance.ejected || streak < config.consecutiveFailures)
                continue;
            candidates.push_back({index, Reason::ConsecutiveFailures, double(streak),
                                  QStringLiteral("%1 consecutive failures (limit %2)")
                                      .arg(streak)
                                      .arg(config.consecutiveFailures)});
        }
    }

    // Success rate against the instances of the service that had enough traffic.
    const std::uint64_t volume = std::uint64_t(std::max(config.successRateRequestVolume, 1));
    std::vector<std::pair<int, double>> rates;
    for (int index : live) {
        const Instance &instance = m_instances[size_t(index)];
        if (instance.requests >= volume)
            rates.emplace_back(index, 1.0 - double(instance.failures) / double(instance.requests));
    }
    if (!rates.empty() && int(rates.size()) >= config.successRateMinimumHosts) {
        double sum = 0;
        for (const auto &[index, rate] : rates)
            sum += rate;
        const double mean = sum / double(rates.size());
        double variance = 0;
        for (const auto &[index, rate] : rates)
            variance += (rate - mean) * (rate - mean);
        const double stdev = std::sqrt(variance / double(rates.size()));
        const double threshold = mean - config.successRateStdevFactor * stdev;
        for (const auto &[index, rate] : rates) {
            if (rate >= threshold || m_instances[size_t(index)].ejected || isCandidate(index))
                continue;
            candidates.push_back(
                {index, Reason::SuccessRate, threshold - rate,
                 QStringLiteral("success rate %1 below %2 (mean %3, stdev %4 "
                                "over %5 instances)")
                     .arg(percent(rate), percent(threshold), percent(mean), percent(stdev))
                     .arg(rates.size())});
        }
    }

    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate &a, const Candidate &b) {
                         if (a.reason != b.reason)
                             return a.reason == Reason::ConsecutiveFailures;
                         if (a.severity != b.severity)
                             return a.severity > b.severity;
                         return a.instanceIndex < b.instanceIndex;
                     });
    for (const Candidate &candidate : candidates) {
        if (ejectedCount >= maxEjected) {
            out.spared.push_back({candidate.instanceIndex, candidate.reason, candidate.detail});
            continue;
        }
        Instance &instance = m_instances[size_t(candidate.instanceIndex)];
        instance.ejectionCount = std::min(instance.ejectionCount + 1, kMaxEjectionMultiplier);
        const milliseconds duration = config.baseEjection * instance.ejectionCount;
        instance.ejected = true;
        instance.ejectedUntil = now + duration;
        instance.streakBaseline = instance.consecutiveFailures;
        m_states[size_t(candidate.instanceIndex)].eject(instance.ejectedUntil, candidate.detail);
        out.ejected.push_back({candidate.instanceIndex, candidate.reason, candidate.detail,
                               instance.ejectionCount, duration, instance.ejectedUntil});
        ++ejectedCount;
    }

    // Envoy's backoff decay: an interval in service without being an outlier lowers the
    // multiplier by one.
    for (int index : service.instances) {
        Instance &instance = m_instances[size_t(index)];
        if (!instance.ejected && instance.ejectionCount > 0 && !isCandidate(index) &&
            now - instance.unejectedAt >= config.interval)
            --instance.ejectionCount;
    }
}

milliseconds OutlierDetector::tickInterval() const noexcept {
    milliseconds shortest = milliseconds::max();
    for (const Service &service : m_services)
        shortest = std::min(shortest, service.config.interval);
    return m_services.empty() ? OutlierConfig{}.interval : shortest;
}

int OutlierDetector::ejectionCount(int instanceIndex) const {
    return m_instances.at(size_t(instanceIndex)).ejectionCount;
}

bool OutlierDetector::isEjected(int instanceIndex) const {
    return m_instances.at(size_t(instanceIndex)).ejected;
}

QString OutlierDetector::reasonName(Reason reason) {
    switch (reason) {
    case Reason::ConsecutiveFailures:
        return QStringLiteral("consecutive_failures");
    case Reason::SuccessRate:
        return QStringLiteral("success_rate");
    }
    return {};
}

} // namespace ToolCapture
