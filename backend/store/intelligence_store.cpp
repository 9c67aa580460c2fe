#include <backend/core/uuid.h>
#include <backend/store/intelligence_store.h>
#include <backend/store/schema_migrations.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QPointer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <variant>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcStore, "toolcapture.store")

// The last two are made into one of the first two on the store's thread before a batch is
// written (resolve()).
using Record = std::variant<ExecutionRecord, CommunicationRecord, PatternRecord,
                            RecommendationRecord, ServiceEcosystemRecord,
                            IntelligenceStore::MakeExecution, IntelligenceStore::MakeCommunication>;

// Makes the deferred records of `batch` into rows; those that make none are removed. How many
// were removed.
size_t resolve(std::vector<Record> &batch) {
    size_t kept = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
        Record &r = batch[i];
        if (auto *e = std::get_if<IntelligenceStore::MakeExecution>(&r)) {
            std::optional<ExecutionRecord> made = (*e)();
            if (!made)
                continue;
            r = std::move(*made);
        } else if (auto *c = std::get_if<IntelligenceStore::MakeCommunication>(&r)) {
            std::optional<CommunicationRecord> made = (*c)();
            if (!made)
                continue;
            r = std::move(*made);
        }
        if (kept != i)
            batch[kept] = std::move(r);
        ++kept;
    }
    const size_t removed = batch.size() - kept;
    batch.resize(kept);
    return removed;
}

// Time-ordered: the row's id is the table's primary key, and a random one would land each
// insert on a random leaf of its index (docs/events.md).
QString newId() {
    return QString::fromLatin1(Uuid::newV7());
}

QString idOr(const QString &id) {
    return id.isEmpty() ? newId() : id;
}

// The schema's correlation ids are UUIDs; a client's own id is kept as its name-based UUID.
QString correlationUuid(const QString &id) {
    const QUuid uuid(id);
    if (!uuid.isNull())
        return uuid.toString(QUuid::WithoutBraces);
    static const QUuid ns(QStringLiteral("6f0e4b8a-2d43-4c6e-9a55-0b7c3c1f2e11"));
    return QUuid::createUuidV5(ns, id).toString(QUuid::WithoutBraces);
}

QString timestamp(const QDateTime &t, const QDateTime &fallback) {
    return (t.isValid() ? t : fallback).toUTC().toString(Qt::ISODateWithMs);
}

// NULL for an invalid time.
QVariant optionalTimestamp(const QDateTime &t) {
    return t.isValid() ? QVariant(t.toUTC().toString(Qt::ISODateWithMs))
                       : QVariant(QMetaType::fromType<QString>());
}

QVariant optionalText(const QString &text) {
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

// A JSON value as compact text ("null" for undefined).
QString jsonText(const QJsonValue &value) {
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

// A time read back: PostgreSQL's TIMESTAMP (no zone) and SQLite's text both hold UTC.
QDateTime utcTime(const QVariant &value) {
    if (value.isNull())
        return {};
    QDateTime t = value.userType() == QMetaType::QDateTime
                      ? value.toDateTime()
                      : QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        return {};
    return QDateTime(t.date(), t.time(), Qt::UTC);
}

} // namespace

// The store's thread: owns the connection, the timers and the prepared statements.
class StoreWorker : public QObject {
public:
    explicit StoreWorker(IntelligenceStore::Options &options);

    bool connectNow();
    void flush();
    void expire();
    void shutdown();
    // Every recommendation row (after a flush); false with the reason when disconnected.
    bool readRecommendations(std::vector<RecommendationRecord> *out, QString *error);

    struct Shared {
        // Under `mutex`: queues a record; past `limit` rows waiting, one is dropped (counted).
        void push(Record &&record, size_t limit);
        // Under `mutex`: drops rows until at most `limit` wait, exchange rows (the oldest
        // first) before anything else: a pattern's or a recommendation's row is one write of
        // state that is not repeated, an exchange row one of many alike.
        void trimTo(size_t limit);

        std::mutex mutex;
        std::deque<Record> queue;
        size_t inFlight = 0; // taken from the queue, being written (under the mutex)
        QString lastError;
        std::atomic<std::uint64_t> written{0};
        std::atomic<std::uint64_t> dropped{0};
        std::atomic<std::uint64_t> rejected{0};
        std::atomic<std::uint64_t> expired{0};
        std::atomic<std::uint64_t> connectFailures{0};
        std::atomic<bool> connected{false};
        std::atomic<int> schemaVersion{0};
        // Rows were dropped while the database was there, because it wrote them more slowly
        // than they came (said once per episode; reset when the queue is back under half).
        bool overflowing = false; // under the mutex
        // The first connection attempt (start() does not wait for it; waitForFirstAttempt()).
        std::condition_variable attempted;
        bool firstAttemptDone = false; // under the mutex
    };
    Shared shared;
    QTimer *flushTimer = nullptr;
    QTimer *expireTimer = nullptr;

private:
    // Inserts one record with the statement prepared for its table (prepared once per
    // connection: a prepare per row would double PostgreSQL's round trips).
    bool insert(const Record &record, QString *error, bool *busy = nullptr);
    // The whole batch in one transaction, consecutive rows of a table in multi-row INSERTs.
    // False (rolled back) on any error: the caller then goes row by row to find out why.
    bool writeMultiRow(const std::vector<Record> &batch);
    QSqlQuery &multiRow(int which, int rows);
    QSqlQuery &statement(int which, const QString &sql);
    void noteError(const QString &error, bool warn);
    void enforceMemoryLimit();
    void disconnect();
    // Closes the connection and forgets its prepared statements.
    void dropConnection();

    IntelligenceStore::Options &m_options;
    QString m_connectionName;
    QSqlDatabase m_db;
    std::unique_ptr<QSqlQuery> m_statements[5];
    std::map<int, std::unique_ptr<QSqlQuery>> m_multiExecution;
    std::map<int, std::unique_ptr<QSqlQuery>> m_multiCommunication;
    std::chrono::steady_clock::time_point m_nextConnect{};
    bool m_warnedAway = false;
};

StoreWorker::StoreWorker(IntelligenceStore::Options &options)
    : m_options(options)
    , m_connectionName(QStringLiteral("intelligence-store-%1").arg(quintptr(this), 0, 16)) {}

void StoreWorker::noteError(const QString &error, bool warn) {
    {
        const std::lock_guard lock(shared.mutex);
        shared.lastError = error;
    }
    if (warn)
        qCWarning(lcStore).noquote() << error;
}

bool StoreWorker::connectNow() {
    m_nextConnect = std::chrono::steady_clock::now() + m_options.reconnectInterval;
    const StoreLocation &location = m_options.location;
    if (!m_db.isValid())
        m_db = QSqlDatabase::addDatabase(location.driver(), m_connectionName);
    location.configure(m_db);
    if (location.kind == StoreLocation::Kind::PostgreSql)
        m_db.setConnectOptions(QStringLiteral("connect_timeout=2"));
    if (!m_db.open()) {
        shared.connectFailures++;
        noteError(QStringLiteral("intelligence store %1 unreachable (%2); keeping records in "
                                 "memory until it is back")
                      .arg(location.toString(), m_db.lastError().text().trimmed()),
                  !m_warnedAway);
        m_warnedAway = true;
        return false;
    }
    if (location.kind == StoreLocation::Kind::PostgreSql) {
        // libpq prints the server's notices and warnings to stderr itself, past Qt's logging
        // (a raw line breaks --log-json). NOTE: so they are not sent at all; a statement's
        // error still comes back as its QSqlError, and the server logs its warnings itself.
        QSqlQuery session(m_db);
        session.exec(QStringLiteral("SET client_min_messages TO error"));
    }
    if (location.kind == StoreLocation::Kind::Sqlite) {
        QSqlQuery pragma(m_db);
        // Takes effect on a new file only (before its first table, before WAL): each row's
        // JSON spans pages, and every page is a system call when the WAL is written and again
        // when it is checkpointed. 16 KiB pages: 6.2-6.4k -> 8.4-8.8k rows written a second,
        // measured at the same CPU (64 KiB gained nothing more).
        pragma.exec(QStringLiteral("PRAGMA page_size = 16384"));
        pragma.exec(QStringLiteral("PRAGMA journal_mode = WAL"));
        pragma.exec(QStringLiteral("PRAGMA synchronous = NORMAL"));
        pragma.exec(QStringLiteral("PRAGMA busy_timeout = 2000"));
        // Keys the proxy makes are time-ordered (version 7 UUIDs), so a batch lands at the
        // right edge of their indexes; a client's own correlation ids still land anywhere in
        // idx_communication_intelligence_correlation. With random keys and SQLite's default
        // 2 MiB cache a batch spilled pages mid-transaction and read them back (a quarter of
        // this thread, measured at 10k exchanges/s). 64 MiB keeps the hot pages of a few
        // million rows' indexes.
        pragma.exec(QStringLiteral("PRAGMA cache_size = -65536"));
    }
    QString why;
    if (!migrate(m_db, location.kind, intelligenceMigrations(), -1, &why)) {
        // Rarely something waiting fixes (a newer database, a failed migration), but tried
        // again like an unreachable database: said once, and records wait in memory.
        noteError(QStringLiteral("intelligence store %1: %2; keeping records in memory")
                      .arg(location.toString(), why),
                  !m_warnedAway);
        m_warnedAway = true;
        shared.connectFailures++;
        m_db.close();
        return false;
    }
    shared.schemaVersion = schemaVersion(m_db);
    shared.connected = true;
    if (m_warnedAway)
        qCInfo(lcStore).noquote() << "intelligence store" << location.toString()
                                  << "is back; writing what waited";
    m_warnedAway = false;
    return true;
}

void StoreWorker::disconnect() {
    shared.connected = false;
    dropConnection();
}

void StoreWorker::dropConnection() {
    // The driver goes before the prepared statements: a statement that outlives its driver
    // frees nothing, while one destroyed first sends DEALLOCATE, which on a lost connection
    // fails with a warning of Qt's per statement ("Unable to free statement"). The server
    // frees a session's statements when the session ends anyway.
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    for (auto &statement : m_statements)
        statement.reset();
    m_multiExecution.clear();
    m_multiCommunication.clear();
}

namespace {

bool isExchangeRow(const Record &record) {
    return std::holds_alternative<CommunicationRecord>(record) ||
           std::holds_alternative<ExecutionRecord>(record) ||
           std::holds_alternative<IntelligenceStore::MakeCommunication>(record) ||
           std::holds_alternative<IntelligenceStore::MakeExecution>(record);
}

// How far from the front an exchange row is looked for before the front row goes anyway.
constexpr size_t kDropScan = 64;

// Rows that may wait in memory (Options::memoryLimit, at least one).
size_t rowLimit(const IntelligenceStore::Options &options) {
    return size_t(std::max(1, options.memoryLimit));
}

} // namespace

void StoreWorker::Shared::trimTo(size_t limit) {
    while (queue.size() > limit) {
        const size_t scan = std::min(queue.size(), kDropScan);
        size_t victim = 0;
        while (victim < scan && !isExchangeRow(queue[victim]))
            ++victim;
        queue.erase(queue.begin() + std::ptrdiff_t(victim == scan ? 0 : victim));
        dropped++;
    }
}

void StoreWorker::Shared::push(Record &&record, size_t limit) {
    queue.push_back(std::move(record));
    if (queue.size() <= limit)
        return;
    trimTo(limit);
    if (!overflowing && connected) {
        overflowing = true;
        qCWarning(lcStore).noquote()
            << "intelligence store: rows come faster than the database takes them;" << limit
            << "are waiting (store.memory_limit_rows), the oldest exchange rows are dropped "
               "and counted (toolcapture_store_rows_total{outcome=\"dropped\"})";
    }
}

void StoreWorker::enforceMemoryLimit() {
    const std::lock_guard lock(shared.mutex);
    shared.trimTo(rowLimit(m_options));
}

namespace {

const QString kExecutionColumns = QStringLiteral(
    "INSERT INTO execution_intelligence (execution_id, correlation_id, service_name, operation,"
    " execution_time_ms, success, intelligence_data, created_at) VALUES ");
const QString kExecutionRow = QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?)");
const QString kCommunicationColumns = QStringLiteral(
    "INSERT INTO communication_intelligence (communication_id, correlation_id, source_service,"
    " target_service, request_data, response_data, performance_metrics, intelligence_insights,"
    " created_at) VALUES ");
const QString kCommunicationRow = QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?, ?)");

void bind(QSqlQuery &query, const ExecutionRecord &e, const QDateTime &now) {
    query.addBindValue(idOr(e.executionId));
    query.addBindValue(correlationUuid(e.correlationId));
    query.addBindValue(e.service);
    query.addBindValue(e.operation);
    query.addBindValue(e.executionTimeMs);
    query.addBindValue(e.success);
    query.addBindValue(QString::fromUtf8(e.intelligenceJson));
    query.addBindValue(timestamp(e.createdAt, now));
}

void bind(QSqlQuery &query, const CommunicationRecord &c, const QDateTime &now) {
    query.addBindValue(idOr(c.communicationId));
    query.addBindValue(correlationUuid(c.correlationId));
    query.addBindValue(c.sourceService.isEmpty() ? QVariant() : QVariant(c.sourceService));
    query.addBindValue(c.targetService.isEmpty() ? QVariant() : QVariant(c.targetService));
    query.addBindValue(QString::fromUtf8(c.requestJson));
    query.addBindValue(QString::fromUtf8(c.responseJson));
    query.addBindValue(QString::fromUtf8(c.performanceJson));
    query.addBindValue(QString::fromUtf8(c.insightsJson));
    query.addBindValue(timestamp(c.createdAt, now));
}

// Insert or replace by id; created_at stays that of the first write.
const QString kRecommendationUpsert = QStringLiteral(
    "INSERT INTO optimization_recommendations (recommendation_id, recommendation_type,"
    " target_service, instance_id, operation, title, priority, confidence, status,"
    " recommendation_data, expected_impact, evidence, applied, applied_at, applied_by,"
    " dismissed_at, reverted_at, effect, effectiveness_score, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (recommendation_id) DO UPDATE SET"
    " recommendation_type = excluded.recommendation_type,"
    " target_service = excluded.target_service, instance_id = excluded.instance_id,"
    " operation = excluded.operation, title = excluded.title, priority = excluded.priority,"
    " confidence = excluded.confidence, status = excluded.status,"
    " recommendation_data = excluded.recommendation_data,"
    " expected_impact = excluded.expected_impact, evidence = excluded.evidence,"
    " applied = excluded.applied, applied_at = excluded.applied_at,"
    " applied_by = excluded.applied_by, dismissed_at = excluded.dismissed_at,"
    " reverted_at = excluded.reverted_at, effect = excluded.effect,"
    " effectiveness_score = excluded.effectiveness_score, updated_at = excluded.updated_at");

void bind(QSqlQuery &query, const RecommendationRecord &r, const QDateTime &now) {
    const QJsonObject document = QJsonDocument::fromJson(r.documentJson).object();
    const QJsonValue impact = document.value(QLatin1String("expected_impact"));
    const QJsonValue evidence = document.value(QLatin1String("evidence"));
    const QJsonValue score =
        QJsonDocument::fromJson(r.effectJson).object().value(QLatin1String("score"));
    query.addBindValue(idOr(r.id));
    query.addBindValue(r.type);
    query.addBindValue(optionalText(r.service));
    query.addBindValue(optionalText(r.instance));
    query.addBindValue(optionalText(r.operation));
    query.addBindValue(r.title);
    query.addBindValue(r.priority);
    query.addBindValue(r.confidence);
    query.addBindValue(r.status);
    query.addBindValue(QString::fromUtf8(r.documentJson));
    query.addBindValue(impact.isUndefined() || impact.isNull() ? QStringLiteral("{}")
                                                               : jsonText(impact));
    query.addBindValue(evidence.isUndefined() ? QVariant(QMetaType::fromType<QString>())
                                              : QVariant(jsonText(evidence)));
    query.addBindValue(r.status == QLatin1String("applied"));
    query.addBindValue(optionalTimestamp(r.appliedAt));
    query.addBindValue(optionalText(r.appliedBy));
    query.addBindValue(optionalTimestamp(r.dismissedAt));
    query.addBindValue(optionalTimestamp(r.revertedAt));
    query.addBindValue(r.effectJson.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                              : QVariant(QString::fromUtf8(r.effectJson)));
    query.addBindValue(score.isDouble() ? QVariant(score.toDouble())
                                        : QVariant(QMetaType::fromType<double>()));
    query.addBindValue(timestamp(r.createdAt, now));
    query.addBindValue(timestamp(r.updatedAt, now));
}

// One row per service, replaced; its id is the service name's name-based UUID.
const QString kEcosystemUpsert = QStringLiteral(
    "INSERT INTO service_ecosystem (ecosystem_id, service_name, services_active,"
    " capability_matrix, dependency_graph, performance_metrics, snapshot_timestamp)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (service_name) DO UPDATE SET services_active = excluded.services_active,"
    " capability_matrix = excluded.capability_matrix,"
    " dependency_graph = excluded.dependency_graph,"
    " performance_metrics = excluded.performance_metrics,"
    " snapshot_timestamp = excluded.snapshot_timestamp");

void bind(QSqlQuery &query, const ServiceEcosystemRecord &e, const QDateTime &now) {
    static const QUuid ns(QStringLiteral("3c1d9e52-7a0b-4f3e-8d6c-5e2a9b7f1c40"));
    query.addBindValue(QUuid::createUuidV5(ns, e.service).toString(QUuid::WithoutBraces));
    query.addBindValue(e.service);
    query.addBindValue(QString::fromUtf8(e.instancesJson));
    query.addBindValue(QString::fromUtf8(e.capabilitiesJson));
    query.addBindValue(QString::fromUtf8(e.dependenciesJson));
    query.addBindValue(QString::fromUtf8(e.healthJson));
    query.addBindValue(timestamp(e.snapshotAt, now));
}

// Rows per multi-row INSERT: one round trip for this many rows (PostgreSQL), well under
// SQLite's limit on bound parameters.
constexpr int kRowsPerStatement = 100;

} // namespace

QSqlQuery &StoreWorker::multiRow(int which, int rows) {
    std::unique_ptr<QSqlQuery> &query =
        which == 0 ? m_multiExecution[rows] : m_multiCommunication[rows];
    if (!query) {
        QStringList values;
        for (int i = 0; i < rows; ++i)
            values.append(which == 0 ? kExecutionRow : kCommunicationRow);
        query = std::make_unique<QSqlQuery>(m_db);
        query->prepare((which == 0 ? kExecutionColumns : kCommunicationColumns) +
                       values.join(QStringLiteral(", ")));
    }
    return *query;
}

bool StoreWorker::writeMultiRow(const std::vector<Record> &batch) {
    if (!m_db.transaction())
        return false;
    const QDateTime now = m_options.now();
    size_t i = 0;
    while (i < batch.size()) {
        const size_t type = batch[i].index();
        if (type >= 2) { // patterns, recommendations, ecosystem: upserts, one by one
            if (!insert(batch[i], nullptr)) {
                m_db.rollback();
                return false;
            }
            ++i;
            continue;
        }
        size_t end = i;
        while (end < batch.size() && batch[end].index() == type && int(end - i) < kRowsPerStatement)
            ++end;
        QSqlQuery &query = multiRow(int(type), int(end - i));
        for (size_t k = i; k < end; ++k) {
            if (type == 0)
                bind(query, std::get<ExecutionRecord>(batch[k]), now);
            else
                bind(query, std::get<CommunicationRecord>(batch[k]), now);
        }
        if (!query.exec()) {
            m_db.rollback();
            return false;
        }
        i = end;
    }
    if (m_db.commit())
        return true;
    m_db.rollback();
    return false;
}

QSqlQuery &StoreWorker::statement(int which, const QString &sql) {
    std::unique_ptr<QSqlQuery> &query = m_statements[which];
    if (!query) {
        query = std::make_unique<QSqlQuery>(m_db);
        query->prepare(sql);
    }
    return *query;
}

bool StoreWorker::insert(const Record &record, QString *error, bool *busy) {
    const QDateTime now = m_options.now();
    QSqlQuery *used = nullptr;
    if (const auto *e = std::get_if<ExecutionRecord>(&record)) {
        used = &statement(0, kExecutionColumns + kExecutionRow);
        bind(*used, *e, now);
    } else if (const auto *c = std::get_if<CommunicationRecord>(&record)) {
        used = &statement(1, kCommunicationColumns + kCommunicationRow);
        bind(*used, *c, now);
    } else if (const auto *r = std::get_if<RecommendationRecord>(&record)) {
        used = &statement(3, kRecommendationUpsert);
        bind(*used, *r, now);
    } else if (const auto *x = std::get_if<ServiceEcosystemRecord>(&record)) {
        used = &statement(4, kEcosystemUpsert);
        bind(*used, *x, now);
    } else {
        const auto &p = std::get<PatternRecord>(record);
        // Insert or replace by id; first_seen and created_at stay those of the first write.
        QSqlQuery &query = *(
            used = &statement(
                2,
                QStringLiteral(
                    "INSERT INTO intelligence_patterns (pattern_id, pattern_type, pattern_data,"
                    " confidence, frequency, first_seen, last_seen, success_rate, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (pattern_id) DO UPDATE SET pattern_type = excluded.pattern_type,"
                    " pattern_data = excluded.pattern_data, confidence = excluded.confidence,"
                    " frequency = excluded.frequency, last_seen = excluded.last_seen,"
                    " success_rate = excluded.success_rate, updated_at = excluded.updated_at")));
        const QString written = timestamp(now, now);
        query.addBindValue(idOr(p.patternId));
        query.addBindValue(p.type);
        query.addBindValue(QString::fromUtf8(p.dataJson));
        query.addBindValue(p.confidence);
        query.addBindValue(p.frequency);
        query.addBindValue(timestamp(p.firstSeen, now));
        query.addBindValue(timestamp(p.lastSeen, now));
        query.addBindValue(p.successRate);
        query.addBindValue(written);
        query.addBindValue(written);
    }
    if (used->exec())
        return true;
    if (error)
        *error = used->lastError().text().trimmed();
    if (busy) {
        // SQLITE_BUSY, SQLITE_LOCKED and their extended codes: another connection to the same
        // file holds it longer than busy_timeout. Nothing wrong with the row.
        const int code = used->lastError().nativeErrorCode().toInt() & 0xff;
        *busy = m_options.location.kind == StoreLocation::Kind::Sqlite && (code == 5 || code == 6);
    }
    return false;
}

