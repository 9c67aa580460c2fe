#include <backend/core/uuid.h>
#include <backend/events/cloud_event.h>
#include <backend/events/proxy_events.h>

#include <QDateTime>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace ToolCapture {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr int kSchemaVersion = 1;

constexpr std::int64_t kFastUs = 100'000;
constexpr std::int64_t kAcceptableUs = 1'000'000;
constexpr std::int64_t kSlowFirstByteUs = 1'000'000;
constexpr std::int64_t kSlowConnectUs = 100'000;
constexpr std::int64_t kLargeResponseBytes = 64 * 1024;

const QByteArray &ceSource() {
    static const QByteArray source = QByteArrayLiteral("/toolcapture/proxy");
    return source;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b) {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x + ('a' - 'A'));
        if (y >= 'A' && y <= 'Z')
            y = char(y + ('a' - 'A'));
        if (x != y)
            return false;
    }
    return true;
}

bool startsWithIgnoreCase(QByteArrayView text, QByteArrayView prefix) {
    return text.size() >= prefix.size() && equalsIgnoreCase(text.first(prefix.size()), prefix);
}

bool endsWithIgnoreCase(QByteArrayView text, QByteArrayView suffix) {
    return text.size() >= suffix.size() && equalsIgnoreCase(text.last(suffix.size()), suffix);
}

QByteArrayView trimmed(QByteArrayView text) {
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

const CapturedHeader *findHeader(const std::vector<CapturedHeader> &headers, QByteArrayView name) {
    for (const CapturedHeader &header : headers) {
        if (equalsIgnoreCase(header.name, name))
            return &header;
    }
    return nullptr;
}

// The value of every field named `name`, joined with ", " as one string (RFC 9110 5.3).
void writeJoinedValues(JsonWriter &json, const std::vector<CapturedHeader> &headers,
                       std::size_t first, QByteArrayView name) {
    json.beginString();
    json.stringPart(headers[first].value);
    for (std::size_t i = first + 1; i < headers.size(); ++i) {
        if (equalsIgnoreCase(headers[i].name, name)) {
            json.stringPart(", ");
            json.stringPart(headers[i].value);
        }
    }
    json.endString();
}

// Who produced the failure: null (delivered without error: 1xx-3xx from the upstream),
// "client" (the upstream refused the request: 4xx), "upstream" (5xx from the upstream), or
// "proxy" (the proxy answered itself, or no response reached the client at all).
const char *errorClass(const CaptureRecord &record) {
    if (!record.proxyError.isEmpty() || record.status == 0)
        return "proxy";
    if (record.status >= 500)
        return "upstream";
    if (record.status >= 400)
        return "client";
    return nullptr;
}

bool sourceSuccess(const CaptureRecord &record) {
    return record.status >= 200 && record.status < 300;
}

void writeStatusClass(JsonWriter &json, int status) {
    if (status < 100 || status > 599) {
        json.null();
        return;
    }
    const char text[3] = {char('0' + status / 100), 'x', 'x'};
    json.string(QByteArrayView(text, 3));
}

void writeLatencyClass(JsonWriter &json, std::int64_t doneUs) {
    if (doneUs < 0)
        json.null();
    else if (doneUs < kFastUs)
        json.string("fast");
    else if (doneUs < kAcceptableUs)
        json.string("acceptable");
    else
        json.string("slow");
}

// Cache-Control directives of every captured Cache-Control field that matter for a shared
// cache: a positive freshness lifetime, or a refusal to be stored.
struct CacheControl {
    bool fresh = false;   // max-age or s-maxage > 0
    bool noStore = false; // no-store or private: a shared cache must not keep it
};

bool positiveDeltaSeconds(QByteArrayView value) {
    value = trimmed(value);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.sliced(1, value.size() - 2);
    if (value.isEmpty())
        return false;
    bool positive = false;
    for (char c : value) {
        if (c < '0' || c > '9')
            return false;
        positive = positive || c != '0';
    }
    return positive;
}

CacheControl parseCacheControl(const std::vector<CapturedHeader> &headers) {
    CacheControl result;
    for (const CapturedHeader &header : headers) {
        if (!equalsIgnoreCase(header.name, "cache-control"))
            continue;
        QByteArrayView rest = header.value;
        while (!rest.isEmpty()) {
            const qsizetype comma = rest.indexOf(',');
            const QByteArrayView directive = trimmed(comma < 0 ? rest : rest.first(comma));
            rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
            const qsizetype eq = directive.indexOf('=');
            const QByteArrayView name = trimmed(eq < 0 ? directive : directive.first(eq));
            if (equalsIgnoreCase(name, "no-store") || equalsIgnoreCase(name, "private")) {
                result.noStore = true;
            } else if (eq >= 0 &&
                       (equalsIgnoreCase(name, "max-age") || equalsIgnoreCase(name, "s-maxage"))) {
                result.fresh = result.fresh || positiveDeltaSeconds(directive.sliced(eq + 1));
            }
        }
    }
    return result;
}

// Text formats that gain from gzip/br; images, archives and octet streams are left out.
bool compressibleType(QByteArrayView contentType) {
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView type = trimmed(semicolon < 0 ? contentType : contentType.first(semicolon));
    return startsWithIgnoreCase(type, "text/") || equalsIgnoreCase(type, "application/json") ||
           equalsIgnoreCase(type, "application/javascript") ||
           equalsIgnoreCase(type, "application/xml") ||
           equalsIgnoreCase(type, "application/x-ndjson") || endsWithIgnoreCase(type, "+json") ||
           endsWithIgnoreCase(type, "+xml");
}

bool contentEncoded(const std::vector<CapturedHeader> &headers) {
    for (const CapturedHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "content-encoding") &&
            !equalsIgnoreCase(trimmed(header.value), "identity") &&
            !trimmed(header.value).isEmpty())
            return true;
    }
    return false;
}

