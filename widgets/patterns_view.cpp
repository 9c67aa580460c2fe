#include <backend/feed/feed_transport.h>
#include <widgets/admin_problem.h>
#include <widgets/fraction_bar_delegate.h>
#include <widgets/patterns_view.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

using Column = PatternsModel::Column;

QString readFailure(const QString &what, const QByteArray &target, const FeedResponse &response) {
    if (response.status == 404) {
        return PatternsView::tr("This engine serves no %1: GET %2 answered %3. It has no "
                                "analyser, or it is older than this console.")
            .arg(what, QString::fromUtf8(target), adminProblemText(response));
    }
    return PatternsView::tr("The %1 could not be read: %2").arg(what, adminProblemText(response));
}

} // namespace

PatternsView::PatternsView(FeedTransport *feed, QWidget *parent)
    : QWidget(parent)
    , m_feed(feed)
    , m_model(new PatternsModel(this))
    , m_anomalies(new AnomaliesModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_windowBox(new QComboBox)
    , m_serviceBox(new QComboBox)
    , m_activeOnly(new QCheckBox(tr("A&ctive anomalies only")))
    , m_refresh(new QPushButton(tr("&Refresh")))
    , m_state(new QLabel)
    , m_summary(new QLabel)
    , m_table(new QTableView)
    , m_anomaliesTable(new QTableView)
    , m_anomaliesLabel(new QLabel(tr("Anomalies")))
    , m_splitter(new QSplitter(Qt::Vertical))
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("patternsView"));
    m_windowBox->setObjectName(QStringLiteral("patternsWindow"));
    m_windowBox->addItem(tr("Last minute"), QStringLiteral("1m"));
    m_windowBox->addItem(tr("Last 5 minutes"), QStringLiteral("5m"));
    m_windowBox->addItem(tr("Last hour"), QStringLiteral("1h"));
    m_windowBox->setCurrentIndex(1); // the API's default
    m_serviceBox->setObjectName(QStringLiteral("patternsService"));
    m_serviceBox->addItem(tr("All services"), QString());
    m_serviceBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_activeOnly->setObjectName(QStringLiteral("patternsActiveOnly"));
    m_activeOnly->setChecked(true);
    m_refresh->setObjectName(QStringLiteral("patternsRefresh"));
    m_state->setObjectName(QStringLiteral("patternsState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setFrameShape(QFrame::StyledPanel);
    m_state->setMargin(6);
    m_state->hide();
    m_summary->setObjectName(QStringLiteral("patternsSummary"));

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(PatternsModel::ValueRole);
    m_table->setObjectName(QStringLiteral("patternsTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(int(Column::P99), Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    auto *rows = new FractionBarDelegate(0, FractionBarDelegate::Shape::None, m_table);
    rows->setHighlightRole(PatternsModel::AnomalousRole);
    m_table->setItemDelegate(rows);
    auto *p99 = new FractionBarDelegate(PatternsModel::FractionRole,
                                        FractionBarDelegate::Shape::Bar, m_table);
    p99->setHighlightRole(PatternsModel::AnomalousRole);
    m_table->setItemDelegateForColumn(int(Column::P99), p99);
    QHeaderView *header = m_table->horizontalHeader();
    header->setObjectName(QStringLiteral("patternsHeader"));
    header->setStretchLastSection(false);
    header->setSectionResizeMode(int(Column::Operation), QHeaderView::Stretch);
    m_table->setColumnWidth(int(Column::Service), 120);
    for (auto column :
         {Column::Requests, Column::ErrorRate, Column::CacheHitRatio, Column::P50, Column::P95})
        m_table->setColumnWidth(int(column), 85);
    m_table->setColumnWidth(int(Column::P99), 130);
    m_table->setColumnWidth(int(Column::Trend), 95);
    m_table->setColumnWidth(int(Column::Anomalous), 90);

    m_anomaliesTable->setObjectName(QStringLiteral("anomaliesTable"));
    m_anomaliesTable->setModel(m_anomalies);
    m_anomaliesTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_anomaliesTable->setAlternatingRowColors(true);
    m_anomaliesTable->setWordWrap(false);
    m_anomaliesTable->verticalHeader()->hide();
    m_anomaliesTable->horizontalHeader()->setObjectName(QStringLiteral("anomaliesHeader"));
    m_anomaliesTable->horizontalHeader()->setStretchLastSection(true);
    using AColumn = AnomaliesModel::Column;
    m_anomaliesTable->setColumnWidth(int(AColumn::DetectedAt), 80);
    m_anomaliesTable->setColumnWidth(int(AColumn::Kind), 110);
    m_anomaliesTable->setColumnWidth(int(AColumn::Target), 240);
    for (auto column : {AColumn::Value, AColumn::Baseline, AColumn::Score, AColumn::Active})
        m_anomaliesTable->setColumnWidth(int(column), 70);

    auto *top = new QHBoxLayout;
    auto *windowLabel = new QLabel(tr("&Window:"));
    windowLabel->setBuddy(m_windowBox);
    top->addWidget(windowLabel);
    top->addWidget(m_windowBox);
    auto *serviceLabel = new QLabel(tr("S&ervice:"));
    serviceLabel->setBuddy(m_serviceBox);
    top->addWidget(serviceLabel);
    top->addWidget(m_serviceBox);
    top->addWidget(m_summary, 1);
    top->addWidget(m_refresh);

    auto *lower = new QWidget;
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    auto *lowerTop = new QHBoxLayout;
    lowerTop->addWidget(m_anomaliesLabel, 1);
    lowerTop->addWidget(m_activeOnly);
    lowerLayout->addLayout(lowerTop);
    lowerLayout->addWidget(m_anomaliesTable, 1);

    m_splitter->setObjectName(QStringLiteral("patternsSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(lower);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_state);
    layout->addWidget(m_splitter, 1);

    connect(m_windowBox, &QComboBox::currentIndexChanged, this, &PatternsView::loadPatterns);
    connect(m_serviceBox, &QComboBox::currentIndexChanged, this, &PatternsView::loadPatterns);
    connect(m_activeOnly, &QCheckBox::toggled, this, &PatternsView::loadAnomalies);
    connect(m_refresh, &QPushButton::clicked, this, &PatternsView::reload);
    m_timer->setInterval(std::chrono::seconds(5));
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible() && !m_loading)
            reload();
    });
    m_timer->start();
}

QString PatternsView::window() const {
    return m_windowBox->currentData().toString();
}

void PatternsView::setWindow(const QString &window) {
    const int index = m_windowBox->findData(window);
    if (index >= 0)
        m_windowBox->setCurrentIndex(index);
}

QString PatternsView::service() const {
    return m_serviceBox->currentData().toString();
}

void PatternsView::setService(const QString &service) {
    if (!service.isEmpty() && !m_services.contains(service)) {
        m_services.append(service);
        m_services.sort();
        updateServices();
    }
    const int index = m_serviceBox->findData(service);
    if (index >= 0)
        m_serviceBox->setCurrentIndex(index);
}

QString PatternsView::stateText() const {
    return m_state->isHidden() ? QString() : m_state->text();
}

QString PatternsView::summaryText() const {
    return m_summary->text();
}

void PatternsView::setRefreshInterval(std::chrono::milliseconds interval) {
    m_timer->setInterval(interval);
}

void PatternsView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    reload();
}

void PatternsView::reload() {
    loadPatterns();
    loadAnomalies();
}

void PatternsView::loadPatterns() {
    if (!m_feed)
        return;
    const quint64 generation = ++m_patternsGeneration;
    m_loading = true;
    FeedRequest request;
    request.target = "/api/v1/patterns?window=" + window().toUtf8();
    if (!service().isEmpty())
        request.target += "&service=" + QUrl::toPercentEncoding(service());
    const QByteArray target = request.target;
    m_feed->request(request, this, [this, generation, target](const FeedResponse &response) {
        if (generation != m_patternsGeneration)
            return; // another window or service was chosen since
        m_loading = false;
        if (!response.ok()) {
            m_patternsError = readFailure(tr("traffic patterns"), target, response);
            updateState();
            emit loaded(false);
            return;
        }
        if (!m_model->setDocument(response.body)) {
            m_patternsError = tr("The engine's patterns do not follow the API (%1); the table "
                                 "shows the last ones that did.")
                                  .arg(m_model->errorString());
            updateState();
            emit loaded(false);
            return;
        }
        m_patternsError.clear();
        for (int row = 0; row < m_model->rowCount(); ++row) {
            const QString name = m_model->at(row).service;
            if (!m_services.contains(name))
                m_services.append(name);
        }
        m_services.sort();
        updateServices();
        const QDateTime at = QDateTime::fromString(m_model->generatedAt(), Qt::ISODateWithMs);
        m_summary->setText(tr("%n operation(s), %1 anomalous · %2 events analysed · as of %3",
                              nullptr, m_model->rowCount())
                               .arg(m_model->anomalousCount())
                               .arg(QLocale().toString(m_model->eventsIngested()))
                               .arg(at.isValid() ? QLocale().toString(at.toLocalTime().time(),
                                                                      QLocale::ShortFormat)
                                                 : m_model->generatedAt()));
        updateState();
        emit loaded(true);
    });
}

void PatternsView::loadAnomalies() {
    if (!m_feed)
        return;
    const quint64 generation = ++m_anomaliesGeneration;
    FeedRequest request;
    request.target = m_activeOnly->isChecked() ? "/api/v1/anomalies?active=true"
                                               : "/api/v1/anomalies?active=false";
    const QByteArray target = request.target;
    m_feed->request(request, this, [this, generation, target](const FeedResponse &response) {
        if (generation != m_anomaliesGeneration)
            return;
        if (!response.ok()) {
            m_anomaliesError = readFailure(tr("anomalies"), target, response);
        } else if (!m_anomalies->setDocument(response.body)) {
            m_anomaliesError = tr("The engine's anomalies do not follow the API (%1).")
                                   .arg(m_anomalies->errorString());
        } else {
            m_anomaliesError.clear();
            m_anomaliesLabel->setText(tr("Anomalies (%1)").arg(m_anomalies->rowCount()));
        }
        updateState();
    });
}

void PatternsView::updateServices() {
    if (m_serviceBox->count() == m_services.size() + 1)
        return; // only ever grows
    const QString current = service();
    const QSignalBlocker blocker(m_serviceBox);
    while (m_serviceBox->count() > 1)
        m_serviceBox->removeItem(1);
    for (const QString &name : m_services)
        m_serviceBox->addItem(name, name);
    m_serviceBox->setCurrentIndex(std::max(0, m_serviceBox->findData(current)));
}

void PatternsView::updateState() {
    QStringList errors;
    if (!m_patternsError.isEmpty())
        errors << m_patternsError;
    if (!m_anomaliesError.isEmpty())
        errors << m_anomaliesError;
    m_state->setText(errors.join(QLatin1Char('\n')));
    m_state->setVisible(!errors.isEmpty());
}

} // namespace ToolCapture
