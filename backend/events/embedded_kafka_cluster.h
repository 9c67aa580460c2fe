#pragma once

#include <QString>

#include <memory>

namespace ToolCapture {

// A Kafka cluster inside the process (librdkafka's mock brokers, listening on 127.0.0.1 on
// ephemeral ports) for the demo mode and the tests: real Kafka clients, kcat included, reach it
// through bootstrapServers(). Every method is thread-safe; the brokers run in librdkafka's own
// threads.
// NOTE: the mock brokers keep at most 5 MiB (and 100000 produce batches) per partition in
// memory, dropping the oldest, so hours of demo traffic do not grow the heap; a reader that falls
// further behind loses what was dropped. They also create any topic a client names in a metadata
// request (producers included), and the destructor takes about a second (the mock's I/O loop
// notices the shutdown on its next 1 s tick).
class EmbeddedKafkaCluster {
public:
    EmbeddedKafkaCluster();
    ~EmbeddedKafkaCluster();
    EmbeddedKafkaCluster(const EmbeddedKafkaCluster &) = delete;
    EmbeddedKafkaCluster &operator=(const EmbeddedKafkaCluster &) = delete;

    // Starts `brokers` brokers (ids 1..brokers). False, with the reason in `error`, when the
    // cluster cannot be created or is already running.
    bool start(int brokers, QString *error = nullptr);
    bool isRunning() const;
    // "127.0.0.1:port,127.0.0.1:port"; empty before start().
    QString bootstrapServers() const;

    // Replication factor: the broker count, at most 3. Creating a topic that exists fails.
    bool createTopic(const QString &topic, int partitions, QString *error = nullptr);

    // A broker that is down drops its connections and refuses new ones; partitions keep their
    // leader (no failover), so a producer to them waits until the broker is up again.
    void setBrokerDown(int brokerId, bool down);
    void setAllBrokersDown(bool down);
    // The next `count` Produce requests that reach broker `brokerId` fail with `errorCode`, an
    // rd_kafka_resp_err_t value (e.g. 7 REQUEST_TIMED_OUT, 6 NOT_LEADER_FOR_PARTITION), and how
    // many of those no request has taken yet (-1: no such broker): tests that inject errors
    // check that every one was answered, instead of leaving some for whatever produces next.
    void pushProduceErrors(int brokerId, int count, int errorCode);
    int pendingProduceErrors(int brokerId) const;
    // Moves the leadership of one partition (a producer learns it from its next metadata).
    bool setPartitionLeader(const QString &topic, int partition, int brokerId);
    int brokerCount() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ToolCapture
