#include <models/correlation_timeline_model.h>
#include <models/strict_json.h>

#include <QLocale>

namespace ToolCapture {

namespace {

const QStringList kKinds{QStringLiteral("request"),       QStringLiteral("response"),
                         QStringLiteral("communication"), QStringLiteral("hook.pre"),
                         QStringLiteral("hook.post"),     QStringLiteral("breaker"),
                         QStringLiteral("lifecycle"),     QStringLiteral("registration")};

} // namespace

CorrelationTimelineModel::CorrelationTimelineModel(QObject *parent)
    : QAbstractTableModel(parent) {}

bool CorrelationTimelineModel::setDocument(const QByteArray &json) {
    StrictJson reader;
    const QJsonObject document = reader.document(json);
    const QString id = reader.string(document, QStringLiteral("correlation_id"), {});
    const QJsonArray events = reader.array(document, QStringLiteral("events"), {});
    std::vector<Event> rows;
    rows.reserve(size_t(events.size()));
    for (qsizetype i = 0; reader.ok() && i < events.size(); ++i) {
        const QString path = StrictJson::indexed(QStringLiteral("events"), i);
        const QJsonObject e = reader.element(events.at(i), path);
        Event event;
        event.at = reader.string(e, QStringLiteral("at"), path);
        event.offsetMs = reader.number(e, QStringLiteral("offset_ms"), path);
        event.topic = reader.string(e, QStringLiteral("topic"), path);
        event.kind = reader.oneOf(e, QStringLiteral("kind"), path, kKinds);
        event.service = reader.optionalString(e, QStringLiteral("service"), path);
        event.instance = reader.optionalString(e, QStringLiteral("instance"), path);
        event.summary = reader.string(e, QStringLiteral("summary"), path);
        if (reader.ok() &&
            (event.offsetMs < 0 || (!rows.empty() && event.offsetMs < rows.back().offsetMs))) {
            reader.fail(StrictJson::join(path, QStringLiteral("offset_ms")),
                        tr("%1 is before the event ahead of it").arg(event.offsetMs));
        }
        rows.push_back(std::move(event));
    }
    if (!reader.ok()) {
        m_error = reader.error();
        return false;
    }
    m_error.clear();
    beginResetModel();
    m_rows = std::move(rows);
    m_correlationId = id;
    endResetModel();
    return true;
}

void CorrelationTimelineModel::clear() {
    beginResetModel();
    m_rows.clear();
    m_correlationId.clear();
    m_error.clear();
    endResetModel();
}

QString CorrelationTimelineModel::kindLabel(const QString &kind) {
    if (kind == u"request")
        return tr("request");
    if (kind == u"response")
        return tr("response");
    if (kind == u"communication")
        return tr("communication");
    if (kind == u"hook.pre")
        return tr("pre hook");
    if (kind == u"hook.post")
        return tr("post hook");
    if (kind == u"breaker")
        return tr("breaker");
    if (kind == u"lifecycle")
        return tr("lifecycle");
    if (kind == u"registration")
        return tr("registration");
    return kind;
}

int CorrelationTimelineModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CorrelationTimelineModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant CorrelationTimelineModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Event &e = m_rows[size_t(index.row())];
    const Column column = Column(index.column());
    if (role == FractionRole) {
        if (column != Column::Offset)
            return {};
        return spanMs() > 0 ? e.offsetMs / spanMs() : 0.0;
    }
    if (role == ValueRole) {
        switch (column) {
        case Column::Offset:
            return e.offsetMs;
        case Column::Topic:
            return e.topic;
        case Column::Kind:
            return e.kind;
        case Column::Service:
            return e.service;
        case Column::Instance:
            return e.instance;
        case Column::Summary:
            return e.summary;
        case Column::Count:
            break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole)
        return tr("%1 at %2").arg(e.topic, e.at);
    if (role == Qt::TextAlignmentRole && column == Column::Offset)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Offset:
        return tr("+%1 ms").arg(QLocale().toString(e.offsetMs, 'f', 1));
    case Column::Topic:
        return e.topic;
    case Column::Kind:
        return kindLabel(e.kind);
    case Column::Service:
        return e.service;
    case Column::Instance:
        return e.instance;
    case Column::Summary:
        return e.summary;
    case Column::Count:
        break;
    }
    return {};
}

QVariant CorrelationTimelineModel::headerData(int section, Qt::Orientation orientation,
                                              int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Offset:
        return tr("Offset");
    case Column::Topic:
        return tr("Topic");
    case Column::Kind:
        return tr("Kind");
    case Column::Service:
        return tr("Service");
    case Column::Instance:
        return tr("Instance");
    case Column::Summary:
        return tr("Summary");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture
