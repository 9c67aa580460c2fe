#include <backend/intelligence/path_templater.h>

#include <QTest>

#include <random>

using namespace ToolCapture;

// PathTemplater: request paths to operation templates, learned from what it sees, bounded
// whatever it sees.
class TestPathTemplater : public QObject {
    Q_OBJECT
private slots:
    void placeholders_data();
    void placeholders();
    void templates_data();
    void templates();
    void highCardinalityIsLearned();
    void staticRoutesStayLiteral();
    void collapseTakesTheValuesSeenBefore();
    void literalsNeverCollapse_data();
    void literalsNeverCollapse();
    void overrides_data();
    void overrides();
    void serviceOverrides_data();
    void serviceOverrides();
    void badOverridesAreRefused_data();
    void badOverridesAreRefused();
    void adversarialPathsStayBounded_data();
    void adversarialPathsStayBounded();
};

void TestPathTemplater::placeholders_data() {
    QTest::addColumn<QByteArray>("segment");
    QTest::addColumn<QByteArray>("placeholder");
    QTest::newRow("number") << QByteArray("42") << QByteArray("{id}");
    QTest::newRow("long number") << QByteArray("12345678901234567890") << QByteArray("{id}");
    QTest::newRow("uuid") << QByteArray("0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d")
                          << QByteArray("{uuid}");
    QTest::newRow("uuid, upper case")
        << QByteArray("0B6F1C9E-3A7D-4E2B-9C1F-5D8E7A6B4C3D") << QByteArray("{uuid}");
    QTest::newRow("uuid without dashes is hex")
        << QByteArray("0b6f1c9e3a7d4e2b9c1f5d8e7a6b4c3d") << QByteArray("{hex}");
    QTest::newRow("mongo object id")
        << QByteArray("507f1f77bcf86cd799439011") << QByteArray("{hex}");
    QTest::newRow("sha1") << QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709")
                          << QByteArray("{hex}");
    QTest::newRow("hex word without digits stays") << QByteArray("deadbeef") << QByteArray();
    QTest::newRow("short hex stays") << QByteArray("abc123") << QByteArray();
    QTest::newRow("jwt part") << QByteArray("eyJhbGciOiJIUzI1NiJ9") << QByteArray("{token}");
    QTest::newRow("session id") << QByteArray("s3ss10n_4bcDEF-ghiJKL_mn") << QByteArray("{token}");
    QTest::newRow("word") << QByteArray("users") << QByteArray();
    QTest::newRow("version") << QByteArray("v2") << QByteArray();
    QTest::newRow("long word without digits")
        << QByteArray("internationalization-settings") << QByteArray();
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("prefixed number") << QByteArray("SKU-1001") << QByteArray("{id}");
    QTest::newRow("prefixed number, underscore") << QByteArray("INV_000042") << QByteArray("{id}");
    QTest::newRow("prefixed number, lower case")
        << QByteArray("order-123456") << QByteArray("{id}");
    QTest::newRow("prefix and two digits stays") << QByteArray("covid-19") << QByteArray();
    QTest::newRow("utf-8 stays") << QByteArray("utf-8") << QByteArray();
    QTest::newRow("prefix and digits without separator stays")
        << QByteArray("h264") << QByteArray();
    QTest::newRow("number then word stays") << QByteArray("2024-report") << QByteArray();
    QTest::newRow("prefixed number with a suffix stays")
        << QByteArray("SKU-1001-large") << QByteArray();
}

void TestPathTemplater::placeholders() {
    QFETCH(QByteArray, segment);
    QFETCH(QByteArray, placeholder);
    QCOMPARE(PathTemplater::placeholderFor(segment).toByteArray(), placeholder);
}

