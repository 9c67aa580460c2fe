#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace ToolCapture {

class CorrelationTimelineModel;
class FeedTransport;

// The Timeline tab of the capture inspector: what the analyser saw of the selected request's
// correlation id (GET /api/v1/correlations/{id}): hooks, the request and response, breaker and
// lifecycle events, each with its offset from the first, drawn on a common time axis. Reads
// only while shown, once per id (Refresh reads again); a 404 means the analyser has nothing for
// that id (yet), which it says as such.
class CorrelationTimelineView : public QWidget {
    Q_OBJECT
public:
    explicit CorrelationTimelineView(QWidget *parent = nullptr);

    // Where to read from; null: nothing is read.
    void setTransport(FeedTransport *transport);
    // The request to show; empty: none. Read now when shown, else when next shown.
    void setCorrelationId(const QString &id);
    QString correlationId() const { return m_id; }

    CorrelationTimelineModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    // The line shown instead of (or above) the events: loading, nothing yet, an error.
    QString messageText() const;

public slots:
    void reload();

signals:
    // The id's document was read (events shown) or not (the message says why).
    void loaded(bool ok);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showMessage(const QString &text);

    QPointer<FeedTransport> m_transport;
    CorrelationTimelineModel *m_model;
    QLabel *m_message;
    QLabel *m_heading;
    QPushButton *m_refresh;
    QTableView *m_table;
    QStackedWidget *m_stack;
    QString m_id;
    QString m_loadedId; // the id last read (or being read)
    quint64 m_generation = 0;
};

} // namespace ToolCapture
