#pragma once

#include <cstdint>
#include <vector>

namespace ToolCapture {

// An operation's own normal for one metric (p99 latency, error rate): an exponentially weighted
// mean and mean absolute deviation, robust to the outliers it is there to find (a value is
// clamped to mean ± limit × scale before it moves the baseline, so one spike does not become
// the new normal). observe() scores a value against the baseline as it was before the value.
class RobustBaseline {
public:
    struct Options {
        double alpha = 0.05;    // weight of a new value (about the last 20 windows)
        int warmup = 10;        // values seen before anything is called an anomaly
        double threshold = 3.5; // |robust z| at which a value is anomalous
        double minDelta = 0.0;  // and at least this far from the mean (absolute units)
    };
    struct Verdict {
        double z = 0; // (value - mean) / (1.4826 × MAD): a robust z-score
        bool anomalous = false;
        double mean = 0; // the baseline the value was judged against
    };

    RobustBaseline();
    explicit RobustBaseline(Options options);

    Verdict observe(double value);
    double mean() const noexcept { return m_mean; }
    double deviation() const noexcept { return m_mad; }
    std::uint64_t count() const noexcept { return m_count; }

private:
    Options m_options;
    double m_mean = 0;
    double m_mad = 0;
    std::uint64_t m_count = 0;
};

// How unevenly a service's instances share its traffic, from 0 (each has the share it should)
// to 1 (all of it on one instance): the part of the traffic that would have to move to reach
// the expected shares (total variation distance), divided by the most that could ever have to
// move. `expected` are weights (equal when empty); instances with weight 0 are expected to get
// nothing. The source documents recommend rebalancing above 0.4.
double loadImbalanceScore(const std::vector<double> &requests,
                          const std::vector<double> &expected = {});

// How close an instance is to failing (its breaker tripping), from 0 to 1: its failure and
// slow-call rates against the thresholds its breaker uses, plus how fast they are rising
// (short-term rate above the long-term one). 0.7 of the score is the level and 0.3 the trend,
// so an instance at its threshold scores 0.7 when steady and 1 when rising fast, and one at
// 86% of it crosses the source documents' 0.6 line. Fewer than `minCalls` calls: 0 (not
// enough evidence).
struct FailureRiskInput {
    double failureRate = 0;  // recent window
    double slowCallRate = 0; // recent window
    double failureThreshold = 0.5;
    double slowCallThreshold = 1.0;
    double shortTermRate = 0; // failure rate, EWMA over a minute
    double longTermRate = 0;  // failure rate, EWMA over an hour
    std::uint64_t calls = 0;
    std::uint64_t minCalls = 20;
};
double failureRisk(const FailureRiskInput &input);

} // namespace ToolCapture
