#pragma once

#include <models/capture_detail.h>
#include <models/replay_outcome.h>

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace ToolCapture {

// The captured response and its replay side by side: the status, the header fields (changed,
// added, removed, and the volatile ones apart), both bodies pretty-printed with the lines a
// JSON change touches marked, and the list of changes by RFC 6901 pointer.
class ResponseDiffView : public QWidget {
    Q_OBJECT
public:
    explicit ResponseDiffView(QWidget *parent = nullptr);

    // The captured side alone, before any replay: what the instance answered then, so the
    // operator sees what a replay will be compared with.
    void showCaptured(const CaptureDetail &captured);
    void setComparison(const CaptureDetail &captured, const ReplayOutcome &replayed);
    void clear();

    // Lines marked as changed in the captured (true) or replayed (false) body.
    int markedLines(bool capturedSide) const;
    QString statusText() const;
    // The body shown on the captured (true) or replayed (false) side.
    QString bodyText(bool capturedSide) const;
    int headerRowCount() const;
    int bodyChangeCount() const;

private:
    // One row per field name; `diff` null before any replay (no notes, no marks).
    void fillHeaders(const HeaderFields &before, const HeaderFields &after,
                     const ResponseDiff *diff);
    void fillBodies(const QByteArray &before, const QByteArray &after, const ResponseDiff &diff);
    void fillCaptured(const CaptureDetail &captured);

    QLabel *m_status;
    QTreeWidget *m_headers;
    QPlainTextEdit *m_before;
    QPlainTextEdit *m_after;
    QTreeWidget *m_changes;
    int m_markedBefore = 0;
    int m_markedAfter = 0;
};

} // namespace ToolCapture
