#include <backend/feed/feed_transport.h>
#include <models/hook_event_model.h>
#include <models/hook_tool_model.h>
#include <models/topic_tail_poller.h>
#include <widgets/hooks_view.h>

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

QTableView *makeTable(QAbstractItemModel *model, const QString &name) {
    auto *table = new QTableView;
    table->setObjectName(name);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setObjectName(name + QStringLiteral("Header"));
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setHighlightSections(false);
    return table;
}

} // namespace

HooksView::HooksView(QWidget *parent)
    : QWidget(parent)
    , m_tools(new HookToolModel(this))
    , m_events(new HookEventModel(this))
    , m_toolTable(makeTable(m_tools, QStringLiteral("hooksToolTable")))
    , m_eventTable(makeTable(m_events, QStringLiteral("hooksEventTable")))
    , m_detail(new QPlainTextEdit)
    , m_summary(new QLabel)

    , m_vertical(new QSplitter(Qt::Vertical))
    , m_horizontal(new QSplitter(Qt::Horizontal)) {
    const int digit = fontMetrics().horizontalAdvance(u'0');
    m_toolTable->setColumnWidth(int(HookToolModel::Column::Name), digit * 28);
    m_toolTable->setColumnWidth(int(HookToolModel::Column::Service), digit * 16);
    m_toolTable->setColumnWidth(int(HookToolModel::Column::Capabilities), digit * 28);
    m_eventTable->setColumnWidth(int(HookEventModel::Column::Time), digit * 14);
    m_eventTable->setColumnWidth(int(HookEventModel::Column::Kind), digit * 12);
    m_eventTable->setColumnWidth(int(HookEventModel::Column::Service), digit * 16);
    m_eventTable->setColumnWidth(int(HookEventModel::Column::Detail), digit * 30);
    m_eventTable->setColumnWidth(int(HookEventModel::Column::Duration), digit * 12);

    m_detail->setObjectName(QStringLiteral("hooksDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setPlaceholderText(tr("Select an event to see it whole"));
    m_summary->setObjectName(QStringLiteral("hooksSummary"));

    auto *toolsPane = new QWidget;
    auto *toolsLayout = new QVBoxLayout(toolsPane);
    toolsLayout->setContentsMargins(0, 0, 0, 0);
    toolsLayout->addWidget(new QLabel(tr("Registered tools")));
    toolsLayout->addWidget(m_toolTable);
    auto *eventsPane = new QWidget;
    auto *eventsLayout = new QVBoxLayout(eventsPane);
    eventsLayout->setContentsMargins(0, 0, 0, 0);
    eventsLayout->addWidget(m_summary);
    eventsLayout->addWidget(m_eventTable);

    m_horizontal->setObjectName(QStringLiteral("hooksEventSplitter"));
    m_horizontal->addWidget(eventsPane);
    m_horizontal->addWidget(m_detail);
    m_horizontal->setStretchFactor(0, 3);
    m_horizontal->setStretchFactor(1, 2);
    m_vertical->setObjectName(QStringLiteral("hooksSplitter"));
    m_vertical->addWidget(toolsPane);
    m_vertical->addWidget(m_horizontal);
    m_vertical->setStretchFactor(0, 1);
    m_vertical->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_vertical);

    connect(m_eventTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &HooksView::showSelected);
    connect(m_events, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        const QScrollBar *bar = m_eventTable->verticalScrollBar();
        m_atBottom = bar->value() >= bar->maximum();
    });
    connect(m_events, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                for (int row = first; row <= last; ++row) {
                    const QVariant success =
                        m_events->index(row, 0).data(HookEventModel::SuccessRole);
                    if (!success.isValid())
                        continue;
                    ++m_executions;
                    m_failures += success.toBool() ? 0 : 1;
                }
                updateSummary();
                scheduleScrollToBottom();
            });
    updateSummary();
}

QStringList HooksView::subjects() {
    return {QStringLiteral("tools"), QStringLiteral("hook_events")};
}

void HooksView::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("tools") && !message.append)
        m_tools->applyDocument(message.json);
    else if (message.subject == QLatin1String("hook_events") && message.append)
        m_events->appendJsonArray(message.json);
}

void HooksView::clear() {
    m_events->clear();
    m_detail->clear();
    m_executions = 0;
    m_failures = 0;
    updateSummary();
}

void HooksView::showSelected() {
    const QModelIndex current = m_eventTable->currentIndex();
    m_detail->setPlainText(
        current.isValid() ? current.data(HookEventModel::EventJsonRole).toString() : QString());
}

void HooksView::updateSummary() {
    const QLocale locale;
    m_summary->setText(tr("Hook events (%1 shown) · executions: %2, failed: %3")
                           .arg(locale.toString(m_events->rowCount()),
                                locale.toString(m_executions), locale.toString(m_failures)));
}

void HooksView::scheduleScrollToBottom() {
    if (!m_atBottom)
        return;
    QTimer::singleShot(100, m_eventTable, [table = m_eventTable] { table->scrollToBottom(); });
}

} // namespace ToolCapture
