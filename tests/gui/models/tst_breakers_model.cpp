#include <models/breakers_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = BreakersModel::Column;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// BreakersModel fed by a real demo engine's breakers documents, with commands through the feed.
class TestBreakersModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void fillsFromTheEngine();
    void commandsShowInTheState_data();
    void commandsShowInTheState();
    void stateColoursDiffer();
    void instanceSetChangeResets();
    void ignoresOtherDocuments();
    void storyDurations_data();
    void storyDurations();

private:
    QByteArray nextDocument();
    FeedResponse command(const QString &instance, const QByteArray &action);

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    BreakersModel m_model;
    QList<QByteArray> m_documents;
};

void TestBreakersModel::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            m_model.apply(message);
            if (message.subject == QLatin1String("breakers"))
                m_documents.append(message.json);
        }
    });
    m_engine->feed()->subscribe(BreakersModel::subjects());
}

QByteArray TestBreakersModel::nextDocument() {
    const qsizetype before = m_documents.size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_documents.size() > before, kTimeoutMs); }();
    return m_documents.value(m_documents.size() - 1);
}

FeedResponse TestBreakersModel::command(const QString &instance, const QByteArray &action) {
    std::optional<FeedResponse> answer;
    const FeedRequest request{"POST", "/api/v1/breakers/" + instance.toUtf8(),
                              R"({"action":")" + action + R"(","actor":"test"})"};
    m_engine->feed()->request(request, this, [&answer](const FeedResponse &r) { answer = r; });
    [&] { QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs); }();
    return answer.value_or(FeedResponse{});
}

void TestBreakersModel::fillsFromTheEngine() {
    QAbstractItemModelTester tester(&m_model,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(m_model.rowCount(), 7, kTimeoutMs); // the demo's instances
    const int row = m_model.rowOf(QStringLiteral("inventory-1"));
    QVERIFY(row >= 0);
    QCOMPARE(m_model.index(row, int(Column::Service)).data().toString(),
             QStringLiteral("inventory"));
    QCOMPARE(m_model.index(row, int(Column::State)).data(BreakersModel::StateRole).toString(),
             QStringLiteral("closed"));
    QCOMPARE(m_model.index(row, int(Column::Mode)).data().toString(), QStringLiteral("Auto"));
    // Failure rate against the threshold in force (the demo's base threshold is 50 %).
    const QString failure = m_model.index(row, int(Column::FailureRate)).data().toString();
    QVERIFY2(failure.contains(QLatin1String(" of 50.0 %")), qPrintable(failure));
    QVERIFY(
        !m_model.index(row, int(Column::FailureRate)).data(Qt::ToolTipRole).toString().isEmpty());
    // The window counts the demo's traffic.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_model.index(row, int(Column::Calls)).data(BreakersModel::ValueRole).toInt() > 0,
        kTimeoutMs);
    QVERIFY(m_model.index(row, 0)
                .data(BreakersModel::StoryRole)
                .toString()
                .contains(QLatin1String("success")));
    QVERIFY(!m_model.index(row, int(Column::OpenUntil)).data().isValid());
}

void TestBreakersModel::commandsShowInTheState_data() {
    QTest::addColumn<QByteArray>("action");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("mode");
    QTest::newRow("force open") << QByteArray("force_open") << "forced_open"
                                << "force_open";
    QTest::newRow("force closed") << QByteArray("force_closed") << "forced_closed"
                                  << "force_closed";
    QTest::newRow("disable") << QByteArray("disable") << "disabled"
                             << "disabled";
    QTest::newRow("auto") << QByteArray("auto") << "closed"
                          << "auto";
}

