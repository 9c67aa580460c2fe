#include <backend/core/error_out.h>
#include <backend/events/cloud_event.h>
#include <backend/events/topic_tail.h>

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QScopeGuard>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <librdkafka/rdkafka.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcTail, "toolcapture.events.tail")

using SteadyTime = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStartTimeout{10000}; // a tail's metadata and offset look-ups
constexpr milliseconds kPollSlice{100};      // how long stop() may wait for the worker
constexpr milliseconds kBatchLatency{100};   // a partial batch waits at most this long
constexpr int kMaxBatchesInFlight = 4;       // posted but not yet delivered: then the worker waits

std::atomic<quint64> g_tailCounter{0};

int remainingMs(SteadyTime::time_point deadline, milliseconds cap) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyTime::now());
    return int(std::clamp(left, milliseconds(0), cap).count());
}

// A TailFilter made ready for many messages: the pointer and the expected value parsed once.
class CompiledFilter {
public:
    explicit CompiledFilter(const TailFilter &filter)
        : m_key(filter.key.toStdString())
        , m_rawValue(filter.jsonValue.toStdString()) {
        if (filter.jsonPointer.isEmpty())
            return;
        try {
            m_pointer.emplace(filter.jsonPointer.toStdString());
        } catch (const nlohmann::json::exception &e) {
            m_error = QStringLiteral("invalid JSON pointer \"%1\": %2")
                          .arg(QString::fromUtf8(filter.jsonPointer), QString::fromUtf8(e.what()));
            return;
        }
        if (filter.jsonValue.isEmpty())
            return;
        nlohmann::json expected = nlohmann::json::parse(m_rawValue, nullptr, false);
        if (!expected.is_discarded())
            m_jsonValue = std::move(expected);
    }

    bool isValid() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }

    bool matches(std::string_view key, std::string_view value) const {
        if (!m_error.isEmpty())
            return false;
        if (!m_key.empty() && key != m_key)
            return false;
        if (!m_pointer)
            return true;
        const nlohmann::json doc = nlohmann::json::parse(value, nullptr, false);
        if (doc.is_discarded() || !doc.contains(*m_pointer))
            return false;
        if (m_rawValue.empty())
            return true;
        const nlohmann::json &found = doc.at(*m_pointer);
        if (m_jsonValue && found == *m_jsonValue)
            return true;
        return found.is_string() && found.get_ref<const std::string &>() == m_rawValue;
    }

private:
    std::string m_key;
    std::string m_rawValue;
    std::optional<nlohmann::json::json_pointer> m_pointer;
    std::optional<nlohmann::json> m_jsonValue;
    QString m_error;
};

std::string_view keyOf(const rd_kafka_message_t *m) {
    return m->key ? std::string_view(static_cast<const char *>(m->key), m->key_len)
                  : std::string_view();
}

std::string_view valueOf(const rd_kafka_message_t *m) {
    return m->payload ? std::string_view(static_cast<const char *>(m->payload), m->len)
                      : std::string_view();
}

TailMessage toTailMessage(const rd_kafka_message_t *m) {
    TailMessage out;
    out.topic = QString::fromUtf8(rd_kafka_topic_name(m->rkt));
    out.partition = m->partition;
    out.offset = m->offset;
    rd_kafka_timestamp_type_t type;
    out.timestampMs = rd_kafka_message_timestamp(m, &type);
    const std::string_view key = keyOf(m);
    out.key = QByteArray(key.data(), qsizetype(key.size()));
    const std::string_view value = valueOf(m);
    out.value = QByteArray(value.data(), qsizetype(value.size()));
    rd_kafka_headers_t *headers = nullptr;
    bool structured = false;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name = nullptr;
        const void *data = nullptr;
        size_t size = 0;
        for (size_t i = 0;
             rd_kafka_header_get_all(headers, i, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            out.headers.emplace_back(
                QByteArray(name),
                data ? QByteArray(static_cast<const char *>(data), qsizetype(size)) : QByteArray());
            if (QByteArrayView(out.headers.back().first)
                    .compare(QByteArrayView("content-type"), Qt::CaseInsensitive) == 0)
                structured = CloudEvents::isStructuredContentType(out.headers.back().second);
        }
    }
    // A structured-mode event is shown as binary mode carries it: the attributes as ce_*
    // headers, the event's JSON as the value. One that cannot be taken apart stays as it came.
    if (structured) {
        if (std::optional<CloudEvents::DecodedCloudEvent> event =
                CloudEvents::decodeStructured(out.value)) {
            out.headers = std::move(event->headers);
            out.value = std::move(event->data);
            out.structured = true;
        }
    }
    return out;
}

