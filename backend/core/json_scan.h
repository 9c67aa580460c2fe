#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// Structural scans of JSON text, without a DOM: for hot paths that need a few members of an
// object as the text they are (the CloudEvents envelope's `data`, an event's members for a
// database row). Values are skipped by their brackets and quotes, not validated: whoever takes
// a value parses it (or the database does).
namespace ToolCapture::JsonScan {

// The index of the first non-whitespace byte at or after `i`.
qsizetype skipSpace(QByteArrayView s, qsizetype i);

// The index after the JSON value that starts at s[i], or -1 when the text ends first or no
// value starts there.
qsizetype valueEnd(QByteArrayView s, qsizetype i);

// A JSON string token's text, decoded; nullopt when `token` is not a string.
std::optional<QByteArray> decodeString(QByteArrayView token);

// Calls member(name, value) for each member of the object that is the whole of `s` (the name
// as written between its quotes, the value as JSON text); false when `s` is not one object
// (the members before the fault have been seen).
template<typename Member>
bool forEachMember(QByteArrayView s, Member &&member) {
    qsizetype i = skipSpace(s, 0);
    if (i >= s.size() || s[i] != '{')
        return false;
    i = skipSpace(s, i + 1);
    if (i < s.size() && s[i] == '}')
        return skipSpace(s, i + 1) == s.size();
    for (;;) {
        if (i >= s.size() || s[i] != '"')
            return false;
        const qsizetype nameEnd = valueEnd(s, i);
        if (nameEnd < 0)
            return false;
        const QByteArrayView name = s.sliced(i + 1, nameEnd - i - 2);
        i = skipSpace(s, nameEnd);
        if (i >= s.size() || s[i] != ':')
            return false;
        i = skipSpace(s, i + 1);
        const qsizetype end = valueEnd(s, i);
        if (end < 0)
            return false;
        member(name, s.sliced(i, end - i));
        i = skipSpace(s, end);
        if (i >= s.size())
            return false;
        if (s[i] == '}')
            return skipSpace(s, i + 1) == s.size();
        if (s[i] != ',')
            return false;
        i = skipSpace(s, i + 1);
    }
}

} // namespace ToolCapture::JsonScan
