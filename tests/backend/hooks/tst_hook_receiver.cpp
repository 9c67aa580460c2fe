#include <backend/events/event_sink.h>
#include <backend/hooks/hook_receiver.h>
#include <backend/hooks/registrar.h>
#include <backend/schema/schema_catalog.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/manual_clock.h>

#include <QElapsedTimer>
#include <QTest>
#include <QUuid>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::ordered_json;

// QCOMPARE cannot print nlohmann values.
#define COMPARE_JSON(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(actual_ == expected_, (actual_.dump() + " != " + expected_.dump()).c_str());      \
    } while (false)

namespace {

constexpr QByteArrayView kKey = "hook-key-2";

// Keeps every event; publish() is called on the test's thread.
class RecordingSink final : public EventSink {
public:
    void publish(OutgoingEvent event) override { events.push_back(std::move(event)); }
    std::vector<OutgoingEvent> events;
};

// Records each call and answers with `next`.
class RecordingRegistrar final : public Registrar {
public:
    struct Call {
        QString kind; // "register" or "drain"
        QString service;
        QStringList urls;
        QStringList capabilities;
    };
    RegistrationResult registerEndpoints(const QString &service, const QStringList &urls,
                                         const QStringList &capabilities) override {
        calls.push_back({QStringLiteral("register"), service, urls, capabilities});
        return next;
    }
    RegistrationResult drainEndpoints(const QString &service, const QStringList &urls) override {
        calls.push_back({QStringLiteral("drain"), service, urls, {}});
        return next;
    }
    std::vector<Call> calls;
    RegistrationResult next{true, {}, {QStringLiteral("svc-1")}};
};

HooksConfig hooksConfig() {
    HooksConfig config;
    config.apiKeys = {QStringLiteral("hook-key-1"), QString::fromLatin1(kKey)};
    config.maxBodyBytes = 16 * 1024;
    config.pendingTimeout = std::chrono::milliseconds(60000);
    return config;
}

HttpRequest request(QByteArray method, QByteArray path, QByteArray body = {},
                    QByteArrayView apiKey = kKey, QByteArray contentType = "application/json") {
    HttpRequest r;
    r.head.method = std::move(method);
    r.head.target = std::move(path);
    if (!apiKey.isNull())
        r.head.headers.push_back({"X-API-Key", apiKey.toByteArray()});
    if (!contentType.isEmpty())
        r.head.headers.push_back({"Content-Type", std::move(contentType)});
    r.body = std::move(body);
    r.head.contentLength = r.body.size();
    r.head.framing = BodyFraming::ContentLength;
    r.peer = QHostAddress(QHostAddress::LocalHost);
    return r;
}

HttpRequest post(QByteArray path, const Json &body) {
    return request("POST", std::move(path), QByteArray::fromStdString(body.dump()));
}

Json parse(const QByteArray &bytes) {
    return Json::parse(bytes.toStdString());
}

QByteArray header(const HttpResponse &response, QByteArrayView name) {
    const HttpHeader *found = findHeader(response.headers, name);
    return found ? found->value : QByteArray();
}

// The sorted pointers of a problem's "errors".
QStringList errorPointers(const HttpResponse &response) {
    QStringList pointers;
    const Json body = parse(response.body);
    if (body.contains("errors")) {
        for (const Json &error : body["errors"]) {
            if (error["detail"].get<std::string>().empty())
                pointers << QStringLiteral("(no detail)");
            pointers << QString::fromStdString(error["pointer"].get<std::string>());
        }
    }
    pointers.sort();
    return pointers;
}

std::string uuid() {
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

// 2024-05-01T10:00:00Z plus `ms` milliseconds, to the microsecond.
std::string at(double ms) {
    using namespace std::chrono;
    const sys_time<microseconds> time =
        sys_days(year(2024) / May / 1) + hours(10) + microseconds(std::llround(ms * 1000.0));
    const sys_days day = floor<days>(time);
    const year_month_day date(day);
    const hh_mm_ss<microseconds> clock(time - day);
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                  int(clock.minutes().count()), int(clock.seconds().count()),
                  static_cast<long long>(clock.subseconds().count()));
    return text;
}

Json pre(const std::string &id, const std::string &timestamp, const std::string &service = "svc",
         const std::string &operation = "op") {
    return {{"correlation_id", id},   {"session_id", "session-1"},   {"service_name", service},
            {"operation", operation}, {"parameters", {{"sku", 42}}}, {"timestamp", timestamp}};
}

Json postBody(const std::string &id, const std::string &timestamp, bool success = true,
              Json error = nullptr) {
    return {{"correlation_id", id},
            {"success", success},
            {"output", {{"rows", 3}}},
            {"error", std::move(error)},
            {"timestamp", timestamp}};
}

Json lifecycle(const std::string &eventType,
               Json endpoints = Json::array({"http://127.0.0.1:9101"})) {
    Json body = {{"event_type", eventType},
                 {"timestamp", "2024-05-01T10:00:00Z"},
                 {"service_info",
                  {{"name", "inventory"},
                   {"version", "1.4.2"},
                   {"capabilities", {"v1", "v2"}},
                   {"endpoints", std::move(endpoints)},
                   {"dependencies", {"pricing"}}}},
                 {"intelligence_metadata",
                  {{"discovery_method", "hook"},
                   {"registration_automatic", true},
                   {"capability_extraction", "declared"}}}};
    if (eventType == "service_health_change")
        body["status"] = "degraded";
    return body;
}

Json tool(const std::string &eventType, const std::string &name = "inventory.lookup",
          const std::string &source = "inventory") {
    return {{"event_type", eventType},
            {"tool_info",
             {{"name", name},
              {"service_source", source},
              {"capabilities", {"read"}},
              {"signature", {{"sku", "string"}}},
              {"metadata", Json::object()}}},
            {"registration_method", "automatic"},
            {"intelligence_metadata",
             {{"usage_predictions", Json::array()}, {"integration_opportunities", {"pricing"}}}}};
}

// Every published event conforms to the schema of its topic and carries its ids.
void verifyEvents(const std::vector<OutgoingEvent> &events) {
    for (const OutgoingEvent &event : events) {
        const std::string name = "events/" + event.topic.toStdString();
        const JsonSchema *schema = findSchema(name);
        QVERIFY2(schema, name.c_str());
        const Json value = parse(event.value);
        const std::vector<SchemaViolation> violations = schema->validate(value);
        for (const SchemaViolation &violation : violations)
            qWarning().noquote() << event.topic << violation.pointer << violation.detail;
        QVERIFY2(violations.empty(), event.value.constData());
        QCOMPARE(QByteArray::fromStdString(value["event_id"].get<std::string>()), event.ceId);
        QCOMPARE(event.ceType,
                 "com.toolcapture." + event.topic + '.' +
                     QByteArray::fromStdString(value["event_type"].get<std::string>()));
        QCOMPARE(event.ceSource, QByteArray("/toolcapture/hooks"));
        QVERIFY(event.timeUs > 0);
        QVERIFY(!event.key.isEmpty());
    }
}

} // namespace

class TestHookReceiver : public QObject {
    Q_OBJECT
private slots:
    void badPayloads_data();
    void badPayloads();
    void authentication_data();
    void authentication();
    void bodyLimitsAndMediaType_data();
    void bodyLimitsAndMediaType();
    void wrongMethod_data();
    void wrongMethod();
    void handlesOnlyItsPaths();
    void preAndPostCorrelate();
    void postWithoutPreIsAConflict();
    void postBeforePreIsRejectedAndPreKept();
    void duplicatePreIsAConflict();
    void pendingExpiresAndEvicts();
    void insightsFollowTheCompletions();
    void insightsWindowIsTheLast100();
    void lifecycleCallsTheRegistrar();
    void lifecycleRegistrarRefusal();
    void lifecycleWithoutRegistrar();
    void toolRegistry();
    void countersPerEndpoint();
    void overRealSockets();
    void processingTime();
};

void TestHookReceiver::badPayloads_data() {
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QStringList>("pointers");

    const std::string id = uuid();
    const auto row = [](const char *name, QByteArray path, const Json &body, int status,
                        QStringList pointers) {
        pointers.sort();
        QTest::newRow(name) << path << QByteArray::fromStdString(body.dump()) << status << pointers;
    };
    const auto without = [](Json body, std::initializer_list<const char *> members) {
        for (const char *member : members)
            body.erase(member);
        return body;
    };

    // /hooks/pre
    row("pre: empty object", "/hooks/pre", Json::object(), 400,
        {"/correlation_id", "/session_id", "/service_name", "/operation", "/parameters",
         "/timestamp"});
    Json p = pre(id, at(0));
    p["correlation_id"] = "not-a-uuid";
    p["timestamp"] = "2024-05-01 10:00:00";
    row("pre: formats", "/hooks/pre", p, 400, {"/correlation_id", "/timestamp"});
    p = pre(id, at(0));
    p["parameters"] = Json::array();
    p["session_id"] = "";
    p["service_name"] = 7;
    row("pre: types and lengths", "/hooks/pre", p, 400,
        {"/parameters", "/session_id", "/service_name"});
    p = pre(id, at(0));
    p["foo"] = 1;
    p["a/b"] = 2;
    row("pre: unknown members, escaped", "/hooks/pre", p, 400, {"/foo", "/a~1b"});
    row("pre: not an object", "/hooks/pre", Json::array({1, 2}), 400, {""});
    QTest::newRow("pre: invalid JSON")
        << QByteArray("/hooks/pre") << QByteArray(R"({"correlation_id": })") << 400
        << QStringList{""};
    QTest::newRow("pre: invalid UTF-8")
        << QByteArray("/hooks/pre") << QByteArray("{\"session_id\": \"\xff\"}") << 400
        << QStringList{""};
    QTest::newRow("pre: nested too deep")
        << QByteArray("/hooks/pre")
        << QByteArray(R"({"parameters":)") + QByteArray(70, '[') + QByteArray(70, ']') + "}" << 400
        << QStringList{""};

    // /hooks/post
    Json q = postBody(id, at(5));
    q["success"] = "yes";
    q["error"] = 5;
    row("post: types", "/hooks/post", q, 400, {"/success", "/error"});
    row("post: missing members", "/hooks/post",
        without(postBody(id, at(5)), {"correlation_id", "timestamp"}), 400,
        {"/correlation_id", "/timestamp"});
    q = postBody(id, at(5));
    q["duration"] = 3;
    q["timestamp"] = "2024-02-30T10:00:00Z";
    row("post: extra member, impossible date", "/hooks/post", q, 400, {"/duration", "/timestamp"});
    row("post: no pending pre", "/hooks/post", postBody(uuid(), at(5)), 409, {"/correlation_id"});

    // /hooks/lifecycle
    Json l = lifecycle("service_started");
    l["event_type"] = "service_rebooted";
    l["service_info"]["name"] = "Inventory";
    row("lifecycle: enum and name pattern", "/hooks/lifecycle", l, 400,
        {"/event_type", "/service_info/name"});
    l = lifecycle("service_started", {"ftp://host/", 8080, "http://ok:1/x"});
    row("lifecycle: endpoints", "/hooks/lifecycle", l, 400,
        {"/service_info/endpoints/0", "/service_info/endpoints/1"});
    l = lifecycle("service_health_change");
    l.erase("status");
    row("lifecycle: health change without status", "/hooks/lifecycle", l, 400, {"/status"});
    l = lifecycle("service_started");
    l["status"] = "healthy";
    l["previous_status"] = "healthy";
    row("lifecycle: status outside health change", "/hooks/lifecycle", l, 400,
        {"/status", "/previous_status"});
    l = lifecycle("service_health_change");
    l["status"] = "sick";
    l["service_info"]["capabilities"] = "v1";
    l["intelligence_metadata"].erase("registration_automatic");
    l["service_info"].erase("version");
    row("lifecycle: nested members", "/hooks/lifecycle", l, 400,
        {"/status", "/service_info/capabilities", "/service_info/version",
         "/intelligence_metadata/registration_automatic"});
    row("lifecycle: missing blocks", "/hooks/lifecycle",
        without(lifecycle("service_stopped"),
                {"service_info", "intelligence_metadata", "timestamp"}),
        400, {"/service_info", "/intelligence_metadata", "/timestamp"});

    // /tools/register
    Json t = tool("tool_registered");
    t["event_type"] = "tool_deleted";
    t["registration_method"] = "magic";
    row("tools: enums", "/tools/register", t, 400, {"/event_type", "/registration_method"});
    t = tool("tool_registered");
    t["tool_info"]["signature"] = Json::array();
    t["tool_info"]["metadata"] = "none";
    t["tool_info"]["capabilities"] = {"ok", ""};
    row("tools: tool_info types", "/tools/register", t, 400,
        {"/tool_info/signature", "/tool_info/metadata", "/tool_info/capabilities/1"});
    row("tools: bad name", "/tools/register", tool("tool_registered", "has space"), 400,
        {"/tool_info/name"});
    t = tool("tool_discovered");
    t["intelligence_metadata"] = Json::object();
    t["tool_info"]["extra"] = true;
    row("tools: missing predictions, extra member", "/tools/register", t, 400,
        {"/intelligence_metadata/usage_predictions",
         "/intelligence_metadata/integration_opportunities", "/tool_info/extra"});
    row("tools: no tool_info", "/tools/register", without(tool("tool_registered"), {"tool_info"}),
        400, {"/tool_info"});
    row("tools: update of an unknown tool", "/tools/register", tool("tool_updated"), 409,
        {"/tool_info/name"});
}

void TestHookReceiver::badPayloads() {
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QStringList, pointers);

    RecordingSink sink;
    RecordingRegistrar registrar;
    HookReceiver receiver(hooksConfig(), sink, &registrar);
    const HttpResponse response = receiver.handle(request("POST", path, body));
    QCOMPARE(response.status, status);
    QCOMPARE(header(response, "Content-Type"), QByteArray("application/problem+json"));
    const Json problem = parse(response.body);
    QCOMPARE(problem["status"].get<int>(), status);
    QCOMPARE(QByteArray::fromStdString(problem["instance"].get<std::string>()), path);
    QVERIFY(!problem["detail"].get<std::string>().empty());
    QCOMPARE(errorPointers(response), pointers);
    QCOMPARE(sink.events.size(), std::size_t(0));
    QVERIFY(registrar.calls.empty());
    QCOMPARE(receiver.stats().published, quint64(0));
}

void TestHookReceiver::authentication_data() {
    QTest::addColumn<QStringList>("configuredKeys");
    QTest::addColumn<QByteArrayList>("sentKeys");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("detail");

    const QStringList keys{QStringLiteral("hook-key-1"), QStringLiteral("hook-key-2")};
    QTest::newRow("no keys configured")
        << QStringList() << QByteArrayList{"hook-key-1"} << 401 << "hooks.api_keys is empty";
    QTest::newRow("no header") << keys << QByteArrayList{} << 401 << "no X-API-Key header";
    QTest::newRow("wrong key") << keys << QByteArrayList{"hook-key-3"} << 401
                               << "matches none of hooks.api_keys";
    QTest::newRow("prefix of a key")
        << keys << QByteArrayList{"hook-key-"} << 401 << "matches none of hooks.api_keys";
    QTest::newRow("empty key") << keys << QByteArrayList{""} << 401
                               << "matches none of hooks.api_keys";
    QTest::newRow("two headers") << keys << QByteArrayList{"hook-key-1", "hook-key-2"} << 401
                                 << "more than one X-API-Key";
    QTest::newRow("first key") << keys << QByteArrayList{"hook-key-1"} << 202 << "";
    QTest::newRow("second key") << keys << QByteArrayList{"hook-key-2"} << 202 << "";
}

void TestHookReceiver::authentication() {
    QFETCH(QStringList, configuredKeys);
    QFETCH(QByteArrayList, sentKeys);
    QFETCH(int, status);
    QFETCH(QString, detail);

    HooksConfig config = hooksConfig();
    config.apiKeys = configuredKeys;
    RecordingSink sink;
    HookReceiver receiver(config, sink, nullptr);
    HttpRequest r =
        request("POST", "/hooks/pre", QByteArray::fromStdString(pre(uuid(), at(0)).dump()), {});
    for (const QByteArray &key : sentKeys)
        r.head.headers.push_back({"X-API-Key", key});
    const HttpResponse response = receiver.handle(r);
    QCOMPARE(response.status, status);
    if (status == 401) {
        QVERIFY2(parse(response.body)["detail"].get<std::string>().find(detail.toStdString()) !=
                     std::string::npos,
                 response.body.constData());
        QCOMPARE(receiver.stats().pending, quint64(0));
    } else {
        QCOMPARE(receiver.stats().pending, quint64(1));
    }
    QCOMPARE(sink.events.size(), std::size_t(0));
}

