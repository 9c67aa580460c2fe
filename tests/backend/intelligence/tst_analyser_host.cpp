// AnalyserHost without a cluster (events handed in with ingest()) and IntelligenceApi over it:
// the analyser answers on its own thread, the documents come back to the caller's thread, and
// the snapshot is published there.
#include <backend/analysis/analyser_host.h>
#include <backend/analysis/intelligence_api.h>
#include <tests/support/manual_clock.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

// Keeps the response the API gives.
class Recorder final : public HttpResponder {
public:
    void respond(HttpResponse response) override { *m_out = std::move(response); }
    explicit Recorder(std::shared_ptr<std::optional<HttpResponse>> out)
        : m_out(std::move(out)) {}

private:
    std::shared_ptr<std::optional<HttpResponse>> m_out;
};

QByteArray communication(const QByteArray &id, const QByteArray &path) {
    return R"({"event_type":"response_analysis","correlation_id":")" + id +
           R"(","timestamp":"2026-12-04T10:00:00.000000Z",)"
           R"("request_context":{"method":"GET","path":")" +
           path +
           R"("},"performance_metrics":{"response_time_ms":4.000,"status_code":200,)"
           R"("target_service":"inventory","target_instance":"inventory-1","attempts":1,)"
           R"("error_class":null}})";
}

} // namespace

class TestAnalyserHost : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void answersOnItsThread_data();
    void answersOnItsThread();
    void publishesSnapshots();
    void stoppedHostIsUnavailable();

private:
    std::shared_ptr<std::optional<HttpResponse>> call(IntelligenceApi &api,
                                                      const QByteArray &target);

    ManualClock m_clock;
    std::unique_ptr<AnalyserHost> m_host;
};

void TestAnalyserHost::init() {
    AnalyserHost::Options options;
    options.clock = &m_clock;
    options.snapshotPeriod = 1s;
    m_host = std::make_unique<AnalyserHost>(options);
    QString error;
    QVERIFY2(m_host->start(&error), qPrintable(error));
    QVERIFY(m_host->isRunning());
    for (int i = 0; i < 5; ++i) {
        m_host->ingest(
            "proxy.communication_intelligence",
            communication("id-" + QByteArray::number(i), "/items/" + QByteArray::number(i)));
    }
    QTRY_COMPARE(m_host->eventsIngested(), 5u);
}

void TestAnalyserHost::cleanup() {
    m_host.reset();
}

std::shared_ptr<std::optional<HttpResponse>> TestAnalyserHost::call(IntelligenceApi &api,
                                                                    const QByteArray &target) {
    auto out = std::make_shared<std::optional<HttpResponse>>();
    HttpRequest request;
    request.head.method = "GET";
    request.head.target = target;
    if (IntelligenceApi::handles(request.head.path()))
        api.handle(request, std::make_shared<Recorder>(out));
    return out;
}

void TestAnalyserHost::answersOnItsThread_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("member"); // of the 200 document
    QTest::newRow("patterns") << QByteArray("/api/v1/patterns?window=1m") << 200 << "operations";
    QTest::newRow("patterns of a service")
        << QByteArray("/api/v1/patterns?service=inventory") << 200 << "operations";
    QTest::newRow("anomalies") << QByteArray("/api/v1/anomalies?active=false") << 200
                               << "anomalies";
    QTest::newRow("correlation") << QByteArray("/api/v1/correlations/id-3") << 200 << "events";
    QTest::newRow("unknown correlation") << QByteArray("/api/v1/correlations/id-9") << 404 << "";
    QTest::newRow("bad window") << QByteArray("/api/v1/patterns?window=2h") << 400 << "";
}

void TestAnalyserHost::answersOnItsThread() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QString, member);
    IntelligenceApi api(m_host.get());
    const auto out = call(api, target);
    QTRY_VERIFY(out->has_value());
    QCOMPARE((*out)->status, status);
    const QJsonObject body = QJsonDocument::fromJson((*out)->body).object();
    if (status != 200) {
        QCOMPARE(body.value("status").toInt(), status);
        return;
    }
    QVERIFY(body.value(member).isArray());
    if (member == QLatin1String("operations")) {
        QCOMPARE(body.value("operations").toArray().size(), 1);
        QCOMPARE(body.value("operations")[0].toObject().value("requests").toInt(), 5);
    }
    if (member == QLatin1String("events"))
        QCOMPARE(body.value("events").toArray().size(), 1);
}

void TestAnalyserHost::publishesSnapshots() {
    QVERIFY(!m_host->latestSnapshot());
    QSignalSpy updated(m_host.get(), &AnalyserHost::snapshotUpdated);
    QVERIFY(updated.isValid());
    m_clock.advance(2s); // the analyser thread publishes once a second of its clock
    QVERIFY(updated.wait(5000));
    QVERIFY(m_host->latestSnapshot());
    QCOMPARE(m_host->latestSnapshot()->eventsIngested, 5u);
    QCOMPARE(m_host->latestSnapshot()->operations.size(), size_t(1));
    QCOMPARE(m_host->latestSnapshot()->operations[0].operation, QStringLiteral("GET /items/{id}"));
}

void TestAnalyserHost::stoppedHostIsUnavailable() {
    IntelligenceApi api(m_host.get());
    m_host->stop();
    QVERIFY(!m_host->isRunning());
    const auto out = call(api, "/api/v1/patterns");
    QVERIFY(out->has_value()); // answered at once
    QCOMPARE((*out)->status, 503);
    const auto method = std::make_shared<std::optional<HttpResponse>>();
    HttpRequest post;
    post.head.method = "POST";
    post.head.target = "/api/v1/anomalies";
    api.handle(post, std::make_shared<Recorder>(method));
    QVERIFY(method->has_value());
    QCOMPARE((*method)->status, 405);
}

QTEST_GUILESS_MAIN(TestAnalyserHost)
#include "tst_analyser_host.moc"
