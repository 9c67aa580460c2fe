#include <backend/demo/demo_request_mix.h>
#include <backend/demo/traffic_generator.h>
#include <backend/httpserver/http_server.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

using namespace ToolCapture;

namespace {

constexpr int waitMs = 5000;

// What the recording server saw.
struct Seen {
    QMap<QByteArray, int> byService; // inventory, pricing, catalog, other
    int routedByHeader = 0;
    int posts = 0;
    int invalidPostBodies = 0;
    int conditional = 0;
    int withCorrelationId = 0;
    int wrongUserAgent = 0;
    int total = 0;
};

QByteArray serviceOf(const HttpRequest &request) {
    if (const HttpHeader *target = findHeader(request.head.headers, "X-Target-Service"))
        return target->value;
    const QByteArrayView path = request.head.path();
    for (const char *service : {"inventory", "pricing", "catalog"}) {
        if (path.startsWith('/' + QByteArray(service) + '/'))
            return service;
    }
    return "other";
}

} // namespace

// Runs the generator against test servers that record what arrives.
class TestTrafficGenerator : public QObject {
    Q_OBJECT

private slots:
    void pacedMixOverKeepAlive();
    void skipsSlotsWhenAllConnectionsBusy();
    void countsTransportFailures();
    void reconnectsAfterServerCloses();
    void mixFollowsItsWeights();
};

void TestTrafficGenerator::pacedMixOverKeepAlive() {
    Seen seen;
    HttpServer server(
        [&seen](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            ++seen.total;
            ++seen.byService[serviceOf(request)];
            if (findHeader(request.head.headers, "X-Target-Service")) {
                ++seen.routedByHeader;
                if (!request.head.path().startsWith("/quote"))
                    ++seen.byService["misrouted"];
            }
            if (request.head.method == "POST") {
                ++seen.posts;
                QJsonParseError error;
                const QJsonDocument body = QJsonDocument::fromJson(request.body, &error);
                if (error.error != QJsonParseError::NoError || !body.isObject() ||
                    !body.object().contains("sku") || !body.object().contains("quantity"))
                    ++seen.invalidPostBodies;
            }
            if (findHeader(request.head.headers, "If-None-Match"))
                ++seen.conditional;
            if (findHeader(request.head.headers, "X-Correlation-ID"))
                ++seen.withCorrelationId;
            const HttpHeader *agent = findHeader(request.head.headers, "User-Agent");
            if (!agent || agent->value != "toolcapture-demo/1")
                ++seen.wrongUserAgent;

            HttpResponse response = HttpResponse::json(200, "{}");
            if (request.head.path().startsWith("/catalog/"))
                response.headers.push_back({"ETag", "\"v1\""});
            responder->respond(std::move(response));
        });
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

    constexpr double rate = 200.0;
    constexpr int connections = 4;
    constexpr quint64 target = 200;
    TrafficGenerator generator(QHostAddress::LocalHost, server.port(), {rate, connections});
    QSignalSpy completedSpy(&generator, &TrafficGenerator::requestCompleted);
    QVERIFY(completedSpy.isValid());

    QElapsedTimer timer;
    timer.start();
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(generator.completed() >= target, waitMs);
    const qint64 elapsedMs = timer.elapsed();
    generator.stop();

    const quint64 completed = generator.completed();
    QVERIFY2(double(completed) <= 1.5 * rate * double(elapsedMs) / 1000.0,
             qPrintable(QStringLiteral("%1 completed in %2 ms").arg(completed).arg(elapsedMs)));
    QCOMPARE(generator.failed(), quint64(0));
    QVERIFY(generator.sent() >= completed);
    QCOMPARE(quint64(completedSpy.count()), completed);
    QCOMPARE(generator.statusCounts().value(200), completed);
    // Every answered request reached the server, and nothing reached it that was not sent. stop()
    // aborts the connections, so a request written just before (at most one per connection)
    // may have reached the server or not (204 of 205 once under load).
    QVERIFY2(quint64(seen.total) >= completed && quint64(seen.total) <= generator.sent() &&
                 generator.sent() - quint64(seen.total) <= quint64(connections),
             qPrintable(QStringLiteral("server saw %1, %2 sent, %3 completed")
                            .arg(seen.total)
                            .arg(generator.sent())
                            .arg(completed)));

    // Keep-alive: no more connections than configured.
    QVERIFY(server.connectionsAccepted() >= 1);
    QVERIFY2(server.connectionsAccepted() <= quint64(connections),
             qPrintable(QString::number(server.connectionsAccepted())));

    // The mix covers every service, the routed header and the conditional replay.
    QVERIFY(seen.byService.value("inventory") > 0);
    QVERIFY(seen.byService.value("pricing") > 0);
    QVERIFY(seen.byService.value("catalog") > 0);
    QCOMPARE(seen.byService.value("other"), 0);
    QCOMPARE(seen.byService.value("misrouted"), 0);
    QVERIFY(seen.routedByHeader > 0);
    QVERIFY(seen.posts > 0);
    QCOMPARE(seen.invalidPostBodies, 0);
    QVERIFY(seen.conditional > 0);
    QVERIFY(seen.withCorrelationId > 0 && seen.withCorrelationId < seen.total);
    QCOMPARE(seen.wrongUserAgent, 0);
}

