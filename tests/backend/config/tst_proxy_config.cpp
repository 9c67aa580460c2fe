#include <backend/config/proxy_config.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

const QByteArray kService = R"("inv": {"match": {"path_prefix": "/inv/"},
    "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}]})";

// A document with one valid service and the given top-level members before it.
QByteArray topLevel(const QByteArray &members) {
    return "{" + members + R"(, "services": {)" + kService + "}}";
}

// A document whose only service "inv" has the given body.
QByteArray service(const QByteArray &body) {
    return R"({"services": {"inv": {)" + body + "}}}";
}

// A document whose only service "inv" has the given instances (the array's contents).
QByteArray instances(const QByteArray &list) {
    return service(R"("match": {"path_prefix": "/inv/"}, "instances": [)" + list + "]");
}

QStringList errorStrings(const ConfigLoadResult &result) {
    QStringList lines;
    for (const ConfigError &error : result.errors)
        lines << error.toString();
    return lines;
}

} // namespace

// Parsing, validation messages and profiles of the proxy configuration.
class TestProxyConfig : public QObject {
    Q_OBJECT

private slots:
    void rejectsBadDocuments_data();
    void rejectsBadDocuments();
    void minimalDocumentTakesDevelopmentDefaults();
    void fullDocument();
    void productionProfile();
    void explicitValuesOverrideProfile();
    void servicesInheritGlobalSettings();
    void inheritedIdleLimitShrinksWithServicePool();
    void ipv6Addresses();
    void profileDefaults_data();
    void profileDefaults();
    void effectiveWorkers();
    void exampleFileLoads();
    void unreadableFileNamesFileAndReason();
    void fileSyntaxErrorNamesFile();
};

