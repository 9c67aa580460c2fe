#include <backend/store/intelligence_store.h>
#include <backend/store/schema_migrations.h>

#include <QLoggingCategory>
#include <QMetaObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <variant>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcStore, "toolcapture.store")

using Record = std::variant<ExecutionRecord, CommunicationRecord, PatternRecord>;

QString newId() {
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
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

} // namespace

// The store's thread: owns the connection, the timers and the prepared statements.
class StoreWorker : public QObject {
public:
    explicit StoreWorker(IntelligenceStore::Options &options);

    bool connectNow(QString *fatal);
    void flush();
    void expire();
    void shutdown();

    struct Shared {
        std::mutex mutex;
        std::deque<Record> queue;
        size_t inFlight = 0; // taken from the queue, being written (under the mutex)
        QString lastError;
        std::atomic<std::uint64_t> written{0};
        std::atomic<std::uint64_t> dropped{0};
        std::atomic<std::uint64_t> rejected{0};
        std::atomic<std::uint64_t> expired{0};
        std::atomic<bool> connected{false};
        std::atomic<int> schemaVersion{0};
    };
    Shared shared;
    QTimer *flushTimer = nullptr;
    QTimer *expireTimer = nullptr;

private:
    // Inserts one record with the statement prepared for its table (prepared once per
    // connection: a prepare per row would double PostgreSQL's round trips).
    bool insert(const Record &record, QString *error);
    // The whole batch in one transaction, consecutive rows of a table in multi-row INSERTs.
    // False (rolled back) on any error: the caller then goes row by row to find out why.
    bool writeMultiRow(const std::vector<Record> &batch);
    QSqlQuery &multiRow(int which, int rows);
    QSqlQuery &statement(int which, const QString &sql);
    void noteError(const QString &error, bool warn);
    void enforceMemoryLimit();
    void disconnect();

