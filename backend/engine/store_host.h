#pragma once

#include <backend/events/event_sink.h>
#include <backend/snapshot/engine_snapshot.h>
#include <backend/store/intelligence_store.h>

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace ToolCapture {

class AnalyserHost;

// The events the engine publishes, seen on their way to the bus, as the store's rows (the
// source documents' intelligence processor, in process): each exchange's
// proxy.communication_intelligence event (with its proxy.response_intelligence event's
// response part) becomes a communication_intelligence row, each hooks.execution_intelligence
// event an execution_intelligence row. Every event goes on to `inner` unchanged.
// Thread-safe as EventSink asks: the capture thread and the hook receiver publish through it.
class StoreEventTap final : public EventSink {
public:
    // `inner` may be null (events are then only stored); both must outlive the tap.
    StoreEventTap(IntelligenceStore &store, EventSink *inner);

    void publish(OutgoingEvent event) override;
    std::unique_ptr<EventBatch> batchToFill() override;
    void publishBatch(std::unique_ptr<EventBatch> batch) override;

    // Events that became rows, and events of those topics that could not be read (not JSON);
    // counted when the store's thread reads them.
    std::uint64_t rowsMade() const { return m_counts->rows.load(std::memory_order_relaxed); }
    std::uint64_t unreadable() const {
        return m_counts->unreadable.load(std::memory_order_relaxed);
    }

    // The rows one event makes (exposed for tests): an execution_completed event.
    static std::optional<ExecutionRecord> executionRecord(QByteArrayView eventJson);
    // A communication_intelligence event, with the response_intelligence event of the same
    // exchange when there is one (its response_analysis, routing, cache and breaker_state).
    static std::optional<CommunicationRecord>
    communicationRecord(QByteArrayView eventJson, QByteArrayView responseEventJson = {});

private:
    void queueExecution(QByteArrayView eventJson);
    void queueCommunication(QByteArrayView eventJson, QByteArrayView responseJson);

    IntelligenceStore &m_store;
    EventSink *m_inner;
    // Shared with the rows waiting in the store, which may outlive the tap.
    struct Counts {
        std::atomic<std::uint64_t> rows{0};
        std::atomic<std::uint64_t> unreadable{0};
    };
    std::shared_ptr<Counts> m_counts;
};

// The engine's intelligence store: the store itself, the tap its events come through, the
// service_ecosystem rows, written from the engine's snapshots every `ecosystemInterval` and
// when the registry changes, and the analyser's patterns as intelligence_patterns rows.
// Lives in the engine thread.
class StoreHost : public QObject {
public:
    StoreHost(IntelligenceStore::Options options, EventSink *inner,
              std::function<EngineSnapshot()> snapshot,
              std::chrono::milliseconds ecosystemInterval = std::chrono::seconds(30),
              QObject *parent = nullptr);
    ~StoreHost() override;

    // Starts the store (it connects on its own thread: never waits for the database) and the
    // ecosystem timer. False only when the Qt SQL driver is missing.
    bool start(QString *error = nullptr);
    // Writes the ecosystem once more, then stops the store (a last flush when it is there).
    void stop();

    IntelligenceStore &store() { return m_store; }
    // The sink to hand the capture pipeline and the hook receiver instead of the bus's.
    EventSink &sink() { return m_tap; }
    // One service_ecosystem row per service of the snapshot, now (and at the next tick).
    void writeEcosystem();
    StoreSnapshot snapshot() const;

    // The rows a snapshot makes (exposed for tests).
    static std::vector<ServiceEcosystemRecord> ecosystemRecords(const EngineSnapshot &snapshot);

    // Writes the analyser's patterns (those of GET /api/v1/patterns over the one-hour window)
    // every `interval` from now on: made and queued on the analyser's thread (the engine thread
    // only asks), one upsert per pattern id, so a pattern is one row whose frequency, confidence,
    // success rate and last_seen follow it and whose first_seen is its first write's. The
    // analyser must be stopped before this host is destroyed (the engine stops it first).
    void recordPatterns(AnalyserHost &analyser, std::chrono::milliseconds interval);
    // Writes the patterns now, waiting until they are queued: the engine calls it just before
    // it stops the analyser, so that what was learned since the last tick is not lost.
    void writePatternsBeforeStop();
    // Asks the analyser for its patterns now (and at the next tick); nothing without one.
    void writePatterns();
    // Patterns queued for writing so far (counted when the analyser's answer comes back).
    std::uint64_t patternsQueued() const { return m_patternsQueued; }
    // The rows a patterns document (EventAnalyser::patternsDocument) makes (exposed for tests):
    // its "patterns", with the pattern's service and operation added to pattern_data.
    static std::vector<PatternRecord> patternRecords(const QJsonObject &patternsDocument);

private:
    IntelligenceStore m_store;
    StoreEventTap m_tap;
    std::function<EngineSnapshot()> m_snapshot;
    QTimer *m_ecosystemTimer = nullptr;
    QTimer *m_patternTimer = nullptr;
    AnalyserHost *m_analyser = nullptr;
    std::uint64_t m_patternsQueued = 0;
    bool m_running = false;
};

} // namespace ToolCapture
