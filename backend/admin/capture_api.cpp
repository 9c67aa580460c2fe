#include <backend/admin/admin_server.h>
#include <backend/admin/capture_api.h>
#include <backend/capture/capture_diff.h>
#include <backend/capture/capture_export.h>
#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/http/header_checks.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>

#include <QDateTime>

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

using Json = nlohmann::json;

constexpr QByteArrayView kCollection = "/api/v1/captures";
constexpr QByteArrayView kPrefix = "/api/v1/captures/";
constexpr QByteArrayView kExport = "export";
constexpr QByteArrayView kReplaySuffix = "/replay";

// The longest correlation id the proxy accepts from a client.
constexpr qsizetype kMaxCorrelationId = 128;

QByteArray dump(const Json &json) {
    return QByteArray::fromStdString(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

HttpResponse withHeader(HttpResponse response, QByteArray name, QByteArray value) {
    response.headers.push_back({std::move(name), std::move(value)});
    return response;
}

HttpResponse json(int status, const Json &body) {
    return withHeader(HttpResponse::json(status, dump(body)), "Cache-Control", "no-store");
}

// A 400 problem naming the query parameter at fault ("pointer": "?name").
HttpResponse parameterProblem(QByteArrayView parameter, QByteArrayView reason,
                              QByteArrayView instance) {
    return ApiProblem::badParameter(parameter, reason, instance);
}

HttpResponse methodNotAllowed(const QByteArray &method, QByteArrayView path, QByteArray allow) {
    return withHeader(
        AdminServer::problem(405, "The method " + method + " is not allowed here.", path), "Allow",
        std::move(allow));
}

bool isRead(const QByteArray &method) {
    return method == "GET" || method == "HEAD";
}

QByteArrayView queryOf(const QByteArray &target) {
    const qsizetype mark = target.indexOf('?');
    return mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1);
}

bool allDigits(QByteArrayView value) {
    return !value.isEmpty() &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> parsePositive(QByteArrayView value, std::int64_t max) {
    if (!allDigits(value) || value.size() > 18)
        return std::nullopt;
    const std::int64_t n = value.toLongLong();
    if (n < 1 || n > max)
        return std::nullopt;
    return n;
}

// RFC 3339 with an offset, or milliseconds since the epoch; microseconds since the epoch.
std::optional<std::int64_t> parseTime(QByteArray value, QByteArray *error) {
    if (allDigits(value)) {
        if (value.size() > 15) {
            *error = "epoch milliseconds out of range";
            return std::nullopt;
        }
        return value.toLongLong() * 1000;
    }
    // A '+' offset sent unescaped arrives as a space under form decoding.
    value.replace(' ', '+');
    const QDateTime time = QDateTime::fromString(QString::fromLatin1(value), Qt::ISODateWithMs);
    if (!time.isValid()) {
        *error = "not an RFC 3339 time (2024-05-01T12:00:00Z) or epoch milliseconds";
        return std::nullopt;
    }
    if (time.timeSpec() == Qt::LocalTime) {
        *error = "an RFC 3339 time needs an offset (Z or +hh:mm)";
        return std::nullopt;
    }
    return time.toMSecsSinceEpoch() * 1000;
}

bool isToken(QByteArrayView value) {
    return !value.isEmpty() && std::all_of(value.begin(), value.end(), [](char c) {
        return HeaderChecks::isTokenChar(static_cast<unsigned char>(c));
    });
}

// The summary a listing shows: the record without headers, bodies and routing explanation.
Json summaryJson(const CaptureRecord &record) {
    Json json = toJson(record);
    for (const char *heavy :
         {"request_headers", "response_headers", "request_body", "request_body_encoding",
          "response_body", "response_body_encoding", "routing"})
        json.erase(heavy);
    return json;
}

void putBody(Json &json, const QByteArray &body) {
    if (isValidUtf8(body)) {
        json["body"] = body.toStdString();
        json["body_encoding"] = "utf-8";
    } else {
        json["body"] = body.toBase64().toStdString();
        json["body_encoding"] = "base64";
    }
}

std::string str(QByteArrayView bytes) {
    return bytes.toByteArray().toStdString();
}

} // namespace

QByteArray CaptureApi::summary(const CaptureRecord &record) {
    return dump(summaryJson(record));
}

CaptureApi::CaptureApi(Context context, Replayer::Options replayOptions, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_replayer(new Replayer(replayOptions, this)) {}

CaptureApi::~CaptureApi() = default;

bool CaptureApi::handles(QByteArrayView path) noexcept {
    return path == kCollection || path.startsWith(kPrefix);
}

void CaptureApi::setHeaderFilter(std::optional<CaptureHeaderFilter> filter) {
    m_replayer->setHeaderFilter(std::move(filter));
}

std::optional<CaptureQuery> CaptureApi::parseQuery(QByteArrayView query, QByteArray *badParameter,
                                                   QByteArray *error,
                                                   const std::vector<QByteArray> &extra,
                                                   std::vector<QByteArray> *extraValues) {
    static constexpr std::array<QByteArrayView, 11> kFilters{
        "correlation_id", "service", "instance", "status",    "status_class", "method",
        "path_prefix",    "from",    "to",       "before_id", "limit"};
    CaptureQuery q;
    if (extraValues)
        extraValues->assign(extra.size(), QByteArray());
    const auto fail = [&](const QByteArray &name, QByteArray reason) {
        *badParameter = name;
        *error = std::move(reason);
        return std::nullopt;
    };
    std::vector<QByteArrayView> known(kFilters.begin(), kFilters.end());
    for (const QByteArray &name : extra)
        known.push_back(name);
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(query, known, parameters, refused))
        return fail(refused.parameter, refused.reason);
    for (const auto &[name, value] : parameters) {
        const auto extraAt = std::find(extra.begin(), extra.end(), name);
        if (extraAt != extra.end()) {
            if (extraValues)
                (*extraValues)[size_t(extraAt - extra.begin())] = value;
            continue;
        }

        if (name == "correlation_id") {
            if (value.size() > kMaxCorrelationId)
                return fail(name, "longer than 128 characters");
            q.correlationId = value;
        } else if (name == "service") {
            q.service = QString::fromUtf8(value);
        } else if (name == "instance") {
            q.instance = QString::fromUtf8(value);
        } else if (name == "status") {
            const std::optional<std::int64_t> status = parsePositive(value, 599);
            if (!status || *status < 100)
                return fail(name, "an HTTP status code from 100 to 599");
            q.status = int(*status);
        } else if (name == "status_class") {
            QByteArray digit = value.toLower();
            if (digit.size() == 3 && digit.endsWith("xx"))
                digit.chop(2);
            if (digit.size() != 1 || digit[0] < '1' || digit[0] > '5')
                return fail(name, "one of 1xx, 2xx, 3xx, 4xx, 5xx");
            q.statusClass = digit[0] - '0';
        } else if (name == "method") {
            if (!isToken(value))
                return fail(name, "not an HTTP method");
            q.method = value;
        } else if (name == "path_prefix") {
            if (!value.startsWith('/'))
                return fail(name, "must start with /");
            q.pathPrefix = value;
        } else if (name == "from" || name == "to") {
            QByteArray reason;
            const std::optional<std::int64_t> us = parseTime(value, &reason);
            if (!us)
                return fail(name, reason);
            (name == "from" ? q.fromUs : q.toUs) = us;
        } else if (name == "before_id") {
            const std::optional<std::int64_t> id =
                parsePositive(value, std::numeric_limits<std::int64_t>::max());
            if (!id)
                return fail(name, "a positive capture id");
            q.beforeId = *id;
        } else if (name == "limit") {
            const std::optional<std::int64_t> limit = parsePositive(value, CaptureQuery::kMaxLimit);
            if (!limit)
                return fail(name,
                            "an integer from 1 to " + QByteArray::number(CaptureQuery::kMaxLimit));
            q.limit = int(*limit);
        }
    }
    if (q.fromUs && q.toUs && *q.toUs <= *q.fromUs)
        return fail("to", "must be later than from");
    return q;
}

void CaptureApi::handle(const HttpRequest &request,
                        const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;
    if (!m_context.reader || !m_context.reader->isOpen()) {
        responder->respond(
            AdminServer::problem(503, "Captures are not stored by this engine.", path));
        return;
    }
    if (path == kCollection) {
        responder->respond(isRead(method) ? list(request)
                                          : methodNotAllowed(method, path, "GET, HEAD"));
        return;
    }
    if (!path.startsWith(kPrefix)) {
        responder->respond(
            AdminServer::problem(404, "No admin resource at " + path.toByteArray() + ".", path));
        return;
    }
    QByteArrayView rest = path.sliced(kPrefix.size());
    if (rest == kExport) {
        responder->respond(isRead(method) ? exportCaptures(request)
                                          : methodNotAllowed(method, path, "GET, HEAD"));
        return;
    }
    const bool replayPath = rest.endsWith(kReplaySuffix);
    if (replayPath)
        rest.chop(kReplaySuffix.size());
    if (rest.isEmpty() || rest.contains('/')) {
        responder->respond(
            AdminServer::problem(404, "No admin resource at " + path.toByteArray() + ".", path));
        return;
    }
    if (replayPath) {
        if (method != "POST") {
            responder->respond(methodNotAllowed(method, path, "POST"));
            return;
        }
        replay(request, rest, responder);
        return;
    }
    responder->respond(isRead(method) ? one(rest) : methodNotAllowed(method, path, "GET, HEAD"));
}

HttpResponse CaptureApi::list(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    QByteArray parameter;
    QByteArray error;
    const std::optional<CaptureQuery> query =
        parseQuery(queryOf(request.head.target), &parameter, &error);
    if (!query)
        return parameterProblem(parameter, error, path);
    const std::vector<CaptureRecord> records = m_context.reader->search(*query);
    if (!m_context.reader->lastError().isEmpty()) {
        return AdminServer::problem(
            500, "The capture store failed: " + m_context.reader->lastError().toUtf8(), path);
    }
    Json captures = Json::array();
    for (const CaptureRecord &record : records)
        captures.push_back(summaryJson(record));
    // A full page may have more behind it: the cursor continues below its last id.
    const bool full = int(records.size()) >= query->limit && !records.empty();
    return json(200, {{"captures", std::move(captures)},
                      {"count", records.size()},
                      {"next_before_id", full ? Json(records.back().id) : Json(nullptr)}});
}

std::optional<CaptureRecord> CaptureApi::find(QByteArrayView key) {
    const QByteArray decoded = QByteArray::fromPercentEncoding(key.toByteArray());
    if (allDigits(decoded) && decoded.size() <= 18) {
        if (std::optional<CaptureRecord> record = m_context.reader->get(decoded.toLongLong()))
            return record;
    }
    return m_context.reader->byCorrelationId(decoded);
}

HttpResponse CaptureApi::one(QByteArrayView key) {
    const QByteArray path = kPrefix.toByteArray() + key.toByteArray();
    const std::optional<CaptureRecord> record = find(key);
    if (!record) {
        if (!m_context.reader->lastError().isEmpty()) {
            return AdminServer::problem(
                500, "The capture store failed: " + m_context.reader->lastError().toUtf8(), path);
        }
        return AdminServer::problem(404,
                                    "No capture has the id or correlation id " +
                                        QByteArray::fromPercentEncoding(key.toByteArray()) + ".",
                                    path);
    }
    return json(200, toJson(*record));
}

HttpResponse CaptureApi::exportCaptures(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    QByteArray parameter;
    QByteArray error;
    std::vector<QByteArray> extra;
    const std::optional<CaptureQuery> query =
        parseQuery(queryOf(request.head.target), &parameter, &error, {"format"}, &extra);
    if (!query)
        return parameterProblem(parameter, error, path);
    const QByteArray format = extra[0].isEmpty() ? QByteArray("har") : extra[0];
    if (format != "har" && format != "curl")
        return parameterProblem("format", "one of har, curl", path);

    std::vector<CaptureRecord> records = m_context.reader->search(*query);
    if (!m_context.reader->lastError().isEmpty()) {
        return AdminServer::problem(
            500, "The capture store failed: " + m_context.reader->lastError().toUtf8(), path);
    }
    std::reverse(records.begin(), records.end()); // oldest first, as they happened
    if (format == "har") {
        HarOptions options;
        if (m_context.proxyUrl.isValid())
            options.baseUrl = m_context.proxyUrl;
        HttpResponse response = HttpResponse::json(200, toHar(records, options));
        response.headers.push_back(
            {"Content-Disposition", R"(attachment; filename="captures.har")"});
        return withHeader(std::move(response), "Cache-Control", "no-store");
    }
    QByteArray script = "#!/bin/sh\n# " + QByteArray::number(qsizetype(records.size())) +
                        " captured requests, oldest first, exported by ToolCapture.\n";
    const QString base = m_context.proxyUrl.toString();
    for (const CaptureRecord &record : records)
        script += '\n' + toCurl(record, base);
    HttpResponse response = HttpResponse::text(200, std::move(script));
    response.headers.push_back({"Content-Disposition", R"(attachment; filename="captures.sh")"});
    return withHeader(std::move(response), "Cache-Control", "no-store");
}

void CaptureApi::replay(const HttpRequest &request, QByteArrayView key,
                        const std::shared_ptr<HttpResponder> &responder) {
    const QByteArray path = request.head.path().toByteArray();
    const auto bodyProblem = [&](QByteArrayView detail, QByteArrayView pointer) {
        responder->respond(AdminServer::problem(400, detail, path, pointer));
    };
    if (!m_context.authorize || !m_context.authorize(request)) {
        responder->respond(withHeader(
            AdminServer::problem(401,
                                 "Replaying a capture requires the admin token as a bearer "
                                 "token.",
                                 path),
            "WWW-Authenticate", R"(Bearer realm="toolcapture-admin")"));
        return;
    }

    const Json body = request.body.trimmed().isEmpty()
                          ? Json::object()
                          : Json::parse(request.body.begin(), request.body.end(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        bodyProblem("The body must be a JSON object such as {\"instance\": \"orders-1\"}.", "");
        return;
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        static constexpr std::array<std::string_view, 4> kKeys{"instance", "headers", "body",
                                                               "body_base64"};
        if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end()) {
            bodyProblem(QByteArray::fromStdString(it.key()) +
                            ": unknown member; expected instance, headers, body or body_base64.",
                        QByteArray::fromStdString("/" + escapeJsonPointerToken(it.key())));
            return;
        }
    }

    ReplayEdits edits;
    if (const auto headers = body.find("headers"); headers != body.end()) {
        if (!headers->is_object()) {
            bodyProblem("headers: an object of field names to a string, or null to remove it.",
                        "/headers");
            return;
        }
        for (auto it = headers->begin(); it != headers->end(); ++it) {
            const QByteArray name = QByteArray::fromStdString(it.key());
            const QByteArray pointer =
                QByteArray::fromStdString("/headers/" + escapeJsonPointerToken(it.key()));
            if (!isToken(name)) {
                bodyProblem("headers: \"" + name + "\" is not a valid field name.", pointer);
                return;
            }
            if (it->is_null()) {
                edits.headers.push_back({name, std::nullopt});
            } else if (it->is_string()) {
                edits.headers.push_back({name, QByteArray::fromStdString(it->get<std::string>())});
            } else {
                bodyProblem("headers: the value of " + name + " must be a string or null.",
                            pointer);
                return;
            }
        }
    }
    const auto text = body.find("body");
    const auto base64 = body.find("body_base64");
    if (text != body.end() && base64 != body.end()) {
        bodyProblem("Give body or body_base64, not both.", "/body_base64");
        return;
    }
    if (text != body.end()) {
        if (!text->is_string()) {
            bodyProblem("body: a string (use body_base64 for binary bodies).", "/body");
            return;
        }
        edits.body = QByteArray::fromStdString(text->get<std::string>());
    }
    if (base64 != body.end()) {
        const QByteArray::FromBase64Result decoded =
            base64->is_string() ? QByteArray::fromBase64Encoding(
                                      QByteArray::fromStdString(base64->get<std::string>()),
                                      QByteArray::AbortOnBase64DecodingErrors)
                                : QByteArray::FromBase64Result{
                                      {}, QByteArray::Base64DecodingStatus::IllegalCharacter};
        if (!decoded) {
            bodyProblem("body_base64: a base64 string.", "/body_base64");
            return;
        }
        edits.body = decoded.decoded;
    }

    ReplayTarget target;
    QString instanceId;
    if (const auto instance = body.find("instance");
        instance != body.end() && !instance->is_null()) {
        if (!instance->is_string() || instance->get<std::string>().empty()) {
            bodyProblem("instance: an instance id string.", "/instance");
            return;
        }
        instanceId = QString::fromStdString(instance->get<std::string>());
        const std::optional<QUrl> url =
            m_context.instanceUrl ? m_context.instanceUrl(instanceId) : std::nullopt;
        if (!url) {
            bodyProblem("instance: no instance has the id " + instanceId.toUtf8() + ".",
                        "/instance");
            return;
        }
        target.baseUrl = *url;
    }

    const std::optional<CaptureRecord> record = find(key);
    if (!record) {
        responder->respond(
            AdminServer::problem(404,
                                 "No capture has the id or correlation id " +
                                     QByteArray::fromPercentEncoding(key.toByteArray()) + ".",
                                 path));
        return;
    }
    if (instanceId.isEmpty()) {
        if (!m_context.proxyUrl.isValid()) {
            responder->respond(AdminServer::problem(
                503, "The proxy's address is not known to the admin API.", path));
            return;
        }
        // Routed as the original was: by the service it reached, whatever Host now says.
        target.baseUrl = m_context.proxyUrl;
        target.targetService = record->service.toUtf8();
    }

    const std::int64_t captureId = record->id;
    const QByteArray replayOf = record->correlationId;
    const QString targetUrl = target.baseUrl.toString();
    m_replayer->replay(
        *record, target, edits,
        [responder, path, captureId, replayOf, targetUrl, instanceId](ReplayResult result) {
            if (!result.ok) {
                using Failure = ReplayResult::Failure;
                int status = 502;
                switch (result.failure) {
                case Failure::InvalidRequest:
                    // A header edit the replay refuses, else a bad instance URL from the engine.
                    status = result.error.startsWith(QLatin1String("header edit")) ? 400 : 500;
                    break;
                case Failure::NotReplayable:
                    status = 409;
                    break;
                case Failure::Busy:
                    status = 503;
                    break;
                case Failure::Timeout:
                    status = 504;
                    break;
                case Failure::None:
                case Failure::Connection:
                case Failure::BadResponse:
                    break;
                }
                HttpResponse response =
                    status == 400
                        ? AdminServer::problem(400, result.error.toUtf8(), path, "/headers")
                        : AdminServer::problem(status, result.error.toUtf8(), path);
                if (status == 503)
                    response.headers.push_back({"Retry-After", "1"});
                responder->respond(std::move(response));
                return;
            }
            Json headers = Json::array();
            for (const CapturedHeader &header : result.headers)
                headers.push_back({{"name", str(header.name)}, {"value", str(header.value)}});
            Json dropped = Json::array();
            for (const QByteArray &name : result.droppedHeaders)
                dropped.push_back(str(name));
            Json replay = {
                {"capture_id", captureId},
                {"replay_of", str(replayOf)},
                {"target", targetUrl.toStdString()},
                {"instance", instanceId.isEmpty() ? Json(nullptr) : Json(instanceId.toStdString())},
                {"status", result.status},
                {"headers", std::move(headers)},
                {"body_truncated", result.bodyTruncated},
                {"duration_us", result.durationUs},
                {"correlation_id",
                 result.correlationId.isEmpty() ? Json(nullptr) : Json(str(result.correlationId))},
                {"dropped_headers", std::move(dropped)},
            };
            putBody(replay, result.body);
            responder->respond(json(200, {{"replay", std::move(replay)}, {"diff", result.diff}}));
        });
}

} // namespace ToolCapture
