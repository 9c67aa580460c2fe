#include <backend/config/proxy_config.h>
#include <backend/core/logging.h>
#include <backend/events/cloud_event.h>
#include <backend/events/event_batch.h>
#include <backend/events/event_spool.h>
#include <backend/events/json_writer.h>
#include <backend/events/kafka_publisher.h>

#include <QStandardPaths>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <librdkafka/rdkafka.h>
#include <map>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <set>
#include <string>
#include <thread>

namespace ToolCapture {

namespace {

using Clock = std::chrono::steady_clock;
using PositionKey = std::pair<std::uint64_t, std::int64_t>;

// A record from the spool that keeps failing with an error that is neither the brokers being
// unreachable nor known to be permanent is given up after this many attempts, so that one
// poisonous event cannot hold the whole spool back.
constexpr int kMaxAttemptsPerRecord = 5;
constexpr auto kCommitInterval = std::chrono::milliseconds(200);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr auto kReportInterval = std::chrono::milliseconds(5);
// Bytes of spooled events in flight at once (besides Options::spoolInFlight messages).
constexpr std::int64_t kSpoolInFlightBytes = std::int64_t(16) << 20;

enum class State { Stopped, Running, Stopping, Recreating };

enum class ErrorKind {
    Unreachable, // timed out, purged, no broker: try again later, for as long as it takes
    Permanent,   // the event itself is refused: trying again cannot help
    Other,       // anything else: a few more attempts
};

ErrorKind classify(rd_kafka_resp_err_t error) {
    switch (error) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        return ErrorKind::Unreachable;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
        return ErrorKind::Permanent;
    default:
        return ErrorKind::Other;
    }
}

// One message handed to librdkafka: the event (whose value librdkafka points into without
// copying) and, for a re-sent one, where it is in the spool.
struct PendingMessage {
    OutgoingEvent event;
    bool fromSpool = false;
    std::uint64_t sequence = 0;
    SpoolPosition end;
};

struct BatchFlight;

// One event of a batch handed to librdkafka: its delivery report's opaque, tagged (low bit set)
// to tell it from a PendingMessage.
struct BatchEventRef {
    BatchFlight *flight = nullptr;
    std::size_t index = 0;
};

// A batch from publishBatch() while its events are with librdkafka: given back to
// batchToFill() when the last report is in.
struct BatchFlight {
    std::unique_ptr<EventBatch> batch;
    std::vector<BatchEventRef> refs;
    std::size_t pending = 0; // events without a report yet
};

void *tagged(BatchEventRef *ref) {
    return reinterpret_cast<void *>(reinterpret_cast<std::uintptr_t>(ref) | 1u);
}

BatchEventRef *batchEventRef(void *opaque) {
    const auto bits = reinterpret_cast<std::uintptr_t>(opaque);
    return (bits & 1u) ? reinterpret_cast<BatchEventRef *>(bits & ~std::uintptr_t(1)) : nullptr;
}

// The CloudEvents attributes and the rest of one message, as librdkafka takes them.
struct MessageParts {
    const char *topic = nullptr;        // NUL-terminated
    rd_kafka_topic_t *handle = nullptr; // the topic's handle, when the caller has one
    QByteArrayView key;
    QByteArrayView value;
    QByteArrayView ceId;
    QByteArrayView ceType;
    QByteArrayView ceSource;
    QByteArrayView ceTime;
    // The event already in its structured envelope (kept alive by the caller until the
    // delivery report); empty: produce() writes it.
    QByteArrayView envelope;
};

// A record of the spool sent (or skipped) by the re-publisher, in spool order.
struct SpoolSend {
    SpoolPosition end;
    bool done = false;
};

PositionKey keyOf(const SpoolPosition &position) {
    return {position.segment, position.offset};
}

bool before(const SpoolPosition &a, const SpoolPosition &b) {
    return a.segment < b.segment || (a.segment == b.segment && a.offset < b.offset);
}

} // namespace

struct KafkaPublisher::Private {
    explicit Private(Options o)
        : options(std::move(o)) {}

    Options options;
    EventSpool spool;
    rd_kafka_t *producer = nullptr;
    std::thread thread;
    std::chrono::milliseconds stopTimeout{5000};

    std::atomic<State> state{State::Stopped};
    std::atomic<int> callers{0}; // publish() calls using the producer right now
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> fatal{false};
    // The spool holds events (or did a moment ago): new events queue behind them.
    std::atomic<bool> backlog{false};
    std::atomic<bool> brokersUp{true};
    std::atomic<bool> queueFullEpisode{false};
    std::atomic<bool> spoolRefusing{false};

    std::atomic<std::uint64_t> produced{0};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> spooled{0};
    std::atomic<std::uint64_t> republished{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> possiblyPersisted{0};

    // Batches handed over by publishBatch(), produced by the background thread in order.
    std::mutex handoffMutex;
    std::vector<std::unique_ptr<EventBatch>> handoff;
    std::size_t handoffEvents = 0;
    std::vector<std::unique_ptr<EventBatch>> handoffTaken; // background thread only
    // Wakes the background thread (a batch handed over, stop()); see run().
    std::mutex wakeMutex;
    std::condition_variable wakeCondition;
    bool wakeRequested = false;
    // The background thread sleeps longer than kReportInterval (nothing was outstanding).
    std::atomic<bool> sleepingLong{false};
    void wakeUp() {
        {
            const std::lock_guard lock(wakeMutex);
            wakeRequested = true;
        }
        wakeCondition.notify_one();
    }
    void sleepUntilWoken(std::chrono::milliseconds timeout) {
        std::unique_lock lock(wakeMutex);
        wakeCondition.wait_for(lock, timeout, [this] { return wakeRequested; });
        wakeRequested = false;
    }
    // Batches done with, for batchToFill(), and the largest a batch has been. The capture thread
    // hands over a batch every 5 ms (more when a drain passes EventBatch::kHandOverBytes) and each
    // is in flight for the linger and the brokers' answer, so how many are in flight at once
    // varies. Keeping only a fixed four made one batch in eight a new one that grew from nothing:
    // the reallocations' copies and the fresh pages' faults were a fifth of the capture thread
    // at 20k exchanges/s on a VM whose page faults are expensive. Free batches are kept up to a
    // memory bound instead, and a new one starts at the largest size seen.
    static constexpr std::size_t kFreeBatchBytes = std::size_t(16) << 20;
    std::mutex freeMutex;
    std::vector<std::unique_ptr<EventBatch>> freeBatches;
    std::size_t freeBatchBytes = 0;
    std::size_t largestBatchBytes = 0;
    std::size_t largestBatchEvents = 0;
    // Flights not in use (background thread only), and the number in use. The capture thread
    // hands over a batch every 5 ms while busy and each stays in flight for the linger and the
    // brokers' answer, longer when they are slow: keeping 16 idle keeps freeing and reallocating
    // their report arrays (glibc consolidating the freed ones was 2% of this thread at 45k
    // exchanges/s with 4) off the path.
    static constexpr std::size_t kIdleFlights = 16;
    std::vector<std::unique_ptr<BatchFlight>> idleFlights;
    std::size_t flightsInUse = 0;
    size_t handoffCapacity() const {
        return size_t(std::clamp(options.queueMaxMessages, 1, 65536));
    }

    // The re-publisher; background thread only.
    std::deque<SpoolSend> sends; // from the committed cursor on
    std::uint64_t frontSequence = 0;
    int outstanding = 0; // sends without a delivery report yet
    std::int64_t outstandingBytes = 0;
    SpoolPosition readPosition;
    bool attemptFailed = false;
    bool readToEnd = false; // the last read found nothing more in the spool
    Clock::time_point retryAt{};
    Clock::time_point lastCommit{};
    std::set<PositionKey> deliveredAhead; // delivered after a record that failed: skip on re-read
    std::map<PositionKey, int> attempts;

    // Producer
    bool createProducer(QString *error);
    void destroyProducer(std::chrono::milliseconds flushTimeout);
    rd_kafka_resp_err_t produce(PendingMessage *message);
    rd_kafka_resp_err_t produce(const MessageParts &parts, void *opaque);
    // The producer's handle for `topic`, made on first use and kept until the producer goes
    // (background thread only). nullptr without a producer.
    rd_kafka_topic_t *topicHandle(QByteArrayView topic); // NUL-terminated after its end
    static constexpr std::size_t kMaxTopicHandles = 32;
    std::vector<std::pair<QByteArray, rd_kafka_topic_t *>> topicHandles;
    static void onDelivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque);
    static void onError(rd_kafka_t *, int error, const char *reason, void *opaque);
    static void onLog(const rd_kafka_t *, int level, const char *facility, const char *text);

    // Any thread
    // Produces one event (the producer acquired, or on the background thread), or spools it.
    void produceOrSpool(OutgoingEvent &&event);
    bool acquireProducer();
    void releaseProducer() { callers.fetch_sub(1); }
    void waitForCallers() const;
    void toSpool(const OutgoingEvent &event);
    void countFailed(const OutgoingEvent &event, const char *why);

    // Background thread
    void run();
    // Produces (or spools) what publishBatch() handed over.
    void produceHandedOver();
    void produceBatch(std::unique_ptr<EventBatch> batch);
    void batchEventDelivered(BatchEventRef *ref, const rd_kafka_message_t *message);
    // One report fewer outstanding for the flight; the last gives its batch back.
    void batchEventDone(BatchFlight *flight);
    void recycle(std::unique_ptr<EventBatch> batch);
    bool recreateProducer();
    void deliveredFromSpool(PendingMessage *message);
    void failedFromSpool(PendingMessage *message, rd_kafka_resp_err_t error, bool maybeWritten);
    void spoolSendFailed(SpoolSend &send, const OutgoingEvent &event, rd_kafka_resp_err_t error,
                         bool maybeWritten);
    void republish();
    void commitProgress(bool force);
};

KafkaPublisher::Options KafkaPublisher::Options::fromConfig(const KafkaConfig &config,
                                                            const QString &clientId) {
    Options options;
    options.brokers = config.brokers;
    options.spoolDir = config.spoolDir.isEmpty()
                           ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                 QLatin1String("/spool")
                           : config.spoolDir;
    options.spoolMaxBytes = config.spoolMaxBytes;
    options.messageTimeout = config.messageTimeout;
    options.linger = config.linger;
    options.compression = config.compression;
    options.contentMode = config.contentMode;
    options.queueMaxMessages = config.queueMaxMessages;
    options.clientId = clientId;
    return options;
}

