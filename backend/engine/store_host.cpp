#include <backend/analysis/analyser_host.h>
#include <backend/core/json_scan.h>
#include <backend/core/logging.h>
#include <backend/engine/store_host.h>
#include <backend/events/event_batch.h>
#include <backend/events/proxy_events.h>
#include <backend/resilience/breaker_state.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ToolCapture {

namespace {

const QByteArrayView kExecutionTopic = "hooks.execution_intelligence";
const QByteArrayView kCommunicationTopic = ProxyTopics::kCommunicationIntelligence;
const QByteArrayView kResponseTopic = ProxyTopics::kResponseIntelligence;

QByteArray compact(const QJsonValue &value) {
    if (value.isObject())
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    return QByteArrayLiteral("{}");
}

std::optional<QJsonObject> parseObject(QByteArrayView json) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

using JsonScan::forEachMember;

// A JSON string's value (empty for null or anything else).
QString stringValue(QByteArrayView value) {
    const std::optional<QByteArray> text = JsonScan::decodeString(value);
    return text ? QString::fromUtf8(*text) : QString();
}

QDateTime eventTime(const QJsonObject &event) {
    return QDateTime::fromString(event.value(QLatin1String("timestamp")).toString(),
                                 Qt::ISODateWithMs)
        .toUTC();
}

} // namespace

StoreEventTap::StoreEventTap(IntelligenceStore &store, EventSink *inner)
    : m_store(store)
    , m_inner(inner)
    , m_counts(std::make_shared<Counts>()) {}

std::optional<ExecutionRecord> StoreEventTap::executionRecord(QByteArrayView eventJson) {
    const std::optional<QJsonObject> event = parseObject(eventJson);
    if (!event)
        return std::nullopt;
    const QJsonObject pre = event->value(QLatin1String("pre_context")).toObject();
    const QJsonObject results = event->value(QLatin1String("results")).toObject();
    ExecutionRecord r;
    r.correlationId = event->value(QLatin1String("correlation_id")).toString();
    r.service = pre.value(QLatin1String("service_name")).toString();
    r.operation = pre.value(QLatin1String("operation")).toString();
    r.executionTimeMs =
        int(std::lround(results.value(QLatin1String("execution_time_ms")).toDouble()));
    r.success = results.value(QLatin1String("success")).toBool();
    // intelligence_data: what the event knows beyond the columns, as the source documents'
    // event has it.
    r.intelligenceJson = compact(QJsonObject{
        {QStringLiteral("event_id"), event->value(QLatin1String("event_id"))},
        {QStringLiteral("pre_context"), pre},
        {QStringLiteral("results"), results},
        {QStringLiteral("intelligence_insights"),
         event->value(QLatin1String("intelligence_insights"))},
    });
    r.createdAt = eventTime(*event);
    return r;
}

std::optional<CommunicationRecord>
StoreEventTap::communicationRecord(QByteArrayView eventJson, QByteArrayView responseEventJson) {
    // Read without a DOM: the columns take the event's members as the text they are (the
    // proxy writes them compact), which costs a fraction of parsing and writing them again.
    QByteArrayView eventId, correlationId, timestamp, eventType, request, metrics, insights;
    const bool object = forEachMember(eventJson, [&](QByteArrayView key, QByteArrayView value) {
        if (key == "event_id")
            eventId = value;
        else if (key == "correlation_id")
            correlationId = value;
        else if (key == "timestamp")
            timestamp = value;
        else if (key == "event_type")
            eventType = value;
        else if (key == "request_context")
            request = value;
        else if (key == "performance_metrics")
            metrics = value;
        else if (key == "intelligence_analysis")
            insights = value;
    });
    const auto isObject = [](QByteArrayView value) { return value.startsWith('{'); };
    if (!object || !isObject(request) || !isObject(metrics) || !isObject(insights))
        return std::nullopt;
    CommunicationRecord r;
    r.communicationId = stringValue(eventId);
    r.correlationId = stringValue(correlationId);
    // The proxy knows the service it routed to; the caller is a client, not a service it
    // knows: source_service stays NULL.
    forEachMember(metrics, [&r](QByteArrayView key, QByteArrayView value) {
        if (key == "target_service")
            r.targetService = stringValue(value);
    });
    r.requestJson = request.toByteArray();
    r.performanceJson = metrics.toByteArray();
    r.insightsJson = insights.toByteArray();
    QByteArray response =
        "{\"event_type\":" + (eventType.isEmpty() ? QByteArray("null") : eventType.toByteArray());
    if (!responseEventJson.isEmpty()) {
        forEachMember(responseEventJson, [&response](QByteArrayView key, QByteArrayView value) {
            if (key == "response_analysis" || key == "routing" || key == "cache" ||
                key == "breaker_state") {
                response += ",\"" + key.toByteArray() + "\":" + value.toByteArray();
            }
        });
    }
    response += '}';
    r.responseJson = std::move(response);
    r.createdAt = QDateTime::fromString(stringValue(timestamp), Qt::ISODateWithMs).toUTC();
    return r;
}

