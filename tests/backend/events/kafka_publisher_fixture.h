#pragma once

// Shared by the KafkaPublisher tests: events numbered by their key, and the check that each one
// arrived exactly once, in order within its partition.

#include <backend/events/event_sink.h>
#include <backend/events/kafka_publisher.h>
#include <backend/events/topic_tail.h>

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <chrono>
#include <map>
#include <vector>

namespace ToolCapture::TestKafka {

inline OutgoingEvent makeEvent(const QByteArray &topic, int i, int valueBytes = 0) {
    OutgoingEvent event;
    event.topic = topic;
    event.key = "k-" + QByteArray::number(i);
    event.value = "{\"i\":" + QByteArray::number(i);
    if (valueBytes > 0)
        event.value += ",\"pad\":\"" + QByteArray(valueBytes, 'p') + '"';
    event.value += '}';
    event.ceId = "id-" + QByteArray::number(i);
    event.ceType = "com.toolcapture.test.event";
    event.ceSource = "/toolcapture/test";
    event.timeUs = 1'763'830'800'000'000 + std::int64_t(i) * 1001;
    return event;
}

inline int indexOfKey(const QByteArray &key) {
    return key.startsWith("k-") ? key.mid(2).toInt() : -1;
}

inline QByteArray header(const TailMessage &message, const QByteArray &name) {
    for (const auto &[key, value] : message.headers) {
        if (key == name)
            return value;
    }
    return QByteArray("<missing>");
}

inline std::vector<TailMessage> readTopic(const QString &brokers, const QString &topic, int limit,
                                          QString *error) {
    return TopicTail::fetch(brokers, topic, TailStart{TailStart::Beginning, 0}, TailFilter{}, limit,
                            std::chrono::seconds(20), error);
}

// How the events 0..count-1 arrived: keys missing, keys seen more than once, messages whose
// index goes backwards within their partition, keys outside the range.
struct Arrival {
    QStringList missing;
    int duplicates = 0;
    int outOfOrder = 0;
    int strangers = 0;

    QString describe() const {
        return QStringLiteral("missing %1 (%2), duplicates %3, out of order %4, strangers %5")
            .arg(missing.size())
            .arg(missing.mid(0, 10).join(QLatin1Char(' ')))
            .arg(duplicates)
            .arg(outOfOrder)
            .arg(strangers);
    }
};

inline Arrival checkArrival(const std::vector<TailMessage> &messages, int count) {
    Arrival arrival;
    QHash<int, int> seen;
    std::map<int, int> lastInPartition;
    for (const TailMessage &message : messages) {
        const int index = indexOfKey(message.key);
        if (index < 0 || index >= count) {
            ++arrival.strangers;
            continue;
        }
        if (++seen[index] > 1)
            ++arrival.duplicates;
        auto last = lastInPartition.find(message.partition);
        if (last != lastInPartition.end() && index < last->second)
            ++arrival.outOfOrder;
        lastInPartition[message.partition] = index;
    }
    for (int i = 0; i < count; ++i) {
        if (!seen.contains(i))
            arrival.missing.append(QString::number(i));
    }
    return arrival;
}

inline QString describe(const PublisherStats &s) {
    return QStringLiteral("produced %1 delivered %2 spooled %3 republished %4 failed %5 "
                          "possiblyPersisted %6 spoolPending %7 brokersUp %8")
        .arg(s.produced)
        .arg(s.delivered)
        .arg(s.spooled)
        .arg(s.republished)
        .arg(s.failed)
        .arg(s.possiblyPersisted)
        .arg(s.spoolPendingRecords)
        .arg(s.brokersUp);
}

} // namespace ToolCapture::TestKafka
