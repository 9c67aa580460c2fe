#include <backend/admin/admin_server.h>
#include <backend/admin/topic_api.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <tests/backend/httpserver/raw_http_client.h>
#include <tests/support/kafka_produce.h>

#include <QTcpServer>
#include <QTest>

#include <librdkafka/rdkafka.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {

constexpr qint64 kBaseTime = 1'700'000'000'000; // 2023-11-14T22:13:20Z, in UTC ms
constexpr int kAnswerMs = 15000;                // generous: CI runs these under ASan on 2 cores

// Sends messages to chosen partitions with chosen timestamps and headers; send() returns once
// the brokers have the message.
class Producer {
public:
    explicit Producer(const QString &brokers) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", brokers.toUtf8().constData(), errstr,
                          sizeof errstr);
        rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr);
        m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    }
    ~Producer() { rd_kafka_destroy(m_rk); }
    Producer(const Producer &) = delete;
    Producer &operator=(const Producer &) = delete;

    bool isValid() const { return m_rk != nullptr; }

    bool send(const char *topic, int partition, const QByteArray &key, const QByteArray &value,
              qint64 timestampMs, const QList<QPair<QByteArray, QByteArray>> &headers = {}) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(size_t(headers.size()));
        for (const auto &[name, content] : headers)
            rd_kafka_header_add(h, name.constData(), name.size(), content.constData(),
                                content.size());
        const rd_kafka_resp_err_t err =
            Testing::produceCopy(m_rk, {topic, partition, key, value, timestampMs, h});
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_headers_destroy(h);
            return false;
        }
        return rd_kafka_flush(m_rk, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }

private:
    rd_kafka_t *m_rk = nullptr;
};

// Keeps the one response a handler gives.
class RecordingResponder final : public HttpResponder {
public:
    void respond(HttpResponse response) override {
        if (!m_response)
            m_response = std::move(response);
    }
    const std::optional<HttpResponse> &response() const { return m_response; }

private:
    std::optional<HttpResponse> m_response;
};

HttpRequest request(const QByteArray &target, const QByteArray &method = "GET") {
    HttpRequest r;
    r.head.method = method;
    r.head.target = target;
    r.peer = QHostAddress::LocalHost;
    return r;
}

QByteArray header(const HttpResponse &response, QByteArrayView name) {
    for (const HttpHeader &h : response.headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0)
            return h.value;
    }
    return {};
}

QStringList keysOf(const Json &body) {
    QStringList keys;
    for (const Json &m : body.at("messages"))
        keys << (m.at("key").is_null() ? QString()
                                       : QString::fromStdString(m.at("key").get<std::string>()));
    return keys;
}

// The JSON text of `json`, for comparisons that print what they found.
QByteArray text(const Json &json) {
    return QByteArray::fromStdString(json.dump());
}

// A port where nothing listens: connections are refused at once.
quint16 closedPort() {
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

class TestTopicApi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void handlesItsPaths_data();
    void handlesItsPaths();
    void listsTopics();
    void readsMessages_data();
    void readsMessages();
    void rendersMessages();
    void rendersStructuredEvents();
    void rejectsBadRequests_data();
    void rejectsBadRequests();
    void unreachableBrokersAre503();
    void noBrokersIs503();
    void boundsConcurrentFetches();
    void serverAnswersWhileFetching();
    void destroyedWhileFetching();

private:
    // What `api` answers to `target`, once it has answered.
    std::optional<HttpResponse> answer(TopicApi &api, const QByteArray &target,
                                       const QByteArray &method = "GET");

    EmbeddedKafkaCluster m_cluster;
    std::unique_ptr<TopicApi> m_api; // readsMessages' rows share it, as a console's polls do
    const QStringList m_topics{"orders", "single", "empty"};
    // Accepts connections and never answers: only a fetch's timeout ends its wait.
    QTcpServer m_silentBroker;
    QString silentBrokers() const {
        return QStringLiteral("127.0.0.1:%1").arg(m_silentBroker.serverPort());
    }
};

