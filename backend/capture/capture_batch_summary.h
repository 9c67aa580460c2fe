#pragma once

#include <backend/capture/capture_query.h>
#include <backend/capture/capture_record.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// A batch of stored records in brief: enough for a search to skip a batch it cannot match
// without decompressing it. The status classes and statuses, the services, instances and
// methods (each up to kMaxDistinct values, then "any"), the range of paths and a Bloom filter
// of the correlation ids (16 bits per record, 4 probes: about 0.2% false positives). Built by
// the capture store while it appends, stored next to the batch, read back by searches.
class CaptureBatchSummary {
public:
    static constexpr size_t kMaxDistinct = 32;

    void clear();
    void add(const CaptureRecord &record);
    // Appends the stored form.
    void serialize(QByteArray &out) const;
    // False when `data` is not a well-formed summary.
    bool parse(QByteArrayView data);

    // False when no record of the batch can match `query`, its ids and times aside (the
    // store's columns filter those); true when some may.
    bool mayMatch(const CaptureQuery &query) const;
    bool mayContainCorrelationId(QByteArrayView correlationId) const;

    // FNV-1a: stable across Qt versions and runs, as a stored filter's hash must be.
    static std::uint64_t correlationHash(QByteArrayView correlationId) noexcept;

private:
    // A bounded set of distinct values; past kMaxDistinct it matches anything.
    template<typename T>
    struct Distinct {
        std::vector<T> values;
        bool overflow = false;
        void add(const T &value);
        bool mayContain(const T &value) const;
    };

    std::uint32_t m_statusClasses = 0; // bit status / 100 (0..9)
    Distinct<int> m_statuses;
    Distinct<QString> m_services;
    Distinct<QString> m_instances;
    Distinct<QByteArray> m_methods;
    QByteArray m_minPath;
    QByteArray m_maxPath;
    std::uint32_t m_count = 0;
    // While building: the records' correlation hashes; serialize() turns them into the filter.
    std::vector<std::uint64_t> m_hashes;
    // After parse(): the filter's bits (a power of two of them).
    QByteArray m_bloom;
};

} // namespace ToolCapture
