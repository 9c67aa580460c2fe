#include <models/correlation_timeline_model.h>
#include <models/patterns_model.h>
#include <models/recommendations_model.h>
#include <tests/gui/fixture/intelligence_documents.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace ToolCapture;
namespace Docs = ToolCapture::ContractDocuments;

// The console's models of the intelligence API (docs/intelligence-api.md) from the contract's
// documents: what each row shows, the order, and that a document breaking the contract is
// refused with an error naming the member while the rows shown stay.
class TestIntelligenceModels : public QObject {
    Q_OBJECT
private slots:
    void recommendationsFromTheContract();
    void recommendationActionsFollowStatus_data();
    void recommendationActionsFollowStatus();
    void recommendationUpdateReplacesTheRow();
    void dismissedAndExpiredRecommendations();
    void appliedChangeNotInForce_data();
    void appliedChangeNotInForce();
    void recommendationsRefuseBadDocuments_data();
    void recommendationsRefuseBadDocuments();
    void patternsFromTheContract();
    void patternsRefuseBadDocuments_data();
    void patternsRefuseBadDocuments();
    void anomaliesFromTheContract();
    void rereadingTheSameRowsChangesCellsOnly();
    void timelineFromTheContract();
    void timelineRefusesBadDocuments_data();
    void timelineRefusesBadDocuments();
};

void TestIntelligenceModels::recommendationsFromTheContract() {
    RecommendationsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(model.setDocument(Docs::recommendations()), qPrintable(model.errorString()));
    QCOMPARE(model.rowCount(), 5);
    // High first (the more confident first), then medium, then low.
    QStringList order;
    for (int row = 0; row < model.rowCount(); ++row)
        order << model.index(row, 0).data(RecommendationsModel::IdRole).toString();
    QCOMPARE(order, (QStringList{"r-applied", "r-open", "r-dismissed", "r-reverted", "r-low"}));

    using Column = RecommendationsModel::Column;
    const auto cell = [&model](int row, Column column) {
        return model.index(row, int(column)).data().toString();
    };
    QCOMPARE(cell(0, Column::Priority), u"High");
    QCOMPARE(cell(0, Column::Type), u"Cache");
    QCOMPARE(cell(0, Column::Target), u"catalog / GET /products/{id}");
    QCOMPARE(cell(0, Column::Title), u"Cache catalog's GET /products/{id}");
    QCOMPARE(cell(0, Column::ExpectedImpact), u"about half of the misses answered from the cache");
    QCOMPARE(cell(0, Column::Confidence), u"90 %");
    QCOMPARE(cell(0, Column::Status), u"Applied");
    QCOMPARE(cell(0, Column::Effect), u"improved (+0.90)");
    QCOMPARE(cell(1, Column::Effect), QString());
    QCOMPARE(cell(3, Column::Effect), u"measuring…");

    const RecommendationRow &r = model.at(0);
    QCOMPARE(r.evidence.size(), 1);
    QCOMPARE(r.evidence[0].window, u"5m");
    QCOMPARE(r.evidence[0].metric, u"cache_miss_rate");
    QCOMPARE(r.evidence[0].value, 0.9);
    QCOMPARE(r.evidence[0].threshold, 0.3);
    QCOMPARE(r.setting, u"cache.heuristics");
    QCOMPARE(r.settingService, u"catalog");
    QCOMPARE(RecommendationRow::valueText(r.before), u"false");
    QCOMPARE(RecommendationRow::valueText(r.after), u"true");
    QVERIFY(r.effect);
    QCOMPARE(r.effect->after.value(), 0.55);
    QVERIFY(r.instance.isEmpty());
}

void TestIntelligenceModels::recommendationActionsFollowStatus_data() {
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<bool>("apply");
    QTest::addColumn<bool>("dismiss");
    QTest::addColumn<bool>("revert");
    QTest::newRow("open") << QByteArray("open") << true << true << false;
    QTest::newRow("applied") << QByteArray("applied") << false << false << true;
    QTest::newRow("dismissed") << QByteArray("dismissed") << false << false << false;
    QTest::newRow("reverted") << QByteArray("reverted") << false << false << false;
    QTest::newRow("expired") << QByteArray("expired") << false << false << false;
}

void TestIntelligenceModels::recommendationActionsFollowStatus() {
    QFETCH(QByteArray, status);
    QString error;
    const auto r =
        RecommendationRow::fromJson(Docs::recommendation("r-1", "medium", status, "null"), &error);
    QVERIFY2(r, qPrintable(error));
    QTEST(r->canApply(), "apply");
    QTEST(r->canDismiss(), "dismiss");
    QTEST(r->canRevert(), "revert");
}

// The dismiss's actor and reason and the expiry time are read; a document of an engine that
// does not send them yet still parses, and a wrong type is refused naming the member.
void TestIntelligenceModels::dismissedAndExpiredRecommendations() {
    QByteArray dismissed = Docs::recommendation("r-1", "medium", "dismissed", "null");
    dismissed.replace(R"("dismissed_at": null,)",
                      R"("dismissed_at": "2026-12-03T20:20:00.000Z", "dismissed_by": "console",
                         "dismiss_reason": "seasonal traffic", "expired_at": null,)");
    QString error;
    const auto r = RecommendationRow::fromJson(dismissed, &error);
    QVERIFY2(r, qPrintable(error));
    QCOMPARE(r->dismissedAt, QStringLiteral("2026-12-03T20:20:00.000Z"));
    QCOMPARE(r->dismissedBy, QStringLiteral("console"));
    QCOMPARE(r->dismissReason, QStringLiteral("seasonal traffic"));
    QVERIFY(r->expiredAt.isEmpty());

    QByteArray expired = Docs::recommendation("r-2", "low", "expired", "null");
    expired.replace(R"("reverted_at": null,)",
                    R"("reverted_at": null, "expired_at": "2026-12-03T20:30:00.000Z",)");
    const auto e = RecommendationRow::fromJson(expired, &error);
    QVERIFY2(e, qPrintable(error));
    QCOMPARE(e->status, QStringLiteral("expired"));
    QCOMPARE(e->expiredAt, QStringLiteral("2026-12-03T20:30:00.000Z"));
    QCOMPARE(RecommendationsModel::statusLabel(e->status), QStringLiteral("Expired"));
    QVERIFY(e->dismissedBy.isEmpty());

    QByteArray bad = dismissed;
    bad.replace(R"("dismissed_by": "console")", R"("dismissed_by": 7)");
    QVERIFY(!RecommendationRow::fromJson(bad, &error));
    QVERIFY2(error.contains(QLatin1String("dismissed_by")), qPrintable(error));
}

// change.in_force: an applied recommendation whose value an operator (or a restart) replaced
// says so in its Status cell; an engine that does not say (null, absent) is taken as before.
void TestIntelligenceModels::appliedChangeNotInForce_data() {
    QTest::addColumn<QByteArray>("inForce"); // the member as written; empty: absent
    QTest::addColumn<int>("known");          // -1 unknown, 0 false, 1 true
    QTest::addColumn<QString>("status");
    QTest::newRow("not in force") << QByteArray(R"(, "in_force": false)") << 0
                                  << QStringLiteral("Not in force");
    QTest::newRow("in force") << QByteArray(R"(, "in_force": true)") << 1
                              << QStringLiteral("Applied");
    QTest::newRow("null") << QByteArray(R"(, "in_force": null)") << -1 << QStringLiteral("Applied");
    QTest::newRow("absent (an engine from before)")
        << QByteArray() << -1 << QStringLiteral("Applied");
}

void TestIntelligenceModels::appliedChangeNotInForce() {
    QFETCH(QByteArray, inForce);
    QFETCH(int, known);
    QFETCH(QString, status);
    QByteArray doc = Docs::recommendation(
        "r-1", "high", "applied",
        R"({"metric": "cache_hit_ratio", "before": 0.1, "after": null, "score": null,
            "verdict": "measuring"})");
    doc.replace(R"("after": true})", R"("after": true)" + inForce + "}");
    QString error;
    const auto r = RecommendationRow::fromJson(doc, &error);
    QVERIFY2(r, qPrintable(error));
    QCOMPARE(r->changeInForce.has_value(), known >= 0);
    if (known >= 0)
        QCOMPARE(*r->changeInForce, known == 1);
    RecommendationsModel model;
    QVERIFY(model.setDocument(R"({"recommendations": [)" + doc + "]}"));
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex cell = model.index(0, int(RecommendationsModel::Column::Status));
    QCOMPARE(cell.data().toString(), status);
    QCOMPARE(cell.data(Qt::ToolTipRole).toString().contains(QLatin1String("not in force")),
             known == 0);
}

