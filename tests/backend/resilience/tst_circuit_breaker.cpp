#include <backend/resilience/circuit_breaker.h>
#include <tests/support/manual_clock.h>

#include <QTest>

#include <atomic>
#include <deque>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

using namespace ToolCapture;
using namespace std::chrono_literals;
using Kind = CallOutcome::Kind;

namespace {

// One step of a state-machine scenario, and the state expected right after it.
struct Step {
    enum class Op {
        Call,    // tryAcquire (must be admitted) + record(kind, ms)
        Refused, // tryAcquire must be refused
        Hold,    // tryAcquire must admit a probe; the permit is kept
        Finish,  // record the oldest held permit with (kind, ms)
        Drop,    // destroy the oldest held permit unrecorded
        Advance, // move the clock by ms
        Tick,    // control-path tick()
        Mode,    // setMode(mode)
    };
    Op op;
    Kind kind = Kind::Success;
    int ms = 10;
    BreakerMode mode = BreakerMode::Auto;
    BreakerState expected = BreakerState::Closed;
};

Step call(Kind kind, BreakerState expected, int ms = 10) {
    return {Step::Op::Call, kind, ms, BreakerMode::Auto, expected};
}
Step refused(BreakerState expected) {
    return {Step::Op::Refused, Kind::Success, 0, BreakerMode::Auto, expected};
}
Step hold(BreakerState expected = BreakerState::HalfOpen) {
    return {Step::Op::Hold, Kind::Success, 0, BreakerMode::Auto, expected};
}
Step finish(Kind kind, BreakerState expected, int ms = 10) {
    return {Step::Op::Finish, kind, ms, BreakerMode::Auto, expected};
}
Step drop(BreakerState expected) {
    return {Step::Op::Drop, Kind::Success, 0, BreakerMode::Auto, expected};
}
Step advance(int ms, BreakerState expected) {
    return {Step::Op::Advance, Kind::Success, ms, BreakerMode::Auto, expected};
}
Step tick(BreakerState expected) {
    return {Step::Op::Tick, Kind::Success, 0, BreakerMode::Auto, expected};
}
Step mode(BreakerMode mode, BreakerState expected) {
    return {Step::Op::Mode, Kind::Success, 0, mode, expected};
}

using Steps = std::vector<Step>;

// Small numbers so that every rule is visible in a few steps.
BreakerConfig smallConfig() {
    BreakerConfig config;
    config.windowSize = 10;
    config.minimumCalls = 4;
    config.failureRate = 0.5;
    config.slowCallRate = 0.5;
    config.slowCallDuration = 100ms;
    config.consecutiveFailures = 3;
    config.openDuration = 1000ms;
    config.openBackoff = 2.0;
    config.maxOpenDuration = 5000ms;
    config.halfOpenProbes = 2;
    config.probeTimeout = 500ms;
    config.adaptive = false;
    return config;
}

BreakerConfig timeConfig() {
    BreakerConfig config = smallConfig();
    config.window = BreakerConfig::Window::Time;
    config.windowDuration = 1000ms; // ten buckets of 100 ms
    config.consecutiveFailures = 100;
    return config;
}

// Collects transitions; safe to call from several threads.
struct TransitionLog {
    std::mutex mutex;
    std::vector<BreakerTransition> transitions;
    CircuitBreaker::Observer observer() {
        return [this](const BreakerTransition &t) {
            std::lock_guard lock(mutex);
            transitions.push_back(t);
        };
    }
};

// "closed -> open: failure rate 0.50 >= 0.50 over 4 calls; open for 1000 ms [5xx 200ms, ...]",
// one line per transition, for failure messages.
QByteArray describe(const std::vector<BreakerTransition> &transitions) {
    QByteArray text;
    for (const BreakerTransition &t : transitions) {
        text +=
            QByteArray(toString(t.from)) + " -> " + toString(t.to) + ": " + t.cause.toUtf8() + " [";
        for (std::size_t i = 0; i < t.story.size(); ++i) {
            const OutcomeRecord &r = t.story[i];
            text += QByteArray(i ? ", " : "") + toString(r.kind) + (r.slow ? " slow" : "");
        }
        text += "]\n";
    }
    return text;
}

} // namespace

Q_DECLARE_METATYPE(ToolCapture::BreakerConfig)
Q_DECLARE_METATYPE(Steps)

// CircuitBreaker: the state machine under an injected clock, its concurrency guarantees, the
// adaptive threshold, snapshots and trip stories.
class TestCircuitBreaker : public QObject {
    Q_OBJECT
private slots:
    void stateMachine_data();
    void stateMachine();
    void halfOpenAdmitsExactlyKProbesUnderContention();
    void closedCountersExactUnderTwoThreads();
    void adaptiveThresholdFollowsBaseline();
    void adaptiveThresholdBounds_data();
    void adaptiveThresholdBounds();
    void snapshotAndTripStory();
    void recentTransitionsAreCapped();
    void transitionsNameTheirExchange();
    void disabledCountsButNeverTrips();
    void timeWindowSweepsIdleBuckets();
    void liveFailureRateAndOpenDuration();
};

