#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace ToolCapture {

// Reads several topics as a member of a Kafka consumer group (subscription, partitions assigned
// by the group, offsets committed automatically), for a consumer that processes every event
// once per group, such as the pattern analyser. Nothing runs by itself: the owner calls poll()
// from its thread. Used by one thread at a time (start() may run on another thread than the
// polls that follow it).
class TopicGroupConsumer {
public:
    struct Options {
        QString brokers; // bootstrap.servers
        QString groupId;
        QStringList topics;
        // Where a group without committed offsets starts: the oldest message kept, or only
        // what is produced from now on.
        bool fromBeginning = false;
    };
    // One message: its topic, key and value, valid during the call. The value of a CloudEvent in
    // structured mode is its data, as binary mode carries it; one without data is not handed on
    // but counted in errors().
    using Sink =
        std::function<void(QByteArrayView topic, QByteArrayView key, QByteArrayView value)>;

    explicit TopicGroupConsumer(Options options);
    ~TopicGroupConsumer(); // leaves the group
    TopicGroupConsumer(const TopicGroupConsumer &) = delete;
    TopicGroupConsumer &operator=(const TopicGroupConsumer &) = delete;

    // Creates the consumer and subscribes; false with the reason when the configuration is
    // refused. Brokers that cannot be reached are not an error: it keeps trying.
    bool start(QString *error = nullptr);
    // Hands up to `maxMessages` messages to `sink`, waiting at most `timeout` for the first;
    // returns how many it handed on.
    int poll(std::chrono::milliseconds timeout, int maxMessages, const Sink &sink);

    std::uint64_t messages() const noexcept { return m_messages; }
    std::uint64_t errors() const noexcept { return m_errors; }

private:
    struct Handle;

    Options m_options;
    std::unique_ptr<Handle> m_handle;
    std::uint64_t m_messages = 0;
    std::uint64_t m_errors = 0;
};

} // namespace ToolCapture
