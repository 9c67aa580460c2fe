#pragma once

#include <optional>
#include <string_view>

namespace ToolCapture {

// How an event travels in a Kafka message (CloudEvents Kafka protocol binding, content modes):
//   Binary      the value is the event's JSON; the attributes are headers (ce_id, ce_type,
//               ce_source, ce_time, ce_specversion, content-type).
//   Structured  the value is the whole CloudEvent as JSON (specversion, id, source, type, time,
//               datacontenttype, and the event's JSON as `data`); one header, content-type
//               application/cloudevents+json.
// The events are the same in both; ToolCapture's own consumers read either, message by message,
// so the proxies of one fleet may differ while the setting is being changed.
enum class CloudEventsMode { Binary, Structured };

inline std::optional<CloudEventsMode> cloudEventsModeFromName(std::string_view name) {
    if (name == "binary")
        return CloudEventsMode::Binary;
    if (name == "structured")
        return CloudEventsMode::Structured;
    return std::nullopt;
}

} // namespace ToolCapture
