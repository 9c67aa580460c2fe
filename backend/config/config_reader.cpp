#include <backend/config/config_reader.h>

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

namespace {

bool isPlainKey(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

// "maxBodyBytes" -> "max_body_bytes", "Max-Body" -> "max_body".
std::string toSnakeCase(std::string_view key) {
    std::string out;
    for (const char c : key) {
        if (c >= 'A' && c <= 'Z') {
            if (!out.empty() && out.back() != '_')
                out += '_';
            out += char(c - 'A' + 'a');
        } else {
            out += c == '-' ? '_' : c;
        }
    }
    return out;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// Names other tools (and the source documents) use for our keys; offered only where the key
// they stand for is allowed.
struct KeyAlias {
    std::string_view alias;
    std::string_view key;
};
constexpr KeyAlias kKeyAliases[] = {
    {"failure_threshold", "consecutive_failures"}, // pybreaker, circuitbreaker
    {"recovery_timeout", "open_ms"},
    {"recovery_timeout_ms", "open_ms"},
    {"max_retries", "max_attempts"},
    {"permitted_number_of_calls_in_half_open_state", "half_open_probes"}, // Resilience4j
    {"sliding_window_size", "window_size"},
};

std::optional<std::string_view> closestKey(std::string_view key, ConfigReader::KeyList allowed) {
    const std::string snake = toSnakeCase(key);
    for (const std::string_view candidate : allowed) {
        if (snake == candidate || snake + "_ms" == candidate) // "connect" -> "connect_ms"
            return candidate;
    }
    for (const KeyAlias &alias : kKeyAliases) {
        if (snake == alias.alias &&
            std::find(allowed.begin(), allowed.end(), alias.key) != allowed.end())
            return alias.key;
    }
    std::optional<std::string_view> best;
    std::size_t bestDistance = 3; // at most two edits away
    for (const std::string_view candidate : allowed) {
        const std::size_t distance = editDistance(snake, candidate);
        if (distance < bestDistance && distance < candidate.size() / 2 + 1) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

QString formatNumber(double value) {
    return QString::number(value, 'g', 15);
}

} // namespace

void ConfigReader::error(const QString &path, const QString &message) {
    m_errors.push_back(ConfigError{path, message});
}

QString ConfigReader::memberPath(const QString &parent, std::string_view key) {
    if (isPlainKey(key)) {
        const QString name = QString::fromStdString(std::string(key));
        return parent.isEmpty() ? name : parent + QLatin1Char('.') + name;
    }
    return parent + QLatin1Char('[') + quoted(key) + QLatin1Char(']');
}

QString ConfigReader::elementPath(const QString &parent, std::size_t index) {
    return parent + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

QString ConfigReader::typeName(const ConfigJson &value) {
    switch (value.type()) {
    case ConfigJson::value_t::null:
        return QStringLiteral("null");
    case ConfigJson::value_t::object:
        return QStringLiteral("an object");
    case ConfigJson::value_t::array:
        return QStringLiteral("an array");
    case ConfigJson::value_t::string:
        return QStringLiteral("a string");
    case ConfigJson::value_t::boolean:
        return QStringLiteral("a boolean");
    case ConfigJson::value_t::number_integer:
    case ConfigJson::value_t::number_unsigned:
    case ConfigJson::value_t::number_float:
        return QStringLiteral("a number");
    case ConfigJson::value_t::binary:
    case ConfigJson::value_t::discarded:
        break;
    }
    return QStringLiteral("an unexpected value");
}

QString ConfigReader::quoted(std::string_view text) {
    const ConfigJson string = std::string(text);
    return QString::fromStdString(
        string.dump(-1, ' ', false, ConfigJson::error_handler_t::replace));
}

bool ConfigReader::expectObject(const QString &path, const ConfigJson &value) {
    if (value.is_object())
        return true;
    error(path, QStringLiteral("expected an object, got %1").arg(typeName(value)));
    return false;
}

bool ConfigReader::expectArray(const QString &path, const ConfigJson &value) {
    if (value.is_array())
        return true;
    error(path, QStringLiteral("expected an array, got %1").arg(typeName(value)));
    return false;
}

void ConfigReader::forEachMember(const QString &path, const ConfigJson &object, KeyList allowed,
                                 const MemberVisitor &visit, KeyList planned) {
    if (!expectObject(path, object))
        return;
    for (const auto &[key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
            visit(key, memberPath(path, key), value);
            continue;
        }
        QString hint;
        if (std::find(planned.begin(), planned.end(), key) != planned.end()) {
            hint = QStringLiteral("not supported yet");
        } else if (const auto close = closestKey(key, allowed)) {
            hint = QStringLiteral("did you mean %1?").arg(quoted(*close));
        } else {
            QStringList names;
            for (const std::string_view name : allowed)
                names << QString::fromStdString(std::string(name));
            hint = QStringLiteral("expected one of: ") + names.join(QLatin1String(", "));
        }
        error(path, QStringLiteral("unknown key %1 (%2)").arg(quoted(key), hint));
    }
}

std::optional<qint64> ConfigReader::readInteger(const QString &path, const ConfigJson &value,
                                                qint64 minimum, qint64 maximum) {
    if (!value.is_number()) {
        error(path, QStringLiteral("expected an integer, got %1").arg(typeName(value)));
        return std::nullopt;
    }
    constexpr auto int64Max = std::numeric_limits<qint64>::max();
    const QString written = QString::fromStdString(value.dump());
    std::optional<qint64> number;
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u <= std::uint64_t(int64Max))
            number = qint64(u);
    } else if (value.is_number_integer()) {
        number = value.get<std::int64_t>();
    } else {
        const double d = value.get<double>();
        if (!std::isfinite(d) || d != std::floor(d)) {
            error(path, QStringLiteral("expected an integer, got %1").arg(written));
            return std::nullopt;
        }
        if (std::fabs(d) < 9.0e18)
            number = qint64(d);
    }
    if (!number || *number > maximum) {
        error(path, QStringLiteral("must be at most %1, got %2").arg(maximum).arg(written));
        return std::nullopt;
    }
    if (*number < minimum) {
        if (minimum == 1)
            error(path, QStringLiteral("must be a positive integer, got %1").arg(written));
        else if (minimum == 0)
            error(path, QStringLiteral("must not be negative, got %1").arg(written));
        else
            error(path, QStringLiteral("must be at least %1, got %2").arg(minimum).arg(written));
        return std::nullopt;
    }
    return number;
}

std::optional<std::chrono::milliseconds> ConfigReader::readMilliseconds(const QString &path,
                                                                        const ConfigJson &value,
                                                                        qint64 minimum,
                                                                        qint64 maximum) {
    if (const auto number = readInteger(path, value, minimum, maximum))
        return std::chrono::milliseconds(*number);
    return std::nullopt;
}

std::optional<double> ConfigReader::readNumber(const QString &path, const ConfigJson &value,
                                               double minimum, double maximum) {
    if (!value.is_number()) {
        error(path, QStringLiteral("expected a number, got %1").arg(typeName(value)));
        return std::nullopt;
    }
    const double number = value.get<double>();
    if (!(number >= minimum && number <= maximum)) {
        error(path, QStringLiteral("must be between %1 and %2, got %3")
                        .arg(formatNumber(minimum), formatNumber(maximum),
                             QString::fromStdString(value.dump())));
        return std::nullopt;
    }
    return number;
}

std::optional<bool> ConfigReader::readBool(const QString &path, const ConfigJson &value) {
    if (value.is_boolean())
        return value.get<bool>();
    error(path, QStringLiteral("expected true or false, got %1").arg(typeName(value)));
    return std::nullopt;
}

std::optional<QString> ConfigReader::readString(const QString &path, const ConfigJson &value) {
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    error(path, QStringLiteral("expected a string, got %1").arg(typeName(value)));
    return std::nullopt;
}

} // namespace ToolCapture
