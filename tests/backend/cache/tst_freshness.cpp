#include <backend/cache/freshness.h>
#include <backend/cache/stored_response.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;
using std::chrono::seconds;

Q_DECLARE_METATYPE(OriginState)

// Tests freshness lifetime, Age arithmetic and the serve/validate decision (RFC 9111 4.2).
class TestFreshness : public QObject {
    Q_OBJECT

private slots:
    void lifetime_data();
    void lifetime();
    void age_data();
    void age();
    void decide_data();
    void decide();
    void heuristicStatuses();
};

void TestFreshness::lifetime_data() {
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<bool>("heuristics");
    QTest::addColumn<qint64>("expected");
    QTest::addColumn<QByteArray>("source");
    // The response was received at t0 + 10 unless Date says otherwise.
    const QByteArray d0 = "Date: " + RfcTest::date(0);
    auto row = [](const char *name, int status, const QByteArray &fields, bool heuristics,
                  qint64 expected, const char *source) {
        QTest::newRow(name) << status << fields << heuristics << expected << QByteArray(source);
    };
    row("s-maxage beats max-age", 200, "Cache-Control: max-age=10, s-maxage=100", false, 100,
        "s-maxage");
    row("max-age beats Expires", 200,
        d0 + "|Expires: " + RfcTest::date(3600) + "|Cache-Control: max-age=60", false, 60,
        "max-age");
    row("Expires minus Date", 200, d0 + "|Expires: " + RfcTest::date(3600), false, 3600, "expires");
    row("Expires before Date: 0", 200, d0 + "|Expires: " + RfcTest::date(-60), false, 0, "expires");
    row("Expires without Date uses the receipt time", 200, "Expires: " + RfcTest::date(70), false,
        60, "expires");
    row("Expires in RFC 850 format", 200, d0 + "|Expires: Sunday, 06-Nov-94 09:49:37 GMT", false,
        3600, "expires");
    row("Expires in asctime format", 200, d0 + "|Expires: Sun Nov  6 09:49:37 1994", false, 3600,
        "expires");
    row("Expires: 0 is in the past", 200, d0 + "|Expires: 0", false, 0, "expires");
    row("Expires garbage is in the past", 200, d0 + "|Expires: tomorrow", false, 0, "expires");
    row("two different Expires: stale", 200,
        d0 + "|Expires: " + RfcTest::date(60) + "|Expires: " + RfcTest::date(120), false, 0,
        "invalid");
    row("invalid Date with Expires uses the receipt time", 200,
        "Date: garbage|Expires: " + RfcTest::date(70), false, 60, "expires");
    row("invalid max-age: stale even with Expires", 200,
        d0 + "|Expires: " + RfcTest::date(3600) + "|Cache-Control: max-age=x", false, 0, "invalid");
    row("conflicting max-age: stale", 200, "Cache-Control: max-age=10, max-age=20", false, 0,
        "invalid");
    row("max-age=0", 200, "Cache-Control: max-age=0", false, 0, "max-age");
    row("max-age on a 500 counts", 500, "Cache-Control: max-age=30", false, 30, "max-age");
    row("heuristic: 10% of Date - Last-Modified", 200,
        d0 + "|Last-Modified: " + RfcTest::date(-10000), true, 1000, "heuristic");
    row("heuristic capped at 24 h", 200, d0 + "|Last-Modified: " + RfcTest::date(-10000000), true,
        86400, "heuristic");
    row("heuristic not allowed by policy", 200, d0 + "|Last-Modified: " + RfcTest::date(-10000),
        false, 0, "none");
    row("heuristic for 404", 404, d0 + "|Last-Modified: " + RfcTest::date(-10000), true, 1000,
        "heuristic");
    row("heuristic for 301", 301, d0 + "|Last-Modified: " + RfcTest::date(-500), true, 50,
        "heuristic");
    row("no heuristic for 302", 302, d0 + "|Last-Modified: " + RfcTest::date(-10000), true, 0,
        "none");
    row("no heuristic for 500", 500, d0 + "|Last-Modified: " + RfcTest::date(-10000), true, 0,
        "none");
    row("heuristic for 302 marked public", 302,
        d0 + "|Cache-Control: public|Last-Modified: " + RfcTest::date(-10000), true, 1000,
        "heuristic");
    row("no heuristic without Last-Modified", 200, d0, true, 0, "none");
    row("heuristic with Last-Modified after Date: 0", 200,
        d0 + "|Last-Modified: " + RfcTest::date(50), true, 0, "heuristic");
    row("no heuristic when Expires present", 200,
        d0 + "|Expires: 0|Last-Modified: " + RfcTest::date(-10000), true, 0, "expires");
    row("nothing", 200, "", false, 0, "none");
}