// The routing explanation is written by the engine (toJson(RoutingDecision)) and trusted as
// JSON; only its shape is checked so a truncated or empty value becomes null.
bool looksLikeJsonObject(QByteArrayView json) {
    while (!json.isEmpty() && (json.front() == ' ' || json.front() == '\n' ||
                               json.front() == '\r' || json.front() == '\t'))
        json = json.sliced(1);
    while (!json.isEmpty() && (json.back() == ' ' || json.back() == '\n' || json.back() == '\r' ||
                               json.back() == '\t'))
        json.chop(1);
    return json.size() >= 2 && json.front() == '{' && json.back() == '}';
}

std::int64_t nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t toUnixMicros(const QDateTime &at) {
    return at.isValid() ? at.toMSecsSinceEpoch() * 1000 : nowUs();
}

constexpr std::string_view kCacheHeaders[] = {"cache-control", "etag", "expires",
                                              "last-modified", "age",  "vary"};

} // namespace

ProxyEventBuilder::ProxyEventBuilder() {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    m_random.seed(seed);
}

std::int64_t ProxyEventBuilder::eventTimeUs(const CaptureRecord &record) {
    if (record.acceptedAtUs <= 0)
        return nowUs();
    if (record.doneUs >= 0)
        return record.acceptedAtUs + record.doneUs;
    return record.acceptedAtUs +
           std::max<std::int64_t>({record.firstByteUs, record.connectedUs, 0});
}

unsigned ProxyEventBuilder::opportunities(const CaptureRecord &record) {
    unsigned bits = 0;
    const bool delivered = errorClass(record) == nullptr;
    if (record.status == 200 && record.upstreamAnswered() && record.cache.isEmpty() &&
        record.method == "GET") {
        const CacheControl cacheControl = parseCacheControl(record.responseHeaders);
        const bool validator = findHeader(record.responseHeaders, "etag") != nullptr;
        if (!cacheControl.noStore && (cacheControl.fresh || validator))
            bits |= CacheableGetNotCached;
    }
    if (record.attempts > 1 && delivered)
        bits |= RetriedBeforeSuccess;
    if (record.firstByteUs > kSlowFirstByteUs)
        bits |= SlowFirstByte;
    if (record.responseBytes > kLargeResponseBytes &&
        compressibleType(record.responseContentType) && !contentEncoded(record.responseHeaders))
        bits |= LargeResponseUncompressed;
    if (record.connectedUs > kSlowConnectUs)
        bits |= SlowUpstreamConnect;
    return bits;
}

const char *ProxyEventBuilder::opportunityName(Opportunity opportunity) {
    switch (opportunity) {
    case CacheableGetNotCached:
        return "cacheable_get_not_cached";
    case RetriedBeforeSuccess:
        return "retried_before_success";
    case SlowFirstByte:
        return "slow_first_byte";
    case LargeResponseUncompressed:
        return "large_response_uncompressed";
    case SlowUpstreamConnect:
        return "slow_upstream_connect";
    }
    return "unknown";
}

