#pragma once

#include <models/topic_tail_poller.h>

#include <QStringList>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QToolButton;

namespace ToolCapture {

class FeedTransport;
class TopicTailModel;

// The Topics view: a live tail of one Kafka topic from its beginning, its end or a time, paused
// at will, filtered by key or JSON field (by the engine) and by text (here); the selected
// record's value as indented JSON with its partition, offset, timestamp and CloudEvents headers.
// A record with a correlation id opens its capture (captureRequested).
class TopicsView : public QWidget {
    Q_OBJECT
public:
    // The topics of docs/events.md, shown until the engine says which it has.
    static const QStringList kDefaultTopics;

    explicit TopicsView(QWidget *parent = nullptr);
    ~TopicsView() override;

    // Where records come from; null stops the tail. Asks the engine for its topic list.
    void setTransport(FeedTransport *transport);

    TopicTailModel *model() const { return m_model; }
    QSortFilterProxyModel *proxyModel() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QLineEdit *textFilter() const { return m_text; }
    QString currentTopic() const;
    void setCurrentTopic(const QString &topic);
    void setFrom(TopicTailPoller::From from, const QDateTime &time = {});
    bool isPaused() const;
    // The detail pane's text (what the selected record shows).
    QString detailText() const;

public slots:
    // (Re)starts the tail with the current topic, start and key/field filters.
    void restartTail();
    void setPaused(bool paused);
    void clear();
    // Opens the capture of the selected record, when it carries a correlation id.
    void openSelectedCapture();

signals:
    // The record's correlation id: the main window shows that capture in the Requests view.
    void captureRequested(const QString &correlationId);

private:
    void showSelected();
    void scheduleScrollToBottom();
    void setState(const QString &text, bool error = false);

    FeedTransport *m_transport = nullptr;
    TopicTailModel *m_model;
    QSortFilterProxyModel *m_proxy;
    TopicTailPoller *m_poller = nullptr;
    QComboBox *m_topic;
    QComboBox *m_from;
    QDateTimeEdit *m_time;
    QLineEdit *m_key;
    QLineEdit *m_field;
    QLineEdit *m_fieldValue;
    QLineEdit *m_text;
    QToolButton *m_pause;
    QLabel *m_state;
    QSplitter *m_splitter;
    QTableView *m_table;
    QPlainTextEdit *m_detail;
    QPushButton *m_openCapture;
    bool m_atBottom = true;
};

} // namespace ToolCapture
