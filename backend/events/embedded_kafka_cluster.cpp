#include <backend/core/error_out.h>
#include <backend/events/embedded_kafka_cluster.h>

#include <QMutex>
#include <QMutexLocker>

#include <algorithm>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace ToolCapture {

namespace {

constexpr std::int16_t kProduceApiKey = 0; // RD_KAFKAP_Produce, not in the public headers

} // namespace

struct EmbeddedKafkaCluster::Private {
    // Guards the pointers, not the mock: the mock API is thread-safe, but start() and the
    // destructor must not race with a call that uses the cluster.
    mutable QMutex mutex;
    rd_kafka_t *handle = nullptr; // the mock cluster's bookkeeping handle, never used to produce
    rd_kafka_mock_cluster_t *cluster = nullptr;
    QString bootstraps;
    int brokers = 0;
};

EmbeddedKafkaCluster::EmbeddedKafkaCluster()
    : d(std::make_unique<Private>()) {}

EmbeddedKafkaCluster::~EmbeddedKafkaCluster() {
    QMutexLocker lock(&d->mutex);
    // librdkafka aborts if the handle goes before its mock cluster.
    if (d->cluster)
        rd_kafka_mock_cluster_destroy(d->cluster);
    if (d->handle)
        rd_kafka_destroy(d->handle);
}

bool EmbeddedKafkaCluster::start(int brokers, QString *error) {
    QMutexLocker lock(&d->mutex);
    if (d->cluster) {
        setError(error, QStringLiteral("the embedded Kafka cluster is already running"));
        return false;
    }
    if (brokers < 1) {
        setError(error, QStringLiteral("the embedded Kafka cluster needs at least one broker"));
        return false;
    }

    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    // The handle only hosts the cluster; keep it from logging connection attempts to nowhere.
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        setError(error, QString::fromUtf8(errstr));
        return false;
    }
    rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!handle) {
        rd_kafka_conf_destroy(conf);
        setError(error, QStringLiteral("cannot create the embedded Kafka cluster's client: %1")
                            .arg(QString::fromUtf8(errstr)));
        return false;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle, brokers);
    if (!cluster) {
        rd_kafka_destroy(handle);
        setError(error, QStringLiteral("cannot create the embedded Kafka cluster (no free port on "
                                       "127.0.0.1?)"));
        return false;
    }
    d->handle = handle;
    d->cluster = cluster;
    d->brokers = brokers;
    d->bootstraps = QString::fromUtf8(rd_kafka_mock_cluster_bootstraps(cluster));
    return true;
}

bool EmbeddedKafkaCluster::isRunning() const {
    QMutexLocker lock(&d->mutex);
    return d->cluster != nullptr;
}

QString EmbeddedKafkaCluster::bootstrapServers() const {
    QMutexLocker lock(&d->mutex);
    return d->bootstraps;
}

bool EmbeddedKafkaCluster::createTopic(const QString &topic, int partitions, QString *error) {
    QMutexLocker lock(&d->mutex);
    if (!d->cluster) {
        setError(error, QStringLiteral("the embedded Kafka cluster is not running"));
        return false;
    }
    if (topic.isEmpty() || partitions < 1) {
        setError(error, QStringLiteral("a topic needs a name and at least one partition"));
        return false;
    }
    const int replication = std::min(d->brokers, 3);
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(d->cluster, topic.toUtf8().constData(), partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        setError(error, QStringLiteral("cannot create topic %1: %2")
                            .arg(topic, QString::fromUtf8(rd_kafka_err2str(err))));
        return false;
    }
    return true;
}

void EmbeddedKafkaCluster::setBrokerDown(int brokerId, bool down) {
    QMutexLocker lock(&d->mutex);
    if (!d->cluster || brokerId < 1 || brokerId > d->brokers)
        return;
    if (down)
        rd_kafka_mock_broker_set_down(d->cluster, brokerId);
    else
        rd_kafka_mock_broker_set_up(d->cluster, brokerId);
}

void EmbeddedKafkaCluster::setAllBrokersDown(bool down) {
    QMutexLocker lock(&d->mutex);
    if (!d->cluster)
        return;
    for (int id = 1; id <= d->brokers; ++id) {
        if (down)
            rd_kafka_mock_broker_set_down(d->cluster, id);
        else
            rd_kafka_mock_broker_set_up(d->cluster, id);
    }
}

void EmbeddedKafkaCluster::pushProduceErrors(int brokerId, int count, int errorCode) {
    QMutexLocker lock(&d->mutex);
    if (!d->cluster || brokerId < 1 || brokerId > d->brokers)
        return;
    // The call takes (error, rtt) pairs as variadic arguments: one pair per call.
    for (int i = 0; i < count; ++i)
        rd_kafka_mock_broker_push_request_error_rtts(d->cluster, brokerId, kProduceApiKey, 1,
                                                     static_cast<rd_kafka_resp_err_t>(errorCode),
                                                     0);
}

int EmbeddedKafkaCluster::pendingProduceErrors(int brokerId) const {
    QMutexLocker lock(&d->mutex);
    std::size_t pending = 0;
    if (!d->cluster || rd_kafka_mock_broker_error_stack_cnt(d->cluster, brokerId, kProduceApiKey,
                                                            &pending) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return int(pending);
}

bool EmbeddedKafkaCluster::setPartitionLeader(const QString &topic, int partition, int brokerId) {
    QMutexLocker lock(&d->mutex);
    if (!d->cluster || brokerId < 1 || brokerId > d->brokers || partition < 0)
        return false;
    return rd_kafka_mock_partition_set_leader(d->cluster, topic.toUtf8().constData(), partition,
                                              brokerId) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int EmbeddedKafkaCluster::brokerCount() const {
    QMutexLocker lock(&d->mutex);
    return d->brokers;
}

} // namespace ToolCapture
