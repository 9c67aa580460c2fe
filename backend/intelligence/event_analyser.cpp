#include <backend/core/json_scan.h>
#include <backend/intelligence/event_analyser.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>
#include <QUuid>
#include <QVarLengthArray>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string_view>
#include <tuple>

namespace ToolCapture {

using namespace std::chrono_literals;

namespace {

// A JSON value as the text it is in the event (empty: absent). The events are read without a
// DOM: an object's members are indexed by scanning its text (JsonFields), and only the members
// the analyser reads are decoded. QJsonDocument::fromJson had been 40% of the analyser's thread.
struct JsonText {
    QByteArrayView text;

    bool isString() const { return !text.isEmpty() && text.front() == '"'; }
    bool toBool() const { return text == "true"; }
};

} // namespace

// An object's members indexed in one pass over its text, so that reading several of them does
// not scan the object once per member. As QJsonObject, the last member of a name wins.
class JsonFields {
public:
    explicit JsonFields(JsonText object) {
        m_whole =
            JsonScan::forEachMember(object.text, [this](QByteArrayView name, QByteArrayView value) {
                m_members.append({name, value});
            });
        if (!m_whole)
            m_members.clear(); // not an object, or a broken one: nothing is read from it
    }
    // Whether the text was one whole object (its values skipped, not validated).
    bool whole() const { return m_whole; }
    JsonText get(const char *name) const {
        const QByteArrayView wanted(name);
        for (qsizetype i = m_members.size(); i-- > 0;) {
            if (m_members[i].first == wanted)
                return {m_members[i].second};
        }
        return {};
    }

private:
    QVarLengthArray<std::pair<QByteArrayView, QByteArrayView>, 16> m_members;
    bool m_whole = false;
};

namespace {

JsonText member(const JsonFields &object, const char *name) {
    return object.get(name);
}

QByteArray bytesOf(JsonText value) {
    return value.isString() ? JsonScan::decodeString(value.text).value_or(QByteArray())
                            : QByteArray();
}

QString stringOf(JsonText value) {
    return value.isString() ? QString::fromUtf8(bytesOf(value)) : QString();
}

// A JSON number; nullopt for anything else (a string of digits included).
std::optional<double> numberOf(JsonText value) {
    const QByteArrayView t = value.text;
    if (t.isEmpty() || !(t.front() == '-' || (t.front() >= '0' && t.front() <= '9')))
        return std::nullopt;
    double number = 0;
    const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), number);
    // from_chars also reads "-inf" and "-nan", which are no JSON.
    if (error != std::errc() || end != t.data() + t.size() || !std::isfinite(number))
        return std::nullopt;
    return number;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + std::int64_t(doe) - 719468;
}

// An RFC 3339 time ("2024-05-01T12:34:56.126206Z", "...+02:00") in microseconds since the
// epoch; nullopt when it is not one. Faster than QDateTime, and every event has one.
std::optional<std::int64_t> parseTimeUs(JsonText value) {
    if (!value.isString())
        return std::nullopt;
    const QByteArray text = bytesOf(value);
    const std::string_view s(text.constData(), size_t(text.size()));
    auto digits = [&s](size_t at, size_t count) -> int {
        if (at + count > s.size())
            return -1;
        int n = 0;
        for (size_t i = at; i < at + count; ++i) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            n = n * 10 + (s[i] - '0');
        }
        return n;
    };
    const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || minute < 0 ||
        second < 0 || s.size() < 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    size_t at = 19;
    std::int64_t micros = 0;
    if (at < s.size() && s[at] == '.') {
        ++at;
        int scale = 100000;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            micros += (s[at] - '0') * scale;
            scale /= 10;
            ++at;
        }
    }
    std::int64_t offsetSeconds = 0;
    if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
        ++at;
    } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
        const int oh = digits(at + 1, 2), om = digits(at + 4, 2);
        if (oh < 0 || om < 0)
            return std::nullopt;
        offsetSeconds = (s[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != s.size())
        return std::nullopt;
    const std::int64_t seconds = daysFromCivil(year, unsigned(month), unsigned(day)) * 86400 +
                                 hour * 3600 + minute * 60 + second - offsetSeconds;
    return seconds * 1000000 + micros;
}

double rounded(double value, double scale = 1000.0) {
    return std::round(value * scale) / scale;
}

QJsonValue quantileJson(const LatencySketch &sketch, double q) {
    const std::optional<double> value = sketch.quantile(q);
    return value ? QJsonValue(rounded(*value)) : QJsonValue(QJsonValue::Null);
}

QJsonObject latencyJson(const LatencySketch &sketch) {
    return QJsonObject{
        {QStringLiteral("p50"), quantileJson(sketch, 0.5)},
        {QStringLiteral("p95"), quantileJson(sketch, 0.95)},
        {QStringLiteral("p99"), quantileJson(sketch, 0.99)},
        {QStringLiteral("max"),
         sketch.count() ? QJsonValue(rounded(sketch.max())) : QJsonValue(QJsonValue::Null)},
    };
}

QJsonValue nullable(const QString &text) {
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QString directionName(TrendDirection direction) {
    switch (direction) {
    case TrendDirection::Rising:
        return QStringLiteral("rising");
    case TrendDirection::Falling:
        return QStringLiteral("falling");
    case TrendDirection::Steady:
        break;
    }
    return QStringLiteral("steady");
}

QString anomalyKindName(AnomalyKind kind) {
    switch (kind) {
    case AnomalyKind::Latency:
        return QStringLiteral("latency");
    case AnomalyKind::ErrorRate:
        return QStringLiteral("error_rate");
    case AnomalyKind::LoadImbalance:
        return QStringLiteral("load_imbalance");
    case AnomalyKind::FailureRisk:
        return QStringLiteral("failure_risk");
    }
    return {};
}

// The weight of one new value in an EWMA with time constant `tau`, for values `tick` apart.
double ewmaAlpha(std::chrono::milliseconds tick, std::chrono::milliseconds tau) {
    return 1.0 - std::exp(-double(tick.count()) / double(tau.count()));
}

enum class TimelineKind : std::uint8_t {
    Request,
    Response,
    Communication,
    HookPre,
    HookPost,
    Breaker,
};

QString timelineKindName(TimelineKind kind) {
    switch (kind) {
    case TimelineKind::Request:
        return QStringLiteral("request");
    case TimelineKind::Response:
        return QStringLiteral("response");
    case TimelineKind::Communication:
        return QStringLiteral("communication");
    case TimelineKind::HookPre:
        return QStringLiteral("hook.pre");
    case TimelineKind::HookPost:
        return QStringLiteral("hook.post");
    case TimelineKind::Breaker:
        return QStringLiteral("breaker");
    }
    return {};
}

QString timelineTopic(TimelineKind kind) {
    switch (kind) {
    case TimelineKind::Request:
        return QStringLiteral("proxy.request_intelligence");
    case TimelineKind::Response:
        return QStringLiteral("proxy.response_intelligence");
    case TimelineKind::Communication:
        return QStringLiteral("proxy.communication_intelligence");
    case TimelineKind::HookPre:
    case TimelineKind::HookPost:
        return QStringLiteral("hooks.execution_intelligence");
    case TimelineKind::Breaker:
        return QStringLiteral("proxy.breaker_events");
    }
    return {};
}

// The response cache's outcome ("hit; ttl-source=header", "miss; stored", ...): whether the
// cache could have answered the request, and whether it did.
struct CacheOutcome {
    bool eligible = false;
    bool hit = false;
};
CacheOutcome cacheOutcomeOf(QByteArrayView outcome) {
    const qsizetype semicolon = outcome.indexOf(';');
    const QByteArrayView word = semicolon < 0 ? outcome : outcome.first(semicolon);
    if (word == "hit" || word == "coalesced" || word == "stale" || word == "revalidated")
        return {true, true};
    if (word == "miss")
        return {true, false};
    return {}; // uncacheable, bypass: the cache could not have answered
}

} // namespace

// Three windows of one subject.
struct EventAnalyser::Windows {
    RollingWindow oneMinute{60s, 12};
    RollingWindow fiveMinutes{5min, 10};
    RollingWindow oneHour{1h, 60};
    RunningTotals totals; // since the subject was first seen

    void add(TimePoint now, const RollingWindow::Sample &sample) {
        oneMinute.add(now, sample);
        fiveMinutes.add(now, sample);
        oneHour.add(now, sample);
        ++totals.requests;
        totals.errors += sample.error ? 1 : 0;
        totals.cacheEligible += sample.cacheEligible ? 1 : 0;
        totals.cacheHits += sample.cacheHit ? 1 : 0;
    }
    void merge(TimePoint now, const WindowStats &stats) {
        oneMinute.merge(now, stats);
        fiveMinutes.merge(now, stats);
        oneHour.merge(now, stats);
        totals.requests += stats.requests;
        totals.errors += stats.errors;
        totals.cacheEligible += stats.cacheEligible;
        totals.cacheHits += stats.cacheHits;
    }
    WindowStats stats(Window window, TimePoint now) const {
        switch (window) {
        case Window::OneMinute:
            return oneMinute.stats(now);
        case Window::FiveMinutes:
            return fiveMinutes.stats(now);
        case Window::OneHour:
            break;
        }
        return oneHour.stats(now);
    }
};

// A count over the last five minutes, in ten slices of 30 s.
struct EventAnalyser::SlotCounter {
    static constexpr int kSlots = 10;
    static constexpr std::int64_t kSlotMs = 30000;
    std::int64_t epochs[kSlots];
    std::uint64_t counts[kSlots] = {};

    SlotCounter() { std::fill(std::begin(epochs), std::end(epochs), INT64_MIN); }
    static std::int64_t epochOf(TimePoint t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() /
               kSlotMs;
    }
    void add(TimePoint now) {
        const std::int64_t epoch = epochOf(now);
        const int i = int(((epoch % kSlots) + kSlots) % kSlots);
        if (epochs[i] != epoch) {
            epochs[i] = epoch;
            counts[i] = 0;
        }
        ++counts[i];
    }
    std::uint64_t total(TimePoint now) const {
        const std::int64_t current = epochOf(now);
        std::uint64_t sum = 0;
        for (int i = 0; i < kSlots; ++i) {
            if (epochs[i] != INT64_MIN && epochs[i] <= current && current - epochs[i] < kSlots)
                sum += counts[i];
        }
        return sum;
    }
};

struct EventAnalyser::OperationState {
    QString service;
    QString operation; // "GET /items/{id}"
    Windows windows;
    SlotCounter retried;
    SlotCounter retriedFailed;
    // This tick's exchanges.
    std::uint64_t tickRequests = 0;
    std::uint64_t tickErrors = 0;
    double tickLatencySum = 0;
    std::uint64_t tickLatencies = 0;
    LatencySketch tickLatency;
    // Trends: a one-minute EWMA against a fifteen-minute one.
    bool trendStarted = false;
    double latencyFast = 0, latencySlow = 0;
    double errorFast = 0, errorSlow = 0;
    TrendDirection direction = TrendDirection::Steady;
    RobustBaseline latencyBaseline;
    RobustBaseline errorBaseline;
    bool latencyAnomalous = false;
    bool errorAnomalous = false;
    TimePoint firstSeen;
    TimePoint lastSeen;

    OperationState(const Options &options)
        : latencyBaseline(options.latencyBaseline)
        , errorBaseline(options.errorBaseline) {}
};

struct EventAnalyser::InstanceState {
    QString service;
    QString instance;
    Options::BreakerLimits limits; // of its service's breaker
    Windows windows;
    SlotCounter slow;
    std::uint64_t tickCalls = 0;
    std::uint64_t tickFailures = 0;
    bool rateStarted = false;
    double shortTermRate = 0; // failure rate, EWMA over a minute
    double longTermRate = 0;  // over an hour
    double failureRisk = 0;   // as of the last tick
};

struct EventAnalyser::ServiceState {
    QString service;
    Windows windows;
    double loadImbalance = 0; // as of the last tick, over five minutes
    int instances = 0;
};

struct EventAnalyser::TimelineEvent {
    std::int64_t atUs = 0;
    TimelineKind kind = TimelineKind::Request;
    QString service;
    QString instance;
    QString text;      // method and path, the hook's operation, the breaker's "from to"
    QByteArray detail; // the cache outcome, the error class, the session, the breaker's cause
    int status = -1;
    double latencyMs = -1;
    int attempts = -1;
    bool success = true;
};

struct EventAnalyser::Correlation {
    QByteArray id;
    OperationState *operation = nullptr;      // once the communication event has named it
    std::optional<CacheOutcome> pendingCache; // a response that came before its operation
    std::vector<TimelineEvent> events;        // in arrival order
};

struct EventAnalyser::AnomalyState {
    Anomaly anomaly;
    TimePoint lastSeen;
};

EventAnalyser::EventAnalyser(const Clock &clock)
    : EventAnalyser(clock, Options{}) {}

