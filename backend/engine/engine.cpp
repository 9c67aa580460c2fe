#include <backend/admin/admin_server.h>
#include <backend/admin/admin_token.h>
#include <backend/admin/cache_api.h>
#include <backend/admin/capture_api.h>
#include <backend/admin/settings_api.h>
#include <backend/admin/topic_api.h>
#include <backend/analysis/analyser_host.h>
#include <backend/analysis/intelligence_api.h>
#include <backend/cache/response_cache.h>
#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_record.h>
#include <backend/core/logging.h>
#include <backend/demo/demo_services.h>
#include <backend/demo/hook_traffic.h>
#include <backend/demo/traffic_generator.h>
#include <backend/engine/capture_pipeline.h>
#include <backend/engine/engine.h>
#include <backend/engine/intelligence_options.h>
#include <backend/engine/live_settings.h>
#include <backend/engine/recommendation_host.h>
#include <backend/engine/store_host.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/kafka_publisher.h>
#include <backend/events/proxy_events.h>
#include <backend/feed/feed_endpoint.h>
#include <backend/feed/feed_hub.h>
#include <backend/health/health_checker.h>
#include <backend/health/outlier_detector.h>
#include <backend/hooks/hook_receiver.h>
#include <backend/hooks/registrar.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/proxy_server.h>
#include <backend/proxy/proxy_worker.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>
#include <backend/routing/service_registry.h>

#include <QDir>
#include <QMetaMethod>
#include <QStandardPaths>
#include <QTimer>
#include <QUuid>

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

// Every topic ToolCapture publishes to; created on the embedded cluster at start.
constexpr std::array kTopics{"proxy.request_intelligence",       "proxy.response_intelligence",
                             "proxy.communication_intelligence", "proxy.breaker_events",
                             "hooks.service_lifecycle",          "hooks.execution_intelligence",
                             "tools.registration_events",        "proxy.recommendations"};

// How long a stopping engine waits for the brokers to acknowledge what is in flight before
// the rest goes to the spool.
constexpr std::chrono::milliseconds kPublisherFlush{3000};

ResponseCache::ServicePolicy cachePolicy(const CacheServiceConfig &service) {
    ResponseCache::ServicePolicy policy;
    policy.enabled = service.enabled;
    policy.freshness.heuristicsAllowed = service.heuristics;
    policy.freshness.heuristicFraction = service.heuristicFraction;
    policy.freshness.heuristicMax = service.heuristicMax;
    if (service.staleIfUnavailable.count() > 0)
        policy.freshness.disconnectedStaleLimit = service.staleIfUnavailable;
    policy.maxObjectBytes = service.maxObjectBytes;
    policy.ownMaxBytes = service.maxBytes;
    policy.learnTtl = service.learnTtl;
    policy.learnedTtlMin = service.learnedTtlMin;
    policy.learnedTtlMax = service.learnedTtlMax;
    return policy;
}

// The response cache the configuration asks for: a policy per configured service (in the
// registry's order, which is the configuration's), the defaults for those registered while
// running.
ResponseCache::Options cacheOptions(const ProxyConfig &config) {
    const CacheConfig &cache = config.cache;
    ResponseCache::Options options;
    options.maxBytes = cache.maxBytes;
    options.maxObjectBytes = cache.maxObjectBytes;
    options.policy = cache.policy == QLatin1String("lru") ? CacheStore::Policy::Lru
                                                          : CacheStore::Policy::WindowTinyLfu;
    options.workers = config.effectiveWorkers();
    options.coalesceWait = cache.coalesceWait;
    options.operationTemplates = operationTemplates(config);
    options.defaults = cachePolicy(cache.serviceDefaults);
    for (const ServiceConfig &service : config.services)
        options.services.push_back(cachePolicy(cache.forService(service.name)));
    options.serviceCapacity =
        int(config.services.size()) + std::max(0, config.registry.maxDynamicServices);
    if (!cache.redisHost.isEmpty()) {
        ResponseCache::SharedTier &shared = options.sharedTier;
        shared.enabled = true;
        shared.host = cache.redisHost;
        shared.port = cache.redisPort;
        shared.database = cache.redisDatabase;
        shared.password = cache.redisPassword;
        shared.timeout = cache.redisTimeout;
    }
    return options;
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

// Lifecycle hooks register and drain instances through the proxy's registry.
class Engine::Registrar final : public ToolCapture::Registrar {
public:
    explicit Registrar(Engine &engine)
        : m_engine(engine) {}

    RegistrationResult registerEndpoints(const QString &service, const QStringList &urls,
                                         const QStringList &capabilities) override {
        return convert(m_engine.m_proxy->registerInstances(service, urls, capabilities));
    }
    RegistrationResult drainEndpoints(const QString &service, const QStringList &urls) override {
        return convert(m_engine.m_proxy->drainInstances(service, urls));
    }

private:
    static RegistrationResult convert(const DynamicRegistration &result) {
        return {result.ok, result.error, result.instanceIds};
    }

    Engine &m_engine;
};

Engine::Engine(ProxyConfig config, Options options, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_options(options)
    , m_feed(new FeedHub(this)) {
    qRegisterMetaType<ToolCapture::EngineSnapshot>();
    setUpFeed();
}

void Engine::setUpFeed() {
    m_feed->addStateSubject(QStringLiteral("status"),
                            [this] { return AdminServer::status(feedSnapshot()).body; });
    m_feed->addStateSubject(QStringLiteral("services"),
                            [this] { return AdminServer::services(feedSnapshot()).body; });
    m_feed->addStateSubject(QStringLiteral("breakers"),
                            [this] { return AdminServer::breakers(feedSnapshot()).body; });
    m_feed->addStateSubject(QStringLiteral("cache"),
                            [this] { return CacheApi::statsDocument(feedSnapshot().cache); });
    m_feed->addStateSubject(QStringLiteral("tools"), [this] {
        return m_hooks ? m_hooks->toolsDocument() : QByteArrayLiteral("{\"tools\":[]}");
    });
    m_feed->addAppendSubject(QStringLiteral("captures"));
    m_feed->addAppendSubject(QStringLiteral("health_events"));
    m_feed->addAppendSubject(QStringLiteral("hook_events"));
    m_feed->addAppendSubject(QStringLiteral("transitions"));
}

const EngineSnapshot &Engine::feedSnapshot() {
    if (m_feedSnapshotTick != m_feed->tick() || m_feedSnapshotTick == 0) {
        m_feedSnapshot = snapshot();
        m_feedSnapshotTick = m_feed->tick();
    }
    return m_feedSnapshot;
}

void Engine::dispatchAdmin(const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
    if (!m_admin || !m_running || m_stopping)
        return; // the responder, dropped, says the engine gave no answer
    m_admin->dispatchInProcess(request, responder);
}

Engine::~Engine() {
    // The APIs mounted on the admin server read the capture store and the proxy: they go
    // before the members they point into (QObject children would outlive them).
    delete m_captureApi;
    m_captureApi = nullptr;
    delete m_topicApi;
    m_topicApi = nullptr;
    delete m_cacheApi;
    m_cacheApi = nullptr;
    delete m_settingsApi;
    m_settingsApi = nullptr;
    m_recommendations.reset(); // its API, mounted on the admin server, with it
    delete m_intelligenceApi;
    m_intelligenceApi = nullptr;
    m_analyser.reset();
    delete m_feedEndpoint; // it unsubscribes from the hub
    m_feedEndpoint = nullptr;
    if (m_hookTraffic)
        m_hookTraffic->stop();
    if (m_traffic)
        m_traffic->stop();
    // After a start that failed part-way (a port in use, say) nothing has stopped the event
    // pipeline. It goes here, while every member is alive: the store's last snapshot reads the
    // proxy, which as a member would be destroyed before the store. After stop() this does
    // nothing.
    stopEventPipeline();
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
    if (!startEventPipeline(error))
        return false;
    m_proxy = std::make_unique<ProxyServer>(m_config);
    if (m_config.cache.enabled) {
        m_responseCache =
            std::make_shared<ResponseCache>(cacheOptions(m_config), SteadyClock::instance());
        m_proxy->setResponseCache(m_responseCache);
        qCInfo(lcEngine).noquote()
            << "response cache on:" << m_config.cache.maxBytes << "bytes," << m_config.cache.policy
            << (m_config.cache.redisHost.isEmpty() ? QStringLiteral("(memory only)")
                                                   : QStringLiteral("with a shared tier at %1:%2")
                                                         .arg(m_config.cache.redisHost)
                                                         .arg(m_config.cache.redisPort));
    }
    if (m_capture) {
        m_proxy->setCapture(
            ProxyCapture{&m_capture->queue(), &m_capture->filter(), m_config.capture.maxBodyBytes,
                         m_config.capture.maxResponseBodyBytes, true, &m_capturePaused});
    }
    if (!m_proxy->listen(error))
        return false;
    connect(m_proxy.get(), &ProxyServer::breakerTransition, this, &Engine::onBreakerTransition);
    m_admin = std::make_unique<AdminServer>([this] { return snapshot(); });
    QString listenError;
    if (!m_admin->listen(m_config.admin.host, m_config.admin.port, &listenError)) {
        if (error) {
            *error = QStringLiteral("admin API: cannot listen on %1:%2: %3")
                         .arg(m_config.admin.host.toString())
                         .arg(m_config.admin.port)
                         .arg(listenError);
        }
        return false;
    }
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
    if (m_options.demo && m_config.hooks.apiKeys.isEmpty()) {
        // The demo's own hook traffic needs a key; a random one, for this run only.
        m_config.hooks.apiKeys.append(QUuid::createUuid().toString(QUuid::WithoutBraces));
    }
    mountHooks();
    if (m_capture && !mountCaptureApi(error))
        return false;
    {
        QStringList topics;
        for (const char *topic : kTopics)
            topics.append(QString::fromLatin1(topic));
        auto *api = new TopicApi([this] { return m_brokers; }, topics, this);
        m_topicApi = api;
        m_admin->mount(
            {&TopicApi::handles,
             [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                 api->handle(request, responder);
             },
             false});
    }
    mountCacheApi();
    {
        // The console feed for remote consoles; it may carry captures, so it needs the token.
        FeedEndpoint::Options feedOptions;
        feedOptions.ringMessages = m_options.feedRingMessages;
        auto *endpoint = new FeedEndpoint(m_feed, feedOptions, this);
        m_feedEndpoint = endpoint;
        m_admin->mount(
            {&FeedEndpoint::handles,
             [endpoint](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                 endpoint->handle(request, responder);
             },
             true, true});
    }
    m_admin->setCommands(AdminCommands{
        [this](const QString &instanceId, BreakerMode mode, const QString &actor,
               const QString &reason) { return setBreakerMode(instanceId, mode, actor, reason); },
        [this](bool enabled) { return setCaptureEnabled(enabled); },
    });
    startResilience();
    mountSettingsApi(); // after startResilience(): the snapshots' scorer follows the weights
    storeServices();
    if (!mountIntelligenceApi(error))
        return false;
    // intelligence_patterns: the analyser's patterns, upserted every patterns_interval_ms.
    if (m_analyser->isRunning())
        m_store->recordPatterns(*m_analyser, m_config.storeTuning.patternsInterval);
    startRecommendations();
    // The recommendations read what the analyser knows (refreshed every second).
    m_recommendations->setAnalysisProvider([this] { return analysisSnapshot(); });
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
        HookTrafficGenerator::Options hooks;
        hooks.address = m_config.admin.host;
        hooks.port = m_admin->port();
        hooks.apiKey = m_config.hooks.apiKeys.first().toUtf8();
        for (const ServiceConfig &service : m_demo->services())
            hooks.services << service.name;
        m_hookTraffic = std::make_unique<HookTrafficGenerator>(std::move(hooks));
        m_hookTraffic->start();
    }
    m_snapshotTimer = new QTimer(this);
    connect(m_snapshotTimer, &QTimer::timeout, this, [this] {
        if (isSignalConnected(QMetaMethod::fromSignal(&Engine::snapshotReady)))
            emit snapshotReady(snapshot());
    });
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
    if (m_hookTraffic)
        m_hookTraffic->stop();
    if (m_healthChecker)
        m_healthChecker->stop();
    connect(m_proxy.get(), &ProxyServer::drained, this, &Engine::finishStop);
    m_proxy->drain(m_config.timeouts.drain);
}

bool Engine::startEventPipeline(QString *error) {
    const KafkaConfig &kafka = m_config.kafka;
    if (kafka.brokers == QLatin1String("embedded")) {
        m_kafkaCluster = std::make_unique<EmbeddedKafkaCluster>();
        if (!m_kafkaCluster->start(kafka.embeddedBrokers, error))
            return false;
        m_brokers = m_kafkaCluster->bootstrapServers();
        for (const char *topic : kTopics) {
            if (!m_kafkaCluster->createTopic(QString::fromLatin1(topic), kafka.partitions, error))
                return false;
        }
        qCInfo(lcEngine).noquote()
            << "embedded Kafka cluster at" << m_brokers << "(read it with: kcat -b" << m_brokers
            << "-C -t proxy.communication_intelligence)";
    } else {
        m_brokers = kafka.brokers;
        qCInfo(lcEngine).noquote() << "publishing events to Kafka at" << m_brokers;
    }
    KafkaPublisher::Options options =
        KafkaPublisher::Options::fromConfig(kafka, QStringLiteral("toolcapture"));
    options.brokers = m_brokers;
    m_publisher = std::make_unique<KafkaPublisher>(options);
    if (!m_publisher->start(error))
        return false;
    if (!startStore(error))
        return false;
    // The bus's, with the store's rows taken on the way (unless intelligence.store_exchanges is
    // off: then the events go to the bus alone).
    EventSink *sink = m_config.intelligence.storeExchanges
                          ? static_cast<EventSink *>(&m_store->sink())
                          : m_publisher.get();
    m_breakerEvents = std::make_unique<ProxyEventBuilder>();
    if (m_config.capture.enabled) {
        m_capture =
            std::make_unique<CapturePipeline>(m_config.capture, m_config.effectiveWorkers(), sink);
        FeedHub *feed = m_feed;
        m_capture->setStoredHook([feed](const std::vector<CaptureRecord> &batch) {
            static const QString subject = QStringLiteral("captures");
            if (!feed->wants(subject))
                return;
            QList<QByteArray> items;
            items.reserve(qsizetype(batch.size()));
            for (const CaptureRecord &record : batch)
                items.append(CaptureApi::summary(record));
            feed->append(subject, std::move(items));
        });
        if (!m_capture->start(error))
            return false;
    }
    return true;
}

void Engine::mountHooks() {
    m_registrar = std::make_unique<Registrar>(*this);
    EventSink &sink = m_config.intelligence.storeExchanges
                          ? static_cast<EventSink &>(m_store->sink())
                          : *m_publisher;
    m_hooks = std::make_unique<HookReceiver>(m_config.hooks, sink, m_registrar.get());
    HookReceiver *hooks = m_hooks.get();
    FeedHub *feed = m_feed;
    hooks->setObserver({[feed] { return feed->wants(QStringLiteral("hook_events")); },
                        [feed](QByteArray item) {
                            feed->append(QStringLiteral("hook_events"), {std::move(item)});
                        }});
    // Hooks authenticate with API keys of their own, not the admin token.
    m_admin->mount({[hooks](QByteArrayView path) { return hooks->handles(path); },
                    [hooks](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        responder->respond(hooks->handle(request));
                    },
                    false});
    if (m_config.hooks.apiKeys.isEmpty()) {
        qCInfo(lcEngine) << "hook receiver refuses every request: hooks.api_keys is empty";
    } else {
        qCInfo(lcEngine).noquote() << "hook receiver on the admin API (/hooks/pre, /hooks/post, "
                                      "/hooks/lifecycle, /tools/register) with"
                                   << m_config.hooks.apiKeys.size() << "API key(s)";
    }
}

bool Engine::mountCaptureApi(QString *error) {
    m_captureReader = std::make_unique<CaptureReader>();
    if (!m_captureReader->open(m_capture->storePath(), error))
        return false;
    CaptureApi::Context context;
    context.reader = m_captureReader.get();
    context.instanceUrl = [this](const QString &id) -> std::optional<QUrl> {
        const ServiceRegistry &registry = m_proxy->registry();
        for (int i = 0; i < registry.instanceCount(); ++i) {
            if (registry.instance(i).id() == id)
                return QUrl(registry.instance(i).url());
        }
        return std::nullopt;
    };
    context.proxyUrl = QUrl(
        QStringLiteral("http://%1:%2").arg(m_proxy->address().toString()).arg(m_proxy->port()));
    AdminServer *admin = m_admin.get();
    context.authorize = [admin](const HttpRequest &request) {
        return admin->isAuthorized(request);
    };
    m_captureApi = new CaptureApi(std::move(context), {}, this);
    m_captureApi->setHeaderFilter(CaptureHeaderFilter(m_config.capture));
    CaptureApi *api = m_captureApi;
    m_admin->mount({&CaptureApi::handles,
                    [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        api->handle(request, std::move(responder));
                    },
                    true, true});
    return true;
}

QStringList Engine::serviceNames() const {
    QStringList names;
    if (!m_proxy)
        return names;
    for (const ServiceEntry &service : m_proxy->registry().services())
        names.append(service.name);
    return names;
}

void Engine::mountCacheApi() {
    m_cacheApi = new CacheApi({m_responseCache, [this] { return serviceNames(); }}, this);
    CacheApi *api = m_cacheApi;
    m_admin->mount({&CacheApi::handles,
                    [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        api->handle(request, responder);
                    },
                    true, true});
}

void Engine::mountSettingsApi() {
    m_liveSettings = std::make_unique<LiveSettings>(LiveSettings::Targets{
        m_proxy.get(), m_responseCache.get(), m_capture.get(), m_scorer.get()});
    m_settingsApi = new SettingsApi(
        {[this] { return settingsDocument(); },
         [this](const SettingChangeRequest &request) { return changeSetting(request); }},
        this);
    SettingsApi *api = m_settingsApi;
    m_admin->mount({&SettingsApi::handles,
                    [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        api->handle(request, responder);
                    },
                    true, true});
}

// ---- Pattern analysis (issue 11) ----

bool Engine::mountIntelligenceApi(QString *error) {
    AnalyserHost::Options options;
    options.analyser = analyserOptions(m_config);
    options.brokers = m_brokers;
    for (const char *topic : kTopics)
        options.topics.append(QString::fromLatin1(topic));
    // The embedded cluster is born with this engine: all it holds is this run's.
    options.fromBeginning = m_kafkaCluster != nullptr;
    m_analyser = std::make_unique<AnalyserHost>(std::move(options));
    // intelligence.analysis off: the host is not started and the API answers 503 saying so.
    if (m_config.intelligence.analysis && !m_analyser->start(error))
        return false;
    m_intelligenceApi = new IntelligenceApi(m_analyser.get(), this);
    IntelligenceApi *api = m_intelligenceApi;
    m_admin->mount({&IntelligenceApi::handles,
                    [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                        api->handle(request, responder);
                    },
                    true, true});
    return true;
}

std::optional<AnalysisSnapshot> Engine::analysisSnapshot() const {
    return m_analyser ? m_analyser->latestSnapshot() : std::nullopt;
}

// ---- end of pattern analysis ----

SettingChangeOutcome Engine::changeSetting(const SettingChangeRequest &request) {
    if (!m_liveSettings) {
        SettingChangeOutcome outcome;
        outcome.error = QStringLiteral("the engine is not running");
        return outcome;
    }
    return m_liveSettings->change(request);
}

QJsonObject Engine::settingsDocument() const {
    return m_liveSettings ? m_liveSettings->document() : QJsonObject();
}

// Recommendations (issue 11): evaluated every kRecommendationPeriod over the analyser's
// snapshot (see RecommendationHost; no provider is set until the analyser exists), applied
// through changeSetting() like an operator's edit.
void Engine::startRecommendations() {
    // intelligence.recommendations: the rules' period and the effect's after-window.
    const RecommendationsConfig &config = m_config.intelligence.recommendations;
    // The analyser's clock too: the after-window starts at the first snapshot taken since an
    // apply, which compares the two.
    m_recommendations = std::make_unique<RecommendationHost>(
        RecommendationHost::Context{
            [this](const SettingChangeRequest &request) { return changeSetting(request); },
            [this] { return settingsDocument(); }, m_capture.get(), m_publisher.get(), store()},
        SteadyClock::instance(), recommendationOptions(m_config));
    m_recommendations->mountApi(*m_admin);
    // The store's recommendations of before first: evaluations wait until it has answered.
    m_recommendations->restoreFromStore();
    m_recommendations->start(config.evaluateEvery);
}

void Engine::stopEventPipeline() {
    // In order: what the workers captured is published, then what is in flight is delivered or
    // spooled, and only then does the embedded cluster go.
    if (m_capture)
        m_capture->stop();
    stopStore(); // after capture: its last batch goes through the store's tap
    if (m_publisher)
        m_publisher->stop(kPublisherFlush);
    m_kafkaCluster.reset();
}

void Engine::startResilience() {
    UpstreamRuntime &runtime = m_proxy->runtime();
    const ServiceRegistry &registry = m_proxy->registry();
    const int instances = registry.instanceCount();
    // Sized to the capacity: instances registered while running have their slots already.
    m_transitionCounts.assign(size_t(registry.instanceCapacity()), 0);
    m_scorer = std::make_unique<ScoringSelector>(registry, runtime.stats(), runtime.routing());

    m_healthChecker = std::make_unique<HealthChecker>(registry, m_config.services, runtime.health(),
                                                      SteadyClock::instance());
    connect(m_healthChecker.get(), &HealthChecker::healthChanged, this, &Engine::onHealthChanged);
    m_healthChecker->start();
    connect(m_proxy.get(), &ProxyServer::registryChanged, m_healthChecker.get(),
            &HealthChecker::refresh);

    m_outlier = std::make_unique<OutlierDetector>(registry, m_config.services, runtime.health(),
                                                  SteadyClock::instance().now());
    m_outlierBaseline.assign(size_t(registry.instanceCapacity()), InstanceTotals{});
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

bool Engine::setBreakerMode(const QString &instanceId, BreakerMode mode, const QString &actor,
                            const QString &reason) {
    if (!m_proxy)
        return false;
    const ServiceRegistry &registry = m_proxy->registry();
    for (int i = 0; i < registry.instanceCount(); ++i) {
        if (registry.instance(i).id() == instanceId) {
            CircuitBreaker &breaker = m_proxy->runtime().breaker(i);
            const BreakerSnapshot before = breaker.snapshot();
            BreakerAuditEntry entry{
                instanceId,   actor,       reason, QDateTime::currentDateTimeUtc(),
                before.state, before.mode, mode};
            qCInfo(lcEngine).noquote()
                << "operator" << (actor.isEmpty() ? QStringLiteral("(unnamed)") : actor)
                << "sets the breaker of" << instanceId << "from" << toString(before.state) << "/"
                << toString(before.mode) << "to" << toString(mode)
                << (reason.isEmpty() ? QString() : QStringLiteral("\u2014 ") + reason);
            breaker.setMode(mode);
            appendCapped(m_breakerAudit, std::move(entry), kHealthHistory);
            return true;
        }
    }
    return false;
}

bool Engine::setCaptureEnabled(bool enabled) {
    if (!m_capture)
        return false;
    if (m_capturePaused.exchange(!enabled) == !enabled)
        return true;
    qCInfo(lcEngine) << (enabled ? "operator starts capture" : "operator stops capture");
    return true;
}

void Engine::onBreakerTransition(const BreakerTransition &transition) {
    qCInfo(lcEngine).noquote() << "breaker" << transition.instanceId << toString(transition.from)
                               << "\u2192" << toString(transition.to) << "\u2014"
                               << transition.cause;
    ++m_transitionsTotal;
    const ServiceRegistry &registry = m_proxy->registry();
    QString service;
    for (int i = 0; i < registry.instanceCount(); ++i) {
        if (registry.instance(i).id() == transition.instanceId) {
            ++m_transitionCounts[size_t(i)];
            service = registry.services()[size_t(registry.instance(i).serviceIndex())].name;
            break;
        }
    }
    if (m_publisher && m_breakerEvents) {
        m_publisher->publish(
            m_breakerEvents->breakerEvent(transition, transition.instanceId, service));
    }
    appendCapped(m_transitions, transition, kTransitionHistory);
    static const QString subject = QStringLiteral("transitions");
    if (m_feed->wants(subject))
        m_feed->append(subject, {AdminServer::transition(transition)});
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
    static const QString subject = QStringLiteral("health_events");
    if (m_feed->wants(subject))
        m_feed->append(subject, {AdminServer::healthEvent(event)});
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
    if (m_analyser) {
        // What the analyser learned since the store's last tick is written, then it leaves
        // its group while the brokers are still there.
        if (m_store)
            m_store->writePatternsBeforeStop();
        m_analyser->stop();
    }
    stopEventPipeline();
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
    m_snapshotsTaken.fetch_add(1, std::memory_order_relaxed);
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
        ss.dynamic = service.dynamic;
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
            is.dynamic = instance->isDynamic();
            is.draining = instance->isDraining();
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
        const RateLimitConfig &limit = service.settings.rateLimit;
        ss.rateLimit = {
            limiter.isUnlimited(), limit.requestsPerSecond,
            limiter.burst(),       limiter.isUnlimited() ? 0 : limiter.availableTokens(now),
            limiter.admitted(),    limiter.limited()};
        s.services.push_back(std::move(ss));
    }
    if (m_cacheApi)
        s.cache = m_cacheApi->snapshot();
    if (m_liveSettings)
        s.settingChanges = m_liveSettings->changeCounts();
    if (m_analyser && m_analyser->isRunning()) {
        s.intelligence.analysing = true;
        s.intelligence.eventsIngested = m_analyser->eventsIngested();
        if (const std::optional<AnalysisSnapshot> &analysis = m_analyser->latestSnapshot()) {
            s.intelligence.operations = int(analysis->operations.size());
            for (const Anomaly &anomaly : analysis->anomalies)
                s.intelligence.activeAnomalies += anomaly.active ? 1 : 0;
        }
    }
    if (m_recommendations) {
        for (RecommendationStatus status : kRecommendationStatuses) {
            s.intelligence.recommendations.emplace_back(
                recommendationStatusName(status),
                int(m_recommendations->engine().list(status).size()));
        }
    }
    s.totals.instances.clear();
    s.recentTransitions = lastOf(m_transitions, kSnapshotHistory);
    s.breakerTransitionsTotal = m_transitionsTotal;
    s.recentHealthEvents = lastOf(m_healthEvents, kSnapshotHistory);
    s.breakerAudit = lastOf(m_breakerAudit, kSnapshotHistory);
    if (m_publisher) {
        const PublisherStats p = m_publisher->stats();
        EventBusSnapshot &bus = s.eventBus;
        bus.enabled = true;
        bus.brokers = m_brokers;
        bus.embedded = m_kafkaCluster != nullptr;
        bus.brokersUp = p.brokersUp;
        bus.produced = p.produced;
        bus.delivered = p.delivered;
        bus.spooled = p.spooled;
        bus.republished = p.republished;
        bus.failed = p.failed;
        bus.possiblyPersisted = p.possiblyPersisted;
        bus.spoolPendingRecords = p.spoolPendingRecords;
        bus.spoolPendingBytes = p.spoolBytes;
    }
    if (m_hooks) {
        const HookStats h = m_hooks->stats();
        s.hooks.enabled = !m_config.hooks.apiKeys.isEmpty();
        for (const HookEndpointStats &e : h.endpoints) {
            s.hooks.received += e.received;
            s.hooks.accepted += e.accepted;
            s.hooks.rejected += e.rejected;
        }
        s.hooks.published = h.published;
    }
    if (m_store)
        s.store = m_store->snapshot();
    if (m_capture) {
        const CapturePipeline::Stats c = m_capture->stats();
        s.capture = {true,
                     !m_capturePaused.load(),
                     m_capture->storePath(),
                     c.queued,
                     c.dropped,
                     c.stored,
                     c.storeFailures,
                     c.published};
    }
    return s;
}

// --- The intelligence store (backend/engine/store_host.h) ---

bool Engine::startStore(QString *error) {
    QString why;
    const std::optional<StoreLocation> location = StoreLocation::fromSetting(m_config.store, &why);
    if (!location) {
        if (error)
            *error = why;
        return false;
    }
    IntelligenceStore::Options options;
    options.location = *location;
    const StoreTuningConfig &tuning = m_config.storeTuning;
    options.batchSize = tuning.batchSize;
    options.flushInterval = tuning.flushInterval;
    options.memoryLimit = tuning.memoryLimitRows;
    options.eventRetention = std::chrono::hours(24 * tuning.eventRetentionDays);
    options.patternRetention = std::chrono::hours(24 * tuning.patternRetentionDays);
    m_store =
        std::make_unique<StoreHost>(options, m_publisher.get(), [this] { return snapshot(); });
    return m_store->start(error);
}

void Engine::storeServices() {
    // service_ecosystem: now, every half minute, and when the registry changes.
    m_store->writeEcosystem();
    connect(m_proxy.get(), &ProxyServer::registryChanged, m_store.get(),
            &StoreHost::writeEcosystem);
}

void Engine::stopStore() {
    if (m_store)
        m_store->stop();
}

IntelligenceStore *Engine::store() const {
    return m_store ? &m_store->store() : nullptr;
}

} // namespace ToolCapture
