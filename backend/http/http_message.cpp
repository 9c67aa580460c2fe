#include <backend/http/http_message.h>
#include <backend/http/request_target.h>

namespace ToolCapture {

namespace {

constexpr char toLowerAscii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

constexpr bool isOws(char c) noexcept {
    return c == ' ' || c == '\t';
}

} // namespace

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b) noexcept {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (toLowerAscii(a[i]) != toLowerAscii(b[i]))
            return false;
    }
    return true;
}

const HttpHeader *findHeader(const HttpHeaders &headers, QByteArrayView name) noexcept {
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, name))
            return &header;
    }
    return nullptr;
}

int countHeaders(const HttpHeaders &headers, QByteArrayView name) noexcept {
    int count = 0;
    for (const HttpHeader &header : headers) {
        if (equalsIgnoreCase(header.name, name))
            ++count;
    }
    return count;
}

bool headerListContains(QByteArrayView value, QByteArrayView token) noexcept {
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype end = value.indexOf(',', start);
        if (end < 0)
            end = value.size();
        qsizetype first = start;
        qsizetype last = end;
        while (first < last && isOws(value[first]))
            ++first;
        while (last > first && isOws(value[last - 1]))
            --last;
        if (equalsIgnoreCase(value.sliced(first, last - first), token))
            return true;
        start = end + 1;
    }
    return false;
}

QByteArrayView RequestHead::path() const noexcept {
    QByteArrayView view(target);
    if (view == "*")
        return view;
    // absolute-form (the parser makes it origin-form; a head built elsewhere may not be)
    if (const auto absolute = splitAbsoluteForm(view); absolute && !view.startsWith('/')) {
        view = absolute->rest;
        if (view.isEmpty() || view.startsWith('?') || view.startsWith('#'))
            return QByteArrayView("/");
    }
    qsizetype end = 0;
    while (end < view.size() && view[end] != '?' && view[end] != '#')
        ++end;
    return view.first(end);
}

} // namespace ToolCapture
