#include <backend/capture/capture_export.h>
#include <backend/capture/capture_record_codec.h>

#include <QList>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

namespace ToolCapture {

namespace {

using Json = nlohmann::json;

// ---- JSON --------------------------------------------------------------------------------

Json textOrNull(const QByteArray &bytes) {
    return bytes.isEmpty() ? Json(nullptr) : Json(jsonText(bytes));
}

Json textOrNull(const QString &string) {
    return string.isEmpty() ? Json(nullptr) : Json(string.toStdString());
}

Json offsetOrNull(std::int64_t offset) {
    return offset < 0 ? Json(nullptr) : Json(offset);
}

Json headersJson(const std::vector<CapturedHeader> &headers) {
    Json array = Json::array();
    for (const CapturedHeader &header : headers)
        array.push_back({{"name", jsonText(header.name)}, {"value", jsonText(header.value)}});
    return array;
}

void putBody(Json &json, const char *key, const char *encodingKey, const QByteArray &body) {
    if (QByteArrayView(body).isValidUtf8()) {
        json[key] = std::string(body.constData(), size_t(body.size()));
        json[encodingKey] = "utf-8";
    } else {
        const QByteArray base64 = body.toBase64();
        json[key] = std::string(base64.constData(), size_t(base64.size()));
        json[encodingKey] = "base64";
    }
}

Json webSocketStatsJson(const WebSocketMessageStats &stats) {
    return {{"messages", stats.messages},
            {"data_bytes", stats.dataBytes},
            {"largest_message_bytes", stats.largestMessage},
            {"control_frames", stats.controlFrames},
            {"malformed", stats.malformed}};
}

Json webSocketMessagesJson(const CaptureRecord &r) {
    if (!r.webSocketCounted)
        return nullptr;
    return {{"client_to_upstream", webSocketStatsJson(r.messagesFromClient)},
            {"upstream_to_client", webSocketStatsJson(r.messagesFromUpstream)}};
}

Json routingJson(const QByteArray &routing) {
    if (routing.isEmpty())
        return nullptr;
    Json parsed = Json::parse(routing.constBegin(), routing.constEnd(), nullptr, false);
    // Not JSON after all: kept as text rather than lost.
    return parsed.is_discarded() ? Json(jsonText(routing)) : parsed;
}

// Reads `json` field by field, remembering the first problem.
class JsonReader {
public:
    explicit JsonReader(const Json &json)
        : m_json(json) {}

    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }

    // Absent or null: `fallback`.
    std::int64_t integer(const char *key, std::int64_t fallback) {
        const Json *value = find(key);
        if (!value)
            return fallback;
        if (!value->is_number_integer()) {
            fail(key, "an integer");
            return fallback;
        }
        return value->get<std::int64_t>();
    }
    bool boolean(const char *key, bool fallback) {
        const Json *value = find(key);
        if (!value)
            return fallback;
        if (!value->is_boolean()) {
            fail(key, "a boolean");
            return fallback;
        }
        return value->get<bool>();
    }
    QByteArray bytes(const char *key) {
        const Json *value = find(key);
        if (!value)
            return {};
        if (!value->is_string()) {
            fail(key, "a string");
            return QByteArray();
        }
        const std::string &s = value->get_ref<const std::string &>();
        return QByteArray(s.data(), qsizetype(s.size()));
    }
    QString string(const char *key) { return QString::fromUtf8(bytes(key)); }
    QByteArray body(const char *key, const char *encodingKey) {
        const QByteArray content = bytes(key);
        const QByteArray encoding = bytes(encodingKey);
        if (encoding.isEmpty() || encoding == "utf-8")
            return content;
        if (encoding != "base64") {
            fail(encodingKey, "\"utf-8\" or \"base64\"");
            return QByteArray();
        }
        auto decoded =
            QByteArray::fromBase64Encoding(content, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            fail(key, "valid base64");
            return QByteArray();
        }
        return std::move(decoded.decoded);
    }
    QByteArray routing(const char *key) {
        const Json *value = find(key);
        if (!value)
            return {};
        if (value->is_string())
            return bytes(key);
        const std::string dumped = value->dump();
        return QByteArray(dumped.data(), qsizetype(dumped.size()));
    }
    // webSocketMessagesJson's form; false when absent or null.
    bool webSocketMessages(const char *key, WebSocketMessageStats &fromClient,
                           WebSocketMessageStats &fromUpstream) {
        const Json *value = find(key);
        if (!value)
            return false;
        constexpr const char *kShape =
            "{\"client_to_upstream\": {...}, \"upstream_to_client\": {...}}";
        if (!value->is_object()) {
            fail(key, kShape);
            return false;
        }
        for (const auto &[direction, stats] : {std::pair{"client_to_upstream", &fromClient},
                                               std::pair{"upstream_to_client", &fromUpstream}}) {
            const auto it = value->find(direction);
            if (it == value->end() || !it->is_object()) {
                fail(key, kShape);
                return false;
            }
            JsonReader in(*it);
            stats->messages = in.integer("messages", 0);
            stats->dataBytes = in.integer("data_bytes", 0);
            stats->largestMessage = in.integer("largest_message_bytes", 0);
            stats->controlFrames = in.integer("control_frames", 0);
            stats->malformed = in.boolean("malformed", false);
            if (in.failed()) {
                fail(key, kShape);
                return false;
            }
        }
        return true;
    }
    std::vector<CapturedHeader> headers(const char *key) {
        std::vector<CapturedHeader> out;
        const Json *value = find(key);
        if (!value)
            return out;
        if (!value->is_array()) {
            fail(key, "an array");
            return out;
        }
        out.reserve(value->size());
        for (const Json &field : *value) {
            const auto name = field.find("name");
            const auto content = field.find("value");
            if (!field.is_object() || name == field.end() || !name->is_string() ||
                content == field.end() || !content->is_string()) {
                fail(key, "[{\"name\": string, \"value\": string}]");
                return out;
            }
            const std::string &n = name->get_ref<const std::string &>();
            const std::string &v = content->get_ref<const std::string &>();
            out.push_back({QByteArray(n.data(), qsizetype(n.size())),
                           QByteArray(v.data(), qsizetype(v.size()))});
        }
        return out;
    }

private:
    const Json *find(const char *key) const {
        const auto it = m_json.find(key);
        return (it == m_json.end() || it->is_null()) ? nullptr : &*it;
    }
    void fail(const char *key, const char *expected) {
        if (m_error.isEmpty())
            m_error =
                QStringLiteral("%1: expected %2").arg(QLatin1String(key), QLatin1String(expected));
    }

    const Json &m_json;
    QString m_error;
};

// ---- Binary --------------------------------------------------------------------------------

// Version 1 (frozen: changing the layout or a table below needs a new version byte):
//   version byte; flags varint; zigzag varints acceptedAtUs, connectedUs, firstByteUs, doneUs,
//   status, requestBytes, responseBytes, attempts; length-prefixed correlationId, sessionId,
//   userContext, clientAddress, method, path, query, service, instance (UTF-8), routing (packed
//   when kRoutingPacked), cache, breakerState, proxyError, requestContentType,
//   responseContentType, requestBody, responseBody; then the request and the response fields:
//   a count, then per field a name (table index, or tableSize + length and the bytes) and a
//   value (varint tag: even = length * 2 and the bytes; kValueCorrelationId, kValueRedacted,
//   kValueContentType = the record's own value of that).
// Version 2 (frozen): version 1, and when kRoutingBrief is set the routing brief right after
// the routing text: a policy byte, varints candidates and available, a flags byte
// (kBriefSlowStartYielded, kBriefAvoided, kBriefChosen, kBriefRunnerUp), then the chosen and the
// runner-up when present: the id (UTF-8), nine doubles (score, performance, reliability, load,
// compatibility, weight, latencyMs, successRate, windowCalls; 8 bytes little-endian each) and
// active (zigzag varint). Version 1 is still read.
// Version 3 (frozen): version 2, and when kTunnelEnd is set the tunnel's end reason
// (length-prefixed) right after the response fields. Versions 1 and 2 are still read.
// Version 4 (frozen): version 3, and when kWebSocketMessages is set the WebSocket messages
// after the tunnel's end, client to upstream then upstream to client: varints messages,
// dataBytes, largestMessage, controlFrames and a flags byte (kWsStatsMalformed). Versions 1
// to 3 are still read.
constexpr char kFormatVersion1 = 1;
constexpr char kFormatVersion2 = 2;
constexpr char kFormatVersion3 = 3;
constexpr char kFormatVersion = 4;

constexpr std::uint64_t kReplayable = 1;
constexpr std::uint64_t kResponseBodyTruncated = 2;
constexpr std::uint64_t kRoutingPacked = 4;
constexpr std::uint64_t kRoutingBrief = 8;
constexpr std::uint64_t kTunnelEnd = 16;
constexpr std::uint64_t kWebSocketMessages = 32;

constexpr unsigned char kWsStatsMalformed = 1;

bool knownFormatVersion(char version) {
    return version >= kFormatVersion1 && version <= kFormatVersion;
}

constexpr unsigned char kBriefSlowStartYielded = 1;
constexpr unsigned char kBriefAvoided = 2;
constexpr unsigned char kBriefChosen = 4;
constexpr unsigned char kBriefRunnerUp = 8;

constexpr std::uint64_t kValueCorrelationId = 1;
constexpr std::uint64_t kValueRedacted = 3;
constexpr std::uint64_t kValueContentType = 5;

// Header names referenced by index, roughly by frequency so the commonest take one byte: each
// in lower case and in the usual capitalisation, then the usual exceptions.
const std::vector<QByteArray> &headerNameTable() {
    static const std::vector<QByteArray> table = [] {
        const QByteArray lower =
            "content-type content-length accept user-agent host x-correlation-id "
            "accept-encoding connection cache-control date server etag traceparent "
            "authorization cookie set-cookie x-session-id x-user-context x-target-service "
            "x-require-capability accept-version idempotency-key if-none-match accept-language "
            "last-modified location vary x-request-id x-forwarded-for transfer-encoding "
            "content-encoding expires age retry-after tracestate origin referer "
            "x-forwarded-proto x-forwarded-host forwarded x-real-ip keep-alive pragma "
            "if-modified-since if-match if-unmodified-since if-range range content-range "
            "accept-ranges content-disposition content-language content-location expect "
            "proxy-authorization proxy-authenticate www-authenticate link "
            "access-control-allow-origin strict-transport-security x-api-key via allow upgrade "
            "trailer te accept-charset x-ratelimit-limit x-ratelimit-remaining x-ratelimit-reset";
        std::vector<QByteArray> names;
        for (const QByteArray &name : lower.split(' ')) {
            QByteArray canonical = name;
            for (qsizetype i = 0; i < canonical.size(); ++i) {
                if (i == 0 || canonical[i - 1] == '-')
                    canonical[i] = char(std::toupper(static_cast<unsigned char>(canonical[i])));
            }
            names.push_back(name);
            names.push_back(canonical);
        }
        for (const char *name : {"X-Correlation-ID", "ETag", "X-Session-ID", "X-Request-ID",
                                 "X-Real-IP", "WWW-Authenticate", "TE", "X-API-Key"})
            names.push_back(QByteArray(name));
        return names;
    }();
    return table;
}

// The table's names by length, then by first byte: a lookup compares a handful of candidates
// (QHash's seeded hash of the name cost more than the rest of an encoding).
class HeaderNameIndex {
public:
    static const HeaderNameIndex &instance() {
        static const HeaderNameIndex index;
        return index;
    }

