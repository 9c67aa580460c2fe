#include <backend/proxy/correlation_id_generator.h>

#include <QRandomGenerator>

namespace ToolCapture {

CorrelationIdGenerator::CorrelationIdGenerator()
    : m_engine(QRandomGenerator::system()->generate64()) {}

QByteArray CorrelationIdGenerator::next() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t hi = m_engine();
    std::uint64_t lo = m_engine();
    hi = (hi & ~0xF000ull) | 0x4000ull;                        // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; // variant 10
    QByteArray id(36, Qt::Uninitialized);
    char *out = id.data();
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
    return id;
}

} // namespace ToolCapture
