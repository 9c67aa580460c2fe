#include <backend/cache/cache_key.h>
#include <backend/cache/http_date.h>
#include <backend/cache/invalidation.h>
#include <backend/cache/response_cache.h>
#include <backend/cache/storability.h>
#include <backend/cache/validators.h>
#include <backend/proxy/exchange_cache.h>
#include <backend/redis/redis_client.h>

#include <algorithm>
#include <array>
#include <utility>

namespace ToolCapture {

namespace {

bool isConditionalField(QByteArrayView name) {
    return equalsIgnoreCase(name, "if-none-match") || equalsIgnoreCase(name, "if-modified-since");
}

void removeFields(HttpHeaders &headers, QByteArrayView name) {
    std::erase_if(headers, [&](const HttpHeader &h) { return equalsIgnoreCase(h.name, name); });
}

void setCacheStatus(HttpHeaders &headers, const CacheStatus &status) {
    for (HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "cache-status")) {
            header.value = CacheStatus::append(header.value, status);
            return;
        }
    }
    headers.push_back({"Cache-Status", status.render()});
}

// RFC 9111 section 4.3.4: whether a 304 selects `stored` for update. A 304 without validators
// answers the conditional request made from the stored response's own validators: selected.
// NOTE: more lenient than the RFC's "no validator" rule (which selects only a stored response
// without validators), which would leave a Last-Modified response unrefreshable by the common
// 304 that carries no Last-Modified (RFC 9110 section 15.4.5 does not ask for it).
bool selectedForUpdate(const StoredResponse &stored, const HttpHeaders &notModified) {
    if (!findHeader(notModified, "etag") && !findHeader(notModified, "last-modified"))
        return true;
    return !Validators::selectForUpdate(notModified, {{stored.headers, stored.responseTime}})
                .empty();
}

// "hit; ttl-source=header" and the like, built once and shared: a hit allocates no outcome.
const QByteArray &hitOutcome(bool coalesced, TtlSource source) {
    static const std::array<std::array<QByteArray, 3>, 2> kOutcomes = [] {
        std::array<std::array<QByteArray, 3>, 2> outcomes;
        const TtlSource sources[] = {TtlSource::Header, TtlSource::Heuristic, TtlSource::Learned};
        for (size_t i = 0; i < 3; ++i) {
            const QByteArray name = ttlSourceName(sources[i]).toByteArray();
            outcomes[0][size_t(sources[i])] = "hit; ttl-source=" + name;
            outcomes[1][size_t(sources[i])] = "coalesced; ttl-source=" + name;
        }
        return outcomes;
    }();
    return kOutcomes[coalesced ? 1 : 0][size_t(source)];
}

TtlSource ttlSourceOf(const FreshnessLifetime &lifetime) {
    return lifetime.source == FreshnessSource::Heuristic ? TtlSource::Heuristic : TtlSource::Header;
}

} // namespace

void ExchangeCache::releaseFollowers(bool uncacheable, Clock::time_point now) {
    if (m_leader) {
        m_leader = false;
        m_cache->release(m_key, uncacheable, now);
    }
}

void ExchangeCache::reset() {
    if (m_cache && m_leader)
        releaseFollowers();
    if (m_cache && m_ticket != 0)
        m_cache->leave(m_key, m_worker, m_ticket);
    m_leader = false;
    m_ticket = 0;
    m_coalesced = false;
    m_background = false;
    m_sharedAsked = false;
    m_cache = nullptr;
    m_disabledCache = nullptr;
    m_disabledService = -1;
    m_service = -1;
    m_key.clear();
    m_serviceName.clear();
    m_compareBodies = false;
    m_stored.reset();
    m_forward = CacheForward::None;
    m_revalidating = false;
    m_filling = false;
    m_storeIntended = false;
    m_lookedUp = false;
    m_clientConditional = false;
    m_clientConditionals.clear();
    m_fill.reset();
    HttpHeaders headers = std::move(m_reply.head.headers); // its storage is reused
    headers.clear();
    m_reply = Reply();
    m_reply.head.headers = std::move(headers);
    m_outcome.clear();
}

