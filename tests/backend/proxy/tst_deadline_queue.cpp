#include <backend/proxy/deadline_queue.h>
#include <tests/support/manual_clock.h>

#include <QRandomGenerator>
#include <QTest>

#include <memory>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;

namespace {

// Records when it fired, and may set itself again from its callback.
struct Recorder : DeadlineQueue::Owner {
    std::vector<DeadlineQueue::time_point> firedAt;
    DeadlineQueue *queue = nullptr;
    std::chrono::milliseconds again{0};
    void onDeadline(DeadlineQueue::time_point now) override {
        firedAt.push_back(now);
        if (again.count() > 0 && queue) {
            queue->schedule(*this, now + again);
            again = {};
        }
    }
};

} // namespace

// The worker's per-connection deadlines on a manual clock: each fires at the first check at
// or after its due time, never before, earliest first; moving and cancelling work at any
// position of the heap.
class TestDeadlineQueue : public QObject {
    Q_OBJECT

private slots:
    void firesInOrderAndNeverEarly_data() {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("stepMs");
        QTest::newRow("1 deadline, 1 ms steps") << 1 << 1;
        QTest::newRow("100 deadlines, 1 ms steps") << 100 << 1;
        QTest::newRow("10000 deadlines, 7 ms steps") << 10000 << 7;
    }
    void firesInOrderAndNeverEarly() {
        QFETCH(int, count);
        QFETCH(int, stepMs);
        ManualClock clock;
        DeadlineQueue queue;
        QRandomGenerator random(42);
        std::vector<std::unique_ptr<Recorder>> owners;
        const auto start = clock.now();
        for (int i = 0; i < count; ++i) {
            owners.push_back(std::make_unique<Recorder>());
            queue.schedule(*owners.back(),
                           start + std::chrono::milliseconds(random.bounded(1, 5000)));
        }
        QCOMPARE(queue.size(), count);
        DeadlineQueue::time_point last = start;
        int fired = 0;
        while (!queue.isEmpty()) {
            clock.advance(std::chrono::milliseconds(stepMs));
            const auto now = clock.now();
            const auto before = queue.next();
            const int n = queue.fireDue(now);
            if (before > now)
                QCOMPARE(n, 0); // nothing fires early
            fired += n;
            QVERIFY(queue.isEmpty() || queue.next() > now); // nothing due is left behind
            QVERIFY(now >= last);
            last = now;
        }
        QCOMPARE(fired, count);
        for (const auto &owner : owners) {
            QCOMPARE(owner->firedAt.size(), size_t(1));
            const auto due = queue.dueOf(*owner);
            // At the first check at or after the due time: within one step, never before.
            QVERIFY(owner->firedAt[0] >= due);
            QVERIFY(owner->firedAt[0] - due < std::chrono::milliseconds(stepMs));
            QVERIFY(!queue.isScheduled(*owner));
        }
    }

    void moveAndCancel() {
        ManualClock clock;
        DeadlineQueue queue;
        const auto t0 = clock.now();
        Recorder a, b, c, d;
        queue.schedule(a, t0 + 10ms);
        queue.schedule(b, t0 + 20ms);
        queue.schedule(c, t0 + 30ms);
        queue.schedule(d, t0 + 40ms);
        queue.schedule(d, t0 + 5ms);  // earlier: to the top
        queue.schedule(a, t0 + 35ms); // later: down
        queue.cancel(b);              // from the middle
        queue.cancel(b);              // twice is harmless
        QCOMPARE(queue.size(), 3);
        QCOMPARE(queue.next(), t0 + 5ms);
        QCOMPARE(queue.fireDue(t0 + 4ms), 0);
        QCOMPARE(queue.fireDue(t0 + 5ms), 1);
        QCOMPARE(d.firedAt.size(), size_t(1));
        QCOMPARE(queue.fireDue(t0 + 34ms), 1); // c at 30
        QCOMPARE(c.firedAt.size(), size_t(1));
        QVERIFY(b.firedAt.empty());
        QCOMPARE(queue.fireDue(t0 + 35ms), 1);
        QCOMPARE(a.firedAt.at(0), t0 + 35ms);
        QVERIFY(queue.isEmpty());
    }

    // An owner that sets its next deadline from its callback (a connection going from header
    // read to idle) is rescheduled, not lost; one due already fires in the same call.
    void rescheduleFromCallback() {
        ManualClock clock;
        DeadlineQueue queue;
        Recorder r;
        r.queue = &queue;
        r.again = 100ms;
        const auto t0 = clock.now();
        queue.schedule(r, t0 + 10ms);
        QCOMPARE(queue.fireDue(t0 + 10ms), 1);
        QVERIFY(queue.isScheduled(r));
        QCOMPARE(queue.next(), t0 + 110ms);
        QCOMPARE(queue.fireDue(t0 + 109ms), 0);
        QCOMPARE(queue.fireDue(t0 + 110ms), 1);
        QCOMPARE(r.firedAt.size(), size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestDeadlineQueue)
#include "tst_deadline_queue.moc"
