#include <backend/intelligence/recommendation_engine.h>
#include <tests/support/manual_clock.h>

#include <QJsonObject>
#include <QTest>

using namespace ToolCapture;

// RecommendationEngine::restore() and recommendationFromJson(): what a restarted engine takes
// back from the store. The R document reads back into the same recommendation; a dismissed
// (or reverted) one keeps suppressing its kind for what is left of suppressFor by the wall
// clock; an applied one still measuring completes what is left of its after-window; restored
// recommendations make no events; one open recommendation per kind.
class TestRecommendationRestore : public QObject {
    Q_OBJECT
private slots:
    void documentRoundTrips();
    void unreadableDocuments_data();
    void unreadableDocuments();
    void suppressionOutlivesTheRestart_data();
    void suppressionOutlivesTheRestart();
    void measuringCompletesItsWindow();
    void restoredOnesMakeNoEventsAndKeepOrder();
    void oneOpenPerKind();
};

namespace {

const QDateTime kWall = QDateTime(QDate(2026, 12, 4), QTime(12, 0), Qt::UTC);

// The settings the engine's rules read: catalog's cache is on, its heuristics off.
QJsonObject settings() {
    return QJsonObject{
        {"catalog", QJsonObject{{"cache.enabled", true}, {"cache.heuristics", false}}}};
}

// catalog's GET /products/{id}: 400 cache-eligible requests, 10% hits (the cache rule fires).
AnalysisSnapshot cacheSnapshot(double hitRatio = 0.1) {
    AnalysisSnapshot s;
    OperationInsight op;
    op.service = QStringLiteral("catalog");
    op.operation = QStringLiteral("GET /products/{id}");
    op.fiveMinutes.requests = 400;
    op.fiveMinutes.cacheEligible = 400;
    op.fiveMinutes.cacheHits = std::uint64_t(400 * hitRatio);
    op.fiveMinutes.latencyMs.add(10, 400);
    s.operations.push_back(op);
    return s;
}

SettingChangePort acceptingPort() {
    return [](const SettingChangeRequest &request) {
        SettingChangeOutcome outcome;
        outcome.ok = true;
        outcome.entry.service = request.service;
        outcome.entry.setting = request.setting;
        outcome.entry.before = QJsonValue(false);
        outcome.entry.after = request.value;
        return outcome;
    };
}

// One engine's life: a recommendation made at kWall + `age` ago and left in `status`.
struct Before {
    ManualClock clock;
    RecommendationEngine engine{clock, acceptingPort()};
    QDateTime wall = kWall;
    Before() {
        engine.setWallClock([this] { return wall; });
    }
    Recommendation make(const QString &status) {
        engine.evaluate(cacheSnapshot(), settings());
        const QString id = engine.list().back().id;
        if (status == QLatin1String("applied") || status == QLatin1String("reverted"))
            engine.apply(id, QStringLiteral("console"));
        if (status == QLatin1String("dismissed"))
            engine.dismiss(id, QStringLiteral("console"));
        if (status == QLatin1String("reverted"))
            engine.revert(id, QStringLiteral("console"));
        return *engine.find(id);
    }
};

// The store's view of it: the R document, read back.
Recommendation throughTheStore(const Recommendation &r) {
    QString why;
    const std::optional<Recommendation> back = recommendationFromJson(r.toJson(), &why);
    if (!back)
        qWarning("not readable: %s", qPrintable(why));
    return back.value_or(Recommendation{});
}

} // namespace

void TestRecommendationRestore::documentRoundTrips() {
    for (const char *status : {"open", "applied", "dismissed", "reverted"}) {
        Before before;
        const Recommendation r = before.make(QString::fromLatin1(status));
        QCOMPARE(recommendationStatusName(r.status), QString::fromLatin1(status));
        const Recommendation back = throughTheStore(r);
        // The same document: every field the API shows survives, but whether the change is in
        // force, which is the running engine's to say (unknown until it evaluates).
        QVERIFY(back.toJson()["change"].toObject()["in_force"].isNull());
        const auto withoutInForce = [](QJsonObject document) {
            QJsonObject change = document["change"].toObject();
            change.remove("in_force");
            document["change"] = change;
            return document;
        };
        QCOMPARE(withoutInForce(back.toJson()), withoutInForce(r.toJson()));
        QCOMPARE(back.status, r.status);
        QCOMPARE(back.type, RecommendationType::CacheOptimization);
        QCOMPARE(back.effect.has_value(), r.effect.has_value());
        if (back.effect) {
            QCOMPARE(back.effect->verdict, EffectVerdict::Measuring);
            QCOMPARE(back.effect->lowerIsBetter, false); // the cache hit ratio: higher is better
        }
    }
}

void TestRecommendationRestore::unreadableDocuments_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no id") << "id" << QJsonValue("") << "no id";
    QTest::newRow("unknown type") << "type" << QJsonValue("faster") << "unknown type faster";
    QTest::newRow("unknown status") << "status" << QJsonValue("gone") << "unknown status gone";
    QTest::newRow("unknown priority")
        << "priority" << QJsonValue("urgent") << "unknown priority urgent";
}

void TestRecommendationRestore::unreadableDocuments() {
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QFETCH(QString, reason);
    Before before;
    QJsonObject document = before.make(QStringLiteral("open")).toJson();
    QVERIFY(recommendationFromJson(document));
    document.insert(key, value);
    QString why;
    QVERIFY(!recommendationFromJson(document, &why));
    QCOMPARE(why, reason);
}

void TestRecommendationRestore::suppressionOutlivesTheRestart_data() {
    QTest::addColumn<QString>("status");
    QTest::addColumn<int>("minutesSince"); // from the dismissal (revert) to the restart
    QTest::addColumn<bool>("madeAgain");   // by the first evaluation after the restart
    // suppressFor is an hour (the default).
    QTest::newRow("dismissed 10 min before") << "dismissed" << 10 << false;
    QTest::newRow("dismissed 59 min before") << "dismissed" << 59 << false;
    QTest::newRow("dismissed 61 min before") << "dismissed" << 61 << true;
    QTest::newRow("reverted 30 min before") << "reverted" << 30 << false;
    QTest::newRow("reverted 2 h before") << "reverted" << 120 << true;
}

void TestRecommendationRestore::suppressionOutlivesTheRestart() {
    QFETCH(QString, status);
    QFETCH(int, minutesSince);
    QFETCH(bool, madeAgain);
    Before before;
    const Recommendation r = throughTheStore(before.make(status));

    ManualClock clock; // a new process: its steady clock starts anywhere
    clock.advance(std::chrono::hours(100));
    RecommendationEngine after(clock, acceptingPort());
    const QDateTime restartedAt = kWall.addSecs(minutesSince * 60);
    after.setWallClock([restartedAt] { return restartedAt; });
    QCOMPARE(after.restore({r}), 1);
    after.evaluate(cacheSnapshot(), settings());
    QCOMPARE(after.list(RecommendationStatus::Open).size(), size_t(madeAgain ? 1 : 0));
    QCOMPARE(after.find(r.id)->status, r.status);
    if (!madeAgain) {
        // Until the rest of the hour is over.
        clock.advance(std::chrono::minutes(60 - minutesSince + 1));
        after.evaluate(cacheSnapshot(), settings());
        QCOMPARE(after.list(RecommendationStatus::Open).size(), size_t(1));
    }
}

void TestRecommendationRestore::measuringCompletesItsWindow() {
    Before before;
    const Recommendation applied = throughTheStore(before.make(QStringLiteral("applied")));
    QVERIFY(applied.effect);
    QCOMPARE(applied.effect->verdict, EffectVerdict::Measuring);

    // Restarted two minutes after the apply. The effect is measured on this process's running
    // totals, which know nothing of the traffic before the restart: the after-window starts
    // again at the first snapshot since the restart and runs its whole five minutes.
    ManualClock clock;
    RecommendationEngine::Options options;
    options.effectWindow = std::chrono::minutes(5);
    RecommendationEngine after(clock, acceptingPort(), options);
    after.setWallClock([] { return kWall.addSecs(120); });
    QCOMPARE(after.restore({applied}), 1);
    // catalog's GET /products/{id} as taken now, with `eligible` cache-eligible requests since
    // the start of which `hits` hit.
    const auto taken = [&clock](std::uint64_t eligible, std::uint64_t hits) {
        AnalysisSnapshot s = cacheSnapshot(0.9);
        s.at = clock.now();
        s.operations.front().totals.requests = eligible;
        s.operations.front().totals.cacheEligible = eligible;
        s.operations.front().totals.cacheHits = hits;
        return s;
    };
    // The change in force after the restart (the configuration says the same): measured.
    const QJsonObject inForce{
        {"catalog", QJsonObject{{"cache.enabled", true}, {"cache.heuristics", true}}}};
    QCOMPARE(applied.change.after, QJsonValue(true));
    // Applied: the same kind is not recommended again while its change is in force.
    after.evaluate(taken(1000, 100), inForce);
    QCOMPARE(after.size(), 1);
    QCOMPARE(after.find(applied.id)->effect->verdict, EffectVerdict::Measuring);
    clock.advance(std::chrono::minutes(3));
    after.evaluate(taken(1240, 316), inForce);
    QCOMPARE(after.find(applied.id)->effect->verdict, EffectVerdict::Measuring);
    clock.advance(std::chrono::minutes(2) + std::chrono::seconds(1));
    after.evaluate(taken(1400, 460), inForce);
    const Recommendation *measured = after.find(applied.id);
    QCOMPARE(measured->effect->verdict, EffectVerdict::Improved); // 0.1 → 0.9 hits
    QVERIFY(measured->effect->after);
    QCOMPARE(*measured->effect->after, 0.9);
}

void TestRecommendationRestore::restoredOnesMakeNoEventsAndKeepOrder() {
    std::vector<Recommendation> rows;
    {
        Before before;
        const Recommendation first = before.make(QStringLiteral("dismissed"));
        before.wall = kWall.addSecs(7200); // past the suppression
        before.clock.advance(std::chrono::hours(2));
        const Recommendation second = before.make(QStringLiteral("open"));
        QVERIFY(first.id != second.id);
        rows = {throughTheStore(second), throughTheStore(first)}; // any order
    }
    ManualClock clock;
    RecommendationEngine after(clock, acceptingPort());
    after.setWallClock([] { return kWall.addSecs(7300); });
    int events = 0;
    after.setEventCallback([&events](const QString &, const Recommendation &) { ++events; });
    QCOMPARE(after.restore(rows), 2);
    QCOMPARE(events, 0);
    // Oldest first, as the API lists them; restoring again takes nothing twice.
    const std::vector<Recommendation> list = after.list();
    QCOMPARE(list.size(), size_t(2));
    QCOMPARE(list[0].id, rows[1].id);
    QCOMPARE(list[1].id, rows[0].id);
    QCOMPARE(after.restore(rows), 0);
    // The open one is the one the rule updates: no second open one, no new event but updates.
    after.evaluate(cacheSnapshot(), settings());
    QCOMPARE(after.list(RecommendationStatus::Open).size(), size_t(1));
    QCOMPARE(after.list(RecommendationStatus::Open).front().id, rows[0].id);
    QCOMPARE(events, 0);
}

void TestRecommendationRestore::oneOpenPerKind() {
    // Made while the store could not be read, then the store's own open one of the same kind
    // arrives: the one in memory stays the only open one.
    Before earlier;
    const Recommendation stored = throughTheStore(earlier.make(QStringLiteral("open")));
    ManualClock clock;
    RecommendationEngine after(clock, acceptingPort());
    after.evaluate(cacheSnapshot(), settings());
    QCOMPARE(after.size(), 1);
    const QString made = after.list().front().id;
    QCOMPARE(after.restore({stored}), 0);
    QCOMPARE(after.size(), 1);
    QCOMPARE(after.list().front().id, made);
}

QTEST_GUILESS_MAIN(TestRecommendationRestore)
#include "tst_recommendation_restore.moc"
