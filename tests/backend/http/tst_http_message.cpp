#include <backend/http/http_message.h>
#include <backend/http/request_target.h>

#include <QTest>

using namespace ToolCapture;

// Tests the header helpers shared by the parsers, the router and the proxy.
class TestHttpMessage : public QObject {
    Q_OBJECT

private slots:
    void equalsIgnoreCase_data();
    void equalsIgnoreCase();
    void findAndCount();
    void headerListContains_data();
    void headerListContains();
    void removeDotSegments_data();
    void removeDotSegments();
};

void TestHttpMessage::equalsIgnoreCase_data() {
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::newRow("same") << QByteArray("Host") << QByteArray("Host") << true;
    QTest::newRow("case") << QByteArray("content-LENGTH") << QByteArray("Content-Length") << true;
    QTest::newRow("length") << QByteArray("Host") << QByteArray("Hosts") << false;
    QTest::newRow("different") << QByteArray("Host") << QByteArray("Hist") << false;
    QTest::newRow("not unicode folding")
        << QByteArray("\xc3\x89") << QByteArray("\xc3\xa9") << false;
    QTest::newRow("@ vs `") << QByteArray("@") << QByteArray("`") << false;
    QTest::newRow("empty") << QByteArray() << QByteArray("") << true;
}

void TestHttpMessage::equalsIgnoreCase() {
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(ToolCapture::equalsIgnoreCase(a, b), equal);
    QCOMPARE(ToolCapture::equalsIgnoreCase(b, a), equal);
}

void TestHttpMessage::findAndCount() {
    const HttpHeaders headers{{"Host", "a"}, {"X-A", "1"}, {"x-a", "2"}, {"Accept", "*/*"}};
    const HttpHeader *found = findHeader(headers, "X-a");
    QVERIFY(found);
    QCOMPARE(found->value, QByteArray("1"));
    QCOMPARE(found->name, QByteArray("X-A"));
    QCOMPARE(findHeader(headers, "missing"), nullptr);
    QCOMPARE(countHeaders(headers, "X-A"), 2);
    QCOMPARE(countHeaders(headers, "host"), 1);
    QCOMPARE(countHeaders(headers, "none"), 0);
}

void TestHttpMessage::headerListContains_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("contains");
    QTest::newRow("single") << QByteArray("close") << QByteArray("close") << true;
    QTest::newRow("case") << QByteArray("Keep-Alive") << QByteArray("keep-alive") << true;
    QTest::newRow("list with OWS")
        << QByteArray("Upgrade ,\tclose ") << QByteArray("close") << true;
    QTest::newRow("substring only") << QByteArray("closed, xclose") << QByteArray("close") << false;
    QTest::newRow("empty elements") << QByteArray(",,close,") << QByteArray("close") << true;
    QTest::newRow("empty value") << QByteArray() << QByteArray("close") << false;
}

void TestHttpMessage::headerListContains() {
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, token);
    QFETCH(bool, contains);
    QCOMPARE(ToolCapture::headerListContains(value, token), contains);
}

// The one RFC 3986 section 5.2.4 implementation: the parser's target and the cache key use it.
void TestHttpMessage::removeDotSegments_data() {
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QByteArray>("out");
    QTest::addColumn<bool>("changed");
    QTest::newRow("rfc example 1") << QByteArray("/a/b/c/./../../g") << QByteArray("/a/g") << true;
    QTest::newRow("above the root") << QByteArray("/../../x") << QByteArray("/x") << true;
    QTest::newRow("trailing dot-dot") << QByteArray("/a/b/..") << QByteArray("/a/") << true;
    QTest::newRow("trailing dot") << QByteArray("/a/.") << QByteArray("/a/") << true;
    QTest::newRow("only dot-dot") << QByteArray("/..") << QByteArray("/") << true;
    QTest::newRow("empty segment popped") << QByteArray("/a//../b") << QByteArray("/a/b") << true;
    QTest::newRow("encoded dots") << QByteArray("/s/%2e%2E/x") << QByteArray("/x") << true;
    QTest::newRow("query kept") << QByteArray("/a/../b?c=/../d") << QByteArray("/b?c=/../d")
                                << true;
    QTest::newRow("dots inside names kept")
        << QByteArray("/a..b/.c/...") << QByteArray("/a..b/.c/...") << false;
    QTest::newRow("dots only in the query")
        << QByteArray("/p?x=/../y") << QByteArray("/p?x=/../y") << false;
    QTest::newRow("not origin-form") << QByteArray("a/../b") << QByteArray("a/../b") << false;
}

void TestHttpMessage::removeDotSegments() {
    QFETCH(QByteArray, in);
    QFETCH(QByteArray, out);
    QFETCH(bool, changed);
    QByteArray target = in;
    QCOMPARE(ToolCapture::removeDotSegments(target), changed);
    QCOMPARE(target, out);
}

QTEST_GUILESS_MAIN(TestHttpMessage)
#include "tst_http_message.moc"
