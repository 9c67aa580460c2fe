#include <widgets/breaker_command_dialog.h>

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace ToolCapture {

BreakerCommandDialog::BreakerCommandDialog(const QString &instance, const QString &action,
                                           QWidget *parent)
    : QDialog(parent)
    , m_instance(instance)
    , m_action(action)
    , m_actor(new QLineEdit(defaultActor()))
    , m_reason(new QLineEdit) {
    setObjectName(QStringLiteral("breakerCommandDialog"));
    setWindowTitle(tr("%1: %2").arg(actionLabel(action), instance));
    QString consequence;
    if (action == QLatin1String("force_open"))
        consequence = tr("Every request to %1 is refused until the breaker returns to Auto.");
    else if (action == QLatin1String("force_closed"))
        consequence = tr("Every request may reach %1; its breaker never trips until Auto.");
    else if (action == QLatin1String("disable"))
        consequence = tr("The breaker of %1 stops breaking; outcomes are still counted.");
    else
        consequence = tr("The breaker of %1 returns to its automatic state machine.");
    auto *text = new QLabel(consequence.arg(instance));
    text->setWordWrap(true);

    m_actor->setObjectName(QStringLiteral("actor"));
    m_reason->setObjectName(QStringLiteral("reason"));
    m_reason->setPlaceholderText(tr("optional, kept in the audit"));
    auto *form = new QFormLayout;
    form->addRow(tr("&Who:"), m_actor);
    form->addRow(tr("&Reason:"), m_reason);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(actionLabel(action));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_actor, &QLineEdit::textChanged, this, [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!actor().isEmpty());
    });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QString BreakerCommandDialog::actor() const {
    return m_actor->text().trimmed();
}

QString BreakerCommandDialog::reason() const {
    return m_reason->text().trimmed();
}

void BreakerCommandDialog::setReason(const QString &reason) {
    m_reason->setText(reason);
}

QString BreakerCommandDialog::actionLabel(const QString &action) {
    if (action == QLatin1String("force_open"))
        return tr("Force open");
    if (action == QLatin1String("force_closed"))
        return tr("Force closed");
    if (action == QLatin1String("disable"))
        return tr("Disable");
    return tr("Auto");
}

QString BreakerCommandDialog::defaultActor() {
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME");
    return user.isEmpty() ? QStringLiteral("operator") : user;
}

} // namespace ToolCapture
