#include <backend/feed/feed_hub.h>
#include <backend/feed/local_feed_transport.h>

#include <QCoreApplication>

namespace ToolCapture {

namespace {

// Runs `f` on the application's main thread, where the transport and its callers live.
template<typename F>
void onMainThread(F &&f) {
    QMetaObject::invokeMethod(QCoreApplication::instance(), std::forward<F>(f),
                              Qt::QueuedConnection);
}

} // namespace

// Answers one in-process request: the response goes back to the GUI thread by a queued call,
// to the caller's callback if its context still exists. Dropped unanswered, it reports that.
class LocalFeedTransport::Responder final : public HttpResponder {
public:
    Responder(QPointer<QObject> context, std::function<void(const FeedResponse &)> done)
        : m_context(std::move(context))
        , m_done(std::move(done)) {}

    ~Responder() override {
        if (!m_answered) {
            FeedResponse response;
            response.error = QStringLiteral("the engine gave no answer (stopped?)");
            deliver(std::move(response));
        }
    }

    void respond(HttpResponse response) override {
        if (m_answered)
            return;
        m_answered = true;
        FeedResponse out;
        out.status = response.status;
        if (const HttpHeader *type = findHeader(response.headers, "Content-Type"))
            out.contentType = type->value;
        out.body = std::move(response.body);
        deliver(std::move(out));
    }

private:
    void deliver(FeedResponse response) {
        onMainThread(
            [context = m_context, done = std::move(m_done), response = std::move(response)] {
                if (context && done)
                    done(response);
            });
    }

    QPointer<QObject> m_context; // read on the main thread only
    std::function<void(const FeedResponse &)> m_done;
    bool m_answered = false;
};

LocalFeedTransport::LocalFeedTransport(FeedHub *hub, Dispatcher dispatcher, QObject *parent)
    : FeedTransport(parent)
    , m_hub(hub)
    , m_dispatcher(std::make_shared<Dispatcher>(std::move(dispatcher)))
    , m_subscriberId(std::make_shared<quint64>(0)) {
    QPointer<LocalFeedTransport> self(this);
    std::shared_ptr<quint64> id = m_subscriberId;
    FeedHub *h = m_hub;
    QMetaObject::invokeMethod(
        m_hub,
        [h, id, self] {
            *id = h->addSubscriber([self](QList<FeedMessage> batch) {
                onMainThread([self, batch = std::move(batch)] {
                    if (self)
                        emit self->messages(batch);
                });
            });
        },
        Qt::QueuedConnection);
}

LocalFeedTransport::~LocalFeedTransport() {
    std::shared_ptr<quint64> id = m_subscriberId;
    FeedHub *hub = m_hub;
    QMetaObject::invokeMethod(
        m_hub, [hub, id] { hub->removeSubscriber(*id); }, Qt::QueuedConnection);
}

void LocalFeedTransport::subscribe(const QStringList &subjects) {
    setSubjects(subjects);
    std::shared_ptr<quint64> id = m_subscriberId;
    FeedHub *hub = m_hub;
    QMetaObject::invokeMethod(
        m_hub, [hub, id, subjects] { hub->setSubjects(*id, subjects); }, Qt::QueuedConnection);
}

void LocalFeedTransport::request(const FeedRequest &request, QObject *context,
                                 std::function<void(const FeedResponse &)> done) {
    HttpRequest http;
    http.head.method = request.method;
    http.head.target = request.target;
    http.head.headers.push_back({"Host", "embedded"});
    if (!request.body.isEmpty()) {
        http.head.headers.push_back({"Content-Type", "application/json"});
        http.head.headers.push_back({"Content-Length", QByteArray::number(request.body.size())});
    }
    http.body = request.body;
    http.peer = QHostAddress::LocalHost;
    auto responder = std::make_shared<Responder>(QPointer<QObject>(context), std::move(done));
    std::shared_ptr<Dispatcher> dispatcher = m_dispatcher;
    QMetaObject::invokeMethod(
        m_hub,
        [dispatcher, http = std::move(http), responder = std::move(responder)]() mutable {
            (*dispatcher)(http, std::move(responder));
        },
        Qt::QueuedConnection);
}

QString LocalFeedTransport::endpointLabel() const {
    return QStringLiteral("embedded");
}

void LocalFeedTransport::setEngineState(Connection state, const QString &detail) {
    setConnection(state, detail);
}

} // namespace ToolCapture