void TestBreakersModel::commandsShowInTheState() {
    QFETCH(QByteArray, action);
    QFETCH(QString, state);
    QFETCH(QString, mode);
    QAbstractItemModelTester tester(&m_model,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString id = QStringLiteral("catalog-1");
    QTRY_VERIFY_WITH_TIMEOUT(m_model.rowOf(id) >= 0, kTimeoutMs);
    QSignalSpy changed(&m_model, &QAbstractItemModel::dataChanged);
    QCOMPARE(command(id, action).status, 200);
    const QModelIndex cell = m_model.index(m_model.rowOf(id), int(Column::State));
    QTRY_COMPARE_WITH_TIMEOUT(cell.data(BreakersModel::StateRole).toString(), state, kTimeoutMs);
    QCOMPARE(cell.data(BreakersModel::ModeRole).toString(), mode);
    QCOMPARE(cell.data().toString(), BreakersModel::stateLabel(state));
    QVERIFY(!changed.isEmpty());
    if (action != "auto") {
        QVERIFY(m_model.index(m_model.rowOf(id), int(Column::Cause))
                    .data()
                    .toString()
                    .contains(QLatin1String("by operator")));
    }
}

void TestBreakersModel::stateColoursDiffer() {
    const QStringList states{"closed",      "open",          "half_open",
                             "forced_open", "forced_closed", "disabled"};
    for (const QString &state : states) {
        const QColor colour = BreakersModel::stateColor(state);
        // White text must read on it: a dark enough background whatever the palette.
        QVERIFY2(colour.lightness() < 140, qPrintable(state));
    }
    QVERIFY(BreakersModel::stateColor("closed") != BreakersModel::stateColor("open"));
    QVERIFY(BreakersModel::stateColor("open") != BreakersModel::stateColor("half_open"));
    QVERIFY(BreakersModel::stateColor("forced_closed") != BreakersModel::stateColor("closed"));
    const int row = m_model.rowOf(QStringLiteral("inventory-1"));
    QVERIFY(row >= 0);
    QCOMPARE(m_model.index(row, int(Column::State)).data(Qt::BackgroundRole).value<QColor>(),
             BreakersModel::stateColor(QStringLiteral("closed")));
    QVERIFY(!m_model.index(row, int(Column::Instance)).data(Qt::BackgroundRole).isValid());
}

void TestBreakersModel::instanceSetChangeResets() {
    BreakersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QByteArray real = nextDocument();
    QVERIFY(model.applyDocument(real));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.applyDocument(nextDocument()));
    QCOMPARE(resets.size(), 0);
    QJsonObject fewer = QJsonDocument::fromJson(real).object();
    QJsonArray list = fewer.value(QLatin1String("breakers")).toArray();
    list.removeFirst();
    fewer.insert(QStringLiteral("breakers"), list);
    QVERIFY(model.applyDocument(QJsonDocument(fewer).toJson()));
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 6);
}

void TestBreakersModel::ignoresOtherDocuments() {
    BreakersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    QVERIFY(!model.applyDocument("[]"));
    QVERIFY(!model.applyDocument(R"({"services": []})"));
    model.apply(FeedMessage{QStringLiteral("transitions"), true, "[]", 1});
    QCOMPARE(model.rowCount(), 7);
}

void TestBreakersModel::storyDurations_data() {
    QTest::addColumn<int>("durationMs");
    QTest::addColumn<bool>("failure");
    QTest::addColumn<QString>("line");
    QTest::newRow("under a millisecond") << 0 << false << QStringLiteral("success  < 1 ms");
    QTest::newRow("milliseconds") << 12 << false << QStringLiteral("success  12 ms");
    QTest::newRow("a failure") << 1500 << true << QStringLiteral("5xx  1,500 ms  failure");
}

// The trip story's lines: time, kind, duration (whole milliseconds, as the breaker counts
// them), and what the call counted as.
void TestBreakersModel::storyDurations() {
    QFETCH(int, durationMs);
    QFETCH(bool, failure);
    QFETCH(QString, line);
    const QLocale before;
    const auto restore = qScopeGuard([&] { QLocale::setDefault(before); });
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    const QJsonObject outcome{{"kind", failure ? "5xx" : "success"},
                              {"failure", failure},
                              {"slow", false},
                              {"duration_ms", durationMs},
                              {"at", "2026-12-05T12:00:00.000Z"}};
    const QJsonObject breaker{{"instance", "a-1"},
                              {"service", "a"},
                              {"state", "closed"},
                              {"mode", "auto"},
                              {"story", QJsonArray{outcome}}};
    BreakersModel model;
    QVERIFY(model.applyDocument(
        QJsonDocument(QJsonObject{{"breakers", QJsonArray{breaker}}}).toJson()));
    const QStringList lines =
        model.index(0, 0).data(BreakersModel::StoryRole).toString().split(u'\n');
    QVERIFY2(lines.last().endsWith(line), qPrintable(lines.last()));
}

QTEST_GUILESS_MAIN(TestBreakersModel)
#include "tst_breakers_model.moc"
