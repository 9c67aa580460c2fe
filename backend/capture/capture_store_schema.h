#pragma once

#include <backend/capture/capture_store_stats.h>

#include <QByteArrayView>
#include <QSqlDatabase>
#include <QString>

#include <cstdint>

// What the capture store's writer and readers share: the file's layout and the plumbing
// around a QtSql connection. Not for use outside the capture store.
namespace ToolCapture::CaptureStoreSchema {

inline constexpr std::int64_t kVersion = 1;

// The persistent counters of the meta table.
struct Meta {
    std::int64_t nextId = 1;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::int64_t dropped = 0;
};

// A QtSql connection name no other connection in the process has.
QString uniqueConnectionName(const char *role);

// What the correlation index holds for record `id`: its id bucket (id >> kBucketBits) in the
// high 32 bits, a 32-bit hash of the correlation id in the low ones. Correlation ids are random
// (UUIDs), and a plain index of them takes every insert and every cap deletion to a random
// page: a batch of 1000 dirtied about as many pages, which halved the append rate. Bucketed, a
// batch touches the few pages of the newest bucket, the cap's deletions those of the oldest.
// A lookup probes each bucket from the newest to the oldest (bucketProbeCte(): a few hundred
// index probes for millions of records); a hash match is confirmed against the record.
inline constexpr int kBucketBits = 12;
std::int64_t correlationKey(std::int64_t id, QByteArrayView correlationId) noexcept;
// The low 32 bits of correlationKey().
std::int64_t correlationHash(QByteArrayView correlationId) noexcept;
// "WITH RECURSIVE buckets(b) AS (...)": every bucket from the newest record's to the oldest's,
// newest first. A query starting with it matches a correlation id with
// "correlation_key IN (SELECT (b << 32) | ? FROM buckets)", ? bound to correlationHash().
QString bucketProbeCte();

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
// *empty telling an empty database (no table yet) apart.
bool checkSchema(QSqlDatabase &db, bool *empty, QString *error);
// Creates the tables and indexes in an empty database (in one transaction).
bool createSchema(QSqlDatabase &db, QString *error);

bool readMeta(QSqlDatabase &db, Meta &meta, QString *error);
// Reads the counters and the id range in one read transaction.
bool readStats(QSqlDatabase &db, const QString &path, CaptureStoreStats &stats, QString *error);

} // namespace ToolCapture::CaptureStoreSchema
