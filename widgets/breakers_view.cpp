#include <backend/feed/feed_transport.h>
#include <models/breaker_transitions_model.h>
#include <models/breakers_model.h>
#include <widgets/breaker_command_dialog.h>
#include <widgets/breakers_view.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLoggingCategory>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

Q_LOGGING_CATEGORY(lcBreakersView, "toolcapture.console.breakers")

const QStringList kActions{QStringLiteral("force_open"), QStringLiteral("force_closed"),
                           QStringLiteral("disable"), QStringLiteral("auto")};

// The detail of a problem+json answer, or a line saying what else went wrong.
QString problemText(const FeedResponse &response) {
    if (response.status == 0)
        return response.error.isEmpty() ? BreakersView::tr("no answer from the engine")
                                        : response.error;
    const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
    const QString detail = problem.value(QLatin1String("detail")).toString();
    const QString title = problem.value(QLatin1String("title")).toString();
    if (!detail.isEmpty())
        return BreakersView::tr("%1 (HTTP %2)").arg(detail).arg(response.status);
    return BreakersView::tr("HTTP %1 %2").arg(response.status).arg(title);
}

} // namespace

BreakersView::BreakersView(FeedTransport *feed, QWidget *parent)
    : QWidget(parent)
    , m_feed(feed)
    , m_model(new BreakersModel(this))
    , m_transitions(new BreakerTransitionsModel(this))
    , m_table(new QTableView)
    , m_transitionsTable(new QTableView)
    , m_story(new QPlainTextEdit)
    , m_result(new QLabel) {
    setObjectName(QStringLiteral("breakersView"));
    m_table->setObjectName(QStringLiteral("breakersTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setColumnWidth(int(BreakersModel::Column::FailureRate), 140);
    m_table->setColumnWidth(int(BreakersModel::Column::SlowCallRate), 150);
    for (auto column : {BreakersModel::Column::Calls, BreakersModel::Column::Failures,
                        BreakersModel::Column::SlowCalls})
        m_table->setColumnWidth(int(column), 70);
    connect(m_table, &QWidget::customContextMenuRequested, this, &BreakersView::showContextMenu);

    auto *buttons = new QHBoxLayout;
    for (const QString &action : kActions) {
        auto *button = new QPushButton(BreakerCommandDialog::actionLabel(action) + u'…');
        button->setObjectName(action);
        button->setEnabled(false);
        connect(button, &QPushButton::clicked, this, [this, action] { requestCommand(action); });
        buttons->addWidget(button);
        m_buttons.append(button);
    }
    buttons->addStretch();
    m_result->setObjectName(QStringLiteral("commandResult"));
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    buttons->addWidget(m_result);

    m_story->setObjectName(QStringLiteral("tripStory"));
    m_story->setReadOnly(true);
    m_story->setPlaceholderText(tr("Select a breaker to see its thresholds and trip story."));
    m_story->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_transitionsTable->setObjectName(QStringLiteral("transitionsTable"));
    m_transitionsTable->setModel(m_transitions);
    m_transitionsTable->verticalHeader()->hide();
    m_transitionsTable->horizontalHeader()->setStretchLastSection(true);
    m_transitionsTable->setColumnWidth(int(BreakerTransitionsModel::Column::Time), 110);
    m_transitionsTable->setColumnWidth(int(BreakerTransitionsModel::Column::Instance), 120);
    // Follow new transitions only while the user is at the bottom (Wireshark's tail_at_end_).
    QScrollBar *scroll = m_transitionsTable->verticalScrollBar();
    connect(m_transitions, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this, scroll] { m_followTransitions = scroll->value() == scroll->maximum(); });
    connect(m_transitions, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_followTransitions)
            m_transitionsTable->scrollToBottom();
    });

    auto *lower = new QSplitter(Qt::Horizontal);
    auto *storyBox = new QWidget;
    auto *storyLayout = new QVBoxLayout(storyBox);
    storyLayout->setContentsMargins(0, 0, 0, 0);
    storyLayout->addWidget(new QLabel(tr("Thresholds and trip story")));
    storyLayout->addWidget(m_story);
    auto *auditBox = new QWidget;
    auto *auditLayout = new QVBoxLayout(auditBox);
    auditLayout->setContentsMargins(0, 0, 0, 0);
    auditLayout->addWidget(new QLabel(tr("Transitions (operator commands say who forced them)")));
    auditLayout->addWidget(m_transitionsTable);
    lower->addWidget(storyBox);
    lower->addWidget(auditBox);
    lower->setStretchFactor(1, 2);

    auto *upper = new QWidget;
    auto *upperLayout = new QVBoxLayout(upper);
    upperLayout->setContentsMargins(0, 0, 0, 0);
    upperLayout->addWidget(m_table);
    upperLayout->addLayout(buttons);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("breakersSplitter"));
    splitter->addWidget(upper);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &BreakersView::updateSelection);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &BreakersView::updateSelection);
    connect(m_model, &QAbstractItemModel::modelReset, this, &BreakersView::updateSelection);
}

