#include <backend/feed/feed_transport.h>
#include <models/capture_export_job.h>
#include <models/capture_filter.h>
#include <models/capture_filter_proxy_model.h>
#include <models/capture_list_model.h>
#include <widgets/batch_replay_dialog.h>
#include <widgets/capture_inspector.h>
#include <widgets/replay_dialog.h>
#include <widgets/requests_view.h>

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QScrollBar>
#include <QSplitter>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

QToolButton *toolButton(const QString &text, const QString &tip, QWidget *parent) {
    auto *button = new QToolButton(parent);
    button->setText(text);
    button->setToolTip(tip);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return button;
}

} // namespace

RequestsView::RequestsView(FeedTransport *transport, QWidget *parent)
    : QWidget(parent)
    , m_transport(transport)
    , m_model(new CaptureListModel(transport, this))
    , m_proxy(new CaptureFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_filterError(new QLabel(this))
    , m_pause(toolButton(tr("Pause"), tr("Stop adding new captures to the list"), this))
    , m_counts(new QLabel(this))
    , m_message(new QLabel(this))
    , m_list(new QTreeView(this))
    , m_inspector(new CaptureInspector(this))
    , m_splitter(new QSplitter(Qt::Vertical, this)) {
    m_proxy->setSourceModel(m_model);
    m_inspector->setTransport(transport);
    // Before the list's selection model exists, so that this runs before it moves the current
    // index off rows about to go.
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this] { m_removingRows = true; });

    m_filter->setPlaceholderText(
        tr("Filter, e.g. status>=500 service:inventory path~/users method:POST"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Terms, all of which must hold: status, duration, id (= != < <= > "
                            ">=, status also 5xx); service, instance, method, cid, error (: "
                            "exact, != , ~ regex); path (: prefix, ~ regex); free text. "
                            "! or - negates a term."));
    m_filterError->setWordWrap(true);
    m_filterError->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_filterError->hide();
    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(250);
    connect(m_filter, &QLineEdit::textChanged, &m_filterTimer, qOverload<>(&QTimer::start));
    connect(m_filter, &QLineEdit::returnPressed, this, &RequestsView::applyFilterText);
    connect(&m_filterTimer, &QTimer::timeout, this, &RequestsView::applyFilterText);

    m_pause->setCheckable(true);
    connect(m_pause, &QToolButton::toggled, this, &RequestsView::setPaused);
    auto *clearButton = toolButton(tr("Clear"), tr("Remove every capture from the list"), this);
    connect(clearButton, &QToolButton::clicked, this, &RequestsView::clear);
    auto *replayButton =
        toolButton(tr("Replay…"), tr("Replay the current capture, with edits"), this);
    connect(replayButton, &QToolButton::clicked, this, &RequestsView::replayCurrent);
    auto *batchButton =
        toolButton(tr("Replay selection…"), tr("Replay the selected captures as a batch"), this);
    connect(batchButton, &QToolButton::clicked, this, &RequestsView::replaySelection);
    auto *curlButton =
        toolButton(tr("Copy as curl"), tr("Copy the selected captures as curl commands"), this);
    connect(curlButton, &QToolButton::clicked, this, &RequestsView::copySelectionAsCurl);
    auto *harButton =
        toolButton(tr("Export HAR…"), tr("Save the selected captures as a HAR file"), this);
    connect(harButton, &QToolButton::clicked, this, [this] { exportSelectionAsHar(); });

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_pause);
    bar->addWidget(clearButton);
    bar->addSpacing(12);
    bar->addWidget(replayButton);
    bar->addWidget(batchButton);
    bar->addWidget(curlButton);
    bar->addWidget(harButton);

    m_list->setModel(m_proxy);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(int(CaptureListModel::Column::Target),
                                           QHeaderView::Stretch);
    const QFontMetrics metrics = m_list->fontMetrics();
    const std::pair<CaptureListModel::Column, const char *> widths[] = {
        {CaptureListModel::Column::Id, "0000000"},
        {CaptureListModel::Column::Time, "00:00:00.000"},
        {CaptureListModel::Column::Method, "DELETE"},
        {CaptureListModel::Column::Service, "inventory-ser"},
        {CaptureListModel::Column::Instance, "inventory-12"},
        {CaptureListModel::Column::Status, "503 (upstream)"},
        {CaptureListModel::Column::Duration, "Duration (ms)"},
        {CaptureListModel::Column::ResponseSize, "000.0 KB"},
        {CaptureListModel::Column::Attempts, "Attempts"},
        {CaptureListModel::Column::CorrelationId, "00000000-0000-0000"},
    };
    for (const auto &[column, sample] : widths)
        m_list->setColumnWidth(int(column),
                               metrics.horizontalAdvance(QString::fromLatin1(sample)) + 20);
    connect(m_list, &QTreeView::customContextMenuRequested, this, &RequestsView::showListMenu);
    connect(m_list, &QTreeView::activated, this, [this] { replayCurrent(); });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                // The current row leaving past the cap moves the current index to a neighbour;
                // the inspector keeps what the user chose.
                if (!current.isValid() || m_removingRows)
                    return;
                // A row chosen above the newest stops the following, so that it stays in view
                // while the user reads it; End (or scrolling to the bottom) follows again.
                if (current.row() < m_proxy->rowCount() - 1)
                    m_tailing = false;
                loadDetail(
                    QString::number(current.data(CaptureListModel::CaptureIdRole).toLongLong()),
                    false);
            });

    // Tailing: follow new rows only while the user is at the bottom (Wireshark's tail_at_end_).
    QScrollBar *scroll = m_list->verticalScrollBar();
    connect(scroll, &QScrollBar::valueChanged, this, [this, scroll](int value) {
        m_tailing = value >= scroll->maximum();
        if (value == scroll->minimum() && scroll->maximum() > 0)
            m_proxy->fetchOlder();
    });
    // Rows added or removed above what the user looks at must not move it.
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this,
            [this, scroll](const QModelIndex &, int first, int last) {
                if (first == 0 && !m_tailing && m_proxy->rowCount() > last + 1) {
                    const int value = scroll->value();
                    m_list->doItemsLayout();
                    scroll->setValue(value + (last - first + 1));
                }
            });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this,
            [this, scroll](const QModelIndex &, int first, int last) {
                m_removingRows = false;
                if (first == 0 && !m_tailing) {
                    const int value = scroll->value();
                    m_list->doItemsLayout();
                    scroll->setValue(std::max(0, value - (last - first + 1)));
                }
            });
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_proxy, signal, this, &RequestsView::updateCounts);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &RequestsView::updateCounts);
    m_tailTimer.setInterval(CaptureListModel::kBatchInterval);
    connect(&m_tailTimer, &QTimer::timeout, this, &RequestsView::onTailTimer);
    m_tailTimer.start();

    connect(m_model, &CaptureListModel::historyFailed, this,
            [this](const QString &error) { report(tr("History: %1").arg(error)); });

    m_splitter->addWidget(m_list);
    m_splitter->addWidget(m_inspector);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    // The list first: the inspector's size hint (tabs of tables) would otherwise take most.
    m_splitter->setSizes({600, 400});

    auto *status = new QHBoxLayout;
    status->addWidget(m_counts);
    status->addStretch(1);
    status->addWidget(m_message);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_filterError);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(status);
    updateCounts();
}

