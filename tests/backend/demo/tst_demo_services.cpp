#include <backend/demo/demo_data.h>
#include <backend/demo/demo_services.h>
#include <backend/http/http_response_parser.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <numeric>
#include <optional>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

constexpr int waitMs = 5000;

struct Reply {
    int status = 0;
    HttpHeaders headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const {
        const HttpHeader *found = findHeader(headers, name);
        return found ? found->value : QByteArray();
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// A keep-alive HTTP/1.1 client over one QTcpSocket, one request at a time; it waits on the
// event loop (the servers live in this thread), never blocks it.
class TestClient : private HttpResponseParser::Handler {
public:
    explicit TestClient(quint16 port)
        : m_port(port) {}

    std::optional<Reply> request(QByteArray method, QByteArray target, HttpHeaders headers = {},
                                 QByteArray body = {}) {
        if (m_socket.state() != QAbstractSocket::ConnectedState) {
            m_socket.abort();
            m_buffer.clear();
            QSignalSpy connected(&m_socket, &QTcpSocket::connected);
            m_socket.connectToHost(QHostAddress::LocalHost, m_port);
            if (!connected.wait(waitMs))
                return std::nullopt;
            HttpResponseParser::Handler &handler = *this;
            m_parser = std::make_unique<HttpResponseParser>(handler, HttpResponseParser::Limits{});
        }
        QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const HttpHeader &header : headers)
            out += header.name + ": " + header.value + "\r\n";
        if (!body.isEmpty() || method == "POST")
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        out += "\r\n" + body;

        m_reply = Reply{};
        m_parser->expectResponseTo(method);
        m_socket.write(out);
        for (;;) {
            m_buffer += m_socket.readAll();
            if (!m_buffer.isEmpty()) {
                const qsizetype used = m_parser->feed(m_buffer.constData(), m_buffer.size());
                m_buffer.remove(0, used);
            }
            if (m_parser->state() == HttpResponseParser::State::Complete)
                return m_reply;
            if (m_parser->state() == HttpResponseParser::State::Failed)
                return std::nullopt;
            QSignalSpy readyRead(&m_socket, &QTcpSocket::readyRead);
            if (m_socket.bytesAvailable() == 0 && !readyRead.wait(waitMs))
                return std::nullopt;
        }
    }

    std::optional<Reply> get(QByteArray target, HttpHeaders headers = {}) {
        return request("GET", std::move(target), std::move(headers));
    }

private:
    // HttpResponseParser::Handler
    void onResponseHead(ResponseHead &&head) override {
        if (head.status >= 200) {
            m_reply.status = head.status;
            m_reply.headers = std::move(head.headers);
        }
    }
    void onResponseBody(const char *data, qsizetype size) override {
        m_reply.body.append(data, size);
    }
    void onResponseComplete() override {}

    quint16 m_port;
    QTcpSocket m_socket;
    std::unique_ptr<HttpResponseParser> m_parser;
    QByteArray m_buffer;
    Reply m_reply;
};

} // namespace

// Drives the demo upstreams through real sockets.
class TestDemoServices : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void servicesListReachableInstances();
    void everyInstanceAnswersHealth();
    void inventoryItem_data();
    void inventoryItem();
    void inventoryList();
    void reservation_data();
    void reservation();
    void unknownPathIsProblem();
    void pricingQuote_data();
    void pricingQuote();
    void pricingFailureShare();
    void evenFailuresWhileRunning_data();
    void evenFailuresWhileRunning();
    void knobsNeedAKnownInstance();
    void catalogConditionalRequests();
    void catalogList();
    void slowInstanceAnswersLate();
    void countsRequestsServed();
    void stopClosesListeners();

private:
    quint16 portOf(const QString &instanceId) const;

    static constexpr double failureRate = 0.3;
    static constexpr std::chrono::milliseconds slowDelay{200};
    std::unique_ptr<DemoServices> m_services;
};

