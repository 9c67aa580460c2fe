#include <backend/core/json_scan.h>
#include <backend/events/cloud_event.h>
#include <backend/events/json_writer.h>

namespace ToolCapture::CloudEvents {

namespace {

using JsonScan::forEachMember;

// A string attribute's value, decoded; anything else as written.
QByteArray attributeValue(QByteArrayView json) {
    return JsonScan::decodeString(json).value_or(json.toByteArray());
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