void TestProxyConfig::rejectsBadDocuments_data() {
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QStringList>("expected");

    // Document level.
    QTest::newRow("syntax error") << QByteArray("{\n  \"listen\": \"127.0.0.1:8090\",\n  x\n}")
                                  << QStringList{
                                         "<document>: syntax error at line 3, column 3: invalid "
                                         "literal; last read: '\"127.0.0.1:8090\",<U+000A>  x'; "
                                         "expected string literal"};
    QTest::newRow("empty document")
        << QByteArray("")
        << QStringList{"<document>: syntax error at line 1, column 1: unexpected end of input; "
                       "expected '[', '{', or a literal"};
    QTest::newRow("trailing comma")
        << QByteArray("{\"workers\": 1,}")
        << QStringList{"<document>: syntax error at line 1, column 15: unexpected '}'; expected "
                       "string literal"};
    QTest::newRow("number overflow")
        << QByteArray("{\"workers\":\n  1e400}")
        << QStringList{"<document>: syntax error at line 2, column 3: number overflow parsing "
                       "'1e400'"};
    QTest::newRow("top level array")
        << QByteArray("[]")
        << QStringList{"<document>: expected a JSON object at the top level, got an array"};
    QTest::newRow("no services") << QByteArray("{}")
                                 << QStringList{"missing required key \"services\""};
    QTest::newRow("empty services")
        << QByteArray(R"({"services": {}})") << QStringList{"services: needs at least one service"};
    QTest::newRow("duplicate key")
        << service(R"("match": {"path_prefix": "/a/"}, "match": {"path_prefix": "/b/"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv: duplicate key \"match\""};

    QTest::newRow("duplicate key inside an array element")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101", "capabilities": ["a", "b"]},
                        {"id": "inv-2", "url": "http://127.0.0.1:9102", "id": "inv-3"})")
        << QStringList{"services.inv.instances[1]: duplicate key \"id\""};
    QTest::newRow("odd service name, bracketed in paths")
        << QByteArray(R"({"services": {"my svc": {"match": {},
                          "instances": [{"id": "s-1", "url": "http://127.0.0.1:9101"}]}}})")
        << QStringList{"services: invalid service name \"my svc\" (lower-case letters, digits, "
                       "\"_\" and \"-\", starting with a letter or digit, at most 64)",
                       "services[\"my svc\"].match: needs path_prefix or host"};
    QTest::newRow("bad listen does not also conflict with admin")
        << topLevel(R"("listen": "127.0.0.1:x", "admin": "127.0.0.1:8090")")
        << QStringList{"listen: port must be a number between 0 and 65535, got \"x\""};

    // Unknown keys.
    QTest::newRow("typo at top level")
        << topLevel(R"("timeout": {"connect_ms": 100})")
        << QStringList{"unknown key \"timeout\" (did you mean \"timeouts\"?)"};
    QTest::newRow("camelCase key")
        << topLevel(R"("limits": {"maxBodyBytes": 10})")
        << QStringList{"limits: unknown key \"maxBodyBytes\" (did you mean \"max_body_bytes\"?)"};
    QTest::newRow("unit suffix forgotten")
        << topLevel(R"("timeouts": {"connect": 5})")
        << QStringList{"timeouts: unknown key \"connect\" (did you mean \"connect_ms\"?)"};
    QTest::newRow("unknown key, no close match")
        << topLevel(R"("logging": {"colour": true})")
        << QStringList{"logging: unknown key \"colour\" (expected one of: json)"};
    QTest::newRow("planned key not yet supported")
        << service(R"("match": {"path_prefix": "/inv/"}, "breaker": {"window": 20},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv: unknown key \"breaker\" (not supported yet)"};
    QTest::newRow("client timeout at service level")
        << service(R"("match": {"path_prefix": "/inv/"}, "timeouts": {"drain_ms": 5},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.timeouts: unknown key \"drain_ms\" (expected one of: "
                       "connect_ms, first_byte_ms)"};

    // Top-level values.
    QTest::newRow("unknown profile")
        << topLevel(R"("profile": "staging")")
        << QStringList{"profile: unknown profile \"staging\" (expected \"development\" or "
                       "\"production\")"};
    QTest::newRow("listen not a string")
        << topLevel(R"("listen": 8090)")
        << QStringList{"listen: expected a \"host:port\" string, got a number"};
    QTest::newRow("listen without host")
        << topLevel(R"("listen": "8090")")
        << QStringList{"listen: expected \"host:port\", got \"8090\""};
    QTest::newRow("listen port out of range")
        << topLevel(R"("listen": "127.0.0.1:70000")")
        << QStringList{"listen: port must be a number between 0 and 65535, got \"70000\""};
    QTest::newRow("admin host name")
        << topLevel(R"("admin": "example.com:9000")")
        << QStringList{"admin: \"example.com\" is not an IP address (write an address, such as "
                       "127.0.0.1 or [::1], or \"localhost\")"};
    QTest::newRow("listen IPv6 without brackets")
        << topLevel(R"("listen": "::1:8090")")
        << QStringList{"listen: IPv6 addresses need brackets, as in \"[::1]:8080\""};
    QTest::newRow("admin same as listen")
        << topLevel(R"("listen": "127.0.0.1:9000", "admin": "0.0.0.0:9000")")
        << QStringList{"admin: conflicts with listen (127.0.0.1:9000): the admin API needs its "
                       "own port"};
    QTest::newRow("workers out of range")
        << topLevel(R"("workers": 300)") << QStringList{"workers: must be at most 256, got 300"};
    QTest::newRow("workers as a string")
        << topLevel(R"("workers": "4")")
        << QStringList{"workers: expected an integer, got a string"};
    QTest::newRow("workers beyond 64 bits")
        << topLevel(R"("workers": 99999999999999999999)")
        << QStringList{"workers: must be at most 256, got 1e+20"};
    QTest::newRow("timeout zero") << topLevel(R"("timeouts": {"connect_ms": 0})")
                                  << QStringList{
                                         "timeouts.connect_ms: must be a positive integer, got 0"};
    QTest::newRow("timeout fractional")
        << topLevel(R"("timeouts": {"first_byte_ms": 1.5})")
        << QStringList{"timeouts.first_byte_ms: expected an integer, got 1.5"};
    QTest::newRow("timeouts not an object")
        << topLevel(R"("timeouts": 5000)")
        << QStringList{"timeouts: expected an object, got a number"};
    QTest::newRow("negative body limit")
        << topLevel(R"("limits": {"max_body_bytes": -1})")
        << QStringList{"limits.max_body_bytes: must not be negative, got -1"};
    QTest::newRow("tiny request line")
        << topLevel(R"("limits": {"max_request_line": 8})")
        << QStringList{"limits.max_request_line: must be at least 16, got 8"};
    QTest::newRow("idle above connections")
        << topLevel(R"("pool": {"max_connections": 10, "max_idle": 30})")
        << QStringList{"pool.max_idle: must not exceed max_connections (10), got 30"};
    QTest::newRow("budget above one")
        << topLevel(R"("retry": {"budget": 1.5})")
        << QStringList{"retry.budget: must be between 0 and 1, got 1.5"};
    QTest::newRow("budget as a string")
        << topLevel(R"("retry": {"budget": "high"})")
        << QStringList{"retry.budget: expected a number, got a string"};
    QTest::newRow("retry max below base")
        << topLevel(R"("retry": {"max_ms": 10})")
        << QStringList{"retry.max_ms: must not be less than base_ms (50), got 10"};
    QTest::newRow("zero attempts")
        << topLevel(R"("retry": {"max_attempts": 0})")
        << QStringList{"retry.max_attempts: must be a positive integer, got 0"};
    QTest::newRow("unknown store")
        << topLevel(R"("store": "mysql")")
        << QStringList{"store: unknown store \"mysql\" (expected \"sqlite\" or \"postgresql\")"};
    QTest::newRow("kafka broker without port")
        << topLevel(R"("kafka": {"brokers": "broker1:9092,broker2"})")
        << QStringList{"kafka.brokers: broker \"broker2\": expected \"host:port\""};
    QTest::newRow("logging null") << topLevel(R"("logging": {"json": null})")
                                  << QStringList{"logging.json: expected true or false, got null"};

    // Services.
    QTest::newRow("upper-case service name")
        << QByteArray(R"({"services": {"Inventory": {"match": {"path_prefix": "/i/"},
                          "instances": [{"id": "i-1", "url": "http://127.0.0.1:9101"}]}}})")
        << QStringList{"services: invalid service name \"Inventory\" (lower-case letters, digits, "
                       "\"_\" and \"-\", starting with a letter or digit, at most 64)"};
    QTest::newRow("service not an object")
        << QByteArray(R"({"services": {"inv": []}})")
        << QStringList{"services.inv: expected an object, got an array"};
    QTest::newRow("service without match")
        << service(R"("instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv: missing required key \"match\""};
    QTest::newRow("empty match")
        << service(R"("match": {}, "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match: needs path_prefix or host"};
    QTest::newRow("relative path prefix")
        << service(R"("match": {"path_prefix": "inv/"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.path_prefix: must start with \"/\", got \"inv/\""};
    QTest::newRow("match host with port")
        << service(R"("match": {"host": "inv.local:80"},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.host: must be a host name without a port, got "
                       "\"inv.local:80\""};
    QTest::newRow("strip prefix without prefix")
        << service(R"("match": {"host": "inv.local", "strip_prefix": true},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.match.strip_prefix: needs path_prefix"};
    QTest::newRow("two services, same route")
        << QByteArray(R"({"services": {
              "a": {"match": {"path_prefix": "/x/"},
                    "instances": [{"id": "a-1", "url": "http://h:1"}]},
              "b": {"match": {"path_prefix": "/x/"},
                    "instances": [{"id": "b-1", "url": "http://h:2"}]}}})")
        << QStringList{"services.b.match: matches the same requests as service \"a\""};
    QTest::newRow("no instances")
        << service(R"("match": {"path_prefix": "/inv/"}, "instances": [])")
        << QStringList{"services.inv.instances: needs at least one instance"};
    QTest::newRow("instances not an array")
        << service(R"("match": {"path_prefix": "/inv/"}, "instances": {"id": "inv-1"})")
        << QStringList{"services.inv.instances: expected an array, got an object"};
    QTest::newRow("service pool idle above its connections")
        << service(R"("match": {"path_prefix": "/inv/"}, "pool": {"max_idle": 50},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.pool.max_idle: must not exceed max_connections (20), got 50"};
    QTest::newRow("service base delay above inherited max")
        << service(R"("match": {"path_prefix": "/inv/"}, "retry": {"base_ms": 5000},
                      "instances": [{"id": "inv-1", "url": "http://127.0.0.1:9101"}])")
        << QStringList{"services.inv.retry.base_ms: must not exceed max_ms (2000), got 5000"};

    // Instances.
    QTest::newRow("https url")
        << instances(R"({"id": "inv-1", "url": "https://127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: https is not supported yet (no TLS to "
                       "upstreams); use \"http://host:port\""};
    QTest::newRow("url without scheme")
        << instances(R"({"id": "inv-1", "url": "127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: expected "
                       "\"http://host:port\", got \"127.0.0.1:9101\""};
    QTest::newRow("url with other scheme")
        << instances(R"({"id": "inv-1", "url": "ftp://127.0.0.1:9101"})")
        << QStringList{
               "services.inv.instances[0].url: not an http URL: unsupported scheme \"ftp\""};
    QTest::newRow("url with path")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101/api"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: a path is not allowed "
                       "(\"/api\"); expected \"http://host:port\""};
    QTest::newRow("url with user info, password not echoed")
        << instances(R"({"id": "inv-1", "url": "http://bob:secret@127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: user info (\"user@\") is "
                       "not allowed"};
    QTest::newRow("url with query")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101/?a=1"})")
        << QStringList{"services.inv.instances[0].url: not an http URL: a query is not allowed"};
    QTest::newRow("url port zero")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:0"})")
        << QStringList{"services.inv.instances[0].url: port must be a number between 1 and "
                       "65535, got \"0\""};
    QTest::newRow("url bad IPv4")
        << instances(R"({"id": "inv-1", "url": "http://256.1.1.1:80"})")
        << QStringList{"services.inv.instances[0].url: \"256.1.1.1\" is not a valid IPv4 address"};
    QTest::newRow("url bad host name")
        << instances(R"({"id": "inv-1", "url": "http://inv_1.local"})")
        << QStringList{"services.inv.instances[0].url: invalid host name \"inv_1.local\" "
                       "(letters, digits and \"-\" in dot-separated labels)"};
    QTest::newRow("instance without id and url")
        << instances(R"({"capabilities": []})")
        << QStringList{"services.inv.instances[0]: missing required key \"id\"",
                       "services.inv.instances[0]: missing required key \"url\""};
    QTest::newRow("invalid instance id")
        << instances(R"({"id": "inv 1", "url": "http://127.0.0.1:9101"})")
        << QStringList{"services.inv.instances[0].id: invalid instance id \"inv 1\" (letters, "
                       "digits, \".\", \"_\" and \"-\", starting with a letter or digit, at most "
                       "64)"};
    QTest::newRow("two instances at one address")
        << instances(R"({"id": "inv-1", "url": "http://127.0.0.1:9101"},
                        {"id": "inv-2", "url": "http://127.0.0.1:9101/"})")
        << QStringList{"services.inv.instances[1].url: same address as "
                       "services.inv.instances[0] (127.0.0.1:9101)"};
    QTest::newRow("capability not a string")
        << instances(
               R"({"id": "inv-1", "url": "http://127.0.0.1:9101", "capabilities": ["v1", 2]})")
        << QStringList{
               "services.inv.instances[0].capabilities[1]: expected a string, got a number"};

    // Several errors at once: every one is reported, in document order, services last.
    QTest::newRow("duplicate ids across services")
        << QByteArray(R"({"services": {
              "inventory": {"match": {"path_prefix": "/inventory/"}, "instances": [
                  {"id": "inventory-1", "url": "http://127.0.0.1:9101"},
                  {"id": "inventory-2", "url": "http://127.0.0.1:9102"},
                  {"id": "inventory-1", "url": "http://127.0.0.1:9103"}]},
              "pricing": {"match": {"path_prefix": "/pricing/"}, "instances": [
                  {"id": "inventory-2", "url": "http://127.0.0.1:9201"}]}}})")
        << QStringList{"services.inventory.instances[2].id: duplicate instance id \"inventory-1\" "
                       "(first used at services.inventory.instances[0])",
                       "services.pricing.instances[0].id: duplicate instance id \"inventory-2\" "
                       "(first used at services.inventory.instances[1])"};
    QTest::newRow("many errors")
        << QByteArray(R"({
              "services": {
                "inventory": {
                  "match": {"path_prefix": "/inventory/"},
                  "instances": [
                    {"id": "inventory-1", "url": "http://127.0.0.1:9101"},
                    {"id": "inventory-2", "url": "http://127.0.0.1:9102/v1"}
                  ],
                  "timeout": {"connect_ms": 100}
                },
                "pricing": {"match": {}, "instances": [{"id": "pricing-1", "url": "http://h:1"}]}
              },
              "listen": "localhost",
              "timeouts": {"connect_ms": -5, "first_byte_ms": "30s"},
              "retry": {"budget": 2},
              "workers": 1000
            })")
        << QStringList{
               "listen: expected \"host:port\", got \"localhost\"",
               "timeouts.connect_ms: must be a positive integer, got -5",
               "timeouts.first_byte_ms: expected an integer, got a string",
               "retry.budget: must be between 0 and 1, got 2",
               "workers: must be at most 256, got 1000",
               "services.inventory.instances[1].url: not an http URL: a path is not allowed "
               "(\"/v1\"); expected \"http://host:port\"",
               "services.inventory: unknown key \"timeout\" (did you mean \"timeouts\"?)",
               "services.pricing.match: needs path_prefix or host",
           };
}