void TestDemoServices::init() {
    m_services = std::make_unique<DemoServices>(DemoServices::Options{failureRate, slowDelay});
    QString error;
    QVERIFY2(m_services->start(&error), qPrintable(error));
}

void TestDemoServices::cleanup() {
    m_services.reset();
}

quint16 TestDemoServices::portOf(const QString &instanceId) const {
    for (const ServiceConfig &service : m_services->services()) {
        for (const InstanceConfig &instance : service.instances) {
            if (instance.id == instanceId)
                return instance.port;
        }
    }
    return 0;
}

void TestDemoServices::servicesListReachableInstances() {
    const std::vector<ServiceConfig> services = m_services->services();
    QCOMPARE(services.size(), size_t(3));

    struct Expected {
        QString name;
        QByteArray prefix;
        QStringList ids;
    };
    const Expected expected[] = {
        {"inventory", "/inventory/", {"inventory-1", "inventory-2", "inventory-3"}},
        {"pricing", "/pricing/", {"pricing-1", "pricing-2"}},
        {"catalog", "/catalog/", {"catalog-1", "catalog-2"}},
    };
    QSet<quint16> ports;
    for (size_t i = 0; i < services.size(); ++i) {
        const ServiceConfig &service = services[i];
        QCOMPARE(service.name, expected[i].name);
        QCOMPARE(service.match.pathPrefix, expected[i].prefix);
        QCOMPARE(int(service.instances.size()), expected[i].ids.size());
        for (size_t j = 0; j < service.instances.size(); ++j) {
            const InstanceConfig &instance = service.instances[j];
            QCOMPARE(instance.id, expected[i].ids[int(j)]);
            QCOMPARE(instance.host, QStringLiteral("127.0.0.1"));
            QVERIFY(instance.port != 0);
            QCOMPARE(instance.url, QStringLiteral("http://127.0.0.1:%1").arg(instance.port));
            ports.insert(instance.port);

            QTcpSocket socket;
            QSignalSpy connected(&socket, &QTcpSocket::connected);
            QVERIFY(connected.isValid());
            socket.connectToHost(QHostAddress(instance.host), instance.port);
            QVERIFY2(connected.wait(waitMs), qPrintable(instance.url));
        }
    }
    QCOMPARE(ports.size(), 7);

    QCOMPARE(services[0].instances[0].capabilities, QStringList({"v1", "v2"}));
    QCOMPARE(services[0].instances[1].capabilities, QStringList({"v2"}));
    QCOMPARE(services[0].instances[2].capabilities, QStringList({"v1"}));
}

void TestDemoServices::everyInstanceAnswersHealth() {
    for (const ServiceConfig &service : m_services->services()) {
        for (const InstanceConfig &instance : service.instances) {
            TestClient client(instance.port);
            const auto reply = client.get("/health");
            QVERIFY2(reply, qPrintable(instance.id));
            QCOMPARE(reply->status, 200);
            QCOMPARE(reply->header("X-Served-By"), instance.id.toUtf8());
            QCOMPARE(reply->json().value("status").toString(), QStringLiteral("ok"));
        }
    }
}

void TestDemoServices::inventoryItem_data() {
    QTest::addColumn<QString>("instance");
    QTest::newRow("inventory-1") << QStringLiteral("inventory-1");
    QTest::newRow("inventory-2") << QStringLiteral("inventory-2");
    QTest::newRow("inventory-3 (slow)") << QStringLiteral("inventory-3");
}

void TestDemoServices::inventoryItem() {
    QFETCH(QString, instance);
    TestClient client(portOf(instance));
    const DemoItem &item = demoItems().at(2);

    const auto reply = client.get("/inventory/items/" + item.sku);
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->header("Content-Type").startsWith("application/json"));
    QCOMPARE(reply->header("X-Served-By"), instance.toUtf8());
    const QJsonObject json = reply->json();
    QCOMPARE(json.value("sku").toString().toUtf8(), item.sku);
    QCOMPARE(json.value("name").toString().toUtf8(), item.name);
    QCOMPARE(json.value("quantity").toInt(), item.quantity);
    QCOMPARE(json.value("warehouse").toString().toUtf8(), item.warehouse);
    QCOMPARE(json.value("served_by").toString(), instance);

    const auto missing = client.get("/inventory/items/SKU-0000");
    QVERIFY(missing);
    QCOMPARE(missing->status, 404);
    QVERIFY(missing->header("Content-Type").startsWith("application/problem+json"));
    QCOMPARE(missing->header("X-Served-By"), instance.toUtf8());
}

