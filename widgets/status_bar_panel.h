#pragma once

#include <backend/snapshot/engine_snapshot.h>

#include <QWidget>

class QLabel;

namespace ToolCapture {

// The permanent part of the console's status bar: where the proxy and the admin API listen,
// the profile, the worker count, the open client connections and the Kafka bootstrap address
// (what kcat -b needs).
class StatusBarPanel : public QWidget {
    Q_OBJECT
public:
    explicit StatusBarPanel(QWidget *parent = nullptr);

    // All the labels' texts, " | " between them.
    QString text() const;

public slots:
    void applySnapshot(const ToolCapture::EngineSnapshot &snapshot);

private:
    QLabel *addLabel(const QString &objectName);

    QLabel *m_proxy;
    QLabel *m_admin;
    QLabel *m_profile;
    QLabel *m_workers;
    QLabel *m_connections;
    QLabel *m_kafka;
};

} // namespace ToolCapture
