#include <backend/feed/feed_endpoint.h>
#include <backend/feed/feed_hub.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>

#include <QTimer>

#include <algorithm>
#include <array>

namespace ToolCapture {

namespace {

qint64 steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool allDigits(QByteArrayView value) {
    return !value.isEmpty() && value.size() <= 18 &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A subject name as a JSON string; subject names are plain ASCII words.
QByteArray jsonString(const QString &text) {
    QByteArray out = "\"";
    for (QChar c : text) {
        if (c == u'"' || c == u'\\')
            out.append('\\');
        out.append(c.toLatin1());
    }
    out.append('"');
    return out;
}

} // namespace

FeedEndpoint::FeedEndpoint(FeedHub *hub, QObject *parent)
    : FeedEndpoint(hub, Options{}, parent) {}

FeedEndpoint::FeedEndpoint(FeedHub *hub, Options options, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_options(options)
    , m_leaseTimer(new QTimer(this)) {
    m_subscriber =
        m_hub->addSubscriber([this](QList<FeedMessage> batch) { onMessages(std::move(batch)); });
    m_leaseTimer->setInterval(std::max(std::chrono::milliseconds(100), m_options.lease / 6));
    connect(m_leaseTimer, &QTimer::timeout, this, &FeedEndpoint::expireLeases);
}

FeedEndpoint::~FeedEndpoint() {
    m_hub->removeSubscriber(m_subscriber);
}

void FeedEndpoint::handle(const HttpRequest &request,
                          const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    if (request.head.method != "GET") {
        HttpResponse response = ApiProblem::response(
            405, "The method " + request.head.method + " is not allowed here.", path);
        response.headers.push_back({"Allow", "GET"});
        responder->respond(std::move(response));
        return;
    }
    const QByteArray &target = request.head.target;
    const qsizetype mark = target.indexOf('?');
    const QByteArrayView query =
        mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1);
    static constexpr std::array<QByteArrayView, 3> known{"subjects", "after", "wait_ms"};
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(query, known, parameters, refused)) {
        responder->respond(ApiProblem::badParameter(refused.parameter, refused.reason, path));
        return;
    }
    Poll poll;
    qint64 waitMs = m_options.defaultWait.count();
    for (const auto &[name, value] : parameters) {
        if (name == "subjects") {
            for (const QByteArray &subject : value.split(',')) {
                const QString name = QString::fromUtf8(subject.trimmed());
                if (name.isEmpty())
                    continue;
                if (!m_hub->hasSubject(name)) {
                    responder->respond(ApiProblem::badParameter(
                        "subjects",
                        "no subject " + subject + " (there are " +
                            m_hub->subjectNames().join(QLatin1String(", ")).toUtf8() + ")",
                        path));
                    return;
                }
                if (!poll.subjects.contains(name))
                    poll.subjects.append(name);
            }
        } else if (name == "after") {
            if (!allDigits(value)) {
                responder->respond(
                    ApiProblem::badParameter("after", "a sequence number (0 or more)", path));
                return;
            }
            poll.after = value.toULongLong();
        } else if (name == "wait_ms") {
            if (!allDigits(value) || value.toLongLong() > m_options.maxWait.count()) {
                responder->respond(ApiProblem::badParameter(
                    "wait_ms",
                    "milliseconds from 0 to " + QByteArray::number(m_options.maxWait.count()),
                    path));
                return;
            }
            waitMs = value.toLongLong();
        }
    }
    // A client further behind than the ring reaches, or ahead of this hub (it restarted), is
    // reset: state subjects whole, append subjects from what is left.
    poll.reset = poll.after > 0 && (poll.after < m_droppedUpTo || poll.after > m_hub->lastSeq());
    poll.initial = poll.after == 0 || poll.reset;
    poll.responder = responder;
    renewLeases(poll.subjects);

