#include <backend/engine/store_host.h>
#include <backend/events/event_batch.h>
#include <backend/events/proxy_events.h>
#include <backend/proxy/correlation_id_generator.h>
#include <backend/store/intelligence_store.h>

#include <QCoreApplication>
#include <QDir>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>

#include <benchmark/benchmark.h>
#include <chrono>
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

// What reading an exchange's communication and response events (as ProxyEventBuilder writes
// them for a small GET) into a communication_intelligence row costs the store's thread (the
// tap only copies the events on the capture thread: BM_TapHandOver).
void BM_TapCommunicationRow(benchmark::State &state) {
    CaptureRecord r;
    r.correlationId = "3f0b6c1e-2a4d-4c8e-9f10-0a1b2c3d4e5f";
    r.acceptedAtUs = 1714564800000000;
    r.connectedUs = 12;
    r.firstByteUs = 850;
    r.doneUs = 865;
    r.method = "GET";
    r.path = "/inventory/items/42";
    r.status = 200;
    r.responseBytes = 312;
    r.service = QStringLiteral("inventory");
    r.instance = QStringLiteral("inventory-1");
    r.attempts = 1;
    r.breakerState = "closed";
    r.requestHeaders = {{"accept", "application/json"}, {"user-agent", "bench/1"}};
    r.responseHeaders = {{"cache-control", "max-age=5"}, {"etag", "\"v7\""}};
    r.responseContentType = "application/json";
    ProxyEventBuilder builder;
    EventBatch batch;
    builder.build(r, batch);
    QByteArray communication, response;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const QByteArrayView topic = batch.view(batch.event(i).topic);
        if (topic == QByteArrayView(ProxyTopics::kCommunicationIntelligence))
            communication = batch.view(batch.event(i).value).toByteArray();
        else if (topic == QByteArrayView(ProxyTopics::kResponseIntelligence))
            response = batch.view(batch.event(i).value).toByteArray();
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(StoreEventTap::communicationRecord(communication, response));
    state.SetItemsProcessed(state.iterations());
    state.counters["event_bytes"] = double(communication.size() + response.size());
}
BENCHMARK(BM_TapCommunicationRow);

// What the tap costs the capture thread per exchange: a batch of 100 exchanges' events looked
// at and the two events of each copied to the store's queue (a store that is not started:
// nothing is written, the queue is emptied between batches by a fresh store).
void BM_TapHandOver(benchmark::State &state) {
    ProxyEventBuilder builder;
    EventBatch batch;
    for (int i = 0; i < 100; ++i) {
        CaptureRecord r;
        r.correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
        r.acceptedAtUs = 1714564800000000 + i;
        r.doneUs = 865;
        r.method = "GET";
        r.path = "/inventory/items/42";
        r.status = 200;
        r.service = QStringLiteral("inventory");
        r.instance = QStringLiteral("inventory-1");
        r.attempts = 1;
        builder.build(r, batch);
    }
    QTemporaryDir dir;
    for (auto _ : state) {
        state.PauseTiming();
        auto store = std::make_unique<IntelligenceStore>(IntelligenceStore::Options{
            *StoreLocation::parse(dir.filePath(QStringLiteral("unused.sqlite")))});
        StoreEventTap tap(*store, nullptr);
        auto copy = std::make_unique<EventBatch>(batch);
        state.ResumeTiming();
        tap.publishBatch(std::move(copy));
        state.PauseTiming();
        store.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_TapHandOver);

// The engine's path end to end: exchanges' events through the tap (as the capture thread hands
// them over, 100 exchanges a batch) until their communication_intelligence rows are committed:
// the store's thread reads each exchange's events and writes the row. Argument as
// BM_StoreWrites.
void BM_StoreCommunicationRowsThroughTap(benchmark::State &state) {
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
    if (!store.start(&error) || !store.waitForFirstAttempt(std::chrono::seconds(30), &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    StoreEventTap tap(store, nullptr);
    ProxyEventBuilder builder;
    CorrelationIdGenerator correlationIds;
    // Fresh events (fresh event ids: the rows' ids) for each iteration, made untimed. As on the
    // proxy: exchanges 100 µs apart from now on (10,000 a second), correlation ids made for
    // their time, event ids (version 7) for the events' time.
    const auto makeBatches = [&builder, &correlationIds] {
        using namespace std::chrono;
        const std::int64_t startUs =
            duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
        std::vector<std::unique_ptr<EventBatch>> batches;
        for (int b = 0; b < 100; ++b) {
            batches.push_back(std::make_unique<EventBatch>());
            for (int i = 0; i < 100; ++i) {
                CaptureRecord r;
                r.acceptedAtUs = startUs + (b * 100 + i) * 100;
                r.correlationId = correlationIds.next(r.acceptedAtUs / 1000);
                r.connectedUs = 12;
                r.firstByteUs = 850;
                r.doneUs = 865;
                r.method = "GET";
                r.path = "/inventory/items/" + QByteArray::number(i);
                r.status = 200;
                r.responseBytes = 312;
                r.service = QStringLiteral("inventory");
                r.instance = QStringLiteral("inventory-1");
                r.attempts = 1;
                r.breakerState = "closed";
                builder.build(r, *batches.back());
            }
        }
        return batches;
    };
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<std::unique_ptr<EventBatch>> batches = makeBatches();
        state.ResumeTiming();
        for (std::unique_ptr<EventBatch> &batch : batches)
            tap.publishBatch(std::move(batch));
        store.flushSoon();
        while (store.health().pending > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (store.health().rejected > 0)
        state.SkipWithError(qPrintable(store.health().lastError));
    state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_StoreCommunicationRowsThroughTap)
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