// Where one partition is read from, and its high watermark when reading began.
struct PartitionPosition {
    std::int32_t partition = 0;
    std::int64_t start = 0;
    std::int64_t high = 0;
    // The broker cannot look offsets up by time (librdkafka's mock cluster): read from the low
    // watermark and drop messages until the first one at or after this time.
    qint64 skipBeforeMs = -1;
};

} // namespace

// One consumer handle with manual assignment; closes and destroys it on destruction.
class TailConsumer {
public:
    ~TailConsumer() {
        if (m_rk) {
            rd_kafka_consumer_close(m_rk);
            rd_kafka_destroy(m_rk);
        }
    }

    static std::unique_ptr<TailConsumer> create(const QString &brokers, QString *error) {
        auto consumer = std::unique_ptr<TailConsumer>(new TailConsumer);
        // No commits: the group id only has to be unique, so that no two tails share offsets.
        const QByteArray groupId = QStringLiteral("toolcapture-tail-%1-%2")
                                       .arg(QCoreApplication::applicationPid())
                                       .arg(++g_tailCounter)
                                       .toUtf8();
        const QByteArray bootstrap = brokers.toUtf8();
        const std::pair<const char *, const char *> settings[] = {
            {"bootstrap.servers", bootstrap.constData()},
            {"group.id", groupId.constData()},
            {"client.id", "toolcapture-tail"},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", "true"},
            {"allow.auto.create.topics", "false"},
            // Offsets dropped by retention while we read: carry on from the oldest left.
            {"auto.offset.reset", "earliest"},
            {"fetch.wait.max.ms", "100"},
        };
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        for (const auto &[name, value] : settings) {
            if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                setError(error, QString::fromUtf8(errstr));
                return nullptr;
            }
        }
        rd_kafka_conf_set_opaque(conf, consumer.get());
        rd_kafka_conf_set_error_cb(conf, &TailConsumer::onError);
        rd_kafka_conf_set_log_cb(
            conf, [](const rd_kafka_t *, int level, const char *facility, const char *message) {
                qCDebug(lcTail, "librdkafka %d %s: %s", level, facility, message);
            });
        consumer->m_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
        if (!consumer->m_rk) {
            rd_kafka_conf_destroy(conf);
            setError(error, QStringLiteral("cannot create a Kafka consumer: %1")
                                .arg(QString::fromUtf8(errstr)));
            return nullptr;
        }
        consumer->m_brokers = brokers;
        return consumer;
    }

    rd_kafka_t *handle() const { return m_rk; }
    const QString &brokers() const { return m_brokers; }

    // Partitions of `topic`, its positions for `from`, then the assignment. `cancel` is checked
    // between short waits so that a stopping tail does not sit out the whole deadline. A tail's
    // consumer (`consumerQueue`) then takes its errors with its messages; a fetch's keeps them
    // on the main queue, served by expired(), so that it can be lent again (rd_kafka_poll() is
    // not allowed once the main queue is redirected).
    bool assignTopic(const std::string &topic, const TailStart &from,
                     SteadyTime::time_point deadline, const std::atomic<bool> *cancel,
                     bool consumerQueue, std::vector<PartitionPosition> *positions,
                     QString *error) {
        std::vector<std::int32_t> partitions;
        if (!loadPartitions(topic, deadline, cancel, &partitions, error))
            return false;
        if (!loadPositions(topic, partitions, from, deadline, cancel, positions, error))
            return false;
        rd_kafka_topic_partition_list_t *list =
            rd_kafka_topic_partition_list_new(int(positions->size()));
        for (const PartitionPosition &p : *positions)
            rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition)->offset = p.start;
        const rd_kafka_resp_err_t err = rd_kafka_assign(m_rk, list);
        rd_kafka_topic_partition_list_destroy(list);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            setError(error, QStringLiteral("cannot assign the partitions of %1: %2")
                                .arg(QString::fromStdString(topic),
                                     QString::fromUtf8(rd_kafka_err2str(err))));
            return false;
        }
        // From now on errors come with the messages, from rd_kafka_consumer_poll().
        if (consumerQueue)
            rd_kafka_poll_set_consumer(m_rk);
        return true;
    }

    // Ready to be lent again: the assignment dropped (an idle consumer that kept it would go on
    // fetching, up to queued.max.messages.kbytes), what was fetched for it discarded. False when
    // it should be closed instead: it has seen every broker down.
    bool reset() {
        rd_kafka_assign(m_rk, nullptr);
        // Bounded: with no assignment nothing new arrives, but a broken consumer must not spin.
        for (int i = 0; i < 100000; ++i) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(m_rk, 0);
            if (!m)
                break;
            rd_kafka_message_destroy(m);
        }
        rd_kafka_poll(m_rk, 0);
        return !m_allBrokersDown;
    }

    bool brokersDown() const { return m_allBrokersDown.load(); }

    QString unreachable() const {
        return QStringLiteral("cannot reach the Kafka brokers at %1").arg(m_brokers);
    }

private:
    TailConsumer() = default;

    static void onError(rd_kafka_t *, int err, const char *reason, void *opaque) {
        auto *self = static_cast<TailConsumer *>(opaque);
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE)
            self->m_allBrokersDown = true;
        qCDebug(lcTail, "consumer error %s: %s", rd_kafka_err2name(rd_kafka_resp_err_t(err)),
                reason);
    }

    bool cancelled(const std::atomic<bool> *cancel, QString *error) const {
        if (cancel && cancel->load()) {
            setError(error, QStringLiteral("stopped"));
            return true;
        }
        return false;
    }

    bool expired(SteadyTime::time_point deadline, QString *error) const {
        // Error callbacks are served here until the consumer queue takes over.
        rd_kafka_poll(m_rk, 0);
        if (m_allBrokersDown) {
            setError(error, unreachable());
            return true;
        }
        if (SteadyTime::now() >= deadline) {
            setError(error, unreachable() + QStringLiteral(" (timed out)"));
            return true;
        }
        return false;
    }

    // Asks for every topic, not this one: the mock brokers (and brokers before 0.11) create a
    // topic named in a metadata request, whatever allow.auto.create.topics says.
    bool loadPartitions(const std::string &topic, SteadyTime::time_point deadline,
                        const std::atomic<bool> *cancel, std::vector<std::int32_t> *out,
                        QString *error) {
        for (;;) {
            if (cancelled(cancel, error) || expired(deadline, error))
                return false;
            const rd_kafka_metadata_t *md = nullptr;
            const rd_kafka_resp_err_t err =
                rd_kafka_metadata(m_rk, 1, nullptr, &md, remainingMs(deadline, milliseconds(250)));
            if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)
                continue;
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                setError(error, QStringLiteral("cannot read the metadata of %1: %2")
                                    .arg(QString::fromStdString(topic),
                                         QString::fromUtf8(rd_kafka_err2str(err))));
                return false;
            }
            const rd_kafka_metadata_topic_t *found = nullptr;
            for (int i = 0; i < md->topic_cnt && !found; ++i) {
                if (topic == md->topics[i].topic)
                    found = &md->topics[i];
            }
            bool ready = false;
            if (found && found->err == RD_KAFKA_RESP_ERR_NO_ERROR && found->partition_cnt > 0) {
                for (int i = 0; i < found->partition_cnt; ++i)
                    out->push_back(found->partitions[i].id);
                std::sort(out->begin(), out->end());
                ready = true;
            }
            rd_kafka_metadata_destroy(md);
            if (ready)
                return true;
            if (!found) {
                setError(error,
                         QStringLiteral("unknown topic %1").arg(QString::fromStdString(topic)));
                return false;
            }
            // Listed, but its leaders are not known yet: ask again.
        }
    }

    bool queryWatermarks(const std::string &topic, PartitionPosition *p, std::int64_t *low,
                         SteadyTime::time_point deadline, const std::atomic<bool> *cancel,
                         QString *error) {
        for (;;) {
            if (cancelled(cancel, error) || expired(deadline, error))
                return false;
            const rd_kafka_resp_err_t err =
                rd_kafka_query_watermark_offsets(m_rk, topic.c_str(), p->partition, low, &p->high,
                                                 remainingMs(deadline, milliseconds(250)));
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                return true;
            if (err != RD_KAFKA_RESP_ERR__TIMED_OUT && err != RD_KAFKA_RESP_ERR__TRANSPORT &&
                err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
                err != RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) {
                setError(error, QStringLiteral("cannot read the offsets of %1 [%2]: %3")
                                    .arg(QString::fromStdString(topic))
                                    .arg(p->partition)
                                    .arg(QString::fromUtf8(rd_kafka_err2str(err))));
                return false;
            }
        }
    }

    // Offsets of the first message at or after `timestampMs` per partition; -1 where none.
    bool offsetsForTime(const std::string &topic, const std::vector<PartitionPosition> &positions,
                        qint64 timestampMs, SteadyTime::time_point deadline,
                        const std::atomic<bool> *cancel, std::map<std::int32_t, std::int64_t> *out,
                        QString *error) {
        for (;;) {
            if (cancelled(cancel, error) || expired(deadline, error))
                return false;
            rd_kafka_topic_partition_list_t *list =
                rd_kafka_topic_partition_list_new(int(positions.size()));
            for (const PartitionPosition &p : positions)
                rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition)->offset =
                    timestampMs;
            const rd_kafka_resp_err_t err =
                rd_kafka_offsets_for_times(m_rk, list, remainingMs(deadline, milliseconds(250)));
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                for (int i = 0; i < list->cnt; ++i) {
                    const rd_kafka_topic_partition_t &tp = list->elems[i];
                    (*out)[tp.partition] = tp.err ? -1 : tp.offset;
                }
            }
            rd_kafka_topic_partition_list_destroy(list);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                return true;
            if (err != RD_KAFKA_RESP_ERR__TIMED_OUT && err != RD_KAFKA_RESP_ERR__TRANSPORT) {
                setError(error, QStringLiteral("cannot look up offsets by time in %1: %2")
                                    .arg(QString::fromStdString(topic),
                                         QString::fromUtf8(rd_kafka_err2str(err))));
                return false;
            }
        }
    }

    bool loadPositions(const std::string &topic, const std::vector<std::int32_t> &partitions,
                       const TailStart &from, SteadyTime::time_point deadline,
                       const std::atomic<bool> *cancel, std::vector<PartitionPosition> *out,
                       QString *error) {
        std::map<std::int32_t, std::int64_t> lows;
        for (std::int32_t id : partitions) {
            PartitionPosition p;
            p.partition = id;
            std::int64_t low = 0;
            if (!queryWatermarks(topic, &p, &low, deadline, cancel, error))
                return false;
            lows[id] = low;
            p.start = from.kind == TailStart::Beginning ? low : p.high;
            out->push_back(p);
        }
        if (from.kind != TailStart::Timestamp)
            return true;

        std::map<std::int32_t, std::int64_t> byTime;
        // Negative times are Kafka's "latest" (-1) and "earliest" (-2): not what a time means here.
        const qint64 since = std::max<qint64>(from.timestampMs, 0);
        if (!offsetsForTime(topic, *out, since, deadline, cancel, &byTime, error))
            return false;
        // -1 means "no message at or after that time", or a broker without a time index (the
        // mock answers -1 to every time). Asking for time 0 tells them apart: a real broker
        // answers the first offset of a non-empty partition.
        std::vector<PartitionPosition> unsure;
        for (PartitionPosition &p : *out) {
            const std::int64_t offset = byTime.count(p.partition) ? byTime[p.partition] : -1;
            if (offset >= 0)
                p.start = offset;
            else if (lows[p.partition] < p.high)
                unsure.push_back(p);
        }
        if (unsure.empty())
            return true;
        std::map<std::int32_t, std::int64_t> probe;
        if (!offsetsForTime(topic, unsure, 0, deadline, cancel, &probe, error))
            return false;
        for (PartitionPosition &p : *out) {
            if (probe.count(p.partition) && probe[p.partition] < 0) {
                p.start = lows[p.partition];
                p.skipBeforeMs = since;
            }
        }
        return true;
    }

    rd_kafka_t *m_rk = nullptr;
    QString m_brokers;
    std::atomic<bool> m_allBrokersDown{false};
};

