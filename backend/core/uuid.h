#pragma once

#include <QByteArray>

#include <cstdint>

namespace ToolCapture {

namespace Uuid {

// The 36 characters of a UUID from its two 64-bit halves, lower-case hex, no terminator.
inline void format(std::uint64_t hi, std::uint64_t lo, char *out) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
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

constexpr std::uint64_t withVariant(std::uint64_t lo) noexcept {
    return (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; // variant 10
}

} // namespace Uuid

// Writes a version 4 UUID (RFC 9562) made of two random 64-bit values into `out`: the version
// and variant bits are set here.
inline void formatUuidV4(std::uint64_t hi, std::uint64_t lo, char *out) noexcept {
    Uuid::format((hi & ~0xF000ull) | 0x4000ull, Uuid::withVariant(lo), out);
}

// Writes a version 7 UUID (RFC 9562 §5.7): the Unix time in milliseconds in the first 48 bits,
// then 74 random bits. Ids made later sort later (to the millisecond), so a database index on
// them grows at its right edge instead of touching a random leaf per insert.
inline void formatUuidV7(std::int64_t unixMillis, std::uint64_t randomA, std::uint64_t randomB,
                         char *out) noexcept {
    const std::uint64_t hi =
        (std::uint64_t(unixMillis) << 16) | 0x7000ull | (randomA & 0xFFFull); // version 7
    Uuid::format(hi, Uuid::withVariant(randomB), out);
}

namespace Uuid {

// A version 7 UUID for now (the system clock), from the calling thread's own random generator:
// no lock. For ids the stores index; a hot path with its own generator uses formatUuidV7.
QByteArray newV7();

} // namespace Uuid

} // namespace ToolCapture
