#include <backend/store/schema_migrations.h>

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace ToolCapture {

namespace {

// SQLite has no timestamp type: UTC text in ISO 8601 with milliseconds, which sorts in time
// order and is what the store writes.
const QString kSqliteNow = QStringLiteral("(strftime('%Y-%m-%dT%H:%M:%fZ','now'))");

} // namespace

const std::vector<Migration> &intelligenceMigrations() {
    static const std::vector<Migration> migrations = [] {
        std::vector<Migration> all;
        Migration schema;
        schema.version = 1;
        schema.name = QStringLiteral("the source documents' schema");
        schema.postgresql = {
            QStringLiteral("CREATE TABLE intelligence_patterns ("
                           " pattern_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
                           " pattern_type VARCHAR(100) NOT NULL,"
                           " pattern_data JSONB NOT NULL,"
                           " confidence DECIMAL(3,2) NOT NULL,"
                           " frequency INTEGER DEFAULT 1,"
                           " first_seen TIMESTAMP DEFAULT NOW(),"
                           " last_seen TIMESTAMP DEFAULT NOW(),"
                           " success_rate DECIMAL(3,2) DEFAULT 0.0,"
                           " created_at TIMESTAMP DEFAULT NOW(),"
                           " updated_at TIMESTAMP DEFAULT NOW())"),
            QStringLiteral("CREATE TABLE execution_intelligence ("
                           " execution_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
                           " correlation_id UUID NOT NULL,"
                           " service_name VARCHAR(255) NOT NULL,"
                           " operation VARCHAR(255) NOT NULL,"
                           " execution_time_ms INTEGER NOT NULL,"
                           " success BOOLEAN NOT NULL,"
                           " intelligence_data JSONB NOT NULL,"
                           " created_at TIMESTAMP DEFAULT NOW())"),
            QStringLiteral("CREATE TABLE communication_intelligence ("
                           " communication_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
                           " correlation_id UUID NOT NULL,"
                           " source_service VARCHAR(255),"
                           " target_service VARCHAR(255),"
                           " request_data JSONB NOT NULL,"
                           " response_data JSONB NOT NULL,"
                           " performance_metrics JSONB NOT NULL,"
                           " intelligence_insights JSONB NOT NULL,"
                           " created_at TIMESTAMP DEFAULT NOW())"),
            QStringLiteral("CREATE TABLE service_ecosystem ("
                           " ecosystem_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
                           " services_active JSONB NOT NULL,"
                           " capability_matrix JSONB NOT NULL,"
                           " dependency_graph JSONB NOT NULL,"
                           " performance_metrics JSONB NOT NULL,"
                           " snapshot_timestamp TIMESTAMP DEFAULT NOW())"),
            QStringLiteral("CREATE TABLE optimization_recommendations ("
                           " recommendation_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"
                           " recommendation_type VARCHAR(100) NOT NULL,"
                           " target_service VARCHAR(255),"
                           " recommendation_data JSONB NOT NULL,"
                           " expected_impact JSONB NOT NULL,"
                           " confidence DECIMAL(3,2) NOT NULL,"
                           " applied BOOLEAN DEFAULT FALSE,"
                           " applied_at TIMESTAMP,"
                           " effectiveness_score DECIMAL(3,2),"
                           " created_at TIMESTAMP DEFAULT NOW())"),
        };
        // Types for SQLite: UUID and VARCHAR as TEXT, JSONB as TEXT holding JSON, DECIMAL as
        // REAL, BOOLEAN as INTEGER, TIMESTAMP as ISO 8601 UTC text; ids come from the program.
        const QString now = kSqliteNow;
        schema.sqlite = {
            QStringLiteral("CREATE TABLE intelligence_patterns ("
                           " pattern_id TEXT PRIMARY KEY NOT NULL,"
                           " pattern_type TEXT NOT NULL,"
                           " pattern_data TEXT NOT NULL CHECK (json_valid(pattern_data)),"
                           " confidence REAL NOT NULL,"
                           " frequency INTEGER DEFAULT 1,"
                           " first_seen TEXT DEFAULT %1,"
                           " last_seen TEXT DEFAULT %1,"
                           " success_rate REAL DEFAULT 0.0,"
                           " created_at TEXT DEFAULT %1,"
                           " updated_at TEXT DEFAULT %1)")
                .arg(now),
            QStringLiteral("CREATE TABLE execution_intelligence ("
                           " execution_id TEXT PRIMARY KEY NOT NULL,"
                           " correlation_id TEXT NOT NULL,"
                           " service_name TEXT NOT NULL,"
                           " operation TEXT NOT NULL,"
                           " execution_time_ms INTEGER NOT NULL,"
                           " success INTEGER NOT NULL,"
                           " intelligence_data TEXT NOT NULL CHECK (json_valid(intelligence_data)),"
                           " created_at TEXT DEFAULT %1)")
                .arg(now),
            QStringLiteral(
                "CREATE TABLE communication_intelligence ("
                " communication_id TEXT PRIMARY KEY NOT NULL,"
                " correlation_id TEXT NOT NULL,"
                " source_service TEXT,"
                " target_service TEXT,"
                " request_data TEXT NOT NULL CHECK (json_valid(request_data)),"
                " response_data TEXT NOT NULL CHECK (json_valid(response_data)),"
                " performance_metrics TEXT NOT NULL CHECK (json_valid(performance_metrics)),"
                " intelligence_insights TEXT NOT NULL CHECK (json_valid(intelligence_insights)),"
                " created_at TEXT DEFAULT %1)")
                .arg(now),
            QStringLiteral("CREATE TABLE service_ecosystem ("
                           " ecosystem_id TEXT PRIMARY KEY NOT NULL,"
                           " services_active TEXT NOT NULL,"
                           " capability_matrix TEXT NOT NULL,"
                           " dependency_graph TEXT NOT NULL,"
                           " performance_metrics TEXT NOT NULL,"
                           " snapshot_timestamp TEXT DEFAULT %1)")
                .arg(now),
            QStringLiteral("CREATE TABLE optimization_recommendations ("
                           " recommendation_id TEXT PRIMARY KEY NOT NULL,"
                           " recommendation_type TEXT NOT NULL,"
                           " target_service TEXT,"
                           " recommendation_data TEXT NOT NULL,"
                           " expected_impact TEXT NOT NULL,"
                           " confidence REAL NOT NULL,"
                           " applied INTEGER DEFAULT 0,"
                           " applied_at TEXT,"
                           " effectiveness_score REAL,"
                           " created_at TEXT DEFAULT %1)")
                .arg(now),
        };
        // The source documents' indexes, the same in both dialects.
        const QStringList indexes = {
            QStringLiteral("CREATE INDEX idx_intelligence_patterns_type"
                           " ON intelligence_patterns(pattern_type)"),
            QStringLiteral("CREATE INDEX idx_intelligence_patterns_confidence"
                           " ON intelligence_patterns(confidence DESC)"),
            QStringLiteral("CREATE INDEX idx_execution_intelligence_service"
                           " ON execution_intelligence(service_name, operation)"),
            QStringLiteral("CREATE INDEX idx_execution_intelligence_time"
                           " ON execution_intelligence(created_at DESC)"),
            QStringLiteral("CREATE INDEX idx_communication_intelligence_correlation"
                           " ON communication_intelligence(correlation_id)"),
            QStringLiteral("CREATE INDEX idx_optimization_recommendations_service"
                           " ON optimization_recommendations(target_service)"),
        };
        schema.postgresql += indexes;
        schema.sqlite += indexes;
        all.push_back(schema);

        // What the recommendation lifecycle (apply, dismiss, revert, audited) and retention
        // need beyond the source documents' columns.
        Migration lifecycle;
        lifecycle.version = 2;
        lifecycle.name = QStringLiteral("recommendation lifecycle, retention indexes");
        lifecycle.postgresql = {
            QStringLiteral("ALTER TABLE optimization_recommendations"
                           " ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'open',"
                           " ADD COLUMN applied_by VARCHAR(255),"
                           " ADD COLUMN dismissed_at TIMESTAMP,"
                           " ADD COLUMN reverted_at TIMESTAMP,"
                           " ADD COLUMN evidence JSONB"),
            QStringLiteral("CREATE INDEX idx_communication_intelligence_time"
                           " ON communication_intelligence(created_at)"),
            QStringLiteral("CREATE INDEX idx_intelligence_patterns_last_seen"
                           " ON intelligence_patterns(last_seen)"),
        };
        lifecycle.sqlite = {
            QStringLiteral("ALTER TABLE optimization_recommendations"
                           " ADD COLUMN status TEXT NOT NULL DEFAULT 'open'"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN applied_by TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN dismissed_at TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN reverted_at TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN evidence TEXT"),
            QStringLiteral("CREATE INDEX idx_communication_intelligence_time"
                           " ON communication_intelligence(created_at)"),
            QStringLiteral("CREATE INDEX idx_intelligence_patterns_last_seen"
                           " ON intelligence_patterns(last_seen)"),
        };
        all.push_back(lifecycle);

        // Recommendations as the API documents them (docs/intelligence-api.md: the whole
        // document in recommendation_data, the columns it is searched by beside it) and one
        // service_ecosystem row per service, replaced as the registry changes.
        Migration documents;
        documents.version = 3;
        documents.name = QStringLiteral("recommendation documents, service ecosystem by service");
        documents.postgresql = {
            QStringLiteral("ALTER TABLE optimization_recommendations"
                           " ADD COLUMN instance_id VARCHAR(255),"
                           " ADD COLUMN operation VARCHAR(255),"
                           " ADD COLUMN title TEXT,"
                           " ADD COLUMN priority VARCHAR(20),"
                           " ADD COLUMN updated_at TIMESTAMP,"
                           " ADD COLUMN effect JSONB"),
            QStringLiteral("ALTER TABLE service_ecosystem ADD COLUMN service_name VARCHAR(255)"),
        };
        documents.sqlite = {
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN instance_id TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN operation TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN title TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN priority TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN updated_at TEXT"),
            QStringLiteral("ALTER TABLE optimization_recommendations ADD COLUMN effect TEXT"),
            QStringLiteral("ALTER TABLE service_ecosystem ADD COLUMN service_name TEXT"),
        };
        const QStringList documentIndexes = {
            QStringLiteral("CREATE INDEX idx_optimization_recommendations_status"
                           " ON optimization_recommendations(status)"),
            QStringLiteral("CREATE UNIQUE INDEX idx_service_ecosystem_service"
                           " ON service_ecosystem(service_name)"),
        };
        documents.postgresql += documentIndexes;
        documents.sqlite += documentIndexes;
        all.push_back(documents);
        return all;
    }();
    return migrations;
}

namespace {

// The key of the advisory lock that migrators of one PostgreSQL database take ("tcmigrat"):
// every ToolCapture uses the same, nothing else is expected to.
constexpr qint64 kMigrationLockKey = 0x7463'6d69'6772'6174;

// Opens a transaction and, on PostgreSQL, waits for the migration lock, which the transaction
// holds until it ends. Proxies started together on a fresh database would otherwise race:
// concurrent CREATE TABLE IF NOT EXISTS is not safe in PostgreSQL (both pass the check, one
// fails on the catalog's unique index: "type ... already exists"), and two migrators that read
// the same version would both apply the next migration. SQLite's own write lock serialises
// writers to its file.
bool beginMigrating(QSqlDatabase &db, StoreLocation::Kind kind, QString *why) {
    if (!db.transaction()) {
        *why = db.lastError().text();
        return false;
    }
    if (kind != StoreLocation::Kind::PostgreSql)
        return true;
    QSqlQuery lock(db);
    if (lock.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kMigrationLockKey)))
        return true;
    *why = lock.lastError().text();
    db.rollback();
    return false;
}

bool versionTableExists(QSqlDatabase &db, QString *why) {
    QSqlQuery query(db);
    const bool postgresql = db.driverName() == QLatin1String("QPSQL");
    // PostgreSQL's to_regclass() follows the search path, as an unqualified CREATE TABLE does.
    if (!query.exec(postgresql ? QStringLiteral("SELECT to_regclass('schema_migrations') IS NOT "
                                                "NULL")
                               : QStringLiteral("SELECT COUNT(*) > 0 FROM sqlite_master WHERE "
                                                "type = 'table' AND name = 'schema_migrations'")) ||
        !query.next()) {
        *why = query.lastError().isValid()
                   ? query.lastError().text()
                   : (db.isOpen() ? QStringLiteral("no result")
                                  : QStringLiteral("not open: %1").arg(db.lastError().text()));
        return false;
    }
    return query.value(0).toBool();
}

} // namespace