std::optional<HttpResponse> TestTopicApi::answer(TopicApi &api, const QByteArray &target,
                                                 const QByteArray &method) {
    const auto responder = std::make_shared<RecordingResponder>();
    api.handle(request(target, method), responder);
    // The fetch answers through the event loop; the wait runs it.
    if (!QTest::qWaitFor([&] { return responder->response().has_value(); }, kAnswerMs))
        return std::nullopt;
    return responder->response();
}

void TestTopicApi::initTestCase() {
    QString error;
    QVERIFY2(m_cluster.start(1, &error), qPrintable(error));
    QVERIFY2(m_cluster.createTopic("orders", 2, &error), qPrintable(error));
    QVERIFY2(m_cluster.createTopic("single", 1, &error), qPrintable(error));
    QVERIFY2(m_cluster.createTopic("empty", 1, &error), qPrintable(error));
    QVERIFY(m_silentBroker.listen(QHostAddress::LocalHost, 0));

    Producer producer(m_cluster.bootstrapServers());
    QVERIFY(producer.isValid());
    // orders, partition 0: a b a; partition 1: c a d. One second apart, in that order.
    QVERIFY(producer.send("orders", 0, "a", R"({"status":200,"user":{"name":"ann"}})", kBaseTime,
                          {{"ce_type", "order.created"}}));
    QVERIFY(producer.send("orders", 0, "b", R"({"status":500})", kBaseTime + 1000));
    QVERIFY(producer.send("orders", 0, "a", "plain text", kBaseTime + 2000));
    QVERIFY(producer.send("orders", 1, "c", R"({"status":200})", kBaseTime + 3000,
                          {{"x-trace", "t1"}, {"x-trace", "t2"}}));
    QVERIFY(producer.send("orders", 1, "a", R"({"status":404,"user":{"name":"bob"}})",
                          kBaseTime + 4000));
    QVERIFY(producer.send("orders", 1, "d", QByteArray("\xff\xfe\x00", 3), kBaseTime + 5000));
    for (int i = 1; i <= 3; ++i)
        QVERIFY(producer.send("single", 0, "k" + QByteArray::number(i), "{}", kBaseTime + i));
}

void TestTopicApi::handlesItsPaths_data() {
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("handled");
    QTest::newRow("collection") << QByteArray("/api/v1/topics") << true;
    QTest::newRow("messages") << QByteArray("/api/v1/topics/orders/messages") << true;
    QTest::newRow("under the prefix") << QByteArray("/api/v1/topics/orders") << true;
    QTest::newRow("longer name") << QByteArray("/api/v1/topicsx") << false;
    QTest::newRow("captures") << QByteArray("/api/v1/captures") << false;
    QTest::newRow("root") << QByteArray("/") << false;
}

void TestTopicApi::handlesItsPaths() {
    QFETCH(QByteArray, path);
    QFETCH(bool, handled);
    QCOMPARE(TopicApi::handles(path), handled);
}

