#pragma once

#include <QPointer>

namespace ToolCapture {

class EpollEventDispatcher;
class RoundEndTask;

// A data-path socket watched by its worker's EpollEventDispatcher, which calls the owner
// directly when the socket is ready: level-triggered like QSocketNotifier, without its QEvent,
// QCoreApplication::notify and signal per readiness. Used by one proxy worker thread only,
// whose event dispatcher must be an EpollEventDispatcher.
class SocketWatch {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void onSocketReadable() = 0;
        virtual void onSocketWritable() = 0;
    };

    // Watches nothing until a direction is enabled. Destroy it before closing the descriptor.
    SocketWatch(int fd, Handler &handler);
    ~SocketWatch();
    SocketWatch(const SocketWatch &) = delete;
    SocketWatch &operator=(const SocketWatch &) = delete;

    int fd() const noexcept { return m_fd; }
    bool isReadEnabled() const noexcept { return m_read; }
    bool isWriteEnabled() const noexcept { return m_write; }
    void setReadEnabled(bool on);
    void setWriteEnabled(bool on);
    // The owner's work for the end of the dispatcher's current round (its write, mostly):
    // queued and true while a round is being handled, otherwise false and the caller does it
    // now (EpollEventDispatcher::deferToRoundEnd). Still queued when the watch is destroyed,
    // it is cancelled then: it never runs after its socket is closed. One task per watch.
    bool deferToRoundEnd(RoundEndTask &task);

private:
    friend class EpollEventDispatcher;

    QPointer<EpollEventDispatcher> m_dispatcher; // gone at thread exit: nothing left to tell
    int m_fd;
    Handler &m_handler;
    RoundEndTask *m_roundEnd = nullptr; // the last task deferred through this watch
    bool m_read = false;
    bool m_write = false;
};

} // namespace ToolCapture
