#pragma once

#include <backend/http/websocket_message_stats.h>

#include <QtGlobal>

#include <cstdint>

namespace ToolCapture {

// Counts the messages of one direction of a WebSocket connection from the bytes as they pass,
// without keeping them: a small state machine over RFC 6455 frame headers (2 to 14 bytes, split
// across reads however the reads fall) that skips each payload by its length. A message is
// counted when the payload of its frame with FIN has passed; control frames (close, ping, pong)
// are counted apart and may come between the frames of a fragmented message. Masking is not
// checked against the direction and RSV bits are not checked (an extension may use them): only
// what makes the frame boundaries unknowable, or the message structure wrong, stops counting.
class WebSocketFrameMeter {
public:
    // The bytes that follow, in order.
    void consume(const char *data, qsizetype size) noexcept;

    const WebSocketMessageStats &stats() const noexcept { return m_stats; }

private:
    enum class State {
        Header,  // collecting the header into m_header
        Payload, // skipping m_remaining payload bytes
        Broken,  // not frames any more: nothing is counted
    };

    // The header in m_header is complete: checks it and starts its payload.
    void beginFrame() noexcept;
    // The current frame's payload has passed whole.
    void endFrame() noexcept;
    void fail() noexcept;

    WebSocketMessageStats m_stats;
    State m_state = State::Header;
    unsigned char m_header[14] = {};
    int m_have = 0;                  // header bytes collected
    int m_need = 2;                  // header bytes needed (2 until the second byte tells)
    std::uint64_t m_remaining = 0;   // payload bytes of the current frame still to come
    bool m_control = false;          // the current frame is a control frame
    bool m_fin = false;              // the current frame ends its message
    bool m_inMessage = false;        // a fragmented data message has begun and not ended
    std::int64_t m_messageBytes = 0; // payload bytes of the data message in progress
};

} // namespace ToolCapture
