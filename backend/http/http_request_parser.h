#pragma once

#include <backend/http/http_message.h>
#include <backend/http/http_parse_error.h>

#include <QtGlobal>

#include <cstddef>
#include <memory>

namespace ToolCapture {

// Incremental, strict HTTP/1.1 request parser: llhttp (strict mode) for the framing, plus our
// own checks for what llhttp accepts but a proxy must not pass on (obs-fold, whitespace before
// the colon, transfer codings other than a single final "chunked", non-1.x versions, ...).
//
// feed() stops after a head and after a complete message so the caller can act (route,
// connect upstream, answer in order) before more input is parsed; bytes not consumed stay with
// the caller and are fed again later. Body bytes are delivered de-chunked.
class HttpRequestParser {
public:
    struct Limits {
        qsizetype maxRequestLine = 8 * 1024;  // 414 beyond
        qsizetype maxHeaderBytes = 32 * 1024; // 431 beyond (whole head, request line included)
        int maxHeaderCount = 100;             // 431 beyond
    };

    class Handler {
    public:
        virtual ~Handler() = default;
        // A head that passed every check. Parsing pauses after this call.
        virtual void onRequestHead(RequestHead &&head) = 0;
        // De-chunked body bytes; `data` points into the buffer given to feed().
        virtual void onRequestBody(const char *data, qsizetype size) = 0;
        // The message is complete. Parsing pauses after this call.
        virtual void onRequestComplete() = 0;
    };

    enum class State {
        Idle,         // between messages, nothing of the next one seen yet
        Head,         // inside a head
        PausedAtHead, // onRequestHead was called; call resume() to parse the body
        Body,         // inside a body
        PausedAtEnd,  // onRequestComplete was called; call resume() for the next message
        Failed,       // error() says why; the connection must be closed after answering
    };

    HttpRequestParser(Handler &handler, Limits limits);
    ~HttpRequestParser();
    HttpRequestParser(const HttpRequestParser &) = delete;
    HttpRequestParser &operator=(const HttpRequestParser &) = delete;

    // Parses from `data`; returns how many bytes were consumed. Stops early when paused or
    // failed. Never calls the handler after a failure.
    qsizetype feed(const char *data, qsizetype size);
    // The peer closed its side; a message cut short becomes an error.
    void finish();
    // Continues after PausedAtHead or PausedAtEnd. A message without body completes inside
    // this call (onRequestComplete, state PausedAtEnd): no further feed() is needed for it.
    // Never call it from a Handler callback.
    void resume();

    State state() const noexcept;
    // Fields of earlier heads kept to parse the next ones into (bounded; for tests and
    // diagnostics).
    std::size_t spareFieldCount() const noexcept;
    const HttpParseError &error() const noexcept;
    // After a failure in the head: the method and target of its request line when that line
    // itself was valid (a field, the framing or the Host was refused), else empty. Views into
    // the parser, valid until the next feed().
    QByteArrayView refusedMethod() const noexcept;
    QByteArrayView refusedTarget() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace ToolCapture
