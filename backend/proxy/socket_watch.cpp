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
    if (m_dispatcher) {
        if (m_roundEnd)
            m_dispatcher->cancelRoundEnd(*m_roundEnd);
        m_dispatcher->unwatch(*this);
    }
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

bool SocketWatch::deferToRoundEnd(RoundEndTask &task) {
    Q_ASSERT(!m_roundEnd || m_roundEnd == &task);
    if (!m_dispatcher || !m_dispatcher->deferToRoundEnd(task))
        return false;
    m_roundEnd = &task;
    return true;
}

} // namespace ToolCapture
