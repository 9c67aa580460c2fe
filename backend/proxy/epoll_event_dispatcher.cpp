#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/socket_watch.h>

#include <QCoreApplication>
#include <QSocketNotifier>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ToolCapture {

namespace {
constexpr int kMaxEvents = 256;
} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent) {
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll < 0 || m_wakeFd < 0)
        qFatal("epoll_create1/eventfd failed: %s", strerror(errno));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr; // the wake-up descriptor
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event);
}

EpollEventDispatcher::~EpollEventDispatcher() {
    ::close(m_wakeFd);
    ::close(m_epoll);
}

EpollEventDispatcher::Watch *EpollEventDispatcher::watchOf(int fd) const {
    return size_t(fd) < m_watches.size() ? m_watches[size_t(fd)].get() : nullptr;
}

EpollEventDispatcher::Watch &EpollEventDispatcher::slotFor(int fd) {
    if (size_t(fd) >= m_watches.size())
        m_watches.resize(size_t(fd) + 1);
    std::unique_ptr<Watch> &slot = m_watches[size_t(fd)];
    if (!slot) {
        slot = std::make_unique<Watch>();
        slot->fd = fd;
    }
    return *slot;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier) {
    const int fd = int(notifier->socket());
    if (fd < 0)
        return;
    Watch &slot = slotFor(fd);
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        slot.read = notifier;
        break;
    case QSocketNotifier::Write:
        slot.write = notifier;
        break;
    case QSocketNotifier::Exception:
        slot.exception = notifier;
        break;
    }
    updateWatch(&slot);
}

void EpollEventDispatcher::updateWatch(SocketWatch &socket) {
    if (socket.m_fd < 0)
        return;
    Watch *watch = watchOf(socket.m_fd);
    if (!watch) {
        if (!socket.m_read && !socket.m_write)
            return; // not watched, and nothing to watch
        watch = &slotFor(socket.m_fd);
    }
    watch->direct = &socket;
    updateWatch(watch);
}

void EpollEventDispatcher::unwatch(SocketWatch &socket) {
    Watch *watch = socket.m_fd >= 0 ? watchOf(socket.m_fd) : nullptr;
    if (!watch || watch->direct != &socket)
        return;
    watch->direct = nullptr;
    updateWatch(watch);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier) {
    Watch *watch = watchOf(int(notifier->socket()));
    if (!watch)
        return;
    if (watch->read == notifier)
        watch->read = nullptr;
    if (watch->write == notifier)
        watch->write = nullptr;
    if (watch->exception == notifier)
        watch->exception = nullptr;
    updateWatch(watch);
}

void EpollEventDispatcher::updateWatch(Watch *watch) {
    quint32 events = 0;
    if (watch->read || (watch->direct && watch->direct->m_read))
        events |= EPOLLIN;
    if (watch->write || (watch->direct && watch->direct->m_write))
        events |= EPOLLOUT;
    if (watch->exception)
        events |= EPOLLPRI;
    if (events == watch->events)
        return;
    epoll_event event{};
    event.events = events;
    event.data.ptr = watch;
    if (events == 0) {
        // The descriptor may be closed already (then epoll forgot it by itself).
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, watch->fd, &event);
        watch->direct = nullptr; // a SocketWatch watching nothing registers again when it does
        std::unique_ptr<Watch> &slot = m_watches[size_t(watch->fd)];
        // Events of this dispatch may still point at it: freed once the dispatch is over.
        if (m_dispatching)
            m_retired.push_back(std::move(slot));
        slot.reset();
        return;
    }
    const int op = watch->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (::epoll_ctl(m_epoll, op, watch->fd, &event) != 0)
        qWarning("epoll_ctl(%d) failed: %s", watch->fd, strerror(errno));
    watch->events = events;
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object) {
    const auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval);
    m_timers.push_back({timerId, interval, timerType, object, due});
}

