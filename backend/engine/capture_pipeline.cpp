#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/capture/capture_store.h>
#include <backend/core/logging.h>
#include <backend/engine/capture_pipeline.h>
#include <backend/events/event_batch.h>
#include <backend/events/event_sink.h>
#include <backend/events/proxy_events.h>

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

// Secrets shorter than this are not searched for in bodies: they would match innocent text.
constexpr qsizetype kMinScrubbedSecret = 6;

// The parts of a sensitive field's value that are secret: the whole value, the credentials
// after an Authorization scheme ("Bearer <token>"), and each cookie's value.
void secretTokens(const QByteArray &value, std::vector<QByteArray> &out) {
    out.push_back(value.trimmed());
    const qsizetype space = value.indexOf(' ');
    if (space > 0)
        out.push_back(value.mid(space + 1).trimmed());
    for (const QByteArray &pair : value.split(';')) {
        const qsizetype equals = pair.indexOf('=');
        if (equals > 0)
            out.push_back(pair.mid(equals + 1).trimmed());
    }
}

// Replaces every secret of the exchange in its kept bodies with the redaction marker.
void scrubSecrets(CaptureRecord &record) {
    if (record.secrets.empty())
        return;
    std::vector<QByteArray> tokens;
    for (const QByteArray &value : record.secrets)
        secretTokens(value, tokens);
    // Longest first, so a token containing another is replaced whole.
    std::sort(tokens.begin(), tokens.end(),
              [](const QByteArray &a, const QByteArray &b) { return a.size() > b.size(); });
    for (const QByteArray &token : tokens) {
        if (token.size() < kMinScrubbedSecret)
            continue;
        if (record.requestBody.contains(token))
            record.requestBody.replace(token, CaptureRecord::kRedacted);
        if (record.responseBody.contains(token))
            record.responseBody.replace(token, CaptureRecord::kRedacted);
    }
    record.secrets.clear();
}

// A uniform draw in [0, 1) from a correlation id: FNV-1a, then SplitMix64's finaliser so that
// ids differing in their last characters spread over the whole interval. `salt` gives an
// independent draw from the same id.
double sampleDraw(const QByteArray &correlationId, std::uint64_t salt) {
    std::uint64_t h = 14695981039346656037ull ^ salt;
    for (const char c : correlationId) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return double(h >> 11) * 0x1.0p-53;
}

constexpr std::uint64_t kBodySalt = 0x9e3779b97f4a7c15ull;

// The bodies sampling leaves out: a request without its body cannot be replayed; a response
// without it is marked truncated.
void dropBodies(CaptureRecord &record) {
    if (!record.requestBody.isEmpty() || record.requestBytes > 0) {
        record.requestBody = QByteArray();
        record.replayable = false;
    }
    if (!record.responseBody.isEmpty() || record.responseBytes > 0) {
        record.responseBody = QByteArray();
        record.responseBodyTruncated = true;
    }
}

} // namespace

class CapturePipeline::Worker final : public QObject {
public:
    Worker(CapturePipeline &pipeline)
        : m_pipeline(pipeline)
        , m_sampling(pipeline.m_config.sampling)
        , m_serviceSampling(pipeline.m_config.serviceSampling)
        , m_sampled(pipeline.m_sampled) {}

    // Capture thread: a service's sampling from the next batch on.
    void setSampling(const QString &service, const CaptureSampling &sampling) {
        m_serviceSampling.insert(service, sampling);
        m_sampled = m_sampled || sampling.sampleRate < 1.0 || sampling.bodySampleRate < 1.0;
    }

    bool open(QString *error) {
        m_store = std::make_unique<CaptureStore>();
        if (!m_store->open(m_pipeline.m_storePath, m_pipeline.m_config.storeMaxBytes,
                           m_pipeline.m_config.storeMaxRecords, error)) {
            m_store.reset();
            return false;
        }
        m_timer = new QTimer(this);
        m_timer->setInterval(kDrainPeriod);
        connect(m_timer, &QTimer::timeout, this, [this] {
            const bool found = drain();
            const auto wait = nextDrainWait(m_timer->intervalAsDuration(), found);
            if (wait != m_timer->intervalAsDuration())
                m_timer->setInterval(wait);
        });
        m_timer->start();
        return true;
    }

    void close() {
        drain();
        if (m_timer)
            m_timer->stop();
        m_store.reset();
    }

