#include <backend/intelligence/anomaly_rules.h>
#include <backend/intelligence/recommendation_engine.h>
#include <backend/schema/schema_catalog.h>
#include <tests/support/manual_clock.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <array>
#include <map>
#include <nlohmann/json.hpp>

using namespace ToolCapture;

// The recommendation engine on hand-made snapshots and a manual clock: each rule against its
// threshold and minimum sample, one recommendation per key, apply/dismiss/revert through a
// recording port, the measured effect and the automatic revert, the documents and events.
class TestRecommendationEngine : public QObject {
    Q_OBJECT
private slots:
    void rules_data();
    void rules();
    void loadBalancingCountsComparableInstances_data();
    void loadBalancingCountsComparableInstances();
    void openOneIsUpdatedNotDuplicated();
    void applyCallsThePort();
    void stateConflicts_data();
    void stateConflicts();
    void refusedChangeLeavesItOpen();
    void dismissSuppresses();
    void dismissRecordsWhoAndWhy();
    void openOneExpiresWhenItsRuleStopsFiring();
    void revertAppliesTheBeforeValue();
    void revertTakesBackOnlyItsOwnValue_data();
    void revertTakesBackOnlyItsOwnValue();
    void applyOntoAChangedSettingConflicts();
    void changeNotInForceIsNotMeasured();
    void effect_data();
    void effect();
    void effectWindowsBeforeAndAfter();
    void afterWindowCountsOnlyTrafficAfterTheApply();
    void starvedInstancesCountInTheLoadAfterTheApply();
    void captureDropsAfterTheApply();
    void autoRevert_data();
    void autoRevert();
    void keptRecommendationsAreBounded();
    void documentAndEventsMatchTheSchema();
};

namespace {

// The live settings of a few services, changed by the port as LiveSettings would.
class RecordingPort {
public:
    RecordingPort() {
        for (const char *name : {"catalog", "inventory", "orders"}) {
            m_settings.insert(QString::fromLatin1(name),
                              QJsonObject{{"timeouts.first_byte_ms", 1000},
                                          {"retry.max_attempts", 3},
                                          {"breaker.failure_rate", 0.5},
                                          {"breaker.open_duration_ms", 30000},
                                          {"routing.load_weight", 1.0},
                                          {"cache.enabled", true},
                                          {"cache.heuristics", false},
                                          {"capture.sample_rate", 1.0}});
        }
    }
    SettingChangePort port() {
        return [this](const SettingChangeRequest &request) {
            requests.push_back(request);
            SettingChangeOutcome outcome;
            if (refuse) {
                outcome.error = QStringLiteral("value: refused by the test");
                return outcome;
            }
            QJsonObject service = m_settings.value(request.service).toObject();
            if (request.expected && service.value(request.setting) != *request.expected) {
                outcome.conflict = true;
                outcome.current = service.value(request.setting);
                outcome.error = QStringLiteral("changed since (the test)");
                return outcome;
            }
            outcome.ok = true;
            outcome.entry.id = requests.size();
            outcome.entry.service = request.service;
            outcome.entry.setting = request.setting;
            outcome.entry.before = service.value(request.setting);
            outcome.entry.after = request.value;
            outcome.entry.source = request.source;
            outcome.entry.recommendationId = request.recommendationId;
            service.insert(request.setting, request.value);
            m_settings.insert(request.service, service);
            return outcome;
        };
    }
    const QJsonObject &settings() const { return m_settings; }
    void set(const QString &service, const QString &setting, const QJsonValue &value) {
        QJsonObject s = m_settings.value(service).toObject();
        s.insert(setting, value);
        m_settings.insert(service, s);
    }

    std::vector<SettingChangeRequest> requests;
    bool refuse = false;

private:
    QJsonObject m_settings;
};

WindowStats window(std::uint64_t requests, double errorRate = 0, std::uint64_t eligible = 0,
                   double hitRatio = 0, double latencyMs = 10) {
    WindowStats w;
    w.requests = requests;
    w.errors = std::uint64_t(std::llround(double(requests) * errorRate));
    w.cacheEligible = eligible;
    w.cacheHits = std::uint64_t(std::llround(double(eligible) * hitRatio));
    if (requests)
        w.latencyMs.add(latencyMs, requests);
    return w;
}

OperationInsight operation(const QString &service, const QString &name, WindowStats w) {
    OperationInsight op;
    op.service = service;
    op.operation = name;
    op.fiveMinutes = std::move(w);
    return op;
}

// `s` as taken at the clock's time now, with `totals` as catalog's GET /products/{id}'s
// running totals (the effect's after-window is counted on them).
AnalysisSnapshot takenNow(AnalysisSnapshot s, const ManualClock &clock, RunningTotals totals = {}) {
    s.at = clock.now();
    for (OperationInsight &op : s.operations)
        op.totals = totals;
    return s;
}

RunningTotals cacheTotals(std::uint64_t eligible, std::uint64_t hits) {
    RunningTotals t;
    t.requests = t.cacheEligible = eligible;
    t.cacheHits = hits;
    return t;
}

RunningTotals errorTotals(std::uint64_t requests, std::uint64_t errors) {
    RunningTotals t;
    t.requests = requests;
    t.errors = errors;
    return t;
}

// A snapshot with the cache rule's input: catalog's GET /products/{id} with `eligible`
// cache-eligible requests of which `hitRatio` hit.
AnalysisSnapshot cacheSnapshot(double hitRatio, std::uint64_t eligible = 400,
                               double errorRate = 0) {
    AnalysisSnapshot s;
    s.operations.push_back(operation("catalog", "GET /products/{id}",
                                     window(eligible, errorRate, eligible, hitRatio)));
    return s;
}

enum class Rule { Cache, Load, Breaker, Timeout, Retry, Capture };

// One rule's input at `value` (of the metric it watches) with `samples` samples.
AnalysisSnapshot snapshotFor(Rule rule, double value, std::uint64_t samples, CaptureLoad *capture) {
    AnalysisSnapshot s;
    switch (rule) {
    case Rule::Cache:
        s.operations.push_back(
            operation("catalog", "GET /products/{id}", window(samples, 0, samples, 1.0 - value)));
        break;
    case Rule::Load: {
        ServiceInsight service;
        service.service = "inventory";
        service.instances = 2;
        service.requests = samples;
        service.loadImbalance = value;
        s.services.push_back(service);
        // Two equally good instances sharing the requests so that their imbalance is `value`.
        const double first = 0.5 + value / 2.0;
        for (const auto &[id, share] :
             {std::pair{"inventory-1", first}, {"inventory-2", 1 - first}}) {
            InstanceInsight instance;
            instance.service = "inventory";
            instance.instance = id;
            instance.fiveMinutes = window(std::uint64_t(std::llround(double(samples) * share)));
            s.instances.push_back(instance);
        }
        break;
    }
    case Rule::Breaker: {
        InstanceInsight instance;
        instance.service = "inventory";
        instance.instance = "inventory-2";
        instance.fiveMinutes = window(samples, 0.3);
        instance.failureRisk = value;
        s.instances.push_back(instance);
        break;
    }
    case Rule::Timeout: // value: p99 as a share of the 1000 ms timeout
        s.operations.push_back(
            operation("orders", "POST /orders", window(samples, 0.01, 0, 0, value * 1000.0)));
        break;
    case Rule::Retry: {
        OperationInsight op = operation("orders", "GET /orders/{id}", window(samples * 4, 0.2));
        op.retriedFiveMinutes = samples;
        op.retriedFailedFiveMinutes = std::uint64_t(std::llround(double(samples) * value));
        s.operations.push_back(op);
        break;
    }
    case Rule::Capture: { // value: dropped exchanges
        ServiceInsight service;
        service.service = "catalog";
        service.instances = 1;
        service.requests = 1000;
        s.services.push_back(service);
        capture->present = true;
        capture->dropped = std::uint64_t(value);
        capture->captured = samples - std::min<std::uint64_t>(samples, capture->dropped);
        break;
    }
    }
    return s;
}

} // namespace

