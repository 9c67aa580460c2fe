#include <backend/cache/storability.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;

// Tests whether a shared cache may store a response (RFC 9111 section 3) and what it keeps.
class TestStorability : public QObject {
    Q_OBJECT

private slots:
    void evaluate_data();
    void evaluate();
    void answerableFromStore_data();
    void answerableFromStore();
    void storedHeaders_data();
    void storedHeaders();
    void mayServe_data();
    void mayServe();
};

void TestStorability::evaluate_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("heuristics");
    QTest::addColumn<bool>("tooLarge");
    QTest::addColumn<QByteArray>("reason");
    auto row = [](const char *name, const char *method, const char *request, int status,
                  const char *response, bool heuristics, bool tooLarge, const char *reason) {
        QTest::newRow(name) << QByteArray(method) << QByteArray(request) << status
                            << QByteArray(response) << heuristics << tooLarge << QByteArray(reason);
    };
    const char *maxAge = "Cache-Control: max-age=60";
    row("GET 200 max-age", "GET", "", 200, maxAge, false, false, "");
    row("HEAD is not stored", "HEAD", "", 200, maxAge, false, false, "method");
    row("POST is not stored", "POST", "", 200, maxAge, false, false, "method");
    row("lower-case get is another method", "get", "", 200, maxAge, false, false, "method");
    row("1xx is not final", "GET", "", 103, maxAge, false, false, "status");
    row("206 not understood (no range combining)", "GET", "", 206, maxAge, false, false, "status");
    row("304 not stored", "GET", "", 304, maxAge, false, false, "status");
    row("500 not understood", "GET", "", 500, maxAge, false, false, "status");
    row("404 with max-age", "GET", "", 404, maxAge, false, false, "");
    row("302 with max-age", "GET", "", 302, maxAge, false, false, "");
    row("response no-store", "GET", "", 200, "Cache-Control: max-age=60, no-store", false, false,
        "no-store");
    row("request no-store", "GET", "Cache-Control: no-store", 200, maxAge, false, false,
        "no-store");
    row("must-understand overrides no-store", "GET", "", 200,
        "Cache-Control: max-age=60, no-store, must-understand", false, false, "");
    row("must-understand with a status not understood", "GET", "", 299,
        "Cache-Control: max-age=60, no-store, must-understand", false, false, "status");
    row("private", "GET", "", 200, "Cache-Control: max-age=60, private", false, false, "private");
    row("qualified private is storable", "GET", "", 200,
        "Cache-Control: max-age=60, private=\"set-cookie\"", false, false, "");
    row("Authorization without permission", "GET", "Authorization: Basic eDp5", 200, maxAge, false,
        false, "authorization");
    row("Authorization with public", "GET", "Authorization: Basic eDp5", 200,
        "Cache-Control: public, max-age=60", false, false, "");
    row("Authorization with s-maxage", "GET", "Authorization: Basic eDp5", 200,
        "Cache-Control: s-maxage=60", false, false, "");
    row("Authorization with must-revalidate", "GET", "Authorization: Basic eDp5", 200,
        "Cache-Control: max-age=60, must-revalidate", false, false, "");
    row("Authorization with proxy-revalidate only", "GET", "Authorization: Basic eDp5", 200,
        "Cache-Control: max-age=60, proxy-revalidate", false, false, "authorization");
    row("Vary: *", "GET", "", 200, "Cache-Control: max-age=60|Vary: *", false, false, "vary-star");
    row("Vary: * in a list", "GET", "", 200, "Cache-Control: max-age=60|Vary: accept, *", false,
        false, "vary-star");
    row("Vary with names is storable", "GET", "", 200,
        "Cache-Control: max-age=60|Vary: Accept-Encoding", false, false, "");
    row("too large (the caller says)", "GET", "", 200, maxAge, false, true, "too-large");
    row("no freshness, heuristics off", "GET", "", 200, "Last-Modified: " + RfcTest::date(-100),
        false, false, "no-freshness");
    row("heuristically cacheable status, heuristics on", "GET", "", 200,
        "Last-Modified: " + RfcTest::date(-100), true, false, "");
    row("302 without freshness, heuristics on", "GET", "", 302, "", true, false, "no-freshness");
    row("public alone, heuristics off", "GET", "", 200, "Cache-Control: public", false, false,
        "no-freshness");
    row("public 302, heuristics on", "GET", "", 302, "Cache-Control: public", true, false, "");
    row("Expires alone", "GET", "", 200, "Expires: 0", false, false, "");
    row("method wins over no-store (order of reasons)", "POST", "", 200, "Cache-Control: no-store",
        false, false, "method");
    row("no-store wins over private", "GET", "", 200, "Cache-Control: no-store, private", false,
        false, "no-store");
}

void TestStorability::evaluate() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, response);
    QFETCH(bool, heuristics);
    QFETCH(bool, tooLarge);
    QFETCH(QByteArray, reason);
    FreshnessPolicy policy;
    policy.heuristicsAllowed = heuristics;
    const UncacheableReason result = Storability::evaluate(
        method, RfcTest::headers(request), status, RfcTest::headers(response), policy, tooLarge);
    QCOMPARE(Storability::reasonName(result), QByteArrayView(reason));
    QCOMPARE(result == UncacheableReason::None, reason.isEmpty());
}

void TestStorability::answerableFromStore_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("answerable");
    QTest::newRow("GET") << QByteArray("GET") << true;
    QTest::newRow("HEAD from a stored GET") << QByteArray("HEAD") << true;
    QTest::newRow("POST") << QByteArray("POST") << false;
    QTest::newRow("OPTIONS") << QByteArray("OPTIONS") << false;
}

void TestStorability::answerableFromStore() {
    QFETCH(QByteArray, method);
    QFETCH(bool, answerable);
    QCOMPARE(Storability::answerableFromStore(method), answerable);
}

void TestStorability::storedHeaders_data() {
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QByteArray>("stored");
    QTest::newRow("hop-by-hop dropped")
        << QByteArray("Connection: keep-alive|Keep-Alive: timeout=5|Transfer-Encoding: "
                      "chunked|Content-Type: text/plain|TE: trailers|Upgrade: h2c")
        << QByteArray("Content-Type: text/plain");
    QTest::newRow("fields named by Connection dropped")
        << QByteArray("Connection: X-Hop|X-Hop: 1|X-End: 2") << QByteArray("X-End: 2");
    QTest::newRow("qualified private fields dropped")
        << QByteArray("Cache-Control: private=\"Set-Cookie\"|Set-Cookie: a=b|ETag: \"1\"")
        << QByteArray("Cache-Control: private=\"Set-Cookie\"|ETag: \"1\"");
    QTest::newRow("Proxy-Connection dropped")
        << QByteArray("Proxy-Connection: close|Date: x") << QByteArray("Date: x");
}

void TestStorability::storedHeaders() {
    QFETCH(QByteArray, response);
    QFETCH(QByteArray, stored);
    const HttpHeaders headers = RfcTest::headers(response);
    QCOMPARE(
        RfcTest::text(Storability::storedHeaders(headers, CacheControl::parseResponse(headers))),
        stored);
}

void TestStorability::mayServe_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("servable");
    QTest::newRow("anonymous request")
        << QByteArray("") << QByteArray("Cache-Control: max-age=5") << true;
    QTest::newRow("Authorization, plain max-age")
        << QByteArray("Authorization: Bearer t") << QByteArray("Cache-Control: max-age=5") << false;
    QTest::newRow("Authorization, public")
        << QByteArray("Authorization: Bearer t") << QByteArray("Cache-Control: public, max-age=5")
        << true;
    QTest::newRow("Authorization, s-maxage")
        << QByteArray("Authorization: Bearer t") << QByteArray("Cache-Control: s-maxage=5") << true;
    QTest::newRow("Authorization, must-revalidate")
        << QByteArray("authorization: Bearer t")
        << QByteArray("Cache-Control: max-age=5, must-revalidate") << true;
}

void TestStorability::mayServe() {
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, response);
    QFETCH(bool, servable);
    QCOMPARE(Storability::mayServe(RfcTest::headers(request),
                                   CacheControl::parseResponse(RfcTest::headers(response))),
             servable);
}

QTEST_GUILESS_MAIN(TestStorability)
#include "tst_storability.moc"
