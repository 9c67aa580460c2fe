#include <backend/capture/capture_batch.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/capture/capture_store.h>
#include <backend/capture/capture_store_schema.h>
#include <backend/capture/varint.h>

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

// What a record counts for beyond its encoding and index strings: five integers, as when each
// record had its own indexed row (kept, so the byte cap means what it meant).
constexpr std::int64_t kFixedColumnBytes = 5 * 8;

// A row holds at most this many records and, past its first record, this many bytes of
// encodings: a search decompresses one row at a time, and SQLite's blobs stay far below their
// limit whatever the bodies.
constexpr size_t kMaxRowRecords = 1024;
constexpr qsizetype kMaxRowBytes = 1 << 20;
// Reused buffers larger than this are given back after an append (a batch of large bodies).
constexpr qsizetype kMaxKeptBuffer = 4 << 20;

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
    std::int64_t version = 0;
    if (!checkSchema(m_db, &empty, &why, &version)) {
        if (version == 1) {
            if (!convertVersion1(&why))
                return failOpen(why);
        } else if (!empty || !createSchema(m_db, &why)) {
            return failOpen(why);
        }
    }

    if (!prepare(m_insert,
                 "INSERT INTO batches (first_id, last_id, live_from, from_us, to_us, sizes,"
                 " summary, records) VALUES (?, ?, ?, ?, ?, ?, ?, ?)") ||
        !prepare(m_oldest, "SELECT first_id, last_id, live_from, sizes FROM batches"
                           " ORDER BY first_id") ||
        !prepare(m_deleteUpTo, "DELETE FROM batches WHERE first_id <= ?") ||
        !prepare(m_setLiveFrom, "UPDATE batches SET live_from = ? WHERE first_id = ?") ||
        !prepare(m_setMeta, "UPDATE meta SET value = ? WHERE key = ?") ||
        !prepare(m_begin, "BEGIN IMMEDIATE") || !prepare(m_commit, "COMMIT") ||
        !prepare(m_rollback, "ROLLBACK") || !prepare(m_readMeta, kReadMetaSql) ||
        !prepare(m_freePages, "PRAGMA freelist_count"))
        return failOpen(m_lastError);
    return true;
}

