#pragma once

#include <backend/feed/feed_message.h>

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace ToolCapture {

class BreakerCommandDialog;
class BreakerTransitionsModel;
class BreakersModel;
class FeedTransport;

// Breakers: each instance's breaker state in colour with its rates, thresholds and window, the
// selected breaker's trip story, the operator's commands (Force open, Force closed, Disable,
// Auto; each confirmed, sent through the feed, its answer shown) and the transitions as they
// happen.
class BreakersView : public QWidget {
    Q_OBJECT
public:
    // `feed` carries the commands; it must outlive the view.
    explicit BreakersView(FeedTransport *feed, QWidget *parent = nullptr);

    static QStringList subjects();
    void apply(const FeedMessage &message);

    BreakersModel *model() const { return m_model; }
    BreakerTransitionsModel *transitionsModel() const { return m_transitions; }
    QTableView *table() const { return m_table; }
    QTableView *transitionsTable() const { return m_transitionsTable; }
    // The instance of the current row; empty when none.
    QString currentInstance() const;
    void selectInstance(const QString &instance);
    // The last command's outcome as shown.
    QString resultText() const;

public slots:
    // Asks for confirmation of `action` on the current instance ("force_open", "force_closed",
    // "disable", "auto"); sends it if confirmed. Returns the dialog (open, window-modal).
    BreakerCommandDialog *requestCommand(const QString &action);

signals:
    // The engine's answer to a command: ok, or the problem's detail.
    void commandFinished(const QString &instance, const QString &action, bool ok,
                         const QString &message);

private:
    void send(const QString &instance, const QString &action, const QString &actor,
              const QString &reason);
    void updateSelection();
    void showContextMenu(const QPoint &position);

    FeedTransport *m_feed;
    BreakersModel *m_model;
    BreakerTransitionsModel *m_transitions;
    QTableView *m_table;
    QTableView *m_transitionsTable;
    QPlainTextEdit *m_story;
    QLabel *m_result;
    QList<QPushButton *> m_buttons;
    bool m_followTransitions = true;
};

} // namespace ToolCapture