void TestCircuitBreaker::stateMachine_data() {
    QTest::addColumn<BreakerConfig>("config");
    QTest::addColumn<Steps>("steps");
    QTest::addColumn<QStringList>("causes"); // each transition's cause starts with this

    using S = BreakerState;
    const BreakerConfig small = smallConfig();

    QTest::newRow("closed->open by failure rate")
        << small
        << Steps{call(Kind::Success, S::Closed), call(Kind::Status5xx, S::Closed),
                 call(Kind::Success, S::Closed), call(Kind::Status5xx, S::Open), refused(S::Open)}
        << QStringList{"failure rate 0.50 >= 0.50 over 4 calls; open for 1000 ms"};

    QTest::newRow("minimumCalls respected")
        << small
        << Steps{call(Kind::Status5xx, S::Closed), call(Kind::Success, S::Closed),
                 call(Kind::Status5xx, S::Closed), call(Kind::Success, S::Open)}
        << QStringList{"failure rate 0.50 >= 0.50 over 4 calls"};

    QTest::newRow("closed->open by consecutive failures")
        << small
        << Steps{call(Kind::ConnectError, S::Closed), call(Kind::Reset, S::Closed),
                 call(Kind::Timeout, S::Open), refused(S::Open)}
        << QStringList{"3 consecutive failures; open for 1000 ms"};

    QTest::newRow("a success breaks the run") <<
        [] {
            BreakerConfig c = smallConfig();
            c.minimumCalls = 10;
            return c;
        }() << Steps{call(Kind::Timeout, S::Closed), call(Kind::Timeout, S::Closed),
                     call(Kind::Success, S::Closed), call(Kind::Timeout, S::Closed),
                     call(Kind::Timeout, S::Closed), call(Kind::Timeout, S::Open)}
                                              << QStringList{"3 consecutive failures"};

    QTest::newRow("closed->open by slow-call rate")
        << small
        << Steps{call(Kind::Success, S::Closed, 10), call(Kind::Success, S::Closed, 150),
                 call(Kind::Success, S::Closed, 10), call(Kind::Success, S::Open, 101)}
        << QStringList{"slow-call rate 0.50 >= 0.50 over 4 calls (slower than 100 ms)"};

    Steps overloads;
    for (int i = 0; i < 12; ++i)
        overloads.push_back(call(Kind::Overload, S::Closed));
    QTest::newRow("429 never trips") << small << overloads << QStringList{};

    Steps fiveXx;
    for (int i = 0; i < 12; ++i)
        fiveXx.push_back(call(Kind::Status5xx, S::Closed));
    BreakerConfig no5xx = smallConfig();
    no5xx.status5xxIsFailure = false;
    QTest::newRow("5xx not a failure by config") << no5xx << fiveXx << QStringList{};
    BreakerConfig noReset = smallConfig();
    noReset.resetIsFailure = false;
    QTest::newRow("reset not a failure by config")
        << noReset << Steps{call(Kind::Reset, S::Closed),   call(Kind::Reset, S::Closed),
                            call(Kind::Reset, S::Closed),   call(Kind::Reset, S::Closed),
                            call(Kind::Timeout, S::Closed), call(Kind::Timeout, S::Closed),
                            call(Kind::Timeout, S::Open)}
        << QStringList{"3 consecutive failures"};

    QTest::newRow("open->half-open->closed")
        << small
        << Steps{call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open),
                 advance(999, S::Open),
                 refused(S::Open),
                 advance(1, S::Open),
                 hold(),
                 hold(),
                 refused(S::HalfOpen),
                 finish(Kind::Success, S::HalfOpen),
                 finish(Kind::Success, S::Closed),
                 call(Kind::Success, S::Closed)}
        << QStringList{"3 consecutive failures", "open period of 1000 ms elapsed",
                       "2 of 2 probes succeeded"};

    QTest::newRow("failed probes back off, capped, reset after a full close")
        << small
        << Steps{call(Kind::Timeout, S::Closed), call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open), advance(1000, S::Open), hold(),
                 finish(Kind::Status5xx, S::Open), advance(1999, S::Open), refused(S::Open),
                 advance(1, S::Open), hold(), finish(Kind::ConnectError, S::Open),
                 advance(3999, S::Open), refused(S::Open), advance(1, S::Open), hold(),
                 finish(Kind::Timeout, S::Open), advance(4999, S::Open), refused(S::Open),
                 advance(1, S::Open), hold(), hold(), finish(Kind::Success, S::HalfOpen),
                 finish(Kind::Success, S::Closed),
                 // the probes' successes stay in the window: 7 calls, 3 failures
                 call(Kind::Success, S::Closed), call(Kind::Success, S::Closed),
                 call(Kind::Timeout, S::Closed), call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open), advance(999, S::Open), refused(S::Open),
                 advance(1, S::Open), hold()}
        << QStringList{"3 consecutive failures; open for 1000 ms",
                       "open period of 1000 ms elapsed",
                       "probe failed: 5xx; open for 2000 ms (trip 2 in a row)",
                       "open period of 2000 ms elapsed",
                       "probe failed: connect_error; open for 4000 ms (trip 3 in a row)",
                       "open period of 4000 ms elapsed",
                       "probe failed: timeout; open for 5000 ms (trip 4 in a row)",
                       "open period of 5000 ms elapsed",
                       "2 of 2 probes succeeded",
                       "3 consecutive failures; open for 1000 ms",
                       "open period of 1000 ms elapsed"};

    QTest::newRow("hung probe fails on tryAcquire")
        << small
        << Steps{call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open),
                 advance(1000, S::Open),
                 hold(),
                 hold(),
                 advance(500, S::HalfOpen),
                 refused(S::HalfOpen),
                 advance(1, S::HalfOpen),
                 refused(S::Open),
                 finish(Kind::Success, S::Open),
                 finish(Kind::Success, S::Open),
                 advance(2000, S::Open),
                 hold()}
        << QStringList{"3 consecutive failures", "open period of 1000 ms elapsed",
                       "probe timed out after 501 ms; open for 2000 ms (trip 2 in a row)",
                       "open period of 2000 ms elapsed"};

    QTest::newRow("hung probe fails on tick")
        << small
        << Steps{call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open),
                 advance(1000, S::Open),
                 hold(),
                 advance(400, S::HalfOpen),
                 hold(),
                 advance(101, S::HalfOpen),
                 tick(S::Open)}
        << QStringList{"3 consecutive failures", "open period of 1000 ms elapsed",
                       "probe timed out after 501 ms"};

    QTest::newRow("dropped probe permit fails the probe")
        << small
        << Steps{call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open),
                 advance(1000, S::Open),
                 hold(),
                 drop(S::Open)}
        << QStringList{"3 consecutive failures", "open period of 1000 ms elapsed",
                       "probe failed: abandoned; open for 2000 ms"};

    QTest::newRow("forced open, then auto")
        << small
        << Steps{call(Kind::Success, S::Closed), mode(BreakerMode::ForceOpen, S::ForcedOpen),
                 refused(S::ForcedOpen),         advance(60000, S::ForcedOpen),
                 refused(S::ForcedOpen),         mode(BreakerMode::Auto, S::Closed),
                 call(Kind::Success, S::Closed)}
        << QStringList{"forced open by operator", "automatic mode restored by operator"};

    QTest::newRow("forced open while open, then auto")
        << small
        << Steps{call(Kind::Timeout, S::Closed),     call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open),       mode(BreakerMode::ForceOpen, S::ForcedOpen),
                 mode(BreakerMode::Auto, S::Closed), call(Kind::Success, S::Closed)}
        << QStringList{"3 consecutive failures", "forced open by operator",
                       "automatic mode restored by operator"};

    // Outcomes recorded while forced or disabled are the operator's business: back in
    // automatic mode the breaker starts from a fresh window and judges only what follows.
    QTest::newRow("forced closed admits failures; auto starts a fresh window")
        << small
        << Steps{mode(BreakerMode::ForceClosed, S::ForcedClosed),
                 call(Kind::Timeout, S::ForcedClosed),
                 call(Kind::Timeout, S::ForcedClosed),
                 call(Kind::Timeout, S::ForcedClosed),
                 call(Kind::Timeout, S::ForcedClosed),
                 tick(S::ForcedClosed),
                 mode(BreakerMode::Auto, S::Closed),
                 call(Kind::Timeout, S::Closed), // one failure of one call: not yet
                 tick(S::Closed),
                 call(Kind::Success, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Success, S::Open)} // 2 of 4 fresh calls
        << QStringList{"forced closed by operator", "automatic mode restored by operator",
                       "failure rate 0.50 >= 0.50 over 4 calls"};

    QTest::newRow("disabled never trips; auto does not trip on its counts")
        << small
        << Steps{mode(BreakerMode::Disabled, S::Disabled),
                 call(Kind::Timeout, S::Disabled),
                 call(Kind::Success, S::Disabled),
                 call(Kind::Timeout, S::Disabled),
                 call(Kind::Timeout, S::Disabled),
                 call(Kind::Timeout, S::Disabled),
                 tick(S::Disabled),
                 mode(BreakerMode::Auto, S::Closed),
                 tick(S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Closed),
                 call(Kind::Timeout, S::Open)} // three fresh consecutive failures
        << QStringList{"disabled by operator", "automatic mode restored by operator",
                       "3 consecutive failures"};

    QTest::newRow("forced closed in a time window; auto starts a fresh window")
        << timeConfig()
        << Steps{mode(BreakerMode::ForceClosed, S::ForcedClosed),
                 call(Kind::Status5xx, S::ForcedClosed),
                 call(Kind::Status5xx, S::ForcedClosed),
                 call(Kind::Status5xx, S::ForcedClosed),
                 call(Kind::Status5xx, S::ForcedClosed),
                 advance(50, S::ForcedClosed), // still inside the window
                 mode(BreakerMode::Auto, S::Closed),
                 tick(S::Closed),
                 call(Kind::Success, S::Closed),
                 call(Kind::Success, S::Closed),
                 call(Kind::Status5xx, S::Closed),
                 call(Kind::Status5xx, S::Open)}
        << QStringList{"forced closed by operator", "automatic mode restored by operator",
                       "failure rate 0.50 >= 0.50 over 4 calls"};

    QTest::newRow("forced open and back: no stale count")
        << small
        << Steps{call(Kind::Timeout, S::Closed),     call(Kind::Timeout, S::Closed),
                 call(Kind::Success, S::Closed),     mode(BreakerMode::ForceOpen, S::ForcedOpen),
                 mode(BreakerMode::Auto, S::Closed), call(Kind::Timeout, S::Closed),
                 call(Kind::Success, S::Closed),     call(Kind::Success, S::Closed),
                 call(Kind::Success, S::Closed)} // 1 of 4: the earlier 2 are forgotten
        << QStringList{"forced open by operator", "automatic mode restored by operator"};

    // The same calls in a count window (10 calls) and a time window (1 s): the time window
    // forgets the two early failures.
    const Steps agedFailures{call(Kind::Status5xx, S::Closed), call(Kind::Status5xx, S::Closed),
                             advance(1000, S::Closed),         call(Kind::Success, S::Closed),
                             call(Kind::Success, S::Closed),   call(Kind::Success, S::Closed)};
    Steps countSteps = agedFailures;
    countSteps.push_back(call(Kind::Status5xx, S::Open));
    BreakerConfig countNoRun = smallConfig();
    countNoRun.consecutiveFailures = 100;
    countNoRun.minimumCalls = 6;
    BreakerConfig timeMin6 = timeConfig();
    timeMin6.minimumCalls = 6;
    QTest::newRow("count window remembers old failures")
        << countNoRun << countSteps << QStringList{"failure rate 0.50 >= 0.50 over 6 calls"};
    Steps timeSteps = agedFailures;
    timeSteps.push_back(call(Kind::Status5xx, S::Closed));
    timeSteps.push_back(call(Kind::Status5xx, S::Closed));
    timeSteps.push_back(call(Kind::Status5xx, S::Open));
    QTest::newRow("time window forgets old failures")
        << timeMin6 << timeSteps << QStringList{"failure rate 0.50 >= 0.50 over 6 calls"};

    QTest::newRow("time window trips by rate")
        << timeConfig() << Steps{call(Kind::Status5xx, S::Closed), advance(150, S::Closed),
                                 call(Kind::Success, S::Closed),   advance(150, S::Closed),
                                 call(Kind::Status5xx, S::Closed), advance(150, S::Closed),
                                 call(Kind::Success, S::Closed),   call(Kind::Status5xx, S::Open)}
        << QStringList{"failure rate 0.60 >= 0.50 over 5 calls"};

    // In a time window a fast success is not rate-checked on the request path (no bucket
    // summing): the control path's tick catches the window reaching minimumCalls.
    QTest::newRow("time window: minimumCalls reached by a success, tick trips")
        << timeConfig()
        << Steps{call(Kind::Status5xx, S::Closed), call(Kind::Status5xx, S::Closed),
                 call(Kind::Status5xx, S::Closed), call(Kind::Success, S::Closed), tick(S::Open)}
        << QStringList{"failure rate 0.75 >= 0.50 over 4 calls"};
}

