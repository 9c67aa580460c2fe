#pragma once

#include <backend/feed/feed_message.h>
#include <models/capture_summary.h>

#include <QAbstractTableModel>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <deque>

namespace ToolCapture {

class FeedTransport;

// The live list of captured exchanges, oldest at the top and newest at the bottom. New ones
// arrive from the feed's `captures` subject, are queued and inserted in one batch at most every
// 100 ms (GammaRay's EventModel); past the cap the oldest rows go in one removal. Older history
// pages in at the top through fetchMore() (GET /api/v1/captures?before_id=…), narrowed by the
// history query the filter gives. When the feed says items were lost (a remote console fell
// behind the engine's ring, or its connection came back) the rows go and the newest page is
// loaded again, as on the first subscription. Lives in the GUI thread.
class CaptureListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column {
        Id,
        Time,
        Method,
        Service,
        Instance,
        Target, // path and query
        Status,
        Duration,
        ResponseSize,
        Attempts,
        CorrelationId,
        Count
    };
    enum Role {
        CaptureIdRole = Qt::UserRole + 1, // qint64
        CorrelationIdRole,                // QString
    };

    // NOTE: about 550 bytes a row (heaptrack under load): 10 000 rows keep the list near 6 MiB
    // and reach the cap within seconds under load, so memory levels off early; older captures
    // are the store's, reached through the filter's history query.
    static constexpr int kDefaultCap = 10000;
    static constexpr int kHistoryPage = 200;
    static constexpr std::chrono::milliseconds kBatchInterval{100};

    explicit CaptureListModel(FeedTransport *transport, QObject *parent = nullptr);
    ~CaptureListModel() override;

    static QString subject() { return QStringLiteral("captures"); }
    // A batch of the `captures` subject; other messages are ignored.
    void apply(const FeedMessage &message);

    int cap() const { return m_cap; }
    void setCap(int cap); // trims at once when lowered

    // While paused, new captures wait (at most the cap of them) and go in on resume.
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    int pendingCount() const { return int(m_pending.size()); }

    // Drops every row and what waits; history does not page back in below what was cleared.
    void clear();
    // The capture API filters for history pages (CaptureFilter::serverQuery()). A change drops
    // the rows (they were paged in with other filters) and pages in again from the newest.
    void setHistoryQuery(const QList<QPair<QString, QString>> &query);
    // Drops the rows and what waits and pages in the newest history again (fetchMore()), as
    // on the first subscription: called when the feed lost append items. While paused, done
    // on resume.
    void reload();
    bool isFetching() const { return m_fetching; }
    bool historyExhausted() const { return m_historyExhausted; }

    const CaptureSummary &summaryAt(int row) const { return m_rows.at(size_t(row)); }
    // The row of a capture id or correlation id, -1 when not in the list.
    int rowOf(const QString &idOrCorrelationId) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

signals:
    // A history page could not be read; paging stops until the next history query or clear.
    void historyFailed(const QString &error);
    void historyLoaded(int rows);

private:
    void flushPending();
    // Shares the text of the few distinct values of the low-cardinality fields between rows.
    void intern(CaptureSummary &summary);
    void insertHistory(QList<CaptureSummary> newestFirst, bool more);

    QPointer<FeedTransport> m_transport;
    std::deque<CaptureSummary> m_rows;
    std::deque<CaptureSummary> m_pending;
    QTimer m_batchTimer;
    QSet<QString> m_strings; // see intern(); bounded by the distinct values seen
    int m_cap = kDefaultCap;
    bool m_paused = false;
    bool m_reloadOnResume = false;
    qint64 m_floorId = 0; // cleared at or below this id
    qint64 m_newestSeen = 0;
    QList<QPair<QString, QString>> m_historyQuery;
    bool m_fetching = false;
    bool m_historyExhausted = false;
    quint64 m_generation = 0; // a history answer of an older generation is dropped
};

} // namespace ToolCapture
