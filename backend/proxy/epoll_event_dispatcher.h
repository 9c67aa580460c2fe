#pragma once

#include <QAbstractEventDispatcher>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace ToolCapture {

class SocketWatch;

// Work that waits for the end of the dispatcher's current round: every socket that was ready
// when the loop woke has been handled, and the loop is about to wait again. See
// EpollEventDispatcher::deferToRoundEnd().
class RoundEndTask {
public:
    virtual void onRoundEnd() = 0;

protected:
    RoundEndTask() = default;
    ~RoundEndTask() = default;
    RoundEndTask(const RoundEndTask &) = delete;
    RoundEndTask &operator=(const RoundEndTask &) = delete;

private:
    friend class EpollEventDispatcher;
    bool m_queued = false;
};

// A RoundEndTask that calls one member function of its owner.
template<class Owner, void (Owner::*Call)()>
class RoundEndCall final : public RoundEndTask {
public:
    explicit RoundEndCall(Owner &owner)
        : m_owner(owner) {}
    void onRoundEnd() override { (m_owner.*Call)(); }

private:
    Owner &m_owner;
};

// A Qt event dispatcher on Linux epoll for the proxy worker threads: each wake-up costs one
// epoll_wait whatever the number of descriptors, where Qt's poll dispatcher rebuilds and scans
// a pollfd array of every descriptor. Socket notifiers are level-triggered (QSocketNotifier's
// contract); posted events, queued calls, deleteLater and QTimer work as with Qt's own.
// Installed on a QThread before it starts; lives in (and is used only by) that thread, except
// wakeUp() and interrupt(), which any thread may call.
//
// NOTE: chosen over a plain edge-triggered epoll loop per worker: the workers keep Qt's
// event loop, so queued calls from the engine (drain, capture set-up, deadline checks),
// deleteLater, QTimer and QHostInfo work unchanged, and each readiness costs one epoll_wait
// amortised over the batch plus the read itself. Level-triggered, because that is
// QSocketNotifier's contract; a session switches its read notifier off only when readiness
// comes while it cannot take input, so the common request does no epoll_ctl. Not measured
// against the edge-triggered alternative (the shared bench machine was too noisy to separate
// them); the remaining per-request cost is in the session, not in the loop.
//
// The data path's own sockets use SocketWatch instead of QSocketNotifier: the dispatcher calls
// their owners directly, sparing a QEvent, QCoreApplication::notify and a signal emission per
// readiness (a few percent of a worker's time). QSocketNotifier still works for everything else
// on the thread (the listening socket, QtNetwork objects).
//
// NOTE: timers are kept in a flat vector scanned at each wake-up. A worker has a handful of
// QTimers (the per-connection deadlines live in the worker's DeadlineQueue, driven by one of
// them), so a heap would cost more than it saves here.
class EpollEventDispatcher final : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // QAbstractEventDispatcher
    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

    // SocketWatch: starts, changes or stops watching its descriptor as its directions say.
    void updateWatch(SocketWatch &socket);
    // SocketWatch: forgets it (before its descriptor is closed).
    void unwatch(SocketWatch &socket);

    // While the ready sockets of a round are being handled: queues `task` (once, however often
    // it is asked) to run after the last of them, and returns true. Otherwise (a timer, a posted
    // event, another round's end): false, and the caller does the work now.
    // NOTE: the workers write a finished response this way. A write over loopback wakes the
    // reader (wrk, a client, nginx) as a "sync" wake-up, which the scheduler places on the
    // writer's core expecting it to sleep soon; a worker that went on through the rest of the
    // round kept it waiting there. HAProxy likewise sends after its polling round.
    bool deferToRoundEnd(RoundEndTask &task);
    // Forgets a queued task (its owner is going away).
    void cancelRoundEnd(RoundEndTask &task) noexcept;

private:
    using time_point = std::chrono::steady_clock::time_point;
    // The notifiers of one descriptor; epoll's user data points here.
    struct Watch {
        int fd = -1;
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        SocketWatch *direct = nullptr;
        quint32 events = 0; // as registered with epoll
    };
    struct Timer {
        int id;
        qint64 interval;
        Qt::TimerType type;
        QObject *object;
        time_point due;
        bool firing = false;
    };

    Watch *watchOf(int fd) const;
    Watch &slotFor(int fd);
    void updateWatch(Watch *watch);
    int msUntilNextTimer(time_point now) const;
    bool fireTimers();
    void runRoundEnd();

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_interrupted{false};
    std::atomic<bool> m_wakePending{false};
    std::vector<std::unique_ptr<Watch>> m_watches; // by descriptor
    std::vector<std::unique_ptr<Watch>> m_retired; // removed during a dispatch, freed after it
    std::vector<Timer> m_timers;
    bool m_dispatching = false;
    std::vector<RoundEndTask *> m_roundEnd; // null: cancelled
};

} // namespace ToolCapture
