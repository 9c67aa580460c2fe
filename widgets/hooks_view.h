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

class FeedTransport;
class HookEventModel;
class HookToolModel;
class TopicTailPoller;

// The Hooks and tools view: the tools services registered, and what the hook receiver accepted
// (executions with their durations and outcomes, lifecycle reports, tool registrations), newest
// at the bottom, the selected event whole beside them.
class HooksView : public QWidget {
    Q_OBJECT
public:
    explicit HooksView(QWidget *parent = nullptr);

    // Where events come from; null stops reading. NOTE: the feed has no hook subjects yet, so
    // the view reads the three hook topics through the topic API (embedded or remote alike):
    // tools.registration_events from the beginning (the tool list), the executions and
    // lifecycle topics from kHistory ago.
    void setTransport(FeedTransport *transport);
    static constexpr std::chrono::minutes kHistory{15};

    HookToolModel *toolModel() const { return m_tools; }
    HookEventModel *eventModel() const { return m_events; }
    QTableView *eventTable() const { return m_eventTable; }

public slots:
    void clear();

private:
    void showSelected();
    void updateSummary();
    void scheduleScrollToBottom();
    void appendRecords(const QList<ToolCapture::TopicRecord> &records);
    void setState(const QString &text, bool error);

    HookToolModel *m_tools;
    HookEventModel *m_events;
    QTableView *m_toolTable;
    QTableView *m_eventTable;
    QPlainTextEdit *m_detail;
    QLabel *m_summary;
    QLabel *m_state; // why a topic cannot be read, when it cannot
    QSplitter *m_vertical;
    QSplitter *m_horizontal;
    QList<TopicTailPoller *> m_pollers;
    qint64 m_executions = 0;
    qint64 m_failures = 0;
    bool m_atBottom = true;
};

} // namespace ToolCapture