EventAnalyser::EventAnalyser(const Clock &clock, Options options)
    : m_clock(clock)
    , m_options(options)
    , m_steadyOrigin(clock.now())
    , m_wallOrigin(QDateTime::currentDateTimeUtc())
    , m_lastTick(clock.now()) {
    m_options.tick = std::max(m_options.tick, std::chrono::milliseconds(1));
    m_options.maxCorrelations = std::max(1, m_options.maxCorrelations);
    m_options.maxEventsPerCorrelation = std::max(1, m_options.maxEventsPerCorrelation);
    m_templater = PathTemplater(m_options.templater);
    for (const Options::PathTemplates &rules : m_options.pathTemplates) {
        m_refusedTemplates += m_templater.setOverrides(rules.templates, rules.service);
        m_templater.setLiterals(rules.literals, rules.service);
    }
}

EventAnalyser::~EventAnalyser() = default;

std::optional<EventAnalyser::Window> EventAnalyser::windowNamed(QStringView name) {
    if (name == QLatin1String("1m"))
        return Window::OneMinute;
    if (name == QLatin1String("5m"))
        return Window::FiveMinutes;
    if (name == QLatin1String("1h"))
        return Window::OneHour;
    return std::nullopt;
}

QString EventAnalyser::windowName(Window window) {
    switch (window) {
    case Window::OneMinute:
        return QStringLiteral("1m");
    case Window::FiveMinutes:
        return QStringLiteral("5m");
    case Window::OneHour:
        break;
    }
    return QStringLiteral("1h");
}

QDateTime EventAnalyser::wallAt(TimePoint at) const {
    return m_wallOrigin.addMSecs(
        std::chrono::duration_cast<std::chrono::milliseconds>(at - m_steadyOrigin).count());
}

bool EventAnalyser::ingest(QByteArrayView topic, QByteArrayView payload) {
    tick();
    // One object, structurally whole (its values are decoded only where read).
    const JsonFields event(JsonText{payload});
    if (!event.whole()) {
        ++m_eventsRefused;
        return false;
    }
    const TimePoint now = m_clock.now();
    if (topic == "proxy.communication_intelligence") {
        ingestCommunication(event, now);
    } else if (topic == "proxy.response_intelligence") {
        ingestResponse(event, now);
    } else if (topic == "proxy.request_intelligence") {
        ingestRequest(event, now);
    } else if (topic == "hooks.execution_intelligence") {
        ingestExecution(event, now);
    } else if (topic == "proxy.breaker_events") {
        ingestBreaker(event, now);
    } else if (topic != "hooks.service_lifecycle" && topic != "tools.registration_events") {
        ++m_eventsRefused;
        return false;
    }
    // NOTE: lifecycle and registration events are counted but not analysed yet: they carry no
    // exchange and no correlation id.
    ++m_eventsIngested;
    return true;
}

EventAnalyser::OperationState *EventAnalyser::operationFor(const QString &service,
                                                           QByteArrayView method,
                                                           QByteArrayView requestPath,
                                                           TimePoint now) {
    const QByteArray operationTemplate = m_templater.templateFor(requestPath, service);
    QByteArray key;
    key.reserve(service.size() * 3 + method.size() + operationTemplate.size() + 2);
    key.append(service.toUtf8());
    key.append('\x1f');
    key.append(method);
    key.append(' ');
    key.append(operationTemplate);
    auto it = m_operations.find(key);
    if (it == m_operations.end()) {
        if (int(m_operations.size()) >= m_options.maxOperations) {
            ++m_operationsDropped;
            return nullptr;
        }
        auto state = std::make_unique<OperationState>(m_options);
        state->service = service;
        state->operation = QString::fromUtf8(key.sliced(key.indexOf('\x1f') + 1));
        state->firstSeen = now;
        it = m_operations.emplace(std::move(key), std::move(state)).first;
    }
    it->second->lastSeen = now;
    return it->second.get();
}

EventAnalyser::InstanceState *EventAnalyser::instanceFor(const QString &service,
                                                         const QString &instance) {
    QByteArray key = service.toUtf8();
    key.append('\x1f');
    key.append(instance.toUtf8());
    auto it = m_instances.find(key);
    if (it == m_instances.end()) {
        if (int(m_instances.size()) >= m_options.maxInstances)
            return nullptr;
        auto state = std::make_unique<InstanceState>();
        state->service = service;
        state->instance = instance;
        const auto limits = m_options.serviceBreakers.find(service);
        state->limits =
            limits == m_options.serviceBreakers.end() ? m_options.breaker : limits->second;
        it = m_instances.emplace(std::move(key), std::move(state)).first;
    }
    return it->second.get();
}

EventAnalyser::ServiceState &EventAnalyser::serviceFor(const QString &service) {
    auto it = m_services.find(service);
    if (it == m_services.end()) {
        auto state = std::make_unique<ServiceState>();
        state->service = service;
        it = m_services.emplace(service, std::move(state)).first;
    }
    return *it->second;
}

EventAnalyser::Correlation &EventAnalyser::correlationFor(const QByteArray &id) {
    const auto it = m_correlationIndex.find(id);
    if (it != m_correlationIndex.end()) {
        m_correlations.splice(m_correlations.begin(), m_correlations, it->second);
        return m_correlations.front();
    }
    if (int(m_correlationIndex.size()) >= m_options.maxCorrelations) {
        m_correlationIndex.erase(m_correlations.back().id);
        m_correlations.pop_back();
    }
    m_correlations.emplace_front();
    m_correlations.front().id = id;
    m_correlationIndex.emplace(id, m_correlations.begin());
    return m_correlations.front();
}

void EventAnalyser::addTimeline(Correlation &correlation, TimelineEvent event) {
    if (int(correlation.events.size()) >= m_options.maxEventsPerCorrelation)
        correlation.events.erase(correlation.events.begin());
    correlation.events.push_back(std::move(event));
}

void EventAnalyser::ingestCommunication(const JsonFields &event, TimePoint now) {
    const JsonFields metrics(member(event, "performance_metrics"));
    const JsonFields request(member(event, "request_context"));
    const QString service = stringOf(member(metrics, "target_service"));
    const QString instance = stringOf(member(metrics, "target_instance"));
    const QByteArray method = bytesOf(member(request, "method"));
    const QByteArray requestPath = bytesOf(member(request, "path"));
    const std::optional<double> status = numberOf(member(metrics, "status_code"));
    const std::optional<double> latency = numberOf(member(metrics, "response_time_ms"));
    const std::optional<double> attemptsValue = numberOf(member(metrics, "attempts"));
    const QByteArray errorClass = bytesOf(member(metrics, "error_class"));
    const int attempts = attemptsValue ? int(*attemptsValue) : 0;
    // Errors as the windows count them: 5xx, and exchanges that got no (whole) response.
    const bool error = !status || *status >= 500 || !latency;
    const bool failed = !errorClass.isEmpty() && errorClass != "client";

    OperationState *operation = nullptr;
    if (!service.isEmpty() && !method.isEmpty() && !requestPath.isEmpty()) {
        operation = operationFor(service, method, requestPath, now);
        // An exchange without a response time (it never finished) is a request and an error,
        // and has no place in the latency distribution.
        RollingWindow::Sample sample;
        sample.latencyMs = latency.value_or(0.0);
        sample.error = error;
        const auto record = [&](Windows &windows) {
            if (latency) {
                windows.add(now, sample);
            } else {
                WindowStats unfinished;
                unfinished.requests = 1;
                unfinished.errors = 1;
                windows.merge(now, unfinished);
            }
        };
        if (operation) {
            record(operation->windows);
            ++operation->tickRequests;
            operation->tickErrors += error ? 1 : 0;
            if (latency) {
                operation->tickLatencySum += *latency;
                ++operation->tickLatencies;
                operation->tickLatency.add(*latency);
            }
            if (attempts > 1) {
                operation->retried.add(now);
                if (failed) {
                    operation->retriedFailed.add(now);
                    ++operation->windows.totals.retriedFailed;
                }
            }
        }
        record(serviceFor(service).windows);
        if (!instance.isEmpty()) {
            if (InstanceState *state = instanceFor(service, instance)) {
                record(state->windows);
                ++state->tickCalls;
                state->tickFailures += failed ? 1 : 0;
                if (latency && *latency > double(state->limits.slowCall.count()))
                    state->slow.add(now);
            }
        }
    }

    const QByteArray id = bytesOf(member(event, "correlation_id"));
    if (id.isEmpty())
        return;
    Correlation &correlation = correlationFor(id);
    if (operation && !correlation.operation) {
        correlation.operation = operation;
        if (correlation.pendingCache) {
            WindowStats cache;
            cache.cacheEligible = correlation.pendingCache->eligible ? 1 : 0;
            cache.cacheHits = correlation.pendingCache->hit ? 1 : 0;
            operation->windows.merge(now, cache);
            correlation.pendingCache.reset();
        }
    }
    TimelineEvent entry;
    entry.atUs = parseTimeUs(member(event, "timestamp")).value_or(0);
    entry.kind = TimelineKind::Communication;
    entry.service = service;
    entry.instance = instance;
    entry.text = QString::fromUtf8(method + ' ' + requestPath);
    entry.detail = errorClass;
    entry.status = status ? int(*status) : -1;
    entry.latencyMs = latency.value_or(-1);
    entry.attempts = attempts;
    entry.success = !failed;
    addTimeline(correlation, std::move(entry));
}

void EventAnalyser::ingestResponse(const JsonFields &event, TimePoint now) {
    const QByteArray id = bytesOf(member(event, "correlation_id"));
    const JsonFields metrics(member(event, "performance_metrics"));
    const JsonText cacheValue = member(event, "cache");
    std::optional<CacheOutcome> cache;
    if (cacheValue.isString())
        cache = cacheOutcomeOf(bytesOf(cacheValue));
    if (id.isEmpty())
        return;
    Correlation &correlation = correlationFor(id);
    if (cache && cache->eligible) {
        if (correlation.operation) {
            WindowStats counts;
            counts.cacheEligible = 1;
            counts.cacheHits = cache->hit ? 1 : 0;
            correlation.operation->windows.merge(now, counts);
        } else {
            correlation.pendingCache = cache;
        }
    }
    const std::optional<double> status = numberOf(member(metrics, "status_code"));
    const std::optional<double> latency = numberOf(member(metrics, "response_time_ms"));
    TimelineEvent entry;
    entry.atUs = parseTimeUs(member(event, "timestamp")).value_or(0);
    entry.kind = TimelineKind::Response;
    entry.service = stringOf(member(metrics, "target_service"));
    entry.instance = stringOf(member(metrics, "target_instance"));
    entry.detail = bytesOf(cacheValue);
    entry.status = status ? int(*status) : -1;
    entry.latencyMs = latency.value_or(-1);
    entry.success = !bytesOf(member(metrics, "error_class")).size();
    addTimeline(correlation, std::move(entry));
}

void EventAnalyser::ingestRequest(const JsonFields &event, TimePoint) {
    const QByteArray id = bytesOf(member(event, "correlation_id"));
    if (id.isEmpty())
        return;
    const JsonFields context(member(event, "context"));
    const JsonFields profile(member(context, "request_profile"));
    TimelineEvent entry;
    // When the request head was complete: the exchange's first moment.
    entry.atUs = parseTimeUs(member(profile, "timestamp"))
                     .value_or(parseTimeUs(member(event, "timestamp")).value_or(0));
    entry.kind = TimelineKind::Request;
    entry.service = stringOf(member(JsonFields(member(context, "pattern_analysis")), "service"));
    if (profile.whole()) {
        QByteArray text = bytesOf(member(profile, "method"));
        text += ' ' + bytesOf(member(profile, "path"));
        const QByteArray query = bytesOf(member(profile, "query"));
        if (!query.isEmpty())
            text += '?' + query;
        entry.text = QString::fromUtf8(text);
    }
    addTimeline(correlationFor(id), std::move(entry));
}

void EventAnalyser::ingestExecution(const JsonFields &event, TimePoint) {
    const QByteArray id = bytesOf(member(event, "correlation_id"));
    if (id.isEmpty())
        return;
    const JsonFields pre(member(event, "pre_context"));
    const JsonFields results(member(event, "results"));
    Correlation &correlation = correlationFor(id);
    TimelineEvent preEntry;
    preEntry.kind = TimelineKind::HookPre;
    preEntry.atUs = parseTimeUs(member(pre, "timestamp")).value_or(0);
    preEntry.service = stringOf(member(pre, "service_name"));
    preEntry.text = stringOf(member(pre, "operation"));
    preEntry.detail = bytesOf(member(pre, "session_id"));
    TimelineEvent postEntry = preEntry;
    postEntry.kind = TimelineKind::HookPost;
    postEntry.atUs = parseTimeUs(member(event, "timestamp")).value_or(preEntry.atUs);
    const JsonText success = member(results, "success");
    postEntry.success = success.toBool();
    postEntry.latencyMs = numberOf(member(results, "execution_time_ms")).value_or(-1);
    addTimeline(correlation, std::move(preEntry));
    addTimeline(correlation, std::move(postEntry));
}

// A breaker transition that an exchange caused (its outcome tripped or closed the breaker, or
// it was admitted as the first probe) joins that exchange's timeline; one of the control path
// (an operator's command, a probe that timed out) has no correlation id and joins none.
void EventAnalyser::ingestBreaker(const JsonFields &event, TimePoint) {
    const QByteArray id = bytesOf(member(event, "correlation_id"));
    if (id.isEmpty())
        return;
    TimelineEvent entry;
    entry.atUs = parseTimeUs(member(event, "timestamp")).value_or(0);
    entry.kind = TimelineKind::Breaker;
    entry.service = stringOf(member(event, "service"));
    entry.instance = stringOf(member(event, "instance"));
    entry.text = stringOf(member(event, "from")) + QLatin1Char(' ') + stringOf(member(event, "to"));
    entry.detail = bytesOf(member(event, "cause"));
    addTimeline(correlationFor(id), std::move(entry));
}

void EventAnalyser::tick() {
    const TimePoint now = m_clock.now();
    if (now - m_lastTick < m_options.tick)
        return;
    // Whole ticks only; after a quiet spell the ticks without events are one evaluation.
    const auto ticks = (now - m_lastTick) / m_options.tick;
    m_lastTick += m_options.tick * ticks;
    evaluateTick(m_lastTick);
}

void EventAnalyser::evaluateTick(TimePoint now) {
    const double fastAlpha = ewmaAlpha(m_options.tick, 1min);
    const double slowAlpha = ewmaAlpha(m_options.tick, 15min);
    const double hourAlpha = ewmaAlpha(m_options.tick, 1h);

    for (auto &[key, pointer] : m_operations) {
        OperationState &op = *pointer;
        if (op.tickRequests > 0) {
            const double errorRate = double(op.tickErrors) / double(op.tickRequests);
            const double meanLatency =
                op.tickLatencies ? op.tickLatencySum / double(op.tickLatencies) : op.latencyFast;
            if (!op.trendStarted) {
                op.trendStarted = true;
                op.latencyFast = op.latencySlow = meanLatency;
                op.errorFast = op.errorSlow = errorRate;
            } else {
                op.latencyFast += fastAlpha * (meanLatency - op.latencyFast);
                op.latencySlow += slowAlpha * (meanLatency - op.latencySlow);
                op.errorFast += fastAlpha * (errorRate - op.errorFast);
                op.errorSlow += slowAlpha * (errorRate - op.errorSlow);
            }
            // A trend is a difference of at least 20% and of the baseline's minimum delta.
            const double latencyDelta = op.latencyFast - op.latencySlow;
            const double errorDelta = op.errorFast - op.errorSlow;
            const double minLatency = std::max(1.0, m_options.latencyBaseline.minDelta / 5);
            if (latencyDelta > std::max(minLatency, 0.2 * op.latencySlow) || errorDelta > 0.02)
                op.direction = TrendDirection::Rising;
            else if (-latencyDelta > std::max(minLatency, 0.2 * op.latencySlow) ||
                     -errorDelta > 0.02)
                op.direction = TrendDirection::Falling;
            else
                op.direction = TrendDirection::Steady;

            if (op.tickLatencies >= m_options.minLatencySamples) {
                const double p99 = op.tickLatency.quantile(0.99).value_or(0);
                const RobustBaseline::Verdict verdict = op.latencyBaseline.observe(p99);
                op.latencyAnomalous = verdict.anomalous && verdict.z > 0;
                report(AnomalyKind::Latency, op.service, {}, op.operation, op.latencyAnomalous, p99,
                       verdict.mean, verdict.z,
                       QStringLiteral("p99 %1 ms against a normal of %2 ms (robust z %3)")
                           .arg(rounded(p99, 10))
                           .arg(rounded(verdict.mean, 10))
                           .arg(rounded(verdict.z, 10)),
                       now);
            }
            // The error rate is judged over the last minute, not the tick: a tick's few
            // exchanges make a rate too coarse (1 of 30 is 3%) to tell noise from a change.
            const WindowStats minute = op.windows.oneMinute.stats(now);
            if (minute.requests >= m_options.minErrorSamples) {
                const double minuteRate = minute.errorRate();
                const RobustBaseline::Verdict verdict = op.errorBaseline.observe(minuteRate);
                op.errorAnomalous = verdict.anomalous && verdict.z > 0;
                report(AnomalyKind::ErrorRate, op.service, {}, op.operation, op.errorAnomalous,
                       minuteRate, verdict.mean, verdict.z,
                       QStringLiteral("error rate %1% in the last minute against a normal of "
                                      "%2% (robust z %3)")
                           .arg(rounded(minuteRate * 100, 10))
                           .arg(rounded(verdict.mean * 100, 10))
                           .arg(rounded(verdict.z, 10)),
                       now);
            }
        } else if (op.latencyAnomalous || op.errorAnomalous) {
            // No traffic this tick: nothing is slow or failing any more.
            op.latencyAnomalous = op.errorAnomalous = false;
            report(AnomalyKind::Latency, op.service, {}, op.operation, false, 0, 0, 0, {}, now);
            report(AnomalyKind::ErrorRate, op.service, {}, op.operation, false, 0, 0, 0, {}, now);
        }
        op.tickRequests = op.tickErrors = op.tickLatencies = 0;
        op.tickLatencySum = 0;
        op.tickLatency.clear();
    }

    std::unordered_map<QString, std::vector<double>> loads;
    for (auto &[key, pointer] : m_instances) {
        InstanceState &instance = *pointer;
        if (instance.tickCalls > 0) {
            const double rate = double(instance.tickFailures) / double(instance.tickCalls);
            if (!instance.rateStarted) {
                instance.rateStarted = true;
                instance.shortTermRate = instance.longTermRate = rate;
            } else {
                instance.shortTermRate += fastAlpha * (rate - instance.shortTermRate);
                instance.longTermRate += hourAlpha * (rate - instance.longTermRate);
            }
        }
        instance.tickCalls = instance.tickFailures = 0;
        const WindowStats recent = instance.windows.oneMinute.stats(now);
        const WindowStats five = instance.windows.fiveMinutes.stats(now);
        FailureRiskInput input;
        input.failureRate = recent.errorRate();
        input.slowCallRate =
            five.requests ? double(instance.slow.total(now)) / double(five.requests) : 0.0;
        input.failureThreshold = instance.limits.failureRate;
        input.slowCallThreshold = instance.limits.slowCallRate;
        input.shortTermRate = instance.shortTermRate;
        input.longTermRate = instance.longTermRate;
        input.calls = recent.requests;
        instance.failureRisk = failureRisk(input);
        const bool risky = instance.failureRisk > m_options.failureRiskThreshold;
        report(AnomalyKind::FailureRisk, instance.service, instance.instance, {}, risky,
               instance.failureRisk, m_options.failureRiskThreshold, instance.failureRisk,
               QStringLiteral("failure risk %1: failure rate %2% in the last minute against a "
                              "breaker threshold of %3%")
                   .arg(rounded(instance.failureRisk, 100))
                   .arg(rounded(input.failureRate * 100, 10))
                   .arg(rounded(instance.limits.failureRate * 100, 10)),
               now);
        if (five.requests > 0)
            loads[instance.service].push_back(double(five.requests));
    }

    for (auto &[name, pointer] : m_services) {
        ServiceState &service = *pointer;
        const auto it = loads.find(name);
        const std::vector<double> empty;
        const std::vector<double> &requests = it == loads.end() ? empty : it->second;
        service.instances = int(requests.size());
        service.loadImbalance = requests.size() >= 2 ? loadImbalanceScore(requests) : 0.0;
        double total = 0;
        for (double r : requests)
            total += r;
        const bool imbalanced = requests.size() >= 2 &&
                                total >= double(m_options.minServiceRequests) &&
                                service.loadImbalance > m_options.loadImbalanceThreshold;
        report(AnomalyKind::LoadImbalance, name, {}, {}, imbalanced, service.loadImbalance,
               m_options.loadImbalanceThreshold, service.loadImbalance,
               QStringLiteral("load imbalance %1 over %2 instances in five minutes")
                   .arg(rounded(service.loadImbalance, 100))
                   .arg(requests.size()),
               now);
    }

    // Ended anomalies are kept for a while, then forgotten.
    for (auto it = m_anomalies.begin(); it != m_anomalies.end();) {
        if (!it->second->anomaly.active && now - it->second->lastSeen > m_options.anomalyRetention)
            it = m_anomalies.erase(it);
        else
            ++it;
    }
}