    // The name's index in headerNameTable(), or -1.
    qint64 find(QByteArrayView name) const {
        if (name.isEmpty() || name.size() >= kMaxLength)
            return -1;
        for (const auto &[candidate, index] : m_byLength[size_t(name.size())]) {
            if (candidate.front() == name.front() &&
                std::memcmp(candidate.data(), name.data(), size_t(name.size())) == 0)
                return index;
        }
        return -1;
    }

private:
    static constexpr qsizetype kMaxLength = 64;

    HeaderNameIndex() {
        const std::vector<QByteArray> &table = headerNameTable();
        for (size_t i = 0; i < table.size(); ++i) {
            if (table[i].size() < kMaxLength)
                m_byLength[size_t(table[i].size())].emplace_back(QByteArrayView(table[i]),
                                                                 qint64(i));
        }
    }

    std::array<std::vector<std::pair<QByteArrayView, qint64>>, kMaxLength> m_byLength;
};

// Routing explanations are toJson(RoutingDecision).dump(): every candidate spells the same keys
// in the same order, two thirds of the text. Well-formed UTF-8 never contains the bytes 0xc0,
// 0xc1 or 0xf5..0xff, so they stand for key runs: 0xc0, 0xc1, 0xf5..0xfe for the per-candidate
// ones, 0xff and an index byte for the rest. A two-candidate explanation shrinks from about
// 700 bytes to 300. Other text passes through unchanged, just unpacked.
class RoutingDictionary {
public:
    static const RoutingDictionary &instance() {
        static const RoutingDictionary dictionary;
        return dictionary;
    }

    void pack(QByteArrayView in, QByteArray &out) const {
        const char *p = in.data();
        const char *end = p + in.size();
        const char *literal = p;
        while (p < end) {
            const std::vector<int> &candidates = m_byFirst[static_cast<unsigned char>(*p)];
            bool matched = false;
            for (const int index : candidates) {
                const QByteArray &token = m_tokens[size_t(index)];
                if (end - p >= token.size() &&
                    std::memcmp(p, token.constData(), token.size()) == 0) {
                    out.append(literal, p - literal);
                    if (index < kSingleCount) {
                        out.append(char(kSingleCodes[index]));
                    } else {
                        out.append(char(kEscape));
                        out.append(char(index - kSingleCount));
                    }
                    p += token.size();
                    literal = p;
                    matched = true;
                    break;
                }
            }
            if (!matched)
                ++p;
        }
        out.append(literal, p - literal);
    }

