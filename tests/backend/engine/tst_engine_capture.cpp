#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/engine/engine.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/topic_tail.h>
#include <backend/schema/schema_catalog.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QDirIterator>
#include <QFile>
#include <QLoggingCategory>
#include <QMutex>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

constexpr int kTimeoutMs = 20000;
constexpr QByteArrayView kAdminToken = "capture-test-admin-token";
constexpr QByteArrayView kHookKey = "capture-test-hook-key-0001";

// Secrets a client and an upstream send; none may appear in a capture, an event or a log line.
constexpr QByteArrayView kCanaries[] = {"CANARY-AUTH-7f3e9c", "CANARY-COOKIE-41d2aa",
                                        "CANARY-PROXYAUTH-9b0c11", "CANARY-SETCOOKIE-c0ffee"};

constexpr const char *kExchangeTopics[] = {"proxy.request_intelligence",
                                           "proxy.response_intelligence",
                                           "proxy.communication_intelligence"};

// Every log line of the process, whatever its category or level.
QMutex logMutex;
QByteArray logText;
QtMessageHandler previousHandler = nullptr;

void recordLog(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    {
        QMutexLocker lock(&logMutex);
        logText +=
            QByteArray(context.category ? context.category : "") + ' ' + message.toUtf8() + '\n';
    }
    if (previousHandler && type != QtDebugMsg)
        previousHandler(type, context, message);
}

int countOf(const QByteArray &haystack, QByteArrayView needle) {
    return int(haystack.count(needle));
}

} // namespace

// The whole capture path of a real Engine: exchanges through the proxy become stored captures
// and three events each on the embedded Kafka cluster, readable by the topic tail and by kcat;
// secrets never leave the worker.
class TestEngineCapture : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void capturesEveryExchangeAndPublishesThreeEvents();
    void kcatReadsTheLiveTopics();
    void secretsAppearNowhere();
    void capturesNeedTheAdminToken();
    void replayThroughTheAdminApi();
    void hooksPublishThroughTheEngine();
    void lifecycleHooksRegisterAndDrainInstances();
    void brokerOutageUnderTrafficLosesNothing();

private:
    // Sends one request through the proxy and returns its correlation id (empty on failure).
    QByteArray send(const QByteArray &request);
    std::optional<RawHttpResponse> admin(const QByteArray &request);
    std::optional<RawHttpResponse> hook(QByteArrayView path, const QByteArray &body);

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_echo;
    std::unique_ptr<TestUpstream> m_cookie;
    std::unique_ptr<Engine> m_engine;
    // correlation id -> the status the client saw
    std::map<QByteArray, int> m_sent;
};

void TestEngineCapture::initTestCase() {
    QVERIFY(m_dir.isValid());
    // Debug lines too: a secret in any of them would be a leak.
    QLoggingCategory::setFilterRules(QStringLiteral("toolcapture.*=true"));
    previousHandler = qInstallMessageHandler(recordLog);

    m_echo = std::make_unique<TestUpstream>();
    TestUpstream::Behaviour cookie;
    cookie.mode = TestUpstream::Mode::Raw;
    cookie.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Set-Cookie: session=" +
                 kCanaries[3].toByteArray() +
                 "; HttpOnly\r\nCache-Control: max-age=60\r\nContent-Length: 11\r\n\r\n"
                 "{\"ok\":true}";
    m_cookie = std::make_unique<TestUpstream>(cookie);

    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 2;
    config.adminToken = QString::fromLatin1(kAdminToken.toByteArray());
    config.hooks.apiKeys = {QString::fromLatin1(kHookKey.toByteArray())};
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    int n = 0;
    for (auto [name, upstream] : {std::pair{"echo", m_echo.get()}, {"cookie", m_cookie.get()}}) {
        ServiceConfig service;
        service.name = QString::fromLatin1(name);
        service.match.pathPrefix = "/" + QByteArray(name) + "/";
        service.health.enabled = false;
        InstanceConfig instance;
        instance.id = QStringLiteral("%1-%2").arg(QLatin1String(name)).arg(++n);
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = upstream->port();
        instance.url = QString::fromLatin1(upstream->url());
        service.instances.push_back(instance);
        config.services.push_back(service);
    }
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(!m_engine->kafkaBrokers().isEmpty());
}

