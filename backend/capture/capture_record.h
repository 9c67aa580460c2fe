#pragma once

#include <backend/core/byte_reuse.h>
#include <backend/http/websocket_message_stats.h>
#include <backend/routing/routing_brief.h>

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <vector>

namespace ToolCapture {

// One header field as captured: allowlisted by the configuration, with the value of a
// sensitive field (Authorization, Proxy-Authorization, Cookie, Set-Cookie) replaced by
// kRedacted before it ever leaves the worker.
struct CapturedHeader {
    QByteArray name;
    QByteArray value;
};

// One exchange as the proxy saw it, from the client's request to the end of the response
// (or the proxy's own answer). Plain, implicitly shared values: built by a worker when the
// exchange ends, handed to the capture pipeline, stored, published and exported from there.
struct CaptureRecord {
    static constexpr const char *kRedacted = "[REDACTED]";

    std::int64_t id = 0; // assigned by the capture store; 0 until stored
    QByteArray correlationId;
    QByteArray sessionId;   // X-Session-ID, empty when absent
    QByteArray userContext; // X-User-Context, empty when absent
    QByteArray clientAddress;

    // Times. acceptedAtUs is wall-clock (UTC, microseconds since the epoch) when the request
    // head was complete; the others are microseconds after it on the steady clock, -1 when the
    // exchange never got there.
    std::int64_t acceptedAtUs = 0;
    std::int64_t connectedUs = -1; // an upstream connection was ready (leased or connected)
    std::int64_t firstByteUs = -1; // the first byte of the upstream response arrived
    std::int64_t doneUs = -1;      // the last byte of the response was handed to the client

    QByteArray method;
    QByteArray path;                // without the query
    QByteArray query;               // without the '?', empty when none
    int status = 0;                 // sent to the client; 0 when none was (connection lost first)
    std::int64_t requestBytes = 0;  // request body bytes received from the client
    std::int64_t responseBytes = 0; // response body bytes sent to the client

    QString service;  // empty when no route matched
    QString instance; // the instance that answered (last attempt); empty when none
    int attempts = 0;
    // The routing explanation: the selector's compact form, rendered in full (toJson) only when
    // the record is read.
    RoutingBrief routingBrief;
    // The explanation as JSON text instead, for records that came that way (imported from JSON,
    // stored by an older version); empty otherwise, and it wins over routingBrief when set.
    QByteArray routing;
    // Transient, never stored: the values of the sensitive fields of the exchange
    // (Authorization, Proxy-Authorization, Cookie, Set-Cookie). The capture thread scrubs them
    // from the kept bodies too, as an upstream that echoes its request would otherwise leak them.
    std::vector<QByteArray> secrets;
    QByteArray cache;        // cache outcome ("hit", "miss", ...); empty until the cache exists
    QByteArray breakerState; // the answering instance's breaker when the attempt began
    // The proxy answered itself (no upstream response reached the client): problem type,
    // e.g. "upstream-timeout", "rate-limited", "no-route". Empty for upstream answers.
    QByteArray proxyError;
    // A WebSocket exchange (status 101) is captured when its tunnel ends: why it ended
    // ("client-closed", "upstream-closed", "idle-timeout", "client-reset", "upstream-reset",
    // "shutdown"); requestBytes and responseBytes are then the bytes copied each way (after the
    // heads), doneUs the tunnel's end. Empty for every other exchange.
    QByteArray tunnelEnd;
    // A WebSocket exchange: the messages each way, counted from the frame headers as the bytes
    // passed. webSocketCounted is false for every other exchange, and for tunnels captured
    // before messages were counted (a version 3 encoding).
    bool webSocketCounted = false;
    WebSocketMessageStats messagesFromClient;
    WebSocketMessageStats messagesFromUpstream;

    std::vector<CapturedHeader> requestHeaders;
    std::vector<CapturedHeader> responseHeaders;
    QByteArray requestContentType;  // always kept (not subject to the allowlist)
    QByteArray responseContentType; // always kept

    // The request body, when it was at most capture.max_body_bytes; otherwise empty and
    // replayable is false.
    QByteArray requestBody;
    bool replayable = true;
    // The response body up to capture.max_response_body_bytes (for replay diffs);
    // responseBodyTruncated when it was longer.
    QByteArray responseBody;
    bool responseBodyTruncated = false;

    // Transient, never stored: a recycled record's emptied header fields, whose buffers the
    // next exchange's captured headers are written into (CaptureHeaderFilter::capture).
    std::vector<CapturedHeader> spareHeaders;

    bool upstreamAnswered() const { return proxyError.isEmpty() && status != 0; }

    // Makes the record as a new one for another exchange, keeping the buffers only it holds
    // (each up to kReusedCapacity bytes, kReusedBytes in all, the record's own fields first),
    // so that filling it again allocates nothing. The capture thread does this to the records
    // it is done with before giving them back to the workers (CaptureQueue::giveBack). The
    // bound in all matters: a client sending many large header fields must not make every
    // recycled record hold on to them.
    static constexpr qsizetype kReusedCapacity = 2048;
    static constexpr qsizetype kReusedBytes = 8192;
    static constexpr std::size_t kReusedHeaders = 32;
    void clearForReuse();
};

} // namespace ToolCapture
