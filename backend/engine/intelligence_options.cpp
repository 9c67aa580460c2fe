#include <backend/engine/intelligence_options.h>

namespace ToolCapture {

namespace {

EventAnalyser::Options::BreakerLimits limitsOf(const BreakerConfig &breaker) {
    EventAnalyser::Options::BreakerLimits limits;
    limits.failureRate = breaker.failureRate;
    limits.slowCallRate = breaker.slowCallRate;
    limits.slowCall = breaker.slowCallDuration;
    return limits;
}

} // namespace

EventAnalyser::Options analyserOptions(const ProxyConfig &config) {
    const IntelligenceConfig &intelligence = config.intelligence;
    const AnomalyConfig &anomalies = intelligence.anomalies;
    EventAnalyser::Options options;
    options.latencyBaseline.threshold = anomalies.zScore;
    options.latencyBaseline.minDelta = anomalies.latencyMinDeltaMs;
    options.errorBaseline.threshold = anomalies.zScore;
    options.errorBaseline.minDelta = anomalies.errorRateMinDelta;
    options.loadImbalanceThreshold = anomalies.loadImbalance;
    options.minServiceRequests = std::uint64_t(anomalies.minServiceRequests);
    options.failureRiskThreshold = anomalies.failureRisk;
    // NOTE: the breaker limits as configured, not as changed live (a recommendation lowering a
    // failure rate would otherwise raise the very risk it was judged by).
    options.breaker = limitsOf(config.breaker);
    for (const ServiceConfig &service : config.services)
        options.serviceBreakers.emplace(service.name, limitsOf(service.breaker));
    options.templater.learnThreshold = intelligence.learnThreshold;
    // Each service's own rules before those for every service (PathTemplater tries them so).
    for (const auto &[service, rules] : intelligence.servicePathTemplates)
        options.pathTemplates.push_back({service, rules.templates, rules.literals});
    options.pathTemplates.push_back(
        {QString(), intelligence.pathTemplates.templates, intelligence.pathTemplates.literals});
    return options;
}

std::shared_ptr<const PathTemplater> operationTemplates(const ProxyConfig &config) {
    const EventAnalyser::Options analyser = analyserOptions(config);
    auto templater = std::make_shared<PathTemplater>();
    bool any = false;
    // In the analyser's order: each service's own rules, then those for every service.
    for (const EventAnalyser::Options::PathTemplates &rules : analyser.pathTemplates) {
        templater->setOverrides(rules.templates, rules.service); // refusals: the analyser logs
        templater->setLiterals(rules.literals, rules.service);
        any = any || !rules.templates.isEmpty() || !rules.literals.isEmpty();
    }
    return any ? templater : nullptr;
}

RecommendationEngine::Options recommendationOptions(const ProxyConfig &config) {
    RecommendationEngine::Options options;
    const RecommendationsConfig &recommendations = config.intelligence.recommendations;
    options.effectWindow = recommendations.effectWindow;
    options.autoRevert = recommendations.autoRevert;
    options.suppressFor = recommendations.suppressFor;
    options.expireAfter = recommendations.expireAfter;
    return options;
}

} // namespace ToolCapture
