#include <backend/intelligence/latency_sketch.h>
#include <backend/intelligence/path_templater.h>
#include <backend/intelligence/rolling_window.h>

#include <benchmark/benchmark.h>
#include <random>

using namespace ToolCapture;

namespace {

// One latency into a sketch (the analyser does this per exchange and window).
void BM_SketchAdd(benchmark::State &state) {
    std::mt19937_64 random(1);
    std::lognormal_distribution<double> latency(1.0, 1.0);
    std::vector<double> values(4096);
    for (double &v : values)
        v = latency(random);
    LatencySketch sketch;
    size_t i = 0;
    for (auto _ : state)
        sketch.add(values[i++ & 4095]);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SketchAdd);

// p99 of a sketch of a realistic spread.
void BM_SketchQuantile(benchmark::State &state) {
    std::mt19937_64 random(1);
    std::lognormal_distribution<double> latency(1.0, 1.0);
    LatencySketch sketch;
    for (int i = 0; i < 100000; ++i)
        sketch.add(latency(random));
    for (auto _ : state)
        benchmark::DoNotOptimize(sketch.quantile(0.99));
}
BENCHMARK(BM_SketchQuantile);

// A path to its template: a mix of static routes, ids and uuids, as an API sees them.
void BM_TemplateFor(benchmark::State &state) {
    std::mt19937_64 random(2);
    std::vector<QByteArray> paths;
    const char *routes[] = {"users", "orders", "items", "carts", "payments"};
    for (int i = 0; i < 4096; ++i) {
        const QByteArray route = routes[random() % 5];
        switch (random() % 3) {
        case 0:
            paths.push_back("/api/v1/" + route + "/" +
                            QByteArray::number(qulonglong(random() % 100000)));
            break;
        case 1:
            paths.push_back("/api/v1/" + route + "/0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d/items?x=1");
            break;
        default:
            paths.push_back("/api/v1/" + route);
        }
    }
    PathTemplater templater;
    size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(templater.templateFor(paths[i++ & 4095]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateFor);

// One exchange into a 1 min window.
void BM_WindowAdd(benchmark::State &state) {
    RollingWindow window(std::chrono::seconds(60), 12);
    auto now = RollingWindow::TimePoint(std::chrono::hours(1));
    for (auto _ : state) {
        now += std::chrono::microseconds(20);
        window.add(now, {3.5, false, true, true});
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WindowAdd);

} // namespace

BENCHMARK_MAIN();
