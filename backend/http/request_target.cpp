#include <backend/http/http_message.h>
#include <backend/http/request_target.h>

#include <vector>

namespace ToolCapture {

namespace {

bool isAlpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isDigit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool isHexDigit(char c) noexcept {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isUnreserved(char c) noexcept {
    return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool isSubDelim(char c) noexcept {
    switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
        return true;
    default:
        return false;
    }
}

// reg-name = *( unreserved / pct-encoded / sub-delims ); an IPv4 address is one too.
bool isRegName(QByteArrayView text) noexcept {
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size() || !isHexDigit(text[i + 1]) || !isHexDigit(text[i + 2]))
                return false;
            i += 2;
            continue;
        }
        if (!isUnreserved(c) && !isSubDelim(c))
            return false;
    }
    return true;
}

// The inside of "[...]": an IPv6 address or "v" HEXDIG "." followed by more (IPvFuture). The
// characters are checked, not the address's grammar: the upstream never connects by it.
bool isIpLiteralInside(QByteArrayView text) noexcept {
    if (text.isEmpty())
        return false;
    if (text.front() == 'v' || text.front() == 'V') {
        for (char c : text.sliced(1)) {
            if (!isUnreserved(c) && !isSubDelim(c) && c != ':')
                return false;
        }
        return text.size() > 3;
    }
    for (char c : text) {
        if (!isHexDigit(c) && c != ':' && c != '.')
            return false;
    }
    return true;
}

bool isPort(QByteArrayView text) noexcept {
    for (char c : text) {
        if (!isDigit(c))
            return false;
    }
    return true;
}

// 1 for ".", 2 for "..", with "%2e" counted as a dot; 0 for any other segment.
int dotSegment(QByteArrayView segment) noexcept {
    int dots = 0;
    for (qsizetype i = 0; i < segment.size(); ++i) {
        if (segment[i] == '.') {
            ++dots;
        } else if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
                   (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
            ++dots;
            i += 2;
        } else {
            return 0;
        }
        if (dots > 2)
            return 0;
    }
    return dots;
}

} // namespace

std::optional<AbsoluteFormTarget> splitAbsoluteForm(QByteArrayView target) noexcept {
    qsizetype start = -1;
    if (target.size() >= 7 && equalsIgnoreCase(target.first(7), "http://"))
        start = 7;
    else if (target.size() >= 8 && equalsIgnoreCase(target.first(8), "https://"))
        start = 8;
    if (start < 0)
        return std::nullopt;
    qsizetype end = start;
    while (end < target.size() && target[end] != '/' && target[end] != '?' && target[end] != '#')
        ++end;
    return AbsoluteFormTarget{target.sliced(start, end - start), target.sliced(end)};
}

bool isValidHostFieldValue(QByteArrayView value) noexcept {
    QByteArrayView host = value;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0 || !isIpLiteralInside(host.sliced(1, close - 1)))
            return false;
        const QByteArrayView after = host.sliced(close + 1);
        return after.isEmpty() || (after.front() == ':' && isPort(after.sliced(1)));
    }
    const qsizetype colon = host.lastIndexOf(':');
    if (colon >= 0) {
        if (!isPort(host.sliced(colon + 1)))
            return false;
        host = host.first(colon);
    }
    return isRegName(host);
}

bool removeDotSegments(QByteArray &target) {
    if (!target.startsWith('/'))
        return false;
    qsizetype pathEnd = target.indexOf('?');
    if (pathEnd < 0)
        pathEnd = target.size();
    const QByteArrayView path = QByteArrayView(target).first(pathEnd);
    // The common case: no segment is a dot segment, nothing to build.
    bool found = false;
    for (qsizetype at = 1; at <= path.size() && !found;) {
        qsizetype next = path.indexOf('/', at);
        if (next < 0)
            next = path.size();
        found = dotSegment(path.sliced(at, next - at)) > 0;
        at = next + 1;
    }
    if (!found)
        return false;

    std::vector<QByteArrayView> kept;
    bool trailingSlash = false; // a final "." or ".." leaves the path ending in '/'
    for (qsizetype at = 1; at <= path.size();) {
        qsizetype next = path.indexOf('/', at);
        if (next < 0)
            next = path.size();
        const QByteArrayView segment = path.sliced(at, next - at);
        const int dots = dotSegment(segment);
        const bool last = next == path.size();
        if (dots == 2 && !kept.empty())
            kept.pop_back();
        if (dots == 0)
            kept.push_back(segment);
        trailingSlash = last && dots > 0;
        at = next + 1;
    }
    QByteArray normalized;
    normalized.reserve(target.size());
    for (const QByteArrayView segment : kept)
        normalized.append('/').append(segment);
    if (trailingSlash || kept.empty())
        normalized.append('/');
    normalized.append(QByteArrayView(target).sliced(pathEnd));
    target = std::move(normalized);
    return true;
}

} // namespace ToolCapture
