#include <backend/capture/capture_store_schema.h>

#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

namespace ToolCapture::CaptureStoreSchema {

namespace {

QString describe(const QSqlError &error) {
    const QString text = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

} // namespace

QString uniqueConnectionName(const char *role) {
    static std::atomic<quint64> counter{0};
    return QStringLiteral("toolcapture-capture-%1-%2")
        .arg(QLatin1String(role))
        .arg(counter.fetch_add(1, std::memory_order_relaxed));
}

bool openConnection(const QString &name, const QString &path, bool readOnly, QSqlDatabase &db,
                    QString *error) {
    db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    if (!db.isValid()) {
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        if (error)
            *error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not available");
        return false;
    }
    db.setDatabaseName(path);
    // The writer waits this long for another writer's transaction (two processes on one file);
    // readers hardly ever wait in WAL mode.
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000");
    if (readOnly)
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    db.setConnectOptions(options);
    if (!db.open()) {
        if (error)
            *error = describe(db.lastError());
        closeConnection(db);
        return false;
    }
    return true;
}

void closeConnection(QSqlDatabase &db) {
    const QString name = db.connectionName();
    db.close();
    db = QSqlDatabase();
    if (!name.isEmpty())
        QSqlDatabase::removeDatabase(name);
}

bool exec(QSqlDatabase &db, const QString &sql, QString *error) {
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(sql)) {
        if (error)
            *error = describe(query.lastError());
        return false;
    }
    while (query.next()) {
    }
    if (query.lastError().isValid()) {
        if (error)
            *error = describe(query.lastError());
        return false;
    }
    return true;
}

bool queryInteger(QSqlDatabase &db, const QString &sql, std::int64_t &value, QString *error) {
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(sql) || !query.next()) {
        if (error)
            *error = query.lastError().isValid() ? describe(query.lastError())
                                                 : QStringLiteral("no result from: ") + sql;
        return false;
    }
    value = query.value(0).toLongLong();
    return true;
}

bool checkSchema(QSqlDatabase &db, bool *empty, QString *error, std::int64_t *found) {
    *empty = false;
    if (found)
        *found = 0;
    std::int64_t tables = 0;
    if (!queryInteger(db, QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"),
                      tables, error))
        return false;
    if (tables == 0) {
        *empty = true;
        return false;
    }
    std::int64_t version = 0;
    if (!queryInteger(db, QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'"),
                      version, nullptr)) {
        if (error)
            *error = QStringLiteral("not a capture store (no schema version)");
        return false;
    }
    if (found)
        *found = version;
    if (version != kVersion) {
        if (error)
            *error = QStringLiteral("capture store schema version %1, this build reads %2")
                         .arg(version)
                         .arg(kVersion);
        return false;
    }
    return true;
}

namespace {

const char *const kCreateBatches =
    // One row per run of consecutive records (ids first_id..last_id; those below live_from were
    // dropped by the caps since). The small columns come first and the records last, so the
    // cap's oldest-first walk (sizes) and a search's pass over the summaries never read the
    // records' overflow pages. No index but the key: an append writes one row at the end.
    "CREATE TABLE batches ("
    " first_id INTEGER PRIMARY KEY,"
    " last_id INTEGER NOT NULL,"
    " live_from INTEGER NOT NULL,"
    " from_us INTEGER NOT NULL,"
    " to_us INTEGER NOT NULL,"
    " sizes BLOB NOT NULL,"
    " summary BLOB NOT NULL,"
    " records BLOB NOT NULL)";

} // namespace

bool createSchema(QSqlDatabase &db, QString *error) {
    static const char *const statements[] = {
        "BEGIN IMMEDIATE",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        kCreateBatches,
        "INSERT INTO meta (key, value) VALUES ('schema_version', 2), ('next_id', 1),"
        " ('records', 0), ('bytes', 0), ('dropped', 0)",
        "COMMIT",
    };
    for (const char *statement : statements) {
        if (!exec(db, QString::fromLatin1(statement), error)) {
            exec(db, QStringLiteral("ROLLBACK"), nullptr);
            return false;
        }
    }
    return true;
}

bool createBatchesTable(QSqlDatabase &db, QString *error) {
    return exec(db, QString::fromLatin1(kCreateBatches), error);
}

bool readMeta(QSqlDatabase &db, Meta &meta, QString *error) {
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(QLatin1String(kReadMetaSql))) {
        if (error)
            *error = describe(query.lastError());
        return false;
    }
    return readMeta(query, meta, error);
}

bool readMeta(QSqlQuery &query, Meta &meta, QString *error) {
    if (!query.exec()) {
        if (error)
            *error = describe(query.lastError());
        return false;
    }
    while (query.next()) {
        const QString key = query.value(0).toString();
        const std::int64_t value = query.value(1).toLongLong();
        if (key == QLatin1String("next_id"))
            meta.nextId = value;
        else if (key == QLatin1String("records"))
            meta.records = value;
        else if (key == QLatin1String("bytes"))
            meta.bytes = value;
        else if (key == QLatin1String("dropped"))
            meta.dropped = value;
    }
    const bool ok = !query.lastError().isValid();
    if (!ok && error)
        *error = describe(query.lastError());
    query.finish();
    return ok;
}

bool readStats(QSqlDatabase &db, const QString &path, CaptureStoreStats &stats, QString *error) {
    // One snapshot: the counters and the id range belong to the same committed state.
    if (!exec(db, QStringLiteral("BEGIN"), error))
        return false;
    Meta meta;
    QSqlQuery range(db);
    range.setForwardOnly(true);
    const bool ok = readMeta(db, meta, error) &&
                    range.exec(QStringLiteral(
                        "SELECT (SELECT live_from FROM batches ORDER BY first_id LIMIT 1),"
                        " (SELECT last_id FROM batches ORDER BY first_id DESC LIMIT 1)")) &&
                    range.next();
    if (ok) {
        stats.records = meta.records;
        stats.bytes = meta.bytes;
        stats.dropped = meta.dropped;
        stats.oldestId = range.value(0).toLongLong();
        stats.newestId = range.value(1).toLongLong();
    } else if (error && range.lastError().isValid()) {
        *error = describe(range.lastError());
    }
    range.finish();
    exec(db, QStringLiteral("COMMIT"), nullptr);
    stats.fileBytes = QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
    return ok;
}

} // namespace ToolCapture::CaptureStoreSchema
