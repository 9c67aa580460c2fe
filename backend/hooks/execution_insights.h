#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ToolCapture {

// What the completions of one operation say so far: the intelligence_insights of a
// hooks.execution_intelligence event. Every number comes from completions actually seen.
struct ExecutionInsight {
    double successRate = 0;                  // successes / sampleSize
    std::size_t sampleSize = 0;              // completions in the window (at most kWindow)
    const char *trend = "insufficient_data"; // improving, stable, degrading, insufficient_data
    double shortEwmaMs = 0;
    double longEwmaMs = 0;
    struct Pattern {
        std::optional<std::string> error; // nullopt: failures that gave no error text
        std::size_t count = 0;
    };
    std::vector<Pattern> failurePatterns; // most frequent first, at most kMaxPatterns
};

// Per service and operation: the last kWindow completions (success, error text) and two EWMAs
// of the execution time. Bounded to maxOperations operations, the least recently completed one
// forgotten first. Lives in the HookReceiver's thread.
class ExecutionInsights {
public:
    static constexpr std::size_t kWindow = 100;
    static constexpr std::uint64_t kMinTrendSamples = 5;
    static constexpr double kShortAlpha = 0.3;
    static constexpr double kLongAlpha = 0.05;
    // The short EWMA this far (relative) from the long one is a trend, not noise.
    static constexpr double kTrendBand = 0.10;
    static constexpr std::size_t kMaxPatterns = 5;
    // Error texts are grouped by their first this many bytes (bounds the memory per failure).
    static constexpr std::size_t kMaxErrorBytes = 256;

    explicit ExecutionInsights(std::size_t maxOperations = 1000);

    // Records one completion and returns the insight over the window, this one included.
    ExecutionInsight record(const std::string &service, const std::string &operation, bool success,
                            const std::optional<std::string> &error, double executionMs);

    std::size_t operations() const { return m_index.size(); }

private:
    struct Completion {
        bool success = false;
        std::optional<std::string> error;
    };
    struct Operation {
        std::string key;
        std::deque<Completion> window; // oldest first
        std::uint64_t samples = 0;     // all completions ever, for the EWMAs
        double shortEwmaMs = 0;
        double longEwmaMs = 0;
    };

    ExecutionInsight insightOf(const Operation &operation) const;

    std::list<Operation> m_operations; // least recently completed first
    std::unordered_map<std::string, std::list<Operation>::iterator> m_index;
    std::size_t m_maxOperations;
};

} // namespace ToolCapture
