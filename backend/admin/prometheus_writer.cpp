#include <backend/admin/prometheus_writer.h>

#include <charconv>
#include <cmath>

namespace ToolCapture {

namespace {

QByteArrayView typeName(PrometheusWriter::Type type) {
    switch (type) {
    case PrometheusWriter::Type::Counter:
        return "counter";
    case PrometheusWriter::Type::Gauge:
        return "gauge";
    case PrometheusWriter::Type::Histogram:
        return "histogram";
    }
    return "untyped";
}

} // namespace

void PrometheusWriter::family(QByteArrayView name, Type type, QByteArrayView help) {
    m_family = name.toByteArray();
    m_text += "# HELP " + m_family + ' ' + escapeHelp(help) + '\n';
    m_text += "# TYPE " + m_family + ' ' + typeName(type).toByteArray() + '\n';
}

void PrometheusWriter::sample(const Labels &labels, double value) {
    writeSample({}, labels, {}, {}, formatValue(value));
}

void PrometheusWriter::sample(const Labels &labels, std::uint64_t value) {
    writeSample({}, labels, {}, {}, QByteArray::number(quint64(value)));
}

void PrometheusWriter::sample(const Labels &labels, std::int64_t value) {
    writeSample({}, labels, {}, {}, QByteArray::number(qint64(value)));
}

void PrometheusWriter::histogram(const Labels &labels, std::span<const double> upperBounds,
                                 std::span<const std::uint64_t> counts, double sum) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < upperBounds.size(); ++i) {
        cumulative += i < counts.size() ? counts[i] : 0;
        writeSample("_bucket", labels, "le", formatBound(upperBounds[i]),
                    QByteArray::number(quint64(cumulative)));
    }
    for (std::size_t i = upperBounds.size(); i < counts.size(); ++i)
        cumulative += counts[i];
    writeSample("_bucket", labels, "le", "+Inf", QByteArray::number(quint64(cumulative)));
    writeSample("_sum", labels, {}, {}, formatValue(sum));
    writeSample("_count", labels, {}, {}, QByteArray::number(quint64(cumulative)));
}

void PrometheusWriter::writeSample(QByteArrayView suffix, const Labels &labels,
                                   QByteArrayView extraLabel, QByteArrayView extraValue,
                                   QByteArrayView value) {
    m_text += m_family;
    m_text += suffix;
    if (!labels.empty() || !extraLabel.isEmpty()) {
        m_text += '{';
        bool first = true;
        auto add = [&](QByteArrayView name, QByteArrayView labelValue) {
            if (!first)
                m_text += ',';
            first = false;
            m_text += name;
            m_text += "=\"";
            m_text += escapeLabelValue(labelValue);
            m_text += '"';
        };
        for (const auto &[name, labelValue] : labels)
            add(name, labelValue);
        if (!extraLabel.isEmpty())
            add(extraLabel, extraValue);
        m_text += '}';
    }
    m_text += ' ';
    m_text += value;
    m_text += '\n';
}

QByteArray PrometheusWriter::escapeLabelValue(QByteArrayView value) {
    QByteArray out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray PrometheusWriter::escapeHelp(QByteArrayView help) {
    QByteArray out;
    out.reserve(help.size());
    for (const char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray PrometheusWriter::formatBound(double value) {
    if (!std::isfinite(value))
        return formatValue(value);
    // Plain decimals: to_chars' shortest form writes 0.0001 as "1e-04", and a rule or a dashboard
    // that names the bucket le="0.0001" compares the label as text.
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    if (result.ec != std::errc())
        return formatValue(value);
    return QByteArray(buffer, result.ptr - buffer);
}

QByteArray PrometheusWriter::formatValue(double value) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return QByteArray(buffer, result.ptr - buffer);
}

} // namespace ToolCapture
