#include <backend/feed/feed_transport.h>
#include <models/batch_replay_job.h>
#include <models/capture_detail.h>
#include <widgets/batch_replay_dialog.h>
#include <widgets/instance_chooser.h>
#include <widgets/response_diff_view.h>

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

enum Column { Id, Request, Captured, Replayed, Result, ColumnCount };

QString statusText(int status) {
    return status == 0 ? BatchReplayDialog::tr("none") : QString::number(status);
}

} // namespace

BatchReplayDialog::BatchReplayDialog(FeedTransport *transport, QList<CaptureSummary> captures,
                                     QWidget *parent)
    : QDialog(parent)
    , m_transport(transport)
    , m_captures(std::move(captures))
    , m_target(new InstanceChooser(transport,
                                   m_captures.isEmpty() ? QString() : m_captures.first().service,
                                   QString(), this))
    , m_concurrency(new QSpinBox(this))
    , m_start(new QPushButton(tr("&Start"), this))
    , m_cancel(new QPushButton(tr("&Cancel replays"), this))
    , m_progress(new QProgressBar(this))
    , m_summary(new QLabel(this))
    , m_results(new QTreeWidget(this)) {
    setWindowTitle(tr("Replay %n capture(s)", nullptr, int(m_captures.size())));
    m_concurrency->setRange(1, kMaxConcurrency);
    m_concurrency->setValue(kDefaultConcurrency);
    m_concurrency->setToolTip(tr("Replays in flight at once"));
    m_progress->setRange(0, int(m_captures.size()));
    m_progress->setValue(0);
    m_cancel->setEnabled(false);
    m_summary->setWordWrap(true);
    m_summary->setText(tr("%n capture(s) selected. Choose where to send them and start.", nullptr,
                          int(m_captures.size())));

    m_results->setRootIsDecorated(false);
    m_results->setUniformRowHeights(true);
    m_results->setHeaderLabels(
        {tr("No."), tr("Request"), tr("Captured"), tr("Replayed"), tr("Result")});
    m_results->header()->setSectionResizeMode(Request, QHeaderView::Stretch);
    for (const CaptureSummary &capture : std::as_const(m_captures)) {
        auto *item = new QTreeWidgetItem(m_results);
        item->setText(Id, QString::number(capture.id));
        item->setText(Request, capture.method + QLatin1Char(' ') + capture.target());
        item->setText(Captured, statusText(capture.status));
        item->setText(Result, tr("waiting"));
    }
    connect(m_results, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem *item) { openDiff(m_results->indexOfTopLevelItem(item)); });

    auto *form = new QFormLayout;
    form->addRow(tr("Send to:"), m_target);
    form->addRow(tr("At once:"), m_concurrency);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_start, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancel, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, [this] {
        cancel();
        reject();
    });
    connect(m_start, &QPushButton::clicked, this, &BatchReplayDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, &BatchReplayDialog::cancel);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_summary);
    layout->addWidget(m_results, 1);
    layout->addWidget(new QLabel(tr("Double-click a result to see its diff.")));
    layout->addWidget(buttons);
    resize(900, 560);
}

void BatchReplayDialog::setConcurrency(int concurrency) {
    m_concurrency->setValue(concurrency);
}

QString BatchReplayDialog::summaryText() const {
    return m_summary->text();
}

void BatchReplayDialog::start() {
    if (m_job)
        return;
    m_job = new BatchReplayJob(m_transport, m_captures, m_target->instance(),
                               m_concurrency->value(), this);
    connect(m_job, &BatchReplayJob::itemFinished, this, &BatchReplayDialog::showItem);
    connect(m_job, &BatchReplayJob::progress, m_progress, &QProgressBar::setValue);
    connect(m_job, &BatchReplayJob::progress, this, [this](int done, int total) {
        m_summary->setText(tr("Replayed %1 of %2…").arg(done).arg(total));
    });
    connect(m_job, &BatchReplayJob::finished, this, &BatchReplayDialog::finish);
    m_start->setEnabled(false);
    m_target->setEnabled(false);
    m_concurrency->setEnabled(false);
    m_cancel->setEnabled(true);
    for (int i = 0; i < m_results->topLevelItemCount(); ++i)
        m_results->topLevelItem(i)->setText(Result, tr("waiting"));
    m_job->start();
}

