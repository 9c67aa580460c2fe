#include <backend/demo/hook_traffic.h>
#include <backend/events/event_sink.h>
#include <backend/hooks/hook_receiver.h>
#include <backend/hooks/registrar.h>
#include <backend/httpserver/http_server.h>
#include <backend/schema/schema_catalog.h>

#include <QMutex>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

using namespace ToolCapture;
using Json = nlohmann::ordered_json;

namespace {

constexpr int kWaitMs = 8000;
const QByteArray kKey = "demo-hook-key";
const QStringList kServices{QStringLiteral("inventory"), QStringLiteral("pricing"),
                            QStringLiteral("catalog")};

// Keeps every event published; publish() may come from any thread.
class RecordingSink final : public EventSink {
public:
    void publish(OutgoingEvent event) override {
        const QMutexLocker lock(&m_mutex);
        m_events.push_back(std::move(event));
    }
    std::vector<OutgoingEvent> onTopic(QByteArrayView topic) const {
        const QMutexLocker lock(&m_mutex);
        std::vector<OutgoingEvent> found;
        for (const OutgoingEvent &event : m_events) {
            if (event.topic == topic)
                found.push_back(event);
        }
        return found;
    }
    std::size_t size() const {
        const QMutexLocker lock(&m_mutex);
        return m_events.size();
    }

private:
    mutable QMutex m_mutex;
    std::vector<OutgoingEvent> m_events;
};

// Records each call; agrees to everything.
class RecordingRegistrar final : public Registrar {
public:
    RegistrationResult registerEndpoints(const QString &service, const QStringList &,
                                         const QStringList &) override {
        calls << QStringLiteral("register ") + service;
        return {true, {}, {}};
    }
    RegistrationResult drainEndpoints(const QString &service, const QStringList &) override {
        calls << QStringLiteral("drain ") + service;
        return {true, {}, {}};
    }
    QStringList calls;
};

// A HookReceiver served over real sockets on 127.0.0.1, as the admin API serves it.
struct ReceiverFixture {
    RecordingSink sink;
    RecordingRegistrar registrar;
    HookReceiver receiver;
    HttpServer server;

    ReceiverFixture()
        : receiver(config(), sink, &registrar)
        , server([this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            if (receiver.handles(request.head.path()))
                responder->respond(receiver.handle(request));
            else
                responder->respond(HttpResponse::problem(404, "not a hook"));
        }) {}

    static HooksConfig config() {
        HooksConfig config;
        config.apiKeys = {QString::fromLatin1(kKey)};
        return config;
    }

    HookTrafficGenerator::Options options(QByteArray apiKey = kKey) const {
        HookTrafficGenerator::Options options;
        options.address = QHostAddress(QHostAddress::LocalHost);
        options.port = server.port();
        options.apiKey = std::move(apiKey);
        options.executionsPerSecond = 50;
        options.services = kServices;
        options.seed = 20240501;
        return options;
    }
};

Json parse(const OutgoingEvent &event) {
    return Json::parse(event.value.toStdString());
}

// Every event conforms to the schema of its topic.
void verifySchema(const std::vector<OutgoingEvent> &events) {
    for (const OutgoingEvent &event : events) {
        const JsonSchema &schema = schemaNamed("events/" + event.topic.toStdString());
        const std::vector<SchemaViolation> violations = schema.validate(parse(event));
        for (const SchemaViolation &violation : violations)
            qWarning().noquote() << event.topic << violation.pointer << violation.detail;
        QVERIFY2(violations.empty(), event.value.constData());
    }
}

} // namespace

// Runs the generator against a real hook receiver and checks what reaches the event bus.
class TestHookTraffic : public QObject {
    Q_OBJECT

private slots:
    void executionsReachTheBus();
    void wrongKeyIsRejectedAndReported();
    void unreachableReceiverCountsFailures();
};

