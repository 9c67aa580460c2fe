#include <backend/proxy/epoll_event_dispatcher.h>
#include <backend/proxy/socket_watch.h>

#include <QSocketNotifier>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace ToolCapture;

namespace {

// A socket owner living in the dispatcher's thread: counts what the dispatcher reports.
class Probe
    : public QObject
    , public SocketWatch::Handler {
    Q_OBJECT
public:
    int fd = -1;
    std::unique_ptr<SocketWatch> watch;
    int reads = 0;
    int writes = 0;
    bool destroyOnRead = false;

    void onSocketReadable() override {
        ++reads;
        char buffer[64];
        [[maybe_unused]] const auto got = ::read(fd, buffer, sizeof buffer);
        if (destroyOnRead)
            watch.reset(); // as a session that ends in its read handler does
        emit readable(reads);
    }
    void onSocketWritable() override {
        ++writes;
        watch->setWriteEnabled(false); // level-triggered: once is enough here
        emit writable(reads);
    }

signals:
    void readable(int reads);
    void writable(int readsBefore);
    void checked(int reads, int writes);
};

} // namespace

// SocketWatch on an EpollEventDispatcher: the owner is called directly for the directions it
// enabled, never after it is destroyed, and QSocketNotifier keeps working beside it.
class TestSocketWatch : public QObject {
    Q_OBJECT

private slots:
    void init() {
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, m_pair) == 0);
        m_thread = std::make_unique<QThread>();
        m_thread->setEventDispatcher(new EpollEventDispatcher);
        m_thread->start();
        m_probe = new Probe;
        m_probe->fd = m_pair[0];
        m_probe->moveToThread(m_thread.get());
        // Received here, queued (the probe emits in its thread): a count read in this thread
        // never misses a report that came before the wait began.
        m_reads.clear();
        m_writes.clear();
        m_checks.clear();
        connect(m_probe, &Probe::readable, this, [this](int reads) { m_reads.append(reads); });
        connect(m_probe, &Probe::writable, this, [this](int before) { m_writes.append(before); });
        connect(m_probe, &Probe::checked, this, [this](int reads, int writes) {
            m_checks.append({reads, writes});
        });
    }
    void cleanup() {
        // Destroyed in its own thread, and before that thread stops (a deferred delete still
        // queued when the loop quits would never run).
        auto gone = std::make_shared<std::atomic<bool>>(false);
        connect(
            m_probe, &QObject::destroyed, m_probe, [gone] { *gone = true; }, Qt::DirectConnection);
        m_probe->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(gone->load(), 5000);
        m_thread->quit();
        QVERIFY(m_thread->wait(5000));
        m_thread.reset();
        ::close(m_pair[0]);
        ::close(m_pair[1]);
    }

    void readinessCallsTheOwner() {
        inThread([](Probe *p) {
            p->watch = std::make_unique<SocketWatch>(p->fd, *p);
            p->watch->setReadEnabled(true);
        });
        QCOMPARE(::write(m_pair[1], "x", 1), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_reads.size(), 1, 5000);
        QCOMPARE(m_reads.at(0), 1);
        // Read dry: level-triggered readiness ends; the next byte is reported again.
        QCOMPARE(::write(m_pair[1], "y", 1), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_reads.size(), 2, 5000);
        QCOMPARE(m_reads.at(1), 2);
    }

    void disabledDirectionIsNotReported() {
        QCOMPARE(::write(m_pair[1], "x", 1), 1); // readable from the start, but not watched
        inThread([](Probe *p) {
            p->watch = std::make_unique<SocketWatch>(p->fd, *p);
            p->watch->setWriteEnabled(true); // writable at once
        });
        QTRY_COMPARE_WITH_TIMEOUT(m_writes.size(), 1, 5000);
        QCOMPARE(m_writes.at(0), 0); // no read was reported before
        QCOMPARE(m_reads.size(), 0);
        inThread([](Probe *p) { p->watch->setReadEnabled(true); });
        QTRY_COMPARE_WITH_TIMEOUT(m_reads.size(), 1, 5000);
        inThread([](Probe *p) { emit p->checked(p->reads, p->writes); });
        QTRY_COMPARE_WITH_TIMEOUT(m_checks.size(), 1, 5000);
        QCOMPARE(m_checks.at(0).second, 1); // switched off in its handler: not reported again
    }

    void ownerDestroyingItInItsHandler() {
        QCOMPARE(::write(m_pair[1], "x", 1), 1);
        // Readable and writable in the same readiness: the write handler must not be called
        // once the read handler has destroyed the watch.
        inThread([](Probe *p) {
            p->destroyOnRead = true;
            p->watch = std::make_unique<SocketWatch>(p->fd, *p);
            p->watch->setReadEnabled(true);
            p->watch->setWriteEnabled(true);
        });
        QTRY_COMPARE_WITH_TIMEOUT(m_reads.size(), 1, 5000);
        QCOMPARE(::write(m_pair[1], "y", 1), 1); // no longer watched: not reported
        inThread([](Probe *p) { emit p->checked(p->reads, p->writes); });
        QTRY_COMPARE_WITH_TIMEOUT(m_checks.size(), 1, 5000);
        QCOMPARE(m_checks.at(0).first, 1);
        QCOMPARE(m_checks.at(0).second, 0);
    }

    void socketNotifiersStillWork() {
        int other[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, other) == 0);
        inThread([fd = other[0]](Probe *p) {
            p->watch = std::make_unique<SocketWatch>(p->fd, *p);
            p->watch->setReadEnabled(true);
            auto *notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, p);
            QObject::connect(notifier, &QSocketNotifier::activated, p, [p, notifier, fd] {
                char buffer[16];
                [[maybe_unused]] const auto got = ::read(fd, buffer, sizeof buffer);
                delete notifier;
                emit p->checked(p->reads, -1);
            });
        });
        QCOMPARE(::write(other[1], "n", 1), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_checks.size(), 1, 5000);
        QCOMPARE(m_checks.at(0).second, -1);
        QCOMPARE(::write(m_pair[1], "x", 1), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_reads.size(), 1, 5000);
        ::close(other[0]);
        ::close(other[1]);
    }

private:
    // Runs `f` on the probe in its thread.
    template<typename F>
    void inThread(F f) {
        Probe *probe = m_probe;
        QMetaObject::invokeMethod(
            probe, [probe, f] { f(probe); }, Qt::QueuedConnection);
    }

    int m_pair[2] = {-1, -1};
    std::unique_ptr<QThread> m_thread;
    Probe *m_probe = nullptr;
    QList<int> m_reads;                  // Probe::readable, in order
    QList<int> m_writes;                 // Probe::writable
    QList<std::pair<int, int>> m_checks; // Probe::checked
};

QTEST_GUILESS_MAIN(TestSocketWatch)
#include "tst_socket_watch.moc"
