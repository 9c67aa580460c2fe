#pragma once

#include <cstdint>

namespace ToolCapture {

// What one direction of a WebSocket connection carried, counted from its frame headers
// (RFC 6455 section 5.2). Sizes are payload bytes as on the wire: compressed when an extension
// such as permessage-deflate compresses them.
struct WebSocketMessageStats {
    std::int64_t messages = 0;       // data messages (text, binary) whose last frame passed
    std::int64_t dataBytes = 0;      // payload bytes of data frames, continuations included
    std::int64_t largestMessage = 0; // payload bytes of the largest complete data message
    std::int64_t controlFrames = 0;  // close, ping and pong frames whose payload passed
    // The bytes stopped looking like frames (a reserved opcode, a fragmented or oversized
    // control frame, a continuation of nothing...): the counts stop there, the bytes still pass.
    bool malformed = false;

    bool operator==(const WebSocketMessageStats &) const = default;
};

} // namespace ToolCapture