CacheCounters &ExchangeCache::counters() const {
    return m_cache->counters(m_worker, m_service);
}

void ExchangeCache::setUncacheable(QByteArrayView reason) {
    // The usual reasons' outcomes are built once and shared (no allocation per request).
    static const std::array<QByteArray, 9> kOutcomes = [] {
        std::array<QByteArray, 9> outcomes;
        const char *reasons[] = {"method",    "status",        "no-store",
                                 "private",   "authorization", "vary-star",
                                 "too-large", "no-freshness",  "range"};
        for (size_t i = 0; i < outcomes.size(); ++i)
            outcomes[i] = QByteArray("uncacheable; reason=") + reasons[i];
        return outcomes;
    }();
    for (const QByteArray &outcome : kOutcomes) {
        if (QByteArrayView(outcome).sliced(20) == reason) {
            m_outcome = outcome;
            return;
        }
    }
    m_outcome = "uncacheable; reason=" + reason.toByteArray();
}

ExchangeCache::Action ExchangeCache::begin(ResponseCache *cache, int worker, int service,
                                           const QByteArray &serviceName, RequestHead &request,
                                           Clock::time_point now, std::uint64_t ticket) {
    // A follower woken (or giving up), or an exchange the shared tier answered, begins again:
    // what it did already stays done.
    // The key is built once per call (it is on every request's path).
    const bool enabled = cache && cache->enabledFor(service);
    QByteArray key = enabled ? ResponseCache::primaryKey(serviceName, request) : QByteArray();
    const bool again = !key.isEmpty() && key == m_key;
    const bool waited = again && m_ticket != 0;
    const bool asked = again && m_sharedAsked;
    reset();
    m_coalesced = waited;
    m_sharedAsked = asked;
    if (!enabled) {
        if (cache && Storability::answerableFromStore(request.method)) {
            m_disabledCache = cache;
            m_disabledService = service;
        }
        return Action::Forward;
    }
    m_cache = cache;
    m_worker = worker;
    m_service = service;
    m_serviceName = serviceName;
    m_key = std::move(key);
    if (m_key.isEmpty()) {
        // Not a URI a cache can key (no Host, a malformed target): not the cache's business.
        m_cache = nullptr;
        return Action::Forward;
    }
    m_requestTime = cache->wallNow();
    m_fillSince = cache->invalidationGeneration(); // before the look-up: see storeFill
    if (!Storability::answerableFromStore(request.method)) {
        // Forwarded; an unsafe method's response may invalidate (onResponseHead).
        m_forward = CacheForward::Method;
        return Action::Forward;
    }
    if (findHeader(request.headers, "range")) {
        // Ranges are not answered from the cache (nor 206 responses stored).
        counters().bypassed.add();
        m_forward = CacheForward::Bypass;
        m_outcome = "bypass; reason=range";
        return Action::Forward;
    }
    m_requestControl = CacheControl::parseRequest(request.headers);
    const ResponseCache::Found found = cache->find(service, m_key, request.headers);
    m_lookedUp = true;
    if (found.response && Storability::mayServe(request.headers, found.response->control))
        m_stored = found.response;
    for (const HttpHeader &header : request.headers) {
        if (isConditionalField(header.name)) {
            m_clientConditional = true;
            m_clientConditionals.push_back(header);
        }
    }
    const FreshnessPolicy &policy = cache->policy(service).freshness;
    const HttpTime wall = m_requestTime;
    CacheVerdict verdict;
    if (m_stored) {
        const auto age = m_stored->currentAge(wall);
        verdict = Freshness::decide(true, m_requestControl, m_stored->control, m_stored->lifetime,
                                    age, OriginState::Reachable, policy);
    } else {
        verdict = Freshness::decide(false, m_requestControl, CacheControl(), FreshnessLifetime(),
                                    std::chrono::seconds(0), OriginState::Reachable, policy);
    }
    // Preconditions only the origin evaluates (If-Match, If-Range...): forward.
    if (m_stored && (verdict.decision == CacheDecision::FreshHit ||
                     verdict.decision == CacheDecision::StaleServable)) {
        const auto conditional = Validators::evaluate(request.method, request.headers,
                                                      m_stored->headers, m_stored->responseTime);
        if (conditional == ConditionalResult::Forward) {
            counters().misses.add();
            m_forward = CacheForward::Request;
            return Action::Forward;
        }
    }
    // RFC 5861 section 3: the stale response answers now; the session has one background
    // revalidation of it started (staleToRevalidate()).
    m_background = verdict.backgroundRevalidation;
    switch (verdict.decision) {
    case CacheDecision::FreshHit:
        counters().hits.add();
        prepareReply(*m_stored, request, verdict, true, std::nullopt);
        m_outcome = hitOutcome(m_coalesced, m_stored->ttlSource);
        return Action::Serve;
    case CacheDecision::StaleServable:
        counters().staleServed.add();
        prepareReply(*m_stored, request, verdict, true, std::nullopt);
        m_outcome = "stale; rule=" + Freshness::staleRuleName(verdict.staleRule).toByteArray();
        return Action::Serve;
    case CacheDecision::GatewayTimeout:
        counters().misses.add();
        m_outcome = "miss; reason=only-if-cached";
        return Action::GatewayTimeout;
    case CacheDecision::MustValidate:
    case CacheDecision::Miss:
        if (verdict.decision == CacheDecision::Miss && m_shared && !m_sharedAsked &&
            !found.response && !found.varyMiss) {
            m_sharedAsked = true;
            if (m_shared->isConnected())
                return Action::AskShared;
            counters().sharedErrors.add(); // down: a miss, and counted
        }
        if (ticket != 0 && request.method == "GET") {
            const auto joined = cache->join(m_key, worker, ticket, now);
            if (joined == ResponseCache::Join::Follower) {
                counters().coalescedWaits.add();
                m_ticket = ticket;
                return Action::Wait;
            }
            m_leader = joined == ResponseCache::Join::Leader;
        }
        break;
    default:
        break;
    }
    switch (verdict.decision) {
    case CacheDecision::FreshHit:
    case CacheDecision::StaleServable:
    case CacheDecision::GatewayTimeout:
        break; // answered above
    case CacheDecision::MustValidate: {
        // RFC 9211 section 2.2: "request" when a fresh response was stored but the request's
        // directives (no-cache, max-age, min-fresh) did not allow its use; "stale" otherwise.
        const bool freshButRefused = m_stored && verdict.freshnessRemaining.count() > 0 &&
                                     !m_stored->control.noCacheUnqualified();
        m_forward = freshButRefused ? CacheForward::Request : CacheForward::Stale;
        if (!makeConditional(request))
            counters().misses.add();
        return Action::Forward;
    }
    case CacheDecision::Miss:
        counters().misses.add();
        m_forward = found.varyMiss   ? CacheForward::VaryMiss
                    : m_stored       ? CacheForward::Request
                    : found.response ? CacheForward::Request
                                     : CacheForward::UriMiss;
        return Action::Forward;
    }
    return Action::Forward;
}