QStringList BreakersView::subjects() {
    QStringList subjects = BreakersModel::subjects();
    for (const QString &subject : BreakerTransitionsModel::subjects()) {
        if (!subjects.contains(subject))
            subjects.append(subject);
    }
    return subjects;
}

void BreakersView::apply(const FeedMessage &message) {
    m_model->apply(message);
    m_transitions->apply(message);
}

QString BreakersView::currentInstance() const {
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? current.data(BreakersModel::InstanceRole).toString() : QString();
}

void BreakersView::selectInstance(const QString &instance) {
    const int row = m_model->rowOf(instance);
    if (row >= 0)
        m_table->selectRow(row);
}

QString BreakersView::resultText() const {
    return m_result->text();
}

void BreakersView::updateSelection() {
    const QModelIndex current = m_table->currentIndex();
    for (QPushButton *button : m_buttons)
        button->setEnabled(current.isValid());
    const QString story =
        current.isValid() ? current.data(BreakersModel::StoryRole).toString() : QString();
    if (m_story->toPlainText() != story)
        m_story->setPlainText(story);
}

void BreakersView::showContextMenu(const QPoint &position) {
    const QModelIndex index = m_table->indexAt(position);
    if (!index.isValid())
        return;
    m_table->selectRow(index.row());
    QMenu menu(this);
    for (const QString &action : kActions) {
        menu.addAction(BreakerCommandDialog::actionLabel(action) + u'…', this,
                       [this, action] { requestCommand(action); });
    }
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

BreakerCommandDialog *BreakersView::requestCommand(const QString &action) {
    const QString instance = currentInstance();
    if (instance.isEmpty())
        return nullptr;
    auto *dialog = new BreakerCommandDialog(instance, action, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        send(dialog->instance(), dialog->action(), dialog->actor(), dialog->reason());
    });
    dialog->open();
    return dialog;
}

void BreakersView::send(const QString &instance, const QString &action, const QString &actor,
                        const QString &reason) {
    QJsonObject body{{QStringLiteral("action"), action}, {QStringLiteral("actor"), actor}};
    if (!reason.isEmpty())
        body.insert(QStringLiteral("reason"), reason);
    FeedRequest request;
    request.method = "POST";
    request.target = "/api/v1/breakers/" + QUrl::toPercentEncoding(instance);
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    m_result->setText(
        tr("%1: sending %2…").arg(instance, BreakerCommandDialog::actionLabel(action)));
    qCInfo(lcBreakersView).noquote()
        << "breaker command" << action << "on" << instance << "by" << actor
        << (reason.isEmpty() ? QString() : QStringLiteral("(%1)").arg(reason));
    m_feed->request(request, this, [this, instance, action](const FeedResponse &response) {
        if (response.ok()) {
            const QJsonObject breaker = QJsonDocument::fromJson(response.body).object();
            const QString state = breaker.value(QLatin1String("state")).toString();
            const QString text = tr("%1: %2, now %3")
                                     .arg(instance, BreakerCommandDialog::actionLabel(action),
                                          BreakersModel::stateLabel(state));
            m_result->setText(text);
            emit commandFinished(instance, action, true, text);
            return;
        }
        const QString text = problemText(response);
        m_result->setText(
            tr("%1: %2 failed").arg(instance, BreakerCommandDialog::actionLabel(action)));
        auto *box =
            new QMessageBox(QMessageBox::Warning, tr("Breaker command failed"),
                            tr("%1 on %2 failed:\n%3")
                                .arg(BreakerCommandDialog::actionLabel(action), instance, text),
                            QMessageBox::Close, this);
        box->setObjectName(QStringLiteral("breakerCommandError"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        emit commandFinished(instance, action, false, text);
    });
}

} // namespace ToolCapture
