#pragma once

#include <backend/core/clock.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QMutex>
#include <QObject>
#include <QSocketNotifier>
#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

struct redisAsyncContext;
struct redisReply;
class QTimer;

namespace ToolCapture {

// A Redis connection for the response cache's shared tier: asynchronous (hiredis's async API on
// the owning thread's event loop, so it never blocks a proxy worker), every command bounded by
// a timeout, and a Redis that is down, slow or gone is an answer (Down, Timeout, Error) and a
// counter, never a wait. It reconnects by itself, with backoff, and logs a change of state (up,
// gone, refused and why), not every attempt.
// A client made a subscriber (subscribe() before start()) sends no commands: it holds one
// SUBSCRIBE and hands each message on, and is connected only while Redis confirms it.
// Lives in the thread that created it (a proxy worker's, or any thread with an event loop);
// every method but stats() is called from that thread, and every callback runs on it.
// Clients that share a gate (a proxy's workers, one client each, all to the same Redis) log a
// change of state once, by the first of them to see it, instead of once per worker; the others
// log it at debug level. Any thread.
class RedisLogGate {
public:
    // True when `message` differs from the last one let through.
    bool pass(const QString &message);

private:
    QMutex m_mutex;
    QString m_last;
};

class RedisClient : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 6379;
        int database = 0;
        QByteArray password; // AUTH when not empty
        std::chrono::milliseconds connectTimeout{200};
        std::chrono::milliseconds commandTimeout{50};
        // Waits between reconnection attempts, doubling from min to max.
        std::chrono::milliseconds reconnectMin{100};
        std::chrono::milliseconds reconnectMax{5000};
        // Shared by clients whose changes of state are logged once between them; none: this
        // client logs its own.
        std::shared_ptr<RedisLogGate> logGate;
        // A subscriber renews its SUBSCRIBE this often; one not confirmed by the next renewal
        // means a Redis that stopped answering (an idle subscription would not notice).
        std::chrono::milliseconds subscriptionCheck{2000};
    };

    enum class Status {
        Ok,      // the command succeeded (for get(): a value)
        Missing, // get(): no such key
        Down,    // not connected: not sent
        Timeout, // sent, no answer within commandTimeout
        Error,   // Redis answered with an error, or the connection broke
    };

    struct Stats {
        std::uint64_t hits = 0;      // get() found a value
        std::uint64_t misses = 0;    // get() found no key
        std::uint64_t writes = 0;    // set()/remove() acknowledged
        std::uint64_t published = 0; // publish() acknowledged
        std::uint64_t messages = 0;  // a subscriber: messages received on its channel
        std::uint64_t renewals = 0;  // ... renewals of its subscription Redis confirmed
        std::uint64_t down = 0;      // commands not sent: not connected
        std::uint64_t timeouts = 0;  // commands without an answer in time
        std::uint64_t errors = 0;    // error replies and broken connections
        std::uint64_t connects = 0;  // connections made ready (AUTH and SELECT accepted; for a
                                     // subscriber, its SUBSCRIBE confirmed)
        bool connected = false;
        // Why the client is not connected, or last was not: Redis's own error text for a
        // refused AUTH or SELECT, or the connection's failure. Empty once connected.
        QString lastError;

        // Still on its first connection attempt: never ready, and no failure yet. Reported as
        // "starting", not "down", so that a proxy's first moments raise no alarm.
        bool firstAttemptPending() const {
            return !connected && connects == 0 && lastError.isEmpty();
        }
    };

    using ValueCallback = std::function<void(Status, const QByteArray &value)>;
    using DoneCallback = std::function<void(Status)>;
    using CountCallback = std::function<void(Status, qint64 count)>;
    using MessageCallback = std::function<void(const QByteArray &message)>;

    // Command deadlines are read on `clock` (which must outlive the client): a worker passes its
    // own, tests a manual one.
    explicit RedisClient(Options options, const Clock &clock = SteadyClock::instance(),
                         QObject *parent = nullptr);
    // Commands still waiting for an answer are dropped: their callbacks are not called.
    ~RedisClient() override;
    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    // Makes this client a subscriber to `channel` (before start()): once AUTH and SELECT are
    // accepted it SUBSCRIBEs, and is connected (connectedChanged(true)) when Redis confirms the
    // subscription, on every connection. `onMessage` gets each message's payload. Its commands
    // (get(), set()...) answer Down.
    void subscribe(const QByteArray &channel, MessageCallback onMessage);
    bool isSubscriber() const { return !m_channel.isEmpty(); }
    // Starts connecting (and keeps reconnecting while not connected).
    void start();
    // Connected, and AUTH and SELECT accepted: commands are sent.
    bool isConnected() const;
    const Options &options() const { return m_options; }
    // Any thread (the engine sums the workers' clients for /metrics).
    Stats stats() const;
    // The wait before the next connection attempt, or the last one made (zero once connected):
    // from reconnectMin, doubling up to reconnectMax while attempts fail or are refused.
    std::chrono::milliseconds reconnectDelay() const { return m_backoff; }
    static const char *statusName(Status status);

    // GET key. The callback runs exactly once, possibly before get() returns (Down).
    void get(QByteArrayView key, ValueCallback done);
    // SET key value PX ttl (ttl <= 0: no expiry).
    void set(QByteArrayView key, QByteArrayView value, std::chrono::milliseconds ttl,
             DoneCallback done = {});
    // UNLINK key; the count removed (0 or 1).
    void remove(QByteArrayView key, CountCallback done = {});
    // PUBLISH channel message; the count of subscribers that received it.
    void publish(QByteArrayView channel, QByteArrayView message, CountCallback done = {});
    // Every key starting with `prefix` unlinked (SCAN MATCH, in rounds of at most `batch` keys,
    // so that Redis is never blocked on a large keyspace); the count removed.
    void removePrefix(QByteArrayView prefix, CountCallback done, int batch = 500);

    // Answers Timeout to every command whose deadline has passed by the clock (a timer calls
    // this every quarter of the command timeout while commands wait), and gives up a
    // connection whose oldest command is three timeouts past due.
    void checkTimeouts();