bool ExchangeCache::makeConditional(RequestHead &request) {
    const HttpHeader *etag = m_stored ? findHeader(m_stored->headers, "etag") : nullptr;
    const HttpHeader *modified =
        m_stored ? findHeader(m_stored->headers, "last-modified") : nullptr;
    if (!etag && !modified)
        return false;
    // Our validators replace the client's: a 304 then validates what we hold, and the client's
    // conditionals are answered from it (RFC 9111 section 4.3.2).
    std::erase_if(request.headers, [](const HttpHeader &h) { return isConditionalField(h.name); });
    if (etag)
        request.headers.push_back({"If-None-Match", etag->value});
    if (modified)
        request.headers.push_back({"If-Modified-Since", modified->value});
    m_revalidating = true;
    counters().revalidations.add();
    return true;
}

bool ExchangeCache::beginBackgroundRevalidation(ResponseCache *cache, int worker, int service,
                                                QByteArrayView serviceName,
                                                std::shared_ptr<const StoredResponse> stored,
                                                RequestHead &request) {
    reset();
    const QByteArray key = ResponseCache::primaryKey(serviceName, request);
    if (!cache || !stored || key.isEmpty() || !cache->lead(key))
        return false; // at most one request for the key upstream at a time
    m_cache = cache;
    m_worker = worker;
    m_service = service;
    m_serviceName = serviceName.toByteArray();
    m_key = key;
    m_leader = true;
    m_requestTime = cache->wallNow();
    m_fillSince = cache->invalidationGeneration();
    m_requestControl = CacheControl::parseRequest(request.headers);
    m_stored = std::move(stored);
    m_forward = CacheForward::Stale;
    makeConditional(request);
    return true;
}