void TestProxyConfig::rejectsBadDocuments() {
    QFETCH(QByteArray, document);
    QFETCH(QStringList, expected);

    const ConfigLoadResult result = parseProxyConfig(document);

    QCOMPARE(errorStrings(result), expected);
    QVERIFY(!result.config);
}

void TestProxyConfig::minimalDocumentTakesDevelopmentDefaults() {
    const ConfigLoadResult result = parseProxyConfig(R"({"services": {"inv": {
        "match": {"path_prefix": "/inv/"},
        "instances": [{"id": "inv-1", "url": "http://inventory.local"}]}}})");

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("development"));
    QCOMPARE(config.listen.toString(), QStringLiteral("127.0.0.1:8090"));
    QCOMPARE(config.admin.toString(), QStringLiteral("127.0.0.1:8091"));
    QCOMPARE(config.workers, 0);
    QCOMPARE(config.timeouts.connect, 5s);
    QCOMPARE(config.timeouts.firstByte, 30s);
    QCOMPARE(config.timeouts.headerRead, 10s);
    QCOMPARE(config.timeouts.idleKeepAlive, 60s);
    QCOMPARE(config.timeouts.drain, 10s);
    QCOMPARE(config.limits.maxRequestLine, 8 * 1024);
    QCOMPARE(config.limits.maxHeaderBytes, 32 * 1024);
    QCOMPARE(config.limits.maxHeaderCount, 100);
    QCOMPARE(config.limits.maxBodyBytes, qint64(1) << 30);
    QCOMPARE(config.pool.maxConnections, 20);
    QCOMPARE(config.pool.maxIdle, 20);
    QCOMPARE(config.pool.idleTimeout, 30s);
    QCOMPARE(config.retry.maxAttempts, 3);
    QCOMPARE(config.retry.baseDelay, 50ms);
    QCOMPARE(config.retry.maxDelay, 2000ms);
    QCOMPARE(config.retry.budget, 0.2);
    QCOMPARE(config.kafka.brokers, QStringLiteral("embedded"));
    QCOMPARE(config.store, QStringLiteral("sqlite"));
    QCOMPARE(config.logging.json, false);

    QCOMPARE(config.services.size(), std::size_t(1));
    const ServiceConfig &inv = config.services.front();
    QCOMPARE(inv.name, QStringLiteral("inv"));
    QCOMPARE(inv.match.pathPrefix, QByteArray("/inv/"));
    QVERIFY(inv.match.host.isEmpty());
    QCOMPARE(inv.match.stripPrefix, false);
    QCOMPARE(inv.pool.maxConnections, 20);
    QCOMPARE(inv.timeouts.connect, 5s);
    QCOMPARE(inv.retry.maxAttempts, 3);
    QCOMPARE(inv.instances.size(), std::size_t(1));
    QCOMPARE(inv.instances[0].id, QStringLiteral("inv-1"));
    QCOMPARE(inv.instances[0].url, QStringLiteral("http://inventory.local"));
    QCOMPARE(inv.instances[0].host, QStringLiteral("inventory.local"));
    QCOMPARE(inv.instances[0].port, quint16(80)); // no port in the URL
    QVERIFY(inv.instances[0].capabilities.isEmpty());
}

