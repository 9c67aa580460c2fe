#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace ToolCapture {

// One message of the console feed: a state document of a subject (replacing the previous one)
// or a batch of new items of an append subject. Plain value; crosses threads by copy.
struct FeedMessage {
    QString subject;     // "services", "captures", ...
    bool append = false; // false: a state document; true: a JSON array of new items, oldest first
    QByteArray json;     // the document or the array, UTF-8 JSON
    quint64 seq = 0;     // the hub's sequence number, increasing across subjects
};

// A request to the admin API through a feed transport.
struct FeedRequest {
    QByteArray method = "GET";
    QByteArray target; // origin-form: "/api/v1/breakers/a-1"
    QByteArray body;   // JSON, when the method takes a body
};

// The admin API's answer to a FeedRequest. Status 0: no HTTP answer (error says why).
struct FeedResponse {
    int status = 0;
    QByteArray contentType;
    QByteArray body;
    QString error;

    bool ok() const { return status >= 200 && status < 300; }
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::FeedMessage)
Q_DECLARE_METATYPE(ToolCapture::FeedRequest)
Q_DECLARE_METATYPE(ToolCapture::FeedResponse)
