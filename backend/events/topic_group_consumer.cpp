#include <backend/events/cloud_event.h>
#include <backend/events/topic_group_consumer.h>

#include <QLoggingCategory>

#include <librdkafka/rdkafka.h>
#include <utility>

namespace ToolCapture {

namespace {
Q_LOGGING_CATEGORY(lcGroupConsumer, "toolcapture.events.group_consumer")

bool isStructuredCloudEvent(const rd_kafka_message_t *message) {
    rd_kafka_headers_t *headers = nullptr;
    const void *value = nullptr;
    size_t size = 0;
    return rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
           rd_kafka_header_get_last(headers, "content-type", &value, &size) ==
               RD_KAFKA_RESP_ERR_NO_ERROR &&
           value &&
           CloudEvents::isStructuredContentType(
               QByteArrayView(static_cast<const char *>(value), qsizetype(size)));
}
} // namespace

struct TopicGroupConsumer::Handle {
    rd_kafka_t *rk = nullptr;
    ~Handle() {
        if (rk) {
            rd_kafka_consumer_close(rk);
            rd_kafka_destroy(rk);
        }
    }
};

TopicGroupConsumer::TopicGroupConsumer(Options options)
    : m_options(std::move(options)) {}

TopicGroupConsumer::~TopicGroupConsumer() = default;

bool TopicGroupConsumer::start(QString *error) {
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    const QByteArray bootstrap = m_options.brokers.toUtf8();
    const QByteArray groupId = m_options.groupId.toUtf8();
    const std::pair<const char *, const char *> settings[] = {
        {"bootstrap.servers", bootstrap.constData()},
        {"group.id", groupId.constData()},
        {"client.id", "toolcapture-analyser"},
        {"enable.auto.commit", "true"},
        {"allow.auto.create.topics", "false"},
        {"auto.offset.reset", m_options.fromBeginning ? "earliest" : "latest"},
        // NOTE: the embedded (mock) cluster answers a fetch only when this wait ends, so it
        // bounds the event-to-analyser latency there (10 ms, bench_analyser); real brokers
        // answer as soon as a message arrives. The price is a fetch per 10 ms while idle.
        {"fetch.wait.max.ms", "10"},
    };
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (const auto &[name, value] : settings) {
        if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return fail(QString::fromUtf8(errstr));
        }
    }
    rd_kafka_conf_set_log_cb(
        conf, [](const rd_kafka_t *, int level, const char *facility, const char *message) {
            qCDebug(lcGroupConsumer, "librdkafka %d %s: %s", level, facility, message);
        });
    auto handle = std::make_unique<Handle>();
    handle->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!handle->rk) {
        rd_kafka_conf_destroy(conf);
        return fail(
            QStringLiteral("cannot create a Kafka consumer: %1").arg(QString::fromUtf8(errstr)));
    }
    rd_kafka_poll_set_consumer(handle->rk);
    rd_kafka_topic_partition_list_t *topics =
        rd_kafka_topic_partition_list_new(int(m_options.topics.size()));
    for (const QString &topic : m_options.topics) {
        rd_kafka_topic_partition_list_add(topics, topic.toUtf8().constData(),
                                          RD_KAFKA_PARTITION_UA);
    }
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(QStringLiteral("cannot subscribe to %1: %2")
                        .arg(m_options.topics.join(QStringLiteral(", ")),
                             QString::fromUtf8(rd_kafka_err2str(err))));
    }
    m_handle = std::move(handle);
    return true;
}

int TopicGroupConsumer::poll(std::chrono::milliseconds timeout, int maxMessages, const Sink &sink) {
    if (!m_handle)
        return 0;
    int handed = 0;
    int wait = int(timeout.count());
    while (handed < maxMessages) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(m_handle->rk, wait);
        if (!message)
            break;
        wait = 0; // only the first waits
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char *topic = rd_kafka_topic_name(message->rkt);
            QByteArrayView value(static_cast<const char *>(message->payload),
                                 qsizetype(message->len));
            // A structured-mode event is handed on as binary mode would carry it: its data.
            bool readable = true;
            if (isStructuredCloudEvent(message)) {
                const std::optional<QByteArrayView> data = CloudEvents::structuredData(value);
                readable = data.has_value();
                if (readable)
                    value = *data;
            }
            if (readable) {
                sink(QByteArrayView(topic),
                     QByteArrayView(static_cast<const char *>(message->key),
                                    qsizetype(message->key_len)),
                     value);
                ++handed;
                ++m_messages;
            } else {
                ++m_errors;
                qCDebug(lcGroupConsumer,
                        "consumer: a structured CloudEvent without data on %s, offset %lld", topic,
                        static_cast<long long>(message->offset));
            }
        } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ++m_errors;
            qCDebug(lcGroupConsumer, "consumer: %s", rd_kafka_message_errstr(message));
        }
        rd_kafka_message_destroy(message);
    }
    return handed;
}

} // namespace ToolCapture
