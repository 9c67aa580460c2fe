#pragma once

#include <backend/feed/feed_transport.h>

#include <QByteArray>
#include <QPointer>
#include <QUrl>

#include <chrono>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace ToolCapture {

// The feed of a headless ToolCapture over its admin listener: long-polls GET /api/v1/feed for
// the subscribed subjects and sends requests as the admin API's REST calls, both with the
// admin bearer token. Connecting until the first answer, Connected while polls are answered,
// Lost (with why) when one fails; then it retries with a growing backoff and, once back,
// resumes with every state subject's document whole.
// Lives in the GUI thread.
class RemoteFeedTransport : public FeedTransport {
    Q_OBJECT
public:
    struct Options {
        QUrl url;         // http://host:port of the admin listener
        QByteArray token; // the admin token
        std::chrono::milliseconds wait{25000};
        std::chrono::milliseconds minBackoff{250};
        std::chrono::milliseconds maxBackoff{5000};
        std::chrono::milliseconds requestTimeout{30000};
    };

    explicit RemoteFeedTransport(Options options, QObject *parent = nullptr);
    ~RemoteFeedTransport() override;

    // FeedTransport
    void subscribe(const QStringList &subjects) override;
    void request(const FeedRequest &request, QObject *context,
                 std::function<void(const FeedResponse &)> done) override;
    QString endpointLabel() const override;

    // Bytes of feed answers received so far (bodies).
    quint64 bytesReceived() const { return m_bytesReceived; }

    // Where a headless ToolCapture of this user keeps the admin token it generated (as
    // AdminToken does): <AppConfigLocation>/admin-token.
    static QString defaultTokenFile();
    // The token in `path` (trimmed); nullopt with `error` when it cannot be read or is empty.
    static std::optional<QByteArray> readTokenFile(const QString &path, QString *error = nullptr);

private:
    void poll();
    void onPollFinished(QNetworkReply *reply);
    void lost(const QString &why);
    void restartPoll();

    Options m_options;
    QNetworkAccessManager *m_network;
    QTimer *m_retry;
    QPointer<QNetworkReply> m_poll;
    quint64 m_after = 0;
    std::chrono::milliseconds m_backoff;
    quint64 m_bytesReceived = 0;
    bool m_started = false;
    bool m_lostWhileConnected = false; // append items of the outage are gone
};

} // namespace ToolCapture
