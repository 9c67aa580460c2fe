#pragma once

#include <backend/events/event_sink.h>

#include <QByteArray>
#include <QByteArrayView>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ToolCapture {

class JsonWriter;

// Many events in one buffer: written by one thread (the capture thread builds the three events
// of every exchange of a drain into it) and handed to a sink whole. An event is a set of spans
// of that buffer, so it costs no allocation of its own; a sink that is done with a batch gives
// it back through EventSink::batchToFill() and its buffers keep their capacity.
// Not thread-safe: one thread writes it, then hands it over and does not touch it again.
class EventBatch {
public:
    // A writer of many events hands its batch over once it holds this many bytes and goes on in
    // a new one, so that batches stay of a size sinks can keep and reuse (a drain after a stall
    // would otherwise make one of megabytes, whose fresh pages fault when written).
    static constexpr std::size_t kHandOverBytes = std::size_t(256) << 10;

    // Bytes of the batch's buffer.
    struct Span {
        std::size_t offset = 0;
        std::size_t length = 0;
    };
    struct Event {
        Span topic; // followed by a NUL in the buffer (librdkafka takes C strings)
        Span key;   // empty: no key
        Span value;
        Span ceId;
        Span ceType;
        Span ceSource;
        Span ceTime; // RFC 3339, microseconds, UTC: 27 characters
        // The whole structured-mode CloudEvent (`value` is its data, inside it) when the batch
        // asked for envelopes; empty otherwise.
        Span envelope;
        std::int64_t timeUs = 0;
    };

    // Empties the batch; whether it wants envelopes stays.
    void clear() noexcept {
        m_size = 0;
        m_events.clear();
        m_sharedCount = 0;
    }
    // Set by a sink that sends structured-mode CloudEvents and hands the batch out to be filled:
    // writers put each event's value inside its envelope (Event::envelope), so that the sink
    // sends the batch's own bytes instead of wrapping and copying every event.
    void setWantsEnvelopes(bool wants) noexcept { m_wantsEnvelopes = wants; }
    bool wantsEnvelopes() const noexcept { return m_wantsEnvelopes; }
    bool empty() const noexcept { return m_events.empty(); }
    std::size_t size() const noexcept { return m_events.size(); }
    const Event &event(std::size_t i) const { return m_events[i]; }
    const char *data(Span span) const noexcept { return m_bytes.data() + span.offset; }
    QByteArrayView view(Span span) const noexcept {
        return {m_bytes.data() + span.offset, qsizetype(span.length)};
    }
    std::size_t byteCount() const noexcept { return m_size; }
    // The memory the batch holds, used or not.
    std::size_t capacityBytes() const noexcept {
        return m_bytes.capacity() + m_events.capacity() * sizeof(Event);
    }
    // Room for `bytes` of buffer and `events` events without growing.
    void reserve(std::size_t bytes, std::size_t events) {
        if (m_bytes.size() < bytes)
            m_bytes.resize(bytes);
        m_events.reserve(events);
    }

    // Writing: copies `bytes` into the buffer.
    Span append(QByteArrayView bytes);
    // The same, followed by a NUL that the span does not count.
    Span appendTerminated(QByteArrayView text);
    // appendTerminated() for text many events of the batch carry (topic, ce_type, ce_source):
    // written once per batch, and the same span for every event that carries the same text
    // afterwards. A reader can then tell two events' topics apart by their spans' offsets
    // alone, without reading the text.
    Span appendShared(QByteArrayView text);
    // `unixMicros` as ce_time formats it.
    Span appendTime(std::int64_t unixMicros);
    // A document written by `writer` straight into the batch's buffer, with no copy:
    // startDocument() lends the buffer to the writer (nothing else may touch the batch until
    // endDocument()), endDocument() takes it back and returns the span of what was written.
    void startDocument(JsonWriter &writer);
    Span endDocument(JsonWriter &writer);
    void add(const Event &event) { m_events.push_back(event); }
    // Copies every attribute of `event`.
    void add(const OutgoingEvent &event);

    // Event `i` as a value of its own (for the spool, and for sinks without batches).
    OutgoingEvent toOutgoingEvent(std::size_t i) const;

private:
    // The texts appendShared() wrote into this batch; beyond kSharedSlots, appended as any.
    static constexpr std::size_t kSharedSlots = 16;
    std::array<Span, kSharedSlots> m_shared;
    std::size_t m_sharedCount = 0;
    // Room for `extra` more bytes. The buffer is sized ahead (bytes past m_size are room, not
    // content), as JsonWriter's own, so that a writer can be lent it.
    char *grow(std::size_t extra) {
        if (m_size + extra > m_bytes.size()) [[unlikely]]
            m_bytes.resize(std::max(m_bytes.size() * 2, m_size + extra));
        return m_bytes.data() + m_size;
    }
    std::string m_bytes;
    std::size_t m_size = 0;
    std::size_t m_documentStart = 0;
    std::vector<Event> m_events;
    bool m_wantsEnvelopes = false;
};

} // namespace ToolCapture
