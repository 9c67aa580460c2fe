#include <backend/routing/routing_brief.h>
#include <backend/routing/routing_decision.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>

#include <QSet>
#include <QTest>

#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

using time_point = std::chrono::steady_clock::time_point;
const time_point kStart{std::chrono::hours(1)};

// One service "inventory" with instances inv-1.. and their shared statistics.
struct Fixture {
    explicit Fixture(const QList<QStringList> &capabilities)
        : stats(size_t(capabilities.size())) {
        ServiceConfig service;
        service.name = QStringLiteral("inventory");
        service.match.pathPrefix = "/inventory/";
        for (qsizetype i = 0; i < capabilities.size(); ++i) {
            InstanceConfig instance;
            instance.id = QStringLiteral("inv-%1").arg(i + 1);
            instance.host = QStringLiteral("127.0.0.1");
            instance.port = quint16(9101 + i);
            instance.url = QStringLiteral("http://127.0.0.1:%1").arg(instance.port);
            instance.capabilities = capabilities[i];
            service.instances.push_back(instance);
        }
        registry = std::make_unique<ServiceRegistry>(std::vector<ServiceConfig>{service});
    }
    explicit Fixture(int instances)
        : Fixture(QList<QStringList>(instances)) {}

    const ServiceEntry &service() const { return registry->services().front(); }
    InstanceStats &statsOf(int i) { return stats[size_t(i)]; }

    std::unique_ptr<ServiceRegistry> registry;
    std::vector<InstanceStats> stats;
};

RequestHead requestHead(const QByteArrayList &headers = {}) {
    RequestHead head;
    head.method = "GET";
    head.target = "/inventory/items";
    head.headers.push_back({"Host", "proxy.local"});
    for (const QByteArray &line : headers) {
        const qsizetype colon = line.indexOf(':');
        head.headers.push_back({line.first(colon), line.sliced(colon + 1).trimmed()});
    }
    return head;
}

// Availability as the resilience layer would report it, per instance index.
class TableFilter final : public CandidateFilter {
public:
    explicit TableFilter(int instances)
        : m_status(size_t(instances)) {}
    CandidateStatus &operator[](int index) { return m_status[size_t(index)]; }
    CandidateStatus check(const UpstreamInstance &instance, time_point) const override {
        return m_status[size_t(instance.index())];
    }

private:
    std::vector<CandidateStatus> m_status;
};

const CandidateScore *candidate(const RoutingDecision &decision, const QString &id) {
    for (const CandidateScore &c : decision.candidates) {
        if (c.instanceId == id)
            return &c;
    }
    return nullptr;
}

bool near(double a, double b) {
    return std::abs(a - b) < 1e-5;
}

// Closed loop: one request every `interval`; each takes its instance's latency and is recorded
// when it completes, so active counts and samples follow the choices. Returns requests per
// instance.
std::vector<int> simulate(InstanceSelector &selector, Fixture &f,
                          const std::vector<std::chrono::microseconds> &latency, int decisions,
                          milliseconds interval, time_point &now,
                          const SelectionContext &context = {}) {
    struct Pending {
        int instance;
        InstanceStats::ActiveRequest guard;
    };
    std::multimap<time_point, Pending> pending;
    std::vector<int> counts(latency.size());
    const RequestHead head = requestHead();
    for (int d = 0; d < decisions; ++d) {
        while (!pending.empty() && pending.begin()->first <= now) {
            auto done = pending.extract(pending.begin());
            const int i = done.mapped().instance;
            f.statsOf(i).recordResponse(latency[size_t(i)], true, done.key());
        }
        UpstreamInstance *chosen = selector.select(f.service(), head, now, context, nullptr);
        if (!chosen)
            return {};
        const int i = chosen->index();
        ++counts[size_t(i)];
        pending.emplace(now + latency[size_t(i)], Pending{i, f.statsOf(i).beginRequest()});
        now += interval;
    }
    return counts;
}

