#include <backend/capture/capture_record_codec.h>
#include <backend/capture/capture_store.h>
#include <backend/capture/capture_store_schema.h>

#include <QDir>
#include <QFileInfo>
#include <QSqlError>

#include <algorithm>

namespace ToolCapture {

using namespace CaptureStoreSchema;

namespace {

// Free pages kept in the file after an append for the next batches to reuse (4 MiB with the
// default page size); beyond that an incremental vacuum gives the rest back to the file
// system, e.g. after the caps were lowered or a batch of large bodies aged out.
constexpr std::int64_t kFreePagesKept = 1024;
// At most this many pages (64 MiB) are given back per append, so a drastic cut of the caps
// costs the capture thread a bounded pause per batch rather than one long one.
constexpr std::int64_t kMaxPagesReleased = 16384;

// Five integer columns.
constexpr std::int64_t kFixedColumnBytes = 5 * 8;

} // namespace

CaptureStore::~CaptureStore() {
    close();
}

bool CaptureStore::open(const QString &path, std::int64_t maxBytes, std::int64_t maxRecords,
                        QString *error) {
    close();
    m_lastError.clear();
    const auto failOpen = [&](const QString &why) {
        m_lastError = QStringLiteral("cannot open capture store %1: %2").arg(path, why);
        if (error)
            *error = m_lastError;
        close();
        return false;
    };
    if (path.isEmpty())
        return failOpen(QStringLiteral("no path given"));
    const QFileInfo info(path);
    if (info.isDir())
        return failOpen(QStringLiteral("it is a directory"));
    if (!QDir().mkpath(info.absolutePath()))
        return failOpen(QStringLiteral("cannot create the directory %1").arg(info.absolutePath()));

    QString why;
    if (!openConnection(uniqueConnectionName("writer"), info.absoluteFilePath(), false, m_db, &why))
        return failOpen(why);
    m_path = info.absoluteFilePath();
    m_maxBytes = maxBytes;
    m_maxRecords = maxRecords;

    // auto_vacuum takes effect only before the first table exists, i.e. on a new file.
    if (!exec(m_db, QStringLiteral("PRAGMA auto_vacuum = INCREMENTAL"), &why))
        return failOpen(why);
    QString journalMode;
    {
        QSqlQuery mode(m_db);
        if (mode.exec(QStringLiteral("PRAGMA journal_mode = WAL")) && mode.next())
            journalMode = mode.value(0).toString();
        else
            why = mode.lastError().databaseText();
    }
    if (journalMode.isEmpty())
        return failOpen(why);
    if (journalMode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        return failOpen(QStringLiteral("WAL mode refused (journal mode %1)").arg(journalMode));
    // NORMAL: a commit does not wait for the disk; a power cut may lose the last batches but
    // never corrupts the file. The cache is bounded (16 MiB) whatever the store holds; a larger
    // checkpoint interval than the default 1000 pages keeps one batch from checkpointing
    // (and syncing) every time, and the log is truncated back after a checkpoint.
    for (const char *pragma :
         {"PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -16384",
          "PRAGMA wal_autocheckpoint = 4096", "PRAGMA journal_size_limit = 33554432"}) {
        if (!exec(m_db, QString::fromLatin1(pragma), &why))
            return failOpen(why);
    }

    bool empty = false;
    if (!checkSchema(m_db, &empty, &why)) {
        if (!empty || !createSchema(m_db, &why))
            return failOpen(why);
    }

    if (!prepare(m_insert,
                 "INSERT INTO captures (id, size, accepted_at_us, correlation_key, status, method,"
                 " service, instance, path, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") ||
        !prepare(m_oldest, "SELECT id, size FROM captures ORDER BY id") ||
        !prepare(m_deleteUpTo, "DELETE FROM captures WHERE id <= ?") ||
        !prepare(m_setMeta, "UPDATE meta SET value = ? WHERE key = ?"))
        return failOpen(m_lastError);
    return true;
}

void CaptureStore::close() {
    m_insert = QSqlQuery();
    m_oldest = QSqlQuery();
    m_deleteUpTo = QSqlQuery();
    m_setMeta = QSqlQuery();
    if (m_db.isValid())
        closeConnection(m_db);
    m_encoded.clear();
    m_sizes.clear();
}

bool CaptureStore::prepare(QSqlQuery &query, const char *sql) {
    query = QSqlQuery(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(QString::fromLatin1(sql))) {
        m_lastError = query.lastError().databaseText();
        return false;
    }
    return true;
}

bool CaptureStore::fail(const QSqlQuery &query) {
    const QSqlError error = query.lastError();
    m_lastError = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    return false;
}

std::int64_t CaptureStore::storedSize(std::int64_t encodedSize, const CaptureRecord &record) {
    return encodedSize + kFixedColumnBytes + record.method.size() + record.path.size() +
           record.service.size() + record.instance.size();
}

bool CaptureStore::append(std::vector<CaptureRecord> &batch) {
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture store is not open");
        return false;
    }
    if (batch.empty())
        return true;
    const size_t n = batch.size();
    m_encoded.resize(n);
    m_sizes.resize(n);
    for (size_t i = 0; i < n; ++i) {
        m_encoded[i] = encodeCaptureRecord(batch[i]);
        m_sizes[i] = storedSize(m_encoded[i].size(), batch[i]);
    }

    // IMMEDIATE: the write lock is taken now, so the counters read below stay true until the
    // commit even with another writer on the file.
    if (!exec(m_db, QStringLiteral("BEGIN IMMEDIATE"), &m_lastError))
        return false;
    const auto rollback = [&] {
        exec(m_db, QStringLiteral("ROLLBACK"), nullptr);
        m_encoded.clear();
        for (CaptureRecord &record : batch)
            record.id = 0;
        return false;
    };
    Meta meta;
    if (!readMeta(m_db, meta, &m_lastError))
        return rollback();
    for (size_t i = 0; i < n; ++i)
        batch[i].id = meta.nextId + std::int64_t(i);

    // The newest records of the batch that fit the caps on their own.
    size_t first = n;
    std::int64_t keptRecords = 0;
    std::int64_t keptBytes = 0;
    while (first > 0) {
        const std::int64_t size = m_sizes[first - 1];
        if ((m_maxRecords > 0 && keptRecords + 1 > m_maxRecords) ||
            (m_maxBytes > 0 && keptBytes + size > m_maxBytes))
            break;
        --first;
        ++keptRecords;
        keptBytes += size;
    }

    std::int64_t droppedRecords = 0;
    std::int64_t droppedBytes = 0;
    const std::int64_t excessRecords =
        m_maxRecords > 0 ? meta.records + keptRecords - m_maxRecords : 0;
    const std::int64_t excessBytes = m_maxBytes > 0 ? meta.bytes + keptBytes - m_maxBytes : 0;
    if ((excessRecords > 0 || excessBytes > 0) &&
        !dropOldest(excessRecords, excessBytes, droppedRecords, droppedBytes))
        return rollback();
    if (!insertBatch(batch, first))
        return rollback();

    meta.nextId += std::int64_t(n);
    meta.records += keptRecords - droppedRecords;
    meta.bytes += keptBytes - droppedBytes;
    meta.dropped += std::int64_t(first) + droppedRecords;
    const std::pair<const char *, std::int64_t> updates[] = {
        {"next_id", meta.nextId},
        {"records", meta.records},
        {"bytes", meta.bytes},
        {"dropped", meta.dropped},
    };
    for (const auto &[key, value] : updates) {
        m_setMeta.bindValue(0, qint64(value));
        m_setMeta.bindValue(1, QString::fromLatin1(key));
        if (!m_setMeta.exec()) {
            fail(m_setMeta);
            return rollback();
        }
    }
    if (!exec(m_db, QStringLiteral("COMMIT"), &m_lastError))
        return rollback();
    m_encoded.clear(); // the encodings are in the file now; large bodies need not linger here
    releaseFreePages();
    return true;
}

bool CaptureStore::dropOldest(std::int64_t records, std::int64_t bytes,
                              std::int64_t &droppedRecords, std::int64_t &droppedBytes) {
    if (!m_oldest.exec())
        return fail(m_oldest);
    std::int64_t lastId = 0;
    while ((droppedRecords < records || droppedBytes < bytes) && m_oldest.next()) {
        lastId = m_oldest.value(0).toLongLong();
        droppedBytes += m_oldest.value(1).toLongLong();
        ++droppedRecords;
    }
    const bool readFailed = m_oldest.lastError().isValid();
    m_oldest.finish();
    if (readFailed)
        return fail(m_oldest);
    if (lastId == 0)
        return true;
    m_deleteUpTo.bindValue(0, qint64(lastId));
    if (!m_deleteUpTo.exec())
        return fail(m_deleteUpTo);
    return true;
}

bool CaptureStore::insertBatch(std::vector<CaptureRecord> &batch, size_t first) {
    for (size_t i = first; i < batch.size(); ++i) {
        const CaptureRecord &record = batch[i];
        m_insert.bindValue(0, qint64(record.id));
        m_insert.bindValue(1, qint64(m_sizes[i]));
        m_insert.bindValue(2, qint64(record.acceptedAtUs));
        m_insert.bindValue(3, qint64(correlationKey(record.id, record.correlationId)));
        m_insert.bindValue(4, record.status);
        m_insert.bindValue(5, record.method);
        m_insert.bindValue(6, record.service);
        m_insert.bindValue(7, record.instance);
        m_insert.bindValue(8, record.path);
        m_insert.bindValue(9, m_encoded[i]);
        if (!m_insert.exec())
            return fail(m_insert);
    }
    return true;
}

void CaptureStore::releaseFreePages() {
    std::int64_t freePages = 0;
    if (!queryInteger(m_db, QStringLiteral("PRAGMA freelist_count"), freePages, nullptr) ||
        freePages <= kFreePagesKept)
        return;
    // Each step of incremental_vacuum moves one page and yields a row, and QtSql steps a
    // statement without result columns only once: one exec per page, in one transaction.
    // Failing here costs the append nothing (its records are committed); the file just stays
    // larger until the next attempt.
    const std::int64_t pages = std::min(freePages - kFreePagesKept, kMaxPagesReleased);
    if (!exec(m_db, QStringLiteral("BEGIN IMMEDIATE"), nullptr))
        return;
    QSqlQuery vacuum(m_db);
    bool ok = vacuum.prepare(QStringLiteral("PRAGMA incremental_vacuum(1)"));
    for (std::int64_t i = 0; ok && i < pages; ++i)
        ok = vacuum.exec();
    vacuum.finish();
    exec(m_db, ok ? QStringLiteral("COMMIT") : QStringLiteral("ROLLBACK"), nullptr);
}

CaptureStore::Stats CaptureStore::stats() {
    Stats stats;
    if (isOpen())
        readStats(m_db, m_path, stats, &m_lastError);
    return stats;
}

} // namespace ToolCapture
