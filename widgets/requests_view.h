#pragma once

#include <backend/feed/feed_message.h>
#include <models/capture_detail.h>

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSplitter;
class QToolButton;
class QTreeView;

namespace ToolCapture {

class BatchReplayDialog;
class CaptureFilterProxyModel;
class CaptureInspector;
class CaptureListModel;
class FeedTransport;
class ReplayDialog;

// View 4, Requests: the live list of captured exchanges (newest at the bottom, following new
// ones only while scrolled to the bottom), a filter expression with its errors shown inline,
// the inspector of the selected capture, and the actions on a selection: replay (one, with
// edits and a side-by-side diff), batch replay, copy as curl, export as HAR.
class RequestsView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxExport = 1000; // captures in one curl script or HAR file

    explicit RequestsView(FeedTransport *transport, QWidget *parent = nullptr);
    ~RequestsView() override;

    // The feed subjects this view reads; the shell routes their messages to apply().
    QStringList subjects() const;
    void apply(const FeedMessage &message);

    // Selects a capture by id or correlation id (in the list when it is there) and shows it in
    // the inspector, fetching it when the list does not hold it.
    void showCapture(const QString &idOrCorrelationId);
    void focusFilter();
    void setFilterText(const QString &expression); // applied at once
    void copySelectionAsCurl();
    // Asks for a file when `path` is empty.
    void exportSelectionAsHar(const QString &path = {});
    void replayCurrent();
    void replaySelection();
    void clear();
    void setPaused(bool paused);
    bool isPaused() const;

    CaptureListModel *model() const { return m_model; }
    CaptureFilterProxyModel *proxy() const { return m_proxy; }
    QTreeView *list() const { return m_list; }
    CaptureInspector *inspector() const { return m_inspector; }
    QLineEdit *filterEdit() const { return m_filter; }
    QLabel *filterError() const { return m_filterError; }
    // Whether the list follows new rows (the user is at the bottom).
    bool isTailing() const { return m_tailing; }

signals:
    void pausedChanged(bool paused);
    void captureShown(qint64 id);
    void curlCopied(const QString &script);
    void harExported(const QString &path, int entries);
    void actionFailed(const QString &error);
    void replayDialogOpened(ToolCapture::ReplayDialog *dialog);
    void batchReplayDialogOpened(ToolCapture::BatchReplayDialog *dialog);

private:
    void applyFilterText();
    void loadDetail(const QString &key, bool selectWhenListed);
    void onTailTimer();
    void updateCounts();
    void showListMenu(const QPoint &position);
    QStringList selectedCorrelationIds() const;
    void report(const QString &message);

    QPointer<FeedTransport> m_transport;
    CaptureListModel *m_model;
    CaptureFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QLabel *m_filterError;
    QToolButton *m_pause;
    QLabel *m_counts;
    QLabel *m_message;
    QTreeView *m_list;
    CaptureInspector *m_inspector;
    QSplitter *m_splitter;
    QTimer m_tailTimer;
    QTimer m_filterTimer;
    bool m_tailing = true;
    bool m_removingRows = false; // between the proxy's rowsAboutToBeRemoved and rowsRemoved
    quint64 m_detailGeneration = 0;
};

} // namespace ToolCapture
