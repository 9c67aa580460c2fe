#include <widgets/chart_scale.h>
#include <widgets/overview_view.h>

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

OverviewView::OverviewView(QWidget *parent)
    : QWidget(parent)
    , m_serviceBox(new QComboBox)
    , m_requests(new QLineSeries)
    , m_p50(new QLineSeries)
    , m_p99(new QLineSeries)
    , m_errors(new QLineSeries)
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("overviewView"));
    m_serviceBox->setObjectName(QStringLiteral("overviewService"));
    m_serviceBox->addItem(tr("All services"), QString());
    m_requests->setName(tr("Requests/s"));
    m_p50->setName(tr("p50"));
    m_p99->setName(tr("p99"));
    m_errors->setName(tr("Error rate"));

    auto *top = new QHBoxLayout;
    auto *label = new QLabel(tr("&Service:"));
    label->setBuddy(m_serviceBox);
    top->addWidget(label);
    top->addWidget(m_serviceBox);
    top->addStretch();

    m_charts.append(makeChart(tr("Requests per second"), tr("req/s"), {m_requests}));
    m_charts.append(makeChart(tr("Latency"), tr("ms"), {m_p50, m_p99}));
    m_charts.append(makeChart(tr("Error rate"), tr("%"), {m_errors}));
    auto *grid = new QGridLayout;
    grid->addWidget(m_charts[0].view, 0, 0, 1, 2);
    grid->addWidget(m_charts[1].view, 1, 0);
    grid->addWidget(m_charts[2].view, 1, 1);
    m_charts[2].view->setToolTip(
        tr("Failed attempts at the instances (5xx answers, refused connections, resets, "
           "first-byte timeouts) per request served, retried ones included: the status bar's "
           "error rate counts only what the clients received."));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);
    applyPalette();

    connect(m_serviceBox, &QComboBox::currentIndexChanged, this, &OverviewView::refresh);
    m_timer->setInterval(std::chrono::milliseconds(1000));
    connect(m_timer, &QTimer::timeout, this, &OverviewView::refresh);
    m_timer->start();
}

OverviewView::Chart OverviewView::makeChart(const QString &title, const QString &unit,
                                            std::initializer_list<QLineSeries *> lines) {
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setVisible(lines.size() > 1);
    chart->legend()->setAlignment(Qt::AlignRight);
    auto *x = new QValueAxis;
    auto *y = new QValueAxis;
    x->setTitleText(tr("seconds ago"));
    x->setLabelFormat(QStringLiteral("%.0f"));
    x->setRange(-double(m_series.span().count()) / 1000.0, 0);
    y->setTitleText(unit);
    y->setLabelFormat(QStringLiteral("%g"));
    y->setRange(0, 1);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries *line : lines) {
        chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
    }
    auto *view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);
    return {view, x, y};
}

void OverviewView::applyPalette() {
    // The system palette decides: a dark window gets the dark chart theme.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    for (const Chart &chart : m_charts) {
        chart.view->chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
        chart.view->chart()->setBackgroundBrush(palette().brush(QPalette::Base));
        chart.view->chart()->setTitleBrush(palette().brush(QPalette::Text));
        for (QAbstractAxis *axis : chart.view->chart()->axes()) {
            axis->setLabelsBrush(palette().brush(QPalette::Text));
            axis->setTitleBrush(palette().brush(QPalette::Text));
        }
        chart.view->chart()->legend()->setLabelBrush(palette().brush(QPalette::Text));
    }
}

void OverviewView::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void OverviewView::apply(const FeedMessage &message) {
    m_series.apply(message);
}

void OverviewView::setRefreshInterval(std::chrono::milliseconds interval) {
    m_timer->setInterval(interval);
}

QString OverviewView::service() const {
    return m_serviceBox->currentData().toString();
}

void OverviewView::setService(const QString &service) {
    updateServices();
    const int index = m_serviceBox->findData(service);
    if (index >= 0)
        m_serviceBox->setCurrentIndex(index);
}

void OverviewView::updateServices() {
    const QStringList services = m_series.services();
    if (m_serviceBox->count() == services.size() + 1) {
        bool same = true;
        for (int i = 0; same && i < services.size(); ++i)
            same = m_serviceBox->itemData(i + 1).toString() == services[i];
        if (same)
            return;
    }
    const QString current = service();
    const QSignalBlocker blocker(m_serviceBox);
    while (m_serviceBox->count() > 1)
        m_serviceBox->removeItem(1);
    for (const QString &name : services)
        m_serviceBox->addItem(name, name);
    m_serviceBox->setCurrentIndex(std::max(0, m_serviceBox->findData(current)));
}

void OverviewView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    refresh(); // catch up at once with what changed while hidden
}

void OverviewView::refresh() {
    if (!isVisible())
        return;
    updateServices();
    const QString shown = service();
    if (m_shownOnce && m_series.revision() == m_shownRevision && shown == m_shownService)
        return;
    m_shownOnce = true;
    m_shownRevision = m_series.revision();
    m_shownService = shown;

    using Metric = OverviewSeries::Metric;
    const QList<QPointF> requests = m_series.points(Metric::RequestsPerSecond, shown);
    const QList<QPointF> p50 = m_series.points(Metric::LatencyP50, shown);
    const QList<QPointF> p99 = m_series.points(Metric::LatencyP99, shown);
    QList<QPointF> errors = m_series.points(Metric::ErrorRate, shown);
    for (QPointF &point : errors)
        point.setY(point.y() * 100.0);
    m_requests->replace(requests);
    m_p50->replace(p50);
    m_p99->replace(p99);
    m_errors->replace(errors);
    // The time axis grows with the data from one minute up to the whole span.
    const double oldest = requests.isEmpty() ? 0.0 : requests.constFirst().x();
    const double from = std::max(-double(m_series.span().count()) / 1000.0,
                                 std::min(-60.0, std::floor(oldest / 60.0) * 60.0));
    for (const Chart &chart : std::as_const(m_charts))
        chart.x->setRange(from, 0);
    m_charts[0].y->setRange(0, ChartScale::niceCeiling(ChartScale::maximumY(requests) * 1.1, 1));
    m_charts[1].y->setRange(
        0, ChartScale::niceCeiling(
               std::max(ChartScale::maximumY(p50), ChartScale::maximumY(p99)) * 1.1, 1));
    m_charts[2].y->setRange(
        0, std::min(100.0, ChartScale::niceCeiling(ChartScale::maximumY(errors) * 1.1, 1)));
}

} // namespace ToolCapture
