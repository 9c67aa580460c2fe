#pragma once

#include <models/capped_row_model.h>
#include <models/topic_record.h>

namespace ToolCapture {

// The records of one topic's live tail, oldest at the top, appended in batches and capped.
class TopicTailModel : public CappedRowModel<TopicRecord> {
    Q_OBJECT
public:
    enum class Column { Time, Partition, Offset, Key, EventType, Summary, Count };
    enum Role {
        // The record's key, value and headers as one text, for the text filter.
        SearchTextRole = Qt::UserRole + 1,
        CorrelationIdRole, // the value's correlation_id, or an empty string
    };

    // NOTE: a record holds its value and headers, about 2 KiB for a proxy event (heaptrack):
    // a tail keeps the newest 2 000, a few MiB.
    static constexpr int kDefaultCap = 2000;

    explicit TopicTailModel(QObject *parent = nullptr);

    // QAbstractItemModel
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
};

} // namespace ToolCapture
