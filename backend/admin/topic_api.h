#pragma once

#include <backend/events/topic_tail.h>
#include <backend/httpserver/http_server.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

class QThreadPool;

namespace ToolCapture {

// The Kafka topics of the admin API, read back for debugging without a Kafka client:
//   GET /api/v1/topics                      the bootstrap servers and the topics ToolCapture uses
//   GET /api/v1/topics/{topic}/messages     what the topic holds now, filtered
// Parameters of .../messages: from (beginning (default), end, an RFC 3339 time with an offset or
// epoch milliseconds), key (exact), field (a JSON Pointer into the value) with an optional value,
// limit (1..1000, default 100) and timeout_ms (100..30000, default 2000). A bad parameter is a
// 400 problem whose "errors" pointer is "?" and the parameter's name ("?from"). Reading a topic
// blocks, so it runs in a thread pool of this object's own, at most `maxConcurrentFetches` at a
// time (then 503 with Retry-After); the answer is given from this object's thread. Lives in the
// admin server's thread.
// Fetches borrow their consumers from a TailConsumerPool, so that a console polling a topic reads
// over the same broker connections poll after poll; idle ones are closed after `consumerIdle`.
// NOTE: the destructor waits for the fetches still running, each for at most its timeout_ms:
// TopicTail::fetch cannot be interrupted, and its answer must not outlive this object.
class TopicApi final : public QObject {
    Q_OBJECT
public:
    struct Options {
        int maxConcurrentFetches = 4;
        std::chrono::milliseconds consumerIdle{30000};
    };

    // GET .../messages, parsed.
    struct MessagesQuery {
        TailStart from{TailStart::Beginning, 0};
        TailFilter filter;
        int limit = 100;
        std::chrono::milliseconds timeout{2000};
    };

    // `brokers` is asked on every request (the engine may learn its brokers after mounting this);
    // an empty answer means there is no Kafka to read (503). `topics` are the names readable here:
    // any other is a 404, so this API never makes brokers create a topic.
    TopicApi(std::function<QString()> brokers, QStringList topics, QObject *parent = nullptr);
    TopicApi(std::function<QString()> brokers, QStringList topics, Options options,
             QObject *parent = nullptr);
    ~TopicApi() override;

    // Whether `path` is /api/v1/topics or under it (so AdminServer hands the request over).
    static bool handles(QByteArrayView path) noexcept;
    // Answers now, or for .../messages once the fetch is done.
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    // Fetches started and not answered yet.
    int fetchesInFlight() const;
    // The consumers the fetches borrow.
    const TailConsumerPool &consumers() const { return *m_consumers; }

    // A query string (without '?'), form-decoded. On a bad parameter: nullopt, with its name in
    // `badParameter` and the reason in `error`.
    static std::optional<MessagesQuery> parseQuery(QByteArrayView query, QByteArray *badParameter,
                                                   QByteArray *error);
    // {"topic", "count", "messages": [{"partition", "offset", "timestamp", "key", "headers",
    // "value"}]}: the value as JSON when it parses as JSON, else as a string (base64, with
    // "value_encoding": "base64", when it is not UTF-8); of headers sharing a name, the last.
    static QByteArray messagesJson(const QString &topic, const std::vector<TailMessage> &messages);

private:
    struct Guard;

    HttpResponse topicsResponse() const;
    void finish(quint64 id, HttpResponse response);

    std::function<QString()> m_brokers;
    QStringList m_topics;
    Options m_options;
    std::unordered_map<quint64, std::shared_ptr<HttpResponder>> m_pending; // by fetch id
    quint64 m_nextId = 0;
    std::shared_ptr<Guard> m_guard; // how a fetch reaches this object, unless it is gone
    std::shared_ptr<TailConsumerPool> m_consumers;
    QTimer m_expiry; // closes idle consumers, in m_pool
    std::unique_ptr<QThreadPool> m_pool;
};

} // namespace ToolCapture
