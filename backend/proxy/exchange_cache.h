#pragma once

#include <backend/cache/cache_control.h>
#include <backend/cache/cache_status.h>
#include <backend/cache/freshness.h>
#include <backend/cache/stored_response.h>
#include <backend/core/clock.h>
#include <backend/http/http_message.h>

#include <QByteArray>

#include <chrono>
#include <memory>
#include <optional>

namespace ToolCapture {

class RedisClient;
class ResponseCache;
struct CacheCounters;

// The response cache's part in one exchange: looks the request up, says whether the stored
// response answers it, makes the forwarded request conditional when a stored response needs
// validation, decides from the upstream's response head whether to store it, collects its body
// up to the per-object limit and stores it at the end, invalidates after unsafe requests, and
// keeps the outcome for the capture and the Cache-Status field.
//
// Owned by a client session (one exchange at a time); lives in its worker's thread. The cache
// itself (ResponseCache) is shared by all workers.
class ExchangeCache {
public:
    // What to do with a request once routed.
    enum class Action {
        Forward,        // send it upstream (perhaps made conditional: see begin())
        Serve,          // answer it with reply()
        GatewayTimeout, // only-if-cached and nothing usable stored: answer 504
        Wait,           // another request for the key is on its way upstream: wait for it,
                        // then begin() again (with no ticket), or give up after coalesceWait
        AskShared,      // nothing in memory: ask the shared tier for sharedKey(), hand the
                        // answer to acceptShared(), then begin() again
    };
    // What to do with the upstream's response head.
    enum class HeadAction {
        Pass,  // send it on to the client (with the Cache-Status field added)
        Serve, // the stored response answers instead (304 that validated it, stale-if-error):
               // discard the upstream's response and send reply() once it is complete
    };
    // A response the cache answers with.
    struct Reply {
        ResponseHead head; // framing ContentLength, contentLength = body size
        QByteArray body;   // empty for HEAD and 304
        bool sendBody = true;
    };

    // Forgets the previous exchange. `cache` null: the cache is off for this exchange.
    void reset();
    ~ExchangeCache() { reset(); }
    // The shared tier (Redis) of this worker, null when there is none. Kept across exchanges.
    void setSharedTier(RedisClient *client) { m_shared = client; }
    QByteArray sharedKey() const;
    // The shared tier's answer to AskShared (a RedisClient::Status and the value).
    void acceptShared(int status, const QByteArray &value, const RequestHead &request);
    ExchangeCache() = default;
    ExchangeCache(const ExchangeCache &) = delete;
    ExchangeCache &operator=(const ExchangeCache &) = delete;
    // Looks the request up. May add If-None-Match / If-Modified-Since to `request` (a stored
    // response needs validation; the client's own conditionals are then answered by the cache).
    // `ticket` (non-zero): a miss may wait for another request's response under it (the
    // worker's waker is called with it); zero: it goes upstream itself.
    // `serviceName` is kept (shared, not copied).
    Action begin(ResponseCache *cache, int worker, int service, const QByteArray &serviceName,
                 RequestHead &request, Clock::time_point now, std::uint64_t ticket = 0);
    // After begin() answered Serve within stale-while-revalidate (RFC 5861 section 3): the
    // stored response that one background revalidation is to refresh; null otherwise.
    std::shared_ptr<const StoredResponse> staleToRevalidate() const {
        return m_background ? m_stored : nullptr;
    }
    // The cache's part in a background revalidation of `stored` (found for a request with the
    // key of `request`): leads the key's coalescing, or returns false (nothing done) when
    // another request leads it, and makes `request` conditional on the stored validators. The
    // upstream's answer then goes through onResponseHead/Body/Complete as a forwarded one does:
    // a 304 freshens the stored response, a storable response replaces it.
    bool beginBackgroundRevalidation(ResponseCache *cache, int worker, int service,
                                     QByteArrayView serviceName,
                                     std::shared_ptr<const StoredResponse> stored,
                                     RequestHead &request);
    // The response head arrived (final status). Adds Cache-Status to `head` when it passes.
    HeadAction onResponseHead(ResponseHead &head, const RequestHead &request,
                              Clock::time_point now);
    void onResponseBody(const char *data, qsizetype size);
    // The response is complete: stores it if it was being collected.
    void onResponseComplete(const RequestHead &request, Clock::time_point now);
    // The upstream could not be reached or failed (every retry spent): whether a stale stored
    // response may answer instead (stale-if-error, or the service allows serving stale while
    // it is unavailable). When true, reply() holds it.
    // `upstreamStatus`: what the upstream answered, if it answered at all.
    bool serveStaleOnFailure(const RequestHead &request, bool unavailable,
                             std::optional<int> upstreamStatus);

