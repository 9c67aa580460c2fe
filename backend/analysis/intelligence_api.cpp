#include <backend/analysis/analyser_host.h>
#include <backend/analysis/intelligence_api.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>

#include <QJsonDocument>

#include <array>

namespace ToolCapture {

namespace {

constexpr QByteArrayView kPatterns = "/api/v1/patterns";
constexpr QByteArrayView kAnomalies = "/api/v1/anomalies";
constexpr QByteArrayView kCorrelations = "/api/v1/correlations/";

QByteArrayView queryOf(const QByteArray &target) {
    const qsizetype mark = target.indexOf('?');
    return mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1);
}

HttpResponse noStore(HttpResponse response) {
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

IntelligenceApi::IntelligenceApi(AnalyserHost *host, QObject *parent)
    : QObject(parent)
    , m_host(host) {}

bool IntelligenceApi::handles(QByteArrayView path) noexcept {
    return path == kPatterns || path == kAnomalies ||
           (path.startsWith(kCorrelations) && path.size() > kCorrelations.size());
}

void IntelligenceApi::handle(const HttpRequest &request,
                             const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    const QByteArray instance = path.toByteArray();
    if (request.head.method != "GET" && request.head.method != "HEAD") {
        HttpResponse response = ApiProblem::response(
            405, "The method " + request.head.method + " is not allowed here.", path);
        response.headers.push_back({"Allow", "GET, HEAD"});
        responder->respond(std::move(response));
        return;
    }
    const QByteArrayView query = queryOf(request.head.target);
    std::function<QByteArray(const EventAnalyser &)> work;
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (path == kPatterns) {
        static constexpr std::array<QByteArrayView, 2> kKnown{"window", "service"};
        if (!parseQueryParameters(query, kKnown, parameters, refused)) {
            responder->respond(ApiProblem::badParameter(refused.parameter, refused.reason, path));
            return;
        }
        EventAnalyser::Window window = EventAnalyser::Window::FiveMinutes;
        QString service;
        for (const auto &[name, value] : parameters) {
            if (name == "window") {
                const std::optional<EventAnalyser::Window> named =
                    EventAnalyser::windowNamed(QString::fromUtf8(value));
                if (!named) {
                    responder->respond(
                        ApiProblem::badParameter("window", "one of 1m, 5m, 1h", path));
                    return;
                }
                window = *named;
            } else {
                service = QString::fromUtf8(value);
            }
        }
        work = [window, service](const EventAnalyser &analyser) {
            return compact(analyser.patternsDocument(window, service));
        };
    } else if (path == kAnomalies) {
        static constexpr std::array<QByteArrayView, 1> kKnown{"active"};
        if (!parseQueryParameters(query, kKnown, parameters, refused)) {
            responder->respond(ApiProblem::badParameter(refused.parameter, refused.reason, path));
            return;
        }
        std::optional<bool> active;
        for (const auto &[name, value] : parameters) {
            if (value != "true" && value != "false") {
                responder->respond(ApiProblem::badParameter("active", "true or false", path));
                return;
            }
            active = value == "true";
        }
        work = [active](const EventAnalyser &analyser) {
            return compact(analyser.anomaliesDocument(active));
        };
    } else {
        const QString id = QString::fromUtf8(
            QByteArray::fromPercentEncoding(path.sliced(kCorrelations.size()).toByteArray()));
        work = [id](const EventAnalyser &analyser) {
            const std::optional<QJsonObject> document = analyser.correlationDocument(id);
            return document ? compact(*document) : QByteArray();
        };
    }
    if (!m_host || !m_host->isRunning()) {
        responder->respond(ApiProblem::response(503, "The pattern analysis is not running.", path));
        return;
    }
    m_host->query(std::move(work), [responder, instance](const QByteArray &body) {
        if (body.isEmpty()) {
            responder->respond(ApiProblem::response(
                404,
                "The analyser keeps nothing for this correlation id (unknown, or no longer "
                "among the most recent).",
                instance));
            return;
        }
        responder->respond(noStore(HttpResponse::json(200, body)));
    });
}

} // namespace ToolCapture
