#pragma once

#include <models/topic_record.h>

#include <QStringList>
#include <QWidget>

#include <chrono>

class QLabel;
class QPlainTextEdit;
class QSplitter;
class QTableView;

namespace ToolCapture {

class HookEventModel;
class HookToolModel;

// The Hooks and tools view: the tools services registered, and what the hook receiver accepted
// (executions with their durations and outcomes, lifecycle reports, tool registrations), newest
// at the bottom, the selected event whole beside them.
class HooksView : public QWidget {
    Q_OBJECT
public:
    explicit HooksView(QWidget *parent = nullptr);

    // The feed subjects this view shows: `tools` (the GET /tools document) and `hook_events`
    // (what the hook receiver publishes, from the subscription on).
    static QStringList subjects();
    void apply(const ToolCapture::FeedMessage &message);

    HookToolModel *toolModel() const { return m_tools; }
    HookEventModel *eventModel() const { return m_events; }
    QTableView *eventTable() const { return m_eventTable; }

public slots:
    void clear();

private:
    void showSelected();
    void updateSummary();
    void scheduleScrollToBottom();

    HookToolModel *m_tools;
    HookEventModel *m_events;
    QTableView *m_toolTable;
    QTableView *m_eventTable;
    QPlainTextEdit *m_detail;
    QLabel *m_summary;
    QSplitter *m_vertical;
    QSplitter *m_horizontal;

    qint64 m_executions = 0;
    qint64 m_failures = 0;
    bool m_atBottom = true;
};

} // namespace ToolCapture
