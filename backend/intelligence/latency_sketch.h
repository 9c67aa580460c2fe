#pragma once

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <vector>

namespace ToolCapture {

// A latency distribution with a relative-accuracy guarantee (DDSketch, Masson et al., VLDB 2019):
// every quantile it answers is within `relativeAccuracy` of the true value, whatever the
// distribution. Values fall into logarithmic buckets (gamma = (1 + a) / (1 - a)), so two sketches
// with the same accuracy merge exactly by adding bucket counts: the p99 of several proxies is the
// p99 of the merged sketch, never an average of their p99s. Bounded memory: at most `maxBins`
// buckets; beyond, the lowest are folded together (the fast end loses accuracy first, the tail
// that operators watch keeps it).
// A plain value: not thread-safe, copyable, movable.
class LatencySketch {
public:
    explicit LatencySketch(double relativeAccuracy = 0.01, int maxBins = 2048);

    // `value` (milliseconds, say) counted `count` times. Negative, NaN and infinite values are
    // refused (false); values too small to index count as zero.
    bool add(double value, std::uint64_t count = 1);
    // Adds `other`'s counts. False (and nothing changes) when the accuracies differ.
    bool merge(const LatencySketch &other);
    void clear();

    // The q-quantile (0 <= q <= 1); nullopt when empty or q is out of range.
    std::optional<double> quantile(double q) const;
    std::uint64_t count() const noexcept { return m_count; }
    double sum() const noexcept { return m_sum; }
    double min() const noexcept { return m_min; }
    double max() const noexcept { return m_max; }
    double relativeAccuracy() const noexcept { return m_accuracy; }
    int binCount() const noexcept { return int(m_bins.size()); }

    // A compact binary form for sending a sketch to another process (versioned, little-endian);
    // fromBytes() refuses anything malformed.
    QByteArray toBytes() const;
    static std::optional<LatencySketch> fromBytes(const QByteArray &bytes);

    friend bool operator==(const LatencySketch &a, const LatencySketch &b);

private:
    int indexOf(double value) const;
    double valueOf(int index) const; // the bucket's representative value
    void addToBin(int index, std::uint64_t count);
    void foldLowest();

    double m_accuracy;
    int m_maxBins;
    double m_gamma;
    double m_multiplier; // 1 / ln(gamma)
    double m_minIndexable;
    std::vector<std::uint64_t> m_bins; // m_bins[k]: bucket m_offset + k
    int m_offset = 0;
    std::uint64_t m_zeroCount = 0;
    std::uint64_t m_count = 0;
    double m_sum = 0;
    double m_min = 0;
    double m_max = 0;
};

} // namespace ToolCapture