void TestDemoServices::inventoryList() {
    TestClient client(portOf("inventory-2"));
    const auto reply = client.get("/inventory/items");
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    const QJsonArray items = reply->json().value("items").toArray();
    QCOMPARE(items.size(), qsizetype(demoItems().size()));
    QCOMPARE(items.at(0).toObject().value("sku").toString().toUtf8(), demoItems().front().sku);
}

void TestDemoServices::reservation_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    QTest::newRow("valid") << QByteArray("POST") << QByteArray(R"({"sku":"SKU-1001","quantity":2})")
                           << 201;
    QTest::newRow("bad JSON") << QByteArray("POST") << QByteArray(R"({"sku": "SKU-1001",)") << 400;
    QTest::newRow("not an object") << QByteArray("POST") << QByteArray("[1,2]") << 400;
    QTest::newRow("empty body") << QByteArray("POST") << QByteArray() << 400;
    QTest::newRow("no quantity") << QByteArray("POST") << QByteArray(R"({"sku":"SKU-1001"})")
                                 << 400;
    QTest::newRow("fractional quantity")
        << QByteArray("POST") << QByteArray(R"({"sku":"SKU-1001","quantity":1.5})") << 400;
    QTest::newRow("unknown SKU") << QByteArray("POST")
                                 << QByteArray(R"({"sku":"SKU-0000","quantity":1})") << 404;
    QTest::newRow("more than in stock")
        << QByteArray("POST") << QByteArray(R"({"sku":"SKU-1001","quantity":100000})") << 409;
    QTest::newRow("GET not allowed") << QByteArray("GET") << QByteArray() << 405;
}

void TestDemoServices::reservation() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, body);
    QFETCH(int, status);

    TestClient client(portOf("inventory-1"));
    const auto reply = client.request(
        method, "/inventory/reservations",
        {{"Content-Type", "application/json"}, {"X-Correlation-ID", "corr-42"}}, body);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    QCOMPARE(reply->header("X-Served-By"), QByteArray("inventory-1"));
    const QJsonObject json = reply->json();
    if (status == 201) {
        const QString id = json.value("reservation_id").toString();
        QVERIFY(id.startsWith("inventory-1-"));
        QCOMPARE(json.value("sku").toString(), QStringLiteral("SKU-1001"));
        QCOMPARE(json.value("quantity").toInt(), 2);
        QCOMPARE(reply->header("Location"), "/inventory/reservations/" + id.toUtf8());

        const auto second = client.request(method, "/inventory/reservations", {}, body);
        QVERIFY(second);
        QVERIFY(second->json().value("reservation_id").toString() != id);
    } else {
        QVERIFY(reply->header("Content-Type").startsWith("application/problem+json"));
        QCOMPARE(json.value("status").toInt(), status);
        if (status == 405)
            QCOMPARE(reply->header("Allow"), QByteArray("POST"));
    }
}

void TestDemoServices::unknownPathIsProblem() {
    for (const ServiceConfig &service : m_services->services()) {
        for (const InstanceConfig &instance : service.instances) {
            TestClient client(instance.port);
            const auto reply = client.get("/no/such/thing");
            QVERIFY(reply);
            QCOMPARE(reply->status, 404);
            QVERIFY(reply->header("Content-Type").startsWith("application/problem+json"));
            QCOMPARE(reply->header("X-Served-By"), instance.id.toUtf8());
            QCOMPARE(reply->json().value("status").toInt(), 404);
        }
    }
}

