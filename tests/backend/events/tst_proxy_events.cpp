#include <backend/events/cloud_event.h>
#include <backend/events/json_writer.h>
#include <backend/events/proxy_events.h>
#include <backend/schema/schema_catalog.h>

#include <QCryptographicHash>
#include <QDateTime>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

using namespace ToolCapture;
using Json = nlohmann::json;

// nlohmann::json converts to too many types for QCOMPARE's overloads.
#define QCOMPARE_JSON(actual, expected)                                                            \
    do {                                                                                           \
        const Json a_ = (actual);                                                                  \
        const Json e_ = (expected);                                                                \
        QVERIFY2(a_ == e_, (a_.dump() + " != " + e_.dump()).c_str());                              \
    } while (false)

Q_DECLARE_METATYPE(ToolCapture::RoutingBrief)

namespace {

constexpr std::int64_t kAcceptedAt = 1714566896123456; // 2024-05-01T12:34:56.123456Z

const QRegularExpression &uuidV7() {
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
    return re;
}

// A GET answered 200 by the upstream, ten captured request headers, no body.
CaptureRecord typicalRecord() {
    CaptureRecord r;
    r.correlationId = "3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f";
    r.sessionId = "sess-42";
    r.userContext = "tenant=acme";
    r.clientAddress = "127.0.0.1:50412";
    r.acceptedAtUs = kAcceptedAt;
    r.connectedUs = 150;
    r.firstByteUs = 2300;
    r.doneUs = 2750;
    r.method = "GET";
    r.path = "/api/v1/catalog/items";
    r.query = "page=2&size=20";
    r.status = 200;
    r.responseBytes = 1834;
    r.service = QStringLiteral("catalog");
    r.instance = QStringLiteral("catalog-1");
    r.attempts = 1;
    r.breakerState = "closed";
    r.requestHeaders = {{"Accept", "application/json"},
                        {"Accept-Version", "v2"},
                        {"User-Agent", "curl/8.4.0"},
                        {"X-Correlation-ID", r.correlationId},
                        {"X-Session-ID", "sess-42"},
                        {"X-User-Context", "tenant=acme"},
                        {"X-Target-Service", "catalog"},
                        {"Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                        {"Authorization", CaptureRecord::kRedacted},
                        {"Idempotency-Key", "k-1"}};
    r.responseHeaders = {{"Content-Type", "application/json"}, {"Content-Length", "1834"}};
    r.requestContentType = "";
    r.responseContentType = "application/json";
    return r;
}

CaptureRecord recordOfKind(const QByteArray &kind) {
    CaptureRecord r = typicalRecord();
    if (kind == "upstream-200") {
        r.routing = "{\"policy\":\"scoring\",\"service\":\"catalog\",\"chosen\":\"catalog-1\","
                    "\"runner_up\":null,\"summary\":\"catalog-1 0.91\",\"candidates\":[]}";
    } else if (kind == "not-modified-etag") {
        r.status = 304;
        r.responseBytes = 0;
        r.requestHeaders.push_back({"If-None-Match", "\"v7\""});
        r.responseHeaders = {{"ETag", "\"v7\""}, {"Cache-Control", "max-age=60"}};
        r.responseContentType = "";
    } else if (kind == "upstream-503-3-attempts") {
        r.status = 503;
        r.attempts = 3;
        r.responseBytes = 57;
        r.breakerState = "half_open";
        r.doneUs = 1'450'000;
        r.firstByteUs = 1'449'000;
    } else if (kind == "proxy-504-timeout") {
        r.status = 504;
        r.proxyError = "upstream-timeout";
        r.firstByteUs = -1;
        r.doneUs = 5'000'900;
        r.responseContentType = "application/problem+json";
        r.responseHeaders = {{"Content-Type", "application/problem+json"}};
    } else if (kind == "rate-limited-429") {
        r.status = 429;
        r.proxyError = "rate-limited";
        r.instance.clear();
        r.attempts = 0;
        r.connectedUs = -1;
        r.firstByteUs = -1;
        r.doneUs = 80;
        r.breakerState.clear();
        r.responseContentType = "application/problem+json";
        r.responseHeaders = {{"Retry-After", "1"}};
    } else if (kind == "no-route-404") {
        r.status = 404;
        r.proxyError = "no-route";
        r.service.clear();
        r.instance.clear();
        r.attempts = 0;
        r.connectedUs = -1;
        r.firstByteUs = -1;
        r.doneUs = 40;
        r.breakerState.clear();
        r.responseContentType = "application/problem+json";
        r.responseHeaders.clear();
    } else if (kind == "binary-body") {
        r.method = "POST";
        r.query.clear();
        r.requestBody = QByteArray("\x00\x01\xff\xfe\x80 binary\r\n", 14);
        r.requestBytes = r.requestBody.size();
        r.requestContentType = "application/octet-stream";
        r.status = 201;
    } else if (kind == "hostile-headers") {
        r.requestHeaders = {{"X-Quote", "say \"hi\" \\ back"},
                            {"X-Control", QByteArray("a\tb\x01\x1f\x7f", 6)},
                            {"X-Latin1", "caf\xe9 \xff\xfe"},
                            {"X-Truncated", "\xe2\x82"},
                            {"X-Valid-Utf8", "\xe2\x82\xac \xf0\x9f\x98\x80"}};
        r.userContext = "line\nbreak";
        r.path = "/p\"ath";
    } else if (kind == "connection-lost") {
        r.status = 0;
        r.responseBytes = 0;
        r.firstByteUs = -1;
        r.doneUs = -1;
    }
    return r;
}

Json parse(const QByteArray &value) {
    return Json::parse(value.constData(), value.constData() + value.size());
}

QString violations(const std::vector<SchemaViolation> &list) {
    QStringList lines;
    for (const SchemaViolation &v : list)
        lines << v.pointer + QStringLiteral(": ") + v.detail;
    return lines.join(u'\n');
}

void verifySchema(const char *topic, const Json &event) {
    const std::string name = std::string("events/") + topic;
    const JsonSchema *schema = findSchema(name);
    QVERIFY2(schema, ("no embedded schema " + name).c_str());
    const auto list = schema->validate(event);
    QVERIFY2(list.empty(), qPrintable(violations(list) + QStringLiteral("\n") +
                                      QString::fromStdString(event.dump())));
}

QStringList toStringList(const Json &array) {
    QStringList list;
    for (const Json &item : array)
        list << QString::fromStdString(item.get<std::string>());
    return list;
}

// The JSON string a writer produced for `bytes`, decoded again.
std::string roundTrip(QByteArrayView bytes) {
    JsonWriter writer;
    writer.string(bytes);
    return Json::parse(writer.view()).get<std::string>();
}

} // namespace

class TestProxyEvents : public QObject {
    Q_OBJECT

private slots:
    void build_data();
    void build();
    void envelopesHoldTheEventsInPlace_data();
    void envelopesHoldTheEventsInPlace();
    void schemasRejectDrift_data();
    void schemasRejectDrift();
    void headersJoinedLowerCased();
    void requestHash_data();
    void requestHash();
    void routingEmbeddedOnlyWhenAnObject();
    void routingDecisionWrittenLikeToJson();
    void routingBriefWrittenLikeToJson_data();
    void routingBriefWrittenLikeToJson();
    void eventTimeFallsBackToLatestOffset();
    void eventIdsAreUniqueV4();
    void opportunities_data();
    void opportunities();
    void breakerEvent();
    void stringEscaping_data();
    void stringEscaping();
    void randomBytesStayValidJson();
    void utf16Escaping();
    void numbersAndTimes();
    void buildCost();
    void webSocketExchange();
};

void TestProxyEvents::build_data() {
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<QString>("communicationType");
    QTest::addColumn<bool>("success");
    QTest::addColumn<QString>("errorClass"); // empty: null
    QTest::addColumn<QString>("statusClass");
    QTest::addColumn<QString>("latencyClass");
    QTest::addColumn<QStringList>("opportunities");

    QTest::newRow("upstream 200") << QByteArray("upstream-200") << "response_analysis" << true << ""
                                  << "2xx"
                                  << "fast" << QStringList();
    QTest::newRow("304 with etag")
        << QByteArray("not-modified-etag") << "response_analysis" << false << ""
        << "3xx"
        << "fast" << QStringList();
    QTest::newRow("upstream 503 after 3 attempts")
        << QByteArray("upstream-503-3-attempts") << "response_analysis" << false << "upstream"
        << "5xx"
        << "slow" << QStringList{"slow_first_byte"};
    QTest::newRow("proxy 504 timeout")
        << QByteArray("proxy-504-timeout") << "request_analysis" << false << "proxy"
        << "5xx"
        << "slow" << QStringList();
    QTest::newRow("429 rate limited")
        << QByteArray("rate-limited-429") << "request_analysis" << false << "proxy"
        << "4xx"
        << "fast" << QStringList();
    QTest::newRow("no route 404") << QByteArray("no-route-404") << "request_analysis" << false
                                  << "proxy"
                                  << "4xx"
                                  << "fast" << QStringList();
    QTest::newRow("binary body") << QByteArray("binary-body") << "response_analysis" << true << ""
                                 << "2xx"
                                 << "fast" << QStringList();
    QTest::newRow("hostile headers")
        << QByteArray("hostile-headers") << "response_analysis" << true << ""
        << "2xx"
        << "fast" << QStringList();
    QTest::newRow("connection lost")
        << QByteArray("connection-lost") << "request_analysis" << false << "proxy"
        << ""
        << "" << QStringList();
}

void TestProxyEvents::build() {
    QFETCH(QByteArray, kind);
    QFETCH(QString, communicationType);
    QFETCH(bool, success);
    QFETCH(QString, errorClass);
    QFETCH(QString, statusClass);
    QFETCH(QString, latencyClass);
    QFETCH(QStringList, opportunities);

    const CaptureRecord record = recordOfKind(kind);
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    events.push_back(OutgoingEvent{}); // build() appends
    builder.build(record, events);
    QCOMPARE(events.size(), std::size_t(4));
    events.erase(events.begin());

    const char *topics[] = {ProxyTopics::kRequestIntelligence, ProxyTopics::kResponseIntelligence,
                            ProxyTopics::kCommunicationIntelligence};
    const QString types[] = {QStringLiteral("pre_request_analysis"),
                             QStringLiteral("post_request_analysis"), communicationType};
    const std::int64_t expectedTime =
        record.doneUs >= 0 ? kAcceptedAt + record.doneUs : kAcceptedAt + record.connectedUs;
    const std::string expectedTimestamp =
        QDateTime::fromMSecsSinceEpoch(expectedTime / 1000, Qt::UTC)
            .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss."))
            .toStdString() +
        QByteArray::number(expectedTime % 1000000).rightJustified(6, '0').toStdString() + "Z";

    std::vector<Json> parsed;
    for (int i = 0; i < 3; ++i) {
        const OutgoingEvent &event = events[std::size_t(i)];
        QCOMPARE(event.topic, QByteArray(topics[i]));
        Json json;
        try {
            json = parse(event.value);
        } catch (const Json::exception &e) {
            QFAIL(qPrintable(QStringLiteral("%1 is not JSON: %2 in %3")
                                 .arg(topics[i], e.what(), QString::fromUtf8(event.value))));
        }
        verifySchema(topics[i], json);
        QCOMPARE(QString::fromStdString(json["event_type"].get<std::string>()), types[i]);
        QCOMPARE(json["schema_version"].get<int>(), 1);
        QCOMPARE(QByteArray::fromStdString(json["correlation_id"].get<std::string>()),
                 record.correlationId);
        QCOMPARE(json["timestamp"].get<std::string>(), expectedTimestamp);
        QCOMPARE(event.key, record.correlationId);
        QCOMPARE(event.ceId, QByteArray::fromStdString(json["event_id"].get<std::string>()));
        QVERIFY(uuidV7().match(QString::fromLatin1(event.ceId)).hasMatch());
        QCOMPARE(event.ceType,
                 "com.toolcapture." + QByteArray(topics[i]) + "." + types[i].toLatin1());
        QCOMPARE(event.ceSource, QByteArray("/toolcapture/proxy"));
        QCOMPARE(event.timeUs, expectedTime);
        parsed.push_back(std::move(json));
    }
    QVERIFY(events[0].ceId != events[1].ceId && events[1].ceId != events[2].ceId);

    // proxy.request_intelligence
    const Json &context = parsed[0]["context"];
    const Json &profile = context["request_profile"];
    QCOMPARE(QByteArray::fromStdString(profile["method"].get<std::string>()), record.method);
    QCOMPARE(profile["payload_size"].get<std::int64_t>(), record.requestBytes);
    QCOMPARE(profile["headers"].size(), record.requestHeaders.size());
    QCOMPARE(profile["timestamp"].get<std::string>(), std::string("2024-05-01T12:34:56.123456Z"));
    QCOMPARE(context["pattern_analysis"]["route_matched"].get<bool>(), !record.service.isEmpty());
    QCOMPARE(context["request_hash_includes_body"].get<bool>(), true);
    if (record.userContext.isEmpty())
        QVERIFY(profile["user_context"].is_null());
    else
        QCOMPARE(QByteArray::fromStdString(profile["user_context"].get<std::string>()),
                 record.userContext);

    // proxy.response_intelligence
    const Json &metrics = parsed[1]["performance_metrics"];
    QCOMPARE_JSON(metrics, parsed[2]["performance_metrics"]);
    QCOMPARE(metrics["success"].get<bool>(), success);
    if (errorClass.isEmpty()) {
        QVERIFY(metrics["error_class"].is_null());
        QVERIFY(parsed[1]["response_analysis"]["error_patterns"].is_null());
    } else {
        QCOMPARE(QString::fromStdString(metrics["error_class"].get<std::string>()), errorClass);
        const Json &patterns = parsed[1]["response_analysis"]["error_patterns"];
        QVERIFY(patterns.is_object());
        QCOMPARE(patterns["proxy_error"].is_null(), record.proxyError.isEmpty());
    }
    if (record.status == 0) {
        QVERIFY(metrics["status_code"].is_null());
    } else {
        QCOMPARE(metrics["status_code"].get<int>(), record.status);
    }
    if (record.doneUs < 0) {
        QVERIFY(metrics["response_time_ms"].is_null());
    } else {
        QCOMPARE(metrics["response_time_ms"].get<double>(), double(record.doneUs) / 1000.0);
    }
    QCOMPARE(metrics["target_service"].is_null(), record.service.isEmpty());
    QCOMPARE(metrics["attempts"].get<int>(), record.attempts);

    // proxy.communication_intelligence
    const Json &analysis = parsed[2]["intelligence_analysis"];
    QCOMPARE(toStringList(analysis["optimization_opportunities"]), opportunities);
    QCOMPARE(analysis["pattern_analysis"]["retried"].get<bool>(), record.attempts > 1);
    const Json &impact = analysis["user_experience_impact"];
    QCOMPARE(impact["failed"].get<bool>(), !errorClass.isEmpty());
    QCOMPARE(impact["status_class"].is_null() ? QString()
                                              : QString::fromStdString(impact["status_class"]),
             statusClass);
    QCOMPARE(impact["latency_class"].is_null() ? QString()
                                               : QString::fromStdString(impact["latency_class"]),
             latencyClass);
    QCOMPARE_JSON(parsed[2]["request_context"]["headers"], profile["headers"]);

    if (kind == "hostile-headers") {
        const Json &headers = profile["headers"];
        QCOMPARE(headers["x-quote"].get<std::string>(), std::string("say \"hi\" \\ back"));
        QCOMPARE(headers["x-control"].get<std::string>(), std::string("a\tb\x01\x1f\x7f"));
        QCOMPARE(headers["x-latin1"].get<std::string>(),
                 std::string("caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"));
        QCOMPARE(headers["x-truncated"].get<std::string>(), std::string("\xef\xbf\xbd"));
        QCOMPARE(headers["x-valid-utf8"].get<std::string>(),
                 std::string("\xe2\x82\xac \xf0\x9f\x98\x80"));
        QCOMPARE(profile["path"].get<std::string>(), std::string("/p\"ath"));
        QCOMPARE(profile["user_context"].get<std::string>(), std::string("line\nbreak"));
    }
    if (kind == "not-modified-etag") {
        const Json &cacheHeaders = parsed[1]["response_analysis"]["cache_headers"];
        QCOMPARE(cacheHeaders.size(), std::size_t(2));
        QCOMPARE(cacheHeaders["etag"].get<std::string>(), std::string("\"v7\""));
        QCOMPARE(cacheHeaders["cache-control"].get<std::string>(), std::string("max-age=60"));
    }
    if (kind == "upstream-200") {
        QCOMPARE(parsed[1]["routing"]["chosen"].get<std::string>(), std::string("catalog-1"));
    } else {
        QVERIFY(parsed[1]["routing"].is_null());
    }
    if (kind == "upstream-503-3-attempts") {
        QCOMPARE_JSON(parsed[1]["response_analysis"]["error_patterns"]["breaker_state"],
                      Json("half_open"));
    }
}

void TestProxyEvents::envelopesHoldTheEventsInPlace_data() {
    build_data();
}

void TestProxyEvents::envelopesHoldTheEventsInPlace() {
    // A batch that wants envelopes (a structured-mode sink's) gets each event inside its
    // CloudEvent, byte for byte what writeStructured() writes, with `value` the data in it.
    QFETCH(QByteArray, kind);
    QFETCH(QString, communicationType);
    const CaptureRecord record = recordOfKind(kind);
    ProxyEventBuilder builder;
    EventBatch plain;
    builder.build(record, plain);
    EventBatch wrapped;
    wrapped.setWantsEnvelopes(true);
    // Twice: the second exchange's envelopes come from the cached parts.
    builder.build(record, wrapped);
    builder.build(record, wrapped);
    QCOMPARE(plain.size(), std::size_t(3));
    QCOMPARE(wrapped.size(), std::size_t(6));
    for (std::size_t i = 0; i < plain.size(); ++i)
        QCOMPARE(plain.event(i).envelope.length, std::size_t(0));
    for (std::size_t i = 0; i < wrapped.size(); ++i) {
        const EventBatch::Event &e = wrapped.event(i);
        const QByteArrayView envelope = wrapped.view(e.envelope);
        QVERIFY(e.value.offset > e.envelope.offset);
        QCOMPARE(e.value.offset + e.value.length + 1, e.envelope.offset + e.envelope.length);
        JsonWriter expected;
        CloudEvents::writeStructured(expected, wrapped.view(e.ceId), wrapped.view(e.ceType),
                                     wrapped.view(e.ceSource), wrapped.view(e.ceTime),
                                     std::string_view(wrapped.data(e.value), e.value.length));
        QCOMPARE(envelope, QByteArrayView(expected.data(), qsizetype(expected.size())));
        const std::optional<QByteArrayView> data = CloudEvents::structuredData(envelope);
        QVERIFY(data.has_value());
        QCOMPARE(*data, wrapped.view(e.value));
        const Json parsed = Json::parse(envelope.begin(), envelope.end());
        QCOMPARE(QString::fromStdString(parsed.at("type").get<std::string>()),
                 QString::fromLatin1(wrapped.view(e.ceType).toByteArray()));
        QCOMPARE(QByteArray::fromStdString(parsed.at("id").get<std::string>()),
                 wrapped.view(e.ceId).toByteArray());
        QCOMPARE(QByteArray::fromStdString(parsed.at("time").get<std::string>()),
                 wrapped.view(e.ceTime).toByteArray());
        // The events themselves are the plain batch's but for their random ids.
        Json event = parsed.at("data");
        Json same = Json::parse(plain.view(plain.event(i % 3).value).begin(),
                                plain.view(plain.event(i % 3).value).end());
        event.erase("event_id");
        same.erase("event_id");
        QCOMPARE_JSON(event, same);
    }
    QVERIFY(wrapped.view(wrapped.event(2).ceType).endsWith(communicationType.toLatin1()));
}

void TestProxyEvents::schemasRejectDrift_data() {
    QTest::addColumn<int>("index"); // of the event build() returns
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QByteArray>("replacement"); // JSON; empty: remove the member

    QTest::newRow("request: no correlation_id") << 0 << "/correlation_id" << QByteArray();
    QTest::newRow("request: unknown member") << 0 << "/context/guess" << QByteArray("1");
    QTest::newRow("request: short hash") << 0 << "/context/request_hash" << QByteArray("\"ab\"");
    QTest::newRow("request: header not a string")
        << 0 << "/context/request_profile/headers/accept" << QByteArray("3");
    QTest::newRow("response: bad event_type") << 1 << "/event_type" << QByteArray("\"x\"");
    QTest::newRow("response: status 42")
        << 1 << "/performance_metrics/status_code" << QByteArray("42");
    QTest::newRow("response: unknown error_class")
        << 1 << "/performance_metrics/error_class" << QByteArray("\"network\"");
    QTest::newRow("response: timestamp without micros")
        << 1 << "/timestamp" << QByteArray("\"2024-05-01T12:34:56Z\"");
    QTest::newRow("communication: invented opportunity")
        << 2 << "/intelligence_analysis/optimization_opportunities" << QByteArray("[\"buy_more\"]");
    QTest::newRow("communication: upstream answer classed proxy")
        << 2 << "/performance_metrics/error_class" << QByteArray("\"proxy\"");
    QTest::newRow("communication: event_id not a uuid") << 2 << "/event_id" << QByteArray("\"42\"");
    QTest::newRow("communication: no latency_class")
        << 2 << "/intelligence_analysis/user_experience_impact/latency_class" << QByteArray();
}

void TestProxyEvents::schemasRejectDrift() {
    QFETCH(int, index);
    QFETCH(QString, pointer);
    QFETCH(QByteArray, replacement);

    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(typicalRecord(), events);
    const OutgoingEvent &event = events[std::size_t(index)];
    Json json = parse(event.value);
    const std::string topic = event.topic.toStdString();
    QVERIFY(schemaNamed("events/" + topic).validate(json).empty());

    const Json::json_pointer at(pointer.toStdString());
    if (replacement.isEmpty())
        json[at.parent_pointer()].erase(at.back());
    else
        json[at] = parse(replacement);
    QVERIFY2(!schemaNamed("events/" + topic).validate(json).empty(), json.dump().c_str());
}

void TestProxyEvents::headersJoinedLowerCased() {
    CaptureRecord record = typicalRecord();
    record.requestHeaders = {{"Accept", "text/html"},
                             {"X-Forwarded-For", "10.0.0.1"},
                             {"ACCEPT", "application/json"},
                             {"accept", "*/*"}};
    record.responseHeaders = {{"Vary", "Accept"}, {"vary", "Accept-Encoding"}};
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(record, events);
    const Json headers = parse(events[0].value)["context"]["request_profile"]["headers"];
    Json expected = Json::object();
    expected["accept"] = "text/html, application/json, */*";
    expected["x-forwarded-for"] = "10.0.0.1";
    QCOMPARE_JSON(headers, expected);
    QCOMPARE_JSON(parse(events[1].value)["response_analysis"]["cache_headers"],
                  Json({{"vary", "Accept, Accept-Encoding"}}));
}

void TestProxyEvents::requestHash_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("replayable");
    QTest::addColumn<QByteArray>("hashed");

    QTest::newRow("no query, no body") << QByteArray("GET") << QByteArray("/a") << QByteArray()
                                       << QByteArray() << true << QByteArray("GET:/a:");
    QTest::newRow("query") << QByteArray("GET") << QByteArray("/a") << QByteArray("x=1&y=2")
                           << QByteArray() << true << QByteArray("GET:/a?x=1&y=2:");
    QTest::newRow("kept body") << QByteArray("POST") << QByteArray("/orders") << QByteArray()
                               << QByteArray("{\"qty\":2}") << true
                               << QByteArray("POST:/orders:{\"qty\":2}");
    QTest::newRow("body not kept") << QByteArray("POST") << QByteArray("/upload") << QByteArray()
                                   << QByteArray() << false << QByteArray("POST:/upload:");
}

void TestProxyEvents::requestHash() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(bool, replayable);
    QFETCH(QByteArray, hashed);

    CaptureRecord record = typicalRecord();
    record.method = method;
    record.path = path;
    record.query = query;
    record.requestBody = body;
    record.replayable = replayable;
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(record, events);
    builder.build(record, events); // the hash state is reused: the same input, the same hash
    const Json first = parse(events[0].value)["context"];
    const Json second = parse(events[3].value)["context"];
    const QByteArray expected =
        QCryptographicHash::hash(hashed, QCryptographicHash::Sha256).toHex();
    QCOMPARE(QByteArray::fromStdString(first["request_hash"].get<std::string>()), expected);
    QCOMPARE_JSON(second["request_hash"], first["request_hash"]);
    QCOMPARE(first["request_hash_includes_body"].get<bool>(), replayable);
}

void TestProxyEvents::routingEmbeddedOnlyWhenAnObject() {
    CaptureRecord record = typicalRecord();
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    record.routing = " {\"policy\":\"scoring\",\"candidates\":[]}\n";
    builder.build(record, events);
    record.routing = "{\"policy\":\"scor"; // cut short
    builder.build(record, events);
    record.routing.clear();
    builder.build(record, events);
    QCOMPARE_JSON(parse(events[1].value)["routing"]["policy"], Json("scoring"));
    QVERIFY(parse(events[4].value)["routing"].is_null());
    QVERIFY(parse(events[7].value)["routing"].is_null());
}

void TestProxyEvents::routingDecisionWrittenLikeToJson() {
    RoutingDecision decision;
    decision.policy = QStringLiteral("scoring");
    decision.service = QStringLiteral("catalog");
    decision.chosenId = QStringLiteral("catalog-1");
    decision.summary = QStringLiteral("catalog-1 0.91 over catalog-3 \"slow\"");
    CandidateScore chosen;
    chosen.instanceId = QStringLiteral("catalog-1");
    chosen.score = 0.9137;
    chosen.performance = 0.8;
    chosen.reliability = 1.0;
    chosen.load = 0.75;
    chosen.compatibility = 1.0;
    chosen.weight = 0.5;
    chosen.latencyMs = 12.25;
    chosen.successRate = 0.99;
    chosen.windowCalls = 120;
    chosen.active = 3;
    CandidateScore excluded;
    excluded.instanceId = QStringLiteral("catalog-2");
    excluded.excluded = true;
    excluded.exclusion = Exclusion::BreakerOpen;
    excluded.reason = QStringLiteral("breaker open");
    CandidateScore fresh; // no samples yet: null inputs
    fresh.instanceId = QStringLiteral("catalog-3");
    fresh.score = 1e-7;
    decision.candidates = {chosen, excluded, fresh};

    ProxyEventBuilder builder;
    QCOMPARE_JSON(parse(builder.routingJson(decision)), toJson(decision));
    QCOMPARE_JSON(parse(builder.routingJson(RoutingDecision{})), toJson(RoutingDecision{}));
}

void TestProxyEvents::routingBriefWrittenLikeToJson_data() {
    QTest::addColumn<RoutingBrief>("brief");
    RoutingBrief brief;
    brief.policy = RoutingBrief::Policy::Scoring;
    brief.candidates = 3;
    brief.available = 2;
    brief.chosen.id = QStringLiteral("catalog-1");
    brief.chosen.score = 0.9137;
    brief.chosen.performance = 0.8;
    brief.chosen.reliability = 1.0;
    brief.chosen.load = 0.75;
    brief.chosen.compatibility = 1.0;
    brief.chosen.latencyMs = 12.25;
    brief.chosen.successRate = 0.99;
    brief.chosen.windowCalls = 120;
    brief.chosen.active = 3;
    brief.runnerUp.id = QStringLiteral("catalog-3"); // no samples yet: null inputs
    brief.runnerUp.score = 1e-7;
    QTest::newRow("a draw of two, one excluded") << brief;
    RoutingBrief slow = brief;
    slow.slowStartYielded = true;
    slow.runnerUp.weight = 0.25;
    slow.chosen.id = QStringLiteral("catalog-\u00e9\"1\"");
    QTest::newRow("slow start, quotes and non-ASCII id") << slow;
    RoutingBrief alone = brief;
    alone.runnerUp = RoutingBrief::Drawn();
    alone.available = 1;
    alone.avoided = true;
    QTest::newRow("the only one, avoided") << alone;
    RoutingBrief none;
    none.policy = RoutingBrief::Policy::Scoring;
    none.candidates = 2;
    QTest::newRow("no instance") << none;
}

void TestProxyEvents::routingBriefWrittenLikeToJson() {
    QFETCH(RoutingBrief, brief);
    // The record keeps the compact form and the event carries it, as toCompactJson() has it.
    CaptureRecord record = typicalRecord();
    record.routing.clear();
    record.routingBrief = brief;
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(record, events);
    const Json response = parse(events[1].value);
    verifySchema(ProxyTopics::kResponseIntelligence, response);
    const Json expected = toCompactJson(brief);
    QCOMPARE_JSON(response["routing"], expected);
    QCOMPARE(expected["candidates"].size(),
             size_t(!brief.chosen.id.isEmpty()) + size_t(!brief.runnerUp.id.isEmpty()));
    // The full explanation (summary, inputs) is for readers of the capture.
    QVERIFY(toJson(brief, record.service)["summary"].get<std::string>().size() > 10);
}

void TestProxyEvents::eventTimeFallsBackToLatestOffset() {
    CaptureRecord record = typicalRecord();
    QCOMPARE(ProxyEventBuilder::eventTimeUs(record), kAcceptedAt + 2750);
    record.doneUs = -1;
    QCOMPARE(ProxyEventBuilder::eventTimeUs(record), kAcceptedAt + 2300);
    record.firstByteUs = -1;
    QCOMPARE(ProxyEventBuilder::eventTimeUs(record), kAcceptedAt + 150);
    record.connectedUs = -1;
    QCOMPARE(ProxyEventBuilder::eventTimeUs(record), kAcceptedAt);

    // A record without any time: now.
    record.acceptedAtUs = 0;
    const std::int64_t before = QDateTime::currentMSecsSinceEpoch() * 1000;
    const std::int64_t at = ProxyEventBuilder::eventTimeUs(record);
    QVERIFY(at >= before);
    QVERIFY(at <= QDateTime::currentMSecsSinceEpoch() * 1000 + 1000);
}

void TestProxyEvents::eventIdsAreUniqueV4() {
    ProxyEventBuilder builder;
    ProxyEventBuilder other;
    const CaptureRecord record = typicalRecord();
    std::vector<OutgoingEvent> events;
    for (int i = 0; i < 500; ++i) {
        builder.build(record, events);
        other.build(record, events);
    }
    QSet<QByteArray> ids;
    for (const OutgoingEvent &event : events) {
        QVERIFY(uuidV7().match(QString::fromLatin1(event.ceId)).hasMatch());
        ids.insert(event.ceId);
    }
    QCOMPARE(ids.size(), qsizetype(events.size()));
}

void TestProxyEvents::opportunities_data() {
    QTest::addColumn<QByteArray>("change");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("plain 200: none") << QByteArray("none") << QStringList();
    QTest::newRow("200 GET max-age")
        << QByteArray("max-age=300") << QStringList{"cacheable_get_not_cached"};
    QTest::newRow("200 GET s-maxage")
        << QByteArray("s-maxage=30") << QStringList{"cacheable_get_not_cached"};
    QTest::newRow("200 GET etag only")
        << QByteArray("etag") << QStringList{"cacheable_get_not_cached"};
    QTest::newRow("max-age=0") << QByteArray("max-age=0") << QStringList();
    QTest::newRow("etag but no-store") << QByteArray("etag+no-store") << QStringList();
    QTest::newRow("max-age but private") << QByteArray("max-age+private") << QStringList();
    QTest::newRow("max-age, already cached") << QByteArray("max-age+cached") << QStringList();
    QTest::newRow("max-age on POST") << QByteArray("max-age+post") << QStringList();
    QTest::newRow("retried, then 200")
        << QByteArray("retried") << QStringList{"retried_before_success"};
    QTest::newRow("retried, then 502") << QByteArray("retried+502") << QStringList();
    QTest::newRow("ttfb 1000.001 ms") << QByteArray("slow-ttfb") << QStringList{"slow_first_byte"};
    QTest::newRow("ttfb exactly 1 s") << QByteArray("ttfb-1s") << QStringList();
    QTest::newRow("large json") << QByteArray("large-json")
                                << QStringList{"large_response_uncompressed"};
    QTest::newRow("large json, gzip") << QByteArray("large-json+gzip") << QStringList();
    QTest::newRow("large json, identity")
        << QByteArray("large-json+identity") << QStringList{"large_response_uncompressed"};
    QTest::newRow("exactly 64 KiB json") << QByteArray("64k-json") << QStringList();
    QTest::newRow("large png") << QByteArray("large-png") << QStringList();
    QTest::newRow("large vendor +json")
        << QByteArray("large-vnd-json") << QStringList{"large_response_uncompressed"};
    QTest::newRow("connect 100.001 ms")
        << QByteArray("slow-connect") << QStringList{"slow_upstream_connect"};
    QTest::newRow("connect exactly 100 ms") << QByteArray("connect-100ms") << QStringList();
    QTest::newRow("all at once") << QByteArray("max-age+retried+slow-ttfb+large-json+slow-connect")
                                 << QStringList{"cacheable_get_not_cached",
                                                "retried_before_success", "slow_first_byte",
                                                "large_response_uncompressed",
                                                "slow_upstream_connect"};
}

void TestProxyEvents::opportunities() {
    QFETCH(QByteArray, change);
    QFETCH(QStringList, expected);

    CaptureRecord r = typicalRecord();
    const auto has = [&change](const char *part) { return change.split('+').contains(part); };
    if (has("max-age=300") || has("max-age"))
        r.responseHeaders.push_back({"Cache-Control", "public, max-age=300"});
    if (has("s-maxage=30"))
        r.responseHeaders.push_back({"cache-control", "s-maxage=30"});
    if (has("max-age=0"))
        r.responseHeaders.push_back({"Cache-Control", "max-age=0"});
    if (has("etag"))
        r.responseHeaders.push_back({"ETag", "W/\"abc\""});
    if (has("no-store"))
        r.responseHeaders.push_back({"Cache-Control", "no-store"});
    if (has("private"))
        r.responseHeaders.push_back({"Cache-Control", "private"});
    if (has("cached"))
        r.cache = "miss";
    if (has("post"))
        r.method = "POST";
    if (has("retried"))
        r.attempts = 2;
    if (has("502"))
        r.status = 502;
    if (has("slow-ttfb")) {
        r.firstByteUs = 1'000'001;
        r.doneUs = 1'000'500;
    }
    if (has("ttfb-1s")) {
        r.firstByteUs = 1'000'000;
        r.doneUs = 1'000'500;
    }
    if (has("large-json") || has("large-vnd-json") || has("large-png"))
        r.responseBytes = 64 * 1024 + 1;
    if (has("64k-json"))
        r.responseBytes = 64 * 1024;
    if (has("large-vnd-json"))
        r.responseContentType = "application/vnd.api+json; charset=utf-8";
    if (has("large-png"))
        r.responseContentType = "image/png";
    if (has("gzip"))
        r.responseHeaders.push_back({"Content-Encoding", "gzip"});
    if (has("identity"))
        r.responseHeaders.push_back({"Content-Encoding", "identity"});
    if (has("slow-connect"))
        r.connectedUs = 100'001;
    if (has("connect-100ms"))
        r.connectedUs = 100'000;

    QStringList names;
    const unsigned bits = ProxyEventBuilder::opportunities(r);
    for (unsigned bit = 1; bit <= ProxyEventBuilder::SlowUpstreamConnect; bit <<= 1) {
        if (bits & bit)
            names << QString::fromLatin1(
                ProxyEventBuilder::opportunityName(ProxyEventBuilder::Opportunity(bit)));
    }
    QCOMPARE(names, expected);

    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(r, events);
    const Json communication = parse(events[2].value);
    verifySchema(ProxyTopics::kCommunicationIntelligence, communication);
    QCOMPARE(toStringList(communication["intelligence_analysis"]["optimization_opportunities"]),
             expected);
}

void TestProxyEvents::breakerEvent() {
    BreakerTransition transition;
    transition.instanceId = QStringLiteral("inventory-2");
    transition.from = BreakerState::Closed;
    transition.to = BreakerState::Open;
    transition.at = QDateTime::fromMSecsSinceEpoch(1714566896123, Qt::UTC);
    transition.cause = QStringLiteral("failure rate 0.60 >= 0.50 over 20 calls");
    transition.correlationId = QStringLiteral("3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f");
    transition.story = {
        {CallOutcome::Kind::Success, false, false, std::chrono::milliseconds(12),
         QDateTime::fromMSecsSinceEpoch(1714566890000, Qt::UTC)},
        {CallOutcome::Kind::Timeout, true, true, std::chrono::milliseconds(2000), QDateTime()},
        {CallOutcome::Kind::Status5xx, true, false, std::chrono::milliseconds(30),
         QDateTime::fromMSecsSinceEpoch(1714566896000, Qt::UTC)},
    };
    ProxyEventBuilder builder;
    const OutgoingEvent event = builder.breakerEvent(transition, QStringLiteral("inventory-2"),
                                                     QStringLiteral("inventory"));
    QCOMPARE(event.topic, QByteArray("proxy.breaker_events"));
    QCOMPARE(event.key, QByteArray("inventory-2"));
    QCOMPARE(event.ceType, QByteArray("com.toolcapture.proxy.breaker_events.breaker_transition"));
    QCOMPARE(event.ceSource, QByteArray("/toolcapture/proxy"));
    QCOMPARE(event.timeUs, std::int64_t(1714566896123000));

    const Json json = parse(event.value);
    verifySchema(ProxyTopics::kBreakerEvents, json);
    QCOMPARE(QByteArray::fromStdString(json["event_id"].get<std::string>()), event.ceId);
    QCOMPARE_JSON(json["timestamp"], Json("2024-05-01T12:34:56.123000Z"));
    QCOMPARE_JSON(json["service"], Json("inventory"));
    QCOMPARE_JSON(json["from"], Json("closed"));
    QCOMPARE_JSON(json["to"], Json("open"));
    QCOMPARE_JSON(json["cause"], Json("failure rate 0.60 >= 0.50 over 20 calls"));
    QCOMPARE_JSON(json["correlation_id"], Json("3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f"));
    QCOMPARE(json["story"].size(), std::size_t(3));
    QCOMPARE_JSON(json["story"][1]["kind"], Json("timeout"));
    QCOMPARE_JSON(json["story"][1]["duration_ms"], Json(2000));
    QVERIFY(json["story"][1]["at"].is_null());
    QCOMPARE_JSON(json["story"][2]["kind"], Json("5xx"));

    // The transition's own instance id when none is given; a forced state without a cause.
    transition.to = BreakerState::ForcedOpen;
    transition.cause.clear();
    transition.correlationId.clear(); // the operator's command: no exchange
    const OutgoingEvent forced = builder.breakerEvent(transition, QString(), QString());
    const Json forcedJson = parse(forced.value);
    verifySchema(ProxyTopics::kBreakerEvents, forcedJson);
    QCOMPARE(forced.key, QByteArray("inventory-2"));
    QCOMPARE_JSON(forcedJson["to"], Json("forced_open"));
    QVERIFY(forcedJson["cause"].is_null());
    QVERIFY(forcedJson["correlation_id"].is_null());
    QVERIFY(forcedJson["service"].is_null());
    QVERIFY(forced.ceId != event.ceId);
}

void TestProxyEvents::stringEscaping_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("decoded");

    const QByteArray fffd("\xef\xbf\xbd");
    QTest::newRow("plain") << QByteArray("abc") << QByteArray("abc");
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("quote, backslash, slash") << QByteArray("\"\\/") << QByteArray("\"\\/");
    QTest::newRow("every control") << QByteArray("\x01\x02\b\t\n\x0b\f\r\x1e\x1f", 10)
                                   << QByteArray("\x01\x02\b\t\n\x0b\f\r\x1e\x1f", 10);
    QTest::newRow("nul") << QByteArray("a\0b", 3) << QByteArray("a\0b", 3);
    QTest::newRow("valid 2/3/4 byte") << QByteArray("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")
                                      << QByteArray("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    QTest::newRow("lone continuation") << QByteArray("a\x80z") << "a" + fffd + "z";
    QTest::newRow("latin-1") << QByteArray("caf\xe9") << "caf" + fffd;
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << fffd + fffd;
    QTest::newRow("overlong 3 byte") << QByteArray("\xe0\x80\xaf") << fffd + fffd + fffd;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << fffd + fffd + fffd;
    QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << fffd + fffd + fffd + fffd;
    QTest::newRow("truncated 3 byte at end") << QByteArray("x\xe2\x82") << "x" + fffd;
    QTest::newRow("truncated 4 byte then ascii") << QByteArray("\xf0\x9f\x98z") << fffd + "z";
    QTest::newRow("ff fe") << QByteArray("\xff\xfe") << fffd + fffd;
    QTest::newRow("del kept") << QByteArray("\x7f") << QByteArray("\x7f");
}

void TestProxyEvents::stringEscaping() {
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, decoded);
    QCOMPARE(QByteArray::fromStdString(roundTrip(input)), decoded);

    // As a member name, and lower-cased.
    JsonWriter writer;
    writer.beginObject();
    writer.keyEscaped(input, true);
    writer.number(std::int64_t(1));
    writer.endObject();
    const Json object = Json::parse(writer.view());
    QCOMPARE(object.size(), std::size_t(1));
    QCOMPARE(QByteArray::fromStdString(object.begin().key()), decoded.toLower());
}

void TestProxyEvents::randomBytesStayValidJson() {
    // nlohmann's parser rejects invalid UTF-8, so parsing proves the output is well-formed; text
    // that was valid UTF-8 must come back unchanged.
    std::mt19937 random(20240501);
    for (int i = 0; i < 3000; ++i) {
        QByteArray bytes(int(random() % 24), Qt::Uninitialized);
        const bool highOnly = i % 3 == 0; // dense in lead and continuation bytes
        for (char &c : bytes)
            c = char(highOnly ? 0x80 | (random() & 0x7F) : random() & 0xFF);
        std::string decoded;
        try {
            decoded = roundTrip(bytes);
        } catch (const Json::exception &e) {
            QFAIL(qPrintable(QStringLiteral("%1 for %2").arg(e.what(), bytes.toHex(' '))));
        }
        const QString asText = QString::fromUtf8(bytes);
        if (asText.toUtf8() == bytes && !asText.contains(QChar::ReplacementCharacter))
            QCOMPARE(QByteArray::fromStdString(decoded), bytes);
    }
}

void TestProxyEvents::utf16Escaping() {
    JsonWriter writer;
    writer.beginArray();
    writer.string(QStringView(u"caf\u00e9 \u20ac \"q\" \\ \n\x01"));
    writer.string(QString::fromUtf8("\xf0\x9f\x98\x80"));
    const char16_t lone[] = {u'a', char16_t(0xD800), u'b', char16_t(0xDC00)};
    writer.string(QStringView(lone, 4));
    writer.stringOrNull(QStringView());
    writer.endArray();
    const Json array = Json::parse(writer.view());
    QCOMPARE(array[0].get<std::string>(), std::string("caf\xc3\xa9 \xe2\x82\xac \"q\" \\ \n\x01"));
    QCOMPARE(array[1].get<std::string>(), std::string("\xf0\x9f\x98\x80"));
    QCOMPARE(array[2].get<std::string>(), std::string("a\xef\xbf\xbd"
                                                      "b\xef\xbf\xbd"));
    QVERIFY(array[3].is_null());
}

