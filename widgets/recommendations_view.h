#pragma once

#include <models/recommendations_model.h>

#include <QWidget>

#include <chrono>

class QComboBox;
class QLabel;
class QMessageBox;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTextBrowser;
class QTimer;

namespace ToolCapture {

class FeedTransport;

// Recommendations of the engine's analyser (GET /api/v1/recommendations): a table, the most
// urgent first; the selected one's details (the evidence with its window, metric, value and
// threshold; the change of a live setting from before to after; the measured effect once
// applied); Apply, Dismiss and Revert as its status allows, Apply and Revert after a
// confirmation naming the setting and its values, each POSTed through the transport with the
// engine's answer (or its problem's detail) shown. Reads again periodically while visible.
class RecommendationsView : public QWidget {
    Q_OBJECT
public:
    // `feed` carries the reads and the actions; it must outlive the view.
    explicit RecommendationsView(FeedTransport *feed, QWidget *parent = nullptr);

    // The view reads its own documents; it takes no feed subjects.
    static QStringList subjects() { return {}; }
    void apply(const FeedMessage &) {}

    RecommendationsModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QPushButton *applyButton() const { return m_apply; }
    QPushButton *dismissButton() const { return m_dismiss; }
    QPushButton *revertButton() const { return m_revert; }
    // The state line above the table (an error, what is missing); empty and hidden when fine.
    QString stateText() const;
    // The last action's outcome as shown.
    QString resultText() const;
    QString detailsText() const;
    void setRefreshInterval(std::chrono::milliseconds interval);

    // The id of the current row; empty when none.
    QString currentId() const;
    void selectRecommendation(const QString &id);

public slots:
    // Reads the list again (of the chosen status).
    void reload();
    // Asks to apply, dismiss or revert ("apply", "dismiss", "revert") the current
    // recommendation; apply and revert open a confirmation (returned, window-modal) and send
    // once it is accepted; dismiss sends at once (returns null).
    QMessageBox *requestAction(const QString &action);

signals:
    // The list was read (ok) or could not be (the error shown).
    void loaded(bool ok);
    // An action's answer: ok, or the problem's detail.
    void actionFinished(const QString &id, const QString &action, bool ok, const QString &text);
    // What happened, for the status bar.
    void message(const QString &text);

protected:
    void showEvent(QShowEvent *event) override;

private:
    static QString selectHint();
    void send(const QString &id, const QString &action);
    void updateSelection();
    void showState(const QString &text);

    FeedTransport *m_feed;
    RecommendationsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QComboBox *m_statusBox;
    QPushButton *m_refresh;
    QLabel *m_state;
    QLabel *m_updated;
    QTableView *m_table;
    QTextBrowser *m_details;
    QString m_detailsHtml;
    QPushButton *m_apply;
    QPushButton *m_dismiss;
    QPushButton *m_revert;
    QLabel *m_result;
    QSplitter *m_splitter;
    QTimer *m_timer;
    quint64 m_generation = 0;
    bool m_loading = false;
};

} // namespace ToolCapture
