#pragma once

#include <QPointer>

namespace ToolCapture {

class EpollEventDispatcher;

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
    // The worker thread's dispatcher; null once it is gone (thread exit).
    EpollEventDispatcher *dispatcher() const noexcept;

private:
    friend class EpollEventDispatcher;

    QPointer<EpollEventDispatcher> m_dispatcher; // gone at thread exit: nothing left to tell
    int m_fd;
    Handler &m_handler;
    bool m_read = false;
    bool m_write = false;
};

} // namespace ToolCapture
