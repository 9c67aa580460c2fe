#include <backend/engine/engine.h>
#include <backend/feed/feed_hub.h>
#include <backend/feed/local_feed_transport.h>
#include <backend/feed/remote_feed_transport.h>

#include <QElapsedTimer>
#include <QMutex>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// The embedded feed end to end: a real Engine in demo mode in its own thread, read and
// commanded through a LocalFeedTransport as the console does.
class TestLocalFeedTransport : public QObject {
    Q_OBJECT

signals:
    void engineStarted(bool ok, const QString &error, quint16 adminPort);

private slots:
    void initTestCase();
    void cleanupTestCase();
    void nothingIsBuiltForNobody();
    void stateSubjectsArriveWhole();
    void captureBatchesArrive();
    void breakerCommandThroughRequest();
    void unknownResourceIsAProblem();
    void noAnswerOnceTheContextIsGone();
    void toolsAndHookEvents();
    void remoteFeedLatencyAndBandwidth();

private:
    // Subscribes to `subjects` and waits for a message of `subject`; its JSON.
    Json nextOf(const QString &subject);
    FeedResponse call(const FeedRequest &request);

    QTemporaryDir m_dir;
    QThread m_thread;
    Engine *m_engine = nullptr; // lives in m_thread
    std::unique_ptr<LocalFeedTransport> m_feed;
    std::map<QString, QList<FeedMessage>> m_received;
    quint64 m_lastSeq = 0;
    quint16 m_adminPort = 0;
    bool m_seqIncreasing = true;
};

void TestLocalFeedTransport::initTestCase() {
    QVERIFY(m_dir.isValid());
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 1;
    config.adminToken = QStringLiteral("feed-test-admin-token");
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");

    m_thread.setObjectName(QStringLiteral("engine"));
    m_engine = new Engine(config, Engine::Options{true, 40.0});
    m_engine->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);
    QThread *thread = &m_thread;
    connect(
        m_engine, &Engine::stopped, m_engine, [thread] { thread->quit(); }, Qt::DirectConnection);
    Engine *engine = m_engine;
    m_feed = std::make_unique<LocalFeedTransport>(
        engine->feedHub(),
        [engine](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            engine->dispatchAdmin(request, std::move(responder));
        });
    connect(m_feed.get(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &batch) {
        for (const FeedMessage &message : batch) {
            if (message.seq <= m_lastSeq)
                m_seqIncreasing = false;
            m_lastSeq = message.seq;
            m_received[message.subject].append(message);
        }
    });

    QSignalSpy started(this, &TestLocalFeedTransport::engineStarted);
    m_thread.start();
    QMetaObject::invokeMethod(
        engine,
        [this, engine] {
            QString error;
            const bool ok = engine->start(&error);
            const quint16 port = engine->adminPort();
            QMetaObject::invokeMethod(
                this, [this, ok, error, port] { emit engineStarted(ok, error, port); },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
    QVERIFY(started.wait(kTimeoutMs));
    QVERIFY2(started.first().at(0).toBool(), qPrintable(started.first().at(1).toString()));
    m_adminPort = started.first().at(2).value<quint16>();
    QVERIFY(m_adminPort != 0);
}

void TestLocalFeedTransport::cleanupTestCase() {
    m_feed.reset();
    Engine *engine = m_engine;
    QMetaObject::invokeMethod(
        engine, [engine] { engine->stop(); }, Qt::QueuedConnection);
    QVERIFY(m_thread.wait(QDeadlineTimer(kTimeoutMs)));
}

Json TestLocalFeedTransport::nextOf(const QString &subject) {
    const qsizetype before = m_received[subject].size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_received[subject].size() > before, kTimeoutMs); }();
    if (m_received[subject].size() <= before)
        return Json();
    return Json::parse(m_received[subject].last().json.toStdString(), nullptr, false);
}

FeedResponse TestLocalFeedTransport::call(const FeedRequest &request) {
    std::optional<FeedResponse> answer;
    m_feed->request(request, this, [&answer](const FeedResponse &response) { answer = response; });
    [&] {
        QVERIFY2(!answer, "request() answered inside the call");
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    }();
    return answer.value_or(FeedResponse{});
}

void TestLocalFeedTransport::nothingIsBuiltForNobody() {
    // Nobody is connected to snapshotReady and no state subject is subscribed: the engine
    // builds no snapshot while capture batches (which need none) flow.
    const quint64 before = m_engine->snapshotsTaken();
    m_feed->subscribe({QStringLiteral("captures")});
    for (int i = 0; i < 3; ++i)
        nextOf(QStringLiteral("captures"));
    QCOMPARE(m_engine->snapshotsTaken(), before);
    // One state subject: snapshots again, one per tick at most.
    m_feed->subscribe({QStringLiteral("captures"), QStringLiteral("status")});
    nextOf(QStringLiteral("status"));
    QVERIFY(m_engine->snapshotsTaken() > before);
}

