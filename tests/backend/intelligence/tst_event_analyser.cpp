#include <backend/intelligence/event_analyser.h>
#include <tests/support/manual_clock.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

// One exchange as the proxy publishes it (docs/events.md): the three events.
struct Exchange {
    QString correlationId;
    QString method = QStringLiteral("GET");
    QString path = QStringLiteral("/items/1");
    QString service = QStringLiteral("inventory");
    QString instance = QStringLiteral("inventory-1");
    int status = 200; // 0: none sent
    double latencyMs = 10;
    int attempts = 1;
    QString cache; // empty: null (cache off)
    QString timestamp = QStringLiteral("2026-12-04T10:00:00.010000Z");
    QString acceptedAt = QStringLiteral("2026-12-04T10:00:00.000000Z");
};

QJsonValue orNull(const QString &s) {
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString errorClassOf(const Exchange &e) {
    if (e.status == 0)
        return QStringLiteral("proxy");
    if (e.status >= 500)
        return QStringLiteral("upstream");
    if (e.status >= 400)
        return QStringLiteral("client");
    return {};
}

QJsonObject metricsOf(const Exchange &e) {
    return QJsonObject{
        {"response_time_ms", e.status ? QJsonValue(e.latencyMs) : QJsonValue(QJsonValue::Null)},
        {"time_to_first_byte_ms", QJsonValue::Null},
        {"upstream_connect_ms", QJsonValue::Null},
        {"response_size", 10},
        {"status_code", e.status ? QJsonValue(e.status) : QJsonValue(QJsonValue::Null)},
        {"target_service", orNull(e.service)},
        {"target_instance", orNull(e.instance)},
        {"attempts", e.attempts},
        {"success", e.status >= 200 && e.status < 300},
        {"error_class", orNull(errorClassOf(e))},
    };
}

QByteArray communicationEvent(const Exchange &e) {
    const QJsonObject event{
        {"event_id", "e15649c9-24e9-4e9f-b0f5-771c9aa49fd9"},
        {"event_type", e.status ? "response_analysis" : "request_analysis"},
        {"schema_version", 1},
        {"correlation_id", e.correlationId},
        {"timestamp", e.timestamp},
        {"request_context", QJsonObject{{"method", e.method},
                                        {"path", e.path},
                                        {"query", QJsonValue::Null},
                                        {"payload_size", 0},
                                        {"headers", QJsonObject{}},
                                        {"user_context", QJsonValue::Null},
                                        {"session_id", QJsonValue::Null}}},
        {"performance_metrics", metricsOf(e)},
        {"intelligence_analysis",
         QJsonObject{{"pattern_analysis", QJsonObject{{"service", orNull(e.service)},
                                                      {"instance", orNull(e.instance)},
                                                      {"attempts", e.attempts},
                                                      {"retried", e.attempts > 1},
                                                      {"proxy_error", QJsonValue::Null}}}}},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

QByteArray responseEvent(const Exchange &e) {
    const QJsonObject event{
        {"event_id", "e682bc55-9797-4788-815d-f2e68bc9ea3c"},
        {"event_type", "post_request_analysis"},
        {"schema_version", 1},
        {"correlation_id", e.correlationId},
        {"timestamp", e.timestamp},
        {"performance_metrics", metricsOf(e)},
        {"response_analysis", QJsonObject{}},
        {"routing", QJsonValue::Null},
        {"cache", orNull(e.cache)},
        {"breaker_state", "closed"},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

QByteArray requestEvent(const Exchange &e) {
    const QJsonObject event{
        {"event_id", "dd23b5c4-5b9e-4ced-ac95-69d84b4091eb"},
        {"event_type", "pre_request_analysis"},
        {"schema_version", 1},
        {"correlation_id", e.correlationId},
        {"timestamp", e.timestamp},
        {"context", QJsonObject{{"correlation_id", e.correlationId},
                                {"request_profile", QJsonObject{{"method", e.method},
                                                                {"path", e.path},
                                                                {"query", QJsonValue::Null},
                                                                {"timestamp", e.acceptedAt}}},
                                {"pattern_analysis", QJsonObject{{"service", orNull(e.service)},
                                                                 {"route_matched", true}}}}},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

// A breaker transition as the proxy publishes it; `correlationId` empty: null (the control
// path's).
QByteArray breakerEvent(const QString &correlationId, const QString &timestamp,
                        const QString &from = QStringLiteral("closed"),
                        const QString &to = QStringLiteral("open")) {
    const QJsonObject event{
        {"event_id", "7d4c9a51-8e0b-4c3f-9a2d-1b6e5f4a3c2d"},
        {"event_type", "breaker_transition"},
        {"schema_version", 1},
        {"timestamp", timestamp},
        {"service", "inventory"},
        {"instance", "inventory-1"},
        {"from", from},
        {"to", to},
        {"cause", "5 consecutive failures; open for 30000 ms"},
        {"correlation_id", orNull(correlationId)},
        {"story", QJsonArray{}},
    };
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

// Feeds the exchange's three events, in the order given ("qrc": request, response,
// communication).
void feed(EventAnalyser &analyser, Exchange e, const char *order = "qrc") {
    static int next = 0;
    if (e.correlationId.isEmpty())
        e.correlationId = QStringLiteral("c-%1").arg(++next);
    for (const char *c = order; *c; ++c) {
        switch (*c) {
        case 'q':
            QVERIFY(analyser.ingest("proxy.request_intelligence", requestEvent(e)));
            break;
        case 'r':
            QVERIFY(analyser.ingest("proxy.response_intelligence", responseEvent(e)));
            break;
        case 'c':
            QVERIFY(analyser.ingest("proxy.communication_intelligence", communicationEvent(e)));
            break;
        }
    }
}

QJsonObject operationIn(const QJsonObject &patterns, const QString &operation) {
    for (const QJsonValue &value : patterns.value("operations").toArray()) {
        if (value.toObject().value("operation").toString() == operation)
            return value.toObject();
    }
    return {};
}

const OperationInsight *insightOf(const AnalysisSnapshot &snapshot, const QString &operation) {
    for (const OperationInsight &insight : snapshot.operations) {
        if (insight.operation == operation)
            return &insight;
    }
    return nullptr;
}

int activeAnomalies(const EventAnalyser &analyser, const QString &kind) {
    int count = 0;
    for (const QJsonValue &value : analyser.anomaliesDocument(true).value("anomalies").toArray())
        count += value.toObject().value("kind").toString() == kind ? 1 : 0;
    return count;
}

} // namespace

class TestEventAnalyser : public QObject {
    Q_OBJECT
private slots:
    void operationsAreTemplated_data();
    void operationsAreTemplated();
    void windowsExpire();
    void errorRateAndRetries();
    void cacheHitRatioFromTheResponseEvent_data();
    void cacheHitRatioFromTheResponseEvent();
    void refusesWhatItCannotRead_data();
    void refusesWhatItCannotRead();
    void readsMembersAsJsonDoes_data();
    void readsMembersAsJsonDoes();
    void slowOperationIsAnAnomalyAfterWarmUp();
    void noiseIsNotAnAnomaly();
    void loadImbalance_data();
    void loadImbalance();
    void failureRisk();
    void correlationTimelineInTimeOrder();
    void breakerTransitionJoinsItsExchange();
    void correlationsAreBounded();
    void configuredTemplates_data();
    void configuredTemplates();
    void failureRiskAgainstTheServicesBreaker_data();
    void failureRiskAgainstTheServicesBreaker();
    void twoProxiesMerge();
    void windowNames_data();
    void windowNames();
};

void TestEventAnalyser::operationsAreTemplated_data() {
    QTest::addColumn<QStringList>("paths");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<int>("requests");
    QTest::newRow("numeric ids") << QStringList{"/items/1", "/items/2", "/items/33"} << "GET"
                                 << "GET /items/{id}" << 3;
    QTest::newRow("uuids") << QStringList{"/orders/3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f/lines",
                                          "/orders/9c2d0b7a-51f3-4e0c-8a77-6b1f2e3d4c5b/lines"}
                           << "POST"
                           << "POST /orders/{uuid}/lines" << 2;
    QTest::newRow("literal") << QStringList{"/health", "/health"} << "GET"
                             << "GET /health" << 2;
}

void TestEventAnalyser::operationsAreTemplated() {
    QFETCH(QStringList, paths);
    QFETCH(QString, method);
    QFETCH(QString, operation);
    QFETCH(int, requests);
    ManualClock clock;
    EventAnalyser analyser(clock);
    for (const QString &path : paths) {
        Exchange e;
        e.method = method;
        e.path = path;
        feed(analyser, e);
    }
    QCOMPARE(analyser.operationCount(), 1);
    const QJsonObject doc = analyser.patternsDocument(EventAnalyser::Window::FiveMinutes);
    const QJsonObject op = operationIn(doc, operation);
    QCOMPARE(op.value("requests").toInt(), requests);
    QCOMPARE(op.value("service").toString(), QStringLiteral("inventory"));
    QCOMPARE(doc.value("events_ingested").toInt(), 3 * paths.size());
    const QJsonArray patterns = doc.value("patterns").toArray();
    QCOMPARE(patterns.size(), 1);
    QCOMPARE(patterns[0].toObject().value("type").toString(), QStringLiteral("latency_profile"));
    QCOMPARE(patterns[0].toObject().value("frequency").toInt(), requests);
}

void TestEventAnalyser::windowsExpire() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    for (int i = 0; i < 4; ++i)
        feed(analyser, Exchange{});
    clock.advance(2min);
    for (int i = 0; i < 2; ++i)
        feed(analyser, Exchange{});
    auto requests = [&](EventAnalyser::Window window) {
        return operationIn(analyser.patternsDocument(window), "GET /items/{id}")
            .value("requests")
            .toInt();
    };
    QCOMPARE(requests(EventAnalyser::Window::OneMinute), 2);
    QCOMPARE(requests(EventAnalyser::Window::FiveMinutes), 6);
    QCOMPARE(requests(EventAnalyser::Window::OneHour), 6);
    clock.advance(4min);
    QCOMPARE(requests(EventAnalyser::Window::FiveMinutes), 2);
    QCOMPARE(requests(EventAnalyser::Window::OneHour), 6);
    const AnalysisSnapshot snapshot = analyser.snapshot();
    const OperationInsight *insight = insightOf(snapshot, "GET /items/{id}");
    QVERIFY(insight);
    QCOMPARE(insight->oneMinute.requests, 0u);
    QCOMPARE(insight->fiveMinutes.requests, 2u);
    QCOMPARE(insight->oneHour.requests, 6u);
    // The running totals never expire (an effect's after-window is their difference).
    clock.advance(2h);
    feed(analyser, Exchange{});
    const AnalysisSnapshot later = analyser.snapshot();
    QCOMPARE(insightOf(later, "GET /items/{id}")->oneHour.requests, 1u);
    QCOMPARE(insightOf(later, "GET /items/{id}")->totals.requests, 7u);
    QVERIFY(!later.instances.empty());
    std::uint64_t instanceTotal = 0;
    for (const InstanceInsight &instance : later.instances)
        instanceTotal += instance.totals.requests;
    QCOMPARE(instanceTotal, 7u);
}

void TestEventAnalyser::errorRateAndRetries() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    Exchange ok;
    Exchange failed;
    failed.status = 503;
    Exchange lost;
    lost.status = 0;
    Exchange retriedOk;
    retriedOk.attempts = 2;
    Exchange retriedFailed;
    retriedFailed.attempts = 3;
    retriedFailed.status = 502;
    Exchange clientError;
    clientError.status = 404;
    for (const Exchange &e : {ok, ok, failed, lost, retriedOk, retriedFailed, clientError, ok})
        feed(analyser, e);
    const QJsonObject op =
        operationIn(analyser.patternsDocument(EventAnalyser::Window::OneMinute), "GET /items/{id}");
    QCOMPARE(op.value("requests").toInt(), 8);
    QCOMPARE(op.value("errors").toInt(), 3); // 503, no response, 502; a 404 is not one
    QCOMPARE(op.value("error_rate").toDouble(), 0.375);
    const AnalysisSnapshot snapshot = analyser.snapshot();
    const OperationInsight *insight = insightOf(snapshot, "GET /items/{id}");
    QVERIFY(insight);
    QCOMPARE(insight->retriedFiveMinutes, 2u);
    QCOMPARE(insight->retriedFailedFiveMinutes, 1u);
    QCOMPARE(insight->totals.requests, 8u);
    QCOMPARE(insight->totals.errors, 3u);
    QCOMPARE(insight->totals.retriedFailed, 1u);
    // The exchange that never finished is no 0 ms latency: 7 latencies in the distribution.
    QCOMPARE(insight->oneMinute.latencyMs.count(), 7u);
    QCOMPARE(insight->oneMinute.latencyMs.min(), 10.0);
    clock.advance(6min);
    const AnalysisSnapshot later = analyser.snapshot();
    QCOMPARE(insightOf(later, "GET /items/{id}")->retriedFiveMinutes, 0u);
}

void TestEventAnalyser::cacheHitRatioFromTheResponseEvent_data() {
    QTest::addColumn<QString>("order"); // of the three events
    QTest::newRow("response before communication") << "qrc";
    QTest::newRow("communication before response") << "qcr";
    QTest::newRow("response first") << "rcq";
}

void TestEventAnalyser::cacheHitRatioFromTheResponseEvent() {
    QFETCH(QString, order);
    ManualClock clock;
    EventAnalyser analyser(clock);
    const QStringList outcomes{"hit; ttl-source=header",     "miss; stored; ttl-source=learned",
                               "hit; ttl-source=learned",    "uncacheable; reason=no-store",
                               "stale; rule=stale-if-error", "",
                               "bypass; reason=range",       "miss"};
    for (const QString &outcome : outcomes) {
        Exchange e;
        e.cache = outcome;
        feed(analyser, e, order.toLatin1().constData());
    }
    const QJsonObject op = operationIn(
        analyser.patternsDocument(EventAnalyser::Window::FiveMinutes), "GET /items/{id}");
    QCOMPARE(op.value("requests").toInt(), 8);
    QCOMPARE(op.value("cache_eligible").toInt(), 5); // three hits and two misses
    QCOMPARE(op.value("cache_hits").toInt(), 3);
    QCOMPARE(op.value("cache_hit_ratio").toDouble(), 0.6);
    const AnalysisSnapshot snapshot = analyser.snapshot();
    const OperationInsight *insight = insightOf(snapshot, "GET /items/{id}");
    QVERIFY(insight);
    QCOMPARE(insight->totals.cacheEligible, 5u);
    QCOMPARE(insight->totals.cacheHits, 3u);
}

void TestEventAnalyser::refusesWhatItCannotRead_data() {
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("not json") << QByteArray("proxy.communication_intelligence")
                              << QByteArray("{not json") << false;
    QTest::newRow("an array") << QByteArray("proxy.response_intelligence") << QByteArray("[1,2]")
                              << false;
    QTest::newRow("unknown topic") << QByteArray("other.topic") << QByteArray("{}") << false;
    QTest::newRow("breaker event") << QByteArray("proxy.breaker_events")
                                   << QByteArray(R"({"event_type":"breaker_transition"})") << true;
    QTest::newRow("members missing") << QByteArray("proxy.communication_intelligence")
                                     << QByteArray(R"({"event_type":"response_analysis"})") << true;
    QTest::newRow("cut short") << QByteArray("proxy.communication_intelligence")
                               << QByteArray(R"({"event_type":"response_analysis","a":[1,)")
                               << false;
    QTest::newRow("text after the object")
        << QByteArray("proxy.response_intelligence") << QByteArray(R"({"a":1} {"b":2})") << false;
    QTest::newRow("whitespace around")
        << QByteArray("proxy.breaker_events") << QByteArray(" \n {\"a\" : 1 }\r\n") << true;
}

void TestEventAnalyser::refusesWhatItCannotRead() {
    QFETCH(QByteArray, topic);
    QFETCH(QByteArray, payload);
    QFETCH(bool, accepted);
    ManualClock clock;
    EventAnalyser analyser(clock);
    QCOMPARE(analyser.ingest(topic, payload), accepted);
    QCOMPARE(analyser.eventsIngested(), accepted ? 1u : 0u);
    QCOMPARE(analyser.eventsRefused(), accepted ? 0u : 1u);
    QCOMPARE(analyser.operationCount(), 0);
}

// The analyser reads events without a DOM (members found by scanning their object); what it
// reads must be what a JSON parser reads: escapes decoded, any number form, the last of two
// members of one name, members in any order and with any whitespace.
void TestEventAnalyser::readsMembersAsJsonDoes_data() {
    QTest::addColumn<QByteArray>("metrics");
    QTest::addColumn<QString>("service");
    QTest::addColumn<int>("errors");
    QTest::addColumn<double>("maxLatencyMs");
    const QByteArray plain = R"("target_instance":"i-1","attempts":1,"error_class":null)";
    QTest::newRow("escaped service name")
        << QByteArray(R"("target_service":"caf\u00e9 \"x\"","status_code":200,)"
                      R"("response_time_ms":12.5,)") +
               plain
        << QStringLiteral("café \"x\"") << 0 << 12.5;
    QTest::newRow("exponent forms")
        << QByteArray(R"("target_service":"s","status_code":5.03E2,"response_time_ms":1e1,)") +
               plain
        << QStringLiteral("s") << 1 << 10.0;
    QTest::newRow("the last of two members wins")
        << QByteArray(R"("target_service":"s","status_code":500,"status_code":200,)"
                      R"("response_time_ms":3,)") +
               plain
        << QStringLiteral("s") << 0 << 3.0;
    QTest::newRow("spaces and another order")
        << QByteArray(R"( "response_time_ms" : 7 , "status_code" :	502 ,)"
                      "\n  \"target_service\" : \"s\" , ") +
               plain
        << QStringLiteral("s") << 1 << 7.0;
    QTest::newRow("a string is not a number")
        << QByteArray(R"("target_service":"s","status_code":"200","response_time_ms":4,)") + plain
        << QStringLiteral("s") << 1 << 4.0; // no status: counted as an error
}

void TestEventAnalyser::readsMembersAsJsonDoes() {
    QFETCH(QByteArray, metrics);
    QFETCH(QString, service);
    QFETCH(int, errors);
    QFETCH(double, maxLatencyMs);
    const QByteArray event =
        R"({"event_type":"response_analysis","correlation_id":"c-1",)"
        R"("timestamp":"2026-12-07T10:00:00.000001Z","request_context":{"method":"GET",)"
        R"("path":"/items/42","headers":{"x-a":"}{\"]["}},"performance_metrics":{)" +
        metrics + "}}";
    ManualClock clock;
    EventAnalyser analyser(clock);
    QVERIFY(analyser.ingest("proxy.communication_intelligence", event));
    const AnalysisSnapshot snapshot = analyser.snapshot();
    const OperationInsight *insight = insightOf(snapshot, "GET /items/{id}");
    QVERIFY(insight);
    QCOMPARE(insight->service, service);
    QCOMPARE(insight->totals.requests, 1u);
    QCOMPARE(insight->totals.errors, std::uint64_t(errors));
    QCOMPARE(insight->oneMinute.latencyMs.max(), maxLatencyMs);
}

void TestEventAnalyser::slowOperationIsAnAnomalyAfterWarmUp() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    QRandomGenerator random(7);
    auto tickOf = [&](double low, double high) {
        for (int i = 0; i < 20; ++i) {
            Exchange e;
            e.latencyMs = low + random.generateDouble() * (high - low);
            feed(analyser, e);
        }
        clock.advance(5s);
        analyser.tick();
    };
    // During the warm-up (nine ticks, the last of them slow) there is nothing to compare with.
    {
        EventAnalyser fresh(clock);
        for (int tick = 0; tick < 9; ++tick) {
            for (int i = 0; i < 20; ++i) {
                Exchange e;
                e.latencyMs = tick < 8 ? 10 + random.generateDouble() * 20 : 300;
                feed(fresh, e);
            }
            clock.advance(5s);
            fresh.tick();
        }
        QCOMPARE(activeAnomalies(fresh, "latency"), 0);
    }
    for (int i = 0; i < 40; ++i)
        tickOf(10, 30);
    QCOMPARE(activeAnomalies(analyser, "latency"), 0);
    tickOf(300, 320);
    QCOMPARE(activeAnomalies(analyser, "latency"), 1);
    const QJsonObject anomaly =
        analyser.anomaliesDocument(true).value("anomalies").toArray()[0].toObject();
    QCOMPARE(anomaly.value("operation").toString(), QStringLiteral("GET /items/{id}"));
    QCOMPARE(anomaly.value("service").toString(), QStringLiteral("inventory"));
    QVERIFY(anomaly.value("instance").isNull());
    QVERIFY(anomaly.value("value").toDouble() >= 300);
    QVERIFY(anomaly.value("baseline").toDouble() < 100);
    QVERIFY(anomaly.value("score").toDouble() >= 3.5);
    QVERIFY(
        operationIn(analyser.patternsDocument(EventAnalyser::Window::OneMinute), "GET /items/{id}")
            .value("anomalous")
            .toBool());
    QCOMPARE(
        operationIn(analyser.patternsDocument(EventAnalyser::Window::OneMinute), "GET /items/{id}")
            .value("trend")
            .toObject()
            .value("direction")
            .toString(),
        QStringLiteral("rising"));
    const QString id = anomaly.value("id").toString();
    // Still slow: the same anomaly, not a new one.
    tickOf(300, 320);
    QCOMPARE(
        analyser.anomaliesDocument(true).value("anomalies").toArray()[0].toObject().value("id"),
        QJsonValue(id));
    // Back to normal: it ends, and stays listed as ended.
    for (int i = 0; i < 3; ++i)
        tickOf(10, 30);
    QCOMPARE(activeAnomalies(analyser, "latency"), 0);
    const QJsonArray ended = analyser.anomaliesDocument(false).value("anomalies").toArray();
    QCOMPARE(ended.size(), 1);
    QCOMPARE(ended[0].toObject().value("id").toString(), id);
    QCOMPARE(ended[0].toObject().value("active").toBool(), false);
}

void TestEventAnalyser::noiseIsNotAnAnomaly() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    QRandomGenerator random(11);
    int flagged = 0;
    for (int tick = 0; tick < 360; ++tick) { // half an hour of log-normal-ish noise
        for (int i = 0; i < 30; ++i) {
            Exchange e;
            e.latencyMs = 20 * std::exp(0.3 * (random.generateDouble() - 0.5));
            e.status = random.bounded(100) == 0 ? 503 : 200; // 1% errors
            feed(analyser, e);
        }
        clock.advance(5s);
        analyser.tick();
        flagged += activeAnomalies(analyser, "latency") + activeAnomalies(analyser, "error_rate");
    }
    QCOMPARE(flagged, 0);
    QCOMPARE(analyser.anomaliesDocument().value("anomalies").toArray().size(), 0);
}

void TestEventAnalyser::loadImbalance_data() {
    QTest::addColumn<int>("first");
    QTest::addColumn<int>("second");
    QTest::addColumn<double>("score");
    QTest::addColumn<bool>("anomalous");
    QTest::newRow("balanced") << 50 << 50 << 0.0 << false;
    QTest::newRow("70/30") << 70 << 30 << 0.4 << false;
    QTest::newRow("90/10") << 90 << 10 << 0.8 << true;
    QTest::newRow("too few to judge") << 9 << 1 << 0.8 << false;
}

void TestEventAnalyser::loadImbalance() {
    QFETCH(int, first);
    QFETCH(int, second);
    QFETCH(double, score);
    QFETCH(bool, anomalous);
    ManualClock clock;
    EventAnalyser analyser(clock);
    for (int i = 0; i < first + second; ++i) {
        Exchange e;
        e.instance = i < first ? QStringLiteral("inventory-1") : QStringLiteral("inventory-2");
        feed(analyser, e);
    }
    clock.advance(5s);
    analyser.tick();
    const AnalysisSnapshot snapshot = analyser.snapshot();
    QCOMPARE(snapshot.services.size(), size_t(1));
    QCOMPARE(snapshot.services[0].instances, 2);
    QCOMPARE(snapshot.services[0].requests, std::uint64_t(first + second));
    QVERIFY(std::abs(snapshot.services[0].loadImbalance - score) < 1e-9);
    const QJsonObject doc = analyser.patternsDocument(EventAnalyser::Window::FiveMinutes);
    QVERIFY(
        std::abs(doc.value("services").toArray()[0].toObject().value("load_imbalance").toDouble() -
                 score) < 1e-3);
    QCOMPARE(activeAnomalies(analyser, "load_imbalance"), anomalous ? 1 : 0);
}

