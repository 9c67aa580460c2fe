#include <backend/admin/admin_server.h>
#include <backend/admin/recommendations_api.h>
#include <backend/core/logging.h>
#include <backend/engine/recommendation_host.h>
#include <backend/events/event_sink.h>
#include <backend/store/intelligence_store.h>

#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

namespace ToolCapture {

RecommendationHost::RecommendationHost(Context context, const Clock &clock,
                                       RecommendationEngine::Options options, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_engine(clock, m_context.change, std::move(options)) {
    EventSink *sink = m_context.events;
    IntelligenceStore *store = m_context.store;
    if (sink || store) {
        m_engine.setEventCallback([sink, store](const QString &name, const Recommendation &r) {
            if (sink)
                sink->publish(event(name, r));
            if (store)
                store->write(record(r));
        });
    }
}

RecommendationHost::~RecommendationHost() {
    delete m_api; // before the engine it points into
    m_api = nullptr;
}

void RecommendationHost::mountApi(AdminServer &admin) {
    m_api = new RecommendationsApi(&m_engine, this);
    RecommendationsApi *api = m_api;
    admin.mount({&RecommendationsApi::handles,
                 [api](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
                     api->handle(request, responder);
                 },
                 true, true});
}

void RecommendationHost::start(std::chrono::milliseconds period) {
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, [this] { evaluateNow(); });
    }
    m_timer->start(period);
}

void RecommendationHost::restoreFromStore() {
    if (!m_context.store || m_restore != Restore::None)
        return;
    m_restore = Restore::Pending;
    loadFromStore();
}

void RecommendationHost::loadFromStore() {
    m_loading = true;
    m_context.store->loadRecommendations(
        this, [this](bool ok, std::vector<RecommendationRecord> rows, const QString &error) {
            m_loading = false;
            if (!ok) {
                if (m_restore == Restore::Pending) {
                    qCWarning(lcEngine).noquote()
                        << "the recommendations of before could not be loaded from the store ("
                        << error
                        << "); recommending without them until it answers (a "
                           "dismissed recommendation may come back meanwhile)";
                }
                m_restore = Restore::Failed;
                emit restored(false, 0);
                return;
            }
            std::vector<Recommendation> recommendations;
            recommendations.reserve(rows.size());
            int unreadable = 0;
            for (const RecommendationRecord &row : rows) {
                QString why;
                std::optional<Recommendation> r = recommendationFromJson(
                    QJsonDocument::fromJson(row.documentJson).object(), &why);
                if (!r) {
                    ++unreadable;
                    qCWarning(lcEngine).noquote()
                        << "recommendation" << row.id << "in the store is not readable:" << why;
                    continue;
                }
                recommendations.push_back(std::move(*r));
            }
            m_restoredCount = m_engine.restore(std::move(recommendations));
            warnAboutLapsedChanges();
            m_restore = Restore::Done;
            qCInfo(lcEngine).noquote()
                << m_restoredCount << "recommendations loaded from the store"
                << (unreadable ? QStringLiteral("(%1 unreadable)").arg(unreadable) : QString());
            emit restored(true, m_restoredCount);
        });
}

void RecommendationHost::warnAboutLapsedChanges() {
    // Live settings are the running engine's (docs/configuration.md): a restart returns to the
    // configuration file, so an applied recommendation's change may no longer be in force.
    if (!m_context.settings)
        return;
    const QJsonObject services = m_context.settings().value(QLatin1String("services")).toObject();
    m_engine.markChangesInForce(services); // the console shows it at once
    for (const Recommendation &r : m_engine.list(RecommendationStatus::Applied)) {
        if (r.change.inForce == false) {
            qCWarning(lcEngine).noquote()
                << "applied recommendation" << r.id << "(" << r.title << "): its change of"
                << r.change.service << r.change.setting << "is not in force since the restart"
                << "(the configuration's value is back); revert it, or apply the setting again";
        }
    }
}

bool RecommendationHost::evaluateNow() {
    if (m_restore == Restore::Pending)
        return false; // the store's recommendations first: a dismissed one must stay dismissed
    if (m_restore == Restore::Failed && !m_loading)
        loadFromStore(); // evaluating meanwhile
    if (!m_provider)
        return false;
    const std::optional<AnalysisSnapshot> snapshot = m_provider();
    if (!snapshot)
        return false;
    const QJsonObject settings =
        m_context.settings ? m_context.settings().value(QLatin1String("services")).toObject()
                           : QJsonObject();
    m_engine.evaluate(*snapshot, settings, captureLoad());
    return true;
}

CaptureLoad RecommendationHost::captureLoad() {
    CaptureLoad load;
    if (!m_context.capture)
        return load;
    load.present = true;
    const CapturePipeline::Stats now = m_context.capture->stats();
    // Since the previous evaluation (everything so far at the first).
    const CapturePipeline::Stats before = m_lastCapture.value_or(CapturePipeline::Stats{});
    load.captured = now.queued - std::min(now.queued, before.queued);
    load.dropped = now.dropped - std::min(now.dropped, before.dropped);
    m_lastCapture = now;
    return load;
}

RecommendationRecord RecommendationHost::record(const Recommendation &r) {
    const QJsonObject document = r.toJson();
    RecommendationRecord row;
    row.id = r.id;
    row.type = document.value(QLatin1String("type")).toString();
    row.service = r.service;
    row.instance = r.instance;
    row.operation = r.operation;
    row.title = r.title;
    row.priority = document.value(QLatin1String("priority")).toString();
    row.confidence = r.confidence;
    row.status = document.value(QLatin1String("status")).toString();
    row.documentJson = QJsonDocument(document).toJson(QJsonDocument::Compact);
    row.createdAt = r.createdAt;
    row.updatedAt = r.updatedAt;
    row.appliedAt = r.appliedAt;
    row.dismissedAt = r.dismissedAt;
    row.revertedAt = r.revertedAt;
    row.appliedBy = r.appliedBy;
    const QJsonValue effect = document.value(QLatin1String("effect"));
    if (effect.isObject())
        row.effectJson = QJsonDocument(effect.toObject()).toJson(QJsonDocument::Compact);
    return row;
}

OutgoingEvent RecommendationHost::event(const QString &event, const Recommendation &r) {
    QJsonObject document = r.toJson();
    document.insert(QStringLiteral("event"), event);
    OutgoingEvent out;
    out.topic = QByteArrayLiteral("proxy.recommendations");
    out.key = r.id.toUtf8();
    out.value = QJsonDocument(document).toJson(QJsonDocument::Compact);
    out.ceId = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
    out.ceType = "com.toolcapture.proxy.recommendations." + event.toLatin1();
    out.ceSource = QByteArrayLiteral("/toolcapture/recommendations");
    out.timeUs = QDateTime::currentMSecsSinceEpoch() * 1000;
    return out;
}

} // namespace ToolCapture
