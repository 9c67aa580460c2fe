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

// The smallest byte string above every string starting with `prefix`; empty when there is
// none (the prefix is all 0xff).
QByteArray prefixUpperBound(QByteArray prefix) {
    while (!prefix.isEmpty() && static_cast<unsigned char>(prefix.back()) == 0xff)
        prefix.chop(1);
    if (!prefix.isEmpty())
        prefix[prefix.size() - 1] = char(static_cast<unsigned char>(prefix.back()) + 1);
    return prefix;
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

    m_get = QSqlQuery(m_db);
    m_get.setForwardOnly(true);
    m_byCorrelation = QSqlQuery(m_db);
    m_byCorrelation.setForwardOnly(true);
    if (!m_get.prepare(QStringLiteral("SELECT id, record FROM captures WHERE id = ?")) ||
        !m_byCorrelation.prepare(bucketProbeCte() +
                                 QStringLiteral("SELECT id, record FROM captures WHERE"
                                                " correlation_key IN (SELECT (b << 32) | ? FROM"
                                                " buckets) ORDER BY id DESC")))
        return failOpen(m_get.lastError().isValid() ? m_get.lastError().databaseText()
                                                    : m_byCorrelation.lastError().databaseText());
    return true;
}

void CaptureReader::close() {
    m_get = QSqlQuery();
    m_byCorrelation = QSqlQuery();
    if (m_db.isValid())
        closeConnection(m_db);
}

void CaptureReader::setError(const QSqlQuery &query) {
    const QSqlError error = query.lastError();
    m_lastError = error.databaseText().isEmpty() ? error.text() : error.databaseText();
}

bool CaptureReader::decodeRow(const QSqlQuery &query, CaptureRecord &record) {
    const std::int64_t id = query.value(0).toLongLong();
    if (!decodeCaptureRecord(query.value(1).toByteArray(), record)) {
        m_lastError = QStringLiteral("record %1 is corrupt").arg(id);
        return false;
    }
    record.id = id;
    return true;
}

std::optional<CaptureRecord> CaptureReader::get(std::int64_t id) {
    m_lastError.clear();
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture reader is not open");
        return std::nullopt;
    }
    m_get.bindValue(0, qint64(id));
    if (!m_get.exec()) {
        setError(m_get);
        return std::nullopt;
    }
    std::optional<CaptureRecord> result;
    if (m_get.next()) {
        CaptureRecord record;
        if (decodeRow(m_get, record))
            result = std::move(record);
    }
    m_get.finish();
    return result;
}

std::optional<CaptureRecord> CaptureReader::byCorrelationId(QByteArrayView correlationId) {
    m_lastError.clear();
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture reader is not open");
        return std::nullopt;
    }
    if (correlationId.isEmpty())
        return std::nullopt;
    m_byCorrelation.bindValue(0, qint64(correlationHash(correlationId)));
    if (!m_byCorrelation.exec()) {
        setError(m_byCorrelation);
        return std::nullopt;
    }
    std::optional<CaptureRecord> result;
    while (m_byCorrelation.next()) {
        CaptureRecord record;
        // Another id with the same hash is possible, if unlikely: the record decides.
        if (decodeRow(m_byCorrelation, record) && record.correlationId == correlationId) {
            result = std::move(record);
            break;
        }
    }
    m_byCorrelation.finish();
    return result;
}

std::vector<CaptureRecord> CaptureReader::search(const CaptureQuery &q) {
    m_lastError.clear();
    std::vector<CaptureRecord> results;
    if (!isOpen()) {
        m_lastError = QStringLiteral("the capture reader is not open");
        return results;
    }
    QStringList conditions;
    QVariantList values;
    const auto where = [&](const char *condition, QVariant value) {
        conditions.append(QString::fromLatin1(condition));
        values.append(std::move(value));
    };
    if (!q.correlationId.isEmpty())
        where("correlation_key IN (SELECT (b << 32) | ? FROM buckets)",
              qint64(correlationHash(q.correlationId)));
    if (!q.service.isEmpty())
        where("service = ?", q.service);
    if (!q.instance.isEmpty())
        where("instance = ?", q.instance);
    if (q.status != 0)
        where("status = ?", q.status);
    // Written exactly as the expression index is, so the index serves it.
    if (q.statusClass != 0)
        where("status / 100 = ?", q.statusClass);
    if (!q.method.isEmpty())
        where("method = ?", q.method);
    if (!q.pathPrefix.isEmpty()) {
        where("path >= ?", q.pathPrefix);
        const QByteArray upper = prefixUpperBound(q.pathPrefix);
        if (!upper.isEmpty())
            where("path < ?", upper);
    }
    if (q.fromUs)
        where("accepted_at_us >= ?", qint64(*q.fromUs));
    if (q.toUs)
        where("accepted_at_us < ?", qint64(*q.toUs));
    if (q.beforeId > 0)
        where("id < ?", qint64(q.beforeId));
    const int limit = std::clamp(q.limit, 1, CaptureQuery::kMaxLimit);

    // The inner query picks the ids from the indexes alone where it can (a sort, when the
    // planner needs one, then holds ids, not records); only the page's records are read.
    QString sql = q.correlationId.isEmpty() ? QString() : bucketProbeCte();
    sql += QStringLiteral("SELECT id, record FROM captures WHERE id IN (SELECT id FROM captures");
    if (!conditions.isEmpty())
        sql += QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY id DESC LIMIT %1) ORDER BY id DESC").arg(limit);

    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        setError(query);
        return results;
    }
    for (int i = 0; i < values.size(); ++i)
        query.bindValue(i, values.at(i));
    if (!query.exec()) {
        setError(query);
        return results;
    }
    results.reserve(size_t(limit));
    while (query.next()) {
        CaptureRecord record;
        if (!decodeRow(query, record))
            continue;
        if (!q.correlationId.isEmpty() && record.correlationId != q.correlationId)
            continue;
        results.push_back(std::move(record));
    }
    if (query.lastError().isValid())
        setError(query);
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
