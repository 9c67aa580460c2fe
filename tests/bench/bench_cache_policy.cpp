// Replays a Zipf-distributed request trace through the response cache's store and prints the
// hit ratios of W-TinyLFU and LRU side by side, for several skews and cache sizes, with the
// time per request (a lookup, plus an insert on a miss). Not a CTest test: run by hand,
//   build/tests/bench/bench_cache_policy [--requests N] [--keys N] [--seed N] [--threads N]
#include <backend/cache/cache_store.h>

#include <QByteArray>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace ToolCapture;

namespace {

constexpr std::int64_t kMaxObject = 1024 * 1024;
constexpr auto kPerVictim = WindowTinyLfuPolicy::Admission::PerVictim;
constexpr auto kAggregated = WindowTinyLfuPolicy::Admission::AggregatedVictims;

// Ranks 1..n drawn with P(k) = k^-s / H(n, s), by inverting the exact cumulative distribution
// (binary search over the n partial sums): exact for any s > 0, including s < 1.
class ZipfGenerator {
public:
    ZipfGenerator(std::size_t n, double s)
        : m_cdf(n) {
        double sum = 0;
        for (std::size_t k = 1; k <= n; ++k) {
            sum += std::pow(double(k), -s);
            m_cdf[k - 1] = sum;
        }
        for (double &c : m_cdf)
            c /= sum;
        m_cdf.back() = 1.0;
    }
    // 0-based rank (0 is the most popular).
    template<typename Rng>
    std::size_t operator()(Rng &rng) {
        const double u = m_uniform(rng);
        return std::size_t(std::lower_bound(m_cdf.begin(), m_cdf.end(), u) - m_cdf.begin());
    }

private:
    std::vector<double> m_cdf;
    std::uniform_real_distribution<double> m_uniform{0.0, 1.0};
};

struct Object {
    QByteArray key;
    std::int64_t bytes = 0;
};

// 100 k cacheable GET responses: a 250-650 byte head and a log-normal body (median 6 KiB,
// sigma 1.3: most bodies a few KiB, a tail into the megabytes), as web object sizes are
// usually modelled. Sizes are independent of popularity.
std::vector<Object> makeObjects(std::size_t n, std::mt19937_64 &rng) {
    std::lognormal_distribution<double> body(std::log(6000.0), 1.3);
    std::uniform_int_distribution<int> head(250, 650);
    std::vector<Object> objects(n);
    for (std::size_t i = 0; i < n; ++i) {
        objects[i].key =
            "GET http://inventory.svc/items/" + QByteArray::number(qulonglong(i)) + "?fields=all";
        const double b = std::clamp(body(rng), 16.0, 8.0 * 1024 * 1024);
        objects[i].bytes = head(rng) + std::int64_t(b);
    }
    return objects;
}

// A trace of object indexes: Zipf ranks mapped through a random permutation so that popularity
// is not tied to the key's number. `byRank` keeps the mapping for the static optimum.
struct Workload {
    std::vector<std::uint32_t> byRank;
    std::vector<std::uint32_t> trace;
};

Workload makeWorkload(std::size_t requests, std::size_t keys, double s, std::mt19937_64 &rng) {
    Workload w;
    w.byRank.resize(keys);
    std::iota(w.byRank.begin(), w.byRank.end(), 0u);
    std::shuffle(w.byRank.begin(), w.byRank.end(), rng);
    ZipfGenerator zipf(keys, s);
    w.trace.resize(requests);
    for (auto &r : w.trace)
        r = w.byRank[zipf(rng)];
    return w;
}

// The hit ratio of the best fixed cache content for a policy that knew every key's true
// popularity: objects by probability per byte, greedily, until the capacity is full; replayed
// over the trace, where the first request of each key is a miss all the same (no cache can
// hold what it has never seen). An upper reference, not an online policy.
double staticOptimum(const std::vector<Object> &objects, const Workload &w, double s,
                     std::int64_t capacity, std::int64_t maxObject) {
    const std::size_t n = w.byRank.size();
    std::vector<double> p(n);
    for (std::size_t k = 0; k < n; ++k)
        p[k] = std::pow(double(k + 1), -s);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    const auto density = [&](std::size_t k) { return p[k] / double(objects[w.byRank[k]].bytes); };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return density(a) > density(b); });
    std::vector<bool> chosen(objects.size(), false);
    std::int64_t used = 0;
    for (const std::size_t k : order) {
        const std::int64_t bytes = objects[w.byRank[k]].bytes;
        if (bytes > maxObject || used + bytes > capacity)
            continue;
        used += bytes;
        chosen[w.byRank[k]] = true;
    }
    std::vector<bool> seen(objects.size(), false);
    std::size_t hits = 0;
    for (const std::uint32_t index : w.trace) {
        hits += chosen[index] && seen[index] ? 1 : 0;
        seen[index] = true;
    }
    return double(hits) / double(w.trace.size());
}

