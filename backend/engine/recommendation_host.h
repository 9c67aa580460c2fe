#pragma once

#include <backend/engine/capture_pipeline.h>
#include <backend/intelligence/recommendation_engine.h>
#include <backend/store/intelligence_store.h>

#include <QObject>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QTimer;

namespace ToolCapture {

class AdminServer;
class EventSink;
struct OutgoingEvent;
class RecommendationsApi;

// The engine's side of the recommendations (issue 11): owns the RecommendationEngine, runs it
// on a timer over what the analyser provides, with the live settings in force and the capture
// pipeline's drops, publishes its events on the proxy.recommendations topic and mounts its
// admin API. Without an analysis provider (the analyser is not wired in yet) the timer runs
// but nothing is evaluated: no recommendation is made from data that does not exist.
// Lives in the engine thread.
class RecommendationHost : public QObject {
    Q_OBJECT
public:
    // What the analyser knows now; nullopt when it has nothing (not running, no analyser).
    using AnalysisProvider = std::function<std::optional<AnalysisSnapshot>()>;

    struct Context {
        SettingChangePort change;              // Engine::changeSetting
        std::function<QJsonObject()> settings; // Engine::settingsDocument
        CapturePipeline *capture = nullptr;    // null without capture
        EventSink *events = nullptr;           // null: no events
        // The optimization_recommendations rows, written at each event (created, applied,
        // dismissed, reverted, measured); null: none.
        IntelligenceStore *store = nullptr;
    };

    RecommendationHost(Context context, const Clock &clock,
                       RecommendationEngine::Options options = {}, QObject *parent = nullptr);
    ~RecommendationHost() override;

    void setAnalysisProvider(AnalysisProvider provider) { m_provider = std::move(provider); }
    // Mounts GET/POST /api/v1/recommendations... on `admin` (token required).
    void mountApi(AdminServer &admin);
    // Evaluates every `period` from now on.
    void start(std::chrono::milliseconds period);
    // One evaluation now; false (nothing evaluated) when the provider has no snapshot, or while
    // the recommendations of before are being loaded from the store (restoreFromStore()).
    bool evaluateNow();
    // Loads the store's optimization_recommendations into the engine (RecommendationEngine::
    // restore), so that a restarted engine lists what it listed before and keeps suppressing
    // what was dismissed. Asynchronous: evaluations wait until the store has answered once.
    // A store that cannot be reached does not hold them longer: they run (a warning says that
    // dismissed recommendations may come back) and the load is tried again at each evaluation
    // until it succeeds. Without a store nothing is loaded.
    void restoreFromStore();
    // The first load has answered (or there is no store): evaluations run.
    bool restoreSettled() const { return m_restore != Restore::Pending; }
    // Recommendations the load took (0 before it has succeeded).
    int restoredCount() const { return m_restoredCount; }

    RecommendationEngine &engine() { return m_engine; }
    // The event of the proxy.recommendations topic: R with "event", keyed by the id.
    static OutgoingEvent event(const QString &event, const Recommendation &recommendation);
    // Its optimization_recommendations row (the R document whole, the columns from it).
    static RecommendationRecord record(const Recommendation &recommendation);

signals:
    // The store's recommendations were loaded: `count` taken (ok), or the load failed.
    void restored(bool ok, int count);

private:
    enum class Restore { None, Pending, Failed, Done };
    CaptureLoad captureLoad();
    void loadFromStore();
    void warnAboutLapsedChanges();

    Context m_context;
    RecommendationEngine m_engine;
    AnalysisProvider m_provider;
    std::optional<CapturePipeline::Stats> m_lastCapture;
    RecommendationsApi *m_api = nullptr; // child
    QTimer *m_timer = nullptr;           // child
    Restore m_restore = Restore::None;
    int m_restoredCount = 0;
    bool m_loading = false; // a load is queued in the store
};

} // namespace ToolCapture