void TestEngineCapture::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
    qInstallMessageHandler(previousHandler);
}

QByteArray TestEngineCapture::send(const QByteArray &request) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->proxyPort()))
        return {};
    const std::optional<RawHttpResponse> response = client.exchange(request);
    if (!response)
        return {};
    const QByteArray id = response->header("x-correlation-id");
    if (!id.isEmpty())
        m_sent[id] = response->status;
    return id;
}

std::optional<RawHttpResponse> TestEngineCapture::admin(const QByteArray &request) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(request);
}

std::optional<RawHttpResponse> TestEngineCapture::hook(QByteArrayView path,
                                                       const QByteArray &body) {
    return admin("POST " + path.toByteArray() +
                 " HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nX-API-Key: " +
                 kHookKey.toByteArray() + "\r\nContent-Length: " + QByteArray::number(body.size()) +
                 "\r\n\r\n" + body);
}

void TestEngineCapture::capturesEveryExchangeAndPublishesThreeEvents() {
    const QByteArray secrets = "Authorization: Bearer " + kCanaries[0].toByteArray() +
                               "\r\nCookie: sid=" + kCanaries[1].toByteArray() +
                               "\r\nProxy-Authorization: Basic " + kCanaries[2].toByteArray() +
                               "\r\n";
    std::vector<QByteArray> gets, posts, cookies, unrouted;
    for (int i = 0; i < 20; ++i) {
        gets.push_back(send("GET /echo/items/" + QByteArray::number(i) +
                            "?page=2&q=x HTTP/1.1\r\nHost: t\r\nX-Session-ID: s-" +
                            QByteArray::number(i) + "\r\nX-User-Context: tenant=acme\r\n" +
                            secrets + "\r\n"));
        const QByteArray body = R"({"n":)" + QByteArray::number(i) + "}";
        posts.push_back(send("POST /echo/orders HTTP/1.1\r\nHost: t\r\nContent-Type: "
                             "application/json\r\nContent-Length: " +
                             QByteArray::number(body.size()) + "\r\n" + secrets + "\r\n" + body));
        cookies.push_back(send("GET /cookie/me HTTP/1.1\r\nHost: t\r\n" + secrets + "\r\n"));
        unrouted.push_back(send("GET /nowhere HTTP/1.1\r\nHost: t\r\n" + secrets + "\r\n"));
    }
    const int exchanges = 80;
    QCOMPARE(int(m_sent.size()), exchanges); // distinct correlation ids, every one answered

    QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot().capture.stored >= std::uint64_t(exchanges),
                             kTimeoutMs);
    const EngineSnapshot snapshot = m_engine->snapshot();
    QCOMPARE(snapshot.capture.dropped, std::uint64_t(0));
    QCOMPARE(snapshot.capture.storeFailures, std::uint64_t(0));

    // The store: every exchange, searchable by correlation id, with what the proxy saw.
    CaptureReader reader;
    QString error;
    QVERIFY2(reader.open(m_dir.path() + QStringLiteral("/captures.sqlite"), &error),
             qPrintable(error));
    for (size_t i = 0; i < gets.size(); ++i) {
        const auto record = reader.byCorrelationId(gets[i]);
        QVERIFY2(record, gets[i].constData());
        QCOMPARE(record->method, QByteArray("GET"));
        QCOMPARE(record->path, "/echo/items/" + QByteArray::number(int(i)));
        QCOMPARE(record->query, QByteArray("page=2&q=x"));
        QCOMPARE(record->status, 200);
        QCOMPARE(record->service, QStringLiteral("echo"));
        QCOMPARE(record->instance, QStringLiteral("echo-1"));
        QCOMPARE(record->attempts, 1);
        QCOMPARE(record->sessionId, "s-" + QByteArray::number(int(i)));
        QCOMPARE(record->userContext, QByteArray("tenant=acme"));
        QCOMPARE(record->breakerState, QByteArray("closed"));
        QVERIFY(record->proxyError.isEmpty());
        QVERIFY(record->connectedUs >= 0);
        QVERIFY(record->firstByteUs >= record->connectedUs);
        QVERIFY(record->doneUs >= record->firstByteUs);
        QVERIFY(record->responseBytes > 0);
        QVERIFY(!record->responseBody.isEmpty());
        // Stored in its compact form, rendered in full when read.
        QVERIFY(record->routing.isEmpty());
        QCOMPARE(record->routingBrief.chosen.id, QStringLiteral("echo-1"));
        const Json routing = toJson(*record).at("routing");
        QCOMPARE(routing.at("chosen").get<std::string>(), std::string("echo-1"));
        QVERIFY(!routing.at("candidates").empty());
        int redacted = 0;
        for (const CapturedHeader &header : record->requestHeaders) {
            if (header.name.compare("authorization", Qt::CaseInsensitive) == 0 ||
                header.name.compare("cookie", Qt::CaseInsensitive) == 0 ||
                header.name.compare("proxy-authorization", Qt::CaseInsensitive) == 0) {
                QCOMPARE(header.value, QByteArray(CaptureRecord::kRedacted));
                ++redacted;
            }
        }
        QCOMPARE(redacted, 2); // proxy-authorization is not on the default allowlist
    }
    for (const QByteArray &id : posts) {
        const auto record = reader.byCorrelationId(id);
        QVERIFY(record);
        QCOMPARE(record->method, QByteArray("POST"));
        QVERIFY(record->replayable);
        QVERIFY(record->requestBody.startsWith(R"({"n":)"));
        QCOMPARE(record->requestBytes, qint64(record->requestBody.size()));
        QCOMPARE(record->requestContentType, QByteArray("application/json"));
    }
    for (const QByteArray &id : unrouted) {
        const auto record = reader.byCorrelationId(id);
        QVERIFY(record);
        QCOMPARE(record->status, 404);
        QCOMPARE(record->proxyError, QByteArray("no-route"));
        QVERIFY(record->service.isEmpty());
        QVERIFY(record->instance.isEmpty());
    }
    CaptureQuery all;
    all.limit = CaptureQuery::kMaxLimit;
    QVERIFY(reader.search(all).size() >= size_t(exchanges));

    // The events: exactly one per exchange on each of the three topics, each valid against its
    // topic's schema, keyed by the correlation id, with the CloudEvents headers.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_engine->snapshot().eventBus.delivered >= std::uint64_t(3 * exchanges), kTimeoutMs);
    for (const char *topic : kExchangeTopics) {
        const JsonSchema &schema = schemaNamed(std::string("events/") + topic);
        const std::vector<TailMessage> messages = TopicTail::fetch(
            m_engine->kafkaBrokers(), QString::fromLatin1(topic), TailStart{TailStart::Beginning},
            TailFilter{}, 10 * exchanges, std::chrono::milliseconds(kTimeoutMs), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        std::map<QByteArray, int> perExchange;
        for (const TailMessage &message : messages) {
            ++perExchange[message.key];
            const Json event = Json::parse(message.value.toStdString());
            const auto violations = schema.validate(event);
            if (!violations.empty()) {
                QFAIL(qPrintable(QStringLiteral("%1: %2 at %3")
                                     .arg(QLatin1String(topic), violations.front().detail,
                                          violations.front().pointer)));
            }
            QCOMPARE(QByteArray::fromStdString(event.at("correlation_id").get<std::string>()),
                     message.key);
            std::set<QByteArray> names;
            for (const auto &[name, value] : message.headers)
                names.insert(name);
            for (const char *ce : {"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion"})
                QVERIFY2(names.count(ce) == 1, ce);
        }
        for (const auto &[id, status] : m_sent) {
            QVERIFY2(perExchange[id] == 1, qPrintable(QStringLiteral("%1: %2 events for %3")
                                                          .arg(QLatin1String(topic))
                                                          .arg(perExchange[id])
                                                          .arg(QString::fromLatin1(id))));
        }
    }
}

