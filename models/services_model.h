#pragma once

#include <backend/feed/feed_message.h>

#include <QAbstractItemModel>
#include <QStringList>

#include <array>
#include <vector>

namespace ToolCapture {

// The services document of the console feed as a tree: each service with its instances below
// it; per instance health, active requests, EWMA latency, the live routing score with its four
// parts, and why an excluded instance is excluded.
class ServicesModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum class Column {
        Name,    // service name; instance id
        Health,  // healthy, ejected, unhealthy, not checked
        Active,  // requests in flight
        Latency, // peak-EWMA latency estimate the score uses
        Score,
        Performance, // the four parts of the score, each in [0, 1]
        Reliability,
        Load,
        Compatibility,
        Requests, // responses since start
        Why,      // an excluded instance's reason; the routing summary on service rows
        Count
    };
    enum Role {
        // The number behind a cell (sorting, tests); invalid when there is none.
        ValueRole = Qt::UserRole + 1,
        // For the bar columns (score and its parts): a double in [0, 1], invalid without one.
        BarRole,
        ExcludedRole, // bool, instance rows
        IdRole,       // service name or instance id
    };

    explicit ServicesModel(QObject *parent = nullptr);

    static QStringList subjects() { return {QStringLiteral("services")}; }
    // A "services" document: dataChanged when the same services and instances come back,
    // otherwise one reset. Anything else is ignored.
    void apply(const FeedMessage &message);
    // Parses a services document; false (and nothing changes) when it is not one.
    bool applyDocument(const QByteArray &json);

    // QAbstractItemModel
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The index of the instance with this id in column 0; invalid when none.
    QModelIndex instanceIndex(const QString &instanceId) const;

private:
    struct InstanceRow {
        QString id;
        QString url;
        bool checked = false;
        bool healthy = true;
        bool ejected = false;
        QString healthReason; // ejection reason or the last check's error
        bool reachable = true;
        qint64 active = 0;
        qint64 requests = 0;
        double latencyMs = -1; // -1: no sample
        bool scored = false;   // a candidate of the routing decision
        double score = 0;
        std::array<double, 4> parts{}; // performance, reliability, load, compatibility
        bool excluded = false;
        QString reason;
        QString breakerState;

        bool operator==(const InstanceRow &) const = default;
    };
    struct ServiceRow {
        QString name;
        QString match;
        bool ready = false;
        QString summary; // the routing decision in one line
        std::vector<InstanceRow> instances;
    };

    bool sameStructure(const std::vector<ServiceRow> &rows) const;
    QVariant serviceData(const ServiceRow &row, Column column, int role) const;
    QVariant instanceData(const InstanceRow &row, Column column, int role) const;

    std::vector<ServiceRow> m_rows;
};

} // namespace ToolCapture
