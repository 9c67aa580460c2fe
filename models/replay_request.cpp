#include <models/replay_request.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

namespace ToolCapture {

QByteArray ReplayRequest::toJson() const {
    QJsonObject object;
    if (!instance.isEmpty())
        object.insert(QLatin1StringView("instance"), instance);
    if (!headers.isEmpty()) {
        QJsonObject edits;
        for (const auto &[name, value] : headers)
            edits.insert(name, value ? QJsonValue(*value) : QJsonValue(QJsonValue::Null));
        object.insert(QLatin1StringView("headers"), edits);
    }
    if (body) {
        if (QByteArrayView(*body).isValidUtf8())
            object.insert(QLatin1StringView("body"), QString::fromUtf8(*body));
        else
            object.insert(QLatin1StringView("body_base64"), QString::fromLatin1(body->toBase64()));
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray ReplayRequest::target(qint64 captureId) {
    return "/api/v1/captures/" + QByteArray::number(captureId) + "/replay";
}

} // namespace ToolCapture
