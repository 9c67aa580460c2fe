#include <backend/redis/redis_client.h>

#include <QHostAddress>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <vector>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcCache, "toolcapture.cache.redis")

// Commands waiting for an answer at most; more are answered Down at once rather than queued
// behind a Redis that does not keep up.
constexpr std::size_t kMaxPending = 4096;

// A pattern for SCAN MATCH that matches `prefix` literally, then anything.
QByteArray globPrefix(QByteArrayView prefix) {
    QByteArray pattern;
    pattern.reserve(prefix.size() + 8);
    for (const char c : prefix) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            pattern.append('\\');
        pattern.append(c);
    }
    pattern.append('*');
    return pattern;
}

} // namespace

struct RedisClient::ScanState {
    QByteArray pattern;
    QByteArray cursor = QByteArrayLiteral("0");
    QByteArray count;
    qint64 removed = 0;
    CountCallback done;
};

RedisClient::RedisClient(Options options, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock) {
    m_timeoutTimer = new QTimer(this);
    m_timeoutTimer->setTimerType(Qt::PreciseTimer);
    connect(m_timeoutTimer, &QTimer::timeout, this, &RedisClient::checkTimeouts);
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &RedisClient::connectNow);
    m_connectTimer = new QTimer(this);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_context && m_link == Link::Connecting) {
            noteFailure(QStringLiteral("did not accept the connection within %1 ms")
                            .arg(m_options.connectTimeout.count()));
            dropConnection(Status::Down);
        } else if (m_context && m_link == Link::Subscribing) {
            noteFailure(QStringLiteral("did not confirm SUBSCRIBE within %1 ms")
                            .arg(m_options.connectTimeout.count()));
            dropConnection(Status::Timeout);
        }
    });
}

RedisClient::~RedisClient() {
    m_started = false; // no reconnection from the callbacks below
    if (m_context) {
        m_context->data = nullptr;
        // Commands still pending are dropped: their callbacks are not called any more.
        redisAsyncFree(m_context);
        m_context = nullptr;
    }
}

void RedisClient::subscribe(const QByteArray &channel, MessageCallback onMessage) {
    if (m_started || channel.isEmpty())
        return;
    m_channel = channel;
    m_onMessage = std::move(onMessage);
    m_subscriptionTimer = new QTimer(this);
    connect(m_subscriptionTimer, &QTimer::timeout, this, &RedisClient::checkSubscription);
}

void RedisClient::start() {
    if (m_started)
        return;
    m_started = true;
    connectNow();
}

bool RedisClient::isConnected() const {
    return m_link == Link::Ready;
}

RedisClient::Stats RedisClient::stats() const {
    Stats stats;
    stats.hits = m_stats.hits;
    stats.misses = m_stats.misses;
    stats.writes = m_stats.writes;
    stats.published = m_stats.published;
    stats.messages = m_stats.messages;
    stats.renewals = m_stats.renewals;
    stats.down = m_stats.down;
    stats.timeouts = m_stats.timeouts;
    stats.errors = m_stats.errors;
    stats.connects = m_stats.connects;
    stats.connected = isConnected();
    QMutexLocker lock(&m_errorMutex);
    stats.lastError = m_lastError;
    return stats;
}

const char *RedisClient::statusName(Status status) {
    switch (status) {
    case Status::Ok:
        return "ok";
    case Status::Missing:
        return "missing";
    case Status::Down:
        return "down";
    case Status::Timeout:
        return "timeout";
    case Status::Error:
        return "error";
    }
    return "error";
}