    bool unpack(QByteArrayView in, QByteArray &out) const {
        out.reserve(in.size() * 3);
        const auto *p = reinterpret_cast<const unsigned char *>(in.data());
        const auto *end = p + in.size();
        const auto *literal = p;
        const auto flush = [&](const unsigned char *upTo) {
            out.append(reinterpret_cast<const char *>(literal), upTo - literal);
        };
        for (; p < end; ++p) {
            int index = m_singleIndex[*p];
            if (index < 0 && *p != kEscape)
                continue;
            flush(p);
            if (index < 0) {
                if (++p == end || *p >= m_tokens.size() - kSingleCount)
                    return false;
                index = kSingleCount + *p;
            }
            out.append(m_tokens[size_t(index)]);
            literal = p + 1;
        }
        flush(p);
        return true;
    }

private:
    static constexpr int kSingleCount = 12;
    static constexpr unsigned char kSingleCodes[kSingleCount] = {
        0xc0, 0xc1, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe};
    static constexpr unsigned char kEscape = 0xff;

    RoutingDictionary() {
        static const char *const tokens[] = {
            // One byte each: once per candidate.
            R"(},{"excluded":false,"exclusion":null,"id":")",
            R"(","inputs":{"active":)",
            R"(,"latency_ms":)",
            R"(,"success_rate":)",
            R"(,"window_calls":)",
            R"(},"parts":{"compatibility":)",
            R"(,"load":)",
            R"(,"performance":)",
            R"(,"reliability":)",
            R"(},"reason":null,"score":)",
            R"(,"weight":)",
            R"(}],"chosen":")",
            // Two bytes each.
            R"({"candidates":[{"excluded":false,"exclusion":null,"id":")",
            R"({"candidates":[{"excluded":true,"exclusion":")",
            R"(},{"excluded":true,"exclusion":")",
            R"({"candidates":[],"chosen":null)",
            R"(}],"chosen":null)",
            R"(","id":")",
            R"(},"reason":")",
            R"(","score":)",
            R"(,"latency_ms":null)",
            R"(,"success_rate":null)",
            R"(","policy":"scoring","runner_up":")",
            R"(,"policy":"scoring","runner_up":")",
            R"(","policy":"scoring","runner_up":null)",
            R"(,"policy":"scoring","runner_up":null)",
            R"(","policy":")",
            R"(,"policy":")",
            R"(","runner_up":")",
            R"(","runner_up":null)",
            R"(","service":")",
            R"(,"service":")",
            R"(","summary":")",
        };
        for (const char *token : tokens)
            m_tokens.push_back(QByteArray::fromRawData(token, qsizetype(std::strlen(token))));
        m_singleIndex.fill(-1);
        for (int i = 0; i < kSingleCount; ++i)
            m_singleIndex[kSingleCodes[i]] = i;
        for (size_t i = 0; i < m_tokens.size(); ++i)
            m_byFirst[static_cast<unsigned char>(m_tokens[i].front())].push_back(int(i));
        // Longest first: a token that extends another wins.
        for (std::vector<int> &candidates : m_byFirst) {
            std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
                return m_tokens[size_t(a)].size() > m_tokens[size_t(b)].size();
            });
        }
    }

    std::vector<QByteArray> m_tokens;
    std::array<int, 256> m_singleIndex{};
    std::array<std::vector<int>, 256> m_byFirst;
};

// Writes into space the caller reserved (an upper bound of the encoding's size): QByteArray's
// append takes a detour through its generic insert for every call, which made up most of an
// encoding's cost.
class Writer {
public:
    explicit Writer(char *out)
        : m_p(out) {}

