#include <models/service_table_model.h>

#include <QBrush>
#include <QColor>

#include <utility>

namespace ToolCapture {

namespace {

// Instance rows carry their service's row + 1 as internal id; service rows carry 0.
constexpr quintptr kServiceRowId = 0;

constexpr int kColumnCount = int(ServiceTableModel::Column::Count);

bool hasLatencySamples(const InstanceTotals &totals) {
    for (std::uint64_t n : totals.latencyBuckets) {
        if (n != 0)
            return true;
    }
    return false;
}

std::uint64_t errorCount(const InstanceTotals &totals) {
    return totals.connectFailures + totals.resets + totals.firstByteTimeouts;
}

void addTotals(InstanceTotals &sum, const InstanceTotals &add) {
    for (size_t i = 0; i < sum.responses.size(); ++i)
        sum.responses[i] += add.responses[i];
    for (size_t i = 0; i < sum.latencyBuckets.size(); ++i)
        sum.latencyBuckets[i] += add.latencyBuckets[i];
    sum.connectFailures += add.connectFailures;
    sum.resets += add.resets;
    sum.firstByteTimeouts += add.firstByteTimeouts;
    sum.connectionsOpened += add.connectionsOpened;
    sum.bytesToUpstream += add.bytesToUpstream;
    sum.bytesFromUpstream += add.bytesFromUpstream;
    sum.latencySumMicros += add.latencySumMicros;
    sum.poolActive += add.poolActive;
    sum.poolIdle += add.poolIdle;
    sum.inFlight += add.inFlight;
}

// Whether anything the model shows differs between two totals.
bool sameShownTotals(const InstanceTotals &a, const InstanceTotals &b) {
    return a.responses == b.responses && a.latencyBuckets == b.latencyBuckets &&
           a.connectFailures == b.connectFailures && a.resets == b.resets &&
           a.firstByteTimeouts == b.firstByteTimeouts && a.poolActive == b.poolActive &&
           a.poolIdle == b.poolIdle;
}

bool sameShownInstance(const InstanceSnapshot &a, const InstanceSnapshot &b) {
    return a.url == b.url && a.reachable == b.reachable && a.capabilities == b.capabilities &&
           sameShownTotals(a.totals, b.totals);
}

// Numeric value of a counter column, for display and for Qt::UserRole (sorting, tests).
QVariant counterValue(const InstanceTotals &totals, ServiceTableModel::Column column) {
    using Column = ServiceTableModel::Column;
    switch (column) {
    case Column::Requests:
        return QVariant::fromValue<qulonglong>(totals.responseCount() + errorCount(totals));
    case Column::Responses2xx:
        return QVariant::fromValue<qulonglong>(totals.responses[2]);
    case Column::Responses4xx:
        return QVariant::fromValue<qulonglong>(totals.responses[4]);
    case Column::Responses5xx:
        return QVariant::fromValue<qulonglong>(totals.responses[5]);
    case Column::Errors:
        return QVariant::fromValue<qulonglong>(errorCount(totals));
    case Column::LatencyP50:
        return hasLatencySamples(totals) ? totals.latencyQuantileMs(0.5) : QVariant();
    case Column::LatencyP99:
        return hasLatencySamples(totals) ? totals.latencyQuantileMs(0.99) : QVariant();
    case Column::Active:
        return QVariant::fromValue<qlonglong>(totals.poolActive);
    case Column::Idle:
        return QVariant::fromValue<qlonglong>(totals.poolIdle);
    default:
        return {};
    }
}

QString displayCounter(const QVariant &value, ServiceTableModel::Column column) {
    using Column = ServiceTableModel::Column;
    if (!value.isValid())
        return {};
    if (column == Column::LatencyP50 || column == Column::LatencyP99)
        return QString::number(value.toDouble(), 'f', 1);
    return value.toString();
}

bool isNumeric(ServiceTableModel::Column column) {
    return column >= ServiceTableModel::Column::Requests;
}

// Emits one dataChanged per run of consecutive changed rows under parent.
template<typename Changed>
void emitChangedRuns(ServiceTableModel *model, const QModelIndex &parent, int rows,
                     Changed changed) {
    int first = -1;
    for (int row = 0; row <= rows; ++row) {
        const bool isChanged = row < rows && changed(row);
        if (isChanged && first < 0)
            first = row;
        if (!isChanged && first >= 0) {
            emit model->dataChanged(model->index(first, 0, parent),
                                    model->index(row - 1, kColumnCount - 1, parent));
            first = -1;
        }
    }
}

} // namespace

ServiceTableModel::ServiceTableModel(QObject *parent)
    : QAbstractItemModel(parent) {}

QModelIndex ServiceTableModel::index(int row, int column, const QModelIndex &parent) const {
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kServiceRowId);
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex ServiceTableModel::parent(const QModelIndex &child) const {
    if (!child.isValid() || child.internalId() == kServiceRowId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kServiceRowId);
}

int ServiceTableModel::rowCount(const QModelIndex &parent) const {
    if (!parent.isValid())
        return int(m_rows.size());
    if (parent.column() != 0 || parent.internalId() != kServiceRowId)
        return 0;
    return int(m_rows[size_t(parent.row())].service.instances.size());
}

int ServiceTableModel::columnCount(const QModelIndex &) const {
    return kColumnCount;
}

QVariant ServiceTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto column = Column(index.column());
    if (index.internalId() == kServiceRowId)
        return serviceData(m_rows[size_t(index.row())], column, role);
    const ServiceRow &row = m_rows[size_t(index.internalId() - 1)];
    return instanceData(row.service.instances[size_t(index.row())], column, role);
}

