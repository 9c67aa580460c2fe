#include <backend/store/intelligence_store.h>
#include <backend/store/schema_migrations.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <atomic>
#include <cstdio>
#include <latch>
#include <memory>
#include <unistd.h>

using namespace ToolCapture;

namespace {

// Sends what this process writes to its stderr (file descriptor 2, where libpq prints notices
// past Qt's logging) into a file while it lives. Qt Test logs to stdout.
class StderrCapture {
public:
    StderrCapture() {
        if (!m_file.open())
            return;
        std::fflush(stderr);
        m_saved = ::dup(STDERR_FILENO);
        if (m_saved >= 0)
            ::dup2(m_file.handle(), STDERR_FILENO);
    }
    ~StderrCapture() { restore(); }
    bool isValid() const { return m_saved >= 0; }
    // Everything written meanwhile; stderr is itself again.
    QByteArray finish() {
        restore();
        m_file.seek(0);
        return m_file.readAll();
    }

private:
    void restore() {
        if (m_saved < 0)
            return;
        std::fflush(stderr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
        m_saved = -1;
    }
    QTemporaryFile m_file;
    int m_saved = -1;
};

// Counts the log messages (from any thread) that match a pattern while it lives; they still
// reach the test's log.
class MessageCounter {
public:
    explicit MessageCounter(const QRegularExpression &pattern) {
        s_pattern = pattern;
        s_count = 0;
        s_previous = qInstallMessageHandler(handler);
    }
    ~MessageCounter() { qInstallMessageHandler(s_previous); }
    int count() const { return s_count; }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &message) {
        if (s_pattern.match(message).hasMatch())
            ++s_count;
        s_previous(type, context, message);
    }
    static inline QRegularExpression s_pattern;
    static inline std::atomic<int> s_count{0};
    static inline QtMessageHandler s_previous = nullptr;
};

} // namespace

// The intelligence store against real databases: SQLite in a temporary directory and, when
// TOOLCAPTURE_PG_URL is set, a fresh PostgreSQL database per test.
class TestIntelligenceStore : public QObject {
    Q_OBJECT
private slots:
    void locationParsing_data();
    void locationParsing();
    void settingErrorsHideThePassword_data();
    void settingErrorsHideThePassword();
    void migratesFromEmpty_data() { backends(); }
    void migratesFromEmpty();
    void concurrentMigrationsApplyEachOnce_data();
    void concurrentMigrationsApplyEachOnce();
    void postgresqlWritesNothingToStderr();
    void migratesFromThePreviousVersion_data() { backends(); }
    void migratesFromThePreviousVersion();
    void refusesANewerDatabase_data() { backends(); }
    void refusesANewerDatabase();
    void writesEverythingInBatches_data() { backends(); }
    void writesEverythingInBatches();
    void clientCorrelationIdsBecomeStableUuids_data() { backends(); }
    void clientCorrelationIdsBecomeStableUuids();
    void retentionRemovesOldRows_data() { backends(); }
    void retentionRemovesOldRows();
    void retentionTimerDeletesOldRowsOnly_data() { backends(); }
    void retentionTimerDeletesOldRowsOnly();
    void aRefusedRowDoesNotTakeTheBatchWithIt_data() { backends(); }
    void aRefusedRowDoesNotTakeTheBatchWithIt();
    void aLockedSqliteFileLosesNothing();
    void unreachableDatabaseKeepsRecordsUntilItIsThere();
    void memoryIsBoundedWhileAway();
    void postgresqlStoppedMidRunLosesNothing();
    void startDoesNotWaitForTheDatabase();
    void recommendationsRoundTrip_data() { backends(); }
    void recommendationsRoundTrip();
    void migratesFromVersion2_data() { backends(); }
    void migratesFromVersion2();
    void ecosystemIsOneRowPerService_data() { backends(); }
    void ecosystemIsOneRowPerService();
    void loadingWhileAwaySaysSo();
    void memoryIsBoundedWhileTheDatabaseIsSlower();

private:
    void backends();
    // A location for this test: a new SQLite file or a new PostgreSQL database.
    std::optional<StoreLocation> freshLocation(const QString &backend);
    // A connection of the test's own to `location`.
    QSqlDatabase open(const StoreLocation &location);
    qint64 count(const StoreLocation &location, const QString &sql);

    QTemporaryDir m_dir;
    int m_databases = 0;
};

void TestIntelligenceStore::backends() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

std::optional<StoreLocation> TestIntelligenceStore::freshLocation(const QString &backend) {
    ++m_databases;
    if (backend == QLatin1String("sqlite")) {
        const QString dir = m_dir.filePath(QStringLiteral("store-%1").arg(m_databases));
        QDir().mkpath(dir);
        return StoreLocation::parse(dir + QStringLiteral("/intelligence.sqlite"));
    }
    const QString url = qEnvironmentVariable("TOOLCAPTURE_PG_URL");
    if (url.isEmpty())
        return std::nullopt;
    std::optional<StoreLocation> admin = StoreLocation::parse(url);
    if (!admin)
        return std::nullopt;
    const QString name =
        QStringLiteral("tc_store_%1_%2").arg(QCoreApplication::applicationPid()).arg(m_databases);
    {
        QSqlDatabase db = open(*admin);
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)))
            qWarning() << query.lastError().text();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    StoreLocation location = *admin;
    location.database = name;
    return location;
}

QSqlDatabase TestIntelligenceStore::open(const StoreLocation &location) {
    QSqlDatabase db = QSqlDatabase::contains(QStringLiteral("test"))
                          ? QSqlDatabase::database(QStringLiteral("test"), false)
                          : QSqlDatabase::addDatabase(location.driver(), QStringLiteral("test"));
    db.close();
    location.configure(db);
    db.open();
    return db;
}

qint64 TestIntelligenceStore::count(const StoreLocation &location, const QString &sql) {
    qint64 n = -1;
    {
        QSqlDatabase db = open(location);
        QSqlQuery query(db);
        if (query.exec(sql) && query.next())
            n = query.value(0).toLongLong();
        else
            qWarning() << sql << query.lastError().text();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    return n;
}

// Starts `store` and waits for its first connection (start() itself does not wait).
#define START_CONNECTED(store)                                                                     \
    do {                                                                                           \
        QString startError;                                                                        \
        QVERIFY2((store).start(&startError), qPrintable(startError));                              \
        QVERIFY2((store).waitForFirstAttempt(std::chrono::seconds(30), &startError),               \
                 qPrintable(startError));                                                          \
    } while (false)

#define FRESH_LOCATION(location)                                                                   \
    QFETCH(QString, backend);                                                                      \
    const std::optional<StoreLocation> location = freshLocation(backend);                          \
    if (!location)                                                                                 \
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL)");

void TestIntelligenceStore::locationParsing_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("shown"); // toString(), or part of the error
    // Errors never repeat a URL's user info, query or fragment: "secretpw" is in none of them.
    QTest::newRow("file") << QStringLiteral("/var/lib/tc/i.sqlite") << true
                          << QStringLiteral("sqlite:/var/lib/tc/i.sqlite");
    QTest::newRow("sqlite:") << QStringLiteral("sqlite:/tmp/x.db") << true
                             << QStringLiteral("sqlite:/tmp/x.db");
    QTest::newRow("postgresql, password hidden")
        << QStringLiteral("postgresql://tc:secret@127.0.0.1:5433/intel") << true
        << QStringLiteral("postgresql://tc@127.0.0.1:5433/intel");
    QTest::newRow("postgres://, default port")
        << QStringLiteral("postgres://tc@db.local/intel") << true
        << QStringLiteral("postgresql://tc@db.local:5432/intel");
    QTest::newRow("no user") << QStringLiteral("postgresql://127.0.0.1/intel") << false
                             << QStringLiteral("no user");
    QTest::newRow("IPv6 host") << QStringLiteral("postgresql://tc@[::1]:5433/intel") << true
                               << QStringLiteral("postgresql://tc@::1:5433/intel");
    QTest::newRow("escaped user and database")
        << QStringLiteral("postgresql://t%40c:p%23w%2F@db.local/in%20tel") << true
        << QStringLiteral("postgresql://t@c@db.local:5432/in tel");
    QTest::newRow("no database") << QStringLiteral("postgresql://tc:secretpw@127.0.0.1/") << false
                                 << QStringLiteral("not a postgresql URL: no database; expected "
                                                   "postgresql://USER[:PASSWORD]@HOST[:PORT]/"
                                                   "DATABASE");
    QTest::newRow("no path") << QStringLiteral("postgresql://tc:secretpw@127.0.0.1:5432") << false
                             << QStringLiteral("no database");
    QTest::newRow("two path segments")
        << QStringLiteral("postgresql://tc:secretpw@127.0.0.1/x/y") << false
        << QStringLiteral("the path must be one database name, as in \"/toolcapture\", got "
                          "\"/x/y\"");
    QTest::newRow("port not a number")
        << QStringLiteral("postgresql://tc:secretpw@127.0.0.1:54x32/db") << false
        << QStringLiteral("not a postgresql URL: the port must be a number between 1 and 65535, "
                          "got \"54x32\"");
    QTest::newRow("port too large") << QStringLiteral("postgresql://tc:secretpw@h:65536/db")
                                    << false << QStringLiteral("got \"65536\"");
    QTest::newRow("port zero") << QStringLiteral("postgresql://tc:secretpw@h:0/db") << false
                               << QStringLiteral("got \"0\"");
    QTest::newRow("options") << QStringLiteral("postgresql://tc:secretpw@h/db?sslmode=require")
                             << false << QStringLiteral("options (\"?...\") are not supported");
    QTest::newRow("password in the options")
        << QStringLiteral("postgresql://tc@h/db?password=secretpw") << false
        << QStringLiteral("not supported");
    QTest::newRow("fragment") << QStringLiteral("postgresql://tc:secretpw@h/db#secretpw") << false
                              << QStringLiteral("a fragment (\"#...\") is not allowed");
    QTest::newRow("unescaped # in the password") << QStringLiteral("postgresql://tc:se#cretpw@h/db")
                                                 << false << QStringLiteral("is written %23");
    QTest::newRow("unescaped / in the password") << QStringLiteral("postgresql://tc:se/cretpw@h/db")
                                                 << false << QStringLiteral("is written %2F");
    QTest::newRow("no user") << QStringLiteral("postgresql://:secretpw@h/db") << false
                             << QStringLiteral("no user");
    QTest::newRow("no host") << QStringLiteral("postgresql://tc:secretpw@:5432/db") << false
                             << QStringLiteral("no host");
    QTest::newRow("IPv6 without brackets") << QStringLiteral("postgresql://tc:secretpw@::1/db")
                                           << false << QStringLiteral("need brackets");
    QTest::newRow("space") << QStringLiteral("postgresql://tc:secret pw@h/db") << false
                           << QStringLiteral("white space");
    QTest::newRow("other scheme") << QStringLiteral("mysql://tc:secretpw@h/db") << false
                                  << QStringLiteral("unknown scheme \"mysql\"");
    QTest::newRow("sqlite: without a path")
        << QStringLiteral("sqlite:") << false << QStringLiteral("no file path after \"sqlite:\"");
    QTest::newRow("empty") << QStringLiteral("  ") << false << QStringLiteral("empty");
}

