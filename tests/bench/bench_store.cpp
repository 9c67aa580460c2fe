#include <backend/store/intelligence_store.h>

#include <QCoreApplication>
#include <QDir>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>

#include <benchmark/benchmark.h>
#include <thread>

using namespace ToolCapture;

namespace {

// Rows written per second by the intelligence store, end to end: records queued, batched,
// written in transactions, until none is pending. The source documents ask for 10,000 writes/s
// to PostgreSQL. Argument: 0 SQLite, 1 PostgreSQL (TOOLCAPTURE_PG_URL, as
// scripts/start-postgres.sh -- build/tests/bench/bench_store sets it).
void BM_StoreWrites(benchmark::State &state) {
    QTemporaryDir dir;
    std::optional<StoreLocation> location;
    if (state.range(0) == 0) {
        location = StoreLocation::parse(dir.filePath(QStringLiteral("bench.sqlite")));
    } else {
        const QString url = qEnvironmentVariable("TOOLCAPTURE_PG_URL");
        if (url.isEmpty()) {
            state.SkipWithError("no TOOLCAPTURE_PG_URL: run under scripts/start-postgres.sh --");
            return;
        }
        location = StoreLocation::parse(url);
    }
    IntelligenceStore store({*location});
    QString error;
    // start() does not wait for the database: the measure starts once it is connected and
    // migrated.
    if (!store.start(&error) || !store.waitForFirstAttempt(std::chrono::seconds(30), &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    constexpr int kRows = 10000;
    std::vector<ExecutionRecord> records(kRows);
    for (ExecutionRecord &r : records) {
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.service = QStringLiteral("inventory");
        r.operation = QStringLiteral("GET /items/{id}");
        r.executionTimeMs = 12;
        r.intelligenceJson = R"({"attempts":1,"cache":"miss","instance":"inventory-2"})";
    }
    for (auto _ : state) {
        for (const ExecutionRecord &r : records)
            store.write(r);
        store.flushSoon();
        while (store.health().pending > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (store.health().rejected > 0)
        state.SkipWithError(qPrintable(store.health().lastError));
    state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_StoreWrites)
    ->ArgName("postgresql")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv); // the SQL drivers are plugins
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
