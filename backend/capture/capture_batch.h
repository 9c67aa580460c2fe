#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// A run of consecutive records as the capture store keeps them in one row: their encodings
// (encodeCaptureRecord) back to back, LZ4-compressed together behind a table of their lengths.
// pack() writes one; unpack() reads one back and then serves each record's encoding by index.
class CaptureBatch {
public:
    // The row's form: a format byte, varints count and raw size, count varint lengths, then the
    // raw encodings compressed as one LZ4 block. `lengths` splits `encodings`. Appends to `out`.
    static void pack(QByteArrayView encodings, const qsizetype *lengths, qsizetype count,
                     QByteArray &out);

    // False when `blob` is not a well-formed batch; count() is 0 then.
    bool unpack(QByteArrayView blob);
    qsizetype count() const { return qsizetype(m_offsets.size()) - 1; }
    // The encoding of the index-th record (0: the oldest).
    QByteArrayView record(qsizetype index) const;

private:
    QByteArray m_raw;
    std::vector<qsizetype> m_offsets{0};
};

} // namespace ToolCapture
