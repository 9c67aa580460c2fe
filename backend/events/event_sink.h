#pragma once

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// One event for the event bus: a JSON value for a topic, keyed (Kafka message key) by the
// correlation id when there is one, with its CloudEvents attributes (sent as the ce_* headers
// of the Kafka binary content mode).
struct OutgoingEvent {
    QByteArray topic;
    QByteArray key;      // message key; the correlation id for exchange and hook events
    QByteArray value;    // the event, JSON
    QByteArray ceId;     // unique per event (UUID)
    QByteArray ceType;   // "com.toolcapture.proxy.request_intelligence.pre_request_analysis", ...
    QByteArray ceSource; // "/toolcapture/proxy", "/toolcapture/hooks", ...
    std::int64_t timeUs = 0; // ce_time, UTC microseconds since the epoch
};

// Where events go. publish() is thread-safe, never blocks and never fails from the caller's
// point of view: an event that cannot be handed to the bus now is kept (spooled) and sent
// later, or counted as failed.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void publish(OutgoingEvent event) = 0;
    // The events of a batch, in order, with the same guarantees; `events` is left empty. For a
    // caller that produces many at once (the capture thread): a sink may hand them over in one
    // step instead of one per event.
    virtual void publishBatch(std::vector<OutgoingEvent> &events) {
        for (OutgoingEvent &event : events)
            publish(std::move(event));
        events.clear();
    }
};

} // namespace ToolCapture
