#include <backend/engine/engine.h>
#include <backend/httpserver/http_server.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using namespace ToolCapture;

namespace {

constexpr QByteArrayView kToken = "live-settings-test-token";
constexpr int kTimeoutMs = 10000;

constexpr QByteArrayView kUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

// Requests the proxy forwarded to an upstream under `prefix` (health checks are off anyway).
int proxied(const TestUpstream &upstream, QByteArrayView prefix) {
    int n = 0;
    for (const QByteArray &head : upstream.heads()) {
        if (head.startsWith("GET " + prefix.toByteArray()))
            ++n;
    }
    return n;
}

QByteArray httpDate(const QDateTime &at) {
    return QLocale::c()
        .toString(at.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

// The admin API's answer given to a test in this thread (the console's embedded feed).
class CapturingResponder final : public HttpResponder {
public:
    void respond(HttpResponse response) override { m_response = std::move(response); }
    const std::optional<HttpResponse> &response() const { return m_response; }

private:
    std::optional<HttpResponse> m_response;
};

} // namespace

// Live settings of a real Engine: the admin API's validation and audit, and, for every setting
// in the table, the running data path behaving differently once it changed.
class TestLiveSettings : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void patchValidates_data();
    void patchValidates();
    void settingsNeedTheToken();
    void documentListsEveryServiceAndSetting();
    void auditHasBeforeAfterActorAndSource();
    void consoleIsTheActorInProcess();
    void auditKeepsTheLast200();
    void metricsCountChanges();
    void maxAttemptsChangesAttempts();
    void retryBudgetChangesRetries();
    void firstByteTimeoutChangesTimeouts();
    void failureRateChangesWhenTheBreakerTrips();
    void openDurationChangesTheOpenPeriod();
    void routingWeightsChangeTheScores();
    void cacheEnabledChangesHits();
    void cacheHeuristicsChangeWhatIsStored();
    void learnTtlLearnsTheLifetime();
    void sampleRateZeroStopsCaptures();
    void cacheRulesHoldForLiveChanges();

private:
    std::optional<RawHttpResponse> admin(const QByteArray &request);
    std::optional<RawHttpResponse> patch(const QByteArray &body, bool withToken = true);
    // PATCH one setting; the audit entry, or an empty object when refused.
    QJsonObject set(const QString &service, const QString &setting, const QJsonValue &value);
    std::optional<RawHttpResponse> get(QByteArrayView path);
    int proxiedStatus(QByteArrayView target, QByteArray *correlationId = nullptr);
    const InstanceSnapshot *instance(const EngineSnapshot &snapshot, const QString &id) const;
    QJsonObject capture(const QByteArray &correlationId);

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_failing;  // "retry"
    std::unique_ptr<TestUpstream> m_slow;     // "slow"
    std::unique_ptr<TestUpstream> m_breaker;  // "breaker"
    std::unique_ptr<TestUpstream> m_trip;     // "trip"
    std::unique_ptr<TestUpstream> m_routedOk; // "routed"
    std::unique_ptr<TestUpstream> m_routedBad;
    std::unique_ptr<TestUpstream> m_cached;    // "cached"
    std::unique_ptr<TestUpstream> m_heuristic; // "heuristic"
    std::unique_ptr<TestUpstream> m_learned;   // "learned"
    std::unique_ptr<TestUpstream> m_echo;      // "sampled", "marker", "api"
    std::unique_ptr<Engine> m_engine;
};

void TestLiveSettings::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_failing = std::make_unique<TestUpstream>(
        TestUpstream::Behaviour{TestUpstream::Mode::Raw, kUnavailable.toByteArray()});
    TestUpstream::Behaviour slow;
    slow.delayMs = 1500;
    m_slow = std::make_unique<TestUpstream>(slow);
    m_breaker = std::make_unique<TestUpstream>();
    m_trip = std::make_unique<TestUpstream>(
        TestUpstream::Behaviour{TestUpstream::Mode::Raw, kUnavailable.toByteArray()});
    m_routedOk = std::make_unique<TestUpstream>();
    m_routedBad = std::make_unique<TestUpstream>(
        TestUpstream::Behaviour{TestUpstream::Mode::Raw,
                                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"});
    m_cached = std::make_unique<TestUpstream>(TestUpstream::Behaviour{
        TestUpstream::Mode::Raw,
        "HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Length: 2\r\n\r\nok"});
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_heuristic = std::make_unique<TestUpstream>(TestUpstream::Behaviour{
        TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nDate: " + httpDate(now) +
                                     "\r\nLast-Modified: " + httpDate(now.addDays(-30)) +
                                     "\r\nContent-Length: 2\r\n\r\nok"});
    // A heuristic lifetime of 1 s (10% of Date - Last-Modified), already 20 s old: every
    // request refetches it, and the TTL advisor (when on) sees the same ETag each time.
    m_learned = std::make_unique<TestUpstream>(TestUpstream::Behaviour{
        TestUpstream::Mode::Raw, "HTTP/1.1 200 OK\r\nDate: " + httpDate(now.addSecs(-20)) +
                                     "\r\nLast-Modified: " + httpDate(now.addSecs(-30)) +
                                     "\r\nETag: \"v1\"\r\nContent-Length: 2\r\n\r\nok"});
    m_echo = std::make_unique<TestUpstream>();

    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    // One worker: the captures of one client's exchanges are queued in the order they ended.
    config.workers = 1;
    config.adminToken = QString::fromLatin1(kToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    int n = 0;
    const auto add = [&](const char *name, std::vector<TestUpstream *> upstreams,
                         const std::function<void(ServiceConfig &)> &adjust = {}) {
        ServiceConfig service;
        service.name = QString::fromLatin1(name);
        service.match.pathPrefix = "/" + QByteArray(name) + "/";
        service.health.enabled = false;
        // No ejections, no trips unless a test asks: failures are what these tests send.
        service.outlier.consecutiveFailures = 1000000;
        service.outlier.successRateMinimumHosts = 1000;
        service.breaker.adaptive = false;
        service.breaker.consecutiveFailures = 1000000;
        service.breaker.failureRate = 1.0;
        service.breaker.status5xxIsFailure = false;
        service.retry.baseDelay = std::chrono::milliseconds(1);
        service.retry.maxDelay = std::chrono::milliseconds(2);
        for (TestUpstream *upstream : upstreams) {
            InstanceConfig instance;
            instance.id = QStringLiteral("%1-%2").arg(QLatin1String(name)).arg(++n);
            instance.host = QStringLiteral("127.0.0.1");
            instance.port = upstream->port();
            instance.url = QString::fromLatin1(upstream->url());
            service.instances.push_back(instance);
        }
        if (adjust)
            adjust(service);
        config.services.push_back(service);
    };
    add("api", {m_echo.get()});
    add("retry", {m_failing.get()}, [](ServiceConfig &s) { s.retry.maxAttempts = 3; });
    add("slow", {m_slow.get()}, [](ServiceConfig &s) {
        s.retry.maxAttempts = 1;
        s.timeouts.firstByte = std::chrono::milliseconds(20000);
    });
    add("breaker", {m_breaker.get()}, [](ServiceConfig &s) {
        s.retry.maxAttempts = 1;
        s.breaker.status5xxIsFailure = true;
        s.breaker.windowSize = 20;
        s.breaker.minimumCalls = 4;
        s.breaker.failureRate = 0.9;
    });
    add("trip", {m_trip.get()}, [](ServiceConfig &s) {
        s.retry.maxAttempts = 1;
        s.breaker.status5xxIsFailure = true;
        s.breaker.consecutiveFailures = 2;
        s.breaker.openDuration = std::chrono::milliseconds(3600000);
        s.breaker.maxOpenDuration = std::chrono::milliseconds(3600000);
    });
    add("routed", {m_routedOk.get(), m_routedBad.get()},
        [](ServiceConfig &s) { s.retry.maxAttempts = 1; });
    add("cached", {m_cached.get()});
    add("heuristic", {m_heuristic.get()});
    add("sampled", {m_echo.get()});
    add("marker", {m_echo.get()});
    add("budget", {m_failing.get()}, [](ServiceConfig &s) {
        s.retry.maxAttempts = 3;
        s.retry.budget = 1.0;
        s.retry.minRetryConcurrency = 0; // the budget alone decides
    });
    add("learned", {m_learned.get()});
    CacheServiceConfig heuristics = config.cache.serviceDefaults;
    heuristics.heuristics = true;
    config.cache.services.insert(QStringLiteral("learned"), heuristics);

    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
}

void TestLiveSettings::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

std::optional<RawHttpResponse> TestLiveSettings::admin(const QByteArray &request) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(request);
}

std::optional<RawHttpResponse> TestLiveSettings::patch(const QByteArray &body, bool withToken) {
    return admin(
        "PATCH /api/v1/settings HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n" +
        (withToken ? "Authorization: Bearer " + kToken.toByteArray() + "\r\n" : QByteArray()) +
        "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
}

std::optional<RawHttpResponse> TestLiveSettings::get(QByteArrayView path) {
    return admin("GET " + path.toByteArray() + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " +
                 kToken.toByteArray() + "\r\n\r\n");
}

QJsonObject TestLiveSettings::set(const QString &service, const QString &setting,
                                  const QJsonValue &value) {
    const QJsonObject body{{QStringLiteral("service"), service},
                           {QStringLiteral("setting"), setting},
                           {QStringLiteral("value"), value},
                           {QStringLiteral("reason"), QStringLiteral("test")}};
    const auto response = patch(QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (!response || response->status != 200)
        return {};
    return QJsonDocument::fromJson(response->body).object();
}

int TestLiveSettings::proxiedStatus(QByteArrayView target, QByteArray *correlationId) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->proxyPort()))
        return 0;
    const auto response =
        client.exchange("GET " + target.toByteArray() + " HTTP/1.1\r\nHost: t\r\n\r\n");
    if (!response)
        return 0;
    if (correlationId)
        *correlationId = response->header("x-correlation-id");
    return response->status;
}

const InstanceSnapshot *TestLiveSettings::instance(const EngineSnapshot &snapshot,
                                                   const QString &id) const {
    for (const ServiceSnapshot &service : snapshot.services) {
        for (const InstanceSnapshot &i : service.instances) {
            if (i.id == id)
                return &i;
        }
    }
    return nullptr;
}

QJsonObject TestLiveSettings::capture(const QByteArray &correlationId) {
    const auto response = get("/api/v1/captures/" + correlationId);
    if (!response || response->status != 200)
        return {};
    return QJsonDocument::fromJson(response->body).object();
}

void TestLiveSettings::patchValidates_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("pointer"); // of the member at fault (400)

