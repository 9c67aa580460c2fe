#include <backend/engine/engine.h>
#include <backend/engine/recommendation_host.h>
#include <backend/schema/schema_catalog.h>
#include <backend/store/intelligence_store.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;

namespace {

constexpr QByteArrayView kToken = "recommendations-test-token";
constexpr int kTimeoutMs = 10000;

} // namespace

// The recommendations API of a real Engine: a recommendation made from an injected analysis
// snapshot (the analyser's place), applied and reverted over HTTP, the live settings and their
// audit changed through the operator's path, the errors as problem+json, the events published.
class TestRecommendationsApi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void nothingIsEvaluatedWithoutAnAnalyser();
    void applyChangesTheSettingAndTheAudit();
    void errors_data();
    void errors();
    void needsTheToken();
    void anOperatorsEditTakesTheChangeOutOfForce();
    void revertPutsTheValueBack();
    void eventsArePublished();
    void storedInTheIntelligenceStore();

private:
    std::optional<RawHttpResponse> request(const QByteArray &method, const QByteArray &path,
                                           const QByteArray &body = {}, bool withToken = true);
    QJsonObject json(const std::optional<RawHttpResponse> &response) const {
        return response ? QJsonDocument::fromJson(response->body).object() : QJsonObject();
    }
    double loadWeight();

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<Engine> m_engine;
    QString m_id; // the recommendation applied
};

void TestRecommendationsApi::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_upstream = std::make_unique<TestUpstream>();
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 1;
    config.adminToken = QString::fromLatin1(kToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    // A store of its own: recommendations are loaded from it at start (a shared one would
    // bring back those of an earlier run).
    config.store = QStringLiteral("sqlite:%1/intelligence.sqlite").arg(m_dir.path());
    ServiceConfig service;
    service.name = QStringLiteral("inventory");
    service.match.pathPrefix = "/inventory/";
    service.health.enabled = false;
    for (int i = 1; i <= 2; ++i) {
        InstanceConfig instance;
        instance.id = QStringLiteral("inventory-%1").arg(i);
        instance.host = QStringLiteral("127.0.0.1");
        instance.port = m_upstream->port();
        instance.url = QString::fromLatin1(m_upstream->url());
        service.instances.push_back(instance);
    }
    config.services.push_back(service);
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->recommendations());
    // Evaluations wait for the store's recommendations of before (none here).
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->recommendations()->restoreSettled(), kTimeoutMs);
    QCOMPARE(m_engine->recommendations()->restoredCount(), 0);
}

void TestRecommendationsApi::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

std::optional<RawHttpResponse> TestRecommendationsApi::request(const QByteArray &method,
                                                               const QByteArray &path,
                                                               const QByteArray &body,
                                                               bool withToken) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(
        method + " " + path + " HTTP/1.1\r\nHost: a\r\n" +
        (withToken ? "Authorization: Bearer " + kToken.toByteArray() + "\r\n" : QByteArray()) +
        (body.isEmpty() ? QByteArray()
                        : "Content-Type: application/json\r\nContent-Length: " +
                              QByteArray::number(body.size()) + "\r\n\r\n" + body) +
        (body.isEmpty() ? "Content-Length: 0\r\n\r\n" : ""));
}

double TestRecommendationsApi::loadWeight() {
    return json(request("GET", "/api/v1/settings"))
        .value("services")
        .toObject()
        .value("inventory")
        .toObject()
        .value("routing.load_weight")
        .toDouble(-1);
}

void TestRecommendationsApi::nothingIsEvaluatedWithoutAnAnalyser() {
    RecommendationHost *host = m_engine->recommendations();
    QVERIFY(!host->evaluateNow()); // no provider
    host->setAnalysisProvider([] { return std::optional<AnalysisSnapshot>(); });
    QVERIFY(!host->evaluateNow()); // a provider with nothing to say
    const auto response = request("GET", "/api/v1/recommendations");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(json(response).value("recommendations").toArray().size(), 0);
}

void TestRecommendationsApi::applyChangesTheSettingAndTheAudit() {
    // The analyser's place, filled by the test: inventory's load is uneven.
    m_engine->recommendations()->setAnalysisProvider([] {
        AnalysisSnapshot snapshot;
        ServiceInsight service;
        service.service = QStringLiteral("inventory");
        service.instances = 2;
        service.requests = 1000;
        service.loadImbalance = 0.7;
        snapshot.services.push_back(service);
        // Two equally fast instances, 850 and 150 requests: an imbalance of 0.7.
        for (const auto &[id, requests] : {std::pair{"inventory-1", 850}, {"inventory-2", 150}}) {
            InstanceInsight instance;
            instance.service = QStringLiteral("inventory");
            instance.instance = QString::fromLatin1(id);
            instance.fiveMinutes.requests = std::uint64_t(requests);
            instance.fiveMinutes.latencyMs.add(2.0, std::uint64_t(requests));
            snapshot.instances.push_back(instance);
        }
        return std::optional<AnalysisSnapshot>(snapshot);
    });
    QVERIFY(m_engine->recommendations()->evaluateNow());
    const double before = loadWeight();
    QVERIFY(before >= 0);

    const QJsonArray open = json(request("GET", "/api/v1/recommendations?status=open"))
                                .value("recommendations")
                                .toArray();
    QCOMPARE(open.size(), 1);
    const QJsonObject r = open.first().toObject();
    QCOMPARE(r.value("type").toString(), QStringLiteral("load_balancing"));
    QCOMPARE(r.value("change").toObject().value("setting").toString(),
             QStringLiteral("routing.load_weight"));
    QCOMPARE(r.value("change").toObject().value("before").toDouble(), before);
    m_id = r.value("id").toString();
    QCOMPARE(json(request("GET", "/api/v1/recommendations/" + m_id.toUtf8())), r);

    const auto applied = request("POST", "/api/v1/recommendations/" + m_id.toUtf8() + "/apply",
                                 R"({"reason":"spread it"})");
    QVERIFY(applied);
    QCOMPARE(applied->status, 200);
    const QJsonObject after = json(applied);
    QCOMPARE(after.value("status").toString(), QStringLiteral("applied"));
    QCOMPARE(after.value("applied_by").toString(), QStringLiteral("admin-api"));
    QCOMPARE(after.value("effect").toObject().value("verdict").toString(),
             QStringLiteral("measuring"));

    QCOMPARE(loadWeight(), before + 1.0);
    const QJsonArray audit = json(request("GET", "/api/v1/settings")).value("audit").toArray();
    QVERIFY(!audit.isEmpty());
    const QJsonObject entry = audit.last().toObject();
    QCOMPARE(entry.value("source").toString(), QStringLiteral("recommendation"));
    QCOMPARE(entry.value("recommendation_id").toString(), m_id);
    QCOMPARE(entry.value("setting").toString(), QStringLiteral("routing.load_weight"));
    QCOMPARE(entry.value("actor").toString(), QStringLiteral("admin-api"));
    QCOMPARE(entry.value("reason").toString(), QStringLiteral("spread it"));
    QCOMPARE(entry.value("before").toDouble(), before);
    QCOMPARE(entry.value("after").toDouble(), before + 1.0);

    // Evaluated again while applied: still one.
    QVERIFY(m_engine->recommendations()->evaluateNow());
    QCOMPARE(
        json(request("GET", "/api/v1/recommendations")).value("recommendations").toArray().size(),
        1);
}

void TestRecommendationsApi::errors_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path"); // ID stands for the applied recommendation's id
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("pointer"); // errors[0].pointer of a 400

    const QByteArray unknown = "/api/v1/recommendations/00000000-0000-0000-0000-000000000000";
    QTest::newRow("get unknown") << QByteArray("GET") << unknown << QByteArray() << 404 << "";
    QTest::newRow("apply unknown")
        << QByteArray("POST") << unknown + "/apply" << QByteArray() << 404 << "";
    QTest::newRow("unknown action")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/undo") << QByteArray()
        << 404 << "";
    QTest::newRow("apply applied")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/apply") << QByteArray()
        << 409 << "";
    QTest::newRow("dismiss applied")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/dismiss") << QByteArray()
        << 409 << "";
    QTest::newRow("bad status") << QByteArray("GET")
                                << QByteArray("/api/v1/recommendations?status=closed")
                                << QByteArray() << 400 << "?status";
    QTest::newRow("unknown parameter")
        << QByteArray("GET") << QByteArray("/api/v1/recommendations?state=open") << QByteArray()
        << 400 << "?state";
    QTest::newRow("body not an object")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/revert")
        << QByteArray("[1]") << 400 << "";
    QTest::newRow("body extra member")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/revert")
        << QByteArray(R"({"why":"x"})") << 400 << "/why";
    QTest::newRow("reason not a string")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations/ID/revert")
        << QByteArray(R"({"reason":3})") << 400 << "/reason";
    QTest::newRow("post on the list")
        << QByteArray("POST") << QByteArray("/api/v1/recommendations") << QByteArray() << 405 << "";
}

void TestRecommendationsApi::errors() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, pointer);
    QVERIFY(!m_id.isEmpty());
    path.replace("ID", m_id.toUtf8());
    const auto response = request(method, path, body);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QVERIFY(response->header("Content-Type").startsWith("application/problem+json"));
    const QJsonObject problem = json(response);
    QCOMPARE(problem.value("status").toInt(), status);
    QVERIFY(!problem.value("detail").toString().isEmpty());
    if (status == 400) {
        QCOMPARE(problem.value("errors").toArray().first().toObject().value("pointer").toString(),
                 pointer);
    }
    // Nothing changed: still applied.
    QCOMPARE(
        json(request("GET", "/api/v1/recommendations/" + m_id.toUtf8())).value("status").toString(),
        QStringLiteral("applied"));
}

void TestRecommendationsApi::needsTheToken() {
    for (const QByteArray &method : {QByteArray("GET"), QByteArray("POST")}) {
        const QByteArray path =
            "/api/v1/recommendations/" + m_id.toUtf8() + (method == "POST" ? "/revert" : "");
        const auto response = request(method, path, {}, false);
        QVERIFY(response);
        QCOMPARE(response->status, 401);
    }
}

// change.in_force follows the setting in force: an operator's PATCH of the same setting takes
// the applied change out of force (at the next evaluation), setting it back puts it in again.
void TestRecommendationsApi::anOperatorsEditTakesTheChangeOutOfForce() {
    const double applied = loadWeight();
    const auto inForce = [this] {
        return json(request("GET", "/api/v1/recommendations/" + m_id.toUtf8()))
            .value("change")
            .toObject()
            .value("in_force");
    };
    QCOMPARE(inForce(), QJsonValue(true));
    const auto patch = [this](double weight) {
        const auto response =
            request("PATCH", "/api/v1/settings",
                    R"({"service":"inventory","setting":"routing.load_weight","value":)" +
                        QByteArray::number(weight) + "}");
        return response ? response->status : 0;
    };
    QCOMPARE(patch(applied + 0.5), 200);
    QVERIFY(m_engine->recommendations()->evaluateNow());
    QCOMPARE(inForce(), QJsonValue(false));
    QCOMPARE(
        json(request("GET", "/api/v1/recommendations/" + m_id.toUtf8())).value("status").toString(),
        QStringLiteral("applied"));
    QCOMPARE(patch(applied), 200);
    QVERIFY(m_engine->recommendations()->evaluateNow());
    QCOMPARE(inForce(), QJsonValue(true));
}

void TestRecommendationsApi::revertPutsTheValueBack() {
    const double applied = loadWeight();
    const auto response = request("POST", "/api/v1/recommendations/" + m_id.toUtf8() + "/revert");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(json(response).value("status").toString(), QStringLiteral("reverted"));
    QCOMPARE(loadWeight(), applied - 1.0);
    const QJsonObject entry =
        json(request("GET", "/api/v1/settings")).value("audit").toArray().last().toObject();
    QCOMPARE(entry.value("source").toString(), QStringLiteral("recommendation"));
    QCOMPARE(entry.value("recommendation_id").toString(), m_id);
    QCOMPARE(json(request("GET", "/api/v1/recommendations?status=reverted"))
                 .value("recommendations")
                 .toArray()
                 .size(),
             1);
    QCOMPARE(request("POST", "/api/v1/recommendations/" + m_id.toUtf8() + "/revert")->status, 409);
}

void TestRecommendationsApi::storedInTheIntelligenceStore() {
    // The optimization_recommendations row follows the recommendation: reverted by now.
    IntelligenceStore *store = m_engine->store();
    QVERIFY(store);
    struct State {
        bool pending = false;
        std::optional<RecommendationRecord> row;
    };
    const auto state = std::make_shared<State>();
    const QString id = m_id;
    const auto poll = [&] {
        if (state->pending)
            return false;
        if (state->row && state->row->status == QLatin1String("reverted"))
            return true;
        state->pending = true;
        store->flushSoon();
        store->loadRecommendations(
            this, [state, id](bool ok, std::vector<RecommendationRecord> rows, const QString &) {
                state->pending = false;
                for (RecommendationRecord &r : rows) {
                    if (ok && r.id == id)
                        state->row = std::move(r);
                }
            });
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(poll(), kTimeoutMs);
    const RecommendationRecord &row = *state->row;
    QCOMPARE(row.type, QStringLiteral("load_balancing"));
    QVERIFY(row.appliedAt.isValid());
    QVERIFY(row.revertedAt.isValid());
    QCOMPARE(QJsonDocument::fromJson(row.documentJson).object().value("id").toString(), m_id);
}

void TestRecommendationsApi::eventsArePublished() {
    // created, applied, reverted: on the topic, keyed by the id, each valid.
    QStringList events;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto response = request(
                "GET", "/api/v1/topics/proxy.recommendations/messages?key=" + m_id.toUtf8() +
                           "&timeout_ms=500");
            if (!response || response->status != 200)
                return false;
            events.clear();
            for (const QJsonValue &m : json(response).value("messages").toArray()) {
                const QJsonObject value = m.toObject().value("value").toObject();
                const QByteArray text = QJsonDocument(value).toJson(QJsonDocument::Compact);
                if (!schemaNamed("events/proxy.recommendations")
                         .validate(nlohmann::json::parse(text.toStdString()))
                         .empty()) {
                    qWarning("invalid: %s", text.constData());
                    return false;
                }
                events << value.value("event").toString();
            }
            return events.size() >= 3;
        }(),
        kTimeoutMs);
    QCOMPARE(events, (QStringList{"created", "applied", "reverted"}));
}

QTEST_MAIN(TestRecommendationsApi)
#include "tst_recommendations_api.moc"
