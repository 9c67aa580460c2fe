#include <backend/feed/feed_endpoint.h>
#include <backend/feed/feed_hub.h>
#include <backend/feed/remote_feed_transport.h>
#include <backend/httpserver/http_server.h>

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>
#include <nlohmann/json.hpp>

using namespace ToolCapture;
using Json = nlohmann::json;

namespace {
constexpr int kTimeoutMs = 10000;
} // namespace

// GET /api/v1/feed over a real socket, on its own hub, and RemoteFeedTransport reading it:
// parameters, first polls, long polls, resets, leases, loss and resumption.
class TestFeedEndpoint : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void badParameters_data();
    void badParameters();
    void firstPollBringsStateDocumentsWhole();
    void longPollAnswersWhenAMessageArrives();
    void appendItemsFollowAfterSeq();
    void fallingBehindTheRingIsAReset();
    void aheadOfTheHubIsAReset();
    void leasesEndAfterThePolls();
    void transportReceivesAndResumesAfterLoss();

private:
    void startServer(quint16 port = 0);
    // GET `target` on the server; status and JSON body.
    std::pair<int, Json> get(const QByteArray &target);

    std::unique_ptr<FeedHub> m_hub;
    std::unique_ptr<FeedEndpoint> m_endpoint;
    std::unique_ptr<HttpServer> m_server;
    QNetworkAccessManager m_network;
    int m_version = 1;
};

void TestFeedEndpoint::init() {
    m_hub = std::make_unique<FeedHub>(FeedHub::Options{std::chrono::milliseconds(20), 100});
    m_version = 1;
    m_hub->addStateSubject(QStringLiteral("services"), [this] {
        return QByteArray(R"({"services":[],"version":)") + QByteArray::number(m_version) + '}';
    });
    m_hub->addAppendSubject(QStringLiteral("captures"));
    FeedEndpoint::Options options;
    options.lease = std::chrono::milliseconds(300);
    options.ringMessages = 3;
    m_endpoint = std::make_unique<FeedEndpoint>(m_hub.get(), options);
    startServer();
}

void TestFeedEndpoint::startServer(quint16 port) {
    FeedEndpoint *endpoint = m_endpoint.get();
    m_server = std::make_unique<HttpServer>(
        [endpoint](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            endpoint->handle(request, responder);
        });
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, port, &error), qPrintable(error));
}

void TestFeedEndpoint::cleanup() {
    m_server.reset();
    m_endpoint.reset();
    m_hub.reset();
}

std::pair<int, Json> TestFeedEndpoint::get(const QByteArray &target) {
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()) +
                                 QString::fromUtf8(target)));
    QNetworkReply *reply = m_network.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(kTimeoutMs))
        return {0, Json()};
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    return {status, Json::parse(body.begin(), body.end(), nullptr, false)};
}

void TestFeedEndpoint::badParameters_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("pointer");
    QTest::newRow("unknown subject")
        << QByteArray("/api/v1/feed?subjects=services,nonsense") << QByteArray("?subjects");
    QTest::newRow("after not a number")
        << QByteArray("/api/v1/feed?after=x") << QByteArray("?after");
    QTest::newRow("negative after") << QByteArray("/api/v1/feed?after=-1") << QByteArray("?after");
    QTest::newRow("wait too long")
        << QByteArray("/api/v1/feed?wait_ms=30001") << QByteArray("?wait_ms");
    QTest::newRow("unknown parameter")
        << QByteArray("/api/v1/feed?since=3") << QByteArray("?since");
    QTest::newRow("repeated parameter")
        << QByteArray("/api/v1/feed?after=1&after=2") << QByteArray("?after");
}

void TestFeedEndpoint::badParameters() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, pointer);
    const auto [status, body] = get(target);
    QCOMPARE(status, 400);
    QCOMPARE(body["status"].get<int>(), 400);
    QCOMPARE(QByteArray::fromStdString(body["errors"][0]["pointer"].get<std::string>()), pointer);
    QCOMPARE(body["instance"].get<std::string>(), std::string("/api/v1/feed"));
}

