#include <backend/cache/cache_control.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;

namespace {

QByteArray secs(const std::optional<std::chrono::seconds> &value) {
    return QByteArray::number(qint64(value->count()));
}

// A canonical, ordered description of what was parsed, so that each row states it in one string.
QByteArray describe(const CacheControl &cc) {
    QList<QByteArray> parts;
    if (cc.maxAge)
        parts << "max-age=" + secs(cc.maxAge);
    if (cc.sMaxAge)
        parts << "s-maxage=" + secs(cc.sMaxAge);
    if (cc.noCache)
        parts << (cc.noCacheFields.isEmpty() ? QByteArray("no-cache")
                                             : "no-cache(" + cc.noCacheFields.join(',') + ")");
    if (cc.noStore)
        parts << "no-store";
    if (cc.noTransform)
        parts << "no-transform";
    if (cc.maxStaleAny)
        parts << "max-stale";
    if (cc.maxStale)
        parts << "max-stale=" + secs(cc.maxStale);
    if (cc.minFresh)
        parts << "min-fresh=" + secs(cc.minFresh);
    if (cc.onlyIfCached)
        parts << "only-if-cached";
    if (cc.mustRevalidate)
        parts << "must-revalidate";
    if (cc.mustUnderstand)
        parts << "must-understand";
    if (cc.isPublic)
        parts << "public";
    if (cc.isPrivate)
        parts << (cc.privateFields.isEmpty() ? QByteArray("private")
                                             : "private(" + cc.privateFields.join(',') + ")");
    if (cc.proxyRevalidate)
        parts << "proxy-revalidate";
    if (cc.immutable)
        parts << "immutable";
    if (cc.staleWhileRevalidate)
        parts << "swr=" + secs(cc.staleWhileRevalidate);
    if (cc.staleIfError)
        parts << "sie=" + secs(cc.staleIfError);
    if (cc.fromPragma)
        parts << "(pragma)";
    if (cc.invalidFreshness)
        parts << "INVALID";
    if (!cc.malformed.isEmpty())
        parts << "malformed[" + cc.malformed.join(',') + "]";
    return parts.join(' ');
}

} // namespace

// Tests Cache-Control parsing for requests and responses (RFC 9111 section 5.2, Pragma 5.4).
class TestCacheControl : public QObject {
    Q_OBJECT

private slots:
    void response_data();
    void response();
    void request_data();
    void request();
};

void TestCacheControl::response_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QByteArray>("expected");
    auto row = [](const char *name, const char *fields, const char *expected) {
        QTest::newRow(name) << QByteArray(fields) << QByteArray(expected);
    };
    row("none", "", "");
    row("max-age", "Cache-Control: max-age=60", "max-age=60");
    row("max-age case-insensitive name", "Cache-Control: Max-Age=60", "max-age=60");
    row("max-age quoted accepted", "Cache-Control: max-age=\"60\"", "max-age=60");
    row("max-age=0", "Cache-Control: max-age=0", "max-age=0");
    row("max-age huge clamps to 2^31", "Cache-Control: max-age=99999999999999999999",
        "max-age=2147483648");
    row("max-age negative is invalid", "Cache-Control: max-age=-1", "INVALID malformed[max-age]");
    row("max-age non-integer is invalid", "Cache-Control: max-age=1.5",
        "INVALID malformed[max-age]");
    row("max-age without value is invalid", "Cache-Control: max-age", "INVALID malformed[max-age]");
    row("max-age empty is invalid", "Cache-Control: max-age=", "INVALID malformed[max-age]");
    row("max-age repeated, same value", "Cache-Control: max-age=5, max-age=5", "max-age=5");
    row("max-age repeated, different: stale", "Cache-Control: max-age=5, max-age=10",
        "max-age=5 INVALID malformed[max-age]");
    row("max-age across two lines", "Cache-Control: public|Cache-Control: max-age=30",
        "max-age=30 public");
    row("s-maxage", "Cache-Control: s-maxage=120, max-age=10", "max-age=10 s-maxage=120");
    row("s-maxage invalid", "Cache-Control: s-maxage=abc", "INVALID malformed[s-maxage]");
    row("no-cache unqualified", "Cache-Control: no-cache", "no-cache");
    row("no-cache qualified", "Cache-Control: no-cache=\"Set-Cookie, X-Trace\"",
        "no-cache(set-cookie,x-trace)");
    row("no-cache qualified token form", "Cache-Control: no-cache=Set-Cookie",
        "no-cache(set-cookie)");
    row("no-cache empty list is unqualified", "Cache-Control: no-cache=\"\"", "no-cache");
    row("no-cache unqualified wins over qualified",
        "Cache-Control: no-cache=\"set-cookie\", no-cache", "no-cache");
    row("no-cache qualified twice merges", "Cache-Control: no-cache=\"a\", no-cache=\"b, a\"",
        "no-cache(a,b)");
    row("no-store", "Cache-Control: no-store", "no-store");
    row("no-store with argument still applies", "Cache-Control: no-store=1",
        "no-store malformed[no-store]");
    row("no-transform", "Cache-Control: no-transform", "no-transform");
    row("must-revalidate", "Cache-Control: max-age=60, must-revalidate",
        "max-age=60 must-revalidate");
    row("proxy-revalidate", "Cache-Control: proxy-revalidate", "proxy-revalidate");
    row("must-understand", "Cache-Control: must-understand, no-store", "no-store must-understand");
    row("public", "Cache-Control: public", "public");
    row("public with argument ignored", "Cache-Control: public=yes", "malformed[public]");
    row("private unqualified", "Cache-Control: private", "private");
    row("private qualified", "Cache-Control: private=\"Set-Cookie\"", "private(set-cookie)");
    row("private unqualified wins", "Cache-Control: private=\"x\", private", "private");
    row("immutable", "Cache-Control: max-age=31536000, immutable", "max-age=31536000 immutable");
    row("stale-while-revalidate", "Cache-Control: max-age=1, stale-while-revalidate=59",
        "max-age=1 swr=59");
    row("stale-if-error", "Cache-Control: stale-if-error=300", "sie=300");
    row("stale-if-error repeated keeps smaller",
        "Cache-Control: stale-if-error=300, "
        "stale-if-error=100",
        "sie=100 malformed[stale-if-error]");
    row("request-only directive ignored in response", "Cache-Control: only-if-cached, max-stale",
        "");
    row("unknown extension ignored", "Cache-Control: community=\"UCI\", max-age=5", "max-age=5");
    row("quoted comma does not split", "Cache-Control: foo=\"a, max-age=99\", max-age=5",
        "max-age=5");
    row("escaped quote inside quoted-string", "Cache-Control: foo=\"a\\\"b\", no-store",
        "no-store");
    row("OWS around equals and commas", "Cache-Control:  max-age = 30 ,  public ",
        "max-age=30 public");
    row("empty members", "Cache-Control: ,, max-age=3,,", "max-age=3");
    row("garbage member then valid", "Cache-Control: max-age=3 x, no-store",
        "no-store INVALID malformed[max-age]");
    row("unterminated quote", "Cache-Control: private=\"set-cookie", "private malformed[private]");
    row("Pragma ignored in a response", "Pragma: no-cache", "");
}

void TestCacheControl::response() {
    QFETCH(QByteArray, fields);
    QFETCH(QByteArray, expected);
    QCOMPARE(describe(CacheControl::parseResponse(RfcTest::headers(fields))), expected);
}

void TestCacheControl::request_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QByteArray>("expected");
    auto row = [](const char *name, const char *fields, const char *expected) {
        QTest::newRow(name) << QByteArray(fields) << QByteArray(expected);
    };
    row("none", "", "");
    row("max-age", "Cache-Control: max-age=0", "max-age=0");
    row("max-age invalid ignored", "Cache-Control: max-age=abc", "malformed[max-age]");
    row("max-age repeated keeps smaller", "Cache-Control: max-age=50, max-age=10",
        "max-age=10 malformed[max-age]");
    row("max-stale without value", "Cache-Control: max-stale", "max-stale");
    row("max-stale with value", "Cache-Control: max-stale=30", "max-stale=30");
    row("max-stale invalid ignored", "Cache-Control: max-stale=x", "malformed[max-stale]");
    row("min-fresh", "Cache-Control: min-fresh=20", "min-fresh=20");
    row("min-fresh repeated keeps larger", "Cache-Control: min-fresh=20, min-fresh=40",
        "min-fresh=40 malformed[min-fresh]");
    row("only-if-cached", "Cache-Control: only-if-cached", "only-if-cached");
    row("no-cache", "Cache-Control: no-cache", "no-cache");
    row("no-cache argument ignored", "Cache-Control: no-cache=\"x\"",
        "no-cache malformed[no-cache]");
    row("no-store", "Cache-Control: no-store", "no-store");
    row("stale-if-error in request", "Cache-Control: stale-if-error=60", "sie=60");
    row("response-only directives ignored", "Cache-Control: public, private, s-maxage=5", "");
    row("Pragma no-cache without Cache-Control", "Pragma: no-cache", "no-cache (pragma)");
    row("Pragma in a list", "Pragma: foo, No-Cache", "no-cache (pragma)");
    row("Pragma other value ignored", "Pragma: foo", "");
    row("Pragma ignored with Cache-Control", "Pragma: no-cache|Cache-Control: max-age=5",
        "max-age=5");
}

void TestCacheControl::request() {
    QFETCH(QByteArray, fields);
    QFETCH(QByteArray, expected);
    QCOMPARE(describe(CacheControl::parseRequest(RfcTest::headers(fields))), expected);
}

QTEST_GUILESS_MAIN(TestCacheControl)
#include "tst_cache_control.moc"
