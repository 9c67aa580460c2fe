#pragma once

#include <backend/config/proxy_config.h>

#include <QString>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ToolCapture {

// Document order matters: members are visited, and errors reported, in the order written.
using ConfigJson = nlohmann::ordered_json;

// Reads typed values out of a parsed configuration document and records every problem as a
// ConfigError located by its path ("services.inventory.instances[1].url").
class ConfigReader {
public:
    // The longest duration a setting in milliseconds may name: one day, as for the timeouts.
    static constexpr qint64 kMaxDayMs = 24 * 60 * 60 * 1000;

    using KeyList = std::span<const std::string_view>;
    using MemberVisitor =
        std::function<void(std::string_view key, const QString &path, const ConfigJson &value)>;

    explicit ConfigReader(std::vector<ConfigError> &errors)
        : m_errors(errors) {}

    void error(const QString &path, const QString &message);
    std::size_t errorCount() const { return m_errors.size(); }

    // "parent.key", or parent["odd key"] for keys that are not plain identifiers.
    static QString memberPath(const QString &parent, std::string_view key);
    static QString elementPath(const QString &parent, std::size_t index);
    // "a string", "an object", "null", ...
    static QString typeName(const ConfigJson &value);
    // The text as a JSON string literal, quotes and escapes included.
    static QString quoted(std::string_view text);
    static QString quoted(const QString &text) { return quoted(text.toStdString()); }

    bool expectObject(const QString &path, const ConfigJson &value);
    bool expectArray(const QString &path, const ConfigJson &value);

    // Visits the members of an object whose keys are allowed, in document order, and reports
    // each other key as unknown (with a suggestion when one is close). Keys in planned are
    // reported as not supported yet.
    void forEachMember(const QString &path, const ConfigJson &object, KeyList allowed,
                       const MemberVisitor &visit, KeyList planned = {});

    std::optional<qint64> readInteger(const QString &path, const ConfigJson &value, qint64 minimum,
                                      qint64 maximum);
    std::optional<std::chrono::milliseconds>
    readMilliseconds(const QString &path, const ConfigJson &value, qint64 minimum, qint64 maximum);
    std::optional<double> readNumber(const QString &path, const ConfigJson &value, double minimum,
                                     double maximum);
    std::optional<bool> readBool(const QString &path, const ConfigJson &value);
    std::optional<QString> readString(const QString &path, const ConfigJson &value);

private:
    std::vector<ConfigError> &m_errors;
};

} // namespace ToolCapture
