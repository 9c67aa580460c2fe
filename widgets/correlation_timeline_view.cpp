#include <backend/feed/feed_transport.h>
#include <models/correlation_timeline_model.h>
#include <widgets/admin_problem.h>
#include <widgets/correlation_timeline_view.h>
#include <widgets/fraction_bar_delegate.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

namespace ToolCapture {

using Column = CorrelationTimelineModel::Column;

CorrelationTimelineView::CorrelationTimelineView(QWidget *parent)
    : QWidget(parent)
    , m_model(new CorrelationTimelineModel(this))
    , m_message(new QLabel)
    , m_heading(new QLabel)
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_table(new QTableView)
    , m_stack(new QStackedWidget) {
    setObjectName(QStringLiteral("correlationTimeline"));
    m_message->setObjectName(QStringLiteral("timelineMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_refresh->setObjectName(QStringLiteral("timelineRefresh"));
    m_table->setObjectName(QStringLiteral("timelineTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->setItemDelegateForColumn(
        int(Column::Offset), new FractionBarDelegate(CorrelationTimelineModel::FractionRole,
                                                     FractionBarDelegate::Shape::Marker, m_table));
    QHeaderView *header = m_table->horizontalHeader();
    header->setObjectName(QStringLiteral("timelineHeader"));
    header->setStretchLastSection(true);
    m_table->setColumnWidth(int(Column::Offset), 300);
    m_table->setColumnWidth(int(Column::Topic), 200);
    m_table->setColumnWidth(int(Column::Kind), 100);
    m_table->setColumnWidth(int(Column::Service), 100);
    m_table->setColumnWidth(int(Column::Instance), 110);

    m_stack->addWidget(m_message);
    m_stack->addWidget(m_table);
    auto *top = new QHBoxLayout;
    top->addWidget(m_heading, 1);
    top->addWidget(m_refresh);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_stack, 1);
    connect(m_refresh, &QPushButton::clicked, this, &CorrelationTimelineView::reload);
    setCorrelationId({});
}

void CorrelationTimelineView::setTransport(FeedTransport *transport) {
    m_transport = transport;
    m_loadedId.clear();
    if (isVisible())
        reload();
}

void CorrelationTimelineView::setCorrelationId(const QString &id) {
    if (id == m_id && !id.isEmpty())
        return;
    m_id = id;
    m_loadedId.clear();
    ++m_generation; // an answer for the previous id is dropped
    m_model->clear();
    m_heading->clear();
    m_refresh->setEnabled(!id.isEmpty());
    if (id.isEmpty()) {
        showMessage(tr("Select a captured request to see what the analyser saw of it."));
        return;
    }
    if (isVisible())
        reload();
    else
        showMessage(tr("Loading…"));
}

QString CorrelationTimelineView::messageText() const {
    return m_stack->currentWidget() == m_message ? m_message->text() : QString();
}

void CorrelationTimelineView::showMessage(const QString &text) {
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
}

void CorrelationTimelineView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (m_loadedId != m_id)
        reload();
}

void CorrelationTimelineView::reload() {
    if (m_id.isEmpty())
        return;
    if (!m_transport) {
        showMessage(tr("Not connected to an engine."));
        return;
    }
    const quint64 generation = ++m_generation;
    const QString id = m_id;
    m_loadedId = id;
    if (m_model->rowCount() == 0)
        showMessage(tr("Loading…"));
    FeedRequest request;
    request.target = "/api/v1/correlations/" + QUrl::toPercentEncoding(id);
    m_transport->request(request, this, [this, generation, id](const FeedResponse &response) {
        if (generation != m_generation)
            return; // another request was selected since
        if (response.status == 404) {
            m_model->clear();
            m_heading->clear();
            showMessage(tr("The analyser has nothing for this request (yet).\n"
                           "It keeps the most recent correlation ids; Refresh asks again."));
            emit loaded(false);
            return;
        }
        if (!response.ok()) {
            m_model->clear();
            m_heading->clear();
            showMessage(tr("The timeline could not be read: %1").arg(adminProblemText(response)));
            emit loaded(false);
            return;
        }
        if (!m_model->setDocument(response.body)) {
            m_model->clear();
            m_heading->clear();
            showMessage(tr("The analyser's answer does not follow the API: %1")
                            .arg(m_model->errorString()));
            emit loaded(false);
            return;
        }
        m_heading->setText(tr("%n event(s) over %1 ms for %2", nullptr, m_model->rowCount())
                               .arg(QLocale().toString(m_model->spanMs(), 'f', 1), id));
        if (m_model->rowCount() == 0)
            showMessage(tr("The analyser knows this request but has no events for it."));
        else
            m_stack->setCurrentWidget(m_table);
        emit loaded(true);
    });
}

} // namespace ToolCapture
