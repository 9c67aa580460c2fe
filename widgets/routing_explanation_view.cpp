#include <widgets/routing_explanation_view.h>
#include <widgets/score_bar_delegate.h>

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

QString exclusionText(const QString &key) {
    if (key == u"breaker_open")
        return RoutingExplanationView::tr("breaker open");
    if (key == u"unhealthy")
        return RoutingExplanationView::tr("unhealthy");
    if (key == u"unreachable")
        return RoutingExplanationView::tr("unreachable (connect failed recently)");
    if (key == u"avoided")
        return RoutingExplanationView::tr("failed on an earlier attempt of this request");
    if (key == u"bulkhead_full")
        return RoutingExplanationView::tr("bulkhead full");
    if (key == u"incompatible")
        return RoutingExplanationView::tr("lacks a required capability");
    if (key == u"draining")
        return RoutingExplanationView::tr("draining");
    QString text = key;
    return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

} // namespace

RoutingExplanationView::RoutingExplanationView(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_candidates(new QTreeWidget(this)) {
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_candidates->setRootIsDecorated(false);
    m_candidates->setUniformRowHeights(true);
    m_candidates->setColumnCount(int(Column::Count));
    m_candidates->setHeaderLabels({tr("Instance"), tr("Verdict"), tr("Score"), tr("Performance"),
                                   tr("Reliability"), tr("Load"), tr("Compatibility"),
                                   tr("Latency (ms)"), tr("Success rate"), tr("Active")});
    auto *bars = new ScoreBarDelegate(m_candidates);
    for (Column c : {Column::Score, Column::Performance, Column::Reliability, Column::Load,
                     Column::Compatibility})
        m_candidates->setItemDelegateForColumn(int(c), bars);
    m_candidates->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_candidates->header()->setStretchLastSection(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_candidates, 1);
    clear();
}

QString RoutingExplanationView::verdict(const RoutingExplanation &explanation,
                                        const RoutingExplanation::Candidate &candidate) {
    if (candidate.excluded) {
        const QString why =
            candidate.reason.isEmpty() ? exclusionText(candidate.exclusion) : candidate.reason;
        return tr("excluded: %1").arg(why);
    }
    if (candidate.id == explanation.chosen)
        return tr("chosen");
    if (candidate.id == explanation.runnerUp)
        return tr("runner-up");
    const RoutingExplanation::Candidate *chosen = explanation.candidate(explanation.chosen);
    if (chosen && candidate.score < chosen->score)
        return tr("lower score (%1 below)")
            .arg(QLocale().toString(chosen->score - candidate.score, 'f', 3));
    return tr("not drawn");
}

void RoutingExplanationView::setExplanation(const RoutingExplanation &explanation) {
    m_explanation = explanation;
    m_candidates->clear();
    if (explanation.isEmpty()) {
        m_summary->setText(tr("No routing explanation was captured for this exchange."));
        return;
    }
    QString summary = explanation.text.isEmpty() ? explanation.summary : explanation.text;
    if (!explanation.policy.isEmpty())
        summary =
            tr("%1 (policy %2, service %3)").arg(summary, explanation.policy, explanation.service);
    m_summary->setText(summary);
    const QLocale locale;
    QList<QTreeWidgetItem *> items;
    for (const RoutingExplanation::Candidate &c : explanation.candidates) {
        auto *item = new QTreeWidgetItem;
        item->setText(int(Column::Instance), c.id);
        item->setText(int(Column::Verdict), verdict(explanation, c));
        item->setToolTip(int(Column::Verdict), item->text(int(Column::Verdict)));
        const std::pair<Column, double> parts[] = {{Column::Score, c.score},
                                                   {Column::Performance, c.performance},
                                                   {Column::Reliability, c.reliability},
                                                   {Column::Load, c.load},
                                                   {Column::Compatibility, c.compatibility}};
        for (const auto &[column, value] : parts) {
            item->setData(int(column), Qt::UserRole, c.excluded ? QVariant() : QVariant(value));
            item->setText(int(column),
                          c.excluded ? QStringLiteral("–") : locale.toString(value, 'f', 3));
        }
        item->setText(int(Column::Latency),
                      c.latencyMs < 0 ? tr("unknown") : locale.toString(c.latencyMs, 'f', 2));
        item->setText(int(Column::SuccessRate),
                      c.successRate < 0
                          ? tr("unknown")
                          : locale.toString(c.successRate * 100.0, 'f', 1) + QLatin1Char('%'));
        item->setText(int(Column::Active), locale.toString(c.active));
        for (Column column : {Column::Latency, Column::SuccessRate, Column::Active})
            item->setTextAlignment(int(column), Qt::AlignRight | Qt::AlignVCenter);
        if (c.id == explanation.chosen) {
            QFont bold = item->font(0);
            bold.setBold(true);
            for (int column = 0; column < int(Column::Count); ++column)
                item->setFont(column, bold);
        }
        if (c.excluded) {
            for (int column = 0; column < int(Column::Count); ++column)
                item->setForeground(column, palette().brush(QPalette::Disabled, QPalette::Text));
        }
        items.push_back(item);
    }
    m_candidates->addTopLevelItems(items);
}

void RoutingExplanationView::clear() {
    m_explanation = {};
    m_candidates->clear();
    m_summary->setText(tr("Select a captured request to see why it went where it went."));
}

} // namespace ToolCapture
