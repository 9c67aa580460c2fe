#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ToolCapture {

// Renders metric families in the Prometheus text exposition format, version 0.0.4: a HELP and a
// TYPE line per family, then its samples, label values escaped.
class PrometheusWriter {
public:
    enum class Type { Counter, Gauge, Histogram };
    using Labels = std::vector<std::pair<QByteArray, QByteArray>>; // name, value

    static constexpr QByteArrayView kContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Starts a family: writes its HELP and TYPE lines. Counter names end in "_total".
    void family(QByteArrayView name, Type type, QByteArrayView help);
    // A counter or gauge sample of the current family.
    void sample(const Labels &labels, double value);
    void sample(const Labels &labels, std::uint64_t value);
    void sample(const Labels &labels, std::int64_t value);
    // A histogram of the current family: `counts` are per bucket (not cumulative), one more
    // than `upperBounds` (the last is +Inf); written as cumulative _bucket lines, _sum, _count.
    void histogram(const Labels &labels, std::span<const double> upperBounds,
                   std::span<const std::uint64_t> counts, double sum);

    const QByteArray &text() const { return m_text; }
    QByteArray take() { return std::exchange(m_text, {}); }

    // Backslash, double quote and line feed escaped as \\, \" and \n.
    static QByteArray escapeLabelValue(QByteArrayView value);
    // Backslash and line feed escaped as \\ and \n.
    static QByteArray escapeHelp(QByteArrayView help);
    // Shortest text that reads back as the same double; +Inf, -Inf, NaN.
    static QByteArray formatValue(double value);
    // A bucket bound for an `le` label: the shortest plain decimal (0.0001, not 1e-04).
    static QByteArray formatBound(double value);

private:
    void writeSample(QByteArrayView suffix, const Labels &labels, QByteArrayView extraLabel,
                     QByteArrayView extraValue, QByteArrayView value);

    QByteArray m_text;
    QByteArray m_family;
};

} // namespace ToolCapture
