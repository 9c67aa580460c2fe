#pragma once

#include <backend/metrics/local_counter.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace ToolCapture {

// Upper bounds of the latency histogram buckets, in milliseconds (the last bucket is +Inf).
// From 5 ms to 1.5 s no bound is more than 1.5 times the one before, so that a quantile
// interpolated within a bucket is at most half again the true one (with 250 then 500, the console
// showed a p99 of 470 ms for exchanges that all took 251 ms); below 1 ms, where upstreams on the
// same host answer, 0.1, 0.25 and 0.5 (with 1 as the first bound every such instance read as a
// p50 of 0.5 ms). Every bound of the first, coarser list is kept: Prometheus series for those
// `le` values go on.
inline constexpr std::array<double, 28> kLatencyBucketsMs{
    0.1, 0.25, 0.5, 1,   2.5, 5,   7.5, 10,  15,   20,   25,   35,   50,    75,
    100, 150,  200, 250, 300, 400, 500, 750, 1000, 1500, 2500, 5000, 10000, 30000};
inline constexpr int kLatencyBucketCount = int(kLatencyBucketsMs.size()) + 1;

// Index of the bucket a latency falls in.
int latencyBucketIndex(std::chrono::microseconds latency) noexcept;

// Why a WebSocket tunnel ended, in UpgradeTunnel::End's order: the capture's tunnel_end and the
// reason label of toolcapture_tunnels_ended_total.
inline constexpr std::array<const char *, 6> kTunnelEndReasons{"client-closed",  "upstream-closed",
                                                               "idle-timeout",   "client-reset",
                                                               "upstream-reset", "shutdown"};

// The directions of a WebSocket tunnel, in the order of WorkerCounters::webSocket: the direction
// label of toolcapture_websocket_*_total.
inline constexpr std::array<const char *, 2> kWebSocketDirections{"client_to_upstream",
                                                                  "upstream_to_client"};

// What WebSocket tunnels carried one way, counted from the frames as they passed.
struct WebSocketCounters {
    LocalCounter messages;         // data messages whose last frame passed
    LocalCounter messageBytes;     // payload bytes of data frames
    LocalCounter controlFrames;    // close, ping, pong
    LocalCounter malformedStreams; // tunnels whose bytes stopped parsing as frames this way
};

// What one worker saw of one upstream instance. Written by that worker only.
struct InstanceCounters {
    std::array<LocalCounter, 6> responses; // [1..5]: status class of the upstream's response
    LocalCounter connectFailures;          // refused, unreachable, connect timeout
    LocalCounter resets;                   // reset or closed before/while responding
    LocalCounter firstByteTimeouts;
    LocalCounter connectionsOpened;
    LocalCounter bytesToUpstream;
    LocalCounter bytesFromUpstream;
    std::array<LocalCounter, kLatencyBucketCount> latencyBuckets; // request sent to response end
    LocalCounter latencySumMicros;
    LocalGauge poolActive; // connections carrying a request or an open WebSocket tunnel
    LocalGauge poolIdle;   // connections kept for reuse
    LocalGauge inFlight;   // requests routed to the instance and not yet done

    void recordLatency(std::chrono::microseconds latency) noexcept;
};

// Everything one proxy worker counts. Written by that worker only, read by the engine.
struct WorkerCounters {
    explicit WorkerCounters(int instanceCount);

    std::unique_ptr<InstanceCounters[]> instances; // indexed by global instance index
    int instanceCount = 0;
    LocalGauge clientConnections;
    LocalCounter clientConnectionsAccepted;
    LocalCounter requests; // request heads accepted from clients
    LocalCounter bytesFromClients;
    LocalCounter bytesToClients;
    std::array<LocalCounter, 200> proxyErrors; // responses the proxy produced, status 400..599
    LocalCounter unrouted;                     // requests that matched no service
    LocalGauge tunnelsActive;                  // WebSocket tunnels open
    std::array<LocalCounter, kTunnelEndReasons.size()> tunnelsEnded;      // by kTunnelEndReasons
    std::array<WebSocketCounters, kWebSocketDirections.size()> webSocket; // by direction
};

// Plain-value totals over all workers for one instance.
struct InstanceTotals {
    std::array<std::uint64_t, 6> responses{};
    std::uint64_t connectFailures = 0;
    std::uint64_t resets = 0;
    std::uint64_t firstByteTimeouts = 0;
    std::uint64_t connectionsOpened = 0;
    std::uint64_t bytesToUpstream = 0;
    std::uint64_t bytesFromUpstream = 0;
    std::array<std::uint64_t, kLatencyBucketCount> latencyBuckets{}; // not cumulative
    std::uint64_t latencySumMicros = 0;
    std::int64_t poolActive = 0;
    std::int64_t poolIdle = 0;
    std::int64_t inFlight = 0;

    std::uint64_t responseCount() const noexcept;
    // Latency at quantile q (0..1) interpolated within histogram buckets; 0 without data.
    double latencyQuantileMs(double q) const noexcept;
};

// Plain-value totals of WebSocketCounters.
struct WebSocketTotals {
    std::uint64_t messages = 0;
    std::uint64_t messageBytes = 0;
    std::uint64_t controlFrames = 0;
    std::uint64_t malformedStreams = 0;
};

// Plain-value totals over all workers.
struct ProxyTotals {
    std::vector<InstanceTotals> instances;
    std::int64_t clientConnections = 0;
    std::uint64_t clientConnectionsAccepted = 0;
    std::uint64_t requests = 0;
    std::uint64_t bytesFromClients = 0;
    std::uint64_t bytesToClients = 0;
    std::array<std::uint64_t, 200> proxyErrors{}; // status 400..599
    std::uint64_t unrouted = 0;
    std::int64_t tunnelsActive = 0;
    std::array<std::uint64_t, kTunnelEndReasons.size()> tunnelsEnded{};
    std::array<WebSocketTotals, kWebSocketDirections.size()> webSocket{};
};

// Owns one WorkerCounters per worker and sums them on request (engine thread).
class ProxyMetrics {
public:
    ProxyMetrics(int workerCount, int instanceCount);
    WorkerCounters &worker(int index) { return *m_workers[size_t(index)]; }
    int workerCount() const { return int(m_workers.size()); }
    ProxyTotals totals() const;

private:
    std::vector<std::unique_ptr<WorkerCounters>> m_workers;
    int m_instanceCount;
};

} // namespace ToolCapture