RequestsView::~RequestsView() {
    // QWidget deletes the children after this body, when this object is no longer a
    // RequestsView: their last signals (the scroll bar moving as the list goes) must not reach
    // the lambdas above.
    m_list->verticalScrollBar()->disconnect(this);
    m_list->selectionModel()->disconnect(this);
    m_proxy->disconnect(this);
}

QStringList RequestsView::subjects() const {
    return {CaptureListModel::subject()};
}

void RequestsView::apply(const FeedMessage &message) {
    m_model->apply(message);
}

void RequestsView::onTailTimer() {
    QScrollBar *scroll = m_list->verticalScrollBar();
    if (m_tailing && scroll->value() != scroll->maximum())
        m_list->scrollToBottom();
    // A list that does not fill the view yet shows older captures too.
    if (scroll->maximum() == 0 && m_proxy->canFetchOlder() && isVisible())
        m_proxy->fetchOlder();
    updateCounts();
}

void RequestsView::updateCounts() {
    const QLocale locale;
    QString text =
        tr("%1 shown of %2 captures")
            .arg(locale.toString(m_proxy->rowCount()), locale.toString(m_model->rowCount()));
    if (m_model->isPaused())
        text +=
            QLatin1String(" — ") + tr("paused, %n new waiting", nullptr, m_model->pendingCount());
    if (m_model->isFetching())
        text += QStringLiteral(" — ") + tr("loading older captures…");
    m_counts->setText(text);
}