void TestCircuitBreaker::stateMachine() {
    QFETCH(BreakerConfig, config);
    QFETCH(Steps, steps);
    QFETCH(QStringList, causes);

    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("inventory-1"), config, clock, log.observer());
    QCOMPARE(breaker.state(), BreakerState::Closed);
    std::deque<BreakerPermit> held;

    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Step &step = steps[i];
        const QByteArray where = "step " + QByteArray::number(qulonglong(i));
        switch (step.op) {
        case Step::Op::Call: {
            BreakerPermit permit = breaker.tryAcquire();
            QVERIFY2(permit.admitted(), where);
            QVERIFY2(!permit.isProbe(), where);
            breaker.record(std::move(permit), {step.kind, std::chrono::milliseconds(step.ms)});
            QVERIFY2(!permit.admitted(), where); // NOLINT(bugprone-use-after-move)
            break;
        }
        case Step::Op::Refused:
            QVERIFY2(!breaker.tryAcquire().admitted(), where);
            break;
        case Step::Op::Hold: {
            BreakerPermit permit = breaker.tryAcquire();
            QVERIFY2(permit.admitted(), where);
            QVERIFY2(permit.isProbe(), where);
            held.push_back(std::move(permit));
            break;
        }
        case Step::Op::Finish:
            QVERIFY2(!held.empty(), where);
            breaker.record(std::move(held.front()),
                           {step.kind, std::chrono::milliseconds(step.ms)});
            held.pop_front();
            break;
        case Step::Op::Drop:
            QVERIFY2(!held.empty(), where);
            held.pop_front();
            break;
        case Step::Op::Advance:
            clock.advance(std::chrono::milliseconds(step.ms));
            break;
        case Step::Op::Tick:
            breaker.tick();
            break;
        case Step::Op::Mode:
            breaker.setMode(step.mode);
            break;
        }
        if (breaker.state() != step.expected) {
            QFAIL(qPrintable(QStringLiteral("%1: state %2, expected %3")
                                 .arg(QString::fromLatin1(where),
                                      QLatin1String(toString(breaker.state())),
                                      QLatin1String(toString(step.expected)))));
        }
    }

    QStringList seen;
    for (const BreakerTransition &t : log.transitions)
        seen << t.cause;
    QCOMPARE(seen.size(), causes.size());
    for (int i = 0; i < causes.size(); ++i)
        QVERIFY2(seen[i].startsWith(causes[i]), qPrintable(seen[i] + " vs " + causes[i]));

    // The transitions form one chain, and each names the instance.
    BreakerState state = BreakerState::Closed;
    for (const BreakerTransition &t : log.transitions) {
        QCOMPARE(t.from, state);
        QVERIFY(t.from != t.to);
        QCOMPARE(t.instanceId, QStringLiteral("inventory-1"));
        QCOMPARE(t.at.timeSpec(), Qt::UTC);
        state = t.to;
    }
    QCOMPARE(state, breaker.state());
    QCOMPARE(breaker.snapshot().recentTransitions.size(),
             std::min<std::size_t>(log.transitions.size(), CircuitBreaker::kRecentTransitions));
}

