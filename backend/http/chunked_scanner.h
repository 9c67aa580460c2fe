#pragma once

#include <backend/http/http_parse_error.h>

#include <QtGlobal>

namespace ToolCapture {

// Byte-level strictness checks of a chunked body, run before llhttp sees the bytes: hex sizes
// without prefix, sign or whitespace and at most 15 digits, well-formed chunk extensions, CRLF
// after every size line and every chunk, and trailer lines without obs-fold or CTLs.
class ChunkedScanner {
public:
    struct Limits {
        qsizetype maxTrailerBytes = 32 * 1024;
        int maxTrailerCount = 100;
    };

    explicit ChunkedScanner(Limits limits);

    void reset();
    // Returns how many bytes are valid (up to and including the LF that ends the message, or
    // up to the first invalid byte).
    qsizetype scan(const char *data, qsizetype size);
    bool done() const noexcept { return m_state == State::Done; }
    bool failed() const noexcept { return m_error.isError(); }
    const HttpParseError &error() const noexcept { return m_error; }

private:
    enum class State {
        SizeFirst,
        Size,
        ExtensionName,
        ExtensionNameMore,
        ExtensionValue,
        ExtensionValueMore,
        ExtensionQuoted,
        ExtensionAfterQuoted,
        SizeLF,
        Data,
        DataCR,
        DataLF,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerValueLF,
        FinalLF,
        Done,
    };

    bool scanExtension(unsigned char c);
    qsizetype fail(qsizetype at, QByteArray detail, int status = 400);

    Limits m_limits;
    State m_state = State::SizeFirst;
    qint64 m_remaining = 0;
    int m_sizeDigits = 0;
    qsizetype m_lineBytes = 0;
    qsizetype m_trailerBytes = 0;
    int m_trailerCount = 0;
    HttpParseError m_error;
};

} // namespace ToolCapture