void RedisClient::connectNow() {
    if (!m_started || m_context)
        return;
    // NOTE: hiredis resolves a host name with a blocking getaddrinfo(): the configuration
    // takes an address, which it does not need to resolve.
    if (QHostAddress(m_options.host).isNull()) {
        qCWarning(lcCache) << "Redis host" << m_options.host << "is not an IP address";
        m_stats.errors++;
        return;
    }
    redisAsyncContext *context =
        redisAsyncConnect(m_options.host.toLatin1().constData(), int(m_options.port));
    if (!context || context->err) {
        noteFailure(QStringLiteral("cannot connect: %1")
                        .arg(QString::fromLocal8Bit(context ? context->errstr : "no memory")));
        if (context)
            redisAsyncFree(context);
        m_stats.errors++;
        scheduleReconnect();
        return;
    }
    m_context = context;
    m_link = Link::Connecting;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = &RedisClient::addRead;
    context->ev.delRead = &RedisClient::delRead;
    context->ev.addWrite = &RedisClient::addWrite;
    context->ev.delWrite = &RedisClient::delWrite;
    context->ev.cleanup = &RedisClient::cleanup;
    redisAsyncSetConnectCallback(context, &RedisClient::connectTrampoline);
    redisAsyncSetDisconnectCallback(context, &RedisClient::disconnectTrampoline);
    m_connectTimer->start(m_options.connectTimeout);
    // Sent first, so answered before anything else: the connection is ready once both are
    // accepted, and a refusal drops it.
    m_handshakeLeft = 0;
    if (!m_options.password.isEmpty()) {
        ++m_handshakeLeft;
        command(
            {QByteArrayView("AUTH"), m_options.password},
            [this](Status status, redisReply *reply) { onHandshakeReply("AUTH", status, reply); });
    }
    if (m_options.database != 0) {
        ++m_handshakeLeft;
        command({QByteArrayView("SELECT"), QByteArray::number(m_options.database)},
                [this](Status status, redisReply *reply) {
                    onHandshakeReply("SELECT", status, reply);
                });
    }
}

void RedisClient::onHandshakeReply(QByteArrayView command, Status status, redisReply *reply) {
    if (m_dropReason)
        return; // the connection is being dropped (an earlier command was refused)
    if (status == Status::Ok) {
        if (--m_handshakeLeft == 0 && m_link == Link::Handshake)
            isSubscriber() ? sendSubscribe() : becomeReady();
        return;
    }
    if (status == Status::Error && !reply)
        return; // the connection broke: onDisconnected() follows
    const QString why =
        status == Status::Error
            ? QString::fromUtf8(QByteArrayView(reply->str, qsizetype(reply->len)))
            : QStringLiteral("no answer within %1 ms").arg(m_options.commandTimeout.count());
    noteFailure(QStringLiteral("refused %1: %2").arg(QLatin1String(command), why));
    dropConnection(status);
}

void RedisClient::becomeReady() {
    m_link = Link::Ready;
    m_backoff = std::chrono::milliseconds(0);
    m_stats.connects++;
    {
        QMutexLocker lock(&m_errorMutex);
        m_lastError.clear();
    }
    if (isSubscriber()) {
        say(QtInfoMsg, QStringLiteral("Redis connected at %1:%2, subscribed to %3")
                           .arg(m_options.host)
                           .arg(m_options.port)
                           .arg(QString::fromUtf8(m_channel)));
        m_renewalUnanswered = false;
        m_subscriptionTimer->start(m_options.subscriptionCheck);
    } else {
        say(QtInfoMsg,
            QStringLiteral("Redis connected at %1:%2").arg(m_options.host).arg(m_options.port));
    }
    emit connectedChanged(true);
}

void RedisClient::sendSubscribe() {
    if (!m_context)
        return;
    if (m_link == Link::Handshake) {
        m_link = Link::Subscribing;
        m_connectTimer->start(m_options.connectTimeout);
    }
    const char *argv[] = {"SUBSCRIBE", m_channel.constData()};
    const size_t argvlen[] = {9, size_t(m_channel.size())};
    // NOTE: not a Pending command: hiredis keeps a subscription's callback apart from the
    // replies' queue and calls it for the confirmation and for every message.
    if (redisAsyncCommandArgv(m_context, &RedisClient::subscribeTrampoline, nullptr, 2, argv,
                              argvlen) != REDIS_OK) {
        m_stats.errors++;
        noteFailure(QStringLiteral("cannot send SUBSCRIBE"));
        dropConnection(Status::Error);
    }
}

