#pragma once

#include <models/capture_summary.h>

#include <QDialog>
#include <QPointer>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;

namespace ToolCapture {

class BatchReplayJob;
class FeedTransport;
class InstanceChooser;
class ResponseDiffView;

// Replays a selection of captures as a batch: to the routed or one chosen instance, a few at a
// time, with a progress bar and Cancel; ends in a summary of which responses changed, each row
// opening its side-by-side diff.
class BatchReplayDialog : public QDialog {
    Q_OBJECT
public:
    static constexpr int kDefaultConcurrency = 4;
    static constexpr int kMaxConcurrency = 8; // the engine runs at most 16 replays at once

    BatchReplayDialog(FeedTransport *transport, QList<CaptureSummary> captures,
                      QWidget *parent = nullptr);

    InstanceChooser *target() const { return m_target; }
    void setConcurrency(int concurrency);
    BatchReplayJob *job() const { return m_job; }
    QString summaryText() const;
    QTreeWidget *results() const { return m_results; }

public slots:
    void start();
    void cancel();
    // Opens the diff of the result at `row` (fetches the captured record first).
    void openDiff(int row);

signals:
    void batchFinished();
    void diffShown(ToolCapture::ResponseDiffView *view);

private:
    void showItem(int index);
    void finish();

    QPointer<FeedTransport> m_transport;
    QList<CaptureSummary> m_captures;
    InstanceChooser *m_target;
    QSpinBox *m_concurrency;
    QPushButton *m_start;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_summary;
    QTreeWidget *m_results;
    BatchReplayJob *m_job = nullptr;
};

} // namespace ToolCapture
