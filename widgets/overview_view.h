#pragma once

#include <backend/feed/feed_message.h>
#include <models/overview_series.h>

#include <QWidget>

#include <chrono>

class QChart;
class QChartView;
class QComboBox;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace ToolCapture {

// The overview: requests per second, p50 and p99 latency and error rate over the last minutes,
// for all services or one, as three charts. Redraws on a timer, only while visible and only
// when the series changed.
class OverviewView : public QWidget {
    Q_OBJECT
public:
    explicit OverviewView(QWidget *parent = nullptr);

    static QStringList subjects() { return OverviewSeries::subjects(); }
    void apply(const FeedMessage &message);

    const OverviewSeries &series() const { return m_series; }
    void setRefreshInterval(std::chrono::milliseconds interval);
    // The service shown; empty: all.
    QString service() const;
    void setService(const QString &service);

    QLineSeries *requestsLine() const { return m_requests; }
    QLineSeries *p50Line() const { return m_p50; }
    QLineSeries *p99Line() const { return m_p99; }
    QLineSeries *errorLine() const { return m_errors; }

public slots:
    // Copies the series' points into the charts unless hidden or unchanged.
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Chart {
        QChartView *view;
        QValueAxis *x;
        QValueAxis *y;
    };
    Chart makeChart(const QString &title, const QString &unit,
                    std::initializer_list<QLineSeries *> lines);
    void updateServices();
    void applyPalette();

    OverviewSeries m_series;
    QComboBox *m_serviceBox;
    QLineSeries *m_requests;
    QLineSeries *m_p50;
    QLineSeries *m_p99;
    QLineSeries *m_errors;
    QList<Chart> m_charts;
    QTimer *m_timer;
    quint64 m_shownRevision = 0;
    QString m_shownService;
    bool m_shownOnce = false;
};

} // namespace ToolCapture
