#pragma once

#include <QByteArray>

#include <cstdint>
#include <memory>
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

class EventBatch;

// Where events go. publish() is thread-safe, never blocks and never fails from the caller's
// point of view: an event that cannot be handed to the bus now is kept (spooled) and sent
// later, or counted as failed.
class EventSink {
public:
    virtual ~EventSink();
    virtual void publish(OutgoingEvent event) = 0;
    // For a caller that produces many events at once (the capture thread): an empty batch to
    // write them into, one this sink is done with when it has one (its buffers keep their
    // capacity).
    virtual std::unique_ptr<EventBatch> batchToFill();
    // Every event of `batch`, in order, with publish()'s guarantees, handed over in one step
    // instead of one call per event.
    virtual void publishBatch(std::unique_ptr<EventBatch> batch);
    // The same for events that are values of their own (copied into a batch); `events` is left
    // empty.
    void publishBatch(std::vector<OutgoingEvent> &events);
};
} // namespace ToolCapture