void TestLocalFeedTransport::stateSubjectsArriveWhole() {
    m_feed->subscribe(
        {QStringLiteral("services"), QStringLiteral("breakers"), QStringLiteral("status")});
    QCOMPARE(m_feed->subjects().size(), 3);
    const Json services = nextOf(QStringLiteral("services"));
    QVERIFY(services.contains("services"));
    QVERIFY(services["services"].size() >= 2); // the demo's services
    QVERIFY(!services["services"][0]["instances"].empty());
    const Json breakers = nextOf(QStringLiteral("breakers"));
    QVERIFY(breakers["breakers"].is_array());
    QVERIFY(!breakers["breakers"].empty());
    const Json status = nextOf(QStringLiteral("status"));
    QVERIFY(status["proxy_address"].is_string());
    QVERIFY(status["capture"]["enabled"].get<bool>());
    for (const QString &subject : {QStringLiteral("services"), QStringLiteral("status")})
        QVERIFY(!m_received[subject].first().append);
    // The status document carries the uptime, so it changes with each tick: more follow.
    nextOf(QStringLiteral("status"));
    QVERIFY(m_seqIncreasing);
}

void TestLocalFeedTransport::captureBatchesArrive() {
    m_feed->subscribe({QStringLiteral("captures")});
    const Json batch = nextOf(QStringLiteral("captures"));
    QVERIFY(batch.is_array());
    QVERIFY(!batch.empty());
    QVERIFY(m_received[QStringLiteral("captures")].last().append);
    std::int64_t previous = 0;
    for (const Json &item : batch) {
        QVERIFY(item["id"].get<std::int64_t>() > previous); // stored ids, oldest first
        previous = item["id"].get<std::int64_t>();
        QVERIFY(item["correlation_id"].is_string());
        QVERIFY(!item.contains("request_body")); // a summary, as in GET /api/v1/captures
    }
    // Later batches continue where this one ended.
    const Json next = nextOf(QStringLiteral("captures"));
    QVERIFY(!next.empty());
    QVERIFY(next.front()["id"].get<std::int64_t>() > previous);
    // Unsubscribed: the state subjects stop too.
    const qsizetype services = m_received[QStringLiteral("services")].size();
    nextOf(QStringLiteral("captures"));
    QCOMPARE(m_received[QStringLiteral("services")].size(), services);
}

void TestLocalFeedTransport::breakerCommandThroughRequest() {
    m_feed->subscribe({QStringLiteral("breakers")});
    const Json breakers = nextOf(QStringLiteral("breakers"));
    QVERIFY(!breakers["breakers"].empty());
    const std::string instance = breakers["breakers"][0]["instance"].get<std::string>();

    FeedRequest force;
    force.method = "POST";
    force.target = "/api/v1/breakers/" + QByteArray::fromStdString(instance);
    force.body = R"({"action": "force_open", "actor": "alice", "reason": "INC-42 drill"})";
    const FeedResponse forced = call(force);
    QCOMPARE(forced.status, 200);
    QCOMPARE(forced.contentType, QByteArray("application/json"));
    const Json answer = Json::parse(forced.body.toStdString());
    QCOMPARE(answer["state"].get<std::string>(), std::string("forced_open"));

    // The next breakers document shows it.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Json doc = Json::parse(
                m_received[QStringLiteral("breakers")].last().json.toStdString(), nullptr, false);
            for (const Json &b : doc["breakers"]) {
                if (b["instance"] == instance)
                    return b["state"] == "forced_open";
            }
            return false;
        }(),
        kTimeoutMs);

    // Audited: who, why, when, what it was, what it became.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Json doc = Json::parse(
                m_received[QStringLiteral("breakers")].last().json.toStdString(), nullptr, false);
            for (const Json &entry : doc["audit"]) {
                if (entry["instance"] == instance && entry["actor"] == "alice")
                    return entry["reason"] == "INC-42 drill" &&
                           entry["previous_state"] == "closed" &&
                           entry["previous_mode"] == "auto" && entry["mode"] == "force_open" &&
                           entry["at"].is_string();
            }
            return false;
        }(),
        kTimeoutMs);
    force.body = R"({"action": "auto", "actor": 7})";
    const FeedResponse badActor = call(force);
    QCOMPARE(badActor.status, 400);
    QCOMPARE(Json::parse(badActor.body.toStdString())["errors"][0]["pointer"].get<std::string>(),
             std::string("/actor"));
    force.body = R"({"action": "auto"})";
    QCOMPARE(call(force).status, 200);
    force.body = R"({"action": "sideways"})";
    const FeedResponse refused = call(force);
    QCOMPARE(refused.status, 400);
    QCOMPARE(refused.contentType, QByteArray("application/problem+json"));
}

