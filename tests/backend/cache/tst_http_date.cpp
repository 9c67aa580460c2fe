#include <backend/cache/http_date.h>

#include <QTest>

using namespace ToolCapture;

// Tests HTTP-date parsing in its three formats and IMF-fixdate formatting (RFC 9110 5.6.7).
class TestHttpDate : public QObject {
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void formatRoundTrip_data();
    void formatRoundTrip();
};

void TestHttpDate::parse_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("now"); // 0: no reference time
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("epoch");
    const qint64 now2026 = 1796083200; // 2026-12-01
    QTest::newRow("IMF-fixdate") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT") << 0LL << true
                                 << 784111777LL;
    QTest::newRow("RFC 850") << QByteArray("Sunday, 06-Nov-94 08:49:37 GMT") << 0LL << true
                             << 784111777LL;
    QTest::newRow("asctime, padded day")
        << QByteArray("Sun Nov  6 08:49:37 1994") << 0LL << true << 784111777LL;
    QTest::newRow("asctime, two-digit day")
        << QByteArray("Tue Nov 15 08:49:37 1994") << 0LL << true << 784889377LL;
    QTest::newRow("surrounding whitespace")
        << QByteArray("  Sun, 06 Nov 1994 08:49:37 GMT\t") << 0LL << true << 784111777LL;
    QTest::newRow("leap day") << QByteArray("Thu, 29 Feb 1996 00:00:00 GMT") << 0LL << true
                              << 825552000LL;
    QTest::newRow("leap day 2000")
        << QByteArray("Tue, 29 Feb 2000 12:00:00 GMT") << 0LL << true << 951825600LL;
    QTest::newRow("leap second folds to :59")
        << QByteArray("Sun, 06 Nov 1994 08:49:60 GMT") << 0LL << true << 784111799LL;
    QTest::newRow("epoch") << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT") << 0LL << true << 0LL;
    QTest::newRow("RFC 850 year 30, now 2026 -> 2030")
        << QByteArray("Tuesday, 01-Jan-30 00:00:00 GMT") << now2026 << true << 1893456000LL;
    QTest::newRow("RFC 850 year 80, now 2026 -> 1980 (50-year rule)")
        << QByteArray("Tuesday, 01-Jan-80 00:00:00 GMT") << now2026 << true << 315532800LL;
    QTest::newRow("RFC 850 year 69 without now -> 2069")
        << QByteArray("Tuesday, 01-Jan-69 00:00:00 GMT") << 0LL << true << 3124224000LL;
    QTest::newRow("RFC 850 year 70 without now -> 1970")
        << QByteArray("Thursday, 01-Jan-70 00:00:00 GMT") << 0LL << true << 0LL;
    // Malformed: every one of these is nullopt (and so "in the past" for Expires).
    QTest::newRow("zero") << QByteArray("0") << 0LL << false << 0LL;
    QTest::newRow("minus one") << QByteArray("-1") << 0LL << false << 0LL;
    QTest::newRow("empty") << QByteArray("") << 0LL << false << 0LL;
    QTest::newRow("lower-case gmt")
        << QByteArray("Sun, 06 Nov 1994 08:49:37 gmt") << 0LL << false << 0LL;
    QTest::newRow("UTC instead of GMT")
        << QByteArray("Sun, 06 Nov 1994 08:49:37 UTC") << 0LL << false << 0LL;
    QTest::newRow("numeric zone") << QByteArray("Sun, 06 Nov 1994 08:49:37 +0000") << 0LL << false
                                  << 0LL;
    QTest::newRow("long day name in IMF")
        << QByteArray("Sunday, 06 Nov 1994 08:49:37 GMT") << 0LL << false << 0LL;
    QTest::newRow("unknown day name")
        << QByteArray("Sux, 06 Nov 1994 08:49:37 GMT") << 0LL << false << 0LL;
    QTest::newRow("unknown month")
        << QByteArray("Sun, 06 Nox 1994 08:49:37 GMT") << 0LL << false << 0LL;
    QTest::newRow("one-digit day in IMF")
        << QByteArray("Sun, 6 Nov 1994 08:49:37 GMT") << 0LL << false << 0LL;
    QTest::newRow("30 February") << QByteArray("Fri, 30 Feb 1996 00:00:00 GMT") << 0LL << false
                                 << 0LL;
    QTest::newRow("29 February 1995")
        << QByteArray("Wed, 29 Feb 1995 00:00:00 GMT") << 0LL << false << 0LL;
    QTest::newRow("hour 24") << QByteArray("Sun, 06 Nov 1994 24:00:00 GMT") << 0LL << false << 0LL;
    QTest::newRow("minute 60") << QByteArray("Sun, 06 Nov 1994 08:60:00 GMT") << 0LL << false
                               << 0LL;
    QTest::newRow("trailing garbage")
        << QByteArray("Sun, 06 Nov 1994 08:49:37 GMTx") << 0LL << false << 0LL;
    QTest::newRow("ISO 8601") << QByteArray("1994-11-06T08:49:37Z") << 0LL << false << 0LL;
    QTest::newRow("asctime missing year")
        << QByteArray("Sun Nov  6 08:49:37 94") << 0LL << false << 0LL;
}

void TestHttpDate::parse() {
    QFETCH(QByteArray, text);
    QFETCH(qint64, now);
    QFETCH(bool, valid);
    QFETCH(qint64, epoch);
    std::optional<HttpTime> reference;
    if (now != 0)
        reference = HttpTime{std::chrono::seconds{now}};
    const std::optional<HttpTime> parsed = HttpDate::parse(text, reference);
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(qint64(parsed->time_since_epoch().count()), epoch);
}

void TestHttpDate::formatRoundTrip_data() {
    QTest::addColumn<qint64>("epoch");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("RFC example") << 784111777LL << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT");
    QTest::newRow("epoch") << 0LL << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT");
    QTest::newRow("leap day") << 951825600LL << QByteArray("Tue, 29 Feb 2000 12:00:00 GMT");
    QTest::newRow("2026") << 1796083200LL << QByteArray("Tue, 01 Dec 2026 00:00:00 GMT");
}

void TestHttpDate::formatRoundTrip() {
    QFETCH(qint64, epoch);
    QFETCH(QByteArray, text);
    const HttpTime time{std::chrono::seconds{epoch}};
    QCOMPARE(HttpDate::format(time), text);
    const std::optional<HttpTime> back = HttpDate::parse(text);
    QVERIFY(back.has_value());
    QCOMPARE(qint64(back->time_since_epoch().count()), epoch);
}

QTEST_GUILESS_MAIN(TestHttpDate)
#include "tst_http_date.moc"