void StoreWorker::flush() {
    if (!shared.connected) {
        if (std::chrono::steady_clock::now() < m_nextConnect || !connectNow()) {
            enforceMemoryLimit();
            return;
        }
    }
    for (;;) {
        std::vector<Record> batch;
        {
            const std::lock_guard lock(shared.mutex);
            const size_t n =
                std::min(shared.queue.size(), size_t(std::max(1, m_options.batchSize)));
            batch.reserve(n);
            for (size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(shared.queue.front()));
                shared.queue.pop_front();
            }
            shared.inFlight = n;
            if (shared.overflowing && shared.queue.size() < rowLimit(m_options) / 2)
                shared.overflowing = false;
        }
        if (batch.empty())
            return;
        if (const size_t unmade = resolve(batch)) {
            shared.rejected += unmade;
            const std::lock_guard lock(shared.mutex);
            shared.inFlight = batch.size();
        }
        if (batch.empty()) {
            const std::lock_guard lock(shared.mutex);
            shared.inFlight = 0;
            continue;
        }
        if (writeMultiRow(batch)) {
            shared.written += batch.size();
            const std::lock_guard lock(shared.mutex);
            shared.inFlight = 0;
            continue;
        }
        // The driver closes a connection that it found lost (in writeMultiRow()); a transaction
        // asked of it then only adds a warning of Qt's.
        bool lost = !m_db.isOpen() || !m_db.transaction();
        size_t done = 0;
        for (; !lost && done < batch.size(); ++done) {
            QString why;
            bool busy = false;
            if (insert(batch[done], &why, &busy))
                continue;
            // A refused row (bad JSON, say) is dropped; a lost connection keeps everything.
            // PostgreSQL aborts the transaction on an error: roll back before asking.
            m_db.rollback();
            if (busy) {
                // The SQLite file is locked by another process: the whole batch goes back and
                // is written at a later flush.
                noteError(QStringLiteral("intelligence store %1 is locked by another "
                                         "connection (%2); trying again")
                              .arg(m_options.location.toString(), why),
                          false);
                {
                    const std::lock_guard lock(shared.mutex);
                    for (size_t i = batch.size(); i-- > 0;)
                        shared.queue.push_front(std::move(batch[i]));
                    shared.inFlight = 0;
                }
                enforceMemoryLimit();
                return;
            }
            QSqlQuery probe(m_db);
            if (!probe.exec(QStringLiteral("SELECT 1"))) {
                lost = true;
                break;
            }
            noteError(QStringLiteral("intelligence store refused a row: %1").arg(why),
                      shared.rejected == 0);
            // The rest of the batch goes back to the queue and is written next round.
            shared.rejected++;
            {
                const std::lock_guard lock(shared.mutex);
                for (size_t i = batch.size(); i-- > 0;) {
                    if (i != done)
                        shared.queue.push_front(std::move(batch[i]));
                }
                shared.inFlight = 0;
            }
            batch.clear();
            break;
        }
        if (batch.empty())
            continue; // the rest was requeued after a refused row
        if (!lost && m_db.commit()) {
            shared.written += batch.size();
            const std::lock_guard lock(shared.mutex);
            shared.inFlight = 0;
            continue;
        }
        if (m_db.isOpen())
            m_db.rollback();
        {
            const std::lock_guard lock(shared.mutex);
            for (size_t i = batch.size(); i-- > 0;)
                shared.queue.push_front(std::move(batch[i]));
            shared.inFlight = 0;
        }
        noteError(QStringLiteral("intelligence store %1 went away (%2); keeping records in memory "
                                 "until it is back")
                      .arg(m_options.location.toString(), m_db.lastError().text().trimmed()),
                  true);
        m_warnedAway = true;
        disconnect();
        m_nextConnect = std::chrono::steady_clock::now() + m_options.reconnectInterval;
        enforceMemoryLimit();
        return;
    }
}

