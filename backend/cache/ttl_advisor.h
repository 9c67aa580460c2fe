#pragma once

#include <QByteArrayView>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ToolCapture {

// The range an advised TTL is clamped to (the service's configured TTL bounds).
struct TtlBounds {
    std::chrono::seconds min{0};
    std::chrono::seconds max{0};
};

// What TtlAdvisor::advise recommends for one operation.
struct TtlAdvice {
    // The TTL to give a response of the operation, within the bounds.
    std::chrono::seconds ttl{0};
    // 0..1. With changes seen: the (approximate posterior) probability that the true mean time
    // between changes is within a factor of two of estimatedChangeInterval. Without: the
    // probability that changes are rare enough for `ttl` to meet the staleness target.
    double confidence = 0;
    // Observations of the operation since the advisor started tracking it.
    std::uint64_t observations = 0;
    // The estimated mean time between changes (1 / rate). With no change seen it is the time the
    // representation has been seen unchanged (weighted as the estimator weighs it): a lower bound.
    std::chrono::seconds estimatedChangeInterval{0};
    // Whether any observation of the operation found the representation changed.
    bool changeSeen = false;
};

// The adaptive TTL advisor of the response cache: learns per operation (an opaque key such as
// "inventory GET /items/{id}") how often its representation changes, from what revalidations
// and refetches find, and advises the TTL that keeps the chance of serving a stale copy below a
// target. Pure (no clock, no I/O) and thread-safe: any thread may call any member; operations
// are split into shards by key hash, each with its own mutex, map and recency list.
class TtlAdvisor {
public:
    struct Options {
        // The accepted probability that a stored copy is stale when served: advise() chooses
        // the TTL with P(change within ttl) = 1 - exp(-rate * ttl) = staleTarget.
        double staleTarget = 0.10;
        // Below this many observations advise() gives no advice (the caller uses the RFC 9111
        // heuristic instead).
        std::uint64_t minObservations = 3;
        // At most this many operations are tracked; the least recently observed is forgotten.
        std::size_t maxOperations = 10000;
        // The estimator's memory, counted in changes: each observed change weighs everything
        // learned before it down by exp(-1 / memoryChanges).
        double memoryChanges = 16;
        // An operation not observed for longer than this gets no advice (what was learned is
        // too old); it is forgotten at its next observation.
        std::chrono::seconds forgetAfter{std::chrono::hours{24 * 7}};
        // Lock shards (rounded down to a power of two, at most maxOperations).
        std::size_t shards = 16;
    };

    struct Stats {
        std::uint64_t observations = 0;
        std::uint64_t forgotten = 0; // operations dropped for the memory bound or their age
        std::size_t operations = 0;
    };

    TtlAdvisor();
    explicit TtlAdvisor(const Options &options);
    ~TtlAdvisor();
    TtlAdvisor(const TtlAdvisor &) = delete;
    TtlAdvisor &operator=(const TtlAdvisor &) = delete;

    // The data path revalidated or refetched a response of `operation` that it had stored for
    // `sinceLastSeen` (since it was stored or last validated) and found its validator (strong
    // ETag, else Last-Modified, else a body hash) `changed` or not, at `when`. Holding times
    // under one second count as one second.
    void observe(QByteArrayView operation, bool changed, std::chrono::seconds sinceLastSeen,
                 std::chrono::steady_clock::time_point when);

    // The advised TTL for `operation` within `bounds` (a max below min is taken as min), or
    // nullopt: fewer than minObservations observations, unknown operation, or last observed
    // more than forgetAfter before `now`.
    std::optional<TtlAdvice> advise(QByteArrayView operation, TtlBounds bounds,
                                    std::chrono::steady_clock::time_point now) const;

    // The estimated change rate (changes per second) of `operation`, without the minimum
    // observations rule; nullopt when the operation is not tracked. For tests and diagnostics.
    std::optional<double> estimatedRate(QByteArrayView operation) const;

    void forget(QByteArrayView operation);
    void clear();

    std::size_t size() const;
    Stats stats() const;
    const Options &options() const { return m_options; }
    std::size_t shardCount() const { return m_shards.size(); }

private:
    struct Shard;
    Shard &shardFor(std::uint64_t hash) const;

    Options m_options;
    std::size_t m_perShardCapacity = 0;
    double m_slowDecay = 1;
    double m_fastDecay = 1;
    std::vector<std::unique_ptr<Shard>> m_shards;
};

} // namespace ToolCapture
