#pragma once

#include <backend/capture/capture_record.h>

#include <QByteArray>

#include <nlohmann/json.hpp>
#include <vector>

namespace ToolCapture {

// A response as far as a diff needs it: what a capture kept, or what a replay received.
struct CapturedResponse {
    int status = 0;
    std::vector<CapturedHeader> headers;
    QByteArray contentType;
    QByteArray body;
    bool bodyTruncated = false; // body holds only the first bytes of a longer one

    static CapturedResponse fromRecord(const CaptureRecord &record);
};

struct DiffOptions {
    int maxChanges = 100; // JSON changes listed; past it the list ends with "truncated": true
};

// What changed from `before` to `after`:
//   {"changed": bool,
//    "status": {"before", "after", "changed"},
//    "headers": {"equal", "added": [{"name","value"}], "removed": [{"name","value"}],
//                "changed": [{"name","before","after"}], "ignored": [{"name","before","after"}]},
//    "body": {"kind": "json"|"text"|"binary"|"truncated", "equal", "before_size", "after_size",
//             ...by kind}}
// Header names compare case-insensitively; repeated fields compare as their values joined with
// ", ". The volatile fields isVolatileHeader() names differ between any two exchanges and only
// appear under "ignored" (values, null when absent). Bodies: "json" when both parse as JSON
// (JSON-equal, so key order and whitespace do not count): "changes" [{"op": "add"|"remove"|
// "replace", "path": RFC 6901 pointer, "before", "after"}], objects by key and arrays by index,
// and "truncated" when more changes than options.maxChanges; "text" when both are UTF-8:
// line counts, "first_difference_line" (1-based, null when equal) and "removed_lines" /
// "added_lines" between the common head and tail; "binary" otherwise: SHA-256 of each;
// "truncated" when either side kept only a prefix: equal when the kept bytes and flags are,
// "first_difference" byte offset, SHA-256 of the kept bytes.
nlohmann::json diffResponses(const CapturedResponse &before, const CapturedResponse &after,
                             const DiffOptions &options = {});

// Date, Age, Expires, Content-Length (framing; the body comparison covers sizes),
// Transfer-Encoding, Connection, Keep-Alive, Via, Server-Timing and X-Correlation-ID.
bool isVolatileHeader(QByteArrayView name) noexcept;

// An RFC 6901 reference token: '~' as "~0", '/' as "~1".
std::string escapeJsonPointerToken(std::string_view token);

} // namespace ToolCapture
