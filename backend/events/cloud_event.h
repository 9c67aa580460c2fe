#pragma once

#include <backend/config/cloud_events_mode.h>

#include <QByteArray>
#include <QByteArrayView>

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace ToolCapture {

class JsonWriter;

namespace CloudEvents {

inline constexpr char kStructuredContentType[] = "application/cloudevents+json";
inline constexpr char kSpecVersion[] = "1.0";

// Whether a message's content-type header (its last one) says structured mode: the media type
// application/cloudevents+json, in any case, with or without parameters.
bool isStructuredContentType(QByteArrayView contentType);

// The structured form of one event into `json` (cleared first): the attributes, then the
// event's JSON text as `data`, which the caller vouches for.
void writeStructured(JsonWriter &json, QByteArrayView id, QByteArrayView type,
                     QByteArrayView source, QByteArrayView time, std::string_view data);

// What writeStructured() writes before the data, through `"data":` (`json` cleared first):
// followed by the event's JSON text and a closing `}`, it is the structured event. For writers
// that put the event in place themselves (EventBatch's envelopes).
void writeStructuredHead(JsonWriter &json, QByteArrayView id, QByteArrayView type,
                         QByteArrayView source, QByteArrayView time);

// The `data` member of a structured event, as the JSON text it is in `value` (no copy), or
// nullopt when `value` is not one JSON object with a `data` member. Scans the top level only:
// fast enough for every message a consumer reads.
std::optional<QByteArrayView> structuredData(QByteArrayView value);

// A structured event taken apart as binary mode would carry it: the attributes as ce_* headers
// (datacontenttype as content-type), string values decoded, and the data's JSON text. nullopt
// when `value` is not a JSON object with a `data` member.
struct DecodedCloudEvent {
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    QByteArray data;
};
std::optional<DecodedCloudEvent> decodeStructured(QByteArrayView value);

} // namespace CloudEvents
} // namespace ToolCapture
