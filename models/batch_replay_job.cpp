#include <backend/feed/feed_transport.h>
#include <models/batch_replay_job.h>
#include <models/replay_request.h>

namespace ToolCapture {

BatchReplayJob::BatchReplayJob(FeedTransport *transport, QList<CaptureSummary> captures,
                               QString instance, int concurrency, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
    , m_instance(std::move(instance))
    , m_concurrency(std::max(1, concurrency)) {
    for (CaptureSummary &capture : captures)
        m_items.push_back({std::move(capture), Item::State::Waiting, {}});
}

void BatchReplayJob::start() {
    for (int i = 0; i < m_concurrency; ++i)
        launchNext();
    if (m_items.isEmpty())
        QMetaObject::invokeMethod(this, &BatchReplayJob::finishIfIdle, Qt::QueuedConnection);
}

void BatchReplayJob::cancel() {
    if (m_cancelled || m_finished)
        return;
    m_cancelled = true;
    for (int i = m_next; i < m_items.size(); ++i)
        m_items[i].state = Item::State::Cancelled;
    m_next = int(m_items.size());
    finishIfIdle();
}

int BatchReplayJob::changedCount() const {
    int n = 0;
    for (const Item &item : m_items)
        n += item.state == Item::State::Done && item.outcome.ok && item.outcome.diff.changed;
    return n;
}

int BatchReplayJob::failedCount() const {
    int n = 0;
    for (const Item &item : m_items)
        n += item.state == Item::State::Done && !item.outcome.ok;
    return n;
}

void BatchReplayJob::launchNext() {
    if (m_cancelled || m_next >= m_items.size() || !m_transport)
        return;
    const int index = m_next++;
    m_items[index].state = Item::State::Running;
    ++m_running;
    ReplayRequest replay;
    replay.instance = m_instance;
    FeedRequest request;
    request.method = "POST";
    request.target = ReplayRequest::target(m_items[index].capture.id);
    request.body = replay.toJson();
    m_transport->request(request, this, [this, index](const FeedResponse &response) {
        --m_running;
        Item &item = m_items[index];
        item.state = Item::State::Done;
        item.outcome = ReplayOutcome::fromResponse(response.status, response.body, response.error);
        ++m_done;
        emit itemFinished(index);
        emit progress(m_done, int(m_items.size()));
        launchNext();
        finishIfIdle();
    });
}

void BatchReplayJob::finishIfIdle() {
    if (m_finished || m_running > 0 || m_next < m_items.size())
        return;
    m_finished = true;
    emit finished();
}

} // namespace ToolCapture