void RedisClient::onSubscription(redisReply *reply) {
    if (!reply || m_dropReason)
        return; // the connection went away (onDisconnected() follows) or is being dropped
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return;
    const QByteArrayView kind(reply->element[0]->str, qsizetype(reply->element[0]->len));
    if (kind == "subscribe") {
        if (m_link == Link::Subscribing) {
            m_connectTimer->stop();
            becomeReady();
        } else {
            m_renewalUnanswered = false;
            m_stats.renewals++;
        }
    } else if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
        m_stats.messages++;
        if (m_onMessage)
            m_onMessage(QByteArray(reply->element[2]->str, qsizetype(reply->element[2]->len)));
    }
}

void RedisClient::checkSubscription() {
    if (m_link != Link::Ready)
        return;
    if (m_renewalUnanswered) {
        // Nothing comes on an idle subscription: without the renewal, a Redis that stopped
        // answering (paused, the network gone without a reset) would look subscribed forever
        // while its messages were lost.
        say(QtWarningMsg,
            QStringLiteral("Redis at %1:%2 did not confirm the subscription to %3 within %4 ms; "
                           "reconnecting")
                .arg(m_options.host)
                .arg(m_options.port)
                .arg(QString::fromUtf8(m_channel))
                .arg(m_options.subscriptionCheck.count()));
        dropConnection(Status::Timeout);
        return;
    }
    m_renewalUnanswered = true;
    sendSubscribe();
}

void RedisClient::noteFailure(const QString &error) {
    {
        QMutexLocker lock(&m_errorMutex);
        if (m_lastError == error) {
            lock.unlock();
            qCDebug(lcCache).nospace().noquote()
                << "Redis at " << m_options.host << ':' << m_options.port << ": " << error;
            return;
        }
        m_lastError = error;
    }
    say(QtWarningMsg,
        QStringLiteral("Redis at %1:%2 %3; %4 until it connects (retrying, at most every %5 ms)")
            .arg(m_options.host)
            .arg(m_options.port)
            .arg(error, isSubscriber()
                            ? QStringLiteral("invalidations from the other proxies are not "
                                             "received")
                            : QStringLiteral("the shared cache tier is a miss"))
            .arg(m_options.reconnectMax.count()));
}

bool RedisLogGate::pass(const QString &message) {
    QMutexLocker lock(&m_mutex);
    if (m_last == message)
        return false;
    m_last = message;
    return true;
}

void RedisClient::say(QtMsgType type, const QString &message) {
    if (m_options.logGate && !m_options.logGate->pass(message)) {
        qCDebug(lcCache).noquote() << message;
        return;
    }
    if (type == QtWarningMsg)
        qCWarning(lcCache).noquote() << message;
    else
        qCInfo(lcCache).noquote() << message;
}

void RedisClient::scheduleReconnect() {
    if (!m_started || m_reconnectTimer->isActive())
        return;
    m_backoff = m_backoff.count() == 0 ? m_options.reconnectMin
                                       : std::min(m_backoff * 2, m_options.reconnectMax);
    m_reconnectTimer->start(m_backoff);
}

void RedisClient::dropConnection(Status reason) {
    if (!m_context)
        return;
    redisAsyncContext *context = m_context;
    // The pending commands' callbacks run inside redisAsyncFree() (or, when called from a
    // callback, right after it) with no reply: they are answered `reason`.
    m_dropReason = reason;
    redisAsyncFree(context);
}

void RedisClient::command(std::initializer_list<QByteArrayView> args,
                          std::function<void(Status, redisReply *)> handler) {
    command(std::vector<QByteArrayView>(args), std::move(handler));
}

