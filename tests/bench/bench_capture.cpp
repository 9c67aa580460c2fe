#include <backend/capture/capture_batch.h>
#include <backend/capture/capture_batch_summary.h>
#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/capture/capture_store.h>
#include <backend/events/embedded_kafka_cluster.h>
#include <backend/events/event_batch.h>
#include <backend/events/event_sink.h>
#include <backend/events/kafka_publisher.h>
#include <backend/events/proxy_events.h>
#include <backend/routing/routing_brief.h>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <benchmark/benchmark.h>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <time.h>

using namespace ToolCapture;

namespace {

// A browser-ish GET as the proxy parses it: eight fields, five of them on the default list.
HttpHeaders typicalRequestHeaders() {
    return {
        {"Host", "shop.local:8090"},
        {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"},
        {"Accept", "application/json"},
        {"Accept-Encoding", "gzip, deflate, br"},
        {"Accept-Language", "en-GB,en;q=0.5"},
        {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"},
        {"X-Correlation-ID", "0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d"},
        {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
}

// The same pick as the worker's selector records it for the capture record.
RoutingBrief routingBrief() {
    RoutingBrief brief;
    brief.policy = RoutingBrief::Policy::Scoring;
    brief.candidates = 2;
    brief.available = 2;
    for (int i = 0; i < 2; ++i) {
        RoutingBrief::Drawn &d = i == 0 ? brief.chosen : brief.runnerUp;
        d.id = QStringLiteral("inventory-%1").arg(i + 1);
        d.score = 0.9134567 - i * 0.0521;
        d.performance = 0.8812345;
        d.reliability = 0.9991;
        d.load = 0.75;
        d.compatibility = 1.0;
        d.latencyMs = 4.2512 + i;
        d.successRate = 0.998;
        d.windowCalls = 812 + i;
        d.active = 3 + i;
    }
    return brief;
}

QByteArray uuid(std::mt19937_64 &random) {
    const QByteArray hex = QByteArray::number(qulonglong(random()), 16).rightJustified(16, '0') +
                           QByteArray::number(qulonglong(random()), 16).rightJustified(16, '0');
    return hex.left(8) + '-' + hex.mid(8, 4) + "-4" + hex.mid(13, 3) + '-' + hex.mid(16, 4) + '-' +
           hex.mid(20, 12);
}

// A small GET: no body, ten captured fields, a random correlation id (the index's worst
// case), one of a hundred paths.
CaptureRecord typicalRecord(std::mt19937_64 &random, int n, bool withRouting) {
    static const CaptureHeaderFilter filter{CaptureConfig{}};
    CaptureRecord r;
    r.correlationId = uuid(random);
    r.clientAddress = "127.0.0.1:" + QByteArray::number(40000 + n % 20000);
    r.acceptedAtUs = 1714564800000000 + std::int64_t(n) * 20;
    r.connectedUs = 12;
    r.firstByteUs = 850 + n % 300;
    r.doneUs = r.firstByteUs + 15;
    r.method = "GET";
    r.path = "/inventory/items/" + QByteArray::number(n % 100);
    r.status = (n % 50 == 0) ? 503 : 200;
    r.responseBytes = 312;
    r.service = QStringLiteral("inventory");
    r.instance = (n % 2) ? QStringLiteral("inventory-1") : QStringLiteral("inventory-2");
    r.attempts = 1;
    if (withRouting)
        r.routingBrief = routingBrief();
    r.breakerState = "closed";
    HttpHeaders request = typicalRequestHeaders();
    request[6].value = r.correlationId;
    filter.capture(request, r.requestHeaders);
    filter.capture({{"Content-Type", "application/json"},
                    {"Content-Length", "312"},
                    {"ETag", "\"v7\""},
                    {"Cache-Control", "max-age=5"},
                    {"Date", "Wed, 01 May 2024 12:00:00 GMT"}},
                   r.responseHeaders);
    r.responseContentType = "application/json";
    return r;
}

void BM_HeaderFilterCapture(benchmark::State &state) {
    const CaptureHeaderFilter filter{CaptureConfig{}};
    const HttpHeaders request = typicalRequestHeaders();
    for (auto _ : state) {
        // As per exchange: a fresh record's vector, grown once.
        std::vector<CapturedHeader> out;
        filter.capture(request, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeaderFilterCapture);

void BM_HeaderFilterCaptureReused(benchmark::State &state) {
    const CaptureHeaderFilter filter{CaptureConfig{}};
    const HttpHeaders request = typicalRequestHeaders();
    std::vector<CapturedHeader> out;
    for (auto _ : state) {
        // The filter alone: the vector's capacity is reused.
        out.clear();
        filter.capture(request, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeaderFilterCaptureReused);

void BM_EncodeRecord(benchmark::State &state) {
    std::mt19937_64 random(1);
    const CaptureRecord record = typicalRecord(random, 1, state.range(0) != 0);
    for (auto _ : state)
        benchmark::DoNotOptimize(encodeCaptureRecord(record));
    state.counters["bytes"] = double(encodeCaptureRecord(record).size());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeRecord)->ArgName("routing")->Arg(0)->Arg(1);

void BM_DecodeRecord(benchmark::State &state) {
    std::mt19937_64 random(1);
    const QByteArray encoded = encodeCaptureRecord(typicalRecord(random, 1, true));
    for (auto _ : state) {
        CaptureRecord record;
        benchmark::DoNotOptimize(decodeCaptureRecord(encoded, record));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeRecord);

void BM_RecordToJson(benchmark::State &state) {
    std::mt19937_64 random(1);
    const CaptureRecord record = typicalRecord(random, 1, true);
    for (auto _ : state)
        benchmark::DoNotOptimize(toJson(record).dump());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordToJson);

// The three events of one exchange (the capture thread's share of publishing, besides the
// hand-over to the sink).
void BM_BuildEvents(benchmark::State &state) {
    std::mt19937_64 random(1);
    const CaptureRecord record = typicalRecord(random, 1, state.range(0) != 0);
    ProxyEventBuilder builder;
    EventBatch events;
    qsizetype bytes = 0;
    for (auto _ : state) {
        events.clear();
        builder.build(record, events);
        bytes = events.view(events.event(0).value).size() +
                events.view(events.event(1).value).size() +
                events.view(events.event(2).value).size();
        benchmark::DoNotOptimize(events.byteCount());
    }
    state.counters["event_bytes"] = double(bytes);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildEvents)->ArgName("routing")->Arg(0)->Arg(1);

// Discards events: the hand-over to a sink, without a sink's work.
class NullSink final : public EventSink {
public:
    void publish(OutgoingEvent) override {}
    void publishBatch(std::unique_ptr<EventBatch>) override {}
};

// The capture thread's work per exchange, as CapturePipeline does it per batch: the store's
// append (count cap reached: the oldest go too) and the three events built and handed over.
// Arguments: whether records carry the routing brief; the batch (what a drain period holds:
// 500 is 20 ms at 25k exchanges/s).
void BM_CaptureThread(benchmark::State &state) {
    const bool withRouting = state.range(0) != 0;
    const int kBatch = int(state.range(1));
    constexpr std::int64_t kCap = 100000;
    QTemporaryDir dir;
    CaptureStore store;
    QString error;
    if (!store.open(dir.filePath(QStringLiteral("captures.sqlite")), 0, kCap, &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    std::mt19937_64 random(7);
    int n = 0;
    std::vector<std::vector<CaptureRecord>> batches(16);
    for (auto &batch : batches) {
        for (int i = 0; i < kBatch; ++i)
            batch.push_back(typicalRecord(random, n++, withRouting));
    }
    for (std::int64_t filled = 0; filled < kCap; filled += kBatch)
        store.append(batches[size_t(filled / kBatch) % batches.size()]);
    ProxyEventBuilder builder;
    NullSink sink;
    EventBatch events;
    size_t next = 0;
    for (auto _ : state) {
        std::vector<CaptureRecord> &batch = batches[next++ % batches.size()];
        if (!store.append(batch)) {
            state.SkipWithError(qPrintable(store.lastError()));
            return;
        }
        events.clear();
        for (const CaptureRecord &record : batch)
            builder.build(record, events);
        benchmark::DoNotOptimize(events.byteCount());
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_CaptureThread)
    ->ArgNames({"routing", "batch"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->Args({1, 50})
    ->Args({1, 200})
    ->Args({1, 500})
    ->Args({1, 1250})
    ->Unit(benchmark::kMillisecond);

// What a batch costs before any storage: encoding, the summary and LZ4, per record. Argument:
// whether records carry a routing explanation. With `file`, the packed batch is also appended
// to a plain file (the write path of an append-only segment file, the alternative to SQLite
// rows: BM_StoreAppend minus this is what SQLite adds).
void BM_BatchPack(benchmark::State &state) {
    const bool withRouting = state.range(0) != 0;
    const bool toFile = state.range(1) != 0;
    constexpr int kBatch = 1000;
    std::mt19937_64 random(7);
    std::vector<CaptureRecord> batch;
    for (int i = 0; i < kBatch; ++i)
        batch.push_back(typicalRecord(random, i, withRouting));
    QTemporaryDir dir;
    QFile segment(dir.filePath(QStringLiteral("segment")));
    if (toFile && !segment.open(QIODevice::WriteOnly)) {
        state.SkipWithError("cannot open the segment file");
        return;
    }
    QByteArray encoded;
    std::vector<qsizetype> lengths(kBatch);
    CaptureBatchSummary summary;
    QByteArray summaryBytes;
    QByteArray packed;
    for (auto _ : state) {
        encoded.resize(0);
        summary.clear();
        for (int i = 0; i < kBatch; ++i) {
            const qsizetype before = encoded.size();
            encodeCaptureRecord(batch[size_t(i)], encoded);
            lengths[size_t(i)] = encoded.size() - before;
            summary.add(batch[size_t(i)]);
        }
        summaryBytes.resize(0);
        summary.serialize(summaryBytes);
        packed.resize(0);
        CaptureBatch::pack(encoded, lengths.data(), kBatch, packed);
        if (toFile) {
            segment.write(summaryBytes);
            segment.write(packed);
            segment.flush();
        }
        benchmark::DoNotOptimize(packed.data());
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    state.counters["packed_bytes_per_record"] = double(packed.size()) / kBatch;
    state.counters["raw_bytes_per_record"] = double(encoded.size()) / kBatch;
}
BENCHMARK(BM_BatchPack)
    ->ArgNames({"routing", "file"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond);

// append() of batches of 1000 typical records. Arguments: the count cap (0: none, the store
// only grows) and whether records carry a routing explanation. With a cap the store is filled
// to it first, so every measured batch also deletes the 1000 oldest (the steady state).
void BM_StoreAppend(benchmark::State &state) {
    const std::int64_t cap = state.range(0);
    const bool withRouting = state.range(1) != 0;
    constexpr int kBatch = 1000;
    QTemporaryDir dir;
    CaptureStore store;
    QString error;
    if (!store.open(dir.filePath(QStringLiteral("captures.sqlite")), 0, cap, &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    std::mt19937_64 random(7);
    int n = 0;
    const auto makeBatch = [&] {
        std::vector<CaptureRecord> batch;
        batch.reserve(kBatch);
        for (int i = 0; i < kBatch; ++i)
            batch.push_back(typicalRecord(random, n++, withRouting));
        return batch;
    };
    // Prebuilt, so the measurement is the store's; ids are simply reassigned on each append.
    std::vector<std::vector<CaptureRecord>> batches;
    for (int i = 0; i < 64; ++i)
        batches.push_back(makeBatch());
    for (std::int64_t filled = 0; filled < cap; filled += kBatch) {
        if (!store.append(batches[size_t(filled / kBatch) % batches.size()])) {
            state.SkipWithError(qPrintable(store.lastError()));
            return;
        }
    }
    size_t next = 0;
    for (auto _ : state) {
        if (!store.append(batches[next++ % batches.size()])) {
            state.SkipWithError(qPrintable(store.lastError()));
            return;
        }
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    const CaptureStore::Stats stats = store.stats();
    store.close(); // checkpoint: the file alone holds everything
    const double fileBytes =
        double(QFileInfo(dir.filePath(QStringLiteral("captures.sqlite"))).size());
    state.counters["records"] = double(stats.records);
    state.counters["stored_bytes_per_record"] = double(stats.bytes) / double(stats.records);
    state.counters["file_bytes_per_record"] = fileBytes / double(stats.records);
}
BENCHMARK(BM_StoreAppend)
    ->ArgNames({"cap", "routing"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({200000, 0})
    ->Args({200000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Publishing, whole: the three events of each exchange built, handed to a KafkaPublisher and
// delivered by the embedded cluster (librdkafka's mock brokers, in this process), per batch of
// 1000 exchanges as the capture thread hands them over. Each iteration waits for every
// delivery report, so the process CPU time it counts (all threads: the builder's, the
// publisher's, librdkafka's and the mock broker's; less the caller's own polling for the
// reports) is the whole cost of publishing those exchanges. Reported as cpu_us_per_exchange.
// Argument: compression (0 none, 1 lz4).
void BM_PublishToEmbeddedCluster(benchmark::State &state) {
    constexpr int kBatch = 1000;
    EmbeddedKafkaCluster cluster;
    QString error;
    if (!cluster.start(1, &error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    QTemporaryDir dir;
    KafkaPublisher::Options options;
    options.brokers = cluster.bootstrapServers();
    options.spoolDir = dir.filePath(QStringLiteral("spool"));
    options.compression = state.range(0) ? QStringLiteral("lz4") : QStringLiteral("none");
    const char *extra = std::getenv("BENCH_PRODUCER_PROPERTY"); // name=value, for experiments
    if (extra && *extra) {
        const QString text = QString::fromUtf8(extra);
        const qsizetype eq = text.indexOf(u'=');
        options.producerProperties.insert(text.left(eq), text.mid(eq + 1));
    }
    KafkaPublisher publisher(options);
    if (!publisher.start(&error)) {
        state.SkipWithError(qPrintable(error));
        return;
    }
    std::mt19937_64 random(7);
    std::vector<std::vector<CaptureRecord>> batches(8);
    int n = 0;
    for (auto &batch : batches) {
        for (int i = 0; i < kBatch; ++i)
            batch.push_back(typicalRecord(random, n++, true));
    }
    ProxyEventBuilder builder;
    const auto waitDelivered = [&](std::uint64_t target) {
        while (publisher.stats().delivered + publisher.stats().failed < target)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
    };
    // Warm up: metadata, topics created, connections up.
    const auto threadCpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    };
    std::uint64_t expected = 0;
    std::int64_t waitingNs = 0; // the caller's CPU while it polls for the reports: not counted
    const auto publishOne = [&](const std::vector<CaptureRecord> &records) {
        std::unique_ptr<EventBatch> events = publisher.batchToFill();
        for (const CaptureRecord &record : records)
            builder.build(record, *events);
        expected += events->size();
        publisher.publishBatch(std::move(events));
        const std::int64_t waitStart = threadCpuNs();
        waitDelivered(expected);
        waitingNs += threadCpuNs() - waitStart;
    };
    publishOne(batches[0]);
    const auto processCpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    };
    waitingNs = 0;
    const std::int64_t cpuStart = processCpuNs();
    const std::int64_t builderStart = threadCpuNs();
    size_t next = 0;
    for (auto _ : state)
        publishOne(batches[next++ % batches.size()]);
    const std::int64_t cpuNs = processCpuNs() - cpuStart - waitingNs;
    const std::int64_t builderNs = threadCpuNs() - builderStart - waitingNs;
    const PublisherStats stats = publisher.stats();
    if (stats.failed || stats.spooled)
        state.SkipWithError("events failed or were spooled");
    state.SetItemsProcessed(state.iterations() * kBatch);
    const double exchanges = double(state.iterations() * kBatch);
    state.counters["cpu_us_per_exchange"] = double(cpuNs) / 1000.0 / exchanges;
    // Of which the caller's thread (building the events and handing them over).
    state.counters["caller_us"] = double(builderNs) / 1000.0 / exchanges;
}
BENCHMARK(BM_PublishToEmbeddedCluster)
    ->ArgName("lz4")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

int main(int argc, char **argv) {
    // The SQLite driver is a plugin: found through the application object.
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
