#include <backend/redis/redis_client.h>
#include <tests/support/manual_clock.h>
#include <tests/support/redis_server.h>

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <optional>

using namespace ToolCapture;
using namespace std::chrono_literals;
using Status = RedisClient::Status;

// RedisClient against a real redis-server: what it stores and finds, and that a Redis that is
// missing, stuck or killed is an answer and a counter, never a wait or an error to the caller.
class TestRedisClient : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void setGetRemove();
    void valuesAreBinarySafe_data();
    void valuesAreBinarySafe();
    void ttlExpires();
    void manyInFlightAnswerInOrder();
    void removePrefix_data();
    void removePrefix();
    void noServerIsDownAtOnce();
    void stuckServerTimesOutThenRecovers();
    void killedServerIsDownThenReconnects();
    void handshake_data();
    void handshake();
    void subscriberReceivesWhatIsPublished_data();
    void subscriberReceivesWhatIsPublished();
    void subscriberSubscribesAgainAfterAKill();
    void subscriberNoticesAStuckServer();
    void firstAttemptPendingUntilItEnds_data();
    void firstAttemptPendingUntilItEnds();
    void refusedSubscriptionSaysWhy();
    void sharedGateLogsAChangeOnce();

private:
    std::unique_ptr<RedisClient> connectedClient(RedisClient::Options options = {},
                                                 const Clock &clock = SteadyClock::instance());
    RedisServer m_server;
};

namespace {

struct Result {
    std::optional<Status> status;
    QByteArray value;
    qint64 count = 0;
};

Status getNow(RedisClient &client, QByteArrayView key, QByteArray *value = nullptr) {
    Result result;
    client.get(key, [&](Status status, const QByteArray &v) {
        result.status = status;
        result.value = v;
    });
    if (!QTest::qWaitFor([&] { return result.status.has_value(); }, 5000))
        return Status::Error;
    if (value)
        *value = result.value;
    return *result.status;
}

Status setNow(RedisClient &client, QByteArrayView key, QByteArrayView value,
              std::chrono::milliseconds ttl = 0ms) {
    std::optional<Status> done;
    client.set(key, value, ttl, [&](Status status) { done = status; });
    if (!QTest::qWaitFor([&] { return done.has_value(); }, 5000))
        return Status::Error;
    return *done;
}

} // namespace

void TestRedisClient::initTestCase() {
    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
}

std::unique_ptr<RedisClient> TestRedisClient::connectedClient(RedisClient::Options options,
                                                              const Clock &clock) {
    options.port = m_server.port();
    auto client = std::make_unique<RedisClient>(options, clock);
    QSignalSpy connected(client.get(), &RedisClient::connectedChanged);
    client->start();
    if (!client->isConnected() && !connected.wait(5000))
        return nullptr;
    return client;
}

void TestRedisClient::setGetRemove() {
    auto client = connectedClient();
    QVERIFY(client);
    QCOMPARE(setNow(*client, "tc:test:a", "alpha"), Status::Ok);
    QByteArray value;
    QCOMPARE(getNow(*client, "tc:test:a", &value), Status::Ok);
    QCOMPARE(value, QByteArray("alpha"));
    QCOMPARE(getNow(*client, "tc:test:missing"), Status::Missing);

    std::optional<Status> removed;
    qint64 count = -1;
    client->remove("tc:test:a", [&](Status status, qint64 n) {
        removed = status;
        count = n;
    });
    QTRY_VERIFY(removed.has_value());
    QCOMPARE(*removed, Status::Ok);
    QCOMPARE(count, qint64(1));
    QCOMPARE(getNow(*client, "tc:test:a"), Status::Missing);

    const RedisClient::Stats stats = client->stats();
    QCOMPARE(stats.hits, std::uint64_t(1));
    QCOMPARE(stats.misses, std::uint64_t(2));
    QCOMPARE(stats.writes, std::uint64_t(2));
    QCOMPARE(stats.errors, std::uint64_t(0));
    QCOMPARE(stats.connects, std::uint64_t(1));
    QVERIFY(stats.connected);
}

void TestRedisClient::valuesAreBinarySafe_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("NUL and CRLF") << QByteArray("a\0b\r\nc\r\n", 8);
    QTest::newRow("every byte") << [] {
        QByteArray all;
        for (int i = 0; i < 256; ++i)
            all.append(char(i));
        return all;
    }();
    QTest::newRow("1 MiB") << QByteArray(1 << 20, 'x');
}