void TestIntelligenceModels::recommendationUpdateReplacesTheRow() {
    RecommendationsModel model;
    QVERIFY(model.setDocument(Docs::recommendations()));
    const int row = model.rowOf(QStringLiteral("r-open"));
    QVERIFY(row >= 0);
    QString error;
    const auto applied = RecommendationRow::fromJson(
        Docs::recommendation("r-open", "high", "applied",
                             R"({"metric": "cache_hit_ratio", "before": 0.1, "after": null,
                                 "score": null, "verdict": "measuring"})",
                             0.7),
        &error);
    QVERIFY2(applied, qPrintable(error));
    model.update(*applied);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.rowOf(QStringLiteral("r-open")), row);
    QCOMPARE(model.index(row, int(RecommendationsModel::Column::Status)).data().toString(),
             u"Applied");
}

void TestIntelligenceModels::recommendationsRefuseBadDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray good = Docs::recommendation("r-1", "high", "open", "null");
    const auto wrap = [](const QByteArray &r) { return "{\"recommendations\": [" + r + "]}"; };
    QTest::newRow("not JSON") << QByteArray("<html>") << "not JSON";
    QTest::newRow("an array") << QByteArray("[]") << "expected a JSON object";
    QTest::newRow("no list") << QByteArray("{}") << "recommendations: missing";
    QTest::newRow("list of strings")
        << QByteArray(R"({"recommendations": ["x"]})") << "recommendations[0]: expected an object";
    QTest::newRow("unknown priority")
        << wrap(QByteArray(good).replace("\"high\"", "\"urgent\""))
        << "recommendations[0].priority: \"urgent\" is not one of high, medium, low";
    QTest::newRow("unknown status")
        << wrap(QByteArray(good).replace("\"open\"", "\"pending\"")) << "recommendations[0].status";
    QTest::newRow("confidence as text")
        << wrap(QByteArray(good).replace("\"confidence\": 0.8", "\"confidence\": \"0.8\""))
        << "recommendations[0].confidence: expected a number, got a string";
    QTest::newRow("confidence above 1")
        << wrap(QByteArray(good).replace("\"confidence\": 0.8", "\"confidence\": 80"))
        << "recommendations[0].confidence: 80 is outside 0..1";
    QTest::newRow("evidence threshold missing")
        << wrap(QByteArray(good).replace(", \"threshold\": 0.3", ""))
        << "recommendations[0].evidence[0].threshold: missing";
    QTest::newRow("change without before")
        << wrap(QByteArray(good).replace("\"before\": false,", ""))
        << "recommendations[0].change.before: missing";
    QTest::newRow("unknown verdict")
        << wrap(Docs::recommendation("r-1", "high", "applied",
                                     R"({"metric": "m", "before": 1, "after": 2, "score": 0.1,
                                         "verdict": "great"})"))
        << "recommendations[0].effect.verdict";
    QTest::newRow("score out of range")
        << wrap(Docs::recommendation("r-1", "high", "applied",
                                     R"({"metric": "m", "before": 1, "after": 2, "score": 3,
                                         "verdict": "improved"})"))
        << "recommendations[0].effect.score: 3 is outside -1..1";
}

void TestIntelligenceModels::recommendationsRefuseBadDocuments() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    RecommendationsModel model;
    QVERIFY(model.setDocument(Docs::recommendations()));
    QVERIFY(!model.setDocument(json));
    QVERIFY2(model.errorString().startsWith(error), qPrintable(model.errorString()));
    // What was shown stays.
    QCOMPARE(model.rowCount(), 5);
    // The next good document clears the error.
    QVERIFY(model.setDocument(Docs::recommendations()));
    QVERIFY(model.errorString().isEmpty());
}

