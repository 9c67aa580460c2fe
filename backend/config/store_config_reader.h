#pragma once

#include <backend/config/config_reader.h>
#include <backend/config/proxy_config.h>

#include <QString>

namespace ToolCapture {

// Reads the configuration's `store`: a string (where the intelligence store is: "sqlite",
// "sqlite:PATH", an absolute file, "postgresql://...") or an object
// {url, batch_size, flush_interval_ms, memory_limit_rows, patterns_interval_ms,
//  retention: {events_days, patterns_days}}; keys left out keep the values given.
void readStoreConfig(ConfigReader &reader, const QString &path, const ConfigJson &value,
                     QString &url, StoreTuningConfig &tuning);

} // namespace ToolCapture