// The events are copied as they are and read on the store's thread (writeDeferred): reading
// them here would cost the capture thread about three times what capturing an exchange does.
void StoreEventTap::publish(OutgoingEvent event) {
    if (QByteArrayView(event.topic) == kExecutionTopic) {
        queueExecution(event.value);
    } else if (QByteArrayView(event.topic) == kCommunicationTopic) {
        queueCommunication(event.value, {});
    }
    if (m_inner)
        m_inner->publish(std::move(event));
}

void StoreEventTap::queueExecution(QByteArrayView eventJson) {
    m_store.writeDeferred(IntelligenceStore::MakeExecution(
        [counts = m_counts, event = eventJson.toByteArray()]() -> std::optional<ExecutionRecord> {
            std::optional<ExecutionRecord> r = executionRecord(event);
            (r ? counts->rows : counts->unreadable).fetch_add(1, std::memory_order_relaxed);
            return r;
        }));
}

void StoreEventTap::queueCommunication(QByteArrayView eventJson, QByteArrayView responseJson) {
    m_store.writeDeferred(IntelligenceStore::MakeCommunication(
        [counts = m_counts, event = eventJson.toByteArray(),
         response = responseJson.toByteArray()]() -> std::optional<CommunicationRecord> {
            std::optional<CommunicationRecord> r = communicationRecord(event, response);
            (r ? counts->rows : counts->unreadable).fetch_add(1, std::memory_order_relaxed);
            return r;
        }));
}

std::unique_ptr<EventBatch> StoreEventTap::batchToFill() {
    return m_inner ? m_inner->batchToFill() : std::make_unique<EventBatch>();
}

void StoreEventTap::publishBatch(std::unique_ptr<EventBatch> batch) {
    // The capture thread writes each exchange's three events together, keyed alike: the
    // response event comes just before its communication event.
    QByteArrayView responseKey;
    QByteArrayView response;
    for (std::size_t i = 0; i < batch->size(); ++i) {
        const EventBatch::Event &e = batch->event(i);
        const QByteArrayView topic = batch->view(e.topic);
        if (topic == kResponseTopic) {
            responseKey = batch->view(e.key);
            response = batch->view(e.value);
        } else if (topic == kExecutionTopic) {
            queueExecution(batch->view(e.value));
        } else if (topic == kCommunicationTopic) {
            const bool same = !response.isEmpty() && responseKey == batch->view(e.key);
            queueCommunication(batch->view(e.value), same ? response : QByteArrayView());
            response = {};
        }
    }
    if (m_inner)
        m_inner->publishBatch(std::move(batch));
}