void TestLocalFeedTransport::unknownResourceIsAProblem() {
    FeedRequest request;
    request.target = "/api/v1/nothing-here";
    const FeedResponse response = call(request);
    QCOMPARE(response.status, 404);
    QCOMPARE(response.contentType, QByteArray("application/problem+json"));
    QCOMPARE(Json::parse(response.body.toStdString())["status"].get<int>(), 404);
}

void TestLocalFeedTransport::noAnswerOnceTheContextIsGone() {
    int answered = 0;
    auto context = std::make_unique<QObject>();
    FeedRequest request;
    request.target = "/api/v1/status";
    m_feed->request(request, context.get(), [&answered](const FeedResponse &) { ++answered; });
    context.reset();
    // A second request on a live context, sent after, is answered after the first would be.
    QCOMPARE(call(request).status, 200);
    QCOMPARE(answered, 0);
}

void TestLocalFeedTransport::toolsAndHookEvents() {
    // The demo's hook traffic registers tools and completes executions.
    m_feed->subscribe({QStringLiteral("tools"), QStringLiteral("hook_events")});
    const Json tools = nextOf(QStringLiteral("tools"));
    QVERIFY(tools.contains("tools"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const FeedMessage &m : m_received[QStringLiteral("hook_events")]) {
                const Json batch = Json::parse(m.json.toStdString(), nullptr, false);
                for (const Json &item : batch) {
                    if (item["type"] == "execution_completed" && item["event"].is_object() &&
                        item["topic"] == "hooks.execution_intelligence" &&
                        item["at_us"].is_number())
                        return true;
                }
            }
            return false;
        }(),
        kTimeoutMs);
    QVERIFY(m_received[QStringLiteral("hook_events")].last().append);
}

void TestLocalFeedTransport::remoteFeedLatencyAndBandwidth() {
    m_feed->subscribe({});
    // When the hub published each services document (engine thread), by seq.
    struct Published {
        QMutex mutex;
        std::map<quint64, qint64> at; // seq -> steady ns
    };
    auto published = std::make_shared<Published>();
    auto steadyNs = [] {
        return qint64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
    FeedHub *hub = m_engine->feedHub();
    auto subscriber = std::make_shared<quint64>(0);
    QMetaObject::invokeMethod(
        hub,
        [hub, subscriber, published, steadyNs] {
            *subscriber = hub->addSubscriber([published, steadyNs](QList<FeedMessage> batch) {
                const qint64 now = steadyNs();
                QMutexLocker lock(&published->mutex);
                for (const FeedMessage &m : batch)
                    published->at[m.seq] = now;
            });
            hub->setSubjects(*subscriber, {QStringLiteral("services")});
        },
        Qt::QueuedConnection);

    RemoteFeedTransport::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort));
    options.token = "feed-test-admin-token";
    RemoteFeedTransport remote(options);
    std::vector<double> latenciesMs;
    connect(&remote, &FeedTransport::messages, this, [&](const QList<FeedMessage> &batch) {
        const qint64 now = steadyNs();
        QMutexLocker lock(&published->mutex);
        for (const FeedMessage &m : batch) {
            const auto it = published->at.find(m.seq);
            if (m.subject == QStringLiteral("services") && it != published->at.end())
                latenciesMs.push_back(double(now - it->second) / 1e6);
        }
    });
    remote.subscribe({QStringLiteral("services")});
    QTRY_VERIFY_WITH_TIMEOUT(remote.connection() == FeedTransport::Connection::Connected,
                             kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!latenciesMs.empty(), kTimeoutMs);
    const quint64 bytesBefore = remote.bytesReceived();
    latenciesMs.clear();
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(latenciesMs.size() >= 40, 30000);
    const double seconds = double(clock.elapsed()) / 1000.0;
    const double bytesPerSecond = double(remote.bytesReceived() - bytesBefore) / seconds;
    std::vector<double> sorted = latenciesMs;
    std::sort(sorted.begin(), sorted.end());
    const double p50 = sorted[sorted.size() / 2];
    const double p99 = sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
    qInfo().noquote() << QStringLiteral(
                             "remote feed, services: %1 documents in %2 s, latency p50 %3 ms, "
                             "p99 %4 ms, max %5 ms, %6 bytes/s")
                             .arg(sorted.size())
                             .arg(seconds, 0, 'f', 1)
                             .arg(p50, 0, 'f', 2)
                             .arg(p99, 0, 'f', 2)
                             .arg(sorted.back(), 0, 'f', 2)
                             .arg(bytesPerSecond, 0, 'f', 0);
    // A long poll answers as soon as a document is published: well under the hub's period.
    QVERIFY2(p50 < 100.0, qPrintable(QString::number(p50)));
    QVERIFY(bytesPerSecond > 0);
    QMetaObject::invokeMethod(
        hub, [hub, subscriber] { hub->removeSubscriber(*subscriber); }, Qt::QueuedConnection);
}

QTEST_GUILESS_MAIN(TestLocalFeedTransport)
#include "tst_local_feed_transport.moc"
