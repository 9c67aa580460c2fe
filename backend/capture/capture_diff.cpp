#include <backend/capture/capture_diff.h>
#include <backend/capture/capture_export.h>
#include <backend/http/http_message.h>

#include <QCryptographicHash>

#include <algorithm>
#include <array>
#include <optional>

namespace ToolCapture {

namespace {

using Json = nlohmann::json;

constexpr std::array<QByteArrayView, 10> kVolatileHeaders{
    "date",       "age",        "expires", "content-length", "transfer-encoding",
    "connection", "keep-alive", "via",     "server-timing",  "x-correlation-id"};

// Deeper documents are compared as text: the walk below, and the library's own comparison
// and destruction, recurse once per level.
constexpr int kMaxJsonDepth = 256;

// One header name with its fields' values joined, in order of first appearance.
struct Field {
    QByteArray name;
    QByteArray value;
};

std::vector<Field> fold(const std::vector<CapturedHeader> &headers) {
    std::vector<Field> fields;
    for (const CapturedHeader &header : headers) {
        const auto it = std::find_if(fields.begin(), fields.end(), [&](const Field &f) {
            return equalsIgnoreCase(f.name, header.name);
        });
        if (it == fields.end())
            fields.push_back({header.name, header.value});
        else
            it->value.append(", ").append(header.value);
    }
    return fields;
}

const Field *find(const std::vector<Field> &fields, QByteArrayView name) {
    const auto it = std::find_if(fields.begin(), fields.end(),
                                 [name](const Field &f) { return equalsIgnoreCase(f.name, name); });
    return it == fields.end() ? nullptr : &*it;
}

Json valueOrNull(const Field *field) {
    return field ? Json(jsonText(field->value)) : Json(nullptr);
}

Json diffHeaders(const std::vector<CapturedHeader> &beforeHeaders,
                 const std::vector<CapturedHeader> &afterHeaders) {
    const std::vector<Field> before = fold(beforeHeaders);
    const std::vector<Field> after = fold(afterHeaders);
    Json added = Json::array();
    Json removed = Json::array();
    Json changed = Json::array();
    Json ignored = Json::array();
    for (const Field &b : before) {
        const Field *a = find(after, b.name);
        if (isVolatileHeader(b.name)) {
            ignored.push_back({{"name", jsonText(b.name)},
                               {"before", jsonText(b.value)},
                               {"after", valueOrNull(a)}});
        } else if (!a) {
            removed.push_back({{"name", jsonText(b.name)}, {"value", jsonText(b.value)}});
        } else if (a->value != b.value) {
            changed.push_back({{"name", jsonText(b.name)},
                               {"before", jsonText(b.value)},
                               {"after", jsonText(a->value)}});
        }
    }
    for (const Field &a : after) {
        if (find(before, a.name))
            continue;
        if (isVolatileHeader(a.name))
            ignored.push_back(
                {{"name", jsonText(a.name)}, {"before", nullptr}, {"after", jsonText(a.value)}});
        else
            added.push_back({{"name", jsonText(a.name)}, {"value", jsonText(a.value)}});
    }
    const bool equal = added.empty() && removed.empty() && changed.empty();
    return {{"equal", equal},
            {"added", std::move(added)},
            {"removed", std::move(removed)},
            {"changed", std::move(changed)},
            {"ignored", std::move(ignored)}};
}

QByteArray sha256(QByteArrayView bytes) {
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

// The media type without parameters, lowercased.
QByteArray mediaType(const QByteArray &contentType) {
    const qsizetype semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
}

bool saysJson(const QByteArray &contentType) {
    const QByteArray type = mediaType(contentType);
    return type == "application/json" || type.endsWith("+json");
}

bool looksLikeJson(QByteArrayView body) {
    const QByteArrayView trimmed = body.trimmed();
    return !trimmed.isEmpty() && (trimmed.front() == '{' || trimmed.front() == '[');
}

// Whether brackets nest at most `limit` deep (strings skipped), before handing the document to
// a recursive walk.
bool nestingWithin(QByteArrayView body, int limit) {
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (char c : body) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

std::optional<Json> parseJson(QByteArrayView body) {
    if (!nestingWithin(body, kMaxJsonDepth))
        return std::nullopt;
    Json json = Json::parse(body.begin(), body.end(), nullptr, false);
    if (json.is_discarded())
        return std::nullopt;
    return json;
}

class JsonDiff {
public:
    explicit JsonDiff(int maxChanges)
        : m_max(size_t(std::max(maxChanges, 0))) {}

    void walk(const Json &before, const Json &after, const std::string &path) {
        if (m_truncated)
            return;
        if (before.is_object() && after.is_object()) {
            for (auto it = before.begin(); it != before.end(); ++it) {
                const std::string child = path + '/' + escapeJsonPointerToken(it.key());
                const auto other = after.find(it.key());
                if (other == after.end())
                    add({{"op", "remove"}, {"path", child}, {"before", it.value()}});
                else
                    walk(it.value(), *other, child);
            }
            for (auto it = after.begin(); it != after.end(); ++it) {
                if (!before.contains(it.key())) {
                    add({{"op", "add"},
                         {"path", path + '/' + escapeJsonPointerToken(it.key())},
                         {"after", it.value()}});
                }
            }
        } else if (before.is_array() && after.is_array()) {
            const size_t common = std::min(before.size(), after.size());
            for (size_t i = 0; i < common; ++i)
                walk(before[i], after[i], path + '/' + std::to_string(i));
            for (size_t i = common; i < before.size(); ++i)
                add({{"op", "remove"},
                     {"path", path + '/' + std::to_string(i)},
                     {"before", before[i]}});
            for (size_t i = common; i < after.size(); ++i)
                add({{"op", "add"}, {"path", path + '/' + std::to_string(i)}, {"after", after[i]}});
        } else if (before != after) {
            add({{"op", "replace"}, {"path", path}, {"before", before}, {"after", after}});
        }
    }

    Json changes() { return std::move(m_changes); }
    bool truncated() const { return m_truncated; }

private:
    void add(Json change) {
        if (m_truncated)
            return;
        if (m_changes.size() >= m_max) {
            m_truncated = true;
            return;
        }
        m_changes.push_back(std::move(change));
    }

    size_t m_max;
    Json m_changes = Json::array();
    bool m_truncated = false;
};

std::vector<QByteArrayView> lines(QByteArrayView body) {
    std::vector<QByteArrayView> out;
    qsizetype start = 0;
    while (start < body.size()) {
        qsizetype end = body.indexOf('\n', start);
        if (end < 0)
            end = body.size();
        out.push_back(body.sliced(start, end - start));
        start = end + 1;
    }
    return out;
}

void diffText(QByteArrayView before, QByteArrayView after, Json &body) {
    const std::vector<QByteArrayView> b = lines(before);
    const std::vector<QByteArrayView> a = lines(after);
    size_t head = 0;
    while (head < b.size() && head < a.size() && b[head] == a[head])
        ++head;
    size_t tail = 0;
    while (tail < b.size() - head && tail < a.size() - head &&
           b[b.size() - 1 - tail] == a[a.size() - 1 - tail])
        ++tail;
    body["before_lines"] = b.size();
    body["after_lines"] = a.size();
    const bool equal = before == after;
    // Equal line lists can still differ in a final newline: the difference is on the last line.
    body["first_difference_line"] =
        equal ? Json(nullptr) : Json(std::min(head, std::max(b.size(), a.size()) - 1) + 1);
    body["removed_lines"] = b.size() - head - tail;
    body["added_lines"] = a.size() - head - tail;
}

Json diffBodies(const CapturedResponse &before, const CapturedResponse &after,
                const DiffOptions &options) {
    Json body;
    body["before_size"] = before.body.size();
    body["after_size"] = after.body.size();

    if (before.bodyTruncated || after.bodyTruncated) {
        const bool equal = before.bodyTruncated == after.bodyTruncated && before.body == after.body;
        const qsizetype common = std::min(before.body.size(), after.body.size());
        qsizetype first = 0;
        while (first < common && before.body[first] == after.body[first])
            ++first;
        body["kind"] = "truncated";
        body["equal"] = equal;
        body["before_truncated"] = before.bodyTruncated;
        body["after_truncated"] = after.bodyTruncated;
        body["first_difference"] = equal ? Json(nullptr) : Json(first);
        body["before_sha256"] = sha256(before.body).toStdString();
        body["after_sha256"] = sha256(after.body).toStdString();
        return body;
    }

    const bool jsonCandidate = (saysJson(before.contentType) || looksLikeJson(before.body)) &&
                               (saysJson(after.contentType) || looksLikeJson(after.body));
    if (jsonCandidate) {
        const std::optional<Json> b = parseJson(before.body);
        const std::optional<Json> a = b ? parseJson(after.body) : std::nullopt;
        if (b && a) {
            JsonDiff diff(options.maxChanges);
            diff.walk(*b, *a, "");
            body["kind"] = "json";
            body["equal"] = *b == *a;
            body["changes"] = diff.changes();
            body["truncated"] = diff.truncated();
            return body;
        }
    }

    const auto isText = [](QByteArrayView bytes) {
        return !bytes.contains('\0') && isValidUtf8(bytes);
    };
    if (isText(before.body) && isText(after.body)) {
        body["kind"] = "text";
        body["equal"] = before.body == after.body;
        diffText(before.body, after.body, body);
        return body;
    }

    body["kind"] = "binary";
    body["equal"] = before.body == after.body;
    body["before_sha256"] = sha256(before.body).toStdString();
    body["after_sha256"] = sha256(after.body).toStdString();
    return body;
}

} // namespace

CapturedResponse CapturedResponse::fromRecord(const CaptureRecord &record) {
    return {record.status, record.responseHeaders, record.responseContentType, record.responseBody,
            record.responseBodyTruncated};
}

bool isVolatileHeader(QByteArrayView name) noexcept {
    return std::any_of(kVolatileHeaders.begin(), kVolatileHeaders.end(),
                       [name](QByteArrayView v) { return equalsIgnoreCase(name, v); });
}

std::string escapeJsonPointerToken(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

Json diffResponses(const CapturedResponse &before, const CapturedResponse &after,
                   const DiffOptions &options) {
    Json headers = diffHeaders(before.headers, after.headers);
    Json body = diffBodies(before, after, options);
    const bool statusChanged = before.status != after.status;
    const bool changed =
        statusChanged || !headers["equal"].get<bool>() || !body["equal"].get<bool>();
    return {{"changed", changed},
            {"status",
             {{"before", before.status}, {"after", after.status}, {"changed", statusChanged}}},
            {"headers", std::move(headers)},
            {"body", std::move(body)}};
}

} // namespace ToolCapture
