#include <models/capture_detail.h>
#include <models/replay_outcome.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

ReplayOutcome ReplayOutcome::fromResponse(int httpStatus, const QByteArray &body,
                                          const QString &transportError) {
    ReplayOutcome outcome;
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    if (httpStatus == 0) {
        outcome.error = transportError;
        return outcome;
    }
    if (httpStatus < 200 || httpStatus >= 300) {
        const QString detail = object.value(QLatin1StringView("detail")).toString();
        outcome.error =
            detail.isEmpty()
                ? QCoreApplication::translate("ReplayOutcome", "HTTP status %1").arg(httpStatus)
                : detail;
        return outcome;
    }
    const QJsonObject replay = object.value(QLatin1StringView("replay")).toObject();
    if (replay.isEmpty()) {
        outcome.error = QCoreApplication::translate("ReplayOutcome", "the answer has no replay");
        return outcome;
    }
    outcome.ok = true;
    outcome.status = replay.value(QLatin1StringView("status")).toInt();
    outcome.headers = headerFieldsFromJson(replay.value(QLatin1StringView("headers")));
    outcome.body =
        bodyFromJson(replay, QLatin1StringView("body"), QLatin1StringView("body_encoding"));
    outcome.bodyTruncated = replay.value(QLatin1StringView("body_truncated")).toBool();
    outcome.durationUs = replay.value(QLatin1StringView("duration_us")).toInteger();
    outcome.instance = replay.value(QLatin1StringView("instance")).toString();
    outcome.target = replay.value(QLatin1StringView("target")).toString();
    outcome.correlationId = replay.value(QLatin1StringView("correlation_id")).toString();
    outcome.diff = ResponseDiff::fromJson(object.value(QLatin1StringView("diff")).toObject());
    return outcome;
}

} // namespace ToolCapture
