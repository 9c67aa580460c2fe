#pragma once

#include <backend/http/websocket_frame_meter.h>
#include <backend/proxy/socket_watch.h>

#include <QByteArray>
#include <QByteArrayView>

#include <chrono>
#include <memory>

namespace ToolCapture {

class Clock;
struct WorkerCounters;

// The two connections of an exchange that switched to WebSocket (an upstream's 101), joined:
// what one side sends is written to the other as it comes, in order, unchanged. On the way the
// frame headers are read (a WebSocketFrameMeter each way, over the bytes already read) to count
// the messages; bytes that stop being frames only stop the counting.
// Each socket is read until it would block and written until it would block; a side is not read
// while the other side is owed more than kMaxPendingBytes, so memory stays bounded whatever the
// peers do (TCP flow control slows the faster one). A FIN from one side becomes a shutdown of
// our sending side towards the other once what it is owed has been written; the tunnel ends when
// both directions are shut, or at the first error, or when stopped (idle timeout, shutdown).
// Lives in a proxy worker's thread; owned by the ClientSession whose exchange it carries on.
class UpgradeTunnel final {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Why a tunnel ended. "Closed": that side shut down its sending side first and the other
    // followed (a clean end); "reset": a read or write on that side failed.
    enum class End {
        ClientClosed,
        UpstreamClosed,
        IdleTimeout,
        ClientReset,
        UpstreamReset,
        Shutdown
    };
    static constexpr int kEndCount = 6;
    static const char *toString(End end) noexcept; // "client-closed", ...

    class Listener {
    public:
        virtual ~Listener() = default;
        // Both descriptors are closed already; the tunnel does nothing more and may be deleted
        // (not from inside this call).
        virtual void onTunnelEnded(End end) = 0;
    };

    static constexpr qint64 kMaxPendingBytes = 256 * 1024;

    // Takes over both descriptors (non-blocking, connected) and closes them when it ends.
    // `counters`: the worker's, where the messages are counted as they pass.
    UpgradeTunnel(Listener &listener, const Clock &clock, WorkerCounters &counters, int clientFd,
                  int upstreamFd);
    ~UpgradeTunnel();
    UpgradeTunnel(const UpgradeTunnel &) = delete;
    UpgradeTunnel &operator=(const UpgradeTunnel &) = delete;

    // Starts copying. `toClient`: the 101 head not yet written to the client; `upstreamEarly`:
    // what the upstream sent after its 101 head; `clientEarly`: what the client sent after its
    // request head before the 101; `clientEof`: the client already shut down its sending side.
    // May end the tunnel before it returns (onTunnelEnded).
    // `toUpstream`: the request head not yet written to the upstream (counted as no payload).
    void start(QByteArrayView toClient, QByteArrayView upstreamEarly, QByteArrayView toUpstream,
               QByteArrayView clientEarly, bool clientEof);
    // Ends it now: both connections are closed (hard: reset).
    void stop(End end, bool hard);

    bool isEnded() const noexcept { return m_ended; }
    time_point lastActivity() const noexcept { return m_lastActivity; }
    qint64 bytesFromClient() const noexcept { return m_client.received; }
    qint64 bytesFromUpstream() const noexcept { return m_upstream.received; }
    const WebSocketMessageStats &messagesFromClient() const noexcept {
        return m_client.meter.stats();
    }
    const WebSocketMessageStats &messagesFromUpstream() const noexcept {
        return m_upstream.meter.stats();
    }

private:
    struct Side final : SocketWatch::Handler {
        UpgradeTunnel *tunnel = nullptr;
        Side *peer = nullptr;
        int fd = -1;
        bool isClient = false;
        std::unique_ptr<SocketWatch> watch;
        QByteArray out;            // owed to this side, from outPos on
        qsizetype outPos = 0;      // what the kernel took already
        qint64 received = 0;       // bytes read from this side (and its early bytes)
        bool readEnded = false;    // this side shut down its sending side
        bool writeShut = false;    // we shut down ours towards it
        WebSocketFrameMeter meter; // the frames this side sent

        qint64 pending() const noexcept { return out.size() - outPos; }
        // SocketWatch::Handler
        void onSocketReadable() override { tunnel->onReadable(*this); }
        void onSocketWritable() override { tunnel->onWritable(*this); }
    };

    void onReadable(Side &from);
    void onWritable(Side &to);
    // What `from` sent, through its meter and into the worker's counters.
    void count(Side &from, const char *data, qsizetype size);
    // Writes what `to` is owed, then shuts down towards it if its peer ended; false when the
    // tunnel ended.
    bool flushTo(Side &to);
    // Ends the tunnel when both directions are shut; otherwise watches what is worth watching.
    void settle();
    void fail(Side &side);
    void closeSide(Side &side, bool hard);

    Listener &m_listener;
    const Clock &m_clock;
    WorkerCounters &m_counters;
    Side m_client;
    Side m_upstream;
    time_point m_lastActivity;
    End m_firstClose = End::ClientClosed; // whichever side sent its FIN first
    bool m_anyClosed = false;
    bool m_ended = false;
};

} // namespace ToolCapture
