#pragma once

#include <backend/config/cloud_events_mode.h>
#include <backend/events/event_sink.h>

#include <QMap>
#include <QString>

#include <chrono>
#include <cstdint>
#include <memory>

namespace ToolCapture {

struct KafkaConfig;

// The publisher's counters, read from any thread. Every event handed to publish() ends up
// counted once in `delivered - republished` (sent straight away), `spooled` (kept on disk, sent
// later as `republished`) or `failed` (lost); while the brokers are up and nothing is spooled,
// produced == delivered.
struct PublisherStats {
    std::uint64_t produced = 0;    // messages handed to librdkafka, fresh and from the spool
    std::uint64_t delivered = 0;   // acknowledged by the brokers, fresh and from the spool
    std::uint64_t spooled = 0;     // events written to the spool
    std::uint64_t republished = 0; // of `delivered`: sent from the spool
    std::uint64_t failed = 0;      // lost: the spool full or unwritable, or a permanent error
    // Of `spooled`: events whose delivery timed out or was purged while a request carrying them
    // was in flight, so Kafka may hold them already; re-sent, they can appear twice (same ce_id).
    std::uint64_t possiblyPersisted = 0;
    std::uint64_t spoolPendingRecords = 0;
    std::int64_t spoolBytes = 0;
    std::uint64_t spoolCorruptRecords = 0;
    bool brokersUp = true;
};

// Publishes events to Kafka without ever waiting on the network: one idempotent librdkafka producer
// (acks=all), each event a message keyed by its key, in the CloudEvents content mode of the
// options: the attributes as ce_* headers (binary), or the whole event as the value
// (structured: one header instead of six, which librdkafka allocates one by one; see
// docs/events.md). What cannot be handed over or delivered (full local queue, brokers down past
// the message timeout, shutdown) goes to an EventSpool on disk, and while the spool holds
// anything new events queue behind it. A background thread of the publisher's own serves
// delivery reports and drains the spool, in order, once the brokers are reachable again, also
// after a restart. publish() is thread-safe; start() and stop() belong to the owner's thread.
// NOTE: order per key holds while nothing fails. When deliveries start timing out, the events
// still queued in librdkafka behind the first failure are spooled as their own timeouts come,
// after events published (and spooled) in the meantime.
// NOTE: while the spool has a backlog, publish() appends to it: a write() to a local file under
// the spool's mutex (a few microseconds), the one lock on the request path, and only then.
// publishBatch() hands a whole batch to the background thread under one short lock, which
// produces it: the caller pays no librdkafka call (and none of its locks) per event. The
// hand-over holds at most queueMaxMessages events (65536 at most); a batch that does not fit
// is spooled, as publish() spools when librdkafka's queue is full.
// NOTE: delivery is at least once. An event whose delivery report says it may have been written
// (a request was in flight when it timed out or was purged) is spooled and sent again, because
// dropping it could lose it; consumers deduplicate by ce_id. See PublisherStats::possiblyPersisted.
class KafkaPublisher final : public EventSink {
public:
    struct Options {
        QString brokers;  // bootstrap.servers ("host:port,host:port")
        QString spoolDir; // required
        std::int64_t spoolMaxBytes = std::int64_t(1) << 30;
        std::int64_t spoolSegmentBytes = std::int64_t(64) << 20;
        std::chrono::milliseconds messageTimeout{15000};
        std::chrono::milliseconds linger{5};
        QString compression = QStringLiteral("lz4");
        CloudEventsMode contentMode = CloudEventsMode::Structured;
        int queueMaxMessages = 200000;
        QString clientId = QStringLiteral("toolcapture");
        // Re-publishing from the spool: messages in flight at once, and the pause after a failed
        // attempt before the next one.
        int spoolInFlight = 2000;
        std::chrono::milliseconds spoolRetryInterval{500};
        // Further librdkafka producer properties (security.protocol, sasl.*, ...), set after
        // the publisher's own, so they may override them.
        QMap<QString, QString> producerProperties;

        // The options a configuration asks for. `brokers` is taken as is: an owner that runs the
        // embedded cluster ("embedded") puts its bootstrap servers in. An empty spool directory
        // becomes <AppDataLocation>/spool.
        static Options fromConfig(const KafkaConfig &config, const QString &clientId);
    };

    explicit KafkaPublisher(Options options);
    // Stops (see stop()) with a five second flush.
    ~KafkaPublisher() override;
    KafkaPublisher(const KafkaPublisher &) = delete;
    KafkaPublisher &operator=(const KafkaPublisher &) = delete;

    // Opens the spool and creates the producer; a non-empty spool starts being re-published.
    // False, with the reason, when either fails.
    bool start(QString *error = nullptr);
    // Waits up to `timeout` for what is queued to be delivered, then purges the rest, which the
    // delivery reports put in the spool: a clean stop loses nothing. Events published after
    // stop() go to the spool too (until the publisher is destroyed).
    void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool isRunning() const;

    PublisherStats stats() const;
    const Options &options() const;

    // EventSink
    using EventSink::publishBatch;
    void publish(OutgoingEvent event) override;
    // A batch whose events were all delivered (or spooled) when there is one: its buffers keep
    // their capacity, so filling it allocates nothing.
    std::unique_ptr<EventBatch> batchToFill() override;
    // Hands the batch to the background thread under one short lock; in binary mode librdkafka's
    // value points into the batch's buffer (no copy) until the event's delivery report.
    void publishBatch(std::unique_ptr<EventBatch> batch) override;

    // Fault injection for tests and drills: librdkafka raises a fatal error as if the cluster had
    // caused one, and the publisher must replace its producer without losing events. False when
    // not running.
    bool simulateFatalError();

    // ce_time: RFC 3339, UTC, microseconds ("2026-11-22T17:00:00.123456Z"), as the event's
    // "timestamp" member writes it (times before 1970 are 1970-01-01T00:00:00.000000Z).
    static QByteArray formatCeTime(std::int64_t timeUs);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ToolCapture