void TestFreshness::lifetime() {
    QFETCH(int, status);
    QFETCH(QByteArray, fields);
    QFETCH(bool, heuristics);
    QFETCH(qint64, expected);
    QFETCH(QByteArray, source);
    const HttpHeaders headers = RfcTest::headers(fields);
    FreshnessPolicy policy;
    policy.heuristicsAllowed = heuristics;
    const FreshnessLifetime result = Freshness::lifetime(
        status, headers, CacheControl::parseResponse(headers), RfcTest::at(10), policy);
    QCOMPARE(qint64(result.value.count()), expected);
    QCOMPARE(Freshness::sourceName(result.source), QByteArrayView(source));
}

void TestFreshness::age_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<qint64>("requestTime");
    QTest::addColumn<qint64>("responseTime");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("apparentAge");
    QTest::addColumn<qint64>("responseDelay");
    QTest::addColumn<qint64>("correctedAgeValue");
    QTest::addColumn<qint64>("correctedInitialAge");
    QTest::addColumn<qint64>("residentTime");
    QTest::addColumn<qint64>("currentAge");
    const QByteArray d0 = "Date: " + RfcTest::date(0);
    QTest::newRow("direct from origin, no Age")
        << d0 << 0LL << 1LL << 1LL << 1LL << 1LL << 1LL << 1LL << 0LL << 1LL;
    QTest::newRow("resident 100 s")
        << d0 << 0LL << 1LL << 101LL << 1LL << 1LL << 1LL << 1LL << 100LL << 101LL;
    QTest::newRow("Age from an upstream cache")
        << d0 + "|Age: 30" << 0LL << 2LL << 12LL << 2LL << 2LL << 32LL << 32LL << 10LL << 42LL;
    QTest::newRow("clock skew: Date in the future")
        << "Date: " + RfcTest::date(500) << 0LL << 3LL << 3LL << 0LL << 3LL << 3LL << 3LL << 0LL
        << 3LL;
    QTest::newRow("apparent age beats Age") << d0 + "|Age: 5" << 100LL << 101LL << 101LL << 101LL
                                            << 1LL << 6LL << 101LL << 0LL << 101LL;
    QTest::newRow("no Date: receipt time")
        << QByteArray("Age: 7") << 0LL << 4LL << 10LL << 0LL << 4LL << 11LL << 11LL << 6LL << 17LL;
    QTest::newRow("invalid Age ignored")
        << d0 + "|Age: ten" << 0LL << 1LL << 1LL << 1LL << 1LL << 1LL << 1LL << 0LL << 1LL;
    QTest::newRow("negative Age ignored")
        << d0 + "|Age: -5" << 0LL << 1LL << 1LL << 1LL << 1LL << 1LL << 1LL << 0LL << 1LL;
    QTest::newRow("huge Age clamps to 2^31")
        << d0 + "|Age: 99999999999" << 0LL << 0LL << 0LL << 0LL << 0LL << 2147483648LL
        << 2147483648LL << 0LL << 2147483648LL;
    QTest::newRow("response before request: delay 0")
        << d0 << 10LL << 5LL << 5LL << 5LL << 0LL << 0LL << 5LL << 0LL << 5LL;
    QTest::newRow("now before response: resident 0")
        << d0 << 0LL << 5LL << 2LL << 5LL << 5LL << 5LL << 5LL << 0LL << 5LL;
    // The chain of the 1996 HTTP-WG example, at cache B: Age 3 from C, requested at 2,
    // answered at 6, origin Date 4.
    QTest::newRow("HTTP-WG chain at B") << "Date: " + RfcTest::date(4) + "|Age: 3" << 2LL << 6LL
                                        << 6LL << 2LL << 4LL << 7LL << 7LL << 0LL << 7LL;
}

void TestFreshness::age() {
    QFETCH(QByteArray, fields);
    QFETCH(qint64, requestTime);
    QFETCH(qint64, responseTime);
    QFETCH(qint64, now);
    const AgeCalculation a = Freshness::age(RfcTest::headers(fields), RfcTest::at(requestTime),
                                            RfcTest::at(responseTime), RfcTest::at(now));
    QTEST(qint64(a.apparentAge.count()), "apparentAge");
    QTEST(qint64(a.responseDelay.count()), "responseDelay");
    QTEST(qint64(a.correctedAgeValue.count()), "correctedAgeValue");
    QTEST(qint64(a.correctedInitialAge.count()), "correctedInitialAge");
    QTEST(qint64(a.residentTime.count()), "residentTime");
    QTEST(qint64(a.currentAge.count()), "currentAge");

    // A stored response computes its corrected initial age once (a hit parses no Date) and
    // adds the resident time: the same figure, now and later.
    StoredResponse stored;
    stored.headers = RfcTest::headers(fields);
    stored.requestTime = RfcTest::at(requestTime);
    stored.responseTime = RfcTest::at(responseTime);
    QTEST(qint64(stored.currentAge(RfcTest::at(now)).count()), "currentAge");
    const auto ageAt = [](const StoredResponse &r, qint64 t) {
        return qint64(Freshness::age(r.headers, r.requestTime, r.responseTime, RfcTest::at(t))
                          .currentAge.count());
    };
    QCOMPARE(qint64(stored.currentAge(RfcTest::at(now + 50)).count()), ageAt(stored, now + 50));
    // A copy is made to be changed (a 304 freshens one): it computes afresh.
    StoredResponse freshened = stored;
    freshened.headers = RfcTest::headers("Date: " + RfcTest::date(responseTime + 20));
    freshened.requestTime = RfcTest::at(responseTime + 19);
    freshened.responseTime = RfcTest::at(responseTime + 20);
    QCOMPARE(qint64(freshened.currentAge(RfcTest::at(now + 50)).count()),
             ageAt(freshened, now + 50));
}

void TestFreshness::decide_data() {
    QTest::addColumn<bool>("stored");
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<qint64>("lifetime");
    QTest::addColumn<qint64>("age");
    QTest::addColumn<OriginState>("origin");
    QTest::addColumn<qint64>("disconnectedLimit"); // -1: none
    QTest::addColumn<QByteArray>("decision");
    QTest::addColumn<QByteArray>("rule");
    QTest::addColumn<bool>("background");
    const auto up = OriginState::Reachable;
    const auto err = OriginState::Error;
    const auto down = OriginState::Unreachable;
    auto row = [](const char *name, bool stored, const char *request, const char *response,
                  qint64 lifetime, qint64 age, OriginState origin, qint64 limit,
                  const char *decision, const char *rule, bool background = false) {
        QTest::newRow(name) << stored << QByteArray(request) << QByteArray(response) << lifetime
                            << age << origin << limit << QByteArray(decision) << QByteArray(rule)
                            << background;
    };
    const char *cc = "Cache-Control: max-age=60";
    row("nothing stored", false, "", "", 0, 0, up, -1, "miss", "none");
    row("only-if-cached, nothing stored: 504", false, "Cache-Control: only-if-cached", "", 0, 0, up,
        -1, "gateway-timeout", "none");
    row("fresh", true, "", cc, 60, 10, up, -1, "fresh-hit", "none");
    row("age equal to lifetime is stale", true, "", cc, 60, 60, up, -1, "must-validate", "none");
    row("stale", true, "", cc, 60, 61, up, -1, "must-validate", "none");
    row("request no-cache validates a fresh one", true, "Cache-Control: no-cache", cc, 60, 1, up,
        -1, "must-validate", "none");
    row("Pragma no-cache validates", true, "Pragma: no-cache", cc, 60, 1, up, -1, "must-validate",
        "none");
    row("response no-cache validates a fresh one", true, "", "Cache-Control: max-age=60, no-cache",
        60, 1, up, -1, "must-validate", "none");
    row("qualified no-cache serves without the fields", true, "",
        "Cache-Control: max-age=60, no-cache=\"set-cookie\"", 60, 1, up, -1, "fresh-hit", "none");
    row("no-cache + only-if-cached: 504", true, "Cache-Control: no-cache, only-if-cached", cc, 60,
        1, up, -1, "gateway-timeout", "none");
    row("request no-cache, origin unreachable: 504", true, "Cache-Control: no-cache", cc, 60, 1,
        down, 3600, "gateway-timeout", "none");
    row("request max-age=0 validates", true, "Cache-Control: max-age=0", cc, 60, 1, up, -1,
        "must-validate", "none");
    row("request max-age satisfied", true, "Cache-Control: max-age=30", cc, 60, 30, up, -1,
        "fresh-hit", "none");
    row("request max-age exceeded", true, "Cache-Control: max-age=30", cc, 60, 31, up, -1,
        "must-validate", "none");
    row("min-fresh satisfied", true, "Cache-Control: min-fresh=20", cc, 60, 40, up, -1, "fresh-hit",
        "none");
    row("min-fresh not satisfied", true, "Cache-Control: min-fresh=20", cc, 60, 41, up, -1,
        "must-validate", "none");
    row("max-stale any", true, "Cache-Control: max-stale", cc, 60, 5000, up, -1, "stale-servable",
        "max-stale");
    row("max-stale within", true, "Cache-Control: max-stale=10", cc, 60, 70, up, -1,
        "stale-servable", "max-stale");
    row("max-stale exceeded", true, "Cache-Control: max-stale=10", cc, 60, 71, up, -1,
        "must-validate", "none");
    row("max-stale against must-revalidate", true, "Cache-Control: max-stale",
        "Cache-Control: max-age=60, must-revalidate", 60, 61, up, -1, "must-validate", "none");
    row("max-stale against proxy-revalidate", true, "Cache-Control: max-stale",
        "Cache-Control: max-age=60, proxy-revalidate", 60, 61, up, -1, "must-validate", "none");
    row("max-stale against s-maxage (implies proxy-revalidate)", true, "Cache-Control: max-stale",
        "Cache-Control: s-maxage=60", 60, 61, up, -1, "must-validate", "none");
    row("max-stale with max-age exceeded", true, "Cache-Control: max-stale, max-age=65", cc, 60, 70,
        up, -1, "must-validate", "none");
    row("max-stale with max-age satisfied", true, "Cache-Control: max-stale, max-age=75", cc, 60,
        70, up, -1, "stale-servable", "max-stale");
    row("stale-while-revalidate within", true, "",
        "Cache-Control: max-age=60, stale-while-revalidate=30", 60, 90, up, -1, "stale-servable",
        "stale-while-revalidate", true);
    row("stale-while-revalidate exceeded", true, "",
        "Cache-Control: max-age=60, stale-while-revalidate=30", 60, 91, up, -1, "must-validate",
        "none");
    row("stale-while-revalidate yields to request max-age=0", true, "Cache-Control: max-age=0",
        "Cache-Control: max-age=60, stale-while-revalidate=30", 60, 70, up, -1, "must-validate",
        "none");
    row("stale-while-revalidate yields to must-revalidate", true, "",
        "Cache-Control: max-age=60, stale-while-revalidate=30, must-revalidate", 60, 70, up, -1,
        "must-validate", "none");
    row("stale-while-revalidate + only-if-cached: no background", true,
        "Cache-Control: only-if-cached", "Cache-Control: max-age=60, stale-while-revalidate=30", 60,
        70, up, -1, "stale-servable", "stale-while-revalidate", false);
    row("stale-while-revalidate not used when the origin errs", true, "",
        "Cache-Control: max-age=60, stale-while-revalidate=30", 60, 70, err, -1, "must-validate",
        "none");
    row("stale-if-error within, origin error", true, "",
        "Cache-Control: max-age=60, stale-if-error=100", 60, 160, err, -1, "stale-servable",
        "stale-if-error");
    row("stale-if-error exceeded, origin error", true, "",
        "Cache-Control: max-age=60, stale-if-error=100", 60, 161, err, -1, "must-validate", "none");
    row("stale-if-error not used while the origin is fine", true, "",
        "Cache-Control: max-age=60, stale-if-error=100", 60, 100, up, -1, "must-validate", "none");
    row("stale-if-error in the request", true, "Cache-Control: stale-if-error=50", cc, 60, 100, err,
        -1, "stale-servable", "stale-if-error");
    row("stale-if-error, origin unreachable", true, "",
        "Cache-Control: max-age=60, stale-if-error=100", 60, 100, down, -1, "stale-servable",
        "stale-if-error");
    row("stale-if-error yields to must-revalidate", true, "",
        "Cache-Control: max-age=60, stale-if-error=100, must-revalidate", 60, 100, err, -1,
        "must-validate", "none");
    row("must-revalidate, origin unreachable: 504", true, "",
        "Cache-Control: max-age=60, must-revalidate", 60, 100, down, 3600, "gateway-timeout",
        "none");
    row("disconnected: stale within the configured limit", true, "", cc, 60, 1000, down, 3600,
        "stale-servable", "disconnected");
    row("disconnected: beyond the limit: 504", true, "", cc, 60, 4000, down, 3600,
        "gateway-timeout", "none");
    row("disconnected: no limit configured: 504", true, "", cc, 60, 100, down, -1,
        "gateway-timeout", "none");
    row("origin error without stale-if-error: origin answer stands", true, "", cc, 60, 100, err,
        3600, "must-validate", "none");
    row("disconnected serves a fresh one the client finds too old", true,
        "Cache-Control: max-age=0", cc, 60, 10, down, 3600, "stale-servable", "disconnected");
    row("only-if-cached, fresh", true, "Cache-Control: only-if-cached", cc, 60, 10, up, -1,
        "fresh-hit", "none");
    row("only-if-cached, stale: 504", true, "Cache-Control: only-if-cached", cc, 60, 61, up, -1,
        "gateway-timeout", "none");
    row("only-if-cached + max-stale: served", true, "Cache-Control: only-if-cached, max-stale", cc,
        60, 6100, up, -1, "stale-servable", "max-stale");
    row("invalid freshness is stale", true, "", "Cache-Control: max-age=abc", 0, 0, up, -1,
        "must-validate", "none");
}

void TestFreshness::decide() {
    QFETCH(bool, stored);
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, response);
    QFETCH(qint64, lifetime);
    QFETCH(qint64, age);
    QFETCH(OriginState, origin);
    QFETCH(qint64, disconnectedLimit);
    QFETCH(QByteArray, decision);
    QFETCH(QByteArray, rule);
    QFETCH(bool, background);
    FreshnessPolicy policy;
    if (disconnectedLimit >= 0)
        policy.disconnectedStaleLimit = seconds{disconnectedLimit};
    const CacheControl responseControl = CacheControl::parseResponse(RfcTest::headers(response));
    const CacheVerdict verdict = Freshness::decide(
        stored, CacheControl::parseRequest(RfcTest::headers(request)), responseControl,
        FreshnessLifetime{seconds{lifetime}, FreshnessSource::MaxAge}, seconds{age}, origin,
        policy);
    QCOMPARE(Freshness::decisionName(verdict.decision), QByteArrayView(decision));
    QCOMPARE(Freshness::staleRuleName(verdict.staleRule), QByteArrayView(rule));
    QCOMPARE(verdict.backgroundRevalidation, background);
    QVERIFY(verdict.reason && *verdict.reason);
    if (stored) {
        QCOMPARE(qint64(verdict.freshnessRemaining.count()), lifetime - age);
        QCOMPARE(verdict.withheldFields, responseControl.noCacheFields);
    }
}

void TestFreshness::heuristicStatuses() {
    const QList<int> allowed{200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501};
    for (int status = 100; status < 600; ++status)
        QCOMPARE(Freshness::isHeuristicallyCacheable(status), allowed.contains(status));
}

QTEST_GUILESS_MAIN(TestFreshness)
#include "tst_freshness.moc"