KafkaPublisher::KafkaPublisher(Options options)
    : d(std::make_unique<Private>(std::move(options))) {}

KafkaPublisher::~KafkaPublisher() {
    stop(std::chrono::seconds(5));
    d->spool.close();
}

const KafkaPublisher::Options &KafkaPublisher::options() const {
    return d->options;
}

bool KafkaPublisher::isRunning() const {
    return d->state.load() != State::Stopped;
}

bool KafkaPublisher::start(QString *error) {
    if (isRunning())
        return true;
    if (d->options.spoolDir.isEmpty()) {
        if (error)
            *error = QStringLiteral("no spool directory");
        return false;
    }
    if (!d->spool.isOpen() && !d->spool.open(d->options.spoolDir, d->options.spoolMaxBytes, error,
                                             d->options.spoolSegmentBytes))
        return false;
    if (!d->createProducer(error))
        return false;
    d->sends.clear();
    d->outstanding = 0;
    d->outstandingBytes = 0;
    d->attemptFailed = false;
    d->readToEnd = false;
    d->deliveredAhead.clear();
    d->attempts.clear();
    d->readPosition = d->spool.committed();
    d->backlog.store(!d->spool.empty());
    d->brokersUp.store(true);
    d->stopRequested.store(false);
    d->fatal.store(false);
    d->state.store(State::Running);
    d->thread = std::thread([this] { d->run(); });
    if (!d->spool.empty())
        qCInfo(lcEvents) << "re-publishing" << d->spool.pendingRecords() << "spooled events from"
                         << d->options.spoolDir;
    return true;
}

void KafkaPublisher::stop(std::chrono::milliseconds timeout) {
    if (d->state.load() == State::Stopped)
        return;
    d->stopTimeout = timeout;
    d->stopRequested.store(true);
    d->wakeUp();
    // The background thread moves to Stopping, waits for publish() calls to leave the producer,
    // flushes, purges and destroys it.
    d->thread.join();
    d->state.store(State::Stopped);
}

PublisherStats KafkaPublisher::stats() const {
    PublisherStats stats;
    stats.produced = d->produced.load(std::memory_order_relaxed);
    stats.delivered = d->delivered.load(std::memory_order_relaxed);
    stats.spooled = d->spooled.load(std::memory_order_relaxed);
    stats.republished = d->republished.load(std::memory_order_relaxed);
    stats.failed = d->failed.load(std::memory_order_relaxed);
    stats.possiblyPersisted = d->possiblyPersisted.load(std::memory_order_relaxed);
    stats.spoolPendingRecords = d->spool.pendingRecords();
    stats.spoolBytes = d->spool.pendingBytes();
    stats.spoolCorruptRecords = d->spool.corruptRecords();
    stats.brokersUp = d->brokersUp.load(std::memory_order_relaxed);
    return stats;
}

void KafkaPublisher::publish(OutgoingEvent event) {
    if (d->backlog.load(std::memory_order_acquire) || !d->acquireProducer()) {
        d->toSpool(event);
        return;
    }
    d->produceOrSpool(std::move(event));
    d->releaseProducer();
    // Its delivery report is served within kReportInterval, not after a whole idle sleep. Read
    // first: no write to the shared flag per event while the thread is busy.
    if (d->sleepingLong.load(std::memory_order_relaxed) && d->sleepingLong.exchange(false))
        d->wakeUp();
}

std::unique_ptr<EventBatch> KafkaPublisher::batchToFill() {
    std::size_t bytes = 0;
    std::size_t events = 0;
    {
        const std::lock_guard lock(d->freeMutex);
        if (!d->freeBatches.empty()) {
            std::unique_ptr<EventBatch> batch = std::move(d->freeBatches.back());
            d->freeBatches.pop_back();
            d->freeBatchBytes -= batch->capacityBytes();
            return batch;
        }
        // A writer that does not hand over at kHandOverBytes may make a huge batch: a new one
        // starts no larger than a few of the usual size.
        bytes = std::min(d->largestBatchBytes, 4 * EventBatch::kHandOverBytes);
        events = std::min(d->largestBatchEvents,
                          4 * EventBatch::kHandOverBytes / sizeof(EventBatch::Event));
    }
    auto batch = std::make_unique<EventBatch>();
    batch->reserve(bytes, events);
    // Structured events are sent as the batch holds them: no wrapping, no copy per event.
    batch->setWantsEnvelopes(d->options.contentMode == CloudEventsMode::Structured);
    return batch;
}

