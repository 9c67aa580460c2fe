#include <app/unix_signal_watcher.h>

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {

// [0]: written by the handler, [1]: read by the notifier. -1 while no watcher exists.
int g_socketPair[2] = {-1, -1};

} // namespace

UnixSignalWatcher::UnixSignalWatcher(QObject *parent)
    : QObject(parent) {
    Q_ASSERT_X(g_socketPair[0] < 0, "UnixSignalWatcher", "only one watcher may exist");
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_socketPair) != 0) {
        g_socketPair[0] = g_socketPair[1] = -1;
        return;
    }
    // A flood of signals must never block the handler, nor draining the pair block the loop.
    for (int fd : g_socketPair)
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_notifier = new QSocketNotifier(g_socketPair[1], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &UnixSignalWatcher::readSignal);
}

UnixSignalWatcher::~UnixSignalWatcher() {
    for (int signalNumber : std::as_const(m_watched))
        std::signal(signalNumber, SIG_DFL);
    if (g_socketPair[0] >= 0) {
        ::close(g_socketPair[0]);
        ::close(g_socketPair[1]);
        g_socketPair[0] = g_socketPair[1] = -1;
    }
}

bool UnixSignalWatcher::watch(int signalNumber) {
    if (!m_notifier)
        return false;
    struct sigaction action = {};
    action.sa_handler = &UnixSignalWatcher::handleSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (::sigaction(signalNumber, &action, nullptr) != 0)
        return false;
    m_watched.append(signalNumber);
    return true;
}

void UnixSignalWatcher::handleSignal(int signalNumber) {
    const int savedErrno = errno;
    const char byte = char(signalNumber);
    [[maybe_unused]] const ssize_t written = ::write(g_socketPair[0], &byte, 1);
    errno = savedErrno;
}

void UnixSignalWatcher::readSignal() {
    char byte = 0;
    while (::read(g_socketPair[1], &byte, 1) == 1)
        emit signalReceived(int(byte));
}

} // namespace ToolCapture