QString shares(const std::vector<int> &counts) {
    QStringList parts;
    for (int c : counts)
        parts.append(QString::number(c));
    return parts.join(QLatin1Char('/'));
}

} // namespace

class TestScoringSelector : public QObject {
    Q_OBJECT

private slots:
    void parts_data();
    void parts();
    void weights_data();
    void weights();
    void exclusions_data();
    void exclusions();
    void noInstanceAvailable();
    void briefAgreesWithExplanation();
    void compatibility_data();
    void compatibility();
    void retryAvoidsFailedInstance();
    void equalInstancesShareEvenly();
    void subMillisecondNoiseIsATie();
    void slowInstanceShareDropsAndRecovers();
    void slowStartLowersShare();
    void explanationJson();

private:
    // inv-1: 10 ms, 20/20 successes, 10 active; inv-2: 40 ms, 15/20; inv-3: no data.
    static void craftStats(Fixture &f, std::vector<InstanceStats::ActiveRequest> &guards);
};

void TestScoringSelector::craftStats(Fixture &f,
                                     std::vector<InstanceStats::ActiveRequest> &guards) {
    for (int i = 0; i < 20; ++i)
        f.statsOf(0).recordResponse(10ms, true, kStart);
    for (int i = 0; i < 20; ++i)
        f.statsOf(1).recordResponse(40ms, i < 15, kStart);
    for (int i = 0; i < 10; ++i)
        guards.push_back(f.statsOf(0).beginRequest());
}

void TestScoringSelector::parts_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<double>("performance");
    QTest::addColumn<double>("reliability");
    QTest::addColumn<double>("load");
    QTest::addColumn<double>("compatibility");
    QTest::addColumn<double>("score");

    // Fastest 10 ms; floor 1 ms; pooled success rate 35/40 = 0.875 with 2 pseudo-calls.
    QTest::newRow("fast, reliable, loaded") << "inv-1" << 1.0 << (20 + 2 * 0.875) / 22 << 0.9 << 1.0
                                            << 0.3 + 0.3 * (21.75 / 22) + 0.2 * 0.9 + 0.2;
    QTest::newRow("four times slower, 75% successes")
        << "inv-2" << 11.0 / 41 << (15 + 2 * 0.875) / 22 << 1.0 << 1.0
        << 0.3 * 11 / 41 + 0.3 * (16.75 / 22) + 0.2 + 0.2;
    QTest::newRow("no data: neutral (mean latency, pooled rate)")
        << "inv-3" << 11.0 / 26 << 0.875 << 1.0 << 1.0 << 0.3 * 11 / 26 + 0.3 * 0.875 + 0.4;
}

void TestScoringSelector::parts() {
    QFETCH(QString, id);
    QFETCH(double, performance);
    QFETCH(double, reliability);
    QFETCH(double, load);
    QFETCH(double, compatibility);
    QFETCH(double, score);

    Fixture f(3);
    std::vector<InstanceStats::ActiveRequest> guards;
    craftStats(f, guards);
    ScoringSelector selector(*f.registry, f.stats, {}, 7);
    RoutingDecision decision;
    UpstreamInstance *chosen =
        selector.select(f.service(), requestHead(), kStart, SelectionContext{}, &decision);
    QVERIFY(chosen);
    QCOMPARE(decision.chosenId, chosen->id());
    QCOMPARE(decision.candidates.size(), 3);
    const CandidateScore *c = candidate(decision, id);
    QVERIFY(c);
    QVERIFY2(near(c->performance, performance), qPrintable(QString::number(c->performance)));
    QVERIFY2(near(c->reliability, reliability), qPrintable(QString::number(c->reliability)));
    QVERIFY2(near(c->load, load), qPrintable(QString::number(c->load)));
    QVERIFY2(near(c->compatibility, compatibility), qPrintable(QString::number(c->compatibility)));
    QVERIFY2(near(c->score, score), qPrintable(QString::number(c->score)));
    QVERIFY(!c->excluded);
}

void TestScoringSelector::weights_data() {
    QTest::addColumn<double>("wPerformance");
    QTest::addColumn<double>("wReliability");
    QTest::addColumn<double>("wLoad");
    QTest::addColumn<double>("wCompatibility");
    QTest::addColumn<double>("scoreFast");
    QTest::addColumn<double>("scoreSlow");

    const double relFast = 21.75 / 22;
    const double relSlow = 16.75 / 22;
    const double perfSlow = 11.0 / 41;
    QTest::newRow("performance only") << 1.0 << 0.0 << 0.0 << 0.0 << 1.0 << perfSlow;
    QTest::newRow("reliability only") << 0.0 << 5.0 << 0.0 << 0.0 << relFast << relSlow;
    QTest::newRow("load only") << 0.0 << 0.0 << 1.0 << 0.0 << 0.9 << 1.0;
    QTest::newRow("compatibility only") << 0.0 << 0.0 << 0.0 << 1.0 << 1.0 << 1.0;
    QTest::newRow("normalised halves")
        << 2.0 << 2.0 << 0.0 << 0.0 << (1 + relFast) / 2 << (perfSlow + relSlow) / 2;
    QTest::newRow("negative counts as zero") << -1.0 << 1.0 << 0.0 << 0.0 << relFast << relSlow;
    QTest::newRow("all zero: defaults")
        << 0.0 << 0.0 << 0.0 << 0.0 << 0.3 + 0.3 * relFast + 0.2 * 0.9 + 0.2
        << 0.3 * perfSlow + 0.3 * relSlow + 0.4;
}

void TestScoringSelector::weights() {
    QFETCH(double, wPerformance);
    QFETCH(double, wReliability);
    QFETCH(double, wLoad);
    QFETCH(double, wCompatibility);
    QFETCH(double, scoreFast);
    QFETCH(double, scoreSlow);

    Fixture f(2);
    std::vector<InstanceStats::ActiveRequest> guards;
    craftStats(f, guards);
    RoutingConfig routing;
    routing.latencyWeight = wPerformance;
    routing.reliabilityWeight = wReliability;
    routing.loadWeight = wLoad;
    routing.compatibilityWeight = wCompatibility;
    // Configured at construction, or set live (a live setting) over the defaults: the same.
    for (const bool live : {false, true}) {
        ScoringSelector selector(*f.registry, f.stats,
                                 live ? std::vector<RoutingConfig>{} : std::vector{routing});
        if (live)
            selector.setWeights(f.service().index, routing);
        RoutingDecision decision;
        QVERIFY(selector.select(f.service(), requestHead(), kStart, SelectionContext{}, &decision));
        // Only inv-1 and inv-2 here: the pooled rate, and so the reliabilities, are as in
        // parts().
        QVERIFY2(near(candidate(decision, "inv-1")->score, scoreFast),
                 qPrintable(QString::number(candidate(decision, "inv-1")->score)));
        QVERIFY2(near(candidate(decision, "inv-2")->score, scoreSlow),
                 qPrintable(QString::number(candidate(decision, "inv-2")->score)));
        // With two candidates the draw always compares both: the higher score wins, or either
        // on a tie.
        if (scoreFast != scoreSlow)
            QCOMPARE(decision.chosenId, scoreFast > scoreSlow ? "inv-1" : "inv-2");
    }
}

void TestScoringSelector::exclusions_data() {
    QTest::addColumn<int>("exclusion"); // Exclusion, set by the filter for inv-2
    QTest::addColumn<bool>("unreachable");
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("reason");

    QTest::newRow("breaker open") << int(Exclusion::BreakerOpen) << false << QByteArrayList()
                                  << "breaker_open"
                                  << "breaker open";
    QTest::newRow("unhealthy") << int(Exclusion::Unhealthy) << false << QByteArrayList()
                               << "unhealthy"
                               << "unhealthy";
    QTest::newRow("bulkhead full")
        << int(Exclusion::BulkheadFull) << false << QByteArrayList() << "bulkhead_full"
        << "bulkhead full";
    QTest::newRow("unreachable") << int(Exclusion::None) << true << QByteArrayList()
                                 << "unreachable"
                                 << "unreachable (connect failed recently)";
    QTest::newRow("breaker wins over unreachable")
        << int(Exclusion::BreakerOpen) << true << QByteArrayList() << "breaker_open"
        << "breaker open";
    QTest::newRow("incompatible") << int(Exclusion::None) << false
                                  << QByteArrayList{"X-Require-Capability: v3"} << "incompatible"
                                  << "requires capability v3";
    QTest::newRow("incompatible, two missing")
        << int(Exclusion::None) << false << QByteArrayList{"X-Require-Capability: v3, gpu"}
        << "incompatible"
        << "requires capabilities v3, gpu";
}

void TestScoringSelector::exclusions() {
    QFETCH(int, exclusion);
    QFETCH(bool, unreachable);
    QFETCH(QByteArrayList, headers);
    QFETCH(QString, key);
    QFETCH(QString, reason);

    Fixture f({{"v3", "gpu"}, {"v1"}, {"gpu", "v3"}});
    TableFilter filter(3);
    filter[1].exclusion = Exclusion(exclusion);
    if (unreachable)
        f.registry->instance(1).markUnreachable(kStart + 1s);
    ScoringSelector selector(*f.registry, f.stats, {}, 3);
    const RequestHead head = requestHead(headers);
    SelectionContext context;
    context.filter = &filter;
    int chosenOthers = 0;
    for (int i = 0; i < 200; ++i) {
        RoutingDecision decision;
        UpstreamInstance *chosen = selector.select(f.service(), head, kStart, context, &decision);
        QVERIFY(chosen);
        QVERIFY(chosen->index() != 1);
        chosenOthers += 1;
        const CandidateScore *c = candidate(decision, "inv-2");
        QVERIFY(c->excluded);
        QCOMPARE(QString::fromLatin1(exclusionKey(c->exclusion)), key);
        QCOMPARE(c->reason, reason);
        QCOMPARE(c->score, 0.0);
        QVERIFY2(decision.summary.contains("excluded: inv-2 " + reason),
                 qPrintable(decision.summary));
        QVERIFY(!candidate(decision, "inv-1")->excluded);
    }
    QCOMPARE(chosenOthers, 200);
}

void TestScoringSelector::noInstanceAvailable() {
    Fixture f(2);
    TableFilter filter(2);
    filter[0].exclusion = Exclusion::BreakerOpen;
    filter[1].exclusion = Exclusion::Unhealthy;
    ScoringSelector selector(*f.registry, f.stats);
    SelectionContext context;
    context.filter = &filter;
    RoutingDecision decision;
    QCOMPARE(selector.select(f.service(), requestHead(), kStart, context, &decision), nullptr);
    QVERIFY(decision.chosenId.isEmpty());
    QCOMPARE(decision.chosenIndex, -1);
    QCOMPARE(decision.summary, "no instance of inventory can take the request; excluded: inv-1 "
                               "breaker open; inv-2 unhealthy");
    QVERIFY(toJson(decision)["chosen"] == nullptr);
}

void TestScoringSelector::briefAgreesWithExplanation() {
    // The capture record's compact form says what the full explanation says about the draw.
    Fixture f(4);
    TableFilter filter(4);
    filter[2].exclusion = Exclusion::BreakerOpen;
    ScoringSelector selector(*f.registry, f.stats, {}, 11);
    SelectionContext context;
    context.filter = &filter;
    QSet<QString> runnersUp;
    for (int i = 0; i < 100; ++i) {
        RoutingDecision decision;
        RoutingBrief brief;
        UpstreamInstance *chosen =
            selector.select(f.service(), requestHead(), kStart, context, &decision, &brief);
        QVERIFY(chosen);
        QCOMPARE(brief.policy, RoutingBrief::Policy::Scoring);
        QCOMPARE(brief.chosen.id, chosen->id());
        QCOMPARE(brief.chosen.id, decision.chosenId);
        QCOMPARE(brief.runnerUp.id, decision.runnerUpId);
        QCOMPARE(brief.candidates, 4);
        QCOMPARE(brief.available, 3);
        QVERIFY(!brief.avoided);
        runnersUp.insert(brief.runnerUp.id);
        for (const RoutingBrief::Drawn *d : {&brief.chosen, &brief.runnerUp}) {
            const CandidateScore *c = candidate(decision, d->id);
            QVERIFY(c);
            QCOMPARE(d->score, c->score);
            QCOMPARE(d->performance, c->performance);
            QCOMPARE(d->reliability, c->reliability);
            QCOMPARE(d->load, c->load);
            QCOMPARE(d->compatibility, c->compatibility);
            QCOMPARE(d->weight, c->weight);
            QCOMPARE(d->latencyMs, c->latencyMs);
            QCOMPARE(d->successRate, c->successRate);
            QCOMPARE(d->windowCalls, c->windowCalls);
            QCOMPARE(d->active, c->active);
        }
        const nlohmann::json json = toJson(brief, QStringLiteral("inventory"));
        QVERIFY(json["chosen"] == nlohmann::json(decision.chosenId.toStdString()));
        QVERIFY(json["candidates"].size() == 2);
        QVERIFY2(QString::fromStdString(json["summary"].get<std::string>())
                     .startsWith(decision.chosenId + QStringLiteral(" chosen, score")),
                 json["summary"].dump().c_str());
    }
    QVERIFY(!runnersUp.contains(QStringLiteral("inv-3"))); // the excluded one is never drawn
    QCOMPARE(runnersUp.size(), 3);
    // Without an instance: an empty chosen, the count of the excluded.
    filter[0].exclusion = filter[1].exclusion = filter[3].exclusion = Exclusion::Unhealthy;
    RoutingBrief none;
    QCOMPARE(selector.select(f.service(), requestHead(), kStart, context, nullptr, &none), nullptr);
    QVERIFY(none.chosen.id.isEmpty());
    QCOMPARE(none.available, 0);
    QVERIFY(toJson(none, QStringLiteral("inventory"))["chosen"].is_null());
}

void TestScoringSelector::compatibility_data() {
    // inv-1 [v1], inv-2 [v1, v2], inv-3 [v2, gpu]; -1: excluded as incompatible.
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<QList<double>>("expected");

    QTest::newRow("no requirement") << QByteArrayList() << QList<double>{1, 1, 1};
    QTest::newRow("require v2") << QByteArrayList{"X-Require-Capability: v2"}
                                << QList<double>{-1, 1, 1};
    QTest::newRow("require case-insensitively")
        << QByteArrayList{"x-require-capability: V2"} << QList<double>{-1, 1, 1};
    QTest::newRow("require all of a list")
        << QByteArrayList{"X-Require-Capability: v2, gpu"} << QList<double>{-1, -1, 1};
    QTest::newRow("require across two lines")
        << QByteArrayList{"X-Require-Capability: v1", "X-Require-Capability: v2"}
        << QList<double>{-1, 1, -1};
    QTest::newRow("require what nobody has")
        << QByteArrayList{"X-Require-Capability: v3"} << QList<double>{-1, -1, -1};
    QTest::newRow("empty requirement list")
        << QByteArrayList{"X-Require-Capability: , "} << QList<double>{1, 1, 1};
    QTest::newRow("accept v1") << QByteArrayList{"Accept-Version: v1"} << QList<double>{1, 1, 0.5};
    QTest::newRow("accept v2 then v1")
        << QByteArrayList{"Accept-Version: v2, v1"} << QList<double>{0.75, 1, 1};
    QTest::newRow("accept with parameters")
        << QByteArrayList{"Accept-Version: v2;q=1, v1;q=0.5"} << QList<double>{0.75, 1, 1};
    QTest::newRow("accept unknown version: bridged")
        << QByteArrayList{"Accept-Version: v9"} << QList<double>{0.5, 0.5, 0.5};
    QTest::newRow("require gpu, accept v1")
        << QByteArrayList{"X-Require-Capability: gpu", "Accept-Version: v1"}
        << QList<double>{-1, -1, 0.5};
    QTest::newRow("require v1, accept v2")
        << QByteArrayList{"X-Require-Capability: v1", "Accept-Version: v2"}
        << QList<double>{0.5, 1, -1};
}

void TestScoringSelector::compatibility() {
    QFETCH(QByteArrayList, headers);
    QFETCH(QList<double>, expected);

    Fixture f({{"v1"}, {"v1", "v2"}, {"v2", "gpu"}});
    ScoringSelector selector(*f.registry, f.stats, {}, 11);
    const RequestHead head = requestHead(headers);
    RoutingDecision decision;
    UpstreamInstance *chosen =
        selector.select(f.service(), head, kStart, SelectionContext{}, &decision);
    QCOMPARE(decision.candidates.size(), 3);
    bool anyCompatible = false;
    for (int i = 0; i < 3; ++i) {
        const CandidateScore &c = decision.candidates[i];
        if (expected[i] < 0) {
            QVERIFY2(c.excluded, qPrintable(c.instanceId));
            QCOMPARE(c.exclusion, Exclusion::Incompatible);
            QVERIFY(c.reason.startsWith("requires capabilit"));
            QVERIFY(!chosen || chosen->index() != i);
        } else {
            anyCompatible = true;
            QVERIFY2(!c.excluded, qPrintable(c.instanceId));
            QVERIFY2(near(c.compatibility, expected[i]),
                     qPrintable(c.instanceId + ": " + QString::number(c.compatibility)));
        }
    }
    QCOMPARE(chosen != nullptr, anyCompatible);
    // Without data the other parts are equal, so the best compatibility wins every draw it
    // is in: over many requests the worst compatible candidate loses whenever it is compared.
    if (anyCompatible) {
        const double best = *std::max_element(expected.begin(), expected.end());
        for (int n = 0; n < 50; ++n) {
            UpstreamInstance *again = selector.select(f.service(), head, kStart);
            QVERIFY(again);
            const double part = expected[again->index()];
            QVERIFY(part >= 0);
            if (std::count(expected.begin(), expected.end(), best) == 1 && part < best) {
                // chosen over a worse one only: never over the best
                QVERIFY(std::count_if(expected.begin(), expected.end(),
                                      [&](double e) { return e >= 0 && e < part; }) > 0);
            }
        }
    }
}

void TestScoringSelector::retryAvoidsFailedInstance() {
    Fixture f(3);
    ScoringSelector selector(*f.registry, f.stats, {}, 5);
    const int failed[] = {0};
    SelectionContext context;
    context.avoid = failed;
    for (int i = 0; i < 300; ++i) {
        UpstreamInstance *chosen =
            selector.select(f.service(), requestHead(), kStart, context, nullptr);
        QVERIFY(chosen);
        QVERIFY(chosen->index() != 0);
    }
    RoutingDecision decision;
    QVERIFY(selector.select(f.service(), requestHead(), kStart, context, &decision));
    QCOMPARE(candidate(decision, "inv-1")->exclusion, Exclusion::Avoided);

    // The others unavailable: back to the one that failed rather than nothing.
    TableFilter filter(3);
    filter[1].exclusion = Exclusion::BreakerOpen;
    filter[2].exclusion = Exclusion::BulkheadFull;
    context.filter = &filter;
    UpstreamInstance *chosen =
        selector.select(f.service(), requestHead(), kStart, context, &decision);
    QVERIFY(chosen);
    QCOMPARE(chosen->index(), 0);
    QVERIFY(!candidate(decision, "inv-1")->excluded);
    QVERIFY2(decision.summary.contains("failed an earlier attempt"), qPrintable(decision.summary));

    // Two failed, one left.
    const int twoFailed[] = {0, 2};
    context.avoid = twoFailed;
    context.filter = nullptr;
    for (int i = 0; i < 50; ++i)
        QCOMPARE(selector.select(f.service(), requestHead(), kStart, context, nullptr)->index(), 1);
}

void TestScoringSelector::equalInstancesShareEvenly() {
    Fixture f(3);
    ScoringSelector selector(*f.registry, f.stats, {}, 42);
    time_point now = kStart;
    const std::vector<int> counts = simulate(selector, f, {20ms, 20ms, 20ms}, 3000, 1ms, now);
    QCOMPARE(int(counts.size()), 3);
    for (int c : counts)
        QVERIFY2(c >= 750 && c <= 1260, qPrintable(shares(counts)));
}

void TestScoringSelector::subMillisecondNoiseIsATie() {
    // Latencies tens of microseconds apart are noise, not a ranking: with the tie band every
    // instance keeps a fair share (with a strict comparison the slowest of three loses every
    // draw it is in and starves until its estimate decays).
    using namespace std::chrono_literals;
    Fixture f(3);
    ScoringSelector selector(*f.registry, f.stats, {}, 42);
    time_point now = kStart;
    const std::vector<int> counts = simulate(selector, f, {300us, 330us, 360us}, 3000, 1ms, now);
    QCOMPARE(int(counts.size()), 3);
    for (int c : counts)
        QVERIFY2(c >= 600, qPrintable(shares(counts)));
}

void TestScoringSelector::slowInstanceShareDropsAndRecovers() {
    Fixture f(3);
    ScoringSelector selector(*f.registry, f.stats, {}, 42);
    time_point now = kStart;
    // inv-3 ten times slower: its share falls under 15% within the first 3 s.
    std::vector<int> counts = simulate(selector, f, {20ms, 20ms, 200ms}, 3000, 1ms, now);
    qInfo("10x slower inv-3, first 3 s: %s", qPrintable(shares(counts)));
    QVERIFY2(counts[2] < 450, qPrintable(shares(counts)));
    QVERIFY2(counts[2] * 3 < counts[0] && counts[2] * 3 < counts[1], qPrintable(shares(counts)));
    // And stays low while it is slow.
    counts = simulate(selector, f, {20ms, 20ms, 200ms}, 3000, 10ms, now);
    QVERIFY2(counts[2] < 450, qPrintable(shares(counts)));
    // Once as fast as the others, the decaying estimate lets it be tried again and its share
    // comes back.
    const std::vector<int> recovering = simulate(selector, f, {20ms, 20ms, 20ms}, 6000, 10ms, now);
    counts = simulate(selector, f, {20ms, 20ms, 20ms}, 3000, 10ms, now);
    qInfo("recovering: %s then %s", qPrintable(shares(recovering)), qPrintable(shares(counts)));
    QVERIFY2(counts[2] >= 600, qPrintable(shares(recovering) + " then " + shares(counts)));
}