void TestIntelligenceStore::locationParsing() {
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(QString, shown);
    QString error;
    const std::optional<StoreLocation> location = StoreLocation::parse(text, &error);
    QVERIFY2(location.has_value() == valid, qPrintable(error));
    if (valid)
        QCOMPARE(location->toString(), shown);
    else
        QVERIFY2(error.contains(shown), qPrintable(error));
    for (const char *secret : {"secretpw", "cretpw", "secret pw"})
        QVERIFY2(!error.contains(QLatin1String(secret)), qPrintable(error));
}

void TestIntelligenceStore::settingErrorsHideThePassword_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << QString()
                           << QStringLiteral("empty; expected \"sqlite\", sqlite:PATH, an absolute "
                                             "file path or postgresql://USER[:PASSWORD]@HOST[:PORT]"
                                             "/DATABASE");
    QTest::newRow("blank") << QStringLiteral(" ") << QStringLiteral("empty; expected");
    QTest::newRow("a name") << QStringLiteral("intel")
                            << QStringLiteral("unknown store \"intel\" (expected");
    QTest::newRow("a URL without its scheme")
        << QStringLiteral("tc:secretpw@127.0.0.1:5432/db")
        << QStringLiteral("unknown store (expected \"sqlite\"");
    QTest::newRow("a URL") << QStringLiteral("postgresql://tc:secretpw@127.0.0.1:5432/db#x")
                           << QStringLiteral("a fragment");
}

void TestIntelligenceStore::settingErrorsHideThePassword() {
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString why;
    QVERIFY(!StoreLocation::fromSetting(text, &why));
    QVERIFY2(why.startsWith(error) || why.contains(error), qPrintable(why));
    QVERIFY2(!why.contains(QLatin1String("secretpw")), qPrintable(why));
}

void TestIntelligenceStore::concurrentMigrationsApplyEachOnce_data() {
    QTest::addColumn<int>("connections");
    QTest::newRow("2") << 2;
    QTest::newRow("8") << 8;
}

void TestIntelligenceStore::concurrentMigrationsApplyEachOnce() {
    // Proxies started together on a fresh database: each migrates it on its own connection.
    QFETCH(int, connections);
    const std::optional<StoreLocation> location = freshLocation(QStringLiteral("postgresql"));
    if (!location)
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL)");
    std::latch connected(connections);
    std::vector<QString> errors(static_cast<size_t>(connections));
    std::vector<std::unique_ptr<QThread>> threads;
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back(QThread::create([&, i] {
            const QString name = QStringLiteral("migrator-%1").arg(i);
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(location->driver(), name);
                location->configure(db);
                const bool open = db.open();
                // Every connection made before any migrates: they start together.
                connected.arrive_and_wait();
                QString why;
                if (!open)
                    errors[size_t(i)] = db.lastError().text();
                else if (!migrate(db, location->kind, intelligenceMigrations(), -1, &why))
                    errors[size_t(i)] = why;
            }
            QSqlDatabase::removeDatabase(name);
        }));
        threads.back()->start();
    }
    for (const auto &thread : threads)
        QVERIFY(thread->wait(QDeadlineTimer(60000)));
    for (int i = 0; i < connections; ++i)
        QVERIFY2(errors[size_t(i)].isEmpty(),
                 qPrintable(QStringLiteral("connection %1: %2").arg(i).arg(errors[size_t(i)])));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")),
             qint64(intelligenceMigrations().size()));
    QCOMPARE(count(*location, QStringLiteral("SELECT MAX(version) FROM schema_migrations")),
             qint64(intelligenceMigrations().back().version));
}

void TestIntelligenceStore::postgresqlWritesNothingToStderr() {
    // libpq prints the server's notices to stderr itself, past Qt's logging and --log-json.
    const std::optional<StoreLocation> location = freshLocation(QStringLiteral("postgresql"));
    if (!location)
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL)");
    {
        IntelligenceStore first({*location});
        START_CONNECTED(first); // creates the tables
        first.stop();
    }
    StderrCapture stderrCapture;
    QVERIFY(stderrCapture.isValid());
    {
        // A start on an existing database, a write, a stop.
        IntelligenceStore again({*location});
        START_CONNECTED(again);
        ExecutionRecord r;
        r.correlationId = QStringLiteral("x");
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        again.write(r);
        again.flushSoon();
        QTRY_COMPARE_WITH_TIMEOUT(again.health().written, std::uint64_t(1), 10000);
        again.stop();
    }
    const QByteArray written = stderrCapture.finish();
    QVERIFY2(written.isEmpty(), written.constData());
}

void TestIntelligenceStore::migratesFromEmpty() {
    FRESH_LOCATION(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    const IntelligenceStore::Health health = store.health();
    QVERIFY(health.connected);
    QCOMPARE(health.schemaVersion, intelligenceMigrations().back().version);
    store.stop();
    for (const char *table :
         {"intelligence_patterns", "execution_intelligence", "communication_intelligence",
          "service_ecosystem", "optimization_recommendations"})
        QCOMPARE(
            count(*location, QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))),
            qint64(0));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")),
             qint64(intelligenceMigrations().size()));
    // A new SQLite store has 16 KiB pages (fewer, larger writes per batch).
    if (location->kind == StoreLocation::Kind::Sqlite)
        QCOMPARE(count(*location, QStringLiteral("PRAGMA page_size")), qint64(16384));
    // Starting again applies nothing more.
    IntelligenceStore again({*location});
    START_CONNECTED(again);
    again.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")),
             qint64(intelligenceMigrations().size()));
}