void TestRecommendationEngine::rules_data() {
    QTest::addColumn<int>("rule");
    QTest::addColumn<double>("value");
    QTest::addColumn<qulonglong>("samples");
    QTest::addColumn<QString>("type"); // empty: nothing recommended
    QTest::addColumn<QString>("setting");
    QTest::addColumn<QJsonValue>("after");

    const auto rule = [](Rule r) { return int(r); };
    QTest::newRow("cache miss 0.9") << rule(Rule::Cache) << 0.9 << 400ull << "cache_optimization"
                                    << "cache.heuristics" << QJsonValue(true);
    QTest::newRow("cache miss 0.31") << rule(Rule::Cache) << 0.31 << 400ull << "cache_optimization"
                                     << "cache.heuristics" << QJsonValue(true);
    QTest::newRow("cache miss 0.3") << rule(Rule::Cache) << 0.3 << 400ull << ""
                                    << "" << QJsonValue();
    QTest::newRow("cache miss 0.9, 49 eligible") << rule(Rule::Cache) << 0.9 << 49ull << ""
                                                 << "" << QJsonValue();
    QTest::newRow("imbalance 0.7") << rule(Rule::Load) << 0.7 << 1000ull << "load_balancing"
                                   << "routing.load_weight" << QJsonValue(2.0);
    QTest::newRow("imbalance 0.4") << rule(Rule::Load) << 0.4 << 1000ull << ""
                                   << "" << QJsonValue();
    QTest::newRow("imbalance 0.7, 99 requests") << rule(Rule::Load) << 0.7 << 99ull << ""
                                                << "" << QJsonValue();
    QTest::newRow("failure risk 0.8")
        << rule(Rule::Breaker) << 0.8 << 100ull << "circuit_breaker_tuning"
        << "breaker.failure_rate" << QJsonValue(0.4);
    QTest::newRow("failure risk 0.6") << rule(Rule::Breaker) << 0.6 << 100ull << ""
                                      << "" << QJsonValue();
    QTest::newRow("failure risk 0.8, 19 calls") << rule(Rule::Breaker) << 0.8 << 19ull << ""
                                                << "" << QJsonValue();
    QTest::newRow("p99 at 0.9 of the timeout")
        << rule(Rule::Timeout) << 0.9 << 200ull << "timeout_tuning"
        << "timeouts.first_byte_ms"
        << QJsonValue(1400); // p99 ~900 ms (1% sketch) x 1.5, rounded up to 100 ms
    QTest::newRow("p99 at 0.7 of the timeout") << rule(Rule::Timeout) << 0.7 << 200ull << ""
                                               << "" << QJsonValue();
    QTest::newRow("p99 at 0.9, 49 requests") << rule(Rule::Timeout) << 0.9 << 49ull << ""
                                             << "" << QJsonValue();
    QTest::newRow("retried still failing 0.8")
        << rule(Rule::Retry) << 0.8 << 100ull << "retry_tuning"
        << "retry.max_attempts" << QJsonValue(2);
    QTest::newRow("retried still failing 0.5") << rule(Rule::Retry) << 0.5 << 100ull << ""
                                               << "" << QJsonValue();
    QTest::newRow("retried still failing 0.8, 19 retried")
        << rule(Rule::Retry) << 0.8 << 19ull << ""
        << "" << QJsonValue();
    QTest::newRow("capture drops 50")
        << rule(Rule::Capture) << 50.0 << 1000ull << "capture_sampling"
        << "capture.sample_rate" << QJsonValue(0.5);
    QTest::newRow("capture drops 0") << rule(Rule::Capture) << 0.0 << 1000ull << ""
                                     << "" << QJsonValue();
    QTest::newRow("capture drops 50 of 99") << rule(Rule::Capture) << 50.0 << 99ull << ""
                                            << "" << QJsonValue();
}

void TestRecommendationEngine::rules() {
    QFETCH(int, rule);
    QFETCH(double, value);
    QFETCH(qulonglong, samples);
    QFETCH(QString, type);
    QFETCH(QString, setting);
    QFETCH(QJsonValue, after);

    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    CaptureLoad capture;
    const AnalysisSnapshot snapshot = snapshotFor(Rule(rule), value, samples, &capture);
    engine.evaluate(snapshot, port.settings(), capture);

    if (type.isEmpty()) {
        QCOMPARE(engine.size(), 0);
        return;
    }
    QCOMPARE(engine.size(), 1);
    const Recommendation r = engine.list().front();
    QCOMPARE(recommendationTypeName(r.type), type);
    QCOMPARE(r.status, RecommendationStatus::Open);
    QCOMPARE(r.change.setting, setting);
    QCOMPARE(r.change.before, port.settings().value(r.service).toObject().value(setting));
    QCOMPARE(r.change.after, after);
    QCOMPARE(r.evidence.size(), size_t(1));
    QCOMPARE(r.evidence.front().window, QStringLiteral("5m"));
    QVERIFY(r.evidence.front().value > r.evidence.front().threshold);
    QVERIFY(r.confidence >= 0.5 && r.confidence <= 0.95);
    QVERIFY(!r.title.isEmpty());
    QVERIFY(!r.expectedImpact.metric.isEmpty());
    QVERIFY(!r.effect);
    QVERIFY(port.requests.empty()); // recommending changes nothing
}