void TestTopicApi::listsTopics() {
    TopicApi api([this] { return m_cluster.bootstrapServers(); }, m_topics);
    const std::optional<HttpResponse> response = answer(api, "/api/v1/topics");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(header(*response, "Content-Type"), QByteArray("application/json"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(QString::fromStdString(body.at("brokers").get<std::string>()),
             m_cluster.bootstrapServers());
    QCOMPARE(text(body.at("topics")), QByteArray(R"(["orders","single","empty"])"));
}

void TestTopicApi::readsMessages_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QStringList>("keys");

    const QByteArray orders = "/api/v1/topics/orders/messages";
    const QStringList all{"a", "b", "a", "c", "a", "d"};
    QTest::newRow("default: from the beginning") << orders << all;
    QTest::newRow("beginning") << orders + "?from=beginning" << all;
    QTest::newRow("end: nothing new yet") << orders + "?from=end" << QStringList();
    QTest::newRow("epoch ms at a message")
        << orders + "?from=" + QByteArray::number(kBaseTime + 2000)
        << QStringList{"a", "c", "a", "d"};
    QTest::newRow("epoch ms between messages")
        << orders + "?from=" + QByteArray::number(kBaseTime + 2500) << QStringList{"c", "a", "d"};
    QTest::newRow("epoch ms after the last")
        << orders + "?from=" + QByteArray::number(kBaseTime + 10000) << QStringList();
    QTest::newRow("RFC 3339 UTC") << orders + "?from=2023-11-14T22:13:22Z"
                                  << QStringList{"a", "c", "a", "d"};
    QTest::newRow("RFC 3339 offset, escaped")
        << orders + "?from=2023-11-14T23:13:23.500%2B01:00" << QStringList{"a", "d"};
    QTest::newRow("RFC 3339 offset, '+' unescaped")
        << orders + "?from=2023-11-14T23:13:23.500+01:00" << QStringList{"a", "d"};
    QTest::newRow("RFC 3339 fraction rounds up to the next ms")
        << orders + "?from=2023-11-14T22:13:23.000001Z" << QStringList{"a", "d"};
    QTest::newRow("before 1970: everything") << orders + "?from=1969-12-31T23:59:59Z" << all;
    QTest::newRow("key") << orders + "?key=a" << QStringList{"a", "a", "a"};
    QTest::newRow("key, percent-encoded") << orders + "?key=%63" << QStringList{"c"};
    QTest::newRow("key matching nothing") << orders + "?key=zzz" << QStringList();
    QTest::newRow("field resolves") << orders + "?field=/user/name" << QStringList{"a", "a"};
    QTest::newRow("field equals a number")
        << orders + "?field=/status&value=200" << QStringList{"a", "c"};
    QTest::newRow("field equals a bare string")
        << orders + "?field=/user/name&value=bob" << QStringList{"a"};
    QTest::newRow("field equals a JSON string")
        << orders + "?field=%2Fuser%2Fname&value=%22ann%22" << QStringList{"a"};
    QTest::newRow("key and field") << orders + "?key=a&field=/status" << QStringList{"a", "a"};
    QTest::newRow("key, field and value")
        << orders + "?key=a&field=/status&value=404&from=beginning" << QStringList{"a"};
    QTest::newRow("limit") << QByteArray("/api/v1/topics/single/messages?limit=2")
                           << QStringList{"k1", "k2"};
    QTest::newRow("limit above the count")
        << QByteArray("/api/v1/topics/single/messages?limit=1000") << QStringList{"k1", "k2", "k3"};
    QTest::newRow("empty topic") << QByteArray("/api/v1/topics/empty/messages?timeout_ms=5000")
                                 << QStringList();
}

void TestTopicApi::readsMessages() {
    QFETCH(QByteArray, target);
    QFETCH(QStringList, keys);

    // One API for every row: each fetch borrows the consumer the one before gave back, with its
    // new topic, start and filter, and sees nothing of the reads before it.
    if (!m_api)
        m_api =
            std::make_unique<TopicApi>([this] { return m_cluster.bootstrapServers(); }, m_topics);
    TopicApi &api = *m_api;
    const std::optional<HttpResponse> response = answer(api, target);
    QVERIFY(response);
    QVERIFY2(response->status == 200, response->body.constData());
    QCOMPARE(header(*response, "Cache-Control"), QByteArray("no-store"));
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(body.at("count").get<int>(), keys.size());
    QCOMPARE(keysOf(body), keys);
    QCOMPARE(api.fetchesInFlight(), 0);
    QCOMPARE(api.consumers().created(), quint64(1));
    QCOMPARE(api.consumers().idleCount(), std::size_t(1));
}

void TestTopicApi::rendersMessages() {
    TopicApi api([this] { return m_cluster.bootstrapServers(); }, m_topics);
    const std::optional<HttpResponse> response = answer(api, "/api/v1/topics/orders/messages");
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    const Json body = Json::parse(response->body.toStdString());
    QCOMPARE(text(body.at("topic")), QByteArray(R"("orders")"));
    const Json &m = body.at("messages");
    QCOMPARE(m.size(), std::size_t(6));

    QCOMPARE(m[0].at("partition").get<int>(), 0);
    QCOMPARE(m[0].at("offset").get<qint64>(), 0);
    QCOMPARE(text(m[0].at("timestamp")), QByteArray(R"("2023-11-14T22:13:20.000Z")"));
    QCOMPARE(text(m[0].at("key")), QByteArray(R"("a")"));
    QCOMPARE(text(m[0].at("headers")), QByteArray(R"({"ce_type":"order.created"})"));
    QCOMPARE(text(m[0].at("value")), QByteArray(R"({"status":200,"user":{"name":"ann"}})"));
    QVERIFY(!m[0].contains("value_encoding"));

    QCOMPARE(m[2].at("offset").get<qint64>(), 2);
    QCOMPARE(text(m[2].at("value")), QByteArray(R"("plain text")")); // not JSON: a string
    QCOMPARE(text(m[2].at("headers")), QByteArray("{}"));

    QCOMPARE(m[3].at("partition").get<int>(), 1);
    QCOMPARE(text(m[3].at("timestamp")), QByteArray(R"("2023-11-14T22:13:23.000Z")"));
    QCOMPARE(text(m[3].at("headers")), QByteArray(R"({"x-trace":"t2"})")); // the last of a name

    QCOMPARE(text(m[5].at("value")), '"' + QByteArray("\xff\xfe\x00", 3).toBase64() + '"');
    QCOMPARE(text(m[5].at("value_encoding")), QByteArray(R"("base64")"));
    for (const Json &message : m)
        QCOMPARE(message.at("structured").get<bool>(), false);
}

void TestTopicApi::rendersStructuredEvents() {
    // The tail has taken a structured-mode CloudEvent apart (tst_topic_tail): the answer keeps
    // its attributes as headers, its data as the value, and says which mode it came in.
    TailMessage structured;
    structured.key = "k";
    structured.value = R"({"event_type":"x"})";
    structured.headers = {{"ce_id", "e-1"}, {"content-type", "application/json"}};
    structured.structured = true;
    TailMessage binary = structured;
    binary.structured = false;
    const Json body = Json::parse(
        TopicApi::messagesJson(QStringLiteral("t"), {structured, binary}).toStdString());
    const Json &m = body.at("messages");
    QCOMPARE(m.size(), std::size_t(2));
    QCOMPARE(m[0].at("structured").get<bool>(), true);
    QCOMPARE(m[1].at("structured").get<bool>(), false);
    QCOMPARE(text(m[0].at("headers")),
             QByteArray(R"({"ce_id":"e-1","content-type":"application/json"})"));
    QCOMPARE(text(m[0].at("value")), QByteArray(R"({"event_type":"x"})"));
}

void TestTopicApi::rejectsBadRequests_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("pointer"); // empty: no "errors" member

    const QByteArray m = "/api/v1/topics/orders/messages?";
    const QByteArray get = "GET";
    QTest::newRow("from: a word") << get << m + "from=yesterday" << 400 << QByteArray("?from");
    QTest::newRow("from: no offset")
        << get << m + "from=2023-11-14T22:13:20" << 400 << QByteArray("?from");
    QTest::newRow("from: no such day")
        << get << m + "from=2023-02-30T00:00:00Z" << 400 << QByteArray("?from");
    QTest::newRow("from: epoch too large")
        << get << m + "from=99999999999999999" << 400 << QByteArray("?from");
    QTest::newRow("limit: 0") << get << m + "limit=0" << 400 << QByteArray("?limit");
    QTest::newRow("limit: 1001") << get << m + "limit=1001" << 400 << QByteArray("?limit");
    QTest::newRow("limit: negative") << get << m + "limit=-1" << 400 << QByteArray("?limit");
    QTest::newRow("limit: a word") << get << m + "limit=ten" << 400 << QByteArray("?limit");
    QTest::newRow("limit: twice") << get << m + "limit=1&limit=2" << 400 << QByteArray("?limit");
    QTest::newRow("timeout_ms: 99")
        << get << m + "timeout_ms=99" << 400 << QByteArray("?timeout_ms");
    QTest::newRow("timeout_ms: 30001")
        << get << m + "timeout_ms=30001" << 400 << QByteArray("?timeout_ms");
    QTest::newRow("field: no slash") << get << m + "field=status" << 400 << QByteArray("?field");
    QTest::newRow("field: bad escape") << get << m + "field=/a~2" << 400 << QByteArray("?field");
    QTest::newRow("value without field") << get << m + "value=200" << 400 << QByteArray("?value");
    QTest::newRow("key: empty") << get << m + "key=" << 400 << QByteArray("?key");
    QTest::newRow("unknown parameter") << get << m + "colour=red" << 400 << QByteArray("?colour");
    QTest::newRow("unknown topic")
        << get << QByteArray("/api/v1/topics/nope/messages") << 404 << QByteArray();
    QTest::newRow("a topic's name brokers would create")
        << get << QByteArray("/api/v1/topics/proxy.other/messages") << 404 << QByteArray();
    QTest::newRow("topic without messages")
        << get << QByteArray("/api/v1/topics/orders") << 404 << QByteArray();
    QTest::newRow("below messages")
        << get << QByteArray("/api/v1/topics/orders/messages/1") << 404 << QByteArray();
    QTest::newRow("not a topic path")
        << get << QByteArray("/api/v1/captures") << 404 << QByteArray();
    QTest::newRow("POST topics") << QByteArray("POST") << QByteArray("/api/v1/topics") << 405
                                 << QByteArray();
    QTest::newRow("DELETE messages")
        << QByteArray("DELETE") << QByteArray("/api/v1/topics/orders/messages") << 405
        << QByteArray();
}

