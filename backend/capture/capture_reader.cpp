#include <backend/capture/capture_batch_summary.h>
#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/capture/capture_store_schema.h>

#include <QFileInfo>
#include <QSqlError>
#include <QVariant>

#include <algorithm>

namespace ToolCapture {

using namespace CaptureStoreSchema;

namespace {

// Every criterion of the query but the id range, on one record.
bool matches(const CaptureQuery &q, const CaptureRecord &r) {
    return (q.correlationId.isEmpty() || r.correlationId == q.correlationId) &&
           (q.service.isEmpty() || r.service == q.service) &&
           (q.instance.isEmpty() || r.instance == q.instance) &&
           (q.status == 0 || r.status == q.status) &&
           (q.statusClass == 0 || r.status / 100 == q.statusClass) &&
           (q.method.isEmpty() || r.method == q.method) &&
           (q.pathPrefix.isEmpty() || r.path.startsWith(q.pathPrefix)) &&
           (!q.fromUs || r.acceptedAtUs >= *q.fromUs) && (!q.toUs || r.acceptedAtUs < *q.toUs);
}

} // namespace

CaptureReader::~CaptureReader() {
    close();
}

bool CaptureReader::open(const QString &path, QString *error) {
    close();
    m_lastError.clear();
    const auto failOpen = [&](const QString &why) {
        m_lastError = QStringLiteral("cannot read capture store %1: %2").arg(path, why);
        if (error)
            *error = m_lastError;
        close();
        return false;
    };
    const QFileInfo info(path);
    if (!info.isFile())
        return failOpen(QStringLiteral("no such file"));
    QString why;
    if (!openConnection(uniqueConnectionName("reader"), info.absoluteFilePath(), true, m_db, &why))
        return failOpen(why);
    m_path = info.absoluteFilePath();
    bool empty = false;
    if (!checkSchema(m_db, &empty, &why))
        return failOpen(empty ? QStringLiteral("not a capture store (empty database)") : why);

    m_rowOf = QSqlQuery(m_db);
    m_rowOf.setForwardOnly(true);
    m_records = QSqlQuery(m_db);
    m_records.setForwardOnly(true);
    if (!m_rowOf.prepare(QStringLiteral("SELECT first_id, last_id, live_from FROM batches"
                                        " WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1")) ||
        !m_records.prepare(QStringLiteral("SELECT records FROM batches WHERE first_id = ?")))
        return failOpen(m_rowOf.lastError().isValid() ? m_rowOf.lastError().databaseText()
                                                      : m_records.lastError().databaseText());
    return true;
}

void CaptureReader::close() {
    m_rowOf = QSqlQuery();
    m_records = QSqlQuery();
    m_batch = CaptureBatch();
    m_batchFirstId = 0;
    if (m_db.isValid())
        closeConnection(m_db);
}

void CaptureReader::setError(const QSqlQuery &query) {
    const QSqlError error = query.lastError();
    m_lastError = error.databaseText().isEmpty() ? error.text() : error.databaseText();
}

bool CaptureReader::loadBatch(std::int64_t firstId) {
    // A row's records never change once written (only which of them are live), and ids are
    // never reused: the batch last read is still good.
    if (m_batchFirstId == firstId && firstId != 0)
        return true;
    m_batchFirstId = 0;
    m_records.bindValue(0, qint64(firstId));
    if (!m_records.exec()) {
        setError(m_records);
        return false;
    }
    bool ok = false;
    if (m_records.next()) {
        ok = m_batch.unpack(m_records.value(0).toByteArray());
        if (!ok)
            m_lastError = QStringLiteral("the batch of records from %1 is corrupt").arg(firstId);
    }
    m_records.finish();
    if (ok)
        m_batchFirstId = firstId;
    return ok;
}

std::optional<CaptureRecord> CaptureReader::get(std::int64_t id) {
    m_lastError.clear();
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture reader is not open");
        return std::nullopt;
    }
    if (!exec(m_db, QStringLiteral("BEGIN"), &m_lastError))
        return std::nullopt;
    std::optional<CaptureRecord> result;
    m_rowOf.bindValue(0, qint64(id));
    if (!m_rowOf.exec()) {
        setError(m_rowOf);
    } else if (m_rowOf.next()) {
        const std::int64_t firstId = m_rowOf.value(0).toLongLong();
        const std::int64_t lastId = m_rowOf.value(1).toLongLong();
        const std::int64_t liveFrom = m_rowOf.value(2).toLongLong();
        m_rowOf.finish();
        if (id >= liveFrom && id <= lastId && loadBatch(firstId) &&
            id - firstId < m_batch.count()) {
            CaptureRecord record;
            if (decodeCaptureRecord(m_batch.record(id - firstId), record)) {
                record.id = id;
                result = std::move(record);
            } else {
                m_lastError = QStringLiteral("record %1 is corrupt").arg(id);
            }
        }
    }
    m_rowOf.finish();
    exec(m_db, QStringLiteral("COMMIT"), nullptr);
    return result;
}