void TestScoringSelector::slowStartLowersShare() {
    std::vector<double> share;
    for (double weight : {1.0, 0.5, 0.1}) {
        Fixture f(3);
        ScoringSelector selector(*f.registry, f.stats, {}, 42);
        TableFilter filter(3);
        filter[2].weight = weight;
        SelectionContext context;
        context.filter = &filter;
        time_point now = kStart;
        const std::vector<int> counts =
            simulate(selector, f, {20ms, 20ms, 20ms}, 3000, 1ms, now, context);
        share.push_back(counts[2] / 3000.0);
        qInfo("slow start weight %.1f: %s", weight, qPrintable(shares(counts)));
    }
    QVERIFY(share[0] >= 0.25 && share[0] <= 0.42);
    // Gradual, not a step (the feedback of a lighter load and a decaying latency estimate
    // gives some back, so it is less than proportional).
    QVERIFY2(share[1] < share[0] * 0.9, qPrintable(QString::number(share[1])));
    QVERIFY2(share[2] < share[1] * 0.5, qPrintable(QString::number(share[2])));
    QVERIFY2(share[2] > 0.01, qPrintable(QString::number(share[2])));
}

void TestScoringSelector::explanationJson() {
    Fixture f({{"v2"}, {"v2"}, {"v1"}});
    std::vector<InstanceStats::ActiveRequest> guards;
    craftStats(f, guards);
    TableFilter filter(3);
    filter[0].weight = 0.5;
    filter[1].exclusion = Exclusion::BreakerOpen;
    SelectionContext context;
    context.filter = &filter;
    ScoringSelector selector(*f.registry, f.stats, {}, 9);
    RoutingDecision decision;
    UpstreamInstance *chosen = selector.select(f.service(), requestHead({"Accept-Version: v2"}),
                                               kStart, context, &decision);
    QVERIFY(chosen);

    const RoutingDecision copy = decision; // a value: copies share, the original may be reused
    const nlohmann::json json = nlohmann::json::parse(toJson(copy).dump());
    QVERIFY(json["policy"] == "scoring");
    QVERIFY(json["service"] == "inventory");
    QCOMPARE(QString::fromStdString(json["chosen"].get<std::string>()), chosen->id());
    QVERIFY(json["runner_up"].is_string());
    QCOMPARE(QString::fromStdString(json["summary"].get<std::string>()), decision.summary);
    QVERIFY(decision.summary.startsWith(chosen->id() + " chosen, score "));
    QVERIFY(decision.summary.contains("excluded: inv-2 breaker open"));
    QCOMPARE(json["candidates"].size(), size_t(3));

    const nlohmann::json &first = json["candidates"][0];
    QVERIFY(first["id"] == "inv-1");
    QVERIFY(first["excluded"] == false);
    QVERIFY(first["exclusion"] == nullptr);
    QVERIFY(first["reason"] == nullptr);
    QVERIFY(first["weight"] == 0.5);
    QVERIFY(near(first["parts"]["performance"].get<double>(), 1.0));
    QVERIFY(near(first["parts"]["load"].get<double>(), 0.9));
    QVERIFY(near(first["parts"]["compatibility"].get<double>(), 1.0));
    QVERIFY(near(first["score"].get<double>(), decision.candidates[0].score));
    QVERIFY(near(first["inputs"]["latency_ms"].get<double>(), 10.0));
    QVERIFY(near(first["inputs"]["success_rate"].get<double>(), 1.0));
    QVERIFY(first["inputs"]["window_calls"] == 20.0);
    QVERIFY(first["inputs"]["active"] == 10);

    const nlohmann::json &second = json["candidates"][1];
    QVERIFY(second["excluded"] == true);
    QVERIFY(second["exclusion"] == "breaker_open");
    QVERIFY(second["reason"] == "breaker open");
    QVERIFY(second["score"] == 0.0);
    QVERIFY(near(second["inputs"]["success_rate"].get<double>(), 0.75));

    const nlohmann::json &third = json["candidates"][2];
    QVERIFY(third["inputs"]["latency_ms"] == nullptr);
    QVERIFY(third["inputs"]["success_rate"] == nullptr);
    QVERIFY(near(third["parts"]["compatibility"].get<double>(), 0.5)); // v1 only: bridged
    QVERIFY(third["excluded"] == false);
}

QTEST_GUILESS_MAIN(TestScoringSelector)
#include "tst_scoring_selector.moc"
