#include <backend/analysis/analyser_host.h>
#include <backend/events/topic_group_consumer.h>

#include <QLoggingCategory>
#include <QMetaObject>
#include <QTimer>
#include <QUuid>

namespace ToolCapture {

namespace {
Q_LOGGING_CATEGORY(lcAnalyser, "toolcapture.analysis")

constexpr std::chrono::milliseconds kPollWait{50}; // the longest a query waits for a poll
constexpr int kMaxBatch = 2000;                    // events per poll
} // namespace

// The analyser thread's side: the consumer, the analyser and the loop that feeds it.
class AnalyserHost::Worker : public QObject {
public:
    Worker(AnalyserHost *host, std::unique_ptr<TopicGroupConsumer> consumer)
        : m_host(host)
        , m_consumer(std::move(consumer))
        , m_analyser(*host->m_options.clock, host->m_options.analyser)
        , m_snapshotPeriod(host->m_options.snapshotPeriod) {
        // The configuration's parser refuses bad templates; these came from elsewhere.
        for (const QString &refused : m_analyser.refusedTemplates())
            qCWarning(lcAnalyser).noquote() << "path template ignored:" << refused;
    }

    void begin() {
        // A zero timer: one poll (waiting at most kPollWait) per pass of the event loop, so
        // queries queued to this thread are answered between polls.
        m_pump = new QTimer(this);
        connect(m_pump, &QTimer::timeout, this, &Worker::pump);
        m_pump->start(m_consumer ? 0 : int(kPollWait.count()));
        m_lastSnapshot = m_host->m_options.clock->now();
    }

    void pump() {
        if (m_consumer) {
            m_consumer->poll(kPollWait, kMaxBatch,
                             [this](QByteArrayView topic, QByteArrayView, QByteArrayView value) {
                                 m_analyser.ingest(topic, value);
                             });
        }
        m_analyser.tick();
        m_host->m_eventsIngested.store(m_analyser.eventsIngested());
        const auto now = m_host->m_options.clock->now();
        if (now - m_lastSnapshot >= m_snapshotPeriod)
            publishSnapshot();
    }

    void publishSnapshot() {
        m_lastSnapshot = m_host->m_options.clock->now();
        AnalysisSnapshot snapshot = m_analyser.snapshot();
        AnalyserHost *host = m_host;
        QMetaObject::invokeMethod(
            host,
            [host, snapshot = std::move(snapshot)]() mutable {
                host->m_snapshot = std::move(snapshot);
                emit host->snapshotUpdated();
            },
            Qt::QueuedConnection);
    }

    EventAnalyser &analyser() { return m_analyser; }
    void countIngested() { m_host->m_eventsIngested.store(m_analyser.eventsIngested()); }

private:
    AnalyserHost *m_host;
    std::unique_ptr<TopicGroupConsumer> m_consumer;
    EventAnalyser m_analyser;
    std::chrono::milliseconds m_snapshotPeriod;
    Clock::time_point m_lastSnapshot;
    QTimer *m_pump = nullptr;
};

AnalyserHost::AnalyserHost(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options)) {
    if (m_options.groupId.isEmpty()) {
        m_options.groupId = QStringLiteral("toolcapture-analyser-") +
                            QUuid::createUuid().toString(QUuid::WithoutBraces);
    }
    m_thread.setObjectName(QStringLiteral("analyser"));
}

AnalyserHost::~AnalyserHost() {
    stop();
}

bool AnalyserHost::start(QString *error) {
    if (m_worker)
        return true;
    std::unique_ptr<TopicGroupConsumer> consumer;
    if (!m_options.brokers.isEmpty()) {
        consumer = std::make_unique<TopicGroupConsumer>(TopicGroupConsumer::Options{
            m_options.brokers, m_options.groupId, m_options.topics, m_options.fromBeginning});
        if (!consumer->start(error))
            return false;
        qCInfo(lcAnalyser).noquote()
            << "pattern analysis reads" << m_options.topics.size() << "topics at"
            << m_options.brokers << "as group" << m_options.groupId;
    }
    m_worker = new Worker(this, std::move(consumer));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->begin(); }, Qt::QueuedConnection);
    return true;
}

void AnalyserHost::stop() {
    if (!m_worker)
        return;
    m_thread.quit();
    m_thread.wait();
    m_worker = nullptr; // deleted in its thread as it finished
}

void AnalyserHost::query(std::function<QByteArray(const EventAnalyser &)> work,
                         std::function<void(QByteArray)> done) {
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [this, worker, work = std::move(work), done = std::move(done)]() mutable {
            QByteArray result = work(worker->analyser());
            QMetaObject::invokeMethod(
                this, [done = std::move(done), result = std::move(result)] { done(result); },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

QByteArray AnalyserHost::queryNow(const std::function<QByteArray(const EventAnalyser &)> &work) {
    if (!m_worker || !m_thread.isRunning())
        return {};
    Worker *worker = m_worker;
    QByteArray result;
    QMetaObject::invokeMethod(
        worker, [worker, &work, &result] { result = work(worker->analyser()); },
        Qt::BlockingQueuedConnection);
    return result;
}

void AnalyserHost::ingest(QByteArray topic, QByteArray payload) {
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, topic = std::move(topic), payload = std::move(payload)] {
            worker->analyser().ingest(topic, payload);
            worker->countIngested();
        },
        Qt::QueuedConnection);
}

} // namespace ToolCapture
