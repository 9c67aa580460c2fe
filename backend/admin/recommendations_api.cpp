#include <backend/admin/admin_server.h>
#include <backend/admin/recommendations_api.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <array>

namespace ToolCapture {

namespace {

constexpr QByteArrayView kPrefix = "/api/v1/recommendations";
constexpr qsizetype kMaxReason = 1000;

HttpResponse noStore(HttpResponse response) {
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

HttpResponse document(const QJsonObject &object) {
    return HttpResponse::json(200, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QByteArrayView queryOf(const QByteArray &target) {
    const qsizetype mark = target.indexOf('?');
    return mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1);
}

HttpResponse notAllowed(QByteArrayView method, QByteArrayView path, QByteArray allow) {
    HttpResponse response = ApiProblem::response(
        405, "The method " + method.toByteArray() + " is not allowed here.", path);
    response.headers.push_back({"Allow", std::move(allow)});
    return response;
}

} // namespace

RecommendationsApi::RecommendationsApi(RecommendationEngine *engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine) {}

bool RecommendationsApi::handles(QByteArrayView path) noexcept {
    return path == kPrefix || (path.startsWith(kPrefix) && path.size() > kPrefix.size() &&
                               path[kPrefix.size()] == '/');
}

void RecommendationsApi::handle(const HttpRequest &request,
                                const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;
    const bool read = method == "GET" || method == "HEAD";
    if (path == kPrefix) {
        responder->respond(
            noStore(read ? list(request, path) : notAllowed(method, path, "GET, HEAD")));
        return;
    }
    // {id} or {id}/{action}
    const QList<QByteArray> parts = path.sliced(kPrefix.size() + 1).toByteArray().split('/');
    const QString id = QString::fromUtf8(parts.value(0));
    if (parts.size() > 2 || id.isEmpty()) {
        responder->respond(ApiProblem::response(404, "No such resource.", path));
        return;
    }
    if (parts.size() == 1) {
        if (!read) {
            responder->respond(notAllowed(method, path, "GET, HEAD"));
            return;
        }
        const Recommendation *r = m_engine->find(id);
        responder->respond(
            noStore(r ? document(r->toJson())
                      : ApiProblem::response(
                            404, "No recommendation has the id " + id.toUtf8() + ".", path)));
        return;
    }
    const QByteArray &action = parts[1];
    if (action != "apply" && action != "dismiss" && action != "revert") {
        responder->respond(ApiProblem::response(
            404, "No such action: " + action + " (apply, dismiss or revert).", path));
        return;
    }
    if (method != "POST") {
        responder->respond(notAllowed(method, path, "POST"));
        return;
    }
    responder->respond(noStore(act(request, path, id, action)));
}

HttpResponse RecommendationsApi::list(const HttpRequest &request, QByteArrayView path) {
    static constexpr std::array<QByteArrayView, 1> kKnown{"status"};
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(queryOf(request.head.target), kKnown, parameters, refused))
        return ApiProblem::badParameter(refused.parameter, refused.reason, path);
    std::optional<RecommendationStatus> status;
    for (const QueryParameter &parameter : parameters) {
        const QString value = QString::fromUtf8(parameter.value);
        if (value == QLatin1String("all"))
            continue;
        status = recommendationStatusFromName(value);
        if (!status) {
            return ApiProblem::badParameter(
                "status", "one of open, applied, dismissed, reverted, expired or all", path);
        }
    }
    QJsonArray items;
    for (const Recommendation &r : m_engine->list(status))
        items.append(r.toJson());
    return document(QJsonObject{{QStringLiteral("recommendations"), items}});
}

HttpResponse RecommendationsApi::act(const HttpRequest &request, QByteArrayView path,
                                     const QString &id, QByteArrayView action) {
    QString reason;
    if (!request.body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument body = QJsonDocument::fromJson(request.body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !body.isObject()) {
            const QByteArray detail =
                "The body, when given, must be a JSON object such as {\"reason\": \"...\"}.";
            return ApiProblem::response(400, detail, path, {{detail, ""}});
        }
        const QJsonObject object = body.object();
        for (const QString &key : object.keys()) {
            if (key != QLatin1String("reason")) {
                const QByteArray detail = key.toUtf8() + ": not a member (only reason)";
                return ApiProblem::response(400, detail, path, {{detail, "/" + key.toUtf8()}});
            }
        }
        const QJsonValue value = object.value(QLatin1String("reason"));
        if (!value.isNull() && (!value.isString() || value.toString().size() > kMaxReason)) {
            const QByteArray detail =
                "reason: a string of at most " + QByteArray::number(kMaxReason) + " characters";
            return ApiProblem::response(400, detail, path, {{detail, "/reason"}});
        }
        reason = value.toString().trimmed();
    }
    const QString actor =
        AdminServer::isInProcess(request) ? QStringLiteral("console") : QStringLiteral("admin-api");
    RecommendationEngine::Outcome outcome;
    if (action == "apply")
        outcome = m_engine->apply(id, actor, reason);
    else if (action == "dismiss")
        outcome = m_engine->dismiss(id, actor, reason);
    else
        outcome = m_engine->revert(id, actor, reason);
    switch (outcome.result) {
    case RecommendationEngine::Result::Ok:
        return document(outcome.recommendation->toJson());
    case RecommendationEngine::Result::NotFound:
        return ApiProblem::response(404, outcome.error.toUtf8(), path);
    case RecommendationEngine::Result::Conflict:
        return ApiProblem::response(409, outcome.error.toUtf8(), path);
    case RecommendationEngine::Result::Failed:
        break;
    }
    return ApiProblem::response(
        409, "The live settings refused the change: " + outcome.error.toUtf8(), path);
}

} // namespace ToolCapture
