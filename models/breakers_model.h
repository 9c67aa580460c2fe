#pragma once

#include <backend/feed/feed_message.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// The breakers document of the console feed as a table: one row per instance with its
// breaker's state (coloured), mode, failure and slow-call rates against the thresholds in
// force, the window's counts, when an open breaker reopens and its trip story.
class BreakersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column {
        Instance,
        Service,
        State,
        Mode,
        FailureRate, // "12.0 % of 50.0 %"
        SlowCallRate,
        Calls, // in the window
        Failures,
        SlowCalls,
        OpenUntil,
        Cause, // the latest transition's cause
        Count
    };
    enum Role {
        ValueRole = Qt::UserRole + 1, // the number or key behind a cell
        StateRole,                    // "closed", "open", "half_open", … on every column
        ModeRole,                     // "auto", "force_open", … on every column
        InstanceRole,                 // the instance id on every column
        StoryRole,                    // the trip story as text lines, on every column
    };

    explicit BreakersModel(QObject *parent = nullptr);

    static QStringList subjects() { return {QStringLiteral("breakers")}; }
    void apply(const FeedMessage &message);
    // Parses a breakers document; false (and nothing changes) when it is not one.
    bool applyDocument(const QByteArray &json);

    // A colour for a breaker state, readable with white text on dark and light palettes.
    static QColor stateColor(const QString &state);
    // "closed" → "Closed", "force_open" → "Forced open", … (translated).
    static QString stateLabel(const QString &state);
    static QString modeLabel(const QString &mode);

    // The row of the instance with this id, or -1.
    int rowOf(const QString &instanceId) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Outcome {
        QString kind;
        bool failure = false;
        bool slow = false;
        qint64 durationMs = 0;
        QDateTime at;
        bool operator==(const Outcome &) const = default;
    };
    struct Row {
        QString instance;
        QString service;
        QString state;
        QString mode;
        int calls = 0;
        int failures = 0;
        int slowCalls = 0;
        int minimumCalls = 0;
        double failureRate = 0;
        double slowCallRate = 0;
        double failureThreshold = 0;
        QString thresholdExplanation;
        double slowCallThreshold = 1.0;
        qint64 slowCallDurationMs = 0;
        QDateTime openUntil; // invalid unless open
        int consecutiveTrips = 0;
        QString cause; // latest transition's
        std::vector<Outcome> story;
        bool operator==(const Row &) const = default;
    };

    QString storyText(const Row &row) const;
    QVariant display(const Row &row, Column column) const;

    std::vector<Row> m_rows;
};

} // namespace ToolCapture
