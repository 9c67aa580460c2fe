#include <widgets/status_bar_panel.h>

#include <QHBoxLayout>
#include <QLabel>

#include <climits>

namespace ToolCapture {

StatusBarPanel::StatusBarPanel(QWidget *parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("statusBarPanel"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(16);
    m_proxy = addLabel(QStringLiteral("proxyAddress"));
    m_admin = addLabel(QStringLiteral("adminAddress"));
    m_profile = addLabel(QStringLiteral("profile"));
    m_workers = addLabel(QStringLiteral("workers"));
    m_connections = addLabel(QStringLiteral("clientConnections"));
    m_kafka = addLabel(QStringLiteral("kafkaBrokers"));
    m_proxy->setText(tr("Starting…"));
}

QLabel *StatusBarPanel::addLabel(const QString &objectName) {
    auto *label = new QLabel(this);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout()->addWidget(label);
    return label;
}

QString StatusBarPanel::text() const {
    QStringList texts;
    for (const QLabel *label : {m_proxy, m_admin, m_profile, m_workers, m_connections, m_kafka}) {
        if (!label->text().isEmpty())
            texts.append(label->text());
    }
    return texts.join(QLatin1String(" | "));
}

void StatusBarPanel::applySnapshot(const EngineSnapshot &snapshot) {
    m_proxy->setText(snapshot.draining ? tr("Proxy %1 (draining)").arg(snapshot.proxyAddress)
                                       : tr("Proxy %1").arg(snapshot.proxyAddress));
    m_admin->setText(tr("Admin %1").arg(snapshot.adminAddress));
    m_profile->setText(tr("Profile %1").arg(snapshot.profile));
    m_workers->setText(tr("Workers: %1").arg(snapshot.workers));
    m_connections->setText(tr("Client connections: %1").arg(snapshot.totals.clientConnections));
    const EventBusSnapshot &bus = snapshot.eventBus;
    if (!bus.enabled) {
        m_kafka->clear();
    } else {
        // The address is what an operator types into kcat -b; the tooltip says so.
        QString text = bus.embedded ? tr("Kafka %1 (embedded)").arg(bus.brokers)
                                    : tr("Kafka %1").arg(bus.brokers);
        if (!bus.brokersUp)
            text += tr(" — unreachable, %n event(s) spooled", nullptr,
                       int(qMin<std::uint64_t>(bus.spoolPendingRecords, INT_MAX)));
        m_kafka->setText(text);
        m_kafka->setToolTip(
            tr("Read the live events with: kcat -b %1 -C -t proxy.communication_intelligence")
                .arg(bus.brokers));
    }
}

} // namespace ToolCapture