bool EpollEventDispatcher::unregisterTimer(int timerId) {
    for (auto it = m_timers.begin(); it != m_timers.end(); ++it) {
        if (it->id == timerId) {
            m_timers.erase(it);
            return true;
        }
    }
    return false;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object) {
    const auto before = m_timers.size();
    std::erase_if(m_timers, [object](const Timer &timer) { return timer.object == object; });
    return m_timers.size() != before;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const {
    QList<TimerInfo> timers;
    for (const Timer &timer : m_timers) {
        if (timer.object == object)
            timers.append(TimerInfo(timer.id, int(timer.interval), timer.type));
    }
    return timers;
}

int EpollEventDispatcher::remainingTime(int timerId) {
    const auto now = std::chrono::steady_clock::now();
    for (const Timer &timer : m_timers) {
        if (timer.id == timerId) {
            if (timer.due <= now)
                return 0;
            return int(std::chrono::ceil<std::chrono::milliseconds>(timer.due - now).count());
        }
    }
    return -1;
}

void EpollEventDispatcher::wakeUp() {
    if (m_wakePending.exchange(true, std::memory_order_acq_rel))
        return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(m_wakeFd, &one, sizeof one);
}

void EpollEventDispatcher::interrupt() {
    m_interrupted.store(true, std::memory_order_release);
    wakeUp();
}

int EpollEventDispatcher::msUntilNextTimer(time_point now) const {
    if (m_timers.empty())
        return -1;
    time_point next = time_point::max();
    for (const Timer &timer : m_timers)
        next = std::min(next, timer.due);
    if (next <= now)
        return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return int(std::min<std::int64_t>(ms, INT_MAX));
}

bool EpollEventDispatcher::fireTimers() {
    if (m_timers.empty())
        return false;
    const auto now = std::chrono::steady_clock::now();
    // Collected first: a timer event may register or unregister timers.
    int due[32];
    int count = 0;
    for (Timer &timer : m_timers) {
        if (timer.due <= now && !timer.firing && count < 32)
            due[count++] = timer.id;
    }
    for (int i = 0; i < count; ++i) {
        auto it = std::find_if(m_timers.begin(), m_timers.end(),
                               [id = due[i]](const Timer &timer) { return timer.id == id; });
        if (it == m_timers.end())
            continue; // killed by an earlier one
        it->due = now + std::chrono::milliseconds(it->interval);
        it->firing = true;
        QObject *object = it->object;
        const int id = it->id;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        it = std::find_if(m_timers.begin(), m_timers.end(),
                          [id](const Timer &timer) { return timer.id == id; });
        if (it != m_timers.end())
            it->firing = false;
    }
    return count > 0;
}

bool EpollEventDispatcher::deferToRoundEnd(RoundEndTask &task) {
    if (!m_dispatching)
        return false;
    if (!task.m_queued) {
        task.m_queued = true;
        m_roundEnd.push_back(&task);
    }
    return true;
}

void EpollEventDispatcher::cancelRoundEnd(RoundEndTask &task) noexcept {
    if (!task.m_queued)
        return;
    task.m_queued = false;
    for (RoundEndTask *&queued : m_roundEnd) {
        if (queued == &task)
            queued = nullptr;
    }
}

void EpollEventDispatcher::runRoundEnd() {
    // By index: a task may cancel one after it (its owner destroyed), never add one (the round
    // is over, so deferToRoundEnd() refuses).
    for (size_t i = 0; i < m_roundEnd.size(); ++i) {
        RoundEndTask *task = m_roundEnd[i];
        if (!task)
            continue;
        task->m_queued = false;
        task->onRoundEnd();
    }
    m_roundEnd.clear();
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags) {
    m_interrupted.store(false, std::memory_order_relaxed);
    emit awake();
    QCoreApplication::sendPostedEvents();
    if (m_interrupted.load(std::memory_order_acquire))
        return false;

    // A post from any thread during the posted events above wrote the wake-up descriptor:
    // epoll_wait then returns at once, so nothing posted is left waiting.
    const bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents);
    const auto now = std::chrono::steady_clock::now();
    int timeout = flags.testFlag(QEventLoop::X11ExcludeTimers) ? -1 : msUntilNextTimer(now);
    if (!canWait)
        timeout = 0;
    if (timeout != 0)
        emit aboutToBlock();

    epoll_event events[kMaxEvents];
    int ready;
    do {
        ready = ::epoll_wait(m_epoll, events, kMaxEvents, timeout);
    } while (ready < 0 && errno == EINTR);
    if (timeout != 0)
        emit awake();

    bool handled = false;
    const bool notifiers = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    m_dispatching = true;
    for (int i = 0; i < ready; ++i) {
        const epoll_event &event = events[i];
        auto *watch = static_cast<Watch *>(event.data.ptr);
        if (!watch) {
            m_wakePending.store(false, std::memory_order_release);
            std::uint64_t count;
            [[maybe_unused]] const auto got = ::read(m_wakeFd, &count, sizeof count);
            continue;
        }
        if (!notifiers)
            continue;
        handled = true;
        // Each handler and notifier is read again before use: the one before may have removed
        // it (a removed SocketWatch leaves a null here; the Watch itself stays until the end
        // of the dispatch).
        if (watch->direct && watch->direct->m_read &&
            (event.events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            watch->direct->m_handler.onSocketReadable();
        if (watch->direct && watch->direct->m_write &&
            (event.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
            watch->direct->m_handler.onSocketWritable();
        if (!watch->read && !watch->write && !watch->exception)
            continue;
        QEvent activate(QEvent::SockAct);
        if ((event.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && watch->read)
            QCoreApplication::sendEvent(watch->read, &activate);
        if ((event.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && watch->write)
            QCoreApplication::sendEvent(watch->write, &activate);
        if ((event.events & EPOLLPRI) && watch->exception)
            QCoreApplication::sendEvent(watch->exception, &activate);
    }
    m_dispatching = false;
    runRoundEnd();
    m_retired.clear();
    if (!flags.testFlag(QEventLoop::X11ExcludeTimers))
        handled = fireTimers() || handled;
    return handled;
}

} // namespace ToolCapture