void TestTopicApi::rejectsBadRequests() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, pointer);

    // Bad requests are answered at once, before any broker is asked: these brokers never answer.
    TopicApi api([this] { return silentBrokers(); }, m_topics);
    const auto responder = std::make_shared<RecordingResponder>();
    api.handle(request(target, method), responder);
    QVERIFY(responder->response());
    QCOMPARE(api.fetchesInFlight(), 0);
    const HttpResponse &response = *responder->response();
    QCOMPARE(response.status, status);
    QCOMPARE(header(response, "Content-Type"), QByteArray("application/problem+json"));
    const Json body = Json::parse(response.body.toStdString());
    QCOMPARE(body.at("status").get<int>(), status);
    if (pointer.isEmpty()) {
        QVERIFY(!body.contains("errors"));
    } else {
        QCOMPARE(body.at("errors").size(), std::size_t(1));
        QCOMPARE(QByteArray::fromStdString(body.at("errors")[0].at("pointer").get<std::string>()),
                 pointer);
        // The detail names the parameter too, for a reader of the detail alone.
        QVERIFY(QByteArray::fromStdString(body.at("detail").get<std::string>())
                    .startsWith(pointer.mid(1) + ":"));
    }
    if (status == 405)
        QCOMPARE(header(response, "Allow"), QByteArray("GET, HEAD"));
}