void TestIntelligenceStore::migratesFromThePreviousVersion() {
    FRESH_LOCATION(location);
    {
        QSqlDatabase db = open(*location);
        QString error;
        QVERIFY2(migrate(db, location->kind, intelligenceMigrations(), 1, &error),
                 qPrintable(error));
        QCOMPARE(schemaVersion(db), 1);
        QSqlQuery query(db);
        QVERIFY2(query.exec(QStringLiteral(
                     "INSERT INTO optimization_recommendations (recommendation_id,"
                     " recommendation_type, target_service, recommendation_data, expected_impact,"
                     " confidence) VALUES ('5b0a3f0e-8d1c-4b8e-9b7a-2f0c4d1e6a11', 'cache',"
                     " 'inventory', '{\"miss_rate\":0.4}', '{\"latency\":-0.2}', 0.8)")),
                 qPrintable(query.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    QCOMPARE(store.health().schemaVersion, intelligenceMigrations().back().version);
    store.stop();
    // The row from version 1 is there, with the new column's default.
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM optimization_recommendations"
                                             " WHERE status = 'open' AND target_service = "
                                             "'inventory'")),
             qint64(1));
}

void TestIntelligenceStore::refusesANewerDatabase() {
    FRESH_LOCATION(location);
    {
        QSqlDatabase db = open(*location);
        QVERIFY(migrate(db, location->kind, intelligenceMigrations()));
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("INSERT INTO schema_migrations (version, name,"
                                          " applied_at) VALUES (99, 'from the future', 'x')")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    IntelligenceStore store({*location});
    QString error;
    QVERIFY(store.start(&error)); // refused on the store's thread, not by start()
    QVERIFY(!store.waitForFirstAttempt(std::chrono::seconds(30), &error));
    QVERIFY2(error.contains(QStringLiteral("newer than this program")), qPrintable(error));
    QVERIFY(!store.health().connected);
    QVERIFY(store.health().lastError.contains(QStringLiteral("newer than this program")));
    // Nothing is written into it: records wait in memory.
    ExecutionRecord r;
    r.correlationId = QStringLiteral("x");
    store.write(r);
    store.flushSoon();
    QCOMPARE(store.health().written, std::uint64_t(0));
    QCOMPARE(store.health().pending, std::uint64_t(1));
}

void TestIntelligenceStore::writesEverythingInBatches() {
    FRESH_LOCATION(location);
    IntelligenceStore::Options options{*location};
    options.batchSize = 700;
    IntelligenceStore store(options);
    START_CONNECTED(store);
    constexpr int kExecutions = 3000;
    constexpr int kCommunications = 500;
    for (int i = 0; i < kExecutions; ++i) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("inventory");
        r.operation = QStringLiteral("GET /items/{id}");
        r.executionTimeMs = i % 200;
        r.success = i % 10 != 0;
        r.intelligenceJson = R"({"attempts":1})";
        store.write(r);
    }
    for (int i = 0; i < kCommunications; ++i) {
        CommunicationRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.sourceService = QStringLiteral("web");
        r.targetService = QStringLiteral("inventory");
        r.performanceJson = R"({"total_ms":4.5})";
        store.write(r);
    }
    // The same pattern three times: one row, the last values, the first first_seen.
    const QString patternId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    for (int i = 1; i <= 3; ++i) {
        PatternRecord p;
        p.patternId = patternId;
        p.type = QStringLiteral("latency_anomaly");
        p.dataJson = R"({"operation":"GET /items/{id}"})";
        p.confidence = 0.5 + 0.1 * i;
        p.frequency = i;
        p.firstSeen = QDateTime(QDate(2026, 12, i), QTime(12, 0), Qt::UTC);
        p.lastSeen = p.firstSeen;
        store.write(p);
    }
    QTRY_COMPARE_WITH_TIMEOUT(store.health().pending, std::uint64_t(0), 30000);
    QCOMPARE(store.health().written, std::uint64_t(kExecutions + kCommunications + 3));
    QCOMPARE(store.health().rejected, std::uint64_t(0));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(kExecutions));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence"
                                             " WHERE NOT success")),
             qint64(kExecutions / 10));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM communication_intelligence")),
             qint64(kCommunications));
    // The ids the store made for rows without one are version 7 (time-ordered): the tables'
    // primary keys, appended to at the right edge of their indexes.
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence WHERE"
                                             " substr(CAST(execution_id AS TEXT), 15, 1) = '7'")),
             qint64(kExecutions));
    QCOMPARE(
        count(*location, QStringLiteral("SELECT COUNT(*) FROM communication_intelligence WHERE"
                                        " substr(CAST(communication_id AS TEXT), 15, 1) = '7'")),
        qint64(kCommunications));
    QCOMPARE(
        count(*location,
              QStringLiteral("SELECT frequency FROM intelligence_patterns WHERE pattern_id = '%1'")
                  .arg(patternId)),
        qint64(3));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM intelligence_patterns WHERE"
                                             " first_seen < '2026-12-02' AND last_seen > "
                                             "'2026-12-02'")),
             qint64(1));
}

void TestIntelligenceStore::clientCorrelationIdsBecomeStableUuids() {
    FRESH_LOCATION(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    for (int i = 0; i < 2; ++i) {
        ExecutionRecord r;
        r.correlationId = QStringLiteral("checkout-run:42.a");
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        store.write(r);
    }
    QTRY_COMPARE(store.health().written, std::uint64_t(2));
    store.stop();
    QCOMPARE(
        count(*location,
              QStringLiteral("SELECT COUNT(DISTINCT correlation_id) FROM execution_intelligence")),
        qint64(1));
}

void TestIntelligenceStore::retentionRemovesOldRows() {
    FRESH_LOCATION(location);
    static std::atomic<qint64> nowMs;
    const QDateTime start(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC);
    nowMs = start.toMSecsSinceEpoch();
    IntelligenceStore::Options options{*location};
    options.now = [] { return QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC); };
    IntelligenceStore store(options);
    START_CONNECTED(store);
    for (int daysAgo : {100, 91, 89, 1}) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        r.createdAt = start.addDays(-daysAgo);
        store.write(r);
        CommunicationRecord c;
        c.correlationId = r.correlationId;
        c.createdAt = r.createdAt;
        store.write(c);
    }
    for (int daysAgo : {400, 300}) {
        PatternRecord p;
        p.type = QStringLiteral("t");
        p.confidence = 0.5;
        p.firstSeen = p.lastSeen = start.addDays(-daysAgo);
        store.write(p);
    }
    QTRY_COMPARE(store.health().written, std::uint64_t(10));
    store.expireSoon();
    QTRY_COMPARE(store.health().expired, std::uint64_t(2 + 2 + 1));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(2));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM communication_intelligence")),
             qint64(2));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM intelligence_patterns")),
             qint64(1));
}

void TestIntelligenceStore::retentionTimerDeletesOldRowsOnly() {
    // The timer, not expireSoon(), on a manual clock: what is older than the retention goes
    // when the clock moves past it, nothing before.
    FRESH_LOCATION(location);
    static std::atomic<qint64> nowMs;
    const QDateTime start(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC);
    nowMs = start.toMSecsSinceEpoch();
    IntelligenceStore::Options options{*location};
    options.now = [] { return QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC); };
    options.retentionInterval = std::chrono::milliseconds(20);
    IntelligenceStore store(options);
    START_CONNECTED(store);
    for (int daysAgo : {80, 10}) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        r.createdAt = start.addDays(-daysAgo);
        store.write(r);
    }
    PatternRecord p;
    p.type = QStringLiteral("t");
    p.confidence = 0.5;
    p.firstSeen = p.lastSeen = start.addDays(-200);
    store.write(p);
    QTRY_COMPARE(store.health().written, std::uint64_t(3));
    // Eleven days later the 80-day-old execution is past 90 days; the 10-day-old one and the
    // pattern (211 days) stay, whatever the ticks after.
    nowMs = start.addDays(11).toMSecsSinceEpoch();
    QTRY_COMPARE(store.health().expired, std::uint64_t(1));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(1));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM intelligence_patterns")),
             qint64(1));
    QCOMPARE(store.health().expired, std::uint64_t(1));
    // Half a year more: the pattern is past a year, the other execution past 90 days.
    nowMs = start.addDays(200).toMSecsSinceEpoch();
    QTRY_COMPARE(store.health().expired, std::uint64_t(3));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(0));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM intelligence_patterns")),
             qint64(0));
}

void TestIntelligenceStore::aRefusedRowDoesNotTakeTheBatchWithIt() {
    FRESH_LOCATION(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    for (int i = 0; i < 20; ++i) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        r.intelligenceJson = i == 7 ? QByteArray("{not json") : QByteArray("{}");
        store.write(r);
    }
    QTRY_COMPARE(store.health().pending, std::uint64_t(0));
    QCOMPARE(store.health().rejected, std::uint64_t(1));
    QCOMPARE(store.health().written, std::uint64_t(19));
    QVERIFY(store.health().connected);
    QVERIFY(!store.health().lastError.isEmpty());
}

void TestIntelligenceStore::aLockedSqliteFileLosesNothing() {
    // Another process (here: the test's own connection) holds the file's write lock longer
    // than the store's busy timeout: its rows wait, none is counted as refused.
    const std::optional<StoreLocation> location = freshLocation(QStringLiteral("sqlite"));
    QVERIFY(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    QSqlDatabase db = open(*location);
    QSqlQuery lock(db);
    QVERIFY2(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")), qPrintable(lock.lastError().text()));
    for (int i = 0; i < 50; ++i) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        store.write(r);
    }
    QTRY_VERIFY_WITH_TIMEOUT(store.health().lastError.contains(QLatin1String("locked")), 20000);
    QCOMPARE(store.health().written, std::uint64_t(0));
    QCOMPARE(store.health().rejected, std::uint64_t(0));
    QCOMPARE(store.health().pending, std::uint64_t(50));
    QVERIFY(lock.exec(QStringLiteral("COMMIT")));
    QTRY_COMPARE_WITH_TIMEOUT(store.health().written, std::uint64_t(50), 20000);
    QCOMPARE(store.health().rejected, std::uint64_t(0));
    QCOMPARE(store.health().dropped, std::uint64_t(0));
    store.stop();
    lock = QSqlQuery();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(50));
}

