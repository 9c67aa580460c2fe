#include <backend/engine/engine.h>
#include <backend/engine/recommendation_host.h>
#include <backend/store/intelligence_store.h>
#include <backend/store/store_location.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace ToolCapture;

namespace {

constexpr QByteArrayView kToken = "recommendations-restart-token";
constexpr int kTimeoutMs = 30000;

} // namespace

// Recommendations survive a restart: an engine with a store makes two (from an injected
// analysis), one is applied and one dismissed over the API; the engine is destroyed and a new
// one on the same store lists them with the same ids, statuses and documents, does not make the
// dismissed one again, and can still revert the applied one. On a PostgreSQL database of its own
// when TOOLCAPTURE_PG_URL is set (scripts/start-postgres.sh -- ctest ...), else on SQLite.
class TestRecommendationsRestart : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void restartKeepsTheRecommendations();

private:
    void startEngine();
    void stopEngine();
    std::optional<RawHttpResponse> request(const QByteArray &method, const QByteArray &path);
    QJsonArray list();

    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<Engine> m_engine;
    QString m_storeSetting;
};

namespace {

// inventory's and orders' load is uneven: one load_balancing recommendation each.
std::optional<AnalysisSnapshot> unevenLoad() {
    AnalysisSnapshot snapshot;
    for (const char *name : {"inventory", "orders"}) {
        ServiceInsight service;
        service.service = QString::fromLatin1(name);
        service.instances = 2;
        service.requests = 1000;
        service.loadImbalance = 0.7;
        snapshot.services.push_back(service);
        // Two equally fast instances, 850 and 150 requests: an imbalance of 0.7.
        for (int i = 1; i <= 2; ++i) {
            InstanceInsight instance;
            instance.service = service.service;
            instance.instance = QStringLiteral("%1-%2").arg(service.service).arg(i);
            instance.fiveMinutes.requests = i == 1 ? 850 : 150;
            instance.fiveMinutes.latencyMs.add(2.0, instance.fiveMinutes.requests);
            snapshot.instances.push_back(instance);
        }
    }
    return snapshot;
}

} // namespace

void TestRecommendationsRestart::initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString url = qEnvironmentVariable("TOOLCAPTURE_PG_URL");
    if (url.isEmpty()) {
        m_storeSetting = QStringLiteral("sqlite:%1/intelligence.sqlite").arg(m_dir.path());
    } else {
        std::optional<StoreLocation> location = StoreLocation::parse(url);
        QVERIFY(location);
        const QString name =
            QStringLiteral("tc_recommendations_restart_%1").arg(QCoreApplication::applicationPid());
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(location->driver(), QStringLiteral("create"));
            location->configure(db);
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery query(db);
            QVERIFY2(query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)),
                     qPrintable(query.lastError().text()));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("create"));
        location->database = name;
        m_storeSetting = location->toString();
    }
    m_upstream = std::make_unique<TestUpstream>();
}

void TestRecommendationsRestart::cleanupTestCase() {
    stopEngine();
}

void TestRecommendationsRestart::startEngine() {
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 1;
    config.adminToken = QString::fromLatin1(kToken.toByteArray());
    config.timeouts.drain = std::chrono::milliseconds(1000);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.kafka.linger = std::chrono::milliseconds(5);
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    config.store = m_storeSetting;
    config.intelligence.analysis = false; // the test's snapshot is the analysis
    for (const char *name : {"inventory", "orders"}) {
        ServiceConfig service;
        service.name = QString::fromLatin1(name);
        service.match.pathPrefix = "/" + QByteArray(name) + "/";
        service.health.enabled = false;
        for (int i = 1; i <= 2; ++i) {
            InstanceConfig instance;
            instance.id = QStringLiteral("%1-%2").arg(service.name).arg(i);
            instance.host = QStringLiteral("127.0.0.1");
            instance.port = m_upstream->port();
            instance.url = QString::fromLatin1(m_upstream->url());
            service.instances.push_back(instance);
        }
        config.services.push_back(service);
    }
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->recommendations());
}

void TestRecommendationsRestart::stopEngine() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

std::optional<RawHttpResponse> TestRecommendationsRestart::request(const QByteArray &method,
                                                                   const QByteArray &path) {
    RawHttpClient client;
    if (!client.connectTo(m_engine->adminPort()))
        return std::nullopt;
    return client.exchange(method + " " + path + " HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " +
                           kToken.toByteArray() + "\r\nContent-Length: 0\r\n\r\n");
}

QJsonArray TestRecommendationsRestart::list() {
    const std::optional<RawHttpResponse> response = request("GET", "/api/v1/recommendations");
    if (!response || response->status != 200)
        return {};
    return QJsonDocument::fromJson(response->body).object().value("recommendations").toArray();
}

