#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <optional>
#include <vector>

namespace ToolCapture {

// The operations of one analysis window (GET /api/v1/patterns, docs/intelligence-api.md) as a
// table: service, operation, requests, error rate, cache hit ratio, p50/p95/p99, the trend's
// direction and whether the analyser finds it anomalous. Filled from whole documents; one that
// does not follow the contract is refused with an error and the rows stay as they were.
class PatternsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column {
        Service,
        Operation,
        Requests,
        ErrorRate,
        CacheHitRatio,
        P50,
        P95,
        P99,
        Trend,
        Anomalous,
        Count
    };
    enum Role {
        ValueRole = Qt::UserRole + 1, // the number or text behind a cell (sorting, tests)
        AnomalousRole,                // bool, on every column
        FractionRole,                 // p99 only: its share of the largest p99 shown, 0..1
    };

    struct Operation {
        QString service;
        QString operation;
        qint64 requests = 0;
        qint64 errors = 0;
        double errorRate = 0;
        std::optional<double> cacheHitRatio; // none when nothing was cache-eligible
        double p50 = 0;
        double p95 = 0;
        double p99 = 0;
        double max = 0;
        QString direction; // rising, steady, falling
        double latencyEwmaMs = 0;
        bool anomalous = false;
    };

    explicit PatternsModel(QObject *parent = nullptr);

    // Replaces the rows with the document's operations; false (rows unchanged, errorString()
    // says why) when it does not parse.
    bool setDocument(const QByteArray &json);
    QString errorString() const { return m_error; }
    // The window and the time of the last document taken.
    QString window() const { return m_window; }
    QString generatedAt() const { return m_generatedAt; }
    qint64 eventsIngested() const { return m_eventsIngested; }
    const Operation &at(int row) const { return m_rows.at(size_t(row)); }
    int anomalousCount() const;

    static QString directionLabel(const QString &direction);

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<Operation> m_rows;
    double m_maxP99 = 0;
    QString m_window;
    QString m_generatedAt;
    qint64 m_eventsIngested = 0;
    QString m_error;
};

// The analyser's anomalies (GET /api/v1/anomalies) as a table: when, kind, where, value against
// baseline, score and the analyser's own sentence. Same strictness as PatternsModel.
class AnomaliesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { DetectedAt, Kind, Target, Value, Baseline, Score, Active, Detail, Count };
    enum Role { ValueRole = Qt::UserRole + 1 };

    struct Anomaly {
        QString id;
        QString kind; // latency, error_rate, load_imbalance, failure_risk
        QString service;
        QString instance;
        QString operation;
        double value = 0;
        double baseline = 0;
        double score = 0;
        QString detectedAt;
        QString lastSeen;
        bool active = false;
        QString detail;
    };

    explicit AnomaliesModel(QObject *parent = nullptr);

    bool setDocument(const QByteArray &json);
    QString errorString() const { return m_error; }
    const Anomaly &at(int row) const { return m_rows.at(size_t(row)); }

    static QString kindLabel(const QString &kind);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<Anomaly> m_rows;
    QString m_error;
};

} // namespace ToolCapture
