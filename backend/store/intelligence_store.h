#pragma once

#include <backend/store/store_location.h>

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QObject;

namespace ToolCapture {

// One row of execution_intelligence: how one operation of a service went.
// Correlation ids that are not UUIDs (clients may send their own) are stored as the name-based
// UUID (version 5) of the id, as the schema's columns are UUIDs.
struct ExecutionRecord {
    QString executionId; // a UUID; made when empty
    QString correlationId;
    QString service;
    QString operation;
    int executionTimeMs = 0;
    bool success = true;
    QByteArray intelligenceJson = "{}";
    QDateTime createdAt; // UTC; now when invalid
};

// One row of communication_intelligence: one exchange between two services.
struct CommunicationRecord {
    QString communicationId;
    QString correlationId;
    QString sourceService;
    QString targetService;
    QByteArray requestJson = "{}";
    QByteArray responseJson = "{}";
    QByteArray performanceJson = "{}";
    QByteArray insightsJson = "{}";
    QDateTime createdAt;
};

// One row of intelligence_patterns, written whole (insert or replace by id).
struct PatternRecord {
    QString patternId;
    QString type;
    QByteArray dataJson = "{}";
    double confidence = 0;
    int frequency = 1;
    double successRate = 0;
    QDateTime firstSeen;
    QDateTime lastSeen;
};

// One row of optimization_recommendations: a recommendation as the API shows it (the R document
// of docs/intelligence-api.md), written whole: an upsert by id, so each change of its status is
// one write of the whole record. The id must be a UUID (PostgreSQL's column is one); one is
// made when empty. `expected_impact` and `evidence` are taken from the document.
struct RecommendationRecord {
    QString id;
    QString type; // cache_optimization, load_balancing, ...
    QString service;
    QString instance;  // empty: not about one instance
    QString operation; // empty: not about one operation
    QString title;
    QString priority; // high, medium, low
    double confidence = 0;
    QString status = QStringLiteral("open"); // open, applied, dismissed, reverted
    QByteArray documentJson = "{}";          // the whole R document
    QDateTime createdAt;                     // UTC; now when invalid
    QDateTime updatedAt;                     // UTC; now when invalid
    QDateTime appliedAt;                     // invalid: NULL
    QDateTime dismissedAt;
    QDateTime revertedAt;
    QString appliedBy;
    QByteArray effectJson; // empty: NULL (not applied yet)
};

// One row of service_ecosystem per service: its instances, health and dependencies as the
// engine's registry sees them, replaced at each write (an upsert by service name).
struct ServiceEcosystemRecord {
    QString service;
    QByteArray instancesJson = "[]";    // services_active: the instances and their state
    QByteArray capabilitiesJson = "{}"; // capability_matrix
    QByteArray dependenciesJson = "{}"; // dependency_graph
    QByteArray healthJson = "{}";       // performance_metrics: health and traffic numbers
    QDateTime snapshotAt;               // UTC; now when invalid
};

// The intelligence's store (the source documents' schema) on SQLite or PostgreSQL, through
// QtSql. Writes are queued by any thread and written by the store's own thread in batches, one
// transaction each, so nothing on the request path or in the analysis waits for a database. A
// database that cannot be reached (at start or later) is not an error: records wait in memory
// (bounded: past the limit the oldest are dropped and counted), a warning says so once, and
// they are written when it is back. The same bound holds while a database that is there writes
// more slowly than the records come. Migrations run at start; retention (90 days of events,
// a year of patterns, as the source documents say) runs on a timer.
class IntelligenceStore {
public:
    struct Options {
        StoreLocation location;
        std::chrono::milliseconds flushInterval{100};
        int batchSize = 2000; // rows per transaction at most
        // Rows waiting in memory at most, whether the database is away or slower than the
        // rows come; beyond, the oldest exchange rows are dropped and counted.
        int memoryLimit = 200000;
        std::chrono::milliseconds reconnectInterval{2000};
        std::chrono::hours eventRetention{24 * 90};
        std::chrono::hours patternRetention{24 * 365};
        std::chrono::milliseconds retentionInterval{3600 * 1000};
        // The wall clock retention measures against (UTC); tests move it.
        std::function<QDateTime()> now = [] { return QDateTime::currentDateTimeUtc(); };
    };

    struct Health {
        bool running = false;
        bool connected = false;
        int schemaVersion = 0;
        std::uint64_t pending = 0; // rows waiting to be written (or being written)
        std::uint64_t written = 0;
        std::uint64_t dropped = 0;  // lost: more than memoryLimit rows were waiting
        std::uint64_t rejected = 0; // refused by the database (a malformed row), logged
        std::uint64_t expired = 0;  // removed by retention
        // Connection attempts that failed (the first and each retry every reconnectInterval;
        // a failed migration counts too).
        std::uint64_t connectFailures = 0;
        QString lastError;
        QString location; // without password
    };

    explicit IntelligenceStore(Options options);
    ~IntelligenceStore(); // stops (a last flush, if the database is there)
    IntelligenceStore(const IntelligenceStore &) = delete;
    IntelligenceStore &operator=(const IntelligenceStore &) = delete;

    // Starts the store's thread, which then connects and migrates: start() never waits for
    // the database. False, with the reason, only when the Qt SQL driver is not installed.
    // A database that is unreachable, newer than this program or whose migration fails stays
    // disconnected (health().lastError says why, a warning is logged once) and is tried again
    // every reconnectInterval; records wait in memory meanwhile.
    bool start(QString *error = nullptr);
    // Blocks until the first connection attempt is over (tests, benchmarks, tools; never the
    // engine): true when connected, else false with the reason (or a timeout).
    bool waitForFirstAttempt(std::chrono::milliseconds timeout, QString *error = nullptr);
    void stop();

    // Thread-safe, never blocks on the database.
    void write(ExecutionRecord record);
    void write(CommunicationRecord record);
    void write(PatternRecord record);
    void write(RecommendationRecord record);
    void write(ServiceEcosystemRecord record);
    // A row the store's thread makes, just before writing it, for a caller that cannot afford
    // to make it on its own thread (the capture thread hands over event JSON, parsed here).
    // `make` runs on the store's thread; nullopt: nothing to write (counted as rejected).
    using MakeCommunication = std::function<std::optional<CommunicationRecord>()>;
    using MakeExecution = std::function<std::optional<ExecutionRecord>()>;
    void writeDeferred(MakeCommunication make);
    void writeDeferred(MakeExecution make);

    // Reads every recommendation, in creation order, on the store's thread (after writing what
    // is queued, so the latest writes are in it) and calls `done` in `context`'s thread (a
    // queued call; not at all when `context` is gone by then). `ok` false, with the reason in
    // `error`, when the database cannot be reached now: the caller may ask again later.
    using RecommendationsLoaded = std::function<void(
        bool ok, std::vector<RecommendationRecord> recommendations, QString error)>;
    void loadRecommendations(QObject *context, RecommendationsLoaded done);
    // Asks the store's thread to write what is queued now (and to retry a lost database at
    // once rather than at the next reconnect interval).
    void flushSoon();
    // Runs retention now (tests; the timer does it in production).
    void expireSoon();

    Health health() const;
    // The options it was made with (the configuration's store tuning, in the engine).
    const Options &options() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ToolCapture
