#include <backend/feed/feed_transport.h>
#include <models/topic_tail_poller.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>

namespace ToolCapture {

namespace {

// Records from this long before the newest one seen are asked for again: Kafka timestamps are
// the producers' clocks, so a record of another partition may arrive a little out of order.
constexpr qint64 kOverlapMs = 250;

QByteArray encode(const QString &text) {
    return QUrl::toPercentEncoding(text);
}

QString problemDetail(const FeedResponse &response) {
    if (response.status == 0)
        return response.error;
    const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
    QString detail = problem.value(QLatin1String("detail")).toString();
    if (detail.isEmpty())
        detail = problem.value(QLatin1String("title")).toString();
    if (detail.isEmpty())
        detail = QString::fromUtf8(response.body.left(200));
    return QStringLiteral("%1: %2").arg(response.status).arg(detail);
}

} // namespace

TopicTailPoller::TopicTailPoller(FeedTransport *transport, QObject *parent)
    : QObject(parent)
    , m_transport(transport) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(std::chrono::milliseconds(500));
    connect(&m_timer, &QTimer::timeout, this, &TopicTailPoller::poll);
}

QByteArray TopicTailPoller::target(const Query &query, qint64 fromMs, int limit) {
    QByteArray target = "/api/v1/topics/" + encode(query.topic) +
                        "/messages?limit=" + QByteArray::number(limit) + "&timeout_ms=2000&from=";
    if (fromMs >= 0) {
        target += QByteArray::number(fromMs);
    } else {
        switch (query.from) {
        case From::Beginning:
            target += "beginning";
            break;
        case From::End:
            target += "end";
            break;
        case From::Time:
            target += QByteArray::number(query.time.toMSecsSinceEpoch());
            break;
        }
    }
    if (!query.key.isEmpty())
        target += "&key=" + encode(query.key);
    if (!query.fieldPointer.isEmpty()) {
        target += "&field=" + encode(query.fieldPointer);
        if (!query.fieldValue.isEmpty())
            target += "&value=" + encode(query.fieldValue);
    }
    return target;
}

void TopicTailPoller::start(const Query &query) {
    stop();
    m_query = query;
    m_running = true;
    // From the end: the first poll reads what arrives from now on. NOTE: "now" is this
    // machine's clock; against a remote instance with a skewed clock, the first records of the
    // tail may be a little early or late.
    m_cursorMs = query.from == From::End ? QDateTime::currentMSecsSinceEpoch() : -1;
    if (!m_paused)
        poll();
}

void TopicTailPoller::stop() {
    ++m_generation;
    m_running = false;
    m_inFlight = false;
    m_timer.stop();
    m_seen.clear();
}

void TopicTailPoller::setPaused(bool paused) {
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused)
        m_timer.stop();
    else if (m_running && !m_inFlight)
        poll();
}

void TopicTailPoller::poll() {
    if (!m_running || m_paused || m_inFlight || !m_transport)
        return;
    m_inFlight = true;
    FeedRequest request;
    request.target = target(m_query, m_cursorMs, m_limit);
    const quint64 generation = m_generation;
    m_transport->request(request, this, [this, generation](const FeedResponse &response) {
        answered(generation, response);
    });
}

void TopicTailPoller::answered(quint64 generation, const FeedResponse &response) {
    if (generation != m_generation)
        return;
    m_inFlight = false;
    if (!m_running)
        return;
    if (!m_paused)
        m_timer.start();
    if (!response.ok()) {
        emit failed(problemDetail(response));
        return;
    }
    QList<TopicRecord> parsed;
    QString error;
    if (!parseTopicMessages(response.body, &parsed, &error)) {
        emit failed(error);
        return;
    }
    qint64 newest = m_cursorMs;
    QList<TopicRecord> fresh;
    for (TopicRecord &record : parsed) {
        newest = std::max(newest, record.timestampMs);
        if (m_seen.contains({record.partition, record.offset}))
            continue;
        fresh.append(std::move(record));
    }
    // The topic API answers in partition and offset order; a tail reads as a timeline. Stable,
    // so that records of one time stay in partition and offset order.
    std::stable_sort(fresh.begin(), fresh.end(), [](const TopicRecord &a, const TopicRecord &b) {
        return a.timestampMs < b.timestampMs;
    });
    const bool full = parsed.size() >= m_limit;
    if (newest >= 0) {
        // A full answer of records already seen would come back the same: skip past it.
        const qint64 from = full && fresh.isEmpty() ? newest + 1 : newest - kOverlapMs;
        m_cursorMs = std::max(m_cursorMs, from);
        for (const TopicRecord &record : std::as_const(fresh))
            m_seen.insert({record.partition, record.offset}, record.timestampMs);
        // Forget what the next poll cannot return again.
        m_seen.removeIf([this](const auto &entry) { return entry.value() < m_cursorMs; });
    }
    if (full)
        emit behind();
    emit polled(int(fresh.size()));
    if (!fresh.isEmpty())
        emit records(fresh);
}

} // namespace ToolCapture
