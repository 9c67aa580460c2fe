#pragma once

#include <backend/http/http_parse_error.h>

#include <QByteArray>
#include <QByteArrayView>

namespace ToolCapture {

// Byte-level strictness checks of a message head, run before llhttp sees the bytes: CRLF line
// ends only, no obs-fold, no whitespace before the colon, token field names, no CTLs in values,
// a well-formed HTTP/1.x start line, and the size and count limits, enforced byte by byte.
// Errors carry request statuses (400, 414, 431, 505); the response parser maps them to 502.
class HeadScanner {
public:
    enum class Kind { Request, Response };
    struct Limits {
        qsizetype maxStartLine = 8 * 1024; // 414 beyond (requests)
        qsizetype maxHeaderBytes = 32 * 1024;
        int maxHeaderCount = 100;
    };

    HeadScanner(Kind kind, Limits limits);

    // Forgets the previous message.
    void reset();

    // Collects the start line (leading empty lines are skipped); returns the bytes taken. When
    // startLineReady(), startLine() holds the validated line with its CRLF.
    qsizetype scanStartLine(const char *data, qsizetype size);
    bool startLineReady() const noexcept { return m_state == State::FieldLineStart; }
    // The start line was valid: its pieces below hold, even if the head failed after it.
    bool startLineValidated() const noexcept { return m_state >= State::FieldLineStart; }
    const QByteArray &startLine() const noexcept { return m_line; }

    // Validates field lines; returns how many bytes are valid (up to and including the LF of the
    // empty line that ends the head, or up to the first invalid byte).
    qsizetype scanFields(const char *data, qsizetype size);
    // Of the bytes the last scanFields() returned as valid, how many at their end belong to a
    // field line with whitespace after its name: refused however it goes on (the rest of the
    // line only names the error), so they are not for llhttp, whose own error would come first.
    qsizetype withheld() const noexcept { return m_withheld; }
    bool done() const noexcept { return m_state == State::Done; }

    bool failed() const noexcept { return m_error.isError(); }
    const HttpParseError &error() const noexcept { return m_error; }

    // Pieces of the validated start line.
    QByteArrayView method() const noexcept { return m_method; }
    QByteArrayView target() const noexcept { return m_target; }
    int versionMinor() const noexcept { return m_versionMinor; }
    int status() const noexcept { return m_status; }
    QByteArrayView reason() const noexcept { return m_reason; }

private:
    enum class State {
        LeadingLF,
        StartLine,
        StartLineLF,
        FieldLineStart,
        Name,
        NameGap, // whitespace after a name: an error, which one the rest of the line says
        Value,
        ValueLF,
        FinalLF,
        Done,
    };

    bool validateStartLine();
    bool validateRequestLine(QByteArrayView line);
    bool validateStatusLine(QByteArrayView line);
    bool fail(int status, QByteArray detail);
    QByteArray fieldNameForError() const;

    Kind m_kind;
    Limits m_limits;
    State m_state = State::StartLine;
    qsizetype m_total = 0;
    int m_fieldCount = 0;
    QByteArray m_line;
    QByteArray m_fieldName;     // the current field's name when it began in an earlier call
    QByteArrayView m_localName; // or, during scanFields(), its name in the bytes being scanned
    bool m_gapOnlySpace = true; // NameGap: nothing but whitespace since the name
    qsizetype m_withheld = 0;   // see withheld()
    QByteArrayView m_method;
    QByteArrayView m_target;
    QByteArrayView m_reason;
    int m_versionMinor = 1;
    int m_status = 0;
    HttpParseError m_error;
};

} // namespace ToolCapture
