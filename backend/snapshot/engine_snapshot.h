#pragma once

#include <backend/health/health_snapshot.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/resilience/breaker_snapshot.h>
#include <backend/resilience/breaker_transition.h>
#include <backend/routing/routing_decision.h>
#include <backend/snapshot/breaker_audit_entry.h>
#include <backend/snapshot/cache_snapshot.h>
#include <backend/snapshot/health_event.h>

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// One upstream instance as the engine sees it at one moment. Plain values.
struct InstanceSnapshot {
    QString id;
    QString url;
    QStringList capabilities;
    bool reachable = true; // false while marked down after a connect failure
    bool dynamic = false;  // registered while running (lifecycle hook), not configured
    bool draining = false; // deregistered: no new requests, those in flight finish
    InstanceTotals totals;

    // Resilience.
    BreakerSnapshot breaker;
    std::uint64_t breakerTransitions = 0; // seen by the engine since it started
    HealthSnapshot health;                // time points on the steady clock (see takenAt)
    int bulkheadActive = 0;
    int bulkheadPending = 0;
    int bulkheadMaxActive = 0;
    int bulkheadMaxPending = 0;
    // Routing: this instance's entry of its service's currentScores (score, the four parts,
    // the inputs, or why it is excluded).
    CandidateScore score;
};

// A service's retry budget at one moment.
struct RetryBudgetNumbers {
    int activeRequests = 0;
    int activeRetries = 0;
    int retryLimit = 0; // concurrent retries allowed now
    std::uint64_t admitted = 0;
    std::uint64_t refused = 0;
};

// A service's rate limiter at one moment.
struct RateLimitNumbers {
    bool unlimited = true;
    double requestsPerSecond = 0;
    int burst = 0;
    int availableTokens = 0; // meaningless when unlimited
    std::uint64_t admitted = 0;
    std::uint64_t limited = 0; // answered 429
};

// One service and its instances at one moment.
struct ServiceSnapshot {
    QString name;
    QString match;        // human-readable: "path /inventory/, host inventory.local"
    bool dynamic = false; // registered while running (lifecycle hook), not configured
    std::vector<InstanceSnapshot> instances;
    // How every instance scores now for a plain "GET /" and why excluded ones are excluded;
    // computed when the snapshot is taken (the choice itself is one power-of-two draw).
    RoutingDecision currentScores;
    RetryBudgetNumbers retryBudget;
    RateLimitNumbers rateLimit;
    // At least one reachable instance that is not draining.
    bool ready() const {
        for (const InstanceSnapshot &instance : instances) {
            if (instance.reachable && !instance.draining)
                return true;
        }
        return false;
    }
};

// The event bus as the engine sees it: where events go and how many went.
struct EventBusSnapshot {
    bool enabled = false;
    QString brokers;       // bootstrap servers in use ("127.0.0.1:39741" for the embedded one)
    bool embedded = false; // librdkafka's in-process mock cluster
    bool brokersUp = false;
    std::uint64_t produced = 0;    // handed to the producer
    std::uint64_t delivered = 0;   // acknowledged by the brokers
    std::uint64_t spooled = 0;     // written to the on-disk spool
    std::uint64_t republished = 0; // delivered from the spool
    std::uint64_t failed = 0;      // lost (spool full or unwritable, permanent errors)
    // Of spooled: timed out or purged while in flight, so possibly in Kafka already; re-sent
    // ones may appear twice (same ce_id).
    std::uint64_t possiblyPersisted = 0;
    std::uint64_t spoolPendingRecords = 0;
    std::int64_t spoolPendingBytes = 0;
};

// Exchange capture: how many exchanges the pipeline took, stored and published.
struct CaptureSnapshot {
    bool enabled = false;   // configured (capture.enabled)
    bool capturing = false; // enabled and not stopped by the operator
    QString storePath;
    std::uint64_t queued = 0;  // exchanges handed over by the workers
    std::uint64_t dropped = 0; // not captured: the capture thread fell behind
    std::uint64_t stored = 0;
    std::uint64_t storeFailures = 0;
    std::uint64_t eventsPublished = 0;
};

// The intelligence store (backend/store): where it is and whether it is writing. Disconnected
// is not an error of the engine: rows wait in memory (bounded) until the database is back.
struct StoreSnapshot {
    bool enabled = false;   // the engine has a store
    bool connected = false; // connected and migrated: rows are being written
    QString location;       // "sqlite:/path" or "postgresql://user@host:port/db", no password
    int schemaVersion = 0;
    std::uint64_t pending = 0; // rows waiting to be written (in memory while disconnected)
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;         // lost: the memory limit was reached
    std::uint64_t rejected = 0;        // refused by the database (malformed), logged
    std::uint64_t expired = 0;         // removed by retention
    std::uint64_t connectFailures = 0; // connection attempts (and retries) that failed
    QString lastError;                 // why it is disconnected (or the last refused row)
};

// The hook receiver's counters.
struct HooksSnapshot {
    bool enabled = false; // API keys are configured
    std::uint64_t received = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t published = 0;
};

// Live setting changes made so far for one (service, setting, source): the Prometheus counter
// toolcapture_settings_changes_total.
struct SettingChangeCount {
    QString service;
    QString setting;
    QString source; // "operator", "recommendation", "auto_revert"
    std::uint64_t count = 0;
};

// The pattern analysis and the recommendations (issue 11), for /metrics: nothing while the
// analysis is off.
struct IntelligenceSnapshot {
    bool analysing = false;
    std::uint64_t eventsIngested = 0;
    int operations = 0;      // in the latest analysis snapshot
    int activeAnomalies = 0; // in the latest analysis snapshot
    // Recommendations kept, by status ("open", "applied", "dismissed", "reverted", "expired").
    std::vector<std::pair<QString, int>> recommendations;
};

// The engine's whole observable state at one moment, as plain values that the admin API
// renders and GUI models display. Cheap to copy relative to how often it is taken (~4 Hz).
struct EngineSnapshot {
    qint64 uptimeMs = 0;
    QString profile;
    QString proxyAddress; // "127.0.0.1:8090"
    QString adminAddress;
    int workers = 0;
    bool draining = false;
    std::vector<ServiceSnapshot> services;
    // Proxy-wide totals. Per-instance totals are in services[].instances[].totals, so
    // totals.instances is left empty.
    ProxyTotals totals;

    // When the snapshot was taken, on the steady clock of the health time points.
    std::chrono::steady_clock::time_point takenAt{};
    std::vector<BreakerTransition> recentTransitions; // oldest first, at most 50
    std::uint64_t breakerTransitionsTotal = 0;
    std::vector<HealthEvent> recentHealthEvents; // oldest first, at most 50
    std::vector<BreakerAuditEntry> breakerAudit; // operator changes, oldest first, at most 50

    EventBusSnapshot eventBus;
    CaptureSnapshot capture;
    HooksSnapshot hooks;
    StoreSnapshot store;
    CacheSnapshot cache; // enabled false: the engine has no response cache
    std::vector<SettingChangeCount> settingChanges;
    IntelligenceSnapshot intelligence;
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::EngineSnapshot)