void TestProxyConfig::fullDocument() {
    const ConfigLoadResult result = parseProxyConfig(R"({
        "profile": "production",
        "listen": "0.0.0.0:0",
        "admin": "localhost:0",
        "workers": 4,
        "timeouts": {"connect_ms": 1000, "first_byte_ms": 2000, "header_read_ms": 3000,
                     "idle_keepalive_ms": 4000, "drain_ms": 5000},
        "limits": {"max_request_line": 4096, "max_header_bytes": 16384, "max_header_count": 50,
                   "max_body_bytes": 0},
        "pool": {"max_connections": 30, "max_idle": 10, "idle_timeout_ms": 15000},
        "retry": {"max_attempts": 5, "base_ms": 0, "max_ms": 100, "budget": 0},
        "services": {
            "search": {"match": {"host": "Search.Local"},
                       "instances": [{"id": "search-1", "url": "HTTP://Search-1.internal:8080/",
                                      "capabilities": ["v1", "v2"]}]},
            "inventory": {"match": {"path_prefix": "/inventory/", "strip_prefix": true,
                                    "host": "inv.local"},
                          "instances": [{"id": "inventory-1", "url": "http://10.0.0.1:9101"}],
                          "pool": {"max_connections": 5, "max_idle": 5, "idle_timeout_ms": 1},
                          "timeouts": {"connect_ms": 100, "first_byte_ms": 200},
                          "retry": {"max_attempts": 1, "base_ms": 10, "max_ms": 20, "budget": 1}}
        },
        "kafka": {"brokers": "kafka-1:9092, 10.0.0.9:9093"},
        "store": "postgresql",
        "logging": {"json": false}
    })");

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("production"));
    QCOMPARE(config.listen.toString(), QStringLiteral("0.0.0.0:0"));
    QCOMPARE(config.admin.toString(), QStringLiteral("127.0.0.1:0"));
    QCOMPARE(config.workers, 4);
    QCOMPARE(config.effectiveWorkers(), 4);
    QCOMPARE(config.timeouts.connect, 1s);
    QCOMPARE(config.timeouts.firstByte, 2s);
    QCOMPARE(config.timeouts.headerRead, 3s);
    QCOMPARE(config.timeouts.idleKeepAlive, 4s);
    QCOMPARE(config.timeouts.drain, 5s);
    QCOMPARE(config.limits.maxRequestLine, 4096);
    QCOMPARE(config.limits.maxHeaderBytes, 16384);
    QCOMPARE(config.limits.maxHeaderCount, 50);
    QCOMPARE(config.limits.maxBodyBytes, 0);
    QCOMPARE(config.pool.maxConnections, 30);
    QCOMPARE(config.pool.maxIdle, 10);
    QCOMPARE(config.pool.idleTimeout, 15s);
    QCOMPARE(config.retry.maxAttempts, 5);
    QCOMPARE(config.retry.baseDelay, 0ms);
    QCOMPARE(config.retry.maxDelay, 100ms);
    QCOMPARE(config.retry.budget, 0.0);
    QCOMPARE(config.kafka.brokers, QStringLiteral("kafka-1:9092,10.0.0.9:9093")); // normalised
    QCOMPARE(config.store, QStringLiteral("postgresql"));
    QCOMPARE(config.logging.json, false);

    // Services keep document order.
    QCOMPARE(config.services.size(), std::size_t(2));
    const ServiceConfig &search = config.services[0];
    QCOMPARE(search.name, QStringLiteral("search"));
    QCOMPARE(search.match.host, QByteArray("search.local"));
    QVERIFY(search.match.pathPrefix.isEmpty());
    QCOMPARE(search.instances[0].host, QStringLiteral("search-1.internal"));
    QCOMPARE(search.instances[0].port, quint16(8080));
    QCOMPARE(search.instances[0].capabilities, QStringList({"v1", "v2"}));
    QCOMPARE(search.pool.maxConnections, 30); // inherited
    QCOMPARE(search.retry.maxAttempts, 5);

    const ServiceConfig &inventory = config.services[1];
    QCOMPARE(inventory.match.pathPrefix, QByteArray("/inventory/"));
    QCOMPARE(inventory.match.host, QByteArray("inv.local"));
    QCOMPARE(inventory.match.stripPrefix, true);
    QCOMPARE(inventory.instances[0].host, QStringLiteral("10.0.0.1"));
    QCOMPARE(inventory.instances[0].port, quint16(9101));
    QCOMPARE(inventory.pool.maxConnections, 5);
    QCOMPARE(inventory.pool.maxIdle, 5);
    QCOMPARE(inventory.pool.idleTimeout, 1ms);
    QCOMPARE(inventory.timeouts.connect, 100ms);
    QCOMPARE(inventory.timeouts.firstByte, 200ms);
    QCOMPARE(inventory.timeouts.headerRead, 3s); // client-side timeouts stay global
    QCOMPARE(inventory.retry.maxAttempts, 1);
    QCOMPARE(inventory.retry.baseDelay, 10ms);
    QCOMPARE(inventory.retry.maxDelay, 20ms);
    QCOMPARE(inventory.retry.budget, 1.0);
}

