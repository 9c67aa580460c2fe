#include <backend/http/head_scanner.h>
#include <backend/http/header_checks.h>

#include <cstring>

namespace ToolCapture {

namespace {

// Validates "HTTP/x.y"; returns 0 (minor set), 400 (malformed) or 505 (not HTTP/1.0 or 1.1).
int classifyVersion(QByteArrayView version, int &minor) noexcept {
    if (!version.startsWith("HTTP/"))
        return 400;
    const QByteArrayView number = version.sliced(5);
    const qsizetype dot = number.indexOf('.');
    const QByteArrayView major = dot < 0 ? number : number.first(dot);
    if (major.isEmpty())
        return 400;
    for (char c : major) {
        if (c < '0' || c > '9')
            return 400;
    }
    if (dot < 0) // "HTTP/2", "HTTP/3" name other protocols; "HTTP/1" is garbage
        return major == "1" ? 400 : 505;
    const QByteArrayView minorText = number.sliced(dot + 1);
    if (major.size() != 1 || minorText.size() != 1 || minorText[0] < '0' || minorText[0] > '9')
        return 400;
    if (major[0] != '1' || minorText[0] > '1')
        return 505;
    minor = minorText[0] - '0';
    return 0;
}

bool isFieldValueChar(unsigned char c) noexcept {
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

QByteArray hexByte(unsigned char c) {
    return "0x" + QByteArray::number(c, 16).rightJustified(2, '0');
}

} // namespace

HeadScanner::HeadScanner(Kind kind, Limits limits)
    : m_kind(kind)
    , m_limits(limits) {
    m_line.reserve(256);
    m_fieldName.reserve(64);
}

void HeadScanner::reset() {
    m_state = State::StartLine;
    m_total = 0;
    m_fieldCount = 0;
    m_line.truncate(0);
    m_fieldName.truncate(0);
    m_method = {};
    m_target = {};
    m_reason = {};
    m_versionMinor = 1;
    m_status = 0;
    m_error = {};
}

bool HeadScanner::fail(int status, QByteArray detail) {
    m_error = HeaderChecks::makeError(status, std::move(detail));
    return false;
}

QByteArray HeadScanner::fieldNameForError() const {
    const QByteArrayView name = m_localName.isNull() ? QByteArrayView(m_fieldName) : m_localName;
    return name.first(qMin<qsizetype>(64, name.size())).toByteArray();
}

qsizetype HeadScanner::scanStartLine(const char *data, qsizetype size) {
    qsizetype i = 0;
    while (i < size && !failed()) {
        const char c = data[i];
        if (m_state == State::LeadingLF) {
            if (c != '\n') {
                fail(400, "bare CR before the start line");
                return i;
            }
            ++m_total;
            ++i;
            m_state = State::StartLine;
            continue;
        }
        if (m_state == State::StartLineLF) {
            if (c != '\n') {
                fail(400, "bare CR in the start line");
                return i;
            }
            ++m_total;
            ++i;
            m_line.append('\n');
            if (!validateStartLine())
                return i;
            m_state = State::FieldLineStart;
            return i;
        }
        // State::StartLine
        if (m_line.isEmpty() && (c == '\r' || c == '\n')) {
            // RFC 9112 section 2.2: empty lines before the start line are ignored.
            if (c == '\n') {
                fail(400, "bare LF before the start line");
                return i;
            }
            if (m_total + 2 > m_limits.maxHeaderBytes) {
                fail(431, "too many empty lines before the start line");
                return i;
            }
            ++m_total;
            ++i;
            m_state = State::LeadingLF;
            continue;
        }
        // Take the span up to the next CR or LF at once.
        const qsizetype rest = size - i;
        const char *cr = static_cast<const char *>(std::memchr(data + i, '\r', rest));
        const char *lf = static_cast<const char *>(std::memchr(data + i, '\n', rest));
        const char *stop = cr && (!lf || cr < lf) ? cr : lf;
        const qsizetype spanEnd = stop ? stop - data : size;
        qsizetype take = spanEnd - i;
        const qsizetype lineLimit =
            m_kind == Kind::Request ? m_limits.maxStartLine : m_limits.maxHeaderBytes;
        if (m_line.size() + take > lineLimit) {
            take = lineLimit - m_line.size();
            m_line.append(data + i, take);
            m_total += take;
            i += take;
            if (m_kind == Kind::Request)
                fail(414, "request line longer than " + QByteArray::number(lineLimit) + " bytes");
            else
                fail(431, "status line longer than " + QByteArray::number(lineLimit) + " bytes");
            return i;
        }
        if (m_total + take > m_limits.maxHeaderBytes) {
            fail(431, "header section larger than " + QByteArray::number(m_limits.maxHeaderBytes) +
                          " bytes");
            return i + (m_limits.maxHeaderBytes - m_total);
        }
        m_line.append(data + i, take);
        m_total += take;
        i += take;
        if (i == size)
            return i;
        if (data[i] == '\n') {
            fail(400, "bare LF at the end of the start line");
            return i;
        }
        if (m_total + 1 > m_limits.maxHeaderBytes) {
            fail(431, "header section larger than " + QByteArray::number(m_limits.maxHeaderBytes) +
                          " bytes");
            return i;
        }
        m_line.append('\r');
        ++m_total;
        ++i;
        m_state = State::StartLineLF;
    }
    return i;
}

bool HeadScanner::validateStartLine() {
    const QByteArrayView line = QByteArrayView(m_line).chopped(2);
    return m_kind == Kind::Request ? validateRequestLine(line) : validateStatusLine(line);
}

bool HeadScanner::validateRequestLine(QByteArrayView line) {
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || line.indexOf(' ', sp2 + 1) >= 0)
        return fail(400, "malformed request line");
    m_method = line.first(sp1);
    m_target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    for (char c : m_method) {
        if (!HeaderChecks::isTokenChar(static_cast<unsigned char>(c)))
            return fail(400, "invalid character " + hexByte(static_cast<unsigned char>(c)) +
                                 " in the method");
    }
    for (char c : m_target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return fail(400, "invalid character " + hexByte(u) + " in the request target");
    }
    const int versionStatus = classifyVersion(version, m_versionMinor);
    if (versionStatus == 400)
        return fail(400, "malformed HTTP version '" +
                             version.first(qMin<qsizetype>(16, version.size())).toByteArray() +
                             '\'');
    if (versionStatus == 505)
        return fail(505, "unsupported HTTP version '" +
                             version.first(qMin<qsizetype>(16, version.size())).toByteArray() +
                             '\'');
    return true;
}

bool HeadScanner::validateStatusLine(QByteArrayView line) {
    const qsizetype sp1 = line.indexOf(' ');
    if (sp1 <= 0)
        return fail(400, "malformed status line");
    const QByteArrayView version = line.first(sp1);
    const int versionStatus = classifyVersion(version, m_versionMinor);
    if (versionStatus != 0)
        return fail(versionStatus,
                    "unsupported HTTP version '" +
                        version.first(qMin<qsizetype>(16, version.size())).toByteArray() +
                        "' in the status line");
    const QByteArrayView rest = line.sliced(sp1 + 1);
    if (rest.size() < 3 || (rest.size() > 3 && rest[3] != ' '))
        return fail(400, "malformed status code");
    int status = 0;
    for (char c : rest.first(3)) {
        if (c < '0' || c > '9')
            return fail(400, "malformed status code");
        status = status * 10 + (c - '0');
    }
    if (status < 100 || status > 599)
        return fail(400, "status code " + QByteArray::number(status) + " out of range");
    m_status = status;
    m_reason = rest.size() > 4 ? rest.sliced(4) : QByteArrayView();
    for (char c : m_reason) {
        if (!isFieldValueChar(static_cast<unsigned char>(c)))
            return fail(400, "invalid character " + hexByte(static_cast<unsigned char>(c)) +
                                 " in the reason phrase");
    }
    return true;
}

qsizetype HeadScanner::scanFields(const char *data, qsizetype size) {
    qsizetype nameStart = m_state == State::Name ? 0 : -1;
    bool nameContinued = m_state == State::Name; // begun in an earlier call, in m_fieldName
    // NOTE: the name of a field seen whole in this call is only viewed (m_localName), never
    // copied: it is needed for an error message only. It is kept in m_fieldName at the exit
    // when the head goes on in the next call (the next line may be an obs-fold).
    struct KeepName {
        HeadScanner &scanner;
        ~KeepName() {
            if (scanner.m_localName.isNull())
                return;
            if (!scanner.failed() && scanner.m_state != State::Done) {
                scanner.m_fieldName.truncate(0);
                scanner.m_fieldName.append(scanner.m_localName);
            }
            scanner.m_localName = {};
        }
    } keepName{*this};
    qsizetype i = 0;
    // Where this call's bytes of a NameGap begin (see withheld()).
    qsizetype gapStart = m_state == State::NameGap ? 0 : -1;
    m_withheld = 0;
    const qsizetype budget = m_limits.maxHeaderBytes - m_total; // bytes still allowed
    const qsizetype end = size <= budget ? size : budget;
    for (; i < end; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        switch (m_state) {
        case State::FieldLineStart:
            if (c == '\r') {
                m_state = State::FinalLF;
            } else if (HeaderChecks::isTokenChar(c)) {
                if (++m_fieldCount > m_limits.maxHeaderCount) {
                    fail(431, "more than " + QByteArray::number(m_limits.maxHeaderCount) +
                                  " header fields");
                    m_total += i;
                    return i;
                }
                m_fieldName.truncate(0);
                m_localName = {};
                nameContinued = false;
                nameStart = i;
                m_state = State::Name;
            } else if (c == ' ' || c == '\t') {
                m_total += i;
                if (m_fieldCount == 0)
                    fail(400, "whitespace before the first header field");
                else
                    fail(400, "obs-fold in field '" + fieldNameForError() + '\'');
                return i;
            } else if (c == '\n') {
                m_total += i;
                fail(400, "bare LF in the header section");
                return i;
            } else if (c == ':') {
                m_total += i;
                fail(400, "empty field name");
                return i;
            } else {
                m_total += i;
                fail(400, "invalid character " + hexByte(c) + " in a field name");
                return i;
            }
            break;
        case State::Name:
            if (HeaderChecks::isTokenChar(c))
                break;
            if (nameContinued)
                m_fieldName.append(data + nameStart, i - nameStart);
            else
                m_localName = QByteArrayView(data + nameStart, i - nameStart);
            nameStart = -1;
            m_total += i;
            if (c == ':') {
                m_total -= i;
                m_state = State::Value;
            } else if (c == ' ' || c == '\t') {
                // Refused whatever follows; the rest of the line says what to call it: a space
                // before the colon, a space inside the name, or a line with no colon at all.
                m_total -= i;
                m_state = State::NameGap;
                m_gapOnlySpace = true;
                gapStart = i;
            } else if (c == '\r' || c == '\n') {
                fail(400, "field line without a colon: '" + fieldNameForError() + '\'');
                return i;
            } else {
                fail(400, "invalid character " + hexByte(c) + " in field name '" +
                              fieldNameForError() + '\'');
                return i;
            }
            break;
        case State::NameGap:
            if (c == ' ' || c == '\t')
                break;
            if (c == ':') {
                m_total += i;
                m_withheld = i - gapStart;
                fail(400, (m_gapOnlySpace ? "whitespace between field name and colon in '"
                                          : "whitespace in field name '") +
                              fieldNameForError() + '\'');
                return i;
            }
            if (c == '\r' || c == '\n') {
                m_total += i;
                m_withheld = i - gapStart;
                fail(400, "field line without a colon: '" + fieldNameForError() + '\'');
                return i;
            }
            m_gapOnlySpace = false;
            break;
        case State::Value:
            if (isFieldValueChar(c))
                break;
            if (c == '\r') {
                m_state = State::ValueLF;
                break;
            }
            m_total += i;
            if (c == '\n')
                fail(400, "bare LF in field '" + fieldNameForError() + '\'');
            else
                fail(400, "invalid character " + hexByte(c) + " in the value of field '" +
                              fieldNameForError() + '\'');
            return i;
        case State::ValueLF:
            if (c != '\n') {
                m_total += i;
                fail(400, "bare CR in field '" + fieldNameForError() + '\'');
                return i;
            }
            m_state = State::FieldLineStart;
            break;
        case State::FinalLF:
            if (c != '\n') {
                m_total += i;
                fail(400, "bare CR at the end of the header section");
                return i;
            }
            m_state = State::Done;
            m_total += i + 1;
            return i + 1;
        default: // only reached by a caller out of step: refuse rather than return 0 forever
            fail(400, "header scanner out of step: called outside the field lines");
            return i;
        }
    }
    if (nameStart >= 0)
        m_fieldName.append(data + nameStart, i - nameStart);
    if (gapStart >= 0)
        m_withheld = i - gapStart;
    m_total += i;
    if (i < size) {
        fail(431, "header section larger than " + QByteArray::number(m_limits.maxHeaderBytes) +
                      " bytes");
    }
    return i;
}

} // namespace ToolCapture