void TestCircuitBreaker::halfOpenAdmitsExactlyKProbesUnderContention() {
    constexpr int kThreads = 4;
    constexpr int kAttemptsPerThread = 25;
    BreakerConfig config = smallConfig();
    config.halfOpenProbes = 3;
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("i"), config, clock, log.observer());

    for (int round = 0; round < 50; ++round) {
        // Trip, then let the open period end: the threads race for the transition and probes.
        for (int i = 0; i < config.consecutiveFailures; ++i)
            breaker.record(breaker.tryAcquire(), {Kind::Reset, 1ms});
        QCOMPARE(breaker.state(), BreakerState::Open);
        clock.advance(config.openDuration);

        std::latch start(kThreads);
        std::vector<std::vector<BreakerPermit>> admitted(kThreads);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                for (int i = 0; i < kAttemptsPerThread; ++i) {
                    BreakerPermit permit = breaker.tryAcquire();
                    if (permit.admitted())
                        admitted[t].push_back(std::move(permit));
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();

        std::vector<BreakerPermit> probes;
        for (auto &perThread : admitted) {
            for (BreakerPermit &permit : perThread)
                probes.push_back(std::move(permit));
        }
        QCOMPARE(int(probes.size()), config.halfOpenProbes);
        for (const BreakerPermit &permit : probes)
            QVERIFY(permit.isProbe());
        QCOMPARE(breaker.state(), BreakerState::HalfOpen);
        QCOMPARE(breaker.snapshot().probesAdmitted, config.halfOpenProbes);

        // Concurrent successes close it exactly once.
        std::latch finish(int(probes.size()));
        std::vector<std::thread> finishers;
        for (BreakerPermit &permit : probes) {
            finishers.emplace_back([&, p = std::move(permit)]() mutable {
                finish.arrive_and_wait();
                breaker.record(std::move(p), {Kind::Success, 1ms});
            });
        }
        for (std::thread &thread : finishers)
            thread.join();
        QCOMPARE(breaker.state(), BreakerState::Closed);
    }
    // trip, half-open, close per round, each exactly once
    QCOMPARE(int(log.transitions.size()), 50 * 3);
}

