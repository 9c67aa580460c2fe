#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/socket_watch.h>

namespace ToolCapture {

SocketWatch::SocketWatch(int fd, Handler &handler)
    : m_dispatcher(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()))
    , m_fd(fd)
    , m_handler(handler) {
    if (!m_dispatcher)
        qFatal("SocketWatch needs a thread running an EpollEventDispatcher");
}

SocketWatch::~SocketWatch() {
    m_read = false;
    m_write = false;
    if (m_dispatcher)
        m_dispatcher->unwatch(*this);
}

void SocketWatch::setReadEnabled(bool on) {
    if (m_read == on)
        return;
    m_read = on;
    if (m_dispatcher)
        m_dispatcher->updateWatch(*this);
}

void SocketWatch::setWriteEnabled(bool on) {
    if (m_write == on)
        return;
    m_write = on;
    if (m_dispatcher)
        m_dispatcher->updateWatch(*this);
}

EpollEventDispatcher *SocketWatch::dispatcher() const noexcept {
    return m_dispatcher.data();
}

} // namespace ToolCapture
