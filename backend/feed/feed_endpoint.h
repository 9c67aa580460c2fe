#pragma once

#include <backend/feed/feed_message.h>
#include <backend/httpserver/http_server.h>

#include <QObject>
#include <QStringList>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <vector>

class QTimer;

namespace ToolCapture {

class FeedHub;

// The console feed over HTTP, for a remote console (RemoteFeedTransport):
//   GET /api/v1/feed?subjects=a,b&after=SEQ&wait_ms=N
// answers as soon as there are messages after SEQ for those subjects, or after wait_ms with
// none: {"seq", "reset", "messages": [{"subject", "append", "seq", "data"}]}. after=0 (or a
// reset) brings each state subject's current document. A subject stays subscribed at the hub
// for `lease` after the last poll naming it ended, so a polling console costs what a local one
// does and nothing once it is gone. Mounted on the admin listener (token required).
// Lives in the engine thread, with its hub.
class FeedEndpoint : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds lease{30000};
        std::chrono::milliseconds maxWait{30000};
        std::chrono::milliseconds defaultWait{25000};
        int ringMessages = 2000; // messages kept for pollers that are behind
    };

    explicit FeedEndpoint(FeedHub *hub, QObject *parent = nullptr);
    FeedEndpoint(FeedHub *hub, Options options, QObject *parent = nullptr);
    ~FeedEndpoint() override;

    static constexpr QByteArrayView kPath = "/api/v1/feed";
    static bool handles(QByteArrayView path) noexcept { return path == kPath; }
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    // The subjects leased at the hub now.
    QStringList leasedSubjects() const { return m_subscribed; }
    int parkedPolls() const { return int(m_polls.size()); }

private:
    struct Poll {
        quint64 id = 0;
        std::shared_ptr<HttpResponder> responder;
        QStringList subjects;
        quint64 after = 0;
        bool initial = false; // after=0 or reset: the current state documents are wanted
        bool reset = false;
        QTimer *timer = nullptr;
    };

    void onMessages(QList<FeedMessage> batch);
    // The messages `poll` is owed now, oldest first.
    std::vector<const FeedMessage *> collect(const Poll &poll) const;
    bool ready(const Poll &poll, std::vector<const FeedMessage *> &messages) const;
    void answer(Poll &poll, const std::vector<const FeedMessage *> &messages);
    void finish(quint64 pollId, bool timedOut);
    void renewLeases(const QStringList &subjects);
    void expireLeases();
    void updateSubscription();

    FeedHub *m_hub;
    Options m_options;
    quint64 m_subscriber = 0;
    QStringList m_subscribed;
    std::deque<FeedMessage> m_ring;          // oldest first
    quint64 m_droppedUpTo = 0;               // the newest seq pushed out of the ring
    std::map<QString, FeedMessage> m_latest; // each state subject's current document
    std::map<QString, qint64> m_leaseEnds;   // subject -> when its lease ends (ms, steady)
    std::vector<Poll> m_polls;
    quint64 m_nextPoll = 1;
    QTimer *m_leaseTimer = nullptr;
};

} // namespace ToolCapture
