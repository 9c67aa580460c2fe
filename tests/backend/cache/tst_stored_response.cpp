// The shared tier's record of a stored response: what goes in comes out, and anything that is
// not a whole record of this version is refused rather than misread.
#include <backend/cache/stored_response.h>

#include <QTest>

using namespace ToolCapture;

class TestStoredResponse : public QObject {
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void refusesWhatIsNotARecord_data();
    void refusesWhatIsNotARecord();

private:
    static StoredResponse sample() {
        StoredResponse r;
        r.status = 203;
        r.reason = "Non-Authoritative Information";
        r.headers = {{"Cache-Control", "max-age=60, stale-if-error=30"},
                     {"ETag", "\"v1\""},
                     {"X-Empty", ""}};
        r.body = QByteArray("body\0with\r\nbytes", 16);
        r.requestTime = HttpTime(std::chrono::seconds(1'700'000'000));
        r.responseTime = HttpTime(std::chrono::seconds(1'700'000'001));
        r.lifetime = {std::chrono::seconds(60), FreshnessSource::MaxAge};
        r.ttlSource = TtlSource::Learned;
        r.operation = "svc GET /items/{id}";
        r.control = CacheControl::parseResponse(r.headers);
        return r;
    }
};

void TestStoredResponse::roundTrip_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("headerCount");
    QTest::newRow("empty body, no headers") << QByteArray() << 0;
    QTest::newRow("small") << QByteArray("hello") << 3;
    QTest::newRow("binary") << QByteArray("\0\1\2\3\xff", 5) << 1;
    QTest::newRow("1 MiB") << QByteArray(1 << 20, 'x') << 50;
}

void TestStoredResponse::roundTrip() {
    QFETCH(QByteArray, body);
    QFETCH(int, headerCount);
    StoredResponse in = sample();
    in.body = body;
    in.headers.clear();
    for (int i = 0; i < headerCount; ++i)
        in.headers.push_back({"X-" + QByteArray::number(i), QByteArray(i, 'v')});
    if (headerCount > 0)
        in.headers.front() = {"Cache-Control", "s-maxage=5, must-revalidate"};
    in.control = CacheControl::parseResponse(in.headers);
    const auto out = StoredResponse::fromBytes(in.toBytes());
    QVERIFY(out);
    QCOMPARE(out->status, in.status);
    QCOMPARE(out->reason, in.reason);
    QCOMPARE(out->headers.size(), in.headers.size());
    for (size_t i = 0; i < in.headers.size(); ++i) {
        QCOMPARE(out->headers[i].name, in.headers[i].name);
        QCOMPARE(out->headers[i].value, in.headers[i].value);
    }
    QCOMPARE(out->body, in.body);
    QCOMPARE(out->requestTime, in.requestTime);
    QCOMPARE(out->responseTime, in.responseTime);
    QCOMPARE(out->lifetime.value, in.lifetime.value);
    QCOMPARE(out->lifetime.source, in.lifetime.source);
    QCOMPARE(out->ttlSource, in.ttlSource);
    QCOMPARE(out->operation, in.operation);
    // Cache-Control is parsed again from the headers, not carried.
    QCOMPARE(out->control.sMaxAge.has_value(), in.control.sMaxAge.has_value());
    QCOMPARE(out->control.mustRevalidate, in.control.mustRevalidate);
}

void TestStoredResponse::refusesWhatIsNotARecord_data() {
    QTest::addColumn<QByteArray>("bytes");
    const QByteArray good = sample().toBytes();
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("text") << QByteArray("HTTP/1.1 200 OK\r\n\r\n");
    QTest::newRow("other magic") << QByteArray(good).replace(0, 1, "\x55");
    QTest::newRow("other version") << QByteArray(good).replace(3, 1, "\x02");
    QTest::newRow("truncated in the body") << good.first(good.size() / 2);
    QTest::newRow("one byte short") << good.first(good.size() - 1);
    QTest::newRow("trailing bytes") << good + "x";
    QByteArray headerCount = good;
    // status (4 bytes after the magic), reason (length-prefixed), then the header count.
    const qsizetype countAt = 4 + 4 + 4 + sample().reason.size();
    headerCount.replace(countAt, 4, QByteArray("\x7f\xff\xff\xff", 4));
    QTest::newRow("absurd header count") << headerCount;
}

void TestStoredResponse::refusesWhatIsNotARecord() {
    QFETCH(QByteArray, bytes);
    QVERIFY(!StoredResponse::fromBytes(bytes));
}

QTEST_GUILESS_MAIN(TestStoredResponse)
#include "tst_stored_response.moc"
