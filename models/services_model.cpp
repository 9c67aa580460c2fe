#include <models/services_model.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <utility>

namespace ToolCapture {

namespace {

// Instance rows carry their service's row + 1 as internal id; service rows carry 0.
constexpr quintptr kServiceRowId = 0;
constexpr int kColumnCount = int(ServicesModel::Column::Count);
constexpr int kFirstPart = int(ServicesModel::Column::Performance);

QString formatMs(double ms) {
    return ms < 10 ? QLocale().toString(ms, 'f', 2) + QStringLiteral(" ms")
                   : QLocale().toString(ms, 'f', 0) + QStringLiteral(" ms");
}

bool isBarColumn(ServicesModel::Column column) {
    return column >= ServicesModel::Column::Score && column <= ServicesModel::Column::Compatibility;
}

} // namespace

ServicesModel::ServicesModel(QObject *parent)
    : QAbstractItemModel(parent) {}

void ServicesModel::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("services") && !message.append)
        applyDocument(message.json);
}

bool ServicesModel::applyDocument(const QByteArray &json) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject() || !document.object().value(QLatin1String("services")).isArray())
        return false;
    std::vector<ServiceRow> rows;
    for (const QJsonValue &serviceValue :
         document.object().value(QLatin1String("services")).toArray()) {
        const QJsonObject service = serviceValue.toObject();
        ServiceRow row;
        row.name = service.value(QLatin1String("name")).toString();
        row.match = service.value(QLatin1String("match")).toString();
        row.ready = service.value(QLatin1String("ready")).toBool();
        const QJsonObject scores = service.value(QLatin1String("scores")).toObject();
        row.summary = scores.value(QLatin1String("summary")).toString();
        QHash<QString, QJsonObject> candidates;
        for (const QJsonValue &candidate : scores.value(QLatin1String("candidates")).toArray())
            candidates.insert(candidate[QLatin1String("id")].toString(), candidate.toObject());

        for (const QJsonValue &instanceValue :
             service.value(QLatin1String("instances")).toArray()) {
            const QJsonObject instance = instanceValue.toObject();
            InstanceRow i;
            i.id = instance.value(QLatin1String("id")).toString();
            i.url = instance.value(QLatin1String("url")).toString();
            i.reachable = instance.value(QLatin1String("reachable")).toBool(true);
            i.active = instance.value(QLatin1String("in_flight")).toInteger();
            i.requests = instance.value(QLatin1String("requests")).toInteger();
            const QJsonObject health = instance.value(QLatin1String("health")).toObject();
            i.checked = health.value(QLatin1String("checked")).toBool();
            i.healthy = health.value(QLatin1String("healthy")).toBool(true);
            i.ejected = health.value(QLatin1String("ejected")).toBool();
            i.healthReason = health.value(QLatin1String("ejection_reason")).toString();
            if (i.healthReason.isEmpty() && !i.healthy) {
                i.healthReason =
                    health[QLatin1String("last_check")][QLatin1String("error")].toString();
            }
            i.breakerState = instance[QLatin1String("breaker")][QLatin1String("state")].toString();
            const auto candidate = candidates.constFind(i.id);
            if (candidate != candidates.cend()) {
                const QJsonObject parts = candidate->value(QLatin1String("parts")).toObject();
                const QJsonValue latency =
                    candidate->value(QLatin1String("inputs"))[QLatin1String("latency_ms")];
                i.scored = true;
                i.score = candidate->value(QLatin1String("score")).toDouble();
                i.parts = {parts.value(QLatin1String("performance")).toDouble(),
                           parts.value(QLatin1String("reliability")).toDouble(),
                           parts.value(QLatin1String("load")).toDouble(),
                           parts.value(QLatin1String("compatibility")).toDouble()};
                i.latencyMs = latency.isDouble() ? latency.toDouble() : -1;
                i.excluded = candidate->value(QLatin1String("excluded")).toBool();
                i.reason = candidate->value(QLatin1String("reason")).toString();
            }
            row.instances.push_back(std::move(i));
        }
        rows.push_back(std::move(row));
    }

    if (!sameStructure(rows)) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return true;
    }
    for (size_t s = 0; s < rows.size(); ++s) {
        ServiceRow &current = m_rows[s];
        ServiceRow &next = rows[s];
        const bool serviceChanged = current.match != next.match || current.ready != next.ready ||
                                    current.summary != next.summary;
        int first = -1;
        int last = -1;
        for (size_t r = 0; r < next.instances.size(); ++r) {
            if (!(current.instances[r] == next.instances[r])) {
                first = first < 0 ? int(r) : first;
                last = int(r);
            }
        }
        current = std::move(next);
        const QModelIndex serviceIndex = index(int(s), 0);
        // Service rows sum their instances: they change whenever one of them does.
        if (serviceChanged || first >= 0)
            emit dataChanged(serviceIndex, index(int(s), kColumnCount - 1));
        if (first >= 0) {
            emit dataChanged(index(first, 0, serviceIndex),
                             index(last, kColumnCount - 1, serviceIndex));
        }
    }
    return true;
}

bool ServicesModel::sameStructure(const std::vector<ServiceRow> &rows) const {
    if (rows.size() != m_rows.size())
        return false;
    for (size_t s = 0; s < rows.size(); ++s) {
        if (rows[s].name != m_rows[s].name ||
            rows[s].instances.size() != m_rows[s].instances.size())
            return false;
        for (size_t i = 0; i < rows[s].instances.size(); ++i) {
            if (rows[s].instances[i].id != m_rows[s].instances[i].id)
                return false;
        }
    }
    return true;
}

QModelIndex ServicesModel::index(int row, int column, const QModelIndex &parent) const {
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kServiceRowId);
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex ServicesModel::parent(const QModelIndex &child) const {
    if (!child.isValid() || child.internalId() == kServiceRowId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kServiceRowId);
}

int ServicesModel::rowCount(const QModelIndex &parent) const {
    if (!parent.isValid())
        return int(m_rows.size());
    if (parent.internalId() != kServiceRowId || parent.column() != 0)
        return 0;
    return int(m_rows[size_t(parent.row())].instances.size());
}

int ServicesModel::columnCount(const QModelIndex &) const {
    return kColumnCount;
}

QVariant ServicesModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto column = Column(index.column());
    if (index.internalId() == kServiceRowId)
        return serviceData(m_rows[size_t(index.row())], column, role);
    const ServiceRow &service = m_rows[size_t(index.internalId() - 1)];
    return instanceData(service.instances[size_t(index.row())], column, role);
}

QVariant ServicesModel::serviceData(const ServiceRow &row, Column column, int role) const {
    if (role == IdRole)
        return row.name;
    qint64 active = 0;
    qint64 requests = 0;
    int healthy = 0;
    for (const InstanceRow &instance : row.instances) {
        active += instance.active;
        requests += instance.requests;
        healthy += instance.healthy && !instance.ejected ? 1 : 0;
    }
    if (role == ValueRole) {
        switch (column) {
        case Column::Active:
            return active;
        case Column::Requests:
            return requests;
        case Column::Health:
            return healthy;
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (column == Column::Name)
            return tr("Matches %1").arg(row.match);
        if (column == Column::Why)
            return row.summary;
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Name:
        return row.name;
    case Column::Health:
        return row.ready ? tr("%1 of %2 healthy").arg(healthy).arg(row.instances.size())
                         : tr("not ready");
    case Column::Active:
        return QLocale().toString(active);
    case Column::Requests:
        return QLocale().toString(requests);
    case Column::Why:
        return row.summary;
    default:
        return {};
    }
}

QVariant ServicesModel::instanceData(const InstanceRow &row, Column column, int role) const {
    switch (role) {
    case IdRole:
        return row.id;
    case ExcludedRole:
        return row.excluded;
    case BarRole:
        if (!isBarColumn(column) || !row.scored)
            return {};
        return column == Column::Score ? row.score : row.parts[size_t(int(column) - kFirstPart)];
    case ValueRole:
        switch (column) {
        case Column::Active:
            return row.active;
        case Column::Requests:
            return row.requests;
        case Column::Latency:
            return row.latencyMs < 0 ? QVariant() : QVariant(row.latencyMs);
        case Column::Health:
            return row.healthy && !row.ejected;
        default:
            return instanceData(row, column, BarRole);
        }
    case Qt::ToolTipRole:
        if (column == Column::Name)
            return row.url;
        if (column == Column::Health && !row.healthReason.isEmpty())
            return row.healthReason;
        if (column == Column::Why)
            return row.reason;
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (column) {
    case Column::Name:
        return row.id;
    case Column::Health:
        if (!row.checked)
            return row.reachable ? tr("not checked") : tr("unreachable");
        if (row.ejected)
            return tr("ejected");
        return row.healthy ? tr("healthy") : tr("unhealthy");
    case Column::Active:
        return QLocale().toString(row.active);
    case Column::Latency:
        return row.latencyMs < 0 ? tr("no sample") : formatMs(row.latencyMs);
    case Column::Score:
    case Column::Performance:
    case Column::Reliability:
    case Column::Load:
    case Column::Compatibility: {
        if (!row.scored)
            return {};
        const double value =
            column == Column::Score ? row.score : row.parts[size_t(int(column) - kFirstPart)];
        return QLocale().toString(value, 'f', 2);
    }
    case Column::Requests:
        return QLocale().toString(row.requests);
    case Column::Why:
        if (row.excluded)
            return row.reason.isEmpty() ? tr("excluded") : row.reason;
        if (row.ejected && !row.healthReason.isEmpty())
            return tr("ejected: %1").arg(row.healthReason);
        if (!row.healthy && !row.healthReason.isEmpty())
            return tr("unhealthy: %1").arg(row.healthReason);
        return {};
    default:
        return {};
    }
}

QVariant ServicesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Name:
        return tr("Service / instance");
    case Column::Health:
        return tr("Health");
    case Column::Active:
        return tr("Active");
    case Column::Latency:
        return tr("Latency (EWMA)");
    case Column::Score:
        return tr("Score");
    case Column::Performance:
        return tr("Latency part");
    case Column::Reliability:
        return tr("Reliability");
    case Column::Load:
        return tr("Load");
    case Column::Compatibility:
        return tr("Compatibility");
    case Column::Requests:
        return tr("Requests");
    case Column::Why:
        return tr("Routing");
    case Column::Count:
        break;
    }
    return {};
}

QModelIndex ServicesModel::instanceIndex(const QString &instanceId) const {
    for (size_t s = 0; s < m_rows.size(); ++s) {
        const auto &instances = m_rows[s].instances;
        for (size_t i = 0; i < instances.size(); ++i) {
            if (instances[i].id == instanceId)
                return index(int(i), 0, index(int(s), 0));
        }
    }
    return {};
}

} // namespace ToolCapture