namespace {

// What every partition's reading has come to: skips messages before a start time where the
// broker could not find the start offset by time.
class PartitionTracker {
public:
    explicit PartitionTracker(const std::vector<PartitionPosition> &positions) {
        for (const PartitionPosition &p : positions)
            m_partitions[p.partition] = p;
    }

    // False for a message before the start time; true from the first one at or after it on.
    bool admit(const rd_kafka_message_t *m) {
        auto it = m_partitions.find(m->partition);
        if (it == m_partitions.end() || it->second.skipBeforeMs < 0)
            return true;
        rd_kafka_timestamp_type_t type;
        if (rd_kafka_message_timestamp(m, &type) < it->second.skipBeforeMs)
            return false;
        it->second.skipBeforeMs = -1;
        return true;
    }

    const std::map<std::int32_t, PartitionPosition> &partitions() const { return m_partitions; }

private:
    std::map<std::int32_t, PartitionPosition> m_partitions;
};

bool isFatal(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
           err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR__FATAL;
}

} // namespace

bool TailFilter::matches(const QByteArray &messageKey, const QByteArray &value) const {
    return CompiledFilter(*this).matches(
        std::string_view(messageKey.constData(), messageKey.size()),
        std::string_view(value.constData(), value.size()));
}

bool TailFilter::isValid(QString *error) const {
    const CompiledFilter compiled(*this);
    if (!compiled.isValid())
        setError(error, compiled.error());
    return compiled.isValid();
}

// The consumer side of a TopicTail: runs in its own std::thread, talks back through queued
// invocations on the tail. Shared with those invocations so that their bookkeeping stays valid.
struct TopicTail::Worker : std::enable_shared_from_this<TopicTail::Worker> {
    TopicTail *tail = nullptr;
    quint64 generation = 0;
    QString brokers;
    std::string topic;
    TailStart from;
    TailFilter filter;
    std::size_t maxBatch = 500;

    std::thread thread;
    std::atomic<bool> stopRequested{false};
    std::mutex mutex;
    std::condition_variable wake;
    int batchesInFlight = 0; // guarded by mutex

    void requestStop() {
        {
            std::lock_guard lock(mutex);
            stopRequested = true;
        }
        wake.notify_all();
    }

    void run() {
        QString error;
        if (!consume(&error) && !stopRequested)
            postError(error);
    }

    bool consume(QString *error) {
        const CompiledFilter compiled(filter);
        if (!compiled.isValid()) {
            *error = compiled.error();
            return false;
        }
        std::unique_ptr<TailConsumer> consumer = TailConsumer::create(brokers, error);
        if (!consumer)
            return false;
        std::vector<PartitionPosition> positions;
        if (!consumer->assignTopic(topic, from, SteadyTime::now() + kStartTimeout, &stopRequested,
                                   true, &positions, error))
            return false;
        PartitionTracker tracker(positions);
        post([](TopicTail *t) { emit t->started(); });

        std::vector<TailMessage> pending;
        SteadyTime::time_point firstPending;
        while (!stopRequested) {
            if (!waitForRoom())
                break;
            rd_kafka_message_t *m =
                rd_kafka_consumer_poll(consumer->handle(), int(kPollSlice.count()));
            const bool idle = !m || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (m) {
                if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    if (tracker.admit(m) && compiled.matches(keyOf(m), valueOf(m))) {
                        if (pending.empty())
                            firstPending = SteadyTime::now();
                        pending.push_back(toTailMessage(m));
                    }
                } else if (isFatal(m->err)) {
                    *error = QStringLiteral("reading %1 failed: %2")
                                 .arg(QString::fromStdString(topic),
                                      QString::fromUtf8(rd_kafka_message_errstr(m)));
                    rd_kafka_message_destroy(m);
                    return false;
                }
                rd_kafka_message_destroy(m);
            }
            if (!pending.empty() && (pending.size() >= maxBatch || idle ||
                                     SteadyTime::now() - firstPending >= kBatchLatency)) {
                postBatch(std::move(pending));
                pending.clear();
            }
        }
        return true;
    }

    // Holds the worker while the tail's thread has batches to catch up with: what a slow
    // receiver has not taken stays in Kafka, not in memory.
    bool waitForRoom() {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stopRequested || batchesInFlight < kMaxBatchesInFlight; });
        return !stopRequested;
    }

    template<typename F>
    void post(F &&deliver) {
        QMetaObject::invokeMethod(
            tail,
            [self = shared_from_this(), deliver = std::forward<F>(deliver)]() mutable {
                TopicTail *t = self->tail;
                if (t->m_worker == self && t->m_generation == self->generation)
                    deliver(t);
            },
            Qt::QueuedConnection);
    }

    void postBatch(std::vector<TailMessage> messages) {
        {
            std::lock_guard lock(mutex);
            ++batchesInFlight;
        }
        QMetaObject::invokeMethod(
            tail,
            [self = shared_from_this(), messages = std::move(messages)] {
                {
                    std::lock_guard lock(self->mutex);
                    --self->batchesInFlight;
                }
                self->wake.notify_all();
                TopicTail *t = self->tail;
                if (t->m_worker == self && t->m_generation == self->generation)
                    emit t->batch(messages);
            },
            Qt::QueuedConnection);
    }

    void postError(const QString &message) {
        post([message](TopicTail *t) {
            t->stop();
            emit t->error(message);
        });
    }
};

