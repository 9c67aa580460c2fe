#include <backend/analysis/analyser_host.h>
#include <backend/engine/engine.h>
#include <backend/engine/store_host.h>
#include <backend/events/proxy_events.h>
#include <backend/intelligence/event_analyser.h>
#include <backend/store/intelligence_store.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>
#include <set>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 30000;
} // namespace

// A real Engine with its intelligence store: on a PostgreSQL database of its own when
// TOOLCAPTURE_PG_URL is set (scripts/start-postgres.sh -- ctest ...), else on SQLite in a
// temporary directory. Exchanges through the proxy become communication_intelligence rows, the
// registry service_ecosystem rows; /health and /metrics show the store; a PostgreSQL stopped
// mid-run and started again loses no row.
class TestEngineStore : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void exchangesBecomeCommunicationRows();
    void patternsBecomePatternRows();
    void theConfiguredTuningReachesTheStore();
    void servicesBecomeEcosystemRows();
    void healthAndMetricsShowTheStore();
    void postgresqlStoppedMidRunLosesNothing();
    void executionEventsBecomeExecutionRows();
    void communicationRowFromEvents();
    void patternsLearnedSinceTheLastWriteAreWrittenAtStop(); // last: stops the engine

private:
    QByteArray send(const QByteArray &path);
    std::optional<RawHttpResponse> admin(const QByteArray &target);
    QJsonObject healthStore();
    qint64 count(const QString &sql);
    QString text(const QString &sql);

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_echo;
    std::unique_ptr<Engine> m_engine;
    ProxyConfig m_config; // m_engine's
    StoreLocation m_location;
    bool m_postgresql = false;
    std::set<QByteArray> m_sent; // correlation ids of exchanges sent
};

void TestEngineStore::initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString url = qEnvironmentVariable("TOOLCAPTURE_PG_URL");
    QString storeSetting;
    if (!url.isEmpty()) {
        m_postgresql = true;
        std::optional<StoreLocation> admin = StoreLocation::parse(url);
        QVERIFY(admin);
        const QString name =
            QStringLiteral("tc_engine_store_%1").arg(QCoreApplication::applicationPid());
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(admin->driver(), QStringLiteral("create"));
            admin->configure(db);
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery query(db);
            QVERIFY2(query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)),
                     qPrintable(query.lastError().text()));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("create"));
        m_location = *admin;
        m_location.database = name;
        storeSetting = m_location.toString();
    } else {
        storeSetting = QStringLiteral("sqlite:%1/intelligence.sqlite").arg(m_dir.path());
        m_location = *StoreLocation::parse(storeSetting);
    }

    m_echo = std::make_unique<TestUpstream>();
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 2;
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    config.store = storeSetting;
    // The analyser's patterns written often, so that the test sees several upserts.
    config.storeTuning.patternsInterval = std::chrono::milliseconds(300);
    config.storeTuning.batchSize = 500;
    config.storeTuning.flushInterval = std::chrono::milliseconds(50);
    config.storeTuning.memoryLimitRows = 50000;
    config.storeTuning.eventRetentionDays = 30;
    config.storeTuning.patternRetentionDays = 400;
    ServiceConfig service;
    service.name = QStringLiteral("echo");
    service.match.pathPrefix = "/echo/";
    service.health.enabled = false;
    InstanceConfig instance;
    instance.id = QStringLiteral("echo-1");
    instance.host = QStringLiteral("127.0.0.1");
    instance.port = m_echo->port();
    instance.url = QString::fromLatin1(m_echo->url());
    service.instances.push_back(instance);
    config.services.push_back(service);
    m_config = config;
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->store());
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->health().connected, kTimeoutMs);
}

void TestEngineStore::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

QByteArray TestEngineStore::send(const QByteArray &path) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->proxyPort()))
        return {};
    const std::optional<RawHttpResponse> response =
        client.exchange("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
    if (!response || response->status != 200)
        return {};
    const QByteArray id = response->header("x-correlation-id");
    m_sent.insert(id);
    return id;
}

std::optional<RawHttpResponse> TestEngineStore::admin(const QByteArray &target) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
}

QJsonObject TestEngineStore::healthStore() {
    const std::optional<RawHttpResponse> response = admin("/health");
    if (!response)
        return {};
    return QJsonDocument::fromJson(response->body)
        .object()
        .value(QLatin1String("store"))
        .toObject();
}

qint64 TestEngineStore::count(const QString &sql) {
    qint64 n = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(m_location.driver(), QStringLiteral("count"));
        m_location.configure(db);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                n = query.value(0).toLongLong();
            else
                qWarning() << sql << query.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("count"));
    return n;
}

QString TestEngineStore::text(const QString &sql) {
    QString value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(m_location.driver(), QStringLiteral("text"));
        m_location.configure(db);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                value = query.value(0).toString();
            else
                qWarning() << sql << query.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("text"));
    return value;
}

void TestEngineStore::exchangesBecomeCommunicationRows() {
    QByteArray last;
    for (int i = 0; i < 30; ++i) {
        last = send("/echo/items/" + QByteArray::number(i));
        QVERIFY(!last.isEmpty());
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence")), qint64(30),
        kTimeoutMs);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence"
                                  " WHERE target_service = 'echo' AND source_service IS NULL")),
             qint64(30));
    // The proxy's correlation ids are UUIDs: kept as they are. The exchange's request and its
    // response event's part are in the row.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence WHERE "
                                  "correlation_id = '%1'")
                       .arg(QString::fromLatin1(last))),
             qint64(1));
    const QString jsonField = m_postgresql ? QStringLiteral("request_data->>'path'")
                                           : QStringLiteral("json_extract(request_data, '$.path')");
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence WHERE %1 = "
                                  "'/echo/items/29'")
                       .arg(jsonField)),
             qint64(1));
    const QString routing = m_postgresql
                                ? QStringLiteral("response_data->'routing'->>'chosen'")
                                : QStringLiteral("json_extract(response_data, '$.routing.chosen')");
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence WHERE %1 = "
                                  "'echo-1'")
                       .arg(routing)),
             qint64(30));
}

void TestEngineStore::patternsBecomePatternRows() {
    // The 30 exchanges of GET /echo/items/{n} above are one operation to the analyser: one
    // latency_profile pattern, upserted every 300 ms (one row, whatever the number of writes).
    const QString field = m_postgresql ? QStringLiteral("pattern_data->>'%1'")
                                       : QStringLiteral("json_extract(pattern_data, '$.%1')");
    const QString echo = QStringLiteral("FROM intelligence_patterns WHERE"
                                        " pattern_type = 'latency_profile' AND %1 = 'echo'")
                             .arg(field.arg(QStringLiteral("service")));
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) %1 AND frequency >= 30").arg(echo)), qint64(1),
        kTimeoutMs);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) %1").arg(echo)), qint64(1));
    const QString id = text(QStringLiteral("SELECT pattern_id %1").arg(echo));
    QVERIFY(!QUuid(id).isNull());
    // The source documents' fields, with the analyser's values: every exchange succeeded;
    // 30 exchanges of the 100 that make a profile fully confident; the operation's template.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) %1 AND success_rate = 1 AND confidence >= 0.3"
                                  " AND confidence <= 1 AND first_seen <= last_seen")
                       .arg(echo)),
             qint64(1));
    QCOMPARE(text(QStringLiteral("SELECT %1 %2").arg(field.arg("operation"), echo)),
             QStringLiteral("GET /echo/items/{id}"));
    QCOMPARE(text(QStringLiteral("SELECT %1 %2").arg(field.arg("window"), echo)),
             QStringLiteral("1h"));
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) %1 AND %2 IS NOT NULL")
                      .arg(echo, field.arg("p99"))) == 1);
    const QString firstSeen = text(QStringLiteral("SELECT first_seen %1").arg(echo));
    const QString createdAt = text(QStringLiteral("SELECT created_at %1").arg(echo));

    // More traffic: the same row follows it (frequency, last_seen), first_seen and created_at
    // stay those of its first write.
    for (int i = 0; i < 20; ++i)
        QVERIFY(!send("/echo/items/" + QByteArray::number(100 + i)).isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) %1 AND frequency >= 50").arg(echo)), qint64(1),
        kTimeoutMs);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) %1").arg(echo)), qint64(1));
    QCOMPARE(text(QStringLiteral("SELECT pattern_id %1").arg(echo)), id);
    QCOMPARE(text(QStringLiteral("SELECT first_seen %1").arg(echo)), firstSeen);
    QCOMPARE(text(QStringLiteral("SELECT created_at %1").arg(echo)), createdAt);
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) %1 AND updated_at > created_at").arg(echo)) == 1);
}

void TestEngineStore::theConfiguredTuningReachesTheStore() {
    const IntelligenceStore::Options &options = m_engine->store()->options();
    QCOMPARE(options.batchSize, 500);
    QCOMPARE(options.flushInterval, std::chrono::milliseconds(50));
    QCOMPARE(options.memoryLimit, 50000);
    QCOMPARE(options.eventRetention, std::chrono::hours(24 * 30));
    QCOMPARE(options.patternRetention, std::chrono::hours(24 * 400));
}

void TestEngineStore::servicesBecomeEcosystemRows() {
    // Written at start (and every half minute): one row for the configured service.
    QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("SELECT COUNT(*) FROM service_ecosystem"
                                                   " WHERE service_name = 'echo'")),
                              qint64(1), kTimeoutMs);
    const QString instance = m_postgresql
                                 ? QStringLiteral("services_active->0->>'id'")
                                 : QStringLiteral("json_extract(services_active, '$[0].id')");
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM service_ecosystem WHERE %1 = 'echo-1'")
                       .arg(instance)),
             qint64(1));
    // The rows a snapshot makes: one per service, its instances in it.
    const std::vector<ServiceEcosystemRecord> rows =
        StoreHost::ecosystemRecords(m_engine->snapshot());
    QCOMPARE(rows.size(), size_t(1));
    QCOMPARE(rows[0].service, QStringLiteral("echo"));
    QVERIFY(rows[0].capabilitiesJson.contains("\"echo-1\""));
}

void TestEngineStore::healthAndMetricsShowTheStore() {
    const std::optional<RawHttpResponse> health = admin("/health");
    QVERIFY(health);
    QCOMPARE(health->status, 200);
    const QJsonObject store = healthStore();
    QCOMPARE(store.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(store.value(QLatin1String("location")).toString(), m_location.toString());
    QVERIFY(!store.contains(QLatin1String("warning")));
    const std::optional<RawHttpResponse> metrics = admin("/metrics");
    QVERIFY(metrics);
    QCOMPARE(metrics->status, 200);
    QVERIFY2(metrics->body.contains("\ntoolcapture_store_connected 1\n"), metrics->body.data());
    QVERIFY(metrics->body.contains("toolcapture_store_rows_total{outcome=\"written\"}"));
    QVERIFY(metrics->body.contains("\ntoolcapture_store_pending_rows "));
    QVERIFY(metrics->body.contains("\ntoolcapture_store_connect_failures_total "));
    QVERIFY(metrics->body.contains(QByteArray("\ntoolcapture_store_schema_version ") +
                                   QByteArray::number(m_engine->store()->health().schemaVersion) +
                                   "\n"));
}

void TestEngineStore::postgresqlStoppedMidRunLosesNothing() {
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_PG_DIR");
    if (!m_postgresql || dir.isEmpty())
        QSKIP("no PostgreSQL: run under scripts/start-postgres.sh (TOOLCAPTURE_PG_URL, _DIR)");
    const auto server = [&dir](const char *what) {
        return QProcess::execute(
            QStringLiteral(TOOLCAPTURE_SOURCE_DIR "/scripts/start-postgres.sh"),
            {QString::fromLatin1(what), dir});
    };
    const qint64 before = count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence"));
    QVERIFY(before > 0);

    QCOMPARE(server("--halt"), 0);
    auto resume = qScopeGuard([&] { server("--resume"); });
    // The proxy answers on while the store is away; the rows wait in memory.
    for (int i = 0; i < 40; ++i)
        QVERIFY(!send("/echo/outage/" + QByteArray::number(i)).isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(healthStore().value(QLatin1String("status")).toString(),
                              QStringLiteral("disconnected"), kTimeoutMs);
    const std::optional<RawHttpResponse> health = admin("/health");
    QVERIFY(health);
    QCOMPARE(health->status, 200); // reported, not a reason to take the proxy out of service
    const QJsonObject store = healthStore();
    QVERIFY2(store.value(QLatin1String("warning")).toString().contains(QLatin1String("memory")),
             qPrintable(QJsonDocument(store).toJson()));
    QVERIFY(!store.value(QLatin1String("error")).toString().isEmpty());
    QVERIFY(store.value(QLatin1String("pending_rows")).toInteger() > 0);
    const std::optional<RawHttpResponse> metrics = admin("/metrics");
    QVERIFY(metrics);
    QVERIFY2(metrics->body.contains("\ntoolcapture_store_connected 0\n"), metrics->body.data());
    QVERIFY(m_engine->snapshot().store.pending > 0);

    QCOMPARE(server("--resume"), 0);
    resume.dismiss();
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->health().connected, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence")), before + 40,
        kTimeoutMs);
    QCOMPARE(m_engine->store()->health().dropped, std::uint64_t(0));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM communication_intelligence WHERE "
                                  "request_data->>'path' LIKE '/echo/outage/%'")),
             qint64(40));
    QTRY_COMPARE_WITH_TIMEOUT(healthStore().value(QLatin1String("status")).toString(),
                              QStringLiteral("ok"), kTimeoutMs);
}

