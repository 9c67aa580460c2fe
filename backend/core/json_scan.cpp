#include <backend/core/json_scan.h>

#include <QJsonArray>
#include <QJsonDocument>

namespace ToolCapture::JsonScan {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The index after the closing quote of the string that opens at s[i], or -1.
qsizetype stringEnd(QByteArrayView s, qsizetype i) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            return i + 1;
    }
    return -1;
}

} // namespace

qsizetype skipSpace(QByteArrayView s, qsizetype i) {
    while (i < s.size() && isSpace(s[i]))
        ++i;
    return i;
}

qsizetype valueEnd(QByteArrayView s, qsizetype i) {
    if (i >= s.size())
        return -1;
    const char first = s[i];
    if (first == '"')
        return stringEnd(s, i);
    if (first == '{' || first == '[') {
        int depth = 0;
        for (; i < s.size(); ++i) {
            const char c = s[i];
            if (c == '"') {
                i = stringEnd(s, i);
                if (i < 0)
                    return -1;
                --i;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }
    qsizetype end = i;
    while (end < s.size() && s[end] != ',' && s[end] != '}' && s[end] != ']' && !isSpace(s[end]))
        ++end;
    return end == i ? -1 : end;
}

std::optional<QByteArray> decodeString(QByteArrayView token) {
    if (token.size() < 2 || token.front() != '"' || token.back() != '"')
        return std::nullopt;
    const QByteArrayView inner = token.sliced(1, token.size() - 2);
    if (!inner.contains('\\'))
        return inner.toByteArray();
    // Escapes: the rare case, left to Qt's parser.
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray("[") + token.toByteArray() + QByteArray("]"));
    return document.array().at(0).toString().toUtf8();
}

} // namespace ToolCapture::JsonScan