    IntelligenceStore::Options &m_options;
    QString m_connectionName;
    QSqlDatabase m_db;
    std::unique_ptr<QSqlQuery> m_statements[3];
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

bool StoreWorker::connectNow(QString *fatal) {
    m_nextConnect = std::chrono::steady_clock::now() + m_options.reconnectInterval;
    const StoreLocation &location = m_options.location;
    if (!QSqlDatabase::isDriverAvailable(location.driver())) {
        if (fatal)
            *fatal = QStringLiteral("the Qt SQL driver %1 is not installed").arg(location.driver());
        return false;
    }
    if (!m_db.isValid())
        m_db = QSqlDatabase::addDatabase(location.driver(), m_connectionName);
    location.configure(m_db);
    if (location.kind == StoreLocation::Kind::PostgreSql)
        m_db.setConnectOptions(QStringLiteral("connect_timeout=2"));
    if (!m_db.open()) {
        noteError(QStringLiteral("intelligence store %1 unreachable (%2); keeping records in "
                                 "memory until it is back")
                      .arg(location.toString(), m_db.lastError().text().trimmed()),
                  !m_warnedAway);
        m_warnedAway = true;
        return false;
    }
    if (location.kind == StoreLocation::Kind::Sqlite) {
        QSqlQuery pragma(m_db);
        pragma.exec(QStringLiteral("PRAGMA journal_mode = WAL"));
        pragma.exec(QStringLiteral("PRAGMA synchronous = NORMAL"));
        pragma.exec(QStringLiteral("PRAGMA busy_timeout = 2000"));
    }
    QString why;
    if (!migrate(m_db, location.kind, intelligenceMigrations(), -1, &why)) {
        // Not something waiting fixes: said once, and the store stays in memory.
        if (fatal)
            *fatal = QStringLiteral("intelligence store %1: %2").arg(location.toString(), why);
        noteError(why, true);
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
    for (auto &statement : m_statements)
        statement.reset();
    m_multiExecution.clear();
    m_multiCommunication.clear();
    if (m_db.isValid())
        m_db.close();
}

void StoreWorker::enforceMemoryLimit() {
    const std::lock_guard lock(shared.mutex);
    while (shared.queue.size() > size_t(std::max(1, m_options.memoryLimit))) {
        shared.queue.pop_front();
        shared.dropped++;
    }
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
        if (type == 2) { // patterns: upserts, one by one
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

bool StoreWorker::insert(const Record &record, QString *error) {
    const QDateTime now = m_options.now();
    QSqlQuery *used = nullptr;
    if (const auto *e = std::get_if<ExecutionRecord>(&record)) {
        used = &statement(0, kExecutionColumns + kExecutionRow);
        bind(*used, *e, now);
    } else if (const auto *c = std::get_if<CommunicationRecord>(&record)) {
        used = &statement(1, kCommunicationColumns + kCommunicationRow);
        bind(*used, *c, now);
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
    return false;
}

void StoreWorker::flush() {
    if (!shared.connected) {
        if (std::chrono::steady_clock::now() < m_nextConnect || !connectNow(nullptr)) {
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
        }
        if (batch.empty())
            return;
        if (writeMultiRow(batch)) {
            shared.written += batch.size();
            const std::lock_guard lock(shared.mutex);
            shared.inFlight = 0;
            continue;
        }
        bool lost = !m_db.transaction();
        size_t done = 0;
        for (; !lost && done < batch.size(); ++done) {
            QString why;
            if (insert(batch[done], &why))
                continue;
            // A refused row (bad JSON, say) is dropped; a lost connection keeps everything.
            // PostgreSQL aborts the transaction on an error: roll back before asking.
            m_db.rollback();
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

void StoreWorker::shutdown() {
    flush();
    if (flushTimer)
        flushTimer->stop();
    if (expireTimer)
        expireTimer->stop();
    for (auto &statement : m_statements)
        statement.reset();
    m_multiExecution.clear();
    m_multiCommunication.clear();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    shared.connected = false;
}

struct IntelligenceStore::Private {
    explicit Private(Options o)
        : options(std::move(o))
        , worker(options) {}
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
    d->worker.moveToThread(&d->thread);
    d->thread.start();
    bool ok = true;
    QString fatal;
    // The first connection and the migrations, in the store's thread (its connection lives
    // there); start() waits for them, and only for them.
    QMetaObject::invokeMethod(
        &d->worker,
        [this, &ok, &fatal] {
            StoreWorker &w = d->worker;
            w.connectNow(&fatal);
            ok = fatal.isEmpty();
            w.flushTimer = new QTimer(&w);
            QObject::connect(w.flushTimer, &QTimer::timeout, &w, [&w] { w.flush(); });
            w.flushTimer->start(d->options.flushInterval);
            w.expireTimer = new QTimer(&w);
            QObject::connect(w.expireTimer, &QTimer::timeout, &w, [&w] { w.expire(); });
            w.expireTimer->start(d->options.retentionInterval);
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        if (error)
            *error = fatal;
        stop();
        return false;
    }
    d->running = true;
    return true;
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
    d->worker.shared.queue.emplace_back(std::move(record));
}

void IntelligenceStore::write(CommunicationRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.queue.emplace_back(std::move(record));
}

void IntelligenceStore::write(PatternRecord record) {
    const std::lock_guard lock(d->worker.shared.mutex);
    d->worker.shared.queue.emplace_back(std::move(record));
}

void IntelligenceStore::flushSoon() {
    QMetaObject::invokeMethod(
        &d->worker, [this] { d->worker.flush(); }, Qt::QueuedConnection);
}

void IntelligenceStore::expireSoon() {
    QMetaObject::invokeMethod(
        &d->worker, [this] { d->worker.expire(); }, Qt::QueuedConnection);
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
    h.location = d->options.location.toString();
    const std::lock_guard lock(s.mutex);
    h.pending = s.queue.size() + s.inFlight;
    h.lastError = s.lastError;
    return h;
}

} // namespace ToolCapture
