#pragma once

#include <backend/feed/feed_message.h>
#include <models/topic_record.h>

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>

namespace ToolCapture {

class FeedTransport;

// Follows one Kafka topic through the admin API's topic reader (`GET /api/v1/topics/{topic}/
// messages`) of a feed transport, embedded or remote alike: one request at a time, the next one
// from the newest timestamp seen (less a small overlap, de-duplicated by partition and offset).
// Lives in the GUI thread.
// NOTE: the topic API reads "from a time", not "from an offset per partition": when one poll
// returns as many records as its limit, the tail jumps to the newest of them and says so
// (behind()); a console tail shows the newest records, it is not a lossless consumer.
class TopicTailPoller : public QObject {
    Q_OBJECT
public:
    enum class From { Beginning, End, Time };

    struct Query {
        QString topic;
        From from = From::End;
        QDateTime time;       // From::Time
        QString key;          // exact key; empty: any
        QString fieldPointer; // JSON Pointer into the value ("/performance_metrics/status_code")
        QString fieldValue;   // the value it must have; empty: only that it exists
    };

    explicit TopicTailPoller(FeedTransport *transport, QObject *parent = nullptr);

    // Stops the tail running and starts this one.
    void start(const Query &query);
    void stop();
    bool isRunning() const { return m_running; }
    // A paused tail sends no request; resumed, it goes on from where it was.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    const Query &query() const { return m_query; }

    // Time between the end of one poll and the next request.
    void setInterval(std::chrono::milliseconds interval) { m_timer.setInterval(interval); }
    // Records asked for per poll (the topic API takes 1 to 1000).
    void setLimit(int limit) { m_limit = std::clamp(limit, 1, 1000); }

    // The request target of a poll from `fromMs` (epoch ms; -1: the query's own start).
    static QByteArray target(const Query &query, qint64 fromMs, int limit);

signals:
    // New records of the topic, oldest first (by timestamp; of one time, by partition and
    // offset).
    void records(const QList<ToolCapture::TopicRecord> &batch);
    // The topic could not be read (the problem's detail); polling goes on.
    void failed(const QString &detail);
    // A poll answered successfully (after an error, the tail is working again).
    void polled(int newRecords);
    // More records arrived than one poll returns: the tail skipped ahead.
    void behind();

private:
    void poll();
    void answered(quint64 generation, const FeedResponse &response);

    QPointer<FeedTransport> m_transport;
    Query m_query;
    QTimer m_timer;
    bool m_running = false;
    bool m_paused = false;
    bool m_inFlight = false;
    quint64 m_generation = 0; // answers to an earlier start() are ignored
    qint64 m_cursorMs = -1;   // next poll reads from here; -1: from the query's start
    // Records at or after m_cursorMs already handed on: (partition, offset) -> timestamp.
    QHash<QPair<int, qint64>, qint64> m_seen;
    int m_limit = 500;
};

} // namespace ToolCapture
