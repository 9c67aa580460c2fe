#include <backend/http/header_checks.h>
#include <backend/http/http_response_parser.h>
#include <backend/http/llhttp_session.h>

namespace ToolCapture {

struct HttpResponseParser::Impl final : LlhttpSession::Listener {
    Impl(Handler &handler, Limits limits)
        : handler(handler)
        , session(LlhttpSession::Kind::Response,
                  HeadScanner::Limits{limits.maxHeaderBytes, limits.maxHeaderBytes,
                                      limits.maxHeaderCount},
                  *this) {}

    // LlhttpSession::Listener
    LlhttpSession::HeadVerdict onHeadComplete() override;
    void onBody(const char *data, qsizetype size) override;
    bool onMessageComplete() override;

    Handler &handler;
    LlhttpSession session;
    // The head handed to the handler, kept from one message to the next: unless the handler
    // moves it away, its storage is reused for the next head.
    ResponseHead head;
    State state = State::Idle;
    BodyFraming framing = BodyFraming::None;
    bool toHead = false;
    bool interim = false;
    bool upgradeAsked = false;
};

LlhttpSession::HeadVerdict HttpResponseParser::Impl::onHeadComplete() {
    const HeadScanner &scanner = session.scanner();
    HttpHeaders &headers = session.headers();
    head.status = scanner.status();
    assignReusing(head.reason, scanner.reason());
    head.versionMinor = scanner.versionMinor();
    head.framing = BodyFraming::None;
    head.contentLength = 0;
    head.keepAlive = true;

    if (head.status == 101) {
        if (!upgradeAsked) {
            session.fail(502, "101 Switching Protocols to a request that did not ask for it");
            return LlhttpSession::HeadVerdict::Fail;
        }
        if (head.versionMinor == 0 || !HeaderChecks::isWebSocketUpgrade(headers)) {
            session.fail(502, "101 Switching Protocols without Upgrade: websocket");
            return LlhttpSession::HeadVerdict::Fail;
        }
        // The bytes after this head belong to the new protocol: feed() stops here for good.
        std::swap(head.headers, headers);
        framing = BodyFraming::None;
        state = State::Upgraded;
        handler.onResponseHead(std::move(head));
        return LlhttpSession::HeadVerdict::Pause;
    }
    if (head.status < 200 && head.versionMinor == 0) {
        // llhttp ends an HTTP/1.0 connection after any message without keep-alive, even an
        // interim one; HTTP/1.0 has no 1xx anyway.
        session.fail(502, "interim " + QByteArray::number(head.status) + " response in HTTP/1.0");
        return LlhttpSession::HeadVerdict::Fail;
    }
    // Framing fields are checked even where they do not count: an ambiguous response is
    // refused whatever it answers.
    const HeaderChecks::Framing framingResult = HeaderChecks::messageFraming(headers);
    if (framingResult.error.isError()) {
        session.fail(framingResult.error);
        return LlhttpSession::HeadVerdict::Fail;
    }
    interim = head.status < 200;
    const bool noBody = toHead || interim || head.status == 204 || head.status == 304;
    if (noBody) {
        head.framing = BodyFraming::None;
        head.contentLength =
            framingResult.framing == BodyFraming::ContentLength ? framingResult.contentLength : 0;
    } else if (framingResult.framing == BodyFraming::None) {
        head.framing = BodyFraming::UntilClose;
    } else {
        head.framing = framingResult.framing;
        head.contentLength = framingResult.contentLength;
        if (head.framing == BodyFraming::ContentLength && head.contentLength == 0)
            head.framing = BodyFraming::None;
    }
    if (head.framing == BodyFraming::UntilClose)
        head.keepAlive = false;
    else if (head.versionMinor == 1)
        head.keepAlive = !HeaderChecks::connectionHas(headers, "close");
    else
        head.keepAlive = HeaderChecks::connectionHas(headers, "keep-alive") &&
                         !HeaderChecks::connectionHas(headers, "close");
    head.keepAlive = head.keepAlive && session.llhttpKeepsAlive();
    // The session takes the previous head's fields (unless the handler took them) to reuse.
    std::swap(head.headers, headers);

    framing = head.framing;
    session.setBodyFraming(head.framing);
    session.setCloseAfterMessage(!interim && !head.keepAlive);
    state = head.framing == BodyFraming::None ? State::Head : State::Body;
    handler.onResponseHead(std::move(head));
    return noBody ? LlhttpSession::HeadVerdict::NoBody : LlhttpSession::HeadVerdict::Continue;
}

void HttpResponseParser::Impl::onBody(const char *data, qsizetype size) {
    handler.onResponseBody(data, size);
}

bool HttpResponseParser::Impl::onMessageComplete() {
    if (interim) {
        interim = false;
        state = State::Idle;
        handler.onResponseComplete();
        return false;
    }
    state = State::Complete;
    handler.onResponseComplete();
    return true;
}

HttpResponseParser::HttpResponseParser(Handler &handler, Limits limits)
    : d(std::make_unique<Impl>(handler, limits)) {}

HttpResponseParser::~HttpResponseParser() = default;

void HttpResponseParser::expectResponseTo(QByteArrayView method, bool webSocketUpgrade) {
    d->toHead = method == "HEAD";
    d->upgradeAsked = webSocketUpgrade;
    if (d->state == State::Complete) {
        d->state = State::Idle;
        d->framing = BodyFraming::None;
        d->session.resume();
        if (d->session.failed())
            d->state = State::Failed;
    }
}

qsizetype HttpResponseParser::feed(const char *data, qsizetype size) {
    if (d->state == State::Failed || d->state == State::Complete || d->state == State::Upgraded)
        return 0;
    const qsizetype consumed = d->session.execute(data, size);
    if (d->session.failed())
        d->state = State::Failed;
    else if (d->state == State::Idle && consumed > 0)
        d->state = State::Head;
    return consumed;
}

void HttpResponseParser::finish() {
    switch (d->state) {
    case State::Idle:
    case State::Complete:
    case State::Failed:
    case State::Upgraded:
        return;
    case State::Body:
        if (d->framing == BodyFraming::UntilClose) {
            d->session.finishUntilClose();
            if (d->session.failed())
                d->state = State::Failed;
            return;
        }
        break;
    case State::Head:
        break;
    }
    d->session.fail(502, "incomplete response: the upstream closed the connection");
    d->state = State::Failed;
}

HttpResponseParser::State HttpResponseParser::state() const noexcept {
    return d->state;
}

std::size_t HttpResponseParser::spareFieldCount() const noexcept {
    return d->session.spareFieldCount();
}

const HttpParseError &HttpResponseParser::error() const noexcept {
    return d->session.error();
}

} // namespace ToolCapture