void TestFeedEndpoint::firstPollBringsStateDocumentsWhole() {
    const auto [status, body] = get("/api/v1/feed?subjects=services,captures&after=0&wait_ms=5000");
    QCOMPARE(status, 200);
    QCOMPARE(body["reset"].get<bool>(), false);
    QCOMPARE(body["messages"].size(), std::size_t(1));
    const Json &message = body["messages"][0];
    QCOMPARE(message["subject"].get<std::string>(), std::string("services"));
    QCOMPARE(message["append"].get<bool>(), false);
    QCOMPARE(message["data"]["version"].get<int>(), 1); // the document itself, not a string
    QVERIFY(body["seq"].get<quint64>() >= message["seq"].get<quint64>());
    QVERIFY(m_hub->wants(QStringLiteral("services")));
    QVERIFY(m_hub->wants(QStringLiteral("captures")));
}

void TestFeedEndpoint::longPollAnswersWhenAMessageArrives() {
    const auto first = get("/api/v1/feed?subjects=services&after=0&wait_ms=5000");
    const quint64 seq = first.second["seq"].get<quint64>();
    // Nothing new: the poll waits; a change answers it long before wait_ms.
    QTimer::singleShot(200, this, [this] { ++m_version; });
    QElapsedTimer clock;
    clock.start();
    const auto [status, body] =
        get("/api/v1/feed?subjects=services&after=" + QByteArray::number(seq) + "&wait_ms=20000");
    QCOMPARE(status, 200);
    QVERIFY(clock.elapsed() < 5000);
    QCOMPARE(body["messages"].size(), std::size_t(1));
    QCOMPARE(body["messages"][0]["data"]["version"].get<int>(), 2);
    // And with nothing at all, wait_ms ends it empty.
    const auto empty = get("/api/v1/feed?subjects=services&after=" +
                           QByteArray::number(body["seq"].get<quint64>()) + "&wait_ms=100");
    QCOMPARE(empty.first, 200);
    QVERIFY(empty.second["messages"].empty());
    QCOMPARE(empty.second["reset"].get<bool>(), false);
}

void TestFeedEndpoint::appendItemsFollowAfterSeq() {
    const auto first = get("/api/v1/feed?subjects=captures&after=0&wait_ms=0");
    QCOMPARE(first.first, 200);
    quint64 seq = first.second["seq"].get<quint64>();
    m_hub->append(QStringLiteral("captures"), {R"({"id":1})", R"({"id":2})"});
    auto [status, body] =
        get("/api/v1/feed?subjects=captures&after=" + QByteArray::number(seq) + "&wait_ms=5000");
    QCOMPARE(status, 200);
    QCOMPARE(body["messages"].size(), std::size_t(1));
    QCOMPARE(body["messages"][0]["append"].get<bool>(), true);
    QCOMPARE(body["messages"][0]["data"].dump(), std::string(R"([{"id":1},{"id":2}])"));
    seq = body["seq"].get<quint64>();
    m_hub->append(QStringLiteral("captures"), {R"({"id":3})"});
    std::tie(status, body) =
        get("/api/v1/feed?subjects=captures&after=" + QByteArray::number(seq) + "&wait_ms=5000");
    QCOMPARE(body["messages"][0]["data"].dump(), std::string(R"([{"id":3}])"));
}

void TestFeedEndpoint::fallingBehindTheRingIsAReset() {
    const auto first = get("/api/v1/feed?subjects=captures,services&after=0&wait_ms=5000");
    const quint64 seq = first.second["seq"].get<quint64>();
    // Five batches, each in its own tick; the ring keeps three.
    for (int i = 1; i <= 5; ++i) {
        const quint64 before = m_hub->lastSeq();
        m_hub->append(QStringLiteral("captures"), {"{\"id\":" + QByteArray::number(i) + "}"});
        QTRY_VERIFY_WITH_TIMEOUT(m_hub->lastSeq() > before, kTimeoutMs);
    }
    const auto [status, body] =
        get("/api/v1/feed?subjects=captures,services&after=" + QByteArray::number(seq) +
            "&wait_ms=5000");
    QCOMPARE(status, 200);
    QCOMPARE(body["reset"].get<bool>(), true);
    // The state document whole, and what the ring still holds.
    int appended = 0;
    bool services = false;
    for (const Json &message : body["messages"]) {
        if (message["subject"] == "services")
            services = true;
        else
            ++appended;
    }
    QVERIFY(services);
    QCOMPARE(appended, 3);
}

