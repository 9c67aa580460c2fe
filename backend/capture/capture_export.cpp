#include <backend/capture/capture_export.h>
#include <backend/http/http_message.h>
#include <backend/http/problem_details.h>

#include <QCoreApplication>
#include <QDateTime>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

using OrderedJson = nlohmann::ordered_json; // HAR keeps its members in order

// Header values are bytes; what is not UTF-8 is read as ISO-8859-1, its historical charset.
std::string str(const QString &string) {
    return string.toStdString();
}

bool isRedacted(const CapturedHeader &header) {
    return header.value == CaptureRecord::kRedacted;
}

const CapturedHeader *findCaptured(const std::vector<CapturedHeader> &headers,
                                   QByteArrayView name) {
    const auto it = std::find_if(headers.begin(), headers.end(), [name](const CapturedHeader &h) {
        return equalsIgnoreCase(h.name, name);
    });
    return it == headers.end() ? nullptr : &*it;
}

// How many bytes at the end of `bytes` start a UTF-8 sequence that was cut short.
qsizetype incompleteUtf8Tail(QByteArrayView bytes) {
    const qsizetype n = bytes.size();
    for (qsizetype back = 1; back <= std::min<qsizetype>(3, n); ++back) {
        const auto c = static_cast<unsigned char>(bytes[n - back]);
        if ((c & 0xC0) == 0x80)
            continue; // a continuation byte: its lead is further back
        const int length = (c & 0xE0) == 0xC0   ? 2
                           : (c & 0xF0) == 0xE0 ? 3
                           : (c & 0xF8) == 0xF0 ? 4
                                                : 1;
        return length > back ? back : 0;
    }
    return 0;
}

// Scheme://authority and path prefix without a trailing '/'.
QByteArray origin(const QUrl &url) {
    QByteArray out = url.scheme().toUtf8() + "://" + url.authority(QUrl::FullyEncoded).toUtf8();
    QByteArray path = url.path(QUrl::FullyEncoded).toUtf8();
    while (path.endsWith('/'))
        path.chop(1);
    return out + path;
}

QByteArray target(const CaptureRecord &record) {
    return record.query.isEmpty() ? record.path : record.path + '?' + record.query;
}

// The absolute URL: the captured Host when `preferHost`, else `base`; localhost as a last resort.
QByteArray absoluteUrl(const CaptureRecord &record, const QUrl &base, bool preferHost) {
    const CapturedHeader *host = findCaptured(record.requestHeaders, "host");
    const bool baseUsable = base.isValid() && !base.scheme().isEmpty() && !base.host().isEmpty();
    if (host && !host->value.isEmpty() && (preferHost || !baseUsable)) {
        const QByteArray scheme = baseUsable ? base.scheme().toUtf8() : QByteArray("http");
        return scheme + "://" + host->value + target(record);
    }
    if (baseUsable)
        return origin(base) + target(record);
    return "http://localhost" + target(record);
}

double ms(std::int64_t us) {
    return double(us) / 1000.0;
}

OrderedJson harHeaders(const std::vector<CapturedHeader> &headers) {
    OrderedJson list = OrderedJson::array();
    for (const CapturedHeader &header : headers) {
        OrderedJson entry = {{"name", jsonText(header.name)}, {"value", jsonText(header.value)}};
        if (isRedacted(header))
            entry["comment"] = "redacted at capture";
        list.push_back(std::move(entry));
    }
    return list;
}

// application/x-www-form-urlencoded rules ('+' is a space), as URLSearchParams reads a query.
OrderedJson queryStringJson(const QByteArray &query) {
    OrderedJson list = OrderedJson::array();
    for (QByteArray pair : query.split('&')) {
        if (pair.isEmpty())
            continue;
        pair.replace('+', ' ');
        const qsizetype eq = pair.indexOf('=');
        const QByteArray name = eq < 0 ? pair : pair.left(eq);
        const QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
        list.push_back({{"name", jsonText(QByteArray::fromPercentEncoding(name))},
                        {"value", jsonText(QByteArray::fromPercentEncoding(value))}});
    }
    return list;
}

struct Timings {
    std::int64_t blockedUs = -1;
    std::int64_t waitUs = 0;
    std::int64_t receiveUs = 0;
};

// NOTE: the record marks when a connection was ready, the first response byte and the last;
// the request's own upload falls inside "wait" and "send" stays 0.
Timings timings(const CaptureRecord &record) {
    Timings t;
    const std::int64_t start = std::max<std::int64_t>(record.connectedUs, 0);
    if (record.connectedUs >= 0)
        t.blockedUs = record.connectedUs;
    std::int64_t waitEnd = start;
    if (record.firstByteUs >= 0)
        waitEnd = record.firstByteUs;
    else if (record.doneUs >= 0)
        waitEnd = record.doneUs; // the proxy answered itself (timeout, no route, ...)
    t.waitUs = std::max<std::int64_t>(waitEnd - start, 0);
    if (record.firstByteUs >= 0 && record.doneUs >= record.firstByteUs)
        t.receiveUs = record.doneUs - record.firstByteUs;
    return t;
}

OrderedJson contentJson(const CaptureRecord &record) {
    OrderedJson content;
    content["size"] = record.responseBytes;
    content["mimeType"] = jsonText(record.responseContentType);
    QByteArrayView body = record.responseBody;
    if (record.responseBodyTruncated)
        body.chop(incompleteUtf8Tail(body));
    if (!record.responseBody.isEmpty()) {
        if (isValidUtf8(body)) {
            content["text"] = jsonText(body);
        } else {
            content["text"] = record.responseBody.toBase64().toStdString();
            content["encoding"] = "base64";
            body = record.responseBody;
        }
    }
    if (record.responseBodyTruncated) {
        content["comment"] = "only the first " + std::to_string(body.size()) + " of " +
                             std::to_string(record.responseBytes) + " bytes were kept";
    }
    return content;
}

OrderedJson entryJson(const CaptureRecord &record, const HarOptions &options) {
    OrderedJson request;
    request["method"] = jsonText(record.method);
    request["url"] = jsonText(absoluteUrl(record, options.baseUrl, true));
    request["httpVersion"] = "HTTP/1.1";
    request["cookies"] = OrderedJson::array();
    request["headers"] = harHeaders(record.requestHeaders);
    request["queryString"] = queryStringJson(record.query);
    if (!record.requestBody.isEmpty()) {
        OrderedJson postData;
        postData["mimeType"] = jsonText(record.requestContentType);
        if (isValidUtf8(record.requestBody)) {
            postData["text"] = jsonText(record.requestBody);
        } else {
            postData["text"] = record.requestBody.toBase64().toStdString();
            postData["_encoding"] = "base64";
        }
        request["postData"] = std::move(postData);
    }
    request["headersSize"] = -1;
    request["bodySize"] = record.requestBytes;
    if (!record.replayable) {
        request["comment"] =
            "body of " + std::to_string(record.requestBytes) + " bytes not kept (too large)";
    }

    OrderedJson response;
    response["status"] = record.status;
    response["statusText"] =
        record.status == 0 ? std::string() : reasonPhrase(record.status).toStdString();
    response["httpVersion"] = "HTTP/1.1";
    response["cookies"] = OrderedJson::array();
    response["headers"] = harHeaders(record.responseHeaders);
    response["content"] = contentJson(record);
    const CapturedHeader *location = findCaptured(record.responseHeaders, "location");
    response["redirectURL"] = location ? jsonText(location->value) : std::string();
    response["headersSize"] = -1;
    response["bodySize"] = record.status == 0 ? -1 : record.responseBytes;

    const Timings t = timings(record);
    OrderedJson entry;
    entry["startedDateTime"] = QDateTime::fromMSecsSinceEpoch(record.acceptedAtUs / 1000, Qt::UTC)
                                   .toString(Qt::ISODateWithMs)
                                   .toStdString();
    // The sum of the timings other than -1, as HAR requires.
    entry["time"] = ms(std::max<std::int64_t>(t.blockedUs, 0) + t.waitUs + t.receiveUs);
    entry["request"] = std::move(request);
    entry["response"] = std::move(response);
    entry["cache"] = OrderedJson::object();
    entry["timings"] = {{"blocked", t.blockedUs < 0 ? -1.0 : ms(t.blockedUs)},
                        {"dns", -1},
                        {"connect", -1},
                        {"send", 0},
                        {"wait", ms(t.waitUs)},
                        {"receive", ms(t.receiveUs)},
                        {"ssl", -1}};
    entry["_captureId"] = record.id;
    entry["_correlationId"] = jsonText(record.correlationId);
    entry["_service"] = str(record.service);
    entry["_instance"] = str(record.instance);
    entry["_attempts"] = record.attempts;
    entry["_proxyError"] = record.proxyError.isEmpty() ? OrderedJson(nullptr)
                                                       : OrderedJson(jsonText(record.proxyError));
    entry["_replayable"] = record.replayable;
    return entry;
}

