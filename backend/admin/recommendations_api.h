#pragma once

#include <backend/httpserver/http_server.h>
#include <backend/intelligence/recommendation_engine.h>

#include <QObject>

#include <memory>

namespace ToolCapture {

// The recommendation endpoints of the admin API (docs/intelligence-api.md, "Recommendations"):
//   GET  /api/v1/recommendations[?status=open|applied|dismissed|reverted|all]
//        {"recommendations": [R, ...]}
//   GET  /api/v1/recommendations/{id}                          R
//   POST /api/v1/recommendations/{id}/apply|dismiss|revert      R after the change
// A POST takes an optional body {"reason": "..."}; its actor is "console" for the console of
// this process and "admin-api" otherwise. Errors are problem+json: 404 unknown id or action,
// 409 a state that does not allow the action (or a change the live settings refused), 400 a bad
// status or body. Mounted with the admin token required. Lives in the engine thread, with the
// RecommendationEngine it reads and commands.
class RecommendationsApi : public QObject {
    Q_OBJECT
public:
    explicit RecommendationsApi(RecommendationEngine *engine, QObject *parent = nullptr);

    static bool handles(QByteArrayView path) noexcept;
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

private:
    HttpResponse list(const HttpRequest &request, QByteArrayView path);
    HttpResponse act(const HttpRequest &request, QByteArrayView path, const QString &id,
                     QByteArrayView action);

    RecommendationEngine *m_engine;
};

} // namespace ToolCapture