bool CaptureStore::convertVersion1(QString *error) {
    // Version 1 kept one row per record in `captures`; the same encodings become batches.
    if (!exec(m_db, QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    const auto rollback = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("converting a version 1 store: ") + why;
        exec(m_db, QStringLiteral("ROLLBACK"), nullptr);
        return false;
    };
    QString why;
    if (!createBatchesTable(m_db, &why) ||
        !prepare(m_insert, "INSERT INTO batches (first_id, last_id, live_from, from_us, to_us,"
                           " sizes, summary, records) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"))
        return rollback(why.isEmpty() ? m_lastError : why);
    std::vector<CaptureRecord> run;
    const auto flush = [&] {
        encode(run);
        const bool ok = insertRows(run, 0, run.size());
        run.clear();
        return ok;
    };
    {
        QSqlQuery rows(m_db);
        rows.setForwardOnly(true);
        if (!rows.exec(QStringLiteral("SELECT id, record FROM captures ORDER BY id")))
            return rollback(rows.lastError().databaseText());
        while (rows.next()) {
            CaptureRecord record;
            if (!decodeCaptureRecord(rows.value(1).toByteArray(), record))
                continue; // a corrupt record is not carried over
            record.id = rows.value(0).toLongLong();
            // A row holds consecutive ids.
            if ((!run.empty() &&
                 (run.back().id + 1 != record.id || run.size() == kMaxRowRecords)) &&
                !flush())
                return rollback(m_lastError);
            run.push_back(std::move(record));
        }
        if (rows.lastError().isValid())
            return rollback(rows.lastError().databaseText());
    }
    if (!run.empty() && !flush())
        return rollback(m_lastError);
    // The counters (next id, records, bytes, dropped) carry over as they are.
    if (!exec(m_db, QStringLiteral("DROP TABLE captures"), &why) ||
        !exec(m_db, QStringLiteral("UPDATE meta SET value = 2 WHERE key = 'schema_version'"),
              &why) ||
        !exec(m_db, QStringLiteral("COMMIT"), &why))
        return rollback(why);
    m_insert = QSqlQuery();
    releaseBuffers();
    return true;
}

void CaptureStore::close() {
    for (QSqlQuery *query : {&m_begin, &m_commit, &m_rollback, &m_readMeta, &m_freePages})
        *query = QSqlQuery();
    m_insert = QSqlQuery();
    m_oldest = QSqlQuery();
    m_deleteUpTo = QSqlQuery();
    m_setLiveFrom = QSqlQuery();
    m_setMeta = QSqlQuery();
    if (m_db.isValid())
        closeConnection(m_db);
    m_encoded.clear();
    m_lengths.clear();
    m_sizes.clear();
    m_rowSizes.clear();
    m_rowSummary.clear();
    m_rowRecords.clear();
}

void CaptureStore::releaseBuffers() {
    for (QByteArray *buffer : {&m_encoded, &m_rowRecords}) {
        if (buffer->capacity() > kMaxKeptBuffer)
            buffer->clear();
    }
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

bool CaptureStore::run(QSqlQuery &query) {
    if (!query.exec())
        return fail(query);
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

void CaptureStore::encode(const std::vector<CaptureRecord> &records) {
    m_encoded.resize(0);
    m_lengths.resize(records.size());
    m_sizes.resize(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        const qsizetype before = m_encoded.size();
        encodeCaptureRecord(records[i], m_encoded);
        m_lengths[i] = m_encoded.size() - before;
        m_sizes[i] = storedSize(m_lengths[i], records[i]);
    }
}

bool CaptureStore::append(std::vector<CaptureRecord> &batch) {
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture store is not open");
        return false;
    }
    if (batch.empty())
        return true;
    const size_t n = batch.size();
    encode(batch);

    // IMMEDIATE: the write lock is taken now, so the counters read below stay true until the
    // commit even with another writer on the file.
    if (!run(m_begin))
        return false;
    const auto rollback = [&] {
        m_rollback.exec();
        for (CaptureRecord &record : batch)
            record.id = 0;
        releaseBuffers();
        return false;
    };
    Meta meta;
    if (!readMeta(m_readMeta, meta, &m_lastError))
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
    if (!insertRows(batch, first, n))
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
    if (!run(m_commit))
        return rollback();
    releaseBuffers();
    releaseFreePages();
    return true;
}

bool CaptureStore::insertRows(const std::vector<CaptureRecord> &records, size_t first, size_t end) {
    // m_encoded holds the encodings of [0, end) back to back.
    qsizetype offset = 0;
    for (size_t i = 0; i < first; ++i)
        offset += m_lengths[i];
    size_t begin = first;
    while (begin < end) {
        size_t stop = begin;
        qsizetype bytes = 0;
        std::int64_t fromUs = records[begin].acceptedAtUs;
        std::int64_t toUs = fromUs;
        m_summary.clear();
        m_rowSizes.resize(0);
        do {
            const CaptureRecord &record = records[stop];
            m_summary.add(record);
            Varint::put(m_rowSizes, std::uint64_t(m_sizes[stop]));
            fromUs = std::min(fromUs, record.acceptedAtUs);
            toUs = std::max(toUs, record.acceptedAtUs);
            bytes += m_lengths[stop];
            ++stop;
        } while (stop < end && stop - begin < kMaxRowRecords && bytes < kMaxRowBytes);
        m_rowSummary.resize(0);
        m_summary.serialize(m_rowSummary);
        m_rowRecords.resize(0);
        CaptureBatch::pack(QByteArrayView(m_encoded.constData() + offset, bytes),
                           m_lengths.data() + begin, qsizetype(stop - begin), m_rowRecords);
        m_insert.bindValue(0, qint64(records[begin].id));
        m_insert.bindValue(1, qint64(records[stop - 1].id));
        m_insert.bindValue(2, qint64(records[begin].id));
        m_insert.bindValue(3, qint64(fromUs));
        m_insert.bindValue(4, qint64(toUs));
        m_insert.bindValue(5, m_rowSizes);
        m_insert.bindValue(6, m_rowSummary);
        m_insert.bindValue(7, m_rowRecords);
        if (!m_insert.exec())
            return fail(m_insert);
        offset += bytes;
        begin = stop;
    }
    return true;
}

bool CaptureStore::dropOldest(std::int64_t records, std::int64_t bytes,
                              std::int64_t &droppedRecords, std::int64_t &droppedBytes) {
    if (!m_oldest.exec())
        return fail(m_oldest);
    std::int64_t lastWholeRow = 0;
    std::int64_t partialRow = 0;
    std::int64_t partialLiveFrom = 0;
    const auto enough = [&] { return droppedRecords >= records && droppedBytes >= bytes; };
    while (!enough() && m_oldest.next()) {
        const std::int64_t firstId = m_oldest.value(0).toLongLong();
        const std::int64_t lastId = m_oldest.value(1).toLongLong();
        const std::int64_t liveFrom = m_oldest.value(2).toLongLong();
        const QByteArray sizes = m_oldest.value(3).toByteArray();
        const char *p = sizes.constData();
        const char *end = p + sizes.size();
        std::int64_t id = firstId;
        std::int64_t next = liveFrom; // the first id still live after the drop
        for (; id <= lastId && p != end; ++id) {
            std::uint64_t size = 0;
            for (int shift = 0; shift < 64 && p != end; shift += 7) {
                const auto b = static_cast<unsigned char>(*p++);
                size |= std::uint64_t(b & 0x7f) << shift;
                if (!(b & 0x80))
                    break;
            }
            if (id < liveFrom)
                continue;
            if (enough())
                break;
            droppedBytes += std::int64_t(size);
            ++droppedRecords;
            next = id + 1;
        }
        if (next > lastId) {
            lastWholeRow = firstId;
        } else {
            partialRow = firstId;
            partialLiveFrom = next;
            break;
        }
    }
    const bool readFailed = m_oldest.lastError().isValid();
    m_oldest.finish();
    if (readFailed)
        return fail(m_oldest);
    if (lastWholeRow != 0) {
        m_deleteUpTo.bindValue(0, qint64(lastWholeRow));
        if (!m_deleteUpTo.exec())
            return fail(m_deleteUpTo);
    }
    if (partialRow != 0) {
        m_setLiveFrom.bindValue(0, qint64(partialLiveFrom));
        m_setLiveFrom.bindValue(1, qint64(partialRow));
        if (!m_setLiveFrom.exec())
            return fail(m_setLiveFrom);
    }
    return true;
}

void CaptureStore::releaseFreePages() {
    // finish(): a statement stopped at a row would keep a read transaction open.
    const bool counted = m_freePages.exec() && m_freePages.next();
    const std::int64_t freePages = counted ? m_freePages.value(0).toLongLong() : 0;
    m_freePages.finish();
    if (freePages <= kFreePagesKept)
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
