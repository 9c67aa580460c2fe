#include <models/capture_filter.h>

#include <QTest>

using namespace ToolCapture;

namespace {

CaptureSummary capture(qint64 id, const char *method, const char *path, int status,
                       const char *service, const char *instance, qint64 doneUs) {
    CaptureSummary c;
    c.id = id;
    c.correlationId = QStringLiteral("cid-%1").arg(id);
    c.method = QString::fromLatin1(method);
    c.path = QString::fromLatin1(path);
    c.status = status;
    c.service = QString::fromLatin1(service);
    c.instance = QString::fromLatin1(instance);
    c.doneUs = doneUs;
    return c;
}

// The fixed set every expression is matched against, by id.
QList<CaptureSummary> corpus() {
    return {
        capture(1, "GET", "/inventory/items/SKU-1", 200, "inventory", "inventory-1", 900),
        capture(2, "POST", "/inventory/users/7", 503, "inventory", "inventory-2", 120000),
        capture(3, "POST", "/pricing/quote", 500, "pricing", "pricing-1", 4000),
        capture(4, "GET", "/catalog/products", 404, "catalog", "catalog-1", 2500),
        capture(5, "DELETE", "/inventory/users/9", 204, "inventory", "inventory-1", -1),
    };
}

QString matchingIds(const CaptureFilter &filter) {
    QStringList ids;
    for (const CaptureSummary &c : corpus()) {
        if (filter.matches(c))
            ids << QString::number(c.id);
    }
    return ids.join(QLatin1Char(','));
}

} // namespace

class TestCaptureFilter : public QObject {
    Q_OBJECT
private slots:
    void selects_data();
    void selects();
    void rejects_data();
    void rejects();
    void serverQuery_data();
    void serverQuery();
};

void TestCaptureFilter::selects_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("ids");
    QTest::newRow("empty") << ""
                           << "1,2,3,4,5";
    QTest::newRow("spaces only") << "   "
                                 << "1,2,3,4,5";
    QTest::newRow("status>=500") << "status>=500"
                                 << "2,3";
    QTest::newRow("status=404") << "status=404"
                                << "4";
    QTest::newRow("status:5xx") << "status:5xx"
                                << "2,3";
    QTest::newRow("status!=5xx") << "status!=5xx"
                                 << "1,4,5";
    QTest::newRow("status<300") << "status<300"
                                << "1,5";
    QTest::newRow("status>200 status<=404") << "status>200 status<=404"
                                            << "4,5";
    QTest::newRow("service:inventory") << "service:inventory"
                                       << "1,2,5";
    QTest::newRow("service is exact") << "service:invent"
                                      << "";
    QTest::newRow("service~regex") << "service~^inv|cat"
                                   << "1,2,4,5";
    QTest::newRow("instance!=") << "instance!=inventory-1"
                                << "2,3,4";
    QTest::newRow("method any case") << "method:post"
                                     << "2,3";
    QTest::newRow("path prefix") << "path:/inventory/users"
                                 << "2,5";
    QTest::newRow("path contains") << "path~/users"
                                   << "2,5";
    QTest::newRow("path regex") << "path~^/(pricing|catalog)/"
                                << "3,4";
    QTest::newRow("issue example") << "status>=500 service:inventory path~/users method:POST"
                                   << "2";
    QTest::newRow("negated !") << "!service:inventory"
                               << "3,4";
    QTest::newRow("negated -") << "-method:GET"
                               << "2,3,5";
    QTest::newRow("duration>100") << "duration>100"
                                  << "2";
    QTest::newRow("ms<=2.5") << "ms<=2.5"
                             << "1,4";
    QTest::newRow("no duration when unfinished") << "duration_ms>=0"
                                                 << "1,2,3,4";
    QTest::newRow("id range") << "id>1 id<4"
                              << "2,3";
    QTest::newRow("cid exact") << "cid:cid-3"
                               << "3";
    QTest::newRow("free text") << "quote"
                               << "3";
    QTest::newRow("free text any case") << "sku-1"
                                        << "1";
    QTest::newRow("free text status") << "404"
                                      << "4";
    QTest::newRow("quoted value") << "path:\"/pricing/quote\""
                                  << "3";
    QTest::newRow("quoted free text") << "\"catalog/products\""
                                      << "4";
    QTest::newRow("negated free text") << "!inventory"
                                       << "3,4";
}

void TestCaptureFilter::selects() {
    QFETCH(QString, expression);
    QFETCH(QString, ids);
    const CaptureFilter filter = CaptureFilter::parse(expression);
    QVERIFY2(filter.isValid(), qPrintable(filter.error()));
    QCOMPARE(filter.errorPosition(), -1);
    QCOMPARE(matchingIds(filter), ids);
}

void TestCaptureFilter::rejects_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("unknown field") << "status>=500 colour:red" << 12 << "unknown field 'colour'";
    QTest::newRow("missing value") << "status>=" << 8 << "missing";
    QTest::newRow("not a number") << "service:a status>=abc" << 18 << "'abc'";
    QTest::newRow("status too large") << "status=700" << 7 << "599";
    QTest::newRow("bad class") << "status:9xx" << 7 << "1xx to 5xx";
    QTest::newRow("class ordered") << "status>5xx" << 6 << "status class";
    QTest::newRow("regex on number") << "duration~5" << 8 << "compares numbers";
    QTest::newRow("ordering on text") << "service>=a" << 7 << "takes";
    QTest::newRow("bad regex") << "path~/a(b" << 8 << "regular expression";
    QTest::newRow("unterminated quote") << "method:GET path:\"/a" << 16 << "unterminated";
    QTest::newRow("bare negation") << "status:200 !" << 11 << "negate";
    QTest::newRow("negative duration") << "duration>-1" << 9 << "'-1'";
}

void TestCaptureFilter::rejects() {
    QFETCH(QString, expression);
    QFETCH(int, position);
    QFETCH(QString, messagePart);
    const CaptureFilter filter = CaptureFilter::parse(expression);
    QVERIFY(!filter.isValid());
    QVERIFY2(filter.error().contains(messagePart), qPrintable(filter.error()));
    QCOMPARE(filter.errorPosition(), position);
    QVERIFY(filter.errorLength() >= 1);
    QVERIFY(filter.terms().isEmpty());
    QCOMPARE(matchingIds(filter), QString()); // an invalid filter selects nothing
}

void TestCaptureFilter::serverQuery_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("query");
    QTest::newRow("none") << "status>=500 path~/x"
                          << "";
    QTest::newRow("issue example") << "status>=500 service:inventory path~/users method:post"
                                   << "service=inventory&method=POST";
    QTest::newRow("class") << "status:5xx"
                           << "status_class=5";
    QTest::newRow("exact status and prefix") << "status=404 path:/catalog/"
                                             << "status=404&path_prefix=/catalog/";
    QTest::newRow("negations stay local") << "!service:a instance:b cid:c"
                                          << "instance=b&correlation_id=c";
    QTest::newRow("first of a repeated field") << "service:a service:b"
                                               << "service=a";
    QTest::newRow("invalid") << "service:"
                             << "";
}

void TestCaptureFilter::serverQuery() {
    QFETCH(QString, expression);
    QFETCH(QString, query);
    QStringList parts;
    for (const auto &[name, value] : CaptureFilter::parse(expression).serverQuery())
        parts << name + QLatin1Char('=') + value;
    QCOMPARE(parts.join(QLatin1Char('&')), query);
}

QTEST_GUILESS_MAIN(TestCaptureFilter)
#include "tst_capture_filter.moc"
