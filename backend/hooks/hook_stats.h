#pragma once

#include <QtGlobal>

#include <array>
#include <cstddef>

namespace ToolCapture {

// The HTTP endpoints of HookReceiver, for per-endpoint counters.
enum class HookEndpoint {
    Pre,          // POST /hooks/pre
    Post,         // POST /hooks/post
    Lifecycle,    // POST /hooks/lifecycle
    ToolRegister, // POST /tools/register
    ToolList,     // GET /tools
};
inline constexpr std::size_t kHookEndpointCount = 5;

// "pre", "post", "lifecycle", "tools_register", "tools_list": metric label values.
constexpr const char *hookEndpointName(HookEndpoint endpoint) {
    constexpr const char *names[kHookEndpointCount] = {"pre", "post", "lifecycle", "tools_register",
                                                       "tools_list"};
    return names[std::size_t(endpoint)];
}

struct HookEndpointStats {
    quint64 received = 0;
    quint64 accepted = 0; // answered 2xx
    quint64 rejected = 0; // answered 4xx or 5xx; nothing was published for them
};

// A copy of HookReceiver's counters, for the admin /metrics.
struct HookStats {
    std::array<HookEndpointStats, kHookEndpointCount> endpoints{}; // by HookEndpoint
    quint64 published = 0;                                         // events handed to the EventSink
    quint64 pending = 0;              // pre hooks waiting for their post
    quint64 pendingEvicted = 0;       // pre hooks dropped because the table was full
    quint64 pendingExpired = 0;       // pre hooks dropped after hooks.pending_timeout_ms
    quint64 unmatchedPosts = 0;       // post hooks with no pending pre hook (409)
    quint64 registrationFailures = 0; // lifecycle reports the Registrar refused (422)
    quint64 toolsKnown = 0;

    const HookEndpointStats &endpoint(HookEndpoint which) const {
        return endpoints[std::size_t(which)];
    }
};

} // namespace ToolCapture