    std::vector<const FeedMessage *> messages;
    if (ready(poll, messages) || waitMs == 0) {
        answer(poll, messages);
        return;
    }
    poll.id = m_nextPoll++;
    poll.timer = new QTimer(this);
    poll.timer->setSingleShot(true);
    const quint64 id = poll.id;
    connect(poll.timer, &QTimer::timeout, this, [this, id] { finish(id, true); });
    poll.timer->start(std::chrono::milliseconds(waitMs));
    m_polls.push_back(std::move(poll));
}

bool FeedEndpoint::ready(const Poll &poll, std::vector<const FeedMessage *> &messages) const {
    messages = collect(poll);
    if (messages.empty())
        return false;
    if (!poll.initial)
        return true;
    // A first poll waits until it can have every state document it asked for.
    for (const QString &subject : poll.subjects) {
        if (!m_hub->isAppendSubject(subject) && !m_latest.count(subject))
            return false;
    }
    return true;
}

std::vector<const FeedMessage *> FeedEndpoint::collect(const Poll &poll) const {
    std::vector<const FeedMessage *> out;
    for (const QString &subject : poll.subjects) {
        if (m_hub->isAppendSubject(subject)) {
            if (poll.after == 0)
                continue; // a new poller starts from now
            for (const FeedMessage &message : m_ring) {
                if (message.subject == subject && message.seq > poll.after)
                    out.push_back(&message);
            }
            continue;
        }
        const auto latest = m_latest.find(subject);
        if (latest == m_latest.end())
            continue;
        if (poll.initial || latest->second.seq > poll.after)
            out.push_back(&latest->second); // only the newest document of a state subject
    }
    std::sort(out.begin(), out.end(),
              [](const FeedMessage *a, const FeedMessage *b) { return a->seq < b->seq; });
    return out;
}

void FeedEndpoint::answer(Poll &poll, const std::vector<const FeedMessage *> &messages) {
    QByteArray body;
    qsizetype size = 64;
    for (const FeedMessage *message : messages)
        size += message->json.size() + 64;
    body.reserve(size);
    // The hub's newest seq: every message of ours up to it is in already (the hub hands them
    // over in the tick that numbers them).
    body.append("{\"seq\":").append(QByteArray::number(m_hub->lastSeq()));
    body.append(",\"reset\":").append(poll.reset ? "true" : "false");
    body.append(",\"messages\":[");
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const FeedMessage &m = *messages[i];
        if (i > 0)
            body.append(',');
        body.append("{\"subject\":").append(jsonString(m.subject));
        body.append(",\"append\":").append(m.append ? "true" : "false");
        body.append(",\"seq\":").append(QByteArray::number(m.seq));
        body.append(",\"data\":").append(m.json).append('}');
    }
    body.append("]}");
    HttpResponse response = HttpResponse::json(200, std::move(body));
    response.headers.push_back({"Cache-Control", "no-store"});
    poll.responder->respond(std::move(response));
    poll.responder.reset();
    // The lease runs from the end of the poll.
    renewLeases(poll.subjects);
}

void FeedEndpoint::finish(quint64 pollId, bool timedOut) {
    const auto it = std::find_if(m_polls.begin(), m_polls.end(),
                                 [pollId](const Poll &p) { return p.id == pollId; });
    if (it == m_polls.end())
        return;
    Poll poll = std::move(*it);
    m_polls.erase(it);
    if (poll.timer)
        poll.timer->deleteLater();
    std::vector<const FeedMessage *> messages;
    if (!ready(poll, messages) && !timedOut)
        return;
    answer(poll, messages);
}

void FeedEndpoint::onMessages(QList<FeedMessage> batch) {
    for (FeedMessage &message : batch) {
        if (!message.append) {
            m_latest[message.subject] = message;
            continue;
        }
        m_ring.push_back(std::move(message));
        while (m_ring.size() > std::size_t(std::max(1, m_options.ringMessages))) {
            m_droppedUpTo = std::max(m_droppedUpTo, m_ring.front().seq);
            m_ring.pop_front();
        }
    }
    // Answer the parked polls that have something now.
    std::vector<quint64> done;
    std::vector<const FeedMessage *> messages;
    for (const Poll &poll : m_polls) {
        if (ready(poll, messages))
            done.push_back(poll.id);
    }
    for (quint64 id : done)
        finish(id, false);
}

void FeedEndpoint::renewLeases(const QStringList &subjects) {
    const qint64 end = steadyMs() + m_options.lease.count();
    for (const QString &subject : subjects)
        m_leaseEnds[subject] = end;
    updateSubscription();
}

void FeedEndpoint::expireLeases() {
    const qint64 now = steadyMs();
    for (auto it = m_leaseEnds.begin(); it != m_leaseEnds.end();) {
        const QString &subject = it->first;
        const bool parked = std::any_of(m_polls.begin(), m_polls.end(), [&](const Poll &p) {
            return p.subjects.contains(subject);
        });
        if (!parked && it->second <= now)
            it = m_leaseEnds.erase(it);
        else
            ++it;
    }
    updateSubscription();
}

void FeedEndpoint::updateSubscription() {
    QStringList subjects;
    for (const auto &[subject, end] : m_leaseEnds)
        subjects.append(subject);
    if (subjects == m_subscribed)
        return;
    for (const QString &gone : std::as_const(m_subscribed)) {
        if (subjects.contains(gone))
            continue;
        // What was kept for it is stale once nobody polls it.
        m_latest.erase(gone);
        m_ring.erase(std::remove_if(m_ring.begin(), m_ring.end(),
                                    [&](const FeedMessage &m) { return m.subject == gone; }),
                     m_ring.end());
    }
    m_subscribed = subjects;
    m_hub->setSubjects(m_subscriber, subjects);
    if (subjects.isEmpty())
        m_leaseTimer->stop();
    else if (!m_leaseTimer->isActive())
        m_leaseTimer->start();
}

} // namespace ToolCapture
