#pragma once

#include <QString>

class QSqlDatabase;

#include <optional>

namespace ToolCapture {

// Where the intelligence store lives: an SQLite file (the default, in the user's data
// directory) or a PostgreSQL database for deployments that share one
// ("postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE", as --store takes it).
struct StoreLocation {
    enum class Kind { Sqlite, PostgreSql };
    Kind kind = Kind::Sqlite;
    QString path; // SQLite
    QString host; // PostgreSQL
    int port = 5432;
    QString user;
    QString password;
    QString database;

    // A file path, "sqlite:PATH", or a postgresql:// (or postgres://) URL. nullopt with the
    // reason in `error` for anything else (a URL without user, host or database, a bad port,
    // options or a fragment). The reason never repeats a URL's user info, query or fragment:
    // they may hold a password.
    static std::optional<StoreLocation> parse(const QString &text, QString *error = nullptr);
    // The configuration's `store` (or --store): "sqlite" for intelligence.sqlite in the user's
    // data directory, else what parse() takes. An empty value and a bare "postgresql" (which
    // needs the database's URL) are refused.
    static std::optional<StoreLocation> fromSetting(const QString &text, QString *error = nullptr);
    // For logs and the status bar: the password never appears.
    QString toString() const;
    // The QtSql driver: QSQLITE or QPSQL.
    QString driver() const;
    // Points a connection made with driver() at this location (for SQLite, the file's directory
    // is created).
    void configure(QSqlDatabase &db) const;
};

} // namespace ToolCapture
