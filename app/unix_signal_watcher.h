#pragma once

#include <QObject>

class QSocketNotifier;

namespace ToolCapture {

// Turns Unix signals (SIGINT, SIGTERM) into a Qt signal in the thread that created it, through
// a self-pipe: the handler only write()s the signal number to a socket pair.
// NOTE: a signal handler can reach only static state, so at most one watcher may exist.
class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

    // Installs the handler for signalNumber; false if the watcher could not be set up.
    bool watch(int signalNumber);

signals:
    void signalReceived(int signalNumber);

private:
    static void handleSignal(int signalNumber);
    void readSignal();

    QSocketNotifier *m_notifier = nullptr;
    QList<int> m_watched;
};

} // namespace ToolCapture
