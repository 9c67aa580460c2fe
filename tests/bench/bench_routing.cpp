#include <backend/routing/routing_decision.h>
#include <backend/routing/scoring_selector.h>
#include <backend/routing/selection_context.h>

#include <benchmark/benchmark.h>
#include <chrono>
#include <memory>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

constexpr int kInstances = 10;

// One service of ten instances and their statistics, shared by all benchmark threads as the
// proxy workers share them; every instance has latency and success samples.
struct World {
    World()
        : stats(kInstances) {
        ServiceConfig service;
        service.name = QStringLiteral("inventory");
        for (int i = 0; i < kInstances; ++i) {
            InstanceConfig instance;
            instance.id = QStringLiteral("inv-%1").arg(i + 1);
            instance.host = QStringLiteral("127.0.0.1");
            instance.port = quint16(9101 + i);
            instance.url = QStringLiteral("http://127.0.0.1:%1").arg(instance.port);
            instance.capabilities = i % 2 ? QStringList{"v1", "v2"} : QStringList{"v1"};
            service.instances.push_back(instance);
        }
        registry = std::make_unique<ServiceRegistry>(std::vector<ServiceConfig>{service});
        const auto now = std::chrono::steady_clock::now();
        for (int i = 0; i < kInstances; ++i) {
            for (int n = 0; n < 100; ++n)
                stats[size_t(i)].recordResponse(std::chrono::milliseconds(5 + 3 * i), n % 10 != i,
                                                now);
        }
    }
    const ServiceEntry &service() const { return registry->services().front(); }

    std::unique_ptr<ServiceRegistry> registry;
    std::vector<InstanceStats> stats;
};

World &world() {
    static World w;
    return w;
}

RequestHead requestHead(bool withRequirements) {
    RequestHead head;
    head.method = "GET";
    head.target = "/inventory/items/42";
    head.headers = {{"Host", "proxy.local"}, {"User-Agent", "bench"}, {"Accept", "*/*"}};
    if (withRequirements) {
        head.headers.push_back({"X-Require-Capability", "v1"});
        head.headers.push_back({"Accept-Version", "v2, v1"});
    }
    return head;
}

// Availability as the resilience layer would give it: one breaker open, one in slow start.
class BenchFilter final : public CandidateFilter {
public:
    CandidateStatus check(const UpstreamInstance &instance,
                          std::chrono::steady_clock::time_point) const override {
        if (instance.index() == 3)
            return {Exclusion::BreakerOpen, 1.0};
        if (instance.index() == 7)
            return {Exclusion::None, 0.4};
        return {};
    }
};

// One decision: ten snapshots, ten scores, one power-of-two draw.
void BM_RoutingDecision(benchmark::State &state) {
    World &w = world();
    ScoringSelector selector(*w.registry, w.stats, {}, std::uint64_t(state.thread_index()) + 1);
    const RequestHead head = requestHead(false);
    const auto now = std::chrono::steady_clock::now();
    for (auto _ : state)
        benchmark::DoNotOptimize(selector.select(w.service(), head, now));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingDecision)->Threads(1)->Threads(2)->UseRealTime();

// A decision with requirement headers, an availability filter and a retry's avoid list.
void BM_RoutingDecisionWithContext(benchmark::State &state) {
    World &w = world();
    ScoringSelector selector(*w.registry, w.stats, {}, std::uint64_t(state.thread_index()) + 1);
    const RequestHead head = requestHead(true);
    const BenchFilter filter;
    const int failed[] = {5};
    SelectionContext context;
    context.filter = &filter;
    context.avoid = failed;
    const auto now = std::chrono::steady_clock::now();
    for (auto _ : state)
        benchmark::DoNotOptimize(selector.select(w.service(), head, now, context, nullptr));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingDecisionWithContext)->Threads(1)->Threads(2)->UseRealTime();

// The whole per-request routing cost: read the clock, decide, count the request active, record
// its outcome into the shared statistics (the threads contend on the same atomics).
void BM_RoutingDecisionAndRecord(benchmark::State &state) {
    World &w = world();
    ScoringSelector selector(*w.registry, w.stats, {}, std::uint64_t(state.thread_index()) + 1);
    const RequestHead head = requestHead(false);
    for (auto _ : state) {
        const auto now = std::chrono::steady_clock::now();
        UpstreamInstance *chosen = selector.select(w.service(), head, now);
        InstanceStats &stats = w.stats[size_t(chosen->index())];
        InstanceStats::ActiveRequest active = stats.beginRequest();
        stats.recordResponse(8ms, true, now);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingDecisionAndRecord)->Threads(1)->Threads(2)->UseRealTime();

// With an explanation (allocates: only when a capture or the admin API asks for one).
void BM_RoutingDecisionExplained(benchmark::State &state) {
    World &w = world();
    ScoringSelector selector(*w.registry, w.stats, {}, std::uint64_t(state.thread_index()) + 1);
    const RequestHead head = requestHead(true);
    const auto now = std::chrono::steady_clock::now();
    RoutingDecision decision;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            selector.select(w.service(), head, now, SelectionContext{}, &decision));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingDecisionExplained)->Threads(1)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