QVariant ServiceTableModel::serviceData(const ServiceRow &row, Column column, int role) const {
    const int instances = int(row.service.instances.size());
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Column::Name:
            return row.service.name;
        case Column::Url:
            return row.service.match;
        case Column::Reachable:
            return tr("%1 of %2").arg(row.reachableInstances).arg(instances);
        default:
            return displayCounter(counterValue(row.totals, column), column);
        }
    case Qt::UserRole:
        if (column == Column::Reachable)
            return row.reachableInstances;
        return isNumeric(column) ? counterValue(row.totals, column) : QVariant();
    case Qt::TextAlignmentRole:
        if (isNumeric(column) || column == Column::Reachable)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (column == Column::Reachable && row.reachableInstances == 0 && instances > 0)
            return QBrush(QColor(0xc0, 0x39, 0x2b));
        return {};
    default:
        return {};
    }
}

QVariant ServiceTableModel::instanceData(const InstanceSnapshot &instance, Column column,
                                         int role) const {
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Column::Name:
            return instance.id;
        case Column::Url:
            return instance.url;
        case Column::Reachable:
            return instance.reachable ? tr("yes") : tr("no");
        default:
            return displayCounter(counterValue(instance.totals, column), column);
        }
    case Qt::UserRole:
        if (column == Column::Reachable)
            return instance.reachable;
        return isNumeric(column) ? counterValue(instance.totals, column) : QVariant();
    case Qt::TextAlignmentRole:
        if (isNumeric(column) || column == Column::Reachable)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (column == Column::Reachable && !instance.reachable)
            return QBrush(QColor(0xc0, 0x39, 0x2b));
        return {};
    case Qt::ToolTipRole:
        if (column == Column::Name && !instance.capabilities.isEmpty())
            return tr("Capabilities: %1").arg(instance.capabilities.join(QLatin1String(", ")));
        return {};
    default:
        return {};
    }
}

QVariant ServiceTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= kColumnCount)
        return {};
    if (role == Qt::TextAlignmentRole && isNumeric(Column(section)))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Name:
        return tr("Service / Instance");
    case Column::Url:
        return tr("URL");
    case Column::Reachable:
        return tr("Reachable");
    case Column::Requests:
        return tr("Requests");
    case Column::Responses2xx:
        return tr("2xx");
    case Column::Responses4xx:
        return tr("4xx");
    case Column::Responses5xx:
        return tr("5xx");
    case Column::Errors:
        return tr("Errors");
    case Column::LatencyP50:
        return tr("p50 ms");
    case Column::LatencyP99:
        return tr("p99 ms");
    case Column::Active:
        return tr("Active");
    case Column::Idle:
        return tr("Idle");
    case Column::Count:
        break;
    }
    return {};
}

ServiceTableModel::ServiceRow ServiceTableModel::makeRow(ServiceSnapshot service) {
    ServiceRow row;
    for (const InstanceSnapshot &instance : service.instances) {
        addTotals(row.totals, instance.totals);
        if (instance.reachable)
            ++row.reachableInstances;
    }
    row.service = std::move(service);
    return row;
}

bool ServiceTableModel::sameStructure(const std::vector<ServiceSnapshot> &services) const {
    if (services.size() != m_rows.size())
        return false;
    for (size_t i = 0; i < services.size(); ++i) {
        const ServiceSnapshot &mine = m_rows[i].service;
        if (mine.name != services[i].name || mine.instances.size() != services[i].instances.size())
            return false;
        for (size_t j = 0; j < mine.instances.size(); ++j) {
            if (mine.instances[j].id != services[i].instances[j].id)
                return false;
        }
    }
    return true;
}

void ServiceTableModel::applySnapshot(const EngineSnapshot &snapshot) {
    std::vector<ServiceRow> rows;
    rows.reserve(snapshot.services.size());
    for (const ServiceSnapshot &service : snapshot.services)
        rows.push_back(makeRow(service));

    if (!sameStructure(snapshot.services)) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }

    std::swap(m_rows, rows); // rows now holds the previous values
    const auto &previous = rows;
    const int serviceCount = int(m_rows.size());
    emitChangedRuns(this, {}, serviceCount, [&](int row) {
        const ServiceRow &now = m_rows[size_t(row)];
        const ServiceRow &before = previous[size_t(row)];
        return now.service.match != before.service.match ||
               now.reachableInstances != before.reachableInstances ||
               !sameShownTotals(now.totals, before.totals);
    });
    for (int row = 0; row < serviceCount; ++row) {
        const auto &now = m_rows[size_t(row)].service.instances;
        const auto &before = previous[size_t(row)].service.instances;
        emitChangedRuns(this, index(row, 0), int(now.size()), [&](int child) {
            return !sameShownInstance(now[size_t(child)], before[size_t(child)]);
        });
    }
}

} // namespace ToolCapture