void TestProxyEvents::numbersAndTimes() {
    JsonWriter writer;
    writer.beginArray();
    writer.number(std::int64_t(-9223372036854775807LL - 1));
    writer.number(0.1);
    writer.number(std::numeric_limits<double>::infinity());
    writer.millisFromMicros(0);
    writer.millisFromMicros(1005);
    writer.millisFromMicros(123456789);
    writer.millisFromMicros(-1);
    writer.boolean(false);
    writer.endArray();
    QCOMPARE(std::string(writer.view()),
             std::string("[-9223372036854775808,0.1,null,0.000,1.005,123456.789,null,false]"));

    char text[27];
    const struct {
        std::int64_t micros;
        const char *expected;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {951782400123456, "2000-02-29T00:00:00.123456Z"},
        {951868799999999, "2000-02-29T23:59:59.999999Z"},
        {4107542400000001, "2100-03-01T00:00:00.000001Z"},
        {-5, "1970-01-01T00:00:00.000000Z"},
    };
    for (const auto &c : cases) {
        formatRfc3339Micros(c.micros, text);
        QCOMPARE(QByteArray(text, 27), QByteArray(c.expected));
    }
    // Against Qt, every 997 hours and some odd microseconds from 1970 to 2100.
    for (std::int64_t micros = 0; micros < 4102444800000000; micros += 3589200000013) {
        formatRfc3339Micros(micros, text);
        const QString qt = QDateTime::fromMSecsSinceEpoch(micros / 1000, Qt::UTC)
                               .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz"));
        QCOMPARE(QString::fromLatin1(text, 23), qt);
    }
}

// Cost of build() for a typical exchange (3 events). Run in a release build with
// `tst_proxy_events buildCost -iterations 100000` for a meaningful figure.
void TestProxyEvents::buildCost() {
    const CaptureRecord record = typicalRecord();
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    events.reserve(3);
    QBENCHMARK {
        events.clear();
        builder.build(record, events);
    }
    QCOMPARE(events.size(), std::size_t(3));
}

// A tunnel's exchange: the post and communication events say what went through it; no other
// exchange has the key.
void TestProxyEvents::webSocketExchange() {
    CaptureRecord record = typicalRecord();
    record.status = 101;
    record.replayable = false;
    record.tunnelEnd = "client-closed";
    record.firstByteUs = 2500;
    record.doneUs = 3002500;
    record.requestBytes = 1234;
    record.responseBytes = 56789;
    record.webSocketCounted = true;
    record.messagesFromClient.messages = 7;
    record.messagesFromClient.dataBytes = 700;
    record.messagesFromClient.largestMessage = 300;
    record.messagesFromClient.controlFrames = 2;
    record.messagesFromUpstream.messages = 1;
    record.messagesFromUpstream.dataBytes = 9;
    record.messagesFromUpstream.largestMessage = 9;
    record.messagesFromUpstream.malformed = true;
    ProxyEventBuilder builder;
    std::vector<OutgoingEvent> events;
    builder.build(record, events);
    QCOMPARE(events.size(), std::size_t(3));
    QVERIFY(!parse(events[0].value).contains("websocket"));
    for (std::size_t i : {std::size_t(1), std::size_t(2)}) {
        const Json json = parse(events[i].value);
        verifySchema(events[i].topic.constData(), json);
        const Json &webSocket = json.at("websocket");
        QCOMPARE(webSocket.at("tunnel_end").get<std::string>(), std::string("client-closed"));
        QCOMPARE(webSocket.at("duration_ms").get<double>(), 3000.0); // from the 101
        QCOMPARE(webSocket.at("bytes_client_to_upstream").get<int>(), 1234);
        QCOMPARE(webSocket.at("bytes_upstream_to_client").get<int>(), 56789);
        const Json &messages = webSocket.at("messages");
        const Json &fromClient = messages.at("client_to_upstream");
        QCOMPARE(fromClient.at("messages").get<int>(), 7);
        QCOMPARE(fromClient.at("data_bytes").get<int>(), 700);
        QCOMPARE(fromClient.at("largest_message_bytes").get<int>(), 300);
        QCOMPARE(fromClient.at("control_frames").get<int>(), 2);
        QCOMPARE(fromClient.at("malformed").get<bool>(), false);
        const Json &fromUpstream = messages.at("upstream_to_client");
        QCOMPARE(fromUpstream.at("messages").get<int>(), 1);
        QCOMPARE(fromUpstream.at("data_bytes").get<int>(), 9);
        QCOMPARE(fromUpstream.at("malformed").get<bool>(), true);
        // The schema holds the counts to their form.
        Json drift = json;
        drift["websocket"]["messages"]["client_to_upstream"]["messages"] = -1;
        QVERIFY(!schemaNamed("events/" + events[i].topic.toStdString()).validate(drift).empty());
        drift = json;
        drift["websocket"]["tunnel_end"] = "went-away";
        QVERIFY(!schemaNamed("events/" + events[i].topic.toStdString()).validate(drift).empty());
        drift = json;
        drift["websocket"].erase("bytes_upstream_to_client");
        QVERIFY(!schemaNamed("events/" + events[i].topic.toStdString()).validate(drift).empty());
    }
    // Not counted (as a tunnel captured by an older version): the messages are null; a tunnel
    // that never saw its 101's time has no duration.
    record.webSocketCounted = false;
    record.firstByteUs = -1;
    events.clear();
    builder.build(record, events);
    for (std::size_t i : {std::size_t(1), std::size_t(2)}) {
        const Json json = parse(events[i].value);
        verifySchema(events[i].topic.constData(), json);
        QVERIFY(json.at("websocket").at("messages").is_null());
        QVERIFY(json.at("websocket").at("duration_ms").is_null());
        QCOMPARE(json.at("websocket").at("tunnel_end").get<std::string>(),
                 std::string("client-closed"));
    }
    // Any other exchange: no websocket key at all.
    events.clear();
    builder.build(typicalRecord(), events);
    for (const OutgoingEvent &event : events)
        QVERIFY(!parse(event.value).contains("websocket"));
}

QTEST_GUILESS_MAIN(TestProxyEvents)

#include "tst_proxy_events.moc"