void RequestsView::focusFilter() {
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void RequestsView::setFilterText(const QString &expression) {
    m_filter->setText(expression);
    applyFilterText();
}

void RequestsView::applyFilterText() {
    m_filterTimer.stop();
    const CaptureFilter filter = CaptureFilter::parse(m_filter->text());
    if (!filter.isValid()) {
        const QString text = m_filter->text();
        const int at = filter.errorPosition();
        const QString excerpt = text.mid(at, std::max(1, filter.errorLength())).toHtmlEscaped();
        m_filterError->setText(
            tr("Column %1: %2 — <code>%3<u><b>%4</b></u>%5</code> (the list keeps the last valid "
               "filter)")
                .arg(at + 1)
                .arg(filter.error().toHtmlEscaped(), text.left(at).toHtmlEscaped(),
                     excerpt.isEmpty() ? QStringLiteral("&nbsp;") : excerpt,
                     text.mid(at + filter.errorLength()).toHtmlEscaped()));
        m_filterError->show();
        m_filter->setStyleSheet(QStringLiteral("QLineEdit { background: #fde0dc; }"));
        return;
    }
    m_filterError->hide();
    m_filterError->clear();
    m_filter->setStyleSheet(
        filter.isEmpty() ? QString() : QStringLiteral("QLineEdit { background: #e3f4e1; }"));
    m_proxy->setFilter(filter);
    m_model->setHistoryQuery(filter.serverQuery());
    updateCounts();
}

void RequestsView::setPaused(bool paused) {
    if (m_model->isPaused() == paused)
        return;
    m_model->setPaused(paused);
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    updateCounts();
    emit pausedChanged(paused);
}

bool RequestsView::isPaused() const {
    return m_model->isPaused();
}

void RequestsView::clear() {
    ++m_detailGeneration;
    m_model->clear();
    m_inspector->clear();
    m_tailing = true;
    updateCounts();
}

void RequestsView::report(const QString &message) {
    m_message->setText(message);
    QTimer::singleShot(8000, m_message, [label = m_message, message] {
        if (label->text() == message)
            label->clear();
    });
}

void RequestsView::showCapture(const QString &idOrCorrelationId) {
    const int row = m_model->rowOf(idOrCorrelationId);
    if (row >= 0) {
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
        if (index.isValid()) {
            m_tailing = false;
            m_list->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                                 QItemSelectionModel::Rows);
            m_list->scrollTo(index, QAbstractItemView::PositionAtCenter);
            return; // currentRowChanged loads it
        }
    }
    loadDetail(idOrCorrelationId, true);
}

