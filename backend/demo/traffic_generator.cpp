#include <backend/core/logging.h>
#include <backend/demo/demo_client_connection.h>
#include <backend/demo/traffic_generator.h>

#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

TrafficGenerator::TrafficGenerator(QHostAddress proxyHost, quint16 proxyPort, Options options,
                                   QObject *parent)
    : QObject(parent)
    , m_proxyHost(std::move(proxyHost))
    , m_proxyPort(proxyPort)
    , m_options(options)
    , m_mix(QRandomGenerator::global()->generate())
    , m_ticker(new QTimer(this)) {
    m_options.connections = std::max(1, m_options.connections);
    for (int i = 0; i < m_options.connections; ++i) {
        m_connections.push_back(new DemoClientConnection(
            m_proxyHost, m_proxyPort,
            [this](const DemoRequest &request, const std::optional<ResponseHead> &head) {
                onDone(request, head);
            },
            this));
    }
    m_ticker->setTimerType(Qt::PreciseTimer);
    connect(m_ticker, &QTimer::timeout, this, &TrafficGenerator::onTick);
}

TrafficGenerator::~TrafficGenerator() {
    stop();
}

void TrafficGenerator::start() {
    if (m_running || !(m_options.requestsPerSecond > 0))
        return;
    m_running = true;
    m_slots = 0;
    m_clock.start();
    // One tick per request up to 200/s, then several requests per 5 ms tick.
    const double interval = std::clamp(1000.0 / m_options.requestsPerSecond, 5.0, 1000.0);
    m_ticker->start(int(interval));
    qCInfo(lcDemo).noquote()
        << "demo traffic:" << m_options.requestsPerSecond << "requests/s over"
        << m_options.connections << "connections to"
        << QStringLiteral("%1:%2").arg(m_proxyHost.toString()).arg(m_proxyPort);
}

void TrafficGenerator::stop() {
    if (!m_running)
        return;
    m_running = false;
    m_ticker->stop();
    for (DemoClientConnection *connection : m_connections)
        connection->abort();
}

DemoClientConnection *TrafficGenerator::idleConnection() {
    for (size_t i = 0; i < m_connections.size(); ++i) {
        DemoClientConnection *connection =
            m_connections[(m_nextConnection + i) % m_connections.size()];
        if (!connection->isBusy()) {
            m_nextConnection = (m_nextConnection + i + 1) % m_connections.size();
            return connection;
        }
    }
    return nullptr;
}

void TrafficGenerator::onTick() {
    // Slots are fixed by elapsed time, so a late tick catches up and an early one waits; a slot
    // with no idle connection is dropped, never queued.
    const auto due =
        quint64(std::floor(double(m_clock.elapsed()) * m_options.requestsPerSecond / 1000.0)) + 1;
    while (m_slots < due) {
        ++m_slots;
        DemoClientConnection *connection = idleConnection();
        if (!connection) {
            m_skipped += due - m_slots + 1;
            m_slots = due;
            break;
        }
        ++m_sent;
        connection->send(m_mix.next());
    }
}

void TrafficGenerator::onDone(const DemoRequest &request, const std::optional<ResponseHead> &head) {
    if (!head) {
        ++m_failed;
        return;
    }
    ++m_completed;
    ++m_statusCounts[head->status];
    m_mix.observeResponse(request, *head);
    emit requestCompleted(head->status);
}

} // namespace ToolCapture