void EventAnalyser::report(AnomalyKind kind, const QString &service, const QString &instance,
                           const QString &operation, bool anomalous, double value, double baseline,
                           double score, const QString &detail, TimePoint now) {
    const QString key = anomalyKindName(kind) + QLatin1Char('\x1f') + service +
                        QLatin1Char('\x1f') + instance + QLatin1Char('\x1f') + operation;
    auto it = m_anomalies.find(key);
    if (!anomalous) {
        if (it != m_anomalies.end())
            it->second->anomaly.active = false;
        return;
    }
    if (it == m_anomalies.end() || !it->second->anomaly.active) {
        if (it == m_anomalies.end() && int(m_anomalies.size()) >= m_options.maxAnomalies) {
            // Full: the ended anomaly seen longest ago makes room, else this one is not kept.
            auto oldest = m_anomalies.end();
            for (auto i = m_anomalies.begin(); i != m_anomalies.end(); ++i) {
                if (!i->second->anomaly.active &&
                    (oldest == m_anomalies.end() || i->second->lastSeen < oldest->second->lastSeen))
                    oldest = i;
            }
            if (oldest == m_anomalies.end())
                return;
            m_anomalies.erase(oldest);
        }
        auto state = std::make_unique<AnomalyState>();
        Anomaly &a = state->anomaly;
        a.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        a.kind = kind;
        a.service = service;
        a.instance = instance;
        a.operation = operation;
        a.detectedAt = wallAt(now);
        it = m_anomalies.insert_or_assign(key, std::move(state)).first;
    }
    AnomalyState &state = *it->second;
    state.lastSeen = now;
    state.anomaly.active = true;
    state.anomaly.lastSeen = wallAt(now);
    state.anomaly.value = value;
    state.anomaly.baseline = baseline;
    state.anomaly.score = score;
    state.anomaly.detail = detail;
}

OperationInsight EventAnalyser::insightOf(const OperationState &op, TimePoint now) const {
    OperationInsight insight;
    insight.service = op.service;
    insight.operation = op.operation;
    insight.oneMinute = op.windows.oneMinute.stats(now);
    insight.fiveMinutes = op.windows.fiveMinutes.stats(now);
    insight.oneHour = op.windows.oneHour.stats(now);
    insight.retriedFiveMinutes = op.retried.total(now);
    insight.retriedFailedFiveMinutes = op.retriedFailed.total(now);
    insight.totals = op.windows.totals;
    insight.latencyEwmaMs = op.latencyFast;
    insight.errorRateEwma = op.errorFast;
    insight.direction = op.direction;
    insight.anomalous = op.latencyAnomalous || op.errorAnomalous;
    return insight;
}

AnalysisSnapshot EventAnalyser::snapshot() const {
    const TimePoint now = m_clock.now();
    AnalysisSnapshot snapshot;
    snapshot.at = now;
    snapshot.generatedAt = wallAt(now);
    snapshot.eventsIngested = m_eventsIngested;
    snapshot.operations.reserve(m_operations.size());
    for (const auto &[key, op] : m_operations)
        snapshot.operations.push_back(insightOf(*op, now));
    std::sort(snapshot.operations.begin(), snapshot.operations.end(),
              [](const OperationInsight &a, const OperationInsight &b) {
                  return std::tie(a.service, a.operation) < std::tie(b.service, b.operation);
              });
    for (const auto &[key, instance] : m_instances) {
        InstanceInsight insight;
        insight.service = instance->service;
        insight.instance = instance->instance;
        insight.fiveMinutes = instance->windows.fiveMinutes.stats(now);
        insight.totals = instance->windows.totals;
        insight.failureRisk = instance->failureRisk;
        snapshot.instances.push_back(std::move(insight));
    }
    std::sort(snapshot.instances.begin(), snapshot.instances.end(),
              [](const InstanceInsight &a, const InstanceInsight &b) {
                  return std::tie(a.service, a.instance) < std::tie(b.service, b.instance);
              });
    for (const auto &[name, service] : m_services) {
        ServiceInsight insight;
        insight.service = name;
        insight.instances = service->instances;
        insight.requests = service->windows.fiveMinutes.stats(now).requests;
        insight.loadImbalance = service->loadImbalance;
        snapshot.services.push_back(std::move(insight));
    }
    std::sort(
        snapshot.services.begin(), snapshot.services.end(),
        [](const ServiceInsight &a, const ServiceInsight &b) { return a.service < b.service; });
    for (const auto &[key, state] : m_anomalies)
        snapshot.anomalies.push_back(state->anomaly);
    std::sort(snapshot.anomalies.begin(), snapshot.anomalies.end(),
              [](const Anomaly &a, const Anomaly &b) { return a.detectedAt < b.detectedAt; });
    return snapshot;
}