void TestEventAnalyser::failureRisk() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    // inventory-2 fails 45% of its calls (90% of its breaker's threshold of 50%); inventory-1
    // never does.
    for (int tick = 0; tick < 6; ++tick) {
        for (int i = 0; i < 20; ++i) {
            Exchange good;
            feed(analyser, good);
            Exchange bad;
            bad.instance = QStringLiteral("inventory-2");
            bad.status = i < 9 ? 503 : 200;
            feed(analyser, bad);
        }
        clock.advance(5s);
        analyser.tick();
    }
    const AnalysisSnapshot snapshot = analyser.snapshot();
    QCOMPARE(snapshot.instances.size(), size_t(2));
    QCOMPARE(snapshot.instances[0].instance, QStringLiteral("inventory-1"));
    QCOMPARE(snapshot.instances[0].failureRisk, 0.0);
    QVERIFY2(snapshot.instances[1].failureRisk > 0.6,
             qPrintable(QString::number(snapshot.instances[1].failureRisk)));
    QCOMPARE(snapshot.instances[1].fiveMinutes.requests, 120u);
    const QJsonArray anomalies = analyser.anomaliesDocument(true).value("anomalies").toArray();
    int risky = 0;
    for (const QJsonValue &value : anomalies) {
        const QJsonObject a = value.toObject();
        if (a.value("kind").toString() == "failure_risk") {
            ++risky;
            QCOMPARE(a.value("instance").toString(), QStringLiteral("inventory-2"));
            QVERIFY(a.value("operation").isNull());
        }
    }
    QCOMPARE(risky, 1);
}

