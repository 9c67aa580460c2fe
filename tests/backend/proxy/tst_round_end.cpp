#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/socket_watch.h>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <functional>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace ToolCapture;

namespace {

// One end of a socket pair, watched for reads: drains what came and calls back.
class Side final : public SocketWatch::Handler {
public:
    Side(int fd, std::function<void()> onRead)
        : m_fd(fd)
        , m_onRead(std::move(onRead)) {
        m_watch = std::make_unique<SocketWatch>(fd, *this);
        m_watch->setReadEnabled(true);
    }
    void onSocketReadable() override {
        char buffer[16];
        [[maybe_unused]] const auto got = ::read(m_fd, buffer, sizeof buffer);
        m_onRead();
    }
    void onSocketWritable() override {}

private:
    int m_fd;
    std::function<void()> m_onRead;
    std::unique_ptr<SocketWatch> m_watch;
};

class NoHandler final : public SocketWatch::Handler {
public:
    void onSocketReadable() override {}
    void onSocketWritable() override {}
};

class Task final : public RoundEndTask {
public:
    std::function<void()> run;
    void onRoundEnd() override { run(); }
};

// Lives in the dispatcher's thread: two sockets made ready together, so that one round of the
// loop handles both; the first one's handler defers work to the round's end.
class Harness : public QObject {
    Q_OBJECT
public:
    int pairA[2] = {-1, -1};
    int pairB[2] = {-1, -1};
    QStringList log;
    bool deferredOutsideRound = true;
    bool firstDefer = false;
    bool secondDefer = false;
    bool deferredThroughWatch = false;
    Task task;
    Task cancelled;
    Task watchClosed; // deferred through a watch that is destroyed in the same round

    ~Harness() override {
        a.reset();
        b.reset();
        for (int fd : {pairA[0], pairA[1], pairB[0], pairB[1]})
            ::close(fd);
    }

public slots:
    // Runs as a posted call: not within a round.
    void setUp() {
        auto *dispatcher =
            qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
        task.run = [this] {
            log << QStringLiteral("task");
            emit roundEnded(log);
        };
        cancelled.run = [this] { log << QStringLiteral("cancelled"); };
        watchClosed.run = [this] { log << QStringLiteral("watch closed"); };
        deferredOutsideRound = dispatcher->deferToRoundEnd(task);
        a = std::make_unique<Side>(pairA[0], [this, dispatcher] {
            log << QStringLiteral("A");
            // Queued before `task`, which reports the log: they would run, and show, first.
            dispatcher->deferToRoundEnd(cancelled);
            dispatcher->cancelRoundEnd(cancelled);
            {
                NoHandler none;
                SocketWatch closing(pairA[1], none);
                deferredThroughWatch = closing.deferToRoundEnd(watchClosed);
            }
            firstDefer = dispatcher->deferToRoundEnd(task);
            secondDefer = dispatcher->deferToRoundEnd(task); // still queued once
        });
        b = std::make_unique<Side>(pairB[0], [this] { log << QStringLiteral("B"); });
        // Both readable before the loop next waits: one round sees both.
        [[maybe_unused]] const auto one = ::write(pairA[1], "x", 1);
        [[maybe_unused]] const auto two = ::write(pairB[1], "y", 1);
    }

signals:
    void roundEnded(const QStringList &log);

private:
    std::unique_ptr<Side> a;
    std::unique_ptr<Side> b;
};

// Lives in the test's thread: passes the harness's report on.
class Relay : public QObject {
    Q_OBJECT
signals:
    void roundEnded(const QStringList &log);
};

} // namespace

// EpollEventDispatcher::deferToRoundEnd: work queued by a socket's handler runs once, after
// every other socket of the same round, and not at all when cancelled or when the SocketWatch
// it was deferred through is destroyed first; outside a round the caller is told to do the work
// itself.
class TestRoundEnd : public QObject {
    Q_OBJECT

private slots:
    void deferredWorkRunsAfterTheRound() {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        auto *harness = new Harness;
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                             harness->pairA) == 0);
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                             harness->pairB) == 0);
        harness->moveToThread(&thread);
        // The spy watches a relay in this thread, reached by a queued connection: a spy on the
        // harness itself would count a round that ended before wait() began as already seen,
        // and then wait for a second one (and append from the other thread).
        Relay relay;
        QObject::connect(harness, &Harness::roundEnded, &relay, &Relay::roundEnded,
                         Qt::QueuedConnection);
        QSignalSpy ended(&relay, &Relay::roundEnded);
        QMetaObject::invokeMethod(harness, &Harness::setUp, Qt::QueuedConnection);
        QVERIFY(ended.wait(5000));
        const QStringList log = ended.first().first().toStringList();

        QVERIFY(!harness->deferredOutsideRound);
        QVERIFY(harness->firstDefer);
        QVERIFY(harness->secondDefer);
        QVERIFY(harness->deferredThroughWatch);
        // Both handlers, in whichever order epoll gave them, then the task, once.
        QCOMPARE(log.size(), 3);
        QCOMPARE(log.last(), QStringLiteral("task"));
        QVERIFY(log.contains(QStringLiteral("A")));
        QVERIFY(log.contains(QStringLiteral("B")));
        QVERIFY(!log.contains(QStringLiteral("cancelled")));
        QVERIFY(!log.contains(QStringLiteral("watch closed")));

        QMetaObject::invokeMethod(
            harness, [harness] { delete harness; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

QTEST_GUILESS_MAIN(TestRoundEnd)
#include "tst_round_end.moc"
