#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace ToolCapture {

// A real redis-server (Debian's) for a test, started through scripts/start-redis.sh in the
// foreground, so that the test can pause it (SIGSTOP: a Redis that does not answer), kill it
// and start it again on the same port.
class RedisServer {
public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    // Starts the server (on a free port the first time, on the same port afterwards) and waits
    // until it answers PING. False, with the reason in error(), when it does not.
    bool start();
    // SIGKILL, and waits for the process to end.
    void kill();
    void pause();  // SIGSTOP
    void resume(); // SIGCONT
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString error() const { return m_error; }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace ToolCapture
