#pragma once

#include <models/header_field.h>
#include <models/response_diff.h>

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace ToolCapture {

// The answer of POST /api/v1/captures/{id}/replay: the new response and its diff.
struct ReplayOutcome {
    bool ok = false;
    QString error; // a problem's detail, or the transport's reason, when !ok
    int status = 0;
    HeaderFields headers;
    QByteArray body;
    bool bodyTruncated = false;
    qint64 durationUs = 0;
    QString instance; // empty: routed by the proxy
    QString target;   // the URL the replay went to
    QString correlationId;
    ResponseDiff diff;

    // From the HTTP status and body of the replay answer (problem+json when it failed).
    static ReplayOutcome fromResponse(int httpStatus, const QByteArray &body,
                                      const QString &transportError = {});
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::ReplayOutcome)
