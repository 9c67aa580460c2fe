#include <models/capture_detail.h>
#include <models/json_lines.h>
#include <models/replay_request.h>
#include <models/replay_outcome.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ToolCapture;

// The admin API's capture documents as the Requests view parses them.
class TestCaptureDocuments : public QObject {
    Q_OBJECT
private slots:
    void jsonLinesKnowTheirPointers();
    void jsonLinesRejectNonJson_data();
    void jsonLinesRejectNonJson();
    void diffTouchesPointersBelowAChange_data();
    void diffTouchesPointersBelowAChange();
    void replayOutcomeFromAnswers();
    void captureDetailDecodesBodies();
    void replayRequestCarriesOnlyEdits();
};

void TestCaptureDocuments::jsonLinesKnowTheirPointers() {
    const auto lines =
        JsonLines::fromJson(R"({"b": [1, {"x/y": true}], "a~": "t", "e": {}, "n": null})");
    QVERIFY(lines.has_value());
    QStringList pointers;
    for (const JsonLines::Line &line : lines->lines)
        pointers << line.pointer;
    QCOMPARE(pointers, QStringList({"", "/a~0", "/b", "/b/0", "/b/1", "/b/1/x~1y", "/b/1", "/b",
                                    "/e", "/n", ""}));
    QCOMPARE(lines->lines.at(1).text, QStringLiteral("  \"a~\": \"t\","));
    QCOMPARE(lines->lines.at(5).text, QStringLiteral("      \"x/y\": true"));
    QCOMPARE(lines->lines.at(8).text, QStringLiteral("  \"e\": {},"));
    QCOMPARE(lines->lines.last().text, QStringLiteral("}"));
    // The text parses back to the same value.
    QCOMPARE(
        QJsonDocument::fromJson(lines->text().toUtf8()),
        QJsonDocument::fromJson(R"({"b": [1, {"x/y": true}], "a~": "t", "e": {}, "n": null})"));
    const auto scalar = JsonLines::fromJson("42");
    QVERIFY(scalar.has_value());
    QCOMPARE(scalar->text(), QStringLiteral("42"));
}

void TestCaptureDocuments::jsonLinesRejectNonJson_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("text") << QByteArray("hello");
    QTest::newRow("two values") << QByteArray("1, 2");
    QTest::newRow("unterminated") << QByteArray(R"({"a": )");
}

void TestCaptureDocuments::jsonLinesRejectNonJson() {
    QFETCH(QByteArray, body);
    QVERIFY(!JsonLines::fromJson(body).has_value());
}

void TestCaptureDocuments::diffTouchesPointersBelowAChange_data() {
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<bool>("before");
    QTest::addColumn<bool>("after");
    QTest::newRow("the replaced value") << "/items/1" << true << true;
    QTest::newRow("inside it") << "/items/1/name" << true << true;
    QTest::newRow("a sibling with the same prefix") << "/items/10" << false << false;
    QTest::newRow("above it") << "/items" << false << false;
    QTest::newRow("added: only after") << "/extra" << false << true;
    QTest::newRow("removed: only before") << "/gone/x" << true << false;
}

void TestCaptureDocuments::diffTouchesPointersBelowAChange() {
    QFETCH(QString, pointer);
    QFETCH(bool, before);
    QFETCH(bool, after);
    const ResponseDiff diff = ResponseDiff::fromJson(QJsonDocument::fromJson(R"({
        "changed": true,
        "status": {"before": 200, "after": 200, "changed": false},
        "headers": {"equal": true, "added": [], "removed": [], "changed": [], "ignored": []},
        "body": {"kind": "json", "equal": false, "before_size": 10, "after_size": 12,
                 "truncated": false, "changes": [
            {"op": "replace", "path": "/items/1", "before": 1, "after": 2},
            {"op": "add", "path": "/extra", "after": true},
            {"op": "remove", "path": "/gone", "before": {"x": 1}}]}})")
                                                         .object());
    QVERIFY(diff.valid);
    QCOMPARE(diff.bodyChanges.size(), 3);
    QCOMPARE(diff.touches(pointer, true), before);
    QCOMPARE(diff.touches(pointer, false), after);
}

void TestCaptureDocuments::replayOutcomeFromAnswers() {
    const ReplayOutcome refused = ReplayOutcome::fromResponse(
        400, R"({"type": "about:blank", "title": "Bad Request", "status": 400,
                 "detail": "instance: no instance has the id x-9."})");
    QVERIFY(!refused.ok);
    QCOMPARE(refused.error, QStringLiteral("instance: no instance has the id x-9."));
    const ReplayOutcome lost = ReplayOutcome::fromResponse(0, {}, QStringLiteral("engine stopped"));
    QVERIFY(!lost.ok);
    QCOMPARE(lost.error, QStringLiteral("engine stopped"));
    const ReplayOutcome done = ReplayOutcome::fromResponse(200, R"({
        "replay": {"status": 503, "headers": [{"name": "Retry-After", "value": "1"}],
                   "body": "AAE=", "body_encoding": "base64", "body_truncated": false,
                   "duration_us": 1500, "instance": "inventory-2", "target": "http://h:1",
                   "correlation_id": null},
        "diff": {"changed": true, "status": {"before": 200, "after": 503, "changed": true},
                 "headers": {"equal": false, "added": [{"name": "Retry-After", "value": "1"}],
                             "removed": [], "changed": [],
                             "ignored": [{"name": "Date", "before": "a", "after": null}]},
                 "body": {"kind": "binary", "equal": false, "before_size": 3, "after_size": 2}}})");
    QVERIFY(done.ok);
    QCOMPARE(done.status, 503);
    QCOMPARE(done.body, QByteArray("\x00\x01", 2));
    QCOMPARE(done.instance, QStringLiteral("inventory-2"));
    QVERIFY(done.diff.statusChanged);
    QCOMPARE(done.diff.addedHeaders.size(), 1);
    QCOMPARE(done.diff.ignoredHeaders.first().after.isNull(), true);
    QCOMPARE(done.diff.bodyKind, QStringLiteral("binary"));
}

void TestCaptureDocuments::captureDetailDecodesBodies() {
    QString error;
    QVERIFY(!CaptureDetail::fromJson("[]", &error).has_value());
    QVERIFY(!error.isEmpty());
    QVERIFY(!CaptureDetail::fromJson("{", &error).has_value());
    const auto detail = CaptureDetail::fromJson(R"({
        "id": 7, "correlation_id": "c-7", "method": "POST", "path": "/a", "query": "x=1",
        "status": 201, "done_us": 2500, "replayable": true,
        "request_headers": [{"name": "Content-Type", "value": "application/json"}],
        "request_body": "{\"k\": 1}", "request_body_encoding": "utf-8",
        "response_headers": [], "response_body": "/w==", "response_body_encoding": "base64",
        "routing": {"service": "s", "policy": "scoring", "chosen": "s-1", "runner_up": null,
                    "summary": "s-1 chosen", "candidates": [
            {"id": "s-1", "score": 0.9, "weight": 1, "excluded": false,
             "parts": {"performance": 0.8, "reliability": 1, "load": 1, "compatibility": 1},
             "inputs": {"latency_ms": null, "success_rate": 1, "window_calls": 3, "active": 0}},
            {"id": "s-2", "excluded": true, "exclusion": "breaker_open", "reason": null}]}})",
                                                &error);
    QVERIFY2(detail.has_value(), qPrintable(error));
    QCOMPARE(detail->summary.target(), QStringLiteral("/a?x=1"));
    QCOMPARE(detail->summary.durationMs(), 2.5);
    QCOMPARE(detail->requestBody, QByteArray("{\"k\": 1}"));
    QCOMPARE(detail->responseBody, QByteArray("\xff"));
    QCOMPARE(detail->routing.chosen, QStringLiteral("s-1"));
    QVERIFY(detail->routing.runnerUp.isEmpty());
    QCOMPARE(detail->routing.candidates.size(), 2);
    QCOMPARE(detail->routing.candidates[0].latencyMs, -1.0);
    QCOMPARE(detail->routing.candidates[0].performance, 0.8);
    QVERIFY(detail->routing.candidates[1].excluded);
    QCOMPARE(detail->routing.candidates[1].exclusion, QStringLiteral("breaker_open"));
}

void TestCaptureDocuments::replayRequestCarriesOnlyEdits() {
    ReplayRequest routed;
    QCOMPARE(routed.toJson(), QByteArray("{}"));
    ReplayRequest edited;
    edited.instance = QStringLiteral("inventory-2");
    edited.headers = {{QStringLiteral("X-A"), QStringLiteral("1")},
                      {QStringLiteral("Accept"), std::nullopt}};
    edited.body = QByteArray("\xff\x00", 2);
    const QJsonObject json = QJsonDocument::fromJson(edited.toJson()).object();
    QCOMPARE(json.value(u"instance").toString(), QStringLiteral("inventory-2"));
    QCOMPARE(json.value(u"headers").toObject().value(u"X-A").toString(), QStringLiteral("1"));
    QVERIFY(json.value(u"headers").toObject().value(u"Accept").isNull());
    QVERIFY(!json.contains(u"body"));
    QCOMPARE(json.value(u"body_base64").toString(), QStringLiteral("/wA="));
    QCOMPARE(ReplayRequest::target(12), QByteArray("/api/v1/captures/12/replay"));
}

QTEST_GUILESS_MAIN(TestCaptureDocuments)
#include "tst_capture_documents.moc"