void KafkaPublisher::publishBatch(std::unique_ptr<EventBatch> batch) {
    if (!batch || batch->empty())
        return;
    if (!d->acquireProducer()) {
        for (std::size_t i = 0; i < batch->size(); ++i)
            d->toSpool(batch->toOutgoingEvent(i));
        return;
    }
    bool wasEmpty = false;
    bool full = false;
    {
        const std::lock_guard lock(d->handoffMutex);
        wasEmpty = d->handoff.empty();
        // Bounded like librdkafka's own queue: when the background thread falls behind, the
        // batch goes to the spool (sent later, in order per key) instead of growing memory.
        full = d->handoffEvents + batch->size() > d->handoffCapacity();
        if (!full) {
            d->handoffEvents += batch->size();
            d->handoff.push_back(std::move(batch));
        }
    }
    if (full) {
        if (!d->queueFullEpisode.exchange(true))
            qCWarning(lcEvents) << "the hand-over to the Kafka producer is full; spooling events";
        for (std::size_t i = 0; i < batch->size(); ++i)
            d->toSpool(batch->toOutgoingEvent(i));
        d->recycle(std::move(batch));
    }
    // Wakes the background thread; once per batch.
    if (wasEmpty)
        d->wakeUp();
    d->releaseProducer();
}

void KafkaPublisher::Private::recycle(std::unique_ptr<EventBatch> batch) {
    const std::size_t bytes = batch->byteCount();
    const std::size_t events = batch->size();
    batch->clear();
    const std::size_t capacity = batch->capacityBytes();
    {
        const std::lock_guard lock(freeMutex);
        largestBatchBytes = std::max(largestBatchBytes, bytes);
        largestBatchEvents = std::max(largestBatchEvents, events);
        if (freeBatchBytes + capacity <= kFreeBatchBytes) {
            freeBatchBytes += capacity;
            freeBatches.push_back(std::move(batch));
            return;
        }
    }
    batch.reset(); // over the bound: freed outside the lock
}

void KafkaPublisher::Private::produceOrSpool(OutgoingEvent &&event) {
    if (backlog.load(std::memory_order_acquire)) {
        toSpool(event);
        return;
    }
    auto *message = new PendingMessage{std::move(event), false, 0, {}};
    const rd_kafka_resp_err_t error = produce(message);
    if (!error) {
        produced.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && !queueFullEpisode.exchange(true))
        qCWarning(lcEvents) << "the Kafka producer queue is full; spooling events";
    if (classify(error) == ErrorKind::Permanent)
        countFailed(message->event, rd_kafka_err2str(error));
    else
        toSpool(message->event);
    delete message;
}

void KafkaPublisher::Private::produceHandedOver() {
    {
        const std::lock_guard lock(handoffMutex);
        handoffTaken.swap(handoff);
        handoffEvents = 0;
    }
    for (std::unique_ptr<EventBatch> &batch : handoffTaken)
        produceBatch(std::move(batch));
    handoffTaken.clear();
}

void KafkaPublisher::Private::produceBatch(std::unique_ptr<EventBatch> batch) {
    if (!producer) {
        for (std::size_t i = 0; i < batch->size(); ++i)
            toSpool(batch->toOutgoingEvent(i));
        recycle(std::move(batch));
        return;
    }
    std::unique_ptr<BatchFlight> owned;
    if (idleFlights.empty()) {
        owned = std::make_unique<BatchFlight>();
    } else {
        owned = std::move(idleFlights.back());
        idleFlights.pop_back();
    }
    BatchFlight *flight = owned.release(); // owned by its reports from here on
    ++flightsInUse;
    flight->batch = std::move(batch);
    const EventBatch &events = *flight->batch;
    flight->refs.resize(events.size());
    // One more than the events, so that the flight cannot end while this loop runs.
    flight->pending = events.size() + 1;
    // The batch's writers share one span per topic (EventBatch::appendShared), so the topic's
    // handle is found by the span's offset: the event's text, written on another core, is not
    // read here at all (comparing it was a tenth of this thread's time, all cache misses).
    std::array<std::pair<std::size_t, rd_kafka_topic_t *>, 8> handles;
    std::size_t handleCount = 0;
    const auto handleFor = [&](EventBatch::Span topic) {
        for (std::size_t h = 0; h < handleCount; ++h) {
            if (handles[h].first == topic.offset)
                return handles[h].second;
        }
        rd_kafka_topic_t *handle = topicHandle(events.view(topic));
        if (handle && handleCount < handles.size())
            handles[handleCount++] = {topic.offset, handle};
        return handle;
    };
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (backlog.load(std::memory_order_acquire)) {
            toSpool(events.toOutgoingEvent(i));
            --flight->pending;
            continue;
        }
        const EventBatch::Event &e = events.event(i);
        BatchEventRef &ref = flight->refs[i];
        ref.flight = flight;
        ref.index = i;
        const MessageParts parts{
            events.data(e.topic),    handleFor(e.topic),    events.view(e.key),
            events.view(e.value),    events.view(e.ceId),   events.view(e.ceType),
            events.view(e.ceSource), events.view(e.ceTime), events.view(e.envelope)};
        const rd_kafka_resp_err_t error = produce(parts, tagged(&ref));
        if (!error) {
            produced.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        --flight->pending;
        if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && !queueFullEpisode.exchange(true))
            qCWarning(lcEvents) << "the Kafka producer queue is full; spooling events";
        if (classify(error) == ErrorKind::Permanent)
            countFailed(events.toOutgoingEvent(i), rd_kafka_err2str(error));
        else
            toSpool(events.toOutgoingEvent(i));
    }
    batchEventDone(flight);
}

