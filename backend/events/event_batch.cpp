#include <backend/events/event_batch.h>
#include <backend/events/json_writer.h>

#include <cstring>

namespace ToolCapture {

EventBatch::Span EventBatch::append(QByteArrayView bytes) {
    const Span span{m_size, std::size_t(bytes.size())};
    if (!bytes.isEmpty())
        std::memcpy(grow(span.length), bytes.data(), span.length);
    m_size += span.length;
    return span;
}

EventBatch::Span EventBatch::appendTerminated(QByteArrayView text) {
    const Span span{m_size, std::size_t(text.size())};
    char *to = grow(span.length + 1);
    if (!text.isEmpty())
        std::memcpy(to, text.data(), span.length);
    to[span.length] = '\0';
    m_size += span.length + 1;
    return span;
}

void EventBatch::startDocument(JsonWriter &writer) {
    m_documentStart = m_size;
    writer.attach(m_bytes, m_size);
}

EventBatch::Span EventBatch::endDocument(JsonWriter &writer) {
    m_size = writer.detach(m_bytes);
    return {m_documentStart, m_size - m_documentStart};
}

EventBatch::Span EventBatch::appendShared(QByteArrayView text) {
    for (std::size_t i = 0; i < m_sharedCount; ++i) {
        const Span span = m_shared[i];
        if (view(span) == text)
            return span;
    }
    const Span span = appendTerminated(text);
    if (m_sharedCount < kSharedSlots)
        m_shared[m_sharedCount++] = span;
    return span;
}

EventBatch::Span EventBatch::appendTime(std::int64_t unixMicros) {
    constexpr std::size_t kLength = 27;
    const Span span{m_size, kLength};
    formatRfc3339Micros(unixMicros, grow(kLength));
    m_size += kLength;
    return span;
}

void EventBatch::add(const OutgoingEvent &event) {
    Event e;
    e.topic = appendShared(event.topic);
    e.key = append(event.key);
    e.value = append(event.value);
    e.ceId = append(event.ceId);
    e.ceType = appendShared(event.ceType);
    e.ceSource = appendShared(event.ceSource);
    e.ceTime = appendTime(event.timeUs);
    e.timeUs = event.timeUs;
    m_events.push_back(e);
}

OutgoingEvent EventBatch::toOutgoingEvent(std::size_t i) const {
    const Event &e = m_events[i];
    OutgoingEvent event;
    event.topic = view(e.topic).toByteArray();
    event.key = view(e.key).toByteArray();
    event.value = view(e.value).toByteArray();
    event.ceId = view(e.ceId).toByteArray();
    event.ceType = view(e.ceType).toByteArray();
    event.ceSource = view(e.ceSource).toByteArray();
    event.timeUs = e.timeUs;
    return event;
}

} // namespace ToolCapture
