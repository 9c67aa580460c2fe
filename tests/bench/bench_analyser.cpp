// The pattern analyser's cost per event (docs/benchmarks.md, "Pattern analysis"): decoding,
// ingesting the three events of an exchange, and building the documents the API answers.
#include <backend/analysis/analyser_host.h>
#include <backend/core/clock.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/kafka_publisher.h>
#include <backend/intelligence/event_analyser.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <random>

using namespace ToolCapture;

namespace {

// Time that moves only when the benchmark says so (20 µs per exchange: 50,000 exchanges/s).
class StepClock final : public Clock {
public:
    time_point now() const override { return m_now; }
    wall_time_point wallNow() const override {
        return wall_time_point(
            std::chrono::duration_cast<wall_time_point::duration>(m_now.time_since_epoch()));
    }
    void advance(std::chrono::nanoseconds by) {
        m_now += std::chrono::duration_cast<time_point::duration>(by);
    }

private:
    time_point m_now{std::chrono::hours(1)};
};

struct Events {
    QByteArray request, response, communication;
};

// A typical exchange's events as the proxy publishes them: a GET with ten captured headers
// (docs/events.md), one of 200 operations of 10 services with 3 instances each.
Events exchange(std::mt19937_64 &random, int n) {
    const int service = int(random() % 10);
    const int route = int(random() % 20);
    const QString serviceName = QStringLiteral("service-%1").arg(service);
    const QString path = QStringLiteral("/api/v1/%1/route-%2/%3")
                             .arg(serviceName)
                             .arg(route)
                             .arg(qulonglong(random() % 100000));
    const QString instance = QStringLiteral("%1-%2").arg(serviceName).arg(random() % 3);
    const QString id =
        QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
    const double latency = std::exp(std::normal_distribution<double>(2.5, 0.5)(random));
    const int status = random() % 100 == 0 ? 503 : 200;
    const QJsonObject headers{
        {"accept", "application/json"},
        {"user-agent", "curl/8.4.0"},
        {"x-session-id", "sess-42"},
        {"x-user-context", "tenant=acme"},
        {"authorization", "[REDACTED]"},
        {"accept-encoding", "gzip, deflate, br"},
        {"accept-language", "en-GB"},
        {"cache-control", "no-cache"},
        {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        {"x-request-source", "bench"},
    };
    const QJsonObject metrics{
        {"response_time_ms", latency},
        {"time_to_first_byte_ms", latency * 0.8},
        {"upstream_connect_ms", 0.15},
        {"response_size", 1834},
        {"status_code", status},
        {"target_service", serviceName},
        {"target_instance", instance},
        {"attempts", 1},
        {"success", status == 200},
        {"error_class", status == 200 ? QJsonValue(QJsonValue::Null) : QJsonValue("upstream")},
    };
    const QString ts = QStringLiteral("2026-12-04T10:00:00.126206Z");
    Events e;
    e.request =
        QJsonDocument(
            QJsonObject{
                {"event_id", id},
                {"event_type", "pre_request_analysis"},
                {"schema_version", 1},
                {"correlation_id", id},
                {"timestamp", ts},
                {"context",
                 QJsonObject{{"correlation_id", id},
                             {"request_profile", QJsonObject{{"method", "GET"},
                                                             {"path", path},
                                                             {"query", "page=2"},
                                                             {"payload_size", 0},
                                                             {"content_type", QJsonValue::Null},
                                                             {"headers", headers},
                                                             {"user_context", "tenant=acme"},
                                                             {"session_id", "sess-42"},
                                                             {"client_address", "127.0.0.1"},
                                                             {"timestamp", ts}}},
                             {"request_hash", QString(64, QLatin1Char('b'))},
                             {"request_hash_includes_body", true},
                             {"pattern_analysis",
                              QJsonObject{{"service", serviceName}, {"route_matched", true}}}}},
            })
            .toJson(QJsonDocument::Compact);
    e.response =
        QJsonDocument(
            QJsonObject{
                {"event_id", id},
                {"event_type", "post_request_analysis"},
                {"schema_version", 1},
                {"correlation_id", id},
                {"timestamp", ts},
                {"performance_metrics", metrics},
                {"response_analysis",
                 QJsonObject{{"content_type", "application/json"},
                             {"cache_headers", QJsonObject{{"cache-control", "max-age=60"}}},
                             {"error_patterns", QJsonValue::Null}}},
                {"routing", QJsonValue::Null},
                {"cache",
                 random() % 2 ? "hit; ttl-source=header" : "miss; stored; ttl-source=header"},
                {"breaker_state", "closed"},
            })
            .toJson(QJsonDocument::Compact);
    e.communication =
        QJsonDocument(
            QJsonObject{
                {"event_id", id},
                {"event_type", "response_analysis"},
                {"schema_version", 1},
                {"correlation_id", id},
                {"timestamp", ts},
                {"request_context", QJsonObject{{"method", "GET"},
                                                {"path", path},
                                                {"query", "page=2"},
                                                {"payload_size", 0},
                                                {"headers", headers},
                                                {"user_context", "tenant=acme"},
                                                {"session_id", "sess-42"}}},
                {"performance_metrics", metrics},
                {"intelligence_analysis",
                 QJsonObject{{"pattern_analysis", QJsonObject{{"service", serviceName},
                                                              {"instance", instance},
                                                              {"attempts", 1},
                                                              {"retried", false},
                                                              {"proxy_error", QJsonValue::Null}}},
                             {"optimization_opportunities", QJsonArray{}},
                             {"user_experience_impact", QJsonObject{{"latency_class", "fast"},
                                                                    {"failed", false},
                                                                    {"status_class", "2xx"}}}}},
            })
            .toJson(QJsonDocument::Compact);
    return e;
}

std::vector<Events> exchanges(int count) {
    std::mt19937_64 random(3);
    std::vector<Events> list;
    for (int i = 0; i < count; ++i)
        list.push_back(exchange(random, i));
    return list;
}

// Decoding one communication event (1.2 KB): nlohmann_json's DOM, as the analyser does.
void BM_DecodeNlohmann(benchmark::State &state) {
    const std::vector<Events> list = exchanges(256);
    size_t i = 0;
    for (auto _ : state) {
        const QByteArray &bytes = list[i++ & 255].communication;
        benchmark::DoNotOptimize(nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeNlohmann);

// The same with QJsonDocument, for comparison.
void BM_DecodeQJson(benchmark::State &state) {
    const std::vector<Events> list = exchanges(256);
    size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(QJsonDocument::fromJson(list[i++ & 255].communication));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeQJson);

// The three events of one exchange into the analyser (items: events), 50,000 exchanges a
// second of clock time, so ticks, window slices and the correlation bound all take part.
void BM_IngestExchange(benchmark::State &state) {
    const std::vector<Events> list = exchanges(4096);
    StepClock clock;
    EventAnalyser analyser(clock);
    size_t i = 0;
    for (auto _ : state) {
        const Events &e = list[i++ & 4095];
        clock.advance(std::chrono::microseconds(20));
        analyser.ingest("proxy.request_intelligence", e.request);
        analyser.ingest("proxy.response_intelligence", e.response);
        analyser.ingest("proxy.communication_intelligence", e.communication);
    }
    state.SetItemsProcessed(state.iterations() * 3);
    state.counters["operations"] = analyser.operationCount();
}
BENCHMARK(BM_IngestExchange);

// GET /api/v1/patterns?window=1m for one service (of 10, 200 operations in all): what an
// event waits for, at most, once ingested, before a reader sees it in a pattern.
void BM_PatternsDocument(benchmark::State &state) {
    const std::vector<Events> list = exchanges(4096);
    StepClock clock;
    EventAnalyser analyser(clock);
    for (int i = 0; i < 50000; ++i) {
        const Events &e = list[size_t(i) & 4095];
        clock.advance(std::chrono::microseconds(1200)); // a minute of traffic
        analyser.ingest("proxy.response_intelligence", e.response);
        analyser.ingest("proxy.communication_intelligence", e.communication);
    }
    const bool all = state.range(0) == 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(analyser.patternsDocument(
            EventAnalyser::Window::OneMinute, all ? QString() : QStringLiteral("service-3")));
    }
}
BENCHMARK(BM_PatternsDocument)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Resident memory of the process, in bytes (Linux).
double residentBytes() {
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toDouble() * 4096 : 0;
}

// The snapshot the recommendation engine reads (all windows of all 200 operations); with the
// memory the analyser took for an hour of traffic of those operations, per operation.
void BM_Snapshot(benchmark::State &state) {
    const std::vector<Events> list = exchanges(4096);
    StepClock clock;
    const double before = residentBytes();
    EventAnalyser analyser(clock);
    for (int i = 0; i < 400000; ++i) { // an hour, spread over every 1 h window slot
        const Events &e = list[size_t(i) & 4095];
        clock.advance(std::chrono::microseconds(9000));
        analyser.ingest("proxy.communication_intelligence", e.communication);
    }
    state.counters["bytes_per_operation"] =
        (residentBytes() - before) / std::max(1, analyser.operationCount());
    for (auto _ : state)
        benchmark::DoNotOptimize(analyser.snapshot());
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMicrosecond);

// From publishing one communication event to the analyser having counted it, through the
// embedded Kafka cluster: the producer's linger (1 ms here), the broker, the consumer group's
// fetch and the analyser. Wall time per event, one event in flight at a time.
void BM_EventToPattern(benchmark::State &state) {
    QTemporaryDir dir;
    EmbeddedKafkaCluster cluster;
    QString error;
    const QString topic = QStringLiteral("proxy.communication_intelligence");
    if (!cluster.start(1, &error) || !cluster.createTopic(topic, 1, &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    KafkaPublisher::Options options;
    options.brokers = cluster.bootstrapServers();
    options.spoolDir = dir.path();
    options.linger = std::chrono::milliseconds(1);
    KafkaPublisher publisher(options);
    AnalyserHost::Options hostOptions;
    hostOptions.brokers = cluster.bootstrapServers();
    hostOptions.topics = {topic};
    hostOptions.fromBeginning = true;
    AnalyserHost host(hostOptions);
    if (!publisher.start(&error) || !host.start(&error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    const std::vector<Events> list = exchanges(256);
    auto publishOne = [&](size_t i) {
        OutgoingEvent event;
        event.topic = topic.toUtf8();
        event.key = QByteArray::number(qulonglong(i));
        event.value = list[i & 255].communication;
        event.ceId = event.key;
        event.ceType = "com.toolcapture.proxy.communication_intelligence.response_analysis";
        event.ceSource = "/toolcapture/proxy";
        publisher.publish(std::move(event));
    };
    auto waitFor = [&](std::uint64_t count) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (host.eventsIngested() < count && std::chrono::steady_clock::now() < deadline)
            QThread::usleep(20);
        return host.eventsIngested() >= count;
    };
    // The first event waits for the group to have its partition.
    publishOne(0);
    if (!waitFor(1)) {
        state.SkipWithError("the analyser did not see the first event");
        return;
    }
    size_t i = 1;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        publishOne(i);
        if (!waitFor(++i)) {
            state.SkipWithError("an event was not seen within 30 s");
            break;
        }
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    host.stop();
    publisher.stop(std::chrono::milliseconds(1000));
}
BENCHMARK(BM_EventToPattern)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(200);

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv); // the publisher and the host's thread are Qt objects
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
