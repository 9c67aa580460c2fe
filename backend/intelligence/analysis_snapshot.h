#pragma once

#include <backend/intelligence/rolling_window.h>

#include <QDateTime>
#include <QString>

#include <chrono>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// What the analyser knows at one moment, as the recommendation engine and the API read it.
// The analyser (EventAnalyser) produces one on request; the recommendation engine's rules take
// one (and the live settings in force) and nothing else, so they are tested on hand-made
// snapshots and a manual clock. The JSON forms are in docs/intelligence-api.md.

enum class TrendDirection { Falling, Steady, Rising };

// Counted since the analyser began tracking an operation or instance; they never expire, so
// the difference of two snapshots' totals is exactly what was ingested between them. The
// recommendation engine measures the effect of a change on such a difference: the traffic
// after the change only, however long the after-window is.
struct RunningTotals {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;        // 5xx and exchanges that got no response
    std::uint64_t cacheEligible = 0; // requests the cache could have answered
    std::uint64_t cacheHits = 0;
    std::uint64_t retriedFailed = 0; // retried and still failed (operations only)
};

// One operation (method and path template) of a service, over the three windows.
struct OperationInsight {
    QString service;
    QString operation; // "GET /items/{id}"
    WindowStats oneMinute;
    WindowStats fiveMinutes;
    WindowStats oneHour;
    // Exchanges of the last five minutes that were retried (more than one attempt), and of
    // those the ones that still failed: retries that never succeed are wasted load.
    std::uint64_t retriedFiveMinutes = 0;
    std::uint64_t retriedFailedFiveMinutes = 0;
    RunningTotals totals;
    double latencyEwmaMs = 0;
    double errorRateEwma = 0;
    TrendDirection direction = TrendDirection::Steady;
    bool anomalous = false;
};

// One upstream instance, over the last five minutes.
struct InstanceInsight {
    QString service;
    QString instance;
    WindowStats fiveMinutes;
    RunningTotals totals;
    double failureRisk = 0; // failureRisk() of anomaly_rules.h, 0..1
};

struct ServiceInsight {
    QString service;
    int instances = 0;          // instances seen in the last five minutes
    std::uint64_t requests = 0; // last five minutes
    double loadImbalance = 0;   // loadImbalanceScore() over the instances, 0..1
};

enum class AnomalyKind { Latency, ErrorRate, LoadImbalance, FailureRisk };

struct Anomaly {
    QString id; // stable for one ongoing anomaly (kind, service, instance, operation)
    AnomalyKind kind = AnomalyKind::Latency;
    QString service;
    QString instance;  // empty where it does not apply
    QString operation; // empty where it does not apply
    double value = 0;
    double baseline = 0;
    double score = 0;
    QDateTime detectedAt;
    QDateTime lastSeen;
    bool active = true;
    QString detail;
};

struct AnalysisSnapshot {
    std::chrono::steady_clock::time_point at; // the analyser's (injected) clock
    QDateTime generatedAt;                    // wall time, UTC
    std::uint64_t eventsIngested = 0;
    std::vector<OperationInsight> operations;
    std::vector<InstanceInsight> instances;
    std::vector<ServiceInsight> services;
    std::vector<Anomaly> anomalies; // active and recent
};

} // namespace ToolCapture
