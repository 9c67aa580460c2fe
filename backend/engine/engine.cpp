#include <backend/admin/admin_server.h>
#include <backend/admin/admin_token.h>
#include <backend/core/logging.h>
#include <backend/demo/demo_services.h>
#include <backend/demo/traffic_generator.h>
#include <backend/engine/engine.h>
#include <backend/health/health_checker.h>
#include <backend/health/outlier_detector.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/proxy_server.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>

#include <QTimer>

#include <algorithm>

namespace ToolCapture {

namespace {
constexpr std::chrono::milliseconds kSnapshotPeriod{250};
constexpr std::chrono::milliseconds kBreakerTickPeriod{1000};
constexpr std::chrono::milliseconds kMinOutlierTick{50};

// Appends `item`, dropping the oldest beyond `cap`.
template<typename T>
void appendCapped(std::deque<T> &list, T item, int cap) {
    list.push_back(std::move(item));
    while (list.size() > size_t(cap))
        list.pop_front();
}

// The last `count` of `list`, oldest first.
template<typename T>
std::vector<T> lastOf(const std::deque<T> &list, int count) {
    const auto first = list.end() - std::min<std::ptrdiff_t>(count, std::ptrdiff_t(list.size()));
    return {first, list.end()};
}

QString describeMatch(const MatchConfig &match) {
    QStringList parts;
    if (!match.pathPrefix.isEmpty())
        parts << QStringLiteral("path %1").arg(QString::fromUtf8(match.pathPrefix));
    if (!match.host.isEmpty())
        parts << QStringLiteral("host %1").arg(QString::fromUtf8(match.host));
    return parts.join(QLatin1String(", "));
}
} // namespace

Engine::Engine(ProxyConfig config, Options options, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_options(options) {
    qRegisterMetaType<ToolCapture::EngineSnapshot>();
}

Engine::~Engine() {
    if (m_traffic)
        m_traffic->stop();
}

bool Engine::start(QString *error) {
    if (m_running)
        return true;
    if (m_options.demo) {
        m_demo = std::make_unique<DemoServices>(DemoServices::Options{});
        if (!m_demo->start(error))
            return false;
        for (ServiceConfig service : m_demo->services()) {
            service.pool = m_config.pool;
            service.timeouts = m_config.timeouts;
            service.retry = m_config.retry;
            m_config.services.push_back(std::move(service));
        }
    }
    m_proxy = std::make_unique<ProxyServer>(m_config);
    if (!m_proxy->listen(error))
        return false;
    connect(m_proxy.get(), &ProxyServer::breakerTransition, this, &Engine::onBreakerTransition);
    m_admin = std::make_unique<AdminServer>([this] { return snapshot(); });
    if (!m_admin->listen(m_config.admin.host, m_config.admin.port, error))
        return false;
    QString tokenError;
    std::optional<AdminToken> token =
        AdminToken::load(m_config.adminToken, AdminToken::defaultDirectory(), &tokenError);
    if (token) {
        qCInfo(lcEngine).noquote() << token->describe();
    } else {
        qCWarning(lcEngine).noquote()
            << "no admin token (" << tokenError << "): the admin API refuses every change";
    }
    m_admin->setToken(std::move(token));
    m_admin->setCommands(AdminCommands{
        [this](const QString &instanceId, BreakerMode mode) {
            return setBreakerMode(instanceId, mode);
        },
    });
    startResilience();
    m_uptime.start();
    m_running = true;
    qCInfo(lcEngine).noquote()
        << "proxy listening on"
        << QStringLiteral("%1:%2").arg(m_proxy->address().toString()).arg(m_proxy->port()) << "with"
        << m_proxy->workerCount() << "workers, profile" << m_config.profile;
    qCInfo(lcEngine).noquote()
        << "admin API on"
        << QStringLiteral("http://%1:%2/").arg(m_config.admin.host.toString()).arg(m_admin->port());
    if (m_options.demo) {
        m_traffic = std::make_unique<TrafficGenerator>(
            m_proxy->address(), m_proxy->port(),
            TrafficGenerator::Options{m_options.demoRequestsPerSecond, 4});
        m_traffic->start();
    }
    m_snapshotTimer = new QTimer(this);
    connect(m_snapshotTimer, &QTimer::timeout, this, [this] { emit snapshotReady(snapshot()); });
    m_snapshotTimer->start(kSnapshotPeriod);
    return true;
}

void Engine::stop() {
    if (m_stopping)
        return;
    m_stopping = true;
    if (!m_running) {
        finishStop();
        return;
    }
    if (m_traffic)
        m_traffic->stop();
    if (m_healthChecker)
        m_healthChecker->stop();
    connect(m_proxy.get(), &ProxyServer::drained, this, &Engine::finishStop);
    m_proxy->drain(m_config.timeouts.drain);
}

void Engine::startResilience() {
    UpstreamRuntime &runtime = m_proxy->runtime();
    const ServiceRegistry &registry = m_proxy->registry();
    const int instances = registry.instanceCount();
    m_transitionCounts.assign(size_t(instances), 0);
    m_scorer = std::make_unique<ScoringSelector>(registry, runtime.stats(), runtime.routing());

    m_healthChecker = std::make_unique<HealthChecker>(registry, m_config.services, runtime.health(),
                                                      SteadyClock::instance());
    connect(m_healthChecker.get(), &HealthChecker::healthChanged, this, &Engine::onHealthChanged);
    m_healthChecker->start();

    m_outlier = std::make_unique<OutlierDetector>(registry, m_config.services, runtime.health(),
                                                  SteadyClock::instance().now());
    m_outlierBaseline.assign(size_t(instances), InstanceTotals{});
    m_outlierTimer = new QTimer(this);
    connect(m_outlierTimer, &QTimer::timeout, this, &Engine::runOutlierDetection);
    m_outlierTimer->start(std::max(m_outlier->tickInterval(), kMinOutlierTick));

    m_breakerTimer = new QTimer(this);
    connect(m_breakerTimer, &QTimer::timeout, this, [this] {
        UpstreamRuntime &runtime = m_proxy->runtime();
        for (int i = 0; i < runtime.instanceCount(); ++i)
            runtime.breaker(i).tick();
    });
    m_breakerTimer->start(kBreakerTickPeriod);
    qCInfo(lcEngine) << "health checks on" << m_healthChecker->checkedInstanceCount() << "of"
                     << instances << "instances; outlier detection every"
                     << m_outlierTimer->interval() << "ms";
}

void Engine::stopResilience() {
    if (m_healthChecker)
        m_healthChecker->stop();
    if (m_outlierTimer)
        m_outlierTimer->stop();
    if (m_breakerTimer)
        m_breakerTimer->stop();
    if (m_proxy)
        disconnect(m_proxy.get(), &ProxyServer::breakerTransition, this, nullptr);
}

bool Engine::setBreakerMode(const QString &instanceId, BreakerMode mode) {
    if (!m_proxy)
        return false;
    const ServiceRegistry &registry = m_proxy->registry();
    for (int i = 0; i < registry.instanceCount(); ++i) {
        if (registry.instance(i).id() == instanceId) {
            qCInfo(lcEngine).noquote()
                << "operator sets the breaker of" << instanceId << "to" << toString(mode);
            m_proxy->runtime().breaker(i).setMode(mode);
            return true;
        }
    }
    return false;
}

void Engine::onBreakerTransition(const BreakerTransition &transition) {
    qCInfo(lcEngine).noquote() << "breaker" << transition.instanceId << toString(transition.from)
                               << "\u2192" << toString(transition.to) << "\u2014"
                               << transition.cause;
    ++m_transitionsTotal;
    const ServiceRegistry &registry = m_proxy->registry();
    for (int i = 0; i < registry.instanceCount(); ++i) {
        if (registry.instance(i).id() == transition.instanceId) {
            ++m_transitionCounts[size_t(i)];
            break;
        }
    }
    appendCapped(m_transitions, transition, kTransitionHistory);
}

void Engine::onHealthChanged(const QString &instanceId, bool healthy, const QString &reason) {
    if (healthy) {
        qCInfo(lcEngine).noquote() << "instance" << instanceId << "healthy again:" << reason;
    } else {
        qCWarning(lcEngine).noquote() << "instance" << instanceId << "unhealthy:" << reason;
    }
    recordHealthEvent({HealthEvent::Kind::ActiveCheck, instanceId, healthy, reason,
                       QDateTime::currentDateTimeUtc()});
}

void Engine::recordHealthEvent(HealthEvent event) {
    appendCapped(m_healthEvents, std::move(event), kHealthHistory);
}

void Engine::runOutlierDetection() {
    if (!m_proxy || !m_outlier)
        return;
    UpstreamRuntime &runtime = m_proxy->runtime();
    const ProxyTotals totals = m_proxy->metrics().totals();
    const int instances = runtime.instanceCount();
    std::vector<OutlierDetector::InstanceStats> stats(static_cast<size_t>(instances));
    for (int i = 0; i < instances; ++i) {
        const InstanceTotals &now = totals.instances[size_t(i)];
        const InstanceTotals &before = m_outlierBaseline[size_t(i)];
        const auto errors = [](const InstanceTotals &t) {
            return t.connectFailures + t.resets + t.firstByteTimeouts;
        };
        OutlierDetector::InstanceStats &s = stats[size_t(i)];
        s.requests =
            (now.responseCount() + errors(now)) - (before.responseCount() + errors(before));
        s.failures = (now.responses[5] + errors(now)) - (before.responses[5] + errors(before));
        s.consecutiveFailures = runtime.breaker(i).snapshot().consecutiveFailures;
    }
    m_outlierBaseline = totals.instances;

    const OutlierDetector::Evaluation evaluation =
        m_outlier->update(std::chrono::steady_clock::now(), stats);
    const ServiceRegistry &registry = m_proxy->registry();
    for (const OutlierDetector::Ejection &ejection : evaluation.ejected) {
        const QString id = registry.instance(ejection.instanceIndex).id();
        qCWarning(lcEngine).noquote() << "instance" << id
                                      << QStringLiteral("ejected for %1 ms (ejection %2):")
                                             .arg(ejection.duration.count())
                                             .arg(ejection.ejectionCount)
                                      << ejection.detail;
        recordHealthEvent({HealthEvent::Kind::Ejected, id, false, ejection.detail,
                           QDateTime::currentDateTimeUtc()});
    }
    for (const OutlierDetector::Spared &spared : evaluation.spared) {
        qCInfo(lcEngine).noquote()
            << "instance" << registry.instance(spared.instanceIndex).id()
            << "is an outlier but stays in service (ejection limit):" << spared.detail;
    }
    for (int index : evaluation.unejected) {
        const QString id = registry.instance(index).id();
        qCInfo(lcEngine).noquote() << "instance" << id << "back from ejection";
        recordHealthEvent({HealthEvent::Kind::Unejected, id, true, QStringLiteral("ejection over"),
                           QDateTime::currentDateTimeUtc()});
    }
}

void Engine::finishStop() {
    stopResilience();
    if (m_snapshotTimer)
        m_snapshotTimer->stop();
    if (m_admin)
        m_admin->close();
    if (m_demo)
        m_demo->stop();
    m_running = false;
    qCInfo(lcEngine) << "stopped";
    emit stopped();
}

quint16 Engine::proxyPort() const {
    return m_proxy ? m_proxy->port() : 0;
}

quint16 Engine::adminPort() const {
    return m_admin ? m_admin->port() : 0;
}

EngineSnapshot Engine::snapshot() const {
    EngineSnapshot s;
    s.profile = m_config.profile;
    s.uptimeMs = m_uptime.isValid() ? m_uptime.elapsed() : 0;
    if (!m_proxy)
        return s;
    s.proxyAddress =
        QStringLiteral("%1:%2").arg(m_proxy->address().toString()).arg(m_proxy->port());
    s.adminAddress =
        m_admin ? QStringLiteral("%1:%2").arg(m_config.admin.host.toString()).arg(m_admin->port())
                : QString();
    s.workers = m_proxy->workerCount();
    s.draining = m_proxy->isDraining();
    s.totals = m_proxy->metrics().totals();
    const auto now = std::chrono::steady_clock::now();
    s.takenAt = now;
    const ServiceRegistry &registry = m_proxy->registry();
    const UpstreamRuntime &runtime = m_proxy->runtime();
    UpstreamRuntime &mutableRuntime = m_proxy->runtime();
    const RuntimeCandidateFilter filter(runtime);
    RequestHead probe;
    probe.method = "GET";
    probe.target = "/";
    for (const ServiceEntry &service : registry.services()) {
        ServiceSnapshot ss;
        ss.name = service.name;
        ss.match = describeMatch(service.match);
        if (m_scorer) {
            SelectionContext context;
            context.filter = &filter;
            m_scorer->select(service, probe, now, context, &ss.currentScores);
        }
        for (const UpstreamInstance *instance : service.instances) {
            const int index = instance->index();
            InstanceSnapshot is;
            is.id = instance->id();
            is.url = instance->url();
            is.capabilities = instance->capabilities();
            is.reachable = instance->isReachable(now);
            is.totals = std::move(s.totals.instances[size_t(index)]);
            is.breaker = runtime.breaker(index).snapshot();
            if (size_t(index) < m_transitionCounts.size())
                is.breakerTransitions = m_transitionCounts[size_t(index)];
            is.health = mutableRuntime.health(index).snapshot(now);
            const Bulkhead &bulkhead = runtime.bulkhead(index);
            is.bulkheadActive = bulkhead.active();
            is.bulkheadPending = bulkhead.pending();
            is.bulkheadMaxActive = bulkhead.maxActive();
            is.bulkheadMaxPending = bulkhead.maxPending();
            for (const CandidateScore &candidate : std::as_const(ss.currentScores.candidates)) {
                if (candidate.instanceIndex == index)
                    is.score = candidate;
            }
            ss.instances.push_back(std::move(is));
        }
        RetryBudget &budget = mutableRuntime.retryBudget(service.index);
        ss.retryBudget = {budget.activeRequests(), budget.activeRetries(), budget.retryLimit(),
                          budget.retriesAdmitted(), budget.retriesRefused()};
        RateLimiter &limiter = mutableRuntime.rateLimiter(service.index);
        const RateLimitConfig &limit = m_config.services[size_t(service.index)].rateLimit;
        ss.rateLimit = {
            limiter.isUnlimited(), limit.requestsPerSecond,
            limiter.burst(),       limiter.isUnlimited() ? 0 : limiter.availableTokens(now),
            limiter.admitted(),    limiter.limited()};
        s.services.push_back(std::move(ss));
    }
    s.totals.instances.clear();
    s.recentTransitions = lastOf(m_transitions, kSnapshotHistory);
    s.breakerTransitionsTotal = m_transitionsTotal;
    s.recentHealthEvents = lastOf(m_healthEvents, kSnapshotHistory);
    return s;
}

} // namespace ToolCapture
