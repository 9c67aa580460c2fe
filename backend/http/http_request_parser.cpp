#include <backend/http/header_checks.h>
#include <backend/http/http_request_parser.h>
#include <backend/http/llhttp_session.h>
#include <backend/http/request_target.h>

namespace ToolCapture {

struct HttpRequestParser::Impl final : LlhttpSession::Listener {
    Impl(Handler &handler, Limits limits)
        : handler(handler)
        , session(LlhttpSession::Kind::Request,
                  HeadScanner::Limits{limits.maxRequestLine, limits.maxHeaderBytes,
                                      limits.maxHeaderCount},
                  *this) {}

    // LlhttpSession::Listener
    LlhttpSession::HeadVerdict onHeadComplete() override;
    void onBody(const char *data, qsizetype size) override;
    bool onMessageComplete() override;

    // Brings the target to the one form the proxy routes, caches, captures and forwards by:
    // origin-form, no fragment, no dot segments, and the authority of an absolute-form target
    // as the Host field. Refuses a Host the upstream could read differently from us.
    bool normalizeTarget(HttpHeaders &headers);

    LlhttpSession::HeadVerdict refuse(int status, QByteArray detail) {
        session.fail(status, std::move(detail));
        return LlhttpSession::HeadVerdict::Fail;
    }

