#pragma once

#include <backend/snapshot/engine_snapshot.h>

#include <QAbstractItemModel>

#include <vector>

namespace ToolCapture {

// Shows the services of an engine snapshot as a tree: one row per service, its instances as
// children, counters and latency percentiles as columns.
class ServiceTableModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum class Column {
        Name, // service name on service rows, instance id on instance rows
        Url,  // instance URL; the match rule on service rows
        Reachable,
        Requests, // responses plus errors
        Responses2xx,
        Responses4xx,
        Responses5xx,
        Errors, // connect failures, resets and first-byte timeouts
        LatencyP50,
        LatencyP99,
        Active,
        Idle,
        Count
    };

    explicit ServiceTableModel(QObject *parent = nullptr);

    // QAbstractItemModel
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

public slots:
    // Same services and instances as before: dataChanged for the rows whose values changed.
    // Anything added, removed or reordered: one model reset.
    void applySnapshot(const ToolCapture::EngineSnapshot &snapshot);

private:
    struct ServiceRow {
        ServiceSnapshot service;
        InstanceTotals totals; // summed over the instances
        int reachableInstances = 0;
    };

    static ServiceRow makeRow(ServiceSnapshot service);
    bool sameStructure(const std::vector<ServiceSnapshot> &services) const;
    QVariant serviceData(const ServiceRow &row, Column column, int role) const;
    QVariant instanceData(const InstanceSnapshot &instance, Column column, int role) const;

    std::vector<ServiceRow> m_rows;
};

} // namespace ToolCapture
