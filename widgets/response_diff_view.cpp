#include <models/json_lines.h>
#include <widgets/response_diff_view.h>

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTextBlock>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

namespace ToolCapture {

namespace {

const QColor kRemoved(0xf4, 0x43, 0x36, 70);
const QColor kAdded(0x4c, 0xaf, 0x50, 70);
const QColor kChanged(0xff, 0xb3, 0x00, 80);

QString jsonText(const QJsonValue &value) {
    if (value.isUndefined())
        return {};
    const QByteArray compact = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(compact.mid(1, compact.size() - 2));
}

QString joined(const HeaderFields &fields, const QString &name) {
    QStringList values;
    for (const HeaderField &field : fields) {
        if (field.name.compare(name, Qt::CaseInsensitive) == 0)
            values << field.value;
    }
    return values.join(QStringLiteral(", "));
}

bool listed(const HeaderFields &fields, const QString &name) {
    for (const HeaderField &field : fields) {
        if (field.name.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool listed(const QList<ResponseDiff::HeaderChange> &changes, const QString &name) {
    for (const ResponseDiff::HeaderChange &change : changes) {
        if (change.name.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// Marks the given lines with a background colour; returns how many.
int mark(QPlainTextEdit *edit, const QList<int> &lines, const QColor &colour) {
    QList<QTextEdit::ExtraSelection> selections;
    for (const int line : lines) {
        QTextEdit::ExtraSelection selection;
        selection.format.setBackground(colour);
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selection.cursor = QTextCursor(edit->document()->findBlockByNumber(line));
        selections.push_back(selection);
    }
    edit->setExtraSelections(selections);
    return int(lines.size());
}

QString displayedBody(const QByteArray &body) {
    if (!QByteArrayView(body).isValidUtf8())
        return ResponseDiffView::tr("(%n binary byte(s))", nullptr, int(body.size()));
    return QString::fromUtf8(body);
}

} // namespace

ResponseDiffView::ResponseDiffView(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_headers(new QTreeWidget(this))
    , m_before(new QPlainTextEdit(this))
    , m_after(new QPlainTextEdit(this))
    , m_changes(new QTreeWidget(this)) {
    m_status->setTextFormat(Qt::RichText);
    m_headers->setRootIsDecorated(false);
    m_headers->setHeaderLabels(
        {tr("Header field"), tr("Captured"), tr("Replayed"), tr("Difference")});
    m_headers->header()->setStretchLastSection(false);
    m_headers->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_headers->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_headers->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_headers->header()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_changes->setRootIsDecorated(false);
    m_changes->setHeaderLabels({tr("Change"), tr("JSON pointer"), tr("Captured"), tr("Replayed")});
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QPlainTextEdit *edit : {m_before, m_after}) {
        edit->setReadOnly(true);
        edit->setFont(fixed);
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    // The two bodies scroll together.
    connect(m_before->verticalScrollBar(), &QScrollBar::valueChanged, m_after->verticalScrollBar(),
            &QScrollBar::setValue);
    connect(m_after->verticalScrollBar(), &QScrollBar::valueChanged, m_before->verticalScrollBar(),
            &QScrollBar::setValue);

    auto *bodies = new QSplitter(Qt::Horizontal);
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Captured response body")));
    leftLayout->addWidget(m_before);
    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(new QLabel(tr("Replayed response body")));
    rightLayout->addWidget(m_after);
    bodies->addWidget(left);
    bodies->addWidget(right);

    auto *parts = new QSplitter(Qt::Vertical);
    parts->addWidget(m_headers);
    parts->addWidget(bodies);
    parts->addWidget(m_changes);
    parts->setStretchFactor(0, 1);
    parts->setStretchFactor(1, 3);
    parts->setStretchFactor(2, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status);
    layout->addWidget(parts, 1);
    clear();
}

void ResponseDiffView::clear() {
    m_status->setText(tr("No replay yet."));
    m_headers->clear();
    m_changes->clear();
    m_before->clear();
    m_after->clear();
    m_markedBefore = m_markedAfter = 0;
}

QString ResponseDiffView::statusText() const {
    return m_status->text();
}

int ResponseDiffView::markedLines(bool capturedSide) const {
    return capturedSide ? m_markedBefore : m_markedAfter;
}

int ResponseDiffView::bodyChangeCount() const {
    return m_changes->topLevelItemCount();
}

QString ResponseDiffView::bodyText(bool capturedSide) const {
    return (capturedSide ? m_before : m_after)->toPlainText();
}

int ResponseDiffView::headerRowCount() const {
    return m_headers->topLevelItemCount();
}

void ResponseDiffView::showCaptured(const CaptureDetail &captured) {
    clear();
    const CaptureSummary &s = captured.summary;
    m_status->setText(
        s.responseBodyTruncated
            ? tr("No replay yet. Captured: status %1, the first %n byte(s) of the body.", nullptr,
                 int(captured.responseBody.size()))
                  .arg(s.status)
            : tr("No replay yet. Captured: status %1.").arg(s.status));
    fillCaptured(captured);
}

void ResponseDiffView::fillCaptured(const CaptureDetail &captured) {
    fillHeaders(captured.responseHeaders, {}, nullptr);
    if (const auto json = JsonLines::fromJson(captured.responseBody))
        m_before->setPlainText(json->text());
    else
        m_before->setPlainText(displayedBody(captured.responseBody));
}

void ResponseDiffView::setComparison(const CaptureDetail &captured, const ReplayOutcome &replayed) {
    clear();
    if (!replayed.ok) {
        // Nothing to compare: the captured side stays in view.
        fillCaptured(captured);
        m_status->setText(tr("<b>The replay failed:</b> %1").arg(replayed.error.toHtmlEscaped()));
        return;
    }
    const ResponseDiff &diff = replayed.diff;
    const QString verdict = diff.changed ? tr("<b style='color:#d32f2f'>The response changed.</b>")
                                         : tr("<b style='color:#2e7d32'>Same response.</b>");
    const QString status =
        diff.statusChanged
            ? tr("Status %1 → <b>%2</b>").arg(diff.statusBefore).arg(diff.statusAfter)
            : tr("Status %1 (unchanged)").arg(replayed.status);
    const QString where = replayed.instance.isEmpty()
                              ? tr("routed by the proxy")
                              : tr("sent to %1").arg(replayed.instance.toHtmlEscaped());
    m_status->setText(tr("%1 %2, %3, %4 ms, %5")
                          .arg(verdict, status, where,
                               QLocale().toString(double(replayed.durationUs) / 1000.0, 'f', 2),
                               replayed.target.toHtmlEscaped()));
    fillHeaders(captured.responseHeaders, replayed.headers, &diff);
    fillBodies(captured.responseBody, replayed.body, diff);
}

void ResponseDiffView::fillHeaders(const HeaderFields &before, const HeaderFields &after,
                                   const ResponseDiff *diff) {
    // Names in order of first appearance, case-insensitively.
    QStringList names;
    for (const HeaderFields *fields : {&before, &after}) {
        for (const HeaderField &field : *fields) {
            if (!names.contains(field.name, Qt::CaseInsensitive))
                names << field.name;
        }
    }
    const QColor muted = palette().color(QPalette::Disabled, QPalette::Text);
    for (const QString &name : std::as_const(names)) {
        auto *item = new QTreeWidgetItem(m_headers);
        item->setText(0, name);
        item->setText(1, joined(before, name));
        item->setText(2, joined(after, name));
        if (!diff)
            continue; // no replay yet: the captured side alone, nothing to note
        QString note;
        QColor background;
        if (listed(diff->ignoredHeaders, name)) {
            note = tr("volatile, ignored");
            for (int c = 0; c < 4; ++c)
                item->setForeground(c, muted);
        } else if (listed(diff->changedHeaders, name)) {
            note = tr("changed");
            background = kChanged;
        } else if (listed(diff->addedHeaders, name)) {
            note = tr("added");
            background = kAdded;
        } else if (listed(diff->removedHeaders, name)) {
            note = tr("removed");
            background = kRemoved;
        } else if (!listed(before, name) || !listed(after, name)) {
            note = tr("not captured");
            for (int c = 0; c < 4; ++c)
                item->setForeground(c, muted);
        }
        item->setText(3, note);
        if (background.isValid()) {
            for (int c = 0; c < 4; ++c)
                item->setBackground(c, background);
        }
    }
}

void ResponseDiffView::fillBodies(const QByteArray &before, const QByteArray &after,
                                  const ResponseDiff &diff) {
    const auto beforeJson = JsonLines::fromJson(before);
    const auto afterJson = JsonLines::fromJson(after);
    if (beforeJson && afterJson) {
        m_before->setPlainText(beforeJson->text());
        m_after->setPlainText(afterJson->text());
        QList<int> beforeLines;
        QList<int> afterLines;
        for (qsizetype i = 0; i < beforeJson->lines.size(); ++i) {
            if (diff.touches(beforeJson->lines.at(i).pointer, true))
                beforeLines << int(i);
        }
        for (qsizetype i = 0; i < afterJson->lines.size(); ++i) {
            if (diff.touches(afterJson->lines.at(i).pointer, false))
                afterLines << int(i);
        }
        m_markedBefore = mark(m_before, beforeLines, kRemoved);
        m_markedAfter = mark(m_after, afterLines, kAdded);
    } else {
        m_before->setPlainText(displayedBody(before));
        m_after->setPlainText(displayedBody(after));
        if (diff.bodyKind == u"text" && diff.firstDifferenceLine > 0) {
            // From the first differing line on, as far as each side goes.
            QList<int> beforeLines;
            QList<int> afterLines;
            for (int i = diff.firstDifferenceLine - 1; i < m_before->blockCount(); ++i)
                beforeLines << i;
            for (int i = diff.firstDifferenceLine - 1; i < m_after->blockCount(); ++i)
                afterLines << i;
            m_markedBefore = mark(m_before, beforeLines, kRemoved);
            m_markedAfter = mark(m_after, afterLines, kAdded);
        }
    }
    for (const ResponseDiff::BodyChange &change : diff.bodyChanges) {
        auto *item = new QTreeWidgetItem(m_changes);
        switch (change.op) {
        case ResponseDiff::BodyChange::Op::Add:
            item->setText(0, tr("added"));
            break;
        case ResponseDiff::BodyChange::Op::Remove:
            item->setText(0, tr("removed"));
            break;
        case ResponseDiff::BodyChange::Op::Replace:
            item->setText(0, tr("replaced"));
            break;
        }
        item->setText(1, change.pointer.isEmpty() ? tr("(the whole body)") : change.pointer);
        item->setText(2, jsonText(change.before));
        item->setText(3, jsonText(change.after));
    }
    if (diff.bodyChangesTruncated) {
        auto *item = new QTreeWidgetItem(m_changes);
        item->setText(0, tr("…more changes not listed"));
    }
    if (diff.bodyKind != u"json" && !diff.bodyEqual) {
        auto *item = new QTreeWidgetItem(m_changes);
        item->setText(0, tr("body differs"));
        item->setText(1, tr("%1 body, %2 → %3 bytes")
                             .arg(diff.bodyKind)
                             .arg(diff.bodyBeforeSize)
                             .arg(diff.bodyAfterSize));
    }
}

} // namespace ToolCapture
