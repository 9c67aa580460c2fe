#pragma once

#include <backend/feed/feed_message.h>
#include <models/cache_entry_model.h>
#include <models/cache_stats_series.h>

#include <QWidget>

#include <chrono>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QMessageBox;
class QPushButton;
class QTableView;
class QTimer;
class QValueAxis;

namespace ToolCapture {

class FeedTransport;

// The response cache: hits, misses and stale answers per second for all services or one (a
// chart from the feed's "cache" documents), the service's totals, and the entries (key,
// service, size, age, TTL left, TTL source, hits) paged in from the engine, filtered by service
// and key prefix, refreshable. Purge the selected key, the keys with the prefix, or everything
// (of the chosen service), each after a confirmation. The chart redraws on a timer, only while
// visible and only when the series changed.
class CacheView : public QWidget {
    Q_OBJECT
public:
    // `feed` carries the listing and the purges; it must outlive the view.
    explicit CacheView(FeedTransport *feed, QWidget *parent = nullptr);

    static QStringList subjects() { return CacheStatsSeries::subjects(); }
    void apply(const FeedMessage &message);

    const CacheStatsSeries &series() const { return m_series; }
    CacheEntryModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QLineSeries *hitsLine() const { return m_hits; }
    QLineSeries *missesLine() const { return m_misses; }
    QLineSeries *staleLine() const { return m_stale; }
    QLabel *summary() const { return m_summary; }
    void setRefreshInterval(std::chrono::milliseconds interval);

    // The service shown and listed; empty: all.
    QString service() const;
    void setService(const QString &service);
    void setPrefix(const QString &prefix);

    // Opens the confirmation for a purge of the selected key, the prefix's keys, or all (of the
    // chosen service); the purge is sent once it is accepted. Null when there is nothing to
    // purge in that scope (no selection, no prefix).
    QMessageBox *requestPurge(CacheEntryModel::PurgeScope scope);

public slots:
    // Copies the series' points into the chart unless hidden or unchanged.
    void refresh();
    // Reads the entries again from the first page.
    void reloadEntries();

signals:
    // What happened, for the status bar.
    void message(const QString &text);

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateServices();
    void updateSummary();
    void updateButtons();
    void applyPalette();
    void applyFilter();

    CacheStatsSeries m_series;
    CacheEntryModel *m_model;
    QComboBox *m_serviceBox;
    QLineEdit *m_prefixEdit;
    QPushButton *m_refreshButton;
    QPushButton *m_purgeSelected;
    QPushButton *m_purgePrefix;
    QPushButton *m_purgeAll;
    QLabel *m_summary;
    QLabel *m_state;
    QTableView *m_table;
    QChartView *m_chartView;
    QValueAxis *m_x;
    QValueAxis *m_y;
    QLineSeries *m_hits;
    QLineSeries *m_misses;
    QLineSeries *m_stale;
    QTimer *m_timer;
    quint64 m_shownRevision = 0;
    QString m_shownService;
    bool m_shownOnce = false;
    bool m_loadedOnce = false;
};

} // namespace ToolCapture
