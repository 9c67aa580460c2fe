#include <backend/engine/engine.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/test_upstream.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 20000;

// Every PromQL expression of the dashboard's panels (rows' nested panels too), by panel title.
void collectExpressions(const QJsonArray &panels, QList<std::pair<QString, QString>> *out) {
    for (const QJsonValue &value : panels) {
        const QJsonObject panel = value.toObject();
        collectExpressions(panel.value(QLatin1String("panels")).toArray(), out);
        const QJsonArray targets = panel.value(QLatin1String("targets")).toArray();
        for (const QJsonValue &target : targets) {
            out->append({panel.value(QLatin1String("title")).toString(),
                         target.toObject().value(QLatin1String("expr")).toString()});
        }
    }
}

// The series names an expression uses: every name the program exports starts with
// "toolcapture_"; label names and functions do not.
QStringList seriesIn(const QString &expr) {
    static const QRegularExpression name(QStringLiteral("\\btoolcapture_[a-zA-Z0-9_:]*"));
    QStringList names;
    for (auto it = name.globalMatch(expr); it.hasNext();)
        names.append(it.next().captured());
    return names;
}
} // namespace

// docs/grafana-dashboard.json against a running engine's /metrics: every series a panel's
// query names is one the engine exports (a histogram's _bucket, _sum and _count included).
class TestGrafanaDashboard : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void everyQueryNamesExportedSeries_data();
    void everyQueryNamesExportedSeries();
    void anUnknownSeriesIsCaught();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestUpstream> m_upstream;
    std::unique_ptr<Engine> m_engine;
    QSet<QString> m_exported;
};

void TestGrafanaDashboard::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_upstream = std::make_unique<TestUpstream>();
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = 1;
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = m_dir.path() + QStringLiteral("/spool");
    config.capture.storePath = m_dir.path() + QStringLiteral("/captures.sqlite");
    config.store = QStringLiteral("sqlite:%1/intelligence.sqlite").arg(m_dir.path());
    ServiceConfig service;
    service.name = QStringLiteral("svc");
    service.match.pathPrefix = "/";
    service.health.enabled = false;
    InstanceConfig instance;
    instance.id = QStringLiteral("svc-1");
    instance.host = QStringLiteral("127.0.0.1");
    instance.port = m_upstream->port();
    instance.url = QString::fromLatin1(m_upstream->url());
    service.instances.push_back(instance);
    config.services.push_back(service);
    m_engine = std::make_unique<Engine>(config, Engine::Options{});
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));

    RawHttpClient client;
    QVERIFY(client.connectTo(m_engine->adminPort()));
    const std::optional<RawHttpResponse> metrics =
        client.exchange("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(metrics);
    QCOMPARE(metrics->status, 200);
    // "# TYPE name type": the families, declared whether or not they have samples yet.
    for (const QByteArray &line : metrics->body.split('\n')) {
        if (!line.startsWith("# TYPE "))
            continue;
        const QList<QByteArray> parts = line.split(' ');
        QCOMPARE(parts.size(), 4);
        const QString family = QString::fromLatin1(parts[2]);
        m_exported.insert(family);
        if (parts[3] == "histogram" || parts[3] == "summary") {
            for (const char *suffix : {"_bucket", "_sum", "_count"})
                m_exported.insert(family + QLatin1String(suffix));
        }
    }
    QVERIFY(m_exported.contains(QStringLiteral("toolcapture_store_connected")));
    QVERIFY(m_exported.contains(QStringLiteral("toolcapture_requests_total")));
}

void TestGrafanaDashboard::cleanupTestCase() {
    if (m_engine && m_engine->isRunning()) {
        QSignalSpy stopped(m_engine.get(), &Engine::stopped);
        m_engine->stop();
        QVERIFY(stopped.count() == 1 || stopped.wait(kTimeoutMs));
    }
    m_engine.reset();
}

void TestGrafanaDashboard::everyQueryNamesExportedSeries_data() {
    QTest::addColumn<QString>("expr");
    QFile file(QStringLiteral(TOOLCAPTURE_SOURCE_DIR "/docs/grafana-dashboard.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonDocument dashboard = QJsonDocument::fromJson(file.readAll(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QList<std::pair<QString, QString>> expressions;
    collectExpressions(dashboard.object().value(QLatin1String("panels")).toArray(), &expressions);
    QVERIFY(expressions.size() >= 20);
    for (const auto &[title, expr] : expressions)
        QTest::newRow(qPrintable(title)) << expr;
}

void TestGrafanaDashboard::everyQueryNamesExportedSeries() {
    QFETCH(QString, expr);
    const QStringList names = seriesIn(expr);
    QVERIFY2(!names.isEmpty(), qPrintable(QStringLiteral("no series in: %1").arg(expr)));
    for (const QString &name : names) {
        QVERIFY2(m_exported.contains(name),
                 qPrintable(QStringLiteral("%1 is not exported (in: %2)").arg(name, expr)));
    }
}

void TestGrafanaDashboard::anUnknownSeriesIsCaught() {
    // The check itself: a misspelt series is found and is not among the exported ones.
    const QStringList names =
        seriesIn(QStringLiteral("sum by (outcome) (rate(toolcapture_store_row_total[5m]))"));
    QCOMPARE(names, QStringList{QStringLiteral("toolcapture_store_row_total")});
    QVERIFY(!m_exported.contains(names.first()));
}

QTEST_MAIN(TestGrafanaDashboard)
#include "tst_grafana_dashboard.moc"