    char *end() const { return m_p; }
    void byte(char b) { *m_p++ = b; }
    void varint(std::uint64_t value) {
        while (value >= 0x80) {
            *m_p++ = char((value & 0x7f) | 0x80);
            value >>= 7;
        }
        *m_p++ = char(value);
    }
    void svarint(std::int64_t value) {
        varint((std::uint64_t(value) << 1) ^ std::uint64_t(value >> 63));
    }
    void raw(QByteArrayView data) {
        if (!data.isEmpty())
            std::memcpy(m_p, data.data(), size_t(data.size()));
        m_p += data.size();
    }
    void webSocketStats(const WebSocketMessageStats &stats) {
        varint(std::uint64_t(stats.messages));
        varint(std::uint64_t(stats.dataBytes));
        varint(std::uint64_t(stats.largestMessage));
        varint(std::uint64_t(stats.controlFrames));
        byte(char(stats.malformed ? kWsStatsMalformed : 0));
    }
    void bytes(QByteArrayView data) {
        varint(std::uint64_t(data.size()));
        raw(data);
    }
    void float64(double value) {
        std::uint64_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        for (int i = 0; i < 8; ++i)
            *m_p++ = char(bits >> (8 * i));
    }
    void brief(const RoutingBrief &b) {
        byte(char(b.policy));
        varint(std::uint64_t(std::max(0, b.candidates)));
        varint(std::uint64_t(std::max(0, b.available)));
        byte(char((b.slowStartYielded ? kBriefSlowStartYielded : 0) |
                  (b.avoided ? kBriefAvoided : 0) | (b.chosen.id.isEmpty() ? 0 : kBriefChosen) |
                  (b.runnerUp.id.isEmpty() ? 0 : kBriefRunnerUp)));
        for (const RoutingBrief::Drawn *d : {&b.chosen, &b.runnerUp}) {
            if (d->id.isEmpty())
                continue;
            utf8(d->id);
            for (const double value :
                 {d->score, d->performance, d->reliability, d->load, d->compatibility, d->weight,
                  d->latencyMs, d->successRate, d->windowCalls})
                float64(value);
            svarint(d->active);
        }
    }
    // UTF-8 without a temporary for the usual ASCII names.
    void utf8(const QString &string) {
        const auto *p = reinterpret_cast<const char16_t *>(string.utf16());
        const qsizetype n = string.size();
        if (std::all_of(p, p + n, [](char16_t c) { return c < 0x80; })) {
            varint(std::uint64_t(n));
            for (qsizetype i = 0; i < n; ++i)
                *m_p++ = char(p[i]);
        } else {
            bytes(string.toUtf8());
        }
    }
    void headers(const std::vector<CapturedHeader> &fields, const CaptureRecord &record,
                 const QByteArray &contentType) {
        const HeaderNameIndex &index = HeaderNameIndex::instance();
        const std::uint64_t tableSize = headerNameTable().size();
        const QByteArrayView redacted(CaptureRecord::kRedacted);
        varint(fields.size());
        for (const CapturedHeader &field : fields) {
            if (const qint64 known = index.find(field.name); known >= 0) {
                varint(std::uint64_t(known));
            } else {
                varint(tableSize + std::uint64_t(field.name.size()));
                raw(field.name);
            }
            // X-Correlation-ID and Content-Type repeat the record's own fields.
            const QByteArray &value = field.value;
            if (!value.isEmpty() && value == record.correlationId) {
                varint(kValueCorrelationId);
            } else if (value == redacted) {
                varint(kValueRedacted);
            } else if (!value.isEmpty() && value == contentType) {
                varint(kValueContentType);
            } else {
                varint(std::uint64_t(value.size()) * 2);
                raw(value);
            }
        }
    }

private:
    char *m_p;
};