void ExchangeCache::onUncachedResponseHead(const ResponseHead &head, const RequestHead &request) {
    ResponseCache *cache = std::exchange(m_disabledCache, nullptr);
    if (!cache || request.method != "GET")
        return;
    const ResponseCache::ServicePolicy policy = cache->policy(m_disabledService);
    const bool tooLarge = head.framing == BodyFraming::ContentLength &&
                          head.contentLength > cache->maxObjectBytes(m_disabledService);
    const UncacheableReason reason = Storability::evaluate(
        request.method, request.headers, CacheControl::parseRequest(request.headers), head.status,
        head.headers, CacheControl::parseResponse(head.headers), policy.freshness, tooLarge);
    if (reason == UncacheableReason::None)
        m_outcome = QByteArrayLiteral("miss; reason=disabled");
}

ExchangeCache::HeadAction ExchangeCache::onResponseHead(ResponseHead &head,
                                                        const RequestHead &request,
                                                        Clock::time_point now) {
    if (!m_cache)
        return HeadAction::Pass;
    const int status = head.status;
    CacheStatus cacheStatus;
    cacheStatus.forward = m_forward == CacheForward::None ? CacheForward::UriMiss : m_forward;
    cacheStatus.forwardStatus = status;
    cacheStatus.key = m_key;
    if (m_forward == CacheForward::Bypass) {
        setCacheStatus(head.headers, cacheStatus); // not looked at: nor stored
        return HeadAction::Pass;
    }
    if (!Invalidation::isSafeMethod(request.method)) {
        const HttpHeader *host = findHeader(request.headers, "host");
        const QList<QByteArray> uris = Invalidation::keysToInvalidate(
            request.method, "http", host ? QByteArrayView(host->value) : QByteArrayView(),
            request.target, status, head.headers);
        QList<QByteArray> keys;
        keys.reserve(uris.size());
        for (const QByteArray &uri : uris)
            keys.append(m_serviceName + ' ' + uri);
        const std::size_t removed = invalidateEverywhere(keys);
        if (!uris.isEmpty())
            counters().invalidations.add();
        m_outcome = removed > 0 ? "uncacheable; reason=method; invalidated=" +
                                      QByteArray::number(qulonglong(removed))
                                : QByteArray("uncacheable; reason=method");
        setCacheStatus(head.headers, cacheStatus);
        return HeadAction::Pass;
    }
    if (m_revalidating && m_stored && status == 304 &&
        !selectedForUpdate(*m_stored, head.headers)) {
        // RFC 9111 section 4.3.4: a 304 whose validators name another response updates nothing.
        // It answered the conditional request made with our validators (RFC 9110 section
        // 13.1.2), so this request gets the stored response as it is (stale); it is dropped so
        // that the next request fetches the response whole.
        invalidateEverywhere({m_key});
        releaseFollowers();
        prepareReply(*m_stored, request, CacheVerdict(), false, 304);
        m_outcome = "stale; rule=none; validator-mismatch";
        return HeadAction::Serve;
    }
    if (m_revalidating && m_stored && status == 304) {
        // RFC 9111 section 4.3.4: the 304 freshens the stored response, which answers.
        auto fresh = std::make_shared<StoredResponse>(*m_stored);
        fresh->headers = Validators::freshen(m_stored->headers, head.headers);
        fresh->control = CacheControl::parseResponse(fresh->headers);
        fresh->requestTime = m_requestTime;
        fresh->responseTime = m_cache->wallNow();
        const FreshnessPolicy &policy = m_cache->policy(m_service).freshness;
        fresh->lifetime = Freshness::lifetime(fresh->status, fresh->headers, fresh->control,
                                              fresh->responseTime, policy);
        fresh->ttlSource = ttlSourceOf(fresh->lifetime);
        observeChange(false, now);
        applyLearnedTtl(*fresh, now);
        // This request still gets what the 304 validated; the store keeps it only if no
        // invalidation of the key came while the conditional request was out.
        const bool overtaken =
            m_cache->storeFill(m_service, m_key, request.headers, fresh, m_fillSince) ==
            ResponseCache::StoreResult::Overtaken;
        if (overtaken)
            counters().overtakenFills.add();
        else
            writeShared(*fresh);
        releaseFollowers();
        counters().revalidated.add();
        CacheVerdict verdict;
        verdict.decision = CacheDecision::FreshHit;
        verdict.freshnessRemaining = fresh->lifetime.value;
        prepareReply(*fresh, request, verdict, false, 304);
        m_outcome =
            overtaken ? QByteArray("revalidated; not-stored; reason=invalidated")
                      : "revalidated; ttl-source=" + ttlSourceName(fresh->ttlSource).toByteArray();
        return HeadAction::Serve;
    }
    if (m_stored && (status == 500 || status == 502 || status == 503 || status == 504) &&
        serveStaleOnFailure(request, false, status)) {
        return HeadAction::Serve;
    }
    if (request.method == "HEAD" && status == 200 && m_stored &&
        !Validators::headMatchesStored(m_stored->headers, head.headers)) {
        // RFC 9111 section 4.3.5: a 200 to HEAD that disagrees with the stored GET response
        // (validators, Content-Length): that response is stale now; we drop it.
        invalidateEverywhere({m_key});
    }
    if (request.method != "GET") {
        // HEAD: answered from a stored GET when there is one, never stored itself.
        setUncacheable("method");
        counters().uncacheable.add();
        setCacheStatus(head.headers, cacheStatus);
        return HeadAction::Pass;
    }
    const CacheControl responseControl = CacheControl::parseResponse(head.headers);
    const FreshnessPolicy &policy = m_cache->policy(m_service).freshness;
    const std::int64_t limit = m_cache->maxObjectBytes(m_service);
    const bool tooLarge = head.framing == BodyFraming::ContentLength && head.contentLength > limit;
    const UncacheableReason reason =
        Storability::evaluate(request.method, request.headers, m_requestControl, status,
                              head.headers, responseControl, policy, tooLarge);
    if (reason != UncacheableReason::None) {
        releaseFollowers(true, now); // nothing to wait for: they go upstream at once
        setUncacheable(Storability::reasonName(reason));
        counters().uncacheable.add();
        setCacheStatus(head.headers, cacheStatus);
        return HeadAction::Pass;
    }
    if (m_cache->invalidatedSince(m_fillSince, m_key)) {
        // Invalidated while this was upstream: the response may predate the change. Not
        // buffered; the followers look again (and go upstream).
        releaseFollowers();
        counters().overtakenFills.add();
        m_outcome = QByteArrayLiteral("miss; not-stored; reason=invalidated");
        setCacheStatus(head.headers, cacheStatus);
        return HeadAction::Pass;
    }
    m_fill = std::make_shared<StoredResponse>();
    m_fill->status = status;
    m_fill->reason = head.reason;
    m_fill->headers = Storability::storedHeaders(head.headers, responseControl);
    m_fill->control = CacheControl::parseResponse(m_fill->headers);
    m_fill->requestTime = m_requestTime;
    m_fill->responseTime = m_cache->wallNow();
    // A cache records when a response without Date was received, as its Date (RFC 9110
    // section 6.6.1): what it serves later then says when it was made, and Age adds up.
    if (!findHeader(m_fill->headers, "date"))
        m_fill->headers.push_back({"Date", HttpDate::format(m_fill->responseTime)});
    m_fill->lifetime =
        Freshness::lifetime(status, m_fill->headers, m_fill->control, m_fill->responseTime, policy);
    m_fill->ttlSource = ttlSourceOf(m_fill->lifetime);
    if (m_cache->policy(m_service).learnTtl) {
        // An entry stored while learn_ttl was off (a live setting) has no operation yet.
        m_fill->operation =
            m_stored && !m_stored->operation.isEmpty()
                ? m_stored->operation
                : ResponseCache::operationOf(m_serviceName, request, m_cache->operationTemplates());
        if (m_stored && !m_stored->operation.isEmpty() && status == m_stored->status) {
            // A refetch of what we held: did it change? Validators say so, else the bodies.
            const HttpHeader *newTag = findHeader(head.headers, "etag");
            const HttpHeader *oldTag = findHeader(m_stored->headers, "etag");
            const HttpHeader *newDate = findHeader(head.headers, "last-modified");
            const HttpHeader *oldDate = findHeader(m_stored->headers, "last-modified");
            if (newTag && oldTag)
                observeChange(newTag->value != oldTag->value, now);
            else if (newDate && oldDate)
                observeChange(newDate->value != oldDate->value, now);
            else
                m_compareBodies = true;
        }
        applyLearnedTtl(*m_fill, now);
    }
    if (head.framing == BodyFraming::ContentLength)
        m_fill->body.reserve(qsizetype(head.contentLength));
    m_fillLimit = limit;
    m_filling = true;
    m_outcome = QByteArrayLiteral("miss");
    cacheStatus.stored = true;
    setCacheStatus(head.headers, cacheStatus);
    return HeadAction::Pass;
}