void TestRecommendationsRestart::restartKeepsTheRecommendations() {
    startEngine();
    RecommendationHost *host = m_engine->recommendations();
    // A new store: the load answers, with nothing in it.
    QTRY_VERIFY_WITH_TIMEOUT(host->restoreSettled(), kTimeoutMs);
    QCOMPARE(host->restoredCount(), 0);
    host->setAnalysisProvider(unevenLoad);
    QVERIFY(host->evaluateNow());
    QJsonArray made = list();
    QCOMPARE(made.size(), 2);
    QString applied, dismissed;
    for (const QJsonValue &r : made) {
        const QString service = r.toObject().value("service").toString();
        (service == QLatin1String("inventory") ? applied : dismissed) =
            r.toObject().value("id").toString();
    }
    QVERIFY(!applied.isEmpty() && !dismissed.isEmpty());
    QCOMPARE(request("POST", "/api/v1/recommendations/" + applied.toUtf8() + "/apply")->status,
             200);
    QCOMPARE(request("POST", "/api/v1/recommendations/" + dismissed.toUtf8() + "/dismiss")->status,
             200);
    QJsonArray before = list();
    QCOMPARE(before.size(), 2);
    stopEngine(); // the store's last flush writes what is queued

    startEngine();
    host = m_engine->recommendations();
    QTRY_VERIFY_WITH_TIMEOUT(host->restoreSettled(), kTimeoutMs);
    QCOMPARE(host->restoredCount(), 2); // the load succeeded and took both
    // The same list: ids, statuses, times, the change, the effect being measured; but the
    // applied change is no longer in force (the restart returned the setting to the
    // configuration's), which its change.in_force says (compared below, then set aside).
    // Oldest first; the two were made in the same evaluation, often in the same millisecond,
    // and the order of equal times is not kept: compared by id.
    QJsonObject inForceBefore, inForceAfter;
    const auto byId = [](QJsonArray array, QJsonObject &inForce) {
        for (qsizetype i = 0; i < array.size(); ++i) {
            QJsonObject r = array[i].toObject();
            QJsonObject change = r.value("change").toObject();
            inForce.insert(r.value("id").toString(), change.take("in_force"));
            r.insert("change", change);
            array[i] = r;
        }
        QList<QJsonValue> values(array.begin(), array.end());
        std::sort(values.begin(), values.end(), [](const QJsonValue &a, const QJsonValue &b) {
            return a.toObject().value("id").toString() < b.toObject().value("id").toString();
        });
        QJsonArray sorted;
        for (const QJsonValue &v : values)
            sorted.append(v);
        return sorted;
    };
    const QJsonArray after = byId(list(), inForceAfter);
    before = byId(before, inForceBefore);
    QCOMPARE(inForceBefore.value(applied), QJsonValue(true));
    QCOMPARE(inForceAfter.value(applied), QJsonValue(false));
    QVERIFY(inForceBefore.value(dismissed).isNull());
    QVERIFY(inForceAfter.value(dismissed).isNull());
    QCOMPARE(after.size(), before.size());
    for (qsizetype i = 0; i < after.size(); ++i) {
        const QJsonObject a = after[i].toObject(), b = before[i].toObject();
        for (const QString &key : b.keys())
            QVERIFY2(
                a.value(key) == b.value(key),
                qPrintable(
                    QStringLiteral("%1: %2 after the restart, %3 before")
                        .arg(key,
                             QJsonDocument(QJsonArray{a.value(key)}).toJson(QJsonDocument::Compact),
                             QJsonDocument(QJsonArray{b.value(key)})
                                 .toJson(QJsonDocument::Compact))));
    }
    QCOMPARE(after, before);
    QJsonObject appliedNow, dismissedNow;
    for (const QJsonValue &r : after) {
        if (r.toObject().value("id").toString() == applied)
            appliedNow = r.toObject();
        if (r.toObject().value("id").toString() == dismissed)
            dismissedNow = r.toObject();
    }
    QCOMPARE(appliedNow.value("status").toString(), QStringLiteral("applied"));
    QCOMPARE(appliedNow.value("effect").toObject().value("verdict").toString(),
             QStringLiteral("measuring"));
    QCOMPARE(dismissedNow.value("status").toString(), QStringLiteral("dismissed"));

    // The same analysis again: the dismissed one stays dismissed (suppressed), the applied one
    // stays the only one of its kind.
    host->setAnalysisProvider(unevenLoad);
    QVERIFY(host->evaluateNow());
    const QJsonArray evaluated = list();
    QCOMPARE(evaluated.size(), 2);
    for (const QJsonValue &r : evaluated)
        QVERIFY(r.toObject().value("status").toString() != QLatin1String("open"));
    // And what was applied before the restart can still be reverted after it.
    const std::optional<RawHttpResponse> reverted =
        request("POST", "/api/v1/recommendations/" + applied.toUtf8() + "/revert");
    QVERIFY(reverted);
    QCOMPARE(reverted->status, 200);
    QCOMPARE(QJsonDocument::fromJson(reverted->body).object().value("status").toString(),
             QStringLiteral("reverted"));
}

QTEST_MAIN(TestRecommendationsRestart)
#include "tst_recommendations_restart.moc"
