#include <backend/config/recommendations_config_reader.h>

#include <array>
#include <string_view>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr std::array kRecommendationsKeys{"evaluate_every_ms"sv, "effect_window_ms"sv,
                                          "auto_revert"sv, "suppress_for_ms"sv,
                                          "expire_after_ms"sv};
constexpr qint64 kDayMs = 86400000;

} // namespace

void readRecommendationsConfig(ConfigReader &reader, const QString &path, const ConfigJson &value,
                               RecommendationsConfig &recommendations) {
    reader.forEachMember(
        path, value, kRecommendationsKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "auto_revert") {
                if (const auto on = reader.readBool(p, v))
                    recommendations.autoRevert = *on;
            } else if (key == "evaluate_every_ms") {
                // Each evaluation copies the analyser's snapshot: not more than ten a second.
                if (const auto ms = reader.readMilliseconds(p, v, 100, kDayMs))
                    recommendations.evaluateEvery = *ms;
            } else if (key == "effect_window_ms") {
                if (const auto ms = reader.readMilliseconds(p, v, 1000, 7 * kDayMs))
                    recommendations.effectWindow = *ms;
            } else if (key == "expire_after_ms") {
                if (const auto ms = reader.readMilliseconds(p, v, 1000, 7 * kDayMs))
                    recommendations.expireAfter = *ms;
            } else if (const auto ms = reader.readMilliseconds(p, v, 0, 30 * kDayMs)) {
                recommendations.suppressFor = *ms;
            }
        });
}

} // namespace ToolCapture
