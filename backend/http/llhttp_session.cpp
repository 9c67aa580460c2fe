#include <backend/http/header_checks.h>
#include <backend/http/llhttp_session.h>

#include <cstring>

namespace ToolCapture {

namespace {

LlhttpSession *sessionOf(llhttp_t *parser) {
    return static_cast<LlhttpSession *>(parser->data);
}

const char kEmpty[1] = {0};

} // namespace

const llhttp_settings_t &LlhttpSession::settings() {
    static const llhttp_settings_t settings = [] {
        llhttp_settings_t s;
        llhttp_settings_init(&s);
        s.on_message_begin = &LlhttpSession::onMessageBeginCb;
        s.on_header_field = &LlhttpSession::onHeaderFieldCb;
        s.on_header_field_complete = &LlhttpSession::onHeaderFieldCompleteCb;
        s.on_header_value = &LlhttpSession::onHeaderValueCb;
        s.on_header_value_complete = &LlhttpSession::onHeaderValueCompleteCb;
        s.on_headers_complete = &LlhttpSession::onHeadersCompleteCb;
        s.on_body = &LlhttpSession::onBodyCb;
        s.on_message_complete = &LlhttpSession::onMessageCompleteCb;
        return s;
    }();
    return settings;
}

LlhttpSession::LlhttpSession(Kind kind, HeadScanner::Limits limits, Listener &listener)
    : m_kind(kind)
    , m_listener(listener)
    , m_head(kind == Kind::Request ? HeadScanner::Kind::Request : HeadScanner::Kind::Response,
             limits)
    , m_chunked(ChunkedScanner::Limits{limits.maxHeaderBytes, limits.maxHeaderCount}) {
    llhttp_init(&m_parser, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
    m_parser.data = this;
    m_headers.reserve(16);
}

LlhttpSession::~LlhttpSession() = default;

void LlhttpSession::fail(int status, QByteArray detail) {
    fail(HeaderChecks::makeError(status, std::move(detail)));
}

void LlhttpSession::fail(const HttpParseError &error) {
    if (m_error.isError())
        return;
    m_error = error;
    if (m_kind == Kind::Response && m_error.status != 502) {
        m_error.status = 502;
        m_error.title = "Bad Gateway";
        m_error.detail = "invalid response from upstream: " + m_error.detail;
    }
}

void LlhttpSession::setLlhttpError(llhttp_errno_t error) {
    if (m_error.isError())
        return;
    const QByteArray reason = llhttp_get_error_reason(&m_parser);
    switch (error) {
    case HPE_INVALID_METHOD:
        fail(501, "method not recognized");
        break;
    case HPE_UNEXPECTED_CONTENT_LENGTH:
        if (reason.contains("Duplicate"))
            fail(400, "duplicate Content-Length");
        else
            fail(400, "Content-Length together with Transfer-Encoding");
        break;
    case HPE_INVALID_CONTENT_LENGTH:
        fail(400, "malformed Content-Length");
        break;
    case HPE_INVALID_TRANSFER_ENCODING:
        fail(400, "invalid Transfer-Encoding");
        break;
    case HPE_INVALID_CHUNK_SIZE:
        fail(400, "invalid chunk size");
        break;
    case HPE_CLOSED_CONNECTION:
        fail(400, "data after the last message on this connection");
        break;
    default:
        fail(400,
             QByteArray("malformed message: ") + llhttp_errno_name(error) + " (" + reason + ')');
        break;
    }
}

qsizetype LlhttpSession::runLlhttp(const char *data, qsizetype size) {
    const llhttp_errno_t error = llhttp_execute(&m_parser, size > 0 ? data : kEmpty, size_t(size));
    if (error == HPE_OK)
        return size;
    const char *position = llhttp_get_error_pos(&m_parser);
    const qsizetype consumed = (size > 0 && position) ? position - data : 0;
    if (error == HPE_PAUSED && !m_error.isError()) {
        if (m_internalPause) {
            // Stopped at a message end only to switch back to the head scanner.
            m_internalPause = false;
            llhttp_resume(&m_parser);
        } else {
            m_userPaused = true;
        }
        return consumed;
    }
    setLlhttpError(error);
    return consumed;
}

qsizetype LlhttpSession::execute(const char *data, qsizetype size) {
    qsizetype pos = 0;
    int idleRounds = 0;
    while (!m_error.isError() && !m_userPaused) {
        const qsizetype before = pos;
        const Phase phase = m_phase;
        switch (m_phase) {
        case Phase::StartLine: {
            if (pos == size)
                return pos;
            if (m_closed) {
                fail(400, "data after the last message on this connection");
                return pos;
            }
            pos += m_head.scanStartLine(data + pos, size - pos);
            if (m_head.failed()) {
                fail(m_head.error());
                return pos;
            }
            if (!m_head.startLineReady())
                return pos;
            const QByteArray &line = m_head.startLine();
            if (runLlhttp(line.constData(), line.size()) != line.size() && !failed())
                fail(400, "unexpected state after the start line");
            m_phase = Phase::Fields;
            break;
        }
        case Phase::Fields: {
            if (pos == size)
                return pos;
            const qsizetype valid = m_head.scanFields(data + pos, size - pos);
            // The bytes the scanner withholds end in its refusal; llhttp never sees them.
            const qsizetype forLlhttp = valid - m_head.withheld();
            const qsizetype fed = runLlhttp(data + pos, forLlhttp);
            pos += fed == forLlhttp ? valid : fed;
            if (m_head.failed() && !failed())
                fail(m_head.error());
            break;
        }
        case Phase::Chunked: {
            if (pos == size)
                return pos;
            const qsizetype valid = m_chunked.scan(data + pos, size - pos);
            pos += runLlhttp(data + pos, valid);
            if (m_chunked.failed() && !failed())
                fail(m_chunked.error());
            break;
        }
        case Phase::Raw:
            if (pos == size)
                return pos;
            pos += runLlhttp(data + pos, size - pos);
            break;
        }
        // NOTE: the scanners and llhttp must agree on where messages end; should they ever
        // disagree, refuse the connection rather than spin. A legitimate round without
        // progress only changes the phase (a start line handed over, a message ended), and
        // never twice in a row.
        if (pos != before || m_error.isError() || m_userPaused)
            idleRounds = 0;
        else if (++idleRounds > 2 || m_phase == phase)
            fail(400, "parser out of step with llhttp");
    }
    return pos;
}

void LlhttpSession::resume() {
    if (!m_userPaused || m_error.isError())
        return;
    m_userPaused = false;
    llhttp_resume(&m_parser);
    runLlhttp(kEmpty, 0);
}

void LlhttpSession::finishUntilClose() {
    if (m_error.isError())
        return;
    const llhttp_errno_t error = llhttp_finish(&m_parser);
    if (error == HPE_PAUSED) {
        m_internalPause = false;
        return;
    }
    if (error != HPE_OK)
        setLlhttpError(error);
}

bool LlhttpSession::llhttpKeepsAlive() const noexcept {
    if (m_parser.http_major > 0 && m_parser.http_minor > 0) // llhttp_should_keep_alive()
        return (m_parser.flags & F_CONNECTION_CLOSE) == 0;
    return (m_parser.flags & F_CONNECTION_KEEP_ALIVE) != 0;
}

void LlhttpSession::setBodyFraming(BodyFraming framing) {
    if (framing == BodyFraming::Chunked) {
        m_chunked.reset();
        m_phase = Phase::Chunked;
    } else {
        m_phase = Phase::Raw;
    }
}

int LlhttpSession::onMessageBeginCb(llhttp_t *parser) {
    LlhttpSession *self = sessionOf(parser);
    // The fields of the last head (or of an earlier one a listener swapped in) become spares,
    // up to a bound: a listener may have added fields to the head it gave back (a Cache-Status,
    // a validator), and each such message would otherwise leave one more spare behind for as
    // long as the connection lives. A field grown past ordinary sizes is not kept either.
    for (HttpHeader &header : self->m_headers) {
        if (self->m_spareHeaders.size() >= kMaxSpareFields)
            break;
        if (header.name.capacity() + header.value.capacity() <= kMaxSpareFieldBytes)
            self->m_spareHeaders.push_back(std::move(header));
    }
    self->m_headers.clear();
    self->m_fieldOpen = false;
    self->m_inTrailers = false;
    self->m_closeAfterMessage = false;
    return 0;
}

int LlhttpSession::onHeaderFieldCb(llhttp_t *parser, const char *at, size_t length) {
    LlhttpSession *self = sessionOf(parser);
    if (self->m_inTrailers)
        return 0;
    if (!self->m_fieldOpen) {
        self->beginField();
        self->m_fieldOpen = true;
    }
    self->m_headers.back().name.append(at, qsizetype(length));
    return 0;
}

namespace {

// Empties `bytes` for reuse: its capacity stays when nobody else holds it (a capture record
// may: then it lets go of the shared data and starts afresh).
void emptyForReuse(QByteArray &bytes, qsizetype reserve) {
    if (bytes.isDetached()) {
        bytes.resize(0);
    } else {
        bytes = QByteArray();
        bytes.reserve(reserve);
    }
}

} // namespace

void LlhttpSession::beginField() {
    if (m_spareHeaders.empty()) {
        HttpHeader &header = m_headers.emplace_back();
        header.name.reserve(32);
        return;
    }
    HttpHeader &header = m_headers.emplace_back(std::move(m_spareHeaders.back()));
    m_spareHeaders.pop_back();
    emptyForReuse(header.name, 32);
    emptyForReuse(header.value, 64);
}

int LlhttpSession::onHeaderFieldCompleteCb(llhttp_t *parser) {
    sessionOf(parser)->m_fieldOpen = false;
    return 0;
}

int LlhttpSession::onHeaderValueCb(llhttp_t *parser, const char *at, size_t length) {
    LlhttpSession *self = sessionOf(parser);
    if (self->m_inTrailers || self->m_headers.empty())
        return 0;
    QByteArray &value = self->m_headers.back().value;
    if (value.isEmpty())
        value.reserve(qMax<qsizetype>(64, qsizetype(length)));
    value.append(at, qsizetype(length));
    return 0;
}

int LlhttpSession::onHeaderValueCompleteCb(llhttp_t *parser) {
    LlhttpSession *self = sessionOf(parser);
    if (self->m_inTrailers || self->m_headers.empty())
        return 0;
    HttpHeader &header = self->m_headers.back();
    QByteArray &value = header.value;
    // A tab stays at the end of Transfer-Encoding: llhttp does not take "chunked<TAB>" as
    // chunked, so HeaderChecks must see it to refuse what the two would frame differently.
    const bool keepTabs = equalsIgnoreCase(header.name, "transfer-encoding");
    qsizetype end = value.size();
    while (end > 0 && (value[end - 1] == ' ' || (value[end - 1] == '\t' && !keepTabs)))
        --end;
    value.truncate(end);
    return 0;
}

int LlhttpSession::onHeadersCompleteCb(llhttp_t *parser) {
    LlhttpSession *self = sessionOf(parser);
    self->m_inTrailers = true;
    // llhttp never stops for an upgrade on its own: a request asking for one is forwarded as
    // any other (with or without its Upgrade field, HeaderRewriter decides), and the response
    // parser stops after a 101 it accepts through HeadVerdict::Pause, leaving the bytes after
    // the head to the tunnel.
    parser->upgrade = 0;
    switch (self->m_listener.onHeadComplete()) {
    case HeadVerdict::Continue:
        return 0;
    case HeadVerdict::NoBody:
        return 1;
    case HeadVerdict::Pause:
        return HPE_PAUSED;
    case HeadVerdict::Fail:
        break;
    }
    if (!self->m_error.isError())
        self->fail(400, "refused head");
    return -1;
}

int LlhttpSession::onBodyCb(llhttp_t *parser, const char *at, size_t length) {
    sessionOf(parser)->m_listener.onBody(at, qsizetype(length));
    return 0;
}

int LlhttpSession::onMessageCompleteCb(llhttp_t *parser) {
    LlhttpSession *self = sessionOf(parser);
    self->m_phase = Phase::StartLine;
    self->m_head.reset();
    // Whenever either side ends the connection (a trailer may still say "Connection: close"),
    // later bytes are refused by us: llhttp in strict mode would fail them as
    // HPE_CLOSED_CONNECTION (without it, it swallowed them silently), but only when it saw the
    // close itself, and the error must be ours (a 400 with a problem body), not a parser's.
    if (self->m_closeAfterMessage || !llhttp_should_keep_alive(parser))
        self->m_closed = true;
    if (self->m_listener.onMessageComplete())
        return HPE_PAUSED;
    if (self->m_error.isError())
        return -1;
    self->m_internalPause = true;
    return HPE_PAUSED;
}

} // namespace ToolCapture