void ExchangeCache::onResponseBody(const char *data, qsizetype size) {
    if (!m_filling)
        return;
    if (m_fill->body.size() + size > m_fillLimit) {
        // Over the per-object limit: never buffered whole; the client still gets it all.
        m_filling = false;
        m_fill.reset();
        releaseFollowers();
        setUncacheable("too-large");
        counters().uncacheable.add();
        return;
    }
    m_fill->body.append(data, size);
}

void ExchangeCache::onResponseComplete(const RequestHead &request, Clock::time_point now) {
    if (!m_filling)
        return;
    m_filling = false;
    if (m_compareBodies)
        observeChange(m_fill->body != m_stored->body, now);
    const TtlSource source = m_fill->ttlSource;
    const std::shared_ptr<const StoredResponse> filled = m_fill;
    const auto result =
        m_cache->storeFill(m_service, m_key, request.headers, std::move(m_fill), m_fillSince);
    releaseFollowers();
    if (result == ResponseCache::StoreResult::Stored ||
        result == ResponseCache::StoreResult::Rejected)
        writeShared(*filled); // kept out here need not be kept out of the other proxies
    switch (result) {
    case ResponseCache::StoreResult::Stored:
        counters().stores.add();
        m_outcome = "miss; stored; ttl-source=" + ttlSourceName(source).toByteArray();
        break;
    case ResponseCache::StoreResult::Rejected:
        // W-TinyLFU kept what it holds: the key is not (yet) popular enough.
        m_outcome = "miss; not-admitted";
        break;
    case ResponseCache::StoreResult::TooLarge:
        setUncacheable("too-large");
        counters().uncacheable.add();
        break;
    case ResponseCache::StoreResult::VaryStar:
        setUncacheable("vary-star");
        counters().uncacheable.add();
        break;
    case ResponseCache::StoreResult::Overtaken:
        counters().overtakenFills.add();
        m_outcome = QByteArrayLiteral("miss; not-stored; reason=invalidated");
        break;
    }
}

