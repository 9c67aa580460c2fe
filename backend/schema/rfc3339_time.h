#pragma once

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <string_view>

namespace ToolCapture {

// An RFC 3339 date-time ("2024-05-01T12:00:00.250+02:00") as UTC microseconds since the epoch;
// nullopt when the text is not one (another shape, April 31, hour 24, offset +25:00, ...).
// Digits past the microsecond are dropped; a leap second (":60") counts as the next second.
std::optional<std::int64_t> parseRfc3339(std::string_view text);

// "2024-05-01T10:00:00.250Z": UTC, milliseconds.
QByteArray formatRfc3339(std::int64_t microsSinceEpoch);

} // namespace ToolCapture