void TestCircuitBreaker::closedCountersExactUnderTwoThreads() {
    constexpr int kPerThread = 1000000;
    BreakerConfig config = smallConfig();
    config.windowSize = 100;
    // Only the rates could trip, and over a full window they stay low (at most 12 failures and
    // 27 slow calls in any 100). Both threads start with a slow 5xx (i == 0): with the small
    // config's minimumCalls of 4, a start interleaved as 5xx, 5xx, ok, ok legitimately trips
    // (the "minimumCalls respected" row), so rates count here only from a full window.
    config.minimumCalls = config.windowSize;
    config.consecutiveFailures = kPerThread;
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("i"), config, clock, log.observer());

    std::latch start(2);
    std::atomic<int> refusals{0};
    auto hammer = [&] {
        start.arrive_and_wait();
        for (int i = 0; i < kPerThread; ++i) {
            BreakerPermit permit = breaker.tryAcquire();
            if (!permit.admitted()) {
                refusals.fetch_add(1);
                continue;
            }
            breaker.record(std::move(permit), {i % 10 == 0 ? Kind::Status5xx : Kind::Success,
                                               i % 4 == 0 ? 200ms : 1ms});
        }
    };
    std::thread a(hammer);
    std::thread b(hammer);
    a.join();
    b.join();

    QVERIFY2(log.transitions.empty(),
             QByteArray("refusals: " + QByteArray::number(refusals.load()) + "\n" +
                        describe(log.transitions))
                 .constData());
    QCOMPARE(refusals.load(), 0);
    const BreakerSnapshot s = breaker.snapshot();
    QCOMPARE(s.state, BreakerState::Closed);
    QCOMPARE(s.totalCalls, std::uint64_t(2 * kPerThread));
    QCOMPARE(s.totalFailures, std::uint64_t(2 * kPerThread / 10));
    QCOMPARE(s.totalSlowCalls, std::uint64_t(2 * kPerThread / 4));
    // The window is full; its exactness under contention is OutcomeWindow's own test.
    QCOMPARE(s.calls, 100);
    QVERIFY(s.failures >= 0 && s.failures <= 100);
    QCOMPARE(int(s.story.size()), OutcomeWindow::kStoryCapacity);
}

void TestCircuitBreaker::adaptiveThresholdFollowsBaseline() {
    BreakerConfig config;
    config.windowSize = 20;
    config.minimumCalls = 10;
    config.consecutiveFailures = 100;
    config.adaptive = true;
    ManualClock clock;
    TransitionLog cleanLog;
    TransitionLog noisyLog;
    CircuitBreaker clean(QStringLiteral("clean"), config, clock, cleanLog.observer());
    CircuitBreaker noisy(QStringLiteral("noisy"), config, clock, noisyLog.observer());

    // Thirty minutes of traffic, 20 calls a second; the noisy instance fails one call in ten.
    for (int second = 0; second < 1800; ++second) {
        for (int i = 0; i < 20; ++i) {
            clean.record(clean.tryAcquire(), {Kind::Success, 5ms});
            noisy.record(noisy.tryAcquire(), {i % 10 == 3 ? Kind::Status5xx : Kind::Success, 5ms});
        }
        clock.advance(1s);
        clean.tick();
        noisy.tick();
    }
    QVERIFY(cleanLog.transitions.empty());
    QVERIFY(noisyLog.transitions.empty());

    const BreakerSnapshot c = clean.snapshot();
    const BreakerSnapshot n = noisy.snapshot();
    QCOMPARE(c.threshold, 0.5);
    QCOMPARE(c.thresholdExplanation, QStringLiteral("base 0.50 + 2.0 x baseline 0.00 = 0.50"));
    QVERIFY2(n.baselineFailureRate > 0.099 && n.baselineFailureRate <= 0.1,
             qPrintable(QString::number(n.baselineFailureRate)));
    QVERIFY(n.threshold > c.threshold);
    QVERIFY(qAbs(n.threshold - 0.7) < 0.002);
    QCOMPARE(n.thresholdExplanation, QStringLiteral("base 0.50 + 2.0 x baseline 0.10 = 0.70"));

    // The same burst (half the calls fail) trips the clean instance, not the noisy one.
    for (int i = 0; i < 20; ++i) {
        const Kind kind = i % 2 == 0 ? Kind::Status5xx : Kind::Success;
        if (BreakerPermit p = clean.tryAcquire())
            clean.record(std::move(p), {kind, 5ms});
        if (BreakerPermit p = noisy.tryAcquire())
            noisy.record(std::move(p), {kind, 5ms});
    }
    QCOMPARE(clean.state(), BreakerState::Open);
    QVERIFY(cleanLog.transitions.front().cause.startsWith("failure rate 0.50 >= 0.50"));
    QCOMPARE(noisy.state(), BreakerState::Closed);
    QVERIFY(noisy.snapshot().failureRate >= 0.5);
}

void TestCircuitBreaker::adaptiveThresholdBounds_data() {
    QTest::addColumn<double>("base");
    QTest::addColumn<bool>("adaptive");
    QTest::addColumn<int>("failEvery"); // one failure in this many calls; 0: none
    QTest::addColumn<double>("expected");
    QTest::addColumn<QString>("explanation");

    QTest::newRow("capped at max")
        << 0.5 << true << 2 << 0.8 << "base 0.50 + 2.0 x baseline 0.50 = 1.50, capped at 0.80";
    QTest::newRow("raised to min") << 0.1 << true << 0 << 0.2
                                   << "base 0.10 + 2.0 x baseline 0.00 = 0.10, raised to the "
                                      "minimum 0.20";
    QTest::newRow("not adaptive") << 0.5 << false << 4 << 0.5
                                  << "fixed 0.50 (adaptive threshold off)";
}

void TestCircuitBreaker::adaptiveThresholdBounds() {
    QFETCH(double, base);
    QFETCH(bool, adaptive);
    QFETCH(int, failEvery);
    QFETCH(double, expected);
    QFETCH(QString, explanation);

    BreakerConfig config;
    config.windowSize = 20;
    config.minimumCalls = 10;
    config.consecutiveFailures = 100;
    config.failureRate = base;
    config.adaptive = adaptive;
    config.adaptiveMin = 0.2;
    config.adaptiveMax = 0.8;
    ManualClock clock;
    CircuitBreaker breaker(QStringLiteral("i"), config, clock);
    // Forced closed: the instance is observed without tripping (its errors are its normal).
    breaker.setMode(BreakerMode::ForceClosed);
    for (int second = 0; second < 3600; ++second) {
        for (int i = 0; i < 20; ++i) {
            const bool fail = failEvery > 0 && i % failEvery == 0;
            breaker.record(breaker.tryAcquire(), {fail ? Kind::Timeout : Kind::Success, 5ms});
        }
        clock.advance(1s);
        breaker.tick();
    }
    const BreakerSnapshot s = breaker.snapshot();
    QVERIFY2(qAbs(s.threshold - expected) < 1e-6, qPrintable(QString::number(s.threshold)));
    QVERIFY(s.threshold >= (adaptive ? 0.2 : 0.0) && s.threshold <= (adaptive ? 0.8 : 1.0));
    QCOMPARE(s.thresholdExplanation, explanation);
}

