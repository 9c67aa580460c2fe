#include <backend/metrics/proxy_metrics.h>

#include <algorithm>

namespace ToolCapture {

int latencyBucketIndex(std::chrono::microseconds latency) noexcept {
    const double ms = double(latency.count()) / 1000.0;
    const auto it = std::lower_bound(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end(), ms);
    return int(it - kLatencyBucketsMs.begin());
}

void InstanceCounters::recordLatency(std::chrono::microseconds latency) noexcept {
    latencyBuckets[size_t(latencyBucketIndex(latency))].add();
    latencySumMicros.add(std::uint64_t(std::max<std::int64_t>(0, latency.count())));
}

WorkerCounters::WorkerCounters(int instanceCount)
    : instances(std::make_unique<InstanceCounters[]>(size_t(instanceCount)))
    , instanceCount(instanceCount) {}

std::uint64_t InstanceTotals::responseCount() const noexcept {
    std::uint64_t sum = 0;
    for (std::uint64_t n : responses)
        sum += n;
    return sum;
}

double InstanceTotals::latencyQuantileMs(double q) const noexcept {
    std::uint64_t total = 0;
    for (std::uint64_t n : latencyBuckets)
        total += n;
    if (total == 0)
        return 0.0;
    const double rank = std::clamp(q, 0.0, 1.0) * double(total);
    std::uint64_t seen = 0;
    for (int i = 0; i < kLatencyBucketCount; ++i) {
        const std::uint64_t n = latencyBuckets[size_t(i)];
        if (n == 0 || double(seen + n) < rank) {
            seen += n;
            continue;
        }
        const double lower = i == 0 ? 0.0 : kLatencyBucketsMs[size_t(i - 1)];
        if (i >= int(kLatencyBucketsMs.size()))
            return lower; // +Inf bucket: the best we can say is "at least the last bound"
        const double upper = kLatencyBucketsMs[size_t(i)];
        return lower + (upper - lower) * ((rank - double(seen)) / double(n));
    }
    return kLatencyBucketsMs.back();
}

ProxyMetrics::ProxyMetrics(int workerCount, int instanceCount)
    : m_instanceCount(instanceCount) {
    for (int i = 0; i < workerCount; ++i)
        m_workers.push_back(std::make_unique<WorkerCounters>(instanceCount));
}

ProxyTotals ProxyMetrics::totals() const {
    ProxyTotals t;
    t.instances.resize(size_t(m_instanceCount));
    for (const auto &worker : m_workers) {
        t.clientConnections += worker->clientConnections.value();
        t.clientConnectionsAccepted += worker->clientConnectionsAccepted.value();
        t.requests += worker->requests.value();
        t.bytesFromClients += worker->bytesFromClients.value();
        t.bytesToClients += worker->bytesToClients.value();
        t.unrouted += worker->unrouted.value();
        t.tunnelsActive += worker->tunnelsActive.value();
        for (size_t i = 0; i < t.tunnelsEnded.size(); ++i)
            t.tunnelsEnded[i] += worker->tunnelsEnded[i].value();
        for (size_t i = 0; i < t.webSocket.size(); ++i) {
            const WebSocketCounters &c = worker->webSocket[i];
            t.webSocket[i].messages += c.messages.value();
            t.webSocket[i].messageBytes += c.messageBytes.value();
            t.webSocket[i].controlFrames += c.controlFrames.value();
            t.webSocket[i].malformedStreams += c.malformedStreams.value();
        }
        for (size_t i = 0; i < t.proxyErrors.size(); ++i)
            t.proxyErrors[i] += worker->proxyErrors[i].value();
        for (int i = 0; i < m_instanceCount; ++i) {
            const InstanceCounters &c = worker->instances[size_t(i)];
            InstanceTotals &it = t.instances[size_t(i)];
            for (size_t k = 0; k < it.responses.size(); ++k)
                it.responses[k] += c.responses[k].value();
            it.connectFailures += c.connectFailures.value();
            it.resets += c.resets.value();
            it.firstByteTimeouts += c.firstByteTimeouts.value();
            it.connectionsOpened += c.connectionsOpened.value();
            it.bytesToUpstream += c.bytesToUpstream.value();
            it.bytesFromUpstream += c.bytesFromUpstream.value();
            for (size_t k = 0; k < it.latencyBuckets.size(); ++k)
                it.latencyBuckets[k] += c.latencyBuckets[k].value();
            it.latencySumMicros += c.latencySumMicros.value();
            it.poolActive += c.poolActive.value();
            it.poolIdle += c.poolIdle.value();
            it.inFlight += c.inFlight.value();
        }
    }
    return t;
}

} // namespace ToolCapture