void StoreWorker::expire() {
    if (!shared.connected)
        return;
    const QDateTime now = m_options.now().toUTC();
    const QString events =
        now.addSecs(
               -std::chrono::duration_cast<std::chrono::seconds>(m_options.eventRetention).count())
            .toString(Qt::ISODateWithMs);
    const QString patterns =
        now.addSecs(-std::chrono::duration_cast<std::chrono::seconds>(m_options.patternRetention)
                         .count())
            .toString(Qt::ISODateWithMs);
    const struct {
        const char *sql;
        const QString &cutoff;
    } deletes[] = {
        {"DELETE FROM execution_intelligence WHERE created_at < ?", events},
        {"DELETE FROM communication_intelligence WHERE created_at < ?", events},
        {"DELETE FROM intelligence_patterns WHERE last_seen < ?", patterns},
    };
    for (const auto &d : deletes) {
        QSqlQuery query(m_db);
        query.prepare(QString::fromLatin1(d.sql));
        query.addBindValue(d.cutoff);
        if (!query.exec()) {
            noteError(QStringLiteral("retention failed: %1").arg(query.lastError().text()), true);
            return;
        }
        shared.expired += std::uint64_t(std::max(0, query.numRowsAffected()));
    }
}

bool StoreWorker::readRecommendations(std::vector<RecommendationRecord> *out, QString *error) {
    if (!shared.connected && !connectNow()) {
        const std::lock_guard lock(shared.mutex);
        *error = shared.lastError;
        return false;
    }
    flush();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral(
            "SELECT recommendation_id, recommendation_type, target_service, instance_id,"
            " operation, title, priority, confidence, status, recommendation_data, created_at,"
            " updated_at, applied_at, dismissed_at, reverted_at, applied_by, effect"
            " FROM optimization_recommendations ORDER BY created_at, recommendation_id"))) {
        *error = QStringLiteral("reading the recommendations failed: %1")
                     .arg(query.lastError().text().trimmed());
        return false;
    }
    while (query.next()) {
        RecommendationRecord r;
        r.id = query.value(0).toString();
        r.type = query.value(1).toString();
        r.service = query.value(2).toString();
        r.instance = query.value(3).toString();
        r.operation = query.value(4).toString();
        r.title = query.value(5).toString();
        r.priority = query.value(6).toString();
        r.confidence = query.value(7).toDouble();
        r.status = query.value(8).toString();
        r.documentJson = query.value(9).toString().toUtf8();
        r.createdAt = utcTime(query.value(10));
        r.updatedAt = utcTime(query.value(11));
        r.appliedAt = utcTime(query.value(12));
        r.dismissedAt = utcTime(query.value(13));
        r.revertedAt = utcTime(query.value(14));
        r.appliedBy = query.value(15).toString();
        r.effectJson =
            query.value(16).isNull() ? QByteArray() : query.value(16).toString().toUtf8();
        out->push_back(std::move(r));
    }
    return true;
}

void StoreWorker::shutdown() {
    flush();
    if (flushTimer)
        flushTimer->stop();
    if (expireTimer)
        expireTimer->stop();
    dropConnection();
    shared.connected = false;
}

struct IntelligenceStore::Private {
    explicit Private(Options o)
        : options(std::move(o))
        , worker(options) {}
    size_t memoryLimit() const { return rowLimit(options); }

    Options options;
    StoreWorker worker;
    QThread thread;
    bool running = false;
};

IntelligenceStore::IntelligenceStore(Options options)
    : d(std::make_unique<Private>(std::move(options))) {
    d->thread.setObjectName(QStringLiteral("intelligence-store"));
}

IntelligenceStore::~IntelligenceStore() {
    stop();
}

