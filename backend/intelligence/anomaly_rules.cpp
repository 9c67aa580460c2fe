#include <backend/intelligence/anomaly_rules.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ToolCapture {

namespace {
// MAD to standard deviation for normal data.
constexpr double kMadScale = 1.4826;
} // namespace

RobustBaseline::RobustBaseline()
    : RobustBaseline(Options{}) {}

RobustBaseline::RobustBaseline(Options options)
    : m_options(options) {
    m_options.alpha = std::clamp(m_options.alpha, 1e-6, 1.0);
    m_options.warmup = std::max(1, m_options.warmup);
}

RobustBaseline::Verdict RobustBaseline::observe(double value) {
    Verdict verdict;
    verdict.mean = m_mean;
    if (m_count == 0) {
        m_mean = value;
        m_mad = 0;
        m_count = 1;
        return verdict;
    }
    const double delta = value - m_mean;
    // A baseline without spread yet (constant so far): any difference beyond minDelta is
    // infinitely far, which the warm-up and minDelta keep in check.
    const double scale = kMadScale * m_mad;
    verdict.z = scale > 0 ? delta / scale : (delta == 0 ? 0 : std::copysign(1e9, delta));
    verdict.anomalous = m_count >= std::uint64_t(m_options.warmup) &&
                        std::abs(verdict.z) >= m_options.threshold &&
                        std::abs(delta) >= m_options.minDelta;
    // Winsorised update: an outlier moves the baseline as far as the threshold, no further
    // (once the warm-up has given the scale some meaning).
    const bool warm = m_count >= std::uint64_t(m_options.warmup);
    double clamped = value;
    if (warm && scale > 0)
        clamped = std::clamp(value, m_mean - m_options.threshold * scale,
                             m_mean + m_options.threshold * scale);
    // Plain averages until there are 1/alpha values, so that the first ones are not
    // under-weighted (the usual bias correction of an EWMA started from nothing).
    const double a = std::max(m_options.alpha, 1.0 / double(m_count + 1));
    const double newMean = m_mean + a * (clamped - m_mean);
    m_mad = (1 - a) * m_mad + a * std::abs(clamped - m_mean);
    m_mean = newMean;
    ++m_count;
    return verdict;
}

double loadImbalanceScore(const std::vector<double> &requests,
                          const std::vector<double> &expected) {
    const size_t n = requests.size();
    if (n < 2)
        return 0;
    const double total = std::accumulate(requests.begin(), requests.end(), 0.0);
    if (total <= 0)
        return 0;
    std::vector<double> share(n);
    if (expected.size() == n) {
        const double weights = std::accumulate(expected.begin(), expected.end(), 0.0);
        if (weights <= 0)
            return 0;
        for (size_t i = 0; i < n; ++i)
            share[i] = std::max(0.0, expected[i]) / weights;
    } else {
        std::fill(share.begin(), share.end(), 1.0 / double(n));
    }
    double moved = 0;
    for (size_t i = 0; i < n; ++i)
        moved += std::abs(requests[i] / total - share[i]);
    moved /= 2;
    // The worst case: everything on the instance expected to get the least.
    const double worst = 1 - *std::min_element(share.begin(), share.end());
    return worst > 0 ? std::clamp(moved / worst, 0.0, 1.0) : 0.0;
}

double failureRisk(const FailureRiskInput &input) {
    if (input.calls < input.minCalls)
        return 0;
    const auto ratio = [](double rate, double threshold) {
        return threshold > 0 ? std::clamp(rate / threshold, 0.0, 1.0) : 0.0;
    };
    const double level = std::max(ratio(input.failureRate, input.failureThreshold),
                                  ratio(input.slowCallRate, input.slowCallThreshold));
    const double rising = std::max(0.0, input.shortTermRate - input.longTermRate);
    const double trend = ratio(rising, input.failureThreshold);
    return std::clamp(0.7 * level + 0.3 * trend, 0.0, 1.0);
}

} // namespace ToolCapture
