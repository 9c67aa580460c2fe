#include <models/hook_tool_model.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace ToolCapture {

HookToolModel::HookToolModel(QObject *parent)
    : QAbstractTableModel(parent) {}

bool HookToolModel::applyDocument(const QByteArray &json) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    const QJsonValue tools = document.object().value(QLatin1String("tools"));
    if (!tools.isArray())
        return false;
    std::vector<ToolRow> rows;
    for (const QJsonValue &item : tools.toArray()) {
        const QJsonObject tool = item.toObject();
        ToolRow row;
        row.name = tool.value(QLatin1String("name")).toString();
        row.service = tool.value(QLatin1String("service_source")).toString();
        for (const QJsonValue &capability : tool.value(QLatin1String("capabilities")).toArray())
            row.capabilities.append(capability.toString());
        row.method = tool.value(QLatin1String("registration_method")).toString();
        row.registrations = qint64(tool.value(QLatin1String("registrations")).toDouble());
        row.lastSeen = tool.value(QLatin1String("last_seen")).toString();
        row.lastEventType = tool.value(QLatin1String("last_event_type")).toString();
        rows.push_back(std::move(row));
    }
    const bool sameTools =
        rows.size() == m_rows.size() &&
        std::equal(rows.begin(), rows.end(), m_rows.begin(),
                   [](const ToolRow &a, const ToolRow &b) { return a.name == b.name; });
    if (!sameTools) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return true;
    }
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i] == m_rows[i])
            continue;
        m_rows[i] = std::move(rows[i]);
        emit dataChanged(index(int(i), 0), index(int(i), int(Column::Count) - 1));
    }
    return true;
}

int HookToolModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HookToolModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant HookToolModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ToolRow &row = m_rows[size_t(index.row())];
    const auto column = Column(index.column());
    if (role == Qt::TextAlignmentRole && column == Column::Registrations)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && column == Column::LastSeen)
        return row.lastEventType;
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Name:
        return row.name;
    case Column::Service:
        return row.service;
    case Column::Capabilities:
        return row.capabilities.join(QLatin1String(", "));
    case Column::Method:
        return row.method;
    case Column::Registrations:
        return QLocale().toString(row.registrations);
    case Column::LastSeen: {
        const QDateTime time = QDateTime::fromString(row.lastSeen, Qt::ISODateWithMs);
        return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat)
                              : row.lastSeen;
    }
    case Column::Count:
        break;
    }
    return {};
}

QVariant HookToolModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Name:
        return tr("Tool");
    case Column::Service:
        return tr("Service");
    case Column::Capabilities:
        return tr("Capabilities");
    case Column::Method:
        return tr("Registration");
    case Column::Registrations:
        return tr("Registrations");
    case Column::LastSeen:
        return tr("Last seen");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture
