#include <backend/feed/feed_transport.h>
#include <widgets/admin_problem.h>
#include <widgets/recommendations_view.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTime>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcRecommendationsView, "toolcapture.console.recommendations")

using Column = RecommendationsModel::Column;

QString escaped(const QString &text) {
    return text.toHtmlEscaped();
}

QString number(double value) {
    return QLocale().toString(value, 'g', 6);
}

QString optionalNumber(const std::optional<double> &value) {
    return value ? number(*value) : RecommendationsView::tr("–");
}

QString actionLabel(const QString &action) {
    if (action == u"apply")
        return RecommendationsView::tr("Apply");
    if (action == u"dismiss")
        return RecommendationsView::tr("Dismiss");
    return RecommendationsView::tr("Revert");
}

QString detailsHtml(const RecommendationRow &r) {
    QString html = QStringLiteral("<h3>%1</h3>").arg(escaped(r.title));
    html += QStringLiteral("<p>%1 · %2 · %3</p>")
                .arg(escaped(RecommendationsModel::typeLabel(r.type)), escaped(r.target()),
                     RecommendationsView::tr("priority %1, confidence %2 %")
                         .arg(escaped(RecommendationsModel::priorityLabel(r.priority)),
                              QLocale().toString(r.confidence * 100, 'f', 0)));
    html +=
        QStringLiteral("<p><b>%1</b> %2 (%3: %4 → %5)</p>")
            .arg(RecommendationsView::tr("Expected impact:"), escaped(r.impactText),
                 escaped(r.impactMetric), optionalNumber(r.impactFrom), optionalNumber(r.impactTo));

    html += QStringLiteral("<p><b>%1</b></p>").arg(RecommendationsView::tr("Evidence"));
    if (r.evidence.isEmpty()) {
        html += QStringLiteral("<p>%1</p>").arg(RecommendationsView::tr("(none given)"));
    } else {
        html += QStringLiteral("<table cellspacing='0' cellpadding='3'><tr><th align='left'>%1</th>"
                               "<th align='left'>%2</th><th align='right'>%3</th>"
                               "<th align='right'>%4</th></tr>")
                    .arg(RecommendationsView::tr("Window"), RecommendationsView::tr("Metric"),
                         RecommendationsView::tr("Value"), RecommendationsView::tr("Threshold"));
        for (const RecommendationRow::Evidence &e : r.evidence) {
            html += QStringLiteral("<tr><td>%1</td><td>%2</td><td align='right'>%3</td>"
                                   "<td align='right'>%4</td></tr>")
                        .arg(escaped(e.window), escaped(e.metric), number(e.value),
                             number(e.threshold));
        }
        html += QStringLiteral("</table>");
    }

    html += QStringLiteral("<p><b>%1</b> <code>%2</code> %3 <code>%4</code> → <code>%5</code>")
                .arg(RecommendationsView::tr("Change:"), escaped(r.setting),
                     RecommendationsView::tr("of %1:").arg(escaped(r.settingService)),
                     escaped(RecommendationRow::valueText(r.before)),
                     escaped(RecommendationRow::valueText(r.after)));
    if (r.autoRevert)
        html += QStringLiteral("<br>%1").arg(
            RecommendationsView::tr("Reverted automatically if the effect is worse."));
    html += QStringLiteral("</p>");

    QString status = RecommendationsModel::statusLabel(r.status);
    if (r.status == u"applied" && !r.appliedAt.isEmpty())
        status = RecommendationsView::tr("Applied at %1 by %2")
                     .arg(r.appliedAt,
                          r.appliedBy.isEmpty() ? RecommendationsView::tr("unknown") : r.appliedBy);
    else if (r.status == u"dismissed" && !r.dismissedAt.isEmpty())
        status =
            RecommendationsView::tr("Dismissed at %1 by %2")
                .arg(r.dismissedAt,
                     r.dismissedBy.isEmpty() ? RecommendationsView::tr("unknown") : r.dismissedBy) +
            (r.dismissReason.isEmpty() ? QString() : QStringLiteral(": ") + r.dismissReason);
    else if (r.status == u"expired" && !r.expiredAt.isEmpty())
        status = RecommendationsView::tr("Expired at %1: its rule stopped firing").arg(r.expiredAt);
    html += QStringLiteral("<p><b>%1</b> %2</p>")
                .arg(RecommendationsView::tr("Status:"), escaped(status));
    if (r.status == u"applied" && r.changeInForce == false) {
        html += QStringLiteral("<p><b>%1</b></p>")
                    .arg(RecommendationsView::tr(
                        "Its change is no longer in force: the setting has another value now (an "
                        "operator's edit, or a restart back to the configuration). Revert closes "
                        "the recommendation and leaves that value as it is."));
    }
    if (r.effect) {
        const RecommendationRow::Effect &e = *r.effect;
        html += QStringLiteral("<p><b>%1</b> %2: %3 → %4, %5</p>")
                    .arg(RecommendationsView::tr("Measured effect:"), escaped(e.metric),
                         optionalNumber(e.before), optionalNumber(e.after),
                         escaped(RecommendationsModel::effectText(r)));
    } else if (r.status == u"open") {
        html += QStringLiteral("<p>%1</p>")
                    .arg(RecommendationsView::tr(
                        "The effect is measured once the recommendation is applied."));
    }
    return html;
}

} // namespace

RecommendationsView::RecommendationsView(FeedTransport *feed, QWidget *parent)
    : QWidget(parent)
    , m_feed(feed)
    , m_model(new RecommendationsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_statusBox(new QComboBox)
    , m_refresh(new QPushButton(tr("&Refresh")))
    , m_state(new QLabel)
    , m_updated(new QLabel)
    , m_table(new QTableView)
    , m_details(new QTextBrowser)
    , m_apply(new QPushButton(tr("&Apply…")))
    , m_dismiss(new QPushButton(tr("&Dismiss")))
    , m_revert(new QPushButton(tr("Re&vert…")))
    , m_result(new QLabel)
    , m_splitter(new QSplitter(Qt::Vertical))
    , m_timer(new QTimer(this)) {
    setObjectName(QStringLiteral("recommendationsView"));
    m_statusBox->setObjectName(QStringLiteral("recommendationsStatus"));
    m_statusBox->addItem(tr("All"), QStringLiteral("all"));
    m_statusBox->addItem(tr("Open"), QStringLiteral("open"));
    m_statusBox->addItem(tr("Applied"), QStringLiteral("applied"));
    m_statusBox->addItem(tr("Dismissed"), QStringLiteral("dismissed"));
    m_statusBox->addItem(tr("Reverted"), QStringLiteral("reverted"));
    m_statusBox->addItem(tr("Expired"), QStringLiteral("expired"));
    m_refresh->setObjectName(QStringLiteral("recommendationsRefresh"));
    m_state->setObjectName(QStringLiteral("recommendationsState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setFrameShape(QFrame::StyledPanel);
    m_state->setMargin(6);
    m_state->hide();
    m_updated->setObjectName(QStringLiteral("recommendationsUpdated"));
    m_apply->setObjectName(QStringLiteral("applyRecommendation"));
    m_dismiss->setObjectName(QStringLiteral("dismissRecommendation"));
    m_revert->setObjectName(QStringLiteral("revertRecommendation"));
    m_apply->setToolTip(tr("Change the live setting as recommended (asks first)"));
    m_dismiss->setToolTip(tr("Keep things as they are; the recommendation is closed"));
    m_revert->setToolTip(tr("Set the live setting back to its value before (asks first)"));
    m_result->setObjectName(QStringLiteral("recommendationResult"));
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setWordWrap(true);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RecommendationsModel::ValueRole);
    m_table->setObjectName(QStringLiteral("recommendationsTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(int(Column::Priority), Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    QHeaderView *header = m_table->horizontalHeader();
    header->setObjectName(QStringLiteral("recommendationsHeader"));
    header->setStretchLastSection(false);
    header->setSectionResizeMode(int(Column::Title), QHeaderView::Stretch);
    m_table->setColumnWidth(int(Column::Priority), 70);
    m_table->setColumnWidth(int(Column::Type), 110);
    m_table->setColumnWidth(int(Column::Target), 220);
    m_table->setColumnWidth(int(Column::ExpectedImpact), 260);
    m_table->setColumnWidth(int(Column::Confidence), 80);
    m_table->setColumnWidth(int(Column::Status), 80);
    m_table->setColumnWidth(int(Column::Effect), 130);

    m_details->setObjectName(QStringLiteral("recommendationDetails"));
    m_details->setOpenLinks(false);
    m_details->setPlaceholderText(selectHint());

    auto *top = new QHBoxLayout;
    auto *statusLabel = new QLabel(tr("S&how:"));
    statusLabel->setBuddy(m_statusBox);
    top->addWidget(statusLabel);
    top->addWidget(m_statusBox);
    top->addStretch(1);
    top->addWidget(m_updated);
    top->addWidget(m_refresh);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_apply);
    buttons->addWidget(m_dismiss);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_result, 1);

    auto *detailsBox = new QWidget;
    auto *detailsLayout = new QVBoxLayout(detailsBox);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_details, 1);
    detailsLayout->addLayout(buttons);

    m_splitter->setObjectName(QStringLiteral("recommendationsSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(detailsBox);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_state);
    layout->addWidget(m_splitter, 1);

    connect(m_statusBox, &QComboBox::currentIndexChanged, this, &RecommendationsView::reload);
    connect(m_refresh, &QPushButton::clicked, this, &RecommendationsView::reload);
    connect(m_apply, &QPushButton::clicked, this,
            [this] { requestAction(QStringLiteral("apply")); });
    connect(m_dismiss, &QPushButton::clicked, this,
            [this] { requestAction(QStringLiteral("dismiss")); });
    connect(m_revert, &QPushButton::clicked, this,
            [this] { requestAction(QStringLiteral("revert")); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RecommendationsView::updateSelection);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RecommendationsView::updateSelection);
    connect(m_model, &QAbstractItemModel::modelReset, this, &RecommendationsView::updateSelection);

    m_timer->setInterval(std::chrono::seconds(10));
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible() && !m_loading)
            reload();
    });
    m_timer->start();
    updateSelection();
}

QString RecommendationsView::selectHint() {
    return tr("Select a recommendation to see its evidence, the change it makes and its effect.");
}

QString RecommendationsView::stateText() const {
    return m_state->isHidden() ? QString() : m_state->text();
}

QString RecommendationsView::resultText() const {
    return m_result->text();
}

QString RecommendationsView::detailsText() const {
    return m_details->toPlainText();
}

void RecommendationsView::setRefreshInterval(std::chrono::milliseconds interval) {
    m_timer->setInterval(interval);
}

QString RecommendationsView::currentId() const {
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? current.data(RecommendationsModel::IdRole).toString() : QString();
}

void RecommendationsView::selectRecommendation(const QString &id) {
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
}

void RecommendationsView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    reload(); // catch up at once with what changed while hidden
}

void RecommendationsView::showState(const QString &text) {
    m_state->setText(text);
    m_state->setVisible(!text.isEmpty());
}

void RecommendationsView::reload() {
    if (!m_feed)
        return;
    const quint64 generation = ++m_generation;
    m_loading = true;
    FeedRequest request;
    request.target =
        "/api/v1/recommendations?status=" + m_statusBox->currentData().toString().toUtf8();
    m_feed->request(request, this, [this, generation](const FeedResponse &response) {
        if (generation != m_generation)
            return; // another status was chosen since
        m_loading = false;
        if (!response.ok()) {
            showState(response.status == 404
                          ? tr("This engine serves no recommendations: GET "
                               "/api/v1/recommendations answered %1. It has no analyser, or it is "
                               "older than this console.")
                                .arg(adminProblemText(response))
                          : tr("The recommendations could not be read: %1")
                                .arg(adminProblemText(response)));
            emit loaded(false);
            return;
        }
        const QString current = currentId();
        if (!m_model->setDocument(response.body)) {
            showState(tr("The engine's recommendations do not follow the API (%1); the list "
                         "shows the last ones that did.")
                          .arg(m_model->errorString()));
            emit loaded(false);
            return;
        }
        showState({});
        m_updated->setText(
            tr("%n recommendation(s), read at %1", nullptr, m_model->rowCount())
                .arg(QLocale().toString(QTime::currentTime(), QLocale::ShortFormat)));
        // An empty list says why it is empty, where the details would be.
        if (m_model->rowCount() > 0)
            m_details->setPlaceholderText(selectHint());
        else if (m_statusBox->currentData().toString() != QLatin1String("all"))
            m_details->setPlaceholderText(tr("No recommendation has this status."));
        else
            m_details->setPlaceholderText(
                tr("No recommendations: nothing in the traffic crossed a rule's threshold. The "
                   "engine recommends a change when it sees cache misses on cacheable "
                   "operations, load spread unevenly over instances that are equally good, an "
                   "instance failing just below its breaker's threshold, a p99 close to the "
                   "timeout, retries that never succeed, or capture holding the proxy back. An "
                   "operation needs 50 to 100 exchanges in the analyser's five-minute window "
                   "before a rule judges it."));
        if (!current.isEmpty())
            selectRecommendation(current);
        emit loaded(true);
    });
}

void RecommendationsView::updateSelection() {
    const int row = m_model->rowOf(currentId());
    if (row < 0) {
        m_details->clear();
        m_detailsHtml.clear();
        for (QPushButton *button : {m_apply, m_dismiss, m_revert})
            button->setEnabled(false);
        return;
    }
    const RecommendationRow &r = m_model->at(row);
    m_apply->setEnabled(r.canApply());
    m_dismiss->setEnabled(r.canDismiss());
    m_revert->setEnabled(r.canRevert());
    const QString html = detailsHtml(r);
    if (m_detailsHtml != html) {
        m_detailsHtml = html; // unchanged on a refresh: keeps where the reader scrolled to
        m_details->setHtml(html);
    }
}

QMessageBox *RecommendationsView::requestAction(const QString &action) {
    const int row = m_model->rowOf(currentId());
    if (row < 0)
        return nullptr;
    const RecommendationRow &r = m_model->at(row);
    const bool allowed = action == u"apply"     ? r.canApply()
                         : action == u"dismiss" ? r.canDismiss()
                         : action == u"revert"  ? r.canRevert()
                                                : false;
    if (!allowed)
        return nullptr;
    if (action == u"dismiss") {
        send(r.id, action);
        return nullptr;
    }
    const bool apply = action == u"apply";
    const QString from = RecommendationRow::valueText(apply ? r.before : r.after);
    const QString to = RecommendationRow::valueText(apply ? r.after : r.before);
    auto *box = new QMessageBox(
        QMessageBox::Question, apply ? tr("Apply the recommendation") : tr("Revert the change"),
        tr("Set %1 of %2 from %3 to %4?").arg(r.setting, r.settingService, from, to),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("recommendationConfirmation"));
    box->setInformativeText(apply ? tr("%1\nThe running proxy changes at once; Revert sets the "
                                       "value back.")
                                        .arg(r.title)
                                  : tr("%1\nThe running proxy changes at once.").arg(r.title));
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(actionLabel(action));
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString id = r.id;
    connect(box, &QMessageBox::accepted, this, [this, id, action] { send(id, action); });
    box->open();
    return box;
}

void RecommendationsView::send(const QString &id, const QString &action) {
    FeedRequest request;
    request.method = "POST";
    request.target =
        "/api/v1/recommendations/" + QUrl::toPercentEncoding(id) + '/' + action.toUtf8();
    m_result->setText(tr("%1: sending…").arg(actionLabel(action)));
    qCInfo(lcRecommendationsView).noquote() << "recommendation" << action << id;
    m_feed->request(request, this, [this, id, action](const FeedResponse &response) {
        if (response.ok()) {
            QString error;
            const auto changed = RecommendationRow::fromJson(response.body, &error);
            if (changed) {
                m_model->update(*changed);
                const QString text =
                    tr("%1 done: %2 is now %3")
                        .arg(actionLabel(action), changed->title,
                             RecommendationsModel::statusLabel(changed->status).toLower());
                m_result->setText(text);
                emit message(text);
                emit actionFinished(id, action, true, text);
            } else {
                const QString text = tr("%1 done, but the answer does not follow the API (%2)")
                                         .arg(actionLabel(action), error);
                m_result->setText(text);
                emit actionFinished(id, action, true, text);
            }
            reload();
            return;
        }
        const QString text = adminProblemText(response);
        m_result->setText(tr("%1 failed: %2").arg(actionLabel(action), text));
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Recommendation not changed"),
                                    tr("%1 failed:\n%2").arg(actionLabel(action), text),
                                    QMessageBox::Close, this);
        box->setObjectName(QStringLiteral("recommendationError"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        emit message(tr("Recommendation not changed: %1").arg(text));
        emit actionFinished(id, action, false, text);
        reload(); // the state may have moved on (409)
    });
}

} // namespace ToolCapture
