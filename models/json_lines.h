#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace ToolCapture {

// A JSON document pretty-printed line by line, each line knowing the RFC 6901 pointer of the
// value it shows, so a side-by-side diff can mark the lines a change touches.
// NOTE: object members come out sorted by key (QJsonObject keeps them so); a diff compares
// JSON values, so both sides line up better that way.
struct JsonLines {
    struct Line {
        QString text;
        QString pointer; // "" for the root
    };
    QList<Line> lines;

    QString text() const; // the lines joined with '\n'

    // nullopt when `json` is not a JSON object or array (a scalar root is printed too).
    static std::optional<JsonLines> fromJson(const QByteArray &json, int indent = 2);
    // An RFC 6901 reference token: '~' as "~0", '/' as "~1".
    static QString escapeToken(const QString &token);
};

} // namespace ToolCapture