void TestIntelligenceStore::unreachableDatabaseKeepsRecordsUntilItIsThere() {
    const QString url = qEnvironmentVariable("TOOLCAPTURE_PG_URL");
    if (url.isEmpty())
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL)");
    // A database that does not exist yet is unreachable until it is created: as a server that
    // comes back.
    StoreLocation location = *StoreLocation::parse(url);
    const QString name = QStringLiteral("tc_store_late_%1").arg(QCoreApplication::applicationPid());
    location.database = name;
    IntelligenceStore::Options options{location};
    options.reconnectInterval = std::chrono::milliseconds(100);
    IntelligenceStore store(options);
    QString error;
    QVERIFY2(store.start(&error), qPrintable(error)); // not an error: it waits
    QVERIFY(!store.waitForFirstAttempt(std::chrono::seconds(30)));
    QVERIFY(!store.health().connected);
    QVERIFY(!store.health().lastError.isEmpty());
    for (int i = 0; i < 500; ++i) {
        ExecutionRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        store.write(r);
    }
    store.flushSoon();
    QCOMPARE(store.health().written, std::uint64_t(0));
    {
        QSqlDatabase db = open(*StoreLocation::parse(url));
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    QTRY_VERIFY_WITH_TIMEOUT(store.health().connected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(store.health().written, std::uint64_t(500), 10000);
    QCOMPARE(store.health().dropped, std::uint64_t(0));
    store.stop();
    QCOMPARE(count(location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(500));
}

void TestIntelligenceStore::memoryIsBoundedWhileAway() {
    // PostgreSQL on a port where nothing listens: always away.
    IntelligenceStore::Options options{
        *StoreLocation::parse(QStringLiteral("postgresql://nobody@127.0.0.1:1/none"))};
    options.memoryLimit = 100;
    options.reconnectInterval = std::chrono::milliseconds(50);
    IntelligenceStore store(options);
    QVERIFY(store.start());
    for (int i = 0; i < 250; ++i) {
        ExecutionRecord r;
        r.correlationId = QString::number(i);
        store.write(r);
    }
    store.flushSoon();
    QTRY_COMPARE(store.health().pending, std::uint64_t(100));
    QCOMPARE(store.health().dropped, std::uint64_t(150));
    QVERIFY(!store.health().connected);
    QVERIFY(store.health().running);
}

void TestIntelligenceStore::postgresqlStoppedMidRunLosesNothing() {
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_PG_DIR");
    std::optional<StoreLocation> location = freshLocation(QStringLiteral("postgresql"));
    if (!location || dir.isEmpty())
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL, _DIR)");
    const auto server = [&dir](const char *what) {
        return QProcess::execute(
            QStringLiteral(TOOLCAPTURE_SOURCE_DIR "/scripts/start-postgres.sh"),
            {QString::fromLatin1(what), dir});
    };
    // Qt's PostgreSQL driver warns (category "default") for each prepared statement that it
    // fails to free on a lost connection, and for each transaction asked of a closed one.
    const MessageCounter qtWarnings(
        QRegularExpression(QStringLiteral("Unable to free statement|Database not open")));
    IntelligenceStore::Options options{*location};
    options.reconnectInterval = std::chrono::milliseconds(100);
    IntelligenceStore store(options);
    START_CONNECTED(store);
    const auto writeSome = [&store](int n) {
        for (int i = 0; i < n; ++i) {
            ExecutionRecord r;
            r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            r.service = QStringLiteral("svc");
            r.operation = QStringLiteral("GET /");
            store.write(r);
        }
    };
    writeSome(300);
    QTRY_COMPARE_WITH_TIMEOUT(store.health().written, std::uint64_t(300), 10000);

    QCOMPARE(server("--halt"), 0);
    const auto resume = qScopeGuard([&] { server("--resume"); });
    writeSome(400);
    store.flushSoon();
    QTRY_VERIFY_WITH_TIMEOUT(!store.health().connected, 10000);
    QCOMPARE(store.health().written, std::uint64_t(300));
    QVERIFY(store.health().pending > 0);

    QCOMPARE(server("--resume"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(store.health().written, std::uint64_t(700), 20000);
    QVERIFY(store.health().connected);
    QCOMPARE(store.health().dropped, std::uint64_t(0));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")),
             qint64(700));
    QCOMPARE(qtWarnings.count(), 0);
}

void TestIntelligenceStore::startDoesNotWaitForTheDatabase() {
    // A "server" that accepts connections (the kernel does, from the listen backlog) and never
    // answers: the first connection attempt lasts until libpq's connect timeout.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    IntelligenceStore::Options options{*StoreLocation::parse(
        QStringLiteral("postgresql://nobody@127.0.0.1:%1/none").arg(silent.serverPort()))};
    IntelligenceStore store(options);
    QString error;
    QVERIFY2(store.start(&error), qPrintable(error));
    // start() returned while the attempt is still going on: it did not wait for it.
    QVERIFY(!store.waitForFirstAttempt(std::chrono::milliseconds(0), &error));
    QVERIFY2(error.contains(QStringLiteral("no connection attempt finished")), qPrintable(error));
    QVERIFY(store.health().running);
    QVERIFY(!store.health().connected);
    // Writes are taken meanwhile.
    ExecutionRecord r;
    r.correlationId = QStringLiteral("waiting");
    store.write(r);
    QCOMPARE(store.health().pending, std::uint64_t(1));
    // The attempt ends (the connect timeout) as unreachable, with the reason.
    QVERIFY(!store.waitForFirstAttempt(std::chrono::seconds(30), &error));
    QVERIFY2(!error.isEmpty() && !error.contains(QStringLiteral("no connection attempt")),
             qPrintable(error));
    QVERIFY(!store.health().connected);
    QCOMPARE(store.health().pending, std::uint64_t(1));
}

namespace {

RecommendationRecord recommendation(const QString &id, const QString &title) {
    RecommendationRecord r;
    r.id = id;
    r.type = QStringLiteral("cache_optimization");
    r.service = QStringLiteral("inventory");
    r.instance = QStringLiteral("inventory-2");
    r.operation = QStringLiteral("GET /items/{id}");
    r.title = title;
    r.priority = QStringLiteral("high");
    r.confidence = 0.85;
    r.documentJson =
        QJsonDocument(QJsonObject{
                          {QStringLiteral("id"), id},
                          {QStringLiteral("title"), title},
                          {QStringLiteral("expected_impact"),
                           QJsonObject{{QStringLiteral("latency_ms"), -40}}},
                          {QStringLiteral("evidence"), QJsonArray{QStringLiteral("miss rate 0.4")}},
                      })
            .toJson(QJsonDocument::Compact);
    r.createdAt = QDateTime(QDate(2026, 12, 1), QTime(10, 0, 0, 250), Qt::UTC);
    r.updatedAt = r.createdAt;
    return r;
}

QJsonObject jsonObject(const QByteArray &text) {
    return QJsonDocument::fromJson(text).object();
}

} // namespace