void TestHookReceiver::bodyLimitsAndMediaType_data() {
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("padding");
    QTest::addColumn<int>("status");

    QTest::newRow("json") << QByteArray("application/json") << 0 << 202;
    QTest::newRow("json utf-8") << QByteArray("Application/JSON; charset=\"UTF-8\"") << 0 << 202;
    QTest::newRow("+json suffix") << QByteArray("application/vnd.hook+json") << 0 << 202;
    QTest::newRow("text/plain") << QByteArray("text/plain") << 0 << 415;
    QTest::newRow("no content type") << QByteArray() << 0 << 415;
    QTest::newRow("latin-1 json") << QByteArray("application/json; charset=iso-8859-1") << 0 << 415;
    QTest::newRow("at the limit") << QByteArray("application/json") << 0 << 202;
    QTest::newRow("over the limit") << QByteArray("application/json") << 1 << 413;
}

void TestHookReceiver::bodyLimitsAndMediaType() {
    QFETCH(QByteArray, contentType);
    QFETCH(int, padding);
    QFETCH(int, status);

    RecordingSink sink;
    HooksConfig config = hooksConfig();
    QByteArray body = QByteArray::fromStdString(pre(uuid(), at(0)).dump());
    if (QByteArrayView(QTest::currentDataTag()).contains("limit")) {
        // Whitespace fills the body up to exactly the limit (plus padding).
        config.maxBodyBytes = 1024;
        body += QByteArray(1024 - body.size() + padding, ' ');
    }
    HookReceiver receiver(config, sink, nullptr);
    const HttpResponse response =
        receiver.handle(request("POST", "/hooks/pre", body, kKey, contentType));
    QCOMPARE(response.status, status);
    if (status == 415)
        QCOMPARE(header(response, "Accept"), QByteArray("application/json"));
    if (status >= 400)
        QCOMPARE(header(response, "Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(receiver.stats().pending, quint64(status == 202 ? 1 : 0));
}

void TestHookReceiver::wrongMethod_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("allow");

    QTest::newRow("GET pre") << QByteArray("GET") << QByteArray("/hooks/pre") << QByteArray("POST");
    QTest::newRow("PUT post") << QByteArray("PUT") << QByteArray("/hooks/post")
                              << QByteArray("POST");
    QTest::newRow("DELETE lifecycle")
        << QByteArray("DELETE") << QByteArray("/hooks/lifecycle") << QByteArray("POST");
    QTest::newRow("GET register") << QByteArray("GET") << QByteArray("/tools/register")
                                  << QByteArray("POST");
    QTest::newRow("POST tools") << QByteArray("POST") << QByteArray("/tools")
                                << QByteArray("GET, HEAD");
}

void TestHookReceiver::wrongMethod() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, allow);
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const HttpResponse response = receiver.handle(request(method, path, "{}"));
    QCOMPARE(response.status, 405);
    QCOMPARE(header(response, "Allow"), allow);
    QCOMPARE(header(response, "Content-Type"), QByteArray("application/problem+json"));
    QVERIFY(sink.events.empty());
}

void TestHookReceiver::handlesOnlyItsPaths() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    for (const char *path :
         {"/hooks/pre", "/hooks/post", "/hooks/lifecycle", "/tools/register", "/tools"})
        QVERIFY2(receiver.handles(path), path);
    for (const char *path : {"/hooks", "/hooks/", "/hooks/pre/", "/tools/", "/tool",
                             "/api/v1/status", "/hooks/prefix"})
        QVERIFY2(!receiver.handles(path), path);
    // The path, not the query, decides.
    QCOMPARE(receiver.handle(request("GET", "/tools?x=1")).status, 200);
}

void TestHookReceiver::preAndPostCorrelate() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const std::string id = uuid();
    const HttpResponse accepted = receiver.handle(post("/hooks/pre", pre(id, at(0))));
    QCOMPARE(accepted.status, 202);
    QCOMPARE(parse(accepted.body)["correlation_id"].get<std::string>(), id);
    QVERIFY(sink.events.empty());
    QCOMPARE(receiver.stats().pending, quint64(1));

    // Upper case names the same UUID.
    std::string upper = id;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    const HttpResponse done =
        receiver.handle(post("/hooks/post", postBody(upper, at(1234.5), false, "disk full")));
    QCOMPARE(done.status, 200);
    QCOMPARE(sink.events.size(), std::size_t(1));
    const OutgoingEvent &event = sink.events.front();
    QCOMPARE(event.topic, QByteArray("hooks.execution_intelligence"));
    QCOMPARE(event.key, QByteArray::fromStdString(id));
    QCOMPARE(event.ceType,
             QByteArray("com.toolcapture.hooks.execution_intelligence.execution_completed"));
    const Json answer = parse(done.body);
    QCOMPARE(QByteArray::fromStdString(answer["event_id"].get<std::string>()), event.ceId);
    QCOMPARE(answer["execution_time_ms"].get<double>(), 1234.5);

    const Json value = parse(event.value);
    QCOMPARE(value["correlation_id"].get<std::string>(), id);
    QCOMPARE(value["results"]["execution_time_ms"].get<double>(), 1234.5);
    QCOMPARE(value["results"]["success"].get<bool>(), false);
    QCOMPARE(value["results"]["error"].get<std::string>(), std::string("disk full"));
    COMPARE_JSON(value["results"]["output"], (Json{{"rows", 3}}));
    COMPARE_JSON(value["pre_context"], (Json{{"session_id", "session-1"},
                                             {"service_name", "svc"},
                                             {"operation", "op"},
                                             {"parameters", {{"sku", 42}}},
                                             {"timestamp", at(0)}}));
    QCOMPARE(value["intelligence_insights"]["operation_success_rate"].get<double>(), 0.0);
    QCOMPARE(value["intelligence_insights"]["performance_trend"].get<std::string>(),
             std::string("insufficient_data"));
    QCOMPARE(receiver.stats().pending, quint64(0));

    // Offsets count: 10:00:01+01:00 is 09:00:01Z, one hour before the pre hook.
    const std::string other = uuid();
    QCOMPARE(
        receiver.handle(post("/hooks/pre", pre(other, "2024-05-01T10:00:00.000+02:00"))).status,
        202);
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(other, "2024-05-01T08:00:02.5Z"))).status,
             200);
    QCOMPARE(parse(sink.events.back().value)["results"]["execution_time_ms"].get<double>(), 2500.0);

    // A second post for the same id finds nothing pending.
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(id, at(2000)))).status, 409);
    QCOMPARE(sink.events.size(), std::size_t(2));
    verifyEvents(sink.events);
}

