#include <backend/cache/ttl_advisor.h>

#include <QByteArray>

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

using namespace ToolCapture;

namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

constexpr std::size_t kOperations = 1000;

// Operation keys as the data path builds them: service, method, path template.
const std::vector<QByteArray> &operationKeys() {
    static const std::vector<QByteArray> keys = [] {
        std::vector<QByteArray> k;
        for (std::size_t i = 0; i < kOperations * 16; ++i)
            k.push_back("inventory GET /items/{id}/variant" + QByteArray::number(qulonglong(i)));
        return k;
    }();
    return keys;
}

// One advisor shared by all benchmark threads (as the proxy workers share one), with
// state.range(0) shards, holding kOperations operations that have been observed 20 times.
TtlAdvisor &sharedAdvisor(std::size_t shards) {
    static std::unique_ptr<TtlAdvisor> advisors[2];
    static std::mutex mutex;
    std::lock_guard lock(mutex); // benchmark threads start together
    std::unique_ptr<TtlAdvisor> &slot = advisors[shards == 1 ? 0 : 1];
    if (!slot) {
        TtlAdvisor::Options options;
        options.shards = shards;
        slot = std::make_unique<TtlAdvisor>(options);
        for (std::size_t i = 0; i < kOperations; ++i)
            for (int n = 1; n <= 20; ++n)
                slot->observe(operationKeys()[i], n % 10 == 0, seconds{60},
                              TimePoint{} + seconds{n});
    }
    return *slot;
}

// observe() of a known operation (the common case: a revalidation of an operation seen before),
// one change in ten.
void BM_Observe(benchmark::State &state) {
    TtlAdvisor &advisor = sharedAdvisor(std::size_t(state.range(0)));
    const auto &keys = operationKeys();
    std::size_t i = std::size_t(state.thread_index()) * 97;
    std::int64_t clock = 100;
    for (auto _ : state) {
        advisor.observe(keys[i % kOperations], i % 10 == 0, seconds{60},
                        TimePoint{} + seconds{++clock});
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Observe)
    ->Arg(1)
    ->Arg(16)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime()
    ->ArgName("shards");

// advise() of a known operation.
void BM_Advise(benchmark::State &state) {
    TtlAdvisor &advisor = sharedAdvisor(std::size_t(state.range(0)));
    const auto &keys = operationKeys();
    const TtlBounds bounds{seconds{1}, seconds{86400}};
    std::size_t i = std::size_t(state.thread_index()) * 97;
    for (auto _ : state) {
        auto advice = advisor.advise(keys[i % kOperations], bounds, TimePoint{} + seconds{100});
        benchmark::DoNotOptimize(advice);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Advise)->Arg(1)->Arg(16)->Threads(1)->Threads(2)->Threads(4)->UseRealTime()->ArgName(
    "shards");

// observe() of operations that are not tracked, at the memory bound: each one forgets the least
// recently observed (16 x more distinct operations than room).
void BM_ObserveNewAtBound(benchmark::State &state) {
    TtlAdvisor::Options options;
    options.maxOperations = kOperations;
    TtlAdvisor advisor(options);
    const auto &keys = operationKeys();
    std::size_t i = 0;
    for (auto _ : state) {
        advisor.observe(keys[i % keys.size()], false, seconds{60}, TimePoint{} + seconds{1});
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["operations"] = double(advisor.size());
}
BENCHMARK(BM_ObserveNewAtBound);

} // namespace

BENCHMARK_MAIN();