bool IntelligenceStore::start(QString *error) {
    if (d->running)
        return true;
    const QString driver = d->options.location.driver();
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        if (error)
            *error = QStringLiteral("the Qt SQL driver %1 is not installed").arg(driver);
        return false;
    }
    d->worker.moveToThread(&d->thread);
    d->thread.start();
    // The first connection and the migrations, in the store's thread (its connection lives
    // there); nobody waits for them.
    QMetaObject::invokeMethod(
        &d->worker,
        [this] {
            StoreWorker &w = d->worker;
            w.flushTimer = new QTimer(&w);
            QObject::connect(w.flushTimer, &QTimer::timeout, &w, [&w] { w.flush(); });
            w.flushTimer->start(d->options.flushInterval);
            w.expireTimer = new QTimer(&w);
            QObject::connect(w.expireTimer, &QTimer::timeout, &w, [&w] { w.expire(); });
            w.expireTimer->start(d->options.retentionInterval);
            w.connectNow();
            {
                const std::lock_guard lock(w.shared.mutex);
                w.shared.firstAttemptDone = true;
            }
            w.shared.attempted.notify_all();
        },
        Qt::QueuedConnection);
    d->running = true;
    return true;
}

bool IntelligenceStore::waitForFirstAttempt(std::chrono::milliseconds timeout, QString *error) {
    StoreWorker::Shared &s = d->worker.shared;
    std::unique_lock lock(s.mutex);
    if (!d->running) {
        if (error)
            *error = QStringLiteral("the store is not running");
        return false;
    }
    if (!s.attempted.wait_for(lock, timeout, [&s] { return s.firstAttemptDone; })) {
        if (error)
            *error =
                QStringLiteral("no connection attempt finished within %1 ms").arg(timeout.count());
        return false;
    }
    if (s.connected)
        return true;
    if (error)
        *error = s.lastError;
    return false;
}

void IntelligenceStore::stop() {
    if (!d->thread.isRunning())
        return;
    QMetaObject::invokeMethod(
        &d->worker, [this] { d->worker.shutdown(); }, Qt::BlockingQueuedConnection);
    d->thread.quit();
    d->thread.wait();
    d->running = false;
}

void IntelligenceStore::write(ExecutionRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(record), d->memoryLimit());
}

void IntelligenceStore::write(CommunicationRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(record), d->memoryLimit());
}

void IntelligenceStore::write(PatternRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(record), d->memoryLimit());
}

void IntelligenceStore::write(RecommendationRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(record), d->memoryLimit());
}

void IntelligenceStore::write(ServiceEcosystemRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(record), d->memoryLimit());
}

void IntelligenceStore::writeDeferred(MakeCommunication make) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(make), d->memoryLimit());
}

void IntelligenceStore::writeDeferred(MakeExecution make) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.push(std::move(make), d->memoryLimit());
}

void IntelligenceStore::loadRecommendations(QObject *context, RecommendationsLoaded done) {
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(
        &d->worker,
        [this, guard, done = std::move(done)]() mutable {
            auto result = std::make_shared<std::vector<RecommendationRecord>>();
            QString error;
            const bool ok = d->worker.readRecommendations(result.get(), &error);
            if (QObject *target = guard.data()) {
                QMetaObject::invokeMethod(
                    target,
                    [done = std::move(done), ok, result, error] {
                        done(ok, std::move(*result), error);
                    },
                    Qt::QueuedConnection);
            }
        },
        Qt::QueuedConnection);
}

void IntelligenceStore::flushSoon() {
    QMetaObject::invokeMethod(
        &d->worker, [this] { d->worker.flush(); }, Qt::QueuedConnection);
}

void IntelligenceStore::expireSoon() {
    QMetaObject::invokeMethod(
        &d->worker, [this] { d->worker.expire(); }, Qt::QueuedConnection);
}

const IntelligenceStore::Options &IntelligenceStore::options() const {
    return d->options;
}

IntelligenceStore::Health IntelligenceStore::health() const {
    Health h;
    StoreWorker::Shared &s = d->worker.shared;
    h.running = d->running;
    h.connected = s.connected;
    h.schemaVersion = s.schemaVersion;
    h.written = s.written;
    h.dropped = s.dropped;
    h.rejected = s.rejected;
    h.expired = s.expired;
    h.connectFailures = s.connectFailures;
    h.location = d->options.location.toString();
    const std::lock_guard lock(s.mutex);
    h.pending = s.queue.size() + s.inFlight;
    h.lastError = s.lastError;
    return h;
}

} // namespace ToolCapture