void TestEngineStore::executionEventsBecomeExecutionRows() {
    // An execution_completed event as the hook receiver publishes it (docs/hooks.md), through
    // the tap the engine hands the hook receiver.
    const QByteArray event = R"({"event_id":"0b5e8f0e-3c1d-4f6a-9b7e-2d4c6a8e0f12",
        "event_type":"execution_completed","schema_version":1,
        "timestamp":"2026-12-04T12:00:00.250000Z",
        "correlation_id":"6a1f0c2e-4b3d-4e5f-8a9b-0c1d2e3f4a5b",
        "pre_context":{"session_id":"s-1","service_name":"billing","operation":"charge",
                       "parameters":{},"timestamp":"2026-12-04T12:00:00.000000Z"},
        "results":{"success":false,"output":null,"error":"card declined",
                   "execution_time_ms":250.4},
        "intelligence_insights":{"operation_success_rate":0.5,"sample_size":2,
                                 "performance_trend":"stable","failure_patterns":[]}})";
    const std::optional<ExecutionRecord> r = StoreEventTap::executionRecord(event);
    QVERIFY(r);
    QCOMPARE(r->service, QStringLiteral("billing"));
    QCOMPARE(r->operation, QStringLiteral("charge"));
    QCOMPARE(r->executionTimeMs, 250);
    QVERIFY(!r->success);
    QCOMPARE(r->createdAt, QDateTime(QDate(2026, 12, 4), QTime(12, 0, 0, 250), Qt::UTC));
    QVERIFY(!StoreEventTap::executionRecord("not json"));

    IntelligenceStore &store = *m_engine->store();
    const std::uint64_t written = store.health().written;
    StoreEventTap tap(store, nullptr);
    OutgoingEvent outgoing;
    outgoing.topic = "hooks.execution_intelligence";
    outgoing.value = event;
    tap.publish(outgoing);
    OutgoingEvent garbage = outgoing;
    garbage.value = "{not json";
    tap.publish(garbage);
    // Read on the store's thread: one row, one unreadable event.
    QTRY_COMPARE_WITH_TIMEOUT(tap.rowsMade(), std::uint64_t(1), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(tap.unreadable(), std::uint64_t(1), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(store.health().written > written, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("SELECT COUNT(*) FROM execution_intelligence"
                                                   " WHERE service_name = 'billing' AND"
                                                   " operation = 'charge' AND"
                                                   " execution_time_ms = 250")),
                              qint64(1), kTimeoutMs);
}

