#pragma once

#include <backend/core/clock.h>
#include <backend/intelligence/analysis_snapshot.h>
#include <backend/intelligence/event_analyser.h>

#include <QByteArray>
#include <QObject>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace ToolCapture {

class TopicGroupConsumer;

// Runs the pattern analysis: an EventAnalyser on a thread of its own (the analyser thread), fed
// by a Kafka consumer group over the event topics, so that one analyser counts the events of
// every proxy publishing to the cluster. The analyser lives in that thread only; others ask it
// through query() and read the snapshot it publishes every `snapshotPeriod`.
// The host lives in the thread that created it (the engine thread), where query() answers and
// latestSnapshot() is updated.
class AnalyserHost : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString brokers;
        // A group of its own by default ("toolcapture-analyser-<uuid>"): two engines sharing a
        // cluster each see every event instead of splitting the partitions between them.
        QString groupId;
        QStringList topics;
        bool fromBeginning = false; // a new group's start: the oldest message kept, or new ones
        EventAnalyser::Options analyser;
        std::chrono::milliseconds snapshotPeriod{1000};
        const Clock *clock = &SteadyClock::instance();
    };

    explicit AnalyserHost(Options options, QObject *parent = nullptr);
    ~AnalyserHost() override; // stop()

    // Creates the consumer (false with the reason when it is refused) and starts the thread.
    bool start(QString *error = nullptr);
    // Leaves the group and stops the thread (waits for it). Idempotent.
    void stop();
    bool isRunning() const { return m_thread.isRunning(); }

    // Runs `work` with the analyser on the analyser thread, then `done` with its result in
    // this object's thread. `done` is not called when the host stops first.
    void query(std::function<QByteArray(const EventAnalyser &)> work,
               std::function<void(QByteArray)> done);
    // Runs `work` with the analyser on the analyser thread and returns its result, waiting for
    // it; empty when the host is not running. Never from the analyser thread. For what must be
    // read before the host stops (the patterns written at shutdown).
    QByteArray queryNow(const std::function<QByteArray(const EventAnalyser &)> &work);
    // Feeds events as if they had been read from the topics (on the analyser thread), for an
    // engine that has them in hand; also how tests feed a host without a cluster.
    void ingest(QByteArray topic, QByteArray payload);

    // The most recent snapshot the analyser published; empty until the first.
    const std::optional<AnalysisSnapshot> &latestSnapshot() const { return m_snapshot; }
    // Events the analyser has ingested so far (any thread).
    std::uint64_t eventsIngested() const { return m_eventsIngested.load(); }

signals:
    // A new snapshot is in latestSnapshot().
    void snapshotUpdated();

private:
    class Worker;

    Options m_options;
    QThread m_thread;
    Worker *m_worker = nullptr; // lives in m_thread; deleted there when it finishes
    std::optional<AnalysisSnapshot> m_snapshot;
    std::atomic<std::uint64_t> m_eventsIngested{0};
};

} // namespace ToolCapture
