#pragma once

#include <backend/httpserver/http_server.h>
#include <backend/snapshot/cache_snapshot.h>

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace ToolCapture {

class ResponseCache;

// The response cache endpoints of the admin API:
//   GET    /api/v1/cache          entries in key order: service, prefix (of the key, which is
//                                 "<service> <URI>"), cursor (next_cursor of the page before),
//                                 limit (1..1000, default 100)
//   GET    /api/v1/cache/stats    each service's counters and the stores' statistics (the
//                                 feed's "cache" document)
//   DELETE /api/v1/cache          every entry; with key= one key and its Vary variants, with
//                                 prefix= every key starting so, with service= a service's
//                                 entries (at most one of them). With a shared tier the answer
//                                 waits for it (bounded by the Redis client's timeouts): 200
//                                 when it purged too, else a 503 problem saying that only this
//                                 proxy's memory was purged
// A bad parameter is a 400 problem naming it ("?limit"). Without a cache the listing is a 404
// and a purge a 409; the stats say "enabled": false. Every request needs the admin token (the
// keys are request targets, which may hold personal data). Lives in the admin/engine thread.
class CacheApi : public QObject {
    Q_OBJECT
public:
    struct Context {
        std::shared_ptr<ResponseCache> cache; // null: the engine has no response cache
        // The services' names, indexed by service index (dynamic services included).
        std::function<QStringList()> serviceNames;
    };

    // GET /api/v1/cache, parsed.
    struct ListQuery {
        QString service; // empty: all
        QByteArray prefix;
        QByteArray cursor;
        int limit = 100;
    };
    // DELETE /api/v1/cache, parsed.
    struct PurgeQuery {
        enum class Scope { All, Key, Prefix, Service };
        Scope scope = Scope::All;
        QByteArray value; // the key, the prefix or the service's name
    };

    static constexpr int kMaxLimit = 1000;

    explicit CacheApi(Context context, QObject *parent = nullptr);
    ~CacheApi() override;

    // Whether `path` is one of this API's (so AdminServer hands the request over).
    static bool handles(QByteArrayView path) noexcept;
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    // The cache's counters now (enabled false without a cache).
    CacheSnapshot snapshot() const;
    // GET /api/v1/cache/stats of a snapshot.
    static QByteArray statsDocument(const CacheSnapshot &snapshot);

    // Query strings (without '?'), form-decoded. On a bad parameter: nullopt, with its name in
    // `badParameter` and the reason in `error`.
    static std::optional<ListQuery> parseListQuery(QByteArrayView query, QByteArray *badParameter,
                                                   QByteArray *error);
    static std::optional<PurgeQuery> parsePurgeQuery(QByteArrayView query, QByteArray *badParameter,
                                                     QByteArray *error);

private:
    HttpResponse list(const HttpRequest &request, QByteArrayView path) const;
    // Answers with `responder` now, or once the shared tier has answered.
    void purge(const HttpRequest &request, QByteArrayView path,
               const std::shared_ptr<HttpResponder> &responder);

    struct Guard;
    Context m_context;
    std::shared_ptr<Guard> m_guard;
};

} // namespace ToolCapture
