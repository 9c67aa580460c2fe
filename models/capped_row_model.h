#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <deque>
#include <utility>

namespace ToolCapture {

// A table of rows that only ever grow at the bottom, for a console that runs for days: appended
// rows wait in a queue for one single-shot timer (GammaRay's EventModel), then the rows past the
// cap leave the top in one beginRemoveRows and the new ones arrive in one beginInsertRows.
// Derived classes provide columnCount(), data() and headerData() over row(i).
template<typename Row>
class CappedRowModel : public QAbstractTableModel {
public:
    static constexpr int kDefaultCap = 5000;

    explicit CappedRowModel(QObject *parent = nullptr)
        : QAbstractTableModel(parent) {
        m_flushTimer.setSingleShot(true);
        m_flushTimer.setInterval(std::chrono::milliseconds(100));
        QObject::connect(&m_flushTimer, &QTimer::timeout, this, [this] { flush(); });
    }

    // Queues rows, oldest first; they show at the next flush (at most ~100 ms later).
    void append(QList<Row> rows) {
        if (rows.isEmpty())
            return;
        m_pending.append(std::move(rows));
        // NOTE: only the newest `cap` pending rows can ever show; older ones go now, so a
        // stalled GUI thread does not queue without bound.
        if (m_pending.size() > m_cap) {
            m_dropped += m_pending.size() - m_cap;
            m_pending.remove(0, m_pending.size() - m_cap);
        }
        if (!m_flushTimer.isActive())
            m_flushTimer.start();
    }

    // Removes every row, shown or pending: one reset.
    void clear() {
        m_flushTimer.stop();
        m_pending.clear();
        beginResetModel();
        m_rows.clear();
        endResetModel();
    }

    // The most rows kept; older rows leave the top. At least 1.
    void setCap(int cap) {
        m_cap = std::max(1, cap);
        trimTo(m_cap);
    }
    int cap() const { return m_cap; }
    // Rows queued and not shown yet.
    int pendingCount() const { return int(m_pending.size()); }
    // Rows dropped at the top (or from the queue) because of the cap, since construction.
    qint64 droppedCount() const { return m_dropped; }

    const Row &row(int index) const { return m_rows[size_t(index)]; }

    int rowCount(const QModelIndex &parent = {}) const override {
        return parent.isValid() ? 0 : int(m_rows.size());
    }

protected:
    // Shows the queued rows now.
    void flush() {
        if (m_pending.isEmpty())
            return;
        QList<Row> incoming = std::exchange(m_pending, {});
        trimTo(m_cap - int(incoming.size()));
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(incoming.size()) - 1);
        for (Row &row : incoming)
            m_rows.push_back(std::move(row));
        endInsertRows();
    }

private:
    void trimTo(int keep) {
        keep = std::max(0, keep);
        const int excess = int(m_rows.size()) - keep;
        if (excess <= 0)
            return;
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
        m_dropped += excess;
    }

    std::deque<Row> m_rows;
    QList<Row> m_pending;
    QTimer m_flushTimer;
    int m_cap = kDefaultCap;
    qint64 m_dropped = 0;
};

} // namespace ToolCapture
