#include <models/topic_tail_model.h>

#include <QDateTime>
#include <QLocale>

namespace ToolCapture {

TopicTailModel::TopicTailModel(QObject *parent)
    : CappedRowModel<TopicRecord>(parent) {
    setCap(kDefaultCap);
}

int TopicTailModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant TopicTailModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TopicRecord &record = row(index.row());
    const auto column = Column(index.column());
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Column::Time:
            if (record.timestampMs < 0)
                return {};
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(record.timestampMs).time(),
                                      QStringLiteral("HH:mm:ss.zzz"));
        case Column::Partition:
            return record.partition;
        case Column::Offset:
            return record.offset;
        case Column::Key:
            return record.key;
        case Column::EventType:
            return record.eventType;
        case Column::Summary:
            return record.summary;
        case Column::Count:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        if (column == Column::Time && record.timestampMs >= 0) {
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(record.timestampMs),
                                      QLocale::LongFormat);
        }
        if (column == Column::Summary || column == Column::Key)
            return data(index, Qt::DisplayRole);
        return {};
    case Qt::TextAlignmentRole:
        if (column == Column::Partition || column == Column::Offset)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SearchTextRole: {
        QString text = record.key + u'\n' + QString::fromUtf8(record.value);
        for (const auto &[name, value] : record.headers)
            text += u'\n' + name + u'=' + value;
        return text;
    }
    case CorrelationIdRole:
        return record.correlationId;
    default:
        return {};
    }
}

QVariant TopicTailModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Time:
        return tr("Time");
    case Column::Partition:
        return tr("Partition");
    case Column::Offset:
        return tr("Offset");
    case Column::Key:
        return tr("Key");
    case Column::EventType:
        return tr("Event");
    case Column::Summary:
        return tr("Summary");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture
