#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;

namespace ToolCapture {

// Asks the operator to confirm a breaker command before it is sent: what will happen to which
// instance, who asks (the user name, editable) and an optional reason for the audit.
class BreakerCommandDialog : public QDialog {
    Q_OBJECT
public:
    // `action`: "force_open", "force_closed", "disable" or "auto".
    BreakerCommandDialog(const QString &instance, const QString &action, QWidget *parent = nullptr);

    QString instance() const { return m_instance; }
    QString action() const { return m_action; }
    QString actor() const;
    QString reason() const;
    void setReason(const QString &reason);

    // "Force open": the action's label (translated).
    static QString actionLabel(const QString &action);
    // The operating system's user name, or "operator".
    static QString defaultActor();

private:
    QString m_instance;
    QString m_action;
    QLineEdit *m_actor;
    QLineEdit *m_reason;
};

} // namespace ToolCapture
