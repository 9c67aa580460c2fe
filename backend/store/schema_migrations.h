#pragma once

#include <backend/store/store_location.h>

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// One step of the intelligence store's schema, in both dialects.
struct Migration {
    int version = 0;
    QString name;
    QStringList sqlite;
    QStringList postgresql;
};

// The intelligence store's migrations, in order: 1 is the source documents' PostgreSQL schema
// (types mapped for SQLite), later ones change it. Never edit a published migration: add one.
const std::vector<Migration> &intelligenceMigrations();

// The highest version recorded in schema_migrations (0 for an empty database, -1 and `error`
// when it cannot be read).
int schemaVersion(QSqlDatabase &db, QString *error = nullptr);

// Applies the migrations above the database's version, up to `target` (all of them when -1),
// each in its own transaction with its row in schema_migrations. False, with the reason, when
// one fails (it is rolled back; the ones before it stay). A database newer than every
// migration known here is refused: this program would not understand it. On PostgreSQL each of
// those transactions holds an advisory lock, so that several programs may migrate one database
// at once: each migration is applied once, by one of them.
bool migrate(QSqlDatabase &db, StoreLocation::Kind kind, const std::vector<Migration> &migrations,
             int target = -1, QString *error = nullptr);

} // namespace ToolCapture
