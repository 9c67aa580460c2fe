#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/upstream_connection.h>
#include <backend/proxy/upstream_pool.h>
#include <backend/routing/upstream_instance.h>

#include <algorithm>

namespace ToolCapture {

UpstreamPool::UpstreamPool(UpstreamInstance &instance, InstanceCounters &counters, int workerCount,
                           const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_instance(instance)
    , m_counters(counters)
    , m_clock(clock)
    , m_maxConnections(
          std::max(1, (instance.pool().maxConnections + workerCount - 1) / workerCount))
    , m_instanceMax(std::max(1, instance.pool().maxConnections))
    , m_maxIdle(std::max(1, (instance.pool().maxIdle + workerCount - 1) / workerCount))
    , m_idleTimeout(instance.pool().idleTimeout) {}

UpstreamPool::~UpstreamPool() {
    closeIdle();
}

UpstreamConnection *UpstreamPool::lease(Waiter *waiter, bool fresh, bool verified) {
    if (!fresh) {
        while (!m_idle.empty()) {
            UpstreamConnection *connection = m_idle.back().connection;
            m_idle.pop_back();
            m_counters.poolIdle.add(-1);
            if (!connection->isReusable() || (verified && connection->peerClosedWhileIdle())) {
                destroy(connection);
                continue;
            }
            m_counters.poolActive.add(1);
            return connection;
        }
    }
    if (fresh && !m_idle.empty() && m_instance.openConnections() >= m_instanceMax) {
        // Make room for a fresh connection by closing the oldest idle one.
        destroy(m_idle.front().connection);
        m_idle.erase(m_idle.begin());
        m_counters.poolIdle.add(-1);
    }
    if (!m_instance.tryReserveConnection(m_instanceMax)) {
        m_waiters.push_back(waiter);
        return nullptr;
    }
    UpstreamConnection *connection = createConnection();
    m_counters.poolActive.add(1);
    connection->connectToUpstream();
    return connection;
}

void UpstreamPool::cancelWait(Waiter *waiter) {
    m_waiters.erase(std::remove(m_waiters.begin(), m_waiters.end(), waiter), m_waiters.end());
}

void UpstreamPool::release(UpstreamConnection *connection) {
    connection->detach();
    m_counters.poolActive.add(-1);
    // A draining instance keeps no idle connection: its service is going away.
    // A borrowed connection (beyond this worker's share) goes back unless a waiter here needs it.
    const bool borrowed = m_total > m_maxConnections && m_waiters.empty();
    if (connection->isReusable() && int(m_idle.size()) < m_maxIdle && !m_instance.isDraining() &&
        !borrowed) {
        m_idle.push_back({connection, m_clock.now()});
        m_counters.poolIdle.add(1);
    } else {
        destroy(connection);
    }
    scheduleServeWaiters();
}

void UpstreamPool::holdForTunnel(UpstreamConnection *connection) {
    // Still active: the tunnel carries the connection on. Only the object goes.
    connection->detach();
    connection->close();
    connection->deleteLater();
    ++m_tunnels;
}

void UpstreamPool::releaseTunnel() {
    Q_ASSERT(m_tunnels > 0);
    --m_tunnels;
    --m_total;
    m_counters.poolActive.add(-1);
    m_instance.releaseConnection();
    scheduleServeWaiters();
}

void UpstreamPool::scheduleServeWaiters() {
    if (!m_waiters.empty() && !m_serveScheduled) {
        // Served on the next turn of the event loop, never from inside the callbacks of the
        // exchange that just ended.
        m_serveScheduled = true;
        QMetaObject::invokeMethod(this, &UpstreamPool::serveWaiters, Qt::QueuedConnection);
    }
}

void UpstreamPool::serveWaiters() {
    m_serveScheduled = false;
    while (!m_waiters.empty()) {
        if (m_idle.empty() && m_instance.openConnections() >= m_instanceMax)
            return; // the next release schedules another round
        Waiter *waiter = m_waiters.front();
        m_waiters.pop_front();
        UpstreamConnection *connection =
            lease(waiter, waiter->needsFreshConnection(), waiter->needsVerifiedConnection());
        if (!connection) {
            // Another worker took the capacity first: lease() queued it last; first again.
            m_waiters.pop_back();
            m_waiters.push_front(waiter);
            return;
        }
        waiter->onConnectionLeased(connection);
    }
}

void UpstreamPool::expireIdle(std::chrono::steady_clock::time_point now) {
    if (m_instance.isDraining()) {
        closeIdle();
        return;
    }
    const auto keep = std::stable_partition(m_idle.begin(), m_idle.end(), [&](const Idle &idle) {
        return now - idle.since < m_idleTimeout && idle.connection->isReusable();
    });
    for (auto it = keep; it != m_idle.end(); ++it) {
        destroy(it->connection);
        m_counters.poolIdle.add(-1);
    }
    m_idle.erase(keep, m_idle.end());
}

void UpstreamPool::closeIdle() {
    for (const Idle &idle : m_idle) {
        destroy(idle.connection);
        m_counters.poolIdle.add(-1);
    }
    m_idle.clear();
}

UpstreamConnection *UpstreamPool::createConnection() {
    auto *connection = new UpstreamConnection(m_instance, this);
    ++m_total;
    m_counters.connectionsOpened.add();
    connect(connection, &UpstreamConnection::closedWhileIdle, this,
            [this](UpstreamConnection *closed) {
                const auto it = std::find_if(m_idle.begin(), m_idle.end(), [closed](const Idle &i) {
                    return i.connection == closed;
                });
                if (it == m_idle.end())
                    return; // not idle: its lessee releases it
                m_idle.erase(it);
                m_counters.poolIdle.add(-1);
                destroy(closed);
            });
    return connection;
}

void UpstreamPool::destroy(UpstreamConnection *connection) {
    --m_total;
    m_instance.releaseConnection();
    connection->close();
    connection->deleteLater();
}

} // namespace ToolCapture
