#include <models/status_summary.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// StatusSummary read from a real demo engine's status documents.
class TestStatusSummary : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void readsTheEngineStatus();
    void ratesFromTwoDocuments();
    void noRateAcrossARestart();
    void rejectsOtherDocuments_data();
    void rejectsOtherDocuments();

private:
    QByteArray nextDocument();

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    QList<QByteArray> m_documents;
};

void TestStatusSummary::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            if (message.subject == QLatin1String("status"))
                m_documents.append(message.json);
        }
    });
    m_engine->feed()->subscribe({QStringLiteral("status")});
}

QByteArray TestStatusSummary::nextDocument() {
    const qsizetype before = m_documents.size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_documents.size() > before, kTimeoutMs); }();
    return m_documents.value(m_documents.size() - 1);
}

void TestStatusSummary::readsTheEngineStatus() {
    const auto summary = StatusSummary::fromJson(nextDocument());
    QVERIFY(summary);
    QVERIFY(summary->proxyAddress.startsWith(QLatin1String("127.0.0.1:")));
    QVERIFY(summary->adminAddress.startsWith(QLatin1String("127.0.0.1:")));
    QVERIFY(summary->kafkaEnabled);
    QVERIFY(summary->kafkaEmbedded);
    QVERIFY(summary->kafkaBrokers.startsWith(QLatin1String("127.0.0.1:")));
    QVERIFY(summary->captureEnabled);
    QVERIFY(summary->storeEnabled);
    QVERIFY2(summary->storeLocation.startsWith(QLatin1String("sqlite:/")),
             qPrintable(summary->storeLocation));
    QVERIFY(!summary->requestsPerSecond); // no previous document
}

void TestStatusSummary::ratesFromTwoDocuments() {
    const auto first = StatusSummary::fromJson(nextDocument());
    QVERIFY(first);
    // A second at least: the demo sends 40 requests a second.
    QByteArray later;
    QTRY_VERIFY_WITH_TIMEOUT(
        (later = nextDocument(),
         StatusSummary::fromJson(later).value_or(StatusSummary{}).uptimeMs - first->uptimeMs >=
             1000),
        kTimeoutMs);
    const std::optional<StatusSummary> second = StatusSummary::fromJson(later, &*first);
    QVERIFY(second);
    QVERIFY(second->requestsPerSecond);
    const double expected = double(second->responsesTotal - first->responsesTotal) * 1000.0 /
                            double(second->uptimeMs - first->uptimeMs);
    QCOMPARE(*second->requestsPerSecond, expected);
    QVERIFY2(expected > 10 && expected < 200, qPrintable(QString::number(expected)));
    QVERIFY(second->errorRate);
    QVERIFY(*second->errorRate >= 0.0 && *second->errorRate <= 1.0);
    QVERIFY(second->capturesStored >= first->capturesStored);
}

void TestStatusSummary::noRateAcrossARestart() {
    const QByteArray json = nextDocument();
    auto later = StatusSummary::fromJson(json);
    QVERIFY(later);
    // The same engine "restarted": a shorter uptime and smaller totals than before.
    QJsonObject restarted = QJsonDocument::fromJson(json).object();
    restarted.insert(QStringLiteral("uptime_ms"), 10);
    restarted.insert(QStringLiteral("responses_total"), 0);
    const auto summary = StatusSummary::fromJson(QJsonDocument(restarted).toJson(), &*later);
    QVERIFY(summary);
    QVERIFY(!summary->requestsPerSecond);
    QVERIFY(!summary->errorRate);
}

void TestStatusSummary::rejectsOtherDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("array") << QByteArray("[1]");
    QTest::newRow("services") << QByteArray(R"({"services": []})");
}

void TestStatusSummary::rejectsOtherDocuments() {
    QFETCH(QByteArray, json);
    QVERIFY(!StatusSummary::fromJson(json));
}

QTEST_GUILESS_MAIN(TestStatusSummary)
#include "tst_status_summary.moc"