void TestEventAnalyser::correlationTimelineInTimeOrder() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    Exchange e;
    e.correlationId = QStringLiteral("3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f");
    e.acceptedAt = QStringLiteral("2026-12-04T10:00:00.001200Z");
    e.timestamp = QStringLiteral("2026-12-04T10:00:00.004000Z");
    e.cache = QStringLiteral("miss; stored; ttl-source=header");
    e.latencyMs = 2.8;
    const QJsonObject execution{
        {"event_id", "a0b1c2d3-0000-4000-8000-000000000001"},
        {"event_type", "execution_completed"},
        {"schema_version", 1},
        {"timestamp", "2026-12-04T10:00:00.009000Z"},
        {"correlation_id", e.correlationId},
        {"pre_context", QJsonObject{{"session_id", "s-1"},
                                    {"service_name", "inventory"},
                                    {"operation", "lookup"},
                                    {"parameters", QJsonObject{}},
                                    {"timestamp", "2026-12-04T10:00:00.000000Z"}}},
        {"results", QJsonObject{{"success", true},
                                {"output", QJsonValue::Null},
                                {"error", QJsonValue::Null},
                                {"execution_time_ms", 9.0}}},
    };
    // Out of order, as several topics deliver them.
    QVERIFY(analyser.ingest("proxy.communication_intelligence", communicationEvent(e)));
    QVERIFY(analyser.ingest("hooks.execution_intelligence",
                            QJsonDocument(execution).toJson(QJsonDocument::Compact)));
    QVERIFY(analyser.ingest("proxy.response_intelligence", responseEvent(e)));
    QVERIFY(analyser.ingest("proxy.request_intelligence", requestEvent(e)));

    const std::optional<QJsonObject> doc = analyser.correlationDocument(e.correlationId);
    QVERIFY(doc);
    QCOMPARE(doc->value("correlation_id").toString(), e.correlationId);
    const QJsonArray events = doc->value("events").toArray();
    QStringList kinds;
    for (const QJsonValue &value : events)
        kinds << value.toObject().value("kind").toString();
    QCOMPARE(kinds, (QStringList{"hook.pre", "request", "communication", "response", "hook.post"}));
    QCOMPARE(events[0].toObject().value("offset_ms").toDouble(), 0.0);
    QCOMPARE(events[1].toObject().value("offset_ms").toDouble(), 1.2);
    QCOMPARE(events[3].toObject().value("offset_ms").toDouble(), 4.0);
    QCOMPARE(events[1].toObject().value("summary").toString(), QStringLiteral("GET /items/1"));
    QCOMPARE(events[3].toObject().value("summary").toString(),
             QStringLiteral("200, 2.8 ms, cache miss"));
    QCOMPARE(events[3].toObject().value("instance").toString(), QStringLiteral("inventory-1"));
    QCOMPARE(events[3].toObject().value("topic").toString(),
             QStringLiteral("proxy.response_intelligence"));
    QCOMPARE(events[0].toObject().value("summary").toString(),
             QStringLiteral("pre hook of lookup"));
    QVERIFY(events[0].toObject().value("instance").isNull());
    QCOMPARE(events[0].toObject().value("at").toString(),
             QStringLiteral("2026-12-04T10:00:00.000Z"));
    QVERIFY(!analyser.correlationDocument(QStringLiteral("unknown")));
}

// The exchange whose failure tripped the breaker has the transition in its timeline, after its
// response; a transition of the control path (no correlation id) joins no timeline.
void TestEventAnalyser::breakerTransitionJoinsItsExchange() {
    ManualClock clock;
    EventAnalyser analyser(clock);
    Exchange e;
    e.correlationId = QStringLiteral("9c2d0b7a-51f3-4e0c-8a77-6b1f2e3d4c5b");
    e.status = 503;
    e.acceptedAt = QStringLiteral("2026-12-04T10:00:00.000000Z");
    e.timestamp = QStringLiteral("2026-12-04T10:00:00.030000Z");
    e.cache = QStringLiteral("miss");
    // The breaker's event comes on its own topic, maybe before the exchange's.
    QVERIFY(analyser.ingest("proxy.breaker_events",
                            breakerEvent(e.correlationId, "2026-12-04T10:00:00.025000Z")));
    feed(analyser, e);
    const int kept = analyser.correlationCount();
    QVERIFY(analyser.ingest("proxy.breaker_events",
                            breakerEvent({}, "2026-12-04T10:00:30.000000Z", "open", "half_open")));
    QCOMPARE(analyser.correlationCount(), kept);

    const std::optional<QJsonObject> doc = analyser.correlationDocument(e.correlationId);
    QVERIFY(doc);
    const QJsonArray events = doc->value("events").toArray();
    QStringList kinds;
    for (const QJsonValue &value : events)
        kinds << value.toObject().value("kind").toString();
    // The response and the communication event have the same time: in arrival order.
    QCOMPARE(kinds, (QStringList{"request", "breaker", "response", "communication"}));
    const QJsonObject breaker = events[1].toObject();
    QCOMPARE(breaker.value("topic").toString(), QStringLiteral("proxy.breaker_events"));
    QCOMPARE(breaker.value("service").toString(), QStringLiteral("inventory"));
    QCOMPARE(breaker.value("instance").toString(), QStringLiteral("inventory-1"));
    QCOMPARE(breaker.value("offset_ms").toDouble(), 25.0);
    QCOMPARE(
        breaker.value("summary").toString(),
        QStringLiteral("breaker closed \u2192 open: 5 consecutive failures; open for 30000 ms"));
    const QJsonObject data = breaker.value("data").toObject();
    QCOMPARE(data.value("from").toString(), QStringLiteral("closed"));
    QCOMPARE(data.value("to").toString(), QStringLiteral("open"));
    QCOMPARE(data.value("cause").toString(),
             QStringLiteral("5 consecutive failures; open for 30000 ms"));
    // The cache's outcome of the same exchange is in its response.
    const QJsonObject response = events[2].toObject();
    QCOMPARE(response.value("data").toObject().value("cache").toString(), QStringLiteral("miss"));
    QCOMPARE(response.value("summary").toString(), QStringLiteral("503, 10 ms, cache miss"));
    // Counted as events, never as exchanges.
    QCOMPARE(analyser.eventsIngested(), std::uint64_t(5));
    QCOMPARE(
        operationIn(analyser.patternsDocument(EventAnalyser::Window::OneMinute), "GET /items/{id}")
            .value("requests")
            .toInt(),
        1);
}