void ProxyEventBuilder::newEventId(std::int64_t timeUs, char *out) {
    const std::uint64_t randomA = m_random();
    formatUuidV7(timeUs / 1000, randomA, m_random(), out);
}

void ProxyEventBuilder::writeRoutingDecision(JsonWriter &json, const RoutingDecision &decision) {
    json.beginObject();
    json.key("policy");
    json.string(QStringView(decision.policy));
    json.key("service");
    json.string(QStringView(decision.service));
    json.key("chosen");
    json.stringOrNull(QStringView(decision.chosenId));
    json.key("runner_up");
    json.stringOrNull(QStringView(decision.runnerUpId));
    json.key("summary");
    json.string(QStringView(decision.summary));
    json.key("candidates");
    json.beginArray();
    for (const CandidateScore &c : decision.candidates) {
        json.beginObject();
        json.key("id");
        json.string(QStringView(c.instanceId));
        json.key("score");
        json.number(c.score);
        json.key("weight");
        json.number(c.weight);
        json.key("parts");
        json.beginObject();
        json.key("performance");
        json.number(c.performance);
        json.key("reliability");
        json.number(c.reliability);
        json.key("load");
        json.number(c.load);
        json.key("compatibility");
        json.number(c.compatibility);
        json.endObject();
        json.key("inputs");
        json.beginObject();
        json.key("latency_ms");
        if (c.latencyMs >= 0)
            json.number(c.latencyMs);
        else
            json.null();
        json.key("success_rate");
        if (c.successRate >= 0)
            json.number(c.successRate);
        else
            json.null();
        json.key("window_calls");
        json.number(c.windowCalls);
        json.key("active");
        json.number(std::int64_t(c.active));
        json.endObject();
        json.key("excluded");
        json.boolean(c.excluded);
        json.key("exclusion");
        if (c.excluded)
            json.string(QByteArrayView(exclusionKey(c.exclusion)));
        else
            json.null();
        json.key("reason");
        json.stringOrNull(QStringView(c.reason));
        json.endObject();
    }
    json.endArray();
    json.endObject();
}

void ProxyEventBuilder::writeRoutingBrief(JsonWriter &json, const RoutingBrief &brief) {
    json.beginObject();
    json.key("policy");
    json.string(policyName(brief.policy));
    json.key("chosen");
    json.stringOrNull(QStringView(brief.chosen.id));
    json.key("runner_up");
    json.stringOrNull(QStringView(brief.runnerUp.id));
    json.key("candidates");
    json.beginArray();
    for (const RoutingBrief::Drawn *d : {&brief.chosen, &brief.runnerUp}) {
        if (d->id.isEmpty())
            continue;
        json.beginObject();
        json.key("id");
        json.string(QStringView(d->id));
        json.key("score");
        json.number(d->score);
        json.key("parts");
        json.beginObject();
        json.key("performance");
        json.number(d->performance);
        json.key("reliability");
        json.number(d->reliability);
        json.key("load");
        json.number(d->load);
        json.key("compatibility");
        json.number(d->compatibility);
        json.endObject();
        json.endObject();
    }
    json.endArray();
    json.endObject();
}

QByteArray ProxyEventBuilder::routingJson(const RoutingDecision &decision) {
    m_json.clear();
    writeRoutingDecision(m_json, decision);
    return m_json.toByteArray();
}

void ProxyEventBuilder::writeHeaders(const std::vector<CapturedHeader> &headers) {
    JsonWriter &json = m_headersJson;
    json.clear();
    json.beginObject();
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const QByteArrayView name = headers[i].name;
        bool seen = false;
        for (std::size_t j = 0; j < i && !seen; ++j)
            seen = equalsIgnoreCase(headers[j].name, name);
        if (seen)
            continue; // joined into the first field of that name
        json.keyEscaped(name, true);
        writeJoinedValues(json, headers, i, name);
    }
    json.endObject();
}

