#include <models/services_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
using Column = ServicesModel::Column;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// ServicesModel fed by a real demo engine's services documents.
class TestServicesModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void fillsFromTheEngine();
    void newDocumentsChangeDataWithoutReset();
    void structureChangeResets_data();
    void structureChangeResets();
    void excludedInstanceSaysWhy();
    void ignoresWhatIsNotAServicesDocument_data();
    void ignoresWhatIsNotAServicesDocument();

private:
    // The next services document from the engine.
    QByteArray nextDocument();
    QModelIndex instance(const ServicesModel &model, const QString &id, Column column) const;

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    QList<QByteArray> m_documents;
};

void TestServicesModel::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            if (message.subject == QLatin1String("services"))
                m_documents.append(message.json);
        }
    });
    m_engine->feed()->subscribe(ServicesModel::subjects());
}

QByteArray TestServicesModel::nextDocument() {
    const qsizetype before = m_documents.size();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(m_documents.size() > before, kTimeoutMs); }();
    return m_documents.value(m_documents.size() - 1);
}

QModelIndex TestServicesModel::instance(const ServicesModel &model, const QString &id,
                                        Column column) const {
    return model.instanceIndex(id).siblingAtColumn(int(column));
}

void TestServicesModel::fillsFromTheEngine() {
    ServicesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(m_engine->feed(), &FeedTransport::messages, &model, [&model](const auto &batch) {
        for (const FeedMessage &message : batch)
            model.apply(message);
    });
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, kTimeoutMs); // inventory, pricing, catalog
    QCOMPARE(model.index(0, int(Column::Name)).data().toString(), QStringLiteral("inventory"));
    QCOMPARE(model.rowCount(model.index(0, 0)), 3);
    QCOMPARE(model.rowCount(model.index(0, 1)), 0); // only column 0 has children
    // The live score and its parts, once the demo's traffic has reached every instance.
    const QModelIndex score = instance(model, QStringLiteral("inventory-1"), Column::Score);
    QTRY_VERIFY_WITH_TIMEOUT(score.data(ServicesModel::BarRole).isValid(), kTimeoutMs);
    for (Column part : {Column::Score, Column::Performance, Column::Reliability, Column::Load,
                        Column::Compatibility}) {
        const double value =
            score.siblingAtColumn(int(part)).data(ServicesModel::BarRole).toDouble();
        QVERIFY2(value >= 0.0 && value <= 1.0, qPrintable(QString::number(value)));
    }
    QTRY_VERIFY_WITH_TIMEOUT(instance(model, QStringLiteral("inventory-1"), Column::Latency)
                                 .data(ServicesModel::ValueRole)
                                 .isValid(),
                             kTimeoutMs);
    QVERIFY(instance(model, QStringLiteral("inventory-1"), Column::Latency)
                .data()
                .toString()
                .endsWith(QLatin1String(" ms")));
    QCOMPARE(instance(model, QStringLiteral("inventory-1"), Column::Health).data().toString(),
             QStringLiteral("healthy"));
    // Requests grow from one document to the next; the service row sums its instances.
    const QModelIndex requests = model.index(0, int(Column::Requests));
    const qint64 before = requests.data(ServicesModel::ValueRole).toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(requests.data(ServicesModel::ValueRole).toLongLong() > before,
                             kTimeoutMs);
    qint64 sum = 0;
    for (int i = 0; i < model.rowCount(model.index(0, 0)); ++i)
        sum += model.index(i, int(Column::Requests), model.index(0, 0))
                   .data(ServicesModel::ValueRole)
                   .toLongLong();
    QCOMPARE(requests.data(ServicesModel::ValueRole).toLongLong(), sum);
    // The routing decision in words on the service row.
    QVERIFY(model.index(0, int(Column::Why)).data().toString().contains(QLatin1String("chosen")));
}

void TestServicesModel::newDocumentsChangeDataWithoutReset() {
    ServicesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    for (int i = 0; i < 3; ++i)
        QVERIFY(model.applyDocument(nextDocument()));
    QCOMPARE(resets.size(), 0);
    QVERIFY(changes.size() > 0); // the demo's traffic changes the counters
}