void TestProxyConfig::productionProfile() {
    const ConfigLoadResult result = parseProxyConfig(topLevel(R"("profile": "production")"));

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.profile, QStringLiteral("production"));
    QCOMPARE(config.timeouts.connect, 10s);
    QCOMPARE(config.timeouts.firstByte, 60s);
    QCOMPARE(config.pool.maxConnections, 100);
    QCOMPARE(config.pool.maxIdle, 20);
    QCOMPARE(config.pool.idleTimeout, 30s);
    QCOMPARE(config.retry.maxAttempts, 4); // max_retries 3 + the first attempt
    QCOMPARE(config.logging.json, true);
    QCOMPARE(config.services.front().timeouts.connect, 10s);
    QCOMPARE(config.services.front().pool.maxConnections, 100);
}

void TestProxyConfig::explicitValuesOverrideProfile() {
    // The profile is applied first wherever it is written; explicit values win.
    const ConfigLoadResult result = parseProxyConfig(topLevel(
        R"("timeouts": {"connect_ms": 2500}, "pool": {"max_connections": 7},
           "logging": {"json": false}, "profile": "production")"));

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    QCOMPARE(config.timeouts.connect, 2500ms);
    QCOMPARE(config.timeouts.firstByte, 60s); // still the profile's
    QCOMPARE(config.pool.maxConnections, 7);
    QCOMPARE(config.pool.maxIdle, 7); // the profile's idle limit (20) capped to the pool
    QCOMPARE(config.logging.json, false);
    QCOMPARE(config.retry.maxAttempts, 4);
}

void TestProxyConfig::servicesInheritGlobalSettings() {
    // Global settings written after the services still reach them.
    const ConfigLoadResult result = parseProxyConfig(R"({
        "services": {
            "a": {"match": {"path_prefix": "/a/"},
                  "instances": [{"id": "a-1", "url": "http://h:1"}]},
            "b": {"match": {"path_prefix": "/b/"},
                  "instances": [{"id": "b-1", "url": "http://h:2"}],
                  "retry": {"max_attempts": 1}, "timeouts": {"first_byte_ms": 500}}
        },
        "retry": {"max_attempts": 6, "budget": 0.5},
        "timeouts": {"connect_ms": 700, "first_byte_ms": 900},
        "pool": {"idle_timeout_ms": 1234}
    })");

    QCOMPARE(errorStrings(result), QStringList());
    const ProxyConfig &config = *result.config;
    const ServiceConfig &a = config.services[0];
    const ServiceConfig &b = config.services[1];
    QCOMPARE(a.retry.maxAttempts, 6);
    QCOMPARE(a.retry.budget, 0.5);
    QCOMPARE(a.timeouts.connect, 700ms);
    QCOMPARE(a.timeouts.firstByte, 900ms);
    QCOMPARE(a.pool.idleTimeout, 1234ms);
    QCOMPARE(b.retry.maxAttempts, 1);
    QCOMPARE(b.retry.budget, 0.5); // the rest of the global retry settings
    QCOMPARE(b.timeouts.connect, 700ms);
    QCOMPARE(b.timeouts.firstByte, 500ms);
    QCOMPARE(b.pool.idleTimeout, 1234ms);
}

