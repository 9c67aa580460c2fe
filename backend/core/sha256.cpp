#include <backend/core/sha256.h>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define TC_SHA256_X86 1
#endif

namespace ToolCapture {
namespace {

constexpr std::array<std::uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#ifdef TC_SHA256_X86
alignas(16) constexpr std::uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The SHA extensions keep the state as two registers, ABEF and CDGH, and do two rounds per
// sha256rnds2 with the message words plus round constants in the low half of its third operand.
// Each group of four rounds takes the next four schedule words, which sha256msg1/sha256msg2
// derive from the previous sixteen.
__attribute__((target("sha,sse4.1,ssse3"))) void
compressWithInstructions(std::uint32_t *state, const unsigned char *blocks, std::size_t count) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state));
    __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state + 4));
    const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    for (; count > 0; --count, blocks += 64) {
        const __m128i abefSaved = abef;
        const __m128i cdghSaved = cdgh;
        __m128i w[4];
        for (int i = 0; i < 16; ++i) {
            __m128i words;
            if (i < 4) {
                words = _mm_shuffle_epi8(
                    _mm_loadu_si128(reinterpret_cast<const __m128i *>(blocks + 16 * i)), byteSwap);
            } else {
                const __m128i &x0 = w[i % 4];       // w[t-16 .. t-13]
                const __m128i &x1 = w[(i + 1) % 4]; // w[t-12 .. t-9]
                const __m128i &x2 = w[(i + 2) % 4]; // w[t-8 .. t-5]
                const __m128i &x3 = w[(i + 3) % 4]; // w[t-4 .. t-1]
                __m128i sum = _mm_sha256msg1_epu32(x0, x1);
                sum = _mm_add_epi32(sum, _mm_alignr_epi8(x3, x2, 4)); // w[t-7 .. t-4]
                words = _mm_sha256msg2_epu32(sum, x3);
            }
            w[i % 4] = words;
            __m128i input = _mm_add_epi32(
                words, _mm_load_si128(reinterpret_cast<const __m128i *>(kRoundConstants + 4 * i)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, input);
            input = _mm_shuffle_epi32(input, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, input);
        }
        abef = _mm_add_epi32(abef, abefSaved);
        cdgh = _mm_add_epi32(cdgh, cdghSaved);
    }

    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(state), dcba);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(state + 4), hgfe);
}

bool hasInstructions() {
    static const bool has = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid(1, &a, &b, &c, &d))
            return false;
        const bool ssse3 = (c & bit_SSSE3) != 0;
        const bool sse41 = (c & bit_SSE4_1) != 0;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
            return false;
        const bool sha = (b & bit_SHA) != 0;
        return ssse3 && sse41 && sha;
    }();
    return has;
}
#else
bool hasInstructions() {
    return false;
}
#endif

} // namespace

Sha256::Sha256()
    : m_fallback(!hasInstructions()) {
    reset();
}

void Sha256::reset() {
    if (m_fallback) {
        m_qt.reset();
        return;
    }
    m_state = kInitial;
    m_blockSize = 0;
    m_length = 0;
}

void Sha256::setPortable(bool portable) {
    m_fallback = portable || !hasInstructions();
    reset();
}

void Sha256::compress(const unsigned char *blocks, std::size_t count) {
#ifdef TC_SHA256_X86
    compressWithInstructions(m_state.data(), blocks, count);
#else
    Q_UNUSED(blocks);
    Q_UNUSED(count);
#endif
}

void Sha256::addData(QByteArrayView bytes) {
    if (m_fallback) {
        m_qt.addData(bytes);
        return;
    }
    if (bytes.isEmpty())
        return; // a null view's data() may be null, which memcpy must not be given
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    std::size_t size = std::size_t(bytes.size());
    m_length += size;
    if (m_blockSize > 0) {
        const std::size_t taken = std::min(size, m_block.size() - m_blockSize);
        std::memcpy(m_block.data() + m_blockSize, p, taken);
        m_blockSize += taken;
        p += taken;
        size -= taken;
        if (m_blockSize < m_block.size())
            return;
        compress(m_block.data(), 1);
        m_blockSize = 0;
    }
    if (size >= 64) {
        compress(p, size / 64);
        p += size - size % 64;
        size %= 64;
    }
    if (size > 0) {
        std::memcpy(m_block.data(), p, size);
        m_blockSize = size;
    }
}

Sha256::Digest Sha256::result() {
    Digest digest;
    if (m_fallback) {
        const QByteArrayView qt = m_qt.resultView();
        std::memcpy(digest.data(), qt.data(), digest.size());
        return digest;
    }
    // The padding: a 1 bit, zeros up to 56 bytes into a block, the length in bits (big-endian).
    const std::uint64_t bits = m_length * 8;
    m_block[m_blockSize++] = 0x80;
    if (m_blockSize > 56) {
        std::memset(m_block.data() + m_blockSize, 0, m_block.size() - m_blockSize);
        compress(m_block.data(), 1);
        m_blockSize = 0;
    }
    std::memset(m_block.data() + m_blockSize, 0, 56 - m_blockSize);
    for (int i = 0; i < 8; ++i)
        m_block[size_t(56 + i)] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    compress(m_block.data(), 1);
    m_blockSize = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        digest[4 * i] = static_cast<unsigned char>(m_state[i] >> 24);
        digest[4 * i + 1] = static_cast<unsigned char>(m_state[i] >> 16);
        digest[4 * i + 2] = static_cast<unsigned char>(m_state[i] >> 8);
        digest[4 * i + 3] = static_cast<unsigned char>(m_state[i]);
    }
    return digest;
}

bool Sha256::hardware() {
    return hasInstructions();
}

} // namespace ToolCapture