void TestServicesModel::structureChangeResets_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<int>("services");
    QTest::addColumn<int>("firstServiceInstances");
    QTest::newRow("instance removed") << "drop-instance" << 3 << 2;
    QTest::newRow("service removed") << "drop-service" << 2 << 3;
    QTest::newRow("service renamed") << "rename" << 3 << 3;
    QTest::newRow("no services") << "empty" << 0 << -1;
}

void TestServicesModel::structureChangeResets() {
    QFETCH(QString, change);
    QFETCH(int, services);
    QFETCH(int, firstServiceInstances);
    const QByteArray real = nextDocument();
    QJsonObject document = QJsonDocument::fromJson(real).object();
    QJsonArray list = document.value(QLatin1String("services")).toArray();
    if (change == QLatin1String("drop-instance")) {
        QJsonObject first = list.at(0).toObject();
        QJsonArray instances = first.value(QLatin1String("instances")).toArray();
        instances.removeAt(1);
        first.insert(QStringLiteral("instances"), instances);
        list.replace(0, first);
    } else if (change == QLatin1String("drop-service")) {
        list.removeAt(1);
    } else if (change == QLatin1String("rename")) {
        QJsonObject first = list.at(0).toObject();
        first.insert(QStringLiteral("name"), QStringLiteral("renamed"));
        list.replace(0, first);
    } else {
        list = QJsonArray();
    }
    document.insert(QStringLiteral("services"), list);

    ServicesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(real));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.applyDocument(QJsonDocument(document).toJson()));
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), services);
    if (firstServiceInstances >= 0)
        QCOMPARE(model.rowCount(model.index(0, 0)), firstServiceInstances);
    // And back: one more reset.
    QVERIFY(model.applyDocument(real));
    QCOMPARE(resets.size(), 2);
    QCOMPARE(model.rowCount(), 3);
}

void TestServicesModel::excludedInstanceSaysWhy() {
    ServicesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString id = QStringLiteral("pricing-2");
    std::optional<FeedResponse> answer;
    FeedRequest request{"POST", "/api/v1/breakers/" + id.toUtf8(),
                        R"({"action":"force_open","actor":"test","reason":"exclusion"})"};
    m_engine->feed()->request(request, this, [&answer](const FeedResponse &r) { answer = r; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 200);
    // The next documents show the instance excluded, with the routing's reason.
    QTRY_VERIFY_WITH_TIMEOUT(
        (model.applyDocument(nextDocument()),
         instance(model, id, Column::Why).data(ServicesModel::ExcludedRole).toBool()),
        kTimeoutMs);
    const QString why = instance(model, id, Column::Why).data().toString();
    QVERIFY2(why.contains(QLatin1String("breaker")), qPrintable(why));
    QCOMPARE(instance(model, id, Column::Score).data(ServicesModel::BarRole).toDouble(), 0.0);
    QVERIFY(!instance(model, QStringLiteral("pricing-1"), Column::Why)
                 .data(ServicesModel::ExcludedRole)
                 .toBool());

    answer.reset();
    request.body = R"({"action":"auto","actor":"test"})";
    m_engine->feed()->request(request, this, [&answer](const FeedResponse &r) { answer = r; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(
        (model.applyDocument(nextDocument()),
         !instance(model, id, Column::Why).data(ServicesModel::ExcludedRole).toBool()),
        kTimeoutMs);
}

void TestServicesModel::ignoresWhatIsNotAServicesDocument_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not json") << QByteArray("services");
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("other document") << QByteArray(R"({"breakers": []})");
    QTest::newRow("services not a list") << QByteArray(R"({"services": 3})");
}

void TestServicesModel::ignoresWhatIsNotAServicesDocument() {
    QFETCH(QByteArray, json);
    ServicesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.applyDocument(nextDocument()));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QVERIFY(!model.applyDocument(json));
    model.apply(FeedMessage{QStringLiteral("services"), false, json, 1});
    model.apply(FeedMessage{QStringLiteral("breakers"), false, m_documents.last(), 2});
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.rowCount(), 3);
}

QTEST_GUILESS_MAIN(TestServicesModel)
#include "tst_services_model.moc"
