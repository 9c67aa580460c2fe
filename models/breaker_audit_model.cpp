#include <models/breaker_audit_model.h>
#include <models/breakers_model.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace ToolCapture {

namespace {
constexpr int kColumnCount = int(BreakerAuditModel::Column::Count);
} // namespace

BreakerAuditModel::BreakerAuditModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void BreakerAuditModel::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("breakers") && !message.append)
        applyDocument(message.json);
}

bool BreakerAuditModel::applyDocument(const QByteArray &json) {
    const QJsonValue audit = QJsonDocument::fromJson(json).object().value(QLatin1String("audit"));
    if (!audit.isArray())
        return false;
    std::vector<Row> rows;
    for (const QJsonValue &item : audit.toArray()) {
        Row row;
        row.at = QDateTime::fromString(item[QLatin1String("at")].toString(), Qt::ISODateWithMs);
        row.instance = item[QLatin1String("instance")].toString();
        row.actor = item[QLatin1String("actor")].toString();
        row.reason = item[QLatin1String("reason")].toString();
        row.previousState = item[QLatin1String("previous_state")].toString();
        row.previousMode = item[QLatin1String("previous_mode")].toString();
        row.mode = item[QLatin1String("mode")].toString();
        rows.push_back(std::move(row));
    }
    if (rows == m_rows)
        return true;
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return true;
}

int BreakerAuditModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BreakerAuditModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : kColumnCount;
}

QVariant BreakerAuditModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const auto column = Column(index.column());
    if (role == Qt::ToolTipRole && column == Column::Time)
        return QLocale().toString(row.at.toLocalTime(), QLocale::LongFormat);
    if (role == Qt::ToolTipRole && column == Column::PreviousState)
        return tr("Mode before: %1").arg(BreakersModel::modeLabel(row.previousMode));
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Time:
        return QLocale().toString(row.at.toLocalTime().time(), QStringLiteral("HH:mm:ss.zzz"));
    case Column::Instance:
        return row.instance;
    case Column::Actor:
        return row.actor.isEmpty() ? tr("(not given)") : row.actor;
    case Column::PreviousState:
        return BreakersModel::stateLabel(row.previousState);
    case Column::Mode:
        return BreakersModel::modeLabel(row.mode);
    case Column::Reason:
        return row.reason;
    case Column::Count:
        break;
    }
    return {};
}

QVariant BreakerAuditModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Time:
        return tr("Time");
    case Column::Instance:
        return tr("Instance");
    case Column::Actor:
        return tr("Who");
    case Column::PreviousState:
        return tr("Before");
    case Column::Mode:
        return tr("Set to");
    case Column::Reason:
        return tr("Reason");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture
