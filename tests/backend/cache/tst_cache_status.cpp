#include <backend/cache/cache_status.h>

#include <QTest>

using namespace ToolCapture;
using std::chrono::seconds;

// Tests the rendering of the Cache-Status field (RFC 9211) in Structured Field syntax.
class TestCacheStatus : public QObject {
    Q_OBJECT

private slots:
    void render_data();
    void render();
    void append();
};

void TestCacheStatus::render_data() {
    QTest::addColumn<int>("shape");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("hit with ttl and key")
        << 0 << QByteArray("ToolCapture; hit; ttl=12; key=\"http://h/a?x=1\"");
    QTest::newRow("uri-miss stored") << 1 << QByteArray("ToolCapture; fwd=uri-miss; stored");
    QTest::newRow("vary-miss with status")
        << 2 << QByteArray("ToolCapture; fwd=vary-miss; fwd-status=200; stored");
    QTest::newRow("stale revalidated, negative ttl")
        << 3 << QByteArray("ToolCapture; fwd=stale; fwd-status=304; ttl=-5");
    QTest::newRow("bypass with token detail")
        << 4 << QByteArray("ToolCapture; fwd=bypass; detail=cache-disabled");
    QTest::newRow("detail needing a string, escaped")
        << 5 << QByteArray("ToolCapture; fwd=request; detail=\"no-cache \\\"client\\\"\"");
    QTest::newRow("key with non-ASCII percent-encoded")
        << 6 << QByteArray("ToolCapture; hit; key=\"http://h/caf%C3%A9\\\\\"");
    QTest::newRow("collapsed") << 7 << QByteArray("ToolCapture; fwd=uri-miss; collapsed");
    QTest::newRow("stale hit (served stale)")
        << 8 << QByteArray("ToolCapture; hit; ttl=-30; detail=stale-if-error");
    QTest::newRow("cache name not a token") << 9 << QByteArray("\"Tool Capture\"; fwd=method");
}

void TestCacheStatus::render() {
    QFETCH(int, shape);
    QFETCH(QByteArray, expected);
    CacheStatus s;
    switch (shape) {
    case 0:
        s.hit = true;
        s.ttl = seconds{12};
        s.key = "http://h/a?x=1";
        break;
    case 1:
        s.forward = CacheForward::UriMiss;
        s.stored = true;
        break;
    case 2:
        s.forward = CacheForward::VaryMiss;
        s.forwardStatus = 200;
        s.stored = true;
        break;
    case 3:
        s.forward = CacheForward::Stale;
        s.forwardStatus = 304;
        s.ttl = seconds{-5};
        break;
    case 4:
        s.forward = CacheForward::Bypass;
        s.detail = "cache-disabled";
        break;
    case 5:
        s.forward = CacheForward::Request;
        s.detail = "no-cache \"client\"";
        break;
    case 6:
        s.hit = true;
        s.key = "http://h/caf\xc3\xa9\\";
        break;
    case 7:
        s.forward = CacheForward::UriMiss;
        s.collapsed = true;
        break;
    case 8:
        s.hit = true;
        s.ttl = seconds{-30};
        s.detail = "stale-if-error";
        break;
    case 9:
        s.cacheName = "Tool Capture";
        s.forward = CacheForward::Method;
        s.stored = false;
        break;
    default:
        QFAIL("unknown shape");
    }
    QCOMPARE(s.render(), expected);
}

void TestCacheStatus::append() {
    CacheStatus s;
    s.hit = true;
    s.ttl = seconds{3};
    QCOMPARE(CacheStatus::append("", s), QByteArray("ToolCapture; hit; ttl=3"));
    QCOMPARE(CacheStatus::append("OriginCache; fwd=uri-miss ", s),
             QByteArray("OriginCache; fwd=uri-miss, ToolCapture; hit; ttl=3"));
    QVERIFY(CacheStatus::isStructuredToken("ToolCapture"));
    QVERIFY(CacheStatus::isStructuredToken("*a:b/c"));
    QVERIFY(!CacheStatus::isStructuredToken("1abc"));
    QVERIFY(!CacheStatus::isStructuredToken(""));
}

QTEST_GUILESS_MAIN(TestCacheStatus)
#include "tst_cache_status.moc"
