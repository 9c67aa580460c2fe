#include <backend/feed/remote_feed_transport.h>

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QStandardPaths>
#include <QTimer>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

using Json = nlohmann::json;

QNetworkRequest makeRequest(const QUrl &base, const QByteArray &target, const QByteArray &token,
                            std::chrono::milliseconds timeout) {
    QUrl url = base;
    const qsizetype mark = target.indexOf('?');
    url.setPath(QString::fromUtf8(mark < 0 ? target : target.left(mark)));
    url.setQuery(mark < 0 ? QString() : QString::fromUtf8(target.mid(mark + 1)), QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + token);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(int(timeout.count()));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    return request;
}

} // namespace

RemoteFeedTransport::RemoteFeedTransport(Options options, QObject *parent)
    : FeedTransport(parent)
    , m_options(std::move(options))
    , m_network(new QNetworkAccessManager(this))
    , m_retry(new QTimer(this))
    , m_backoff(m_options.minBackoff) {
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &RemoteFeedTransport::poll);
    setConnection(Connection::Connecting, tr("connecting to %1").arg(endpointLabel()));
    // The first poll also tells whether the instance answers, with or without subjects.
    QTimer::singleShot(0, this, &RemoteFeedTransport::restartPoll);
}

RemoteFeedTransport::~RemoteFeedTransport() {
    if (m_poll) {
        m_poll->disconnect(this);
        m_poll->abort();
    }
}

QString RemoteFeedTransport::endpointLabel() const {
    return m_options.url.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}

void RemoteFeedTransport::subscribe(const QStringList &subjects) {
    if (subjects == this->subjects())
        return;
    setSubjects(subjects);
    // State subjects whole for the new set: start over from now.
    m_after = 0;
    restartPoll();
}

void RemoteFeedTransport::restartPoll() {
    if (m_poll) {
        QNetworkReply *old = m_poll;
        m_poll = nullptr;
        old->disconnect(this);
        old->abort();
        old->deleteLater();
    }
    if (m_retry->isActive())
        return; // the retry polls with the new subjects
    poll();
}

void RemoteFeedTransport::poll() {
    if (m_poll)
        return;
    QByteArray target =
        "/api/v1/feed?subjects=" + QUrl::toPercentEncoding(subjects().join(QLatin1Char(','))) +
        "&after=" + QByteArray::number(m_after) +
        "&wait_ms=" + QByteArray::number(m_options.wait.count());
    QNetworkRequest request = makeRequest(m_options.url, target, m_options.token,
                                          m_options.wait + std::chrono::milliseconds(10000));
    QNetworkReply *reply = m_network->get(request);
    m_poll = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onPollFinished(reply); });
}

void RemoteFeedTransport::onPollFinished(QNetworkReply *reply) {
    reply->deleteLater();
    if (reply != m_poll)
        return;
    m_poll = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    m_bytesReceived += quint64(body.size());
    if (reply->error() != QNetworkReply::NoError && status == 0) {
        lost(reply->errorString());
        return;
    }
    if (status == 401 || status == 403) {
        lost(tr("the instance refused the admin token (HTTP %1)").arg(status));
        return;
    }
    if (status != 200) {
        lost(tr("unexpected answer HTTP %1 from the feed").arg(status));
        return;
    }
    const Json json = Json::parse(body.begin(), body.end(), nullptr, false);
    if (!json.is_object() || !json.contains("messages") || !json["messages"].is_array()) {
        lost(tr("the feed's answer is not a feed document"));
        return;
    }
    m_backoff = m_options.minBackoff;
    setConnection(Connection::Connected, endpointLabel());
    m_after = json.value("seq", quint64(0));
    // Fell behind the ring (reset), or resumed after an outage: what came between is gone.
    const bool gap = json.value("reset", false) || m_lostWhileConnected;
    m_lostWhileConnected = false;
    QList<FeedMessage> batch;
    for (const Json &m : json["messages"]) {
        FeedMessage message;
        message.subject = QString::fromStdString(m.value("subject", std::string()));
        message.append = m.value("append", false);
        message.seq = m.value("seq", quint64(0));
        message.json = QByteArray::fromStdString(m["data"].dump());
        if (subjects().contains(message.subject))
            batch.append(std::move(message));
    }
    poll();
    if (gap)
        emit appendItemsLost();
    if (!batch.isEmpty())
        emit messages(batch);
}

void RemoteFeedTransport::lost(const QString &why) {
    // Resumed later with every state document whole; append items of the gap are gone.
    m_after = 0;
    if (connection() == Connection::Connected)
        m_lostWhileConnected = true;
    setConnection(Connection::Lost, tr("%1: %2 (retrying in %3 s)")
                                        .arg(endpointLabel(), why)
                                        .arg(double(m_backoff.count()) / 1000.0, 0, 'f', 1));
    m_retry->start(m_backoff);
    m_backoff = std::min(m_backoff * 2, m_options.maxBackoff);
}

void RemoteFeedTransport::request(const FeedRequest &request, QObject *context,
                                  std::function<void(const FeedResponse &)> done) {
    QNetworkRequest http =
        makeRequest(m_options.url, request.target, m_options.token, m_options.requestTimeout);
    if (!request.body.isEmpty())
        http.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network->sendCustomRequest(http, request.method, request.body);
    QPointer<QObject> guard(context);
    connect(reply, &QNetworkReply::finished, this, [reply, guard, done = std::move(done)] {
        reply->deleteLater();
        if (!guard || !done)
            return;
        FeedResponse response;
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        response.body = reply->readAll();
        if (response.status == 0)
            response.error = reply->errorString();
        done(response);
    });
}

QString RemoteFeedTransport::defaultTokenFile() {
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
           QStringLiteral("/admin-token");
}

std::optional<QByteArray> RemoteFeedTransport::readTokenFile(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error =
                QStringLiteral("cannot read the token file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray token = file.read(4096).trimmed();
    if (token.isEmpty()) {
        if (error)
            *error = QStringLiteral("the token file %1 is empty").arg(path);
        return std::nullopt;
    }
    return token;
}

} // namespace ToolCapture
