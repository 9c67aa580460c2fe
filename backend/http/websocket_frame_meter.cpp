#include <backend/http/websocket_frame_meter.h>

#include <algorithm>

namespace ToolCapture {

namespace {
// RFC 6455 section 5.2.
constexpr unsigned char kWsFinBit = 0x80;
constexpr unsigned char kWsOpcodeMask = 0x0F;
constexpr unsigned char kWsMaskBit = 0x80;
constexpr unsigned char kWsLengthMask = 0x7F;
constexpr unsigned char kWsOpContinuation = 0x0;
constexpr unsigned char kWsOpText = 0x1;
constexpr unsigned char kWsOpBinary = 0x2;
constexpr unsigned char kWsOpClose = 0x8;
constexpr unsigned char kWsOpPong = 0xA;
constexpr std::uint64_t kWsMaxControlPayload = 125;
constexpr unsigned char kWsLength16 = 126;
constexpr unsigned char kWsLength64 = 127;
} // namespace

void WebSocketFrameMeter::consume(const char *data, qsizetype size) noexcept {
    const auto *at = reinterpret_cast<const unsigned char *>(data);
    const unsigned char *const end = at + size;
    while (at < end && m_state != State::Broken) {
        if (m_state == State::Payload) {
            const auto skip =
                std::uint64_t(end - at) < m_remaining ? std::uint64_t(end - at) : m_remaining;
            at += skip;
            m_remaining -= skip;
            if (!m_control) {
                m_stats.dataBytes += std::int64_t(skip);
                m_messageBytes += std::int64_t(skip);
            }
            if (m_remaining == 0)
                endFrame();
            continue;
        }
        // Header: only what is still needed is copied (at most 14 bytes in all).
        const int take = int(std::min<std::ptrdiff_t>(m_need - m_have, end - at));
        std::copy(at, at + take, m_header + m_have);
        at += take;
        m_have += take;
        if (m_have < m_need)
            continue;
        if (m_need == 2) {
            const unsigned char length = m_header[1] & kWsLengthMask;
            m_need = 2 +
                     (length == kWsLength16   ? 2
                      : length == kWsLength64 ? 8
                                              : 0) +
                     ((m_header[1] & kWsMaskBit) ? 4 : 0);
            if (m_have < m_need)
                continue;
        }
        beginFrame();
    }
}

void WebSocketFrameMeter::beginFrame() noexcept {
    const unsigned char opcode = m_header[0] & kWsOpcodeMask;
    const unsigned char length = m_header[1] & kWsLengthMask;
    std::uint64_t payload = length;
    if (length == kWsLength16) {
        payload = std::uint64_t(m_header[2]) << 8 | m_header[3];
    } else if (length == kWsLength64) {
        payload = 0;
        for (int i = 2; i < 10; ++i)
            payload = payload << 8 | m_header[i];
        if (payload >> 63) {
            fail(); // "the most significant bit MUST be 0"
            return;
        }
    }
    m_fin = m_header[0] & kWsFinBit;
    m_control = opcode >= kWsOpClose;
    if (m_control) {
        // Close, ping, pong; 0xB-0xF are reserved. Control frames are never fragmented and
        // carry at most 125 bytes.
        if (opcode > kWsOpPong || !m_fin || payload > kWsMaxControlPayload) {
            fail();
            return;
        }
    } else if (opcode == kWsOpContinuation) {
        if (!m_inMessage) {
            fail(); // a continuation of nothing
            return;
        }
    } else if (opcode == kWsOpText || opcode == kWsOpBinary) {
        if (m_inMessage) {
            fail(); // a new message before the last one's final frame
            return;
        }
        m_inMessage = true;
        m_messageBytes = 0;
    } else {
        fail(); // 0x3-0x7: reserved data opcodes
        return;
    }
    m_remaining = payload;
    m_have = 0;
    m_need = 2;
    m_state = State::Payload;
    if (m_remaining == 0)
        endFrame();
}

void WebSocketFrameMeter::endFrame() noexcept {
    m_state = State::Header;
    if (m_control) {
        ++m_stats.controlFrames;
        return;
    }
    if (!m_fin)
        return;
    ++m_stats.messages;
    m_stats.largestMessage = std::max(m_stats.largestMessage, m_messageBytes);
    m_messageBytes = 0;
    m_inMessage = false;
}

void WebSocketFrameMeter::fail() noexcept {
    m_state = State::Broken;
    m_stats.malformed = true;
}

} // namespace ToolCapture