bool isPrintableAscii(char c) {
    return c >= 0x20 && c < 0x7F;
}

// Text that reads well single-quoted on a terminal: UTF-8 with no control bytes but tab,
// CR and LF.
bool isQuotableText(QByteArrayView bytes) {
    const bool controls = std::any_of(bytes.begin(), bytes.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F;
    });
    return !controls && isValidUtf8(bytes);
}

// A printf(1) format string producing exactly `bytes`: printable ASCII as is, everything else,
// and the characters printf or the quoting would interpret, as three-digit octal escapes.
QByteArray printfFormat(QByteArrayView bytes) {
    QByteArray out;
    out.reserve(bytes.size() * 2 + 2);
    out.append('\'');
    for (char c : bytes) {
        if (isPrintableAscii(c) && c != '\\' && c != '%' && c != '\'') {
            out.append(c);
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        out.append('\\');
        out.append(char('0' + (u >> 6)));
        out.append(char('0' + ((u >> 3) & 7)));
        out.append(char('0' + (u & 7)));
    }
    out.append('\'');
    return out;
}

// Comment lines hold one line of printable text.
QByteArray commentSafe(QByteArrayView bytes) {
    QByteArray out = bytes.toByteArray();
    for (char &c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
            c = '?';
    }
    return out;
}

// Beyond this a body would not fit one exec argument (Linux allows 128 KiB): printf, a shell
// builtin, carries it instead.
constexpr qsizetype kMaxArgumentBody = 64 * 1024;

constexpr std::array<QByteArrayView, 13> kManagedHeaders{
    "host",   "content-length",   "transfer-encoding", "connection",       "keep-alive",
    "te",     "trailer",          "upgrade",           "proxy-connection", "proxy-authenticate",
    "expect", "x-correlation-id", kReplayOfHeader};

bool isManaged(QByteArrayView name) {
    return std::any_of(kManagedHeaders.begin(), kManagedHeaders.end(),
                       [name](QByteArrayView m) { return equalsIgnoreCase(name, m); });
}

} // namespace

std::string jsonText(QByteArrayView bytes) {
    if (isValidUtf8(bytes))
        return std::string(bytes.data(), size_t(bytes.size()));
    return QString::fromLatin1(bytes).toStdString();
}

