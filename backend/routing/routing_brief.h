#pragma once

#include <QString>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace ToolCapture {

// The routing explanation as a capture record keeps it: the chosen instance and the two
// candidates of the power-of-two draw with their scores, parts and inputs. Cheap enough for a
// worker to fill on every captured request (two implicitly shared ids and a few numbers); the
// full explanation (JSON, the summary line) is rendered from it only when someone reads it.
struct RoutingBrief {
    enum class Policy : std::uint8_t { None, Scoring };

    // One candidate of the draw, as CandidateScore has it.
    struct Drawn {
        QString id; // empty: no such candidate
        double score = 0;
        double performance = 0;
        double reliability = 0;
        double load = 0;
        double compatibility = 0;
        double weight = 1.0;
        double latencyMs = -1;   // -1: no sample yet
        double successRate = -1; // -1: no call in the window
        double windowCalls = 0;
        int active = 0;

        bool operator==(const Drawn &) const = default;
    };

    Policy policy = Policy::None;
    Drawn chosen;                  // empty id: no instance could take the request
    Drawn runnerUp;                // empty id: the only one available (or none)
    int candidates = 0;            // instances of the service
    int available = 0;             // of them, not excluded
    bool slowStartYielded = false; // the runner-up won on score but is in slow start
    bool avoided = false; // the chosen one failed an earlier attempt: no other could take it

    bool isEmpty() const { return policy == Policy::None; }
    bool operator==(const RoutingBrief &) const = default;
};

// "scoring", or "" for None.
const char *policyName(RoutingBrief::Policy policy);

// The one-line summary: "inventory-1 chosen, score 0.91 (performance 0.88, ...), over
// inventory-2 (0.86) in a power-of-two draw among 3 available". Appends UTF-8 to `out`.
void appendSummary(const RoutingBrief &brief, const QString &service, std::string &out);

// The explanation in the shape of toJson(RoutingDecision): policy, service, chosen, runner_up,
// summary and the drawn candidates (chosen first), plus "available" and "candidates_total"
// (the candidates that were neither drawn nor excluded are not listed). Null when empty.
nlohmann::json toJson(const RoutingBrief &brief, const QString &service);

// What the proxy's events carry: the compact form itself, {"policy", "chosen", "runner_up",
// "candidates": [{"id", "score", "parts": {"performance", "reliability", "load",
// "compatibility"}}]} (the drawn candidates, chosen first). Null when empty.
nlohmann::json toCompactJson(const RoutingBrief &brief);

} // namespace ToolCapture
