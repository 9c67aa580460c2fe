#pragma once

#include <QAbstractTableModel>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <optional>
#include <vector>

namespace ToolCapture {

// One recommendation as the console reads it (the R document of docs/intelligence-api.md). Not
// named Recommendation: that is the engine's type (backend/intelligence), and the console links
// both (two inline definitions of one name broke the heap).
struct RecommendationRow {
    struct Evidence {
        QString window;
        QString metric;
        double value = 0;
        double threshold = 0;
    };
    struct Effect {
        QString metric;
        std::optional<double> before;
        std::optional<double> after;
        std::optional<double> score; // -1..1; none while measuring
        QString verdict;             // measuring, improved, unchanged, worse
    };

    QString id;
    QString type;
    QString service;
    QString instance;  // empty: not about one instance
    QString operation; // empty: not about one operation
    QString title;
    QString priority; // high, medium, low
    double confidence = 0;
    QString impactMetric;
    std::optional<double> impactFrom;
    std::optional<double> impactTo;
    QString impactText;
    QList<Evidence> evidence;
    QString setting;        // the live setting the change sets
    QString settingService; // the service whose setting it is
    QJsonValue before;
    QJsonValue after;
    // Applied ones: whether the setting still has `after` (change.in_force); unknown when the
    // engine does not say (null, or an engine from before it said).
    std::optional<bool> changeInForce;
    QString status; // open, applied, dismissed, reverted, expired
    QString createdAt;
    QString updatedAt;
    QString appliedAt;
    QString appliedBy;
    QString dismissedAt;
    QString dismissedBy;   // empty: unknown (or an engine that does not say)
    QString dismissReason; // empty: none given
    QString expiredAt;
    bool autoRevert = false;
    std::optional<Effect> effect; // null until applied

    // Parses one R document strictly; nullopt with `error` naming the first bad member.
    static std::optional<RecommendationRow> fromJson(const QByteArray &json, QString *error);

    // What the state allows (the engine answers 409 otherwise).
    bool canApply() const { return status == u"open"; }
    bool canDismiss() const { return status == u"open"; }
    bool canRevert() const { return status == u"applied"; }
    // "service / instance / operation", the parts there are.
    QString target() const;
    // "1200", "0.25", "true": a setting's value as the operator reads it.
    static QString valueText(const QJsonValue &value);
};

// The engine's recommendations (GET /api/v1/recommendations) as a table: priority, type, target,
// title, expected impact, confidence, status and the measured effect. Filled from whole
// documents; a document that does not follow the contract is refused with an error and the rows
// shown stay as they were. Lives in the GUI thread.
class RecommendationsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column {
        Priority,
        Type,
        Target,
        Title,
        ExpectedImpact,
        Confidence,
        Status,
        Effect,
        Count
    };
    enum Role {
        ValueRole = Qt::UserRole + 1, // what a column sorts by (priority: 0 high … 2 low)
        IdRole,                       // the recommendation's id on every column
    };

    explicit RecommendationsModel(QObject *parent = nullptr);

    // Replaces the rows with the list document's recommendations; false (rows unchanged,
    // errorString() says why) when it does not parse.
    bool setDocument(const QByteArray &json);
    // Replaces the row of the same id with `recommendation` (an action's answer); adds it when
    // there is none.
    void update(const RecommendationRow &recommendation);
    QString errorString() const { return m_error; }

    const RecommendationRow &at(int row) const { return m_rows.at(size_t(row)); }
    int rowOf(const QString &id) const;

    static QString priorityLabel(const QString &priority);
    static QString typeLabel(const QString &type);
    static QString statusLabel(const QString &status);
    // "improved (+0.90)", "measuring…", "" without an effect.
    static QString effectText(const RecommendationRow &recommendation);

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<RecommendationRow> m_rows;
    QString m_error;
};

} // namespace ToolCapture