void TestDemoServices::pricingQuote_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("quantity");

    QTest::newRow("prefixed") << QByteArray("/pricing/quote?sku=SKU-1002&qty=3") << 200 << 3;
    QTest::newRow("routed without prefix") << QByteArray("/quote?sku=SKU-1002&qty=20") << 200 << 20;
    QTest::newRow("default quantity") << QByteArray("/pricing/quote?sku=SKU-1002") << 200 << 1;
    QTest::newRow("no sku") << QByteArray("/pricing/quote?qty=3") << 400 << 0;
    QTest::newRow("bad qty") << QByteArray("/pricing/quote?sku=SKU-1002&qty=x") << 400 << 0;
    QTest::newRow("unknown sku") << QByteArray("/pricing/quote?sku=SKU-0000") << 404 << 0;
}

void TestDemoServices::pricingQuote() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(int, quantity);

    TestClient client(portOf("pricing-1"));
    const auto reply = client.get(target);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    QCOMPARE(reply->header("X-Served-By"), QByteArray("pricing-1"));
    if (status != 200) {
        QVERIFY(reply->header("Content-Type").startsWith("application/problem+json"));
        return;
    }
    const DemoItem *item = findDemoItem("SKU-1002");
    QVERIFY(item);
    const QJsonObject json = reply->json();
    QCOMPARE(json.value("sku").toString(), QStringLiteral("SKU-1002"));
    QCOMPARE(json.value("quantity").toInt(), quantity);
    QCOMPARE(json.value("unit_price").toDouble(), item->unitPriceCents / 100.0);
    const int discount = json.value("discount_percent").toInt();
    QCOMPARE(discount, quantity >= 10 ? 5 : 0);
    QCOMPARE(qRound64(json.value("total").toDouble() * 100),
             qint64(item->unitPriceCents) * quantity * (100 - discount) / 100);
    QCOMPARE(json.value("currency").toString(), QStringLiteral("EUR"));
    QCOMPARE(json.value("served_by").toString(), QStringLiteral("pricing-1"));
}

void TestDemoServices::pricingFailureShare() {
    constexpr int requests = 1000;
    int failuresHealthy = 0;
    int failuresFailing = 0;
    {
        TestClient client(portOf("pricing-2"));
        for (int i = 0; i < requests; ++i) {
            const auto reply = client.get("/pricing/quote?sku=SKU-1005&qty=1");
            QVERIFY(reply);
            QVERIFY2(reply->status == 200 || reply->status == 500,
                     qPrintable(QString::number(reply->status)));
            QCOMPARE(reply->header("X-Served-By"), QByteArray("pricing-2"));
            if (reply->status == 500) {
                ++failuresFailing;
                QVERIFY(reply->header("Content-Type").startsWith("application/problem+json"));
            }
        }
    }
    {
        TestClient client(portOf("pricing-1"));
        for (int i = 0; i < 200; ++i) {
            const auto reply = client.get("/pricing/quote?sku=SKU-1005&qty=1");
            QVERIFY(reply);
            failuresHealthy += reply->status == 500 ? 1 : 0;
        }
    }
    const double share = double(failuresFailing) / requests;
    QVERIFY2(qAbs(share - failureRate) <= 0.05, qPrintable(QString::number(share)));
    QCOMPARE(failuresHealthy, 0);

    // The health check stays green: the instance is up, its answers are bad.
    TestClient health(portOf("pricing-2"));
    for (int i = 0; i < 20; ++i) {
        const auto reply = health.get("/health");
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }
}

void TestDemoServices::evenFailuresWhileRunning_data() {
    QTest::addColumn<QString>("instance");
    QTest::addColumn<double>("rate");
    QTest::addColumn<int>("window");   // every run of this many requests ...
    QTest::addColumn<int>("failures"); // ... fails exactly this many
    QTest::newRow("healthy one made to fail 45%") << "pricing-1" << 0.45 << 20 << 9;
    QTest::newRow("failing one, a quarter") << "pricing-2" << 0.25 << 4 << 1;
    QTest::newRow("all") << "pricing-2" << 1.0 << 7 << 7;
    QTest::newRow("none") << "pricing-2" << 0.0 << 10 << 0;
}