void KafkaPublisher::Private::batchEventDone(BatchFlight *flight) {
    if (--flight->pending > 0)
        return;
    recycle(std::move(flight->batch));
    --flightsInUse;
    if (idleFlights.size() < kIdleFlights)
        idleFlights.emplace_back(flight);
    else
        delete flight;
}

void KafkaPublisher::Private::batchEventDelivered(BatchEventRef *ref,
                                                  const rd_kafka_message_t *message) {
    BatchFlight *flight = ref->flight;
    if (!message->err) {
        delivered.fetch_add(1, std::memory_order_relaxed);
        brokersUp.store(true, std::memory_order_relaxed);
    } else if (classify(message->err) == ErrorKind::Permanent) {
        countFailed(flight->batch->toOutgoingEvent(ref->index), rd_kafka_err2str(message->err));
    } else {
        // At least once, as for a single event (see onDelivery).
        if (rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED)
            possiblyPersisted.fetch_add(1, std::memory_order_relaxed);
        toSpool(flight->batch->toOutgoingEvent(ref->index));
    }
    batchEventDone(flight);
}

bool KafkaPublisher::simulateFatalError() {
    if (!d->acquireProducer())
        return false;
    const rd_kafka_resp_err_t error = rd_kafka_test_fatal_error(
        d->producer, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "simulated fatal error");
    d->releaseProducer();
    return !error;
}

QByteArray KafkaPublisher::formatCeTime(std::int64_t timeUs) {
    // The same text as the event's own "timestamp" member (JsonWriter::timestamp).
    char text[27];
    formatRfc3339Micros(timeUs, text);
    return QByteArray(text, sizeof text);
}

bool KafkaPublisher::Private::createProducer(QString *error) {
    char reason[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const auto set = [&](const char *name, const QString &value) {
        if (rd_kafka_conf_set(conf, name, value.toUtf8().constData(), reason, sizeof reason) ==
            RD_KAFKA_CONF_OK)
            return true;
        if (error)
            *error = QStringLiteral("Kafka producer setting %1=%2: %3")
                         .arg(QLatin1String(name), value, QString::fromUtf8(reason));
        return false;
    };
    const auto number = [](auto value) { return QString::number(value); };
    const bool ok =
        set("bootstrap.servers", options.brokers) && set("client.id", options.clientId) &&
        set("enable.idempotence", QStringLiteral("true")) && set("acks", QStringLiteral("all")) &&
        set("linger.ms", number(options.linger.count())) &&
        set("compression.type", options.compression) &&
        set("message.timeout.ms", number(options.messageTimeout.count())) &&
        set("queue.buffering.max.messages", number(options.queueMaxMessages)) &&
        set("batch.num.messages", QStringLiteral("10000")) &&
        set("batch.size", QStringLiteral("1000000")) &&
        // The Java client's partitioner: a key lands on the same partition whoever produces it.
        set("partitioner", QStringLiteral("murmur2_random")) &&
        // Notice a broker that is back within a second, not librdkafka's default ten.
        set("reconnect.backoff.ms", QStringLiteral("100")) &&
        set("reconnect.backoff.max.ms", QStringLiteral("1000")) &&
        std::all_of(options.producerProperties.keyValueBegin(),
                    options.producerProperties.keyValueEnd(), [&](const auto &property) {
                        return set(property.first.toUtf8().constData(), property.second);
                    });
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return false;
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, &Private::onDelivery);
    rd_kafka_conf_set_error_cb(conf, &Private::onError);
    rd_kafka_conf_set_log_cb(conf, &Private::onLog);
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
    if (!producer) {
        rd_kafka_conf_destroy(conf);
        if (error)
            *error = QStringLiteral("cannot create the Kafka producer: %1")
                         .arg(QString::fromUtf8(reason));
        return false;
    }
    return true;
}

// Hands back every message still queued or in flight: what can be delivered within
// `flushTimeout` is, the rest is purged and its delivery report spools it.
void KafkaPublisher::Private::destroyProducer(std::chrono::milliseconds flushTimeout) {
    if (!producer)
        return;
    rd_kafka_flush(producer, int(flushTimeout.count()));
    rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    // Purged messages come back through delivery reports, which need polls. Each round waits
    // for at least one report, so this ends as soon as the queue is empty.
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
    while (rd_kafka_outq_len(producer) > 0 && Clock::now() < deadline)
        rd_kafka_poll(producer, 100);
    if (const int left = rd_kafka_outq_len(producer); left > 0)
        qCWarning(lcEvents) << left << "Kafka requests still outstanding at shutdown";
    for (const auto &[name, handle] : topicHandles)
        rd_kafka_topic_destroy(handle);
    topicHandles.clear();
    rd_kafka_destroy(producer);
    producer = nullptr;
}

rd_kafka_resp_err_t KafkaPublisher::Private::produce(PendingMessage *message) {
    const OutgoingEvent &event = message->event;
    char time[27];
    formatRfc3339Micros(event.timeUs, time);
    const MessageParts parts{event.topic.constData(),
                             nullptr,
                             event.key,
                             event.value,
                             event.ceId,
                             event.ceType,
                             event.ceSource,
                             QByteArrayView(time, sizeof time),
                             {}};
    return produce(parts, message);
}

