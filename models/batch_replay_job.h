#pragma once

#include <models/capture_summary.h>
#include <models/replay_outcome.h>

#include <QList>
#include <QObject>
#include <QPointer>

namespace ToolCapture {

class FeedTransport;

// Replays a selection of captures, at most `concurrency` at a time, to the routed or one chosen
// instance, and keeps each outcome with its diff. Cancel stops sending new replays; the ones
// in flight still report. Lives in the GUI thread.
class BatchReplayJob : public QObject {
    Q_OBJECT
public:
    struct Item {
        CaptureSummary capture;
        enum class State { Waiting, Running, Done, Cancelled } state = State::Waiting;
        ReplayOutcome outcome;
    };

    BatchReplayJob(FeedTransport *transport, QList<CaptureSummary> captures, QString instance,
                   int concurrency, QObject *parent = nullptr);

    void start();
    void cancel();
    bool isFinished() const { return m_finished; }
    bool isCancelled() const { return m_cancelled; }

    const QList<Item> &items() const { return m_items; }
    int doneCount() const { return m_done; }
    int changedCount() const;
    int failedCount() const;

signals:
    void itemFinished(int index);
    void progress(int done, int total);
    void finished();

private:
    void launchNext();
    void finishIfIdle();

    QPointer<FeedTransport> m_transport;
    QList<Item> m_items;
    QString m_instance;
    int m_concurrency;
    int m_next = 0;
    int m_running = 0;
    int m_done = 0;
    bool m_cancelled = false;
    bool m_finished = false;
};

} // namespace ToolCapture
