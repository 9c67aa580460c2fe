#pragma once

#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/hooks/execution_insights.h>
#include <backend/hooks/hook_stats.h>
#include <backend/hooks/pending_hook_table.h>
#include <backend/hooks/tool_registry.h>
#include <backend/httpserver/http_server.h>

#include <QByteArrayList>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

namespace ToolCapture {

class EventSink;
class JsonSchema;
class Registrar;

// Sizes of HookReceiver's in-memory state.
struct HookReceiverLimits {
    std::size_t maxPending = 100000;  // pre hooks waiting for their post
    std::size_t maxOperations = 1000; // service+operation pairs with insights
    std::size_t maxTools = 10000;     // tools in the registry
};

// Receives execution hooks, lifecycle reports and tool registrations from services over HTTP,
// checks each against its schema (docs/schemas/hooks) and publishes it as an event:
//   POST /hooks/pre        remembered until its post                   (202)
//   POST /hooks/post       -> hooks.execution_intelligence, with the pre (200)
//   POST /hooks/lifecycle  -> hooks.service_lifecycle, via the Registrar  (200)
//   POST /tools/register   -> tools.registration_events                  (200)
//   GET  /tools            the tools registered so far                   (200)
// Every request needs an X-API-Key from hooks.api_keys. A request answered with an error
// publishes nothing and changes nothing. Not a QObject: the owner mounts it on an HttpServer
// and calls handle() from that server's thread (the engine thread) only; stats() may be called
// from any thread.
class HookReceiver {
public:
    HookReceiver(const HooksConfig &config, EventSink &sink, Registrar *registrar,
                 const Clock &clock = SteadyClock::instance(), HookReceiverLimits limits = {});
    ~HookReceiver();
    HookReceiver(const HookReceiver &) = delete;
    HookReceiver &operator=(const HookReceiver &) = delete;

    // Whether the path is one of the endpoints above.
    bool handles(QByteArrayView path) const;
    HttpResponse handle(const HttpRequest &request);

    // New keys, body limit and pending timeout (already pending pre hooks keep their deadline).
    void setConfig(const HooksConfig &config);

    HookStats stats() const;

    // The body of GET /tools (the feed's "tools" document).
    QByteArray toolsDocument() const;
    // Sees each event as it is published (the feed's "hook_events"): `wanted` is asked first,
    // so nothing is built while nobody watches; `published` gets {"type", "topic", "key",
    // "id", "at_us", "event"}. Same thread as handle().
    struct Observer {
        std::function<bool()> wanted;
        std::function<void(QByteArray item)> published;
    };
    void setObserver(Observer observer) { m_observer = std::move(observer); }

    static constexpr QByteArrayView kExecutionTopic = "hooks.execution_intelligence";
    static constexpr QByteArrayView kLifecycleTopic = "hooks.service_lifecycle";
    static constexpr QByteArrayView kToolTopic = "tools.registration_events";
    static constexpr QByteArrayView kEventSource = "/toolcapture/hooks";
    // Deeper bodies are refused before parsing: later stages (and the consumers of the
    // events) recurse.
    static constexpr int kMaxJsonDepth = 64;

private:
    using Json = nlohmann::ordered_json;
    struct Counters {
        std::atomic<quint64> received{0};
        std::atomic<quint64> accepted{0};
        std::atomic<quint64> rejected{0};
    };

    HttpResponse dispatch(HookEndpoint endpoint, const HttpRequest &request, QByteArrayView path);
    bool isAuthorized(const HttpRequest &request, QByteArray *why) const;
    // The body as JSON conforming to the schema, or the error response to give.
    std::optional<HttpResponse> readBody(const HttpRequest &request, QByteArrayView path,
                                         const JsonSchema &schema, const char *schemaFile,
                                         Json &body) const;

    HttpResponse handlePre(const Json &body, QByteArrayView path);
    HttpResponse handlePost(const Json &body, QByteArrayView path);
    HttpResponse handleLifecycle(const Json &body, QByteArrayView path);
    HttpResponse handleToolRegistration(const Json &body, QByteArrayView path);
    HttpResponse handleToolList() const;

    void publish(QByteArrayView topic, const std::string &key, const std::string &eventType,
                 const QByteArray &eventId, std::int64_t nowMicros, const Json &event);
    void updateGauges();

    QByteArrayList m_apiKeys;
    qint64 m_maxBodyBytes;
    std::chrono::milliseconds m_pendingTimeout;
    EventSink &m_sink;
    Registrar *m_registrar;
    PendingHookTable m_pending;
    ExecutionInsights m_insights;
    ToolRegistry m_tools;

    std::array<Counters, kHookEndpointCount> m_counters;
    std::atomic<quint64> m_published{0};
    std::atomic<quint64> m_pendingGauge{0};
    std::atomic<quint64> m_pendingEvicted{0};
    std::atomic<quint64> m_pendingExpired{0};
    std::atomic<quint64> m_unmatchedPosts{0};
    std::atomic<quint64> m_registrationFailures{0};
    std::atomic<quint64> m_toolsKnown{0};
    Observer m_observer;
};

} // namespace ToolCapture
