#include <backend/feed/feed_transport.h>
#include <widgets/eliding_label.h>
#include <widgets/status_bar_panel.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>

namespace ToolCapture {

StatusBarPanel::StatusBarPanel(FeedTransport *feed, QWidget *parent)
    : QWidget(parent)
    , m_feed(feed) {
    setObjectName(QStringLiteral("statusBarPanel"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(16);
    m_endpoint = addLabel(QStringLiteral("endpoint"));
    m_proxy = addLabel(QStringLiteral("proxyAddress"));
    m_admin = addLabel(QStringLiteral("adminAddress"));
    m_kafka = addLabel(QStringLiteral("kafka"));
    m_rate = addLabel(QStringLiteral("requestRate"));
    m_errors = addLabel(QStringLiteral("errorRate"));
    m_captures = addLabel(QStringLiteral("captures"));
    m_spool = addLabel(QStringLiteral("spoolBacklog"));
    // The store's location is the longest text and the least needed at a glance (the tooltip
    // has it whole): it gives way first when the window is narrow, elided in the middle so the
    // scheme and the file name stay, and the other labels keep their whole text.
    m_store = new ElidingLabel(Qt::ElideMiddle, this);
    m_store->setObjectName(QStringLiteral("store"));
    layout->addWidget(m_store, 1);
    m_rate->setToolTip(tr("Responses per second over the last second: the instances', the "
                          "proxy's own and the response cache's"));
    m_errors->setToolTip(tr("Share of those responses that were server errors (5xx). The "
                            "Overview's error rate counts failed attempts at the instances, "
                            "also those a retry hid from the client."));
    m_proxy->setText(tr("Starting…"));
    connect(m_feed, &FeedTransport::connectionChanged, this, &StatusBarPanel::showConnection);
    showConnection();
}

QLabel *StatusBarPanel::addLabel(const QString &objectName) {
    auto *label = new QLabel(this);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Always its whole text: the store's label is the one that gives way.
    label->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
    layout()->addWidget(label);
    return label;
}

QString StatusBarPanel::text() const {
    QStringList texts;
    for (const QLabel *label :
         {m_endpoint, m_proxy, m_admin, m_kafka, m_rate, m_errors, m_captures, m_spool, m_store}) {
        if (!label->text().isEmpty())
            texts.append(label->text());
    }
    return texts.join(QLatin1String(" | "));
}

void StatusBarPanel::showConnection() {
    const QString endpoint = m_feed->endpointLabel();
    const bool remote = endpoint != QLatin1String("embedded");
    QString text;
    switch (m_feed->connection()) {
    case FeedTransport::Connection::Connecting:
        text = remote ? tr("Connecting to %1…").arg(endpoint) : QString();
        break;
    case FeedTransport::Connection::Connected:
        text = remote ? tr("Connected to %1").arg(endpoint) : QString();
        break;
    case FeedTransport::Connection::Lost:
        text = remote ? tr("Connection to %1 lost").arg(endpoint) : tr("Engine stopped");
        break;
    }
    m_endpoint->setText(text);
    m_endpoint->setToolTip(m_feed->connectionDetail());
    m_endpoint->setHidden(text.isEmpty()); // no gap before the proxy's address when embedded
    // Out of reach, the figures are the last ones the engine sent: greyed, so "25.0 req/s" and
    // "Kafka (up)" next to "connection lost" do not read as the present.
    const bool current = m_feed->connection() == FeedTransport::Connection::Connected;
    for (QLabel *label :
         {m_proxy, m_admin, m_kafka, m_rate, m_errors, m_captures, m_spool, m_store})
        label->setEnabled(current);
}

void StatusBarPanel::apply(const FeedMessage &message) {
    if (message.subject != QLatin1String("status") || message.append)
        return;
    std::optional<StatusSummary> summary =
        StatusSummary::fromJson(message.json, m_baseline ? &*m_baseline : nullptr);
    if (!summary)
        return;
    const bool restarted = m_baseline && summary->uptimeMs < m_baseline->uptimeMs;
    if (!m_baseline || restarted || summary->uptimeMs - m_baseline->uptimeMs >= 1000) {
        m_baseline = summary;
    } else if (m_summary) {
        // Too soon for a new measurement: keep showing the last one.
        summary->requestsPerSecond = m_summary->requestsPerSecond;
        summary->errorRate = m_summary->errorRate;
    }
    m_summary = std::move(summary);
    showSummary();
}

void StatusBarPanel::showSummary() {
    const StatusSummary &s = *m_summary;
    const QLocale locale;
    m_proxy->setText(s.draining ? tr("Proxy %1 (draining)").arg(s.proxyAddress)
                                : tr("Proxy %1").arg(s.proxyAddress));
    m_admin->setText(tr("Admin %1").arg(s.adminAddress));
    if (!s.kafkaEnabled) {
        m_kafka->setText(tr("Kafka off"));
        m_kafka->setToolTip({});
    } else {
        const QString where = s.kafkaEmbedded ? tr("embedded") : tr("external");
        m_kafka->setText(s.kafkaUp ? tr("Kafka %1 (%2, up)").arg(s.kafkaBrokers, where)
                                   : tr("Kafka %1 (%2, DOWN)").arg(s.kafkaBrokers, where));
        // The address is what an operator types into kcat -b; the tooltip says so.
        m_kafka->setToolTip(
            tr("Read the live events with: kcat -b %1 -C -t proxy.communication_intelligence")
                .arg(s.kafkaBrokers));
    }
    m_rate->setText(s.requestsPerSecond
                        ? tr("%1 req/s").arg(locale.toString(*s.requestsPerSecond, 'f', 1))
                        : tr("– req/s"));
    m_errors->setText(s.errorRate
                          ? tr("errors %1 %").arg(locale.toString(*s.errorRate * 100.0, 'f', 1))
                          : tr("errors – %"));
    m_captures->setText(s.captureEnabled ? tr("%1 captured").arg(locale.toString(s.capturesStored))
                                         : tr("capture off"));
    m_captures->setToolTip(
        tr("%n capture(s) dropped", nullptr, int(qMin<quint64>(s.capturesDropped, INT_MAX))));
    m_spool->setText(s.kafkaEnabled ? tr("spool %1").arg(locale.toString(s.spoolPending))
                                    : QString());
    m_spool->setToolTip(tr("Events waiting on disk for the Kafka brokers"));
    if (!s.storeEnabled) {
        m_store->setText({});
        m_store->setToolTip({});
        m_store->setStyleSheet({});
    } else if (s.storeConnected) {
        m_store->setText(tr("store %1").arg(s.storeLocation));
        m_store->setToolTip(tr("%1\nIntelligence store connected; %n row(s) waiting to be written",
                               nullptr, int(qMin<quint64>(s.storePending, INT_MAX)))
                                .arg(s.storeLocation));
        m_store->setStyleSheet({});
    } else {
        // Degraded, not failed: the proxy runs on, rows wait in memory until the store is back.
        m_store->setText(
            tr("store UNREACHABLE, %1 rows in memory").arg(locale.toString(s.storePending)));
        m_store->setToolTip(tr("%1: %2\n%n row(s) dropped so far (memory limit)", nullptr,
                               int(qMin<quint64>(s.storeDropped, INT_MAX)))
                                .arg(s.storeLocation, s.storeError));
        m_store->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold"));
    }
}

} // namespace ToolCapture
