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
    // One evaluation now; false (nothing evaluated) when the provider has no snapshot.
    bool evaluateNow();

    RecommendationEngine &engine() { return m_engine; }
    // The event of the proxy.recommendations topic: R with "event", keyed by the id.
    static OutgoingEvent event(const QString &event, const Recommendation &recommendation);
    // Its optimization_recommendations row (the R document whole, the columns from it).
    static RecommendationRecord record(const Recommendation &recommendation);

private:
    CaptureLoad captureLoad();

    Context m_context;
    RecommendationEngine m_engine;
    AnalysisProvider m_provider;
    std::optional<CapturePipeline::Stats> m_lastCapture;
    RecommendationsApi *m_api = nullptr; // child
    QTimer *m_timer = nullptr;           // child
};

} // namespace ToolCapture
