#include <backend/routing/route_table.h>
#include <backend/routing/service_registry.h>

#include <QTest>

using namespace ToolCapture;

Q_DECLARE_METATYPE(ToolCapture::HttpHeaders)

namespace {

ServiceConfig service(const QString &name, const QByteArray &prefix, const QByteArray &host = {}) {
    ServiceConfig s;
    s.name = name;
    s.match.pathPrefix = prefix;
    s.match.host = host;
    InstanceConfig instance;
    instance.id = name + QStringLiteral("-1");
    instance.host = QStringLiteral("127.0.0.1");
    instance.port = 9;
    s.instances.push_back(instance);
    return s;
}

RequestHead head(const QByteArray &target, const HttpHeaders &headers) {
    RequestHead h;
    h.method = "GET";
    h.target = target;
    h.headers = headers;
    return h;
}

} // namespace

// RouteTable: X-Target-Service, then Host (port ignored), then the longest path prefix.
class TestRouteTable : public QObject {
    Q_OBJECT

private slots:
    void match_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<HttpHeaders>("headers");
        QTest::addColumn<QString>("expected"); // empty: no match

        const HttpHeaders none;
        const auto host = [](const QByteArray &value) { return HttpHeaders{{"Host", value}}; };
        QTest::newRow("prefix") << QByteArray("/inventory/x") << none << "inventory";
        QTest::newRow("longest prefix")
            << QByteArray("/inventory/admin/x") << none << "inventory-admin";
        QTest::newRow("longer prefix needs its slash")
            << QByteArray("/inventory/adminx") << none << "inventory";
        QTest::newRow("prefix with query")
            << QByteArray("/pricing/q?x=/inventory/") << none << "pricing";
        QTest::newRow("query is not path") << QByteArray("/x?/inventory/") << none << "";
        QTest::newRow("prefix without slash") << QByteArray("/inventory") << none << "";
        QTest::newRow("no match") << QByteArray("/elsewhere") << none << "";
        QTest::newRow("absolute-form path")
            << QByteArray("http://shop/inventory/x") << none << "inventory";
        QTest::newRow("host beats prefix")
            << QByteArray("/inventory/x") << host("pricing.local") << "pricing";
        QTest::newRow("host with port")
            << QByteArray("/") << host("pricing.local:8090") << "pricing";
        QTest::newRow("host case") << QByteArray("/") << host("PRICING.Local") << "pricing";
        QTest::newRow("host suffix is not host")
            << QByteArray("/") << host("pricing.local.evil") << "";
        QTest::newRow("unknown host falls back to prefix")
            << QByteArray("/inventory/x") << host("shop:80") << "inventory";
        QTest::newRow("IPv6 literal host")
            << QByteArray("/inventory/x") << host("[::1]:8090") << "inventory";
        QTest::newRow("header beats host and prefix")
            << QByteArray("/inventory/x")
            << HttpHeaders{{"Host", "pricing.local"}, {"X-Target-Service", "catalog"}} << "catalog";
        QTest::newRow("header case and spaces")
            << QByteArray("/") << HttpHeaders{{"x-target-service", " Catalog "}} << "catalog";
        QTest::newRow("unknown header target is not guessed")
            << QByteArray("/inventory/x") << HttpHeaders{{"X-Target-Service", "nope"}} << "";
    }
    void match() {
        QFETCH(QByteArray, target);
        QFETCH(HttpHeaders, headers);
        QFETCH(QString, expected);
        const ServiceRegistry registry(
            {service(QStringLiteral("inventory"), "/inventory/"),
             service(QStringLiteral("pricing"), "/pricing/", "pricing.local"),
             service(QStringLiteral("inventory-admin"), "/inventory/admin/"),
             service(QStringLiteral("catalog"), {})});
        const RouteTable routes(registry);
        const ServiceEntry *matched = routes.match(head(target, headers));
        QCOMPARE(matched ? matched->name : QString(), expected);
    }

    void catchAllPrefixIsLast() {
        const ServiceRegistry registry(
            {service(QStringLiteral("root"), "/"), service(QStringLiteral("api"), "/api/")});
        const RouteTable routes(registry);
        QCOMPARE(routes.match(head("/api/v1", {}))->name, QStringLiteral("api"));
        QCOMPARE(routes.match(head("/other", {}))->name, QStringLiteral("root"));
        QCOMPARE(routes.match(head("/api", {}))->name, QStringLiteral("root"));
    }
};

QTEST_GUILESS_MAIN(TestRouteTable)
#include "tst_route_table.moc"
