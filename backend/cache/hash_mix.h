#pragma once

#include <cstdint>

namespace ToolCapture {

// A 64-bit finaliser (splitmix64's constants): every input bit affects every output bit. For the
// cache's shard choice and the frequency sketch's rows.
inline std::uint64_t mixHash(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

} // namespace ToolCapture
