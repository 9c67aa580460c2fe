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

    void setComparison(const CaptureDetail &captured, const ReplayOutcome &replayed);
    void clear();

    // Lines marked as changed in the captured (true) or replayed (false) body.
    int markedLines(bool capturedSide) const;
    QString statusText() const;
    int bodyChangeCount() const;

private:
    void fillHeaders(const HeaderFields &before, const HeaderFields &after,
                     const ResponseDiff &diff);
    void fillBodies(const QByteArray &before, const QByteArray &after, const ResponseDiff &diff);

    QLabel *m_status;
    QTreeWidget *m_headers;
    QPlainTextEdit *m_before;
    QPlainTextEdit *m_after;
    QTreeWidget *m_changes;
    int m_markedBefore = 0;
    int m_markedAfter = 0;
};

} // namespace ToolCapture
