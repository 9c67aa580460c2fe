#include <models/topic_record.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

namespace ToolCapture {

namespace {

QJsonValue at(const QJsonObject &object, std::initializer_list<const char *> path) {
    QJsonValue value = object;
    for (const char *name : path) {
        if (!value.isObject())
            return {};
        value = value.toObject().value(QLatin1String(name));
    }
    return value;
}

QString text(const QJsonValue &value) {
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

// What the event is about, from the members of the seven topics' events (docs/events.md,
// docs/hooks.md) that name it; whatever is absent is left out.
QString summaryOf(const QJsonObject &event) {
    QStringList parts;
    const auto add = [&parts](const QJsonValue &value) {
        const QString part = text(value);
        if (!part.isEmpty())
            parts.append(part);
    };
    add(at(event, {"context", "request_profile", "method"}));
    add(at(event, {"context", "request_profile", "path"}));
    add(at(event, {"performance_metrics", "status_code"}));
    add(at(event, {"performance_metrics", "target_instance"}));
    add(at(event, {"instance"}));
    add(at(event, {"from"}));
    add(at(event, {"to"}));
    add(at(event, {"pre_context", "service_name"}));
    add(at(event, {"pre_context", "operation"}));
    add(at(event, {"service_info", "name"}));
    add(at(event, {"status"}));
    add(at(event, {"tool_info", "name"}));
    return parts.join(u' ');
}

qint64 parseTime(const QJsonValue &value) {
    if (!value.isString())
        return -1;
    const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : -1;
}

} // namespace

QString TopicRecord::prettyValue() const {
    if (!valueIsJson)
        return QString::fromUtf8(value);
    return QString::fromUtf8(QJsonDocument::fromJson(value).toJson(QJsonDocument::Indented));
}

QString TopicRecord::header(const QString &name) const {
    for (const auto &[headerName, headerValue] : headers) {
        if (headerName == name)
            return headerValue;
    }
    return {};
}

bool parseTopicMessages(const QByteArray &json, QList<TopicRecord> *records, QString *error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    const QJsonValue messages = document.object().value(QLatin1String("messages"));
    if (!document.isObject() || !messages.isArray()) {
        if (error) {
            *error = parseError.error != QJsonParseError::NoError
                         ? parseError.errorString()
                         : QStringLiteral("no \"messages\" array");
        }
        return false;
    }
    const QJsonArray array = messages.toArray();
    records->reserve(records->size() + array.size());
    for (const QJsonValue &item : array) {
        const QJsonObject message = item.toObject();
        TopicRecord record;
        record.partition = message.value(QLatin1String("partition")).toInt();
        record.offset = qint64(message.value(QLatin1String("offset")).toDouble());
        record.timestampMs = parseTime(message.value(QLatin1String("timestamp")));
        record.key = message.value(QLatin1String("key")).toString();
        const QJsonObject headers = message.value(QLatin1String("headers")).toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it)
            record.headers.append({it.key(), it.value().toString()});
        record.structured = message.value(QLatin1String("structured")).toBool();
        const QJsonValue value = message.value(QLatin1String("value"));
        if (value.isString() &&
            message.value(QLatin1String("value_encoding")).toString() != QLatin1String("base64")) {
            record.value = value.toString().toUtf8();
        } else if (value.isString()) {
            record.value = value.toString().toLatin1(); // base64 text, shown as it is
        } else if (value.isObject() || value.isArray()) {
            record.valueIsJson = true;
            record.value = value.isObject()
                               ? QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)
                               : QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
            if (value.isObject()) {
                const QJsonObject event = value.toObject();
                record.eventType = event.value(QLatin1String("event_type")).toString();
                record.correlationId = event.value(QLatin1String("correlation_id")).toString();
                record.summary = summaryOf(event);
            }
        } else if (!value.isNull() && !value.isUndefined()) {
            record.valueIsJson = true;
            record.value = text(value).toUtf8();
        }
        records->append(std::move(record));
    }
    return true;
}

} // namespace ToolCapture