class Reader {
public:
    explicit Reader(QByteArrayView data)
        : m_p(data.data())
        , m_end(data.data() + data.size()) {}

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_p == m_end; }
    qsizetype remaining() const { return m_end - m_p; }
    void fail() { m_ok = false; }

    char byte() {
        if (m_p == m_end) {
            m_ok = false;
            return 0;
        }
        return *m_p++;
    }
    void webSocketStats(WebSocketMessageStats &stats) {
        stats.messages = nonNegative();
        stats.dataBytes = nonNegative();
        stats.largestMessage = nonNegative();
        stats.controlFrames = nonNegative();
        const auto flags = static_cast<unsigned char>(byte());
        if (flags & ~kWsStatsMalformed)
            fail();
        stats.malformed = flags & kWsStatsMalformed;
    }
    std::int64_t nonNegative() {
        const std::uint64_t value = varint();
        if (value > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
            fail();
        return std::int64_t(value & std::uint64_t(std::numeric_limits<std::int64_t>::max()));
    }
    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64 && m_p != m_end; shift += 7) {
            const auto b = static_cast<unsigned char>(*m_p++);
            value |= std::uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80))
                return value;
        }
        m_ok = false;
        return 0;
    }
    std::int64_t svarint() {
        const std::uint64_t v = varint();
        return std::int64_t(v >> 1) ^ -std::int64_t(v & 1);
    }
    int integer() {
        const std::int64_t v = svarint();
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
            m_ok = false;
            return 0;
        }
        return int(v);
    }
    QByteArray bytes() { return take(varint()); }
    QString utf8() { return QString::fromUtf8(bytes()); }
    double float64() {
        if (m_end - m_p < 8) {
            m_ok = false;
            return 0;
        }
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i)
            bits |= std::uint64_t(static_cast<unsigned char>(*m_p++)) << (8 * i);
        double value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }
    void brief(RoutingBrief &b) {
        const auto policy = static_cast<unsigned char>(byte());
        if (policy != static_cast<unsigned char>(RoutingBrief::Policy::Scoring))
            m_ok = false;
        b.policy = RoutingBrief::Policy::Scoring;
        b.candidates = int(std::min<std::uint64_t>(varint(), 1u << 30));
        b.available = int(std::min<std::uint64_t>(varint(), 1u << 30));
        const auto flags = static_cast<unsigned char>(byte());
        b.slowStartYielded = flags & kBriefSlowStartYielded;
        b.avoided = flags & kBriefAvoided;
        for (auto [d, present] : {std::pair{&b.chosen, flags & kBriefChosen},
                                  std::pair{&b.runnerUp, flags & kBriefRunnerUp}}) {
            if (!present || !m_ok)
                continue;
            d->id = utf8();
            for (double *value :
                 {&d->score, &d->performance, &d->reliability, &d->load, &d->compatibility,
                  &d->weight, &d->latencyMs, &d->successRate, &d->windowCalls})
                *value = float64();
            d->active = integer();
            if (d->id.isEmpty())
                m_ok = false;
        }
    }
    std::vector<CapturedHeader> headers(const CaptureRecord &record,
                                        const QByteArray &contentType) {
        std::vector<CapturedHeader> fields;
        const std::uint64_t count = varint();
        // Each field takes at least two bytes: a count past that is corrupt, not a reason to
        // reserve gigabytes.
        if (!m_ok || count > std::uint64_t(m_end - m_p) / 2) {
            m_ok = false;
            return fields;
        }
        const std::vector<QByteArray> &table = headerNameTable();
        fields.reserve(size_t(count));
        for (std::uint64_t i = 0; i < count && m_ok; ++i) {
            const std::uint64_t name = varint();
            CapturedHeader field;
            if (name < table.size()) {
                const QByteArray &known = table[size_t(name)];
                // Static text: the copy shares it and allocates nothing.
                field.name = QByteArray::fromRawData(known.constData(), known.size());
            } else {
                field.name = take(name - table.size());
            }
            const std::uint64_t value = varint();
            if (value % 2 == 0)
                field.value = take(value / 2);
            else if (value == kValueCorrelationId)
                field.value = record.correlationId;
            else if (value == kValueRedacted)
                field.value = QByteArray::fromRawData(
                    CaptureRecord::kRedacted, qsizetype(std::strlen(CaptureRecord::kRedacted)));
            else if (value == kValueContentType)
                field.value = contentType;
            else
                m_ok = false;
            fields.push_back(std::move(field));
        }
        return fields;
    }

private:
    QByteArray take(std::uint64_t length) {
        if (!m_ok || length > std::uint64_t(m_end - m_p)) {
            m_ok = false;
            return QByteArray();
        }
        QByteArray data(m_p, qsizetype(length));
        m_p += length;
        return data;
    }

    const char *m_p;
    const char *m_end;
    bool m_ok = true;
};

} // namespace

// ---- JSON --------------------------------------------------------------------------------

QByteArray formatRfc3339Utc(std::int64_t microsecondsSinceEpoch) {
    using namespace std::chrono;
    const sys_time<microseconds> time{microseconds(microsecondsSinceEpoch)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss<microseconds> clock{time - day};
    char buffer[48];
    const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                                int(date.year()), unsigned(date.month()), unsigned(date.day()),
                                int(clock.hours().count()), int(clock.minutes().count()),
                                int(clock.seconds().count()),
                                static_cast<long long>(clock.subseconds().count()));
    return QByteArray(buffer, n);
}

Json toJson(const CaptureRecord &r) {
    Json json = {
        {"id", r.id},
        {"correlation_id", jsonText(r.correlationId)},
        {"session_id", textOrNull(r.sessionId)},
        {"user_context", textOrNull(r.userContext)},
        {"client_address", jsonText(r.clientAddress)},
        {"accepted_at", formatRfc3339Utc(r.acceptedAtUs).toStdString()},
        {"accepted_at_us", r.acceptedAtUs},
        {"connected_us", offsetOrNull(r.connectedUs)},
        {"first_byte_us", offsetOrNull(r.firstByteUs)},
        {"done_us", offsetOrNull(r.doneUs)},
        {"method", jsonText(r.method)},
        {"path", jsonText(r.path)},
        {"query", jsonText(r.query)},
        {"status", r.status == 0 ? Json(nullptr) : Json(r.status)},
        {"request_bytes", r.requestBytes},
        {"response_bytes", r.responseBytes},
        {"service", textOrNull(r.service)},
        {"instance", textOrNull(r.instance)},
        {"attempts", r.attempts},
        {"routing",
         r.routing.isEmpty() ? toJson(r.routingBrief, r.service) : routingJson(r.routing)},
        {"cache", textOrNull(r.cache)},
        {"breaker_state", textOrNull(r.breakerState)},
        {"proxy_error", textOrNull(r.proxyError)},
        {"tunnel_end", textOrNull(r.tunnelEnd)},
        {"websocket_messages", webSocketMessagesJson(r)},
        {"request_headers", headersJson(r.requestHeaders)},
        {"response_headers", headersJson(r.responseHeaders)},
        {"request_content_type", textOrNull(r.requestContentType)},
        {"response_content_type", textOrNull(r.responseContentType)},
        {"replayable", r.replayable},
        {"response_body_truncated", r.responseBodyTruncated},
    };
    putBody(json, "request_body", "request_body_encoding", r.requestBody);
    putBody(json, "response_body", "response_body_encoding", r.responseBody);
    return json;
}