void TestFeedEndpoint::aheadOfTheHubIsAReset() {
    get("/api/v1/feed?subjects=services&after=0&wait_ms=5000");
    // A client of an earlier run of this instance: its seq means nothing here.
    const auto [status, body] = get("/api/v1/feed?subjects=services&after=999999&wait_ms=5000");
    QCOMPARE(status, 200);
    QCOMPARE(body["reset"].get<bool>(), true);
    QCOMPARE(body["messages"].size(), std::size_t(1));
    QVERIFY(body["seq"].get<quint64>() < 999999);
}

void TestFeedEndpoint::leasesEndAfterThePolls() {
    get("/api/v1/feed?subjects=services&after=0&wait_ms=0");
    QVERIFY(m_hub->wants(QStringLiteral("services")));
    QCOMPARE(m_endpoint->leasedSubjects(), QStringList{QStringLiteral("services")});
    // Nobody polls again: the lease (300 ms here) ends and the hub stops.
    QTRY_VERIFY_WITH_TIMEOUT(!m_hub->wants(QStringLiteral("services")), kTimeoutMs);
    QVERIFY(!m_hub->isTicking());
    QVERIFY(m_endpoint->leasedSubjects().isEmpty());
}

void TestFeedEndpoint::transportReceivesAndResumesAfterLoss() {
    RemoteFeedTransport::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()));
    options.token = "unused-here";
    options.wait = std::chrono::milliseconds(2000);
    options.minBackoff = std::chrono::milliseconds(50);
    options.maxBackoff = std::chrono::milliseconds(200);
    RemoteFeedTransport transport(options);
    QCOMPARE(transport.connection(), FeedTransport::Connection::Connecting);
    QList<FeedMessage> received;
    connect(&transport, &FeedTransport::messages, this,
            [&received](const QList<FeedMessage> &batch) { received.append(batch); });
    transport.subscribe({QStringLiteral("services"), QStringLiteral("captures")});
    QTRY_VERIFY_WITH_TIMEOUT(!received.isEmpty(), kTimeoutMs);
    QCOMPARE(transport.connection(), FeedTransport::Connection::Connected);
    QCOMPARE(received.first().subject, QStringLiteral("services"));
    QCOMPARE(Json::parse(received.first().json.toStdString())["version"].get<int>(), 1);
    m_hub->append(QStringLiteral("captures"), {R"({"id":7})"});
    QTRY_VERIFY_WITH_TIMEOUT(received.last().subject == QStringLiteral("captures"), kTimeoutMs);
    QVERIFY(received.last().append);
    QVERIFY(transport.bytesReceived() > 0);

    // The instance goes away: Lost, with why.
    QSignalSpy changes(&transport, &FeedTransport::connectionChanged);
    const quint16 port = m_server->port();
    m_server.reset();
    QTRY_COMPARE_WITH_TIMEOUT(transport.connection(), FeedTransport::Connection::Lost, kTimeoutMs);
    QVERIFY(!transport.connectionDetail().isEmpty());
    // Back on the same port: Connected, and the state document comes again, whole.
    ++m_version;
    received.clear();
    startServer(port);
    QTRY_COMPARE_WITH_TIMEOUT(transport.connection(), FeedTransport::Connection::Connected,
                              kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!received.isEmpty(), kTimeoutMs);
    QCOMPARE(Json::parse(received.first().json.toStdString())["version"].get<int>(), 2);
    QVERIFY(changes.count() >= 2);

    // A request's answer, and an error as status 0 with why.
    std::optional<FeedResponse> answer;
    FeedRequest request;
    request.target = "/api/v1/feed?subjects=nonsense";
    transport.request(request, this, [&](const FeedResponse &r) { answer = r; });
    QVERIFY(!answer);
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 400);
    QCOMPARE(answer->contentType, QByteArray("application/problem+json"));
}

QTEST_GUILESS_MAIN(TestFeedEndpoint)
#include "tst_feed_endpoint.moc"