void TestRecommendationEngine::loadBalancingCountsComparableInstances_data() {
    // Per instance: requests, typical latency (ms), error rate.
    QTest::addColumn<QList<double>>("requests");
    QTest::addColumn<QList<double>>("latencyMs");
    QTest::addColumn<QList<double>>("errorRates");
    QTest::addColumn<bool>("recommended");

    QTest::newRow("two alike, 850/150")
        << QList<double>{850, 150} << QList<double>{2, 2} << QList<double>{0, 0} << true;
    QTest::newRow("two alike, 520/480")
        << QList<double>{520, 480} << QList<double>{2, 2} << QList<double>{0, 0} << false;
    // The router starves a slow instance (the demo's inventory-3): its job, not a fault.
    QTest::newRow("one slow, starved")
        << QList<double>{990, 10} << QList<double>{1, 250} << QList<double>{0, 0} << false;
    QTest::newRow("one failing, starved")
        << QList<double>{900, 100} << QList<double>{2, 2} << QList<double>{0, 0.3} << false;
    QTest::newRow("two alike and one slow, balanced")
        << QList<double>{500, 490, 10} << QList<double>{1, 1.5, 250} << QList<double>{0, 0, 0}
        << false;
    QTest::newRow("two alike and one slow, uneven")
        << QList<double>{850, 140, 10} << QList<double>{1, 1.5, 250} << QList<double>{0, 0, 0}
        << true;
    QTest::newRow("sub-millisecond differences count as alike")
        << QList<double>{900, 100} << QList<double>{0.15, 0.3} << QList<double>{0, 0} << true;
}

void TestRecommendationEngine::loadBalancingCountsComparableInstances() {
    QFETCH(QList<double>, requests);
    QFETCH(QList<double>, latencyMs);
    QFETCH(QList<double>, errorRates);
    QFETCH(bool, recommended);

    AnalysisSnapshot snapshot;
    ServiceInsight service;
    service.service = "inventory";
    service.instances = int(requests.size());
    std::vector<double> load;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        InstanceInsight instance;
        instance.service = "inventory";
        instance.instance = QStringLiteral("inventory-%1").arg(i + 1);
        instance.fiveMinutes =
            window(std::uint64_t(requests[i]), errorRates[i], 0, 0, latencyMs[i]);
        service.requests += instance.fiveMinutes.requests;
        load.push_back(requests[i]);
        snapshot.instances.push_back(instance);
    }
    // The analyser's score over every instance: above the threshold in every row but the
    // balanced ones, so what decides is which instances are comparable.
    service.loadImbalance = loadImbalanceScore(load);
    snapshot.services.push_back(service);

    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(snapshot, port.settings());
    QCOMPARE(engine.size(), recommended ? 1 : 0);
    if (recommended) {
        const Recommendation r = engine.list().front();
        QCOMPARE(r.type, RecommendationType::LoadBalancing);
        QVERIFY(r.evidence.front().value > 0.4);
        QVERIFY(r.evidence.front().value <= service.loadImbalance);
    }
}

void TestRecommendationEngine::openOneIsUpdatedNotDuplicated() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    QStringList events;
    engine.setEventCallback([&](const QString &event, const Recommendation &) { events << event; });
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const QString id = engine.list().front().id;
    QCOMPARE(engine.list().front().evidence.front().value, 0.9);
    QCOMPARE(engine.list().front().priority, RecommendationPriority::High);

    clock.advance(std::chrono::seconds(10));
    engine.evaluate(cacheSnapshot(0.6), port.settings());
    QCOMPARE(engine.size(), 1);
    const Recommendation r = engine.list().front();
    QCOMPARE(r.id, id);
    QVERIFY(qAbs(r.evidence.front().value - 0.4) < 1e-9);
    QCOMPARE(r.priority, RecommendationPriority::Low);
    QCOMPARE(events, QStringList{QStringLiteral("created")});

    // Another operation of the same service is a recommendation of its own.
    AnalysisSnapshot two = cacheSnapshot(0.1);
    two.operations.push_back(operation("catalog", "GET /products", window(400, 0, 400, 0.0)));
    engine.evaluate(two, port.settings());
    QCOMPARE(engine.size(), 2);
}

void TestRecommendationEngine::applyCallsThePort() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const QString id = engine.list().front().id;

    const auto outcome = engine.apply(id, QStringLiteral("console"), QStringLiteral("try it"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Ok);
    QCOMPARE(port.requests.size(), size_t(1));
    const SettingChangeRequest &request = port.requests.front();
    QCOMPARE(request.service, QStringLiteral("catalog"));
    QCOMPARE(request.setting, QStringLiteral("cache.heuristics"));
    QCOMPARE(request.value, QJsonValue(true));
    QCOMPARE(request.actor, QStringLiteral("console"));
    QCOMPARE(request.reason, QStringLiteral("try it"));
    QCOMPARE(request.source, SettingSource::Recommendation);
    QCOMPARE(request.recommendationId, id);

    const Recommendation *r = engine.find(id);
    QVERIFY(r);
    QCOMPARE(r->status, RecommendationStatus::Applied);
    QCOMPARE(r->appliedBy, QStringLiteral("console"));
    QVERIFY(r->appliedAt.isValid());
    QCOMPARE(r->change.before, QJsonValue(false));
    QVERIFY(r->effect);
    QCOMPARE(r->effect->verdict, EffectVerdict::Measuring);
    QCOMPARE(r->effect->metric, QStringLiteral("cache_hit_ratio"));
    QVERIFY(qAbs(r->effect->before - 0.1) < 1e-9);
    QVERIFY(!r->effect->score);

    // Still firing while applied: no second recommendation for the same key.
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    QCOMPARE(engine.size(), 1);
}