    const auto row = [](const char *setting, const char *value) {
        return R"({"service":"api","setting":")" + QByteArray(setting) + R"(","value":)" +
               QByteArray(value) + R"(,"reason":"table"})";
    };
    struct Valid {
        const char *setting;
        const char *value;
    };
    // Every setting with a value inside its range, and each end of it.
    const Valid valid[] = {
        {"timeouts.first_byte_ms", "15000"},
        {"timeouts.first_byte_ms", "1"},
        {"timeouts.first_byte_ms", "600000"},
        {"retry.max_attempts", "1"},
        {"retry.max_attempts", "10"},
        {"retry.budget", "0"},
        {"retry.budget", "1"},
        {"retry.budget", "0.25"},
        {"breaker.failure_rate", "0.01"},
        {"breaker.failure_rate", "1"},
        {"breaker.open_duration_ms", "100"},
        {"breaker.open_duration_ms", "3600000"},
        {"routing.latency_weight", "0"},
        {"routing.latency_weight", "10"},
        {"routing.reliability_weight", "2.5"},
        {"routing.load_weight", "0.5"},
        {"routing.compatibility_weight", "1"},
        {"cache.enabled", "false"},
        {"cache.enabled", "true"},
        {"cache.heuristics", "true"},
        {"cache.learn_ttl", "true"},
        {"capture.sample_rate", "0.5"},
        {"capture.sample_rate", "1"},
    };
    for (const Valid &v : valid) {
        QTest::addRow("%s=%s", v.setting, v.value)
            << row(v.setting, v.value) << 200 << QByteArray();
    }
    struct Invalid {
        const char *name;
        QByteArray body;
        const char *pointer;
    };
    const Invalid invalid[] = {
        {"first_byte below", row("timeouts.first_byte_ms", "0"), "/value"},
        {"first_byte above", row("timeouts.first_byte_ms", "600001"), "/value"},
        {"first_byte fraction", row("timeouts.first_byte_ms", "10.5"), "/value"},
        {"first_byte string", row("timeouts.first_byte_ms", R"("100")"), "/value"},
        {"max_attempts 0", row("retry.max_attempts", "0"), "/value"},
        {"max_attempts 11", row("retry.max_attempts", "11"), "/value"},
        {"max_attempts bool", row("retry.max_attempts", "true"), "/value"},
        {"budget negative", row("retry.budget", "-0.1"), "/value"},
        {"budget above", row("retry.budget", "1.5"), "/value"},
        {"failure_rate below", row("breaker.failure_rate", "0.001"), "/value"},
        {"failure_rate above", row("breaker.failure_rate", "1.01"), "/value"},
        {"open_duration below", row("breaker.open_duration_ms", "99"), "/value"},
        {"open_duration above", row("breaker.open_duration_ms", "3600001"), "/value"},
        {"latency_weight above", row("routing.latency_weight", "10.5"), "/value"},
        {"reliability_weight negative", row("routing.reliability_weight", "-1"), "/value"},
        {"load_weight null", row("routing.load_weight", "null"), "/value"},
        {"compatibility_weight array", row("routing.compatibility_weight", "[1]"), "/value"},
        {"cache.enabled number", row("cache.enabled", "1"), "/value"},
        {"cache.heuristics string", row("cache.heuristics", R"("true")"), "/value"},
        {"cache.learn_ttl object", row("cache.learn_ttl", "{}"), "/value"},
        {"sample_rate above", row("capture.sample_rate", "2"), "/value"},
        {"sample_rate negative", row("capture.sample_rate", "-0.5"), "/value"},
        {"unknown setting", row("retry.per_try_timeout_ms", "5"), "/setting"},
        {"unknown service", R"({"service":"nowhere","setting":"retry.max_attempts","value":2})",
         "/service"},
        {"service not a string", R"({"service":7,"setting":"retry.max_attempts","value":2})",
         "/service"},
        {"setting missing", R"({"service":"api","value":2})", "/setting"},
        {"value missing", R"({"service":"api","setting":"retry.max_attempts"})", "/value"},
        {"reason not a string",
         R"({"service":"api","setting":"retry.max_attempts","value":2,"reason":5})", "/reason"},
        {"unknown member",
         R"({"service":"api","setting":"retry.max_attempts","value":2,"actor":"x"})", "/actor"},
        {"not JSON", "{service", ""},
        {"not an object", "[1,2]", ""},
    };
    for (const Invalid &i : invalid)
        QTest::newRow(i.name) << i.body << 400 << QByteArray(i.pointer);
}

