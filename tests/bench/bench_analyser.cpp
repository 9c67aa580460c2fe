// The pattern analyser's cost per event (docs/benchmarks.md, "Pattern analysis"): decoding,
// ingesting the three events of an exchange, and building the documents the API answers.
#include <backend/core/clock.h>
#include <backend/intelligence/event_analyser.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <random>

using namespace ToolCapture;

namespace {

// Time that moves only when the benchmark says so (20 µs per exchange: 50,000 exchanges/s).
class StepClock final : public Clock {
public:
    time_point now() const override { return m_now; }
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

// The snapshot the recommendation engine reads (all windows of all 200 operations).
void BM_Snapshot(benchmark::State &state) {
    const std::vector<Events> list = exchanges(4096);
    StepClock clock;
    EventAnalyser analyser(clock);
    for (int i = 0; i < 50000; ++i) {
        const Events &e = list[size_t(i) & 4095];
        clock.advance(std::chrono::microseconds(1200));
        analyser.ingest("proxy.communication_intelligence", e.communication);
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(analyser.snapshot());
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