void RequestsView::loadDetail(const QString &key, bool selectWhenListed) {
    if (!m_transport)
        return;
    const quint64 generation = ++m_detailGeneration;
    FeedRequest request;
    request.target = "/api/v1/captures/" + QUrl::toPercentEncoding(key);
    m_transport->request(
        request, this, [this, generation, key, selectWhenListed](const FeedResponse &response) {
            if (generation != m_detailGeneration)
                return; // another capture was selected since
            QString error;
            std::optional<CaptureDetail> detail;
            if (response.ok()) {
                detail = CaptureDetail::fromJson(response.body, &error);
            } else {
                error = QJsonDocument::fromJson(response.body).object().value(u"detail").toString();
                if (error.isEmpty())
                    error = response.error.isEmpty() ? tr("HTTP status %1").arg(response.status)
                                                     : response.error;
            }
            if (!detail) {
                m_inspector->setMessage(tr("Capture %1 could not be read: %2").arg(key, error));
                return;
            }
            m_inspector->setDetail(*detail);
            if (selectWhenListed) {
                // It may have arrived in the list meanwhile.
                const int row = m_model->rowOf(QString::number(detail->summary.id));
                const QModelIndex index =
                    row < 0 ? QModelIndex() : m_proxy->mapFromSource(m_model->index(row, 0));
                if (index.isValid()) {
                    const QSignalBlocker blocker(m_list->selectionModel());
                    m_list->selectionModel()->setCurrentIndex(
                        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                    m_list->viewport()->update();
                    m_tailing = false;
                    m_list->scrollTo(index, QAbstractItemView::PositionAtCenter);
                }
            }
            emit captureShown(detail->summary.id);
        });
}

QStringList RequestsView::selectedCorrelationIds() const {
    QStringList ids;
    const QModelIndexList rows = m_list->selectionModel()->selectedRows();
    QList<std::pair<int, QString>> ordered;
    for (const QModelIndex &index : rows)
        ordered.push_back(
            {index.row(), index.data(CaptureListModel::CorrelationIdRole).toString()});
    std::sort(ordered.begin(), ordered.end());
    for (const auto &[row, id] : ordered)
        ids << id;
    if (ids.isEmpty() && m_inspector->detail())
        ids << m_inspector->detail()->summary.correlationId;
    return ids;
}

void RequestsView::copySelectionAsCurl() {
    const QStringList ids = selectedCorrelationIds();
    if (ids.isEmpty()) {
        report(tr("Select captures to copy."));
        return;
    }
    if (ids.size() > kMaxExport) {
        report(tr("At most %1 captures at once.").arg(kMaxExport));
        return;
    }
    auto *job = new CaptureExportJob(m_transport, CaptureExportJob::Format::Curl, ids, this);
    connect(job, &CaptureExportJob::finished, this,
            [this, job, count = ids.size()](const QByteArray &script, const QString &error) {
                job->deleteLater();
                if (!error.isEmpty()) {
                    report(error);
                    emit actionFailed(error);
                    return;
                }
                const QString text = QString::fromUtf8(script);
                QApplication::clipboard()->setText(text);
                report(tr("Copied %n request(s) as curl.", nullptr, int(count)));
                emit curlCopied(text);
            });
    job->start();
}

void RequestsView::exportSelectionAsHar(const QString &path) {
    const QStringList ids = selectedCorrelationIds();
    if (ids.isEmpty()) {
        report(tr("Select captures to export."));
        return;
    }
    if (ids.size() > kMaxExport) {
        report(tr("At most %1 captures at once.").arg(kMaxExport));
        return;
    }
    QString file = path;
    if (file.isEmpty()) {
        file =
            QFileDialog::getSaveFileName(this, tr("Export as HAR"), QStringLiteral("captures.har"),
                                         tr("HTTP Archive (*.har);;All files (*)"));
        if (file.isEmpty())
            return;
    }
    auto *job = new CaptureExportJob(m_transport, CaptureExportJob::Format::Har, ids, this);
    connect(job, &CaptureExportJob::finished, this,
            [this, job, file](const QByteArray &document, const QString &error) {
                job->deleteLater();
                QString why = error;
                QFile out(file);
                if (why.isEmpty() && (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
                                      out.write(document) != document.size()))
                    why = tr("%1: %2").arg(file, out.errorString());
                if (!why.isEmpty()) {
                    report(why);
                    emit actionFailed(why);
                    return;
                }
                out.close();
                const int entries = int(QJsonDocument::fromJson(document)
                                            .object()
                                            .value(u"log")
                                            .toObject()
                                            .value(u"entries")
                                            .toArray()
                                            .size());
                report(tr("Exported %n capture(s) to %1.", nullptr, entries).arg(file));
                emit harExported(file, entries);
            });
    job->start();
}

void RequestsView::replayCurrent() {
    const QModelIndex current = m_list->currentIndex();
    const std::optional<CaptureDetail> &shown = m_inspector->detail();
    const qint64 id = current.isValid() ? current.data(CaptureListModel::CaptureIdRole).toLongLong()
                                        : (shown ? shown->summary.id : 0);
    if (id == 0) {
        report(tr("Select a capture to replay."));
        return;
    }
    const auto open = [this](const CaptureDetail &detail) {
        auto *dialog = new ReplayDialog(m_transport, detail, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        emit replayDialogOpened(dialog);
    };
    if (shown && shown->summary.id == id) {
        open(*shown);
        return;
    }
    FeedRequest request;
    request.target = "/api/v1/captures/" + QByteArray::number(id);
    m_transport->request(request, this, [this, open](const FeedResponse &response) {
        QString error = response.error;
        const auto detail =
            response.ok() ? CaptureDetail::fromJson(response.body, &error) : std::nullopt;
        if (!detail) {
            report(tr("The capture could not be read: %1").arg(error));
            return;
        }
        open(*detail);
    });
}

void RequestsView::replaySelection() {
    QList<std::pair<int, CaptureSummary>> ordered;
    for (const QModelIndex &index : m_list->selectionModel()->selectedRows())
        ordered.push_back({index.row(), m_model->summaryAt(m_proxy->mapToSource(index).row())});
    std::sort(ordered.begin(), ordered.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<CaptureSummary> captures;
    for (const auto &[row, capture] : ordered)
        captures << capture;
    if (captures.isEmpty()) {
        report(tr("Select captures to replay."));
        return;
    }
    auto *dialog = new BatchReplayDialog(m_transport, captures, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    emit batchReplayDialogOpened(dialog);
}

void RequestsView::showListMenu(const QPoint &position) {
    QMenu menu(this);
    menu.addAction(tr("Replay…"), this, &RequestsView::replayCurrent);
    menu.addAction(tr("Replay selection…"), this, &RequestsView::replaySelection);
    menu.addSeparator();
    menu.addAction(tr("Copy as curl"), this, &RequestsView::copySelectionAsCurl);
    menu.addAction(tr("Copy correlation ID"), this, [this] {
        QApplication::clipboard()->setText(selectedCorrelationIds().join(QLatin1Char('\n')));
    });
    menu.addAction(tr("Export as HAR…"), this, [this] { exportSelectionAsHar(); });
    menu.exec(m_list->viewport()->mapToGlobal(position));
}

} // namespace ToolCapture