void TestEventAnalyser::correlationsAreBounded() {
    ManualClock clock;
    EventAnalyser::Options options;
    options.maxCorrelations = 100;
    EventAnalyser analyser(clock, options);
    for (int i = 0; i < 250; ++i) {
        Exchange e;
        e.correlationId = QStringLiteral("id-%1").arg(i);
        feed(analyser, e);
        if (i > 0 && i % 10 == 0) {
            // id-0 is read back now and then: recently used, so it stays.
            Exchange again;
            again.correlationId = QStringLiteral("id-0");
            feed(analyser, again, "c");
        }
    }
    QCOMPARE(analyser.correlationCount(), 100);
    QVERIFY(analyser.correlationDocument("id-249"));
    QVERIFY(analyser.correlationDocument("id-151"));
    QVERIFY(!analyser.correlationDocument("id-100"));
    QVERIFY(!analyser.correlationDocument("id-1"));
    QVERIFY(analyser.correlationDocument("id-0"));
    // The counts do not depend on the timelines kept.
    QCOMPARE(
        operationIn(analyser.patternsDocument(EventAnalyser::Window::OneMinute), "GET /items/{id}")
            .value("requests")
            .toInt(),
        250 + 24);
}

void TestEventAnalyser::configuredTemplates_data() {
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("operation");
    QTest::newRow("the service's template") << "catalog"
                                            << "/catalog/products/SKU-1001"
                                            << "GET /catalog/products/{sku}";
    QTest::newRow("a template for all") << "inventory"
                                        << "/files/a/b.txt"
                                        << "GET /files/{path...}";
    QTest::newRow("another service's template does not apply") << "inventory"
                                                               << "/catalog/products/SKU-1001"
                                                               << "GET /catalog/products/{id}";
    QTest::newRow("a literal for all") << "inventory"
                                       << "/users/me"
                                       << "GET /users/me";
    QTest::newRow("no rule: learned") << "inventory"
                                      << "/users/42"
                                      << "GET /users/{id}";
}

// Options::pathTemplates (intelligence.path_templates): the operations are the configured
// templates, per service or for all.
void TestEventAnalyser::configuredTemplates() {
    QFETCH(QString, service);
    QFETCH(QString, path);
    QFETCH(QString, operation);
    ManualClock clock;
    EventAnalyser::Options options;
    options.pathTemplates.push_back(
        {QStringLiteral("catalog"), {QStringLiteral("/catalog/products/{sku}")}, {}});
    options.pathTemplates.push_back({QString(),
                                     {QStringLiteral("/files/{path...}"), QStringLiteral("/bad{")},
                                     {QStringLiteral("me")}});
    EventAnalyser analyser(clock, options);
    QCOMPARE(analyser.refusedTemplates().size(), 1);
    QVERIFY(analyser.refusedTemplates().first().startsWith(QLatin1String("/bad{")));
    Exchange e;
    e.service = service;
    e.path = path;
    feed(analyser, e);
    feed(analyser, e);
    const QJsonObject op = operationIn(
        analyser.patternsDocument(EventAnalyser::Window::OneMinute, service), operation);
    QCOMPARE(op.value("requests").toInt(), 2);
    QCOMPARE(analyser.operationCount(), 1);
}

void TestEventAnalyser::failureRiskAgainstTheServicesBreaker_data() {
    QTest::addColumn<double>("failureRate");   // of inventory's breaker; 0: none configured
    QTest::addColumn<double>("riskThreshold"); // the anomaly's
    QTest::addColumn<bool>("anomalous");
    QTest::newRow("default breaker (0.5)") << 0.0 << 0.6 << true;
    QTest::newRow("the service's breaker at 0.5") << 0.5 << 0.6 << true;
    QTest::newRow("the service's breaker at 0.9: far from tripping") << 0.9 << 0.6 << false;
    QTest::newRow("a higher anomaly threshold") << 0.5 << 0.95 << false;
}

