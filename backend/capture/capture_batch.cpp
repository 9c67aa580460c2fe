#include <backend/capture/capture_batch.h>
#include <backend/capture/varint.h>

#include <limits>
#include <lz4.h>

namespace ToolCapture {

namespace {

constexpr char kFormatLz4 = 'L';

// A batch is a handful of MiB at most (the store splits larger ones): a length past this is
// corrupt, not a reason to allocate.
constexpr std::uint64_t kMaxRawSize = std::uint64_t(std::numeric_limits<int>::max());

} // namespace

void CaptureBatch::pack(QByteArrayView encodings, const qsizetype *lengths, qsizetype count,
                        QByteArray &out) {
    out.append(kFormatLz4);
    Varint::put(out, std::uint64_t(count));
    Varint::put(out, std::uint64_t(encodings.size()));
    for (qsizetype i = 0; i < count; ++i)
        Varint::put(out, std::uint64_t(lengths[i]));
    const qsizetype start = out.size();
    const int bound = LZ4_compressBound(int(encodings.size()));
    out.resize(start + bound);
    const int written =
        LZ4_compress_default(encodings.data(), out.data() + start, int(encodings.size()), bound);
    out.resize(start + written);
}

bool CaptureBatch::unpack(QByteArrayView blob) {
    m_offsets.assign(1, 0);
    const char *p = blob.data();
    const char *end = p + blob.size();
    std::uint64_t count = 0;
    std::uint64_t rawSize = 0;
    if (p == end || *p++ != kFormatLz4 || !Varint::get(p, end, count) ||
        !Varint::get(p, end, rawSize) || rawSize > kMaxRawSize || count > std::uint64_t(end - p))
        return false;
    m_offsets.reserve(size_t(count) + 1);
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t length = 0;
        if (!Varint::get(p, end, length) || length > rawSize - total) {
            m_offsets.assign(1, 0);
            return false;
        }
        total += length;
        m_offsets.push_back(qsizetype(total));
    }
    m_raw.resize(qsizetype(rawSize));
    const int decoded = LZ4_decompress_safe(p, m_raw.data(), int(end - p), int(rawSize));
    if (total != rawSize || decoded != int(rawSize)) {
        m_offsets.assign(1, 0);
        return false;
    }
    return true;
}

QByteArrayView CaptureBatch::record(qsizetype index) const {
    const qsizetype begin = m_offsets[size_t(index)];
    return QByteArrayView(m_raw.constData() + begin, m_offsets[size_t(index) + 1] - begin);
}

} // namespace ToolCapture
