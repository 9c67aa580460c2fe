#pragma once

#include <backend/core/byte_reuse.h>
#include <backend/http/chunked_scanner.h>
#include <backend/http/head_scanner.h>
#include <backend/http/http_message.h>
#include <backend/http/http_parse_error.h>

#include <llhttp.h>

namespace ToolCapture {

// The machinery shared by the request and response parsers: HeadScanner and ChunkedScanner
// check the raw bytes first, then llhttp (strict, no lenient flags) parses exactly the bytes
// they accepted and calls back. Owned by one parser, used on the parser's thread.
class LlhttpSession {
public:
    enum class Kind { Request, Response };

    // What llhttp should do once a head has been delivered.
    enum class HeadVerdict {
        Continue, // parse the body as framed (setBodyFraming) and go on
        NoBody,   // the message has no body whatever its fields say; go on
        Pause,    // stop feed() right after the head (requests)
        Fail,     // fail() was called
    };

    class Listener {
    public:
        virtual ~Listener() = default;
        // headers(), scanner() describe the head; call setBodyFraming() unless failing.
        virtual HeadVerdict onHeadComplete() = 0;
        virtual void onBody(const char *data, qsizetype size) = 0;
        // Returns true to stop feed() right after the message.
        virtual bool onMessageComplete() = 0;
    };

    LlhttpSession(Kind kind, HeadScanner::Limits limits, Listener &listener);
    ~LlhttpSession();
    LlhttpSession(const LlhttpSession &) = delete;
    LlhttpSession &operator=(const LlhttpSession &) = delete;

    // Parses until the data is used up, a pause or an error; returns bytes consumed.
    qsizetype execute(const char *data, qsizetype size);
    // Continues after a pause; completes a message without body at once.
    void resume();
    // EOF while reading an until-close body: completes it.
    void finishUntilClose();

    bool paused() const noexcept { return m_userPaused; }
    bool failed() const noexcept { return m_error.isError(); }
    const HttpParseError &error() const noexcept { return m_error; }
    void fail(int status, QByteArray detail);
    void fail(const HttpParseError &error);

    const HeadScanner &scanner() const noexcept { return m_head; }
    // The fields of the current head. A listener may swap them for the fields of an earlier
    // head it is done with: their storage is then reused for the next message's fields.
    HttpHeaders &headers() noexcept { return m_headers; }
    void setBodyFraming(BodyFraming framing);
    // Whether llhttp's own reading of the version and Connection fields of the current head
    // keeps the connection open. Where it does not, llhttp ends the connection after this
    // message whatever we decide, so the listeners must not promise keep-alive either.
    bool llhttpKeepsAlive() const noexcept;
    // Whether llhttp saw an Upgrade field and "upgrade" in Connection in the current head: the
    // flags it keeps anyway, so that an ordinary message costs one test, not a look at its fields.
    bool llhttpSawUpgrade() const noexcept {
        return (m_parser.flags & F_UPGRADE) != 0 && (m_parser.flags & F_CONNECTION_UPGRADE) != 0;
    }
    // Whether the connection ends after this message: more bytes are then an error.
    void setCloseAfterMessage(bool close) noexcept { m_closeAfterMessage = close; }
    // Fields of earlier messages kept for the next heads' fields, at most kMaxSpareFields.
    std::size_t spareFieldCount() const noexcept { return m_spareHeaders.size(); }
    static constexpr std::size_t kMaxSpareFields = 64;
    // Bytes of capacity (name and value) beyond which a field is let go instead of kept.
    static constexpr qsizetype kMaxSpareFieldBytes = 4096;

private:
    enum class Phase { StartLine, Fields, Chunked, Raw };

    static int onMessageBeginCb(llhttp_t *parser);
    static int onHeaderFieldCb(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderFieldCompleteCb(llhttp_t *parser);
    static int onHeaderValueCb(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderValueCompleteCb(llhttp_t *parser);
    static int onHeadersCompleteCb(llhttp_t *parser);
    static int onBodyCb(llhttp_t *parser, const char *at, size_t length);
    static int onMessageCompleteCb(llhttp_t *parser);
    static const llhttp_settings_t &settings();

    qsizetype runLlhttp(const char *data, qsizetype size);
    // Starts a field, on the storage of a field of an earlier message when there is one.
    void beginField();
    void setLlhttpError(llhttp_errno_t error);

    Kind m_kind;
    Listener &m_listener;
    llhttp_t m_parser;
    HeadScanner m_head;
    ChunkedScanner m_chunked;
    Phase m_phase = Phase::StartLine;
    HttpHeaders m_headers;
    HttpHeaders m_spareHeaders; // fields of earlier messages, emptied, their capacity kept
    bool m_fieldOpen = false;
    bool m_inTrailers = false;
    bool m_userPaused = false;
    bool m_internalPause = false;
    bool m_closeAfterMessage = false;
    bool m_closed = false;
    HttpParseError m_error;
};

} // namespace ToolCapture
