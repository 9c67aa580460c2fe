#pragma once

#include <app/recent_connections.h>

#include <QDialog>
#include <QUrl>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace ToolCapture {

// File > Connect…: the admin URL of a headless ToolCapture and its admin token file, with the
// recent connections to pick from.
class ConnectDialog : public QDialog {
    Q_OBJECT
public:
    ConnectDialog(const RecentConnections &recent, QWidget *parent = nullptr);

    QUrl url() const;
    QString tokenFile() const;
    void setUrl(const QString &text);
    void setTokenFile(const QString &path);

    // An http(s) URL with a host, or an empty URL with the reason in `error`.
    static QUrl parseUrl(const QString &text, QString *error = nullptr);

    // QDialog
    void accept() override;

private:
    void validate();

    RecentConnections m_recent;
    QComboBox *m_url;
    QLineEdit *m_tokenFile;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace ToolCapture
