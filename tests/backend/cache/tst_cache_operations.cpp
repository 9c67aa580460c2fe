#include <backend/cache/response_cache.h>
#include <backend/intelligence/path_templater.h>

#include <QTest>

using namespace ToolCapture;

// ResponseCache::operationOf: the name under which the TTL advisor learns how often a response
// changes. Without templates, PathTemplater's fixed rules; with the operators' templates
// (intelligence.path_templates), their overrides and literals first, as the analyser names
// operations.
class TestCacheOperations : public QObject {
    Q_OBJECT
private slots:
    void names_data() {
        QTest::addColumn<QByteArray>("service");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<bool>("withTemplates");
        QTest::addColumn<QByteArray>("operation");
        QTest::newRow("numeric id") << QByteArray("inv") << QByteArray("/items/42") << false
                                    << QByteArray("inv GET /items/{id}");
        QTest::newRow("query ignored") << QByteArray("inv") << QByteArray("/items/42?full=1")
                                       << true << QByteArray("inv GET /items/{id}");
        QTest::newRow("user names stay without templates")
            << QByteArray("inv") << QByteArray("/users/alice/avatar") << false
            << QByteArray("inv GET /users/alice/avatar");
        QTest::newRow("an override for every service")
            << QByteArray("inv") << QByteArray("/users/alice/avatar") << true
            << QByteArray("inv GET /users/{name}/avatar");
        QTest::newRow("a service's own override")
            << QByteArray("pricing") << QByteArray("/quote/eur/usd") << true
            << QByteArray("pricing GET /quote/{from}/{to}");
        QTest::newRow("another service's override does not apply")
            << QByteArray("inv") << QByteArray("/quote/eur/usd") << true
            << QByteArray("inv GET /quote/eur/usd");
        QTest::newRow("a rest override") << QByteArray("files") << QByteArray("/blob/a/b/c.txt")
                                         << true << QByteArray("files GET /blob/{rest...}");
        QTest::newRow("a configured literal is not an id")
            << QByteArray("inv") << QByteArray("/items/1234") << true
            << QByteArray("inv GET /items/1234");
        QTest::newRow("another service's literal does not apply")
            << QByteArray("pricing") << QByteArray("/items/1234") << true
            << QByteArray("pricing GET /items/{id}");
    }
    void names() {
        QFETCH(QByteArray, service);
        QFETCH(QByteArray, target);
        QFETCH(bool, withTemplates);
        QFETCH(QByteArray, operation);
        PathTemplater templates;
        QCOMPARE(templates.setOverrides(
                     {QStringLiteral("/users/{name}/avatar"), QStringLiteral("/blob/{rest...}")}),
                 QStringList());
        QCOMPARE(templates.setOverrides({QStringLiteral("/quote/{from}/{to}")},
                                        QStringLiteral("pricing")),
                 QStringList());
        templates.setLiterals({QStringLiteral("1234")}, QStringLiteral("inv"));
        RequestHead request;
        request.method = "GET";
        request.target = target;
        QCOMPARE(ResponseCache::operationOf(service, request, withTemplates ? &templates : nullptr),
                 operation);
    }
};

QTEST_GUILESS_MAIN(TestCacheOperations)
#include "tst_cache_operations.moc"