QJsonObject EventAnalyser::patternsDocument(Window window, const QString &service) const {
    const TimePoint now = m_clock.now();
    struct Row {
        const OperationState *op;
        WindowStats stats;
    };
    std::vector<Row> rows;
    for (const auto &[key, op] : m_operations) {
        if (!service.isEmpty() && op->service != service)
            continue;
        WindowStats stats = op->windows.stats(window, now);
        if (stats.requests == 0 && stats.cacheEligible == 0)
            continue;
        rows.push_back({op.get(), std::move(stats)});
    }
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        return std::tie(a.op->service, a.op->operation) < std::tie(b.op->service, b.op->operation);
    });

    QJsonArray operations;
    QJsonArray patterns;
    for (const Row &row : rows) {
        const OperationState &op = *row.op;
        const WindowStats &s = row.stats;
        operations.append(QJsonObject{
            {QStringLiteral("service"), op.service},
            {QStringLiteral("operation"), op.operation},
            {QStringLiteral("requests"), qint64(s.requests)},
            {QStringLiteral("errors"), qint64(s.errors)},
            {QStringLiteral("error_rate"), rounded(s.errorRate(), 10000)},
            {QStringLiteral("cache_eligible"), qint64(s.cacheEligible)},
            {QStringLiteral("cache_hits"), qint64(s.cacheHits)},
            {QStringLiteral("cache_hit_ratio"), rounded(s.cacheHitRatio())},
            {QStringLiteral("latency_ms"), latencyJson(s.latencyMs)},
            {QStringLiteral("trend"),
             QJsonObject{{QStringLiteral("latency_ewma_ms"), rounded(op.latencyFast)},
                         {QStringLiteral("error_rate_ewma"), rounded(op.errorFast, 10000)},
                         {QStringLiteral("direction"), directionName(op.direction)}}},
            {QStringLiteral("anomalous"), op.latencyAnomalous || op.errorAnomalous},
        });
        if (s.requests == 0)
            continue;
        // The latency profile of the operation: how confident depends on how many exchanges
        // it rests on (100 or more: fully).
        const double mean =
            s.latencyMs.count() ? s.latencyMs.sum() / double(s.latencyMs.count()) : 0.0;
        QJsonObject data = latencyJson(s.latencyMs);
        data.insert(QStringLiteral("mean"), rounded(mean));
        data.insert(QStringLiteral("window"), windowName(window));
        data.insert(QStringLiteral("retried_5m"), qint64(op.retried.total(now)));
        data.insert(QStringLiteral("retried_failed_5m"), qint64(op.retriedFailed.total(now)));
        const QString id =
            QUuid::createUuidV5(QUuid(), QStringLiteral("latency_profile\x1f") + op.service +
                                             QLatin1Char('\x1f') + op.operation)
                .toString(QUuid::WithoutBraces);
        patterns.append(QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("type"), QStringLiteral("latency_profile")},
            {QStringLiteral("service"), op.service},
            {QStringLiteral("operation"), op.operation},
            {QStringLiteral("data"), data},
            {QStringLiteral("confidence"), rounded(std::min(1.0, double(s.requests) / 100.0))},
            {QStringLiteral("frequency"), qint64(s.requests)},
            {QStringLiteral("success_rate"), rounded(1.0 - s.errorRate(), 10000)},
            {QStringLiteral("first_seen"), wallAt(op.firstSeen).toString(Qt::ISODateWithMs)},
            {QStringLiteral("last_seen"), wallAt(op.lastSeen).toString(Qt::ISODateWithMs)},
        });
    }

    struct InstanceRow {
        const InstanceState *instance;
        WindowStats stats;
    };
    std::vector<InstanceRow> instanceRows;
    for (const auto &[key, instance] : m_instances) {
        if (!service.isEmpty() && instance->service != service)
            continue;
        WindowStats stats = instance->windows.stats(window, now);
        if (stats.requests == 0)
            continue;
        instanceRows.push_back({instance.get(), std::move(stats)});
    }
    std::sort(instanceRows.begin(), instanceRows.end(),
              [](const InstanceRow &a, const InstanceRow &b) {
                  return std::tie(a.instance->service, a.instance->instance) <
                         std::tie(b.instance->service, b.instance->instance);
              });
    QJsonArray instances;
    std::map<QString, std::vector<double>> loads;
    for (const InstanceRow &row : instanceRows) {
        instances.append(QJsonObject{
            {QStringLiteral("service"), row.instance->service},
            {QStringLiteral("instance"), row.instance->instance},
            {QStringLiteral("requests"), qint64(row.stats.requests)},
            {QStringLiteral("error_rate"), rounded(row.stats.errorRate(), 10000)},
            {QStringLiteral("latency_ms"), latencyJson(row.stats.latencyMs)},
            {QStringLiteral("failure_risk"), rounded(row.instance->failureRisk)},
        });
        loads[row.instance->service].push_back(double(row.stats.requests));
    }

    std::vector<const ServiceState *> serviceRows;
    for (const auto &[name, state] : m_services) {
        if (service.isEmpty() || name == service)
            serviceRows.push_back(state.get());
    }
    std::sort(serviceRows.begin(), serviceRows.end(),
              [](const ServiceState *a, const ServiceState *b) { return a->service < b->service; });
    QJsonArray services;
    for (const ServiceState *state : serviceRows) {
        const std::uint64_t requests = state->windows.stats(window, now).requests;
        if (requests == 0)
            continue;
        const std::vector<double> &load = loads[state->service];
        services.append(QJsonObject{
            {QStringLiteral("service"), state->service},
            {QStringLiteral("instances"), int(load.size())},
            {QStringLiteral("requests"), qint64(requests)},
            {QStringLiteral("load_imbalance"),
             rounded(load.size() >= 2 ? loadImbalanceScore(load) : 0.0)},
        });
    }

    return QJsonObject{
        {QStringLiteral("window"), windowName(window)},
        {QStringLiteral("generated_at"), wallAt(now).toString(Qt::ISODateWithMs)},
        {QStringLiteral("events_ingested"), qint64(m_eventsIngested)},
        {QStringLiteral("operations"), operations},
        {QStringLiteral("instances"), instances},
        {QStringLiteral("services"), services},
        {QStringLiteral("patterns"), patterns},
    };
}

