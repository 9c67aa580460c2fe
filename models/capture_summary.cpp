#include <models/capture_summary.h>

#include <QJsonValue>

namespace ToolCapture {

namespace {

qint64 integer(const QJsonObject &object, QLatin1StringView key, qint64 fallback) {
    const QJsonValue value = object.value(key);
    return value.isDouble() ? value.toInteger(fallback) : fallback;
}

CaptureSummary::WebSocketMessages webSocketMessages(const QJsonObject &object) {
    CaptureSummary::WebSocketMessages m;
    m.messages = integer(object, QLatin1StringView("messages"), 0);
    m.dataBytes = integer(object, QLatin1StringView("data_bytes"), 0);
    m.largestMessage = integer(object, QLatin1StringView("largest_message_bytes"), 0);
    m.controlFrames = integer(object, QLatin1StringView("control_frames"), 0);
    m.malformed = object.value(QLatin1StringView("malformed")).toBool();
    return m;
}

} // namespace

std::optional<CaptureSummary> CaptureSummary::fromJson(const QJsonObject &object) {
    CaptureSummary s;
    s.id = integer(object, QLatin1StringView("id"), 0);
    if (s.id <= 0)
        return std::nullopt;
    s.correlationId = object.value(QLatin1StringView("correlation_id")).toString();
    s.acceptedAtUs = integer(object, QLatin1StringView("accepted_at_us"), 0);
    s.connectedUs = integer(object, QLatin1StringView("connected_us"), -1);
    s.firstByteUs = integer(object, QLatin1StringView("first_byte_us"), -1);
    s.doneUs = integer(object, QLatin1StringView("done_us"), -1);
    s.method = object.value(QLatin1StringView("method")).toString();
    s.path = object.value(QLatin1StringView("path")).toString();
    s.query = object.value(QLatin1StringView("query")).toString();
    s.status = int(integer(object, QLatin1StringView("status"), 0));
    s.requestBytes = integer(object, QLatin1StringView("request_bytes"), 0);
    s.responseBytes = integer(object, QLatin1StringView("response_bytes"), 0);
    s.service = object.value(QLatin1StringView("service")).toString();
    s.instance = object.value(QLatin1StringView("instance")).toString();
    s.attempts = int(integer(object, QLatin1StringView("attempts"), 0));
    s.breakerState = object.value(QLatin1StringView("breaker_state")).toString();
    s.cache = object.value(QLatin1StringView("cache")).toString();
    s.proxyError = object.value(QLatin1StringView("proxy_error")).toString();
    s.tunnelEnd = object.value(QLatin1StringView("tunnel_end")).toString();
    const QJsonValue messages = object.value(QLatin1StringView("websocket_messages"));
    s.webSocketCounted = messages.isObject();
    if (s.webSocketCounted) {
        const QJsonObject each = messages.toObject();
        s.messagesFromClient =
            webSocketMessages(each.value(QLatin1StringView("client_to_upstream")).toObject());
        s.messagesFromUpstream =
            webSocketMessages(each.value(QLatin1StringView("upstream_to_client")).toObject());
    }
    s.clientAddress = object.value(QLatin1StringView("client_address")).toString();
    s.sessionId = object.value(QLatin1StringView("session_id")).toString();
    s.userContext = object.value(QLatin1StringView("user_context")).toString();
    s.requestContentType = object.value(QLatin1StringView("request_content_type")).toString();
    s.responseContentType = object.value(QLatin1StringView("response_content_type")).toString();
    s.replayable = object.value(QLatin1StringView("replayable")).toBool();
    s.responseBodyTruncated = object.value(QLatin1StringView("response_body_truncated")).toBool();
    return s;
}

QList<CaptureSummary> CaptureSummary::listFromJson(const QJsonArray &array) {
    QList<CaptureSummary> out;
    out.reserve(array.size());
    for (const QJsonValue &item : array) {
        if (auto summary = fromJson(item.toObject()))
            out.push_back(std::move(*summary));
    }
    return out;
}

} // namespace ToolCapture
