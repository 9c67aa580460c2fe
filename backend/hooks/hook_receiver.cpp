#include <backend/core/uuid.h>
#include <backend/events/event_sink.h>
#include <backend/hooks/hook_receiver.h>
#include <backend/hooks/registrar.h>
#include <backend/http/problem_details.h>
#include <backend/httpserver/api_problem.h>
#include <backend/schema/rfc3339_time.h>
#include <backend/schema/schema_catalog.h>

#include <algorithm>
#include <chrono>

namespace ToolCapture {

namespace {

using Json = nlohmann::ordered_json;

QByteArray dump(const Json &json) {
    return QByteArray::fromStdString(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string str(QByteArrayView bytes) {
    return std::string(bytes.data(), std::size_t(bytes.size()));
}

// Time-ordered: execution events become execution_intelligence rows keyed by their id.
QByteArray newUuid() {
    return Uuid::newV7();
}

std::int64_t wallClockMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// RFC 9457 problem with the "errors" extension: one {"detail", "pointer"} per field at fault.
HttpResponse problem(int status, QByteArrayView detail, QByteArrayView instance,
                     const std::vector<SchemaViolation> &errors = {}) {
    std::vector<ApiProblem::Error> list;
    list.reserve(errors.size());
    for (const SchemaViolation &error : errors)
        list.push_back({error.detail.toUtf8(), error.pointer.toUtf8()});
    return ApiProblem::response(status, detail, instance, list);
}

HttpResponse jsonResponse(int status, const Json &body) {
    return HttpResponse::json(status, dump(body));
}

// application/json or application/<anything>+json, in UTF-8 (RFC 8259 allows no other).
bool isJsonMediaType(QByteArrayView value) {
    const QByteArray lower = value.toByteArray().toLower();
    const QList<QByteArray> parts = lower.split(';');
    const QByteArray type = parts.first().trimmed();
    if (type != "application/json" && !(type.startsWith("application/") && type.endsWith("+json")))
        return false;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray parameter = parts.at(i).trimmed();
        if (parameter.startsWith("charset=")) {
            QByteArray charset = parameter.mid(8);
            if (charset.startsWith('"') && charset.endsWith('"') && charset.size() >= 2)
                charset = charset.mid(1, charset.size() - 2);
            if (charset != "utf-8" && charset != "utf8")
                return false;
        }
    }
    return true;
}

// Whether the JSON text nests arrays and objects deeper than `limit`: counted on the bytes,
// before the (recursive) stages that come after parsing see it.
bool nestsDeeperThan(QByteArrayView text, int limit) {
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

// The time taken depends on the lengths only, not on where the first difference is.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b) {
    unsigned difference = a.size() == b.size() ? 0u : 1u;
    const qsizetype length = std::max(a.size(), b.size());
    for (qsizetype i = 0; i < length; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        difference |= unsigned(x ^ y);
    }
    return difference == 0;
}

std::optional<HookEndpoint> endpointFor(QByteArrayView path) {
    if (path == "/hooks/pre")
        return HookEndpoint::Pre;
    if (path == "/hooks/post")
        return HookEndpoint::Post;
    if (path == "/hooks/lifecycle")
        return HookEndpoint::Lifecycle;
    if (path == "/tools/register")
        return HookEndpoint::ToolRegister;
    if (path == "/tools")
        return HookEndpoint::ToolList;
    return std::nullopt;
}

std::string lowerAscii(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    return text;
}

QStringList stringList(const Json &array) {
    QStringList list;
    for (const Json &item : array)
        list << QString::fromStdString(item.get<std::string>());
    return list;
}

Json jsonList(const QStringList &list) {
    Json array = Json::array();
    for (const QString &item : list)
        array.push_back(item.toStdString());
    return array;
}

QByteArray number(double value) {
    return QByteArray::number(value, 'f', 3);
}

struct BodySchema {
    std::string_view name; // in the catalog
    const char *file;      // for people reading the error
};

BodySchema bodySchemaOf(HookEndpoint endpoint) {
    switch (endpoint) {
    case HookEndpoint::Pre:
        return {"hooks/pre", "docs/schemas/hooks/pre.json"};
    case HookEndpoint::Post:
        return {"hooks/post", "docs/schemas/hooks/post.json"};
    case HookEndpoint::Lifecycle:
        return {"hooks/lifecycle", "docs/schemas/hooks/lifecycle.json"};
    case HookEndpoint::ToolRegister:
    case HookEndpoint::ToolList:
        break;
    }
    return {"hooks/tool_registration", "docs/schemas/hooks/tool_registration.json"};
}

} // namespace

HookReceiver::HookReceiver(const HooksConfig &config, EventSink &sink, Registrar *registrar,
                           const Clock &clock, HookReceiverLimits limits)
    : m_maxBodyBytes(config.maxBodyBytes)
    , m_pendingTimeout(config.pendingTimeout)
    , m_sink(sink)
    , m_registrar(registrar)
    , m_pending(limits.maxPending, config.pendingTimeout, clock)
    , m_insights(limits.maxOperations)
    , m_tools(limits.maxTools) {
    setConfig(config);
    // Compiles every schema now, so that a broken one stops the program at start-up rather
    // than at the first hook.
    (void)schemaNames();
}

HookReceiver::~HookReceiver() = default;

void HookReceiver::setConfig(const HooksConfig &config) {
    m_apiKeys.clear();
    for (const QString &key : config.apiKeys)
        m_apiKeys << key.toUtf8();
    m_maxBodyBytes = config.maxBodyBytes;
    m_pendingTimeout = config.pendingTimeout;
    m_pending.setTimeout(config.pendingTimeout);
}

bool HookReceiver::handles(QByteArrayView path) const {
    return endpointFor(path).has_value();
}

HttpResponse HookReceiver::handle(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    const std::optional<HookEndpoint> endpoint = endpointFor(path);
    if (!endpoint)
        return problem(404, "No hook endpoint at " + path.toByteArray() + ".", path);
    Counters &counters = m_counters[std::size_t(*endpoint)];
    counters.received.fetch_add(1, std::memory_order_relaxed);
    HttpResponse response = dispatch(*endpoint, request, path);
    (response.status < 300 ? counters.accepted : counters.rejected)
        .fetch_add(1, std::memory_order_relaxed);
    updateGauges();
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

HttpResponse HookReceiver::dispatch(HookEndpoint endpoint, const HttpRequest &request,
                                    QByteArrayView path) {
    const bool list = endpoint == HookEndpoint::ToolList;
    const QByteArray &method = request.head.method;
    if (list ? method != "GET" && method != "HEAD" : method != "POST") {
        HttpResponse response =
            problem(405, "The method " + method + " is not allowed here.", path);
        response.headers.push_back({"Allow", list ? "GET, HEAD" : "POST"});
        return response;
    }
    QByteArray why;
    if (!isAuthorized(request, &why))
        return problem(401, why, path);
    if (list)
        return handleToolList();

    const BodySchema schema = bodySchemaOf(endpoint);
    Json body;
    if (std::optional<HttpResponse> error =
            readBody(request, path, schemaNamed(schema.name), schema.file, body))
        return std::move(*error);
    switch (endpoint) {
    case HookEndpoint::Pre:
        return handlePre(body, path);
    case HookEndpoint::Post:
        return handlePost(body, path);
    case HookEndpoint::Lifecycle:
        return handleLifecycle(body, path);
    case HookEndpoint::ToolRegister:
    case HookEndpoint::ToolList:
        break;
    }
    return handleToolRegistration(body, path);
}

bool HookReceiver::isAuthorized(const HttpRequest &request, QByteArray *why) const {
    if (m_apiKeys.isEmpty()) {
        *why = "No hook API key is configured (hooks.api_keys is empty), so every hook request "
               "is refused.";
        return false;
    }
    const int count = countHeaders(request.head.headers, "X-API-Key");
    if (count == 0) {
        *why = "The request has no X-API-Key header.";
        return false;
    }
    if (count > 1) {
        *why = "The request has more than one X-API-Key header.";
        return false;
    }
    const QByteArray &key = findHeader(request.head.headers, "X-API-Key")->value;
    bool matched = false;
    // Every key is compared, matched or not: how long this takes says nothing about which.
    for (const QByteArray &accepted : m_apiKeys)
        matched = constantTimeEquals(key, accepted) || matched;
    if (!matched)
        *why = "The X-API-Key header matches none of hooks.api_keys.";
    return matched;
}

std::optional<HttpResponse> HookReceiver::readBody(const HttpRequest &request, QByteArrayView path,
                                                   const JsonSchema &schema, const char *schemaFile,
                                                   Json &body) const {
    if (request.body.size() > m_maxBodyBytes) {
        return problem(413,
                       "The body of " + QByteArray::number(request.body.size()) +
                           " bytes exceeds hooks.max_body_bytes (" +
                           QByteArray::number(m_maxBodyBytes) + ").",
                       path);
    }
    const HttpHeader *contentType = findHeader(request.head.headers, "Content-Type");
    if (!contentType || !isJsonMediaType(contentType->value)) {
        HttpResponse response = problem(
            415,
            "The body must be JSON in UTF-8 (Content-Type: application/json), not " +
                (contentType ? '"' + contentType->value + '"' : QByteArray("unlabelled")) + ".",
            path);
        response.headers.push_back({"Accept", "application/json"});
        return response;
    }
    if (nestsDeeperThan(request.body, kMaxJsonDepth)) {
        const QByteArray detail = "The body nests arrays and objects deeper than " +
                                  QByteArray::number(kMaxJsonDepth) + " levels.";
        return problem(400, detail, path, {{QString(), QString::fromLatin1(detail)}});
    }
    try {
        body = Json::parse(request.body.begin(), request.body.end());
    } catch (const Json::parse_error &e) {
        // what(): "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
        QByteArray message(e.what());
        const qsizetype prefixEnd = message.indexOf("] ");
        if (prefixEnd >= 0)
            message = message.mid(prefixEnd + 2);
        HttpResponse response = problem(400, "The body is not valid JSON: " + message, path,
                                        {{QString(), QString::fromUtf8(message)}});
        Json json = Json::parse(response.body.begin(), response.body.end());
        json["offset"] = e.byte; // bytes read when the parser gave up
        response.body = dump(json);
        return response;
    }
    std::vector<SchemaViolation> violations = schema.validate(body);
    if (!violations.empty()) {
        const QByteArray detail = "The body does not match " + QByteArray(schemaFile) + ": " +
                                  QByteArray::number(qulonglong(violations.size())) +
                                  (violations.size() == 1 ? " error." : " errors.");
        return problem(400, detail, path, violations);
    }
    return std::nullopt;
}

HttpResponse HookReceiver::handlePre(const Json &body, QByteArrayView path) {
    const std::string id = lowerAscii(body["correlation_id"].get<std::string>());
    PendingHookTable::Entry entry;
    // The schema checked the format: parsing cannot fail here.
    entry.startMicros = parseRfc3339(body["timestamp"].get_ref<const std::string &>()).value();
    entry.context = {{"session_id", body["session_id"]},
                     {"service_name", body["service_name"]},
                     {"operation", body["operation"]},
                     {"parameters", body["parameters"]},
                     {"timestamp", body["timestamp"]}};
    if (!m_pending.insert(id, std::move(entry))) {
        return problem(409,
                       "A pre hook with correlation_id " + QByteArray::fromStdString(id) +
                           " is already pending.",
                       path,
                       {{QStringLiteral("/correlation_id"), QStringLiteral("already pending")}});
    }
    return jsonResponse(202, {{"correlation_id", id},
                              {"status", "pending"},
                              {"pending_timeout_ms", m_pendingTimeout.count()}});
}

HttpResponse HookReceiver::handlePost(const Json &body, QByteArrayView path) {
    const std::string id = lowerAscii(body["correlation_id"].get<std::string>());
    const PendingHookTable::Entry *pre = m_pending.find(id);
    if (!pre) {
        m_unmatchedPosts.fetch_add(1, std::memory_order_relaxed);
        return problem(
            409,
            "No pre hook is pending for correlation_id " + QByteArray::fromStdString(id) +
                ": it never arrived, its post hook came already, or it expired "
                "(hooks.pending_timeout_ms is " +
                QByteArray::number(qlonglong(m_pendingTimeout.count())) + ").",
            path, {{QStringLiteral("/correlation_id"), QStringLiteral("no pending pre hook")}});
    }
    const std::int64_t endMicros =
        parseRfc3339(body["timestamp"].get_ref<const std::string &>()).value();
    const std::int64_t elapsedMicros = endMicros - pre->startMicros;
    if (elapsedMicros < 0) {
        // The pre hook stays pending: a corrected post hook may still come.
        const QByteArray detail =
            "is " + number(double(-elapsedMicros) / 1000.0) +
            " ms before the pre hook's timestamp " +
            QByteArray::fromStdString(pre->context["timestamp"].get<std::string>());
        return problem(400, "The post hook ends before its pre hook starts.", path,
                       {{QStringLiteral("/timestamp"), QString::fromUtf8(detail)}});
    }
    PendingHookTable::Entry started = std::move(*m_pending.take(id));

    const bool success = body["success"].get<bool>();
    const Json output = body.contains("output") ? body["output"] : Json(nullptr);
    const Json error = body.contains("error") ? body["error"] : Json(nullptr);
    const double executionMs = double(elapsedMicros) / 1000.0;
    const ExecutionInsight insight = m_insights.record(
        started.context["service_name"].get<std::string>(),
        started.context["operation"].get<std::string>(), success,
        error.is_string() ? std::optional<std::string>(error.get<std::string>()) : std::nullopt,
        executionMs);

    Json patterns = Json::array();
    for (const ExecutionInsight::Pattern &pattern : insight.failurePatterns)
        patterns.push_back({{"error", pattern.error ? Json(*pattern.error) : Json(nullptr)},
                            {"count", pattern.count}});

    const QByteArray eventId = newUuid();
    const std::int64_t now = wallClockMicros();
    const Json event = {
        {"event_id", eventId.toStdString()},
        {"event_type", "execution_completed"},
        {"schema_version", 1},
        {"timestamp", formatRfc3339(now).toStdString()},
        {"correlation_id", id},
        {"pre_context", std::move(started.context)},
        {"results",
         {{"success", success},
          {"output", output},
          {"error", error},
          {"execution_time_ms", executionMs}}},
        {"intelligence_insights",
         {{"operation_success_rate", insight.successRate},
          {"sample_size", insight.sampleSize},
          {"performance_trend", insight.trend},
          {"execution_time_ewma_ms",
           {{"short", insight.shortEwmaMs}, {"long", insight.longEwmaMs}}},
          {"failure_patterns", std::move(patterns)}}},
    };
    publish(kExecutionTopic, id, "execution_completed", eventId, now, event);
    return jsonResponse(200, {{"event_id", eventId.toStdString()},
                              {"correlation_id", id},
                              {"topic", str(kExecutionTopic)},
                              {"execution_time_ms", executionMs}});
}

HttpResponse HookReceiver::handleLifecycle(const Json &body, QByteArrayView path) {
    const Json &info = body["service_info"];
    const std::string name = info["name"].get<std::string>();
    const std::string eventType = body["event_type"].get<std::string>();
    const QStringList urls = stringList(info["endpoints"]);

    Json registration = nullptr;
    if (m_registrar) {
        std::optional<RegistrationResult> result;
        const char *action = nullptr;
        if (eventType == "service_started" && !urls.isEmpty()) {
            result = m_registrar->registerEndpoints(QString::fromStdString(name), urls,
                                                    stringList(info["capabilities"]));
            action = "registered";
        } else if (eventType == "service_stopped") {
            result = m_registrar->drainEndpoints(QString::fromStdString(name), urls);
            action = "drained";
        }
        if (result && !result->ok) {
            // Consistent with every other error: the report is refused as a whole, so that
            // the event stream never says a service started where the proxy does not know it.
            m_registrationFailures.fetch_add(1, std::memory_order_relaxed);
            return problem(422,
                           "The service registry refused the endpoints of service " +
                               QByteArray::fromStdString(name) + ": " + result->error.toUtf8(),
                           path, {{QStringLiteral("/service_info/endpoints"), result->error}});
        }
        if (result)
            registration = {{"action", action}, {"instance_ids", jsonList(result->instanceIds)}};
    }

    const QByteArray eventId = newUuid();
    Json event = {{"event_id", eventId.toStdString()},
                  {"event_type", eventType},
                  {"schema_version", 1},
                  {"timestamp", body["timestamp"]},
                  {"service_info", info},
                  {"intelligence_metadata", body["intelligence_metadata"]}};
    for (const char *member : {"status", "previous_status"}) {
        if (body.contains(member))
            event[member] = body[member];
    }
    event["registration"] = registration;
    publish(kLifecycleTopic, name, eventType, eventId, wallClockMicros(), event);
    return jsonResponse(
        200,
        {{"event_id", eventId.toStdString()}, {"service", name}, {"registration", registration}});
}

HttpResponse HookReceiver::handleToolRegistration(const Json &body, QByteArrayView path) {
    const Json &info = body["tool_info"];
    const std::string name = info["name"].get<std::string>();
    const std::string eventType = body["event_type"].get<std::string>();
    const bool known = m_tools.find(name) != nullptr;
    if (eventType == "tool_updated" && !known) {
        return problem(409,
                       "No tool named " + QByteArray::fromStdString(name) +
                           " is known: register it (tool_registered or tool_discovered) before "
                           "updating it.",
                       path, {{QStringLiteral("/tool_info/name"), QStringLiteral("unknown tool")}});
    }
    if (!known && m_tools.full()) {
        return problem(503,
                       "The tool registry holds its maximum of " +
                           QByteArray::number(qulonglong(m_tools.capacity())) + " tools.",
                       path);
    }

    const QByteArray eventId = newUuid();
    const std::int64_t now = wallClockMicros();
    const std::string timestamp = formatRfc3339(now).toStdString();
    const std::string method = body["registration_method"].get<std::string>();
    m_tools.record(name, info, method, eventType, timestamp);
    const Json event = {{"event_id", eventId.toStdString()},
                        {"event_type", eventType},
                        {"schema_version", 1},
                        {"timestamp", timestamp},
                        {"tool_info", info},
                        {"registration_method", method},
                        {"intelligence_metadata", body["intelligence_metadata"]}};
    publish(kToolTopic, name, eventType, eventId, now, event);
    return jsonResponse(
        200, {{"event_id", eventId.toStdString()}, {"tool", name}, {"known_before", known}});
}

HttpResponse HookReceiver::handleToolList() const {
    return jsonResponse(200, m_tools.toJson());
}

void HookReceiver::publish(QByteArrayView topic, const std::string &key,
                           const std::string &eventType, const QByteArray &eventId,
                           std::int64_t nowMicros, const Json &event) {
    OutgoingEvent outgoing;
    outgoing.topic = topic.toByteArray();
    outgoing.key = QByteArray::fromStdString(key);
    outgoing.value = dump(event);
    outgoing.ceId = eventId;
    outgoing.ceType =
        "com.toolcapture." + topic.toByteArray() + '.' + QByteArray::fromStdString(eventType);
    outgoing.ceSource = kEventSource.toByteArray();
    outgoing.timeUs = nowMicros;
    if (m_observer.published && m_observer.wanted && m_observer.wanted()) {
        Json head = {{"type", eventType},
                     {"topic", topic.toByteArray().toStdString()},
                     {"key", key},
                     {"id", eventId.toStdString()},
                     {"at_us", nowMicros}};
        QByteArray item = dump(head);
        item.chop(1); // the closing brace: the event follows as it was published
        item.append(",\"event\":").append(outgoing.value).append('}');
        m_observer.published(std::move(item));
    }
    m_sink.publish(std::move(outgoing));
    m_published.fetch_add(1, std::memory_order_relaxed);
}

QByteArray HookReceiver::toolsDocument() const {
    return handleToolList().body;
}

void HookReceiver::updateGauges() {
    m_pendingGauge.store(m_pending.size(), std::memory_order_relaxed);
    m_pendingEvicted.store(m_pending.evicted(), std::memory_order_relaxed);
    m_pendingExpired.store(m_pending.expired(), std::memory_order_relaxed);
    m_toolsKnown.store(m_tools.size(), std::memory_order_relaxed);
}

HookStats HookReceiver::stats() const {
    HookStats stats;
    for (std::size_t i = 0; i < kHookEndpointCount; ++i) {
        stats.endpoints[i].received = m_counters[i].received.load(std::memory_order_relaxed);
        stats.endpoints[i].accepted = m_counters[i].accepted.load(std::memory_order_relaxed);
        stats.endpoints[i].rejected = m_counters[i].rejected.load(std::memory_order_relaxed);
    }
    stats.published = m_published.load(std::memory_order_relaxed);
    stats.pending = m_pendingGauge.load(std::memory_order_relaxed);
    stats.pendingEvicted = m_pendingEvicted.load(std::memory_order_relaxed);
    stats.pendingExpired = m_pendingExpired.load(std::memory_order_relaxed);
    stats.unmatchedPosts = m_unmatchedPosts.load(std::memory_order_relaxed);
    stats.registrationFailures = m_registrationFailures.load(std::memory_order_relaxed);
    stats.toolsKnown = m_toolsKnown.load(std::memory_order_relaxed);
    return stats;
}

} // namespace ToolCapture
