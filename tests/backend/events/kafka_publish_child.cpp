// A publisher in a process of its own, for the tests that kill it with SIGKILL and then check
// that another publisher sends every event.
//
// kafka_publish_child spool BROKERS SPOOL_DIR TOPIC COUNT MESSAGE_TIMEOUT_MS
//   publishes COUNT numbered events; prints "SPOOLED <COUNT>" once all of them are in the spool.
// kafka_publish_child drain BROKERS SPOOL_DIR TOPIC COUNT MESSAGE_TIMEOUT_MS
//   publishes nothing and re-publishes the spool slowly; prints "DRAINING <pending>" once the
//   committed cursor has passed a quarter of COUNT.
// Either way it then runs until it is killed.

#include <backend/events/kafka_publisher.h>
#include <tests/backend/events/kafka_publisher_fixture.h>

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

using namespace ToolCapture;

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool drain = args.value(1) == QLatin1String("drain");
    if (args.size() != 7 || (!drain && args.value(1) != QLatin1String("spool"))) {
        std::fprintf(stderr,
                     "usage: %s spool|drain BROKERS SPOOL_DIR TOPIC COUNT MESSAGE_TIMEOUT_MS\n",
                     argv[0]);
        return 2;
    }
    KafkaPublisher::Options options;
    options.brokers = args.at(2);
    options.spoolDir = args.at(3);
    const QByteArray topic = args.at(4).toUtf8();
    const int count = args.at(5).toInt();
    options.messageTimeout = std::chrono::milliseconds(args.at(6).toInt());
    options.linger = std::chrono::milliseconds(5);
    options.clientId = QStringLiteral("kafka_publish_child");
    if (drain)
        options.spoolInFlight = 10; // slow enough to be killed half-way

    KafkaPublisher publisher(options);
    QString error;
    if (!publisher.start(&error)) {
        std::fprintf(stderr, "start: %s\n", qPrintable(error));
        return 1;
    }
    if (!drain) {
        for (int i = 0; i < count; ++i)
            publisher.publish(TestKafka::makeEvent(topic, i));
    }

    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        const PublisherStats stats = publisher.stats();
        if (!drain && stats.spooled == std::uint64_t(count) &&
            stats.spoolPendingRecords == std::uint64_t(count)) {
            std::printf("SPOOLED %d\n", count);
        } else if (drain && stats.spoolPendingRecords <= std::uint64_t(count) * 3 / 4) {
            // The pending count falls only once the cursor is persisted.
            std::printf("DRAINING %llu\n",
                        static_cast<unsigned long long>(stats.spoolPendingRecords));
        } else {
            return;
        }
        std::fflush(stdout);
        poll.stop();
    });
    poll.start(drain ? 1 : 10);
    return app.exec();
}