void TestRedisClient::valuesAreBinarySafe() {
    QFETCH(QByteArray, value);
    RedisClient::Options options;
    options.commandTimeout = 5s; // the point is the bytes, not the time a busy machine takes
    auto client = connectedClient(options);
    QVERIFY(client);
    const QByteArray key = "tc:test:binary:" + QByteArray(QTest::currentDataTag());
    QCOMPARE(setNow(*client, key, value), Status::Ok);
    QByteArray read;
    QCOMPARE(getNow(*client, key, &read), Status::Ok);
    QCOMPARE(read, value);
}

void TestRedisClient::ttlExpires() {
    auto client = connectedClient();
    QVERIFY(client);
    QCOMPARE(setNow(*client, "tc:test:ttl", "short", 100ms), Status::Ok);
    QCOMPARE(setNow(*client, "tc:test:no-ttl", "long"), Status::Ok);
    // Redis expires the key; the client sees it gone.
    QTRY_COMPARE_WITH_TIMEOUT(getNow(*client, "tc:test:ttl"), Status::Missing, 5000);
    QCOMPARE(getNow(*client, "tc:test:no-ttl"), Status::Ok);
}

void TestRedisClient::manyInFlightAnswerInOrder() {
    // The point is the order of 4,000 pipelined answers, not the time they take: a command's
    // deadline runs from when it is queued, and under the sanitizers the last of them waits
    // longer than the default 50 ms behind the others.
    RedisClient::Options options;
    options.commandTimeout = 10s;
    auto client = connectedClient(options);
    QVERIFY(client);
    constexpr int kCount = 2000;
    int acknowledged = 0;
    for (int i = 0; i < kCount; ++i)
        client->set("tc:test:many:" + QByteArray::number(i), QByteArray::number(i * 7), 0ms,
                    [&](Status status) { acknowledged += status == Status::Ok; });
    std::vector<QByteArray> values(kCount);
    int answered = 0;
    for (int i = 0; i < kCount; ++i)
        client->get("tc:test:many:" + QByteArray::number(i),
                    [&, i](Status status, const QByteArray &value) {
                        ++answered;
                        if (status == Status::Ok)
                            values[size_t(i)] = value;
                    });
    QTRY_COMPARE_WITH_TIMEOUT(answered, kCount, 10000);
    QCOMPARE(acknowledged, kCount);
    for (int i = 0; i < kCount; ++i)
        QCOMPARE(values[size_t(i)], QByteArray::number(i * 7));
}

void TestRedisClient::removePrefix_data() {
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<int>("matching");
    QTest::addColumn<int>("batch");
    QTest::newRow("none") << QByteArray("tc:purge:none:") << 0 << 100;
    QTest::newRow("a few") << QByteArray("tc:purge:few:") << 7 << 100;
    QTest::newRow("many, small rounds") << QByteArray("tc:purge:many:") << 1500 << 50;
    // Glob characters in the prefix are taken literally.
    QTest::newRow("glob characters") << QByteArray("tc:purge:[a*]?\\:") << 12 << 100;
}

void TestRedisClient::removePrefix() {
    QFETCH(QByteArray, prefix);
    QFETCH(int, matching);
    QFETCH(int, batch);
    // As in manyInFlightAnswerInOrder: 1,500 pipelined SETs are about the removal, not the
    // time they take, and under the sanitizers the last ones wait longer than the default
    // 50 ms command deadline behind the others.
    RedisClient::Options options;
    options.commandTimeout = 10s;
    auto client = connectedClient(options);
    QVERIFY(client);
    int stored = 0;
    for (int i = 0; i < matching; ++i)
        client->set(prefix + QByteArray::number(i), "v", 0ms,
                    [&](Status status) { stored += status == Status::Ok; });
    QTRY_COMPARE_WITH_TIMEOUT(stored, matching, 10000);
    // Keys that a naive glob of the prefix would also match, and neighbours.
    const QByteArray others[] = {"tc:purge:other", "tc:purge:a:", "tc:purge:x" + prefix,
                                 prefix.left(prefix.size() - 1)};
    for (const QByteArray &other : others)
        QCOMPARE(setNow(*client, other, "keep"), Status::Ok);

    Result result;
    client->removePrefix(
        prefix,
        [&](Status status, qint64 count) {
            result.status = status;
            result.count = count;
        },
        batch);
    QTRY_VERIFY_WITH_TIMEOUT(result.status.has_value(), 10000);
    QCOMPARE(*result.status, Status::Ok);
    QCOMPARE(result.count, qint64(matching));
    int missing = 0;
    for (int i = 0; i < matching; ++i)
        client->get(prefix + QByteArray::number(i), [&](Status status, const QByteArray &) {
            missing += status == Status::Missing;
        });
    QTRY_COMPARE_WITH_TIMEOUT(missing, matching, 10000);
    for (const QByteArray &other : others)
        QCOMPARE(getNow(*client, other), Status::Ok);
}

void TestRedisClient::noServerIsDownAtOnce() {
    QTcpServer reserved; // a port nobody answers on: listening, never accepting, then closed
    QVERIFY(reserved.listen(QHostAddress::LocalHost, 0));
    RedisClient::Options options;
    options.port = reserved.serverPort();
    reserved.close();
    RedisClient client(options);
    client.start();
    std::optional<Status> status;
    client.get("k", [&](Status s, const QByteArray &) { status = s; });
    // Answered before get() returned: nothing waits on a missing Redis.
    QVERIFY(status.has_value());
    QCOMPARE(*status, Status::Down);
    std::optional<Status> written;
    client.set("k", "v", 0ms, [&](Status s) { written = s; });
    QVERIFY(written.has_value());
    QCOMPARE(*written, Status::Down);
    QCOMPARE(client.stats().down, std::uint64_t(2));
    QVERIFY(!client.isConnected());
    // Once the refusal is read: down, with the reason, no longer starting.
    QTRY_VERIFY(!client.stats().firstAttemptPending());
    QVERIFY(!client.stats().lastError.isEmpty());
}

void TestRedisClient::stuckServerTimesOutThenRecovers() {
    // Deadlines on a manual clock: the command times out when the clock says it is due, not a
    // moment before, however long the machine takes.
    ManualClock clock;
    RedisClient::Options options;
    options.commandTimeout = 50ms;
    auto client = connectedClient(options, clock);
    QVERIFY(client);
    QCOMPARE(setNow(*client, "tc:test:stuck", "v"), Status::Ok);
    m_server.pause();
    const auto resume = qScopeGuard([this] { m_server.resume(); });
    Result result;
    client->get("tc:test:stuck",
                [&](Status status, const QByteArray &) { result.status = status; });
    QVERIFY(!result.status.has_value()); // sent: the answer is the timeout
    clock.advance(49ms);
    client->checkTimeouts();
    QVERIFY(!result.status.has_value());
    clock.advance(1ms);
    client->checkTimeouts();
    QVERIFY(result.status.has_value());
    QCOMPARE(*result.status, Status::Timeout);
    QCOMPARE(client->stats().timeouts, std::uint64_t(1));
    QVERIFY(client->isConnected());
    // Still stuck three timeouts after the deadline: the client gives the connection up
    // instead of queueing behind it.
    QSignalSpy changed(client.get(), &RedisClient::connectedChanged);
    clock.advance(150ms);
    client->checkTimeouts();
    QVERIFY(client->isConnected()); // not past three timeouts yet
    clock.advance(1ms);
    client->checkTimeouts();
    QVERIFY(changed.count() > 0 || changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), false);
    m_server.resume();
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    QByteArray value;
    QCOMPARE(getNow(*client, "tc:test:stuck", &value), Status::Ok);
    QCOMPARE(value, QByteArray("v"));
}

void TestRedisClient::killedServerIsDownThenReconnects() {
    auto client = connectedClient();
    QVERIFY(client);
    QCOMPARE(setNow(*client, "tc:test:killed", "v"), Status::Ok);
    QSignalSpy changed(client.get(), &RedisClient::connectedChanged);
    m_server.kill();
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), false);
    QCOMPARE(getNow(*client, "tc:test:killed"), Status::Down);
    QVERIFY(client->stats().down >= 1);

    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    // A new server without persistence: empty, and usable again.
    QCOMPARE(getNow(*client, "tc:test:killed"), Status::Missing);
    QCOMPARE(setNow(*client, "tc:test:killed", "again"), Status::Ok);
    QCOMPARE(client->stats().connects, std::uint64_t(2));
}