void TestRecommendationEngine::stateConflicts_data() {
    QTest::addColumn<QString>("first"); // apply, dismiss, or "" (left open)
    QTest::addColumn<QString>("then");
    QTest::addColumn<int>("result");
    using R = RecommendationEngine::Result;
    QTest::newRow("apply applied") << "apply"
                                   << "apply" << int(R::Conflict);
    QTest::newRow("apply dismissed") << "dismiss"
                                     << "apply" << int(R::Conflict);
    QTest::newRow("dismiss applied") << "apply"
                                     << "dismiss" << int(R::Conflict);
    QTest::newRow("dismiss dismissed") << "dismiss"
                                       << "dismiss" << int(R::Conflict);
    QTest::newRow("revert open") << ""
                                 << "revert" << int(R::Conflict);
    QTest::newRow("revert dismissed") << "dismiss"
                                      << "revert" << int(R::Conflict);
    QTest::newRow("revert reverted") << "apply,revert"
                                     << "revert" << int(R::Conflict);
    QTest::newRow("apply reverted") << "apply,revert"
                                    << "apply" << int(R::Conflict);
    QTest::newRow("apply open") << ""
                                << "apply" << int(R::Ok);
    QTest::newRow("dismiss open") << ""
                                  << "dismiss" << int(R::Ok);
    QTest::newRow("revert applied") << "apply"
                                    << "revert" << int(R::Ok);
    QTest::newRow("apply unknown") << "unknown"
                                   << "apply" << int(R::NotFound);
    QTest::newRow("dismiss unknown") << "unknown"
                                     << "dismiss" << int(R::NotFound);
    QTest::newRow("revert unknown") << "unknown"
                                    << "revert" << int(R::NotFound);
}

void TestRecommendationEngine::stateConflicts() {
    QFETCH(QString, first);
    QFETCH(QString, then);
    QFETCH(int, result);
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    QString id = engine.list().front().id;
    const auto run = [&](const QString &action) {
        if (action == QLatin1String("apply"))
            return engine.apply(id, QStringLiteral("t"));
        if (action == QLatin1String("dismiss"))
            return engine.dismiss(id, QStringLiteral("t"));
        return engine.revert(id, QStringLiteral("t"));
    };
    for (const QString &action : first.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (action == QLatin1String("unknown"))
            id = QStringLiteral("00000000-0000-0000-0000-000000000000");
        else
            QCOMPARE(run(action).result, RecommendationEngine::Result::Ok);
    }
    const RecommendationStatus before =
        engine.find(id) ? engine.find(id)->status : RecommendationStatus::Open;
    const size_t changes = port.requests.size();
    const auto outcome = run(then);
    QCOMPARE(int(outcome.result), result);
    if (outcome.result != RecommendationEngine::Result::Ok) {
        QVERIFY(!outcome.error.isEmpty());
        QCOMPARE(port.requests.size(), changes); // nothing changed
        if (engine.find(id))
            QCOMPARE(engine.find(id)->status, before);
    }
}

void TestRecommendationEngine::refusedChangeLeavesItOpen() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    port.refuse = true;
    const auto outcome = engine.apply(engine.list().front().id, QStringLiteral("t"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Failed);
    QVERIFY(outcome.error.contains(QLatin1String("refused")));
    QCOMPARE(engine.list().front().status, RecommendationStatus::Open);
}

void TestRecommendationEngine::dismissSuppresses() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.suppressFor = std::chrono::minutes(60);
    RecommendationEngine engine(clock, port.port(), options);
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const QString id = engine.list().front().id;
    QCOMPARE(engine.dismiss(id, QStringLiteral("t")).result, RecommendationEngine::Result::Ok);
    QVERIFY(engine.find(id)->dismissedAt.isValid());

    for (int minutes : {10, 10, 10, 10, 10, 9}) { // up to 59 min after the dismissal
        clock.advance(std::chrono::minutes(minutes));
        engine.evaluate(cacheSnapshot(0.1), port.settings());
        QCOMPARE(engine.list(RecommendationStatus::Open).size(), size_t(0));
    }
    clock.advance(std::chrono::minutes(2)); // 61 min after the dismissal
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const auto open = engine.list(RecommendationStatus::Open);
    QCOMPARE(open.size(), size_t(1));
    QVERIFY(open.front().id != id);
    QCOMPARE(engine.list(RecommendationStatus::Dismissed).size(), size_t(1));
}

void TestRecommendationEngine::dismissRecordsWhoAndWhy() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const QString id = engine.list().front().id;
    const QJsonObject open = engine.find(id)->toJson();
    QVERIFY(open.value("dismissed_by").isNull());
    QVERIFY(open.value("dismiss_reason").isNull());
    const auto outcome =
        engine.dismiss(id, QStringLiteral("console"), QStringLiteral("seasonal traffic"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Ok);
    QCOMPARE(outcome.recommendation->dismissedBy, QStringLiteral("console"));
    const QJsonObject r = engine.find(id)->toJson();
    QCOMPARE(r.value("status").toString(), QStringLiteral("dismissed"));
    QCOMPARE(r.value("dismissed_by").toString(), QStringLiteral("console"));
    QCOMPARE(r.value("dismiss_reason").toString(), QStringLiteral("seasonal traffic"));
    QVERIFY(r.value("dismissed_at").isString());
    // No reason given: null, the actor still recorded.
    RecommendationEngine other(clock, port.port());
    other.evaluate(cacheSnapshot(0.1), port.settings());
    const QString otherId = other.list().front().id;
    other.dismiss(otherId, QStringLiteral("admin-api"));
    QCOMPARE(other.find(otherId)->toJson().value("dismissed_by").toString(),
             QStringLiteral("admin-api"));
    QVERIFY(other.find(otherId)->toJson().value("dismiss_reason").isNull());
}

// An open recommendation whose rule stops firing expires after expireAfter counted from the
// last time it fired (not from its creation); the expired one takes no action, and when the
// rule fires again it is a new recommendation (an expiry suppresses nothing).
void TestRecommendationEngine::openOneExpiresWhenItsRuleStopsFiring() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.expireAfter = std::chrono::minutes(15);
    RecommendationEngine engine(clock, port.port(), options);
    QStringList events;
    engine.setEventCallback(
        [&](const QString &event, const Recommendation &) { events.append(event); });
    const AnalysisSnapshot firing = cacheSnapshot(0.1);
    const AnalysisSnapshot quiet = cacheSnapshot(0.95); // a miss rate of 0.05: below 0.3
    engine.evaluate(firing, port.settings());
    const QString id = engine.list().front().id;

    clock.advance(std::chrono::minutes(10));
    engine.evaluate(firing, port.settings()); // still firing: 10 min old, fired just now
    clock.advance(std::chrono::minutes(14));
    engine.evaluate(quiet, port.settings()); // 24 min old, 14 min since it last fired
    QCOMPARE(engine.find(id)->status, RecommendationStatus::Open);
    QVERIFY(engine.find(id)->toJson().value("expired_at").isNull());

    clock.advance(std::chrono::minutes(1));
    engine.evaluate(quiet, port.settings());
    const Recommendation *r = engine.find(id);
    QCOMPARE(r->status, RecommendationStatus::Expired);
    QVERIFY(r->expiredAt.isValid());
    QCOMPARE(r->toJson().value("status").toString(), QStringLiteral("expired"));
    QCOMPARE(r->toJson().value("expired_at").toString(), r->expiredAt.toString(Qt::ISODateWithMs));
    QCOMPARE(events, (QStringList{"created", "expired"}));
    QCOMPARE(engine.list(RecommendationStatus::Expired).size(), size_t(1));
    QCOMPARE(engine.list(RecommendationStatus::Open).size(), size_t(0));
    QCOMPARE(recommendationStatusFromName(QStringLiteral("expired")),
             std::optional(RecommendationStatus::Expired));

    // Nothing can be done to an expired one.
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result,
             RecommendationEngine::Result::Conflict);
    QCOMPARE(engine.dismiss(id, QStringLiteral("console")).result,
             RecommendationEngine::Result::Conflict);
    QVERIFY(port.requests.empty());
    // Quiet on: it stays expired, once.
    clock.advance(std::chrono::minutes(30));
    engine.evaluate(quiet, port.settings());
    QCOMPARE(events.count(QStringLiteral("expired")), 1);

    // The problem is back: a new recommendation, at once.
    engine.evaluate(firing, port.settings());
    const auto open = engine.list(RecommendationStatus::Open);
    QCOMPARE(open.size(), size_t(1));
    QVERIFY(open.front().id != id);
    QCOMPARE(events.last(), QStringLiteral("created"));
}

void TestRecommendationEngine::revertAppliesTheBeforeValue() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(cacheSnapshot(0.1), port.settings());
    const QString id = engine.list().front().id;
    engine.apply(id, QStringLiteral("console"));
    const auto outcome = engine.revert(id, QStringLiteral("admin-api"), QStringLiteral("no"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Ok);
    QCOMPARE(port.requests.size(), size_t(2));
    const SettingChangeRequest &request = port.requests.back();
    QCOMPARE(request.setting, QStringLiteral("cache.heuristics"));
    QCOMPARE(request.value, QJsonValue(false));
    QCOMPARE(request.source, SettingSource::Recommendation);
    QCOMPARE(request.recommendationId, id);
    QCOMPARE(request.actor, QStringLiteral("admin-api"));
    QCOMPARE(port.settings().value("catalog").toObject().value("cache.heuristics"),
             QJsonValue(false));
    QCOMPARE(engine.find(id)->status, RecommendationStatus::Reverted);
    QVERIFY(engine.find(id)->revertedAt.isValid());
}

namespace {
// The timeout rule's recommendation for orders' POST /orders (p99 900 ms against a 1000 ms
// first-byte timeout: 1000 -> 1400), made by `engine`; its id.
QString slowOrdersRecommendation(RecommendationEngine &engine, const RecordingPort &port,
                                 const ManualClock &clock) {
    AnalysisSnapshot slow;
    slow.operations.push_back(operation("orders", "POST /orders", window(500, 0.01, 0, 0, 900)));
    slow.at = clock.now();
    slow.operations.front().totals = errorTotals(500, 5);
    engine.evaluate(slow, port.settings());
    return engine.size() == 1 ? engine.list().front().id : QString();
}

QJsonValue firstByteTimeout(const RecordingPort &port) {
    return port.settings().value("orders").toObject().value("timeouts.first_byte_ms");
}
} // namespace

// A revert is compare-and-set: the recommendation's own value goes back to `before`; a value
// someone set since (an operator, or a restart back to `before`) stays, and the revert closes
// the recommendation with nothing changed. change.in_force follows the settings.
void TestRecommendationEngine::revertTakesBackOnlyItsOwnValue_data() {
    QTest::addColumn<int>("since"); // the first-byte timeout set after the apply; 0: none
    QTest::addColumn<bool>("inForce");
    QTest::addColumn<int>("left"); // the setting's value after the revert
    QTest::newRow("its own value: back to before") << 0 << true << 1000;
    QTest::newRow("an operator's value since: kept") << 3000 << false << 3000;
    QTest::newRow("back at before (a restart): kept") << 1000 << false << 1000;
}

void TestRecommendationEngine::revertTakesBackOnlyItsOwnValue() {
    QFETCH(int, since);
    QFETCH(bool, inForce); // the change still in force at the revert
    QFETCH(int, left);
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    const QString id = slowOrdersRecommendation(engine, port, clock);
    QVERIFY(!id.isEmpty());
    QVERIFY(!engine.find(id)->change.inForce); // open: not applied
    QVERIFY(engine.find(id)->toJson()["change"].toObject()["in_force"].isNull());
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);
    QCOMPARE(firstByteTimeout(port), QJsonValue(1400));
    QCOMPARE(engine.find(id)->change.inForce, std::optional<bool>(true));
    if (since)
        port.set("orders", "timeouts.first_byte_ms", since);
    engine.markChangesInForce(port.settings());
    QCOMPARE(engine.find(id)->change.inForce, std::optional<bool>(inForce));
    QCOMPARE(engine.find(id)->toJson()["change"].toObject()["in_force"], QJsonValue(inForce));
    const std::size_t requestsBefore = port.requests.size();
    const auto outcome = engine.revert(id, QStringLiteral("admin-api"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Ok);
    QCOMPARE(port.requests.size(), requestsBefore + 1);
    QCOMPARE(port.requests.back().expected, std::optional<QJsonValue>(QJsonValue(1400)));
    QCOMPARE(firstByteTimeout(port), QJsonValue(left));
    const Recommendation *r = engine.find(id);
    QCOMPARE(r->status, RecommendationStatus::Reverted);
    QVERIFY(!r->change.inForce);
}

// An apply changes the setting only while it has the value the change was computed from.
void TestRecommendationEngine::applyOntoAChangedSettingConflicts() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    const QString id = slowOrdersRecommendation(engine, port, clock);
    QVERIFY(!id.isEmpty());
    QCOMPARE(engine.find(id)->change.before, QJsonValue(1000));
    port.set("orders", "timeouts.first_byte_ms", 5000); // an operator's edit meanwhile
    const auto outcome = engine.apply(id, QStringLiteral("console"));
    QCOMPARE(outcome.result, RecommendationEngine::Result::Conflict);
    QVERIFY2(outcome.error.startsWith(QLatin1String("not applied:")), qPrintable(outcome.error));
    QCOMPARE(engine.find(id)->status, RecommendationStatus::Open);
    QCOMPARE(firstByteTimeout(port), QJsonValue(5000));
    QCOMPARE(port.requests.back().expected, std::optional<QJsonValue>(QJsonValue(1000)));
}

// A change that is not in force (someone set another value after the apply) is not measured:
// the traffic says nothing of it, and an automatic revert would have nothing to take back.
// Once it is in force again, it is.
void TestRecommendationEngine::changeNotInForceIsNotMeasured() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    const QString id = slowOrdersRecommendation(engine, port, clock);
    QVERIFY(!id.isEmpty());
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);
    AnalysisSnapshot slow;
    slow.operations.push_back(operation("orders", "POST /orders", window(500, 0.01, 0, 0, 900)));
    slow.at = clock.now();
    slow.operations.front().totals = errorTotals(500, 5);
    engine.evaluate(slow, port.settings());             // the after-window starts
    port.set("orders", "timeouts.first_byte_ms", 3000); // an operator's edit meanwhile
    clock.advance(std::chrono::minutes(5));
    AnalysisSnapshot later;
    later.at = clock.now();
    later.operations.push_back(operation("orders", "POST /orders", window(500, 0.5, 0, 0, 200)));
    later.operations.front().totals = errorTotals(1000, 5 + 250);
    engine.evaluate(later, port.settings());
    const Recommendation *r = engine.find(id);
    QCOMPARE(r->change.inForce, std::optional<bool>(false));
    QCOMPARE(r->effect->verdict, EffectVerdict::Measuring);
    QCOMPARE(r->status, RecommendationStatus::Applied);
    QCOMPARE(firstByteTimeout(port), QJsonValue(3000));
    QCOMPARE(port.requests.size(), size_t(1)); // the apply only
    // The operator puts the recommendation's value back: measured (worse) and reverted.
    port.set("orders", "timeouts.first_byte_ms", 1400);
    later.at = clock.now();
    engine.evaluate(later, port.settings());
    QCOMPARE(r->effect->verdict, EffectVerdict::Worse);
    QCOMPARE(r->status, RecommendationStatus::Reverted);
    QCOMPARE(firstByteTimeout(port), QJsonValue(1000));
    QCOMPARE(port.requests.back().source, SettingSource::AutoRevert);
}

void TestRecommendationEngine::effect_data() {
    QTest::addColumn<double>("after"); // cache hit ratio after (0.1 before)
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<double>("score");
    QTest::newRow("improved") << 0.55 << "improved" << (0.55 - 0.1) / 0.55;
    QTest::newRow("unchanged") << 0.105 << "unchanged" << (0.105 - 0.1) / 0.105;
    QTest::newRow("worse") << 0.05 << "worse" << -0.5;
}

void TestRecommendationEngine::effect() {
    QFETCH(double, after);
    QFETCH(QString, verdict);
    QFETCH(double, score);
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.autoRevert = false;
    RecommendationEngine engine(clock, port.port(), options);
    QStringList events;
    engine.setEventCallback([&](const QString &event, const Recommendation &) { events << event; });
    engine.evaluate(takenNow(cacheSnapshot(0.1, 1000), clock, cacheTotals(1000, 100)),
                    port.settings());
    const QString id = engine.list().front().id;
    engine.apply(id, QStringLiteral("console"));
    // The first snapshot since the change: the after-window starts at its totals.
    engine.evaluate(takenNow(cacheSnapshot(0.1, 1000), clock, cacheTotals(1000, 100)),
                    port.settings());

    // Before the after-window is complete: still measuring, whatever the snapshot says.
    clock.advance(std::chrono::minutes(4));
    const auto afterTotals = cacheTotals(2000, 100 + std::uint64_t(std::llround(1000 * after)));
    engine.evaluate(takenNow(cacheSnapshot(after, 1000), clock, afterTotals), port.settings());
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Measuring);
    QCOMPARE(engine.find(id)->toJson().value("effect").toObject().value("score"),
             QJsonValue(QJsonValue::Null));

    clock.advance(std::chrono::minutes(1));
    engine.evaluate(takenNow(cacheSnapshot(after, 1000), clock, afterTotals), port.settings());
    const Recommendation *r = engine.find(id);
    const QJsonObject effect = r->toJson().value("effect").toObject();
    QCOMPARE(effect.value("verdict").toString(), verdict);
    QVERIFY2(qAbs(*r->effect->score - score) < 1e-2,
             qPrintable(QString::number(*r->effect->score)));
    QVERIFY(*r->effect->score >= -1 && *r->effect->score <= 1);
    QCOMPARE(effect.value("before").toDouble(), 0.1);
    QCOMPARE(effect.value("after").toDouble(), after);
    QCOMPARE(r->status, RecommendationStatus::Applied); // auto_revert off
    QCOMPARE(events, (QStringList{"created", "applied", "measured"}));

    // Measured once.
    clock.advance(std::chrono::minutes(5));
    engine.evaluate(takenNow(cacheSnapshot(0.9, 1000), clock, cacheTotals(3000, 2000)),
                    port.settings());
    QCOMPARE(engine.find(id)->effect->verdict, r->effect->verdict);
    QCOMPARE(events.size(), 3);
}

void TestRecommendationEngine::effectWindowsBeforeAndAfter() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    engine.evaluate(takenNow(cacheSnapshot(0.1, 1000), clock, cacheTotals(1000, 100)),
                    port.settings());
    clock.advance(std::chrono::seconds(10));
    // The latest before the apply: the before value is its five-minute window.
    engine.evaluate(takenNow(cacheSnapshot(0.2, 1000), clock, cacheTotals(1200, 140)),
                    port.settings());
    const QString id = engine.list().front().id;
    engine.apply(id, QStringLiteral("console"));
    QVERIFY(qAbs(engine.find(id)->effect->before - 0.2) < 1e-9);
    engine.evaluate(takenNow(cacheSnapshot(0.2, 1000), clock, cacheTotals(1200, 140)),
                    port.settings());

    // The after-window is complete but the operation had no traffic: still measuring.
    clock.advance(std::chrono::minutes(6));
    engine.evaluate(takenNow(cacheSnapshot(0.2, 1000), clock, cacheTotals(1200, 140)),
                    port.settings());
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Measuring);
    QVERIFY(!engine.find(id)->effect->after);
    engine.evaluate(takenNow(cacheSnapshot(0.8, 1000), clock, cacheTotals(2200, 940)),
                    port.settings());
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Improved);
    QVERIFY(qAbs(*engine.find(id)->effect->after - 0.8) < 1e-9);
    QVERIFY(qAbs(*engine.find(id)->effect->score - 0.75) < 1e-9);
}

void TestRecommendationEngine::afterWindowCountsOnlyTrafficAfterTheApply() {
    // A short effect window (an operator's intelligence.recommendations.effect_window_ms): the
    // analyser's five-minute window then still holds traffic from before the change; the
    // after value must not.
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.effectWindow = std::chrono::seconds(10);
    RecommendationEngine engine(clock, port.port(), options);
    engine.evaluate(takenNow(cacheSnapshot(0.1, 1000), clock, cacheTotals(1000, 100)),
                    port.settings());
    const QString id = engine.list().front().id;
    clock.advance(std::chrono::seconds(1));
    const AnalysisSnapshot beforeTheApply =
        takenNow(cacheSnapshot(0.1, 1500), clock, cacheTotals(1500, 150));
    clock.advance(std::chrono::seconds(1));
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);

    // A snapshot taken before the apply (the analyser publishes every second) does not start
    // the after-window, however late it is evaluated.
    clock.advance(std::chrono::seconds(20));
    engine.evaluate(beforeTheApply, port.settings());
    QVERIFY(!engine.find(id)->effect->after);
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Measuring);

    // The first one taken since: 300 more eligible requests, 30 hits, all before it.
    engine.evaluate(takenNow(cacheSnapshot(0.1, 1800), clock, cacheTotals(1800, 180)),
                    port.settings());
    clock.advance(std::chrono::seconds(9));
    engine.evaluate(takenNow(cacheSnapshot(0.3, 2000), clock, cacheTotals(2000, 360)),
                    port.settings());
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Measuring); // 9 s of 10

    // Ten seconds after it: 400 eligible requests since, 360 of them hits. The five-minute
    // window (2,200 requests, 540 hits) would say 0.245.
    clock.advance(std::chrono::seconds(1));
    engine.evaluate(takenNow(cacheSnapshot(0.245, 2200), clock, cacheTotals(2200, 540)),
                    port.settings());
    const Recommendation *r = engine.find(id);
    QCOMPARE(r->effect->verdict, EffectVerdict::Improved);
    QVERIFY2(qAbs(*r->effect->after - 0.9) < 1e-9, qPrintable(QString::number(*r->effect->after)));
    QVERIFY(qAbs(r->effect->before - 0.1) < 1e-9);
}

void TestRecommendationEngine::starvedInstancesCountInTheLoadAfterTheApply() {
    // inventory: three instances, one slow that the routing starves. After the change the slow
    // one gets nothing at all: that is the most uneven spread over three (0.5), not an even
    // spread over the two that had traffic.
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    const auto snapshot = [&clock](double imbalance, std::array<std::uint64_t, 3> totals) {
        AnalysisSnapshot s;
        s.at = clock.now();
        ServiceInsight service;
        service.service = QStringLiteral("inventory");
        service.instances = 3;
        service.requests = 1000;
        service.loadImbalance = imbalance;
        s.services.push_back(service);
        for (int i = 0; i < 3; ++i) {
            InstanceInsight instance;
            instance.service = QStringLiteral("inventory");
            instance.instance = QStringLiteral("inventory-%1").arg(i + 1);
            instance.fiveMinutes = window(totals[size_t(i)]);
            instance.totals.requests = totals[size_t(i)];
            s.instances.push_back(instance);
        }
        return s;
    };
    engine.evaluate(snapshot(0.48, {490, 490, 20}), port.settings());
    QCOMPARE(engine.size(), 1);
    const QString id = engine.list().front().id;
    QCOMPARE(engine.find(id)->type, RecommendationType::LoadBalancing);
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);
    engine.evaluate(snapshot(0.48, {490, 490, 20}), port.settings());
    clock.advance(std::chrono::minutes(5));
    engine.evaluate(snapshot(0.49, {990, 990, 20}), port.settings());
    const Recommendation *r = engine.find(id);
    QVERIFY(r->effect->after);
    QVERIFY2(qAbs(*r->effect->after - 0.5) < 1e-9, qPrintable(QString::number(*r->effect->after)));
    QCOMPARE(r->effect->verdict, EffectVerdict::Unchanged); // 0.48 to 0.5
    QCOMPARE(r->status, RecommendationStatus::Applied);
}

void TestRecommendationEngine::captureDropsAfterTheApply() {
    // The capture load is per evaluation (the host's differences): the after-window sums the
    // evaluations after the one that started it, which still held load from before the change.
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.effectWindow = std::chrono::seconds(10);
    RecommendationEngine engine(clock, port.port(), options);
    CaptureLoad capture;
    AnalysisSnapshot s = snapshotFor(Rule::Capture, 50, 1000, &capture); // 5% dropped
    const auto load = [](std::uint64_t captured, std::uint64_t dropped) {
        CaptureLoad c;
        c.present = true;
        c.captured = captured;
        c.dropped = dropped;
        return c;
    };
    s.at = clock.now();
    engine.evaluate(s, port.settings(), capture);
    QCOMPARE(engine.size(), 1);
    const QString id = engine.list().front().id;
    clock.advance(std::chrono::seconds(1));
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);
    QVERIFY(qAbs(engine.find(id)->effect->before - 0.05) < 1e-9);
    engine.evaluate(s, port.settings(), load(500, 500)); // from before the apply: not counted
    s.at = clock.now();
    engine.evaluate(s, port.settings(), load(500, 500)); // starts the after-window: not counted
    clock.advance(std::chrono::seconds(5));
    s.at = clock.now();
    engine.evaluate(s, port.settings(), load(1000, 0));
    QCOMPARE(engine.find(id)->effect->verdict, EffectVerdict::Measuring);
    clock.advance(std::chrono::seconds(5));
    s.at = clock.now();
    engine.evaluate(s, port.settings(), load(990, 10));
    const Recommendation *r = engine.find(id);
    QCOMPARE(r->effect->verdict, EffectVerdict::Improved);
    QVERIFY2(qAbs(*r->effect->after - 0.005) < 1e-9,
             qPrintable(QString::number(*r->effect->after)));
}

void TestRecommendationEngine::autoRevert_data() {
    QTest::addColumn<double>("errorRateAfter"); // timeout rule: error rate 0.01 before
    QTest::addColumn<bool>("reverted");
    QTest::newRow("worse") << 0.2 << true;
    QTest::newRow("improved") << 0.001 << false;
}

