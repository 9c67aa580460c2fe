#include <backend/config/proxy_config.h>

#include <QTest>

using namespace ToolCapture;
using namespace std::chrono_literals;

// The configuration's `store`: the string form (where) and the object form (where and the
// store's tuning: batch size, flush interval, memory bound in rows, patterns interval,
// retention), each value's range and the errors, located by their path.
class TestStoreConfig : public QObject {
    Q_OBJECT
private slots:
    void defaults();
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
};

namespace {

QByteArray withStore(const QByteArray &store) {
    return R"({"store": )" + store + R"(, "services": {"inv": {"match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}]}}})";
}

QStringList errorStrings(const ConfigLoadResult &result) {
    QStringList lines;
    for (const ConfigError &error : result.errors)
        lines << error.toString();
    return lines;
}

} // namespace

void TestStoreConfig::defaults() {
    const ConfigLoadResult result = parseProxyConfig(R"({"services": {"inv": {
        "match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}]}}})");
    QCOMPARE(errorStrings(result), QStringList());
    const StoreTuningConfig &t = result.config->storeTuning;
    QCOMPARE(result.config->store, QStringLiteral("sqlite"));
    QCOMPARE(t.batchSize, 2000);
    QCOMPARE(t.flushInterval, 100ms);
    QCOMPARE(t.memoryLimitRows, 200000);
    QCOMPARE(t.patternsInterval, 60000ms);
    // The source documents' retention: 90 days of events, a year of patterns.
    QCOMPARE(t.eventRetentionDays, 90);
    QCOMPARE(t.patternRetentionDays, 365);
}

void TestStoreConfig::valid_data() {
    QTest::addColumn<QByteArray>("store");
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("batchSize");
    QTest::addColumn<int>("flushMs");
    QTest::addColumn<int>("memoryRows");
    QTest::addColumn<int>("patternsMs");
    QTest::addColumn<int>("eventDays");
    QTest::addColumn<int>("patternDays");

    QTest::newRow("string form") << QByteArray(R"("sqlite:/tmp/i.sqlite")")
                                 << "sqlite:/tmp/i.sqlite" << 2000 << 100 << 200000 << 60000 << 90
                                 << 365;
    QTest::newRow("string form, postgresql")
        << QByteArray(R"("postgresql://tc@127.0.0.1:5433/intel")")
        << "postgresql://tc@127.0.0.1:5433/intel" << 2000 << 100 << 200000 << 60000 << 90 << 365;
    QTest::newRow("empty object: defaults")
        << QByteArray("{}") << "sqlite" << 2000 << 100 << 200000 << 60000 << 90 << 365;
    QTest::newRow("url only") << QByteArray(R"({"url": "postgresql://tc@127.0.0.1:5433/intel"})")
                              << "postgresql://tc@127.0.0.1:5433/intel" << 2000 << 100 << 200000
                              << 60000 << 90 << 365;
    QTest::newRow("everything")
        << QByteArray(R"({"url": "sqlite", "batch_size": 500, "flush_interval_ms": 250,
                          "memory_limit_rows": 1000000, "patterns_interval_ms": 30000,
                          "retention": {"events_days": 30, "patterns_days": 730}})")
        << "sqlite" << 500 << 250 << 1000000 << 30000 << 30 << 730;
    QTest::newRow("lower bounds")
        << QByteArray(R"({"batch_size": 1, "flush_interval_ms": 10, "memory_limit_rows": 1000,
                          "patterns_interval_ms": 1000,
                          "retention": {"events_days": 1, "patterns_days": 1}})")
        << "sqlite" << 1 << 10 << 1000 << 1000 << 1 << 1;
    QTest::newRow("upper bounds") << QByteArray(
                                         R"({"batch_size": 100000, "flush_interval_ms": 60000,
                          "memory_limit_rows": 100000000, "patterns_interval_ms": 86400000,
                          "retention": {"events_days": 36500, "patterns_days": 36500}})")
                                  << "sqlite" << 100000 << 60000 << 100000000 << 86400000 << 36500
                                  << 36500;
    QTest::newRow("retention of events only")
        << QByteArray(R"({"retention": {"events_days": 7}})") << "sqlite" << 2000 << 100 << 200000
        << 60000 << 7 << 365;
}

void TestStoreConfig::valid() {
    QFETCH(QByteArray, store);
    QFETCH(QString, url);
    QFETCH(int, batchSize);
    QFETCH(int, flushMs);
    QFETCH(int, memoryRows);
    QFETCH(int, patternsMs);
    QFETCH(int, eventDays);
    QFETCH(int, patternDays);
    const ConfigLoadResult result = parseProxyConfig(withStore(store));
    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const StoreTuningConfig &t = result.config->storeTuning;
    QCOMPARE(result.config->store, url);
    QCOMPARE(t.batchSize, batchSize);
    QCOMPARE(t.flushInterval, std::chrono::milliseconds(flushMs));
    QCOMPARE(t.memoryLimitRows, memoryRows);
    QCOMPARE(t.patternsInterval, std::chrono::milliseconds(patternsMs));
    QCOMPARE(t.eventRetentionDays, eventDays);
    QCOMPARE(t.patternRetentionDays, patternDays);
}