void TestEngineCapture::kcatReadsTheLiveTopics() {
    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (kcat.isEmpty())
        QSKIP("kcat is not installed (scripts/install-deps.sh installs it)");
    QVERIFY(!m_sent.empty());
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(kcat, {QStringLiteral("-b"), m_engine->kafkaBrokers(), QStringLiteral("-C"),
                         QStringLiteral("-t"), QStringLiteral("proxy.communication_intelligence"),
                         QStringLiteral("-o"), QStringLiteral("beginning"), QStringLiteral("-e"),
                         QStringLiteral("-J"), QStringLiteral("-q")});
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(process.exitCode(), 0);
    std::map<QByteArray, int> seen;
    for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const Json envelope = Json::parse(line.toStdString());
        const QByteArray key = QByteArray::fromStdString(envelope.at("key").get<std::string>());
        ++seen[key];
        // The default content mode is structured: the payload is the CloudEvent, the event its
        // data.
        const Json cloudEvent = Json::parse(envelope.at("payload").get<std::string>());
        QCOMPARE(cloudEvent.at("specversion").get<std::string>(), std::string("1.0"));
        QCOMPARE(cloudEvent.at("id").get<std::string>(),
                 cloudEvent.at("data").at("event_id").get<std::string>());
        const Json &event = cloudEvent.at("data");
        const int status = m_sent.count(key) ? m_sent[key] : -1;
        QCOMPARE(event.at("performance_metrics").at("status_code").get<int>(), status);
        QCOMPARE(event.at("event_type").get<std::string>(),
                 std::string(status == 404 ? "request_analysis" : "response_analysis"));
    }
    for (const auto &[id, status] : m_sent)
        QCOMPARE(seen[id], 1);
}

void TestEngineCapture::secretsAppearNowhere() {
    QVERIFY(!m_sent.empty());
    // Captures and spool: every byte the engine wrote to disk (database, write-ahead log,
    // spool segments).
    QByteArray stored;
    QDirIterator files(m_dir.path(), QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (file.open(QIODevice::ReadOnly))
            stored += file.readAll();
    }
    QVERIFY(stored.size() > 0);
    // Topics: every message of every topic, payloads and headers.
    QByteArray published;
    for (const char *topic : {"proxy.request_intelligence", "proxy.response_intelligence",
                              "proxy.communication_intelligence", "proxy.breaker_events"}) {
        QString error;
        for (const TailMessage &message :
             TopicTail::fetch(m_engine->kafkaBrokers(), QString::fromLatin1(topic),
                              TailStart{TailStart::Beginning}, TailFilter{}, 100000,
                              std::chrono::milliseconds(kTimeoutMs), &error)) {
            published += message.key + message.value;
            for (const auto &[name, value] : message.headers)
                published += name + value;
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    QVERIFY(published.contains("[REDACTED]"));
    QByteArray logs;
    {
        QMutexLocker lock(&logMutex);
        logs = logText;
    }
    QVERIFY(logs.size() > 0);
    for (QByteArrayView canary : kCanaries) {
        QCOMPARE(countOf(stored, canary), 0);
        QCOMPARE(countOf(published, canary), 0);
        QCOMPARE(countOf(logs, canary), 0);
    }
}

void TestEngineCapture::capturesNeedTheAdminToken() {
    // Captured bodies may hold personal data: reading them takes the token like any change.
    const auto refused = admin("GET /api/v1/captures HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(refused);
    QCOMPARE(refused->status, 401);
    QCOMPARE(refused->header("content-type"), QByteArray("application/problem+json"));
    const auto listed = admin("GET /api/v1/captures?service=echo&limit=5 HTTP/1.1\r\nHost: "
                              "a\r\nAuthorization: Bearer " +
                              kAdminToken.toByteArray() + "\r\n\r\n");
    QVERIFY(listed);
    QCOMPARE(listed->status, 200);
    const Json body = Json::parse(listed->body.toStdString());
    QCOMPARE(body.at("captures").size(), size_t(5));
    for (const Json &capture : body.at("captures"))
        QCOMPARE(capture.at("service").get<std::string>(), std::string("echo"));
}

void TestEngineCapture::replayThroughTheAdminApi() {
    // A captured POST, replayed against its instance with an edited body: the new answer and
    // a structured diff against the captured one come back.
    const QByteArray original = send("POST /echo/orders HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                     "application/json\r\nContent-Length: 8\r\n\r\n{\"n\":42}");
    QVERIFY(!original.isEmpty());
    CaptureReader reader;
    QVERIFY(reader.open(m_dir.path() + QStringLiteral("/captures.sqlite")));
    QTRY_VERIFY_WITH_TIMEOUT(reader.byCorrelationId(original).has_value(), kTimeoutMs);
    const QByteArray edit = R"({"instance":"echo-1","body":"{\"n\":43,\"extra\":true}"})";
    const QByteArray request = "POST /api/v1/captures/" + original +
                               "/replay HTTP/1.1\r\nHost: a\r\nContent-Type: "
                               "application/json\r\nContent-Length: " +
                               QByteArray::number(edit.size()) + "\r\n";
    const auto refused = admin(request + "\r\n" + edit);
    QVERIFY(refused);
    QCOMPARE(refused->status, 401);
    const auto replayed =
        admin(request + "Authorization: Bearer " + kAdminToken.toByteArray() + "\r\n\r\n" + edit);
    QVERIFY(replayed);
    QCOMPARE(replayed->status, 200);
    const Json body = Json::parse(replayed->body.toStdString());
    QCOMPARE(body.at("replay").at("status").get<int>(), 200);
    const Json &diff = body.at("diff");
    QCOMPARE(diff.at("status").at("changed").get<bool>(), false);
    // The echo upstream reports the body size it received: 8 bytes then, 22 now.
    QCOMPARE(diff.at("body").at("equal").get<bool>(), false);
}

void TestEngineCapture::hooksPublishThroughTheEngine() {
    const QByteArray id = "4f8e2d1c-7b6a-4c3d-9e8f-0a1b2c3d4e5f";
    const QByteArray pre = R"({"correlation_id":")" + id +
                           R"(","session_id":"s-1","service_name":"planner","operation":"plan",)"
                           R"("parameters":{"depth":2},"timestamp":"2026-11-22T10:00:00.000Z"})";
    const QByteArray post = R"({"correlation_id":")" + id +
                            R"(","success":true,"output":{"steps":3},"error":null,)"
                            R"("timestamp":"2026-11-22T10:00:00.250Z"})";
    auto hook = [this](QByteArrayView path, const QByteArray &body, QByteArrayView key) {
        return admin("POST " + path.toByteArray() +
                     " HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nX-API-Key: " +
                     key.toByteArray() + "\r\nContent-Length: " + QByteArray::number(body.size()) +
                     "\r\n\r\n" + body);
    };
    const auto unauthorized = hook("/hooks/pre", pre, "not-the-configured-key-000");
    QVERIFY(unauthorized);
    QCOMPARE(unauthorized->status, 401);
    const auto accepted = hook("/hooks/pre", pre, kHookKey);
    QVERIFY(accepted);
    QCOMPARE(accepted->status, 202);
    const auto completed = hook("/hooks/post", post, kHookKey);
    QVERIFY(completed);
    QCOMPARE(completed->status, 200);

    std::vector<TailMessage> events;
    QString error;
    QTRY_VERIFY_WITH_TIMEOUT(
        (events = TopicTail::fetch(m_engine->kafkaBrokers(),
                                   QStringLiteral("hooks.execution_intelligence"),
                                   TailStart{TailStart::Beginning}, TailFilter{id, {}, {}}, 10,
                                   std::chrono::milliseconds(2000), &error))
                .size() == 1,
        kTimeoutMs);
    const Json event = Json::parse(events.front().value.toStdString());
    QCOMPARE(event.at("event_type").get<std::string>(), std::string("execution_completed"));
    QCOMPARE(event.at("results").at("execution_time_ms").get<double>(), 250.0);
    QVERIFY(schemaNamed("events/hooks.execution_intelligence").validate(event).empty());
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot().hooks.published >= 1, kTimeoutMs);
    QVERIFY(m_engine->snapshot().hooks.rejected >= 1);
}

