#include <backend/intelligence/latency_sketch.h>

#include <QDataStream>
#include <QIODevice>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

namespace {
constexpr quint32 kMagic = 0x544c534b; // "TLSK"
constexpr quint8 kVersion = 1;
} // namespace

LatencySketch::LatencySketch(double relativeAccuracy, int maxBins)
    : m_accuracy(std::clamp(relativeAccuracy, 1e-6, 0.5))
    , m_maxBins(std::max(16, maxBins))
    , m_gamma((1 + m_accuracy) / (1 - m_accuracy))
    , m_multiplier(1 / std::log(m_gamma))
    ,
    // Below this, the bucket index would leave the int range: such values count as zero.
    m_minIndexable(std::max(std::numeric_limits<double>::min() * m_gamma,
                            std::exp(double(std::numeric_limits<int>::min() + 1) / m_multiplier))) {
}

int LatencySketch::indexOf(double value) const {
    return int(std::ceil(std::log(value) * m_multiplier));
}

double LatencySketch::valueOf(int index) const {
    // The point of bucket (gamma^(i-1), gamma^i] whose relative distance to both ends is the
    // accuracy.
    return 2 * std::pow(m_gamma, double(index)) / (m_gamma + 1);
}

bool LatencySketch::add(double value, std::uint64_t count) {
    if (!(value >= 0) || !std::isfinite(value))
        return false;
    if (count == 0)
        return true;
    if (m_count == 0) {
        m_min = m_max = value;
    } else {
        m_min = std::min(m_min, value);
        m_max = std::max(m_max, value);
    }
    m_count += count;
    m_sum += value * double(count);
    if (value < m_minIndexable)
        m_zeroCount += count;
    else
        addToBin(indexOf(value), count);
    return true;
}

void LatencySketch::addToBin(int index, std::uint64_t count) {
    if (m_bins.empty()) {
        m_offset = index;
        m_bins.assign(1, 0);
    } else if (index < m_offset) {
        const int grow = m_offset - index;
        m_bins.insert(m_bins.begin(), size_t(grow), 0);
        m_offset = index;
    } else if (index >= m_offset + int(m_bins.size())) {
        m_bins.resize(size_t(index - m_offset + 1), 0);
    }
    m_bins[size_t(index - m_offset)] += count;
    if (int(m_bins.size()) > m_maxBins)
        foldLowest();
}

void LatencySketch::foldLowest() {
    // Keeps the highest m_maxBins buckets; the ones below go into the lowest one kept.
    const size_t drop = m_bins.size() - size_t(m_maxBins);
    std::uint64_t folded = 0;
    for (size_t i = 0; i < drop; ++i)
        folded += m_bins[i];
    m_bins.erase(m_bins.begin(), m_bins.begin() + std::ptrdiff_t(drop));
    m_bins.front() += folded;
    m_offset += int(drop);
}

bool LatencySketch::merge(const LatencySketch &other) {
    if (other.m_accuracy != m_accuracy)
        return false;
    if (other.m_count == 0)
        return true;
    if (m_count == 0) {
        m_min = other.m_min;
        m_max = other.m_max;
    } else {
        m_min = std::min(m_min, other.m_min);
        m_max = std::max(m_max, other.m_max);
    }
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_zeroCount += other.m_zeroCount;
    for (size_t k = 0; k < other.m_bins.size(); ++k) {
        if (other.m_bins[k] != 0)
            addToBin(other.m_offset + int(k), other.m_bins[k]);
    }
    return true;
}

void LatencySketch::clear() {
    m_bins.clear();
    m_offset = 0;
    m_zeroCount = m_count = 0;
    m_sum = m_min = m_max = 0;
}

std::optional<double> LatencySketch::quantile(double q) const {
    if (m_count == 0 || !(q >= 0 && q <= 1))
        return std::nullopt;
    // The value of the item at rank q * (n - 1), counting from 0.
    const double rank = q * double(m_count - 1);
    double seen = double(m_zeroCount);
    if (rank < seen)
        return m_min;
    for (size_t k = 0; k < m_bins.size(); ++k) {
        seen += double(m_bins[k]);
        if (rank < seen)
            return std::clamp(valueOf(m_offset + int(k)), m_min, m_max);
    }
    return m_max;
}

QByteArray LatencySketch::toBytes() const {
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setByteOrder(QDataStream::LittleEndian);
    out.setFloatingPointPrecision(QDataStream::DoublePrecision);
    out << kMagic << kVersion << m_accuracy << qint32(m_maxBins) << quint64(m_count)
        << quint64(m_zeroCount) << m_sum << m_min << m_max << qint32(m_offset)
        << quint32(m_bins.size());
    for (std::uint64_t bin : m_bins)
        out << quint64(bin);
    return bytes;
}

std::optional<LatencySketch> LatencySketch::fromBytes(const QByteArray &bytes) {
    QDataStream in(bytes);
    in.setByteOrder(QDataStream::LittleEndian);
    in.setFloatingPointPrecision(QDataStream::DoublePrecision);
    quint32 magic = 0;
    quint8 version = 0;
    double accuracy = 0;
    qint32 maxBins = 0;
    quint64 count = 0;
    quint64 zeroCount = 0;
    double sum = 0;
    double min = 0;
    double max = 0;
    qint32 offset = 0;
    quint32 binCount = 0;
    in >> magic >> version >> accuracy >> maxBins >> count >> zeroCount >> sum >> min >> max >>
        offset >> binCount;
    if (in.status() != QDataStream::Ok || magic != kMagic || version != kVersion ||
        !(accuracy > 0 && accuracy < 1) || maxBins < 16 || binCount > quint32(maxBins) ||
        qint64(binCount) * 8 != bytes.size() - in.device()->pos())
        return std::nullopt;
    LatencySketch sketch(accuracy, maxBins);
    if (sketch.m_accuracy != accuracy || sketch.m_maxBins != maxBins)
        return std::nullopt;
    sketch.m_bins.resize(binCount);
    quint64 total = zeroCount;
    for (quint32 k = 0; k < binCount; ++k) {
        quint64 bin = 0;
        in >> bin;
        sketch.m_bins[k] = bin;
        total += bin;
    }
    if (in.status() != QDataStream::Ok || total != count || !std::isfinite(sum) ||
        (count > 0 && !(min <= max)))
        return std::nullopt;
    sketch.m_offset = offset;
    sketch.m_count = count;
    sketch.m_zeroCount = zeroCount;
    sketch.m_sum = sum;
    sketch.m_min = min;
    sketch.m_max = max;
    return sketch;
}

bool operator==(const LatencySketch &a, const LatencySketch &b) {
    return a.m_accuracy == b.m_accuracy && a.m_count == b.m_count &&
           a.m_zeroCount == b.m_zeroCount && a.m_offset == b.m_offset && a.m_bins == b.m_bins &&
           a.m_min == b.m_min && a.m_max == b.m_max;
}

} // namespace ToolCapture
