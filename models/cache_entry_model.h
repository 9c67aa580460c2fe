#pragma once

#include <QAbstractTableModel>
#include <QPointer>
#include <QString>

#include <vector>

namespace ToolCapture {

class FeedTransport;

// The response cache's entries as a table (key, service, size, age, TTL left, TTL source, hits,
// status), read page by page through the admin API (GET /api/v1/cache) with fetchMore(),
// narrowed by a service and a key prefix; reload() reads them again from the first page. Purges
// go the same way (DELETE /api/v1/cache) and reload when done. Ages and TTLs are the engine's
// at the moment the page was read. Lives in the GUI thread.
class CacheEntryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Key, Service, Size, Age, TtlLeft, TtlSource, Hits, Status, Count };
    enum Role {
        ValueRole = Qt::UserRole + 1, // the number or text behind a cell (sorting, tests)
        KeyRole,                      // the entry's key on every column
    };
    enum class PurgeScope { All, Key, Prefix, Service };

    static constexpr int kPage = 200;
    static constexpr int kCap = 10000;

    explicit CacheEntryModel(FeedTransport *transport, QObject *parent = nullptr);

    // Only this service's entries (empty: all) whose key starts with `prefix` (empty: any);
    // a change reloads.
    void setFilter(const QString &service, const QString &prefix);
    QString service() const { return m_service; }
    QString prefix() const { return m_prefix; }
    // Drops the rows and reads the first page again.
    void reload();
    // Asks the engine to purge; emits purged() or purgeFailed(), then reloads.
    void purge(PurgeScope scope, const QString &value = {});

    bool isFetching() const { return m_fetching; }
    // The engine said it has no response cache (404 on the listing).
    bool cacheMissing() const { return m_cacheMissing; }
    QString keyAt(int row) const { return m_rows.at(size_t(row)).key; }

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // "1.5 KiB", "12 s", "3 min 20 s": the cells' display forms.
    static QString formatBytes(qint64 bytes);
    static QString formatSeconds(qint64 seconds);

signals:
    // A page came in (`rows` new rows; 0 only at the end: an empty page that is not the last
    // is followed by the next at once).
    void pageLoaded(int rows);
    void loadFailed(const QString &error);
    void purged(int entries);
    void purgeFailed(const QString &error);

private:
    struct Row {
        QString key;
        QString service;
        qint64 bytes = 0;
        qint64 ageSeconds = 0;
        qint64 ttlLeftSeconds = 0;
        QString ttlSource;
        qint64 hits = 0;
        int status = 0;
    };

    QPointer<FeedTransport> m_transport;
    std::vector<Row> m_rows;
    QString m_service;
    QString m_prefix;
    QByteArray m_cursor; // empty with rows: the listing is at its end
    bool m_fetching = false;
    bool m_exhausted = false;
    bool m_cacheMissing = false;
    quint64 m_generation = 0; // an answer of an older generation is dropped
};

} // namespace ToolCapture