// Waits for a loadRecommendations() answer; the test context's thread delivers it.
#define LOAD_RECOMMENDATIONS(store, ok, list, error)                                               \
    bool ok = false;                                                                               \
    std::vector<RecommendationRecord> list;                                                        \
    QString error;                                                                                 \
    {                                                                                              \
        bool answered = false;                                                                     \
        (store).loadRecommendations(this,                                                          \
                                    [&](bool o, std::vector<RecommendationRecord> l, QString e) {  \
                                        answered = true;                                           \
                                        ok = o;                                                    \
                                        list = std::move(l);                                       \
                                        error = e;                                                 \
                                    });                                                            \
        QTRY_VERIFY_WITH_TIMEOUT(answered, 30000);                                                 \
    }

void TestIntelligenceStore::recommendationsRoundTrip() {
    FRESH_LOCATION(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    const QString first = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString second = QUuid::createUuid().toString(QUuid::WithoutBraces);
    store.write(recommendation(first, QStringLiteral("Cache GET /items/{id}")));
    RecommendationRecord other = recommendation(second, QStringLiteral("Shift load"));
    other.type = QStringLiteral("load_balancing");
    other.instance.clear();
    other.operation.clear();
    other.priority = QStringLiteral("medium");
    other.createdAt = other.createdAt.addSecs(60);
    other.updatedAt = other.createdAt;
    store.write(other);
    // The first one applied: the whole record again, its created_at changed by mistake (the
    // first write's stays).
    RecommendationRecord applied = recommendation(first, QStringLiteral("Cache GET /items/{id}"));
    applied.status = QStringLiteral("applied");
    applied.createdAt = applied.createdAt.addDays(5);
    applied.updatedAt = QDateTime(QDate(2026, 12, 2), QTime(8, 30), Qt::UTC);
    applied.appliedAt = applied.updatedAt;
    applied.appliedBy = QStringLiteral("console");
    applied.effectJson = R"({"score":0.5,"latency_ms":-35})";
    store.write(applied);

    LOAD_RECOMMENDATIONS(store, ok, loaded, error);
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(loaded.size(), size_t(2));
    const RecommendationRecord &a = loaded[0];
    QCOMPARE(a.id, first);
    QCOMPARE(a.type, QStringLiteral("cache_optimization"));
    QCOMPARE(a.service, QStringLiteral("inventory"));
    QCOMPARE(a.instance, QStringLiteral("inventory-2"));
    QCOMPARE(a.operation, QStringLiteral("GET /items/{id}"));
    QCOMPARE(a.title, QStringLiteral("Cache GET /items/{id}"));
    QCOMPARE(a.priority, QStringLiteral("high"));
    QCOMPARE(a.confidence, 0.85);
    QCOMPARE(a.status, QStringLiteral("applied"));
    QCOMPARE(a.createdAt, QDateTime(QDate(2026, 12, 1), QTime(10, 0, 0, 250), Qt::UTC));
    QCOMPARE(a.updatedAt, applied.updatedAt);
    QCOMPARE(a.appliedAt, applied.appliedAt);
    QVERIFY(!a.dismissedAt.isValid());
    QVERIFY(!a.revertedAt.isValid());
    QCOMPARE(a.appliedBy, QStringLiteral("console"));
    // PostgreSQL's JSONB keeps the value, not the text.
    QCOMPARE(jsonObject(a.effectJson), jsonObject(applied.effectJson));
    QCOMPARE(jsonObject(a.documentJson), jsonObject(applied.documentJson));
    const RecommendationRecord &b = loaded[1];
    QCOMPARE(b.id, second);
    QCOMPARE(b.type, QStringLiteral("load_balancing"));
    QVERIFY(b.instance.isEmpty());
    QVERIFY(b.operation.isEmpty());
    QCOMPARE(b.status, QStringLiteral("open"));
    QVERIFY(b.effectJson.isEmpty()); // NULL: not applied
    QVERIFY(!b.appliedAt.isValid());
    store.stop();
    // The columns taken from the document, and one row per id.
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM optimization_recommendations")),
             qint64(2));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM optimization_recommendations"
                                             " WHERE applied AND effectiveness_score = 0.5"
                                             " AND expected_impact IS NOT NULL"
                                             " AND evidence IS NOT NULL")),
             qint64(1));
}

