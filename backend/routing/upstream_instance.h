#pragma once

#include <backend/config/proxy_config.h>

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>

namespace ToolCapture {

// One upstream instance as every worker sees it: fixed identity and limits, plus state shared
// through atomics (no lock on the request path).
class UpstreamInstance {
public:
    // dynamic: registered while running rather than read from the configuration.
    UpstreamInstance(int index, int serviceIndex, const InstanceConfig &config,
                     const ServiceConfig &service, bool dynamic = false);

    int index() const noexcept { return m_index; } // global, 0..instanceCount-1
    int serviceIndex() const noexcept { return m_serviceIndex; }
    const QString &id() const noexcept { return m_id; }
    const QString &url() const noexcept { return m_url; }
    const QHostAddress &address() const noexcept { return m_address; } // null for a host name
    const QString &host() const noexcept { return m_host; }
    quint16 port() const noexcept { return m_port; }
    const QStringList &capabilities() const noexcept { return m_capabilities; }
    const PoolConfig &pool() const noexcept { return m_pool; }
    // As configured; the first-byte timeout in force is firstByteTimeout().
    const TimeoutConfig &timeouts() const noexcept { return m_timeouts; }
    // The first-byte timeout (a live setting of the service): any thread reads it, the engine
    // thread sets it; a request waiting already keeps the deadline it has.
    std::chrono::milliseconds firstByteTimeout() const noexcept {
        return std::chrono::milliseconds(m_firstByteMs.load(std::memory_order_relaxed));
    }
    void setFirstByteTimeout(std::chrono::milliseconds timeout) noexcept {
        m_firstByteMs.store(timeout.count(), std::memory_order_relaxed);
    }
    bool isDynamic() const noexcept { return m_dynamic; }

    // A draining instance gets no new requests; those in flight finish. Any thread reads it,
    // the engine thread sets it (lifecycle hooks: a service stopped, or started again).
    bool isDraining() const noexcept { return m_draining.load(std::memory_order_acquire); }
    void setDraining(bool draining) noexcept {
        m_draining.store(draining, std::memory_order_release);
    }

    // Passive reachability: a connect failure takes the instance out of rotation for a while.
    // NOTE: the active health checks and breakers of the resilience layer replace this mark
    // as the source of truth; it stays as the cheapest signal that a port is closed.
    bool isReachable(std::chrono::steady_clock::time_point now) const noexcept;
    void markUnreachable(std::chrono::steady_clock::time_point until) noexcept;

    // The instance's connections over every worker's pool: a pool opens one only if this stays
    // within `max` (lock-free), so the configured limit is per instance, not per worker.
    bool tryReserveConnection(int max) noexcept {
        int open = m_openConnections.load(std::memory_order_relaxed);
        while (open < max) {
            if (m_openConnections.compare_exchange_weak(open, open + 1, std::memory_order_acq_rel))
                return true;
        }
        return false;
    }
    void releaseConnection() noexcept { m_openConnections.fetch_sub(1, std::memory_order_acq_rel); }
    int openConnections() const noexcept {
        return m_openConnections.load(std::memory_order_relaxed);
    }

private:
    int m_index;
    int m_serviceIndex;
    QString m_id;
    QString m_url;
    QString m_host;
    QHostAddress m_address;
    quint16 m_port;
    QStringList m_capabilities;
    PoolConfig m_pool;
    TimeoutConfig m_timeouts;
    bool m_dynamic;
    std::atomic<std::int64_t> m_firstByteMs;
    std::atomic<bool> m_draining{false};
    std::atomic<std::int64_t> m_unreachableUntilNs{0};
    std::atomic<int> m_openConnections{0};
};

} // namespace ToolCapture