void TestEngineCapture::lifecycleHooksRegisterAndDrainInstances() {
    auto lifecycle = [this](QByteArrayView type) {
        return hook(
            "/hooks/lifecycle",
            R"({"event_type":")" + type.toByteArray() +
                R"(","timestamp":"2026-11-22T10:00:00Z","service_info":{"name":"late",)"
                R"("version":"1.0.0","capabilities":["search"],"endpoints":[")" +
                m_echo->url() +
                R"("],"dependencies":[]},"intelligence_metadata":{"discovery_method":)"
                R"("hook","registration_automatic":true,"capability_extraction":"manual"}})");
    };
    const QByteArray request =
        "GET /anything HTTP/1.1\r\nHost: t\r\nX-Target-Service: late\r\n\r\n";
    // Unknown before it announces itself.
    RawHttpClient before;
    QVERIFY(before.connectTo(m_engine->proxyPort()));
    QCOMPARE(before.exchange(request)->status, 404);

    const auto started = lifecycle("service_started");
    QVERIFY(started);
    QCOMPARE(started->status, 200);
    QByteArray id = send(request);
    QVERIFY(!id.isEmpty());
    QCOMPARE(m_sent[id], 200);
    CaptureReader reader;
    QVERIFY(reader.open(m_dir.path() + QStringLiteral("/captures.sqlite")));
    QTRY_VERIFY_WITH_TIMEOUT(reader.byCorrelationId(id).has_value(), kTimeoutMs);
    QCOMPARE(reader.byCorrelationId(id)->service, QStringLiteral("late"));

    const auto stopped = lifecycle("service_stopped");
    QVERIFY(stopped);
    QCOMPARE(stopped->status, 200);
    id = send(request);
    QCOMPARE(m_sent[id], 503); // known, but its only instance is draining

    std::vector<TailMessage> events;
    QString error;
    QTRY_VERIFY_WITH_TIMEOUT(
        (events =
             TopicTail::fetch(m_engine->kafkaBrokers(), QStringLiteral("hooks.service_lifecycle"),
                              TailStart{TailStart::Beginning}, TailFilter{"late", {}, {}}, 10,
                              std::chrono::milliseconds(2000), &error))
                .size() == 2,
        kTimeoutMs);
    for (const TailMessage &message : events) {
        const Json event = Json::parse(message.value.toStdString());
        QVERIFY(schemaNamed("events/hooks.service_lifecycle").validate(event).empty());
    }
}

