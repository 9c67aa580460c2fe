#include "fuzz_checks.h"

#include <backend/http/http_request_parser.h>
#include <backend/http/http_response_parser.h>
#include <backend/http/request_target.h>
#include <backend/http/websocket_frame_meter.h>

#include <algorithm>
#include <array>
#include <vector>

namespace ToolCapture::FuzzChecks {

namespace {

// Whether a parser's loop guard refused the input: its messages say "out of step". An error
// detail may also quote the input (a malformed header value), so the phrase counts only when
// the input does not contain it (the fuzzer learns the phrase from this very comparison).
bool guardFired(const QByteArray &detail, const char *bytes, std::size_t size) {
    constexpr QByteArrayView phrase = "out of step";
    return detail.contains(phrase) && !QByteArrayView(bytes, qsizetype(size)).contains(phrase);
}

// Up to 3 pieces whose cut points come from `seed`.
std::vector<std::size_t> pieceEnds(unsigned seed, std::size_t size) {
    std::vector<std::size_t> ends;
    if (size == 0)
        return ends;
    const unsigned pieces = 1 + seed % 3;
    std::size_t previous = 0;
    unsigned state = seed * 2654435761u + 1;
    for (unsigned i = 1; i < pieces; ++i) {
        state = state * 1103515245u + 12345u;
        const std::size_t cut = previous + (size - previous) * ((state >> 16) % 1000) / 1000;
        ends.push_back(cut);
        previous = cut;
    }
    ends.push_back(size);
    return ends;
}

struct RequestChecker : HttpRequestParser::Handler {
    std::string violation;
    HttpRequestParser *parser = nullptr;
    bool failedSeen = false;
    bool inMessage = false;
    BodyFraming framing = BodyFraming::None;
    qint64 contentLength = 0;
    qint64 bodyBytes = 0;