void TestIntelligenceModels::patternsFromTheContract() {
    PatternsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(model.setDocument(Docs::patterns("1h")), qPrintable(model.errorString()));
    QCOMPARE(model.window(), u"1h");
    QCOMPARE(model.eventsIngested(), 123456);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.anomalousCount(), 1);
    using Column = PatternsModel::Column;
    const auto cell = [&model](int row, Column column, int role = Qt::DisplayRole) {
        return model.index(row, int(column)).data(role);
    };
    QCOMPARE(cell(0, Column::Service).toString(), u"inventory");
    QCOMPARE(cell(0, Column::Operation).toString(), u"GET /items/{id}");
    QCOMPARE(cell(0, Column::Requests, PatternsModel::ValueRole).toLongLong(), 1200);
    QCOMPARE(cell(0, Column::ErrorRate, PatternsModel::ValueRole).toDouble(), 0.01);
    QCOMPARE(cell(0, Column::CacheHitRatio, PatternsModel::ValueRole).toDouble(), 0.667);
    QCOMPARE(cell(0, Column::P50, PatternsModel::ValueRole).toDouble(), 3.1);
    QCOMPARE(cell(0, Column::P95, PatternsModel::ValueRole).toDouble(), 9.8);
    QCOMPARE(cell(0, Column::P99, PatternsModel::ValueRole).toDouble(), 21.0);
    QCOMPARE(cell(0, Column::Trend, PatternsModel::ValueRole).toString(), u"rising");
    QCOMPARE(cell(0, Column::Anomalous, PatternsModel::AnomalousRole).toBool(), false);
    QCOMPARE(cell(1, Column::Service, PatternsModel::AnomalousRole).toBool(), true);
    QCOMPARE(cell(1, Column::Anomalous).toString(), u"anomalous");
    // No cache-eligible requests: a dash, not 0 %.
    QCOMPARE(cell(1, Column::CacheHitRatio).toString(), u"–");
    // The p99 bar: the largest is full.
    QCOMPARE(cell(1, Column::P99, PatternsModel::FractionRole).toDouble(), 1.0);
    QCOMPARE(cell(0, Column::P99, PatternsModel::FractionRole).toDouble(), 21.0 / 120.0);
}

void TestIntelligenceModels::patternsRefuseBadDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray good = Docs::patterns();
    QTest::newRow("problem document")
        << QByteArray(R"({"type": "about:blank", "title": "Not Found", "status": 404})")
        << "window: missing";
    QTest::newRow("unknown window")
        << QByteArray(good).replace("\"window\": \"5m\"", "\"window\": \"2m\"")
        << "window: \"2m\" is not one of 1m, 5m, 1h";
    QTest::newRow("p99 missing") << QByteArray(good).replace("\"p99\": 21.0, ", "")
                                 << "operations[0].latency_ms.p99: missing";
    QTest::newRow("unknown direction")
        << QByteArray(good).replace("\"rising\"", "\"up\"")
        << "operations[0].trend.direction: \"up\" is not one of rising, steady, falling";
    QTest::newRow("anomalous as text")
        << QByteArray(good).replace("\"anomalous\": true", "\"anomalous\": \"yes\"")
        << "operations[1].anomalous: expected true or false, got a string";
    QTest::newRow("error rate as a percentage")
        << QByteArray(good).replace("\"error_rate\": 0.1,", "\"error_rate\": 10,")
        << "operations[1].error_rate: 10 is outside 0..1";
}

void TestIntelligenceModels::patternsRefuseBadDocuments() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    PatternsModel model;
    QVERIFY(model.setDocument(Docs::patterns()));
    QVERIFY(!model.setDocument(json));
    QCOMPARE(model.errorString(), error);
    QCOMPARE(model.rowCount(), 2);
}

void TestIntelligenceModels::anomaliesFromTheContract() {
    AnomaliesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(model.setDocument(Docs::anomalies()), qPrintable(model.errorString()));
    QCOMPARE(model.rowCount(), 2);
    using Column = AnomaliesModel::Column;
    // The newest first.
    QCOMPARE(model.at(0).id, u"a-2");
    QCOMPARE(model.index(0, int(Column::Target)).data().toString(), u"catalog / catalog-2");
    QCOMPARE(model.index(1, int(Column::Target)).data().toString(), u"inventory / GET /items/{id}");
    QCOMPARE(model.index(1, int(Column::Kind)).data().toString(), u"Latency");
    QCOMPARE(model.index(1, int(Column::Active)).data().toString(), u"active");
    QCOMPARE(model.index(1, int(Column::Detail)).data().toString(),
             u"p99 120 ms against a normal of 20 ms (robust z 6.2)");
    QVERIFY(!model.setDocument(R"({"anomalies": [{"id": "x", "kind": "cpu"}]})"));
    QVERIFY2(model.errorString().startsWith(u"anomalies[0].kind"), qPrintable(model.errorString()));
    QCOMPARE(model.rowCount(), 2);
}

