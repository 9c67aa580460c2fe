#pragma once

#include <backend/core/clock.h>
#include <backend/intelligence/analysis_snapshot.h>
#include <backend/intelligence/anomaly_rules.h>
#include <backend/intelligence/path_templater.h>
#include <backend/intelligence/rolling_window.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ToolCapture {

class JsonFields; // an event's members, indexed (event_analyser.cpp)

// The pattern analysis of issue 11: reads the events the proxies and the hook receiver publish
// (docs/events.md), one at a time, and keeps per service, per instance and per operation
// (method and PathTemplater template) rolling windows of 1 min, 5 min and 1 h, EWMA trends,
// robust baselines of each operation's p99 latency and error rate (judged once per tick of
// `Options::tick` of the injected clock), the load imbalance of each service, the failure risk
// of each instance, and the timelines of the most recent correlation ids. What it knows comes
// out as an AnalysisSnapshot (the recommendation engine's input) or as the JSON documents of
// docs/intelligence-api.md.
// Time is the injected clock's at ingestion (events of several proxies are counted when they
// arrive, whatever their clocks say); events' own timestamps only order a correlation's timeline.
// Thread-confined: one thread owns it (AnalyserHost's analyser thread in the engine; the test's
// in tests). Not thread-safe.
class EventAnalyser {
public:
    enum class Window { OneMinute, FiveMinutes, OneHour };

    struct Options {
        std::chrono::milliseconds tick{5000}; // baselines, trends and risks are updated per tick
        int maxCorrelations = 10000;          // correlation ids kept (least recently used go)
        int maxEventsPerCorrelation = 64;     // timeline entries kept per correlation id
        int maxOperations = 10000;            // beyond, new operations are not tracked (counted)
        int maxInstances = 5000;
        // Per-tick minimum of exchanges before an operation's p99 / error rate is judged.
        std::uint64_t minLatencySamples = 5;
        std::uint64_t minErrorSamples = 10;
        RobustBaseline::Options latencyBaseline{0.05, 10, 3.5, 5.0}; // minDelta in ms
        RobustBaseline::Options errorBaseline{0.05, 10, 3.5, 0.05};  // minDelta as a rate
        double loadImbalanceThreshold = 0.4;   // the source documents' recommendation line
        std::uint64_t minServiceRequests = 50; // in five minutes, before imbalance is judged
        double failureRiskThreshold = 0.6;     // the source documents' recommendation line
        // What an instance's failure risk is measured against: the limits of its breaker
        // (a service's own in serviceBreakers, else `breaker`).
        struct BreakerLimits {
            double failureRate = 0.5;
            double slowCallRate = 1.0; // 1: slow calls alone never trip
            std::chrono::milliseconds slowCall{2000};
        };
        BreakerLimits breaker;
        std::map<QString, BreakerLimits> serviceBreakers;
        // Operators' operation templates and literal segments, for one service or (service
        // empty) all; see PathTemplater::setOverrides() and setLiterals().
        struct PathTemplates {
            QString service;
            QStringList templates;
            QStringList literals;
        };
        std::vector<PathTemplates> pathTemplates;
        PathTemplater::Options templater;
        std::chrono::milliseconds anomalyRetention{std::chrono::hours(1)}; // ended ones kept
        int maxAnomalies = 1000;
    };

    explicit EventAnalyser(const Clock &clock);
    EventAnalyser(const Clock &clock, Options options);
    ~EventAnalyser();
    EventAnalyser(const EventAnalyser &) = delete;
    EventAnalyser &operator=(const EventAnalyser &) = delete;

    // One event as published on `topic` (its JSON value). False when the payload is not a JSON
    // object or the topic is not one of docs/events.md (counted, ignored). Runs tick() first.
    bool ingest(QByteArrayView topic, QByteArrayView payload);
    // Judges what the ticks that have ended since the last call accumulated (anomalies, trends,
    // failure risk, load imbalance). ingest() calls it; the owner calls it on a timer too, so
    // that quiet periods end anomalies.
    void tick();

    AnalysisSnapshot snapshot() const;
    // GET /api/v1/patterns: `service` empty for all.
    QJsonObject patternsDocument(Window window, const QString &service = {}) const;
    // GET /api/v1/anomalies: all when `active` is empty, else only the active (or ended) ones.
    QJsonObject anomaliesDocument(std::optional<bool> active = std::nullopt) const;
    // GET /api/v1/correlations/{id}: nullopt when the id is unknown (or no longer kept).
    std::optional<QJsonObject> correlationDocument(const QString &correlationId) const;

    // "1m", "5m", "1h"; nullopt for anything else.
    static std::optional<Window> windowNamed(QStringView name);
    static QString windowName(Window window);

    std::uint64_t eventsIngested() const noexcept { return m_eventsIngested; }
    std::uint64_t eventsRefused() const noexcept { return m_eventsRefused; }
    std::uint64_t operationsDropped() const noexcept { return m_operationsDropped; }
    int correlationCount() const noexcept { return int(m_correlationIndex.size()); }
    int operationCount() const noexcept { return int(m_operations.size()); }
    // Options::pathTemplates' templates that the templater refused, with the reason.
    const QStringList &refusedTemplates() const noexcept { return m_refusedTemplates; }

private:
    struct Windows;
    struct SlotCounter;
    struct OperationState;
    struct InstanceState;
    struct ServiceState;
    struct TimelineEvent;
    struct Correlation;
    struct AnomalyState;

    using TimePoint = Clock::time_point;

    void ingestCommunication(const JsonFields &event, TimePoint now);
    void ingestResponse(const JsonFields &event, TimePoint now);
    void ingestRequest(const JsonFields &event, TimePoint now);
    void ingestExecution(const JsonFields &event, TimePoint now);
    void ingestBreaker(const JsonFields &event, TimePoint now);

    OperationState *operationFor(const QString &service, QByteArrayView method, QByteArrayView path,
                                 TimePoint now);
    InstanceState *instanceFor(const QString &service, const QString &instance);
    ServiceState &serviceFor(const QString &service);
    Correlation &correlationFor(const QByteArray &id);
    void addTimeline(Correlation &correlation, TimelineEvent event);
    void evaluateTick(TimePoint tickEnd);
    void report(AnomalyKind kind, const QString &service, const QString &instance,
                const QString &operation, bool anomalous, double value, double baseline,
                double score, const QString &detail, TimePoint now);
    QDateTime wallAt(TimePoint at) const;
    OperationInsight insightOf(const OperationState &operation, TimePoint now) const;

    const Clock &m_clock;
    Options m_options;
    TimePoint m_steadyOrigin;
    QDateTime m_wallOrigin;
    TimePoint m_lastTick;
    PathTemplater m_templater;
    QStringList m_refusedTemplates;

    std::unordered_map<QByteArray, std::unique_ptr<OperationState>> m_operations;
    std::unordered_map<QByteArray, std::unique_ptr<InstanceState>> m_instances;
    std::unordered_map<QString, std::unique_ptr<ServiceState>> m_services;
    std::list<Correlation> m_correlations; // most recently used first
    std::unordered_map<QByteArray, std::list<Correlation>::iterator> m_correlationIndex;
    std::unordered_map<QString, std::unique_ptr<AnomalyState>> m_anomalies;

    std::uint64_t m_eventsIngested = 0;
    std::uint64_t m_eventsRefused = 0;
    std::uint64_t m_operationsDropped = 0;
};

} // namespace ToolCapture
