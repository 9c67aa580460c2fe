#include <tests/support/redis_server.h>

#include <QDeadlineTimer>
#include <QTcpServer>

#include <csignal>

namespace ToolCapture {

RedisServer::RedisServer() = default;

RedisServer::~RedisServer() {
    kill();
}

bool RedisServer::start() {
    if (isRunning())
        return true;
    if (m_port == 0) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            m_error = probe.errorString();
            return false;
        }
        m_port = probe.serverPort();
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral(TOOLCAPTURE_SOURCE_DIR "/scripts/start-redis.sh"),
                     {QStringLiteral("--foreground"), QString::number(m_port), m_dir.path()});
    if (!m_process->waitForStarted(5000)) {
        m_error = m_process->errorString();
        return false;
    }
    // The server logs to its standard output in the foreground: ready when it says so.
    QByteArray log;
    const QDeadlineTimer deadline(10000);
    while (!log.contains("Ready to accept connections")) {
        if (deadline.hasExpired() || m_process->state() == QProcess::NotRunning ||
            (m_process->bytesAvailable() == 0 &&
             !m_process->waitForReadyRead(int(deadline.remainingTime())))) {
            log += m_process->readAll();
            m_error = QStringLiteral("redis-server did not start on 127.0.0.1:%1: %2")
                          .arg(m_port)
                          .arg(QString::fromLocal8Bit(log));
            kill();
            return false;
        }
        log += m_process->readAll();
    }
    return true;
}

void RedisServer::kill() {
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), SIGCONT); // a paused one must be able to die
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_process.reset();
}

void RedisServer::pause() {
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGSTOP);
}

void RedisServer::resume() {
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGCONT);
}

bool RedisServer::isRunning() const {
    return m_process && m_process->state() != QProcess::NotRunning;
}

} // namespace ToolCapture