void TestPathTemplater::templates_data() {
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("root") << QByteArray("/") << QByteArray("/");
    QTest::newRow("empty") << QByteArray("") << QByteArray("/");
    QTest::newRow("static") << QByteArray("/health") << QByteArray("/health");
    QTest::newRow("id") << QByteArray("/users/42") << QByteArray("/users/{id}");
    QTest::newRow("nested ids") << QByteArray("/users/42/orders/7")
                                << QByteArray("/users/{id}/orders/{id}");
    QTest::newRow("uuid") << QByteArray("/carts/0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d/items")
                          << QByteArray("/carts/{uuid}/items");
    QTest::newRow("query ignored") << QByteArray("/search?q=shoes&page=2") << QByteArray("/search");
    QTest::newRow("trailing slash") << QByteArray("/users/42/") << QByteArray("/users/{id}");
    QTest::newRow("double slashes") << QByteArray("//users//42") << QByteArray("/users/{id}");
    QTest::newRow("too deep") << QByteArray("/" + QByteArray("a/").repeated(40))
                              << QByteArray(QByteArray("/a").repeated(32) + "/{rest}");
    // The demo's item paths: twenty SKUs are too few to be learned, their shape says id.
    QTest::newRow("demo product") << QByteArray("/catalog/products/SKU-1003")
                                  << QByteArray("/catalog/products/{id}");
    QTest::newRow("demo item") << QByteArray("/inventory/items/SKU-9042")
                               << QByteArray("/inventory/items/{id}");
}

void TestPathTemplater::templates() {
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, expected);
    PathTemplater templater;
    QCOMPARE(templater.templateFor(path), expected);
    // The same again: learning does not change a path it has seen.
    QCOMPARE(templater.templateFor(path), expected);
}

void TestPathTemplater::highCardinalityIsLearned() {
    PathTemplater::Options options;
    options.learnThreshold = 20;
    PathTemplater templater(options);
    // User names: words, but a different one per user.
    const QByteArray first = templater.templateFor("/profiles/alice/settings");
    QCOMPARE(first, QByteArray("/profiles/alice/settings"));
    for (int i = 0; i < 19; ++i)
        templater.templateFor("/profiles/user" + QByteArray(1, char('a' + i)) + "x/settings");
    // The 21st different value at that place: from now on it is a parameter.
    QCOMPARE(templater.templateFor("/profiles/zed/settings"),
             QByteArray("/profiles/{param}/settings"));
    QCOMPARE(templater.templateFor("/profiles/yves/settings"),
             QByteArray("/profiles/{param}/settings"));
    // Identifiers still get their own placeholder there.
    QCOMPARE(templater.templateFor("/profiles/42/settings"), QByteArray("/profiles/{id}/settings"));
    // Elsewhere nothing changed.
    QCOMPARE(templater.templateFor("/health"), QByteArray("/health"));
}

// The values seen at a place before it collapsed are {param} too once it has: otherwise the
// first learnThreshold of them would stay operations of their own for ever.
void TestPathTemplater::collapseTakesTheValuesSeenBefore() {
    PathTemplater::Options options;
    options.learnThreshold = 5;
    PathTemplater templater(options);
    const QByteArrayList names{"alice", "bob", "carol", "dave", "erin"};
    for (const QByteArray &name : names)
        QCOMPARE(templater.templateFor("/profiles/" + name), QByteArray("/profiles/" + name));
    QCOMPARE(templater.templateFor("/profiles/frank"), QByteArray("/profiles/{param}"));
    for (const QByteArray &name : names)
        QCOMPARE(templater.templateFor("/profiles/" + name), QByteArray("/profiles/{param}"));
    // What is below follows: one operation for every profile's settings.
    QCOMPARE(templater.templateFor("/profiles/alice/settings"),
             QByteArray("/profiles/{param}/settings"));
}

void TestPathTemplater::literalsNeverCollapse_data() {
    QTest::addColumn<QStringList>("literals");
    QTest::addColumn<QString>("service"); // of the literals; the paths are inventory's
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("expected");
    const QStringList words{QStringLiteral("me"), QStringLiteral("SKU-0000")};
    QTest::newRow("a word where values collapsed")
        << words << QString() << QByteArray("/profiles/me") << QByteArray("/profiles/me");
    QTest::newRow("a word below a collapsed place")
        << words << QString() << QByteArray("/profiles/me/settings")
        << QByteArray("/profiles/me/settings");
    QTest::newRow("an id-shaped literal")
        << words << QString() << QByteArray("/items/SKU-0000") << QByteArray("/items/SKU-0000");
    QTest::newRow("others still collapse")
        << words << QString() << QByteArray("/profiles/mo") << QByteArray("/profiles/{param}");
    QTest::newRow("others still ids")
        << words << QString() << QByteArray("/items/SKU-0001") << QByteArray("/items/{id}");
    QTest::newRow("the service's own") << words << QStringLiteral("inventory")
                                       << QByteArray("/profiles/me") << QByteArray("/profiles/me");
    QTest::newRow("another service's")
        << words << QStringLiteral("catalog") << QByteArray("/profiles/me")
        << QByteArray("/profiles/{param}");
}

void TestPathTemplater::literalsNeverCollapse() {
    QFETCH(QStringList, literals);
    QFETCH(QString, service);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, expected);
    PathTemplater::Options options;
    options.learnThreshold = 5;
    PathTemplater templater(options);
    templater.setLiterals(literals, service);
    const QString inventory = QStringLiteral("inventory");
    for (int i = 0; i < 10; ++i)
        templater.templateFor("/profiles/user" + QByteArray(1, char('a' + i)), inventory);
    QCOMPARE(templater.templateFor(path, inventory), expected);
    QCOMPARE(templater.templateFor(path, inventory), expected);
}

void TestPathTemplater::staticRoutesStayLiteral() {
    PathTemplater templater;
    const QByteArray routes[] = {"users", "orders", "items", "carts", "payments", "search"};
    for (int round = 0; round < 100; ++round) {
        for (const QByteArray &route : routes)
            QCOMPARE(templater.templateFor("/api/" + route + "/" + QByteArray::number(round)),
                     QByteArray("/api/" + route + "/{id}"));
    }
}

void TestPathTemplater::overrides_data() {
    QTest::addColumn<QStringList>("overrides");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("expected");
    const QStringList set{QStringLiteral("/users/{name}/avatar"),
                          QStringLiteral("/files/{path...}"), QStringLiteral("/users/{name}")};
    QTest::newRow("named segment")
        << set << QByteArray("/users/alice/avatar") << QByteArray("/users/{name}/avatar");
    QTest::newRow("first match wins")
        << set << QByteArray("/users/bob") << QByteArray("/users/{name}");
    QTest::newRow("rest") << set << QByteArray("/files/a/b/c.txt")
                          << QByteArray("/files/{path...}");
    QTest::newRow("rest, none") << set << QByteArray("/files") << QByteArray("/files/{path...}");
    QTest::newRow("no override: learned")
        << set << QByteArray("/orders/12") << QByteArray("/orders/{id}");
    QTest::newRow("length differs") << set << QByteArray("/users/alice/avatar/large")
                                    << QByteArray("/users/alice/avatar/large");
}

void TestPathTemplater::overrides() {
    QFETCH(QStringList, overrides);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, expected);
    PathTemplater templater;
    QVERIFY(templater.setOverrides(overrides).isEmpty());
    QCOMPARE(templater.templateFor(path), expected);
}

void TestPathTemplater::serviceOverrides_data() {
    QTest::addColumn<QString>("service");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("the service's own first")
        << QStringLiteral("catalog") << QByteArray("/catalog/products/SKU-1001")
        << QByteArray("/catalog/products/{sku}");
    QTest::newRow("then those for all")
        << QStringLiteral("catalog") << QByteArray("/catalog/products/SKU-1001/reviews")
        << QByteArray("/catalog/products/{product}/reviews");
    QTest::newRow("another service: those for all")
        << QStringLiteral("inventory") << QByteArray("/catalog/products/SKU-1001")
        << QByteArray("/catalog/{any...}");
    QTest::newRow("no service: those for all")
        << QString() << QByteArray("/catalog/products/SKU-1001") << QByteArray("/catalog/{any...}");
    QTest::newRow("another service, none matches: learned")
        << QStringLiteral("inventory") << QByteArray("/inventory/items/42")
        << QByteArray("/inventory/items/{id}");
}

