#pragma once

#include <backend/capture/capture_query.h>
#include <backend/capture/replay.h>
#include <backend/httpserver/http_server.h>

#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace ToolCapture {

class CaptureReader;

// The capture endpoints of the admin API:
//   GET  /api/v1/captures                 summaries, newest first, with a next-page cursor
//   GET  /api/v1/captures/{id}            one record (a numeric id, else a correlation id)
//   GET  /api/v1/captures/export          format=har (default) or curl, same filters
//   POST /api/v1/captures/{id}/replay     {"instance", "headers", "body" | "body_base64"}
// Filters: correlation_id, service, instance, status, status_class, method, path_prefix, from,
// to (RFC 3339 with an offset, or epoch milliseconds), before_id, limit. An unknown or malformed
// parameter is a 400 problem naming it. Replays need the admin token (the authorizer) and answer
// once the replayed response is in. Lives in the admin/engine thread, with its reader.
class CaptureApi : public QObject {
    Q_OBJECT
public:
    struct Context {
        CaptureReader *reader = nullptr; // not owned; null: every request answers 503
        // The base URL of an instance by id; nullopt when there is no such instance.
        std::function<std::optional<QUrl>(const QString &instanceId)> instanceUrl;
        QUrl proxyUrl; // where replays without an instance go, routed as any request
        // Whether the request carries the admin token; without one every replay is refused.
        std::function<bool(const HttpRequest &)> authorize;
    };

    explicit CaptureApi(Context context, Replayer::Options replayOptions = {},
                        QObject *parent = nullptr);
    ~CaptureApi() override;

    // Whether `path` is one of this API's (so AdminServer hands the request over).
    static bool handles(QByteArrayView path) noexcept;
    // Answers now, or for a replay once it is done.
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    // A record's summary, as an item of GET /api/v1/captures (the feed's "captures").
    static QByteArray summary(const CaptureRecord &record);

    // The capture allowlist, so replay diffs compare only the fields a capture keeps.
    void setHeaderFilter(std::optional<CaptureHeaderFilter> filter);
    Replayer &replayer() { return *m_replayer; }

    // A query string (without '?') as a CaptureQuery; `extra` names parameters allowed besides
    // the filters (their values go to `extraValues`, in the same order). On a bad parameter:
    // nullopt, with its name in `badParameter` and the reason in `error`.
    static std::optional<CaptureQuery> parseQuery(QByteArrayView query, QByteArray *badParameter,
                                                  QByteArray *error,
                                                  const std::vector<QByteArray> &extra = {},
                                                  std::vector<QByteArray> *extraValues = nullptr);

private:
    HttpResponse list(const HttpRequest &request);
    HttpResponse one(QByteArrayView key);
    HttpResponse exportCaptures(const HttpRequest &request);
    void replay(const HttpRequest &request, QByteArrayView key,
                const std::shared_ptr<HttpResponder> &responder);
    std::optional<CaptureRecord> find(QByteArrayView key);

    Context m_context;
    Replayer *m_replayer; // a child
};

} // namespace ToolCapture