namespace {

// Counts the warnings of the Redis client's logging category that match a pattern, passing
// every message on to Qt Test's handler.
class WarningCounter {
public:
    explicit WarningCounter(QRegularExpression pattern)
        : m_pattern(std::move(pattern)) {
        s_current = this;
        m_previous = qInstallMessageHandler(&WarningCounter::handle);
    }
    ~WarningCounter() {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    int count() const { return m_count; }
    QStringList messages() const { return m_messages; }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &text) {
        WarningCounter *self = s_current;
        if (self && type == QtWarningMsg &&
            QByteArrayView(context.category) == "toolcapture.cache.redis") {
            self->m_messages.append(text);
            if (self->m_pattern.match(text).hasMatch())
                ++self->m_count;
        }
        if (self && self->m_previous)
            self->m_previous(type, context, text);
    }

    static inline WarningCounter *s_current = nullptr;
    QRegularExpression m_pattern;
    QtMessageHandler m_previous = nullptr;
    int m_count = 0;
    QStringList m_messages;
};

} // namespace

void TestRedisClient::handshake_data() {
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<int>("database");
    // Redis's own error text, which the warning must quote; empty: accepted.
    QTest::addColumn<QString>("refusal");
    // The test's server has no password: any AUTH is refused.
    QTest::newRow("wrong password")
        << QByteArray("wrongpw") << 0 << QStringLiteral("refused AUTH: ERR");
    QTest::newRow("no such database")
        << QByteArray() << 99 << QStringLiteral("refused SELECT: ERR");
    QTest::newRow("wrong password and database 3")
        << QByteArray("wrongpw") << 3 << QStringLiteral("refused AUTH: ERR");
    QTest::newRow("database 3") << QByteArray() << 3 << QString();
}

void TestRedisClient::handshake() {
    QFETCH(QByteArray, password);
    QFETCH(int, database);
    QFETCH(QString, refusal);
    RedisClient::Options options;
    options.port = m_server.port();
    options.password = password;
    options.database = database;
    options.commandTimeout = 5s; // the point is the refusal, not the time a busy machine takes
    options.reconnectMin = 10ms;
    options.reconnectMax = 40ms;
    WarningCounter refusals(QRegularExpression(QRegularExpression::escape(refusal)));
    RedisClient client(options);
    QSignalSpy changed(&client, &RedisClient::connectedChanged);
    QVERIFY(changed.isValid());
    client.start();
    if (refusal.isEmpty()) {
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.count(), 1);
        QVERIFY(client.isConnected());
        QCOMPARE(client.stats().connects, std::uint64_t(1));
        QCOMPARE(setNow(client, "tc:test:db3", "three"), Status::Ok);
        QCOMPARE(getNow(client, "tc:test:db3"), Status::Ok);
        QCOMPARE(refusals.messages(), QStringList());
        return;
    }
    // Refused over and over: at least three attempts (each answers one error at least).
    QTRY_VERIFY_WITH_TIMEOUT(client.stats().errors >= 6, 10000);
    // Never announced as connected, and nothing sent: a refused connection is down.
    QCOMPARE(changed.count(), 0);
    QVERIFY(!client.isConnected());
    QCOMPARE(client.stats().connects, std::uint64_t(0));
    std::optional<Status> status;
    client.get("k", [&](Status s, const QByteArray &) { status = s; });
    QVERIFY(status == Status::Down);
    // The backoff grew across the refusals (10, 20, 40 ms) instead of starting again at the
    // minimum with each connection.
    QCOMPARE(qint64(client.reconnectDelay().count()), qint64(40));
    // Redis's reason, logged once, and kept for the admin API.
    QVERIFY2(client.stats().lastError.startsWith(refusal), qPrintable(client.stats().lastError));
    QCOMPARE(refusals.count(), 1);
    QVERIFY2(refusals.messages().size() == 1, qPrintable(refusals.messages().join('\n')));
}

namespace {

// PUBLISH from `client`; the number of subscribers that got it, -1 without an answer.
qint64 publishNow(RedisClient &client, QByteArrayView channel, QByteArrayView message) {
    std::optional<Status> done;
    qint64 receivers = -1;
    client.publish(channel, message, [&](Status status, qint64 count) {
        done = status;
        receivers = count;
    });
    if (!QTest::qWaitFor([&] { return done.has_value(); }, 5000) || *done != Status::Ok)
        return -1;
    return receivers;
}

} // namespace

