#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace ToolCapture {

class TailConsumer;
class TailConsumerPool;

// One Kafka message as read back from a topic.
struct TailMessage {
    QString topic;
    int partition = 0;
    qint64 offset = 0;
    qint64 timestampMs = 0; // the message's timestamp, UTC ms since the epoch
    QByteArray key;
    QByteArray value;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    // The message was a CloudEvent in structured mode (content-type
    // application/cloudevents+json): `headers` and `value` show it as binary mode carries it
    // (the attributes as ce_* headers, the event's data as the value).
    bool structured = false;
};

// Where reading starts, in every partition of the topic.
struct TailStart {
    enum Kind { Beginning, End, Timestamp } kind = End;
    // Timestamp: the first message at or after this time (UTC ms); End where there is none.
    qint64 timestampMs = 0;
};

// Which messages a tail hands on. Both conditions must hold; an empty field matches anything.
struct TailFilter {
    QByteArray key; // exact message key; empty: any
    // A JSON Pointer (RFC 6901) into the message value, e.g. "/response/status" or "/a~1b".
    // The value must be JSON and the pointer must resolve in it; then `jsonValue` must equal the
    // value found: JSON equality when `jsonValue` is JSON text (42, "x", true, {"a":1}), or
    // string equality when the value found is a string equal to `jsonValue` byte for byte (so
    // both `ok` and `"ok"` select {"s":"ok"}). An empty `jsonValue` only asks that the pointer
    // resolves. Empty pointer: any value.
    QByteArray jsonPointer;
    QByteArray jsonValue;

    bool matches(const QByteArray &key, const QByteArray &value) const;
    // False, with the reason, for a malformed pointer (not starting with '/', or a '~' not
    // followed by 0 or 1); such a filter matches nothing.
    bool isValid(QString *error = nullptr) const;
};

// Follows one topic of a Kafka cluster: every partition, assigned by hand (no group membership,
// no offset commits, a consumer group id of its own), from the beginning, the end or a time on,
// filtered, in batches of at most `maxBatch` messages. Lives in the thread that created it, where
// its signals are emitted; the consumer polls in a worker thread of its own.
class TopicTail final : public QObject {
    Q_OBJECT
public:
    explicit TopicTail(QObject *parent = nullptr);
    ~TopicTail() override;

    // Stops a tail already running first. `brokers` is a bootstrap.servers list.
    void start(const QString &brokers, const QString &topic, TailStart from, TailFilter filter,
               int maxBatch = 500);
    // Stops the worker (and waits for it, at most one poll interval); no signal follows.
    void stop();
    bool isRunning() const;

    // Up to `limit` matching messages that exist now, in partition order then offset order: reads
    // every partition from `from` up to its high watermark as of the call, or until `timeout`.
    // Empty with `error` set when the topic is unknown or the brokers cannot be reached; what was
    // read before a timeout is returned without an error. With a `pool`, the consumer is
    // borrowed from it and given back after a fetch that ended normally.
    static std::vector<TailMessage> fetch(const QString &brokers, const QString &topic,
                                          TailStart from, const TailFilter &filter, int limit,
                                          std::chrono::milliseconds timeout,
                                          QString *error = nullptr,
                                          TailConsumerPool *pool = nullptr);

signals:
    // Every partition has its start position: messages produced from now on will be seen.
    void started();
    // Matching messages, in offset order within each partition.
    void batch(const std::vector<ToolCapture::TailMessage> &messages);
    // The topic does not exist, the brokers cannot be reached, or the consumer failed; the tail
    // has stopped.
    void error(const QString &message);

private:
    struct Worker;

    std::shared_ptr<Worker> m_worker;
    quint64 m_generation = 0; // batches posted by an earlier start() are dropped
};

// Kafka consumers kept between TopicTail::fetch() calls. Without it every fetch is a new
// librdkafka instance (its threads, new connections to the brokers, their handshakes) closed
// again at the end: a console reading a topic twice a second would open and close broker
// connections twice a second. A lent consumer gets a new assignment per fetch; its connections
// and metadata stay. Thread-safe. Consumers idle for `idleTimeout` are closed by expire() (or
// by the next take()), at most `maxIdle` wait, and one that has seen every broker down is
// closed instead of kept.
class TailConsumerPool {
public:
    explicit TailConsumerPool(std::chrono::milliseconds idleTimeout = std::chrono::seconds(30),
                              std::size_t maxIdle = 4);
    ~TailConsumerPool(); // closes the idle consumers
    TailConsumerPool(const TailConsumerPool &) = delete;
    TailConsumerPool &operator=(const TailConsumerPool &) = delete;

    void expire();
    std::size_t idleCount() const;
    // Consumers created for fetches since construction.
    quint64 created() const { return m_created.load(); }

private:
    friend class TopicTail;
    struct Idle {
        std::unique_ptr<TailConsumer> consumer;
        std::chrono::steady_clock::time_point since;
    };

    // An idle consumer for `brokers`, or a new one (nullptr with `error` when it cannot be made).
    std::unique_ptr<TailConsumer> take(const QString &brokers, QString *error);
    void giveBack(std::unique_ptr<TailConsumer> consumer);
    std::vector<Idle> takeExpired(std::chrono::steady_clock::time_point now); // under m_mutex

    const std::chrono::milliseconds m_idleTimeout;
    const std::size_t m_maxIdle;
    mutable std::mutex m_mutex;
    std::vector<Idle> m_idle; // oldest first
    std::atomic<quint64> m_created{0};
};

} // namespace ToolCapture
