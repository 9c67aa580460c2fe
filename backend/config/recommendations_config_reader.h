#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

namespace ToolCapture {

// intelligence.recommendations: evaluate_every_ms, effect_window_ms, auto_revert,
// suppress_for_ms (docs/configuration.md). Starts from the values given and overrides only the
// keys written; every error located by its path.
void readRecommendationsConfig(ConfigReader &reader, const QString &path, const ConfigJson &value,
                               RecommendationsConfig &recommendations);

} // namespace ToolCapture