void TestCircuitBreaker::snapshotAndTripStory() {
    BreakerConfig config = smallConfig();
    config.minimumCalls = 10;
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("pricing-2"), config, clock, log.observer());

    const std::vector<CallOutcome> calls{{Kind::Success, 10ms},   {Kind::Success, 150ms},
                                         {Kind::Overload, 5ms},   {Kind::Status5xx, 20ms},
                                         {Kind::Timeout, 3000ms}, {Kind::Success, 30ms},
                                         {Kind::Reset, 1ms},      {Kind::ConnectError, 2ms}};
    // Before the last call: counts and rates of the window.
    for (std::size_t i = 0; i + 1 < calls.size(); ++i) {
        breaker.record(breaker.tryAcquire(), calls[i]);
        clock.advance(100ms);
    }
    BreakerSnapshot before = breaker.snapshot();
    QCOMPARE(before.state, BreakerState::Closed);
    QCOMPARE(before.mode, BreakerMode::Auto);
    QCOMPARE(before.calls, 7);
    QCOMPARE(before.failures, 3);
    QCOMPARE(before.slowCalls, 2);
    QCOMPARE(before.overloadCalls, 1);
    QCOMPARE(before.consecutiveFailures, 1);
    QCOMPARE(before.failureRate, 3.0 / 7);
    QCOMPARE(before.slowCallRate, 2.0 / 7);
    QCOMPARE(before.threshold, 0.5);
    QCOMPARE(before.minimumCalls, 10);
    QCOMPARE(int(before.story.size()), 7);
    QVERIFY(!breaker.reopensAt().has_value());

    // The success in between broke the first run: reset, connect error and timeout make three.
    breaker.record(breaker.tryAcquire(), calls.back());
    QCOMPARE(breaker.state(), BreakerState::Closed);
    breaker.record(breaker.tryAcquire(), {Kind::Timeout, 250ms});
    QCOMPARE(breaker.state(), BreakerState::Open);

    QCOMPARE(int(log.transitions.size()), 1);
    const BreakerTransition &trip = log.transitions.front();
    QCOMPARE(trip.cause, QStringLiteral("3 consecutive failures; open for 1000 ms"));
    QCOMPARE(int(trip.story.size()), 9);
    const Kind kinds[] = {Kind::Success,   Kind::Success,      Kind::Overload,
                          Kind::Status5xx, Kind::Timeout,      Kind::Success,
                          Kind::Reset,     Kind::ConnectError, Kind::Timeout};
    const bool failed[] = {false, false, false, true, true, false, true, true, true};
    const bool slow[] = {false, true, false, false, true, false, false, false, true};
    for (int i = 0; i < 9; ++i) {
        QCOMPARE(trip.story[i].kind, kinds[i]);
        QCOMPARE(trip.story[i].failure, failed[i]);
        QCOMPARE(trip.story[i].slow, slow[i]);
        if (i > 0)
            QVERIFY(trip.story[i].at >= trip.story[i - 1].at);
    }
    QCOMPARE(trip.story[4].duration, 3000ms);
    QCOMPARE(trip.story[0].at.msecsTo(trip.story[7].at), 700);
    QCOMPARE(trip.story[8].at, trip.at);

    // After the trip: an empty window, the open period and the transition with its story.
    clock.advance(250ms);
    const BreakerSnapshot after = breaker.snapshot();
    QCOMPARE(after.state, BreakerState::Open);
    QCOMPARE(after.calls, 0);
    QCOMPARE(after.totalCalls, std::uint64_t(9));
    QCOMPARE(after.totalFailures, std::uint64_t(5));
    QCOMPARE(after.totalSlowCalls, std::uint64_t(3));
    QCOMPARE(after.totalOverloadCalls, std::uint64_t(1));
    QCOMPARE(after.consecutiveTrips, 1);
    QCOMPARE(after.openRemaining, 750ms);
    QCOMPARE(trip.at.msecsTo(after.openUntil), 1000);
    QCOMPARE(after.openUntil.timeSpec(), Qt::UTC);
    QCOMPARE(int(after.recentTransitions.size()), 1);
    QCOMPARE(after.recentTransitions.front().cause, trip.cause);
    QCOMPARE(int(after.recentTransitions.front().story.size()), 9);
    QVERIFY(after.story.empty());
    QVERIFY(breaker.reopensAt().has_value());
    QCOMPARE(*breaker.reopensAt() - clock.now(), std::chrono::nanoseconds(750ms));

    // Half-open: the probe counters are visible.
    clock.advance(750ms);
    BreakerPermit probe = breaker.tryAcquire();
    QVERIFY(probe.isProbe());
    BreakerSnapshot halfOpen = breaker.snapshot();
    QCOMPARE(halfOpen.state, BreakerState::HalfOpen);
    QCOMPARE(halfOpen.probesAdmitted, 1);
    QCOMPARE(halfOpen.probesSucceeded, 0);
    breaker.record(std::move(probe), {Kind::Success, 5ms});
    QCOMPARE(breaker.snapshot().probesSucceeded, 1);
    QVERIFY(!breaker.reopensAt().has_value());

    // Forced open has no end.
    breaker.setMode(BreakerMode::ForceOpen);
    QVERIFY(!breaker.reopensAt().has_value());
    QCOMPARE(breaker.snapshot().mode, BreakerMode::ForceOpen);
}

void TestCircuitBreaker::recentTransitionsAreCapped() {
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("i"), smallConfig(), clock, log.observer());
    for (int i = 0; i < 7; ++i) {
        breaker.setMode(BreakerMode::ForceOpen);
        breaker.setMode(BreakerMode::Auto);
    }
    breaker.setMode(BreakerMode::Auto); // no change, no transition
    QCOMPARE(int(log.transitions.size()), 14);
    const BreakerSnapshot s = breaker.snapshot();
    QCOMPARE(int(s.recentTransitions.size()), CircuitBreaker::kRecentTransitions);
    QCOMPARE(s.recentTransitions.back().cause,
             QStringLiteral("automatic mode restored by operator"));
    QCOMPARE(s.recentTransitions.front().to, BreakerState::ForcedOpen);
}