bool isValidUtf8(QByteArrayView bytes) noexcept {
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        char32_t codePoint = 0;
        char32_t minimum = 0;
        if ((c & 0xE0) == 0xC0) {
            length = 2, codePoint = c & 0x1F, minimum = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3, codePoint = c & 0x0F, minimum = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4, codePoint = c & 0x07, minimum = 0x10000;
        } else {
            return false;
        }
        if (n - i < length)
            return false;
        for (int k = 1; k < length; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            codePoint = (codePoint << 6) | (p[i + k] & 0x3F);
        }
        if (codePoint < minimum || codePoint > 0x10FFFF ||
            (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            return false;
        i += length;
    }
    return true;
}

QByteArray shellQuote(QByteArrayView argument) {
    QByteArray out;
    out.reserve(argument.size() + 2);
    out.append('\'');
    for (char c : argument) {
        if (c == '\'')
            out.append("'\\''");
        else
            out.append(c);
    }
    out.append('\'');
    return out;
}

std::vector<CapturedHeader> replayHeaders(const CaptureRecord &record,
                                          std::vector<QByteArray> *redacted) {
    std::vector<CapturedHeader> out;
    bool hasContentType = false;
    for (const CapturedHeader &header : record.requestHeaders) {
        if (isManaged(header.name))
            continue;
        if (isRedacted(header)) {
            if (redacted)
                redacted->push_back(header.name);
            continue;
        }
        hasContentType = hasContentType || equalsIgnoreCase(header.name, "content-type");
        out.push_back(header);
    }
    if (!hasContentType && !record.requestContentType.isEmpty())
        out.push_back({"Content-Type", record.requestContentType});
    return out;
}

QByteArray toHar(const std::vector<CaptureRecord> &records, const HarOptions &options) {
    QString version = options.creatorVersion;
    if (version.isEmpty())
        version = QCoreApplication::applicationVersion();
    if (version.isEmpty())
        version = QStringLiteral("dev");

    OrderedJson entries = OrderedJson::array();
    for (const CaptureRecord &record : records)
        entries.push_back(entryJson(record, options));
    OrderedJson log;
    log["version"] = "1.2";
    log["creator"] = {{"name", "ToolCapture"}, {"version", str(version)}};
    log["pages"] = OrderedJson::array();
    log["entries"] = std::move(entries);
    const OrderedJson har = {{"log", std::move(log)}};
    return QByteArray::fromStdString(
        har.dump(1, '\t', false, OrderedJson::error_handler_t::replace));
}

QByteArray toCurl(const CaptureRecord &record, const QString &baseUrl) {
    QByteArray out;
    out.append("# ").append(commentSafe(record.method)).append(' ');
    out.append(commentSafe(target(record)));
    out.append(" -> ").append(record.status == 0 ? QByteArray("no response")
                                                 : QByteArray::number(record.status));
    if (!record.correlationId.isEmpty())
        out.append(", correlation id ").append(commentSafe(record.correlationId));
    if (!record.instance.isEmpty())
        out.append(", answered by ").append(commentSafe(record.instance.toUtf8()));
    out.append('\n');

    std::vector<QByteArray> redacted;
    const std::vector<CapturedHeader> headers = replayHeaders(record, &redacted);
    for (const QByteArray &name : redacted) {
        out.append("# redacted at capture, supply it yourself: -H ");
        out.append(shellQuote(commentSafe(name) + ": ...")).append('\n');
    }
    if (!record.replayable) {
        out.append("# not replayable: body not kept (")
            .append(QByteArray::number(record.requestBytes))
            .append(" bytes); this command sends none\n");
    }

    const QByteArrayView body =
        record.replayable ? QByteArrayView(record.requestBody) : QByteArrayView();
    const bool quotable = isQuotableText(body) && body.size() <= kMaxArgumentBody;
    if (!body.isEmpty() && !quotable)
        out.append("printf ").append(printfFormat(body)).append(" | ");

    const QByteArray url = absoluteUrl(record, QUrl(baseUrl), false);
    out.append("curl");
    // curl would read [] and {} as URL globs and squash dot segments.
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return c == '[' || c == ']' || c == '{' || c == '}'; }))
        out.append(" --globoff");
    if (record.path.contains("/./") || record.path.contains("/../") || record.path.endsWith("/.") ||
        record.path.endsWith("/.."))
        out.append(" --path-as-is");
    if (record.method == "HEAD")
        out.append(" --head"); // -X HEAD would wait for a body that never comes
    else
        out.append(" -X ").append(shellQuote(record.method));
    out.append(' ').append(shellQuote(url));
    for (const CapturedHeader &header : headers) {
        // "Name:" alone would make curl drop the field; "Name;" sends it empty.
        const QByteArray field =
            header.value.isEmpty() ? header.name + ';' : header.name + ": " + header.value;
        out.append(" \\\n  -H ").append(shellQuote(field));
    }
    if (!record.correlationId.isEmpty()) {
        out.append(" \\\n  -H ")
            .append(shellQuote(QByteArray(kReplayOfHeader) + ": " + record.correlationId));
    }
    if (!body.isEmpty()) {
        if (quotable)
            out.append(" \\\n  --data-raw ").append(shellQuote(body));
        else
            out.append(" \\\n  --data-binary @-");
    }
    out.append('\n');
    return out;
}

} // namespace ToolCapture
