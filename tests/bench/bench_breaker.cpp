#include <backend/core/clock.h>
#include <backend/resilience/circuit_breaker.h>

#include <benchmark/benchmark.h>
#include <chrono>
#include <memory>

using namespace ToolCapture;

namespace {

// One breaker shared by all benchmark threads, as one instance's breaker is shared by the
// proxy workers; the real monotonic clock (record() reads it once).
CircuitBreaker &sharedBreaker() {
    static CircuitBreaker breaker(QStringLiteral("bench-1"), BreakerConfig{},
                                  SteadyClock::instance());
    return breaker;
}

// One admission: tryAcquire() on a closed breaker, then record() of a successful outcome.
void BM_BreakerAdmission(benchmark::State &state) {
    CircuitBreaker &breaker = sharedBreaker();
    for (auto _ : state) {
        BreakerPermit permit = breaker.tryAcquire();
        benchmark::DoNotOptimize(permit.admitted());
        breaker.record(std::move(permit),
                       CallOutcome{CallOutcome::Kind::Success, std::chrono::milliseconds(3)});
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BreakerAdmission)->Threads(1)->Threads(2)->UseRealTime();

// The same with a time-based window (a compare-and-swap on the current bucket).
void BM_BreakerAdmissionTimeWindow(benchmark::State &state) {
    static CircuitBreaker breaker(
        QStringLiteral("bench-2"),
        [] {
            BreakerConfig config;
            config.window = BreakerConfig::Window::Time;
            return config;
        }(),
        SteadyClock::instance());
    for (auto _ : state) {
        BreakerPermit permit = breaker.tryAcquire();
        benchmark::DoNotOptimize(permit.admitted());
        breaker.record(std::move(permit),
                       CallOutcome{CallOutcome::Kind::Success, std::chrono::milliseconds(3)});
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BreakerAdmissionTimeWindow)->Threads(1)->Threads(2)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
