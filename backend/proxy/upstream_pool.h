#pragma once

#include <backend/core/clock.h>

#include <QObject>

#include <chrono>
#include <deque>
#include <vector>

namespace ToolCapture {

struct InstanceCounters;
class UpstreamConnection;
class UpstreamInstance;

// Keep-alive connections of one proxy worker to one upstream instance: idle connections are
// reused most-recent-first and expire after the idle timeout; beyond that, requests wait in
// order for a connection to be released. Lives in a proxy worker's thread.
//
// NOTE: each worker has its own pool (no lock shared between workers), with a share of the
// instance's limits (max/N, rounded up) that it keeps idle at most. Beyond its share a pool
// borrows: it opens a connection whenever the instance's count over all workers (one atomic)
// is below the configured maximum, so max_connections is a per-instance figure; a borrowed
// connection is closed when released rather than kept idle, which gives the capacity back.
// A request waiting in one worker's queue is not woken by another worker's release: it gets
// the next connection its own worker frees, or its pool-wait timeout.
// A WebSocket tunnel keeps the place of the connection it took over (holdForTunnel) until it
// ends: open tunnels count against max_connections like connections carrying a request.
class UpstreamPool final : public QObject {
    Q_OBJECT
public:
    // Someone waiting for a connection.
    class Waiter {
    public:
        virtual ~Waiter() = default;
        virtual void onConnectionLeased(UpstreamConnection *connection) = 0;
        // Whether its request needs a verified connection (lease()'s `verified`).
        virtual bool needsVerifiedConnection() const noexcept { return false; }
        // Whether its request needs a connection of its own, never an idle one (lease()'s
        // `fresh`).
        virtual bool needsFreshConnection() const noexcept { return false; }
    };

    UpstreamPool(UpstreamInstance &instance, InstanceCounters &counters, int workerCount,
                 const Clock &clock, QObject *parent);
    ~UpstreamPool() override;

    // An idle connection (connected), a new one (connecting; the listener hears
    // onUpstreamReady), or nullptr when the pool is full: then `waiter` is queued and
    // onConnectionLeased follows when a connection is released (or cancelWait()).
    // `verified`: an idle connection is first checked for a close the worker has not read yet
    // (UpstreamConnection::peerClosedWhileIdle), for requests that cannot be sent twice.
    UpstreamConnection *lease(Waiter *waiter, bool fresh = false, bool verified = false);
    void cancelWait(Waiter *waiter);
    // Gives a connection back after an exchange: kept if reusable, closed otherwise.
    void release(UpstreamConnection *connection);
    // A leased connection whose descriptor a tunnel took (UpstreamConnection::takeDescriptor):
    // the object goes, but its place in this pool's count and in the instance's stays taken
    // until releaseTunnel(), called once when the tunnel ends.
    void holdForTunnel(UpstreamConnection *connection);
    // Gives back a place held by holdForTunnel; a request waiting here may take it.
    void releaseTunnel();
    // Closes idle connections past their idle timeout, or all of them once the instance drains.
    void expireIdle(std::chrono::steady_clock::time_point now);
    void closeIdle();

    int size() const noexcept { return m_total; } // tunnels held included
    int tunnelCount() const noexcept { return m_tunnels; }
    int idleCount() const noexcept { return int(m_idle.size()); }
    int maxConnections() const noexcept { return m_maxConnections; } // this worker's share

private:
    struct Idle {
        UpstreamConnection *connection;
        std::chrono::steady_clock::time_point since;
    };
    UpstreamConnection *createConnection();
    void destroy(UpstreamConnection *connection);
    void serveWaiters();
    void scheduleServeWaiters();

    UpstreamInstance &m_instance;
    InstanceCounters &m_counters;
    const Clock &m_clock;
    int m_maxConnections; // this worker's share, kept idle at most
    int m_instanceMax;    // over every worker
    int m_maxIdle;
    std::chrono::milliseconds m_idleTimeout;
    int m_total = 0;
    int m_tunnels = 0;        // places held by open tunnels (in m_total)
    std::vector<Idle> m_idle; // most recently released last
    std::deque<Waiter *> m_waiters;
    bool m_serveScheduled = false;
};

} // namespace ToolCapture