void TestHookReceiver::postWithoutPreIsAConflict() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const std::string id = uuid();
    const HttpResponse response = receiver.handle(post("/hooks/post", postBody(id, at(1))));
    QCOMPARE(response.status, 409);
    const std::string detail = parse(response.body)["detail"].get<std::string>();
    QVERIFY2(detail.find("No pre hook is pending for correlation_id " + id) != std::string::npos,
             detail.c_str());
    QVERIFY(sink.events.empty());
    QCOMPARE(receiver.stats().unmatchedPosts, quint64(1));
}

void TestHookReceiver::postBeforePreIsRejectedAndPreKept() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const std::string id = uuid();
    QCOMPARE(receiver.handle(post("/hooks/pre", pre(id, at(1000)))).status, 202);
    const HttpResponse early = receiver.handle(post("/hooks/post", postBody(id, at(750))));
    QCOMPARE(early.status, 400);
    QCOMPARE(errorPointers(early), QStringList{"/timestamp"});
    QVERIFY2(early.body.contains("is 250.000 ms before the pre hook's timestamp"), early.body);
    QVERIFY(sink.events.empty());
    QCOMPARE(receiver.stats().pending, quint64(1));

    // Equal timestamps are a zero-length execution, not an error.
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(id, at(1000)))).status, 200);
    QCOMPARE(parse(sink.events.back().value)["results"]["execution_time_ms"].get<double>(), 0.0);
    verifyEvents(sink.events);
}

void TestHookReceiver::duplicatePreIsAConflict() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const std::string id = uuid();
    QCOMPARE(receiver.handle(post("/hooks/pre", pre(id, at(0)))).status, 202);
    const HttpResponse again = receiver.handle(post("/hooks/pre", pre(id, at(5))));
    QCOMPARE(again.status, 409);
    QCOMPARE(errorPointers(again), QStringList{"/correlation_id"});
    // The first one is still the one pending: its timestamp decides the execution time.
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(id, at(10)))).status, 200);
    QCOMPARE(parse(sink.events.back().value)["results"]["execution_time_ms"].get<double>(), 10.0);
}

void TestHookReceiver::pendingExpiresAndEvicts() {
    RecordingSink sink;
    ManualClock clock;
    HooksConfig config = hooksConfig();
    config.pendingTimeout = std::chrono::milliseconds(1000);
    HookReceiverLimits limits;
    limits.maxPending = 2;
    HookReceiver receiver(config, sink, nullptr, clock, limits);

    const std::string a = uuid(), b = uuid(), c = uuid();
    QCOMPARE(receiver.handle(post("/hooks/pre", pre(a, at(0)))).status, 202);
    clock.advance(std::chrono::milliseconds(999));
    QCOMPARE(receiver.handle(post("/hooks/pre", pre(b, at(0)))).status, 202);
    clock.advance(std::chrono::milliseconds(1));
    // a is 1000 ms old: gone.
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(a, at(1)))).status, 409);
    QCOMPARE(receiver.stats().pendingExpired, quint64(1));
    QCOMPARE(receiver.stats().pending, quint64(1));

    QCOMPARE(receiver.handle(post("/hooks/pre", pre(a, at(0)))).status, 202);
    QCOMPARE(receiver.handle(post("/hooks/pre", pre(c, at(0)))).status, 202);
    // Full at 2: c pushed out b, the oldest.
    QCOMPARE(receiver.stats().pendingEvicted, quint64(1));
    QCOMPARE(receiver.stats().pending, quint64(2));
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(b, at(1)))).status, 409);
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(a, at(1)))).status, 200);
    QCOMPARE(receiver.handle(post("/hooks/post", postBody(c, at(1)))).status, 200);
    QCOMPARE(sink.events.size(), std::size_t(2));
    QCOMPARE(receiver.stats().unmatchedPosts, quint64(2));
}

