#include <models/traffic_series.h>
#include <widgets/traffic_chart_view.h>

#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

// The smallest of 1, 2, 5 × 10^k at or above value, so the axis ticks stay round.
double niceCeiling(double value) {
    if (value <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * magnitude >= value)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

TrafficChartView::TrafficChartView(const TrafficSeries *series, QWidget *parent)
    : QChartView(parent)
    , m_series(series)
    , m_line(new QLineSeries)
    , m_timeAxis(new QValueAxis)
    , m_rateAxis(new QValueAxis)
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("trafficChart"));
    auto *chart = new QChart;
    chart->setTitle(tr("Requests per second"));
    chart->legend()->hide();
    chart->addSeries(m_line);
    m_line->setName(tr("Requests per second"));
    m_timeAxis->setTitleText(tr("Uptime (s)"));
    m_timeAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_timeAxis->setTickType(QValueAxis::TicksDynamic);
    m_timeAxis->setTickInterval(1);
    m_rateAxis->setTitleText(tr("req/s"));
    m_rateAxis->setLabelFormat(QStringLiteral("%g"));
    m_rateAxis->setRange(0, 1);
    m_timeAxis->setRange(0, 1);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_rateAxis, Qt::AlignLeft);
    m_line->attachAxis(m_timeAxis);
    m_line->attachAxis(m_rateAxis);
    // The view owns the chart, the chart the series and axes. setChart() does not delete the
    // chart the view was constructed with: that is ours to delete.
    QChart *initial = this->chart();
    setChart(chart);
    delete initial;
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);

    m_timer->setInterval(std::chrono::milliseconds(500));
    connect(m_timer, &QTimer::timeout, this, &TrafficChartView::refresh);
    m_timer->start();
}

void TrafficChartView::setRefreshInterval(std::chrono::milliseconds interval) {
    m_timer->setInterval(interval);
}

void TrafficChartView::showEvent(QShowEvent *event) {
    QChartView::showEvent(event);
    refresh(); // catch up at once with what changed while hidden
}

void TrafficChartView::refresh() {
    if (!isVisible())
        return;
    if (m_shownOnce && m_series->revision() == m_shownRevision)
        return;
    m_shownOnce = true;
    m_shownRevision = m_series->revision();

    const QList<QPointF> &points = m_series->points();
    m_line->replace(points);
    if (points.isEmpty()) {
        m_timeAxis->setRange(0, 1);
        m_rateAxis->setRange(0, 1);
        return;
    }
    const double first = points.constFirst().x();
    const double last = std::max(points.constLast().x(), first + 1);
    m_timeAxis->setRange(first, last);
    // Ticks on round seconds, about six of them, whatever the window's start.
    m_timeAxis->setTickAnchor(0);
    m_timeAxis->setTickInterval(niceCeiling((last - first) / 6));
    m_rateAxis->setRange(0, niceCeiling(m_series->maximum() * 1.1));
}

} // namespace ToolCapture