struct Result {
    double hitRatio = 0;
    double byteHitRatio = 0;
    double nsPerRequest = 0;
    std::uint64_t rejected = 0;
};

// A payload of no size: the store weighs entries by the bytes it is told.
struct Nothing final : CachePayload {};

Result replay(const std::vector<Object> &objects, const std::vector<std::uint32_t> &trace,
              CacheStore::Options options) {
    CacheStore store(options);
    const auto payload = std::make_shared<Nothing>();
    std::uint64_t hits = 0;
    std::uint64_t hitBytes = 0;
    std::uint64_t totalBytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::uint32_t index : trace) {
        const Object &object = objects[index];
        totalBytes += std::uint64_t(object.bytes);
        if (store.lookup(object.key)) {
            ++hits;
            hitBytes += std::uint64_t(object.bytes);
        } else {
            store.insert(object.key, object.bytes, payload);
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    Result r;
    r.hitRatio = double(hits) / double(trace.size());
    r.byteHitRatio = double(hitBytes) / double(totalBytes);
    r.nsPerRequest = double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
                     double(trace.size());
    r.rejected = store.stats().admissionsRejected;
    return r;
}

// The same trace split over `threads` threads against one shared store: requests per second.
double replayConcurrently(const std::vector<Object> &objects,
                          const std::vector<std::uint32_t> &trace, CacheStore::Options options,
                          int threads, double *hitRatio) {
    CacheStore store(options);
    const auto payload = std::make_shared<Nothing>();
    std::latch ready(threads + 1);
    std::vector<std::thread> workers;
    const std::size_t slice = trace.size() / std::size_t(threads);
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            ready.arrive_and_wait();
            const std::size_t end = std::size_t(t + 1) * slice;
            for (std::size_t i = std::size_t(t) * slice; i < end; ++i) {
                const Object &object = objects[trace[i]];
                if (!store.lookup(object.key))
                    store.insert(object.key, object.bytes, payload);
            }
        });
    }
    const auto start = std::chrono::steady_clock::now();
    ready.arrive_and_wait();
    for (auto &w : workers)
        w.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto stats = store.stats();
    *hitRatio = double(stats.hits) / double(stats.hits + stats.misses);
    return double(slice * std::size_t(threads)) / seconds;
}

long argument(int argc, char **argv, const char *name, long fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return std::strtol(argv[i + 1], nullptr, 10);
    }
    return fallback;
}

CacheStore::Options storeOptions(std::int64_t maxBytes, std::int64_t averageObject,
                                 std::uint64_t seed) {
    CacheStore::Options options;
    options.maxBytes = maxBytes;
    options.maxObjectBytes = kMaxObject;
    options.shards = 1;
    options.expectedObjectBytes = averageObject;
    options.hashSeed = seed;
    return options;
}

} // namespace

int main(int argc, char **argv) {
    const auto requests = std::size_t(argument(argc, argv, "--requests", 2'000'000));
    const auto keys = std::size_t(argument(argc, argv, "--keys", 100'000));
    const auto seed = std::uint64_t(argument(argc, argv, "--seed", 1));
    const int threads = int(argument(argc, argv, "--threads", 4));

    std::mt19937_64 rng(seed);
    const std::vector<Object> objects = makeObjects(keys, rng);
    std::int64_t totalBytes = 0;
    std::int64_t largest = 0;
    std::size_t tooLarge = 0;
    for (const Object &o : objects) {
        totalBytes += o.bytes;
        largest = std::max(largest, o.bytes);
        tooLarge += o.bytes > kMaxObject ? 1 : 0;
    }
    const std::int64_t average = totalBytes / std::int64_t(keys);
    std::printf("%zu requests over %zu keys (seed %llu); all objects together %.1f MiB, mean "
                "%.1f KiB, largest %.2f MiB; %zu objects above the 1 MiB per-object limit\n\n",
                requests, keys, static_cast<unsigned long long>(seed),
                double(totalBytes) / 1048576.0, double(average) / 1024.0,
                double(largest) / 1048576.0, tooLarge);
    std::printf("| Zipf s | cache size | W-TinyLFU hits | W-TinyLFU-AV hits | LRU hits | static "
                "optimum | W-TinyLFU byte hits | W-TinyLFU-AV byte hits | LRU byte hits | "
                "ns/req (W-TinyLFU, -AV, LRU) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");

    for (const double s : {0.8, 1.0, 1.2}) {
        const Workload workload = makeWorkload(requests, keys, s, rng);
        for (const double fraction : {0.01, 0.05, 0.10}) {
            const auto maxBytes = std::int64_t(double(totalBytes) * fraction);
            CacheStore::Options options = storeOptions(maxBytes, average, seed);
            options.policy = CacheStore::Policy::WindowTinyLfu;
            options.admission = WindowTinyLfuPolicy::Admission::PerVictim;
            const Result tinyLfu = replay(objects, workload.trace, options);
            options.admission = WindowTinyLfuPolicy::Admission::AggregatedVictims;
            const Result aggregated = replay(objects, workload.trace, options);
            options.policy = CacheStore::Policy::Lru;
            const Result lru = replay(objects, workload.trace, options);
            const double optimum = staticOptimum(objects, workload, s, maxBytes, kMaxObject);
            std::printf("| %.1f | %2.0f%% (%.0f MiB) | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% "
                        "| %.1f%% | %.1f%% | %.0f, %.0f, %.0f |\n",
                        s, fraction * 100, double(maxBytes) / 1048576.0, tinyLfu.hitRatio * 100,
                        aggregated.hitRatio * 100, lru.hitRatio * 100, optimum * 100,
                        tinyLfu.byteHitRatio * 100, aggregated.byteHitRatio * 100,
                        lru.byteHitRatio * 100, tinyLfu.nsPerRequest, aggregated.nsPerRequest,
                        lru.nsPerRequest);
            std::fflush(stdout);
        }
    }

    // Variants of the store on one trace (s = 1.0, 5%), one thread.
    const Workload workload = makeWorkload(requests, keys, 1.0, rng);
    const auto maxBytes = std::int64_t(double(totalBytes) * 0.05);
    std::printf("\nZipf s = 1.0, cache 5%%, one thread:\n\n| store | hit ratio | ns/req |\n"
                "|---|---|---|\n");
    struct Variant {
        const char *name;
        CacheStore::Policy policy;
        int shards;
        bool doorkeeper;
        WindowTinyLfuPolicy::Admission admission;
    };
    for (const Variant &v :
         {Variant{"W-TinyLFU-AV (the default), 1 shard", CacheStore::Policy::WindowTinyLfu, 1,
                  false, kAggregated},
          Variant{"W-TinyLFU-AV, 1 shard, doorkeeper", CacheStore::Policy::WindowTinyLfu, 1, true,
                  kAggregated},
          Variant{"W-TinyLFU-AV, 16 shards", CacheStore::Policy::WindowTinyLfu, 16, false,
                  kAggregated},
          Variant{"W-TinyLFU per victim, 1 shard", CacheStore::Policy::WindowTinyLfu, 1, false,
                  kPerVictim},
          Variant{"LRU, 1 shard", CacheStore::Policy::Lru, 1, false, kPerVictim},
          Variant{"LRU, 16 shards", CacheStore::Policy::Lru, 16, false, kPerVictim}}) {
        CacheStore::Options options = storeOptions(maxBytes, average, seed);
        options.policy = v.policy;
        options.shards = v.shards;
        options.doorkeeper = v.doorkeeper;
        options.admission = v.admission;
        const Result r = replay(objects, workload.trace, options);
        std::printf("| %s | %.1f%% | %.0f |\n", v.name, r.hitRatio * 100, r.nsPerRequest);
    }

    // The store shared by several threads: one lock (1 shard) against 16 shards.
    std::printf("\nThe same trace split over %d threads sharing one W-TinyLFU-AV store:\n\n"
                "| shards | hit ratio | requests/s (all threads) |\n|---|---|---|\n",
                threads);
    for (const int shards : {1, 16}) {
        CacheStore::Options options = storeOptions(maxBytes, average, seed);
        options.shards = shards;
        double hitRatio = 0;
        const double perSecond =
            replayConcurrently(objects, workload.trace, options, threads, &hitRatio);
        std::printf("| %d | %.1f%% | %.2f M |\n", shards, hitRatio * 100, perSecond / 1e6);
    }
    return 0;
}
