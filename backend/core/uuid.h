#pragma once

#include <cstdint>

namespace ToolCapture {

// Writes the 36 characters of a version 4 UUID (RFC 9562) made of two random 64-bit values
// into `out` (lower-case hex, no terminator): the version and variant bits are set here.
inline void formatUuidV4(std::uint64_t hi, std::uint64_t lo, char *out) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    hi = (hi & ~0xF000ull) | 0x4000ull;                        // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; // variant 10
    int pos = 0;
    auto put = [&](std::uint64_t value, int nibbles) {
        for (int i = nibbles - 1; i >= 0; --i)
            out[pos++] = kHex[(value >> (i * 4)) & 0xF];
    };
    put(hi >> 32, 8);
    out[pos++] = '-';
    put((hi >> 16) & 0xFFFF, 4);
    out[pos++] = '-';
    put(hi & 0xFFFF, 4);
    out[pos++] = '-';
    put(lo >> 48, 4);
    out[pos++] = '-';
    put(lo & 0xFFFFFFFFFFFFull, 12);
}

} // namespace ToolCapture
