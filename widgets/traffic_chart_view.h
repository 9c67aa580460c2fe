#pragma once

#include <QChartView>

#include <chrono>

class QLineSeries;
class QTimer;
class QValueAxis;

namespace ToolCapture {

class TrafficSeries;

// Requests per second over the last two minutes as a line chart. Redraws from a TrafficSeries
// on a timer, only while visible and only when the series changed.
class TrafficChartView : public QChartView {
    Q_OBJECT
public:
    // series must outlive the view.
    explicit TrafficChartView(const TrafficSeries *series, QWidget *parent = nullptr);

    void setRefreshInterval(std::chrono::milliseconds interval);
    QLineSeries *lineSeries() const { return m_line; }
    QValueAxis *timeAxis() const { return m_timeAxis; }
    QValueAxis *rateAxis() const { return m_rateAxis; }

public slots:
    // Copies the series' points into the chart unless hidden or unchanged.
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;

private:
    const TrafficSeries *m_series;
    QLineSeries *m_line;
    QValueAxis *m_timeAxis;
    QValueAxis *m_rateAxis;
    QTimer *m_timer;
    quint64 m_shownRevision = 0;
    bool m_shownOnce = false;
};

} // namespace ToolCapture
