#pragma once

#include <backend/core/clock.h>
#include <backend/intelligence/analysis_snapshot.h>
#include <backend/intelligence/setting_change.h>

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace ToolCapture {

enum class RecommendationType {
    CacheOptimization,
    LoadBalancing,
    CircuitBreakerTuning,
    TimeoutTuning,
    RetryTuning,
    CaptureSampling,
};
// Expired: open, and its rule has not fired for Options::expireAfter (the problem went away).
enum class RecommendationStatus { Open, Applied, Dismissed, Reverted, Expired };
inline constexpr RecommendationStatus kRecommendationStatuses[] = {
    RecommendationStatus::Open, RecommendationStatus::Applied, RecommendationStatus::Dismissed,
    RecommendationStatus::Reverted, RecommendationStatus::Expired};
enum class RecommendationPriority { High, Medium, Low };
enum class EffectVerdict { Measuring, Improved, Unchanged, Worse };

QString recommendationTypeName(RecommendationType type);
QString recommendationStatusName(RecommendationStatus status);
std::optional<RecommendationStatus> recommendationStatusFromName(const QString &name);

// One reason a rule fired: a metric of a window against the rule's threshold.
struct RecommendationEvidence {
    QString window; // "5m"
    QString metric; // "cache_miss_rate", ...
    double value = 0;
    double threshold = 0;
};

// What the change should do to the metric its effect is measured on.
struct ExpectedImpact {
    QString metric;
    double from = 0;
    double to = 0;
    QString text;
};

// The live setting a recommendation changes, with its value before and after.
struct RecommendedChange {
    QString setting;
    QString service;
    QJsonValue before;
    QJsonValue after;
    // Applied ones: whether the setting in force still has `after` (as of the last evaluation;
    // an operator's edit or a restart takes it away); unknown otherwise and until evaluated.
    std::optional<bool> inForce;
};

// The target metric in the window before the apply and in the window after it.
struct RecommendationEffect {
    QString metric;
    bool lowerIsBetter = true;
    double before = 0;
    std::optional<double> after;
    std::optional<double> score; // -1..1, null while measuring
    EffectVerdict verdict = EffectVerdict::Measuring;
    // The after-window is complete from here on: effectWindow after the first snapshot taken
    // at or after the apply (until that snapshot, effectWindow after the apply).
    Clock::time_point measureAt;
};

struct Recommendation {
    QString id; // UUID
    RecommendationType type = RecommendationType::CacheOptimization;
    QString service;
    QString instance;  // empty: null
    QString operation; // empty: null
    QString title;
    RecommendationPriority priority = RecommendationPriority::Low;
    double confidence = 0;
    ExpectedImpact expectedImpact;
    std::vector<RecommendationEvidence> evidence;
    RecommendedChange change;
    RecommendationStatus status = RecommendationStatus::Open;
    QDateTime createdAt;
    QDateTime updatedAt;
    QDateTime appliedAt;
    QString appliedBy;
    QDateTime dismissedAt;
    QString dismissedBy;
    QString dismissReason;
    QDateTime revertedAt;
    QDateTime expiredAt;
    bool autoRevert = true;
    std::optional<RecommendationEffect> effect;

    // The "R" document of docs/intelligence-api.md.
    QJsonObject toJson() const;
};

// An R document read back (what Recommendation::toJson() wrote, as the store keeps it): nullopt,
// with the reason, when it is not one (no id, an unknown type, status or priority). The effect's
// measureAt is not in the document: RecommendationEngine::restore() sets it.
std::optional<Recommendation> recommendationFromJson(const QJsonObject &document,
                                                     QString *error = nullptr);

// What the host knows about capture that the snapshot does not: the capture pipeline's
// counters over the period since the previous evaluation (the host takes the differences).
struct CaptureLoad {
    bool present = false;       // capture is configured on this engine
    std::uint64_t captured = 0; // handed to the capture queue
    std::uint64_t dropped = 0;  // the capture queue was full
    double dropRate() const {
        const std::uint64_t total = captured + dropped;
        return total ? double(dropped) / double(total) : 0.0;
    }
};

// Turns what the analyser knows (an AnalysisSnapshot) and the live settings in force into
// recommendations of one live setting change each (docs/intelligence-api.md, "Recommendations"),
// and runs their life: apply (through the SettingChangePort, the operator's own path, so
// LiveSettings audits it with source "recommendation"), dismiss, revert, the measured effect
// of an applied change and the automatic revert of one that made things worse.
// Time is the injected clock: nothing here waits. Not thread-safe: the engine thread.
class RecommendationEngine {
public:
    struct Options {
        // Rule thresholds (the source documents' values).
        double cacheMissRate = 0.3;     // cache-eligible requests not answered from the cache
        double loadImbalance = 0.4;     // loadImbalanceScore()
        double failureRisk = 0.6;       // failureRisk()
        double timeoutP99Share = 0.8;   // p99 against timeouts.first_byte_ms
        double retryFailedShare = 0.5;  // retried exchanges that still failed
        std::uint64_t captureDrops = 0; // capture drops above this
        // Minimum samples (five-minute window) below which a rule says nothing.
        std::uint64_t minCacheEligible = 50;
        std::uint64_t minServiceRequests = 100;
        std::uint64_t minInstanceRequests = 20;
        std::uint64_t minOperationRequests = 50;
        std::uint64_t minRetried = 20;
        std::uint64_t minCaptureEvents = 100;
        // Effect measurement: the after-window, and the |score| under which nothing changed.
        std::chrono::milliseconds effectWindow{std::chrono::minutes(5)};
        double unchangedBand = 0.1;
        bool autoRevert = true;
        // A dismissed (or reverted) recommendation does not come back for this long.
        std::chrono::milliseconds suppressFor{std::chrono::hours(1)};
        // An open recommendation whose rule has not fired for this long expires.
        std::chrono::milliseconds expireAfter{std::chrono::minutes(15)};
        // Recommendations kept; beyond, the oldest closed ones go first.
        int maxRecommendations = 500;
        // The actor of automatic reverts.
        QString actor = QStringLiteral("recommendations");
    };

    // `event` ("created", "applied", "dismissed", "reverted", "measured", "expired") and the R
    // document.
    using EventCallback = std::function<void(const QString &event, const Recommendation &)>;

    RecommendationEngine(const Clock &clock, SettingChangePort port);
    RecommendationEngine(const Clock &clock, SettingChangePort port, Options options);

    void setEventCallback(EventCallback callback) { m_events = std::move(callback); }
    // Wall time for the documents' timestamps (UTC); QDateTime::currentDateTimeUtc by default.
    void setWallClock(std::function<QDateTime()> wallClock) { m_wall = std::move(wallClock); }
    const Options &options() const { return m_options; }

    // Runs the rules over `snapshot` with `settings` ({service: {setting: value}}, the
    // "services" of LiveSettings::document()) and `capture`: creates the recommendations that
    // are new, updates the evidence of those still open, completes the effects whose
    // after-window is over (reverting the worse ones when auto_revert is on), expires the open
    // ones whose rule has not fired for expireAfter.
    void evaluate(const AnalysisSnapshot &snapshot, const QJsonObject &settings,
                  const CaptureLoad &capture = {});

    enum class Result { Ok, NotFound, Conflict, Failed };
    struct Outcome {
        Result result = Result::NotFound;
        QString error;                                // NotFound, Conflict, Failed: why
        std::optional<Recommendation> recommendation; // after the change (Ok)
    };
    // Open → applied: the change through the port (source Recommendation), made only while the
    // setting still has the value the change was computed from; Conflict when not open or when
    // the setting changed since (nothing changed), Failed when the port refused.
    Outcome apply(const QString &id, const QString &actor, const QString &reason = {});
    // Open → dismissed, with who and why; the same recommendation is not made again for
    // suppressFor.
    Outcome dismiss(const QString &id, const QString &actor, const QString &reason = {});
    // Applied → reverted: the `before` value back through the port (source Recommendation),
    // only while the setting still has the recommendation's value; when it has another (an
    // operator's edit since, or a restart back to the configuration's) it is reverted with
    // nothing changed: that value stays. An automatic revert follows the same rule.
    Outcome revert(const QString &id, const QString &actor, const QString &reason = {});

    // Marks the applied ones' change.inForce from `settings` ({service: {setting: value}}):
    // evaluate() does at every evaluation; the host after a restore, at once.
    void markChangesInForce(const QJsonObject &settings);

    const Recommendation *find(const QString &id) const;
    // Oldest first; only those with `status` when given.
    std::vector<Recommendation> list(std::optional<RecommendationStatus> status = {}) const;
    int size() const { return int(m_recommendations.size()); }

    // Takes back recommendations made before this engine (the store's rows, at start), without
    // events: the same ids, statuses, changes, times and effects, oldest first among those
    // already here. Ids already here are skipped. A dismissed or reverted one keeps suppressing
    // its kind for what is left of suppressFor since it was dismissed or reverted (by the wall
    // clock); an applied one still measuring completes its after-window from what is left of
    // effectWindow since it was applied. How many were taken.
    int restore(std::vector<Recommendation> recommendations);

private:
    using Key = std::tuple<RecommendationType, QString, QString, QString>;
    // What a snapshot's running totals say about the subject of a recommendation's effect
    // metric: its operation, its service (the sum of its operations) or, for load_imbalance,
    // each of its service's instances.
    struct EffectCounts {
        Clock::time_point at; // the snapshot's
        RunningTotals totals;
        std::map<QString, std::uint64_t> instanceRequests;
        // Of those, the instances as good as the service's best one at the time: the
        // load_imbalance the rule saw and the one measured after the change are over these.
        std::vector<QString> comparable;
    };
    struct Entry {
        Recommendation recommendation;
        Key key;
        bool lowerIsBetter = true; // of the metric its effect is measured on
        // The after-window of an applied one: from the counts of the first snapshot taken at
        // or after the apply (appliedAt, on the clock) to those of the first at or after
        // effect->measureAt, so that no exchange from before the change is in it.
        Clock::time_point appliedAt;
        std::optional<EffectCounts> afterFrom;
        CaptureLoad captureAfter; // the capture load of the evaluations since afterFrom
        // When its rule last fired; unset for one this engine has not evaluated yet (restored):
        // its expiry counts from the first evaluation.
        std::optional<Clock::time_point> lastFired;
    };
    struct Candidate; // a rule's finding, before it becomes (or updates) a recommendation

    void runRules(const AnalysisSnapshot &snapshot, const QJsonObject &settings,
                  const CaptureLoad &capture, std::vector<Candidate> &out) const;
    void offer(Candidate candidate);
    void measure(const AnalysisSnapshot &snapshot, const CaptureLoad &capture);
    void expire();
    std::optional<double> metricOf(const Recommendation &r, const AnalysisSnapshot &snapshot,
                                   const CaptureLoad &capture) const;
    static EffectCounts countsOf(const Recommendation &r, const AnalysisSnapshot &snapshot);
    // The effect metric over the after-window, from afterFrom to `to`; nullopt without traffic.
    static std::optional<double> metricAfter(const Entry &entry, const EffectCounts &to);
    Outcome changeBack(Entry &entry, const QString &actor, const QString &reason,
                       SettingSource source);
    Entry *findEntry(const QString &id);
    void trim();
    void emitEvent(const QString &event, const Recommendation &r) const;
    QDateTime wallNow() const { return m_wall ? m_wall() : QDateTime::currentDateTimeUtc(); }

    const Clock &m_clock;
    SettingChangePort m_port;
    Options m_options;
    EventCallback m_events;
    std::function<QDateTime()> m_wall;
    std::deque<Entry> m_recommendations; // oldest first
    std::map<Key, Clock::time_point> m_suppressedUntil;
    std::optional<AnalysisSnapshot> m_lastSnapshot;
    CaptureLoad m_lastCapture;
};

} // namespace ToolCapture