void TestIntelligenceStore::migratesFromVersion2() {
    FRESH_LOCATION(location);
    const QString old = QStringLiteral("5b0a3f0e-8d1c-4b8e-9b7a-2f0c4d1e6a22");
    {
        QSqlDatabase db = open(*location);
        QString error;
        QVERIFY2(migrate(db, location->kind, intelligenceMigrations(), 2, &error),
                 qPrintable(error));
        QCOMPARE(schemaVersion(db), 2);
        QSqlQuery query(db);
        QVERIFY2(
            query.exec(
                QStringLiteral(
                    "INSERT INTO optimization_recommendations (recommendation_id,"
                    " recommendation_type, target_service, recommendation_data, expected_impact,"
                    " confidence, status, created_at) VALUES ('%1', 'cache_optimization',"
                    " 'inventory', '{\"id\":\"%1\"}', '{}', 0.7, 'dismissed',"
                    " '2026-11-30T09:00:00.000Z')")
                    .arg(old)),
            qPrintable(query.lastError().text()));
        QVERIFY2(query.exec(QStringLiteral(
                     "INSERT INTO service_ecosystem (ecosystem_id, services_active,"
                     " capability_matrix, dependency_graph, performance_metrics) VALUES"
                     " ('5b0a3f0e-8d1c-4b8e-9b7a-2f0c4d1e6a33', '[]', '{}', '{}', '{}')")),
                 qPrintable(query.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test"));
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    QCOMPARE(store.health().schemaVersion, 3);
    // The version 2 row reads back, with what it did not have empty.
    LOAD_RECOMMENDATIONS(store, ok, loaded, error);
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(loaded.size(), size_t(1));
    QCOMPARE(loaded[0].id, old);
    QCOMPARE(loaded[0].status, QStringLiteral("dismissed"));
    QCOMPARE(loaded[0].service, QStringLiteral("inventory"));
    QVERIFY(loaded[0].title.isEmpty());
    QVERIFY(loaded[0].instance.isEmpty());
    QVERIFY(!loaded[0].updatedAt.isValid());
    // New writes go in beside the old rows: the old ecosystem row (no service) stays.
    ServiceEcosystemRecord e;
    e.service = QStringLiteral("inventory");
    store.write(e);
    RecommendationRecord again = recommendation(old, QStringLiteral("Cache again"));
    store.write(again);
    QTRY_COMPARE(store.health().written, std::uint64_t(2));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM service_ecosystem")), qint64(2));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM optimization_recommendations"
                                             " WHERE title = 'Cache again' AND status = 'open'")),
             qint64(1));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")), qint64(3));
}

void TestIntelligenceStore::ecosystemIsOneRowPerService() {
    FRESH_LOCATION(location);
    IntelligenceStore store({*location});
    START_CONNECTED(store);
    for (int i = 1; i <= 3; ++i) {
        for (const QString &service : {QStringLiteral("inventory"), QStringLiteral("web")}) {
            if (service == QLatin1String("web") && i == 3)
                continue;
            ServiceEcosystemRecord e;
            e.service = service;
            e.instancesJson =
                QStringLiteral(R"([{"id":"%1-1","state":"up"}])").arg(service).toUtf8();
            e.healthJson = QStringLiteral(R"({"round":%1})").arg(i).toUtf8();
            e.snapshotAt = QDateTime(QDate(2026, 12, 1), QTime(12, i), Qt::UTC);
            store.write(e);
        }
    }
    QTRY_COMPARE(store.health().written, std::uint64_t(5));
    store.stop();
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM service_ecosystem")), qint64(2));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(DISTINCT ecosystem_id)"
                                             " FROM service_ecosystem")),
             qint64(2));
    // The last write of each service is what is there.
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM service_ecosystem WHERE"
                                             " service_name = 'inventory' AND"
                                             " snapshot_timestamp > '2026-12-01T12:02:30'")),
             qint64(1));
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM service_ecosystem WHERE"
                                             " service_name = 'web' AND snapshot_timestamp >"
                                             " '2026-12-01T12:01:30' AND snapshot_timestamp <"
                                             " '2026-12-01T12:02:30'")),
             qint64(1));
}

void TestIntelligenceStore::loadingWhileAwaySaysSo() {
    // PostgreSQL on a port where nothing listens.
    IntelligenceStore::Options options{
        *StoreLocation::parse(QStringLiteral("postgresql://nobody@127.0.0.1:1/none"))};
    options.reconnectInterval = std::chrono::milliseconds(50);
    IntelligenceStore store(options);
    QVERIFY(store.start());
    store.write(recommendation(QUuid::createUuid().toString(QUuid::WithoutBraces),
                               QStringLiteral("waits")));
    // A caller gone before the answer is not called; the answers come in the order asked.
    bool goneCalled = false;
    {
        QObject gone;
        store.loadRecommendations(&gone, [&goneCalled](bool, std::vector<RecommendationRecord>,
                                                       QString) { goneCalled = true; });
    }
    LOAD_RECOMMENDATIONS(store, ok, loaded, error);
    QVERIFY(!ok);
    QVERIFY(loaded.empty());
    QVERIFY2(error.contains(QStringLiteral("unreachable")), qPrintable(error));
    QVERIFY(!goneCalled);
    // The record still waits for the database.
    QCOMPARE(store.health().pending, std::uint64_t(1));
}

// The bound holds while the database is there too, when it takes rows more slowly than they
// come (here: not at all until the recommendations are read, which flushes). Exchange rows go
// first: a recommendation's row, one write of state, stays.
void TestIntelligenceStore::memoryIsBoundedWhileTheDatabaseIsSlower() {
    const std::optional<StoreLocation> location = freshLocation(QStringLiteral("sqlite"));
    QVERIFY(location);
    IntelligenceStore::Options options{*location};
    options.memoryLimit = 100;
    options.flushInterval = std::chrono::hours(1);
    IntelligenceStore store(options);
    START_CONNECTED(store);
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    store.write(recommendation(id, QStringLiteral("Cache GET /items/{id}")));
    for (int i = 0; i < 250; ++i) {
        ExecutionRecord r;
        r.correlationId = QString::number(i);
        r.service = QStringLiteral("svc");
        r.operation = QStringLiteral("GET /");
        store.write(r);
    }
    QCOMPARE(store.health().pending, std::uint64_t(100));
    QCOMPARE(store.health().dropped, std::uint64_t(151));
    QVERIFY(store.health().connected);

    LOAD_RECOMMENDATIONS(store, ok, loaded, error);
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(loaded.size(), size_t(1));
    QCOMPARE(loaded[0].id, id);
    QTRY_COMPARE(store.health().written, std::uint64_t(100));
    // The recommendation and 99 exchange rows were kept.
    QCOMPARE(count(*location, QStringLiteral("SELECT COUNT(*) FROM execution_intelligence")), 99);
}

QTEST_GUILESS_MAIN(TestIntelligenceStore)
#include "tst_intelligence_store.moc"
