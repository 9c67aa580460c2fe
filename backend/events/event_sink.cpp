#include <backend/events/event_batch.h>
#include <backend/events/event_sink.h>

namespace ToolCapture {

EventSink::~EventSink() = default;

std::unique_ptr<EventBatch> EventSink::batchToFill() {
    return std::make_unique<EventBatch>();
}

void EventSink::publishBatch(std::unique_ptr<EventBatch> batch) {
    for (std::size_t i = 0; i < batch->size(); ++i)
        publish(batch->toOutgoingEvent(i));
}

void EventSink::publishBatch(std::vector<OutgoingEvent> &events) {
    if (events.empty())
        return;
    std::unique_ptr<EventBatch> batch = batchToFill();
    for (const OutgoingEvent &event : events)
        batch->add(event);
    events.clear();
    publishBatch(std::move(batch));
}

} // namespace ToolCapture