TopicTail::TopicTail(QObject *parent)
    : QObject(parent) {}

TopicTail::~TopicTail() {
    stop();
}

void TopicTail::start(const QString &brokers, const QString &topic, TailStart from,
                      TailFilter filter, int maxBatch) {
    stop();
    auto worker = std::make_shared<Worker>();
    worker->tail = this;
    worker->generation = ++m_generation;
    worker->brokers = brokers;
    worker->topic = topic.toStdString();
    worker->from = from;
    worker->filter = std::move(filter);
    worker->maxBatch = std::size_t(maxBatch > 0 ? maxBatch : 500);
    m_worker = worker;
    // A plain pointer: stop() joins the thread before it lets go of the worker.
    worker->thread = std::thread([w = worker.get()] { w->run(); });
}

void TopicTail::stop() {
    if (!m_worker)
        return;
    std::shared_ptr<Worker> worker = std::move(m_worker);
    ++m_generation;
    worker->requestStop();
    if (worker->thread.joinable())
        worker->thread.join();
}

bool TopicTail::isRunning() const {
    return m_worker != nullptr;
}

std::vector<TailMessage> TopicTail::fetch(const QString &brokers, const QString &topic,
                                          TailStart from, const TailFilter &filter, int limit,
                                          std::chrono::milliseconds timeout, QString *error,
                                          TailConsumerPool *pool) {
    std::vector<TailMessage> out;
    const CompiledFilter compiled(filter);
    if (!compiled.isValid()) {
        setError(error, compiled.error());
        return out;
    }
    if (limit <= 0)
        return out;
    const SteadyTime::time_point deadline = SteadyTime::now() + timeout;
    std::unique_ptr<TailConsumer> consumer =
        pool ? pool->take(brokers, error) : TailConsumer::create(brokers, error);
    if (!consumer)
        return out;
    // Lent again only after a fetch that ended as planned: one cut short may leave the consumer
    // in any state.
    bool reusable = false;
    const auto giveBack = qScopeGuard([&] {
        if (pool && reusable)
            pool->giveBack(std::move(consumer));
    });
    const std::string topicName = topic.toStdString();
    std::vector<PartitionPosition> positions;
    if (!consumer->assignTopic(topicName, from, deadline, nullptr, false, &positions, error))
        return out;

    PartitionTracker tracker(positions);
    // partition -> [start, high watermark): what this fetch reads. librdkafka drops what was
    // fetched for an earlier assignment of a lent consumer (and reset() emptied its queue); the
    // topic and offset checks keep this fetch's answer from depending on that.
    std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> remaining;
    for (const PartitionPosition &p : positions) {
        if (p.start < p.high)
            remaining[p.partition] = {p.start, p.high};
    }
    while (!remaining.empty() && out.size() < std::size_t(limit)) {
        const int wait = remainingMs(deadline, kPollSlice);
        if (wait <= 0)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer->handle(), wait);
        if (!m)
            continue;
        auto it = m->rkt && topicName == rd_kafka_topic_name(m->rkt) ? remaining.find(m->partition)
                                                                     : remaining.end();
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (it != remaining.end())
                remaining.erase(it);
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (isFatal(m->err)) {
                setError(error, QStringLiteral("reading %1 failed: %2")
                                    .arg(topic, QString::fromUtf8(rd_kafka_message_errstr(m))));
                rd_kafka_message_destroy(m);
                return {};
            }
        } else if (it != remaining.end() && m->offset >= it->second.first &&
                   m->offset < it->second.second) {
            if (m->offset + 1 >= it->second.second)
                remaining.erase(it);
            if (tracker.admit(m) && compiled.matches(keyOf(m), valueOf(m)))
                out.push_back(toTailMessage(m));
        }
        rd_kafka_message_destroy(m);
    }
    reusable = true;
    std::sort(out.begin(), out.end(), [](const TailMessage &a, const TailMessage &b) {
        return std::pair(a.partition, a.offset) < std::pair(b.partition, b.offset);
    });
    return out;
}

TailConsumerPool::TailConsumerPool(std::chrono::milliseconds idleTimeout, std::size_t maxIdle)
    : m_idleTimeout(idleTimeout)
    , m_maxIdle(maxIdle) {}

TailConsumerPool::~TailConsumerPool() = default;

std::unique_ptr<TailConsumer> TailConsumerPool::take(const QString &brokers, QString *error) {
    std::unique_ptr<TailConsumer> found;
    std::vector<Idle> expired;
    {
        std::lock_guard lock(m_mutex);
        expired = takeExpired(SteadyTime::now());
        // The most recently used: its connections are the likeliest to be up.
        for (auto it = m_idle.rbegin(); it != m_idle.rend(); ++it) {
            if (it->consumer->brokers() == brokers) {
                found = std::move(it->consumer);
                m_idle.erase(std::next(it).base());
                break;
            }
        }
    }
    expired.clear(); // closes them, outside the lock
    if (found)
        return found;
    std::unique_ptr<TailConsumer> created = TailConsumer::create(brokers, error);
    if (created)
        ++m_created;
    return created;
}

void TailConsumerPool::giveBack(std::unique_ptr<TailConsumer> consumer) {
    if (!consumer->reset())
        return; // closed here
    std::vector<Idle> closing;
    {
        std::lock_guard lock(m_mutex);
        m_idle.push_back({std::move(consumer), SteadyTime::now()});
        while (m_idle.size() > m_maxIdle) {
            closing.push_back(std::move(m_idle.front()));
            m_idle.erase(m_idle.begin());
        }
    }
}

void TailConsumerPool::expire() {
    std::vector<Idle> expired;
    {
        std::lock_guard lock(m_mutex);
        expired = takeExpired(SteadyTime::now());
    }
}

std::size_t TailConsumerPool::idleCount() const {
    std::lock_guard lock(m_mutex);
    return m_idle.size();
}

std::vector<TailConsumerPool::Idle>
TailConsumerPool::takeExpired(std::chrono::steady_clock::time_point now) {
    std::vector<Idle> expired;
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        if (now - it->since >= m_idleTimeout) {
            expired.push_back(std::move(*it));
            it = m_idle.erase(it);
        } else {
            ++it;
        }
    }
    return expired;
}

} // namespace ToolCapture
