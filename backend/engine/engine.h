#pragma once

#include <backend/config/proxy_config.h>
#include <backend/intelligence/analysis_snapshot.h>
#include <backend/intelligence/setting_change.h>
#include <backend/resilience/breaker_state.h>
#include <backend/resilience/breaker_transition.h>
#include <backend/snapshot/engine_snapshot.h>
#include <backend/snapshot/health_event.h>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace ToolCapture {

class AdminServer;
class AnalyserHost;
class IntelligenceApi;
class FeedEndpoint;
class FeedHub;
class HttpResponder;
struct HttpRequest;
class CapturePipeline;
class DemoServices;
class EmbeddedKafkaCluster;
class CacheApi;
class CaptureApi;
class CaptureReader;
class HookReceiver;
class HookTrafficGenerator;
class IntelligenceStore;
class StoreHost;
class KafkaPublisher;
class LiveSettings;
class RecommendationHost;
class SettingsApi;
class ProxyEventBuilder;
class TopicApi;
class HealthChecker;
class OutlierDetector;
class ProxyServer;
class ResponseCache;
class ScoringSelector;
class TrafficGenerator;

// Wires the parts of the engine and owns their threads: the proxy (listener and workers), the
// admin API, the resilience control loops (active health checks, outlier detection, breaker
// ticks, transition history) and, in demo mode, the demo upstream services and the traffic
// generator.
// Lives in the engine thread (the main thread when headless). Read it through snapshot() or
// snapshotReady; command it through queued calls.
class Engine : public QObject {
    Q_OBJECT
public:
    struct Options {
        bool demo = false;                   // start demo upstreams and generated traffic
        double demoRequestsPerSecond = 25.0; // generated traffic rate in demo mode
        int feedRingMessages = 2000; // feed messages kept for remote consoles that are behind
    };

    Engine(ProxyConfig config, Options options, QObject *parent = nullptr);
    ~Engine() override;

    // In demo mode first starts the demo upstream services and adds their services to the
    // configuration; then binds the proxy and admin listeners and starts the workers.
    // Before the proxy: the event bus (the embedded Kafka cluster unless brokers are given,
    // the producer and its spool), the capture pipeline and the hook receiver.
    bool start(QString *error = nullptr);
    // Graceful stop: stops accepting, lets in-flight requests finish for up to
    // config().timeouts.drain, closes the rest, then emits stopped(). Idempotent.
    void stop();

    EngineSnapshot snapshot() const;
    // Snapshots built so far (the admin API, the feed, snapshotReady).
    quint64 snapshotsTaken() const { return m_snapshotsTaken.load(std::memory_order_relaxed); }
    const ProxyConfig &config() const { return m_config; }
    quint16 proxyPort() const;
    quint16 adminPort() const;
    // The Kafka bootstrap servers in use: the embedded cluster's address, or the configured
    // brokers; empty before start().
    QString kafkaBrokers() const { return m_brokers; }
    // The embedded cluster, when brokers is "embedded" (tests inject faults through it).
    EmbeddedKafkaCluster *embeddedKafka() const { return m_kafkaCluster.get(); }
    bool isRunning() const { return m_running; }
    // The intelligence store (configuration "store", --store); null before start(). The
    // analyser and the recommendation engine write patterns and recommendations through it
    // (thread-safe, never blocks). It lives until the engine is destroyed.
    IntelligenceStore *store() const;

    // The console feed of this engine (lives in the engine thread, with the engine).
    FeedHub *feedHub() const { return m_feed; }
    // Answers an admin API request from this process (the console's embedded feed), with the
    // admin token's rights; unanswered (the responder dropped) when the engine is not running.
    void dispatchAdmin(const HttpRequest &request, std::shared_ptr<HttpResponder> responder);

    // Commands (engine thread).
    // Starts or stops capturing exchanges; false when capture is not configured.
    bool setCaptureEnabled(bool enabled);
    // Puts the circuit breaker of the instance with this id in `mode`; false when none has it.
    bool setBreakerMode(const QString &instanceId, BreakerMode mode, const QString &actor = {},
                        const QString &reason = {});

    // Live settings (docs/intelligence-api.md): changes one setting of one running service on
    // the data path and audits it; ok false (nothing changed) for an unknown service or
    // setting or a value of the wrong type or out of range, the error naming which. The path
    // of PATCH /api/v1/settings and of applied recommendations (a SettingChangePort).
    SettingChangeOutcome changeSetting(const SettingChangeRequest &request);
    // GET /api/v1/settings: {"services": {name: {setting: value}}, "audit": [A, ...]}; empty
    // before start().
    QJsonObject settingsDocument() const;

    // Pattern analysis (issue 11): the analyser host reading the event topics of the cluster
    // (every proxy's), null before start(); its latest snapshot, empty until the first (the
    // recommendation engine's input).
    AnalyserHost *analyser() const { return m_analyser.get(); }
    // The response cache (cache.enabled), from start(); null otherwise.
    const ResponseCache *responseCache() const { return m_responseCache.get(); }
    std::optional<AnalysisSnapshot> analysisSnapshot() const;
    // Recommendations (issue 11): the host of the RecommendationEngine and its API; its
    // analysis is the analyser's latest snapshot. Null before start().
    RecommendationHost *recommendations() const { return m_recommendations.get(); }

