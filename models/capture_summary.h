#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace ToolCapture {

// One captured exchange as the capture list shows it: an item of GET /api/v1/captures or of the
// feed's `captures` subject, parsed once into plain values.
struct CaptureSummary {
    qint64 id = 0;
    QString correlationId;
    qint64 acceptedAtUs = 0; // UTC, microseconds since the epoch
    // Microseconds after acceptedAtUs; -1 when the exchange never got there.
    qint64 connectedUs = -1;
    qint64 firstByteUs = -1;
    qint64 doneUs = -1;
    QString method;
    QString path;
    QString query;
    int status = 0; // 0: no response was sent
    qint64 requestBytes = 0;
    qint64 responseBytes = 0;
    QString service;
    QString instance;
    int attempts = 0;
    QString breakerState;
    QString cache;
    QString proxyError;
    QString tunnelEnd; // a WebSocket exchange: why its tunnel ended; empty otherwise
    // A WebSocket exchange's messages one way, counted from its frames ("websocket_messages").
    struct WebSocketMessages {
        qint64 messages = 0;
        qint64 dataBytes = 0;
        qint64 largestMessage = 0;
        qint64 controlFrames = 0;
        bool malformed = false; // the bytes stopped parsing as frames: counted up to there
    };
    bool webSocketCounted = false; // false: not a WebSocket exchange, or not counted
    WebSocketMessages messagesFromClient;
    WebSocketMessages messagesFromUpstream;
    QString clientAddress;
    QString sessionId;
    QString userContext;
    QString requestContentType;
    QString responseContentType;
    bool replayable = false;
    bool responseBodyTruncated = false;

    // The whole exchange in milliseconds, or a negative number when it never completed.
    double durationMs() const { return doneUs < 0 ? -1.0 : double(doneUs) / 1000.0; }
    // Path with "?query" when there is one.
    QString target() const { return query.isEmpty() ? path : path + QLatin1Char('?') + query; }

    // nullopt when `object` has no positive integer "id".
    static std::optional<CaptureSummary> fromJson(const QJsonObject &object);
    // The items of an array that parse; the others are skipped.
    static QList<CaptureSummary> listFromJson(const QJsonArray &array);
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::CaptureSummary)
