#include <backend/http/header_checks.h>
#include <backend/http/problem_details.h>

#include <array>

namespace ToolCapture::HeaderChecks {

namespace {

constexpr std::array<bool, 256> makeTokenTable() {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c)
        table[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        table[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        table[c] = true;
    for (char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'})
        table[static_cast<unsigned char>(c)] = true;
    return table;
}

constexpr std::array<bool, 256> kTokenTable = makeTokenTable();

QByteArrayView trimOws(QByteArrayView value) noexcept {
    qsizetype first = 0;
    qsizetype last = value.size();
    while (first < last && (value[first] == ' ' || value[first] == '\t'))
        ++first;
    while (last > first && (value[last - 1] == ' ' || value[last - 1] == '\t'))
        --last;
    return value.sliced(first, last - first);
}

} // namespace

bool isTokenChar(unsigned char c) noexcept {
    return kTokenTable[c];
}

qint64 parseContentLength(QByteArrayView value) noexcept {
    if (value.isEmpty() || value.size() > 18)
        return -1;
    qint64 result = 0;
    for (char c : value) {
        if (c < '0' || c > '9')
            return -1;
        result = result * 10 + (c - '0');
    }
    return result;
}

HttpParseError makeError(int status, QByteArray detail) {
    return HttpParseError{status, reasonPhrase(status), std::move(detail)};
}

bool connectionHas(const HttpHeaders &headers, QByteArrayView token) noexcept {
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, "connection") && headerListContains(header.value, token))
            return true;
    }
    return false;
}

bool isWebSocketUpgrade(const HttpHeaders &headers) noexcept {
    const HttpHeader *upgrade = nullptr;
    for (const HttpHeader &header : headers) {
        if (header.name.size() == 7 && equalsIgnoreCase(header.name, "upgrade")) {
            if (upgrade)
                return false; // more than one: not the one token
            upgrade = &header;
        }
    }
    if (!upgrade)
        return false;
    return equalsIgnoreCase(QByteArrayView(upgrade->value).trimmed(), "websocket") &&
           connectionHas(headers, "upgrade");
}

Framing messageFraming(const HttpHeaders &headers) {
    Framing result;
    const HttpHeader *contentLength = nullptr;
    const HttpHeader *transferEncoding = nullptr;
    int contentLengthCount = 0;
    int transferEncodingCount = 0;
    for (const HttpHeader &header : headers) {
        if (header.name.size() == 14 && equalsIgnoreCase(header.name, "content-length")) {
            contentLength = &header;
            ++contentLengthCount;
        } else if (header.name.size() == 17 && equalsIgnoreCase(header.name, "transfer-encoding")) {
            transferEncoding = &header;
            ++transferEncodingCount;
        }
    }
    if (contentLength && transferEncoding) {
        result.error = makeError(400, "Content-Length together with Transfer-Encoding");
        return result;
    }
    if (contentLengthCount > 1) {
        result.error = makeError(400, "duplicate Content-Length");
        return result;
    }
    if (contentLength) {
        const qint64 length = parseContentLength(trimOws(contentLength->value));
        if (length < 0) {
            result.error =
                makeError(400, "malformed Content-Length '" + contentLength->value + '\'');
            return result;
        }
        result.framing = BodyFraming::ContentLength;
        result.contentLength = length;
        return result;
    }
    if (!transferEncoding)
        return result;
    if (transferEncodingCount > 1) {
        result.error = makeError(400, "several Transfer-Encoding fields");
        return result;
    }
    const QByteArrayView value = transferEncoding->value;
    // A tab is legal whitespace around a coding (RFC 9110 OWS), but llhttp does not take
    // "chunked<TAB>" as chunked: the two parsers would frame the body differently (a smuggling
    // ingredient), so a tab in this field is refused outright.
    if (value.contains('\t')) {
        result.error = makeError(400, "tab in Transfer-Encoding '" + transferEncoding->value +
                                          "' (refused: parsers disagree on it)");
        return result;
    }
    if (equalsIgnoreCase(trimOws(value), "chunked")) {
        result.framing = BodyFraming::Chunked;
        return result;
    }
    // Not exactly "chunked": find out whether it is malformed (400) or merely unsupported (501).
    int chunkedCount = 0;
    int codings = 0;
    bool lastIsChunked = false;
    QByteArrayView unknown;
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype end = value.indexOf(',', start);
        if (end < 0)
            end = value.size();
        const QByteArrayView coding = trimOws(value.sliced(start, end - start));
        start = end + 1;
        if (coding.isEmpty() && value.size() > 0 && !trimOws(value).isEmpty()) {
            result.error = makeError(400, "empty element in Transfer-Encoding '" +
                                              transferEncoding->value + '\'');
            return result;
        }
        if (coding.isEmpty())
            continue;
        ++codings;
        lastIsChunked = equalsIgnoreCase(coding, "chunked");
        if (lastIsChunked) {
            ++chunkedCount;
        } else {
            for (char c : coding) {
                if (!isTokenChar(static_cast<unsigned char>(c))) {
                    result.error = makeError(400, "malformed Transfer-Encoding '" +
                                                      transferEncoding->value + '\'');
                    return result;
                }
            }
            if (unknown.isEmpty())
                unknown = coding;
        }
    }
    if (codings == 0)
        result.error = makeError(400, "empty Transfer-Encoding");
    else if (chunkedCount > 1)
        result.error = makeError(400, "chunked applied more than once");
    else if (!lastIsChunked)
        result.error = makeError(400, "chunked is not the final transfer coding in '" +
                                          transferEncoding->value + '\'');
    else
        result.error =
            makeError(501, "transfer coding '" + unknown.toByteArray() + "' is not implemented");
    return result;
}

} // namespace ToolCapture::HeaderChecks
