#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace ToolCapture {

// One Kafka record of a topic as the topic API returns it, parsed once: where it is, its key and
// CloudEvents headers, the value (compact JSON, or text) and the few members the console shows.
struct TopicRecord {
    int partition = 0;
    qint64 offset = 0;
    qint64 timestampMs = -1; // UTC ms since the epoch; -1 when the record has none
    QString key;             // empty when the record has no key
    QList<QPair<QString, QString>> headers;
    // The message was a CloudEvent in structured mode: `headers` are its attributes as binary
    // mode's ce_* headers would carry them, and `value` its data.
    bool structured = false;
    QByteArray value; // compact JSON when valueIsJson, else the text as received
    bool valueIsJson = false;
    QString eventType;     // the value's event_type
    QString correlationId; // the value's correlation_id; empty when it carries none
    QString summary;       // a few members that say what the event is about ("GET /x 200")

    // The value indented for reading, or the text as it is.
    QString prettyValue() const;
    // The header named `name` (ce_type, ...); empty when absent.
    QString header(const QString &name) const;
};

// Parses a `GET /api/v1/topics/{topic}/messages` answer into records, in its order. Returns false
// with `error` set when the document is not such an answer.
bool parseTopicMessages(const QByteArray &json, QList<TopicRecord> *records,
                        QString *error = nullptr);

} // namespace ToolCapture