// A transition an exchange causes carries its correlation id: the one whose failure tripped
// the breaker, the one admitted as the first probe, the one whose probe closed or reopened it;
// the control path's transitions carry none.
void TestCircuitBreaker::transitionsNameTheirExchange() {
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("i"), smallConfig(), clock, log.observer());
    const auto callAs = [&](const QByteArray &id, Kind kind) {
        BreakerPermit permit = breaker.tryAcquire(id);
        QVERIFY(permit.admitted());
        breaker.record(std::move(permit), {kind, 10ms, id});
    };
    callAs("c-1", Kind::ConnectError);
    callAs("c-2", Kind::ConnectError);
    callAs("c-3", Kind::ConnectError); // the third in a row trips
    QCOMPARE(int(log.transitions.size()), 1);
    QCOMPARE(log.transitions[0].to, BreakerState::Open);
    QCOMPARE(log.transitions[0].correlationId, QStringLiteral("c-3"));
    QVERIFY(!breaker.tryAcquire("c-refused").admitted()); // refused: no transition

    clock.advance(1000ms);
    callAs("c-4", Kind::Timeout); // the first probe, admitted after the open period, fails
    QCOMPARE(int(log.transitions.size()), 3);
    QCOMPARE(log.transitions[1].to, BreakerState::HalfOpen);
    QCOMPARE(log.transitions[1].correlationId, QStringLiteral("c-4"));
    QCOMPARE(log.transitions[2].to, BreakerState::Open);
    QCOMPARE(log.transitions[2].correlationId, QStringLiteral("c-4"));

    clock.advance(2000ms); // the second open period is twice as long
    callAs("c-5", Kind::Success);
    callAs("c-6", Kind::Success); // the second probe's success closes it
    QCOMPARE(int(log.transitions.size()), 5);
    QCOMPARE(log.transitions[3].correlationId, QStringLiteral("c-5"));
    QCOMPARE(log.transitions[4].to, BreakerState::Closed);
    QCOMPARE(log.transitions[4].correlationId, QStringLiteral("c-6"));

    breaker.setMode(BreakerMode::ForceOpen); // the operator's
    QCOMPARE(int(log.transitions.size()), 6);
    QVERIFY(log.transitions[5].correlationId.isEmpty());
    breaker.setMode(BreakerMode::Auto);
    // A call of no exchange (a background revalidation) names none.
    for (int i = 0; i < 3; ++i) {
        BreakerPermit permit = breaker.tryAcquire();
        breaker.record(std::move(permit), {Kind::Reset, 10ms});
    }
    QCOMPARE(log.transitions.back().to, BreakerState::Open);
    QVERIFY(log.transitions.back().correlationId.isEmpty());
}

void TestCircuitBreaker::disabledCountsButNeverTrips() {
    ManualClock clock;
    TransitionLog log;
    CircuitBreaker breaker(QStringLiteral("i"), smallConfig(), clock, log.observer());
    breaker.setMode(BreakerMode::Disabled);
    for (int i = 0; i < 25; ++i) {
        BreakerPermit permit = breaker.tryAcquire();
        QVERIFY(permit.admitted());
        QVERIFY(!permit.isProbe());
        breaker.record(std::move(permit), {i % 5 == 0 ? Kind::Success : Kind::Timeout, 150ms});
        breaker.tick();
    }
    const BreakerSnapshot s = breaker.snapshot();
    QCOMPARE(s.state, BreakerState::Disabled);
    QCOMPARE(s.calls, 10);
    QCOMPARE(s.failures, 8);
    QCOMPARE(s.slowCalls, 10);
    QCOMPARE(s.totalFailures, std::uint64_t(20));
    QCOMPARE(s.consecutiveFailures, 4);
    QCOMPARE(int(log.transitions.size()), 1); // only "disabled by operator"
}

void TestCircuitBreaker::timeWindowSweepsIdleBuckets() {
    BreakerConfig config = timeConfig();
    ManualClock clock;
    CircuitBreaker breaker(QStringLiteral("i"), config, clock);
    breaker.record(breaker.tryAcquire(), {Kind::Status5xx, 10ms});
    breaker.record(breaker.tryAcquire(), {Kind::Success, 10ms});
    QCOMPARE(breaker.snapshot().calls, 2);
    clock.advance(950ms);
    QCOMPARE(breaker.snapshot().calls, 2); // same ten-bucket window
    clock.advance(100ms);
    QCOMPARE(breaker.snapshot().calls, 0);
    breaker.tick(); // sweeps the stale bucket
    // 4096 window durations later the bucket's lap tag would match again: it was swept.
    clock.advance(config.windowDuration * 4096 - 1050ms);
    QCOMPARE(breaker.snapshot().calls, 0);
    QVERIFY(breaker.snapshot().story.empty());
}

// Live settings: a new threshold base applies at the next check, a new open period at the next
// trip.
void TestCircuitBreaker::liveFailureRateAndOpenDuration() {
    ManualClock clock;
    BreakerConfig config = smallConfig();
    config.consecutiveFailures = 100;
    config.failureRate = 0.9;
    CircuitBreaker breaker(QStringLiteral("i"), config, clock);
    // 2 of 4 fail: under 0.9.
    for (Kind kind : {Kind::Success, Kind::Status5xx, Kind::Success, Kind::Status5xx})
        breaker.record(breaker.tryAcquire(), {kind, 1ms});
    QCOMPARE(breaker.state(), BreakerState::Closed);
    QCOMPARE(breaker.failureRate(), 0.9);

    breaker.setFailureRate(0.5);
    breaker.setOpenDuration(250ms);
    QCOMPARE(breaker.failureRate(), 0.5);
    QCOMPARE(breaker.threshold(), 0.5);
    QCOMPARE(breaker.openDuration(), 250ms);
    QCOMPARE(breaker.snapshot().threshold, 0.5);
    breaker.record(breaker.tryAcquire(), {Kind::Status5xx, 1ms}); // 3 of 5 >= 0.5
    QCOMPARE(breaker.state(), BreakerState::Open);
    QVERIFY(breaker.reopensAt());
    QCOMPARE(*breaker.reopensAt() - clock.now(), 250ms);
    clock.advance(249ms);
    QVERIFY(!breaker.tryAcquire().admitted());
    clock.advance(1ms);
    QVERIFY(breaker.tryAcquire().admitted()); // the probe
}

QTEST_GUILESS_MAIN(TestCircuitBreaker)
#include "tst_circuit_breaker.moc"
