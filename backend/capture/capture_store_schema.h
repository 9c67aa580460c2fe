#pragma once

#include <backend/capture/capture_store_stats.h>

#include <QByteArrayView>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <cstdint>

// What the capture store's writer and readers share: the file's layout and the plumbing
// around a QtSql connection. Not for use outside the capture store.
namespace ToolCapture::CaptureStoreSchema {

// Version 2: one row per batch of records (compressed), with a summary per batch, instead of one
// row per record under eight indexes. Version 1 files are converted when the writer opens them.
inline constexpr std::int64_t kVersion = 2;

// The persistent counters of the meta table.
struct Meta {
    std::int64_t nextId = 1;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::int64_t dropped = 0;
};

// A QtSql connection name no other connection in the process has.
QString uniqueConnectionName(const char *role);

// Adds and opens a QSQLITE connection named `name` on `path`. On failure the connection is
// removed again and *error says why.
bool openConnection(const QString &name, const QString &path, bool readOnly, QSqlDatabase &db,
                    QString *error);
// Closes and removes the connection (every query on it must be gone).
void closeConnection(QSqlDatabase &db);

// Runs one statement (stepping through every result row, which some pragmas need).
bool exec(QSqlDatabase &db, const QString &sql, QString *error);
// The first column of the first row of `sql`, as an integer.
bool queryInteger(QSqlDatabase &db, const QString &sql, std::int64_t &value, QString *error);

// True when the file holds a capture store of this version; false with *error otherwise,
// *empty telling an empty database (no table yet) apart and *version giving the version found
// (0: none).
bool checkSchema(QSqlDatabase &db, bool *empty, QString *error, std::int64_t *version = nullptr);
// Creates the tables in an empty database (in one transaction).
bool createSchema(QSqlDatabase &db, QString *error);
// Creates the batches table alone (converting a version 1 file, inside its transaction).
bool createBatchesTable(QSqlDatabase &db, QString *error);

bool readMeta(QSqlDatabase &db, Meta &meta, QString *error);
// The same with a query the caller prepared from kReadMetaSql and keeps (the writer reads the
// counters in every append).
inline constexpr char kReadMetaSql[] = "SELECT key, value FROM meta";
bool readMeta(QSqlQuery &query, Meta &meta, QString *error);
// Reads the counters and the id range in one read transaction.
bool readStats(QSqlDatabase &db, const QString &path, CaptureStoreStats &stats, QString *error);

} // namespace ToolCapture::CaptureStoreSchema
