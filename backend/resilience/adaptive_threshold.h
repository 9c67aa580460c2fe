#pragma once

#include <backend/config/proxy_config.h>

#include <QString>

#include <chrono>

namespace ToolCapture {

// The failure-rate threshold a circuit breaker applies, moved by the instance's own long-run
// baseline failure rate: threshold = clamp(base + gain x baseline, adaptiveMin, adaptiveMax).
// The baseline is an exponentially weighted average of the window's failure rate sampled while
// the breaker is closed, each sample capped at the base (a burst that trips the breaker must not
// teach it to tolerate bursts). An instance with habitual 10% errors thus gets 0.50 + 2 x 0.10 =
// 0.70, a clean one stays at 0.50. Control path only (not thread-safe).
class AdaptiveThreshold {
public:
    static constexpr double kGain = 2.0;
    // Time constant of the average: a sample weighs 1 - exp(-elapsed / kHorizon).
    static constexpr std::chrono::minutes kHorizon{5};
    // Longest gap credited to one sample (a rare tick must not let one sample dominate).
    static constexpr std::chrono::seconds kMaxSampleGap{60};

    explicit AdaptiveThreshold(const BreakerConfig &config);

    // A sample of the window's failure rate, `elapsed` after the previous one.
    void observe(double failureRate, std::chrono::nanoseconds elapsed);

    double base() const { return m_base; }
    // A new base (a live setting); the baseline learned so far stays.
    void setBase(double base) { m_base = base; }
    double baseline() const { return m_baseline; }
    double threshold() const;
    // "base 0.50 + 2.0 x baseline 0.08 = 0.66", "... = 0.90, capped at 0.80", "fixed 0.50 ...".
    QString explanation() const;

private:
    double m_base;
    const bool m_adaptive;
    const double m_min;
    const double m_max;
    double m_baseline = 0;
};

} // namespace ToolCapture
