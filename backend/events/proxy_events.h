#pragma once

#include <backend/capture/capture_record.h>
#include <backend/core/sha256.h>
#include <backend/events/event_batch.h>
#include <backend/events/event_sink.h>
#include <backend/events/json_writer.h>
#include <backend/resilience/breaker_transition.h>
#include <backend/routing/routing_brief.h>
#include <backend/routing/routing_decision.h>

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <random>
#include <vector>

namespace ToolCapture {

// The proxy's topics and their event types (docs/events.md, docs/schemas/events/).
namespace ProxyTopics {
inline constexpr char kRequestIntelligence[] = "proxy.request_intelligence";
inline constexpr char kResponseIntelligence[] = "proxy.response_intelligence";
inline constexpr char kCommunicationIntelligence[] = "proxy.communication_intelligence";
inline constexpr char kBreakerEvents[] = "proxy.breaker_events";
} // namespace ProxyTopics

// Turns captured exchanges and breaker transitions into the proxy's events. One per capture
// thread: not thread-safe, and it keeps its buffers, hash state and random generator between
// calls so that an exchange costs no allocation beyond the events' own values and ids.
class ProxyEventBuilder {
public:
    // Facts from one exchange that optimization_opportunities reports (docs/events.md).
    enum Opportunity : unsigned {
        CacheableGetNotCached = 1u << 0,
        RetriedBeforeSuccess = 1u << 1,
        SlowFirstByte = 1u << 2,
        LargeResponseUncompressed = 1u << 3,
        SlowUpstreamConnect = 1u << 4,
    };

    ProxyEventBuilder();

    // Appends exactly three events: proxy.request_intelligence (pre_request_analysis),
    // proxy.response_intelligence (post_request_analysis) and proxy.communication_intelligence
    // (response_analysis when an upstream answered, request_analysis otherwise).
    void build(const CaptureRecord &record, EventBatch &out);
    // The same, each event a value of its own.
    void build(const CaptureRecord &record, std::vector<OutgoingEvent> &out);

    // proxy.breaker_events (breaker_transition), keyed by the instance id.
    OutgoingEvent breakerEvent(const BreakerTransition &transition, const QString &instanceId,
                               const QString &service);

    // toJson(RoutingDecision) as text, without building a DOM: for the capture thread to fill
    // CaptureRecord::routing at request rate. Parses to the same JSON value.
    QByteArray routingJson(const RoutingDecision &decision);

    // The Opportunity bits that hold for `record`; their names are opportunityName().
    static unsigned opportunities(const CaptureRecord &record);
    static const char *opportunityName(Opportunity opportunity);

    // When the exchange's events happened: acceptedAtUs + doneUs, or the latest offset the
    // exchange reached when it never finished, or now for a record without a time at all.
    static std::int64_t eventTimeUs(const CaptureRecord &record);

private:
    // 36 characters, a version 7 UUID for the event's time: the stores index event ids (the
    // source documents' primary keys), and time-ordered ids are appended to those indexes.
    void newEventId(std::int64_t timeUs, char *out);
    static void writeRoutingDecision(JsonWriter &json, const RoutingDecision &decision);
    // As toCompactJson(RoutingBrief): the same JSON value, without a DOM.
    static void writeRoutingBrief(JsonWriter &json, const RoutingBrief &brief);
    void writeHeaders(const std::vector<CapturedHeader> &headers);
    void writePerformanceMetrics(const CaptureRecord &record);
    // A WebSocket exchange's "websocket" object (a tunnel's exchange only): why and when its
    // tunnel ended, the bytes and the messages each way.
    void writeWebSocket(const CaptureRecord &record);
    void writeEnvelope(std::string_view eventType, const char *eventId, const CaptureRecord &record,
                       std::int64_t timeUs);
    void writeRequestIntelligence(const CaptureRecord &record, std::int64_t timeUs);
    void writeResponseIntelligence(const CaptureRecord &record, std::int64_t timeUs);
    void writeCommunicationIntelligence(const CaptureRecord &record, std::int64_t timeUs,
                                        bool upstream);
    // An event of `out` with the id m_eventId: beginEvent() writes what comes before the event's
    // JSON and lends m_json the batch's buffer, a write*Intelligence() writes the event into
    // it, finishEvent() takes the buffer back and writes what comes after.
    EventBatch::Event beginEvent(EventBatch &out, QByteArrayView topic, QByteArrayView ceType,
                                 EventBatch::Span key, EventBatch::Span time, std::int64_t timeUs);
    void finishEvent(EventBatch &out, EventBatch::Event &event, QByteArrayView ceType);

    JsonWriter m_json;
    // A structured envelope's head around the id and the time, per CloudEvent type (a few).
    struct EnvelopeParts {
        QByteArray ceType;
        QByteArray beforeId;
        QByteArray beforeTime;
        QByteArray beforeData;
    };
    const EnvelopeParts &envelopeParts(QByteArrayView ceType);
    std::vector<EnvelopeParts> m_envelopeParts;
    // Written once per exchange, then copied into two events each.
    JsonWriter m_headersJson;
    JsonWriter m_metricsJson;
    JsonWriter m_webSocketJson;
    Sha256 m_hash;
    std::mt19937_64 m_random;
    char m_eventId[36];
    EventBatch m_scratch; // for build() into values of their own
};

} // namespace ToolCapture
