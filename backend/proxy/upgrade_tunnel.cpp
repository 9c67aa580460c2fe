#include <backend/core/clock.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/socket_io.h>
#include <backend/proxy/upgrade_tunnel.h>

#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {
constexpr qsizetype kTunnelReadChunk = 64 * 1024;
} // namespace

static_assert(UpgradeTunnel::kEndCount == int(kTunnelEndReasons.size()));

const char *UpgradeTunnel::toString(End end) noexcept {
    return kTunnelEndReasons[size_t(end)];
}

UpgradeTunnel::UpgradeTunnel(Listener &listener, const Clock &clock, WorkerCounters &counters,
                             int clientFd, int upstreamFd)
    : m_listener(listener)
    , m_clock(clock)
    , m_counters(counters) {
    m_client.tunnel = this;
    m_client.peer = &m_upstream;
    m_client.fd = clientFd;
    m_client.isClient = true;
    m_upstream.tunnel = this;
    m_upstream.peer = &m_client;
    m_upstream.fd = upstreamFd;
}

UpgradeTunnel::~UpgradeTunnel() {
    closeSide(m_client, false);
    closeSide(m_upstream, false);
}

void UpgradeTunnel::closeSide(Side &side, bool hard) {
    side.watch.reset(); // before close(): the dispatcher forgets the descriptor
    if (side.fd < 0)
        return;
    if (hard) {
        const linger reset{1, 0};
        ::setsockopt(side.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    ::close(side.fd);
    side.fd = -1;
}

void UpgradeTunnel::start(QByteArrayView toClient, QByteArrayView upstreamEarly,
                          QByteArrayView toUpstream, QByteArrayView clientEarly, bool clientEof) {
    m_lastActivity = m_clock.now();
    m_client.out.reserve(kTunnelReadChunk);
    m_client.out.append(toClient).append(upstreamEarly);
    m_upstream.received = upstreamEarly.size();
    m_upstream.out.append(toUpstream).append(clientEarly);
    m_client.received = clientEarly.size();
    count(m_upstream, upstreamEarly.data(), upstreamEarly.size());
    count(m_client, clientEarly.data(), clientEarly.size());
    m_client.watch = std::make_unique<SocketWatch>(m_client.fd, m_client);
    m_upstream.watch = std::make_unique<SocketWatch>(m_upstream.fd, m_upstream);
    if (clientEof) {
        m_client.readEnded = true;
        m_anyClosed = true;
        m_firstClose = End::ClientClosed;
    }
    if (!flushTo(m_client) || !flushTo(m_upstream))
        return;
    settle();
}

void UpgradeTunnel::stop(End end, bool hard) {
    if (m_ended)
        return;
    m_ended = true;
    closeSide(m_client, hard);
    closeSide(m_upstream, hard);
    m_listener.onTunnelEnded(end);
}

void UpgradeTunnel::fail(Side &side) {
    // A side that had shut down its sending side and then refuses what it is sent closed for
    // good (a WebSocket peer closing after its Close frame): still a clean end.
    if (side.readEnded && m_anyClosed) {
        stop(m_firstClose, true);
        return;
    }
    stop(side.isClient ? End::ClientReset : End::UpstreamReset, true);
}

void UpgradeTunnel::onReadable(Side &from) {
    Side &to = *from.peer;
    if (m_ended)
        return;
    bool progressed = false;
    while (!from.readEnded && to.pending() < kMaxPendingBytes) {
        // Straight into what the other side is owed: no copy beyond the kernel's.
        const qsizetype before = to.out.size();
        to.out.resize(before +
                      kTunnelReadChunk); // keeps the capacity (at most the bound and a chunk)
        qsizetype got = 0;
        const SocketIo::Result result =
            SocketIo::read(from.fd, to.out.data() + before, kTunnelReadChunk, got);
        to.out.resize(before + got);
        if (result == SocketIo::Result::WouldBlock)
            break;
        if (result == SocketIo::Result::Error) {
            fail(from);
            return;
        }
        if (result == SocketIo::Result::EndOfStream) {
            from.readEnded = true;
            if (!m_anyClosed) {
                m_anyClosed = true;
                m_firstClose = from.isClient ? End::ClientClosed : End::UpstreamClosed;
            }
            break;
        }
        from.received += got;
        count(from, to.out.constData() + before, got);
        if (!progressed) {
            // Stamped before the bytes go on: whoever sees them sees the activity counted.
            m_lastActivity = m_clock.now();
            progressed = true;
        }
        if (!to.writeShut && !flushTo(to))
            return;
    }
    if (!flushTo(to))
        return;
    settle();
}

void UpgradeTunnel::count(Side &from, const char *data, qsizetype size) {
    if (size <= 0)
        return;
    const WebSocketMessageStats before = from.meter.stats();
    from.meter.consume(data, size);
    const WebSocketMessageStats &after = from.meter.stats();
    WebSocketCounters &counters = m_counters.webSocket[from.isClient ? 0 : 1];
    if (after.messages != before.messages)
        counters.messages.add(std::uint64_t(after.messages - before.messages));
    if (after.dataBytes != before.dataBytes)
        counters.messageBytes.add(std::uint64_t(after.dataBytes - before.dataBytes));
    if (after.controlFrames != before.controlFrames)
        counters.controlFrames.add(std::uint64_t(after.controlFrames - before.controlFrames));
    if (after.malformed != before.malformed)
        counters.malformedStreams.add();
}

void UpgradeTunnel::onWritable(Side &to) {
    if (m_ended)
        return;
    if (!flushTo(to))
        return;
    settle();
}

bool UpgradeTunnel::flushTo(Side &to) {
    if (to.fd < 0 || to.writeShut)
        return true;
    if (to.pending() > 0) {
        const SocketIo::Result result = SocketIo::flush(to.fd, to.out, to.outPos);
        if (result == SocketIo::Result::Error || result == SocketIo::Result::EndOfStream) {
            fail(to);
            return false;
        }
    }
    if (to.pending() == 0 && to.peer->readEnded) {
        // Everything the peer sent before its FIN is written: pass the FIN on.
        ::shutdown(to.fd, SHUT_WR);
        to.writeShut = true;
        to.out.resize(0);
        to.outPos = 0;
    }
    return true;
}

void UpgradeTunnel::settle() {
    if (m_ended)
        return;
    if (m_client.writeShut && m_upstream.writeShut) {
        stop(m_firstClose, false); // both directions done
        return;
    }
    for (Side *side : {&m_client, &m_upstream}) {
        // Level-triggered readiness: a side is watched only for what it can do now.
        side->watch->setReadEnabled(!side->readEnded && side->peer->pending() < kMaxPendingBytes);
        side->watch->setWriteEnabled(!side->writeShut && side->pending() > 0);
    }
}

} // namespace ToolCapture