void TestLiveSettings::patchValidates() {
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, pointer);
    const QJsonObject before = m_engine->settingsDocument();
    const auto response = patch(body);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    const QJsonObject answer = QJsonDocument::fromJson(response->body).object();
    const QJsonObject request = QJsonDocument::fromJson(body).object();
    if (status == 200) {
        QCOMPARE(answer.value(QStringLiteral("service")).toString(), QStringLiteral("api"));
        QCOMPARE(answer.value(QStringLiteral("setting")), request.value(QStringLiteral("setting")));
        QCOMPARE(answer.value(QStringLiteral("after")).toDouble(),
                 request.value(QStringLiteral("value")).toDouble());
        QCOMPARE(answer.value(QStringLiteral("after")).isBool(),
                 request.value(QStringLiteral("value")).isBool());
        // The value in force is the one set.
        const QJsonObject now = m_engine->settingsDocument()
                                    .value(QStringLiteral("services"))
                                    .toObject()
                                    .value(QStringLiteral("api"))
                                    .toObject();
        QCOMPARE(now.value(request.value(QStringLiteral("setting")).toString()),
                 answer.value(QStringLiteral("after")));
        return;
    }
    QVERIFY(response->header("content-type").startsWith("application/problem+json"));
    QCOMPARE(answer.value(QStringLiteral("status")).toInt(), 400);
    const QJsonArray errors = answer.value(QStringLiteral("errors")).toArray();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().toObject().value(QStringLiteral("pointer")).toString().toUtf8(),
             pointer);
    const QString detail = answer.value(QStringLiteral("detail")).toString();
    if (!pointer.isEmpty())
        QVERIFY2(detail.startsWith(QString::fromUtf8(pointer.mid(1)) + QLatin1Char(':')),
                 qPrintable(detail));
    // Nothing changed.
    QCOMPARE(m_engine->settingsDocument().value(QStringLiteral("services")),
             before.value(QStringLiteral("services")));
}

void TestLiveSettings::settingsNeedTheToken() {
    const auto refusedPatch =
        patch(R"({"service":"api","setting":"retry.max_attempts","value":2})", false);
    QVERIFY(refusedPatch);
    QCOMPARE(refusedPatch->status, 401);
    const auto refusedGet = admin("GET /api/v1/settings HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(refusedGet);
    QCOMPARE(refusedGet->status, 401);
    const auto post = admin("POST /api/v1/settings HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " +
                            kToken.toByteArray() + "\r\nContent-Length: 0\r\n\r\n");
    QVERIFY(post);
    QCOMPARE(post->status, 405);
}

void TestLiveSettings::documentListsEveryServiceAndSetting() {
    const auto response = get("/api/v1/settings");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const QJsonObject document = QJsonDocument::fromJson(response->body).object();
    const QJsonObject services = document.value(QStringLiteral("services")).toObject();
    QCOMPARE(services.size(), 12);
    const QStringList settings{"timeouts.first_byte_ms",
                               "retry.max_attempts",
                               "retry.budget",
                               "breaker.failure_rate",
                               "breaker.open_duration_ms",
                               "routing.latency_weight",
                               "routing.reliability_weight",
                               "routing.load_weight",
                               "routing.compatibility_weight",
                               "cache.enabled",
                               "cache.heuristics",
                               "cache.learn_ttl",
                               "capture.sample_rate"};
    for (const QString &name : services.keys()) {
        QStringList keys = services.value(name).toObject().keys();
        keys.sort();
        QStringList expected = settings;
        expected.sort();
        QCOMPARE(keys, expected);
    }
    const QJsonObject slow = services.value(QStringLiteral("slow")).toObject();
    QCOMPARE(slow.value(QStringLiteral("timeouts.first_byte_ms")).toInteger(), 20000);
    QCOMPARE(slow.value(QStringLiteral("retry.max_attempts")).toInteger(), 1);
    QCOMPARE(services.value(QStringLiteral("breaker"))
                 .toObject()
                 .value(QStringLiteral("breaker.failure_rate"))
                 .toDouble(),
             0.9);
    QVERIFY(document.value(QStringLiteral("audit")).isArray());
}

void TestLiveSettings::auditHasBeforeAfterActorAndSource() {
    QVERIFY(!set(QStringLiteral("api"), QStringLiteral("retry.max_attempts"), 4).isEmpty());
    const QJsonObject entry = set(QStringLiteral("api"), QStringLiteral("retry.max_attempts"), 5);
    QCOMPARE(entry.value(QStringLiteral("before")).toInteger(), 4);
    QCOMPARE(entry.value(QStringLiteral("after")).toInteger(), 5);
    QCOMPARE(entry.value(QStringLiteral("actor")).toString(), QStringLiteral("admin-api"));
    QCOMPARE(entry.value(QStringLiteral("source")).toString(), QStringLiteral("operator"));
    QCOMPARE(entry.value(QStringLiteral("reason")).toString(), QStringLiteral("test"));
    QVERIFY(entry.value(QStringLiteral("recommendation_id")).isNull());
    QVERIFY(QDateTime::fromString(entry.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs)
                .isValid());

    // The same path from the recommendation engine, through the port.
    SettingChangeRequest request;
    request.service = QStringLiteral("api");
    request.setting = QStringLiteral("retry.max_attempts");
    request.value = 2;
    request.actor = QStringLiteral("recommendations");
    request.source = SettingSource::Recommendation;
    request.recommendationId = QStringLiteral("rec-1");
    const SettingChangeOutcome outcome = m_engine->changeSetting(request);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.entry.before.toInteger(), 5);
    QVERIFY(outcome.entry.id > quint64(entry.value(QStringLiteral("id")).toInteger()));

    const QJsonArray audit = QJsonDocument::fromJson(get("/api/v1/settings")->body)
                                 .object()
                                 .value(QStringLiteral("audit"))
                                 .toArray();
    QVERIFY(audit.size() >= 2);
    const QJsonObject last = audit.last().toObject();
    QCOMPARE(last.value(QStringLiteral("source")).toString(), QStringLiteral("recommendation"));
    QCOMPARE(last.value(QStringLiteral("recommendation_id")).toString(), QStringLiteral("rec-1"));
    QCOMPARE(last.value(QStringLiteral("actor")).toString(), QStringLiteral("recommendations"));
    QCOMPARE(audit.at(audit.size() - 2).toObject(), entry);

    // Refused changes are not audited.
    request.value = 99;
    const SettingChangeOutcome refused = m_engine->changeSetting(request);
    QVERIFY(!refused.ok);
    QVERIFY2(refused.error.startsWith(QLatin1String("value: retry.max_attempts")),
             qPrintable(refused.error));
    QCOMPARE(m_engine->settingsDocument().value(QStringLiteral("audit")).toArray().last(),
             QJsonValue(last));

    // Compare and set: only while the setting still has the expected value.
    request.value = 3;
    request.expected = QJsonValue(4); // it is 2
    const SettingChangeOutcome conflict = m_engine->changeSetting(request);
    QVERIFY(!conflict.ok);
    QVERIFY(conflict.conflict);
    QCOMPARE(conflict.current.toInteger(), 2);
    QVERIFY2(conflict.error.contains(QLatin1String("retry.max_attempts of api is 2, not 4")),
             qPrintable(conflict.error));
    QCOMPARE(m_engine->settingsDocument().value(QStringLiteral("audit")).toArray().last(),
             QJsonValue(last));
    request.expected = QJsonValue(2);
    const SettingChangeOutcome matched = m_engine->changeSetting(request);
    QVERIFY2(matched.ok, qPrintable(matched.error));
    QVERIFY(!matched.conflict);
    QCOMPARE(matched.entry.before.toInteger(), 2);
    QCOMPARE(matched.entry.after.toInteger(), 3);
}

void TestLiveSettings::consoleIsTheActorInProcess() {
    HttpRequest request;
    request.head.method = "PATCH";
    request.head.target = "/api/v1/settings";
    request.body = R"({"service":"api","setting":"retry.budget","value":0.5})";
    auto responder = std::make_shared<CapturingResponder>();
    m_engine->dispatchAdmin(request, responder);
    QVERIFY(responder->response());
    QCOMPARE(responder->response()->status, 200);
    QCOMPARE(QJsonDocument::fromJson(responder->response()->body)
                 .object()
                 .value(QStringLiteral("actor"))
                 .toString(),
             QStringLiteral("console"));

    // A client over the listener cannot pass itself off as the console.
    const QByteArray body = R"({"service":"api","setting":"retry.budget","value":0.4})";
    const auto forged =
        admin("PATCH /api/v1/settings HTTP/1.1\r\nHost: a\r\nX-ToolCapture-In-Process: console\r\n"
              "Authorization: Bearer " +
              kToken.toByteArray() + "\r\nContent-Length: " + QByteArray::number(body.size()) +
              "\r\n\r\n" + body);
    QVERIFY(forged);
    QCOMPARE(forged->status, 200);
    QCOMPARE(
        QJsonDocument::fromJson(forged->body).object().value(QStringLiteral("actor")).toString(),
        QStringLiteral("admin-api"));
}

void TestLiveSettings::auditKeepsTheLast200() {
    std::uint64_t lastId = 0;
    for (int i = 0; i < 210; ++i) {
        SettingChangeRequest request;
        request.service = QStringLiteral("api");
        request.setting = QStringLiteral("routing.load_weight");
        request.value = double(i % 10);
        request.actor = QStringLiteral("test");
        const SettingChangeOutcome outcome = m_engine->changeSetting(request);
        QVERIFY(outcome.ok);
        lastId = outcome.entry.id;
    }
    const QJsonArray audit = m_engine->settingsDocument().value(QStringLiteral("audit")).toArray();
    QCOMPARE(audit.size(), 200);
    QCOMPARE(quint64(audit.last().toObject().value(QStringLiteral("id")).toInteger()), lastId);
    for (qsizetype i = 1; i < audit.size(); ++i) {
        QCOMPARE(audit.at(i).toObject().value(QStringLiteral("id")).toInteger(),
                 audit.at(i - 1).toObject().value(QStringLiteral("id")).toInteger() + 1);
    }
}

void TestLiveSettings::metricsCountChanges() {
    const auto count = [this] {
        const auto response = get("/metrics");
        if (!response)
            return -1;
        for (const QByteArray &line : response->body.split('\n')) {
            if (line.startsWith(R"(toolcapture_settings_changes_total{service="api",)"
                                R"(setting="cache.learn_ttl",source="operator"})"))
                return line.split(' ').last().toInt();
        }
        return 0;
    };
    const int before = count();
    QVERIFY(before >= 0);
    QVERIFY(!set(QStringLiteral("api"), QStringLiteral("cache.learn_ttl"), false).isEmpty());
    QVERIFY(!set(QStringLiteral("api"), QStringLiteral("cache.learn_ttl"), true).isEmpty());
    QCOMPARE(count(), before + 2);
}

void TestLiveSettings::maxAttemptsChangesAttempts() {
    int before = proxied(*m_failing, "/retry/");
    QCOMPARE(proxiedStatus("/retry/a"), 503);
    QCOMPARE(proxied(*m_failing, "/retry/") - before, 3);

    const QJsonObject entry = set(QStringLiteral("retry"), QStringLiteral("retry.max_attempts"), 1);
    QCOMPARE(entry.value(QStringLiteral("before")).toInteger(), 3);
    before = proxied(*m_failing, "/retry/");
    QCOMPARE(proxiedStatus("/retry/b"), 503);
    QCOMPARE(proxied(*m_failing, "/retry/") - before, 1);

    QVERIFY(!set(QStringLiteral("retry"), QStringLiteral("retry.max_attempts"), 2).isEmpty());
    before = proxied(*m_failing, "/retry/");
    QCOMPARE(proxiedStatus("/retry/c"), 503);
    QCOMPARE(proxied(*m_failing, "/retry/") - before, 2);
}

void TestLiveSettings::retryBudgetChangesRetries() {
    // Budget 1 with no minimum concurrency: the one request in flight may have one retry at a
    // time, and a retry holds its permit until the next one is asked for: two attempts.
    int before = proxied(*m_failing, "/budget/");
    QCOMPARE(proxiedStatus("/budget/a"), 503);
    QCOMPARE(proxied(*m_failing, "/budget/") - before, 2);

    const QJsonObject entry = set(QStringLiteral("budget"), QStringLiteral("retry.budget"), 0.0);
    QCOMPARE(entry.value(QStringLiteral("before")).toDouble(), 1.0);
    before = proxied(*m_failing, "/budget/");
    QCOMPARE(proxiedStatus("/budget/b"), 503);
    QCOMPARE(proxied(*m_failing, "/budget/") - before, 1);
    const EngineSnapshot snapshot = m_engine->snapshot();
    for (const ServiceSnapshot &service : snapshot.services) {
        if (service.name == QLatin1String("budget"))
            QVERIFY(service.retryBudget.refused >= 1);
    }

    QVERIFY(!set(QStringLiteral("budget"), QStringLiteral("retry.budget"), 1.0).isEmpty());
    before = proxied(*m_failing, "/budget/");
    QCOMPARE(proxiedStatus("/budget/c"), 503);
    QCOMPARE(proxied(*m_failing, "/budget/") - before, 2);
}

void TestLiveSettings::firstByteTimeoutChangesTimeouts() {
    // The upstream answers after 1.5 s: within 20 s, not within 100 ms.
    QCOMPARE(proxiedStatus("/slow/a"), 200);
    const QJsonObject entry =
        set(QStringLiteral("slow"), QStringLiteral("timeouts.first_byte_ms"), 100);
    QCOMPARE(entry.value(QStringLiteral("before")).toInteger(), 20000);
    QCOMPARE(proxiedStatus("/slow/b"), 504);
    QVERIFY(
        !set(QStringLiteral("slow"), QStringLiteral("timeouts.first_byte_ms"), 20000).isEmpty());
    QCOMPARE(proxiedStatus("/slow/c"), 200);
}

void TestLiveSettings::failureRateChangesWhenTheBreakerTrips() {
    const QString id = QStringLiteral("breaker-4");
    // Two successes, then three failures: 60% failures, under the configured 90%.
    QCOMPARE(proxiedStatus("/breaker/ok-1"), 200);
    QCOMPARE(proxiedStatus("/breaker/ok-2"), 200);
    m_breaker->setBehaviour({TestUpstream::Mode::Raw, kUnavailable.toByteArray()});
    for (int i = 0; i < 3; ++i)
        QCOMPARE(proxiedStatus("/breaker/fail"), 503);
    EngineSnapshot snapshot = m_engine->snapshot();
    const InstanceSnapshot *breaker = instance(snapshot, id);
    QVERIFY(breaker);
    QCOMPARE(breaker->breaker.state, BreakerState::Closed);
    QCOMPARE(breaker->breaker.failures, 3);
    QCOMPARE(breaker->breaker.threshold, 0.9);

    const QJsonObject entry =
        set(QStringLiteral("breaker"), QStringLiteral("breaker.failure_rate"), 0.3);
    QCOMPARE(entry.value(QStringLiteral("before")).toDouble(), 0.9);
    snapshot = m_engine->snapshot();
    QCOMPARE(instance(snapshot, id)->breaker.threshold, 0.3);
    // The next check is against 30%, and 60% of the window failed: it trips. That check is the
    // next failure's or the engine's periodic tick()'s, whichever comes first (a slow run, under
    // ASan, has seen the tick first: then the failure below is refused by the open breaker).
    const int before = proxied(*m_breaker, "/breaker/");
    QCOMPARE(proxiedStatus("/breaker/fail"), 503);
    QTRY_COMPARE_WITH_TIMEOUT(instance(m_engine->snapshot(), id)->breaker.state, BreakerState::Open,
                              kTimeoutMs);
    const int reached = proxied(*m_breaker, "/breaker/") - before;
    QVERIFY2(reached == 0 || reached == 1, qPrintable(QString::number(reached)));
    // Open: the instance sees nothing more.
    QCOMPARE(proxiedStatus("/breaker/refused"), 503);
    QCOMPARE(proxied(*m_breaker, "/breaker/") - before, reached);
    m_breaker->setBehaviour({});
}

void TestLiveSettings::openDurationChangesTheOpenPeriod() {
    const QString id = QStringLiteral("trip-5");
    // Configured: an hour open. Set to 100 ms, then trip it (two consecutive failures).
    const QJsonObject entry =
        set(QStringLiteral("trip"), QStringLiteral("breaker.open_duration_ms"), 100);
    QCOMPARE(entry.value(QStringLiteral("before")).toInteger(), 3600000);
    QCOMPARE(proxiedStatus("/trip/a"), 503);
    QCOMPARE(proxiedStatus("/trip/b"), 503);
    QTRY_COMPARE_WITH_TIMEOUT(instance(m_engine->snapshot(), id)->breaker.state, BreakerState::Open,
                              kTimeoutMs);
    const EngineSnapshot snapshot = m_engine->snapshot();
    const BreakerSnapshot &open = instance(snapshot, id)->breaker;
    QVERIFY2(open.openRemaining <= std::chrono::milliseconds(100),
             qPrintable(QString::number(open.openRemaining.count())));
    // The open period ends: a request reaches the instance again as the probe.
    const int before = proxied(*m_trip, "/trip/");
    QTRY_VERIFY_WITH_TIMEOUT((proxiedStatus("/trip/probe"), proxied(*m_trip, "/trip/") > before),
                             kTimeoutMs);
}

void TestLiveSettings::routingWeightsChangeTheScores() {
    // The score of every candidate of a routing explanation of a fresh exchange (empty until
    // its capture is stored).
    const auto scores = [this]() -> QList<double> {
        QByteArray id;
        if (proxiedStatus("/routed/x", &id) == 0 || id.isEmpty())
            return {};
        QJsonObject record;
        if (!QTest::qWaitFor([&] { return !(record = capture(id)).isEmpty(); }, kTimeoutMs))
            return {};
        QList<double> list;
        const QJsonArray candidates = record.value(QStringLiteral("routing"))
                                          .toObject()
                                          .value(QStringLiteral("candidates"))
                                          .toArray();
        for (const QJsonValue &candidate : candidates)
            list.append(candidate.toObject().value(QStringLiteral("score")).toDouble());
        return list;
    };
    // Traffic to both: the one answering 500 loses reliability.
    for (int i = 0; i < 20; ++i)
        QVERIFY(proxiedStatus("/routed/warm") != 0);
    const QList<double> before = scores();
    QCOMPARE(before.size(), 2);
    QVERIFY2(std::any_of(before.begin(), before.end(), [](double s) { return s < 0.95; }),
             qPrintable(QStringLiteral("%1 %2").arg(before[0]).arg(before[1])));

    // Only compatibility counts now, and every instance is compatible: all score 1.
    for (const char *name :
         {"routing.latency_weight", "routing.reliability_weight", "routing.load_weight"}) {
        QVERIFY(!set(QStringLiteral("routed"), QString::fromLatin1(name), 0.0).isEmpty());
    }
    const auto allOne = [&] {
        const QList<double> now = scores();
        return now.size() == 2 &&
               std::all_of(now.begin(), now.end(), [](double s) { return std::abs(s - 1) < 1e-9; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allOne(), kTimeoutMs);
    // The engine's own scores (the services document) follow too.
    const EngineSnapshot snapshot = m_engine->snapshot();
    for (const ServiceSnapshot &service : snapshot.services) {
        if (service.name != QLatin1String("routed"))
            continue;
        for (const CandidateScore &candidate : service.currentScores.candidates)
            QCOMPARE(candidate.score, 1.0);
    }
}

void TestLiveSettings::cacheEnabledChangesHits() {
    const int start = proxied(*m_cached, "/cached/");
    QCOMPARE(proxiedStatus("/cached/item"), 200);
    QCOMPARE(proxiedStatus("/cached/item"), 200);
    QCOMPARE(proxied(*m_cached, "/cached/") - start, 1); // the second was a hit

    const QJsonObject entry = set(QStringLiteral("cached"), QStringLiteral("cache.enabled"), false);
    QCOMPARE(entry.value(QStringLiteral("before")).toBool(), true);
    QCOMPARE(proxiedStatus("/cached/item"), 200);
    QCOMPARE(proxiedStatus("/cached/item"), 200);
    QCOMPARE(proxied(*m_cached, "/cached/") - start, 3); // both went upstream

    QVERIFY(!set(QStringLiteral("cached"), QStringLiteral("cache.enabled"), true).isEmpty());
    QCOMPARE(proxiedStatus("/cached/other"), 200);
    QCOMPARE(proxiedStatus("/cached/other"), 200);
    QCOMPARE(proxied(*m_cached, "/cached/") - start, 4);
}

void TestLiveSettings::cacheHeuristicsChangeWhatIsStored() {
    // No explicit freshness, Last-Modified a month ago: stored only with heuristics allowed.
    const int start = proxied(*m_heuristic, "/heuristic/");
    QCOMPARE(proxiedStatus("/heuristic/a"), 200);
    QCOMPARE(proxiedStatus("/heuristic/a"), 200);
    QCOMPARE(proxied(*m_heuristic, "/heuristic/") - start, 2);

    const QJsonObject entry =
        set(QStringLiteral("heuristic"), QStringLiteral("cache.heuristics"), true);
    QCOMPARE(entry.value(QStringLiteral("before")).toBool(), false);
    QCOMPARE(proxiedStatus("/heuristic/b"), 200);
    QCOMPARE(proxiedStatus("/heuristic/b"), 200);
    QCOMPARE(proxied(*m_heuristic, "/heuristic/") - start, 3);
}

void TestLiveSettings::learnTtlLearnsTheLifetime() {
    // The TTL source of the one entry stored for the service ("" when none).
    const auto ttlSource = [this] {
        const auto response = get("/api/v1/cache?service=learned");
        if (!response || response->status != 200)
            return QString();
        const QJsonArray entries = QJsonDocument::fromJson(response->body)
                                       .object()
                                       .value(QStringLiteral("entries"))
                                       .toArray();
        return entries.size() == 1
                   ? entries.first().toObject().value(QStringLiteral("ttl_source")).toString()
                   : QString();
    };
    for (int i = 0; i < 8; ++i)
        QCOMPARE(proxiedStatus("/learned/item"), 200);
    QCOMPARE(ttlSource(), QStringLiteral("heuristic"));

    const QJsonObject entry =
        set(QStringLiteral("learned"), QStringLiteral("cache.learn_ttl"), true);
    QCOMPARE(entry.value(QStringLiteral("before")).toBool(), false);
    // Each refetch is an observation; from the third on the advisor's TTL replaces the
    // heuristic one.
    QTRY_COMPARE_WITH_TIMEOUT((proxiedStatus("/learned/item"), ttlSource()),
                              QStringLiteral("learned"), kTimeoutMs);
}

void TestLiveSettings::sampleRateZeroStopsCaptures() {
    // Captured while the rate is 1.
    QByteArray id;
    QCOMPARE(proxiedStatus("/sampled/before", &id), 200);
    QTRY_VERIFY_WITH_TIMEOUT(!capture(id).isEmpty(), kTimeoutMs);

    const QJsonObject entry =
        set(QStringLiteral("sampled"), QStringLiteral("capture.sample_rate"), 0.0);
    QCOMPARE(entry.value(QStringLiteral("before")).toDouble(), 1.0);
    QList<QByteArray> ids;
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(proxiedStatus("/sampled/after", &id), 200);
        ids.append(id);
    }
    // Another service's exchange, after them (one worker: queued after them), is captured;
    // by then theirs were taken or left out.
    QCOMPARE(proxiedStatus("/marker/x", &id), 200);
    QTRY_VERIFY_WITH_TIMEOUT(!capture(id).isEmpty(), kTimeoutMs);
    for (const QByteArray &left : ids) {
        const auto response = get("/api/v1/captures/" + left);
        QVERIFY(response);
        QCOMPARE(response->status, 404);
    }
}

// The rule the configuration file enforces between cache.learn_ttl and cache.heuristics holds
// for a live change too, in either order, and a refused change changes nothing.
void TestLiveSettings::cacheRulesHoldForLiveChanges() {
    const auto refused = [this](const char *setting, const char *value, const char *names) {
        const QJsonObject before = m_engine->settingsDocument();
        const auto response = patch(R"({"service":"cached","setting":")" + QByteArray(setting) +
                                    R"(","value":)" + value + "}");
        QVERIFY(response);
        QCOMPARE(response->status, 400);
        const QJsonObject answer = QJsonDocument::fromJson(response->body).object();
        const QString detail = answer.value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.startsWith(QStringLiteral("value: ")) &&
                     detail.contains(QLatin1String(names)),
                 qPrintable(detail));
        QCOMPARE(m_engine->settingsDocument().value(QStringLiteral("services")),
                 before.value(QStringLiteral("services")));
    };
    const QString service = QStringLiteral("cached");
    QVERIFY(!set(service, QStringLiteral("cache.heuristics"), false).isEmpty());
    refused("cache.learn_ttl", "true", "turn cache.heuristics on first");
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!set(service, QStringLiteral("cache.heuristics"), true).isEmpty());
    QVERIFY(!set(service, QStringLiteral("cache.learn_ttl"), true).isEmpty());
    refused("cache.heuristics", "false", "turn cache.learn_ttl off first");
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!set(service, QStringLiteral("cache.learn_ttl"), false).isEmpty());
    QVERIFY(!set(service, QStringLiteral("cache.heuristics"), false).isEmpty());
}

QTEST_GUILESS_MAIN(TestLiveSettings)
#include "tst_live_settings.moc"
