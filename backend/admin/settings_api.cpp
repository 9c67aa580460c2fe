#include <backend/admin/admin_server.h>
#include <backend/admin/settings_api.h>
#include <backend/httpserver/api_problem.h>

#include <QJsonDocument>
#include <QJsonParseError>

namespace ToolCapture {

namespace {

constexpr QByteArrayView kSettingsPath = "/api/v1/settings";
constexpr qsizetype kMaxReason = 1000;

HttpResponse noStore(HttpResponse response) {
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

HttpResponse badMember(QByteArrayView member, const QString &detail, QByteArrayView path) {
    const QByteArray text = detail.toUtf8();
    return ApiProblem::response(400, text, path, {{text, "/" + member.toByteArray()}});
}

} // namespace

SettingsApi::SettingsApi(Context context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context)) {}

bool SettingsApi::handles(QByteArrayView path) noexcept {
    return path == kSettingsPath;
}

void SettingsApi::handle(const HttpRequest &request,
                         const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;
    if (method == "GET" || method == "HEAD") {
        responder->respond(noStore(HttpResponse::json(
            200, QJsonDocument(m_context.document()).toJson(QJsonDocument::Compact))));
        return;
    }
    if (method != "PATCH") {
        HttpResponse response =
            ApiProblem::response(405, "The method " + method + " is not allowed here.", path);
        response.headers.push_back({"Allow", "GET, HEAD, PATCH"});
        responder->respond(std::move(response));
        return;
    }
    responder->respond(noStore(patch(request, path)));
}

HttpResponse SettingsApi::patch(const HttpRequest &request, QByteArrayView path) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        const QByteArray detail =
            "The body must be a JSON object such as {\"service\": \"inventory\", \"setting\": "
            "\"retry.max_attempts\", \"value\": 2, \"reason\": \"...\"}.";
        return ApiProblem::response(400, detail, path, {{detail, ""}});
    }
    const QJsonObject body = document.object();
    for (const QString &key : body.keys()) {
        if (key != QLatin1String("service") && key != QLatin1String("setting") &&
            key != QLatin1String("value") && key != QLatin1String("reason")) {
            return badMember(key.toUtf8(),
                             QStringLiteral("%1: not a member of a settings change (service, "
                                            "setting, value, reason)")
                                 .arg(key),
                             path);
        }
    }
    for (const char *member : {"service", "setting"}) {
        if (!body.value(QLatin1String(member)).isString()) {
            return badMember(member, QStringLiteral("%1: a string is required").arg(member), path);
        }
    }
    if (!body.contains(QLatin1String("value")))
        return badMember("value", QStringLiteral("value: required"), path);
    const QJsonValue reason = body.value(QLatin1String("reason"));
    if (!reason.isUndefined() && !reason.isNull() &&
        (!reason.isString() || reason.toString().size() > kMaxReason)) {
        return badMember(
            "reason", QStringLiteral("reason: a string of at most %1 characters").arg(kMaxReason),
            path);
    }
    if (!m_context.change)
        return ApiProblem::response(503, "This engine takes no settings changes.", path);

    SettingChangeRequest change;
    change.service = body.value(QLatin1String("service")).toString();
    change.setting = body.value(QLatin1String("setting")).toString();
    change.value = body.value(QLatin1String("value"));
    change.reason = reason.toString().trimmed();
    change.actor =
        AdminServer::isInProcess(request) ? QStringLiteral("console") : QStringLiteral("admin-api");
    change.source = SettingSource::Operator;
    const SettingChangeOutcome outcome = m_context.change(change);
    if (!outcome.ok) {
        const qsizetype colon = outcome.error.indexOf(QLatin1Char(':'));
        const QString member = colon > 0 ? outcome.error.left(colon) : QString();
        if (member == QLatin1String("service") || member == QLatin1String("setting") ||
            member == QLatin1String("value")) {
            return badMember(member.toUtf8(), outcome.error, path);
        }
        return ApiProblem::response(400, outcome.error.toUtf8(), path);
    }
    return HttpResponse::json(200,
                              QJsonDocument(outcome.entry.toJson()).toJson(QJsonDocument::Compact));
}

} // namespace ToolCapture
