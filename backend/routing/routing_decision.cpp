#include <backend/routing/routing_decision.h>

#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

nlohmann::json stringOrNull(const QString &value) {
    return value.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(value.toStdString());
}

nlohmann::json toJson(const CandidateScore &c) {
    nlohmann::json inputs = {
        {"latency_ms", c.latencyMs >= 0 ? nlohmann::json(c.latencyMs) : nlohmann::json(nullptr)},
        {"success_rate",
         c.successRate >= 0 ? nlohmann::json(c.successRate) : nlohmann::json(nullptr)},
        {"window_calls", c.windowCalls},
        {"active", c.active},
    };
    return {
        {"id", c.instanceId.toStdString()},
        {"score", c.score},
        {"weight", c.weight},
        {"parts",
         {{"performance", c.performance},
          {"reliability", c.reliability},
          {"load", c.load},
          {"compatibility", c.compatibility}}},
        {"inputs", std::move(inputs)},
        {"excluded", c.excluded},
        {"exclusion", c.excluded ? nlohmann::json(exclusionKey(c.exclusion)) : nlohmann::json()},
        {"reason", stringOrNull(c.reason)},
    };
}

} // namespace

void RoutingDecision::clear() {
    policy.clear();
    service.clear();
    chosenId.clear();
    chosenIndex = -1;
    runnerUpId.clear();
    candidates.clear();
    summary.clear();
}

nlohmann::json toJson(const RoutingDecision &decision) {
    nlohmann::json candidates = nlohmann::json::array();
    for (const CandidateScore &candidate : decision.candidates)
        candidates.push_back(toJson(candidate));
    return {
        {"policy", decision.policy.toStdString()},
        {"service", decision.service.toStdString()},
        {"chosen", stringOrNull(decision.chosenId)},
        {"runner_up", stringOrNull(decision.runnerUpId)},
        {"summary", decision.summary.toStdString()},
        {"candidates", std::move(candidates)},
    };
}

} // namespace ToolCapture