void TestTrafficGenerator::skipsSlotsWhenAllConnectionsBusy() {
    // A server that never answers: every connection stays busy with its first request.
    std::vector<std::shared_ptr<HttpResponder>> held;
    HttpServer server([&held](const HttpRequest &, std::shared_ptr<HttpResponder> responder) {
        held.push_back(std::move(responder));
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    TrafficGenerator generator(QHostAddress::LocalHost, server.port(), {100.0, 2});
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(generator.skipped() >= 10, waitMs);
    QCOMPARE(generator.sent(), quint64(2));
    QCOMPARE(held.size(), size_t(2));
    QCOMPARE(generator.completed(), quint64(0));
    generator.stop();
    held.clear();
}

void TestTrafficGenerator::countsTransportFailures() {
    // A port that was just ours and is closed now: connections are refused.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();

    TrafficGenerator generator(QHostAddress::LocalHost, port, {50.0, 2});
    QSignalSpy completedSpy(&generator, &TrafficGenerator::requestCompleted);
    QVERIFY(completedSpy.isValid());
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(generator.failed() >= 5, waitMs);
    generator.stop();
    QCOMPARE(generator.completed(), quint64(0));
    QCOMPARE(completedSpy.count(), 0);
    QVERIFY(generator.statusCounts().isEmpty());
}

void TestTrafficGenerator::reconnectsAfterServerCloses() {
    // Answers each request with Connection: close and closes: the generator must reconnect.
    QTcpServer server;
    int accepted = 0;
    connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            ++accepted;
            auto buffer = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, socket, [socket, buffer] {
                *buffer += socket->readAll();
                const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
                if (headEnd < 0)
                    return;
                qint64 bodyLength = 0;
                for (const QByteArray &line : buffer->left(headEnd).split('\n')) {
                    if (line.toLower().startsWith("content-length:"))
                        bodyLength = line.mid(15).trimmed().toLongLong();
                }
                if (buffer->size() < headEnd + 4 + bodyLength)
                    return;
                socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n"
                              "Connection: close\r\n\r\nbusy");
                socket->disconnectFromHost();
            });
        }
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    TrafficGenerator generator(QHostAddress::LocalHost, server.serverPort(), {100.0, 2});
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(generator.completed() >= 20, waitMs);
    generator.stop();
    QCOMPARE(generator.failed(), quint64(0));
    QCOMPARE(generator.statusCounts().value(503), generator.completed());
    QVERIFY2(accepted >= 20, qPrintable(QString::number(accepted)));
}

void TestTrafficGenerator::mixFollowsItsWeights() {
    // The mix's shares, on enough draws that they are close to the weights (inventory 40 %,
    // pricing 25 %, catalog 35 %): the paced test above sees only ~200 requests, too few to
    // compare services without failing now and then (about 1 run in 300 for inventory against
    // pricing).
    DemoRequestMix mix(20261208);
    constexpr int draws = 20000;
    QHash<QByteArray, int> byService;
    for (int i = 0; i < draws; ++i) {
        const DemoRequest request = mix.next();
        const bool routed = findHeader(request.headers, "X-Target-Service") != nullptr;
        byService[routed ? QByteArray("pricing") : request.target.sliced(1).split('/').first()]++;
    }
    const auto share = [&](const char *service) {
        return double(byService.value(service)) / draws;
    };
    QVERIFY2(qAbs(share("inventory") - 0.40) < 0.02,
             qPrintable(QString::number(share("inventory"))));
    QVERIFY2(qAbs(share("pricing") - 0.25) < 0.02, qPrintable(QString::number(share("pricing"))));
    QVERIFY2(qAbs(share("catalog") - 0.35) < 0.02, qPrintable(QString::number(share("catalog"))));
    QCOMPARE(byService.size(), 3);
}

QTEST_GUILESS_MAIN(TestTrafficGenerator)
#include "tst_traffic_generator.moc"
