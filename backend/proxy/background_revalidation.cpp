#include <backend/cache/cache_key.h>
#include <backend/cache/response_cache.h>
#include <backend/cache/stored_response.h>
#include <backend/core/logging.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/background_revalidation.h>
#include <backend/proxy/header_rewriter.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/routing/instance_selector.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>

#include <algorithm>
#include <vector>

namespace ToolCapture {

BackgroundRevalidation::BackgroundRevalidation(ProxyWorker &worker, std::uint64_t id)
    : m_worker(worker)
    , m_id(id) {
    m_cache.setSharedTier(worker.sharedTier()); // what it stores reaches the other proxies too
}

BackgroundRevalidation::~BackgroundRevalidation() {
    if (m_state != State::Done) {
        // Abandoned (the worker aborts or goes away): nobody learns how it would have ended.
        releaseUpstream(false);
        abandonAttempt();
    }
    m_worker.cancelDeadline(*this);
    m_cache.reset(); // gives the key's lead back: waiting requests look again
    if (m_state != State::Done && m_counted)
        m_worker.responseCache()
            ->counters(m_worker.index(), m_service->index)
            .backgroundFailures.add();
}

void BackgroundRevalidation::start(const ServiceEntry &service, const RequestHead &request,
                                   std::shared_ptr<const StoredResponse> stored,
                                   QByteArrayView clientAddress, time_point now) {
    m_service = &service;
    // The request as the stored response was fetched: its target and Host, and the fields the
    // response varies on (so that the answer is stored as the same variant); nothing else of
    // the client's.
    m_request.method = "GET";
    m_request.target = request.target;
    m_request.versionMinor = 1;
    m_request.framing = BodyFraming::None;
    m_request.keepAlive = true;
    QList<QByteArray> fields = CacheKey::varyFields(stored->headers);
    fields.push_back("host");
    for (const HttpHeader &header : request.headers) {
        const bool wanted = std::any_of(fields.begin(), fields.end(), [&](const QByteArray &f) {
            return equalsIgnoreCase(header.name, f);
        });
        if (wanted)
            m_request.headers.push_back(header);
    }
    if (!m_cache.beginBackgroundRevalidation(m_worker.responseCache(), m_worker.index(),
                                             service.index, service.nameBytes, std::move(stored),
                                             m_request)) {
        finish(false); // another request is on its way upstream for the key already
        return;
    }
    m_counted = true;
    m_worker.responseCache()
        ->counters(m_worker.index(), service.index)
        .backgroundRevalidations.add();
    // It costs the service what a forwarded request does: the service's rate limit applies
    // (the stale answer stands when it is spent).
    if (!m_worker.runtime().rateLimiter(service.index).tryTake(now)) {
        finish(false);
        return;
    }
    if (!chooseInstance(request, now)) {
        qCDebug(lcProxy).noquote()
            << "background revalidation: no instance of" << service.nameBytes << "can take it";
        finish(false);
        return;
    }
    QByteArray defaultHost;
    if (!findHeader(m_request.headers, "host"))
        defaultHost = m_instance->host().toLatin1() + ':' + QByteArray::number(m_instance->port());
    const QByteArray correlationId = m_worker.correlationIds().next();
    writeUpstreamRequestHead(
        m_head, m_request,
        {clientAddress, correlationId,
         service.match.stripPrefix ? QByteArrayView(service.match.pathPrefix) : QByteArrayView(),
         defaultHost});
    // One bound for all of it (pool wait, connect, first byte; then each batch of the body).
    m_worker.setDeadline(*this, now + m_instance->firstByteTimeout());
    lease(false);
}

bool BackgroundRevalidation::chooseInstance(const RequestHead &request, time_point now) {
    UpstreamRuntime &runtime = m_worker.runtime();
    std::vector<int> avoid;
    UpstreamInstance *chosen = nullptr;
    // As a session chooses: the selector sees breakers, health and bulkheads through the
    // candidate filter; an instance that refuses a permit is avoided and the choice made again.
    for (size_t tries = 0; tries <= m_service->instances.size() && !chosen; ++tries) {
        const SelectionContext context{avoid, &m_worker.candidateFilter()};
        chosen = m_worker.selector().select(*m_service, request, now, context, nullptr);
        if (!chosen)
            return false;
        const int index = chosen->index();
        m_bulkheadPermit = runtime.bulkhead(index).tryAcquire();
        if (m_bulkheadPermit.isActive()) {
            m_breakerPermit = runtime.breaker(index).tryAcquire();
            if (m_breakerPermit.admitted())
                break;
            m_bulkheadPermit.release();
        }
        chosen = nullptr;
        if (std::find(avoid.begin(), avoid.end(), index) != avoid.end())
            return false; // avoided and chosen again: nothing else can take it
        avoid.push_back(index);
    }
    if (!chosen)
        return false;
    m_instance = chosen;
    m_attemptActive = true;
    m_attemptStart = now;
    m_activeRequest = runtime.stats(chosen->index()).beginRequest();
    m_instanceCounters = &m_worker.counters().instances[size_t(chosen->index())];
    m_instanceCounters->inFlight.add(1);
    m_pool = &m_worker.pool(chosen->index());
    return true;
}

void BackgroundRevalidation::lease(bool fresh) {
    m_upstream = m_pool->lease(this, fresh);
    if (m_upstream) {
        attachUpstream();
        return;
    }
    // Every connection busy: wait in the pool's queue while the bulkhead has room for it.
    if (!m_worker.runtime().bulkhead(m_instance->index()).tryEnterPending()) {
        m_pool->cancelWait(this);
        abandonAttempt(); // never sent: no outcome
        finish(false);
        return;
    }
    m_state = State::PoolWait;
}

void BackgroundRevalidation::onConnectionLeased(UpstreamConnection *connection) {
    m_worker.runtime().bulkhead(m_instance->index()).leavePending();
    m_upstream = connection;
    attachUpstream();
}

void BackgroundRevalidation::attachUpstream() {
    m_upstream->attach(this, m_request.method);
    if (m_upstream->isConnected()) {
        sendRequest();
        return;
    }
    m_state = State::Connecting;
}

void BackgroundRevalidation::onUpstreamReady(UpstreamConnection *) {
    sendRequest();
}

void BackgroundRevalidation::sendRequest() {
    m_state = State::Waiting;
    m_upstream->write(m_head);
    m_instanceCounters->bytesToUpstream.add(std::uint64_t(m_head.size()));
    m_upstream->flush();
}

void BackgroundRevalidation::onUpstreamResponseHead(ResponseHead &&head) {
    if (head.status < 200) {
        if (head.status == 101)
            onUpstreamFailed(UpstreamFailure::BadResponse,
                             QStringLiteral("upstream switched protocols without being asked"));
        return; // an interim response: the final one follows
    }
    const auto now = m_worker.clock().now();
    m_status = head.status;
    m_state = State::Receiving;
    m_instanceCounters->responses[size_t(qBound(1, head.status / 100, 5))].add();
    bool wanted = false;
    if (head.status == 304 || head.status == 200) {
        // The cache's own handling of a forwarded answer: a 304 freshens the stored response
        // (stored at once), a storable 200 is collected and stored when complete.
        const auto action = m_cache.onResponseHead(head, m_request, now);
        wanted = action == ExchangeCache::HeadAction::Serve || m_cache.filling();
    }
    if (!wanted) {
        // An error, another status, or an uncacheable answer: the stale entry stays. Its body
        // is not worth reading: the connection is closed instead of reused.
        const auto kind = head.status == 429   ? CallOutcome::Kind::Overload
                          : head.status >= 500 ? CallOutcome::Kind::Status5xx
                                               : CallOutcome::Kind::Success;
        endAttempt(kind, head.status < 500, now);
        releaseUpstream(false);
        qCDebug(lcProxy).noquote() << "background revalidation of" << m_request.target << "answered"
                                   << head.status << m_cache.outcome();
        finish(false);
        return;
    }
    m_worker.setDeadline(*this, now + m_instance->firstByteTimeout());
}

void BackgroundRevalidation::onUpstreamResponseBody(const char *data, qsizetype size) {
    m_instanceCounters->bytesFromUpstream.add(std::uint64_t(size));
    if (!m_cache.filling())
        return; // a 304's (unexpected) body
    m_cache.onResponseBody(data, size);
    if (m_cache.filling()) {
        m_worker.setDeadline(*this, m_worker.clock().now() + m_instance->firstByteTimeout());
        return;
    }
    // Over the per-object limit: not stored, not read further.
    endAttempt(CallOutcome::Kind::Success, true, m_worker.clock().now());
    releaseUpstream(false);
    finish(false);
}

void BackgroundRevalidation::onUpstreamResponseComplete() {
    const auto now = m_worker.clock().now();
    endAttempt(CallOutcome::Kind::Success, true, now);
    releaseUpstream(true);
    bool applied = m_status == 304; // freshened when its head arrived
    if (m_cache.filling()) {
        m_cache.onResponseComplete(m_request, now);
        applied = m_cache.outcome().startsWith("miss; stored");
    }
    qCDebug(lcProxy).noquote() << "background revalidation of" << m_request.target
                               << "ended:" << m_cache.outcome();
    finish(applied);
}

void BackgroundRevalidation::onUpstreamFailed(UpstreamFailure failure, const QString &detail) {
    const bool reused = m_upstream && m_upstream->isReused();
    releaseUpstream(false);
    switch (failure) {
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ConnectTimeout:
        m_instanceCounters->connectFailures.add();
        break;
    case UpstreamFailure::Reset:
    case UpstreamFailure::BadResponse:
        m_instanceCounters->resets.add();
        break;
    }
    // A kept-alive connection the upstream closed just as we reused it: one fresh try.
    if (failure == UpstreamFailure::Reset && reused && m_state == State::Waiting && !m_retried) {
        m_retried = true;
        lease(true);
        return;
    }
    qCDebug(lcProxy).noquote() << "background revalidation of" << m_request.target
                               << "failed:" << detail;
    const auto kind = failure == UpstreamFailure::ConnectFailed    ? CallOutcome::Kind::ConnectError
                      : failure == UpstreamFailure::ConnectTimeout ? CallOutcome::Kind::Timeout
                                                                   : CallOutcome::Kind::Reset;
    endAttempt(kind, false, m_worker.clock().now());
    finish(false);
}

void BackgroundRevalidation::onDeadline(time_point now) {
    if (m_state == State::Done || m_state == State::Idle)
        return;
    if (m_state != State::PoolWait)
        m_instanceCounters->firstByteTimeouts.add();
    releaseUpstream(false);
    qCDebug(lcProxy).noquote() << "background revalidation of" << m_request.target << "timed out";
    endAttempt(CallOutcome::Kind::Timeout, false, now);
    finish(false);
}

void BackgroundRevalidation::releaseUpstream(bool reusable) {
    if (m_state == State::PoolWait && !m_upstream) {
        m_pool->cancelWait(this);
        m_worker.runtime().bulkhead(m_instance->index()).leavePending();
        m_state = State::Idle;
    }
    if (!m_upstream)
        return;
    UpstreamConnection *connection = m_upstream;
    m_upstream = nullptr;
    if (!reusable)
        connection->close();
    m_pool->release(connection);
}

void BackgroundRevalidation::endAttempt(CallOutcome::Kind kind, bool success, time_point now) {
    if (!m_attemptActive)
        return;
    m_attemptActive = false;
    const auto took = now - m_attemptStart;
    UpstreamRuntime &runtime = m_worker.runtime();
    const int index = m_instance->index();
    runtime.breaker(index).record(
        std::move(m_breakerPermit),
        {kind, std::chrono::duration_cast<std::chrono::milliseconds>(took)});
    runtime.stats(index).recordResponse(took, success, now);
    m_activeRequest.release();
    m_bulkheadPermit.release();
    m_instanceCounters->inFlight.add(-1);
    m_instanceCounters->recordLatency(std::chrono::duration_cast<std::chrono::microseconds>(took));
}

void BackgroundRevalidation::abandonAttempt() {
    if (!m_attemptActive)
        return;
    // NOTE: a half-open probe permit dropped this way counts as a failed probe (the breaker's
    // rule for a probe without an outcome), as a session's does.
    m_attemptActive = false;
    m_breakerPermit = BreakerPermit();
    m_activeRequest.release();
    m_bulkheadPermit.release();
    m_instanceCounters->inFlight.add(-1);
}

void BackgroundRevalidation::finish(bool applied) {
    if (m_state == State::Done)
        return;
    m_state = State::Done;
    m_worker.cancelDeadline(*this);
    m_cache.reset(); // the lead, if the answer did not give it back already
    if (m_counted && !applied)
        m_worker.responseCache()
            ->counters(m_worker.index(), m_service->index)
            .backgroundFailures.add();
    m_worker.endRevalidation(m_id);
}

} // namespace ToolCapture
