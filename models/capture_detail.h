#pragma once

#include <models/capture_summary.h>
#include <models/header_field.h>
#include <models/routing_explanation.h>

#include <QByteArray>
#include <QString>

#include <optional>

namespace ToolCapture {

// One captured exchange in full, as GET /api/v1/captures/{id} answers: the summary, the
// allowlisted headers, the kept bodies and the routing explanation.
struct CaptureDetail {
    CaptureSummary summary;
    HeaderFields requestHeaders;
    HeaderFields responseHeaders;
    QByteArray requestBody;  // decoded (the API sends base64 for non-UTF-8 bodies)
    QByteArray responseBody; // decoded; only a prefix when summary.responseBodyTruncated
    RoutingExplanation routing;

    // nullopt, with the reason in `error`, when `json` is not such a record.
    static std::optional<CaptureDetail> fromJson(const QByteArray &json, QString *error = nullptr);
};

// Parses [{"name", "value"}, ...].
HeaderFields headerFieldsFromJson(const QJsonValue &value);
// A body member with its encoding member ("utf-8" or "base64") decoded to bytes.
QByteArray bodyFromJson(const QJsonObject &object, QLatin1StringView key,
                        QLatin1StringView encodingKey);

} // namespace ToolCapture