void TestProxyConfig::inheritedIdleLimitShrinksWithServicePool() {
    const ConfigLoadResult result = parseProxyConfig(topLevel(R"("pool": {"max_idle": 15})")
                                                         .replace(R"("instances")",
                                                                  R"("pool": {"max_connections": 4},
                                                                     "instances")"));

    QCOMPARE(errorStrings(result), QStringList());
    QCOMPARE(result.config->pool.maxIdle, 15);
    QCOMPARE(result.config->services.front().pool.maxConnections, 4);
    QCOMPARE(result.config->services.front().pool.maxIdle, 4);
}

void TestProxyConfig::ipv6Addresses() {
    const ConfigLoadResult result = parseProxyConfig(R"({"listen": "[::1]:0", "admin": "[::]:9000",
        "services": {"v6": {"match": {"path_prefix": "/"},
                            "instances": [{"id": "v6-1", "url": "http://[::1]:9101"}]}}})");

    QCOMPARE(errorStrings(result), QStringList());
    QCOMPARE(result.config->listen.host, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(result.config->listen.toString(), QStringLiteral("[::1]:0"));
    QCOMPARE(result.config->admin.toString(), QStringLiteral("[::]:9000"));
    QCOMPARE(result.config->services.front().instances[0].host, QStringLiteral("::1"));
    QCOMPARE(result.config->services.front().instances[0].port, quint16(9101));
}

void TestProxyConfig::profileDefaults_data() {
    QTest::addColumn<QString>("profile");
    QTest::addColumn<bool>("known");
    QTest::addColumn<qint64>("connectMs");
    QTest::addColumn<qint64>("firstByteMs");
    QTest::addColumn<int>("maxConnections");
    QTest::addColumn<int>("maxAttempts");

    QTest::newRow("development") << "development" << true << qint64(5000) << qint64(30000) << 20
                                 << 3;
    QTest::newRow("production") << "production" << true << qint64(10000) << qint64(60000) << 100
                                << 4;
    QTest::newRow("unknown") << "staging" << false << qint64(0) << qint64(0) << 0 << 0;
    QTest::newRow("case matters") << "Production" << false << qint64(0) << qint64(0) << 0 << 0;
}

void TestProxyConfig::profileDefaults() {
    QFETCH(QString, profile);
    QFETCH(bool, known);

    const std::optional<ProxyConfig> defaults = ToolCapture::profileDefaults(profile);

    QCOMPARE(defaults.has_value(), known);
    if (!known)
        return;
    QFETCH(qint64, connectMs);
    QFETCH(qint64, firstByteMs);
    QFETCH(int, maxConnections);
    QFETCH(int, maxAttempts);
    QCOMPARE(defaults->profile, profile);
    QCOMPARE(defaults->timeouts.connect.count(), connectMs);
    QCOMPARE(defaults->timeouts.firstByte.count(), firstByteMs);
    QCOMPARE(defaults->pool.maxConnections, maxConnections);
    QCOMPARE(defaults->retry.maxAttempts, maxAttempts);
    QVERIFY(defaults->pool.maxIdle <= defaults->pool.maxConnections);
    QVERIFY(defaults->services.empty());
}

void TestProxyConfig::effectiveWorkers() {
    ProxyConfig config;
    config.workers = 0;
    QCOMPARE(config.effectiveWorkers(), std::max(1, QThread::idealThreadCount()));
    config.workers = 3;
    QCOMPARE(config.effectiveWorkers(), 3);
}

void TestProxyConfig::exampleFileLoads() {
    const ConfigLoadResult result = loadProxyConfigFile(QStringLiteral(TOOLCAPTURE_EXAMPLE_CONFIG));

    QCOMPARE(errorStrings(result), QStringList());
    QVERIFY(result.config);
    QCOMPARE(result.config->services.size(), std::size_t(3));
    QCOMPARE(result.config->services[1].name, QStringLiteral("pricing"));
    QCOMPARE(result.config->services[1].pool.maxConnections, 8);
    QCOMPARE(result.config->services[1].pool.maxIdle, 8);
}

void TestProxyConfig::unreadableFileNamesFileAndReason() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("missing.json"));

    const ConfigLoadResult result = loadProxyConfigFile(path);

    QVERIFY(!result.config);
    QCOMPARE(errorStrings(result),
             QStringList{path + QStringLiteral(": cannot read: No such file or directory")});
}

void TestProxyConfig::fileSyntaxErrorNamesFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\n  \"services\": {\n    \"a\": [\n}\n");
    file.close();

    const ConfigLoadResult result = loadProxyConfigFile(path);

    QVERIFY(!result.config);
    QCOMPARE(result.errors.size(), std::size_t(1));
    QCOMPARE(result.errors[0].path, path);
    QVERIFY2(
        result.errors[0].message.startsWith(QStringLiteral("syntax error at line 4, column 1")),
        qPrintable(result.errors[0].message));
}

QTEST_GUILESS_MAIN(TestProxyConfig)
#include "tst_proxy_config.moc"