void TestTopicApi::unreachableBrokersAre503() {
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    TopicApi api([port] { return QStringLiteral("127.0.0.1:%1").arg(port); }, m_topics);
    const std::optional<HttpResponse> response =
        answer(api, "/api/v1/topics/orders/messages?timeout_ms=10000");
    QVERIFY(response);
    QCOMPARE(response->status, 503);
    QCOMPARE(header(*response, "Content-Type"), QByteArray("application/problem+json"));
    QVERIFY2(response->body.contains("cannot reach the Kafka brokers"), response->body);
    QCOMPARE(api.consumers().idleCount(), std::size_t(0)); // closed, not kept for the next
}

void TestTopicApi::noBrokersIs503() {
    TopicApi api([] { return QString(); }, m_topics);
    const std::optional<HttpResponse> messages = answer(api, "/api/v1/topics/orders/messages");
    QVERIFY(messages);
    QCOMPARE(messages->status, 503);
    QCOMPARE(api.fetchesInFlight(), 0);
    // The listing still answers, saying there are no brokers.
    const std::optional<HttpResponse> topics = answer(api, "/api/v1/topics");
    QVERIFY(topics);
    QCOMPARE(topics->status, 200);
    QVERIFY(Json::parse(topics->body.toStdString()).at("brokers").is_null());
}