void TestStoreConfig::invalid_data() {
    QTest::addColumn<QByteArray>("store");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("a number") << QByteArray("5")
                              << QStringList{"store: expected a string (where the store is) or "
                                             "an object, got a number"};
    QTest::newRow("url unknown") << QByteArray(R"({"url": "mysql"})")
                                 << QStringList{"store.url: unknown store \"mysql\" (expected "
                                                "\"sqlite\", sqlite:PATH, an absolute file path or "
                                                "postgresql://USER[:PASSWORD]@HOST[:PORT]/"
                                                "DATABASE)"};
    // An empty string is not the default: more likely a variable that was never set.
    QTest::newRow("empty string")
        << QByteArray(R"("")")
        << QStringList{"store: empty; expected \"sqlite\", sqlite:PATH, an absolute file path "
                       "or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    QTest::newRow("empty url") << QByteArray(R"({"url": "  "})")
                               << QStringList{"store.url: empty; expected \"sqlite\", "
                                              "sqlite:PATH, an absolute file path or "
                                              "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    // Errors never repeat the URL's password (nor its query or fragment, which may hold one).
    QTest::newRow("postgresql URL with options")
        << QByteArray(R"("postgresql://tc:secretpw@127.0.0.1:5432/db?sslmode=require")")
        << QStringList{"store: not a postgresql URL: options (\"?...\") are not supported (a "
                       "\"?\" in a password is written %3F); expected "
                       "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"};
    QTest::newRow("postgresql URL with a bad port")
        << QByteArray(R"({"url": "postgresql://tc:secretpw@127.0.0.1:5x432/db"})")
        << QStringList{"store.url: not a postgresql URL: the port must be a number between 1 and "
                       "65535, got \"5x432\""};
    QTest::newRow("postgresql URL with a fragment")
        << QByteArray(R"("postgresql://tc:secretpw@127.0.0.1/db#main")")
        << QStringList{"store: not a postgresql URL: a fragment (\"#...\") is not allowed (a "
                       "\"#\" in a password is written %23)"};
    QTest::newRow("postgresql URL with a path")
        << QByteArray(R"("postgresql://tc:secretpw@127.0.0.1/x/y")")
        << QStringList{"store: not a postgresql URL: the path must be one database name, as in "
                       "\"/toolcapture\", got \"/x/y\""};
    QTest::newRow("url not a string")
        << QByteArray(R"({"url": 1})") << QStringList{"store.url: expected a string, got a number"};
    QTest::newRow("batch_size zero")
        << QByteArray(R"({"batch_size": 0})")
        << QStringList{"store.batch_size: must be a positive integer, got 0"};
    QTest::newRow("batch_size too large")
        << QByteArray(R"({"batch_size": 100001})")
        << QStringList{"store.batch_size: must be at most 100000, got 100001"};
    QTest::newRow("batch_size fractional")
        << QByteArray(R"({"batch_size": 2.5})")
        << QStringList{"store.batch_size: expected an integer, got 2.5"};
    QTest::newRow("flush_interval_ms too short")
        << QByteArray(R"({"flush_interval_ms": 5})")
        << QStringList{"store.flush_interval_ms: must be at least 10, got 5"};
    QTest::newRow("flush_interval_ms a string")
        << QByteArray(R"({"flush_interval_ms": "100"})")
        << QStringList{"store.flush_interval_ms: expected an integer, got a string"};
    QTest::newRow("memory_limit_rows too small")
        << QByteArray(R"({"memory_limit_rows": 10})")
        << QStringList{"store.memory_limit_rows: must be at least 1000, got 10"};
    QTest::newRow("memory_limit (no unit) is not a key")
        << QByteArray(R"({"memory_limit": 1000})")
        << QStringList{"store: unknown key \"memory_limit\" (expected one of: url, batch_size, "
                       "flush_interval_ms, memory_limit_rows, patterns_interval_ms, retention)"};
    QTest::newRow("patterns_interval_ms too short")
        << QByteArray(R"({"patterns_interval_ms": 999})")
        << QStringList{"store.patterns_interval_ms: must be at least 1000, got 999"};
    QTest::newRow("retention not an object")
        << QByteArray(R"({"retention": 90})")
        << QStringList{"store.retention: expected an object, got a number"};
    QTest::newRow("events_days zero")
        << QByteArray(R"({"retention": {"events_days": 0}})")
        << QStringList{"store.retention.events_days: must be a positive integer, got 0"};
    QTest::newRow("patterns_days beyond a century")
        << QByteArray(R"({"retention": {"patterns_days": 36501}})")
        << QStringList{"store.retention.patterns_days: must be at most 36500, got 36501"};
    QTest::newRow("retention unknown key")
        << QByteArray(R"({"retention": {"event_days": 30}})")
        << QStringList{"store.retention: unknown key \"event_days\" (did you mean "
                       "\"events_days\"?)"};
    QTest::newRow("several, each located")
        << QByteArray(R"({"batch_size": -1, "retention": {"events_days": "90"}})")
        << QStringList{"store.batch_size: must be a positive integer, got -1",
                       "store.retention.events_days: expected an integer, got a string"};
}

void TestStoreConfig::invalid() {
    QFETCH(QByteArray, store);
    QFETCH(QStringList, expected);
    const ConfigLoadResult result = parseProxyConfig(withStore(store));
    QCOMPARE(errorStrings(result), expected);
    QVERIFY(!result.config);
}

QTEST_GUILESS_MAIN(TestStoreConfig)
#include "tst_store_config.moc"