    void violate(const char *what) {
        if (violation.empty())
            violation = what;
    }
    void onRequestHead(RequestHead &&head) override {
        if (failedSeen)
            violate("onRequestHead after a failure");
        if (inMessage)
            violate("onRequestHead twice for one message");
        inMessage = true;
        framing = head.framing;
        contentLength = head.contentLength;
        bodyBytes = 0;
        if (head.framing == BodyFraming::ContentLength && head.contentLength <= 0)
            violate("ContentLength framing without a length");
        if (head.versionMinor != 0 && head.versionMinor != 1)
            violate("version other than 1.0/1.1 accepted");
        if (head.method == "CONNECT")
            violate("CONNECT accepted");
        // The target the proxy routes, caches and forwards by is already normal.
        if (head.target != "*" && !head.target.startsWith('/'))
            violate("target not in origin-form");
        if (head.target.contains('#'))
            violate("fragment kept in the target");
        QByteArray renormalized = head.target;
        if (removeDotSegments(renormalized))
            violate("dot segment kept in the target");
        if (countHeaders(head.headers, "host") > 1)
            violate("more than one Host field");
        if (const HttpHeader *host = findHeader(head.headers, "host");
            host && !isValidHostFieldValue(host->value))
            violate("invalid Host field value accepted");
    }
    void onRequestBody(const char *, qsizetype size) override {
        if (failedSeen)
            violate("onRequestBody after a failure");
        if (!inMessage)
            violate("body outside a message");
        if (size <= 0)
            violate("empty body callback");
        bodyBytes += size;
        if (framing == BodyFraming::None)
            violate("body bytes for a message without body");
        if (framing == BodyFraming::ContentLength && bodyBytes > contentLength)
            violate("more body bytes than Content-Length");
    }
    void onRequestComplete() override {
        if (failedSeen)
            violate("onRequestComplete after a failure");
        if (!inMessage)
            violate("complete without head");
        if (framing == BodyFraming::ContentLength && bodyBytes != contentLength)
            violate("complete before Content-Length bytes");
        inMessage = false;
    }
};

bool allowedRequestStatus(int status) {
    return status == 400 || status == 414 || status == 431 || status == 501 || status == 505;
}

} // namespace

std::string checkRequestParser(const std::uint8_t *data, std::size_t size) {
    return checkRequestParser(data, size, size > 0 ? data[0] : 0u);
}

std::string checkRequestParser(const std::uint8_t *data, std::size_t size, unsigned splitSeed) {
    RequestChecker checker;
    HttpRequestParser::Limits limits;
    limits.maxRequestLine = 512;
    limits.maxHeaderBytes = 2048;
    limits.maxHeaderCount = 24;
    HttpRequestParser parser(checker, limits);
    checker.parser = &parser;
    using State = HttpRequestParser::State;
    const char *bytes = reinterpret_cast<const char *>(data);
    std::size_t start = 0;
    int idleRounds = 0;
    for (const std::size_t end : pieceEnds(splitSeed, size)) {
        std::size_t offset = start;
        while (offset < end && checker.violation.empty()) {
            const qsizetype offered = qsizetype(end - offset);
            const qsizetype consumed = parser.feed(bytes + offset, offered);
            if (consumed < 0 || consumed > offered)
                return "feed consumed " + std::to_string(consumed) + " of " +
                       std::to_string(offered);
            offset += std::size_t(consumed);
            // Every feed of a paused-then-resumed parser takes at least one byte; rounds that
            // take none mean a loop that would spin forever in a server.
            idleRounds = consumed > 0 ? 0 : idleRounds + 1;
            if (idleRounds > 2)
                return "no progress: feed() keeps consuming nothing";
            const State state = parser.state();
            if (state == State::Failed) {
                checker.failedSeen = true;
                break;
            }
            if (state == State::PausedAtHead || state == State::PausedAtEnd) {
                parser.resume();
                if (parser.state() == State::PausedAtEnd)
                    parser.resume();
                continue;
            }
            if (consumed < offered)
                return "feed stopped without pause or failure";
        }
        if (!checker.violation.empty() || checker.failedSeen)
            break;
        start = end;
    }
    if (parser.state() == State::Failed) {
        checker.failedSeen = true;
        // Everything refused afterwards stays refused without handler calls.
        if (parser.feed(bytes, qsizetype(size)) != 0)
            return "feed consumed after a failure";
        parser.resume();
    }
    parser.finish();
    if (parser.state() == State::Failed) {
        checker.failedSeen = true;
        const HttpParseError &error = parser.error();
        if (!allowedRequestStatus(error.status))
            return "unexpected status " + std::to_string(error.status);
        if (guardFired(error.detail, bytes, size))
            return "loop guard fired: " + error.detail.toStdString();
        if (error.title.isEmpty() || error.detail.isEmpty())
            return "error without title or detail";
    } else if (parser.error().isError()) {
        return "error set without Failed state";
    }
    return checker.violation;
}

namespace {

struct ResponseChecker : HttpResponseParser::Handler {
    std::string violation;
    bool failedSeen = false;
    bool inMessage = false;
    bool headRequest = false;
    BodyFraming framing = BodyFraming::None;
    qint64 contentLength = 0;
    qint64 bodyBytes = 0;
    int finals = 0;

