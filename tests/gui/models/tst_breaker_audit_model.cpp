#include <models/breaker_audit_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = BreakerAuditModel::Column;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// BreakerAuditModel fed by a real demo engine's breakers documents after commands with an
// actor and a reason.
class TestBreakerAuditModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void commandsAppearWithWhoAndWhy();
    void unchangedAuditNoReset();
    void ignoresOtherDocuments_data();
    void ignoresOtherDocuments();

private:
    QByteArray nextDocument();
    void command(const QByteArray &body);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    QList<QByteArray> m_documents;
};

void TestBreakerAuditModel::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            if (message.subject == QLatin1String("breakers"))
                m_documents.append(message.json);
        }
    });
    m_engine->feed()->subscribe(BreakerAuditModel::subjects());
}

QByteArray TestBreakerAuditModel::nextDocument() {
    const qsizetype before = m_documents.size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_documents.size() > before, kTimeoutMs); }();
    return m_documents.value(m_documents.size() - 1);
}

void TestBreakerAuditModel::command(const QByteArray &body) {
    std::optional<FeedResponse> answer;
    m_engine->feed()->request({"POST", "/api/v1/breakers/pricing-1", body}, this,
                              [&answer](const FeedResponse &r) { answer = r; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 200);
}

void TestBreakerAuditModel::commandsAppearWithWhoAndWhy() {
    BreakerAuditModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    QCOMPARE(model.rowCount(), 0);
    command(R"({"action":"force_open","actor":"alice","reason":"deploy"})");
    command(R"({"action":"auto"})");
    QTRY_VERIFY_WITH_TIMEOUT((model.applyDocument(nextDocument()), model.rowCount() == 2),
                             kTimeoutMs);
    QCOMPARE(model.index(0, int(Column::Instance)).data().toString(), QStringLiteral("pricing-1"));
    QCOMPARE(model.index(0, int(Column::Actor)).data().toString(), QStringLiteral("alice"));
    QCOMPARE(model.index(0, int(Column::Reason)).data().toString(), QStringLiteral("deploy"));
    QCOMPARE(model.index(0, int(Column::PreviousState)).data().toString(),
             QStringLiteral("Closed"));
    QCOMPARE(model.index(0, int(Column::Mode)).data().toString(), QStringLiteral("Forced open"));
    QCOMPARE(model.index(1, int(Column::PreviousState)).data().toString(),
             QStringLiteral("Forced open"));
    QCOMPARE(model.index(1, int(Column::Mode)).data().toString(), QStringLiteral("Auto"));
    QCOMPARE(model.index(1, int(Column::Actor)).data().toString(), QStringLiteral("(not given)"));
    QVERIFY(!model.index(1, int(Column::Time)).data().toString().isEmpty());
}

void TestBreakerAuditModel::unchangedAuditNoReset() {
    BreakerAuditModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    for (int i = 0; i < 3; ++i)
        QVERIFY(model.applyDocument(nextDocument()));
    QCOMPARE(resets.size(), 0); // the breakers change, the audit does not
    command(R"({"action":"disable","actor":"bob"})");
    QTRY_VERIFY_WITH_TIMEOUT((model.applyDocument(nextDocument()), resets.size() == 1), kTimeoutMs);
    QCOMPARE(model.index(model.rowCount() - 1, int(Column::Actor)).data().toString(),
             QStringLiteral("bob"));
    command(R"({"action":"auto","actor":"bob"})");
}

void TestBreakerAuditModel::ignoresOtherDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("no audit") << QByteArray(R"({"breakers": []})");
    QTest::newRow("audit not a list") << QByteArray(R"({"audit": {}})");
}

void TestBreakerAuditModel::ignoresOtherDocuments() {
    QFETCH(QByteArray, json);
    BreakerAuditModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    const int rows = model.rowCount();
    QVERIFY(rows > 0); // the commands of the tests before
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QVERIFY(!model.applyDocument(json));
    model.apply(FeedMessage{QStringLiteral("transitions"), true, "[]", 1});
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.rowCount(), rows);
}

QTEST_GUILESS_MAIN(TestBreakerAuditModel)
#include "tst_breaker_audit_model.moc"