void RedisClient::command(const std::vector<QByteArrayView> &args,
                          std::function<void(Status, redisReply *)> handler) {
    // Before the connection is up only AUTH and SELECT are sent (the public calls answer Down
    // while not connected): hiredis queues them until the socket is writable. A subscriber
    // sends nothing else.
    const bool subscribed =
        isSubscriber() && (m_link == Link::Subscribing || m_link == Link::Ready);
    if (!m_context || subscribed || m_pending.size() >= kMaxPending) {
        m_stats.down++;
        handler(Status::Down, nullptr);
        return;
    }
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    argv.reserve(args.size());
    argvlen.reserve(args.size());
    for (QByteArrayView arg : args) {
        argv.push_back(arg.data());
        argvlen.push_back(size_t(arg.size()));
    }
    if (redisAsyncCommandArgv(m_context, &RedisClient::replyTrampoline, this, int(argv.size()),
                              argv.data(), argvlen.data()) != REDIS_OK) {
        m_stats.errors++;
        handler(Status::Error, nullptr);
        return;
    }
    m_pending.push_back(Pending{m_clock.now() + m_options.commandTimeout, std::move(handler)});
    armTimeoutTimer();
}

void RedisClient::get(QByteArrayView key, ValueCallback done) {
    if (!isConnected()) {
        m_stats.down++;
        done(Status::Down, {});
        return;
    }
    command({QByteArrayView("GET"), key},
            [this, done = std::move(done)](Status status, redisReply *reply) {
                if (status == Status::Ok && reply->type == REDIS_REPLY_STRING) {
                    m_stats.hits++;
                    done(Status::Ok, QByteArray(reply->str, qsizetype(reply->len)));
                } else if (status == Status::Ok) {
                    m_stats.misses++;
                    done(Status::Missing, {});
                } else {
                    done(status, {});
                }
            });
}

void RedisClient::set(QByteArrayView key, QByteArrayView value, std::chrono::milliseconds ttl,
                      DoneCallback done) {
    const auto handler = [this, done = std::move(done)](Status status, redisReply *) {
        if (status == Status::Ok)
            m_stats.writes++;
        if (done)
            done(status);
    };
    if (!isConnected()) {
        m_stats.down++;
        handler(Status::Down, nullptr);
        return;
    }
    if (ttl.count() > 0)
        command({QByteArrayView("SET"), key, value, QByteArrayView("PX"),
                 QByteArray::number(qint64(ttl.count()))},
                handler);
    else
        command({QByteArrayView("SET"), key, value}, handler);
}

void RedisClient::remove(QByteArrayView key, CountCallback done) {
    countingCommand({QByteArrayView("UNLINK"), key}, &Counters::writes, std::move(done));
}

void RedisClient::publish(QByteArrayView channel, QByteArrayView message, CountCallback done) {
    countingCommand({QByteArrayView("PUBLISH"), channel, message}, &Counters::published,
                    std::move(done));
}

void RedisClient::countingCommand(std::initializer_list<QByteArrayView> args,
                                  std::atomic<std::uint64_t> Counters::*onSuccess,
                                  CountCallback done) {
    const auto handler = [this, onSuccess, done = std::move(done)](Status status,
                                                                   redisReply *reply) {
        if (status == Status::Ok)
            (m_stats.*onSuccess)++;
        if (done)
            done(status, status == Status::Ok && reply && reply->type == REDIS_REPLY_INTEGER
                             ? qint64(reply->integer)
                             : 0);
    };
    if (!isConnected()) {
        m_stats.down++;
        handler(Status::Down, nullptr);
        return;
    }
    command(args, handler);
}

void RedisClient::removePrefix(QByteArrayView prefix, CountCallback done, int batch) {
    if (!isConnected()) {
        m_stats.down++;
        done(Status::Down, 0);
        return;
    }
    auto state = std::make_shared<ScanState>();
    state->pattern = globPrefix(prefix);
    state->count = QByteArray::number(std::max(1, batch));
    state->done = std::move(done);
    scanRound(std::move(state));
}