void TestDemoServices::evenFailuresWhileRunning() {
    QFETCH(QString, instance);
    QFETCH(double, rate);
    QFETCH(int, window);
    QFETCH(int, failures);
    QVERIFY(m_services->setFailureRate(instance, rate, true));
    TestClient client(portOf(instance));
    std::vector<int> failed;
    for (int i = 0; i < 5 * window; ++i) {
        const auto reply = client.get("/pricing/quote?sku=SKU-1005&qty=1");
        QVERIFY(reply);
        failed.push_back(reply->status == 500 ? 1 : 0);
    }
    // Every run of `window` requests: the same count, so a breaker sees the same rate.
    for (size_t start = 0; start + size_t(window) <= failed.size(); ++start) {
        const int count = std::accumulate(failed.begin() + qsizetype(start),
                                          failed.begin() + qsizetype(start) + window, 0);
        QCOMPARE(count, failures);
    }
}

void TestDemoServices::knobsNeedAKnownInstance() {
    QVERIFY(!m_services->setFailureRate(QStringLiteral("pricing-9"), 0.5));
    QVERIFY(!m_services->setFailureRate(QStringLiteral("inventory-1"), 0.5)); // not pricing
    QVERIFY(!m_services->setResponseDelay(QStringLiteral("nobody"), std::chrono::seconds(1)));

    // The slow one made fast while running, and a fast one slow.
    QVERIFY(
        m_services->setResponseDelay(QStringLiteral("inventory-3"), std::chrono::milliseconds(0)));
    QVERIFY(m_services->setResponseDelay(QStringLiteral("inventory-1"), slowDelay));
    TestClient fast(portOf("inventory-3"));
    // inventory-3 answers while inventory-1's answer waits.
    QTcpSocket raw;
    QSignalSpy connected(&raw, &QTcpSocket::connected);
    raw.connectToHost(QHostAddress::LocalHost, portOf("inventory-1"));
    QVERIFY(connected.wait(waitMs));
    raw.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto quick = fast.get("/health");
    QVERIFY(quick);
    QCOMPARE(quick->status, 200);
    QCOMPARE(raw.bytesAvailable(), qint64(0)); // inventory-1's answer is still waiting
    QTRY_VERIFY_WITH_TIMEOUT(raw.bytesAvailable() > 0, waitMs);
}

void TestDemoServices::catalogConditionalRequests() {
    TestClient first(portOf("catalog-1"));
    const auto full = first.get("/catalog/products/SKU-1003");
    QVERIFY(full);
    QCOMPARE(full->status, 200);
    QCOMPARE(full->header("Cache-Control"), QByteArray("public, max-age=30"));
    QCOMPARE(full->header("X-Served-By"), QByteArray("catalog-1"));
    const QByteArray etag = full->header("ETag");
    QVERIFY(etag.size() > 2);
    QVERIFY(etag.startsWith('"') && etag.endsWith('"')); // strong: no W/
    const QByteArray lastModified = full->header("Last-Modified");
    QVERIFY(lastModified.endsWith(" GMT"));
    const QJsonObject product = full->json();
    QCOMPARE(product.value("id").toString(), QStringLiteral("SKU-1003"));
    QCOMPARE(product.value("name").toString().toUtf8(), findDemoItem("SKU-1003")->name);

    const auto notModified = first.get("/catalog/products/SKU-1003", {{"If-None-Match", etag}});
    QVERIFY(notModified);
    QCOMPARE(notModified->status, 304);
    QVERIFY(notModified->body.isEmpty());
    QCOMPARE(notModified->header("ETag"), etag);
    QCOMPARE(notModified->header("Cache-Control"), QByteArray("public, max-age=30"));

    // The other instance has the same representation, so the same validator.
    TestClient second(portOf("catalog-2"));
    const auto other =
        second.get("/catalog/products/SKU-1003", {{"If-None-Match", "\"nope\", W/" + etag}});
    QVERIFY(other);
    QCOMPARE(other->status, 304);
    QCOMPARE(other->header("X-Served-By"), QByteArray("catalog-2"));

    const auto changed = second.get("/catalog/products/SKU-1003", {{"If-None-Match", "\"old\""}});
    QVERIFY(changed);
    QCOMPARE(changed->status, 200);
    QCOMPARE(changed->body, full->body);

    const auto anotherProduct = second.get("/catalog/products/SKU-1004", {{"If-None-Match", etag}});
    QVERIFY(anotherProduct);
    QCOMPARE(anotherProduct->status, 200);
    QVERIFY(anotherProduct->header("ETag") != etag);

    const auto since =
        second.get("/catalog/products/SKU-1003", {{"If-Modified-Since", lastModified}});
    QVERIFY(since);
    QCOMPARE(since->status, 304);
    const auto earlier = second.get("/catalog/products/SKU-1003",
                                    {{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}});
    QVERIFY(earlier);
    QCOMPARE(earlier->status, 200);

    const auto missing = second.get("/catalog/products/SKU-0000");
    QVERIFY(missing);
    QCOMPARE(missing->status, 404);
}