std::optional<CaptureRecord> CaptureReader::byCorrelationId(QByteArrayView correlationId) {
    if (correlationId.isEmpty()) {
        m_lastError.clear();
        return std::nullopt;
    }
    CaptureQuery query;
    query.correlationId = correlationId.toByteArray();
    query.limit = 1;
    std::vector<CaptureRecord> found = search(query);
    if (found.empty())
        return std::nullopt;
    return std::move(found.front());
}

std::vector<CaptureRecord> CaptureReader::search(const CaptureQuery &q) {
    m_lastError.clear();
    std::vector<CaptureRecord> results;
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture reader is not open");
        return results;
    }
    const int limit = std::clamp(q.limit, 1, CaptureQuery::kMaxLimit);
    // The id and time ranges select rows by their columns; the rest by their summaries, then
    // record by record.
    QString sql = QStringLiteral(
        "SELECT first_id, last_id, live_from, summary FROM batches WHERE live_from <= last_id");
    QVariantList values;
    if (q.beforeId > 0) {
        sql += QStringLiteral(" AND first_id < ?");
        values.append(qint64(q.beforeId));
    }
    if (q.fromUs) {
        sql += QStringLiteral(" AND to_us >= ?");
        values.append(qint64(*q.fromUs));
    }
    if (q.toUs) {
        sql += QStringLiteral(" AND from_us < ?");
        values.append(qint64(*q.toUs));
    }
    sql += QStringLiteral(" ORDER BY first_id DESC");

    if (!exec(m_db, QStringLiteral("BEGIN"), &m_lastError))
        return results;
    QSqlQuery rows(m_db);
    rows.setForwardOnly(true);
    if (!rows.prepare(sql)) {
        setError(rows);
        exec(m_db, QStringLiteral("COMMIT"), nullptr);
        return results;
    }
    for (int i = 0; i < values.size(); ++i)
        rows.bindValue(i, values.at(i));
    if (!rows.exec()) {
        setError(rows);
        exec(m_db, QStringLiteral("COMMIT"), nullptr);
        return results;
    }
    results.reserve(size_t(std::min(limit, 128)));
    CaptureBatchSummary summary;
    while (int(results.size()) < limit && rows.next()) {
        const std::int64_t firstId = rows.value(0).toLongLong();
        std::int64_t lastId = rows.value(1).toLongLong();
        const std::int64_t liveFrom = rows.value(2).toLongLong();
        if (q.beforeId > 0)
            lastId = std::min(lastId, q.beforeId - 1);
        if (lastId < liveFrom)
            continue;
        if (!summary.parse(rows.value(3).toByteArray())) {
            m_lastError =
                QStringLiteral("the summary of the records from %1 is corrupt").arg(firstId);
            continue;
        }
        if (!summary.mayMatch(q) || !loadBatch(firstId))
            continue;
        for (std::int64_t id = std::min<std::int64_t>(lastId, firstId + m_batch.count() - 1);
             id >= liveFrom && int(results.size()) < limit; --id) {
            const QByteArrayView encoding = m_batch.record(id - firstId);
            if (!q.correlationId.isEmpty() && peekCorrelationId(encoding) != q.correlationId)
                continue;
            CaptureRecord record;
            if (!decodeCaptureRecord(encoding, record)) {
                m_lastError = QStringLiteral("record %1 is corrupt").arg(id);
                continue;
            }
            record.id = id;
            if (matches(q, record))
                results.push_back(std::move(record));
        }
    }
    if (rows.lastError().isValid())
        setError(rows);
    rows.finish();
    exec(m_db, QStringLiteral("COMMIT"), nullptr);
    return results;
}

CaptureStoreStats CaptureReader::stats() {
    m_lastError.clear();
    CaptureStoreStats stats;
    if (isOpen())
        readStats(m_db, m_path, stats, &m_lastError);
    else
        m_lastError = QStringLiteral("the capture reader is not open");
    return stats;
}

} // namespace ToolCapture