void TestRedisClient::subscriberReceivesWhatIsPublished_data() {
    QTest::addColumn<int>("database");
    QTest::addColumn<QByteArrayList>("messages");
    QTest::newRow("one") << 0 << QByteArrayList{"hello"};
    QTest::newRow("binary, in order")
        << 0 << QByteArrayList{QByteArray("a\0b\r\n", 5), QByteArray(70000, 'x'), "last"};
    // Pub/sub ignores databases; SELECT still comes first and must be accepted.
    QTest::newRow("after SELECT") << 3 << QByteArrayList{"one", "two"};
}

void TestRedisClient::subscriberReceivesWhatIsPublished() {
    QFETCH(int, database);
    QFETCH(QByteArrayList, messages);
    RedisClient::Options options;
    options.port = m_server.port();
    options.database = database;
    RedisClient subscriber(options);
    QByteArrayList received;
    subscriber.subscribe("tc:test:channel", [&](const QByteArray &m) { received.append(m); });
    QVERIFY(subscriber.isSubscriber());
    QSignalSpy changed(&subscriber, &RedisClient::connectedChanged);
    subscriber.start();
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    auto publisher = connectedClient();
    QVERIFY(publisher);
    // Connected means confirmed: Redis counts the subscriber at once.
    for (const QByteArray &message : messages)
        QCOMPARE(publishNow(*publisher, "tc:test:channel", message), qint64(1));
    QCOMPARE(publishNow(*publisher, "tc:test:other", "not ours"), qint64(0));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), messages.size(), 5000);
    QCOMPARE(received, messages);
    QCOMPARE(subscriber.stats().messages, std::uint64_t(messages.size()));
    QCOMPARE(publisher->stats().published, std::uint64_t(messages.size() + 1));
    // A subscriber sends no commands.
    QCOMPARE(getNow(subscriber, "tc:test:any"), Status::Down);
    QCOMPARE(changed.count(), 1);
}

void TestRedisClient::subscriberSubscribesAgainAfterAKill() {
    RedisClient::Options options;
    options.port = m_server.port();
    RedisClient subscriber(options);
    QByteArrayList received;
    subscriber.subscribe("tc:test:channel", [&](const QByteArray &m) { received.append(m); });
    QSignalSpy changed(&subscriber, &RedisClient::connectedChanged);
    subscriber.start();
    QVERIFY(changed.wait(5000));
    m_server.kill();
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), false);
    QVERIFY(!subscriber.isConnected());
    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    auto publisher = connectedClient();
    QVERIFY(publisher);
    QCOMPARE(publishNow(*publisher, "tc:test:channel", "after"), qint64(1));
    QTRY_COMPARE_WITH_TIMEOUT(received, QByteArrayList{"after"}, 5000);
    QCOMPARE(subscriber.stats().connects, std::uint64_t(2));
}

void TestRedisClient::subscriberNoticesAStuckServer() {
    // An idle subscription sees nothing of a Redis that stopped: the renewal does.
    RedisClient::Options options;
    options.port = m_server.port();
    options.subscriptionCheck = 200ms;
    options.reconnectMin = 10ms;
    options.reconnectMax = 40ms;
    RedisClient subscriber(options);
    subscriber.subscribe("tc:test:channel", {});
    QSignalSpy changed(&subscriber, &RedisClient::connectedChanged);
    subscriber.start();
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.count(), 1);
    // Renewals confirmed while Redis answers: still the one connection.
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.stats().renewals >= 3, 10000);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(subscriber.stats().connects, std::uint64_t(1));
    m_server.pause();
    auto resume = qScopeGuard([this] { m_server.resume(); });
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), false);
    m_server.resume();
    resume.dismiss();
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.last().at(0).toBool(), true);
}

void TestRedisClient::firstAttemptPendingUntilItEnds_data() {
    QTest::addColumn<bool>("subscriber");
    QTest::newRow("client") << false;
    QTest::newRow("subscriber") << true;
}

