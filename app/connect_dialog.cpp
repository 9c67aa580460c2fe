#include <app/connect_dialog.h>
#include <backend/feed/remote_feed_transport.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QToolButton>

namespace ToolCapture {

ConnectDialog::ConnectDialog(const RecentConnections &recent, QWidget *parent)
    : QDialog(parent)
    , m_recent(recent)
    , m_url(new QComboBox)
    , m_tokenFile(new QLineEdit)
    , m_error(new QLabel)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("Connect to a ToolCapture instance"));
    m_url->setEditable(true);
    m_url->setObjectName(QStringLiteral("connectUrl"));
    m_url->setInsertPolicy(QComboBox::NoInsert);
    for (const RecentConnections::Entry &entry : recent.entries())
        m_url->addItem(entry.url.toString());
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("http://127.0.0.1:8091"));
    m_url->setMinimumContentsLength(32);
    m_tokenFile->setObjectName(QStringLiteral("connectTokenFile"));
    m_tokenFile->setPlaceholderText(tr("Empty: %1").arg(RemoteFeedTransport::defaultTokenFile()));
    m_tokenFile->setToolTip(tr("The file holding the instance's admin token (its "
                               "admin-token file, or the token you configured)"));
    m_tokenFile->setClearButtonEnabled(true);
    auto *browse = new QToolButton;
    browse->setText(tr("Browse…"));
    m_error->setObjectName(QStringLiteral("connectError"));
    m_error->setWordWrap(true);
    QPalette palette = m_error->palette();
    palette.setColor(QPalette::WindowText, Qt::red);
    m_error->setPalette(palette);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));

    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_tokenFile, 1);
    tokenRow->addWidget(browse);
    auto *form = new QFormLayout;
    form->addRow(tr("Admin URL:"), m_url);
    form->addRow(tr("Token file:"), tokenRow);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("The console shows the remote instance exactly as it shows "
                                    "the embedded engine. The embedded engine stops.")));
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_url, &QComboBox::currentTextChanged, this, [this](const QString &text) {
        const QUrl url = parseUrl(text);
        const QString known = m_recent.tokenFileFor(url);
        if (!known.isEmpty())
            m_tokenFile->setText(known);
        validate();
    });
    connect(m_tokenFile, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Admin token file"), m_tokenFile->text());
        if (!path.isEmpty())
            m_tokenFile->setText(path);
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    if (!recent.entries().isEmpty())
        m_tokenFile->setText(recent.entries().constFirst().tokenFile);
    validate();
}

QUrl ConnectDialog::parseUrl(const QString &text, QString *error) {
    const QUrl url = QUrl::fromUserInput(text.trimmed());
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return QUrl();
    };
    if (text.trimmed().isEmpty())
        return fail(tr("Give the instance's admin URL, e.g. http://127.0.0.1:8091."));
    if (!url.isValid() || url.host().isEmpty())
        return fail(tr("\"%1\" is not a URL.").arg(text.trimmed()));
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return fail(tr("Only http and https URLs are supported."));
    QUrl clean;
    clean.setScheme(url.scheme());
    clean.setHost(url.host());
    clean.setPort(url.port());
    return clean;
}

QUrl ConnectDialog::url() const {
    return parseUrl(m_url->currentText());
}

QString ConnectDialog::tokenFile() const {
    return m_tokenFile->text().trimmed();
}

void ConnectDialog::setUrl(const QString &text) {
    m_url->setCurrentText(text);
}

void ConnectDialog::setTokenFile(const QString &path) {
    m_tokenFile->setText(path);
}

void ConnectDialog::validate() {
    QString error;
    parseUrl(m_url->currentText(), &error);
    const QString token = tokenFile();
    if (error.isEmpty() && !token.isEmpty() && !QFileInfo(token).isReadable())
        error = tr("The token file %1 cannot be read.").arg(token);
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

void ConnectDialog::accept() {
    validate();
    if (!m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
        return;
    QDialog::accept();
}

} // namespace ToolCapture