void TestRecommendationEngine::autoRevert() {
    QFETCH(double, errorRateAfter);
    QFETCH(bool, reverted);
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    QStringList events;
    engine.setEventCallback([&](const QString &event, const Recommendation &) { events << event; });
    AnalysisSnapshot slow;
    slow.operations.push_back(operation("orders", "POST /orders", window(500, 0.01, 0, 0, 900)));
    slow.at = clock.now();
    slow.operations.front().totals = errorTotals(500, 5);
    engine.evaluate(slow, port.settings());
    QCOMPARE(engine.size(), 1);
    const QString id = engine.list().front().id;
    QVERIFY(engine.find(id)->autoRevert);
    QCOMPARE(engine.apply(id, QStringLiteral("console")).result, RecommendationEngine::Result::Ok);
    QCOMPARE(port.settings().value("orders").toObject().value("timeouts.first_byte_ms"),
             QJsonValue(1400));

    engine.evaluate(slow, port.settings()); // the after-window starts
    clock.advance(std::chrono::minutes(5));
    AnalysisSnapshot later;
    later.at = clock.now();
    later.operations.push_back(
        operation("orders", "POST /orders", window(500, errorRateAfter, 0, 0, 200)));
    later.operations.front().totals =
        errorTotals(1000, 5 + std::uint64_t(std::llround(500 * errorRateAfter)));
    engine.evaluate(later, port.settings());
    const Recommendation *r = engine.find(id);
    if (!reverted) {
        QCOMPARE(r->status, RecommendationStatus::Applied);
        QCOMPARE(port.requests.size(), size_t(1));
        return;
    }
    QCOMPARE(r->effect->verdict, EffectVerdict::Worse);
    QCOMPARE(r->status, RecommendationStatus::Reverted);
    QCOMPARE(port.requests.size(), size_t(2));
    const SettingChangeRequest &request = port.requests.back();
    QCOMPARE(request.source, SettingSource::AutoRevert);
    QCOMPARE(request.setting, QStringLiteral("timeouts.first_byte_ms"));
    QCOMPARE(request.value, QJsonValue(1000));
    QCOMPARE(request.recommendationId, id);
    QCOMPARE(request.actor, QStringLiteral("recommendations"));
    QCOMPARE(port.settings().value("orders").toObject().value("timeouts.first_byte_ms"),
             QJsonValue(1000));
    QCOMPARE(events, (QStringList{"created", "applied", "measured", "reverted"}));
}

void TestRecommendationEngine::keptRecommendationsAreBounded() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine::Options options;
    options.maxRecommendations = 10;
    RecommendationEngine engine(clock, port.port(), options);
    // Five dismissed ones, then 20 operations firing at once.
    for (int i = 0; i < 5; ++i) {
        AnalysisSnapshot s;
        s.operations.push_back(
            operation("catalog", QStringLiteral("GET /old/%1").arg(i), window(400, 0, 400, 0.0)));
        engine.evaluate(s, port.settings());
        engine.dismiss(engine.list(RecommendationStatus::Open).front().id, QStringLiteral("t"));
    }
    QCOMPARE(engine.size(), 5);
    AnalysisSnapshot many;
    for (int i = 0; i < 20; ++i) {
        many.operations.push_back(
            operation("catalog", QStringLiteral("GET /new/%1").arg(i), window(400, 0, 400, 0.0)));
    }
    engine.evaluate(many, port.settings());
    QCOMPARE(engine.size(), 10);
    QCOMPARE(engine.list(RecommendationStatus::Dismissed).size(), size_t(0)); // closed went first
    QCOMPARE(engine.list().back().operation, QStringLiteral("GET /new/19"));  // newest kept
}

void TestRecommendationEngine::documentAndEventsMatchTheSchema() {
    ManualClock clock;
    RecordingPort port;
    RecommendationEngine engine(clock, port.port());
    std::vector<QJsonObject> events;
    engine.setEventCallback([&](const QString &event, const Recommendation &r) {
        QJsonObject document = r.toJson();
        document.insert(QStringLiteral("event"), event);
        events.push_back(document);
    });
    CaptureLoad capture;
    AnalysisSnapshot all;
    for (Rule rule :
         {Rule::Cache, Rule::Load, Rule::Breaker, Rule::Timeout, Rule::Retry, Rule::Capture}) {
        const double value = rule == Rule::Capture ? 50.0 : rule == Rule::Timeout ? 0.9 : 0.8;
        AnalysisSnapshot s = snapshotFor(rule, value, 1000, &capture);
        all.operations.insert(all.operations.end(), s.operations.begin(), s.operations.end());
        all.services.insert(all.services.end(), s.services.begin(), s.services.end());
        all.instances.insert(all.instances.end(), s.instances.begin(), s.instances.end());
    }
    engine.evaluate(all, port.settings(), capture);
    QCOMPARE(engine.size(), 6);
    const auto open = engine.list();
    engine.apply(open[0].id, QStringLiteral("console"));
    engine.dismiss(open[1].id, QStringLiteral("console"));
    engine.apply(open[2].id, QStringLiteral("console"));
    engine.revert(open[2].id, QStringLiteral("console"));
    engine.apply(open[3].id, QStringLiteral("console"));
    all.at = clock.now();
    engine.evaluate(all, port.settings(), capture); // the after-windows start
    clock.advance(std::chrono::minutes(5));
    all.at = clock.now();
    for (OperationInsight &op : all.operations) // traffic since: all of it hits and succeeds
        op.totals = cacheTotals(1000, 1000);
    engine.evaluate(all, port.settings(), capture);
    // The two still open expire once their rules have not fired for expireAfter.
    clock.advance(engine.options().expireAfter);
    engine.evaluate(AnalysisSnapshot{}, port.settings(), CaptureLoad{});
    QCOMPARE(engine.list(RecommendationStatus::Expired).size(), size_t(2));

    QSet<QString> kinds;
    const JsonSchema &schema = schemaNamed("events/proxy.recommendations");
    for (const QJsonObject &event : events) {
        kinds.insert(event.value("event").toString());
        const QByteArray text = QJsonDocument(event).toJson(QJsonDocument::Compact);
        const auto violations = schema.validate(nlohmann::json::parse(text.toStdString()));
        QVERIFY2(violations.empty(), text.constData());
    }
    QCOMPARE(kinds,
             (QSet<QString>{"created", "applied", "dismissed", "reverted", "measured", "expired"}));

    // The R document has exactly the contract's members.
    const QJsonObject r = engine.find(open[0].id)->toJson();
    QCOMPARE(r.keys().size(), 23);
    QCOMPARE(r.value("change").toObject().keys(),
             (QStringList{"after", "before", "in_force", "service", "setting"}));
    // Without "event" the document is not an event.
    const QByteArray text = QJsonDocument(r).toJson(QJsonDocument::Compact);
    QVERIFY(!schema.validate(nlohmann::json::parse(text.toStdString())).empty());
}

QTEST_APPLESS_MAIN(TestRecommendationEngine)
#include "tst_recommendation_engine.moc"