std::size_t ExchangeCache::invalidateEverywhere(const QList<QByteArray> &keys) {
    std::size_t removed = 0;
    for (const QByteArray &key : keys) {
        removed += m_cache->invalidate(m_service, key);
        if (m_shared)
            m_shared->remove(ResponseCache::sharedKey(key));
    }
    if (m_shared && !keys.isEmpty()) {
        // NOTE: published whether or not this proxy had the keys: another may have them. A key
        // beyond the message's bound (a Location over 16 KiB) is left out, not the others.
        InvalidationMessage message;
        message.sender = m_cache->instanceId();
        for (const QByteArray &key : keys) {
            if (key.size() <= InvalidationMessage::kMaxKeyBytes &&
                message.keys.size() < InvalidationMessage::kMaxKeys)
                message.keys.append(key);
        }
        const QByteArray payload = message.encode();
        if (!payload.isEmpty())
            m_shared->publish(ResponseCache::invalidationChannel(), payload);
    }
    return removed;
}

QByteArray ExchangeCache::sharedKey() const {
    return ResponseCache::sharedKey(m_key);
}

void ExchangeCache::acceptShared(int status, const QByteArray &value, const RequestHead &request) {
    if (!m_cache)
        return;
    switch (RedisClient::Status(status)) {
    case RedisClient::Status::Ok:
        if (auto response = StoredResponse::fromBytes(value);
            response && response->secondaryKey.isEmpty()) {
            counters().sharedHits.add();
            // Into memory: the look-up that follows finds it (and decides fresh or stale).
            // Unless the key was invalidated while Redis was asked: the copy read may be the
            // one the invalidation removed; the look-up then misses and the request goes on.
            if (m_cache->storeFill(m_service, m_key, request.headers, std::move(response),
                                   m_fillSince) == ResponseCache::StoreResult::Overtaken)
                counters().overtakenFills.add();
        } else {
            counters().sharedErrors.add(); // another version's record, or a corrupted one
        }
        break;
    case RedisClient::Status::Missing:
        counters().sharedMisses.add();
        break;
    case RedisClient::Status::Down:
    case RedisClient::Status::Timeout:
    case RedisClient::Status::Error:
        counters().sharedErrors.add(); // a shared tier that fails is a miss, never an error
        break;
    }
}