// An instance failing 45% of its calls is at 90% of a breaker threshold of 0.5 (a failure
// risk above 0.6), at half of one of 0.9 (below it): the risk is measured against the
// instance's own service's breaker, and judged against the configured anomaly threshold.
void TestEventAnalyser::failureRiskAgainstTheServicesBreaker() {
    QFETCH(double, failureRate);
    QFETCH(double, riskThreshold);
    QFETCH(bool, anomalous);
    ManualClock clock;
    EventAnalyser::Options options;
    options.failureRiskThreshold = riskThreshold;
    if (failureRate > 0) {
        EventAnalyser::Options::BreakerLimits limits;
        limits.failureRate = failureRate;
        options.serviceBreakers.emplace(QStringLiteral("inventory"), limits);
        // Another service's limits do not apply.
        limits.failureRate = 0.05;
        options.serviceBreakers.emplace(QStringLiteral("catalog"), limits);
    }
    EventAnalyser analyser(clock, options);
    for (int tick = 0; tick < 6; ++tick) {
        for (int i = 0; i < 20; ++i) {
            Exchange bad;
            bad.instance = QStringLiteral("inventory-2");
            bad.status = i < 9 ? 503 : 200;
            feed(analyser, bad);
        }
        clock.advance(5s);
        analyser.tick();
    }
    const AnalysisSnapshot snapshot = analyser.snapshot();
    QCOMPARE(snapshot.instances.size(), size_t(1));
    QCOMPARE(snapshot.instances[0].failureRisk > riskThreshold, anomalous);
    QCOMPARE(activeAnomalies(analyser, "failure_risk"), anomalous ? 1 : 0);
    if (failureRate > 0.6)
        QVERIFY2(snapshot.instances[0].failureRisk < 0.5,
                 qPrintable(QString::number(snapshot.instances[0].failureRisk)));
}

void TestEventAnalyser::twoProxiesMerge() {
    // Two proxies in front of the same service publish to the same topics; one analyser reads
    // both: the operation, its instances and its percentiles are of all exchanges.
    ManualClock clock;
    EventAnalyser analyser(clock);
    for (int i = 0; i < 30; ++i) {
        Exchange a; // proxy A: fast, on inventory-1
        a.correlationId = QStringLiteral("proxy-a-%1").arg(i);
        a.path = QStringLiteral("/items/%1").arg(i);
        a.latencyMs = 10;
        feed(analyser, a);
        Exchange b; // proxy B: slow, on inventory-2
        b.correlationId = QStringLiteral("proxy-b-%1").arg(i);
        b.path = QStringLiteral("/items/%1").arg(1000 + i);
        b.instance = QStringLiteral("inventory-2");
        b.latencyMs = 100;
        b.status = i < 3 ? 500 : 200;
        feed(analyser, b);
    }
    const QJsonObject doc =
        analyser.patternsDocument(EventAnalyser::Window::FiveMinutes, QStringLiteral("inventory"));
    QCOMPARE(doc.value("operations").toArray().size(), 1);
    const QJsonObject op = operationIn(doc, "GET /items/{id}");
    QCOMPARE(op.value("requests").toInt(), 60);
    QCOMPARE(op.value("errors").toInt(), 3);
    const QJsonObject latency = op.value("latency_ms").toObject();
    QVERIFY(std::abs(latency.value("p50").toDouble() - 10) <= 0.2);
    QVERIFY(std::abs(latency.value("p99").toDouble() - 100) <= 2);
    QCOMPARE(doc.value("instances").toArray().size(), 2);
    QCOMPARE(doc.value("services").toArray()[0].toObject().value("instances").toInt(), 2);
    QCOMPARE(doc.value("services").toArray()[0].toObject().value("requests").toInt(), 60);
    QCOMPARE(analyser.patternsDocument(EventAnalyser::Window::FiveMinutes, QStringLiteral("other"))
                 .value("operations")
                 .toArray()
                 .size(),
             0);
}

void TestEventAnalyser::windowNames_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("1m") << "1m" << true;
    QTest::newRow("5m") << "5m" << true;
    QTest::newRow("1h") << "1h" << true;
    QTest::newRow("10m") << "10m" << false;
    QTest::newRow("empty") << "" << false;
}

void TestEventAnalyser::windowNames() {
    QFETCH(QString, name);
    QFETCH(bool, valid);
    const std::optional<EventAnalyser::Window> window = EventAnalyser::windowNamed(name);
    QCOMPARE(bool(window), valid);
    if (window)
        QCOMPARE(EventAnalyser::windowName(*window), name);
}

QTEST_GUILESS_MAIN(TestEventAnalyser)
#include "tst_event_analyser.moc"