    const Reply &reply() const { return m_reply; }
    // For the capture: "hit", "miss; stored; ttl-source=header", "uncacheable; reason=no-store"...
    // empty when the cache was not consulted.
    const QByteArray &outcome() const { return m_outcome; }
    bool active() const { return m_cache != nullptr; }
    // The response head of an exchange begun while the cache was off for its service (a
    // service's configuration or the live setting cache.enabled) in an engine that has one:
    // when the response could have been stored, the outcome is "miss; reason=disabled", so the
    // analysis sees what turning the cache on would answer. Nothing else is done.
    void onUncachedResponseHead(const ResponseHead &head, const RequestHead &request);
    // The forwarded response is being collected to be stored when complete.
    bool filling() const { return m_filling; }

private:
    // `hit`: answered without forwarding; otherwise `forwardStatus` is what the upstream said.
    void prepareReply(const StoredResponse &stored, const RequestHead &request,
                      const CacheVerdict &verdict, bool hit, std::optional<int> forwardStatus);
    void setUncacheable(QByteArrayView reason);
    // Replaces the request's conditionals with the stored response's validators; false when it
    // has none (the request then fetches the response whole).
    bool makeConditional(RequestHead &request);
    // A heuristic lifetime replaced by what the TTL advisor learned of the operation, if it
    // learned enough (services with learnTtl).
    void applyLearnedTtl(StoredResponse &response, Clock::time_point now);
    // Writes a stored response to the shared tier (not a Vary variant: those stay local), for as
    // long as it may be served fresh or stale.
    void writeShared(const StoredResponse &response);
    // Removes `keys` (primary keys) from memory and from the shared tier, and tells the other
    // proxies sharing it to drop them from theirs (one PUBLISH after the UNLINKs, on the same
    // connection, so that Redis has none of them when the others look); how many entries went
    // from this proxy's memory.
    std::size_t invalidateEverywhere(const QList<QByteArray> &keys);
    // Tells the TTL advisor whether the stored response changed, as the new one shows.
    void observeChange(bool changed, Clock::time_point now);
    CacheCounters &counters() const;
    // The leader's response is settled (stored, or not to be): its followers look again.
    // `uncacheable`: the response could not be stored (the next requests need not wait).
    void releaseFollowers(bool uncacheable = false, Clock::time_point now = {});

    ResponseCache *m_cache = nullptr;
    ResponseCache *m_disabledCache = nullptr; // off for the service: only the outcome is kept
    int m_disabledService = -1;
    int m_worker = 0;
    int m_service = -1;
    QByteArray m_key; // primary key
    QByteArray m_serviceName;
    bool m_leader = false;      // other requests for the key wait for this one
    std::uint64_t m_ticket = 0; // non-zero: this one waits for another (Action::Wait)
    bool m_coalesced = false;   // it waited: the outcome says so
    bool m_background = false;  // served stale-while-revalidate: revalidate in the background
    RedisClient *m_shared = nullptr;
    bool m_sharedAsked = false;   // this exchange asked the shared tier already
    bool m_compareBodies = false; // the change is told by the body (no validators to compare)
    CacheControl m_requestControl;
    std::shared_ptr<const StoredResponse> m_stored; // found for this request (fresh or not)
    CacheForward m_forward = CacheForward::None;
    bool m_revalidating = false; // the forwarded request carries our validators
    bool m_filling = false;
    bool m_storeIntended = false;
    bool m_lookedUp = false;
    bool m_clientConditional = false; // the client's own If-None-Match / If-Modified-Since
    HttpHeaders m_clientConditionals;
    std::shared_ptr<StoredResponse> m_fill;
    std::int64_t m_fillLimit = 0;
    HttpTime m_requestTime;
    // The cache's invalidation generation when the lookup began: a response fetched since is
    // not stored if its key was invalidated after it (ResponseCache::storeFill).
    std::uint64_t m_fillSince = 0;
    Reply m_reply;
    QByteArray m_outcome;
};

} // namespace ToolCapture