void TestEngineStore::communicationRowFromEvents() {
    // The events ProxyEventBuilder writes for an exchange whose path and headers hold quotes,
    // braces and backslashes: the row's JSON is the events' members, value for value.
    CaptureRecord record;
    record.correlationId = "client-id:7.a";
    record.acceptedAtUs = 1714564800000000;
    record.connectedUs = 10;
    record.firstByteUs = 800;
    record.doneUs = 900;
    record.method = "GET";
    record.path = "/echo/a\"b}c\\d{";
    record.query = "q=\"x\"&y=}";
    record.status = 200;
    record.service = QStringLiteral("echo \"quoted\"");
    record.instance = QStringLiteral("echo-1");
    record.attempts = 1;
    record.breakerState = "closed";
    record.requestHeaders = {{"user-agent", "agent \"x\" {y} \\z"}};
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(record, events);
    QCOMPARE(events.size(), size_t(3));
    const QByteArray response = events[1].value;
    const QByteArray communication = events[2].value;
    const std::optional<CommunicationRecord> r =
        StoreEventTap::communicationRecord(communication, response);
    QVERIFY(r);
    const QJsonObject event = QJsonDocument::fromJson(communication).object();
    const QJsonObject post = QJsonDocument::fromJson(response).object();
    QCOMPARE(r->communicationId, event.value(QLatin1String("event_id")).toString());
    QCOMPARE(r->correlationId, QStringLiteral("client-id:7.a"));
    QCOMPARE(r->targetService, QStringLiteral("echo \"quoted\""));
    QCOMPARE(QJsonDocument::fromJson(r->requestJson).object(),
             event.value(QLatin1String("request_context")).toObject());
    QCOMPARE(QJsonDocument::fromJson(r->requestJson).object().value(QLatin1String("path")),
             QJsonValue(QStringLiteral("/echo/a\"b}c\\d{")));
    QCOMPARE(QJsonDocument::fromJson(r->performanceJson).object(),
             event.value(QLatin1String("performance_metrics")).toObject());
    QCOMPARE(QJsonDocument::fromJson(r->insightsJson).object(),
             event.value(QLatin1String("intelligence_analysis")).toObject());
    const QJsonObject responseData = QJsonDocument::fromJson(r->responseJson).object();
    QVERIFY2(!responseData.isEmpty(), r->responseJson.constData());
    QCOMPARE(responseData.value(QLatin1String("event_type")),
             event.value(QLatin1String("event_type")));
    QCOMPARE(responseData.value(QLatin1String("response_analysis")),
             post.value(QLatin1String("response_analysis")));
    QCOMPARE(responseData.value(QLatin1String("breaker_state")), QJsonValue("closed"));
    QCOMPARE(r->createdAt, QDateTime::fromString(event.value(QLatin1String("timestamp")).toString(),
                                                 Qt::ISODateWithMs)
                               .toUTC());
    QVERIFY(r->createdAt.isValid());
    // Without its response event: the event type only.
    const std::optional<CommunicationRecord> alone =
        StoreEventTap::communicationRecord(communication);
    QVERIFY(alone);
    QCOMPARE(QJsonDocument::fromJson(alone->responseJson).object().keys(),
             QStringList{QStringLiteral("event_type")});
    // Not an event: no row.
    for (const QByteArray &bad :
         {QByteArray("{not json"), QByteArray("[1,2]"), QByteArray(),
          communication.left(communication.size() / 2), QByteArray("{\"event_id\":\"x\"}")}) {
        QVERIFY2(!StoreEventTap::communicationRecord(bad), bad.constData());
    }
}

QTEST_MAIN(TestEngineStore)
// The store writes the analyser's patterns on a timer (a minute by default); what the analyser
// learned since the last write is written when the engine stops, not lost with it. A second
// engine on the same store, whose timer would first fire in an hour.
void TestEngineStore::patternsLearnedSinceTheLastWriteAreWrittenAtStop() {
    const auto stop = [](Engine &engine) {
        QSignalSpy stopped(&engine, &Engine::stopped);
        engine.stop();
        return stopped.count() == 1 || stopped.wait(kTimeoutMs);
    };
    QVERIFY(stop(*m_engine));
    ProxyConfig config = m_config;
    config.storeTuning.patternsInterval = std::chrono::hours(1);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures-2.sqlite");
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool-2");
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->health().connected, kTimeoutMs);

    constexpr int kExchanges = 12;
    for (int i = 0; i < kExchanges; ++i)
        QVERIFY(!send("/echo/stop/" + QByteArray::number(i)).isEmpty());
    // Every exchange analysed (the pattern's frequency), none of it written yet.
    const auto frequency = [this] {
        const QByteArray found = m_engine->analyser()->queryNow([](const EventAnalyser &a) {
            const QJsonArray patterns =
                a.patternsDocument(EventAnalyser::Window::OneHour).value("patterns").toArray();
            for (const QJsonValue &pattern : patterns) {
                if (pattern["type"].toString() == QLatin1String("latency_profile") &&
                    pattern["operation"].toString() == QLatin1String("GET /echo/stop/{id}"))
                    return QByteArray::number(pattern["frequency"].toInt());
            }
            return QByteArray("0");
        });
        return found.toInt();
    };
    QTRY_COMPARE_WITH_TIMEOUT(frequency(), kExchanges, kTimeoutMs);
    const QString field = m_postgresql
                              ? QStringLiteral("pattern_data->>'operation'")
                              : QStringLiteral("json_extract(pattern_data, '$.operation')");
    const QString stopRows =
        QStringLiteral("SELECT COUNT(*) FROM intelligence_patterns WHERE"
                       " pattern_type = 'latency_profile' AND %1 = 'GET /echo/stop/{id}'%2")
            .arg(field);
    QCOMPARE(count(stopRows.arg(QString())), qint64(0));

    QVERIFY(stop(*m_engine));
    QCOMPARE(count(stopRows.arg(QStringLiteral(" AND frequency = %1").arg(kExchanges))), qint64(1));
}

#include "tst_engine_store.moc"
