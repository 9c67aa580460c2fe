#pragma once

#include <backend/capture/capture_batch.h>
#include <backend/capture/capture_query.h>
#include <backend/capture/capture_record.h>
#include <backend/capture/capture_store_stats.h>

#include <QByteArrayView>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace ToolCapture {

// Reads a capture store while its CaptureStore writes it (WAL mode: a read sees the last
// committed batch and never blocks the writer). Read-only; each call is its own consistent
// snapshot. A search walks the batches' summaries newest first and decompresses only the
// batches a summary cannot rule out; memory use is one batch whatever the store holds. Lives in (is
// used only from) the thread that opened it, e.g. the admin server's; open one reader per thread
// that needs one.
class CaptureReader {
public:
    CaptureReader() = default;
    ~CaptureReader();
    CaptureReader(const CaptureReader &) = delete;
    CaptureReader &operator=(const CaptureReader &) = delete;

    // The store must exist (a writer created it).
    bool open(const QString &path, QString *error = nullptr);
    void close();
    bool isOpen() const { return m_db.isOpen(); }

    std::optional<CaptureRecord> get(std::int64_t id);
    // The newest record with this correlation id.
    std::optional<CaptureRecord> byCorrelationId(QByteArrayView correlationId);
    // Newest first, at most query.limit (clamped to CaptureQuery::kMaxLimit).
    std::vector<CaptureRecord> search(const CaptureQuery &query);
    CaptureStoreStats stats();

    // Why the last call failed (an empty result is not a failure); empty after a success.
    const QString &lastError() const { return m_lastError; }

private:
    // Makes m_batch the batch starting at firstId (kept from the last call when it is).
    bool loadBatch(std::int64_t firstId);
    void setError(const QSqlQuery &query);

    QString m_path;
    QSqlDatabase m_db;
    QSqlQuery m_rowOf;
    QSqlQuery m_records;
    CaptureBatch m_batch;
    std::int64_t m_batchFirstId = 0;
    QString m_lastError;
};

} // namespace ToolCapture
