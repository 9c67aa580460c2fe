#include <models/hook_event_model.h>

#include <QBrush>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

namespace ToolCapture {

namespace {

QJsonObject object(const QJsonObject &parent, const char *name) {
    return parent.value(QLatin1String(name)).toObject();
}

QString string(const QJsonObject &parent, const char *name) {
    return parent.value(QLatin1String(name)).toString();
}

} // namespace

HookEventModel::HookEventModel(QObject *parent)
    : CappedRowModel<QJsonObject>(parent) {}

HookEventModel::Kind HookEventModel::kindOf(const QJsonObject &event) {
    const QString type = string(event, "event_type");
    if (type == QLatin1String("execution_completed"))
        return Kind::Execution;
    if (type.startsWith(QLatin1String("service_")))
        return Kind::Lifecycle;
    if (type.startsWith(QLatin1String("tool_")))
        return Kind::Tool;
    return Kind::Other;
}

int HookEventModel::appendJsonArray(const QByteArray &json) {
    const QJsonArray items = QJsonDocument::fromJson(json).array();
    QList<QJsonObject> events;
    events.reserve(items.size());
    for (const QJsonValue &item : items) {
        QJsonObject event = item.toObject();
        if (event.value(QLatin1String("event")).isObject())
            event = object(event, "event");
        if (event.value(QLatin1String("event_type")).isString())
            events.append(std::move(event));
    }
    const int count = int(events.size());
    append(std::move(events));
    return count;
}

void HookEventModel::appendEvent(const QJsonObject &event) {
    if (event.value(QLatin1String("event_type")).isString())
        append({event});
}

int HookEventModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant HookEventModel::display(const QJsonObject &event, Column column) const {
    const Kind kind = kindOf(event);
    const QJsonObject pre = object(event, "pre_context");
    const QJsonObject results = object(event, "results");
    switch (column) {
    case Column::Time: {
        const QDateTime time =
            QDateTime::fromString(string(event, "timestamp"), Qt::ISODateWithMs).toLocalTime();
        return time.isValid() ? QLocale().toString(time.time(), QStringLiteral("HH:mm:ss.zzz"))
                              : QString();
    }
    case Column::Kind:
        switch (kind) {
        case Kind::Execution:
            return tr("Execution");
        case Kind::Lifecycle:
            return tr("Lifecycle");
        case Kind::Tool:
            return tr("Tool");
        case Kind::Other:
            return string(event, "event_type");
        }
        return {};
    case Column::Service:
        if (kind == Kind::Execution)
            return string(pre, "service_name");
        if (kind == Kind::Lifecycle)
            return string(object(event, "service_info"), "name");
        if (kind == Kind::Tool)
            return string(object(event, "tool_info"), "service_source");
        return {};
    case Column::Detail:
        if (kind == Kind::Execution)
            return string(pre, "operation");
        if (kind == Kind::Tool)
            return string(event, "event_type") + u' ' + string(object(event, "tool_info"), "name");
        return string(event, "event_type");
    case Column::Duration:
        if (kind != Kind::Execution)
            return {};
        return tr("%1 ms").arg(QLocale().toString(
            results.value(QLatin1String("execution_time_ms")).toDouble(), 'f', 1));
    case Column::Outcome:
        if (kind == Kind::Execution) {
            if (results.value(QLatin1String("success")).toBool())
                return tr("success");
            const QString error = string(results, "error");
            return error.isEmpty() ? tr("failure") : tr("failure: %1").arg(error);
        }
        if (kind == Kind::Lifecycle) {
            const QString status = string(event, "status");
            if (!status.isEmpty()) {
                const QString previous = string(event, "previous_status");
                return previous.isEmpty() ? status : previous + QStringLiteral(" → ") + status;
            }
            const QString action = string(object(event, "registration"), "action");
            return action.isEmpty() ? string(object(event, "service_info"), "version") : action;
        }
        if (kind == Kind::Tool)
            return string(event, "registration_method");
        return {};
    case Column::Count:
        break;
    }
    return {};
}

QVariant HookEventModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &event = row(index.row());
    const auto column = Column(index.column());
    const bool execution = kindOf(event) == Kind::Execution;
    const QJsonObject results = object(event, "results");
    switch (role) {
    case Qt::DisplayRole:
        return display(event, column);
    case Qt::ToolTipRole:
        return column == Column::Outcome || column == Column::Detail ? display(event, column)
                                                                     : QVariant();
    case Qt::ForegroundRole:
        // A failed execution in red text: readable on light and dark palettes alike.
        if (column == Column::Outcome && execution &&
            !results.value(QLatin1String("success")).toBool())
            return QBrush(Qt::red);
        return {};
    case Qt::TextAlignmentRole:
        if (column == Column::Duration)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case KindRole:
        return int(kindOf(event));
    case SuccessRole:
        return execution ? QVariant(results.value(QLatin1String("success")).toBool()) : QVariant();
    case DurationMsRole:
        return execution ? QVariant(results.value(QLatin1String("execution_time_ms")).toDouble())
                         : QVariant();
    case EventJsonRole:
        return QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Indented));
    default:
        return {};
    }
}

QVariant HookEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Time:
        return tr("Time");
    case Column::Kind:
        return tr("Kind");
    case Column::Service:
        return tr("Service");
    case Column::Detail:
        return tr("Operation / event");
    case Column::Duration:
        return tr("Duration");
    case Column::Outcome:
        return tr("Outcome");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture
