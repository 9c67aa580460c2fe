#include <backend/cache/invalidation.h>
#include <tests/backend/cache/rfc_test_headers.h>

#include <QTest>

using namespace ToolCapture;

// Tests which URIs an unsafe request's response invalidates (RFC 9111 section 4.4).
class TestInvalidation : public QObject {
    Q_OBJECT

private slots:
    void keysToInvalidate_data();
    void keysToInvalidate();
};

void TestInvalidation::keysToInvalidate_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QList<QByteArray>>("keys");
    using Keys = QList<QByteArray>;
    auto row = [](const char *name, const char *method, const char *target, int status,
                  const char *response, const Keys &keys) {
        QTest::newRow(name) << QByteArray(method) << QByteArray(target) << status
                            << QByteArray(response) << keys;
    };
    const QByteArray item = "http://shop.test/items/1";
    row("POST 200 invalidates the target", "POST", "/items/1", 200, "", Keys{item});
    row("PUT 204", "PUT", "/items/1", 204, "", Keys{item});
    row("DELETE 202", "DELETE", "/items/1", 202, "", Keys{item});
    row("PATCH 200", "PATCH", "/items/1", 200, "", Keys{item});
    row("unknown method counts as unsafe", "PURGEX", "/items/1", 200, "", Keys{item});
    row("GET invalidates nothing", "GET", "/items/1", 200, "", Keys{});
    row("HEAD invalidates nothing", "HEAD", "/items/1", 200, "", Keys{});
    row("OPTIONS invalidates nothing", "OPTIONS", "/items/1", 200, "", Keys{});
    row("TRACE invalidates nothing", "TRACE", "/items/1", 200, "", Keys{});
    row("3xx is not an error", "POST", "/items/1", 303, "Location: /items/2",
        Keys{item, "http://shop.test/items/2"});
    row("4xx invalidates nothing", "POST", "/items/1", 404, "Location: /items/2", Keys{});
    row("5xx invalidates nothing", "DELETE", "/items/1", 503, "", Keys{});
    row("1xx invalidates nothing", "POST", "/items/1", 100, "", Keys{});
    row("Location relative path", "POST", "/items/1", 201, "Location: 7",
        Keys{item, "http://shop.test/items/7"});
    row("Location absolute, same origin", "POST", "/items/1", 201,
        "Location: http://SHOP.test:80/items/9", Keys{item, "http://shop.test/items/9"});
    row("Content-Location too", "PUT", "/items/1", 200,
        "Location: /a|Content-Location: /items/1/v2",
        Keys{item, "http://shop.test/a", "http://shop.test/items/1/v2"});
    row("other host ignored", "POST", "/items/1", 201, "Location: http://evil.test/items/1",
        Keys{item});
    row("other port ignored", "POST", "/items/1", 201, "Location: http://shop.test:8080/x",
        Keys{item});
    row("other scheme ignored", "POST", "/items/1", 201, "Location: https://shop.test/x",
        Keys{item});
    row("network-path reference, same host", "POST", "/items/1", 201, "Location: //shop.test/y",
        Keys{item, "http://shop.test/y"});
    row("duplicates collapse", "PUT", "/items/1", 200,
        "Location: /items/1|Content-Location: http://shop.test/items/%31", Keys{item});
    row("query kept in the key", "POST", "/items?page=2", 200, "",
        Keys{"http://shop.test/items?page=2"});
    row("non-http Location ignored", "POST", "/items/1", 201, "Location: mailto:a@b", Keys{item});
}

void TestInvalidation::keysToInvalidate() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, response);
    QFETCH(QList<QByteArray>, keys);
    QCOMPARE(Invalidation::keysToInvalidate(method, "http", "shop.test", target, status,
                                            RfcTest::headers(response)),
             keys);
}

QTEST_GUILESS_MAIN(TestInvalidation)
#include "tst_invalidation.moc"