void ExchangeCache::writeShared(const StoredResponse &response) {
    if (!m_shared || !response.secondaryKey.isEmpty())
        return;
    const auto age = response.currentAge(m_cache->wallNow());
    // As long as another proxy may serve it: fresh, then within its stale windows.
    std::chrono::seconds allowance{0};
    if (response.control.staleIfError)
        allowance = std::max(allowance, *response.control.staleIfError);
    if (response.control.staleWhileRevalidate)
        allowance = std::max(allowance, *response.control.staleWhileRevalidate);
    if (const auto limit = m_cache->policy(m_service).freshness.disconnectedStaleLimit)
        allowance = std::max(allowance, *limit);
    const auto keep = response.lifetime.value - age + allowance;
    if (keep <= std::chrono::seconds(0))
        return;
    m_shared->set(ResponseCache::sharedKey(m_key), response.toBytes(), keep);
}

void ExchangeCache::applyLearnedTtl(StoredResponse &response, Clock::time_point now) {
    const ResponseCache::ServicePolicy &policy = m_cache->policy(m_service);
    if (!policy.learnTtl || response.operation.isEmpty() ||
        response.lifetime.source != FreshnessSource::Heuristic)
        return; // a lifetime the origin gave is never overridden
    const auto advice = m_cache->ttlAdvisor().advise(
        response.operation, {policy.learnedTtlMin, policy.learnedTtlMax}, now);
    if (!advice)
        return; // not enough seen yet: the RFC's heuristic stands
    response.lifetime.value = advice->ttl;
    response.ttlSource = TtlSource::Learned;
}

void ExchangeCache::observeChange(bool changed, Clock::time_point now) {
    if (!m_stored || m_stored->operation.isEmpty())
        return;
    const auto held = m_cache->wallNow() - m_stored->responseTime;
    m_cache->ttlAdvisor().observe(m_stored->operation, changed,
                                  std::max(std::chrono::seconds(0), held), now);
}