std::optional<CaptureRecord> captureRecordFromJson(const Json &json, QString *error) {
    if (!json.is_object()) {
        if (error)
            *error = QStringLiteral("a capture record must be a JSON object");
        return std::nullopt;
    }
    JsonReader in(json);
    CaptureRecord r;
    r.id = in.integer("id", 0);
    r.correlationId = in.bytes("correlation_id");
    r.sessionId = in.bytes("session_id");
    r.userContext = in.bytes("user_context");
    r.clientAddress = in.bytes("client_address");
    r.acceptedAtUs = in.integer("accepted_at_us", 0);
    r.connectedUs = in.integer("connected_us", -1);
    r.firstByteUs = in.integer("first_byte_us", -1);
    r.doneUs = in.integer("done_us", -1);
    r.method = in.bytes("method");
    r.path = in.bytes("path");
    r.query = in.bytes("query");
    r.status = int(in.integer("status", 0));
    r.requestBytes = in.integer("request_bytes", 0);
    r.responseBytes = in.integer("response_bytes", 0);
    r.service = in.string("service");
    r.instance = in.string("instance");
    r.attempts = int(in.integer("attempts", 0));
    r.routing = in.routing("routing");
    r.cache = in.bytes("cache");
    r.breakerState = in.bytes("breaker_state");
    r.proxyError = in.bytes("proxy_error");
    r.tunnelEnd = in.bytes("tunnel_end");
    r.webSocketCounted =
        in.webSocketMessages("websocket_messages", r.messagesFromClient, r.messagesFromUpstream);
    r.requestHeaders = in.headers("request_headers");
    r.responseHeaders = in.headers("response_headers");
    r.requestContentType = in.bytes("request_content_type");
    r.responseContentType = in.bytes("response_content_type");
    r.requestBody = in.body("request_body", "request_body_encoding");
    r.replayable = in.boolean("replayable", true);
    r.responseBody = in.body("response_body", "response_body_encoding");
    r.responseBodyTruncated = in.boolean("response_body_truncated", false);
    if (in.failed()) {
        if (error)
            *error = in.error();
        return std::nullopt;
    }
    return r;
}

// ---- Binary --------------------------------------------------------------------------------

void encodeCaptureRecord(const CaptureRecord &r, QByteArray &out) {
    // An upper bound: ten bytes per varint, three UTF-8 bytes per UTF-16 unit, and the packed
    // routing explanation is never longer than the text.
    constexpr qsizetype kVarint = 10;
    qsizetype bound = 2 + kVarint + 8 * kVarint + 17 * kVarint + r.correlationId.size() +
                      r.sessionId.size() + r.userContext.size() + r.clientAddress.size() +
                      r.method.size() + r.path.size() + r.query.size() +
                      3 * (r.service.size() + r.instance.size()) + r.routing.size() +
                      r.cache.size() + r.breakerState.size() + r.proxyError.size() +
                      r.tunnelEnd.size() + 10 * kVarint + 2 + r.requestContentType.size() +
                      r.responseContentType.size() + r.requestBody.size() + r.responseBody.size();
    for (const auto *fields : {&r.requestHeaders, &r.responseHeaders}) {
        bound += kVarint;
        for (const CapturedHeader &field : *fields)
            bound += 2 * kVarint + field.name.size() + field.value.size();
    }
    const qsizetype start = out.size();
    // Geometric growth: a caller appending a batch's records to one buffer reallocates it a
    // few times, not once per record.
    if (out.capacity() - start < bound)
        out.reserve(std::max(start + bound, out.capacity() * 2));
    out.resize(start + bound);

    thread_local QByteArray routing;
    const bool packRouting = !r.routing.isEmpty() && QByteArrayView(r.routing).isValidUtf8();
    if (packRouting) {
        routing.resize(0);
        RoutingDictionary::instance().pack(r.routing, routing);
    }

    Writer w(out.data() + start);
    w.byte(kFormatVersion);
    w.varint(
        (r.replayable ? kReplayable : 0) | (r.responseBodyTruncated ? kResponseBodyTruncated : 0) |
        (packRouting ? kRoutingPacked : 0) | (r.routingBrief.isEmpty() ? 0 : kRoutingBrief) |
        (r.tunnelEnd.isEmpty() ? 0 : kTunnelEnd) | (r.webSocketCounted ? kWebSocketMessages : 0));
    w.svarint(r.acceptedAtUs);
    w.svarint(r.connectedUs);
    w.svarint(r.firstByteUs);
    w.svarint(r.doneUs);
    w.svarint(r.status);
    w.svarint(r.requestBytes);
    w.svarint(r.responseBytes);
    w.svarint(r.attempts);
    w.bytes(r.correlationId);
    w.bytes(r.sessionId);
    w.bytes(r.userContext);
    w.bytes(r.clientAddress);
    w.bytes(r.method);
    w.bytes(r.path);
    w.bytes(r.query);
    w.utf8(r.service);
    w.utf8(r.instance);
    w.bytes(packRouting ? QByteArrayView(routing) : QByteArrayView(r.routing));
    if (!r.routingBrief.isEmpty())
        w.brief(r.routingBrief);
    w.bytes(r.cache);
    w.bytes(r.breakerState);
    w.bytes(r.proxyError);
    w.bytes(r.requestContentType);
    w.bytes(r.responseContentType);
    w.bytes(r.requestBody);
    w.bytes(r.responseBody);
    w.headers(r.requestHeaders, r, r.requestContentType);
    w.headers(r.responseHeaders, r, r.responseContentType);
    if (!r.tunnelEnd.isEmpty())
        w.bytes(r.tunnelEnd);
    if (r.webSocketCounted) {
        w.webSocketStats(r.messagesFromClient);
        w.webSocketStats(r.messagesFromUpstream);
    }
    out.resize(w.end() - out.constData());
}

