#include <models/capture_detail.h>

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

HeaderFields headerFieldsFromJson(const QJsonValue &value) {
    HeaderFields fields;
    for (const QJsonValue &item : value.toArray()) {
        const QJsonObject field = item.toObject();
        fields.push_back({field.value(QLatin1StringView("name")).toString(),
                          field.value(QLatin1StringView("value")).toString()});
    }
    return fields;
}

QByteArray bodyFromJson(const QJsonObject &object, QLatin1StringView key,
                        QLatin1StringView encodingKey) {
    const QByteArray text = object.value(key).toString().toUtf8();
    if (object.value(encodingKey).toString() == QLatin1StringView("base64"))
        return QByteArray::fromBase64(text);
    return text;
}

std::optional<CaptureDetail> CaptureDetail::fromJson(const QByteArray &json, QString *error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    const auto fail = [error](const QString &why) -> std::optional<CaptureDetail> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (parseError.error != QJsonParseError::NoError)
        return fail(QCoreApplication::translate("CaptureDetail", "not JSON: %1")
                        .arg(parseError.errorString()));
    const QJsonObject object = document.object();
    auto summary = CaptureSummary::fromJson(object);
    if (!summary)
        return fail(QCoreApplication::translate("CaptureDetail", "not a capture record"));
    CaptureDetail detail;
    detail.summary = std::move(*summary);
    detail.requestHeaders =
        headerFieldsFromJson(object.value(QLatin1StringView("request_headers")));
    detail.responseHeaders =
        headerFieldsFromJson(object.value(QLatin1StringView("response_headers")));
    detail.requestBody = bodyFromJson(object, QLatin1StringView("request_body"),
                                      QLatin1StringView("request_body_encoding"));
    detail.responseBody = bodyFromJson(object, QLatin1StringView("response_body"),
                                       QLatin1StringView("response_body_encoding"));
    detail.routing = RoutingExplanation::fromJson(object.value(QLatin1StringView("routing")));
    return detail;
}

} // namespace ToolCapture
