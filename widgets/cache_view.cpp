#include <widgets/cache_view.h>
#include <widgets/chart_scale.h>

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

CacheView::CacheView(FeedTransport *feed, QWidget *parent)
    : QWidget(parent)
    , m_model(new CacheEntryModel(feed, this))
    , m_serviceBox(new QComboBox)
    , m_prefixEdit(new QLineEdit)
    , m_refreshButton(new QPushButton(tr("&Refresh")))
    , m_purgeSelected(new QPushButton(tr("Purge &selected…")))
    , m_purgePrefix(new QPushButton(tr("Purge &prefix…")))
    , m_purgeAll(new QPushButton(tr("Purge &all…")))
    , m_summary(new QLabel)
    , m_state(new QLabel)
    , m_table(new QTableView)
    , m_chartView(new QChartView)
    , m_x(new QValueAxis)
    , m_y(new QValueAxis)
    , m_hits(new QLineSeries)
    , m_misses(new QLineSeries)
    , m_stale(new QLineSeries)
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("cacheView"));
    m_serviceBox->setObjectName(QStringLiteral("cacheService"));
    m_serviceBox->addItem(tr("All services"), QString());
    m_prefixEdit->setObjectName(QStringLiteral("cachePrefix"));
    m_prefixEdit->setPlaceholderText(tr("Key prefix, e.g. catalog http://"));
    m_prefixEdit->setClearButtonEnabled(true);
    m_refreshButton->setObjectName(QStringLiteral("cacheRefresh"));
    m_purgeSelected->setObjectName(QStringLiteral("purgeSelected"));
    m_purgePrefix->setObjectName(QStringLiteral("purgePrefix"));
    m_purgeAll->setObjectName(QStringLiteral("purgeAll"));
    m_summary->setObjectName(QStringLiteral("cacheSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setObjectName(QStringLiteral("cacheState"));
    m_state->setWordWrap(true);
    m_state->hide();

    auto *top = new QHBoxLayout;
    auto *serviceLabel = new QLabel(tr("S&ervice:"));
    serviceLabel->setBuddy(m_serviceBox);
    top->addWidget(serviceLabel);
    top->addWidget(m_serviceBox);
    auto *prefixLabel = new QLabel(tr("&Key prefix:"));
    prefixLabel->setBuddy(m_prefixEdit);
    top->addWidget(prefixLabel);
    top->addWidget(m_prefixEdit, 1);
    top->addWidget(m_refreshButton);

    m_hits->setName(tr("Hits/s"));
    m_misses->setName(tr("Misses/s"));
    m_stale->setName(tr("Stale/s"));
    auto *chart = new QChart;
    chart->setTitle(tr("Cache lookups per second"));
    chart->legend()->setAlignment(Qt::AlignRight);
    m_x->setTitleText(tr("seconds ago"));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    m_x->setRange(-60, 0);
    m_y->setTitleText(tr("per s"));
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setRange(0, 1);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    for (QLineSeries *line : {m_hits, m_misses, m_stale}) {
        chart->addSeries(line);
        line->attachAxis(m_x);
        line->attachAxis(m_y);
    }
    // setChart() releases the chart the view made for itself, it does not delete it.
    QChart *placeholder = m_chartView->chart();
    m_chartView->setChart(chart);
    delete placeholder;
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(160);

    m_table->setObjectName(QStringLiteral("cacheEntries"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(int(CacheEntryModel::Column::Key),
                                                      QHeaderView::Stretch);
    m_table->horizontalHeader()->setObjectName(QStringLiteral("cacheEntriesHeader"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_summary, 1);
    buttons->addWidget(m_purgeSelected);
    buttons->addWidget(m_purgePrefix);
    buttons->addWidget(m_purgeAll);

    auto *entries = new QWidget;
    auto *entriesLayout = new QVBoxLayout(entries);
    entriesLayout->setContentsMargins(0, 0, 0, 0);
    entriesLayout->addWidget(m_table, 1);
    entriesLayout->addLayout(buttons);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("cacheSplitter"));
    splitter->addWidget(m_chartView);
    splitter->addWidget(entries);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_state);
    layout->addWidget(splitter, 1);
    applyPalette();

    connect(m_serviceBox, &QComboBox::currentIndexChanged, this, [this] {
        applyFilter();
        refresh();
    });
    connect(m_prefixEdit, &QLineEdit::returnPressed, this, &CacheView::applyFilter);
    connect(m_prefixEdit, &QLineEdit::textChanged, this, &CacheView::updateButtons);
    connect(m_refreshButton, &QPushButton::clicked, this, &CacheView::reloadEntries);
    connect(m_purgeSelected, &QPushButton::clicked, this,
            [this] { requestPurge(CacheEntryModel::PurgeScope::Key); });
    connect(m_purgePrefix, &QPushButton::clicked, this,
            [this] { requestPurge(CacheEntryModel::PurgeScope::Prefix); });
    connect(m_purgeAll, &QPushButton::clicked, this,
            [this] { requestPurge(CacheEntryModel::PurgeScope::All); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CacheView::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &CacheView::updateButtons);
    connect(m_model, &CacheEntryModel::loadFailed, this, [this](const QString &error) {
        m_state->setText(m_model->cacheMissing()
                             ? tr("This engine has no response cache (cache.enabled is false).")
                             : tr("The cache entries could not be read: %1").arg(error));
        m_state->show();
    });
    connect(m_model, &CacheEntryModel::pageLoaded, this, [this] {
        m_state->hide();
        updateSummary();
    });
    connect(m_model, &CacheEntryModel::purged, this, [this](int entries) {
        emit message(tr("Purged %n cache entry(ies)", nullptr, entries));
    });
    connect(m_model, &CacheEntryModel::purgeFailed, this, [this](const QString &error) {
        // The error may be partial (this engine's memory purged, the shared tier not): it says.
        emit message(tr("The purge did not complete: %1").arg(error));
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Purge failed"),
                                    tr("The purge did not complete: %1").arg(error),
                                    QMessageBox::Close, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    m_timer->setInterval(std::chrono::milliseconds(1000));
    connect(m_timer, &QTimer::timeout, this, &CacheView::refresh);
    m_timer->start();
    updateButtons();
    updateSummary();
}

void CacheView::applyPalette() {
    // The system palette decides: a dark window gets the dark chart theme.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    QChart *chart = m_chartView->chart();
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette().brush(QPalette::Base));
    chart->setTitleBrush(palette().brush(QPalette::Text));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsBrush(palette().brush(QPalette::Text));
        axis->setTitleBrush(palette().brush(QPalette::Text));
    }
    chart->legend()->setLabelBrush(palette().brush(QPalette::Text));
}

void CacheView::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void CacheView::apply(const FeedMessage &message) {
    m_series.apply(message);
}

void CacheView::setRefreshInterval(std::chrono::milliseconds interval) {
    m_timer->setInterval(interval);
}

QString CacheView::service() const {
    return m_serviceBox->currentData().toString();
}

void CacheView::setService(const QString &service) {
    updateServices();
    const int index = m_serviceBox->findData(service);
    if (index >= 0)
        m_serviceBox->setCurrentIndex(index);
}

void CacheView::setPrefix(const QString &prefix) {
    m_prefixEdit->setText(prefix);
    applyFilter();
}

void CacheView::applyFilter() {
    m_loadedOnce = true;
    m_model->setFilter(service(), m_prefixEdit->text());
    if (!m_model->isFetching() && m_model->rowCount() == 0 && m_model->canFetchMore({}))
        m_model->fetchMore({});
    updateButtons();
}

void CacheView::reloadEntries() {
    m_loadedOnce = true;
    m_model->reload();
}

void CacheView::updateServices() {
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

void CacheView::updateButtons() {
    m_purgeSelected->setEnabled(m_table->selectionModel()->hasSelection());
    m_purgePrefix->setEnabled(!m_prefixEdit->text().isEmpty());
    m_purgeAll->setText(service().isEmpty() ? tr("Purge &all…")
                                            : tr("Purge &all of %1…").arg(service()));
}

void CacheView::updateSummary() {
    if (m_series.received() && !m_series.enabled()) {
        m_summary->setText(tr("No response cache on this engine."));
        return;
    }
    CacheStatsSeries::Totals totals = m_series.allTotals();
    for (const CacheStatsSeries::Totals &t : m_series.totals()) {
        if (t.service == service())
            totals = t;
    }
    const QLocale locale;
    const QString ratio = totals.hitRatio < 0
                              ? tr("no lookups yet")
                              : tr("%1 % hits").arg(locale.toString(totals.hitRatio * 100, 'f', 1));
    QString text =
        tr("%1 · %2 entries · %3 · %4 stored · %5 evicted · %6 listed")
            .arg(ratio, locale.toString(totals.objects), CacheEntryModel::formatBytes(totals.bytes),
                 locale.toString(qulonglong(totals.stores)),
                 locale.toString(qulonglong(totals.evictions)),
                 locale.toString(m_model->rowCount()));
    // The shared tier in a word, and why it is down: while it is, every proxy answers from its
    // own memory only, and a purge does not reach the entries other proxies share.
    if (const auto &shared = m_series.sharedTier()) {
        QString state;
        if (shared->state == QLatin1String("connected"))
            state = tr("Redis connected");
        else if (shared->state == QLatin1String("partial"))
            state = tr("Redis partly connected");
        else if (shared->state == QLatin1String("starting"))
            state = tr("Redis connecting");
        else
            state = tr("Redis DOWN");
        QString tip;
        if (shared->state != QLatin1String("connected") && !shared->lastError.isEmpty()) {
            // Redis's own words may be long: the whole of them in the tooltip.
            constexpr qsizetype kShown = 60;
            QString why = shared->lastError;
            if (why.size() > kShown)
                why = why.left(kShown - 1) + QChar(0x2026);
            state = tr("%1 (%2)").arg(state, why);
            tip = shared->lastError;
        } else if (shared->invalidation == QLatin1String("down")) {
            // Redis answers, but the other proxies' purges and invalidations do not arrive:
            // this proxy may serve what they dropped until it expires.
            state = tr("%1 · other proxies' purges NOT received").arg(state);
            tip = shared->invalidationError.isEmpty()
                      ? tr("Not subscribed to the other proxies' invalidations.")
                      : tr("Not subscribed to the other proxies' invalidations: %1")
                            .arg(shared->invalidationError);
        }
        text = tr("%1 · %2").arg(text, state);
        m_summary->setToolTip(tip);
    }
    m_summary->setText(text);
}

QMessageBox *CacheView::requestPurge(CacheEntryModel::PurgeScope scope) {
    using Scope = CacheEntryModel::PurgeScope;
    QString value;
    QString text;
    switch (scope) {
    case Scope::Key: {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (rows.isEmpty())
            return nullptr;
        value = m_model->keyAt(rows.first().row());
        text = tr("Purge the cache entry %1 and its variants?").arg(value);
        break;
    }
    case Scope::Prefix:
        value = m_prefixEdit->text();
        if (value.isEmpty())
            return nullptr;
        text = tr("Purge every cache entry whose key starts with %1?").arg(value);
        break;
    case Scope::Service:
    case Scope::All:
        value = service();
        if (!value.isEmpty()) {
            scope = Scope::Service;
            text = tr("Purge every cache entry of the service %1?").arg(value);
        } else {
            scope = Scope::All;
            text = tr("Purge every entry of the response cache?");
        }
        break;
    }
    auto *box = new QMessageBox(QMessageBox::Question, tr("Purge the cache"), text,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("purgeConfirmation"));
    box->setInformativeText(tr("The next requests for these resources go to the services."));
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(tr("Purge"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, [this, scope, value] {
        emit message(tr("Purging the cache…"));
        m_model->purge(scope, value);
    });
    box->open();
    return box;
}

void CacheView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (!m_loadedOnce)
        reloadEntries();
    refresh(); // catch up at once with what changed while hidden
}

void CacheView::refresh() {
    if (!isVisible())
        return;
    updateServices();
    const QString shown = service();
    if (m_shownOnce && m_series.revision() == m_shownRevision && shown == m_shownService)
        return;
    m_shownOnce = true;
    m_shownRevision = m_series.revision();
    m_shownService = shown;
    updateSummary();
    if (m_series.received() && !m_series.enabled()) {
        m_state->setText(tr("This engine has no response cache (cache.enabled is false)."));
        m_state->show();
    }

    using Metric = CacheStatsSeries::Metric;
    const QList<QPointF> hits = m_series.points(Metric::Hits, shown);
    const QList<QPointF> misses = m_series.points(Metric::Misses, shown);
    const QList<QPointF> stale = m_series.points(Metric::Stale, shown);
    m_hits->replace(hits);
    m_misses->replace(misses);
    m_stale->replace(stale);
    // The time axis grows with the data from one minute up to the whole span.
    const double oldest = hits.isEmpty() ? 0.0 : hits.constFirst().x();
    m_x->setRange(std::max(-double(m_series.span().count()) / 1000.0,
                           std::min(-60.0, std::floor(oldest / 60.0) * 60.0)),
                  0);
    m_y->setRange(0, ChartScale::niceCeiling(
                         std::max({ChartScale::maximumY(hits), ChartScale::maximumY(misses),
                                   ChartScale::maximumY(stale)}) *
                             1.1,
                         1));
}

} // namespace ToolCapture