void ProxyEventBuilder::writePerformanceMetrics(const CaptureRecord &record) {
    JsonWriter &json = m_metricsJson;
    json.clear();
    json.beginObject();
    json.key("response_time_ms");
    json.millisFromMicros(record.doneUs);
    json.key("time_to_first_byte_ms");
    json.millisFromMicros(record.firstByteUs);
    json.key("upstream_connect_ms");
    json.millisFromMicros(record.connectedUs);
    json.key("response_size");
    json.number(std::int64_t(record.responseBytes));
    json.key("status_code");
    if (record.status != 0)
        json.number(std::int64_t(record.status));
    else
        json.null();
    json.key("target_service");
    json.stringOrNull(QStringView(record.service));
    json.key("target_instance");
    json.stringOrNull(QStringView(record.instance));
    json.key("attempts");
    json.number(std::int64_t(record.attempts));
    json.key("success");
    json.boolean(sourceSuccess(record));
    json.key("error_class");
    if (const char *errors = errorClass(record))
        json.string(errors);
    else
        json.null();
    json.endObject();
}

void ProxyEventBuilder::writeWebSocket(const CaptureRecord &record) {
    JsonWriter &json = m_webSocketJson;
    json.clear();
    json.beginObject();
    json.key("tunnel_end");
    json.string(record.tunnelEnd);
    // The tunnel's own life, from the 101 to its end (response_time_ms counts from the request).
    json.key("duration_ms");
    if (record.firstByteUs >= 0 && record.doneUs >= record.firstByteUs)
        json.millisFromMicros(record.doneUs - record.firstByteUs);
    else
        json.null();
    json.key("bytes_client_to_upstream");
    json.number(std::int64_t(record.requestBytes));
    json.key("bytes_upstream_to_client");
    json.number(std::int64_t(record.responseBytes));
    json.key("messages");
    if (record.webSocketCounted) {
        json.beginObject();
        for (const auto &[direction, stats] :
             {std::pair{"client_to_upstream", &record.messagesFromClient},
              std::pair{"upstream_to_client", &record.messagesFromUpstream}}) {
            json.key(direction);
            json.beginObject();
            json.key("messages");
            json.number(std::int64_t(stats->messages));
            json.key("data_bytes");
            json.number(std::int64_t(stats->dataBytes));
            json.key("largest_message_bytes");
            json.number(std::int64_t(stats->largestMessage));
            json.key("control_frames");
            json.number(std::int64_t(stats->controlFrames));
            json.key("malformed");
            json.boolean(stats->malformed);
            json.endObject();
        }
        json.endObject();
    } else {
        json.null();
    }
    json.endObject();
}

void ProxyEventBuilder::writeEnvelope(std::string_view eventType, const char *eventId,
                                      const CaptureRecord &record, std::int64_t timeUs) {
    // m_json is lent the batch's buffer (beginEvent): it writes after what the batch holds.
    m_json.beginObject();
    m_json.key("event_id");
    m_json.string(QByteArrayView(eventId, 36));
    m_json.key("event_type");
    m_json.string(QByteArrayView(eventType));
    m_json.key("schema_version");
    m_json.number(std::int64_t(kSchemaVersion));
    m_json.key("correlation_id");
    m_json.string(record.correlationId);
    m_json.key("timestamp");
    m_json.timestamp(timeUs);
}

void ProxyEventBuilder::writeRequestIntelligence(const CaptureRecord &record, std::int64_t timeUs) {
    JsonWriter &json = m_json;
    writeEnvelope("pre_request_analysis", m_eventId, record, timeUs);
    json.key("context");
    json.beginObject();
    json.key("correlation_id");
    json.string(record.correlationId);
    json.key("request_profile");
    json.beginObject();
    json.key("method");
    json.string(record.method);
    json.key("path");
    json.string(record.path);
    json.key("query");
    json.stringOrNull(record.query);
    json.key("payload_size");
    json.number(std::int64_t(record.requestBytes));
    json.key("content_type");
    json.stringOrNull(record.requestContentType);
    json.key("headers");
    json.raw(m_headersJson.view());
    json.key("user_context");
    json.stringOrNull(record.userContext);
    json.key("session_id");
    json.stringOrNull(record.sessionId);
    json.key("client_address");
    json.stringOrNull(record.clientAddress);
    json.key("timestamp");
    json.timestamp(record.acceptedAtUs);
    json.endObject();

    // As the source design hashes "method:path:body"; the query joins the path as the client
    // sent it, and a body that was not kept (too large to capture) is left out.
    m_hash.reset();
    m_hash.addData(record.method);
    m_hash.addData(QByteArrayView(":"));
    m_hash.addData(record.path);
    if (!record.query.isEmpty()) {
        m_hash.addData(QByteArrayView("?"));
        m_hash.addData(record.query);
    }
    m_hash.addData(QByteArrayView(":"));
    if (record.replayable)
        m_hash.addData(record.requestBody);
    const Sha256::Digest digest = m_hash.result();
    char hex[64];
    for (std::size_t i = 0; i < digest.size(); ++i) {
        const unsigned char byte = digest[i];
        hex[2 * i] = kHexDigits[byte >> 4];
        hex[2 * i + 1] = kHexDigits[byte & 0xF];
    }
    json.key("request_hash");
    json.string(QByteArrayView(hex, 64));
    json.key("request_hash_includes_body");
    json.boolean(record.replayable);

    json.key("pattern_analysis");
    json.beginObject();
    json.key("service");
    json.stringOrNull(QStringView(record.service));
    json.key("route_matched");
    json.boolean(!record.service.isEmpty());
    json.endObject();
    json.endObject(); // context
    json.endObject();
}

