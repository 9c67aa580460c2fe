#include <backend/http/chunked_scanner.h>
#include <backend/http/header_checks.h>

namespace ToolCapture {

namespace {

constexpr qsizetype kMaxChunkLine = 4096;
constexpr int kMaxSizeDigits = 15; // 2^60 - 1: no overflow in qint64

int hexValue(unsigned char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isQuotedTextChar(unsigned char c) noexcept {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

} // namespace

ChunkedScanner::ChunkedScanner(Limits limits)
    : m_limits(limits) {}

void ChunkedScanner::reset() {
    m_state = State::SizeFirst;
    m_remaining = 0;
    m_sizeDigits = 0;
    m_lineBytes = 0;
    m_trailerBytes = 0;
    m_trailerCount = 0;
    m_error = {};
}

qsizetype ChunkedScanner::fail(qsizetype at, QByteArray detail, int status) {
    m_error = HeaderChecks::makeError(status, std::move(detail));
    return at;
}

bool ChunkedScanner::scanExtension(unsigned char c) {
    // chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] ), no whitespace, and (like
    // llhttp) no quoted-pair.
    const bool token = HeaderChecks::isTokenChar(c);
    switch (m_state) {
    case State::ExtensionName:
        if (!token)
            return false;
        m_state = State::ExtensionNameMore;
        return true;
    case State::ExtensionNameMore:
    case State::ExtensionValueMore:
    case State::ExtensionAfterQuoted:
        if (token && m_state != State::ExtensionAfterQuoted)
            return true;
        if (c == ';')
            m_state = State::ExtensionName;
        else if (c == '=' && m_state == State::ExtensionNameMore)
            m_state = State::ExtensionValue;
        else if (c == '\r')
            m_state = State::SizeLF;
        else
            return false;
        return true;
    case State::ExtensionValue:
        if (c == '"')
            m_state = State::ExtensionQuoted;
        else if (token)
            m_state = State::ExtensionValueMore;
        else
            return false;
        return true;
    case State::ExtensionQuoted:
        if (c == '"')
            m_state = State::ExtensionAfterQuoted;
        else if (c == '\\' || !isQuotedTextChar(c))
            return false;
        return true;
    default:
        return false;
    }
}

qsizetype ChunkedScanner::scan(const char *data, qsizetype size) {
    qsizetype i = 0;
    while (i < size) {
        if (m_state == State::Data) {
            const qint64 take = qMin<qint64>(m_remaining, size - i);
            m_remaining -= take;
            i += take;
            if (m_remaining == 0)
                m_state = State::DataCR;
            continue;
        }
        const auto c = static_cast<unsigned char>(data[i]);
        if (m_state >= State::TrailerLineStart && ++m_trailerBytes > m_limits.maxTrailerBytes)
            return fail(i, "trailer section too large", 431);
        switch (m_state) {
        case State::SizeFirst:
            if (hexValue(c) < 0)
                return fail(i, "invalid chunk size");
            m_remaining = hexValue(c);
            m_sizeDigits = 1;
            m_lineBytes = 1;
            m_state = State::Size;
            break;
        case State::Size:
            if (hexValue(c) >= 0) {
                if (++m_sizeDigits > kMaxSizeDigits)
                    return fail(i, "chunk size too large");
                m_remaining = m_remaining * 16 + hexValue(c);
            } else if (c == ';') {
                m_state = State::ExtensionName;
            } else if (c == '\r') {
                m_state = State::SizeLF;
            } else if (c == '\n') {
                return fail(i, "bare LF after a chunk size");
            } else {
                return fail(i, "invalid character in a chunk size");
            }
            break;
        case State::ExtensionName:
        case State::ExtensionNameMore:
        case State::ExtensionValue:
        case State::ExtensionValueMore:
        case State::ExtensionQuoted:
        case State::ExtensionAfterQuoted:
            if (++m_lineBytes > kMaxChunkLine)
                return fail(i, "chunk extension too long");
            if (!scanExtension(c))
                return fail(i, c == '\n' ? "bare LF after a chunk extension"
                                         : "invalid character in a chunk extension");
            break;
        case State::SizeLF:
            if (c != '\n')
                return fail(i, "bare CR after a chunk size");
            m_state = m_remaining == 0 ? State::TrailerLineStart : State::Data;
            break;
        case State::DataCR:
            if (c != '\r')
                return fail(i, "chunk data not followed by CRLF");
            m_state = State::DataLF;
            break;
        case State::DataLF:
            if (c != '\n')
                return fail(i, "chunk data not followed by CRLF");
            m_state = State::SizeFirst;
            break;
        case State::TrailerLineStart:
            if (c == '\r') {
                m_state = State::FinalLF;
            } else if (HeaderChecks::isTokenChar(c)) {
                if (++m_trailerCount > m_limits.maxTrailerCount)
                    return fail(i, "too many trailer fields", 431);
                m_state = State::TrailerName;
            } else if (c == ' ' || c == '\t') {
                return fail(i, "obs-fold in the trailer section");
            } else if (c == '\n') {
                return fail(i, "bare LF in the trailer section");
            } else {
                return fail(i, "invalid character in a trailer field name");
            }
            break;
        case State::TrailerName:
            if (c == ':')
                m_state = State::TrailerValue;
            else if (c == ' ' || c == '\t')
                return fail(i, "whitespace between trailer field name and colon");
            else if (!HeaderChecks::isTokenChar(c))
                return fail(i, "invalid character in a trailer field name");
            break;
        case State::TrailerValue:
            if (c == '\r')
                m_state = State::TrailerValueLF;
            else if (c != '\t' && (c < 0x20 || c == 0x7f))
                return fail(i, "invalid character in a trailer field value");
            break;
        case State::TrailerValueLF:
            if (c != '\n')
                return fail(i, "bare CR in the trailer section");
            m_state = State::TrailerLineStart;
            break;
        case State::FinalLF:
            if (c != '\n')
                return fail(i, "bare CR at the end of the trailer section");
            m_state = State::Done;
            return i + 1;
        case State::Data:
            return i;
        case State::Done: // only reached by a caller out of step: refuse rather than spin
            return fail(i, "chunked scanner out of step: called after the last chunk");
        }
        ++i;
    }
    return i;
}

} // namespace ToolCapture