void TestTopicApi::boundsConcurrentFetches() {
    TopicApi api([this] { return silentBrokers(); }, m_topics, TopicApi::Options{2});
    const QByteArray target = "/api/v1/topics/orders/messages?timeout_ms=300";
    const auto first = std::make_shared<RecordingResponder>();
    const auto second = std::make_shared<RecordingResponder>();
    const auto third = std::make_shared<RecordingResponder>();
    api.handle(request(target), first);
    api.handle(request(target), second);
    QCOMPARE(api.fetchesInFlight(), 2);
    api.handle(request(target), third);
    QVERIFY(third->response()); // refused at once
    QCOMPARE(third->response()->status, 503);
    QCOMPARE(header(*third->response(), "Retry-After"), QByteArray("1"));
    QCOMPARE(api.fetchesInFlight(), 2);

    // The silent brokers time both fetches out.
    QTRY_VERIFY_WITH_TIMEOUT(first->response() && second->response(), kAnswerMs);
    QCOMPARE(first->response()->status, 503);
    QVERIFY2(first->response()->body.contains("timed out"), first->response()->body);
    QCOMPARE(second->response()->status, 503);
    QCOMPARE(api.fetchesInFlight(), 0);

    // Room again.
    const auto fourth = std::make_shared<RecordingResponder>();
    api.handle(request(target), fourth);
    QCOMPARE(api.fetchesInFlight(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(fourth->response(), kAnswerMs);
}

void TestTopicApi::serverAnswersWhileFetching() {
    TopicApi api([this] { return silentBrokers(); }, m_topics);
    AdminServer admin([] { return EngineSnapshot{}; });
    admin.mount({&TopicApi::handles,
                 [&api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                     api.handle(request, responder);
                 },
                 false});
    QVERIFY(admin.listen(QHostAddress::LocalHost, 0));

    RawHttpClient fetching;
    QVERIFY(fetching.connectTo(admin.port()));
    fetching.send("GET /api/v1/topics/orders/messages?timeout_ms=3000 HTTP/1.1\r\n"
                  "Host: localhost\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(api.fetchesInFlight(), 1, kAnswerMs);

    RawHttpClient listing;
    QVERIFY(listing.connectTo(admin.port()));
    const std::optional<RawHttpResponse> topics =
        listing.exchange("GET /api/v1/topics HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(topics);
    QCOMPARE(topics->status, 200);
    QCOMPARE(text(Json::parse(topics->body.toStdString()).at("brokers")),
             '"' + silentBrokers().toUtf8() + '"');
    const std::optional<RawHttpResponse> health =
        listing.exchange("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(health);
    QVERIFY(health->status != 0);

    // Both were answered while the fetch still waits for its brokers.
    QCOMPARE(api.fetchesInFlight(), 1);
    QVERIFY(fetching.pending().isEmpty());
    const std::optional<RawHttpResponse> messages = fetching.readResponse(false, kAnswerMs);
    QVERIFY(messages);
    QCOMPARE(messages->status, 503);
    QCOMPARE(messages->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(api.fetchesInFlight(), 0);
}

void TestTopicApi::destroyedWhileFetching() {
    const auto responder = std::make_shared<RecordingResponder>();
    {
        TopicApi api([this] { return silentBrokers(); }, m_topics);
        api.handle(request("/api/v1/topics/orders/messages?timeout_ms=300"), responder);
        QCOMPARE(api.fetchesInFlight(), 1);
        QCOMPARE(responder.use_count(), 2);
    } // waits for the fetch, whose answer has nowhere to go
    // Whatever was posted to the dead object must not run now.
    QCoreApplication::sendPostedEvents();
    QVERIFY(!responder->response());
    QCOMPARE(responder.use_count(), 1); // dropped, which closes a real connection
}

QTEST_GUILESS_MAIN(TestTopicApi)
#include "tst_topic_api.moc"