    static constexpr int kTransitionHistory = 200;
    static constexpr int kHealthHistory = 100;
    static constexpr int kSnapshotHistory = 50; // of each, in a snapshot

signals:
    // About four times a second while running, and only while something is connected to it
    // (nothing is built for nobody). Superseded by the feed (feedHub()).
    void snapshotReady(const ToolCapture::EngineSnapshot &snapshot);
    void stopped();

private:
    bool startEventPipeline(QString *error);
    void mountHooks();
    void mountCacheApi();
    void mountSettingsApi();
    // The pattern analysis: starts the analyser host and mounts /api/v1/patterns, /anomalies
    // and /correlations/{id}.
    bool mountIntelligenceApi(QString *error);
    void startRecommendations();
    // The registry's services by index (dynamic ones included).
    QStringList serviceNames() const;
    bool mountCaptureApi(QString *error);
    void stopEventPipeline();
    // The intelligence store (store_host.h): made and started with the event pipeline, fed the
    // registry's services once the proxy runs, stopped after the capture pipeline.
    bool startStore(QString *error);
    void storeServices();
    void stopStore();
    void startResilience();
    void stopResilience();
    void onBreakerTransition(const BreakerTransition &transition);
    void onHealthChanged(const QString &instanceId, bool healthy, const QString &reason);
    void runOutlierDetection();
    void recordHealthEvent(HealthEvent event);
    void finishStop();
    void setUpFeed();
    // One snapshot per feed tick, shared by the state subjects rendered in that tick.
    const EngineSnapshot &feedSnapshot();

    ProxyConfig m_config;
    Options m_options;
    std::unique_ptr<EmbeddedKafkaCluster> m_kafkaCluster;
    std::unique_ptr<KafkaPublisher> m_publisher;
    // The intelligence store and the tap its rows come through (backend/engine/store_host.h);
    // before the capture pipeline and the hook receiver, which publish through it.
    std::unique_ptr<StoreHost> m_store;
    std::unique_ptr<CapturePipeline> m_capture;
    std::unique_ptr<ProxyEventBuilder> m_breakerEvents; // engine thread
    class Registrar;
    std::unique_ptr<Registrar> m_registrar; // the hook receiver's, over the proxy's registry
    std::unique_ptr<HookReceiver> m_hooks;
    std::unique_ptr<CaptureReader> m_captureReader; // engine thread, for the capture API
    CaptureApi *m_captureApi = nullptr;             // child of this
    TopicApi *m_topicApi = nullptr;                 // child of this
    CacheApi *m_cacheApi = nullptr;                 // child of this
    SettingsApi *m_settingsApi = nullptr;           // child of this
    IntelligenceApi *m_intelligenceApi = nullptr;   // child of this
    std::unique_ptr<AnalyserHost> m_analyser;       // from start() to the end of stop()
    std::unique_ptr<LiveSettings> m_liveSettings;   // from start()
    // Shared by the workers; null when cache.enabled is false.
    std::shared_ptr<ResponseCache> m_responseCache;

    QString m_brokers;
    std::unique_ptr<DemoServices> m_demo;
    std::unique_ptr<ProxyServer> m_proxy;
    std::unique_ptr<AdminServer> m_admin;
    std::unique_ptr<TrafficGenerator> m_traffic;
    std::unique_ptr<HookTrafficGenerator> m_hookTraffic; // demo: executions, tools, lifecycle
    std::unique_ptr<HealthChecker> m_healthChecker;
    std::unique_ptr<OutlierDetector> m_outlier;
    // Scores every service's instances for snapshots; the workers have selectors of their own.
    std::unique_ptr<ScoringSelector> m_scorer;
    std::vector<InstanceTotals> m_outlierBaseline; // proxy totals at the last outlier update
    std::deque<BreakerTransition> m_transitions;   // oldest first, at most kTransitionHistory
    std::vector<std::uint64_t> m_transitionCounts; // by instance index
    std::uint64_t m_transitionsTotal = 0;
    std::deque<HealthEvent> m_healthEvents;       // oldest first, at most kHealthHistory
    std::deque<BreakerAuditEntry> m_breakerAudit; // oldest first, at most kHealthHistory
    FeedHub *m_feed = nullptr;                    // child
    FeedEndpoint *m_feedEndpoint = nullptr;       // child; deleted before the hub
    EngineSnapshot m_feedSnapshot;
    quint64 m_feedSnapshotTick = 0;
    mutable std::atomic<quint64> m_snapshotsTaken{0};
    std::atomic<bool> m_capturePaused{false}; // read by the workers
    QTimer *m_snapshotTimer = nullptr;
    QTimer *m_breakerTimer = nullptr;
    QTimer *m_outlierTimer = nullptr;
    std::unique_ptr<RecommendationHost> m_recommendations; // from start()
    QElapsedTimer m_uptime;
    bool m_running = false;
    bool m_stopping = false;
};

} // namespace ToolCapture