void BatchReplayDialog::cancel() {
    if (m_job && !m_job->isFinished()) {
        m_summary->setText(tr("Cancelling: the replays in flight finish first…"));
        m_job->cancel();
    }
}

void BatchReplayDialog::showItem(int index) {
    const BatchReplayJob::Item &item = m_job->items().at(index);
    QTreeWidgetItem *row = m_results->topLevelItem(index);
    const ReplayOutcome &outcome = item.outcome;
    if (!outcome.ok) {
        row->setText(Replayed, QString());
        row->setText(Result, tr("failed: %1").arg(outcome.error));
        row->setForeground(Result, QColor(0xd3, 0x2f, 0x2f));
        return;
    }
    row->setText(Replayed, statusText(outcome.status));
    if (outcome.diff.changed) {
        QStringList what;
        if (outcome.diff.statusChanged)
            what << tr("status");
        if (!outcome.diff.headersEqual)
            what << tr("headers");
        if (!outcome.diff.bodyEqual)
            what << tr("body");
        row->setText(Result, tr("changed: %1").arg(what.join(QStringLiteral(", "))));
        row->setForeground(Result, QColor(0xe6, 0x7e, 0x00));
    } else {
        row->setText(Result, tr("same"));
    }
}

void BatchReplayDialog::finish() {
    m_cancel->setEnabled(false);
    int cancelled = 0;
    for (int i = 0; i < m_job->items().size(); ++i) {
        if (m_job->items().at(i).state == BatchReplayJob::Item::State::Cancelled) {
            m_results->topLevelItem(i)->setText(Result, tr("cancelled"));
            ++cancelled;
        }
    }
    const int done = m_job->doneCount();
    QString text = tr("%1 replayed: %2 changed, %3 same, %4 failed.")
                       .arg(done)
                       .arg(m_job->changedCount())
                       .arg(done - m_job->changedCount() - m_job->failedCount())
                       .arg(m_job->failedCount());
    if (cancelled > 0)
        text += QLatin1Char(' ') + tr("%n cancelled before they were sent.", nullptr, cancelled);
    m_summary->setText(text);
    emit batchFinished();
}

void BatchReplayDialog::openDiff(int row) {
    if (!m_job || row < 0 || row >= m_job->items().size() || !m_transport)
        return;
    const BatchReplayJob::Item &item = m_job->items().at(row);
    if (item.state != BatchReplayJob::Item::State::Done)
        return;
    const ReplayOutcome outcome = item.outcome;
    FeedRequest request;
    request.target = "/api/v1/captures/" + QByteArray::number(item.capture.id);
    m_transport->request(request, this, [this, outcome](const FeedResponse &response) {
        QString error;
        const auto detail =
            response.ok() ? CaptureDetail::fromJson(response.body, &error) : std::nullopt;
        auto *dialog = new QDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        auto *view = new ResponseDiffView(dialog);
        auto *layout = new QVBoxLayout(dialog);
        layout->addWidget(view);
        auto *close = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
        connect(close, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
        layout->addWidget(close);
        if (detail) {
            dialog->setWindowTitle(tr("Diff of capture #%1").arg(detail->summary.id));
            view->setComparison(*detail, outcome);
        } else {
            ReplayOutcome failed;
            failed.error = tr("The captured record could not be read: %1")
                               .arg(error.isEmpty() ? response.error : error);
            view->setComparison({}, failed);
        }
        dialog->resize(1100, 700);
        dialog->show();
        emit diffShown(view);
    });
}

} // namespace ToolCapture
