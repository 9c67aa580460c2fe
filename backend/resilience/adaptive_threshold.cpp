#include <backend/resilience/adaptive_threshold.h>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

AdaptiveThreshold::AdaptiveThreshold(const BreakerConfig &config)
    : m_base(config.failureRate)
    , m_adaptive(config.adaptive)
    , m_min(std::min(config.adaptiveMin, config.adaptiveMax))
    , m_max(std::max(config.adaptiveMin, config.adaptiveMax)) {}

void AdaptiveThreshold::observe(double failureRate, std::chrono::nanoseconds elapsed) {
    const double gap = std::chrono::duration<double>(
                           std::clamp<std::chrono::nanoseconds>(elapsed, {}, kMaxSampleGap))
                           .count();
    const double horizon = std::chrono::duration<double>(kHorizon).count();
    const double weight = 1.0 - std::exp(-gap / horizon);
    const double sample = std::clamp(failureRate, 0.0, m_base);
    m_baseline += weight * (sample - m_baseline);
}

double AdaptiveThreshold::threshold() const {
    if (!m_adaptive)
        return m_base;
    return std::clamp(m_base + kGain * m_baseline, m_min, m_max);
}

QString AdaptiveThreshold::explanation() const {
    if (!m_adaptive)
        return QStringLiteral("fixed %1 (adaptive threshold off)").arg(m_base, 0, 'f', 2);
    const double raw = m_base + kGain * m_baseline;
    QString text = QStringLiteral("base %1 + %2 x baseline %3 = %4")
                       .arg(m_base, 0, 'f', 2)
                       .arg(kGain, 0, 'f', 1)
                       .arg(m_baseline, 0, 'f', 2)
                       .arg(raw, 0, 'f', 2);
    if (raw > m_max)
        text += QStringLiteral(", capped at %1").arg(m_max, 0, 'f', 2);
    else if (raw < m_min)
        text += QStringLiteral(", raised to the minimum %1").arg(m_min, 0, 'f', 2);
    return text;
}

} // namespace ToolCapture
