#pragma once

#include <backend/capture/capture_batch_summary.h>
#include <backend/capture/capture_record.h>
#include <backend/capture/capture_store_stats.h>

#include <QByteArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// The writing side of the on-disk capture store: a bounded SQLite file (through QtSql) in WAL
// mode, so CaptureReaders on the same file read while it writes. Every append is one
// transaction that writes the batch as one row (or a few, for large batches): the records'
// encodings LZ4-compressed together, with a CaptureBatchSummary that lets searches skip the
// row. Ids are assigned here, increase monotonically and continue after a restart. The caps
// keep the newest records: the oldest go first, before the batch is inserted, so the freed
// pages are reused at once. A row whose oldest records were dropped keeps them on disk until
// its last one goes (NOTE: the file may hold up to one row's worth more than the caps allow).
// Lives in (is used only from) the thread that opened it: the capture thread. One writer per
// file.
class CaptureStore {
public:
    using Stats = CaptureStoreStats;

    CaptureStore() = default;
    ~CaptureStore();
    CaptureStore(const CaptureStore &) = delete;
    CaptureStore &operator=(const CaptureStore &) = delete;

    // Opens or creates the store at `path` (creating its directory). maxBytes caps the stored
    // record sizes together, maxRecords the count; either <= 0: no such cap. A file that is not
    // a capture store of this version, or a path that cannot be written, is an error.
    bool open(const QString &path, std::int64_t maxBytes, std::int64_t maxRecords,
              QString *error = nullptr);
    void close();
    bool isOpen() const { return m_db.isOpen(); }
    const QString &path() const { return m_path; }

    // Stores the batch in one transaction and sets each record's id. When the batch alone
    // exceeds a cap, its oldest records get ids but are not kept (counted as dropped). False
    // (see lastError()) when the transaction failed: nothing was stored and ids are 0 again.
    bool append(std::vector<CaptureRecord> &batch);

    // The size a record counts for against maxBytes: its encoding plus its index columns.
    static std::int64_t storedSize(std::int64_t encodedSize, const CaptureRecord &record);

    Stats stats();
    const QString &lastError() const { return m_lastError; }

private:
    bool prepare(QSqlQuery &query, const char *sql);
    bool fail(const QSqlQuery &query);
    // Runs a prepared statement that returns no rows; false (lastError()) when it failed.
    bool run(QSqlQuery &query);
    // Encodes the records into m_encoded (back to back), m_lengths and m_sizes.
    void encode(const std::vector<CaptureRecord> &records);
    // Writes the encoded records [first, end) (ids set, consecutive) as rows.
    bool insertRows(const std::vector<CaptureRecord> &records, size_t first, size_t end);
    bool dropOldest(std::int64_t records, std::int64_t bytes, std::int64_t &droppedRecords,
                    std::int64_t &droppedBytes);
    bool convertVersion1(QString *error);
    void releaseFreePages();
    void releaseBuffers();

    QString m_path;
    std::int64_t m_maxBytes = 0;
    std::int64_t m_maxRecords = 0;
    QSqlDatabase m_db;
    // Every statement of an append is prepared once: parsing them again per batch (BEGIN,
    // the counters, COMMIT, the free-page count) made a short drain period's small batches
    // cost several times a large one's per record.
    QSqlQuery m_begin;
    QSqlQuery m_commit;
    QSqlQuery m_rollback;
    QSqlQuery m_readMeta;
    QSqlQuery m_freePages;
    QSqlQuery m_insert;
    QSqlQuery m_oldest;
    QSqlQuery m_deleteUpTo;
    QSqlQuery m_setLiveFrom;
    QSqlQuery m_setMeta;
    // Reused per batch: the records' encodings back to back, each one's length and stored size,
    // and a row's parts.
    QByteArray m_encoded;
    std::vector<qsizetype> m_lengths;
    std::vector<std::int64_t> m_sizes;
    CaptureBatchSummary m_summary;
    QByteArray m_rowSizes;
    QByteArray m_rowSummary;
    QByteArray m_rowRecords;
    QString m_lastError;
};

} // namespace ToolCapture