int schemaVersion(QSqlDatabase &db, QString *error) {
    QString why;
    const bool exists = versionTableExists(db, &why);
    if (!exists && !why.isEmpty()) {
        if (error)
            *error = why;
        return -1;
    }
    if (!exists)
        return 0;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !query.next()) {
        if (error)
            *error = query.lastError().isValid() ? query.lastError().text()
                                                 : QStringLiteral("no result");
        return -1;
    }
    return query.value(0).toInt();
}

bool migrate(QSqlDatabase &db, StoreLocation::Kind kind, const std::vector<Migration> &migrations,
             int target, QString *error) {
    const auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QString why;
    // The version table, created under the lock; looked for first rather than made with CREATE
    // TABLE IF NOT EXISTS, whose notice ("already exists, skipping") would come at every start.
    if (!beginMigrating(db, kind, &why))
        return fail(QStringLiteral("cannot read the schema version: %1").arg(why));
    const bool exists = versionTableExists(db, &why);
    QSqlQuery create(db);
    if (!exists && why.isEmpty() &&
        !create.exec(QStringLiteral("CREATE TABLE schema_migrations ("
                                    " version INTEGER PRIMARY KEY,"
                                    " name TEXT NOT NULL,"
                                    " applied_at TEXT NOT NULL)")))
        why = create.lastError().text();
    const int current = why.isEmpty() ? schemaVersion(db, &why) : -1;
    if (current < 0 || !db.commit()) {
        if (why.isEmpty())
            why = db.lastError().text();
        db.rollback();
        return fail(QStringLiteral("cannot read the schema version: %1").arg(why));
    }
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (current > newest)
        return fail(QStringLiteral("the database is at schema version %1, newer than this "
                                   "program's %2: refusing to touch it")
                        .arg(current)
                        .arg(newest));
    for (const Migration &migration : migrations) {
        if (migration.version <= current)
            continue;
        if (target >= 0 && migration.version > target)
            break;
        if (!beginMigrating(db, kind, &why))
            return fail(QStringLiteral("migration %1: %2").arg(migration.version).arg(why));
        // Read again under the lock: another migrator may have applied this one meanwhile.
        const int now = schemaVersion(db, &why);
        if (now < 0) {
            db.rollback();
            return fail(QStringLiteral("cannot read the schema version: %1").arg(why));
        }
        if (migration.version <= now) {
            db.rollback(); // nothing written: only ends the transaction and its lock
            continue;
        }
        QSqlQuery query(db);
        const QStringList &statements =
            kind == StoreLocation::Kind::Sqlite ? migration.sqlite : migration.postgresql;
        for (const QString &statement : statements) {
            if (!query.exec(statement)) {
                const QString text = query.lastError().text();
                db.rollback();
                return fail(QStringLiteral("migration %1 (%2) failed: %3")
                                .arg(migration.version)
                                .arg(migration.name, text));
            }
        }
        query.prepare(QStringLiteral(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"));
        query.addBindValue(migration.version);
        query.addBindValue(migration.name);
        query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        if (!query.exec() || !db.commit()) {
            const QString text =
                query.lastError().isValid() ? query.lastError().text() : db.lastError().text();
            db.rollback();
            return fail(QStringLiteral("migration %1: %2").arg(migration.version).arg(text));
        }
    }
    return true;
}

} // namespace ToolCapture
