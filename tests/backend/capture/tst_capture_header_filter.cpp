#include <backend/capture/capture_header_filter.h>

#include <QSet>
#include <QTest>

#include <cstring>

using namespace ToolCapture;

namespace {

// "Name: value" lines to fields.
HttpHeaders headers(const QList<QByteArray> &lines) {
    HttpHeaders out;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        out.push_back({line.left(colon), line.mid(colon + 1).trimmed()});
    }
    return out;
}

QList<QByteArray> lines(const std::vector<CapturedHeader> &fields) {
    QList<QByteArray> out;
    for (const CapturedHeader &field : fields)
        out.append(field.name + ": " + field.value);
    return out;
}

} // namespace

class TestCaptureHeaderFilter : public QObject {
    Q_OBJECT

private slots:
    void capture_data();
    void capture();
    void copiesIntoSpareBuffers_data();
    void copiesIntoSpareBuffers();
    void manyFields();
    void isSensitive_data();
    void isSensitive();
    void appendsToOutput();
    void sharesValuesWithoutCopying();
    void defaultConfigRedactsCredentials();
};

void TestCaptureHeaderFilter::capture_data() {
    QTest::addColumn<QStringList>("allowlist");
    QTest::addColumn<QList<QByteArray>>("in");
    QTest::addColumn<QList<QByteArray>>("expected");

    const QList<QByteArray> request = {"Host: shop.local", "User-Agent: curl/8.0", "Accept: */*",
                                       "X-Correlation-ID: abc", "Content-Type: application/json"};
    QTest::newRow("allowlisted kept in order")
        << QStringList{"content-type", "accept", "x-correlation-id"} << request
        << QList<QByteArray>{"Accept: */*", "X-Correlation-ID: abc",
                             "Content-Type: application/json"};
    QTest::newRow("names compare ignoring case, the captured name keeps its case")
        << QStringList{"CONTENT-type", "user-AGENT"} << request
        << QList<QByteArray>{"User-Agent: curl/8.0", "Content-Type: application/json"};
    QTest::newRow("nothing listed: nothing kept")
        << QStringList{} << request << QList<QByteArray>{};
    QTest::newRow("listed but absent") << QStringList{"etag"} << request << QList<QByteArray>{};
    QTest::newRow("whitespace and empty names in the list")
        << QStringList{"  accept ", "", "   "} << request << QList<QByteArray>{"Accept: */*"};
    QTest::newRow("same length, other name is not a match")
        << QStringList{"accept"} << QList<QByteArray>{"Accent: x", "accepT: y"}
        << QList<QByteArray>{"accepT: y"};
    QTest::newRow("duplicates kept in order")
        << QStringList{"accept", "x-tag"}
        << QList<QByteArray>{"X-Tag: 1", "Accept: a", "x-tag: 2", "Other: z", "X-TAG: 3"}
        << QList<QByteArray>{"X-Tag: 1", "Accept: a", "x-tag: 2", "X-TAG: 3"};
    QTest::newRow("listed twice, kept once")
        << QStringList{"accept", "Accept"} << QList<QByteArray>{"Accept: a"}
        << QList<QByteArray>{"Accept: a"};
    QTest::newRow("sensitive listed: redacted")
        << QStringList{"authorization", "cookie", "set-cookie", "proxy-authorization"}
        << QList<QByteArray>{"Authorization: Bearer secret", "Cookie: sid=1",
                             "Set-Cookie: sid=2; HttpOnly", "Proxy-Authorization: Basic eA=="}
        << QList<QByteArray>{"Authorization: [REDACTED]", "Cookie: [REDACTED]",
                             "Set-Cookie: [REDACTED]", "Proxy-Authorization: [REDACTED]"};
    QTest::newRow("sensitive in any case: redacted")
        << QStringList{"AUTHORIZATION", "Cookie"}
        << QList<QByteArray>{"authorization: Bearer secret", "COOKIE: a=b", "cookie: c=d"}
        << QList<QByteArray>{"authorization: [REDACTED]", "COOKIE: [REDACTED]",
                             "cookie: [REDACTED]"};
    QTest::newRow("sensitive not listed: dropped")
        << QStringList{"accept"} << QList<QByteArray>{"Authorization: Bearer x", "Accept: a"}
        << QList<QByteArray>{"Accept: a"};
    QTest::newRow("long names past the length buckets")
        << QStringList{"x-a-very-long-header-name-that-goes-past-the-buckets-of-the-filter"}
        << QList<
               QByteArray>{"X-A-Very-Long-Header-Name-That-Goes-Past-The-Buckets-Of-The-Filter: v",
                           "X-A-Very-Long-Header-Name-That-Goes-Past-The-Buckets-Of-The-Filtex: w"}
        << QList<QByteArray>{
               "X-A-Very-Long-Header-Name-That-Goes-Past-The-Buckets-Of-The-Filter: v"};
}

void TestCaptureHeaderFilter::capture() {
    QFETCH(QStringList, allowlist);
    QFETCH(QList<QByteArray>, in);
    QFETCH(QList<QByteArray>, expected);

    const CaptureHeaderFilter filter(allowlist);
    std::vector<CapturedHeader> out;
    filter.capture(headers(in), out);
    QCOMPARE(lines(out), expected);
    QCOMPARE(out.capacity(), out.size()); // grown once, by exactly what was kept
}

void TestCaptureHeaderFilter::copiesIntoSpareBuffers_data() {
    capture_data();
}

void TestCaptureHeaderFilter::copiesIntoSpareBuffers() {
    // The same fields as capture(), written into the spares' buffers while there are any and
    // into new ones after: never sharing the parser's.
    QFETCH(QStringList, allowlist);
    QFETCH(QList<QByteArray>, in);
    QFETCH(QList<QByteArray>, expected);
    const CaptureHeaderFilter filter(allowlist);
    const HttpHeaders fields = headers(in);
    for (const std::size_t spares : {std::size_t(0), std::size_t(2), std::size_t(32)}) {
        std::vector<CapturedHeader> spare(spares);
        QSet<const char *> buffers;
        for (CapturedHeader &header : spare) {
            header.name.reserve(128);
            header.value.reserve(128);
            buffers << header.name.constData() << header.value.constData();
        }
        std::vector<CapturedHeader> out;
        filter.capture(fields, out, spare);
        QCOMPARE(lines(out), expected);
        const std::size_t reused = std::min(out.size(), spares);
        QCOMPARE(spare.size(), spares - reused);
        for (std::size_t i = 0; i < out.size(); ++i) {
            for (const HttpHeader &field : fields) {
                QVERIFY(!out[i].name.isSharedWith(field.name));
                QVERIFY(!out[i].value.isSharedWith(field.value));
            }
            // Taken from the back of the spares: the buffers were theirs.
            QCOMPARE(buffers.contains(out[i].name.constData()), i < reused);
            QCOMPARE(buffers.contains(out[i].value.constData()), i < reused);
        }
    }
}

void TestCaptureHeaderFilter::manyFields() {
    // Past the 64 fields classified in the first pass, the rest are classified again.
    QList<QByteArray> in;
    QList<QByteArray> expected;
    for (int i = 0; i < 150; ++i) {
        const QByteArray name = (i % 3 == 0) ? "Accept" : (i % 7 == 0) ? "Cookie" : "X-Other";
        const QByteArray line = name + ": " + QByteArray::number(i);
        in.append(line);
        if (name == "Accept")
            expected.append(line);
        else if (name == "Cookie")
            expected.append("Cookie: [REDACTED]");
    }
    const CaptureHeaderFilter filter(QStringList{"accept", "cookie"});
    std::vector<CapturedHeader> out;
    filter.capture(headers(in), out);
    QCOMPARE(lines(out), expected);
}

void TestCaptureHeaderFilter::isSensitive_data() {
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("sensitive");
    QTest::newRow("authorization") << QByteArray("Authorization") << true;
    QTest::newRow("proxy-authorization") << QByteArray("PROXY-AUTHORIZATION") << true;
    QTest::newRow("cookie") << QByteArray("cookie") << true;
    QTest::newRow("set-cookie") << QByteArray("Set-Cookie") << true;
    QTest::newRow("cookie2") << QByteArray("Cookie2") << false;
    QTest::newRow("set-cookies") << QByteArray("set-cookies") << false;
    QTest::newRow("x-authorization") << QByteArray("X-Authorization") << false;
    QTest::newRow("same length as cookie") << QByteArray("cookiE ") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestCaptureHeaderFilter::isSensitive() {
    QFETCH(QByteArray, name);
    QFETCH(bool, sensitive);
    QCOMPARE(CaptureHeaderFilter::isSensitive(name), sensitive);
}

void TestCaptureHeaderFilter::appendsToOutput() {
    const CaptureHeaderFilter filter(QStringList{"accept"});
    std::vector<CapturedHeader> out{{"Existing", "1"}};
    filter.capture(headers({"Accept: a", "Host: h"}), out);
    QCOMPARE(lines(out), (QList<QByteArray>{"Existing: 1", "Accept: a"}));
    QVERIFY(filter.allows("ACCEPT"));
    QVERIFY(!filter.allows("Host"));
}

void TestCaptureHeaderFilter::sharesValuesWithoutCopying() {
    const CaptureHeaderFilter filter(QStringList{"accept", "authorization"});
    const HttpHeaders in = headers({"Accept: text/html", "Authorization: Bearer t"});
    std::vector<CapturedHeader> out;
    filter.capture(in, out);
    QCOMPARE(out.size(), size_t(2));
    QCOMPARE(out[0].name.constData(), in[0].name.constData());
    QCOMPARE(out[0].value.constData(), in[0].value.constData());
    // The marker is the one static string, not a copy per exchange.
    QCOMPARE(out[1].value.constData(), CaptureRecord::kRedacted);
    QCOMPARE(out[1].value, QByteArray(CaptureRecord::kRedacted));
}

void TestCaptureHeaderFilter::defaultConfigRedactsCredentials() {
    const CaptureConfig config;
    QVERIFY(config.headers.contains(QStringLiteral("authorization")));
    const CaptureHeaderFilter filter(config);
    std::vector<CapturedHeader> out;
    filter.capture(headers({"Authorization: Bearer s3cr3t", "Accept: */*", "Cookie: a=b",
                            "Host: shop.local", "X-Correlation-ID: c1"}),
                   out);
    QCOMPARE(lines(out), (QList<QByteArray>{"Authorization: [REDACTED]", "Accept: */*",
                                            "Cookie: [REDACTED]", "X-Correlation-ID: c1"}));
}

QTEST_GUILESS_MAIN(TestCaptureHeaderFilter)
#include "tst_capture_header_filter.moc"