// A periodic read of the same rows is dataChanged (views keep their selection); other rows reset.
void TestIntelligenceModels::rereadingTheSameRowsChangesCellsOnly() {
    RecommendationsModel recommendations;
    QVERIFY(recommendations.setDocument(Docs::recommendations()));
    QSignalSpy reset(&recommendations, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&recommendations, &QAbstractItemModel::dataChanged);
    QVERIFY(recommendations.setDocument(Docs::recommendations()));
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    QVERIFY(recommendations.setDocument(
        "{\"recommendations\": [" + Docs::recommendation("r-new", "low", "open", "null") + "]}"));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(recommendations.rowCount(), 1);

    PatternsModel patterns;
    QVERIFY(patterns.setDocument(Docs::patterns()));
    QSignalSpy patternsReset(&patterns, &QAbstractItemModel::modelReset);
    QSignalSpy patternsChanged(&patterns, &QAbstractItemModel::dataChanged);
    QVERIFY(patterns.setDocument(Docs::patterns("1h")));
    QCOMPARE(patternsReset.size(), 0);
    QCOMPARE(patternsChanged.size(), 1);
    QCOMPARE(patterns.window(), u"1h");

    AnomaliesModel anomalies;
    QVERIFY(anomalies.setDocument(Docs::anomalies()));
    QSignalSpy anomaliesReset(&anomalies, &QAbstractItemModel::modelReset);
    QVERIFY(anomalies.setDocument(Docs::anomalies()));
    QCOMPARE(anomaliesReset.size(), 0);
    QVERIFY(anomalies.setDocument(R"({"anomalies": []})"));
    QCOMPARE(anomaliesReset.size(), 1);
    QCOMPARE(anomalies.rowCount(), 0);
}

void TestIntelligenceModels::timelineFromTheContract() {
    CorrelationTimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(model.setDocument(Docs::correlation("cid-7")), qPrintable(model.errorString()));
    QCOMPARE(model.correlationId(), u"cid-7");
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.spanMs(), 4.0);
    using Column = CorrelationTimelineModel::Column;
    const auto cell = [&model](int row, Column column, int role = Qt::DisplayRole) {
        return model.index(row, int(column)).data(role);
    };
    QCOMPARE(cell(0, Column::Kind).toString(), u"pre hook");
    QCOMPARE(cell(0, Column::Instance).toString(), QString());
    QCOMPARE(cell(1, Column::Offset, CorrelationTimelineModel::ValueRole).toDouble(), 1.2);
    QCOMPARE(cell(1, Column::Topic).toString(), u"proxy.request_intelligence");
    QCOMPARE(cell(1, Column::Instance).toString(), u"inventory-2");
    QCOMPARE(cell(2, Column::Summary).toString(), u"200, 2.8 ms, cache miss");
    QCOMPARE(cell(1, Column::Offset, CorrelationTimelineModel::FractionRole).toDouble(), 0.3);
    QCOMPARE(cell(2, Column::Offset, CorrelationTimelineModel::FractionRole).toDouble(), 1.0);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestIntelligenceModels::timelineRefusesBadDocuments_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray good = Docs::correlation("cid-7");
    QTest::newRow("empty body") << QByteArray() << "not JSON";
    QTest::newRow("no events") << QByteArray(R"({"correlation_id": "x"})") << "events: missing";
    QTest::newRow("offset as text")
        << QByteArray(good).replace("\"offset_ms\": 1.2", "\"offset_ms\": \"1.2\"")
        << "events[1].offset_ms: expected a number, got a string";
    QTest::newRow("out of order") << QByteArray(good).replace("\"offset_ms\": 4.0",
                                                              "\"offset_ms\": 0.5")
                                  << "events[2].offset_ms: 0.5 is before the event ahead of it";
    QTest::newRow("unknown kind") << QByteArray(good).replace("\"hook.pre\"", "\"hook\"")
                                  << "events[0].kind";
    QTest::newRow("summary null") << QByteArray(good).replace("\"summary\": \"GET /items/7\"",
                                                              "\"summary\": null")
                                  << "events[1].summary: expected a string, got null";
}

void TestIntelligenceModels::timelineRefusesBadDocuments() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    CorrelationTimelineModel model;
    QVERIFY(model.setDocument(Docs::correlation("cid-7")));
    QVERIFY(!model.setDocument(json));
    QVERIFY2(model.errorString().startsWith(error), qPrintable(model.errorString()));
    QCOMPARE(model.rowCount(), 3);
}

QTEST_GUILESS_MAIN(TestIntelligenceModels)
#include "tst_intelligence_models.moc"
