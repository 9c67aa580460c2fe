#include <backend/events/cloud_event.h>
#include <backend/events/json_writer.h>

#include <QJsonArray>
#include <QJsonDocument>

namespace ToolCapture::CloudEvents {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

qsizetype skipSpace(QByteArrayView s, qsizetype i) {
    while (i < s.size() && isSpace(s[i]))
        ++i;
    return i;
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

// The index after the JSON value that starts at s[i], or -1. Objects and arrays are skipped by
// their brackets (strings inside stepped over whole), without validating what is inside: the
// consumer of the value parses it.
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

// Calls member(name, value) for each member of the object that is the whole of `s` (the name
// as written between its quotes, the value as JSON text); false when `s` is not one object.
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
        const qsizetype nameEnd = stringEnd(s, i);
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

// A JSON string token's text, decoded; anything else as written.
QByteArray attributeValue(QByteArrayView json) {
    if (json.isEmpty() || json.front() != '"')
        return json.toByteArray();
    if (!json.contains('\\'))
        return json.sliced(1, json.size() - 2).toByteArray();
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray("[") + json.toByteArray() + QByteArray("]"));
    return document.array().at(0).toString().toUtf8();
}

} // namespace

bool isStructuredContentType(QByteArrayView contentType) {
    constexpr QByteArrayView kType(kStructuredContentType);
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView type =
        (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    return type.compare(kType, Qt::CaseInsensitive) == 0;
}

void writeStructuredHead(JsonWriter &json, QByteArrayView id, QByteArrayView type,
                         QByteArrayView source, QByteArrayView time) {
    json.clear();
    json.beginObject();
    json.key("specversion");
    json.string(QByteArrayView(kSpecVersion));
    json.key("id");
    json.string(id);
    json.key("source");
    json.string(source);
    json.key("type");
    json.string(type);
    if (!time.isEmpty()) {
        json.key("time");
        json.string(time);
    }
    json.key("datacontenttype");
    json.string(QByteArrayView("application/json"));
    json.key("data");
}

void writeStructured(JsonWriter &json, QByteArrayView id, QByteArrayView type,
                     QByteArrayView source, QByteArrayView time, std::string_view data) {
    writeStructuredHead(json, id, type, source, time);
    json.raw(data);
    json.endObject();
}

std::optional<QByteArrayView> structuredData(QByteArrayView value) {
    std::optional<QByteArrayView> data;
    const bool object = forEachMember(value, [&](QByteArrayView name, QByteArrayView member) {
        if (name == QByteArrayView("data"))
            data = member;
    });
    return object ? data : std::nullopt;
}

std::optional<DecodedCloudEvent> decodeStructured(QByteArrayView value) {
    DecodedCloudEvent event;
    bool haveData = false;
    const bool object = forEachMember(value, [&](QByteArrayView name, QByteArrayView member) {
        if (name == QByteArrayView("data")) {
            event.data = member.toByteArray();
            haveData = true;
        } else if (name == QByteArrayView("datacontenttype")) {
            event.headers.emplace_back(QByteArray("content-type"), attributeValue(member));
        } else {
            event.headers.emplace_back(QByteArray("ce_") + name.toByteArray(),
                                       attributeValue(member));
        }
    });
    if (!object || !haveData)
        return std::nullopt;
    return event;
}

} // namespace ToolCapture::CloudEvents