StoreHost::StoreHost(IntelligenceStore::Options options, EventSink *inner,
                     std::function<EngineSnapshot()> snapshot,
                     std::chrono::milliseconds ecosystemInterval, QObject *parent)
    : QObject(parent)
    , m_store(std::move(options))
    , m_tap(m_store, inner)
    , m_snapshot(std::move(snapshot))
    , m_ecosystemTimer(new QTimer(this)) {
    m_ecosystemTimer->setInterval(ecosystemInterval);
    connect(m_ecosystemTimer, &QTimer::timeout, this, &StoreHost::writeEcosystem);
}

StoreHost::~StoreHost() {
    stop();
}

bool StoreHost::start(QString *error) {
    if (m_running)
        return true;
    if (!m_store.start(error))
        return false;
    m_running = true;
    m_ecosystemTimer->start();
    qCInfo(lcEngine).noquote() << "intelligence store" << m_store.health().location
                               << "(connecting; rows wait in memory until it is there)";
    return true;
}

void StoreHost::stop() {
    if (!m_running)
        return;
    m_ecosystemTimer->stop();
    if (m_patternTimer)
        m_patternTimer->stop();
    writeEcosystem();
    m_running = false;
    m_store.stop();
}

void StoreHost::writeEcosystem() {
    if (!m_running || !m_snapshot)
        return;
    for (ServiceEcosystemRecord &record : ecosystemRecords(m_snapshot()))
        m_store.write(std::move(record));
}

std::vector<ServiceEcosystemRecord> StoreHost::ecosystemRecords(const EngineSnapshot &snapshot) {
    std::vector<ServiceEcosystemRecord> records;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const ServiceSnapshot &service : snapshot.services) {
        ServiceEcosystemRecord r;
        r.service = service.name;
        QJsonArray instances;
        QJsonObject capabilities;
        std::uint64_t requests = 0;
        std::uint64_t serverErrors = 0;
        int reachable = 0;
        for (const InstanceSnapshot &instance : service.instances) {
            instances.append(QJsonObject{
                {QStringLiteral("id"), instance.id},
                {QStringLiteral("url"), instance.url},
                {QStringLiteral("reachable"), instance.reachable},
                {QStringLiteral("healthy"), instance.health.healthy},
                {QStringLiteral("ejected"), instance.health.ejected},
                {QStringLiteral("breaker"), QString::fromLatin1(toString(instance.breaker.state))},
                {QStringLiteral("dynamic"), instance.dynamic},
                {QStringLiteral("draining"), instance.draining},
            });
            capabilities.insert(instance.id, QJsonArray::fromStringList(instance.capabilities));
            requests += instance.totals.responseCount();
            serverErrors += instance.totals.responses[5];
            if (instance.reachable && !instance.draining)
                ++reachable;
        }
        r.instancesJson = QJsonDocument(instances).toJson(QJsonDocument::Compact);
        r.capabilitiesJson = QJsonDocument(capabilities).toJson(QJsonDocument::Compact);
        // The proxy sees clients calling services, not which service calls which: the
        // dependency graph holds what routes to the service.
        r.dependenciesJson =
            QJsonDocument(QJsonObject{{QStringLiteral("match"), service.match},
                                      {QStringLiteral("dynamic"), service.dynamic}})
                .toJson(QJsonDocument::Compact);
        r.healthJson =
            QJsonDocument(
                QJsonObject{
                    {QStringLiteral("ready"), service.ready()},
                    {QStringLiteral("instances"), int(service.instances.size())},
                    {QStringLiteral("reachable_instances"), reachable},
                    {QStringLiteral("responses"), double(requests)},
                    {QStringLiteral("server_errors"), double(serverErrors)},
                    {QStringLiteral("retries_refused"), double(service.retryBudget.refused)},
                    {QStringLiteral("rate_limited"), double(service.rateLimit.limited)},
                })
                .toJson(QJsonDocument::Compact);
        r.snapshotAt = now;
        records.push_back(std::move(r));
    }
    return records;
}