void TestPathTemplater::serviceOverrides() {
    QFETCH(QString, service);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, expected);
    PathTemplater templater;
    // Global ones set first: a service's own are still tried before them.
    QVERIFY(templater
                .setOverrides({QStringLiteral("/catalog/products/{product}/reviews"),
                               QStringLiteral("/catalog/{any...}")})
                .isEmpty());
    QVERIFY(
        templater
            .setOverrides({QStringLiteral("/catalog/products/{sku}")}, QStringLiteral("catalog"))
            .isEmpty());
    QVERIFY(templater.setOverrides({QStringLiteral("/orders/{order}")}, QStringLiteral("orders"))
                .isEmpty());
    QCOMPARE(templater.templateFor(path, service), expected);
    // Setting a service's overrides again replaces only that service's.
    QVERIFY(templater.setOverrides({}, QStringLiteral("orders")).isEmpty());
    QCOMPARE(templater.templateFor(path, service), expected);
}

void TestPathTemplater::badOverridesAreRefused_data() {
    QTest::addColumn<QString>("override");
    QTest::addColumn<QString>("reason");
    QTest::newRow("relative") << QStringLiteral("users/{id}") << QStringLiteral("start with /");
    QTest::newRow("unbalanced") << QStringLiteral("/users/{id") << QStringLiteral("whole segment");
    QTest::newRow("part of a segment")
        << QStringLiteral("/users/x{id}") << QStringLiteral("whole segment");
    QTest::newRow("empty braces") << QStringLiteral("/users/{}") << QStringLiteral("whole segment");
    QTest::newRow("rest not last")
        << QStringLiteral("/files/{p...}/x") << QStringLiteral("must be the last");
}

void TestPathTemplater::badOverridesAreRefused() {
    QFETCH(QString, override);
    QFETCH(QString, reason);
    PathTemplater templater;
    const QStringList refused = templater.setOverrides({override, QStringLiteral("/good/{id}")});
    QCOMPARE(refused.size(), 1);
    QVERIFY2(refused.first().contains(reason), qPrintable(refused.first()));
    QVERIFY2(PathTemplater::checkTemplate(override).contains(reason),
             qPrintable(PathTemplater::checkTemplate(override)));
    QCOMPARE(PathTemplater::checkTemplate(QStringLiteral("/good/{id}")), QString());
    // The good one is kept.
    QCOMPARE(templater.templateFor("/good/x"), QByteArray("/good/{id}"));
}

void TestPathTemplater::adversarialPathsStayBounded_data() {
    QTest::addColumn<int>("shape");
    QTest::newRow("random words, one level") << 0;
    QTest::newRow("random words, deep") << 1;
    QTest::newRow("random words at every level") << 2;
}

void TestPathTemplater::adversarialPathsStayBounded() {
    QFETCH(int, shape);
    PathTemplater::Options options;
    options.maxNodes = 500;
    PathTemplater templater(options);
    std::mt19937_64 random(shape + 1);
    const auto word = [&] {
        QByteArray w;
        const int length = 3 + int(random() % 8);
        for (int i = 0; i < length; ++i)
            w.append(char('a' + random() % 26));
        return w;
    };
    QSet<QByteArray> templates;
    for (int i = 0; i < 50000; ++i) {
        QByteArray path;
        if (shape == 0)
            path = "/scan/" + word();
        else if (shape == 1)
            path = "/a/b/c/" + word() + "/d/" + word();
        else
            path = "/" + word() + "/" + word() + "/" + word() + "/" + word();
        templates.insert(templater.templateFor(path));
    }
    QVERIFY2(templater.nodeCount() <= options.maxNodes,
             qPrintable(QString::number(templater.nodeCount())));
    // Learning collapses the attack into a handful of operations, not 50,000.
    QVERIFY2(templates.size() <= 200, qPrintable(QString::number(templates.size())));
}

QTEST_GUILESS_MAIN(TestPathTemplater)
#include "tst_path_templater.moc"