signals:
    // True once AUTH and SELECT are accepted (not when the socket connects; for a subscriber,
    // once its SUBSCRIBE is confirmed), false when a connection that was ready is lost.
    void connectedChanged(bool connected);

private:
    // Where the connection is. Connecting: the socket is being opened (AUTH and SELECT are
    // queued behind it); Handshake: connected, AUTH and SELECT not answered yet; Ready: both
    // accepted, commands are sent. A subscriber goes from Handshake to Subscribing (SUBSCRIBE
    // sent, not confirmed yet), then Ready.
    enum class Link { Idle, Connecting, Handshake, Subscribing, Ready };
    // The counters, written on the client's thread and read by stats() on any.
    struct Counters {
        std::atomic<std::uint64_t> hits{0};
        std::atomic<std::uint64_t> misses{0};
        std::atomic<std::uint64_t> writes{0};
        std::atomic<std::uint64_t> published{0};
        std::atomic<std::uint64_t> messages{0};
        std::atomic<std::uint64_t> renewals{0};
        std::atomic<std::uint64_t> down{0};
        std::atomic<std::uint64_t> timeouts{0};
        std::atomic<std::uint64_t> errors{0};
        std::atomic<std::uint64_t> connects{0};
    };

    struct Pending {
        Clock::time_point deadline;
        std::function<void(Status, redisReply *)> handler; // empty once answered (timed out)
    };
    struct ScanState;

    void connectNow();
    void scheduleReconnect();
    void dropConnection(Status reason);
    // Sends a command; `handler` runs once with the outcome (and the reply when Ok or Error).
    void command(std::initializer_list<QByteArrayView> args,
                 std::function<void(Status, redisReply *)> handler);
    void command(const std::vector<QByteArrayView> &args,
                 std::function<void(Status, redisReply *)> handler);
    // A command answered with a count (UNLINK, PUBLISH): `onSuccess` counts it when it
    // succeeds; Down at once when not connected.
    void countingCommand(std::initializer_list<QByteArrayView> args,
                         std::atomic<std::uint64_t> Counters::*onSuccess, CountCallback done);
    void onReply(redisReply *reply);
    void onConnected(int status);
    // `refusal`: Redis's text when hiredis dropped the connection over an error reply that no
    // command waited for (a refused SUBSCRIBE: a subscription's replies are not queued).
    void onDisconnected(const QString &refusal);
    void onHandshakeReply(QByteArrayView command, Status status, redisReply *reply);
    void becomeReady();
    // A subscriber's SUBSCRIBE (at the end of the handshake, and again on every check).
    void sendSubscribe();
    void onSubscription(redisReply *reply);
    void checkSubscription();
    // Records why the client is not connected; logs it (a warning) only when it differs from
    // the last reason, so that a Redis refusing every attempt is one line, not one per attempt.
    void noteFailure(const QString &error);
    // A change of state, at `type`'s level unless another client sharing the gate logged it.
    void say(QtMsgType type, const QString &message);
    void armTimeoutTimer();
    void scanRound(std::shared_ptr<ScanState> state);

    static void replyTrampoline(redisAsyncContext *context, void *reply, void *privdata);
    static void connectTrampoline(const redisAsyncContext *context, int status);
    static void disconnectTrampoline(const redisAsyncContext *context, int status);
    static void subscribeTrampoline(redisAsyncContext *context, void *reply, void *privdata);
    void watch(QSocketNotifier *&notifier, QSocketNotifier::Type type);
    void unwatch(QSocketNotifier *&notifier);
    static void addRead(void *data);
    static void delRead(void *data);
    static void addWrite(void *data);
    static void delWrite(void *data);
    static void cleanup(void *data);

    Options m_options;
    const Clock &m_clock;
    redisAsyncContext *m_context = nullptr;
    std::atomic<Link> m_link{Link::Idle};
    int m_handshakeLeft = 0; // AUTH and SELECT not answered yet
    bool m_started = false;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    QTimer *m_timeoutTimer = nullptr;
    QTimer *m_reconnectTimer = nullptr;
    QTimer *m_connectTimer = nullptr;
    QByteArray m_channel; // a subscriber's channel; empty for a client that sends commands
    MessageCallback m_onMessage;
    QTimer *m_subscriptionTimer = nullptr; // a subscriber's renewals, while Ready
    bool m_renewalUnanswered = false;      // ... the last one not confirmed yet
    std::chrono::milliseconds m_backoff{0};
    std::deque<Pending> m_pending; // in the order sent: Redis answers in that order
    // Set while we drop the connection ourselves: what its unanswered commands are answered.
    std::optional<Status> m_dropReason;
    Counters m_stats;
    mutable QMutex m_errorMutex;
    QString m_lastError; // guarded by m_errorMutex
};

} // namespace ToolCapture
