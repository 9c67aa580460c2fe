#include <backend/health/health_checker.h>
#include <backend/http/http_response_parser.h>
#include <backend/routing/service_registry.h>

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <array>
#include <utility>

namespace ToolCapture {

using std::chrono::milliseconds;

namespace {

constexpr qint64 kMaxResponseBytes = 1024 * 1024;

// RFC 6455 section 4.2.2: the accept value is base64(SHA-1(key + this GUID)).
constexpr QByteArrayView kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

QByteArray webSocketAccept(const QByteArray &key) {
    return QCryptographicHash::hash(key + kWebSocketGuid.toByteArray(), QCryptographicHash::Sha1)
        .toBase64();
}

// A close frame with status 1000, masked as a client's must be (RFC 6455 section 5.3): the
// check leaves as a polite peer does, so the instance does not log an abnormal closure.
QByteArray webSocketClose() {
    const quint32 mask = QRandomGenerator::global()->generate();
    const unsigned char key[4] = {uchar(mask >> 24), uchar(mask >> 16), uchar(mask >> 8),
                                  uchar(mask)};
    const unsigned char code[2] = {0x03, 0xE8}; // 1000
    QByteArray frame;
    frame.append(char(0x88)).append(char(0x82)); // FIN + close; masked, 2 bytes
    frame.append(reinterpret_cast<const char *>(key), 4);
    frame.append(char(code[0] ^ key[0])).append(char(code[1] ^ key[1]));
    return frame;
}

} // namespace

// One checked instance: its schedule, and the check in flight.
struct HealthChecker::Target final : HttpResponseParser::Handler {
    int index = 0;
    const UpstreamInstance *instance = nullptr;
    HealthConfig config;
    QByteArray request;
    milliseconds initialDelay{0};
    QTimer *nextTimer = nullptr;
    QTimer *timeoutTimer = nullptr;
    QTcpSocket *socket = nullptr; // the check in flight
    std::unique_ptr<HttpResponseParser> parser;
    Clock::time_point started{};
    int status = 0;
    qint64 received = 0;
    QByteArray expectedAccept; // a WebSocket check: what the 101 must answer
    QByteArray accept;         // ... and what it did

    // HttpResponseParser::Handler
    void onResponseHead(ResponseHead &&head) override {
        status = head.status;
        if (const HttpHeader *field = findHeader(head.headers, "sec-websocket-accept"))
            accept = field->value;
    }
    void onResponseBody(const char *, qsizetype) override {}
    void onResponseComplete() override {}
};

HealthChecker::HealthChecker(const ServiceRegistry &registry,
                             const std::vector<ServiceConfig> &services,
                             std::span<HealthState> states, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_registry(registry)
    , m_clock(clock)
    , m_states(states)
    , m_known(registry.instanceCount()) {
    Q_ASSERT(states.size() >= size_t(registry.instanceCount()));
    for (const ServiceEntry &entry : registry.services()) {
        if (size_t(entry.index) >= services.size())
            continue;
        const HealthConfig &config = services[size_t(entry.index)].health;
        for (const UpstreamInstance *instance : entry.instances) {
            m_states[size_t(instance->index())].setSlowStart(config.slowStart);
            if (config.enabled)
                addTarget(*instance, config);
        }
    }
    // Stagger: spread the first checks of all instances evenly over one interval.
    const size_t total = m_targets.size();
    for (size_t k = 0; k < total; ++k) {
        Target &target = *m_targets[k];
        target.initialDelay =
            milliseconds(target.config.interval.count() * qint64(k) / qint64(total));
    }
}

HealthChecker::Target &HealthChecker::addTarget(const UpstreamInstance &instance,
                                                const HealthConfig &config) {
    auto target = std::make_unique<Target>();
    target->index = instance.index();
    target->instance = &instance;
    target->config = config;
    target->config.interval = std::max(config.interval, milliseconds(1));
    const QByteArray hostHeader =
        instance.host().toUtf8() + ':' + QByteArray::number(instance.port());
    target->request = "GET " + (config.path.isEmpty() ? QByteArray("/") : config.path) +
                      " HTTP/1.1\r\nHost: " + hostHeader +
                      "\r\nUser-Agent: ToolCapture-HealthCheck\r\n";
    // A WebSocket check gets its key (a fresh nonce) and the end of its head at each check.
    if (!config.websocket)
        target->request += "Accept: */*\r\nConnection: close\r\n\r\n";
    else
        target->request += "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                           "Sec-WebSocket-Version: 13\r\n";
    target->nextTimer = new QTimer(this);
    target->nextTimer->setSingleShot(true);
    target->timeoutTimer = new QTimer(this);
    target->timeoutTimer->setSingleShot(true);
    Target *t = target.get();
    connect(t->nextTimer, &QTimer::timeout, this, [this, t] { beginCheck(*t); });
    connect(t->timeoutTimer, &QTimer::timeout, this, [this, t] {
        finishCheck(*t, false, t->status,
                    QStringLiteral("timed out after %1 ms").arg(t->config.timeout.count()));
    });
    m_targets.push_back(std::move(target));
    return *t;
}

int HealthChecker::refresh() {
    const int count = std::min(m_registry.instanceCount(), int(m_states.size()));
    int added = 0;
    for (; m_known < count; ++m_known) {
        const UpstreamInstance &instance = m_registry.instance(m_known);
        const HealthConfig &config = m_registry.service(instance.serviceIndex()).settings.health;
        m_states[size_t(instance.index())].setSlowStart(config.slowStart);
        if (!config.enabled)
            continue;
        Target &target = addTarget(instance, config);
        ++added;
        // At once: traffic already reaches it, so learn soon whether it should.
        if (m_running)
            target.nextTimer->start(0);
    }
    return added;
}

HealthChecker::~HealthChecker() {
    stop();
}

void HealthChecker::start() {
    if (m_running)
        return;
    m_running = true;
    for (const auto &target : m_targets)
        target->nextTimer->start(target->initialDelay);
}

void HealthChecker::stop() {
    m_running = false;
    for (const auto &target : m_targets) {
        target->nextTimer->stop();
        target->timeoutTimer->stop();
        if (QTcpSocket *socket = std::exchange(target->socket, nullptr)) {
            socket->disconnect();
            socket->abort();
            socket->deleteLater();
        }
        target->parser.reset();
    }
}

milliseconds HealthChecker::initialDelay(int instanceIndex) const {
    for (const auto &target : m_targets) {
        if (target->index == instanceIndex)
            return target->initialDelay;
    }
    return milliseconds(-1);
}

void HealthChecker::beginCheck(Target &target) {
    if (!m_running || target.socket)
        return;
    if (target.instance->isDraining()) {
        // Its service stopped: a failing check would only be noise. Looked at again later, in
        // case it is registered again.
        target.nextTimer->start(target.config.interval);
        return;
    }
    target.started = m_clock.now();
    target.status = 0;
    target.received = 0;
    target.parser = std::make_unique<HttpResponseParser>(target, HttpResponseParser::Limits{});
    target.parser->expectResponseTo("GET", target.config.websocket);
    QByteArray request = target.request;
    target.accept.clear();
    if (target.config.websocket) {
        std::array<quint32, 4> nonce{}; // 16 random bytes, base64 (RFC 6455 section 4.1)
        QRandomGenerator::global()->fillRange(nonce.data(), nonce.size());
        const QByteArray key =
            QByteArray(reinterpret_cast<const char *>(nonce.data()), sizeof nonce).toBase64();
        target.expectedAccept = webSocketAccept(key);
        request += "Sec-WebSocket-Key: " + key + "\r\n\r\n";
    }
    auto *socket = new QTcpSocket(this);
    target.socket = socket;
    Target *t = &target;
    connect(socket, &QTcpSocket::connected, this,
            [socket, request = std::move(request)] { socket->write(request); });
    connect(socket, &QTcpSocket::readyRead, this, [this, t] { onReadyRead(*t); });
    connect(socket, &QTcpSocket::disconnected, this, [this, t] { onClosed(*t); });
    connect(socket, &QTcpSocket::errorOccurred, this,
            [this, t, socket](QAbstractSocket::SocketError error) {
                if (error == QAbstractSocket::RemoteHostClosedError)
                    onClosed(*t);
                else
                    finishCheck(*t, false, 0, socket->errorString());
            });
    target.timeoutTimer->start(target.config.timeout);
    const UpstreamInstance &instance = *target.instance;
    if (instance.address().isNull())
        socket->connectToHost(instance.host(), instance.port());
    else
        socket->connectToHost(instance.address(), instance.port());
}

void HealthChecker::onReadyRead(Target &target) {
    if (!target.socket)
        return;
    const QByteArray data = target.socket->readAll();
    target.received += data.size();
    qsizetype offset = 0;
    while (offset < data.size() && target.parser->state() != HttpResponseParser::State::Complete &&
           target.parser->state() != HttpResponseParser::State::Failed) {
        const qsizetype used = target.parser->feed(data.constData() + offset, data.size() - offset);
        if (used <= 0)
            break;
        offset += used;
    }
    const HttpResponseParser::State state = target.parser->state();
    if (state == HttpResponseParser::State::Upgraded) {
        // A 101 to our upgrade: it passes when it answers our key.
        const bool answered = target.accept == target.expectedAccept;
        if (answered) {
            target.socket->write(webSocketClose());
            target.socket->flush();
        }
        finishCheck(target, answered, target.status,
                    answered ? QString()
                             : QStringLiteral("HTTP 101 with a Sec-WebSocket-Accept that does not "
                                              "answer the key"));
    } else if (state == HttpResponseParser::State::Complete) {
        finishAnswered(target);
    } else if (state == HttpResponseParser::State::Failed) {
        finishCheck(target, false, target.status,
                    QStringLiteral("bad response: ") +
                        QString::fromUtf8(target.parser->error().detail));
    } else if (target.received > kMaxResponseBytes) {
        finishCheck(target, false, target.status, QStringLiteral("response too large"));
    }
}

void HealthChecker::onClosed(Target &target) {
    if (!target.socket)
        return;
    target.parser->finish();
    if (target.parser->state() == HttpResponseParser::State::Complete) {
        finishAnswered(target);
    } else {
        finishCheck(target, false, target.status,
                    QStringLiteral("connection closed before a complete response"));
    }
}

void HealthChecker::finishAnswered(Target &target) {
    // A complete response: 2xx passes, unless the check wanted a WebSocket handshake (its 101
    // ends in Upgraded, never here), for which a 426 or a 200 fails.
    if (target.config.websocket) {
        finishCheck(target, false, target.status,
                    QStringLiteral("HTTP %1, not a WebSocket handshake (101)").arg(target.status));
        return;
    }
    finishCheck(target, target.status >= 200 && target.status < 300, target.status,
                QStringLiteral("HTTP %1").arg(target.status));
}

void HealthChecker::finishCheck(Target &target, bool passed, int status, const QString &error) {
    QTcpSocket *socket = std::exchange(target.socket, nullptr);
    if (!socket)
        return;
    socket->disconnect();
    socket->abort();
    socket->deleteLater();
    target.timeoutTimer->stop();
    target.parser.reset();

    const Clock::time_point now = m_clock.now();
    const milliseconds latency = std::chrono::duration_cast<milliseconds>(now - target.started);
    HealthCheckResult result{passed, status, latency, passed ? QString() : error};
    HealthState &state = m_states[size_t(target.index)];
    const bool changed = state.recordCheck(result, target.config.rise, target.config.fall, now);
    if (m_running) // fixed cadence: the next check an interval after this one began
        target.nextTimer->start(std::max(milliseconds(0), target.config.interval - latency));

    if (changed) {
        const bool healthy = state.isActiveHealthy();
        const QString reason = healthy ? QStringLiteral("%1 consecutive checks passed")
                                             .arg(std::max(1, target.config.rise))
                                       : QStringLiteral("%1 consecutive checks failed, last: %2")
                                             .arg(std::max(1, target.config.fall))
                                             .arg(error);
        emit healthChanged(target.instance->id(), healthy, reason);
    }
    emit checkFinished(target.index, passed);
}

} // namespace ToolCapture
