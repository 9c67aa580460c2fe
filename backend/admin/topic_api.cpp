#include <backend/admin/admin_server.h>
#include <backend/admin/topic_api.h>
#include <backend/capture/capture_export.h>
#include <backend/http/query_string.h>
#include <backend/httpserver/api_problem.h>
#include <backend/schema/rfc3339_time.h>

#include <QMutex>
#include <QMutexLocker>
#include <QThreadPool>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

namespace ToolCapture {

namespace {

using Json = nlohmann::ordered_json;

constexpr QByteArrayView kCollection = "/api/v1/topics";
constexpr QByteArrayView kPrefix = "/api/v1/topics/";
constexpr QByteArrayView kMessagesSuffix = "/messages";

constexpr int kMaxLimit = 1000;
constexpr qint64 kMinTimeoutMs = 100;
constexpr qint64 kMaxTimeoutMs = 30000;

std::string str(QByteArrayView bytes) {
    return std::string(bytes.data(), std::size_t(bytes.size()));
}

QByteArray dump(const Json &json) {
    return QByteArray::fromStdString(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

HttpResponse withHeader(HttpResponse response, QByteArray name, QByteArray value) {
    response.headers.push_back({std::move(name), std::move(value)});
    return response;
}

HttpResponse json(const Json &body) {
    return withHeader(HttpResponse::json(200, dump(body)), "Cache-Control", "no-store");
}

HttpResponse parameterProblem(QByteArrayView parameter, QByteArrayView reason,
                              QByteArrayView instance) {
    return ApiProblem::badParameter(parameter, reason, instance);
}

bool allDigits(QByteArrayView value) {
    return !value.isEmpty() &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal integer in [min, max]; digits only, so no sign, space or exponent slips through.
std::optional<qint64> parseBounded(QByteArrayView value, qint64 min, qint64 max) {
    if (!allDigits(value) || value.size() > 9)
        return std::nullopt;
    const qint64 n = value.toLongLong();
    if (n < min || n > max)
        return std::nullopt;
    return n;
}

std::optional<TailStart> parseFrom(QByteArray value, QByteArray *error) {
    if (value == "beginning")
        return TailStart{TailStart::Beginning, 0};
    if (value == "end")
        return TailStart{TailStart::End, 0};
    if (allDigits(value)) {
        if (value.size() > 15) {
            *error = "epoch milliseconds out of range";
            return std::nullopt;
        }
        return TailStart{TailStart::Timestamp, value.toLongLong()};
    }
    // A '+' offset sent unescaped arrives as a space under form decoding.
    value.replace(' ', '+');
    const std::optional<std::int64_t> micros =
        parseRfc3339(std::string_view(value.constData(), std::size_t(value.size())));
    if (!micros) {
        *error = "one of beginning, end, an RFC 3339 time with an offset "
                 "(2024-05-01T12:00:00Z) or epoch milliseconds";
        return std::nullopt;
    }
    // Rounded up, so no message from before the time is read. Kafka gives negative timestamps
    // meanings of their own (-1 latest, -2 earliest): a time before 1970 is the epoch.
    const qint64 ms = *micros <= 0 ? 0 : (*micros + 999) / 1000;
    return TailStart{TailStart::Timestamp, ms};
}

// The value as JSON, else as a string; `base64` tells which kind of string.
Json valueJson(const QByteArray &value, bool *base64) {
    Json parsed = Json::parse(value.begin(), value.end(), nullptr, false);
    if (!parsed.is_discarded())
        return parsed;
    if (isValidUtf8(value))
        return str(value);
    *base64 = true;
    return value.toBase64().toStdString();
}

} // namespace

// How a fetch running in the pool reaches its TopicApi. The destructor clears `api` under the
// lock, so a fetch never posts to a destroyed object; a post that got in before is discarded
// with the object's posted events. (A QPointer alone would be read in the pool's thread while
// the object dies in its own.)
struct TopicApi::Guard {
    QMutex mutex;
    TopicApi *api = nullptr;

    void post(quint64 id, HttpResponse response) {
        QMutexLocker lock(&mutex);
        if (!api)
            return;
        QMetaObject::invokeMethod(
            api,
            [target = api, id, response = std::move(response)]() mutable {
                target->finish(id, std::move(response));
            },
            Qt::QueuedConnection);
    }
};

TopicApi::TopicApi(std::function<QString()> brokers, QStringList topics, QObject *parent)
    : TopicApi(std::move(brokers), std::move(topics), Options{}, parent) {}

TopicApi::TopicApi(std::function<QString()> brokers, QStringList topics, Options options,
                   QObject *parent)
    : QObject(parent)
    , m_brokers(std::move(brokers))
    , m_topics(std::move(topics))
    , m_options(options)
    , m_guard(std::make_shared<Guard>())
    , m_expiry(this) // moves with this object
    , m_pool(std::make_unique<QThreadPool>()) {
    m_options.maxConcurrentFetches = std::max(1, m_options.maxConcurrentFetches);
    m_pool->setMaxThreadCount(m_options.maxConcurrentFetches);
    m_consumers = std::make_shared<TailConsumerPool>(m_options.consumerIdle,
                                                     std::size_t(m_options.maxConcurrentFetches));
    m_guard->api = this;
    // Closing a consumer can take a while (librdkafka joins its threads): not in this thread.
    m_expiry.setInterval(std::max(m_options.consumerIdle / 2, std::chrono::milliseconds(100)));
    connect(&m_expiry, &QTimer::timeout, this, [this] {
        if (m_consumers->idleCount() > 0)
            m_pool->start([consumers = m_consumers] { consumers->expire(); });
    });
    m_expiry.start();
}

TopicApi::~TopicApi() {
    {
        QMutexLocker lock(&m_guard->mutex);
        m_guard->api = nullptr;
    }
    m_pool.reset();
    // The responders unanswered close their connections, in this thread, as they must.
    m_pending.clear();
}

bool TopicApi::handles(QByteArrayView path) noexcept {
    return path == kCollection || path.startsWith(kPrefix);
}

int TopicApi::fetchesInFlight() const {
    return int(m_pending.size());
}

void TopicApi::handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder) {
    const QByteArrayView path = request.head.path();
    if (!handles(path)) {
        responder->respond(
            AdminServer::problem(404, "No topic resource at " + path.toByteArray() + ".", path));
        return;
    }
    QString topic;
    if (path != kCollection) {
        const QByteArrayView rest = path.sliced(kPrefix.size());
        if (!rest.endsWith(kMessagesSuffix) || rest.size() == kMessagesSuffix.size()) {
            responder->respond(AdminServer::problem(
                404,
                "No topic resource at " + path.toByteArray() +
                    "; a topic's messages are at /api/v1/topics/{topic}/messages.",
                path));
            return;
        }
        topic = QString::fromUtf8(
            QByteArray::fromPercentEncoding(rest.chopped(kMessagesSuffix.size()).toByteArray()));
        if (!m_topics.contains(topic)) {
            responder->respond(
                AdminServer::problem(404,
                                     "No topic " + topic.toUtf8() + " here; the topics are " +
                                         m_topics.join(QStringLiteral(", ")).toUtf8() + ".",
                                     path));
            return;
        }
    }
    const QByteArray &method = request.head.method;
    if (method != "GET" && method != "HEAD") {
        responder->respond(withHeader(
            AdminServer::problem(405, "The method " + method + " is not allowed here.", path),
            "Allow", "GET, HEAD"));
        return;
    }
    if (path == kCollection) {
        responder->respond(topicsResponse());
        return;
    }

    const QByteArray &target = request.head.target;
    const qsizetype mark = target.indexOf('?');
    QByteArray parameter;
    QByteArray error;
    const std::optional<MessagesQuery> query = parseQuery(
        mark < 0 ? QByteArrayView() : QByteArrayView(target).sliced(mark + 1), &parameter, &error);
    if (!query) {
        responder->respond(parameterProblem(parameter, error, path));
        return;
    }
    const QString brokers = m_brokers ? m_brokers() : QString();
    if (brokers.isEmpty()) {
        responder->respond(AdminServer::problem(
            503, "No Kafka brokers: the event pipeline is not running.", path));
        return;
    }
    if (fetchesInFlight() >= m_options.maxConcurrentFetches) {
        responder->respond(
            withHeader(AdminServer::problem(503,
                                            "Too many topic reads at once (" +
                                                QByteArray::number(m_options.maxConcurrentFetches) +
                                                "); try again shortly.",
                                            path),
                       "Retry-After", "1"));
        return;
    }

    const quint64 id = ++m_nextId;
    m_pending.emplace(id, responder);
    m_pool->start([guard = m_guard, consumers = m_consumers, id, brokers, topic, query = *query,
                   instance = path.toByteArray()] {
        QString fetchError;
        const std::vector<TailMessage> messages =
            TopicTail::fetch(brokers, topic, query.from, query.filter, query.limit, query.timeout,
                             &fetchError, consumers.get());
        HttpResponse response;
        if (fetchError.isEmpty()) {
            response = withHeader(HttpResponse::json(200, messagesJson(topic, messages)),
                                  "Cache-Control", "no-store");
        } else {
            response = AdminServer::problem(
                503, "Kafka could not be read: " + fetchError.toUtf8() + ".", instance);
        }
        guard->post(id, std::move(response));
    });
}

void TopicApi::finish(quint64 id, HttpResponse response) {
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    const std::shared_ptr<HttpResponder> responder = std::move(it->second);
    m_pending.erase(it);
    responder->respond(std::move(response));
}

HttpResponse TopicApi::topicsResponse() const {
    const QString brokers = m_brokers ? m_brokers() : QString();
    Json topics = Json::array();
    for (const QString &topic : m_topics)
        topics.push_back(topic.toStdString());
    return json({{"brokers", brokers.isEmpty() ? Json(nullptr) : Json(brokers.toStdString())},
                 {"topics", std::move(topics)}});
}

std::optional<TopicApi::MessagesQuery>
TopicApi::parseQuery(QByteArrayView query, QByteArray *badParameter, QByteArray *error) {
    static constexpr std::array<QByteArrayView, 6> kParameters{"from",  "key",   "field",
                                                               "value", "limit", "timeout_ms"};
    MessagesQuery q;
    const auto fail = [&](const QByteArray &name, QByteArray reason) {
        *badParameter = name;
        *error = std::move(reason);
        return std::nullopt;
    };
    std::vector<QueryParameter> parameters;
    QueryError refused;
    if (!parseQueryParameters(query, kParameters, parameters, refused))
        return fail(refused.parameter, refused.reason);
    for (const auto &[name, value] : parameters) {
        if (name == "from") {
            QByteArray reason;
            const std::optional<TailStart> from = parseFrom(value, &reason);
            if (!from)
                return fail(name, reason);
            q.from = *from;
        } else if (name == "key") {
            q.filter.key = value;
        } else if (name == "field") {
            TailFilter pointerOnly;
            pointerOnly.jsonPointer = value;
            QString reason;
            if (!pointerOnly.isValid(&reason))
                return fail(name, reason.toUtf8());
            q.filter.jsonPointer = value;
        } else if (name == "value") {
            q.filter.jsonValue = value;
        } else if (name == "limit") {
            const std::optional<qint64> limit = parseBounded(value, 1, kMaxLimit);
            if (!limit)
                return fail(name, "an integer from 1 to " + QByteArray::number(kMaxLimit));
            q.limit = int(*limit);
        } else {
            const std::optional<qint64> ms = parseBounded(value, kMinTimeoutMs, kMaxTimeoutMs);
            if (!ms) {
                return fail(name, "milliseconds from " + QByteArray::number(kMinTimeoutMs) +
                                      " to " + QByteArray::number(kMaxTimeoutMs));
            }
            q.timeout = std::chrono::milliseconds(*ms);
        }
    }
    if (!q.filter.jsonValue.isEmpty() && q.filter.jsonPointer.isEmpty())
        return fail("value", "needs field, the JSON pointer whose value it compares");
    return q;
}

QByteArray TopicApi::messagesJson(const QString &topic, const std::vector<TailMessage> &messages) {
    Json list = Json::array();
    for (const TailMessage &m : messages) {
        Json headers = Json::object();
        for (const auto &[name, value] : m.headers)
            headers[str(name)] = str(value);
        Json entry = {
            {"partition", m.partition},
            {"offset", m.offset},
            {"timestamp", m.timestampMs >= 0
                              ? Json(formatRfc3339(m.timestampMs * 1000).toStdString())
                              : Json(nullptr)},
            {"key", m.key.isEmpty() ? Json(nullptr) : Json(str(m.key))},
            {"headers", std::move(headers)},
            // A structured-mode CloudEvent, shown as binary mode carries it (TailMessage).
            {"structured", m.structured},
        };
        bool base64 = false;
        entry["value"] = valueJson(m.value, &base64);
        if (base64)
            entry["value_encoding"] = "base64";
        list.push_back(std::move(entry));
    }
    return dump(
        {{"topic", topic.toStdString()}, {"count", list.size()}, {"messages", std::move(list)}});
}

} // namespace ToolCapture
