#pragma once

#include <backend/feed/feed_message.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <deque>
#include <vector>

namespace ToolCapture {

// The breaker transitions the console has seen, oldest first, capped: what tripped, what the
// operator forced (the cause says "forced open by operator") and when. Fed by the feed's
// "transitions" batches, and once from the history in the first "breakers" document; rows are
// appended in batches, one insert per flush.
class BreakerTransitionsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Time, Instance, From, To, Cause, Count };
    enum Role { StateRole = Qt::UserRole + 1, InstanceRole };

    static constexpr int kDefaultCap = 1000;
    static constexpr std::chrono::milliseconds kFlushInterval{100};

    explicit BreakerTransitionsModel(QObject *parent = nullptr, int cap = kDefaultCap);

    static QStringList subjects() {
        return {QStringLiteral("transitions"), QStringLiteral("breakers")};
    }
    void apply(const FeedMessage &message);
    // Queues the items of a "transitions" batch (a JSON array); they appear at the next flush.
    void appendBatch(const QByteArray &jsonArray);
    // Takes the "recent_transitions" of a breakers document as history, once, while the model
    // has seen nothing else.
    void seedFromBreakers(const QByteArray &json);
    // Inserts what is queued now (the timer calls it).
    void flush();
    // Removes every row and everything queued: one reset.
    void clear();

    int cap() const { return m_cap; }
    int pendingCount() const { return int(m_pending.size()); }

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QDateTime at;
        QString instance;
        QString from;
        QString to;
        QString cause;
        bool operator==(const Row &) const = default;
    };

    void enqueue(const QJsonArray &items);
    bool isKnown(const Row &row) const;

    int m_cap;
    std::deque<Row> m_rows;
    std::vector<Row> m_pending;
    QTimer m_flushTimer;
    bool m_seen = false; // anything queued yet: history from a breakers document comes first
};

} // namespace ToolCapture