void ProxyEventBuilder::writeResponseIntelligence(const CaptureRecord &record,
                                                  std::int64_t timeUs) {
    JsonWriter &json = m_json;
    writeEnvelope("post_request_analysis", m_eventId, record, timeUs);
    json.key("performance_metrics");
    json.raw(m_metricsJson.view());

    json.key("response_analysis");
    json.beginObject();
    json.key("content_type");
    json.stringOrNull(record.responseContentType);
    json.key("cache_headers");
    json.beginObject();
    const std::vector<CapturedHeader> &headers = record.responseHeaders;
    for (std::string_view name : kCacheHeaders) {
        for (std::size_t i = 0; i < headers.size(); ++i) {
            if (equalsIgnoreCase(headers[i].name, QByteArrayView(name))) {
                json.key(name);
                writeJoinedValues(json, headers, i, QByteArrayView(name));
                break;
            }
        }
    }
    json.endObject();
    json.key("error_patterns");
    if (errorClass(record)) {
        json.beginObject();
        json.key("status_class");
        writeStatusClass(json, record.status);
        json.key("proxy_error");
        json.stringOrNull(record.proxyError);
        json.key("breaker_state");
        json.stringOrNull(record.breakerState);
        json.endObject();
    } else {
        json.null();
    }
    json.endObject(); // response_analysis

    json.key("routing");
    if (looksLikeJsonObject(record.routing))
        json.raw(std::string_view(record.routing.constData(), std::size_t(record.routing.size())));
    else if (!record.routingBrief.isEmpty())
        writeRoutingBrief(json, record.routingBrief);
    else
        json.null();
    json.key("cache");
    json.stringOrNull(record.cache);
    json.key("breaker_state");
    json.stringOrNull(record.breakerState);
    if (!record.tunnelEnd.isEmpty()) {
        json.key("websocket");
        json.raw(m_webSocketJson.view());
    }
    json.endObject();
}

void ProxyEventBuilder::writeCommunicationIntelligence(const CaptureRecord &record,
                                                       std::int64_t timeUs, bool upstream) {
    JsonWriter &json = m_json;
    writeEnvelope(upstream ? "response_analysis" : "request_analysis", m_eventId, record, timeUs);
    json.key("request_context");
    json.beginObject();
    json.key("method");
    json.string(record.method);
    json.key("path");
    json.string(record.path);
    json.key("query");
    json.stringOrNull(record.query);
    json.key("payload_size");
    json.number(std::int64_t(record.requestBytes));
    json.key("headers");
    json.raw(m_headersJson.view());
    json.key("user_context");
    json.stringOrNull(record.userContext);
    json.key("session_id");
    json.stringOrNull(record.sessionId);
    json.endObject();

    json.key("performance_metrics");
    json.raw(m_metricsJson.view());

    json.key("intelligence_analysis");
    json.beginObject();
    json.key("pattern_analysis");
    json.beginObject();
    json.key("service");
    json.stringOrNull(QStringView(record.service));
    json.key("instance");
    json.stringOrNull(QStringView(record.instance));
    json.key("attempts");
    json.number(std::int64_t(record.attempts));
    json.key("retried");
    json.boolean(record.attempts > 1);
    json.key("proxy_error");
    json.stringOrNull(record.proxyError);
    json.endObject();

    json.key("optimization_opportunities");
    json.beginArray();
    const unsigned bits = opportunities(record);
    for (unsigned bit = 1; bit <= SlowUpstreamConnect; bit <<= 1) {
        if (bits & bit)
            json.string(opportunityName(Opportunity(bit)));
    }
    json.endArray();

    json.key("user_experience_impact");
    json.beginObject();
    json.key("latency_class");
    writeLatencyClass(json, record.doneUs);
    json.key("failed");
    json.boolean(errorClass(record) != nullptr);
    json.key("status_class");
    writeStatusClass(json, record.status);
    json.endObject();
    json.endObject(); // intelligence_analysis
    if (!record.tunnelEnd.isEmpty()) {
        json.key("websocket");
        json.raw(m_webSocketJson.view());
    }
    json.endObject();
}

const ProxyEventBuilder::EnvelopeParts &ProxyEventBuilder::envelopeParts(QByteArrayView ceType) {
    for (const EnvelopeParts &parts : m_envelopeParts) {
        if (parts.ceType == ceType)
            return parts;
    }
    // Cut out of the head writeStructuredHead() writes for a placeholder id and time: only
    // constant text comes before the id and after the time, so the first and the last match
    // are theirs whatever the type and the source hold.
    const QByteArray id(36, 'i');
    const QByteArray time(27, 't');
    JsonWriter head;
    CloudEvents::writeStructuredHead(head, id, ceType, ceSource(), time);
    const QByteArrayView text(head.data(), qsizetype(head.size()));
    const qsizetype idAt = text.indexOf(id);
    const qsizetype timeAt = text.lastIndexOf(time);
    EnvelopeParts &parts = m_envelopeParts.emplace_back();
    parts.ceType = ceType.toByteArray();
    parts.beforeId = text.first(idAt).toByteArray();
    parts.beforeTime = text.sliced(idAt + id.size(), timeAt - idAt - id.size()).toByteArray();
    parts.beforeData = text.sliced(timeAt + time.size()).toByteArray();
    return parts;
}

EventBatch::Event ProxyEventBuilder::beginEvent(EventBatch &out, QByteArrayView topic,
                                                QByteArrayView ceType, EventBatch::Span key,
                                                EventBatch::Span time, std::int64_t timeUs) {
    EventBatch::Event event;
    event.topic = out.appendShared(topic);
    event.key = key;
    event.ceTime = time;
    event.timeUs = timeUs;
    if (out.wantsEnvelopes()) {
        // The event goes in place inside its structured CloudEvent, which the sink sends as it
        // is: CloudEvents::writeStructuredHead()'s text, from its constant parts (the id and
        // the time need no escaping), then the event (written by the caller) and the closing
        // brace (finishEvent). The id is the envelope's own bytes. The time is copied out
        // first: appending a view of the batch to the batch could read freed memory when it
        // grows.
        char timeText[27];
        std::memcpy(timeText, out.data(time), sizeof timeText);
        const EnvelopeParts &parts = envelopeParts(ceType);
        event.envelope.offset = out.append(QByteArrayView(parts.beforeId)).offset;
        event.ceId = out.append(QByteArrayView(m_eventId, 36));
        out.append(QByteArrayView(parts.beforeTime));
        out.append(QByteArrayView(timeText, sizeof timeText));
        out.append(QByteArrayView(parts.beforeData));
    }
    // The event itself is written by the caller straight into the batch.
    out.startDocument(m_json);
    return event;
}

void ProxyEventBuilder::finishEvent(EventBatch &out, EventBatch::Event &event,
                                    QByteArrayView ceType) {
    event.value = out.endDocument(m_json);
    if (out.wantsEnvelopes()) {
        out.append(QByteArrayView("}", 1));
        event.envelope.length = event.value.offset + event.value.length + 1 - event.envelope.offset;
    } else {
        event.ceId = out.append(QByteArrayView(m_eventId, 36));
    }
    event.ceType = out.appendShared(ceType);
    event.ceSource = out.appendShared(ceSource());
    out.add(event);
}

void ProxyEventBuilder::build(const CaptureRecord &record, EventBatch &out) {
    static constexpr char kPreType[] =
        "com.toolcapture.proxy.request_intelligence.pre_request_analysis";
    static constexpr char kPostType[] =
        "com.toolcapture.proxy.response_intelligence.post_request_analysis";
    static constexpr char kResponseAnalysisType[] =
        "com.toolcapture.proxy.communication_intelligence.response_analysis";
    static constexpr char kRequestAnalysisType[] =
        "com.toolcapture.proxy.communication_intelligence.request_analysis";

    const std::int64_t timeUs = eventTimeUs(record);
    const bool upstream = record.upstreamAnswered();
    writeHeaders(record.requestHeaders);
    writePerformanceMetrics(record);
    if (!record.tunnelEnd.isEmpty())
        writeWebSocket(record);
    // The three events share the key and the time: written once.
    const EventBatch::Span key = out.append(record.correlationId);
    const EventBatch::Span time = out.appendTime(timeUs);

    newEventId(timeUs, m_eventId);
    EventBatch::Event event =
        beginEvent(out, ProxyTopics::kRequestIntelligence, kPreType, key, time, timeUs);
    writeRequestIntelligence(record, timeUs);
    finishEvent(out, event, kPreType);

    newEventId(timeUs, m_eventId);
    event = beginEvent(out, ProxyTopics::kResponseIntelligence, kPostType, key, time, timeUs);
    writeResponseIntelligence(record, timeUs);
    finishEvent(out, event, kPostType);

    newEventId(timeUs, m_eventId);
    const char *analysisType = upstream ? kResponseAnalysisType : kRequestAnalysisType;
    event =
        beginEvent(out, ProxyTopics::kCommunicationIntelligence, analysisType, key, time, timeUs);
    writeCommunicationIntelligence(record, timeUs, upstream);
    finishEvent(out, event, analysisType);
}

void ProxyEventBuilder::build(const CaptureRecord &record, std::vector<OutgoingEvent> &out) {
    m_scratch.clear();
    build(record, m_scratch);
    out.reserve(out.size() + m_scratch.size());
    for (std::size_t i = 0; i < m_scratch.size(); ++i)
        out.push_back(m_scratch.toOutgoingEvent(i));
}

OutgoingEvent ProxyEventBuilder::breakerEvent(const BreakerTransition &transition,
                                              const QString &instanceId, const QString &service) {
    const QString &instance = instanceId.isEmpty() ? transition.instanceId : instanceId;
    const std::int64_t timeUs = toUnixMicros(transition.at);
    newEventId(timeUs, m_eventId);

    JsonWriter &json = m_json;
    json.clear();
    json.beginObject();
    json.key("event_id");
    json.string(QByteArrayView(m_eventId, 36));
    json.key("event_type");
    json.string("breaker_transition");
    json.key("schema_version");
    json.number(std::int64_t(kSchemaVersion));
    json.key("timestamp");
    json.timestamp(timeUs);
    json.key("service");
    json.stringOrNull(QStringView(service));
    json.key("instance");
    json.string(QStringView(instance));
    json.key("from");
    json.string(toString(transition.from));
    json.key("to");
    json.string(toString(transition.to));
    json.key("cause");
    json.stringOrNull(QStringView(transition.cause));
    json.key("correlation_id");
    json.stringOrNull(QStringView(transition.correlationId));
    json.key("story");
    json.beginArray();
    for (const OutcomeRecord &outcome : transition.story) {
        json.beginObject();
        json.key("kind");
        json.string(toString(outcome.kind));
        json.key("failure");
        json.boolean(outcome.failure);
        json.key("slow");
        json.boolean(outcome.slow);
        json.key("duration_ms");
        json.number(std::int64_t(outcome.duration.count()));
        json.key("at");
        if (outcome.at.isValid())
            json.timestamp(outcome.at.toMSecsSinceEpoch() * 1000);
        else
            json.null();
        json.endObject();
    }
    json.endArray();
    json.endObject();

    static constexpr char kBreakerType[] =
        "com.toolcapture.proxy.breaker_events.breaker_transition";
    OutgoingEvent event;
    event.topic = QByteArray::fromRawData(ProxyTopics::kBreakerEvents,
                                          qsizetype(qstrlen(ProxyTopics::kBreakerEvents)));
    event.key = instance.toUtf8();
    event.value = json.toByteArray();
    event.ceId = QByteArray(m_eventId, 36);
    event.ceType = QByteArray::fromRawData(kBreakerType, qsizetype(qstrlen(kBreakerType)));
    event.ceSource = ceSource();
    event.timeUs = timeUs;
    return event;
}

} // namespace ToolCapture
