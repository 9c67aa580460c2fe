#pragma once

#include <backend/routing/candidate_filter.h>

#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>

namespace ToolCapture {

// One candidate of a routing decision: its score, the four parts and the inputs they came
// from, or why it was excluded.
struct CandidateScore {
    QString instanceId;
    int instanceIndex = -1; // UpstreamInstance::index()
    double score = 0;       // normalised weights · parts; 0 when excluded
    double performance = 0; // each part in [0, 1]
    double reliability = 0;
    double load = 0;
    double compatibility = 0;
    double weight = 1.0; // slow-start share factor (see ScoringSelector)
    // Inputs.
    double latencyMs = -1;   // peak-EWMA estimate; -1: no sample yet
    double successRate = -1; // in the window; -1: no call in the window
    double windowCalls = 0;
    int active = 0;
    // Exclusion.
    bool excluded = false;
    Exclusion exclusion = Exclusion::None;
    QString reason; // "breaker open", "requires capability v3", ...
};

// Why a request went where it did: filled by a selector only when asked, so routing without an
// explanation pays nothing for it. Implicitly shared values: cheap to copy across threads.
struct RoutingDecision {
    QString policy; // "scoring", "round_robin"
    QString service;
    QString chosenId; // empty: no instance could take the request
    int chosenIndex = -1;
    QString runnerUpId; // the other instance of the power-of-two draw; empty if none
    QList<CandidateScore> candidates;
    QString summary; // one line for logs and the console

    void clear();
};

// {"policy", "service", "chosen", "runner_up", "summary", "candidates": [{"id", "score",
//  "weight", "parts": {"performance", "reliability", "load", "compatibility"}, "inputs":
//  {"latency_ms", "success_rate", "window_calls", "active"}, "excluded", "exclusion",
//  "reason"}]}; absent values (no chosen instance, no latency sample) are null.
nlohmann::json toJson(const RoutingDecision &decision);

} // namespace ToolCapture