void TestEngineCapture::brokerOutageUnderTrafficLosesNothing() {
    // Traffic keeps flowing through the proxy while every broker is down for five seconds:
    // requests are not slowed by it, and afterwards every exchange's events are on each
    // topic exactly once.
    EmbeddedKafkaCluster *cluster = m_engine->embeddedKafka();
    QVERIFY(cluster);
    const EngineSnapshot before = m_engine->snapshot();
    cluster->setAllBrokersDown(true);
    QTimer outage;
    outage.setSingleShot(true);
    bool over = false;
    connect(&outage, &QTimer::timeout, this, [&] {
        cluster->setAllBrokersDown(false);
        over = true;
    });
    outage.start(5000);
    std::set<QByteArray> during;
    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->proxyPort()));
    while (!over) {
        // Paced by the round trips themselves: each waits for its answer (the event loop runs
        // meanwhile, so the outage timer fires on time).
        const auto response = client.exchange("GET /echo/outage HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        during.insert(response->header("x-correlation-id"));
    }
    QVERIFY(during.size() > 50);
    const std::uint64_t expected = before.eventBus.delivered + 3 * during.size();
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot().eventBus.delivered >= expected, 30000);
    QCOMPARE(m_engine->snapshot().eventBus.failed, std::uint64_t(0));
    QCOMPARE(m_engine->snapshot().capture.dropped, std::uint64_t(0));
    for (const char *topic : kExchangeTopics) {
        QString error;
        std::map<QByteArray, int> seen;
        for (const TailMessage &message :
             TopicTail::fetch(m_engine->kafkaBrokers(), QString::fromLatin1(topic),
                              TailStart{TailStart::Beginning}, TailFilter{}, 100000,
                              std::chrono::milliseconds(kTimeoutMs), &error)) {
            if (during.count(message.key))
                ++seen[message.key];
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const std::uint64_t possiblyPersisted = m_engine->snapshot().eventBus.possiblyPersisted;
        for (const QByteArray &id : during) {
            // At least once is the contract; twice only for an event whose delivery timed out
            // in flight (the publisher counts those as possibly persisted).
            if (possiblyPersisted == 0)
                QVERIFY2(seen[id] == 1, qPrintable(QStringLiteral("%1: %2 events for %3")
                                                       .arg(QLatin1String(topic))
                                                       .arg(seen[id])
                                                       .arg(QString::fromLatin1(id))));
            else
                QVERIFY(seen[id] >= 1);
        }
    }
}

QTEST_GUILESS_MAIN(TestEngineCapture)
#include "tst_engine_capture.moc"