    Handler &handler;
    LlhttpSession session;
    // The head handed to the handler, kept from one message to the next: a handler that swaps
    // it with the previous head it held gives that head's storage back for reuse.
    RequestHead head;
    State state = State::Idle;
    BodyFraming framing = BodyFraming::None;
};

LlhttpSession::HeadVerdict HttpRequestParser::Impl::onHeadComplete() {
    const HeadScanner &scanner = session.scanner();
    HttpHeaders &headers = session.headers();
    assignReusing(head.method, scanner.method());
    assignReusing(head.target, scanner.target());
    head.versionMinor = scanner.versionMinor();
    head.framing = BodyFraming::None;
    head.contentLength = 0;
    head.keepAlive = true;

    if (head.method == "CONNECT")
        return refuse(501, "CONNECT is not supported: this proxy does not tunnel");
    if (head.target == "*") {
        if (head.method != "OPTIONS")
            return refuse(400, "asterisk-form target with method " + head.method.left(32));
    } else if (!head.target.startsWith('/')) {
        const auto absolute = splitAbsoluteForm(head.target);
        if (!absolute || absolute->authority.isEmpty())
            return refuse(400, "request target is neither origin-form nor absolute-form");
    }

    const int hosts = countHeaders(headers, "host");
    if (hosts > 1)
        return refuse(400, "more than one Host field");
    if (hosts == 0 && head.versionMinor == 1)
        return refuse(400, "missing Host field in an HTTP/1.1 request");
    if (!normalizeTarget(headers))
        return LlhttpSession::HeadVerdict::Fail;

    const HeaderChecks::Framing framingResult = HeaderChecks::messageFraming(headers);
    if (framingResult.error.isError()) {
        session.fail(framingResult.error);
        return LlhttpSession::HeadVerdict::Fail;
    }
    if (framingResult.framing == BodyFraming::Chunked && head.versionMinor == 0)
        return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
    head.framing = framingResult.framing;
    head.contentLength = framingResult.contentLength;
    if (head.framing == BodyFraming::ContentLength && head.contentLength == 0)
        head.framing = BodyFraming::None;
    head.keepAlive = head.versionMinor == 1 ? !HeaderChecks::connectionHas(headers, "close")
                                            : HeaderChecks::connectionHas(headers, "keep-alive") &&
                                                  !HeaderChecks::connectionHas(headers, "close");
    head.keepAlive = head.keepAlive && session.llhttpKeepsAlive();
    // One test for an ordinary request: llhttp's flags say whether the fields are worth a look.
    head.upgradeWebSocket = session.llhttpSawUpgrade() && head.versionMinor == 1 &&
                            head.framing == BodyFraming::None && head.method == "GET" &&
                            HeaderChecks::isWebSocketUpgrade(headers);
    // The session takes the previous head's fields (if the handler gave them back) to reuse.
    std::swap(head.headers, headers);

    framing = head.framing;
    session.setBodyFraming(head.framing);
    session.setCloseAfterMessage(!head.keepAlive);
    state = State::PausedAtHead;
    handler.onRequestHead(std::move(head));
    return LlhttpSession::HeadVerdict::Pause;
}

bool HttpRequestParser::Impl::normalizeTarget(HttpHeaders &headers) {
    const auto absolute = head.target == "*" ? std::nullopt : splitAbsoluteForm(head.target);
    if (absolute) {
        // RFC 9112 section 3.2.2 and 7.2: the target's authority is the host, whatever a Host
        // field says, and it replaces that field when the request is passed on.
        if (absolute->authority.contains('@')) {
            refuse(400, "userinfo in the request target");
            return false;
        }
        if (!isValidHostFieldValue(absolute->authority)) {
            refuse(400, "invalid authority in the request target");
            return false;
        }
        const QByteArray authority = absolute->authority.toByteArray();
        const QByteArray rest = absolute->rest.toByteArray();
        head.target.resize(0);
        if (!rest.startsWith('/'))
            head.target.append('/');
        head.target.append(rest);
        bool replaced = false;
        for (HttpHeader &field : headers) {
            if (equalsIgnoreCase(field.name, "host")) {
                field.value = authority;
                replaced = true;
            }
        }
        if (!replaced)
            headers.push_back(HttpHeader{"Host", authority});
    } else if (const HttpHeader *host = findHeader(headers, "host");
               host && !isValidHostFieldValue(host->value)) {
        // RFC 9112 section 3.2: a Host field with an invalid value is answered 400.
        refuse(400, "invalid Host field value");
        return false;
    }
    if (head.target == "*")
        return true;
    // A fragment is never sent (RFC 9110 section 4.2.5); one that is goes no further.
    if (const qsizetype hash = head.target.indexOf('#'); hash >= 0)
        head.target.truncate(hash);
    removeDotSegments(head.target);
    return true;
}

void HttpRequestParser::Impl::onBody(const char *data, qsizetype size) {
    handler.onRequestBody(data, size);
}

bool HttpRequestParser::Impl::onMessageComplete() {
    state = State::PausedAtEnd;
    handler.onRequestComplete();
    return true;
}

HttpRequestParser::HttpRequestParser(Handler &handler, Limits limits)
    : d(std::make_unique<Impl>(handler, limits)) {}

HttpRequestParser::~HttpRequestParser() = default;

qsizetype HttpRequestParser::feed(const char *data, qsizetype size) {
    if (d->state == State::Failed || d->state == State::PausedAtHead ||
        d->state == State::PausedAtEnd)
        return 0;
    const qsizetype consumed = d->session.execute(data, size);
    if (d->session.failed())
        d->state = State::Failed;
    else if (d->state == State::Idle && consumed > 0)
        d->state = State::Head;
    return consumed;
}

void HttpRequestParser::finish() {
    switch (d->state) {
    case State::Idle:
    case State::PausedAtEnd:
    case State::Failed:
        return;
    case State::PausedAtHead:
        if (d->framing == BodyFraming::None)
            return;
        break;
    case State::Head:
    case State::Body:
        break;
    }
    d->session.fail(400, "incomplete request");
    d->state = State::Failed;
}

void HttpRequestParser::resume() {
    if (d->state == State::PausedAtHead) {
        d->state = State::Body;
        d->session.resume(); // a message without body completes here
    } else if (d->state == State::PausedAtEnd) {
        d->state = State::Idle;
        d->framing = BodyFraming::None;
        d->session.resume();
    }
    if (d->session.failed())
        d->state = State::Failed;
}

HttpRequestParser::State HttpRequestParser::state() const noexcept {
    return d->state;
}

std::size_t HttpRequestParser::spareFieldCount() const noexcept {
    return d->session.spareFieldCount();
}

QByteArrayView HttpRequestParser::refusedMethod() const noexcept {
    const HeadScanner &scanner = d->session.scanner();
    return d->state == State::Failed && scanner.startLineValidated() ? scanner.method()
                                                                     : QByteArrayView();
}

QByteArrayView HttpRequestParser::refusedTarget() const noexcept {
    const HeadScanner &scanner = d->session.scanner();
    return d->state == State::Failed && scanner.startLineValidated() ? scanner.target()
                                                                     : QByteArrayView();
}

const HttpParseError &HttpRequestParser::error() const noexcept {
    return d->session.error();
}

} // namespace ToolCapture
