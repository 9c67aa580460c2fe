#include <backend/capture/capture_diff.h>
#include <backend/capture/capture_export.h>
#include <backend/capture/replay.h>
#include <backend/http/header_checks.h>
#include <backend/http/http_response_parser.h>

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <array>

namespace ToolCapture {

namespace {

// The replay frames the message itself; an edit may not.
constexpr std::array<QByteArrayView, 8> kFramingHeaders{
    "content-length", "transfer-encoding", "connection", "keep-alive", "te",
    "trailer",        "upgrade",           "expect"};

bool isFraming(QByteArrayView name) {
    return std::any_of(kFramingHeaders.begin(), kFramingHeaders.end(),
                       [name](QByteArrayView f) { return equalsIgnoreCase(name, f); });
}

bool isValidName(QByteArrayView name) {
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        return HeaderChecks::isTokenChar(static_cast<unsigned char>(c));
    });
}

// No CR, LF or NUL: an edited value cannot smuggle a second field or message.
bool isValidValue(QByteArrayView value) {
    return std::none_of(value.begin(), value.end(),
                        [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

void removeAll(std::vector<CapturedHeader> &headers, QByteArrayView name) {
    headers.erase(
        std::remove_if(headers.begin(), headers.end(),
                       [name](const CapturedHeader &h) { return equalsIgnoreCase(h.name, name); }),
        headers.end());
}

QByteArray hostHeader(const QUrl &url) {
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']'; // an IPv6 literal
    const int port = url.port(80);
    return port == 80 ? host : host + ':' + QByteArray::number(port);
}

bool methodTakesBody(QByteArrayView method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

std::vector<CapturedHeader> redactSensitive(const HttpHeaders &headers) {
    std::vector<CapturedHeader> out;
    out.reserve(headers.size());
    for (const HttpHeader &header : headers) {
        out.push_back({header.name, CaptureHeaderFilter::isSensitive(header.name)
                                        ? QByteArray(CaptureRecord::kRedacted)
                                        : header.value});
    }
    return out;
}

} // namespace

// One replay in flight: its connection, parser and deadline. A child of the Replayer.
class Replayer::Call final
    : public QObject
    , private HttpResponseParser::Handler {
public:
    Call(Replayer *owner, CapturedResponse captured, QByteArray request, QByteArray method,
         const QUrl &url, std::vector<QByteArray> dropped, std::function<void(ReplayResult)> done)
        : QObject(owner)
        , m_owner(owner)
        , m_captured(std::move(captured))
        , m_request(std::move(request))
        , m_parser(*this, HttpResponseParser::Limits{})
        , m_done(std::move(done)) {
        m_result.droppedHeaders = std::move(dropped);
        m_parser.expectResponseTo(method);
        m_elapsed.start();

        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            finish(ReplayResult::Failure::Timeout,
                   QStringLiteral("no complete response within %1 ms")
                       .arg(m_owner->m_options.timeout.count()));
        });
        m_timer.start(m_owner->m_options.timeout);

        connect(&m_socket, &QTcpSocket::connected, this, [this] { m_socket.write(m_request); });
        connect(&m_socket, &QTcpSocket::readyRead, this, &Call::onReadyRead);
        connect(&m_socket, &QTcpSocket::disconnected, this, &Call::onDisconnected);
        connect(&m_socket, &QTcpSocket::errorOccurred, this,
                [this](QAbstractSocket::SocketError e) {
                    if (e == QAbstractSocket::RemoteHostClosedError)
                        return; // the close is handled as the end of a close-delimited body
                    finish(ReplayResult::Failure::Connection,
                           QStringLiteral("connection to %1 failed: %2")
                               .arg(m_target, m_socket.errorString()));
                });
        m_target = url.authority();
        m_socket.connectToHost(url.host(), quint16(url.port(80)));
    }

private:
    // HttpResponseParser::Handler
    void onResponseHead(ResponseHead &&head) override {
        if (head.status < 200)
            return; // interim: the final response follows
        m_result.status = head.status;
        m_received = std::move(head.headers);
    }
    void onResponseBody(const char *data, qsizetype size) override {
        const qint64 room = m_owner->m_options.maxResponseBodyBytes - m_result.body.size();
        if (size > room) {
            m_result.bodyTruncated = true;
            size = qsizetype(std::max<qint64>(room, 0));
        }
        m_result.body.append(data, size);
    }
    void onResponseComplete() override {}

    void onReadyRead() {
        const QByteArray data = m_socket.readAll();
        qsizetype offset = 0;
        while (offset < data.size() && m_parser.state() != HttpResponseParser::State::Complete &&
               m_parser.state() != HttpResponseParser::State::Failed) {
            const qsizetype consumed =
                m_parser.feed(data.constData() + offset, data.size() - offset);
            if (consumed <= 0)
                break;
            offset += consumed;
        }
        checkParser();
    }

    void onDisconnected() {
        m_parser.finish();
        if (!checkParser())
            finish(ReplayResult::Failure::Connection,
                   QStringLiteral("%1 closed the connection before a response").arg(m_target));
    }

    // Finishes on a complete or refused response; false while the response is still coming.
    bool checkParser() {
        switch (m_parser.state()) {
        case HttpResponseParser::State::Complete:
            finish(ReplayResult::Failure::None, {});
            return true;
        case HttpResponseParser::State::Failed:
            finish(ReplayResult::Failure::BadResponse,
                   QStringLiteral("malformed response from %1: %2")
                       .arg(m_target, QString::fromUtf8(m_parser.error().detail)));
            return true;
        default:
            return false;
        }
    }

    // Once.
    void finish(ReplayResult::Failure failure, const QString &error) {
        if (m_finished)
            return;
        m_finished = true;
        m_timer.stop();
        m_socket.disconnect(this);
        m_socket.abort();
        m_result.durationUs = m_elapsed.nsecsElapsed() / 1000;
        if (failure == ReplayResult::Failure::None) {
            m_result.ok = true;
            m_result.headers = redactSensitive(m_received);
            if (const HttpHeader *id = findHeader(m_received, "x-correlation-id"))
                m_result.correlationId = id->value;
            CapturedResponse after;
            after.status = m_result.status;
            if (m_owner->m_filter)
                m_owner->m_filter->capture(m_received, after.headers);
            else
                after.headers = m_result.headers;
            if (const HttpHeader *type = findHeader(m_received, "content-type"))
                after.contentType = type->value;
            after.body = m_result.body;
            after.bodyTruncated = m_result.bodyTruncated;
            m_result.diff = diffResponses(m_captured, after);
        } else {
            ReplayResult failed;
            failed.failure = failure;
            failed.error = error;
            failed.durationUs = m_result.durationUs;
            failed.droppedHeaders = std::move(m_result.droppedHeaders);
            m_result = std::move(failed);
        }
        --m_owner->m_pending;
        // From the event loop, never inside a parser or socket callback.
        QMetaObject::invokeMethod(
            m_owner,
            [done = std::move(m_done), result = std::move(m_result)]() mutable {
                done(std::move(result));
            },
            Qt::QueuedConnection);
        deleteLater();
    }

    Replayer *m_owner;
    CapturedResponse m_captured;
    QByteArray m_request;
    QString m_target;
    QTcpSocket m_socket{this};
    QTimer m_timer{this};
    QElapsedTimer m_elapsed;
    HttpResponseParser m_parser;
    HttpHeaders m_received;
    ReplayResult m_result;
    std::function<void(ReplayResult)> m_done;
    bool m_finished = false;
};

Replayer::Replayer(QObject *parent)
    : Replayer(Options{}, parent) {}

Replayer::Replayer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options) {}

Replayer::~Replayer() = default;

void Replayer::setHeaderFilter(std::optional<CaptureHeaderFilter> filter) {
    m_filter = std::move(filter);
}

int Replayer::pending() const {
    return m_pending;
}

void Replayer::fail(std::function<void(ReplayResult)> done, ReplayResult::Failure failure,
                    QString error) {
    ReplayResult result;
    result.failure = failure;
    result.error = std::move(error);
    QMetaObject::invokeMethod(
        this,
        [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); },
        Qt::QueuedConnection);
}

void Replayer::replay(const CaptureRecord &record, const ReplayTarget &target,
                      const ReplayEdits &edits, std::function<void(ReplayResult)> done) {
    const QUrl &url = target.baseUrl;
    if (!url.isValid() || url.scheme() != QLatin1String("http") || url.host().isEmpty()) {
        fail(std::move(done), ReplayResult::Failure::InvalidRequest,
             QStringLiteral("the replay target must be an http:// URL with a host, not \"%1\"")
                 .arg(url.toString()));
        return;
    }
    if (!isValidName(record.method)) {
        fail(std::move(done), ReplayResult::Failure::InvalidRequest,
             QStringLiteral("capture %1 has no valid request method").arg(record.id));
        return;
    }
    if (!record.tunnelEnd.isEmpty()) {
        fail(std::move(done), ReplayResult::Failure::NotReplayable,
             QStringLiteral("capture %1 is a WebSocket exchange: a replay sends one HTTP request "
                            "and cannot open a tunnel")
                 .arg(record.id));
        return;
    }
    if (!record.replayable && !edits.body) {
        fail(std::move(done), ReplayResult::Failure::NotReplayable,
             QStringLiteral("capture %1 is not replayable: its request body (%2 bytes) was not "
                            "kept; supply a body to replay it")
                 .arg(record.id)
                 .arg(record.requestBytes));
        return;
    }
    for (const auto &[name, value] : edits.headers) {
        if (!isValidName(name)) {
            fail(std::move(done), ReplayResult::Failure::InvalidRequest,
                 QStringLiteral("header edit: \"%1\" is not a valid field name")
                     .arg(QString::fromLatin1(name)));
            return;
        }
        if (isFraming(name)) {
            fail(std::move(done), ReplayResult::Failure::InvalidRequest,
                 QStringLiteral("header edit: %1 is set by the replay itself")
                     .arg(QString::fromLatin1(name)));
            return;
        }
        if (value && !isValidValue(*value)) {
            fail(std::move(done), ReplayResult::Failure::InvalidRequest,
                 QStringLiteral("header edit: the value of %1 contains CR, LF "
                                "or NUL")
                     .arg(QString::fromLatin1(name)));
            return;
        }
    }
    if (m_pending >= m_options.maxConcurrent) {
        fail(std::move(done), ReplayResult::Failure::Busy,
             QStringLiteral("%1 replays are already running; try again when "
                            "one has finished")
                 .arg(m_pending));
        return;
    }

    std::vector<QByteArray> redacted;
    std::vector<CapturedHeader> headers = replayHeaders(record, &redacted);
    headers.insert(headers.begin(), {"Host", hostHeader(url)});
    if (!target.targetService.isEmpty()) {
        removeAll(headers, "x-target-service");
        headers.push_back({"X-Target-Service", target.targetService});
    }
    if (!record.correlationId.isEmpty())
        headers.push_back({kReplayOfHeader, record.correlationId});
    for (const auto &[name, value] : edits.headers) {
        removeAll(headers, name);
        if (value)
            headers.push_back({name, *value});
    }
    std::vector<QByteArray> dropped;
    for (const QByteArray &name : redacted) {
        const bool supplied =
            std::any_of(edits.headers.begin(), edits.headers.end(),
                        [&name](const auto &edit) { return equalsIgnoreCase(edit.first, name); });
        if (!supplied)
            dropped.push_back(name);
    }

    const QByteArray body = edits.body ? *edits.body : record.requestBody;
    QByteArray path = url.path(QUrl::FullyEncoded).toUtf8();
    while (path.endsWith('/'))
        path.chop(1);
    path += record.path.isEmpty() ? QByteArray("/") : record.path;
    if (!record.query.isEmpty())
        path += '?' + record.query;

    QByteArray request = record.method + ' ' + path + " HTTP/1.1\r\n";
    for (const CapturedHeader &header : headers)
        request += header.name + ": " + header.value + "\r\n";
    if (!body.isEmpty() || methodTakesBody(record.method))
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "Connection: close\r\n\r\n" + body;

    ++m_pending;
    new Call(this, CapturedResponse::fromRecord(record), std::move(request), record.method, url,
             std::move(dropped), std::move(done));
}

} // namespace ToolCapture