void TestDemoServices::catalogList() {
    TestClient client(portOf("catalog-2"));
    const auto reply = client.get("/catalog/products");
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->header("Cache-Control"), QByteArray("public, max-age=10"));
    QVERIFY(!reply->header("ETag").isEmpty());
    QCOMPARE(reply->json().value("products").toArray().size(), qsizetype(demoItems().size()));
}

void TestDemoServices::slowInstanceAnswersLate() {
    TestClient client(portOf("inventory-3"));
    QElapsedTimer timer;
    timer.start();
    const auto reply = client.get("/inventory/items/SKU-1001");
    const qint64 elapsed = timer.elapsed();
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->header("X-Served-By"), QByteArray("inventory-3"));
    QVERIFY2(elapsed >= slowDelay.count(), qPrintable(QString::number(elapsed)));

    // Slow, not blocking: a fast instance in the same thread answers while it waits.
    TestClient fast(portOf("inventory-1"));
    QTcpSocket raw;
    QSignalSpy rawConnected(&raw, &QTcpSocket::connected);
    raw.connectToHost(QHostAddress::LocalHost, portOf("inventory-3"));
    QVERIFY(rawConnected.wait(waitMs));
    QElapsedTimer overlap;
    overlap.start();
    raw.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto quick = fast.get("/health");
    QVERIFY(quick);
    QCOMPARE(quick->status, 200);
    QCOMPARE(raw.bytesAvailable(), qint64(0)); // the slow answer is still pending
    QTRY_VERIFY_WITH_TIMEOUT(raw.bytesAvailable() > 0, waitMs);
    QVERIFY(overlap.elapsed() >= slowDelay.count());
}

void TestDemoServices::countsRequestsServed() {
    const quint64 before = m_services->requestsServed("catalog-2");
    TestClient client(portOf("catalog-2"));
    for (int i = 0; i < 7; ++i)
        QVERIFY(client.get("/catalog/products/SKU-1001"));
    QVERIFY(client.get("/health"));
    QCOMPARE(m_services->requestsServed("catalog-2"), before + 8);
    QCOMPARE(m_services->requestsServed("no-such-instance"), quint64(0));
}

void TestDemoServices::stopClosesListeners() {
    const quint16 port = portOf("inventory-1");
    QVERIFY(port != 0);
    m_services->stop();
    QVERIFY(m_services->services().empty());

    QTcpSocket socket;
    QSignalSpy error(&socket, &QTcpSocket::errorOccurred);
    QVERIFY(error.isValid());
    socket.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(error.wait(waitMs));
    QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);

    QString why;
    QVERIFY2(m_services->start(&why), qPrintable(why));
    TestClient client(portOf("inventory-1"));
    const auto reply = client.get("/health");
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
}

QTEST_GUILESS_MAIN(TestDemoServices)
#include "tst_demo_services.moc"
