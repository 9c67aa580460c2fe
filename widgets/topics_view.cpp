#include <backend/feed/feed_transport.h>
#include <models/topic_tail_model.h>
#include <widgets/topics_view.h>

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ToolCapture {

const QStringList TopicsView::kDefaultTopics{QStringLiteral("proxy.request_intelligence"),
                                             QStringLiteral("proxy.response_intelligence"),
                                             QStringLiteral("proxy.communication_intelligence"),
                                             QStringLiteral("proxy.breaker_events"),
                                             QStringLiteral("hooks.execution_intelligence"),
                                             QStringLiteral("hooks.service_lifecycle"),
                                             QStringLiteral("tools.registration_events"),
                                             QStringLiteral("proxy.recommendations")};

TopicsView::TopicsView(QWidget *parent)
    : QWidget(parent)
    , m_model(new TopicTailModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_topic(new QComboBox)
    , m_from(new QComboBox)
    , m_time(new QDateTimeEdit(QDateTime::currentDateTime().addSecs(-600)))
    , m_key(new QLineEdit)
    , m_field(new QLineEdit)
    , m_fieldValue(new QLineEdit)
    , m_text(new QLineEdit)
    , m_pause(new QToolButton)
    , m_state(new QLabel)
    , m_splitter(new QSplitter(Qt::Horizontal))
    , m_table(new QTableView)
    , m_detail(new QPlainTextEdit)
    , m_openCapture(new QPushButton(tr("Open capture"))) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterRole(TopicTailModel::SearchTextRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_topic->setObjectName(QStringLiteral("topicsTopic"));
    m_topic->addItems(kDefaultTopics);
    m_topic->setToolTip(tr("The Kafka topic to follow"));
    m_from->addItem(tr("From the end"), int(TopicTailPoller::From::End));
    m_from->addItem(tr("From the beginning"), int(TopicTailPoller::From::Beginning));
    m_from->addItem(tr("From a time"), int(TopicTailPoller::From::Time));
    m_time->setCalendarPopup(true);
    m_time->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
    m_time->setEnabled(false);
    m_key->setObjectName(QStringLiteral("topicsKeyFilter"));
    m_key->setPlaceholderText(tr("Key"));
    m_key->setToolTip(tr("Only records with exactly this key (a correlation id, an instance, a "
                         "service or a tool name, depending on the topic)"));
    m_key->setClearButtonEnabled(true);
    m_field->setPlaceholderText(tr("JSON field, e.g. /performance_metrics/status_code"));
    m_field->setToolTip(tr("A JSON Pointer into the record's value: only records where it "
                           "exists (and equals the value, when one is given)"));
    m_field->setClearButtonEnabled(true);
    m_fieldValue->setPlaceholderText(tr("Value"));
    m_fieldValue->setClearButtonEnabled(true);
    m_text->setObjectName(QStringLiteral("topicsTextFilter"));
    m_text->setPlaceholderText(tr("Filter the records shown by text"));
    m_text->setClearButtonEnabled(true);
    m_pause->setCheckable(true);
    m_pause->setText(tr("Pause"));
    m_pause->setIcon(QIcon(QStringLiteral(":/icons/pause.svg")));
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pause->setToolTip(tr("Stop following the topic; resumed, the tail goes on where it was"));
    auto *clearButton = new QToolButton;
    clearButton->setText(tr("Clear"));
    clearButton->setIcon(QIcon(QStringLiteral(":/icons/clear.svg")));
    clearButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_state->setObjectName(QStringLiteral("topicsState"));
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table->setObjectName(QStringLiteral("topicsTable"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setObjectName(QStringLiteral("topicsTableHeader"));
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    const int digit = m_table->fontMetrics().horizontalAdvance(u'0');
    m_table->setColumnWidth(int(TopicTailModel::Column::Time), digit * 14);
    m_table->setColumnWidth(int(TopicTailModel::Column::Partition), digit * 9);
    m_table->setColumnWidth(int(TopicTailModel::Column::Offset), digit * 9);
    m_table->setColumnWidth(int(TopicTailModel::Column::Key), digit * 38);
    m_table->setColumnWidth(int(TopicTailModel::Column::EventType), digit * 22);

    m_detail->setObjectName(QStringLiteral("topicsDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setPlaceholderText(tr("Select a record to see its value and headers"));
    m_openCapture->setObjectName(QStringLiteral("topicsOpenCapture"));
    m_openCapture->setEnabled(false);
    m_openCapture->setToolTip(tr("Show the captured exchange with this correlation id in the "
                                 "Requests view (also: double-click the record)"));

    auto *detailPane = new QWidget;
    auto *detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_detail, 1);
    detailLayout->addWidget(m_openCapture, 0, Qt::AlignRight);
    m_splitter->setObjectName(QStringLiteral("topicsSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(detailPane);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *source = new QHBoxLayout;
    source->addWidget(new QLabel(tr("Topic:")));
    source->addWidget(m_topic, 2);
    source->addWidget(m_from);
    source->addWidget(m_time);
    source->addSpacing(12);
    source->addWidget(m_key, 2);
    source->addWidget(m_field, 2);
    source->addWidget(new QLabel(QStringLiteral("=")));
    source->addWidget(m_fieldValue, 1);
    source->addSpacing(12);
    source->addWidget(m_pause);
    source->addWidget(clearButton);
    auto *filter = new QHBoxLayout;
    filter->addWidget(m_text, 2);
    filter->addWidget(m_state, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(source);
    layout->addLayout(filter);
    layout->addWidget(m_splitter, 1);

    connect(m_topic, &QComboBox::currentIndexChanged, this, &TopicsView::restartTail);
    connect(m_from, &QComboBox::currentIndexChanged, this, [this] {
        m_time->setEnabled(TopicTailPoller::From(m_from->currentData().toInt()) ==
                           TopicTailPoller::From::Time);
        restartTail();
    });
    connect(m_time, &QDateTimeEdit::editingFinished, this, &TopicsView::restartTail);
    for (QLineEdit *edit : {m_key, m_field, m_fieldValue})
        connect(edit, &QLineEdit::editingFinished, this, &TopicsView::restartTail);
    connect(m_text, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_pause, &QToolButton::toggled, this, &TopicsView::setPaused);
    connect(clearButton, &QToolButton::clicked, this, &TopicsView::clear);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TopicsView::showSelected);
    connect(m_table, &QTableView::doubleClicked, this, &TopicsView::openSelectedCapture);
    connect(m_openCapture, &QPushButton::clicked, this, &TopicsView::openSelectedCapture);
    // Follow the newest records only while the user is at the bottom (Wireshark's tail_at_end_).
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        const QScrollBar *bar = m_table->verticalScrollBar();
        m_atBottom = bar->value() >= bar->maximum();
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &TopicsView::scheduleScrollToBottom);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_poller && !m_poller->isPaused())
            setState(tr("%n record(s), following", nullptr, m_model->rowCount()));
    });
}

TopicsView::~TopicsView() = default;

void TopicsView::setTransport(FeedTransport *transport) {
    if (m_poller) {
        m_poller->stop();
        m_poller->deleteLater();
        m_poller = nullptr;
    }
    m_transport = transport;
    m_model->clear();
    if (!transport) {
        setState(tr("Not connected"));
        return;
    }
    m_poller = new TopicTailPoller(transport, this);
    // NOTE: each poll's answer is parsed in the GUI thread: 200 records (about half a megabyte
    // of events) at most, twice a second, is what an operator can read and keeps the thread free.
    m_poller->setLimit(200);
    m_poller->setPaused(m_pause->isChecked());
    connect(m_poller, &TopicTailPoller::records, m_model, &TopicTailModel::append);
    connect(m_poller, &TopicTailPoller::failed, this, [this](const QString &detail) {
        setState(tr("Cannot read the topic: %1").arg(detail), true);
    });
    connect(m_poller, &TopicTailPoller::polled, this, [this] {
        if (m_state->property("error").toBool() || m_model->rowCount() == 0)
            setState(tr("%n record(s), following", nullptr, m_model->rowCount()));
    });
    connect(m_poller, &TopicTailPoller::behind, this, [this] {
        setState(tr("More records arrive than the tail shows: showing the newest"));
    });

    // The topics this engine has, in place of the default list.
    FeedRequest request;
    request.target = "/api/v1/topics";
    transport->request(request, this, [this](const FeedResponse &response) {
        const QJsonArray topics = QJsonDocument::fromJson(response.body)
                                      .object()
                                      .value(QLatin1String("topics"))
                                      .toArray();
        if (!response.ok() || topics.isEmpty())
            return;
        QStringList names;
        for (const QJsonValue &topic : topics)
            names.append(topic.toString());
        if (names == kDefaultTopics || names.isEmpty())
            return;
        const QString current = currentTopic();
        const QSignalBlocker blocker(m_topic);
        m_topic->clear();
        m_topic->addItems(names);
        m_topic->setCurrentIndex(std::max(0, int(names.indexOf(current))));
        if (currentTopic() != current)
            restartTail();
    });
    restartTail();
}

QString TopicsView::currentTopic() const {
    return m_topic->currentText();
}

void TopicsView::setCurrentTopic(const QString &topic) {
    const int index = m_topic->findText(topic);
    if (index >= 0)
        m_topic->setCurrentIndex(index);
}

void TopicsView::setFrom(TopicTailPoller::From from, const QDateTime &time) {
    if (time.isValid())
        m_time->setDateTime(time);
    const int index = m_from->findData(int(from));
    if (index == m_from->currentIndex())
        restartTail();
    else
        m_from->setCurrentIndex(index);
}

bool TopicsView::isPaused() const {
    return m_pause->isChecked();
}

QString TopicsView::detailText() const {
    return m_detail->toPlainText();
}

void TopicsView::restartTail() {
    if (!m_poller)
        return;
    TopicTailPoller::Query query;
    query.topic = currentTopic();
    query.from = TopicTailPoller::From(m_from->currentData().toInt());
    query.time = m_time->dateTime();
    query.key = m_key->text().trimmed();
    query.fieldPointer = m_field->text().trimmed();
    query.fieldValue = m_fieldValue->text().trimmed();
    const TopicTailPoller::Query &running = m_poller->query();
    if (m_poller->isRunning() && running.topic == query.topic && running.from == query.from &&
        running.time == query.time && running.key == query.key &&
        running.fieldPointer == query.fieldPointer && running.fieldValue == query.fieldValue)
        return; // editingFinished without an edit
    if (query.topic.isEmpty())
        return;
    m_model->clear();
    m_detail->clear();
    m_openCapture->setEnabled(false);
    m_atBottom = true;
    setState(tr("Reading %1…").arg(query.topic));
    m_poller->start(query);
}

void TopicsView::setPaused(bool paused) {
    if (m_pause->isChecked() != paused) {
        m_pause->setChecked(paused); // comes back here through toggled
        return;
    }
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(
        QIcon(paused ? QStringLiteral(":/icons/resume.svg") : QStringLiteral(":/icons/pause.svg")));
    if (m_poller)
        m_poller->setPaused(paused);
    if (paused)
        setState(tr("Paused: %n record(s)", nullptr, m_model->rowCount()));
    else
        setState(tr("%n record(s), following", nullptr, m_model->rowCount()));
}

void TopicsView::clear() {
    m_model->clear();
    m_detail->clear();
    m_openCapture->setEnabled(false);
}

void TopicsView::openSelectedCapture() {
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return;
    const QString id = current.data(TopicTailModel::CorrelationIdRole).toString();
    if (!id.isEmpty())
        emit captureRequested(id);
}

void TopicsView::showSelected() {
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    if (!current.isValid()) {
        m_detail->clear();
        m_openCapture->setEnabled(false);
        return;
    }
    const TopicRecord &record = m_model->row(current.row());
    const QLocale locale;
    QString text;
    text += tr("Topic: %1").arg(currentTopic()) + u'\n';
    text += tr("Partition: %1   Offset: %2").arg(record.partition).arg(record.offset) + u'\n';
    if (record.timestampMs >= 0) {
        text += tr("Timestamp: %1")
                    .arg(locale.toString(QDateTime::fromMSecsSinceEpoch(record.timestampMs),
                                         QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz t"))) +
                u'\n';
    }
    text += tr("Key: %1").arg(record.key.isEmpty() ? tr("(none)") : record.key) + u'\n';
    if (!record.headers.isEmpty()) {
        // A structured-mode event's attributes are in its value; the tail shows them as the
        // headers binary mode would have carried, and says so.
        text +=
            u'\n' +
            (record.structured ? tr("CloudEvent attributes (structured mode):") : tr("Headers:")) +
            u'\n';
        for (const auto &[name, value] : record.headers)
            text += QStringLiteral("  %1: %2\n").arg(name, value);
    }
    text += u'\n' + record.prettyValue();
    m_detail->setPlainText(text);
    m_openCapture->setEnabled(!record.correlationId.isEmpty());
}

void TopicsView::scheduleScrollToBottom() {
    if (!m_atBottom)
        return;
    QTimer::singleShot(100, m_table, [table = m_table] { table->scrollToBottom(); });
}

void TopicsView::setState(const QString &text, bool error) {
    m_state->setText(text);
    m_state->setProperty("error", error);
    QPalette palette = m_state->palette();
    palette.setColor(QPalette::WindowText,
                     error ? QColor(Qt::red) : this->palette().color(QPalette::WindowText));
    m_state->setPalette(palette);
}

} // namespace ToolCapture
