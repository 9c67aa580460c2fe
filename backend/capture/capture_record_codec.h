#pragma once

#include <backend/capture/capture_record.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace ToolCapture {

// The admin API's and the exports' view of a record, snake_case keys:
//   id, correlation_id, session_id, user_context, client_address,
//   accepted_at (RFC 3339 UTC, microseconds), accepted_at_us, connected_us, first_byte_us,
//   done_us, method, path, query, status, request_bytes, response_bytes, service, instance,
//   attempts, routing (the explanation as a JSON object: the record's routing text when it has
//   one, else its routing brief rendered, see toJson(RoutingBrief)), cache, breaker_state,
//   proxy_error, tunnel_end, websocket_messages (null, or {client_to_upstream,
//   upstream_to_client}, each {messages, data_bytes, largest_message_bytes, control_frames,
//   malformed}), request_headers and response_headers ([{name, value}]), request_content_type,
//   response_content_type, request_body and response_body with request_body_encoding and
//   response_body_encoding ("utf-8": the body as text; "base64": it was not UTF-8),
//   replayable, response_body_truncated.
// Absent values are null: session_id, user_context, service, instance, routing, cache,
// breaker_state, proxy_error, tunnel_end and the content types when empty,
// websocket_messages when not counted, status 0, offsets of -1.
// Byte strings that are not UTF-8 (other than bodies) are read as Latin-1, HTTP's historic
// charset for field values.
nlohmann::json toJson(const CaptureRecord &record);

// The inverse of toJson (accepted_at is ignored: accepted_at_us is authoritative). Missing keys
// take the record's defaults; a key of the wrong type or a bad base64 body is an error. A
// routing explanation comes back re-serialised (same JSON, possibly other spacing and order)
// as the record's routing text.
std::optional<CaptureRecord> captureRecordFromJson(const nlohmann::json &json,
                                                   QString *error = nullptr);

// "2024-05-01T12:00:00.123456Z".
QByteArray formatRfc3339Utc(std::int64_t microsecondsSinceEpoch);

// The store's compact binary form (versioned): varints and length-prefixed byte strings; common
// header names as table references, header values that repeat the correlation id, the content
// type or the redaction marker as one-byte references, the routing explanation's repeated JSON
// keys as one- or two-byte codes, the routing brief as numbers. A small GET takes about 330
// bytes, with a routing brief about 500. The id is not part of it (the store keeps it as the
// key) and neither are the transient secrets. Appends to `out`.
void encodeCaptureRecord(const CaptureRecord &record, QByteArray &out);
QByteArray encodeCaptureRecord(const CaptureRecord &record);
// False on anything but a complete, well-formed encoding of a known version; `out` is then
// unspecified. `out.id` is left as it was.
bool decodeCaptureRecord(QByteArrayView data, CaptureRecord &out);
// The correlation id of an encoding, without decoding the rest (a view into `data`); nullopt
// when the encoding is not of a known version or too short.
std::optional<QByteArrayView> peekCorrelationId(QByteArrayView data);

} // namespace ToolCapture
