#include <backend/config/store_config_reader.h>
#include <backend/store/store_location.h>

#include <array>
#include <string_view>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr std::array kStoreKeys{"url"sv,
                                "batch_size"sv,
                                "flush_interval_ms"sv,
                                "memory_limit_rows"sv,
                                "patterns_interval_ms"sv,
                                "retention"sv};
constexpr std::array kRetentionKeys{"events_days"sv, "patterns_days"sv};

// A century: retention beyond it is a typo, and days * 24 h must not overflow anything.
constexpr qint64 kMaxRetentionDays = 36500;

void readUrl(ConfigReader &reader, const QString &path, const ConfigJson &value, QString &url) {
    const auto text = reader.readString(path, value);
    if (!text)
        return;
    QString why;
    if (StoreLocation::fromSetting(*text, &why))
        url = text->trimmed();
    else
        reader.error(path, why);
}

} // namespace

void readStoreConfig(ConfigReader &reader, const QString &path, const ConfigJson &value,
                     QString &url, StoreTuningConfig &tuning) {
    if (value.is_string()) {
        readUrl(reader, path, value, url);
        return;
    }
    if (!value.is_object()) {
        reader.error(path, QStringLiteral("expected a string (where the store is) or an object, "
                                          "got %1")
                               .arg(ConfigReader::typeName(value)));
        return;
    }
    reader.forEachMember(
        path, value, kStoreKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "url") {
                readUrl(reader, p, v, url);
            } else if (key == "batch_size") {
                if (const auto n = reader.readInteger(p, v, 1, 100000))
                    tuning.batchSize = int(*n);
            } else if (key == "flush_interval_ms") {
                if (const auto ms = reader.readMilliseconds(p, v, 10, 60000))
                    tuning.flushInterval = *ms;
            } else if (key == "memory_limit_rows") {
                if (const auto n = reader.readInteger(p, v, 1000, 100000000))
                    tuning.memoryLimitRows = int(*n);
            } else if (key == "patterns_interval_ms") {
                if (const auto ms = reader.readMilliseconds(p, v, 1000, 86400000))
                    tuning.patternsInterval = *ms;
            } else if (key == "retention") {
                reader.forEachMember(
                    p, v, kRetentionKeys,
                    [&](std::string_view k, const QString &rp, const ConfigJson &rv) {
                        const auto days = reader.readInteger(rp, rv, 1, kMaxRetentionDays);
                        if (!days)
                            return;
                        if (k == "events_days")
                            tuning.eventRetentionDays = int(*days);
                        else
                            tuning.patternRetentionDays = int(*days);
                    });
            }
        });
}

} // namespace ToolCapture
