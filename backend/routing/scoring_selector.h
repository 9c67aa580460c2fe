#pragma once

#include <backend/config/proxy_config.h>
#include <backend/routing/candidate_filter.h>
#include <backend/routing/instance_selector.h>
#include <backend/routing/instance_stats.h>

#include <QByteArrayList>

#include <cstdint>
#include <span>
#include <vector>

namespace ToolCapture {

// Routes each request to a well-scoring instance of its service: every available candidate gets
// a score from its live statistics and the request's requirements, and a power-of-two-choices
// draw between two of them picks the better, so traffic leans toward the best without herding
// onto it. Owned by one proxy worker (plain members, no lock); the InstanceStats are shared.
//
// Parts, each in [0, 1]:
//  performance   (fastest + floor) / (own + floor) over the peak-EWMA latencies of the
//                available candidates: 1.0 is the fastest, 0.1 ten times slower. Relative, so
//                it means the same for a 2 ms and a 2 s service; the floor (1 ms) keeps
//                sub-millisecond noise from looking like a tenfold difference. A candidate
//                without a sample yet is taken as the mean of those with one (neutral).
//  reliability   success rate in the window, smoothed toward the service's pooled success
//                rate with kPriorCalls pseudo-calls: (s + k p) / (n + k). So an instance
//                without data scores like its peers (0.5 if nobody has data), neither favoured
//                nor starved, and one early failure does not sink it.
//  load          1 - active / RoutingConfig::capacity, clamped.
//  compatibility X-Require-Capability (comma list): every capability must be among the
//                instance's, else it is excluded as incompatible. Accept-Version (comma list,
//                most preferred first; the "version bridge"): 1.0 if the instance has the first
//                version, kLaterVersionScore if only a later one, kBridgedVersionScore if none
//                (it can still answer, through a bridge, but only when nothing better is at
//                hand). 1.0 without either header.
// Score = normalised RoutingConfig weights · parts.
// A draining instance (deregistered by a lifecycle hook) is excluded before the filter is asked.
// Slow start: a candidate's weight in (0, 1] (CandidateStatus::weight) scales its share of the
// traffic: when it wins a draw it keeps the request with that probability, else the other
// candidate of the draw takes it. NOTE: not a factor on the score: with a strict comparison a
// score × 0.9 already loses nearly every draw against its peers, so a ramp would be a step.
class ScoringSelector final : public InstanceSelector {
public:
    static constexpr std::chrono::nanoseconds kLatencyFloor = std::chrono::milliseconds(1);
    static constexpr double kPriorCalls = 2.0;
    static constexpr double kNoDataPrior = 0.5;
    static constexpr double kLaterVersionScore = 0.75;
    static constexpr double kBridgedVersionScore = 0.5;
    // Scores closer than this are equal for the draw (measurement noise, not a difference).
    static constexpr double kScoreTieBand = 0.02;
    static constexpr int kMaxHeaderLines = 4; // per requirement header; NOTE: more are ignored

    // stats: indexed by UpstreamInstance::index(), registry.instanceCapacity() of them (instances
    // registered later are routed to as soon as the registry publishes them).
    // routing: per service index; services beyond its end use RoutingConfig's defaults.
    ScoringSelector(const ServiceRegistry &registry, std::span<const InstanceStats> stats,
                    std::vector<RoutingConfig> routing = {}, std::uint64_t seed = 0);

    // InstanceSelector
    UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                             std::chrono::steady_clock::time_point now) override;

    // Live setting (the owner's thread): the weights of `serviceIndex` from its next request.
    void setWeights(int serviceIndex, const RoutingConfig &routing);
    UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                             std::chrono::steady_clock::time_point now,
                             const SelectionContext &context, RoutingDecision *explain) override;
    UpstreamInstance *select(const ServiceEntry &service, const RequestHead &head,
                             std::chrono::steady_clock::time_point now,
                             const SelectionContext &context, RoutingDecision *explain,
                             RoutingBrief *brief) override;

private:
    struct Weights {
        double performance, reliability, load, compatibility;
        double capacity;
    };
    struct Candidate {
        UpstreamInstance *instance;
        InstanceStats::Snapshot stats;
        Exclusion exclusion;
        bool avoided;
        double weight;
        double performance, reliability, load, compatibility, score;
    };

    static Weights weightsOf(const RoutingConfig &config);
    const Weights &weightsFor(int serviceIndex) const noexcept;
    const QByteArrayList &capabilitiesOf(const UpstreamInstance &instance);
    std::uint64_t nextRandom() noexcept;
    void explainInto(RoutingDecision &explain, const ServiceEntry &service, size_t count,
                     const RequestHead &head, int chosen, int runnerUp, int available,
                     bool slowStartYielded);
    void briefInto(RoutingBrief &brief, size_t count, int chosen, int runnerUp, int available,
                   bool slowStartYielded) const;

    std::span<const InstanceStats> m_stats;
    std::vector<Weights> m_weights; // per service
    Weights m_defaultWeights;
    std::uint64_t m_random;
    std::vector<Candidate> m_candidates; // scratch, sized for the largest service
    std::vector<int> m_available;        // scratch
    // Capabilities per instance index as Latin-1, compared without converting on each request;
    // converted at construction, or on first sight for an instance registered later.
    std::vector<QByteArrayList> m_capabilities;
    std::vector<bool> m_capabilitiesKnown;
    QByteArrayList m_foreignCapabilities;
};

} // namespace ToolCapture