rd_kafka_topic_t *KafkaPublisher::Private::topicHandle(QByteArrayView topic) {
    if (!producer)
        return nullptr;
    // A handful of topics: a scan beats hashing the name.
    for (const auto &[name, handle] : topicHandles) {
        if (name == topic)
            return handle;
    }
    if (topicHandles.size() >= kMaxTopicHandles)
        return nullptr; // produced by name
    rd_kafka_topic_t *handle = rd_kafka_topic_new(producer, topic.data(), nullptr);
    if (handle)
        topicHandles.emplace_back(topic.toByteArray(), handle);
    return handle;
}

rd_kafka_resp_err_t KafkaPublisher::Private::produce(const MessageParts &parts, void *opaque) {
    // Headers cost librdkafka an allocation each (and the list two more), kept until the
    // delivery report and read back, cache-cold, by its broker thread: six of them were about a
    // quarter of the process's CPU per cache hit. Structured mode needs one.
    const bool structured = options.contentMode == CloudEventsMode::Structured;
    rd_kafka_headers_t *headers = rd_kafka_headers_new(structured ? 1 : 6);
    const auto add = [headers](const char *name, std::size_t nameLength, QByteArrayView value) {
        rd_kafka_header_add(headers, name, ssize_t(nameLength), value.data(),
                            ssize_t(value.size()));
    };
    QByteArrayView value = parts.value;
    int flags = 0;
    if (structured) {
        add("content-type", 12, QByteArrayView(CloudEvents::kStructuredContentType));
        if (!parts.envelope.isEmpty()) {
            // Written in place by the batch's writer, alive until the report: no copy.
            value = parts.envelope;
        } else {
            // Not from a batch (publish(), the spool), and any thread may produce: a buffer per
            // thread, copied by librdkafka into the message's own allocation.
            thread_local JsonWriter envelope;
            CloudEvents::writeStructured(
                envelope, parts.ceId, parts.ceType, parts.ceSource, parts.ceTime,
                std::string_view(parts.value.data(), std::size_t(parts.value.size())));
            value = QByteArrayView(envelope.data(), qsizetype(envelope.size()));
            flags = RD_KAFKA_MSG_F_COPY;
        }
    } else {
        add("ce_id", 5, parts.ceId);
        add("ce_type", 7, parts.ceType);
        add("ce_source", 9, parts.ceSource);
        add("ce_time", 7, parts.ceTime);
        add("ce_specversion", 14, QByteArrayView(CloudEvents::kSpecVersion));
        add("content-type", 12, QByteArrayView("application/json", 16));
    }
    // In binary mode no RD_KAFKA_MSG_F_COPY: librdkafka points into the value, which the
    // opaque's owner keeps alive until the delivery report. rd_kafka_produceva, not producev:
    // the RD_KAFKA_V_* macros are GNU statement expressions, which -Wpedantic rejects.
    std::array<rd_kafka_vu_t, 6> fields{};
    if (parts.handle) {
        fields[0].vtype = RD_KAFKA_VTYPE_RKT;
        fields[0].u.rkt = parts.handle;
    } else {
        // librdkafka looks the name up under its handle's write lock, per message.
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = parts.topic;
    }
    fields[1].vtype = RD_KAFKA_VTYPE_KEY;
    fields[1].u.mem.ptr = parts.key.isEmpty() ? nullptr : const_cast<char *>(parts.key.data());
    fields[1].u.mem.size = size_t(parts.key.size());
    fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[2].u.mem.ptr = const_cast<char *>(value.data());
    fields[2].u.mem.size = size_t(value.size());
    fields[3].vtype = RD_KAFKA_VTYPE_HEADERS;
    fields[3].u.headers = headers;
    fields[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
    fields[4].u.ptr = opaque;
    fields[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[5].u.i = flags;
    rd_kafka_error_t *error = rd_kafka_produceva(producer, fields.data(), fields.size());
    if (!error)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    rd_kafka_headers_destroy(headers); // still ours when the message was refused
    return code;
}

bool KafkaPublisher::Private::acquireProducer() {
    // Paired with the background thread, which leaves Running first and then waits for
    // `callers` to drop to zero: both sides use sequentially consistent operations.
    callers.fetch_add(1);
    if (state.load() == State::Running)
        return true;
    callers.fetch_sub(1);
    return false;
}

void KafkaPublisher::Private::waitForCallers() const {
    // A publish() call holds the producer for one produce() call, which never blocks.
    while (callers.load() != 0)
        std::this_thread::yield();
}

void KafkaPublisher::Private::toSpool(const OutgoingEvent &event) {
    QString error;
    if (!spool.append(event, &error)) {
        failed.fetch_add(1, std::memory_order_relaxed);
        if (!spoolRefusing.exchange(true))
            qCWarning(lcEvents) << "events are being lost: cannot spool:" << error;
        return;
    }
    spooled.fetch_add(1, std::memory_order_relaxed);
    backlog.store(true, std::memory_order_release);
    if (spoolRefusing.exchange(false))
        qCInfo(lcEvents) << "the spool accepts events again";
}

void KafkaPublisher::Private::countFailed(const OutgoingEvent &event, const char *why) {
    failed.fetch_add(1, std::memory_order_relaxed);
    qCWarning(lcEvents).nospace() << "event " << event.ceId << " to " << event.topic
                                  << " dropped: " << why;
}

void KafkaPublisher::Private::onDelivery(rd_kafka_t *, const rd_kafka_message_t *message,
                                         void *opaque) {
    auto *self = static_cast<Private *>(opaque);
    if (BatchEventRef *ref = batchEventRef(message->_private)) {
        self->batchEventDelivered(ref, message);
        return;
    }
    auto *pending = static_cast<PendingMessage *>(message->_private);
    if (!message->err) {
        self->delivered.fetch_add(1, std::memory_order_relaxed);
        self->brokersUp.store(true, std::memory_order_relaxed);
        if (pending->fromSpool)
            self->deliveredFromSpool(pending);
    } else {
        const bool maybeWritten =
            rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED;
        if (pending->fromSpool) {
            self->failedFromSpool(pending, message->err, maybeWritten);
        } else if (classify(message->err) == ErrorKind::Permanent) {
            self->countFailed(pending->event, rd_kafka_err2str(message->err));
        } else {
            // NOTE: maybeWritten means the broker may have the event already; spooling it can
            // duplicate it, not spooling it can lose it. At least once: spool it.
            if (maybeWritten)
                self->possiblyPersisted.fetch_add(1, std::memory_order_relaxed);
            self->toSpool(pending->event);
        }
    }
    delete pending;
}

void KafkaPublisher::Private::onError(rd_kafka_t *, int error, const char *reason, void *opaque) {
    auto *self = static_cast<Private *>(opaque);
    switch (rd_kafka_resp_err_t(error)) {
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        if (self->brokersUp.exchange(false))
            qCWarning(lcEvents) << "all Kafka brokers are down:" << reason;
        break;
    case RD_KAFKA_RESP_ERR__FATAL:
        qCWarning(lcEvents) << "Kafka producer fatal error:" << reason;
        self->fatal.store(true);
        break;
    default:
        qCDebug(lcEvents) << "Kafka:" << reason;
        break;
    }
}

void KafkaPublisher::Private::onLog(const rd_kafka_t *, int level, const char *facility,
                                    const char *text) {
    // Connection failures repeat every reconnect while a broker is down; onError reports the
    // state that matters (all brokers down) once.
    if (level <= 2)
        qCWarning(lcEvents).noquote() << "librdkafka" << facility << text;
    else if (level <= 4 && qstrcmp(facility, "FAIL") != 0)
        qCInfo(lcEvents).noquote() << "librdkafka" << facility << text;
    else
        qCDebug(lcEvents).noquote() << "librdkafka" << facility << text;
}

void KafkaPublisher::Private::run() {
    // Named for top, perf and the benchmark's per-thread CPU (15 characters at most).
    pthread_setname_np(pthread_self(), "kafka-publisher");
    while (!stopRequested.load()) {
        produceHandedOver();
        republish();
        commitProgress(false);
        std::chrono::milliseconds wait = kPollInterval;
        if (attemptFailed && outstanding == 0) {
            const auto untilRetry =
                std::chrono::ceil<std::chrono::milliseconds>(retryAt - Clock::now());
            wait = std::clamp(untilRetry, std::chrono::milliseconds(1), kPollInterval);
        }
        // Delivery reports are served every kReportInterval while any are due, not as each
        // arrives: rd_kafka_poll() with a timeout returns for every report, and librdkafka's
        // broker thread queues one per partition of each produce answer, so the two threads
        // took turns hundreds of times a second (624 -> 269 sleeps a second at 22k exchanges/s;
        // the broker thread 5.2 -> 4.8 us per exchange). A handed-over batch, stop() and a
        // publish() during a long sleep wake the thread at once.
        rd_kafka_poll(producer, 0);
        // Raised before the queue is looked at: a publish() that lands after the look sees it.
        sleepingLong.store(true);
        if (rd_kafka_outq_len(producer) > 0) {
            wait = std::min<std::chrono::milliseconds>(wait, kReportInterval);
            sleepingLong.store(false, std::memory_order_relaxed);
        }
        sleepUntilWoken(wait);
        sleepingLong.store(false, std::memory_order_relaxed);
        rd_kafka_poll(producer, 0);
        if (fatal.load() && !recreateProducer())
            break;
    }
    state.store(State::Stopping);
    waitForCallers();
    // No batch can be handed over any more: what was is produced (or spooled) before the flush.
    produceHandedOver();
    destroyProducer(stopTimeout);
    commitProgress(true);
}

// A fatal error leaves the producer unusable: its messages come back through purge reports
// (fresh ones are spooled, the spool's sends rewound) and a new producer takes over.
bool KafkaPublisher::Private::recreateProducer() {
    state.store(State::Recreating);
    waitForCallers();
    destroyProducer(std::chrono::milliseconds(0));
    fatal.store(false);
    QString error;
    if (!createProducer(&error)) {
        qCWarning(lcEvents) << "cannot recreate the Kafka producer; spooling until restarted:"
                            << error;
        return false;
    }
    qCInfo(lcEvents) << "the Kafka producer was recreated after a fatal error";
    state.store(State::Running);
    return true;
}

void KafkaPublisher::Private::deliveredFromSpool(PendingMessage *message) {
    --outstanding;
    outstandingBytes -= message->event.value.size();
    republished.fetch_add(1, std::memory_order_relaxed);
    attempts.erase(keyOf(message->end));
    sends[message->sequence - frontSequence].done = true;
}

void KafkaPublisher::Private::failedFromSpool(PendingMessage *message, rd_kafka_resp_err_t error,
                                              bool maybeWritten) {
    --outstanding;
    outstandingBytes -= message->event.value.size();
    spoolSendFailed(sends[message->sequence - frontSequence], message->event, error, maybeWritten);
}

// A record from the spool was not delivered: either it is given up (counted as failed, and the
// cursor may move past it) or the whole attempt is repeated later from the first record not
// delivered.
void KafkaPublisher::Private::spoolSendFailed(SpoolSend &send, const OutgoingEvent &event,
                                              rd_kafka_resp_err_t error, bool maybeWritten) {
    const ErrorKind kind = classify(error);
    if (kind == ErrorKind::Permanent ||
        (kind == ErrorKind::Other && ++attempts[keyOf(send.end)] >= kMaxAttemptsPerRecord)) {
        countFailed(event, rd_kafka_err2str(error));
        attempts.erase(keyOf(send.end));
        send.done = true;
        return;
    }
    if (maybeWritten)
        possiblyPersisted.fetch_add(1, std::memory_order_relaxed);
    if (!attemptFailed)
        qCInfo(lcEvents) << "re-publishing from the spool failed:" << rd_kafka_err2str(error)
                         << "; trying again later";
    attemptFailed = true;
    retryAt = Clock::now() + options.spoolRetryInterval;
}

void KafkaPublisher::Private::republish() {
    if (state.load() != State::Running)
        return;
    if (attemptFailed) {
        if (outstanding > 0)
            return; // every report of this attempt first
        // Rewind to the first record not delivered; those delivered after it are not re-sent.
        commitProgress(true);
        for (const SpoolSend &send : sends) {
            if (send.done)
                deliveredAhead.insert(keyOf(send.end));
        }
        frontSequence += sends.size();
        sends.clear();
        readPosition = spool.committed();
        readToEnd = false;
        attemptFailed = false;
    }
    if (Clock::now() < retryAt)
        return;
    // While the brokers are down one record probes for their return.
    const int window = brokersUp.load() ? std::max(1, options.spoolInFlight) : 1;
    const int room = window - outstanding;
    const std::int64_t roomBytes = kSpoolInFlightBytes - outstandingBytes;
    if (room <= 0 || roomBytes <= 0)
        return;
    SpoolBatch batch = spool.read(readPosition, room, roomBytes);
    bool all = true;
    for (SpoolRecord &record : batch.records) {
        const std::uint64_t sequence = frontSequence + sends.size();
        if (deliveredAhead.erase(keyOf(record.end))) {
            sends.push_back(SpoolSend{record.end, true});
            readPosition = record.end;
            continue;
        }
        auto *message = new PendingMessage{std::move(record.event), true, sequence, record.end};
        const rd_kafka_resp_err_t error = produce(message);
        if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            delete message; // the queue drains as reports come in: go on next round
            all = false;
            break;
        }
        if (error) {
            sends.push_back(SpoolSend{record.end, false});
            readPosition = record.end;
            spoolSendFailed(sends.back(), message->event, error, false);
            delete message;
            if (attemptFailed) {
                all = false;
                break;
            }
            continue;
        }
        produced.fetch_add(1, std::memory_order_relaxed);
        sends.push_back(SpoolSend{record.end, false});
        ++outstanding;
        outstandingBytes += message->event.value.size();
        readPosition = record.end;
    }
    if (all)
        readPosition = batch.next;
    readToEnd = all && batch.atEnd;
}

void KafkaPublisher::Private::commitProgress(bool force) {
    std::optional<SpoolPosition> target;
    while (!sends.empty() && sends.front().done) {
        target = sends.front().end;
        sends.pop_front();
        ++frontSequence;
    }
    // Nothing read is undelivered: past corrupt stretches too.
    if (sends.empty() && !attemptFailed)
        target = readPosition;
    // The cursor is written (and synced) at most every kCommitInterval, and as soon as the
    // spool is drained: a crash re-sends at most that much.
    const Clock::time_point now = Clock::now();
    const bool drained = sends.empty() && readToEnd;
    if (target && before(spool.committed(), *target) &&
        (force || drained || now - lastCommit >= kCommitInterval)) {
        QString error;
        if (!spool.commit(*target, &error))
            qCWarning(lcEvents) << "cannot commit the spool cursor:" << error;
        lastCommit = now;
    }
    if (sends.empty() && outstanding == 0 && backlog.load() && spool.empty()) {
        backlog.store(false);
        // An event may have been spooled in between: it must not be overtaken.
        if (!spool.empty()) {
            backlog.store(true);
            return;
        }
        queueFullEpisode.store(false);
        qCInfo(lcEvents) << "the spool is drained; events go straight to Kafka again";
    }
}

} // namespace ToolCapture