    // Whether there was anything to take.
    bool drain() {
        m_batch.clear();
        m_pipeline.m_queue->drain(m_batch);
        if (m_batch.empty())
            return false;
        sample();
        if (m_batch.empty())
            return true;
        for (CaptureRecord &record : m_batch)
            complete(record);
        if (m_store && m_store->append(m_batch)) {
            m_pipeline.m_stored.fetch_add(m_batch.size(), std::memory_order_relaxed);
            if (m_pipeline.m_storedHook)
                m_pipeline.m_storedHook(m_batch);
        } else {
            m_pipeline.m_storeFailures.fetch_add(m_batch.size(), std::memory_order_relaxed);
        }
        if (EventSink *sink = m_pipeline.m_sink) {
            // The batch's events are written into one buffer and handed to the sink at once:
            // no allocation and no sink call per event.
            std::unique_ptr<EventBatch> events = sink->batchToFill();
            std::uint64_t published = 0;
            for (const CaptureRecord &record : m_batch) {
                m_builder.build(record, *events);
                if (events->byteCount() >= EventBatch::kHandOverBytes) {
                    published += events->size();
                    sink->publishBatch(std::move(events));
                    events = sink->batchToFill();
                }
            }
            published += events->size();
            sink->publishBatch(std::move(events));
            m_pipeline.m_published.fetch_add(published, std::memory_order_relaxed);
        }
        m_pipeline.m_batches.fetch_add(1, std::memory_order_relaxed);
        // Back to the workers, emptied, with their buffers (CaptureQueue::giveBack).
        for (CaptureRecord &record : m_batch)
            record.clearForReuse();
        m_pipeline.m_queue->giveBack(m_batch);
        return true;
    }

private:
    // Keeps the exchanges their service's sampling takes, without the bodies it leaves out.
    void sample() {
        if (!m_sampled || m_batch.empty())
            return;
        size_t kept = 0;
        for (size_t i = 0; i < m_batch.size(); ++i) {
            CaptureRecord &record = m_batch[i];
            const auto own = m_serviceSampling.constFind(record.service);
            const CaptureSampling &sampling =
                own == m_serviceSampling.constEnd() ? m_sampling : *own;
            if (sampleDraw(record.correlationId, 0) >= sampling.sampleRate)
                continue;
            if (sampleDraw(record.correlationId, kBodySalt) >= sampling.bodySampleRate)
                dropBodies(record);
            if (kept != i)
                m_batch[kept] = std::move(record);
            ++kept;
        }
        m_pipeline.m_sampledOut.fetch_add(m_batch.size() - kept, std::memory_order_relaxed);
        m_batch.resize(kept);
    }

    // What the worker left to this thread.
    void complete(CaptureRecord &record) {
        scrubSecrets(record);
        // The worker stored the request target whole.
        const qsizetype question = record.path.indexOf('?');
        if (question >= 0) {
            record.query = record.path.mid(question + 1);
            record.path.truncate(question);
        }
    }

    CapturePipeline &m_pipeline;
    std::unique_ptr<CaptureStore> m_store;
    ProxyEventBuilder m_builder;
    std::vector<CaptureRecord> m_batch;
    QTimer *m_timer = nullptr;
    // The sampling in force: the configuration's, then what setSampling() changed.
    CaptureSampling m_sampling;
    QHash<QString, CaptureSampling> m_serviceSampling;
    bool m_sampled = false;
};

CapturePipeline::CapturePipeline(const CaptureConfig &config, int lanes, EventSink *sink)
    : m_config(config)
    , m_queue(std::make_unique<CaptureQueue>(lanes, config.queueCapacity))
    , m_filter(std::make_unique<CaptureHeaderFilter>(config))
    , m_sink(sink) {
    const auto partial = [](const CaptureSampling &s) {
        return s.sampleRate < 1.0 || s.bodySampleRate < 1.0;
    };
    m_sampled = partial(config.sampling) || std::any_of(config.serviceSampling.cbegin(),
                                                        config.serviceSampling.cend(), partial);
    m_storePath = config.storePath;
    if (m_storePath.isEmpty()) {
        m_storePath = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                      QStringLiteral("/captures.sqlite");
    }
}

CapturePipeline::~CapturePipeline() {
    stop();
}

std::chrono::milliseconds CapturePipeline::nextDrainWait(std::chrono::milliseconds last,
                                                         bool foundWork) {
    if (foundWork)
        return kDrainPeriod;
    return std::clamp(last * 2, kDrainPeriod, kIdleDrainPeriod);
}

bool CapturePipeline::start(QString *error) {
    if (m_thread)
        return true;
    if (!QDir().mkpath(QFileInfo(m_storePath).absolutePath())) {
        if (error)
            *error = QStringLiteral("cannot create the directory of the capture store %1")
                         .arg(m_storePath);
        return false;
    }
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("capture"));
    m_worker = new Worker(*this);
    m_worker->moveToThread(m_thread);
    QObject::connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    bool opened = false;
    QString why;
    QMetaObject::invokeMethod(
        m_worker, [&] { opened = m_worker->open(&why); }, Qt::BlockingQueuedConnection);
    if (!opened) {
        if (error)
            *error = why;
        stop();
        return false;
    }
    qCInfo(lcEngine).noquote() << "capture store" << m_storePath;
    return true;
}

void CapturePipeline::stop() {
    if (!m_thread)
        return;
    QMetaObject::invokeMethod(
        m_worker, [this] { m_worker->close(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread; // the worker was deleted when the thread finished
    m_thread = nullptr;
    m_worker = nullptr;
}

CaptureSampling CapturePipeline::sampling(const QString &service) const {
    return m_config.serviceSampling.value(service, m_config.sampling);
}

void CapturePipeline::setSampleRate(const QString &service, double rate) {
    CaptureSampling sampling = this->sampling(service);
    sampling.sampleRate = rate;
    m_config.serviceSampling.insert(service, sampling);
    m_sampled = m_sampled || rate < 1.0;
    if (m_worker) {
        QMetaObject::invokeMethod(
            m_worker,
            [worker = m_worker, service, sampling] { worker->setSampling(service, sampling); },
            Qt::QueuedConnection);
    }
}

CapturePipeline::Stats CapturePipeline::stats() const {
    Stats s;
    s.queued = m_queue->pushed();
    s.dropped = m_queue->dropped();
    s.stored = m_stored.load(std::memory_order_relaxed);
    s.storeFailures = m_storeFailures.load(std::memory_order_relaxed);
    s.published = m_published.load(std::memory_order_relaxed);
    s.batches = m_batches.load(std::memory_order_relaxed);
    s.sampledOut = m_sampledOut.load(std::memory_order_relaxed);
    return s;
}

} // namespace ToolCapture