void TestRedisClient::firstAttemptPendingUntilItEnds() {
    // A Redis that answers nothing yet (stopped): until the first attempt ends the client is
    // starting (a proxy's first moments are not an outage); once ready, it is not.
    QFETCH(bool, subscriber);
    m_server.pause();
    auto resume = qScopeGuard([this] { m_server.resume(); });
    RedisClient::Options options;
    options.port = m_server.port();
    options.connectTimeout = 60s;
    options.commandTimeout = 60s;
    options.subscriptionCheck = 60s;
    RedisClient client(options);
    if (subscriber)
        client.subscribe("tc:test:first-attempt", {});
    QSignalSpy changed(&client, &RedisClient::connectedChanged);
    QVERIFY(client.stats().firstAttemptPending()); // not even started
    client.start();
    QVERIFY(client.stats().firstAttemptPending());
    QVERIFY(client.stats().lastError.isEmpty());
    m_server.resume();
    resume.dismiss();
    QVERIFY(changed.wait(10000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    QVERIFY(!client.stats().firstAttemptPending());
}

namespace {

// One command on a connection of its own (RESP by hand: RedisClient sends only what the cache
// needs); Redis's first reply line, empty when none came.
QByteArray rawCommand(quint16 port, const QByteArrayList &args) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    QByteArray request = "*" + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &arg : args)
        request += "$" + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    socket.write(request);
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(5000))
            return {};
    }
    return socket.readLine().trimmed();
}

} // namespace

void TestRedisClient::refusedSubscriptionSaysWhy() {
    // A Redis whose ACL forbids SUBSCRIBE (a managed Redis with pub/sub off): the refusal
    // makes hiredis drop the connection, and the reason must reach the log (once) and the
    // admin API instead of a silent loop of reconnections.
    QCOMPARE(rawCommand(m_server.port(), {"ACL", "SETUSER", "default", "-subscribe"}),
             QByteArray("+OK"));
    auto restore = qScopeGuard([this] {
        rawCommand(m_server.port(), {"ACL", "SETUSER", "default", "+subscribe"});
    });
    RedisClient::Options options;
    options.port = m_server.port();
    options.reconnectMin = 10ms;
    options.reconnectMax = 40ms;
    WarningCounter refusals(QRegularExpression(QStringLiteral("refused SUBSCRIBE: NOPERM")));
    RedisClient subscriber(options);
    subscriber.subscribe("tc:test:channel", {});
    QSignalSpy changed(&subscriber, &RedisClient::connectedChanged);
    subscriber.start();
    // Refused over and over (the backoff grows to its maximum), never announced as connected.
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.reconnectDelay() == 40ms, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        subscriber.stats().lastError.startsWith(QLatin1String("refused SUBSCRIBE: NOPERM")), 5000);
    QVERIFY(!subscriber.isConnected());
    QCOMPARE(changed.count(), 0);
    QCOMPARE(refusals.count(), 1);
    // Allowed again: it subscribes by itself.
    restore.dismiss();
    QCOMPARE(rawCommand(m_server.port(), {"ACL", "SETUSER", "default", "+subscribe"}),
             QByteArray("+OK"));
    QVERIFY(changed.wait(5000));
    QCOMPARE(changed.last().at(0).toBool(), true);
    QVERIFY(subscriber.stats().lastError.isEmpty());
}

void TestRedisClient::sharedGateLogsAChangeOnce() {
    // A proxy's workers each have a client to the same Redis: a Redis that goes away is one
    // warning, not one per worker.
    RedisClient::Options options;
    options.port = m_server.port();
    options.reconnectMin = 10ms;
    options.reconnectMax = 40ms;
    options.logGate = std::make_shared<RedisLogGate>();
    WarningCounter wentAway(QRegularExpression(QStringLiteral("went away")));
    std::vector<std::unique_ptr<RedisClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(connectedClient(options));
        QVERIFY(clients.back());
    }
    m_server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(std::none_of(clients.begin(), clients.end(),
                                          [](const auto &c) { return c->isConnected(); }),
                             5000);
    QCOMPARE(wentAway.count(), 1);
    // Each client still says why for the admin API.
    for (const auto &client : clients)
        QCOMPARE(client->stats().lastError.isEmpty(), false);
    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(clients.begin(), clients.end(), [](const auto &c) { return c->isConnected(); }),
        10000);
    // Gone again: a new change, logged once again.
    m_server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(std::none_of(clients.begin(), clients.end(),
                                          [](const auto &c) { return c->isConnected(); }),
                             5000);
    QCOMPARE(wentAway.count(), 2);
    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
}

QTEST_GUILESS_MAIN(TestRedisClient)
#include "tst_redis_client.moc"
