#pragma once

#include <QByteArrayView>
#include <QCryptographicHash>

#include <array>
#include <cstddef>
#include <cstdint>

namespace ToolCapture {

// SHA-256 (FIPS 180-4), fed in pieces, for digests taken at request rate (the request hash of
// every captured exchange). Uses the CPU's SHA extensions where there are some (checked once at
// run time) and QCryptographicHash elsewhere, whose own SHA-256 does not use them: for a short
// request ~0.3 µs against ~0.1 µs. tst_sha256 compares the two for every length around the
// block and padding boundaries.
class Sha256 {
public:
    using Digest = std::array<unsigned char, 32>;

    Sha256();

    void reset();
    void addData(QByteArrayView bytes);
    // The digest of everything added since reset(); reset() before adding more.
    Digest result();

    // Whether this machine's digests come from the instructions.
    static bool hardware();
    // For tests: compute with QCryptographicHash even where the instructions exist. Resets.
    void setPortable(bool portable);

private:
    void compress(const unsigned char *blocks, std::size_t count);

    std::array<std::uint32_t, 8> m_state{};
    std::array<unsigned char, 64> m_block{};
    std::size_t m_blockSize = 0;
    std::uint64_t m_length = 0;                          // bytes added
    QCryptographicHash m_qt{QCryptographicHash::Sha256}; // without the instructions
    bool m_fallback = false;                             // QCryptographicHash computes
};

} // namespace ToolCapture