    void violate(const char *what) {
        if (violation.empty())
            violation = what;
    }
    void onResponseHead(ResponseHead &&head) override {
        if (failedSeen)
            violate("onResponseHead after a failure");
        if (inMessage)
            violate("onResponseHead twice for one message");
        inMessage = true;
        framing = head.framing;
        contentLength = head.contentLength;
        bodyBytes = 0;
        if (head.status < 100 || head.status > 599)
            violate("status out of range");
        if ((headRequest || head.status < 200 || head.status == 204 || head.status == 304) &&
            head.framing != BodyFraming::None)
            violate("body framing on a bodiless response");
    }
    void onResponseBody(const char *, qsizetype size) override {
        if (failedSeen)
            violate("onResponseBody after a failure");
        if (!inMessage || size <= 0)
            violate("body outside a message");
        bodyBytes += size;
        if (framing == BodyFraming::None)
            violate("body bytes for a message without body");
        if (framing == BodyFraming::ContentLength && bodyBytes > contentLength)
            violate("more body bytes than Content-Length");
    }
    void onResponseComplete() override {
        if (failedSeen)
            violate("onResponseComplete after a failure");
        if (!inMessage)
            violate("complete without head");
        if (framing == BodyFraming::ContentLength && bodyBytes != contentLength)
            violate("complete before Content-Length bytes");
        inMessage = false;
    }
};

} // namespace

std::string checkResponseParser(const std::uint8_t *data, std::size_t size) {
    return checkResponseParser(data, size, size > 0 ? data[0] : 0u);
}

std::string checkResponseParser(const std::uint8_t *data, std::size_t size, unsigned splitSeed) {
    ResponseChecker checker;
    HttpResponseParser::Limits limits;
    limits.maxHeaderBytes = 2048;
    limits.maxHeaderCount = 24;
    HttpResponseParser parser(checker, limits);
    using State = HttpResponseParser::State;
    checker.headRequest = (splitSeed & 0x80) != 0;
    parser.expectResponseTo(checker.headRequest ? "HEAD" : "GET");
    const char *bytes = reinterpret_cast<const char *>(data);
    std::size_t start = 0;
    int idleRounds = 0;
    for (const std::size_t end : pieceEnds(splitSeed, size)) {
        std::size_t offset = start;
        while (offset < end && checker.violation.empty()) {
            const qsizetype offered = qsizetype(end - offset);
            const qsizetype consumed = parser.feed(bytes + offset, offered);
            if (consumed < 0 || consumed > offered)
                return "feed consumed more than offered";
            offset += std::size_t(consumed);
            // A feed after expectResponseTo() takes at least one byte.
            idleRounds = consumed > 0 ? 0 : idleRounds + 1;
            if (idleRounds > 2)
                return "no progress: feed() keeps consuming nothing";
            const State state = parser.state();
            if (state == State::Failed) {
                checker.failedSeen = true;
                break;
            }
            if (state == State::Complete) {
                if (checker.inMessage)
                    return "Complete inside a message";
                parser.expectResponseTo("GET");
                checker.headRequest = false;
                if (parser.state() != State::Idle && parser.state() != State::Failed)
                    return "expectResponseTo did not reset";
                continue;
            }
            if (consumed < offered)
                return "feed stopped without completion or failure";
        }
        if (!checker.violation.empty() || checker.failedSeen)
            break;
        start = end;
    }
    parser.finish();
    if (parser.state() == State::Failed) {
        checker.failedSeen = true;
        if (parser.error().status != 502)
            return "response error status " + std::to_string(parser.error().status);
        if (guardFired(parser.error().detail, bytes, size))
            return "loop guard fired: " + parser.error().detail.toStdString();
        if (parser.feed(bytes, qsizetype(size)) != 0)
            return "feed consumed after a failure";
        parser.finish();
    }
    return checker.violation;
}

std::string checkWebSocketFrameMeter(const std::uint8_t *data, std::size_t size) {
    return checkWebSocketFrameMeter(data, size, size > 0 ? data[0] : 0);
}

std::string checkWebSocketFrameMeter(const std::uint8_t *data, std::size_t size,
                                     unsigned splitSeed) {
    const auto *bytes = reinterpret_cast<const char *>(data);
    const auto total = std::int64_t(size);
    WebSocketFrameMeter whole;
    whole.consume(bytes, qsizetype(size));
    const WebSocketMessageStats &counted = whole.stats();
    if (counted.messages < 0 || counted.dataBytes < 0 || counted.largestMessage < 0 ||
        counted.controlFrames < 0)
        return "a negative count";
    if (counted.largestMessage > counted.dataBytes)
        return "a message larger than all the data bytes";
    if (counted.dataBytes + 2 * (counted.messages + counted.controlFrames) > total)
        return "more frames and payload than the bytes hold";

    WebSocketFrameMeter pieces;
    WebSocketMessageStats previous;
    unsigned state = splitSeed * 2654435761u + 1;
    for (std::size_t at = 0; at < size;) {
        state = state * 1103515245u + 12345u;
        const std::size_t piece = std::min<std::size_t>(size - at, 1 + (state >> 16) % 16);
        pieces.consume(bytes + at, qsizetype(piece));
        at += piece;
        const WebSocketMessageStats &now = pieces.stats();
        if (now.messages < previous.messages || now.dataBytes < previous.dataBytes ||
            now.largestMessage < previous.largestMessage ||
            now.controlFrames < previous.controlFrames || (previous.malformed && !now.malformed))
            return "a count went back as bytes came";
        previous = now;
    }
    if (!(pieces.stats() == counted))
        return "the counts depend on how the bytes were cut";
    return {};
}

} // namespace ToolCapture::FuzzChecks
