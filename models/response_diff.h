#pragma once

#include <models/header_field.h>

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace ToolCapture {

// What changed between a captured response and its replay: the `diff` member of the replay
// answer (diffResponses() in the engine), as plain values. Volatile header fields (Date,
// Content-Length, ...) are kept apart in `ignoredHeaders` and do not make it "changed".
struct ResponseDiff {
    struct HeaderChange {
        QString name;
        QJsonValue before; // string, or null when absent
        QJsonValue after;
    };
    struct BodyChange {
        enum class Op { Add, Remove, Replace };
        Op op = Op::Replace;
        QString pointer; // RFC 6901
        QJsonValue before;
        QJsonValue after;
    };

    bool valid = false;
    bool changed = false;

    int statusBefore = 0;
    int statusAfter = 0;
    bool statusChanged = false;

    bool headersEqual = true;
    HeaderFields addedHeaders;
    HeaderFields removedHeaders;
    QList<HeaderChange> changedHeaders;
    QList<HeaderChange> ignoredHeaders;

    QString bodyKind; // "json", "text", "binary" or "truncated"
    bool bodyEqual = true;
    qint64 bodyBeforeSize = 0;
    qint64 bodyAfterSize = 0;
    QList<BodyChange> bodyChanges; // kind "json"
    bool bodyChangesTruncated = false;
    int firstDifferenceLine = 0; // kind "text", 1-based; 0 when equal or unknown

    // Whether the body change at `pointer` or one above it touches `pointer` (a line showing
    // `pointer` in a side-by-side view is then marked).
    bool touches(const QString &pointer, bool beforeSide) const;

    static ResponseDiff fromJson(const QJsonObject &diff);
};

} // namespace ToolCapture