void StoreHost::recordPatterns(AnalyserHost &analyser, std::chrono::milliseconds interval) {
    m_analyser = &analyser;
    if (!m_patternTimer) {
        m_patternTimer = new QTimer(this);
        connect(m_patternTimer, &QTimer::timeout, this, &StoreHost::writePatterns);
    }
    m_patternTimer->start(interval);
}

// The document and the rows are made on the analyser's thread, where the analyser is, and
// queued there (IntelligenceStore::write is thread-safe); the engine thread only counts.
static std::function<QByteArray(const EventAnalyser &)> queuePatterns(IntelligenceStore *store) {
    return [store](const EventAnalyser &analyser) {
        std::vector<PatternRecord> records =
            StoreHost::patternRecords(analyser.patternsDocument(EventAnalyser::Window::OneHour));
        for (PatternRecord &record : records)
            store->write(std::move(record));
        return QByteArray::number(qulonglong(records.size()));
    };
}

void StoreHost::writePatterns() {
    if (!m_running || !m_analyser || !m_analyser->isRunning())
        return;
    m_analyser->query(queuePatterns(&m_store),
                      [self = QPointer<StoreHost>(this)](const QByteArray &count) {
                          if (self)
                              self->m_patternsQueued += count.toULongLong();
                      });
}

void StoreHost::writePatternsBeforeStop() {
    if (!m_running || !m_analyser || !m_analyser->isRunning())
        return;
    if (m_patternTimer)
        m_patternTimer->stop();
    m_patternsQueued += m_analyser->queryNow(queuePatterns(&m_store)).toULongLong();
}

std::vector<PatternRecord> StoreHost::patternRecords(const QJsonObject &patternsDocument) {
    std::vector<PatternRecord> records;
    const QJsonArray patterns = patternsDocument.value(QLatin1String("patterns")).toArray();
    records.reserve(size_t(patterns.size()));
    const auto time = [](const QJsonValue &value) {
        const QDateTime t = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        return t.isValid() ? t.toUTC() : QDateTime();
    };
    for (const QJsonValue &value : patterns) {
        const QJsonObject pattern = value.toObject();
        PatternRecord r;
        r.patternId = pattern.value(QLatin1String("id")).toString();
        r.type = pattern.value(QLatin1String("type")).toString();
        // The schema's ids are UUIDs, and the id is the pattern's identity (the upsert's key):
        // a pattern without one is not written rather than written as a new row every time.
        if (QUuid(r.patternId).isNull() || r.type.isEmpty())
            continue;
        QJsonObject data = pattern.value(QLatin1String("data")).toObject();
        for (const QLatin1String key :
             {QLatin1String("service"), QLatin1String("operation"), QLatin1String("instance")}) {
            if (pattern.contains(key))
                data.insert(key, pattern.value(key));
        }
        r.dataJson = QJsonDocument(data).toJson(QJsonDocument::Compact);
        r.confidence = std::clamp(pattern.value(QLatin1String("confidence")).toDouble(), 0.0, 1.0);
        r.frequency = int(std::clamp(pattern.value(QLatin1String("frequency")).toDouble(), 0.0,
                                     double(std::numeric_limits<int>::max())));
        r.successRate =
            std::clamp(pattern.value(QLatin1String("success_rate")).toDouble(), 0.0, 1.0);
        r.firstSeen = time(pattern.value(QLatin1String("first_seen")));
        r.lastSeen = time(pattern.value(QLatin1String("last_seen")));
        records.push_back(std::move(r));
    }
    return records;
}

StoreSnapshot StoreHost::snapshot() const {
    const IntelligenceStore::Health h = m_store.health();
    StoreSnapshot s;
    s.enabled = m_running;
    s.connected = h.connected;
    s.location = h.location;
    s.schemaVersion = h.schemaVersion;
    s.pending = h.pending;
    s.written = h.written;
    s.dropped = h.dropped;
    s.rejected = h.rejected;
    s.expired = h.expired;
    s.connectFailures = h.connectFailures;
    s.lastError = h.lastError;
    return s;
}

} // namespace ToolCapture