QByteArray encodeCaptureRecord(const CaptureRecord &record) {
    QByteArray out;
    encodeCaptureRecord(record, out);
    return out;
}

bool decodeCaptureRecord(QByteArrayView data, CaptureRecord &r) {
    Reader in(data);
    const char version = in.byte();
    if (!knownFormatVersion(version))
        return false;
    const std::uint64_t flags = in.varint();
    r.replayable = flags & kReplayable;
    r.responseBodyTruncated = flags & kResponseBodyTruncated;
    r.acceptedAtUs = in.svarint();
    r.connectedUs = in.svarint();
    r.firstByteUs = in.svarint();
    r.doneUs = in.svarint();
    r.status = in.integer();
    r.requestBytes = in.svarint();
    r.responseBytes = in.svarint();
    r.attempts = in.integer();
    r.correlationId = in.bytes();
    r.sessionId = in.bytes();
    r.userContext = in.bytes();
    r.clientAddress = in.bytes();
    r.method = in.bytes();
    r.path = in.bytes();
    r.query = in.bytes();
    r.service = in.utf8();
    r.instance = in.utf8();
    r.routing = in.bytes();
    if (flags & kRoutingPacked) {
        QByteArray routing;
        if (!RoutingDictionary::instance().unpack(r.routing, routing))
            in.fail();
        r.routing = std::move(routing);
    }
    r.routingBrief = RoutingBrief();
    if (flags & kRoutingBrief) {
        if (version == kFormatVersion1)
            return false;
        in.brief(r.routingBrief);
    }
    r.cache = in.bytes();
    r.breakerState = in.bytes();
    r.proxyError = in.bytes();
    r.requestContentType = in.bytes();
    r.responseContentType = in.bytes();
    r.requestBody = in.bytes();
    r.responseBody = in.bytes();
    r.requestHeaders = in.headers(r, r.requestContentType);
    r.responseHeaders = in.headers(r, r.responseContentType);
    r.tunnelEnd = QByteArray();
    if (flags & kTunnelEnd) {
        if (version < kFormatVersion3)
            return false;
        r.tunnelEnd = in.bytes();
    }
    r.webSocketCounted = flags & kWebSocketMessages;
    r.messagesFromClient = {};
    r.messagesFromUpstream = {};
    if (r.webSocketCounted) {
        if (version < kFormatVersion)
            return false;
        in.webSocketStats(r.messagesFromClient);
        in.webSocketStats(r.messagesFromUpstream);
    }
    return in.ok() && in.atEnd();
}

std::optional<QByteArrayView> peekCorrelationId(QByteArrayView data) {
    Reader in(data);
    const char version = in.byte();
    if (!knownFormatVersion(version))
        return std::nullopt;
    in.varint(); // flags
    for (int i = 0; i < 8; ++i)
        in.svarint();
    const std::uint64_t length = in.varint();
    const qsizetype start = data.size() - in.remaining();
    if (!in.ok() || length > std::uint64_t(in.remaining()))
        return std::nullopt;
    return data.sliced(start, qsizetype(length));
}

} // namespace ToolCapture