bool ExchangeCache::serveStaleOnFailure(const RequestHead &request, bool unavailable,
                                        std::optional<int> upstreamStatus) {
    if (!m_cache || !m_stored || !m_lookedUp)
        return false;
    const FreshnessPolicy &policy = m_cache->policy(m_service).freshness;
    const auto age = m_stored->currentAge(m_cache->wallNow());
    const CacheVerdict verdict =
        Freshness::decide(true, m_requestControl, m_stored->control, m_stored->lifetime, age,
                          unavailable ? OriginState::Unreachable : OriginState::Error, policy);
    if (verdict.decision != CacheDecision::StaleServable &&
        verdict.decision != CacheDecision::FreshHit)
        return false;
    counters().staleServed.add();
    releaseFollowers();
    prepareReply(*m_stored, request, verdict, false, upstreamStatus);
    m_outcome = "stale; rule=" + Freshness::staleRuleName(verdict.staleRule).toByteArray();
    return true;
}

void ExchangeCache::prepareReply(const StoredResponse &stored, const RequestHead &request,
                                 const CacheVerdict &verdict, bool hit,
                                 std::optional<int> forwardStatus) {
    const auto age = stored.currentAge(m_cache->wallNow());
    const bool stale = stored.lifetime.value <= age;
    // The reply's header storage is the session's, kept from one exchange to the next (a hit
    // copies the stored fields into it by reference: no allocation when it has room).
    Reply &reply = m_reply;
    HttpHeaders headers = std::move(reply.head.headers);
    headers.clear();
    reply = Reply();
    reply.head.versionMinor = 1;
    CacheStatus cacheStatus;
    cacheStatus.hit = hit;
    cacheStatus.ttl = stored.lifetime.value - age;
    cacheStatus.key = m_key;
    if (!hit) {
        cacheStatus.forward =
            m_forward == CacheForward::Request ? CacheForward::Request : CacheForward::Stale;
        cacheStatus.forwardStatus = forwardStatus;
    }
    // A stale response says which rule allowed it (docs/cache-semantics.md).
    if (verdict.staleRule != StaleRule::None)
        cacheStatus.detail = Freshness::staleRuleName(verdict.staleRule).toByteArray();
    // The client's own conditionals, answered from what we hold.
    HttpHeaders conditionals = m_clientConditionals;
    const auto conditional = m_clientConditional
                                 ? Validators::evaluate(request.method, conditionals,
                                                        stored.headers, stored.responseTime)
                                 : ConditionalResult::NotConditional;
    if (conditional == ConditionalResult::NotModified) {
        reply.head.status = 304;
        reply.head.reason = "Not Modified";
        reply.head.headers = Validators::notModifiedHeaders(stored.headers);
        reply.sendBody = false;
        removeFields(reply.head.headers, "age");
    } else {
        reply.head.status = stored.status;
        reply.head.reason = stored.reason;
        reply.sendBody = request.method != "HEAD";
        // The stored fields but Age (ours follows), those the verdict withholds (no-cache with
        // field names) and, for HEAD, Content-Length (the stored body's follows).
        headers.reserve(stored.headers.size() + 3);
        for (const HttpHeader &header : stored.headers) {
            if (equalsIgnoreCase(header.name, "age") ||
                (!reply.sendBody && equalsIgnoreCase(header.name, "content-length")) ||
                std::any_of(
                    verdict.withheldFields.begin(), verdict.withheldFields.end(),
                    [&](const QByteArray &field) { return equalsIgnoreCase(header.name, field); }))
                continue;
            headers.push_back(header);
        }
        reply.head.headers = std::move(headers);
        if (reply.sendBody)
            reply.body = stored.body;
        else
            reply.head.headers.push_back(
                {"Content-Length", QByteArray::number(qsizetype(stored.body.size()))});
    }
    reply.head.headers.push_back({"Age", QByteArray::number(qint64(age.count()))});
    if (stale)
        reply.head.headers.push_back({"Warning", "110 - \"Response is Stale\""});
    setCacheStatus(reply.head.headers, cacheStatus);
    reply.head.framing = reply.sendBody ? BodyFraming::ContentLength : BodyFraming::None;
    reply.head.contentLength = reply.sendBody ? reply.body.size() : 0;
}

} // namespace ToolCapture
