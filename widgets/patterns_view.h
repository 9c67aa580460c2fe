#pragma once

#include <models/patterns_model.h>

#include <QWidget>

#include <chrono>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTimer;

namespace ToolCapture {

class FeedTransport;

// What the analyser sees in the traffic (GET /api/v1/patterns and GET /api/v1/anomalies): for a
// window (1 min, 5 min, 1 h) and a service or all, each operation's requests, error rate, cache
// hit ratio, p50/p95/p99 (p99 as a bar against the slowest) and trend, anomalous operations
// highlighted; below, the anomalies the analyser has flagged. Reads again periodically while
// visible.
class PatternsView : public QWidget {
    Q_OBJECT
public:
    // `feed` carries the reads; it must outlive the view.
    explicit PatternsView(FeedTransport *feed, QWidget *parent = nullptr);

    // The view reads its own documents; it takes no feed subjects.
    static QStringList subjects() { return {}; }
    void apply(const FeedMessage &) {}

    PatternsModel *model() const { return m_model; }
    AnomaliesModel *anomaliesModel() const { return m_anomalies; }
    QTableView *table() const { return m_table; }
    QTableView *anomaliesTable() const { return m_anomaliesTable; }
    // "1m", "5m" or "1h".
    QString window() const;
    void setWindow(const QString &window);
    // The service shown; empty: all.
    QString service() const;
    void setService(const QString &service);
    // The state line (an error, what is missing); empty when fine.
    QString stateText() const;
    QString summaryText() const;
    void setRefreshInterval(std::chrono::milliseconds interval);

public slots:
    // Reads the patterns of the window and service, and the anomalies, again.
    void reload();

signals:
    // The patterns document was read (ok) or could not be (the error shown).
    void loaded(bool ok);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void loadPatterns();
    void loadAnomalies();
    void updateServices();
    void updateState();

    FeedTransport *m_feed;
    PatternsModel *m_model;
    AnomaliesModel *m_anomalies;
    QSortFilterProxyModel *m_proxy;
    QComboBox *m_windowBox;
    QComboBox *m_serviceBox;
    QCheckBox *m_activeOnly;
    QPushButton *m_refresh;
    QLabel *m_state;
    QLabel *m_summary;
    QTableView *m_table;
    QTableView *m_anomaliesTable;
    QLabel *m_anomaliesLabel;
    QSplitter *m_splitter;
    QTimer *m_timer;
    QStringList m_services; // every service seen in a document
    QString m_patternsError;
    QString m_anomaliesError;
    quint64 m_patternsGeneration = 0;
    quint64 m_anomaliesGeneration = 0;
    bool m_loading = false;
};

} // namespace ToolCapture