void TestHookReceiver::insightsFollowTheCompletions() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    struct Step {
        const char *operation;
        double ms;
        bool success;
        const char *error;
    };
    // "lookup": 10 completions, 7 successes, failures "timeout" x2 and "refused" x1; slow first,
    // fast later. "sync": steady. "export": fast, then slow.
    const std::vector<Step> steps = {
        {"lookup", 100, true, nullptr}, {"lookup", 100, false, "timeout"},
        {"lookup", 100, true, nullptr}, {"lookup", 100, true, nullptr},
        {"sync", 50, true, nullptr},    {"lookup", 100, false, "refused"},
        {"sync", 50, true, nullptr},    {"lookup", 20, true, nullptr},
        {"sync", 50, true, nullptr},    {"lookup", 20, false, "timeout"},
        {"sync", 50, false, nullptr},   {"lookup", 20, true, nullptr},
        {"sync", 50, true, nullptr},    {"lookup", 20, true, nullptr},
        {"sync", 50, true, nullptr},    {"lookup", 20, true, nullptr},
        {"export", 20, true, nullptr},  {"export", 20, true, nullptr},
        {"export", 20, true, nullptr},  {"export", 20, true, nullptr},
        {"export", 20, true, nullptr},  {"export", 200, true, nullptr},
        {"export", 200, true, nullptr},
    };
    std::map<std::string, Json> last;
    for (const Step &step : steps) {
        const std::string id = uuid();
        QCOMPARE(
            receiver.handle(post("/hooks/pre", pre(id, at(0), "inventory", step.operation))).status,
            202);
        const Json error = step.error ? Json(step.error) : Json(nullptr);
        QCOMPARE(
            receiver.handle(post("/hooks/post", postBody(id, at(step.ms), step.success, error)))
                .status,
            200);
        const Json event = parse(sink.events.back().value);
        last[step.operation] = event["intelligence_insights"];
        // Below five completions there is no trend to speak of.
        if (event["intelligence_insights"]["sample_size"].get<int>() < 5)
            QCOMPARE(event["intelligence_insights"]["performance_trend"].get<std::string>(),
                     std::string("insufficient_data"));
    }
    QCOMPARE(last["lookup"]["sample_size"].get<int>(), 10);
    QCOMPARE(last["lookup"]["operation_success_rate"].get<double>(), 0.7);
    QCOMPARE(last["lookup"]["performance_trend"].get<std::string>(), std::string("improving"));
    COMPARE_JSON(last["lookup"]["failure_patterns"],
                 (Json::array({{{"error", "timeout"}, {"count", 2}},
                               {{"error", "refused"}, {"count", 1}}})));

    QCOMPARE(last["sync"]["sample_size"].get<int>(), 6);
    QCOMPARE(last["sync"]["operation_success_rate"].get<double>(), 5.0 / 6.0);
    QCOMPARE(last["sync"]["performance_trend"].get<std::string>(), std::string("stable"));
    COMPARE_JSON(last["sync"]["failure_patterns"],
                 (Json::array({{{"error", nullptr}, {"count", 1}}})));
    QCOMPARE(last["sync"]["execution_time_ewma_ms"]["short"].get<double>(), 50.0);

    QCOMPARE(last["export"]["operation_success_rate"].get<double>(), 1.0);
    QCOMPARE(last["export"]["performance_trend"].get<std::string>(), std::string("degrading"));
    COMPARE_JSON(last["export"]["failure_patterns"], Json::array());
    verifyEvents(sink.events);
}

void TestHookReceiver::insightsWindowIsTheLast100() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    for (int i = 0; i < 105; ++i) {
        const std::string id = uuid();
        QCOMPARE(receiver.handle(post("/hooks/pre", pre(id, at(0)))).status, 202);
        const bool success = i >= 5; // the first five fail, then fall out of the window
        QCOMPARE(receiver
                     .handle(post("/hooks/post", postBody(id, at(10), success,
                                                          success ? Json(nullptr) : Json("x"))))
                     .status,
                 200);
        const Json insights = parse(sink.events.back().value)["intelligence_insights"];
        QCOMPARE(insights["sample_size"].get<int>(), std::min(i + 1, 100));
        if (i == 99)
            QCOMPARE(insights["operation_success_rate"].get<double>(), 0.95);
    }
    const Json insights = parse(sink.events.back().value)["intelligence_insights"];
    QCOMPARE(insights["operation_success_rate"].get<double>(), 1.0);
    COMPARE_JSON(insights["failure_patterns"], Json::array());
}

void TestHookReceiver::lifecycleCallsTheRegistrar() {
    RecordingSink sink;
    RecordingRegistrar registrar;
    HookReceiver receiver(hooksConfig(), sink, &registrar);

    registrar.next = {true, {}, {QStringLiteral("inventory-7"), QStringLiteral("inventory-8")}};
    const HttpResponse started = receiver.handle(
        post("/hooks/lifecycle",
             lifecycle("service_started", {"http://127.0.0.1:9101", "http://127.0.0.1:9102/api"})));
    QCOMPARE(started.status, 200);
    QCOMPARE(registrar.calls.size(), std::size_t(1));
    QCOMPARE(registrar.calls[0].kind, QStringLiteral("register"));
    QCOMPARE(registrar.calls[0].service, QStringLiteral("inventory"));
    QCOMPARE(registrar.calls[0].urls, (QStringList{QStringLiteral("http://127.0.0.1:9101"),
                                                   QStringLiteral("http://127.0.0.1:9102/api")}));
    QCOMPARE(registrar.calls[0].capabilities, (QStringList{"v1", "v2"}));
    const Json registered = {{"action", "registered"},
                             {"instance_ids", {"inventory-7", "inventory-8"}}};
    COMPARE_JSON(parse(started.body)["registration"], registered);
    QCOMPARE(sink.events.size(), std::size_t(1));
    QCOMPARE(sink.events[0].topic, QByteArray("hooks.service_lifecycle"));
    QCOMPARE(sink.events[0].key, QByteArray("inventory"));
    QCOMPARE(sink.events[0].ceType,
             QByteArray("com.toolcapture.hooks.service_lifecycle.service_started"));
    const Json event = parse(sink.events[0].value);
    COMPARE_JSON(event["registration"], registered);
    QCOMPARE(event["service_info"]["version"].get<std::string>(), std::string("1.4.2"));
    QCOMPARE(event["timestamp"].get<std::string>(), std::string("2024-05-01T10:00:00Z"));

    // No endpoints: nothing to register, still reported.
    QCOMPARE(receiver.handle(post("/hooks/lifecycle", lifecycle("service_started", Json::array())))
                 .status,
             200);
    QCOMPARE(registrar.calls.size(), std::size_t(1));
    COMPARE_JSON(parse(sink.events.back().value)["registration"], Json(nullptr));

    // Health changes do not touch the registry.
    QCOMPARE(receiver.handle(post("/hooks/lifecycle", lifecycle("service_health_change"))).status,
             200);
    QCOMPARE(registrar.calls.size(), std::size_t(1));
    QCOMPARE(parse(sink.events.back().value)["status"].get<std::string>(), std::string("degraded"));

    // Stopped with no endpoints: every instance of the service drains.
    registrar.next = {true, {}, {QStringLiteral("inventory-7")}};
    QCOMPARE(receiver.handle(post("/hooks/lifecycle", lifecycle("service_stopped", Json::array())))
                 .status,
             200);
    QCOMPARE(registrar.calls.size(), std::size_t(2));
    QCOMPARE(registrar.calls[1].kind, QStringLiteral("drain"));
    QCOMPARE(registrar.calls[1].urls, QStringList());
    QCOMPARE(parse(sink.events.back().value)["registration"]["action"].get<std::string>(),
             std::string("drained"));
    QCOMPARE(sink.events.size(), std::size_t(4));
    verifyEvents(sink.events);
}

void TestHookReceiver::lifecycleRegistrarRefusal() {
    RecordingSink sink;
    RecordingRegistrar registrar;
    registrar.next = {
        false, QStringLiteral("http://127.0.0.1:9101 is already an instance of pricing"), {}};
    HookReceiver receiver(hooksConfig(), sink, &registrar);
    const HttpResponse response =
        receiver.handle(post("/hooks/lifecycle", lifecycle("service_started")));
    QCOMPARE(response.status, 422);
    QCOMPARE(errorPointers(response), QStringList{"/service_info/endpoints"});
    QVERIFY(response.body.contains("already an instance of pricing"));
    QCOMPARE(registrar.calls.size(), std::size_t(1));
    QVERIFY(sink.events.empty());
    QCOMPARE(receiver.stats().registrationFailures, quint64(1));

    const HttpResponse drain =
        receiver.handle(post("/hooks/lifecycle", lifecycle("service_stopped")));
    QCOMPARE(drain.status, 422);
    QVERIFY(sink.events.empty());
}

void TestHookReceiver::lifecycleWithoutRegistrar() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    QCOMPARE(receiver.handle(post("/hooks/lifecycle", lifecycle("service_started"))).status, 200);
    QCOMPARE(sink.events.size(), std::size_t(1));
    COMPARE_JSON(parse(sink.events[0].value)["registration"], Json(nullptr));
    verifyEvents(sink.events);
}

void TestHookReceiver::toolRegistry() {
    RecordingSink sink;
    HookReceiverLimits limits;
    limits.maxTools = 2;
    HookReceiver receiver(hooksConfig(), sink, nullptr, SteadyClock::instance(), limits);

    const HttpResponse first = receiver.handle(post("/tools/register", tool("tool_registered")));
    QCOMPARE(first.status, 200);
    QCOMPARE(parse(first.body)["known_before"].get<bool>(), false);
    Json update = tool("tool_updated");
    update["tool_info"]["capabilities"] = {"read", "write"};
    const HttpResponse updated = receiver.handle(post("/tools/register", update));
    QCOMPARE(updated.status, 200);
    QCOMPARE(parse(updated.body)["known_before"].get<bool>(), true);
    QCOMPARE(
        receiver.handle(post("/tools/register", tool("tool_discovered", "pricing.quote"))).status,
        200);
    QCOMPARE(sink.events.size(), std::size_t(3));
    QCOMPARE(sink.events[1].key, QByteArray("inventory.lookup"));
    QCOMPARE(sink.events[1].ceType,
             QByteArray("com.toolcapture.tools.registration_events.tool_updated"));
    COMPARE_JSON(parse(sink.events[1].value)["tool_info"], update["tool_info"]);

    // Full at two tools: a third name is refused, the known ones still change.
    const HttpResponse full =
        receiver.handle(post("/tools/register", tool("tool_registered", "third.tool")));
    QCOMPARE(full.status, 503);
    QCOMPARE(receiver.handle(post("/tools/register", tool("tool_registered"))).status, 200);
    QCOMPARE(sink.events.size(), std::size_t(4));

    const HttpResponse list = receiver.handle(request("GET", "/tools"));
    QCOMPARE(list.status, 200);
    const Json tools = parse(list.body);
    QCOMPARE(tools["count"].get<int>(), 2);
    QCOMPARE(tools["tools"][0]["name"].get<std::string>(), std::string("inventory.lookup"));
    QCOMPARE(tools["tools"][0]["registrations"].get<int>(), 3);
    QCOMPARE(tools["tools"][0]["last_event_type"].get<std::string>(),
             std::string("tool_registered"));
    COMPARE_JSON(tools["tools"][0]["capabilities"], Json::array({"read"}));
    QCOMPARE(tools["tools"][1]["name"].get<std::string>(), std::string("pricing.quote"));
    QCOMPARE(tools["tools"][1]["registration_method"].get<std::string>(), std::string("automatic"));
    QCOMPARE(receiver.stats().toolsKnown, quint64(2));

    // The list needs the key too.
    QCOMPARE(receiver.handle(request("GET", "/tools", {}, "wrong")).status, 401);
    verifyEvents(sink.events);
}

void TestHookReceiver::countersPerEndpoint() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    const std::string id = uuid();
    receiver.handle(post("/hooks/pre", pre(id, at(0))));
    receiver.handle(post("/hooks/pre", Json::object()));
    receiver.handle(request("GET", "/hooks/pre"));
    receiver.handle(post("/hooks/post", postBody(id, at(3))));
    receiver.handle(post("/tools/register", tool("tool_registered")));
    receiver.handle(request("GET", "/tools"));
    const HookStats stats = receiver.stats();
    QCOMPARE(stats.endpoint(HookEndpoint::Pre).received, quint64(3));
    QCOMPARE(stats.endpoint(HookEndpoint::Pre).accepted, quint64(1));
    QCOMPARE(stats.endpoint(HookEndpoint::Pre).rejected, quint64(2));
    QCOMPARE(stats.endpoint(HookEndpoint::Post).accepted, quint64(1));
    QCOMPARE(stats.endpoint(HookEndpoint::Lifecycle).received, quint64(0));
    QCOMPARE(stats.endpoint(HookEndpoint::ToolRegister).accepted, quint64(1));
    QCOMPARE(stats.endpoint(HookEndpoint::ToolList).accepted, quint64(1));
    QCOMPARE(stats.published, quint64(2));
    QCOMPARE(QByteArray(hookEndpointName(HookEndpoint::ToolRegister)),
             QByteArray("tools_register"));
}

void TestHookReceiver::overRealSockets() {
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    HttpServer server([&](const HttpRequest &r, std::shared_ptr<HttpResponder> responder) {
        if (receiver.handles(r.head.path()))
            responder->respond(receiver.handle(r));
        else
            responder->respond(HttpResponse::problem(404, "not a hook"));
    });
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

    RawHttpClient client;
    QVERIFY(client.connectTo(server.port()));
    const auto send = [&](QByteArray method, QByteArray path, const Json &body) {
        const QByteArray bytes = QByteArray::fromStdString(body.dump());
        return client.exchange(method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                               "X-API-Key: " + kKey.toByteArray() +
                               "\r\nContent-Type: application/json\r\nContent-Length: " +
                               QByteArray::number(bytes.size()) + "\r\n\r\n" + bytes);
    };
    const std::string id = uuid();
    const auto accepted = send("POST", "/hooks/pre", pre(id, at(0)));
    QVERIFY(accepted);
    QCOMPARE(accepted->status, 202);
    const auto done = send("POST", "/hooks/post", postBody(id, at(42)));
    QVERIFY(done);
    QCOMPARE(done->status, 200);
    QCOMPARE(done->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(done->header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(parse(done->body)["execution_time_ms"].get<double>(), 42.0);
    QCOMPARE(sink.events.size(), std::size_t(1));

    Json bad = pre(uuid(), "yesterday");
    bad.erase("operation");
    const auto rejected = send("POST", "/hooks/pre", bad);
    QVERIFY(rejected);
    QCOMPARE(rejected->status, 400);
    QCOMPARE(rejected->header("Content-Type"), QByteArray("application/problem+json"));
    const Json problem = parse(rejected->body);
    QCOMPARE(problem["errors"].size(), std::size_t(2));
    QCOMPARE(problem["errors"][0]["pointer"].get<std::string>(), std::string("/operation"));
    QCOMPARE(problem["errors"][1]["pointer"].get<std::string>(), std::string("/timestamp"));

    const auto wrongMethod = send("PUT", "/tools", Json::object());
    QVERIFY(wrongMethod);
    QCOMPARE(wrongMethod->status, 405);
    QCOMPARE(wrongMethod->header("Allow"), QByteArray("GET, HEAD"));
    QCOMPARE(sink.events.size(), std::size_t(1));
    verifyEvents(sink.events);
}

void TestHookReceiver::processingTime() {
    // The source documents ask for under 50 ms per hook event. Measured per pre+post pair: two
    // requests, their schema checks, the insights and one event.
    RecordingSink sink;
    HookReceiver receiver(hooksConfig(), sink, nullptr);
    constexpr int kPairs = 2000;
    std::vector<qint64> nanos;
    nanos.reserve(kPairs);
    std::vector<HttpRequest> pres, posts;
    for (int i = 0; i < kPairs; ++i) {
        const std::string id = uuid();
        pres.push_back(post("/hooks/pre", pre(id, at(0), "svc", "op" + std::to_string(i % 20))));
        posts.push_back(post("/hooks/post", postBody(id, at(i % 50), i % 7 != 0,
                                                     i % 7 != 0 ? Json(nullptr) : Json("boom"))));
    }
    QElapsedTimer timer;
    for (int i = 0; i < kPairs; ++i) {
        timer.start();
        const int preStatus = receiver.handle(pres[std::size_t(i)]).status;
        const int postStatus = receiver.handle(posts[std::size_t(i)]).status;
        nanos.push_back(timer.nsecsElapsed());
        QCOMPARE(preStatus, 202);
        QCOMPARE(postStatus, 200);
    }
    std::sort(nanos.begin(), nanos.end());
    double total = 0;
    for (const qint64 n : nanos)
        total += double(n);
    const auto ms = [&](std::size_t index) { return double(nanos[index]) / 1e6; };
    const double medianMs = ms(kPairs / 2);
    qInfo("pre+post pair: mean %.3f ms, median %.3f ms, p99 %.3f ms, max %.3f ms (%d pairs)",
          total / kPairs / 1e6, medianMs, ms(kPairs * 99 / 100), ms(kPairs - 1), kPairs);
    // The median, not the tail: on a shared CI machine the tail measures the scheduler.
    QVERIFY2(medianMs < 50.0, qPrintable(QString::number(medianMs)));
    QCOMPARE(sink.events.size(), std::size_t(kPairs));
}

QTEST_GUILESS_MAIN(TestHookReceiver)
#include "tst_hook_receiver.moc"