void TestHookTraffic::executionsReachTheBus() {
    // A rejection would be logged: any warning fails the test.
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    ReceiverFixture fixture;
    QString error;
    QVERIFY2(fixture.server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

    constexpr quint64 kExecutions = 40;
    HookTrafficGenerator::Options options = fixture.options();
    options.maxExecutions = kExecutions;
    options.healthChangeInterval = std::chrono::milliseconds(100);
    HookTrafficGenerator generator(options);
    QSignalSpy finished(&generator, &HookTrafficGenerator::executionFinished);
    QVERIFY(finished.isValid());
    generator.start();
    QVERIFY(generator.isRunning());

    QTRY_COMPARE_WITH_TIMEOUT(quint64(finished.size()), kExecutions, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(generator.stats().healthChanges >= 2, kWaitMs);
    // The health change in flight, if any, is answered too.
    QTRY_COMPARE_WITH_TIMEOUT(generator.stats().accepted + generator.stats().rejected +
                                  generator.stats().failed,
                              generator.stats().sent, kWaitMs);
    generator.stop();
    QVERIFY(!generator.isRunning());

    const HookTrafficGenerator::Stats stats = generator.stats();
    QCOMPARE(stats.rejected, quint64(0));
    QCOMPARE(stats.failed, quint64(0));
    QCOMPARE(stats.executionsStarted, kExecutions);
    QCOMPARE(stats.executionsCompleted, kExecutions);
    QCOMPARE(stats.executionsFailed, quint64(0));
    for (int i = 0; i < finished.size(); ++i)
        QVERIFY(finished.at(i).at(0).toBool());
    // Per service a tool and a start, per execution a pre and a post hook.
    QCOMPARE(stats.sent, 2 * quint64(kServices.size()) + 2 * kExecutions + stats.healthChanges);
    QCOMPARE(stats.statusCounts.value(202), kExecutions);

    const std::vector<OutgoingEvent> executions =
        fixture.sink.onTopic(HookReceiver::kExecutionTopic);
    QCOMPARE(executions.size(), std::size_t(stats.executionsCompleted));
    verifySchema(executions);
    std::set<std::string> correlationIds;
    std::set<std::string> operations;
    for (const OutgoingEvent &event : executions) {
        const Json value = parse(event);
        correlationIds.insert(value["correlation_id"].get<std::string>());
        QCOMPARE(event.key.toStdString(), value["correlation_id"].get<std::string>());
        const Json &pre = value["pre_context"];
        operations.insert(pre["service_name"].get<std::string>() + '.' +
                          pre["operation"].get<std::string>());
        // Never shorter than the simulated execution time drawn.
        QVERIFY2(value["results"]["execution_time_ms"].get<double>() >= 20.0,
                 event.value.constData());
        QCOMPARE(value["results"]["success"].get<bool>(), value["results"]["error"].is_null());
    }
    QCOMPARE(correlationIds.size(), executions.size());
    for (const std::string &operation : operations) {
        QVERIFY2(operation == "inventory.stock_lookup" || operation == "pricing.quote" ||
                     operation == "catalog.search",
                 operation.c_str());
    }

    const std::vector<OutgoingEvent> tools = fixture.sink.onTopic(HookReceiver::kToolTopic);
    QCOMPARE(tools.size(), std::size_t(kServices.size()));
    verifySchema(tools);
    std::set<std::string> toolNames;
    for (const OutgoingEvent &event : tools)
        toolNames.insert(event.key.toStdString());
    QCOMPARE(toolNames,
             (std::set<std::string>{"catalog.search", "inventory.stock_lookup", "pricing.quote"}));

    const std::vector<OutgoingEvent> lifecycle =
        fixture.sink.onTopic(HookReceiver::kLifecycleTopic);
    QCOMPARE(lifecycle.size(), std::size_t(kServices.size()) + stats.healthChanges);
    verifySchema(lifecycle);
    int started = 0;
    int healthChanges = 0;
    for (const OutgoingEvent &event : lifecycle) {
        const Json value = parse(event);
        QVERIFY(value["registration"].is_null());
        if (value["event_type"] == "service_started") {
            ++started;
        } else {
            QCOMPARE(value["event_type"].get<std::string>(), std::string("service_health_change"));
            QVERIFY(value["status"] != value["previous_status"]);
            ++healthChanges;
        }
    }
    QCOMPARE(started, int(kServices.size()));
    QCOMPARE(quint64(healthChanges), stats.healthChanges);
    // The demo services are configured already: nothing may register them again.
    QCOMPARE(fixture.registrar.calls, QStringList());

    const HookStats received = fixture.receiver.stats();
    QCOMPARE(received.endpoint(HookEndpoint::Post).accepted, kExecutions);
    QCOMPARE(received.pending, quint64(0));
}

void TestHookTraffic::wrongKeyIsRejectedAndReported() {
    ReceiverFixture fixture;
    QString error;
    QVERIFY2(fixture.server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

    // Once per endpoint and status, with the receiver's reason.
    for (const char *path : {"/tools/register", "/hooks/lifecycle", "/hooks/pre"}) {
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(QStringLiteral("answered 401 to POST %1 - .*matches "
                                                            "none of hooks.api_keys")
                                                 .arg(QLatin1String(path))));
    }
    constexpr quint64 kExecutions = 5;
    HookTrafficGenerator::Options options = fixture.options("not-the-key");
    options.maxExecutions = kExecutions;
    HookTrafficGenerator generator(options);
    QSignalSpy finished(&generator, &HookTrafficGenerator::executionFinished);
    QVERIFY(finished.isValid());
    generator.start();
    QTRY_COMPARE_WITH_TIMEOUT(quint64(finished.size()), kExecutions, kWaitMs);

    const HookTrafficGenerator::Stats stats = generator.stats();
    // A refused pre hook ends its execution: no post hook follows.
    QCOMPARE(stats.sent, 2 * quint64(kServices.size()) + kExecutions);
    QCOMPARE(stats.accepted, quint64(0));
    QCOMPARE(stats.rejected, stats.sent);
    QCOMPARE(stats.statusCounts, (QMap<int, quint64>{{401, stats.sent}}));
    QCOMPARE(stats.executionsCompleted, quint64(0));
    QCOMPARE(stats.executionsFailed, kExecutions);
    for (int i = 0; i < finished.size(); ++i)
        QVERIFY(!finished.at(i).at(0).toBool());
    QCOMPARE(fixture.sink.size(), std::size_t(0));
}

void TestHookTraffic::unreachableReceiverCountsFailures() {
    // A port nothing listens on any more: every connection is refused.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    for (const char *path : {"/tools/register", "/hooks/lifecycle", "/hooks/pre"}) {
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("no answer from the hook receiver "
                                                               "to POST %1 ")
                                                    .arg(QLatin1String(path))));
    }
    HookTrafficGenerator::Options options;
    options.address = QHostAddress(QHostAddress::LocalHost);
    options.port = port;
    options.apiKey = kKey;
    options.executionsPerSecond = 50;
    options.services = kServices;
    options.maxExecutions = 2;
    HookTrafficGenerator generator(options);
    QSignalSpy finished(&generator, &HookTrafficGenerator::executionFinished);
    QVERIFY(finished.isValid());
    generator.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kWaitMs);

    const HookTrafficGenerator::Stats stats = generator.stats();
    QCOMPARE(stats.sent, 2 * quint64(kServices.size()) + 2);
    QCOMPARE(stats.failed, stats.sent);
    QCOMPARE(stats.accepted + stats.rejected, quint64(0));
    QCOMPARE(stats.executionsFailed, quint64(2));
}

QTEST_GUILESS_MAIN(TestHookTraffic)
#include "tst_hook_traffic.moc"
