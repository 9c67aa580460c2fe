#pragma once

#include <backend/http/http_message.h>
#include <backend/http/http_parse_error.h>

#include <QtGlobal>

#include <cstddef>
#include <memory>

namespace ToolCapture {

// Incremental, strict HTTP/1.1 response parser for what upstreams send back, with the same
// checks as HttpRequestParser (an ambiguous response is as dangerous as an ambiguous request).
// A response to HEAD, and 1xx/204/304 responses, have no body. Interim 1xx responses are
// reported as heads of their own followed by onResponseComplete; the final response follows.
class HttpResponseParser {
public:
    struct Limits {
        qsizetype maxHeaderBytes = 64 * 1024;
        int maxHeaderCount = 200;
    };

    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void onResponseHead(ResponseHead &&head) = 0;
        virtual void onResponseBody(const char *data, qsizetype size) = 0;
        virtual void onResponseComplete() = 0;
    };

    // Upgraded: a 101 switching to WebSocket was delivered (onResponseHead, no
    // onResponseComplete); feed() stopped right after its head, and what follows is no longer
    // HTTP. The parser takes nothing more.
    enum class State { Idle, Head, Body, Complete, Failed, Upgraded };

    HttpResponseParser(Handler &handler, Limits limits);
    ~HttpResponseParser();
    HttpResponseParser(const HttpResponseParser &) = delete;
    HttpResponseParser &operator=(const HttpResponseParser &) = delete;

    // Call before each response: the method of the request it answers (HEAD has no body), and
    // whether that request asked for WebSocket (RequestHead::upgradeWebSocket). A 101 is
    // refused (502) unless it did and the 101 has "Upgrade: websocket".
    void expectResponseTo(QByteArrayView method, bool webSocketUpgrade = false);
    // Parses from `data`, returns bytes consumed; stops after a complete final (>= 200)
    // response (state Complete) or on error.
    qsizetype feed(const char *data, qsizetype size);
    // The upstream closed: completes an UntilClose body, fails a message cut short.
    void finish();

    State state() const noexcept;
    // Fields of earlier heads kept to parse the next ones into (bounded; for tests and
    // diagnostics).
    std::size_t spareFieldCount() const noexcept;
    const HttpParseError &error() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace ToolCapture
