#pragma once

#include <QByteArray>

#include <vector>

namespace ToolCapture {

// Where in a message a malformation becomes detectable, and so how far a proxy may have got
// before refusing it.
enum class MalformedStage {
    Head,         // refused when the head is parsed: nothing of the message may reach an upstream
    Body,         // an unambiguous head, then a broken chunked body: refused mid-stream
    EndOfInput,   // a message cut short: detectable only when the client closes its side
    AfterMessage, // a complete, valid message followed by bytes that are refused
};

// One request a strict HTTP/1.1 server must refuse, with the status it refuses it with.
struct MalformedRequest {
    const char *name;
    QByteArray raw;
    int status;
    MalformedStage stage;
};

// The strictness table shared by the parser and proxy suites (request smuggling, framing,
// field syntax, request line, Host, truncation).
std::vector<MalformedRequest> malformedRequests();

} // namespace ToolCapture