void RedisClient::scanRound(std::shared_ptr<ScanState> state) {
    command({QByteArrayView("SCAN"), state->cursor, QByteArrayView("MATCH"), state->pattern,
             QByteArrayView("COUNT"), state->count},
            [this, state](Status status, redisReply *reply) {
                if (status != Status::Ok || reply->type != REDIS_REPLY_ARRAY ||
                    reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_STRING ||
                    reply->element[1]->type != REDIS_REPLY_ARRAY) {
                    state->done(status == Status::Ok ? Status::Error : status, state->removed);
                    return;
                }
                state->cursor =
                    QByteArray(reply->element[0]->str, qsizetype(reply->element[0]->len));
                const redisReply *keys = reply->element[1];
                const bool last = state->cursor == "0";
                if (keys->elements == 0) {
                    if (last)
                        state->done(Status::Ok, state->removed);
                    else
                        scanRound(state);
                    return;
                }
                std::vector<QByteArray> owned; // the reply is freed when this returns
                owned.reserve(keys->elements);
                std::vector<QByteArrayView> args{QByteArrayView("UNLINK")};
                for (size_t i = 0; i < keys->elements; ++i) {
                    owned.emplace_back(keys->element[i]->str, qsizetype(keys->element[i]->len));
                    args.push_back(owned.back());
                }
                command(args, [this, state, last](Status unlinked, redisReply *count) {
                    if (unlinked != Status::Ok) {
                        state->done(unlinked, state->removed);
                        return;
                    }
                    if (count->type == REDIS_REPLY_INTEGER)
                        state->removed += count->integer;
                    if (last)
                        state->done(Status::Ok, state->removed);
                    else
                        scanRound(state);
                });
            });
}

void RedisClient::onReply(redisReply *reply) {
    if (m_pending.empty())
        return;
    Pending pending = std::move(m_pending.front());
    m_pending.pop_front();
    if (m_pending.empty())
        m_timeoutTimer->stop();
    if (!pending.handler)
        return; // answered Timeout already
    if (!reply) {
        // The connection went away with the command unanswered.
        const Status status = m_dropReason.value_or(Status::Error);
        if (status == Status::Error)
            m_stats.errors++;
        pending.handler(status, nullptr);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        m_stats.errors++;
        qCDebug(lcCache) << "Redis error:" << QByteArrayView(reply->str, qsizetype(reply->len));
        pending.handler(Status::Error, reply);
        return;
    }
    pending.handler(Status::Ok, reply);
}

void RedisClient::onConnected(int status) {
    m_connectTimer->stop();
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback; the pending commands were answered.
        noteFailure(QStringLiteral("cannot connect: %1")
                        .arg(QString::fromLocal8Bit(m_context ? m_context->errstr : "")));
        m_context = nullptr;
        m_link = Link::Idle;
        m_stats.errors++;
        scheduleReconnect();
        return;
    }
    // NOTE: not "connected" yet while AUTH or SELECT wait for their answer: a Redis that
    // refuses them would otherwise be announced, and the backoff reset, on every attempt.
    m_link = Link::Handshake;
    if (m_handshakeLeft == 0)
        isSubscriber() ? sendSubscribe() : becomeReady();
}

void RedisClient::onDisconnected(const QString &refusal) {
    // hiredis frees the context after this callback.
    const bool wasConnected = m_link == Link::Ready;
    const bool subscription =
        isSubscriber() && (m_link == Link::Subscribing || m_link == Link::Ready);
    m_context = nullptr;
    m_link = Link::Idle;
    m_dropReason.reset();
    m_connectTimer->stop();
    if (m_subscriptionTimer)
        m_subscriptionTimer->stop();
    if (!refusal.isEmpty()) {
        // Redis said why (an ACL without SUBSCRIBE, say): logged once, kept for the admin API.
        noteFailure(subscription ? QStringLiteral("refused SUBSCRIBE: %1").arg(refusal)
                                 : QStringLiteral("closed the connection: %1").arg(refusal));
    } else if (wasConnected) {
        say(QtWarningMsg,
            QStringLiteral("Redis at %1:%2 went away; %3 until it is back")
                .arg(m_options.host)
                .arg(m_options.port)
                .arg(isSubscriber()
                         ? QStringLiteral("invalidations from the other proxies are lost")
                         : QStringLiteral("the shared cache tier is a miss")));
        QMutexLocker lock(&m_errorMutex);
        m_lastError = QStringLiteral("went away");
    }
    if (wasConnected)
        emit connectedChanged(false);
    scheduleReconnect();
}