QJsonObject EventAnalyser::anomaliesDocument(std::optional<bool> active) const {
    std::vector<const Anomaly *> list;
    for (const auto &[key, state] : m_anomalies) {
        if (!active || state->anomaly.active == *active)
            list.push_back(&state->anomaly);
    }
    std::sort(list.begin(), list.end(), [](const Anomaly *a, const Anomaly *b) {
        return std::tie(a->detectedAt, a->id) < std::tie(b->detectedAt, b->id);
    });
    QJsonArray anomalies;
    for (const Anomaly *a : list) {
        anomalies.append(QJsonObject{
            {QStringLiteral("id"), a->id},
            {QStringLiteral("kind"), anomalyKindName(a->kind)},
            {QStringLiteral("service"), a->service},
            {QStringLiteral("instance"), nullable(a->instance)},
            {QStringLiteral("operation"), nullable(a->operation)},
            {QStringLiteral("value"), rounded(a->value)},
            {QStringLiteral("baseline"), rounded(a->baseline)},
            {QStringLiteral("score"), rounded(a->score, 100)},
            {QStringLiteral("detected_at"), a->detectedAt.toString(Qt::ISODateWithMs)},
            {QStringLiteral("last_seen"), a->lastSeen.toString(Qt::ISODateWithMs)},
            {QStringLiteral("active"), a->active},
            {QStringLiteral("detail"), a->detail},
        });
    }
    return QJsonObject{{QStringLiteral("anomalies"), anomalies}};
}

std::optional<QJsonObject> EventAnalyser::correlationDocument(const QString &correlationId) const {
    const auto it = m_correlationIndex.find(correlationId.toUtf8());
    if (it == m_correlationIndex.end())
        return std::nullopt;
    const Correlation &correlation = *it->second;
    std::vector<const TimelineEvent *> ordered;
    ordered.reserve(correlation.events.size());
    for (const TimelineEvent &event : correlation.events)
        ordered.push_back(&event);
    // Stable: events of the same instant stay in the order they arrived in.
    std::stable_sort(
        ordered.begin(), ordered.end(),
        [](const TimelineEvent *a, const TimelineEvent *b) { return a->atUs < b->atUs; });
    const std::int64_t first = ordered.empty() ? 0 : ordered.front()->atUs;
    QJsonArray events;
    for (const TimelineEvent *event : ordered) {
        QJsonObject data;
        QString summary;
        const QString latency =
            event->latencyMs >= 0 ? QStringLiteral("%1 ms").arg(event->latencyMs) : QString();
        switch (event->kind) {
        case TimelineKind::Request:
            summary = event->text;
            break;
        case TimelineKind::Response:
        case TimelineKind::Communication: {
            QStringList parts;
            parts << (event->status >= 0 ? QString::number(event->status)
                                         : QStringLiteral("no response"));
            if (!latency.isEmpty())
                parts << latency;
            if (event->kind == TimelineKind::Response) {
                if (!event->detail.isEmpty()) {
                    const qsizetype semicolon = event->detail.indexOf(';');
                    parts << QStringLiteral("cache ") +
                                 QString::fromUtf8(semicolon < 0 ? event->detail
                                                                 : event->detail.left(semicolon));
                }
                data.insert(QStringLiteral("cache"),
                            event->detail.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                    : QJsonValue(QString::fromUtf8(event->detail)));
            } else {
                summary = event->text + QLatin1String(": ");
                if (event->attempts > 1)
                    parts << QStringLiteral("%1 attempts").arg(event->attempts);
                data.insert(QStringLiteral("attempts"), event->attempts);
                data.insert(QStringLiteral("error_class"),
                            event->detail.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                    : QJsonValue(QString::fromUtf8(event->detail)));
            }
            summary += parts.join(QStringLiteral(", "));
            data.insert(QStringLiteral("status_code"), event->status >= 0
                                                           ? QJsonValue(event->status)
                                                           : QJsonValue(QJsonValue::Null));
            data.insert(QStringLiteral("response_time_ms"), event->latencyMs >= 0
                                                                ? QJsonValue(event->latencyMs)
                                                                : QJsonValue(QJsonValue::Null));
            break;
        }
        case TimelineKind::Breaker: {
            const qsizetype space = event->text.indexOf(QLatin1Char(' '));
            const QString from = event->text.left(space);
            const QString to = event->text.mid(space + 1);
            summary = QStringLiteral("breaker %1 \u2192 %2").arg(from, to);
            if (!event->detail.isEmpty())
                summary += QStringLiteral(": ") + QString::fromUtf8(event->detail);
            data.insert(QStringLiteral("from"), from);
            data.insert(QStringLiteral("to"), to);
            data.insert(QStringLiteral("cause"),
                        event->detail.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                : QJsonValue(QString::fromUtf8(event->detail)));
            break;
        }
        case TimelineKind::HookPre:
            summary = QStringLiteral("pre hook of %1").arg(event->text);
            data.insert(QStringLiteral("operation"), event->text);
            data.insert(QStringLiteral("session_id"), QString::fromUtf8(event->detail));
            break;
        case TimelineKind::HookPost:
            summary = QStringLiteral("post hook of %1: %2")
                          .arg(event->text, event->success ? QStringLiteral("success")
                                                           : QStringLiteral("failure"));
            if (!latency.isEmpty())
                summary += QStringLiteral(", ") + latency;
            data.insert(QStringLiteral("operation"), event->text);
            data.insert(QStringLiteral("success"), event->success);
            data.insert(QStringLiteral("execution_time_ms"), event->latencyMs >= 0
                                                                 ? QJsonValue(event->latencyMs)
                                                                 : QJsonValue(QJsonValue::Null));
            break;
        }
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(event->atUs / 1000, Qt::UTC);
        events.append(QJsonObject{
            {QStringLiteral("at"), at.toString(Qt::ISODateWithMs)},
            {QStringLiteral("offset_ms"), double(event->atUs - first) / 1000.0},
            {QStringLiteral("topic"), timelineTopic(event->kind)},
            {QStringLiteral("kind"), timelineKindName(event->kind)},
            {QStringLiteral("service"), nullable(event->service)},
            {QStringLiteral("instance"), nullable(event->instance)},
            {QStringLiteral("summary"), summary},
            {QStringLiteral("data"), data},
        });
    }
    return QJsonObject{{QStringLiteral("correlation_id"), correlationId},
                       {QStringLiteral("events"), events}};
}

} // namespace ToolCapture
