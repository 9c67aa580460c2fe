#pragma once

#include <backend/feed/feed_message.h>

#include <QObject>
#include <QStringList>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

class QTimer;

namespace ToolCapture {

// The engine side of the console feed: knows the subjects, counts their subscribers, renders
// the subscribed state subjects at most once per period and batches the items of the
// subscribed append subjects; nothing is rendered or kept for a subject nobody subscribes to,
// and its timer stops when nobody subscribes at all.
// Lives in the engine thread; wants() and append() may be called from any thread.
class FeedHub : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds period{100}; // at most this often per state subject
        int maxBatch = 500; // items of one append subject per message; older ones are dropped
    };
    // Renders a state subject's current document (engine thread).
    using Render = std::function<QByteArray()>;
    // Receives one tick's messages for a subscriber (engine thread).
    using Sink = std::function<void(QList<FeedMessage> batch)>;

    explicit FeedHub(QObject *parent = nullptr);
    FeedHub(Options options, QObject *parent = nullptr);
    ~FeedHub() override;

    // Setup, before the first subscriber and before other threads call wants() or append().
    void addStateSubject(const QString &subject, Render render);
    void addAppendSubject(const QString &subject);
    QStringList subjectNames() const;
    bool hasSubject(const QString &subject) const;
    bool isAppendSubject(const QString &subject) const;

    // Subscribers (engine thread). Unknown subjects are ignored.
    quint64 addSubscriber(Sink sink);
    void setSubjects(quint64 subscriber, const QStringList &subjects);
    void removeSubscriber(quint64 subscriber);
    int subscriberCount() const { return int(m_subscribers.size()); }

    // Whether anyone subscribes to `subject` (any thread).
    bool wants(const QString &subject) const;
    // New items (each one JSON value) of an append subject, oldest first (any thread). Dropped
    // when nobody subscribes.
    void append(const QString &subject, QList<QByteArray> items);

    // Ticks so far (a renderer may cache what several subjects share per tick).
    quint64 tick() const { return m_tick; }
    // State documents rendered so far.
    quint64 renders() const { return m_renders; }
    // Append items dropped because a batch was full.
    quint64 droppedItems() const { return m_dropped; }
    quint64 lastSeq() const { return m_seq; }
    // Whether the tick timer runs (only while someone subscribes).
    bool isTicking() const;

private:
    struct Subject {
        bool append = false;
        Render render;
        std::atomic<int> subscribers{0};
        QByteArray last;                 // the last state document published
        std::vector<QByteArray> pending; // append items not yet published
    };
    struct Subscriber {
        Sink sink;
        QStringList subjects;
        QStringList needInitial; // state subjects whose current document it has not had
    };

    void appendNow(const QString &subject, QList<QByteArray> items);
    void runTick();
    void scheduleTick(bool soon);
    Subject *find(const QString &subject) const;

    Options m_options;
    std::map<QString, std::unique_ptr<Subject>> m_subjects; // fixed after setup
    std::map<quint64, Subscriber> m_subscribers;
    quint64 m_nextSubscriber = 1;
    quint64 m_seq = 1; // the first message is 2: a cursor of 1 means "nothing yet", 0 "new"
    quint64 m_tick = 0;
    quint64 m_renders = 0;
    quint64 m_dropped = 0;
    QTimer *m_timer = nullptr;
};

} // namespace ToolCapture
