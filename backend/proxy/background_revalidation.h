#pragma once

#include <backend/http/http_message.h>
#include <backend/proxy/deadline_queue.h>
#include <backend/proxy/exchange_cache.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/proxy/upstream_pool.h>
#include <backend/resilience/breaker_permit.h>
#include <backend/resilience/bulkhead_permit.h>
#include <backend/resilience/call_outcome.h>
#include <backend/routing/instance_stats.h>

#include <QByteArray>

#include <chrono>
#include <cstdint>
#include <memory>

namespace ToolCapture {

struct InstanceCounters;
class ProxyWorker;
struct ServiceEntry;
class StoredResponse;
class UpstreamInstance;

// One stale-while-revalidate revalidation (RFC 5861 section 3): a conditional GET for a stored
// response that was just served stale, sent on the worker's own behalf (no client waits for
// it), whose answer freshens (304) or replaces (a storable 200) the stored response; anything
// else leaves the stale entry. It leads the key's coalescing while it runs, so there is at most
// one per key across every worker. It chooses its instance as a session does (selector with the
// candidate filter, breaker and bulkhead permits), leases a pooled connection, and records its
// outcome in the breaker and the instance's statistics when it ends; the instance's first-byte
// timeout bounds it. Owned by its ProxyWorker, which keeps it until it ends; lives in that
// worker's thread.
class BackgroundRevalidation final
    : private UpstreamConnection::Listener
    , private UpstreamPool::Waiter
    , private DeadlineQueue::Owner {
public:
    using time_point = std::chrono::steady_clock::time_point;

    enum class State {
        Idle,       // not started
        PoolWait,   // every connection to the instance busy: queued in its pool
        Connecting, // a new connection on its way
        Waiting,    // request sent, no response head yet
        Receiving,  // a 200 being collected, or a 304 read to its end
        Done,       // ended: the worker forgets it on its next turn
    };

    BackgroundRevalidation(ProxyWorker &worker, std::uint64_t id);
    // Whatever is in progress is abandoned: the connection closed, no outcome recorded, the
    // key's lead given back.
    ~BackgroundRevalidation() override;
    BackgroundRevalidation(const BackgroundRevalidation &) = delete;
    BackgroundRevalidation &operator=(const BackgroundRevalidation &) = delete;

    // Revalidates `stored`, served stale for `request` of `service`. Ends at once (Done) when
    // another request leads the key or no instance can take it.
    void start(const ServiceEntry &service, const RequestHead &request,
               std::shared_ptr<const StoredResponse> stored, QByteArrayView clientAddress,
               time_point now);

    std::uint64_t id() const noexcept { return m_id; }
    State state() const noexcept { return m_state; }

private:
    // UpstreamConnection::Listener
    void onUpstreamReady(UpstreamConnection *connection) override;
    void onUpstreamResponseHead(ResponseHead &&head) override;
    void onUpstreamResponseBody(const char *data, qsizetype size) override;
    void onUpstreamResponseComplete() override;
    void onUpstreamFailed(UpstreamFailure failure, const QString &detail) override;
    void onUpstreamWritable() override {}
    void onUpstreamBatchDone() override {}
    // Never called: a revalidation never asks for an upgrade, so a 101 fails as a bad response.
    void onUpstreamUpgraded(const char *, qsizetype) override {}

    // UpstreamPool::Waiter
    void onConnectionLeased(UpstreamConnection *connection) override;

    // DeadlineQueue::Owner
    void onDeadline(time_point now) override;

    bool chooseInstance(const RequestHead &request, time_point now);
    void lease(bool fresh);
    void attachUpstream();
    void sendRequest();
    void releaseUpstream(bool reusable);
    // Records how the attempt ended (breaker, routing statistics) and frees its permits.
    void endAttempt(CallOutcome::Kind kind, bool success, time_point now);
    // Frees the attempt's permits without an outcome (it never reached the instance, or
    // nobody is left to learn how it ended).
    void abandonAttempt();
    // Ends: `applied` says whether the stored response was freshened or replaced.
    void finish(bool applied);

    ProxyWorker &m_worker;
    const std::uint64_t m_id;
    State m_state = State::Idle;
    const ServiceEntry *m_service = nullptr;
    UpstreamInstance *m_instance = nullptr;
    InstanceCounters *m_instanceCounters = nullptr;
    UpstreamPool *m_pool = nullptr;
    UpstreamConnection *m_upstream = nullptr;
    RequestHead m_request;
    QByteArray m_head; // the request head as sent, kept for the one retry on a fresh connection
    ExchangeCache m_cache;
    int m_status = 0;
    bool m_counted = false; // a revalidation was started (counted)
    bool m_retried = false; // the one retry of a kept-alive connection the upstream had closed
    bool m_attemptActive = false;
    time_point m_attemptStart;
    BreakerPermit m_breakerPermit;
    BulkheadPermit m_bulkheadPermit;
    InstanceStats::ActiveRequest m_activeRequest;
};

} // namespace ToolCapture
