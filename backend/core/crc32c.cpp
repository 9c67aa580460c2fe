#include <backend/core/crc32c.h>

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define TC_CRC32C_X86 1
#endif

namespace ToolCapture {
namespace {

constexpr std::uint32_t kPolynomial = 0x82f63b78u; // Castagnoli, reflected

// Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes.
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables makeTables() {
    Tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1) ? (crc >> 1) ^ kPolynomial : crc >> 1;
        t[0][i] = crc;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t i = 0; i < 256; ++i)
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    return t;
}

constexpr Tables kTables = makeTables();

std::uint64_t loadLittleEndian64(const unsigned char *p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

std::uint32_t portable(const unsigned char *p, std::size_t size, std::uint32_t crc) {
    while (size >= 8) {
        const std::uint64_t word = loadLittleEndian64(p) ^ crc;
        crc = kTables[7][word & 0xff] ^ kTables[6][(word >> 8) & 0xff] ^
              kTables[5][(word >> 16) & 0xff] ^ kTables[4][(word >> 24) & 0xff] ^
              kTables[3][(word >> 32) & 0xff] ^ kTables[2][(word >> 40) & 0xff] ^
              kTables[1][(word >> 48) & 0xff] ^ kTables[0][word >> 56];
        p += 8;
        size -= 8;
    }
    while (size-- > 0)
        crc = kTables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#ifdef TC_CRC32C_X86
__attribute__((target("sse4.2"))) std::uint32_t hardware(const unsigned char *p, std::size_t size,
                                                         std::uint32_t crc) {
    std::uint64_t c = crc;
    while (size >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8); // x86 is little-endian, as the instruction expects
        c = _mm_crc32_u64(c, word);
        p += 8;
        size -= 8;
    }
    auto c32 = std::uint32_t(c);
    while (size-- > 0)
        c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

bool hasInstruction() {
    static const bool has = [] {
        __builtin_cpu_init(); // may run before libgcc's own initialisation has
        return __builtin_cpu_supports("sse4.2") != 0;
    }();
    return has;
}
#else
bool hasInstruction() {
    return false;
}
#endif

} // namespace

std::uint32_t crc32c(const void *data, std::size_t size, std::uint32_t crc) {
    const auto *p = static_cast<const unsigned char *>(data);
#ifdef TC_CRC32C_X86
    if (hasInstruction())
        return ~hardware(p, size, ~crc);
#endif
    return ~portable(p, size, ~crc);
}

std::uint32_t crc32cPortable(const void *data, std::size_t size, std::uint32_t crc) {
    return ~portable(static_cast<const unsigned char *>(data), size, ~crc);
}

bool crc32cHardware() {
    return hasInstruction();
}

} // namespace ToolCapture