void RedisClient::armTimeoutTimer() {
    if (m_timeoutTimer->isActive())
        return;
    // Coarse on purpose: a timeout is answered within a quarter of the timeout after it is due.
    const auto interval = std::max(std::chrono::milliseconds(2), m_options.commandTimeout / 4);
    m_timeoutTimer->start(interval);
}

void RedisClient::checkTimeouts() {
    const auto now = m_clock.now();
    bool stuck = false;
    for (Pending &pending : m_pending) {
        if (pending.deadline > now)
            break;
        if (pending.handler) {
            m_stats.timeouts++;
            auto handler = std::move(pending.handler);
            pending.handler = nullptr;
            handler(Status::Timeout, nullptr);
        } else if (now - pending.deadline > 3 * m_options.commandTimeout) {
            // Long past its timeout and still no answer: the server is stuck (or the network
            // is). A new connection is better than a pipeline that keeps growing.
            stuck = true;
            break;
        }
    }
    if (stuck) {
        say(QtWarningMsg, QStringLiteral("Redis at %1:%2 does not answer; reconnecting")
                              .arg(m_options.host)
                              .arg(m_options.port));
        dropConnection(Status::Timeout);
    }
    if (m_pending.empty())
        m_timeoutTimer->stop();
}

void RedisClient::replyTrampoline(redisAsyncContext *context, void *reply, void *) {
    if (auto *self = static_cast<RedisClient *>(context->data))
        self->onReply(static_cast<redisReply *>(reply));
}

void RedisClient::subscribeTrampoline(redisAsyncContext *context, void *reply, void *) {
    if (auto *self = static_cast<RedisClient *>(context->data))
        self->onSubscription(static_cast<redisReply *>(reply));
}

void RedisClient::connectTrampoline(const redisAsyncContext *context, int status) {
    if (auto *self = static_cast<RedisClient *>(context->data))
        self->onConnected(status);
}

void RedisClient::disconnectTrampoline(const redisAsyncContext *context, int) {
    auto *self = static_cast<RedisClient *>(context->data);
    if (!self)
        return;
    // hiredis drops the connection over an error reply nothing waited for, with Redis's text
    // as the context's error (REDIS_ERR_OTHER); I/O errors and our own drops are not that.
    const bool refused = context->err == REDIS_ERR_OTHER && context->errstr;
    self->onDisconnected(refused ? QString::fromUtf8(context->errstr) : QString());
}

// The event hooks hiredis calls: socket notifiers on this object's thread.
void RedisClient::watch(QSocketNotifier *&notifier, QSocketNotifier::Type type) {
    if (notifier)
        return;
    notifier = new QSocketNotifier(m_context->c.fd, type, this);
    connect(notifier, &QSocketNotifier::activated, this, [this, type] {
        if (!m_context)
            return;
        if (type == QSocketNotifier::Read)
            redisAsyncHandleRead(m_context);
        else
            redisAsyncHandleWrite(m_context);
    });
}

void RedisClient::unwatch(QSocketNotifier *&notifier) {
    if (!notifier)
        return;
    // Possibly inside the notifier's own signal: disabled now, deleted later.
    notifier->setEnabled(false);
    notifier->deleteLater();
    notifier = nullptr;
}

void RedisClient::addRead(void *data) {
    if (auto *self = static_cast<RedisClient *>(data))
        self->watch(self->m_read, QSocketNotifier::Read);
}

void RedisClient::delRead(void *data) {
    if (auto *self = static_cast<RedisClient *>(data))
        self->unwatch(self->m_read);
}

void RedisClient::addWrite(void *data) {
    if (auto *self = static_cast<RedisClient *>(data))
        self->watch(self->m_write, QSocketNotifier::Write);
}

void RedisClient::delWrite(void *data) {
    if (auto *self = static_cast<RedisClient *>(data))
        self->unwatch(self->m_write);
}

void RedisClient::cleanup(void *data) {
    delRead(data);
    delWrite(data);
}

} // namespace ToolCapture
