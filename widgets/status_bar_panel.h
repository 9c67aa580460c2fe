#pragma once

#include <backend/feed/feed_message.h>
#include <models/status_summary.h>

#include <QWidget>

#include <optional>

class QLabel;

namespace ToolCapture {

class FeedTransport;

// The permanent part of the console's status bar, from the feed's status document: the
// instance the console is connected to when remote, proxy and admin addresses, the Kafka
// bootstrap address (what kcat -b needs) with embedded or external and up or down, requests/s,
// error rate, captures stored, the spool backlog and the intelligence store's state.
class StatusBarPanel : public QWidget {
    Q_OBJECT
public:
    // `feed` says where the console is connected; it must outlive the panel.
    explicit StatusBarPanel(FeedTransport *feed, QWidget *parent = nullptr);

    static QStringList subjects() { return {QStringLiteral("status")}; }
    void apply(const FeedMessage &message);

    // All the labels' texts, " | " between them.
    QString text() const;
    const std::optional<StatusSummary> &summary() const { return m_summary; }

private:
    QLabel *addLabel(const QString &objectName);
    void showConnection();
    void showSummary();

    FeedTransport *m_feed;
    std::optional<StatusSummary> m_summary;
    // The document the rates are measured from: at least a second back, so ten documents a
    // second do not make the rates jitter.
    std::optional<StatusSummary> m_baseline;
    QLabel *m_endpoint;
    QLabel *m_proxy;
    QLabel *m_admin;
    QLabel *m_kafka;
    QLabel *m_rate;
    QLabel *m_errors;
    QLabel *m_captures;
    QLabel *m_spool;
    QLabel *m_store;
};

} // namespace ToolCapture
