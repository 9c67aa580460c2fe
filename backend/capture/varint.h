#pragma once

#include <QByteArray>

#include <cstdint>

// Unsigned LEB128 varints, as the capture store's formats write them (batches, their summaries,
// the row size index).
namespace ToolCapture::Varint {

inline void put(QByteArray &out, std::uint64_t value) {
    char buffer[10];
    int n = 0;
    while (value >= 0x80) {
        buffer[n++] = char((value & 0x7f) | 0x80);
        value >>= 7;
    }
    buffer[n++] = char(value);
    out.append(buffer, n);
}

// Reads one varint at `p`, advancing it; false when the input ends first (or after 10 bytes).
inline bool get(const char *&p, const char *end, std::uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64 && p != end; shift += 7) {
        const auto b = static_cast<unsigned char>(*p++);
        value |= std::uint64_t(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

} // namespace ToolCapture::Varint
